/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The protocol between nspawn-oci (root, host namespaces) and the holder nspawn-oci-init (PID 1 of the
 * box). Included by both sides; libc only. */
#pragma once

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

/* Sent by nspawn-oci to the holder with sigqueue(), si_value.sival_int = the container process's pid as
 * seen inside the box. The holder accepts it only with si_code == SI_QUEUE and si_pid == 0 (the kernel
 * writes 0 there when the sender is outside the box's pid namespace), and only once.
 *
 * Rules for the sender:
 * - send it only after the holder said READY=1 (nspawn's --notify-ready=yes): before the holder has
 *   set up its signal handling, a signal to PID 1 of a pid namespace is dropped;
 * - send it before any code from the image runs in the box, i.e. before `create` returns and the exec
 *   FIFO can be opened. Until then nothing untrusted lives in the pid namespace that could forge
 *   the adoption (see init.c).
 * SIGRTMIN is a function call in glibc: this is not a constant expression. */
#define HOLDER_ADOPT_SIGNAL (SIGRTMIN + 10)

/* Tells the holder (host pid 'holder') which process to watch. Returns 0 or a negative errno. */
static inline int holder_adopt(pid_t holder, pid_t inner_pid) {
        union sigval v = { .sival_int = inner_pid };

        if (holder <= 0 || inner_pid <= 1)
                return -EINVAL;
        if (sigqueue(holder, HOLDER_ADOPT_SIGNAL, v) < 0)
                return -errno;
        return 0;
}

/* The same through a pidfd of the holder, immune to pid reuse. */
static inline int holder_adopt_pidfd(int holder_pidfd, pid_t inner_pid) {
        siginfo_t si;

        if (holder_pidfd < 0 || inner_pid <= 1)
                return -EINVAL;
        memset(&si, 0, sizeof(si));
        si.si_signo = HOLDER_ADOPT_SIGNAL;
        si.si_code = SI_QUEUE;
        si.si_pid = getpid();
        si.si_uid = getuid();
        si.si_value.sival_int = inner_pid;
        if (syscall(SYS_pidfd_send_signal, holder_pidfd, HOLDER_ADOPT_SIGNAL, &si, 0) < 0)
                return -errno;
        return 0;
}

/* The pid of host process 'host_pid' as seen in its own (innermost) pid namespace: the last field of
 * the NSpid line in /proc/<pid>/status (Linux ≥ 4.1). */
static inline int holder_inner_pid(pid_t host_pid, pid_t *ret) {
        char path[64], line[256];
        FILE *f;
        int r = -ENODATA;

        snprintf(path, sizeof(path), "/proc/%d/status", (int) host_pid);
        f = fopen(path, "re");
        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f)) {
                char *last, *end;
                long v;

                if (strncmp(line, "NSpid:", 6) != 0)
                        continue;
                line[strcspn(line, "\n")] = 0;
                last = strrchr(line, '\t');
                last = last ? last + 1 : line + 6;
                errno = 0;
                v = strtol(last, &end, 10);
                if (errno != 0 || end == last || *end != 0 || v <= 0)
                        r = -EBADMSG;
                else {
                        *ret = (pid_t) v;
                        r = 0;
                }
                break;
        }
        fclose(f);
        return r;
}
