/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Applies every per-process setting of an OciProcess to the calling process, then execs it.
 * Runs as root in the forked child, already inside all of the container's namespaces and cgroup. */
#pragma once

#include <stdbool.h>

#include "oci/oci-config.h"
#include "box/oci-seccomp.h"

typedef struct ProcessContext {
        const OciProcess *process;
        const OciPersonality *personality; /* linux.personality, or NULL */
        const SeccompProgram *seccomp;  /* NULL: no filter */
        int console_fd;                  /* the pty slave to make the controlling terminal, or -1 */
        int exec_fifo_fd;                /* O_PATH fd of the exec FIFO; -1: no wait */
        int sync_fd;                     /* the sync socket (see below), or -1 */
        unsigned preserve_fds;           /* fds 3 .. 3+N-1 stay open */
        const char *session_keyring;     /* the session keyring to join by name; NULL: keep the caller's */
        bool user_namespace;             /* the process is in a user namespace of the container's */
        bool main_process;               /* false for exec */
} ProcessContext;

/* The sync protocol on ctx->sync_fd, from the child to nspawn-oci. Messages are lines:
 *
 *   "SECCOMP\n"        carries one fd with SCM_RIGHTS: the seccomp notify listener, when the filter
 *                      uses SCMP_ACT_NOTIFY; nspawn-oci hands it to listenerPath with
 *                      oci_seccomp_send_listener() (the child cannot reach a host path). sync_fd must be
 *                      an AF_UNIX socket then; otherwise a pipe is enough.
 *   "READY\n"          main process only: everything is applied and the child now blocks on the
 *                      exec FIFO until `start`.
 *   "ERROR <text>\n"   setting up failed; <text> is one line for the user, e.g.
 *                      exec: "foo": executable file not found in $PATH
 *                      The child exits right after.
 *
 * sync_fd is marked O_CLOEXEC, so for exec (no FIFO) EOF without ERROR means execve succeeded.
 * Errors after READY (the FIFO, execve) are also logged to stderr: nobody waits for them. */

/* Does not return on success. On failure writes "ERROR message" to sync_fd and returns < 0; the
 * caller _exit()s. */
int process_exec(const ProcessContext *ctx);

/* The parent's side of the protocol: reads until READY (main_process), EOF or ERROR. Returns 0 when
 * the child is ready (main) or has exec'd (exec); ret_listener_fd gets the notify listener or -1.
 * On ERROR returns -EIO and *ret_error holds the child's message; on EOF before READY, -EPIPE.
 * Does not log. */
int process_sync_receive(int sync_fd, bool main_process, int *ret_listener_fd, char **ret_error);

/* Looks up args[0] in PATH from the process env (default
 * /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin), relative to the current root.
 * Names with a slash are taken as they are. -ENOENT when not found, -EACCES when not executable. */
int process_find_executable(const OciProcess *p, char **ret);

/* process.execCPUAffinity.initial: applied by the spawner before the child joins the container's
 * cgroup (the runtime spec's "initial"); process_exec() applies "final" itself. Logs its errors. */
int process_set_initial_cpu_affinity(const OciProcess *p);

/* Writes process.oomScoreAdj to /proc/self/oom_score_adj. Called in the spawner while it is still in the
 * host's mount namespace: the value is inherited by the process it clones, and no /proc of the container
 * (which a container holding CAP_SYS_ADMIN there can cover, CVE-2025-52881) takes the write. */
int process_set_oom_score_adj(const OciProcess *p);

/* Parses a cpu list such as "0-3,7" into a cpu_set_t (void * to keep <sched.h> out of here). */
int process_parse_cpu_list(const char *s, void *ret_cpu_set);

/* PR_SET_DUMPABLE 0: called by the spawner before joining the container's pid namespace, so that
 * nothing in the container can ptrace the process or open its /proc files before execve. execve
 * restores dumpable for an ordinary binary. */
int process_make_nondumpable(void);
