/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Terminals: a pty pair, fds passed over sockets (ours and conmon's --console-socket way), the relay.
 * Runs as any user with /dev/ptmx, in the host namespaces. */
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

#include "box/console.h"
#include "tap.h"
#include "base/util.h"

static char tmpdir[] = "/tmp/test-console.XXXXXX";

static ssize_t read_timeout(int fd, char *buf, size_t size, int ms) {
        struct pollfd p = { .fd = fd, .events = POLLIN };

        if (poll(&p, 1, ms) <= 0)
                return -1;
        return read(fd, buf, size);
}

static unsigned pty_number(int master) {
        unsigned n = (unsigned) -1;
        (void) ioctl(master, TIOCGPTN, &n);
        return n;
}

static void test_open(void) {
        _cleanup_close_ int master = -1, slave = -1;
        _cleanup_free_ char *name = NULL;
        struct winsize ws = {};
        char want[64];
        int r;

        tap_is_int(console_open(&master, &slave, 24, 100), 0, "console_open()");
        if (master < 0)
                return;
        r = ioctl(slave, TIOCGWINSZ, &ws);
        tap_ok(r == 0 && ws.ws_row == 24 && ws.ws_col == 100, "the slave has the requested size (%ux%u)",
               ws.ws_row, ws.ws_col);
        tap_ok((fcntl(master, F_GETFD) & FD_CLOEXEC) && (fcntl(slave, F_GETFD) & FD_CLOEXEC),
               "both fds are O_CLOEXEC");
        tap_is_int(console_pty_name(master, &name), 0, "console_pty_name()");
        snprintf(want, sizeof(want), "/dev/pts/%u", pty_number(master));
        tap_is_str(name, want, "the name is /dev/pts/N");
        tap_ok(isatty(slave) && streq(ttyname(slave) ?: "", want), "the slave is that tty");
}

static void test_pass_over_socketpair(void) {
        _cleanup_close_ int master = -1, slave = -1, got = -1;
        int sp[2];
        char buf[64] = "";
        ssize_t n;

        if (console_open(&master, &slave, 0, 0) < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
                tap_ok(false, "pty and socketpair");
                return;
        }
        tap_is_int(console_send_fd_over(sp[0], master), 0, "console_send_fd_over()");
        tap_is_int(console_recv_fd(sp[1], &got), 0, "console_recv_fd()");
        tap_ok(got >= 0 && got != master && pty_number(got) == pty_number(master),
               "the received fd is the same pty master");
        tap_ok(got >= 0 && (fcntl(got, F_GETFD) & FD_CLOEXEC), "the received fd is O_CLOEXEC");
        if (got >= 0 && write(got, "through\n", 8) == 8) {
                n = read_timeout(slave, buf, sizeof(buf) - 1, 2000);
                buf[n > 0 ? n : 0] = 0;
        }
        tap_is_str(buf, "through\n", "what is written to the received master arrives on the slave");

        safe_close(sp[0]);
        int none = -1;
        tap_is_int(console_recv_fd(sp[1], &none), -ECONNRESET, "a closed peer gives -ECONNRESET");
        safe_close(sp[1]);
}

static void check_console_socket(const char *path, const char *what) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int l = -1, c = -1, master = -1, slave = -1, got = -1;
        char payload[256] = "", want[64], cbuf[CMSG_SPACE(sizeof(int))];
        struct iovec iov = { .iov_base = payload, .iov_len = sizeof(payload) };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
        struct cmsghdr *cm;
        _cleanup_close_ int dfd = -1;
        const char *base = strrchr(path, '/');
        _cleanup_free_ char *dir = strndup(path, (size_t) (base - path));

        /* Bind relative to the directory, as conmon cannot for long paths either. */
        dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dfd, base + 1);
        l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (dfd < 0 || l < 0 || bind(l, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(l, 1) < 0 ||
            console_open(&master, &slave, 0, 0) < 0) {
                tap_ok(false, "%s: listening socket and pty: %s", what, strerror(errno));
                return;
        }

        tap_is_int(console_send_fd(path, master), 0, "%s: console_send_fd()", what);
        c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
        if (c >= 0 && recvmsg(c, &msg, MSG_CMSG_CLOEXEC) > 0) {
                cm = CMSG_FIRSTHDR(&msg);
                /* conmon checks exactly this. */
                if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
                    cm->cmsg_len == CMSG_LEN(sizeof(int)))
                        memcpy(&got, CMSG_DATA(cm), sizeof(int));
        }
        snprintf(want, sizeof(want), "/dev/pts/%u", pty_number(master));
        tap_ok(got >= 0 && pty_number(got) == pty_number(master), "%s: one SCM_RIGHTS fd, the master", what);
        tap_is_str(payload, want, "%s: the payload is the pty name", what);
        unlink(path);
}

static void test_console_socket(void) {
        char path[512], longdir[400];

        snprintf(path, sizeof(path), "%s/console.sock", tmpdir);
        check_console_socket(path, "short path");

        snprintf(longdir, sizeof(longdir), "%s/%0100d", tmpdir, 0);
        mkdir(longdir, 0700);
        snprintf(path, sizeof(path), "%s/console-with-a-long-name.sock", longdir);
        tap_ok(strlen(path) >= sizeof(((struct sockaddr_un *) NULL)->sun_path), "the long path exceeds sun_path");
        check_console_socket(path, "long path");
        rmdir(longdir);
}

/* Runs console_relay() for a child on the pty that runs 'script', with our stdin from 'input' and our
 * stdout captured. */
static int relay(const char *script, const char *input, int in_fd, char **ret_out, int *ret_status) {
        _cleanup_close_ int master = -1, slave = -1, in = -1, out = -1, saved_in = -1, saved_out = -1;
        char inpath[300], outpath[300];
        pid_t pid;
        int r;

        snprintf(inpath, sizeof(inpath), "%s/in", tmpdir);
        snprintf(outpath, sizeof(outpath), "%s/out", tmpdir);
        if (input && write_file_atomic(inpath, input, strlen(input), 0600) < 0)
                return -EIO;
        r = console_open(&master, &slave, 25, 80);
        if (r < 0)
                return r;

        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                setsid();
                (void) ioctl(slave, TIOCSCTTY, 0);
                dup2(slave, 0);
                dup2(slave, 1);
                dup2(slave, 2);
                execl("/bin/sh", "sh", "-c", script, (char *) NULL);
                _exit(127);
        }
        slave = safe_close(slave);

        in = input ? open(inpath, O_RDONLY | O_CLOEXEC) : fcntl(in_fd, F_DUPFD_CLOEXEC, 3);
        out = open(outpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        saved_in = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
        saved_out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
        fflush(stdout);
        dup2(in, STDIN_FILENO);
        dup2(out, STDOUT_FILENO);

        r = console_relay(master, pid, ret_status);

        dup2(saved_in, STDIN_FILENO);
        dup2(saved_out, STDOUT_FILENO);
        if (r < 0) {
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                return r;
        }
        if (input)
                unlink(inpath);
        r = read_full_file(outpath, ret_out, NULL);
        unlink(outpath);
        return r;
}

static void test_relay(void) {
        _cleanup_free_ char *out = NULL, *out2 = NULL;
        int status = -1;

        tap_is_int(relay("echo hello-from-pty; exit 3", "", -1, &out, &status), 0, "console_relay()");
        tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 3, "the child's wait status: exit 3 (0x%x)", status);
        tap_ok(out && strstr(out, "hello-from-pty\r\n"), "the child's output is relayed");

        status = -1;
        tap_is_int(relay("read x; echo \"got:$x\"; cat; echo after-eof; exit 0", "ping\nline2\n", -1, &out2, &status),
                   0, "console_relay() with input");
        tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child reads to the end of its input and exits");
        tap_ok(out2 && strstr(out2, "got:ping") && strstr(out2, "line2") && strstr(out2, "after-eof"),
               "our stdin reaches the child, and its end ends the child's input");
        if (out2 && !strstr(out2, "after-eof"))
                tap_diag("output: %s", out2);
}

/* Our stdin is a terminal: raw while relaying, restored after; its size, and its changes announced by
 * SIGWINCH, reach the child's pty. */
static void test_relay_tty(void) {
        _cleanup_close_ int om = -1, os = -1;
        _cleanup_free_ char *out = NULL;
        struct termios before = {}, after = {};
        int status = -1, hstatus = -1;
        pid_t helper;

        if (console_open(&om, &os, 30, 90) < 0 || tcgetattr(os, &before) < 0) {
                tap_ok(false, "outer pty");
                return;
        }
        helper = fork();
        if (helper == 0) {
                struct winsize ws = { .ws_row = 40, .ws_col = 120 };
                struct termios t;
                struct timespec ts = { 0, 200000000 };

                nanosleep(&ts, NULL);
                bool raw = tcgetattr(os, &t) == 0 && !(t.c_lflag & ICANON) && !(t.c_lflag & ECHO);
                ioctl(om, TIOCSWINSZ, &ws);
                kill(getppid(), SIGWINCH);
                _exit(raw ? 0 : 1);
        }
        tap_is_int(relay("stty size; sleep 1; stty size", NULL, os, &out, &status), 0,
                   "console_relay() with a terminal on stdin");
        tap_ok(helper > 0 && waitpid(helper, &hstatus, 0) == helper && WIFEXITED(hstatus) &&
               WEXITSTATUS(hstatus) == 0, "our terminal is in raw mode while relaying");
        tap_ok(tcgetattr(os, &after) == 0 && after.c_lflag == before.c_lflag && after.c_iflag == before.c_iflag &&
               after.c_oflag == before.c_oflag, "and restored afterwards");
        tap_ok(out && strstr(out, "30 90\r\n"), "the pty starts with our terminal's size");
        tap_ok(out && strstr(out, "40 120\r\n"), "SIGWINCH carries the new size to the pty");
        if (out && !strstr(out, "40 120"))
                tap_diag("output: %s", out);
        tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child exits 0");
}

int main(void) {
        if (access("/dev/ptmx", R_OK | W_OK) < 0) {
                printf("1..0 # SKIP no /dev/ptmx\n");
                return 0;
        }
        if (!mkdtemp(tmpdir)) {
                printf("1..0 # SKIP cannot prepare: %s\n", strerror(errno));
                return 0;
        }

        test_open();
        test_pass_over_socketpair();
        test_console_socket();
        test_relay();
        test_relay_tty();

        rmdir(tmpdir);
        return tap_done(0);
}
