/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.seccomp → a BPF program (libseccomp only here), cached by content under the state root.
 * Compiling runs in nspawn-oci before the fork; loading runs in the child, last before exec.
 * (oci_seccomp_program_load, not seccomp_load: that name is libseccomp's.)
 * Loading needs no libseccomp: it is one seccomp(2) call on the exported program. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oci-config.h"

typedef struct SeccompProgram {
        void *bpf;               /* struct sock_filter[] */
        size_t n_insns;
        unsigned flags;          /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
        bool notify;             /* a NOTIFY action is present: the listener fd goes to listener_path */
        char *listener_path;
        char *listener_metadata;
        char hash[65];           /* sha256 of the profile, libseccomp version, arch and kernel */
        bool from_cache;         /* the BPF came from cache_dir, libseccomp was not used */
} SeccompProgram;

/* Builds the filter as runc does: a part for every listed architecture besides the native one;
 * conditions on distinct arguments ANDed, several on one argument ORed; syscall names libseccomp
 * does not know are skipped, rules whose action equals the default action are skipped, flags the
 * kernel does not know are dropped (all three logged at debug level). cache_dir may be NULL (no
 * cache); it is created when missing. Logs its errors. */
int oci_seccomp_compile(const OciSeccomp *s, const char *cache_dir, SeccompProgram **ret);
SeccompProgram *oci_seccomp_program_free(SeccompProgram *p);
static inline void oci_seccomp_program_freep(SeccompProgram **p) {
        oci_seccomp_program_free(*p);
}

/* Loads the program into the calling process (needs no_new_privs or CAP_SYS_ADMIN); returns the
 * notify listener fd (>= 0, O_CLOEXEC) when p->notify, else 0. Does not log: it runs in the child. */
int oci_seccomp_program_load(const SeccompProgram *p);

/* Hands a notify listener fd to the agent listening on the unix socket listener_path, as the
 * runtime spec says: one message whose payload is the container process state JSON
 * ({"ociVersion", "fds": ["seccompFd"], "pid", "metadata", "state"}, built by the caller) and
 * whose SCM_RIGHTS carry listener_fd. Runs in nspawn-oci (host mount namespace): the child
 * cannot reach a host path. Logs its errors. */
int oci_seccomp_send_listener(const char *listener_path, int listener_fd, const char *process_state_json);

/* Number of filters compiled with libseccomp by this process (cache misses); for tests and bench. */
unsigned oci_seccomp_compile_count(void);

/* For the features document. The flag names linux.seccomp.flags takes (NULL-terminated). */
const char * const *oci_seccomp_known_flags(void);
/* Whether the running kernel has that filter flag (asked without installing anything). */
bool oci_seccomp_kernel_has_flag(const char *name);
/* Whether libseccomp builds filters for an architecture by its OCI name ("SCMP_ARCH_X86_64"). */
bool oci_seccomp_arch_supported(const char *oci_name);
