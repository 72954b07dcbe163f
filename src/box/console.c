/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Terminals: allocating a pty, passing fds over unix sockets (--console-socket, and between our own
 * processes), relaying a pty to our stdio. Runs as root on the host, console_open() inside the box's
 * mount namespace. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>

#include "box/console.h"
#include "base/util.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

int console_pty_name(int master, char **ret) {
        unsigned n;

        if (ioctl(master, TIOCGPTN, &n) < 0)
                return negative_errno();
        return asprintf_safe(ret, "/dev/pts/%u", n) < 0 ? -ENOMEM : 0;
}

int console_open(int *ret_master, int *ret_slave, unsigned rows, unsigned cols) {
        _cleanup_close_ int master = -1, slave = -1;
        int unlock = 0;

        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return negative_errno();
        if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
                return negative_errno();

        /* The peer of this very master (Linux ≥ 4.13), without a path lookup in /dev/pts; by name on
         * older kernels. */
        slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0) {
                _cleanup_free_ char *name = NULL;
                int r;

                if (errno != EINVAL && errno != ENOTTY)
                        return negative_errno();
                r = console_pty_name(master, &name);
                if (r < 0)
                        return r;
                slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
                if (slave < 0)
                        return negative_errno();
        }

        if (rows > 0 && cols > 0) {
                struct winsize ws = { .ws_row = (unsigned short) rows, .ws_col = (unsigned short) cols };
                if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
                        return negative_errno();
        }

        *ret_master = TAKE_FD(master);
        *ret_slave = TAKE_FD(slave);
        return 0;
}

int console_send_fd_over(int sock, int fd) {
        return send_fd(sock, fd, "", 1);
}

int console_recv_fd(int sock, int *ret_fd) {
        char payload[256];
        int fd;
        ssize_t n;

        n = recv_fd(sock, payload, sizeof(payload), 0, &fd);
        if (n < 0)
                return (int) n;
        if (fd < 0)
                return n == 0 ? -ECONNRESET : -EBADMSG;
        *ret_fd = fd;
        return 0;
}

int console_send_fd(const char *socket_path, int fd) {
        _cleanup_close_ int sock = -1;
        _cleanup_free_ char *name = NULL;
        int r;

        sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (sock < 0)
                return negative_errno();
        r = unix_connect(sock, socket_path);
        if (r < 0)
                return r;
        /* conmon (like runc's recvtty) reads the name as the message and ignores it; runc sends it. */
        if (console_pty_name(fd, &name) < 0)
                name = NULL;
        return send_fd(sock, fd, name ?: "", strlen(name ?: "") + 1);
}

static void copy_winsize(int from, int master) {
        struct winsize ws;

        if (from >= 0 && ioctl(from, TIOCGWINSZ, &ws) >= 0)
                (void) ioctl(master, TIOCSWINSZ, &ws);
}

static int write_all(int fd, const char *p, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, p, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

typedef struct Relay {
        int master;
        int size_source;        /* our tty whose size the pty follows, or -1 */
        bool in_open;           /* still reading stdin */
        bool in_tty;
        bool out_ok;            /* stdout still takes data */
        bool master_open;       /* the master has not hung up yet */
        char pending[4096];     /* read from stdin, not yet taken by the master */
        size_t pending_len, pending_off;
} Relay;

static void relay_stdin(Relay *r) {
        ssize_t n = read(STDIN_FILENO, r->pending, sizeof(r->pending));

        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return;
        if (n > 0) {
                r->pending_len = (size_t) n;
                r->pending_off = 0;
                return;
        }

        r->in_open = false;
        /* End of a piped stdin: in canonical mode the reader sees end of file after the EOF character. */
        struct termios t;
        if (!r->in_tty && tcgetattr(r->master, &t) >= 0 && (t.c_lflag & ICANON)) {
                r->pending[0] = (char) t.c_cc[VEOF];
                r->pending_len = 1;
                r->pending_off = 0;
        }
}

static void relay_to_master(Relay *r) {
        ssize_t n = write(r->master, r->pending + r->pending_off, r->pending_len - r->pending_off);

        if (n < 0) {
                if (errno == EINTR || errno == EAGAIN)
                        return;
                r->pending_len = r->pending_off = 0;     /* the pty is gone; nothing more to give */
                r->in_open = false;
                return;
        }
        r->pending_off += (size_t) n;
        if (r->pending_off >= r->pending_len)
                r->pending_len = r->pending_off = 0;
}

static void relay_from_master(Relay *r) {
        char buf[8192];
        ssize_t n = read(r->master, buf, sizeof(buf));

        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return;
        if (n <= 0) {
                /* EIO: every slave fd is closed and the buffer is drained. */
                r->master_open = false;
                return;
        }
        /* A reader of our stdout that went away does not stop the process: its output is dropped. */
        if (r->out_ok && write_all(STDOUT_FILENO, buf, (size_t) n) < 0)
                r->out_ok = false;
}

int console_relay(int master, pid_t pid, int *ret_status) {
        /* After the child exits, output still buffered is drained; if the master stays quiet this
         * long, something else holds the slave open, and we stop anyway. */
        static const int drain_ms = 250;
        Relay r = {
                .master = master,
                .size_source = -1,
                .in_open = true,
                .out_ok = true,
                .master_open = true,
        };
        _cleanup_close_ int pidfd = -1, sfd = -1;
        struct termios saved;
        bool raw = false, exited = false, masked = false;
        sigset_t winch, old_mask;
        int flags, status = 0, ret = 0;

        pidfd = pidfd_open_safe(pid);
        if (pidfd < 0)
                return pidfd;

        flags = fcntl(master, F_GETFL);
        if (flags < 0 || fcntl(master, F_SETFL, flags | O_NONBLOCK) < 0)
                return negative_errno();

        sigemptyset(&winch);
        sigaddset(&winch, SIGWINCH);
        if (sigprocmask(SIG_BLOCK, &winch, &old_mask) < 0) {
                ret = negative_errno();
                goto finish;
        }
        masked = true;
        sfd = signalfd(-1, &winch, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sfd < 0) {
                ret = negative_errno();
                goto finish;
        }

        r.in_tty = isatty(STDIN_FILENO);
        if (r.in_tty) {
                r.size_source = STDIN_FILENO;
                if (tcgetattr(STDIN_FILENO, &saved) >= 0) {
                        struct termios t = saved;
                        cfmakeraw(&t);
                        raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) >= 0;
                }
        } else if (isatty(STDOUT_FILENO))
                r.size_source = STDOUT_FILENO;
        copy_winsize(r.size_source, master);

        while (!exited || r.master_open) {
                struct pollfd p[4] = {
                        { .fd = -1, .events = POLLIN },
                        { .fd = master, .events = 0 },
                        { .fd = sfd, .events = POLLIN },
                        { .fd = exited ? -1 : pidfd, .events = POLLIN },
                };
                int n;

                if (r.in_open && r.pending_len == 0)
                        p[0].fd = STDIN_FILENO;
                if (r.master_open)
                        p[1].events = POLLIN | (r.pending_len > 0 ? POLLOUT : 0);
                else
                        p[1].fd = -1;

                n = poll(p, ELEMENTSOF(p), exited ? drain_ms : -1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        ret = negative_errno();
                        break;
                }
                if (n == 0)
                        break;

                if (p[0].revents)
                        relay_stdin(&r);
                if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
                        relay_from_master(&r);
                if (r.master_open && r.pending_len > 0 && (p[1].revents & POLLOUT))
                        relay_to_master(&r);
                if (p[2].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        while (read(sfd, &si, sizeof(si)) == sizeof(si))
                                ;
                        copy_winsize(r.size_source, master);
                }
                if (p[3].revents & POLLIN) {
                        if (waitpid(pid, &status, 0) < 0) {
                                ret = negative_errno();
                                break;
                        }
                        exited = true;
                }
        }

finish:
        if (raw)
                (void) tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
        (void) fcntl(master, F_SETFL, flags);
        if (masked)
                (void) sigprocmask(SIG_SETMASK, &old_mask, NULL);
        if (ret < 0)
                return ret;
        if (ret_status)
                *ret_status = status;
        return 0;
}
