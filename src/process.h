/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Applies every per-process setting of an OciProcess to the calling process, then execs it.
 * Runs as root in the forked child, already inside all of the container's namespaces and cgroup. */
#pragma once

#include <stdbool.h>

#include "oci-config.h"
#include "seccomp.h"

typedef struct ProcessContext {
        const OciProcess *process;
        const SeccompProgram *seccomp;  /* NULL: no filter */
        int console_fd;                  /* the pty slave to make the controlling terminal, or -1 */
        int exec_fifo_fd;                /* opened O_WRONLY blocks until `start`; -1: no wait */
        int sync_fd;                     /* errors are reported here before exec, or -1 */
        unsigned preserve_fds;           /* fds 3 .. 3+N-1 stay open */
        bool main_process;               /* false for exec */
} ProcessContext;

/* Does not return on success. On failure writes one line "message" to sync_fd and returns < 0. */
int process_exec(const ProcessContext *ctx);

/* Looks up args[0] in PATH from the process env, relative to the current root. */
int process_find_executable(const OciProcess *p, char **ret);
