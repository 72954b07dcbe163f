/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* box_wait_ready(): nspawn's READY=1 and leader pid are read only from nspawn itself, as root;
 * what others send to the abstract socket is dropped; nspawn's exit and the timeout end the wait. The
 * "nspawn" is a forked child of the test. The messages it sends count only as root (the kernel's uid);
 * without root the test checks that they are dropped. */
#include <fcntl.h>
#include <signal.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "box/box-nspawn.h"
#include "tap.h"
#include "base/util.h"

static struct sockaddr_un addr = { .sun_family = AF_UNIX };
static socklen_t addr_len;

static int notify_socket(void) {
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

        /* abstract, as create's: any local user may send */
        snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1, "test-wait-ready-%d", (int) getpid());
        addr_len = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(addr.sun_path + 1);
        if (fd < 0 || bind(fd, (struct sockaddr *) &addr, addr_len) < 0 ||
            setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &(int) { 1 }, sizeof(int)) < 0)
                return -1;
        return fd;
}

static void send_text(const char *text) {
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        if (fd >= 0)
                (void) sendto(fd, text, strlen(text), 0, (struct sockaddr *) &addr, addr_len);
        safe_close(fd);
}

/* A child that sends each of msgs (NULL-terminated) once go is readable, then lingers or exits; as
 * nobody with drop. */
static pid_t sender(int go, const char *const *msgs, bool linger, bool drop) {
        pid_t pid = fork();
        char c;

        if (pid != 0)
                return pid;
        if (read(go, &c, 1) != 1)
                _exit(1);
        if (drop && (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0))
                _exit(1);
        for (; *msgs; msgs++) {
                send_text(*msgs);
                usleep(10000);
        }
        if (linger)
                pause();
        _exit(0);
}

static void reap(pid_t pid) {
        if (pid > 0) {
                kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
        }
}

/* Runs one wait with an "nspawn" that sends nspawn_msgs and a stranger that sends stranger_msgs first. */
static int wait_with(const char *const *nspawn_msgs, bool linger, bool drop,
                     const char *const *stranger_msgs, int timeout_ms, pid_t *ret_holder) {
        _cleanup_close_ int fd = notify_socket(), pidfd = -1;
        int go[2], r;
        pid_t nspawn, stranger = 0;

        if (fd < 0 || pipe2(go, O_CLOEXEC) < 0)
                return -errno;
        if (stranger_msgs) {
                int sgo[2];
                if (pipe2(sgo, O_CLOEXEC) < 0)
                        return -errno;
                stranger = sender(sgo[0], stranger_msgs, true, false);
                /* the stranger first, its messages queued before nspawn's */
                (void) !write(sgo[1], "g", 1);
                usleep(50000);
                close(sgo[0]);
                close(sgo[1]);
        }
        nspawn = sender(go[0], nspawn_msgs, linger, drop);
        pidfd = pidfd_open_safe(nspawn);
        (void) !write(go[1], "g", 1);
        *ret_holder = 0;
        r = box_wait_ready(fd, pidfd, nspawn, 0, timeout_ms, ret_holder);
        close(go[0]);
        close(go[1]);
        reap(nspawn);
        reap(stranger);
        return r;
}

int main(void) {
        static const char *const ready[] = { "STATUS=starting\nX_NSPAWN_LEADER_PID=4242\nREADY=1", NULL };
        static const char *const split[] = { "READY=1", "X_NSPAWN_LEADER_PID=4243", NULL };
        static const char *const no_leader[] = { "READY=1", NULL };
        static const char *const fake[] = { "READY=1\nX_NSPAWN_LEADER_PID=1", NULL };
        static const char *const none[] = { NULL };
        bool root = geteuid() == 0;
        pid_t holder;
        int r;

        r = wait_with(ready, true, false, NULL, root ? 5000 : 500, &holder);
        if (root)
                tap_ok(r == 0 && holder == 4242, "READY=1 and the leader pid in one message: %d, holder %d",
                       r, (int) holder);
        else
                tap_ok(r == -ETIMEDOUT, "without root, nspawn's messages are not root's: dropped (%d)", r);

        r = wait_with(split, true, false, NULL, 5000, &holder);
        if (root)
                tap_ok(r == 0 && holder == 4243, "READY=1, then the leader pid: %d, holder %d", r,
                       (int) holder);
        else
                tap_skip("the messages count only from root");

        r = wait_with(ready, true, false, fake, 5000, &holder);
        if (root)
                tap_ok(r == 0 && holder == 4242,
                       "a stranger's READY=1 and leader pid come first and are dropped: "
                       "holder %d",
                       (int) holder);
        else
                tap_skip("the messages count only from root");

        if (root) {
                r = wait_with(ready, true, true, NULL, 300, &holder);
                tap_ok(r == -ETIMEDOUT && holder == 0, "nspawn's pid, but not running as root: dropped (%d)",
                       r);
        } else
                tap_skip("needs root to send as another uid");

        r = wait_with(no_leader, true, false, NULL, 300, &holder);
        tap_ok(r == -ETIMEDOUT, "READY=1 without a leader pid is not ready: %d", r);

        r = wait_with(none, false, false, NULL, 5000, &holder);
        tap_ok(r == -ECHILD, "nspawn exits before it is ready: %d", r);

        r = wait_with(none, true, false, fake, 300, &holder);
        tap_ok(r == -ETIMEDOUT && holder == 0,
               "only a stranger speaks: nothing is taken, the wait times out");
        return tap_done(0);
}
