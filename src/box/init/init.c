/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nspawn-oci-init, the holder: PID 1 of every box built by nspawn, alone in its pid namespace (the
 * container process is PID 1 of one nested below). Runs as root inside the container (started by
 * systemd-nspawn). Tells nspawn it is ready, reaps orphans, forwards signals to the container process
 * that nspawn-oci names to it, and exits when that process is gone. Static, libc only. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "holder-protocol.h"

#define HOLDER_NAME "nspawn-oci-init"

static int container_pidfd = -1;
static int control_fd = -1;

static void fail(const char *what, int error) {
        fprintf(stderr, HOLDER_NAME ": %s: %s\n", what, strerror(error));
}

static void close_all_fds(unsigned from) {
        if (syscall(SYS_close_range, from, ~0U, 0U) == 0)
                return;

        /* Kernels before 5.9. */
        struct rlimit rl;
        long max = 65536;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY && rl.rlim_max < INT_MAX)
                max = (long) rl.rlim_max;
        for (long fd = from; fd < max; fd++)
                close((int) fd);
}

/* The control socket nspawn passed on (socket activation: LISTEN_FDS=1 for our pid), or -1. */
static int take_control_fd(void) {
        const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
        struct stat st;
        int fd = -1;

        if (fds && pid && strcmp(fds, "1") == 0 && atol(pid) == (long) getpid() &&
            fstat(HOLDER_CONTROL_FD, &st) == 0 && S_ISSOCK(st.st_mode))
                fd = HOLDER_CONTROL_FD;
        unsetenv("LISTEN_FDS");
        unsetenv("LISTEN_PID");
        unsetenv("LISTEN_FDNAMES");
        return fd;
}

/* The sd_notify protocol: one datagram to the AF_UNIX socket named by $NOTIFY_SOCKET, a path or an
 * abstract name starting with '@'. No socket means nobody waits for us. */
static int notify_ready(void) {
        static const char msg[] = "READY=1";
        const char *e = getenv("NOTIFY_SOCKET");
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        size_t len;
        int fd, r = 0;

        if (!e || !*e)
                return 0;
        len = strlen(e);
        if ((e[0] != '/' && e[0] != '@') || len >= sizeof(sa.sun_path))
                return -EINVAL;
        memcpy(sa.sun_path, e, len);
        if (sa.sun_path[0] == '@')
                sa.sun_path[0] = 0;

        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (sendto(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL, (struct sockaddr *) &sa,
                   (socklen_t) (offsetof(struct sockaddr_un, sun_path) + len + (e[0] == '/'))) < 0)
                r = -errno;
        close(fd);
        unsetenv("NOTIFY_SOCKET");
        return r;
}

/* What a signal received by the holder becomes for the container process: itself, SIGTERM, or 0
 * (not forwarded). machinectl poweroff sends SIGRTMIN+4 and reboot SIGINT to the machine's leader
 * (us); systemd-nspawn --kill-signal= defaults to SIGRTMIN+3 with --boot. A process that is not an
 * init system knows none of the SIGRTMIN+n shutdown requests, so they become SIGTERM. SIGCONT is
 * forwarded because systemd follows the SIGTERM of a unit stop with a SIGCONT. */
static int forwarded_signal(int sig) {
        switch (sig) {
        case SIGTERM: case SIGINT: case SIGHUP: case SIGQUIT:
        case SIGUSR1: case SIGUSR2: case SIGWINCH: case SIGCONT:
                return sig;
        }
        if (sig == SIGRTMIN + 3 || sig == SIGRTMIN + 4 || sig == SIGRTMIN + 5)
                return SIGTERM;
        return 0;
}

/* Before a container process exists, these mean that `create` was aborted: leave at once. */
static bool is_stop_request(int sig) {
        return sig == SIGTERM || sig == SIGINT || sig == SIGRTMIN + 3 || sig == SIGRTMIN + 4 ||
                sig == SIGRTMIN + 5;
}

static void signal_set(sigset_t *mask) {
        static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH,
                                    SIGCONT, SIGCHLD };

        sigemptyset(mask);
        for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
                sigaddset(mask, sigs[i]);
        sigaddset(mask, SIGRTMIN + 3);
        sigaddset(mask, SIGRTMIN + 4);
        sigaddset(mask, SIGRTMIN + 5);
        sigaddset(mask, HOLDER_ADOPT_SIGNAL);
}

static void reap_orphans(void) {
        for (;;) {
                pid_t p = waitpid(-1, NULL, WNOHANG);
                if (p > 0)
                        continue;
                if (p < 0 && errno == EINTR)
                        continue;
                return;
        }
}

/* Safety: the adoption decides which process the holder signals and whose end ends the box, so a
 * process inside the box must not be able to choose it. Three checks make sure of that:
 * - si_code == SI_QUEUE: sent with sigqueue()/rt_sigqueueinfo(), not by kill() or the kernel;
 * - si_pid == 0 when the holder is PID 1 of a pid namespace of its own: the kernel writes 0 into si_pid
 *   when the sender lives in an ancestor pid namespace, i.e. outside the box. sigqueue() inside the box
 *   carries the sender's own (non-zero) pid. When the holder shares nspawn-oci's pid namespace (the
 *   config has none), the sender's pid is visible: no process of the container exists before the
 *   adoption, so only the host's could send it;
 * - only the first adoption counts. rt_sigqueueinfo() lets a sender in our own namespace forge
 *   si_pid == 0, but nspawn-oci adopts the container process before `create` returns, while the only
 *   processes in the box are the holder and nspawn-oci's own, not yet exec'd, children. By the time code
 *   from the image runs, the adoption is done and later ones are ignored. */
static void adopt(const struct signalfd_siginfo *si) {
        pid_t pid = (pid_t) si->ssi_int;
        int fd;

        if (container_pidfd >= 0 || si->ssi_code != SI_QUEUE || (si->ssi_pid != 0 && getpid() == 1) ||
            pid <= 1)
                return;

        fd = (int) syscall(SYS_pidfd_open, pid, 0U);
        if (fd < 0) {
                if (errno == ESRCH)     /* gone before we heard of it: the box has nothing to hold */
                        exit(EXIT_SUCCESS);
                fail("pidfd_open", errno);
                exit(EXIT_FAILURE);
        }
        container_pidfd = fd;
}

/* One message on the control socket: the pidfd of the container process, from `create` (the only holder
 * of the other end). The first adoption counts, as for the signal. On EOF the socket is done with. */
static void read_control(void) {
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } control;
        char byte;
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = control.buf,
                .msg_controllen = sizeof(control.buf),
        };
        ssize_t n;

        memset(&control, 0, sizeof(control));
        n = recvmsg(control_fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); n > 0 && c; c = CMSG_NXTHDR(&mh, c)) {
                int fd;

                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
                        continue;
                memcpy(&fd, CMSG_DATA(c), sizeof(int));
                if (container_pidfd < 0)
                        container_pidfd = fd;
                else
                        close(fd);
        }
        if (n <= 0) {
                close(control_fd);
                control_fd = -1;
        }
}

static void handle_signal(const struct signalfd_siginfo *si) {
        int sig = (int) si->ssi_signo, fwd;

        if (sig == SIGCHLD) {
                reap_orphans();
                return;
        }

        if (container_pidfd < 0) {
                if (is_stop_request(sig))
                        exit(EXIT_SUCCESS);
                return;
        }

        fwd = forwarded_signal(sig);
        if (fwd == 0)
                return;
        /* Through the pidfd: the pid cannot have been reused. ESRCH: it has just exited, and the
         * pidfd will tell us so. EINVAL: it lives in a pid namespace joined by path, which is not below
         * ours, and only its own can signal it (the engine's kill, the unit's stop). */
        if (syscall(SYS_pidfd_send_signal, container_pidfd, fwd, NULL, 0U) < 0 && errno != ESRCH)
                fail("pidfd_send_signal", errno);
}

/* Reads every pending signal, adoptions first: the kernel hands out lower signal numbers first, so a
 * SIGTERM queued after an adoption would otherwise be seen while nothing is adopted yet. */
static void process_signals(int sfd) {
        struct signalfd_siginfo si[64];
        size_t n = 0;

        while (n < sizeof(si) / sizeof(si[0])) {
                ssize_t k = read(sfd, &si[n], sizeof(si) - n * sizeof(si[0]));
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                break;
                        fail("read signalfd", errno);
                        exit(EXIT_FAILURE);
                }
                n += (size_t) k / sizeof(si[0]);
        }

        for (size_t i = 0; i < n; i++)
                if ((int) si[i].ssi_signo == HOLDER_ADOPT_SIGNAL)
                        adopt(&si[i]);
        for (size_t i = 0; i < n; i++)
                if ((int) si[i].ssi_signo != HOLDER_ADOPT_SIGNAL)
                        handle_signal(&si[i]);
}

int main(void) {
        sigset_t mask;
        int sfd, r;

        /* First of all: a signal sent to PID 1 of a pid namespace while it has no handler is dropped;
         * blocked, it waits for the signalfd. */
        signal_set(&mask);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) {
                fail("sigprocmask", errno);
                return EXIT_FAILURE;
        }
        signal(SIGPIPE, SIG_IGN);

        control_fd = take_control_fd();
        close_all_fds(control_fd >= 0 ? HOLDER_CONTROL_FD + 1 : 3);
        if (control_fd >= 0)
                (void) fcntl(control_fd, F_SETFD, FD_CLOEXEC);
        if (chdir("/") < 0) {
                fail("chdir /", errno);
                return EXIT_FAILURE;
        }
        (void) prctl(PR_SET_NAME, HOLDER_NAME);

        sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sfd < 0) {
                fail("signalfd", errno);
                return EXIT_FAILURE;
        }

        r = notify_ready();
        if (r < 0)
                fail("notify NOTIFY_SOCKET", -r);

        for (;;) {
                struct pollfd p[3] = {
                        { .fd = sfd, .events = POLLIN },
                        { .fd = container_pidfd, .events = POLLIN },
                        { .fd = control_fd, .events = POLLIN },
                };

                /* a negative fd is skipped by poll() */
                if (poll(p, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        fail("poll", errno);
                        return EXIT_FAILURE;
                }
                if (p[0].revents & POLLIN)
                        process_signals(sfd);
                if (control_fd >= 0 && (p[2].revents & (POLLIN | POLLHUP | POLLERR)))
                        read_control();
                /* A pidfd of a process that is not our child becomes readable when it exits. */
                if (container_pidfd >= 0 && p[1].fd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
                        return EXIT_SUCCESS;
        }
}
