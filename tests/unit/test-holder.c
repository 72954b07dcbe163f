/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The holder as PID 1 of a new pid namespace (and in the caller's own): readiness, adoption and its checks,
 * signal forwarding, orphan reaping, exit; a container process nested one pid namespace below. Runs as
 * root; the holder binary comes from $NSPAWN_OCI_HOLDER. */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "box/console.h"
#include "box/init/holder-protocol.h"
#include "tap.h"
#include "base/util.h"

static const char *holder_bin;
static int own_pidns_fd = -1;
static char tmpdir[] = "/tmp/test-holder.XXXXXX";

typedef struct Box {
        pid_t holder;
        int notify_fd;
} Box;

static void sleep_ms(int ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* Waits up to timeout_ms for our child pid to exit; returns 0 and its status, or -ETIMEDOUT. */
static int wait_exit(pid_t pid, int timeout_ms, int *ret_status) {
        _cleanup_close_ int pfd = (int) syscall(SYS_pidfd_open, pid, 0U);
        struct pollfd p = { .fd = pfd, .events = POLLIN };
        int status;

        if (pfd < 0)
                return -errno;
        if (poll(&p, 1, timeout_ms) <= 0)
                return -ETIMEDOUT;
        if (waitpid(pid, &status, 0) != pid)
                return -errno;
        if (ret_status)
                *ret_status = status;
        return 0;
}

static bool still_running(pid_t pid) {
        return pid > 0 && waitpid(pid, NULL, WNOHANG) == 0;
}

/* Kills and reaps one child of ours; never a process group or "every process" (pid <= 0). */
static void kill_and_reap(pid_t pid) {
        if (pid <= 0)
                return;
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
}

static void signal_child(pid_t pid, int sig) {
        if (pid > 0)
                kill(pid, sig);
}

/* Starts the holder, with NOTIFY_SOCKET pointing to a socket of ours, and clone flags (CLONE_NEWPID: PID 1
 * of a new pid namespace). */
static int box_start_full(Box *b, bool abstract, const char *name, unsigned long flags, int control_fd) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char env[sizeof(sa.sun_path) + 16];
        socklen_t len;

        if (abstract) {
                snprintf(sa.sun_path, sizeof(sa.sun_path), "@test-holder-%d-%s", (int) getpid(), name);
                snprintf(env, sizeof(env), "%s", sa.sun_path);
                len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + strlen(sa.sun_path));
                sa.sun_path[0] = 0;
        } else {
                snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", tmpdir, name);
                snprintf(env, sizeof(env), "%s", sa.sun_path);
                len = sizeof(sa);
        }

        b->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (b->notify_fd < 0 || bind(b->notify_fd, (struct sockaddr *) &sa, len) < 0)
                return -errno;

        /* clone() without a stack works like fork(): the child is PID 1 of the new namespace. */
        b->holder = (pid_t) syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
        if (b->holder < 0)
                return -errno;
        if (b->holder == 0) {
                setenv("NOTIFY_SOCKET", env, 1);
                /* nspawn passes the control socket as socket activation: fd 3 for our pid */
                if (control_fd >= 0) {
                        char pid[32];
                        if (dup2(control_fd, HOLDER_CONTROL_FD) < 0)
                                _exit(126);
                        snprintf(pid, sizeof(pid), "%d", (int) getpid());
                        setenv("LISTEN_FDS", "1", 1);
                        setenv("LISTEN_PID", pid, 1);
                }
                execl(holder_bin, "nspawn-oci-init", (char *) NULL);
                _exit(127);
        }
        return 0;
}

static int box_start(Box *b, bool abstract, const char *name) {
        return box_start_full(b, abstract, name, CLONE_NEWPID, -1);
}

static int box_start_flags(Box *b, const char *name, unsigned long flags) {
        return box_start_full(b, false, name, flags, -1);
}

static int box_ready(Box *b, char *buf, size_t size) {
        struct pollfd p = { .fd = b->notify_fd, .events = POLLIN };
        ssize_t n;

        if (poll(&p, 1, 5000) <= 0)
                return -ETIMEDOUT;
        n = recv(b->notify_fd, buf, size - 1, 0);
        if (n < 0)
                return -errno;
        buf[n] = 0;
        return 0;
}

/* fork() into the holder's pid namespace, the way nspawn-oci starts the container process: the child
 * lives in the box but stays our child. */
static pid_t box_fork(Box *b) {
        char path[64];
        _cleanup_close_ int fd = -1;
        pid_t pid;

        snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int) b->holder);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, CLONE_NEWPID) < 0)
                return -1;
        pid = fork();
        if (pid == 0)
                return 0;
        if (setns(own_pidns_fd, CLONE_NEWPID) < 0)
                abort();
        return pid < 0 ? -1 : pid;
}

static pid_t box_spawn(Box *b, const char *seconds, pid_t *ret_inner) {
        pid_t pid = box_fork(b);

        if (pid == 0) {
                execl("/bin/sleep", "sleep", seconds, (char *) NULL);
                _exit(127);
        }
        if (pid < 0)
                return -1;
        if (holder_inner_pid(pid, ret_inner) < 0) {
                kill_and_reap(pid);
                return -1;
        }
        return pid;
}

/* From inside the box: a plain sigqueue() (si_pid = our pid), or a forged rt_sigqueueinfo() with
 * si_pid = 0. */
static void box_send_adopt(Box *b, pid_t inner, bool forge) {
        pid_t pid = box_fork(b);

        if (pid == 0) {
                if (forge) {
                        siginfo_t si = {};
                        si.si_signo = HOLDER_ADOPT_SIGNAL;
                        si.si_code = SI_QUEUE;
                        si.si_pid = 0;
                        si.si_value.sival_int = inner;
                        _exit(syscall(SYS_rt_sigqueueinfo, 1, HOLDER_ADOPT_SIGNAL, &si) < 0 ? 1 : 0);
                }
                _exit(holder_adopt(1, inner) < 0 ? 1 : 0);
        }
        if (pid > 0 && wait_exit(pid, 5000, NULL) < 0)
                kill_and_reap(pid);
}

/* The host pid of a process of the box, found by its pid inside. */
static pid_t host_pid_of(Box *b, pid_t inner) {
        char path[64];
        struct stat ns, st;
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;

        snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int) b->holder);
        if (stat(path, &ns) < 0)
                return -1;
        d = opendir("/proc");
        if (!d)
                return -1;
        while ((de = readdir(d))) {
                int pid;
                pid_t in;

                if (safe_atoi(de->d_name, &pid) < 0 || pid <= 0)
                        continue;
                snprintf(path, sizeof(path), "/proc/%d/ns/pid", pid);
                if (stat(path, &st) < 0 || st.st_ino != ns.st_ino || st.st_dev != ns.st_dev)
                        continue;
                if (holder_inner_pid(pid, &in) == 0 && in == inner)
                        return pid;
        }
        return -1;
}

static bool gone_within(pid_t host_pid, int timeout_ms) {
        char path[64];

        snprintf(path, sizeof(path), "/proc/%d", (int) host_pid);
        for (int t = 0; t < timeout_ms; t += 20) {
                if (access(path, F_OK) < 0 && errno == ENOENT)
                        return true;
                sleep_ms(20);
        }
        return false;
}

static void box_cleanup(Box *b) {
        if (still_running(b->holder))
                kill_and_reap(b->holder);
        b->notify_fd = safe_close(b->notify_fd);
}

static void check_exit(Box *b, const char *what) {
        int status = -1;
        int r = wait_exit(b->holder, 10000, &status);

        if (!tap_ok(r == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: the holder exits with 0", what)) {
                char path[64], line[256] = "";
                FILE *f;

                tap_diag("r=%d status=0x%x", r, status);
                /* what the holder is doing, and what it still has: its state and its fds */
                snprintf(path, sizeof path, "/proc/%d/stat", (int) b->holder);
                f = fopen(path, "re");
                if (f && fgets(line, sizeof line, f))
                        tap_diag("holder stat: %s", line);
                if (f)
                        fclose(f);
                snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int) b->holder, (int) b->holder);
                f = fopen(path, "re");
                if (f && fgets(line, sizeof line, f))
                        tap_diag("holder children: %s", line);
                if (f)
                        fclose(f);
        }
        if (r == 0)
                b->holder = 0;
}

/* Waits up to 5 s until the holder holds a pidfd (its adoption is done: the signal is handled
 * asynchronously, and a busy machine may take its time). */
static void wait_adopted(pid_t holder) {
        for (int i = 0; i < 500; i++) {
                char dir[64];
                DIR *d;
                struct dirent *e;
                bool found = false;

                snprintf(dir, sizeof dir, "/proc/%d/fd", (int) holder);
                d = opendir(dir);
                if (!d)
                        return;
                while (!found && (e = readdir(d))) {
                        char path[384], target[64];
                        ssize_t n;

                        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
                        n = readlink(path, target, sizeof target - 1);
                        if (n > 0) {
                                target[n] = 0;
                                found = streq(target, "anon_inode:[pidfd]");
                        }
                }
                closedir(d);
                if (found)
                        return;
                sleep_ms(10);
        }
        tap_diag("the holder %d holds no pidfd after 5 s", (int) holder);
}

static void check_killed(pid_t pid, int sig, const char *what) {
        int status = -1;
        int r = wait_exit(pid, 5000, &status);

        if (!tap_ok(r == 0 && WIFSIGNALED(status) && WTERMSIG(status) == sig,
                    "%s: the container process gets %s", what, strsignal(sig))) {
                tap_diag("r=%d status=0x%x", r, status);
                if (r < 0)
                        kill_and_reap(pid);
        }
}

static void test_full_cycle(void) {
        Box b = { .notify_fd = -1 };
        char buf[64] = "";
        pid_t decoy, decoy_in, c, c_in, mid;
        int pipefd[2];

        if (!tap_ok(box_start(&b, false, "a") == 0, "holder started in a new pid namespace"))
                return;
        tap_ok(box_ready(&b, buf, sizeof(buf)) == 0 && streq(buf, "READY=1"),
               "READY=1 arrives on the notify socket (path)");

        /* A process of the box tries to make the holder watch a decoy. */
        decoy = box_spawn(&b, "1000", &decoy_in);
        tap_ok(decoy > 0 && decoy_in > 1, "decoy spawned in the box, inner pid %d", (int) decoy_in);
        box_send_adopt(&b, decoy_in, false);
        sleep_ms(200);
        kill_and_reap(decoy);
        sleep_ms(300);
        tap_ok(still_running(b.holder), "an adoption sent from inside the box (si_pid != 0) is ignored");

        /* An orphan: its parent exits, it is reparented to the holder, which reaps it. */
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                abort();
        mid = box_fork(&b);
        if (mid == 0) {
                pid_t g = fork();
                if (g == 0) {
                        execl("/bin/sleep", "sleep", "0.5", (char *) NULL);
                        _exit(127);
                }
                (void) write(pipefd[1], &g, sizeof(g));
                _exit(0);
        }
        safe_close(pipefd[1]);
        pid_t orphan_in = 0, orphan = -1;
        if (read(pipefd[0], &orphan_in, sizeof(orphan_in)) == sizeof(orphan_in))
                orphan = host_pid_of(&b, orphan_in);
        safe_close(pipefd[0]);
        if (mid > 0 && wait_exit(mid, 5000, NULL) < 0)
                kill_and_reap(mid);
        tap_ok(orphan > 0, "orphan found in the box (inner %d, host %d)", (int) orphan_in, (int) orphan);
        tap_ok(orphan > 0 && gone_within(orphan, 5000), "the orphan is reaped after it exits");

        c = box_spawn(&b, "1000", &c_in);
        tap_ok(c > 0 && c_in > 1, "container process spawned in the box, inner pid %d", (int) c_in);
        tap_is_int(holder_adopt(b.holder, c_in), 0, "holder_adopt() from the host");

        /* After the adoption, even a forged si_pid == 0 from inside changes nothing. */
        decoy = box_spawn(&b, "1000", &decoy_in);
        box_send_adopt(&b, decoy_in, true);
        sleep_ms(200);
        kill_and_reap(decoy);
        sleep_ms(300);
        tap_ok(still_running(b.holder) && still_running(c), "a second (forged) adoption is ignored");

        signal_child(b.holder, SIGTERM);
        check_killed(c, SIGTERM, "SIGTERM to the holder");
        check_exit(&b, "container process gone");
        box_cleanup(&b);
}

static void test_poweroff(void) {
        Box b = { .notify_fd = -1 };
        char buf[64] = "";
        pid_t c, c_in;
        _cleanup_close_ int pidfd = -1;

        if (!tap_ok(box_start(&b, true, "b") == 0, "holder started (abstract notify socket)"))
                return;
        tap_ok(box_ready(&b, buf, sizeof(buf)) == 0 && streq(buf, "READY=1"),
               "READY=1 arrives on the notify socket (abstract)");
        c = box_spawn(&b, "1000", &c_in);
        pidfd = (int) syscall(SYS_pidfd_open, b.holder, 0U);
        /* The stop request follows the adoption at once: both are likely pending together. */
        tap_is_int(holder_adopt_pidfd(pidfd, c_in), 0, "holder_adopt_pidfd()");
        signal_child(b.holder, SIGRTMIN + 4);
        check_killed(c, SIGTERM, "SIGRTMIN+4 (machinectl poweroff)");
        check_exit(&b, "after poweroff");
        box_cleanup(&b);
}

static void test_forward_hup(void) {
        Box b = { .notify_fd = -1 };
        char buf[64] = "";
        pid_t c, c_in;

        if (box_start(&b, false, "c") < 0 || box_ready(&b, buf, sizeof(buf)) < 0) {
                tap_ok(false, "holder started");
                box_cleanup(&b);
                return;
        }
        c = box_spawn(&b, "1000", &c_in);
        holder_adopt(b.holder, c_in);
        wait_adopted(b.holder);
        signal_child(b.holder, SIGHUP);
        check_killed(c, SIGHUP, "SIGHUP to the holder");
        check_exit(&b, "after SIGHUP");
        box_cleanup(&b);
}

static void test_exits_with_process(void) {
        Box b = { .notify_fd = -1 };
        char buf[64] = "";
        pid_t c, c_in;
        int status = -1, r;

        if (box_start(&b, false, "d") < 0 || box_ready(&b, buf, sizeof(buf)) < 0) {
                tap_ok(false, "holder started");
                box_cleanup(&b);
                return;
        }
        c = box_spawn(&b, "0.3", &c_in);
        holder_adopt(b.holder, c_in);
        r = wait_exit(c, 5000, &status);
        tap_ok(r == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "the container process exits by itself");
        if (r < 0)
                kill_and_reap(c);
        check_exit(&b, "container process exited");
        box_cleanup(&b);
}

static void test_before_adoption(void) {
        Box b = { .notify_fd = -1 };
        char buf[64] = "";

        if (box_start(&b, false, "e") < 0 || box_ready(&b, buf, sizeof(buf)) < 0) {
                tap_ok(false, "holder started");
                box_cleanup(&b);
                return;
        }
        signal_child(b.holder, SIGUSR1);
        sleep_ms(200);
        tap_ok(still_running(b.holder), "SIGUSR1 before adoption is ignored");
        signal_child(b.holder, SIGTERM);
        check_exit(&b, "SIGTERM before adoption");
        box_cleanup(&b);
}

static void test_adopt_gone(void) {
        Box b = { .notify_fd = -1 };
        char buf[64] = "";
        pid_t c, c_in;

        if (box_start(&b, false, "f") < 0 || box_ready(&b, buf, sizeof(buf)) < 0) {
                tap_ok(false, "holder started");
                box_cleanup(&b);
                return;
        }
        c = box_spawn(&b, "1000", &c_in);
        kill_and_reap(c);
        holder_adopt(b.holder, c_in);
        check_exit(&b, "adopting a pid that is already gone");
        box_cleanup(&b);
}

/* The holder as nspawn runs it when the box shares nspawn-oci's pid namespace (none in the config): not
 * PID 1, so an adoption sent from the same namespace carries our pid. */
static void test_shared_namespace(void) {
        Box b = { .notify_fd = -1 };
        char buf[64] = "";
        pid_t c, c_seen;

        if (box_start_flags(&b, "g", 0) < 0 || box_ready(&b, buf, sizeof(buf)) < 0) {
                tap_ok(false, "holder started in our own pid namespace");
                box_cleanup(&b);
                return;
        }
        c = fork();
        if (c == 0) {
                execl("/bin/sleep", "sleep", "1000", (char *) NULL);
                _exit(127);
        }
        tap_ok(holder_pid_of(b.holder, c, &c_seen) == 0 && c_seen == c,
               "holder_pid_of(): the holder numbers the process as we do");
        tap_is_int(holder_adopt(b.holder, c_seen), 0, "holder_adopt() from the holder's own pid namespace");
        wait_adopted(b.holder);
        signal_child(b.holder, SIGUSR1);
        check_killed(c, SIGUSR1, "SIGUSR1 to a holder that is not PID 1");
        check_exit(&b, "shared namespace, process gone");
        box_cleanup(&b);
}

/* The host pid of the process that the box numbers 'seen' and that lives one pid namespace below it. */
static pid_t nested_host_pid(Box *b, pid_t seen) {
        _cleanup_(closedirp) DIR *d = opendir("/proc");
        pid_t h[32], p[32];
        struct dirent *de;
        int nh = holder_nspids(b->holder, h, 32);

        while (d && nh > 0 && (de = readdir(d))) {
                int pid;

                if (safe_atoi(de->d_name, &pid) < 0 || pid <= 0)
                        continue;
                if (holder_nspids(pid, p, 32) == nh + 1 && p[nh - 1] == seen)
                        return pid;
        }
        return -1;
}

/* The container process as PID 1 of a pid namespace nested in the holder's: the holder watches it by
 * the pid its own namespace gives it, not 1. */
static void test_nested_namespace(void) {
        Box b = { .notify_fd = -1 };
        char buf[64] = "";
        pid_t mid, c = -1, c_seen = 0, inner = 0;
        int pipefd[2];

        if (box_start(&b, false, "h") < 0 || box_ready(&b, buf, sizeof(buf)) < 0 || pipe2(pipefd, O_CLOEXEC) < 0) {
                tap_ok(false, "holder started");
                box_cleanup(&b);
                return;
        }
        mid = box_fork(&b);
        if (mid == 0) {
                /* in the box: the next child is PID 1 of a namespace below the box's */
                pid_t g = (pid_t) syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, NULL);
                if (g == 0) {
                        execl("/bin/sleep", "sleep", "1000", (char *) NULL);
                        _exit(127);
                }
                (void) write(pipefd[1], &g, sizeof(g));
                _exit(g < 0);
        }
        safe_close(pipefd[1]);
        if (read(pipefd[0], &c_seen, sizeof(c_seen)) == sizeof(c_seen))
                c = nested_host_pid(&b, c_seen);
        safe_close(pipefd[0]);
        if (mid > 0 && wait_exit(mid, 5000, NULL) < 0)
                kill_and_reap(mid);
        tap_ok(c > 0 && holder_inner_pid(c, &inner) == 0 && inner == 1, "the process is PID 1 of its namespace");
        pid_t seen = 0;
        int r = c > 0 ? holder_pid_of(b.holder, c, &seen) : -ESRCH;
        tap_ok(r == 0 && seen == c_seen && seen > 1, "holder_pid_of(): its pid in the box's namespace (%d)",
               (int) seen);
        tap_is_int(holder_adopt(b.holder, seen), 0, "holder_adopt() of the nested PID 1");
        wait_adopted(b.holder);
        /* an orphan of the box now, reparented to the holder: SIGKILL it and wait for the holder */
        if (c > 0)
                kill(c, SIGKILL);
        check_exit(&b, "nested PID 1 gone");
        box_cleanup(&b);
}

/* A container process the holder cannot see (in a pid namespace joined by path, here our own): adopted
 * as a pidfd over the control socket, its end ends the holder. */
static void test_control_socket(void) {
        Box b = { .notify_fd = -1 };
        char buf[64] = "";
        int pair[2] = { -1, -1 };
        _cleanup_close_ int pidfd = -1;
        pid_t c;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0 ||
            box_start_full(&b, false, "i", CLONE_NEWPID, pair[1]) < 0 || box_ready(&b, buf, sizeof(buf)) < 0) {
                tap_ok(false, "holder started with a control socket");
                safe_close(pair[0]);
                safe_close(pair[1]);
                box_cleanup(&b);
                return;
        }
        safe_close(pair[1]);
        c = fork();
        if (c == 0) {
                execl("/bin/sleep", "sleep", "1000", (char *) NULL);
                _exit(127);
        }
        pidfd = (int) syscall(SYS_pidfd_open, c, 0U);
        tap_is_int(console_send_fd_over(pair[0], pidfd), 0, "a pidfd over the control socket");
        safe_close(pair[0]);
        sleep_ms(200);
        tap_ok(still_running(b.holder), "the holder watches a process it cannot see");
        kill_and_reap(c);
        check_exit(&b, "adopted by pidfd, process gone");
        box_cleanup(&b);
}

int main(void) {
        holder_bin = getenv("NSPAWN_OCI_HOLDER");
        if (!holder_bin) {
                printf("1..0 # SKIP NSPAWN_OCI_HOLDER not set\n");
                return 0;
        }
        if (geteuid() != 0) {
                printf("1..0 # SKIP needs root for pid namespaces\n");
                return 0;
        }
        own_pidns_fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
        if (own_pidns_fd < 0 || !mkdtemp(tmpdir)) {
                printf("1..0 # SKIP cannot prepare: %s\n", strerror(errno));
                return 0;
        }

        test_full_cycle();
        test_poweroff();
        test_forward_hup();
        test_exits_with_process();
        test_before_adoption();
        test_adopt_gone();
        test_shared_namespace();
        test_nested_namespace();
        test_control_socket();

        char path[sizeof(tmpdir) + 8];
        snprintf(path, sizeof(path), "%s/a", tmpdir);
        unlink(path);
        for (const char *n = "cdefghi"; *n; n++) {
                snprintf(path, sizeof(path), "%s/%c", tmpdir, *n);
                unlink(path);
        }
        rmdir(tmpdir);
        return tap_done(0);
}
