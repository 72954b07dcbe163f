/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The seccomp programs compiled before, in files named by the hash of all that determines them.
 * Saves the compiler's time only: every failure to read or write it is a miss. Runs as root in the
 * host namespaces. */
#include <inttypes.h>
#include <linux/filter.h>
#include <sys/utsname.h>

#include "plan/oci-seccomp-bpf.h"
#include "host/oci-seccomp-cache.h"
#include "base/sha256.h"
#include "base/util.h"

/* Bumped when the serialization or the way the filter is built changes: old cache entries then
 * simply stop matching. */
#define SECCOMP_CACHE_FORMAT "nspawn-oci-seccomp-2"

/* Everything that determines the BPF, in a fixed order and an unambiguous text form. The
 * listener path and metadata do not change the program and are left out. */
static int profile_serialize(const OciSeccomp *s, char **ret, size_t *ret_size) {
        struct utsname u;
        char *buf = NULL;
        size_t size = 0;
        FILE *f;

        if (uname(&u) < 0)
                return negative_errno();
        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;

        /* The kernel release is part of the key: libseccomp adapts the program to the actions
         * the running kernel supports. */
        fprintf(f, "%s\n%s\nmachine %s\nkernel %s\n", SECCOMP_CACHE_FORMAT, oci_seccomp_bpf_compiler(),
                u.machine, u.release);
        fprintf(f, "default %d %d %" PRIu64 "\n", (int) s->default_action, s->default_errno_ret.set,
                s->default_errno_ret.v);
        STRV_FOREACH(a, s->architectures)
                fprintf(f, "arch %zu:%s\n", strlen(*a), *a);
        for (size_t i = 0; i < s->n_syscalls; i++) {
                const OciSeccompSyscall *sc = &s->syscalls[i];

                fprintf(f, "rule %d %d %" PRIu64 "\n", (int) sc->action, sc->errno_ret.set, sc->errno_ret.v);
                STRV_FOREACH(n, sc->names)
                        fprintf(f, " name %zu:%s\n", strlen(*n), *n);
                for (size_t j = 0; j < sc->n_args; j++)
                        fprintf(f, " arg %" PRIu32 " %d %" PRIu64 " %" PRIu64 "\n", sc->args[j].index,
                                (int) sc->args[j].op, sc->args[j].value, sc->args[j].value_two);
        }
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        *ret_size = size;
        return 0;
}

int oci_seccomp_cache_key(const OciSeccomp *s, char ret[static OCI_SECCOMP_CACHE_KEY_SIZE]) {
        _cleanup_free_ char *serialized = NULL;
        size_t size;
        int r;

        r = profile_serialize(s, &serialized, &size);
        if (r < 0)
                return r;
        sha256_hex(serialized, size, ret);
        return 0;
}

static int cache_path(const char *dir, const char *key, char **ret) {
        return asprintf_safe(ret, "%s/%s.bpf", dir, key) < 0 ? -ENOMEM : 0;
}

int oci_seccomp_cache_load(const char *dir, const char *key, void **ret_bpf, size_t *ret_n_insns) {
        _cleanup_free_ char *path = NULL, *data = NULL;
        size_t size = 0;
        int r;

        r = cache_path(dir, key, &path);
        if (r < 0)
                return r;
        r = read_full_file(path, &data, &size);
        if (r < 0)
                return r;
        if (size == 0 || size % sizeof(struct sock_filter) != 0 ||
            size / sizeof(struct sock_filter) > BPF_MAXINSNS)
                return -EBADMSG;
        *ret_bpf = TAKE_PTR(data);
        *ret_n_insns = size / sizeof(struct sock_filter);
        return 0;
}

int oci_seccomp_cache_store(const char *dir, const char *key, const void *bpf, size_t n_insns) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = cache_path(dir, key, &path);
        if (r >= 0)
                r = mkdir_p(dir, 0700);
        if (r >= 0)
                r = write_file_atomic(path, bpf, n_insns * sizeof(struct sock_filter), 0600);
        return r;
}
