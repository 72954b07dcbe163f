/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The seccomp program of a container: its BPF (from oci-seccomp-cache.c, else oci-seccomp-bpf.c) and
 * its filter flags, loaded with one seccomp(2) call, its notify listener handed to the agent. Building
 * runs in nspawn-oci before the fork; loading runs in the child, last before exec.
 * (oci_seccomp_program_load, not seccomp_load: that name is libseccomp's.) */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oci/oci-config.h"
#include "plan/plan.h"

typedef struct SeccompProgram {
        void *bpf;               /* struct sock_filter[] */
        size_t n_insns;
        unsigned flags;          /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
        bool notify;             /* a NOTIFY action is present: the listener fd goes to listener_path */
        char *listener_path;
        char *listener_metadata;
        char hash[65];           /* the cache key: oci_seccomp_cache_key() */
        bool from_cache;         /* the BPF came from cache_dir, libseccomp was not used */
} SeccompProgram;

/* The program for a profile: its BPF from the cache in cache_dir (NULL: none; created when missing),
 * else from oci_seccomp_bpf_compile(); its flags as the profile lists them, those the kernel does not
 * know dropped (logged at debug level). Logs its errors. */
int oci_seccomp_compile(const OciSeccomp *s, const char *cache_dir, SeccompProgram **ret);
/* The program create compiled for the saved plan, loaded from the cache in cache_dir by its key. Logs
 * its errors. */
int oci_seccomp_program_from_plan(const PlanSeccomp *s, const char *cache_dir, SeccompProgram **ret);
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
 * whose SCM_RIGHTS carry listener_fd (send_fd()). Runs in nspawn-oci (host mount namespace): the
 * child cannot reach a host path. Logs its errors. */
int oci_seccomp_send_listener(const char *listener_path, int listener_fd, const char *process_state_json);

/* For the features document. The flag names linux.seccomp.flags takes (NULL-terminated). */
const char * const *oci_seccomp_known_flags(void);
/* Whether the running kernel has that filter flag (asked without installing anything). */
bool oci_seccomp_kernel_has_flag(const char *name);
