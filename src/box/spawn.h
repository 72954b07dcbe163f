/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Puts a process into a box: joins the holder's namespaces (user first) and cgroup, is born in its pid
 * namespace (PID 1 of a new one, or a later pid of one it joins), and becomes the caller's child, so
 * that conmon (or nspawn-oci run) reaps it. Runs as root on the host. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "oci/oci-config.h"
#include "box/oci-seccomp.h"

typedef struct SpawnOptions {
        pid_t holder;                    /* host pid of the box's PID 1 */
        const bool *join_ns;             /* [_OCI_NS_MAX]: the namespaces to take from the holder, but
                                          * the pid namespace, which pidns_fd gives */
        int pidns_fd;                    /* setns(CLONE_NEWPID) target (a pidfd or a namespace fd) the
                                          * process is born in, or below which its new one is; -1: ours */
        int mntns_fd;                    /* a mount namespace to join instead of the holder's (the
                                          * config's by path), before the box's root is taken; -1: none */
        bool new_pidns;                  /* the process is PID 1 of a new pid namespace */
        bool mount_proc;                 /* it mounts a procfs of its pid namespace over the box's /proc */
        char * const *mounts_after_proc; /* with mount_proc: attached again after it, in this order
                                          * (plan_mounts_after_proc()) */
        const OciProcess *process;
        const OciPersonality *personality;
        const SeccompProgram *seccomp;
        const char *fifo_path;           /* main process: wait on it before exec; NULL for exec */
        unsigned preserve_fds;
        const char *session_keyring;     /* the name of the session keyring to join; NULL: keep ours */
} SpawnOptions;

/* Forks the process into the box. On success *ret_pid is its host pid and, when the process has a
 * terminal, *ret_master the pty master (else -1). With a FIFO it returns once the process waits on it;
 * without, once it has exec'd. *ret_listener gets the seccomp notify fd or -1. Errors are logged. */
int spawn_process(const SpawnOptions *o, pid_t *ret_pid, int *ret_master, int *ret_listener);
