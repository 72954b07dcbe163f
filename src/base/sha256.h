/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SHA-256 (FIPS 180-4), small and dependency-free: names cached seccomp filters by content.
 * No privilege of its own. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32

typedef struct Sha256 {
        uint32_t state[8];
        uint64_t length;         /* bytes hashed so far */
        uint8_t buffer[64];
        size_t buffered;
} Sha256;

void sha256_init(Sha256 *s);
void sha256_update(Sha256 *s, const void *data, size_t size);
void sha256_finish(Sha256 *s, uint8_t ret[SHA256_DIGEST_SIZE]);

/* One-shot digest as 64 lowercase hex characters plus NUL. */
void sha256_hex(const void *data, size_t size, char ret[SHA256_DIGEST_SIZE * 2 + 1]);
