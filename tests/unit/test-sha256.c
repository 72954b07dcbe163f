/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SHA-256 against the FIPS 180-4 / NIST example vectors. No privilege needed. */
#include "../tap.h"
#include "base/sha256.h"
#include "base/util.h"

static void check(const char *data, size_t size, const char *want, const char *what) {
        char hex[SHA256_DIGEST_SIZE * 2 + 1];

        sha256_hex(data, size, hex);
        tap_is_str(hex, want, "sha256 of %s", what);
}

int main(void) {
        char *million = malloc(1000000);
        char hex[SHA256_DIGEST_SIZE * 2 + 1];
        uint8_t digest[SHA256_DIGEST_SIZE];
        Sha256 s;

        check("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "the empty string");
        check("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "\"abc\"");
        check("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", "the 448-bit message");
        check("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnop"
              "qrsmnopqrstnopqrstu",
              112, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
              "the 896-bit message");

        memset(million, 'a', 1000000);
        check(million, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
              "a million 'a'");

        /* the same million fed in odd-sized pieces must give the same digest */
        sha256_init(&s);
        for (size_t done = 0; done < 1000000;) {
                size_t n = done % 7 == 0 ? 63 : 65;
                if (n > 1000000 - done)
                        n = 1000000 - done;
                sha256_update(&s, million + done, n);
                done += n;
        }
        sha256_finish(&s, digest);
        for (unsigned i = 0; i < SHA256_DIGEST_SIZE; i++)
                snprintf(hex + 2 * i, 3, "%02x", digest[i]);
        tap_is_str(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
                   "incremental update");
        free(million);
        return tap_done(0);
}
