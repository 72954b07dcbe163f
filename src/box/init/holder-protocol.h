/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The protocol between nspawn-oci (root, host namespaces) and the holder nspawn-oci-init (PID 1 of the
 * box). Included by both sides; libc only. */
#pragma once

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

/* Sent by nspawn-oci to the holder with sigqueue(), si_value.sival_int = the container process's pid as
 * the holder sees it (holder_pid_of()). The holder accepts it only with si_code == SI_QUEUE and, when it
 * is PID 1 of the box's pid namespace, si_pid == 0 (the kernel writes 0 there when the sender is outside
 * that namespace), and only once.
 *
 * Rules for the sender:
 * - send it only after the holder said READY=1 (nspawn's --notify-ready=yes): before the holder has
 *   set up its signal handling, a signal to PID 1 of a pid namespace is dropped;
 * - send it before any code from the image runs in the box, i.e. before `create` returns and the exec
 *   FIFO can be opened. Until then nothing untrusted lives in the pid namespace that could forge
 *   the adoption (see init.c).
 * SIGRTMIN is a function call in glibc: this is not a constant expression. */
#define HOLDER_ADOPT_SIGNAL (SIGRTMIN + 10)

/* The holder's control socket (SOCK_SEQPACKET): nspawn hands it to the holder as its only
 * socket-activation fd (LISTEN_FDS=1, fd 3); `create` holds the other end. Over it goes, once, a pidfd
 * of the container process (SCM_RIGHTS with one byte, console_send_fd_over()): the adoption of a
 * process the holder cannot name by pid, one born in a pid namespace joined by path, outside the box's.
 * Nothing in the box can reach either end. */
#define HOLDER_CONTROL_FD 3

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

/* The NSpid line of /proc/<pid>/status (Linux >= 4.1): the process's pid in every pid namespace from
 * that of /proc (the reader's) down to its own. Fills up to 'max' of them and returns how many levels
 * there are, or a negative errno. */
static inline int holder_nspids(pid_t host_pid, pid_t *ret, int max) {
        char path[64], line[256];
        FILE *f;
        int r = -ENODATA;

        snprintf(path, sizeof(path), "/proc/%d/status", (int) host_pid);
        f = fopen(path, "re");
        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f)) {
                char *p, *end;
                int n = 0;

                if (strncmp(line, "NSpid:", 6) != 0)
                        continue;
                for (p = line + 6;; p = end) {
                        long v;

                        p += strspn(p, " \t");
                        if (*p == '\n' || *p == 0)
                                break;
                        errno = 0;
                        v = strtol(p, &end, 10);
                        if (errno != 0 || end == p || v <= 0 || v > INT_MAX) {
                                n = -EBADMSG;
                                break;
                        }
                        if (n < max)
                                ret[n] = (pid_t) v;
                        n++;
                }
                r = n == 0 ? -EBADMSG : n;
                break;
        }
        fclose(f);
        return r;
}

/* The pid of host process 'host_pid' as seen in its own (innermost) pid namespace. */
static inline int holder_inner_pid(pid_t host_pid, pid_t *ret) {
        pid_t pids[32];
        int n = holder_nspids(host_pid, pids, 32);

        if (n < 0)
                return n;
        if (n > 32)
                return -E2BIG;
        *ret = pids[n - 1];
        return 0;
}

/* The pid of host process 'host_pid' as the holder (host pid 'holder') sees it, in the holder's pid
 * namespace: the process lives there or in a namespace below it (the container process is PID 1 of a
 * namespace nested in the box's). -ESRCH if it lives above the holder's. */
static inline int holder_pid_of(pid_t holder, pid_t host_pid, pid_t *ret) {
        pid_t h[32], p[32];
        int nh = holder_nspids(holder, h, 32), np;

        if (nh < 0)
                return nh;
        np = holder_nspids(host_pid, p, 32);
        if (np < 0)
                return np;
        if (nh > 32 || np > 32)
                return -E2BIG;
        if (np < nh)
                return -ESRCH;
        *ret = p[nh - 1];
        return 0;
}
