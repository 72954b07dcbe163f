/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Forks a process into the box: joins the holder's namespaces and cgroup, then process_exec().
 * Runs as root on the host; the child ends up inside the container. */
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "box-steps.h"
#include "cgroup.h"
#include "console.h"
#include "log.h"
#include "process.h"
#include "spawn.h"
#include "util.h"

_noreturn_ static void fail_child(int sync_fd, const char *fmt, ...) _printf_(2, 3);
static void fail_child(int sync_fd, const char *fmt, ...) {
        char msg[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        dprintf(sync_fd, "ERROR %s\n", msg);
        _exit(126);
}

/* Closes every fd from 'from' on, except those in keep[]: nothing of nspawn-oci's (the container's lock,
 * the bus, the notify socket) may reach the container. */
static void close_fds_except(int from, const int *keep, size_t n_keep) {
        _cleanup_(closedirp) DIR *d = opendir("/proc/self/fd");
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                int fd;
                if (safe_atoi(de->d_name, &fd) < 0 || fd < from || fd == dirfd(d))
                        continue;
                bool keep_it = false;
                for (size_t i = 0; i < n_keep; i++)
                        if (keep[i] == fd)
                                keep_it = true;
                if (!keep_it)
                        close(fd);
        }
}

/* The intermediate child: joins everything, forks the real process as our parent's child
 * (CLONE_PARENT), reports its pid and exits. */
_noreturn_ static void intermediate(const SpawnOptions *o, int sync_fd, int pid_fd, int console_fd) {
        _cleanup_close_ int fifo_fd = -1;

        close_fds_except(3 + (int) o->preserve_fds, (int[]) { sync_fd, pid_fd, console_fd }, 3);

        /* Nothing in the container may ptrace us or read our memory before execve. */
        if (process_make_nondumpable() < 0)
                fail_child(sync_fd, "prctl(PR_SET_DUMPABLE): %m");

        if (o->process)
                (void) process_set_initial_cpu_affinity(o->process);
        /* Safety: the host's /proc, before any namespace of the box is joined; the clone inherits it. */
        if (o->process && process_set_oom_score_adj(o->process) < 0)
                fail_child(sync_fd, "setting process.oomScoreAdj to %" PRIi64 ": %m",
                           o->process->oom_score_adj.v);

        /* Host paths first: the FIFO. */
        if (o->fifo_path) {
                fifo_fd = open(o->fifo_path, O_PATH | O_CLOEXEC);
                if (fifo_fd < 0)
                        fail_child(sync_fd, "open %s: %m", o->fifo_path);
        }
        /* The cgroup before the user namespace: afterwards we could no longer write the host's files. */
        int r = cgroup_enter_like(o->holder, getpid());
        if (r < 0)
                fail_child(sync_fd, "joining the container's cgroup: %s", strerror(-r));

        const char *what = NULL;
        r = box_steps_enter(o->holder, o->join_ns, true, &what);
        if (r < 0)
                fail_child(sync_fd, "joining the container's %s namespace: %s", what, strerror(-r));

        /* CLONE_PARENT: the process becomes the child of nspawn-oci itself, not of this one, and so the
         * child of conmon's subreaper once nspawn-oci exits. It is born in the joined pid namespace. */
        pid_t pid = (pid_t) syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
        if (pid < 0)
                fail_child(sync_fd, "clone: %m");
        if (pid == 0) {
                int console = -1;
                close(pid_fd);
                if (o->process && o->process->terminal) {
                        int master = -1;
                        r = console_open(&master, &console, (unsigned) o->process->console_height.v,
                                         (unsigned) o->process->console_width.v);
                        if (r < 0)
                                fail_child(sync_fd, "allocating a terminal: %s", strerror(-r));
                        r = console_send_fd_over(console_fd, master);
                        if (r < 0)
                                fail_child(sync_fd, "passing the terminal: %s", strerror(-r));
                        close(master);
                }
                close(console_fd);
                ProcessContext ctx = {
                        .process = o->process,
                        .personality = o->personality,
                        .seccomp = o->seccomp,
                        .console_fd = console,
                        .exec_fifo_fd = fifo_fd,
                        .sync_fd = sync_fd,
                        .preserve_fds = o->preserve_fds,
                        .session_keyring = o->session_keyring,
                        .user_namespace = o->join_ns[OCI_NS_USER],
                        .main_process = o->fifo_path != NULL,
                };
                (void) process_exec(&ctx);
                _exit(127);
        }
        if (write(pid_fd, &pid, sizeof(pid)) != sizeof(pid))
                _exit(1);
        _exit(0);
}

int spawn_process(const SpawnOptions *o, pid_t *ret_pid, int *ret_master, int *ret_listener) {
        int sync_pair[2] = { -1, -1 }, pid_pipe[2] = { -1, -1 }, console_pair[2] = { -1, -1 };
        _cleanup_free_ char *error = NULL;
        pid_t child = 0, pid;
        int status, r, master = -1, listener = -1;

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sync_pair) < 0 ||
            socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, console_pair) < 0 ||
            pipe2(pid_pipe, O_CLOEXEC) < 0) {
                r = log_error_errno(errno, "Failed to create sockets: %m");
                goto finish;
        }

        pid = fork();
        if (pid < 0) {
                r = log_error_errno(errno, "Failed to fork: %m");
                goto finish;
        }
        if (pid == 0) {
                close(sync_pair[0]);
                close(pid_pipe[0]);
                close(console_pair[0]);
                intermediate(o, sync_pair[1], pid_pipe[1], console_pair[1]);
        }
        sync_pair[1] = safe_close(sync_pair[1]);
        pid_pipe[1] = safe_close(pid_pipe[1]);
        console_pair[1] = safe_close(console_pair[1]);

        ssize_t n = read(pid_pipe[0], &child, sizeof(child));
        (void) waitpid(pid, &status, 0);
        if (n != sizeof(child)) {
                child = 0;
                r = process_sync_receive(sync_pair[0], true, &listener, &error);
                r = log_error_errno(r < 0 ? r : EIO, "%s", error ?: "Failed to enter the container");
                goto finish;
        }

        if (o->process && o->process->terminal) {
                r = console_recv_fd(console_pair[0], &master);
                if (r < 0) {
                        (void) process_sync_receive(sync_pair[0], o->fifo_path != NULL, &listener, &error);
                        r = log_error_errno(r, "%s", error ?: "Failed to receive the container's terminal");
                        goto fail_child;
                }
        }

        r = process_sync_receive(sync_pair[0], o->fifo_path != NULL, &listener, &error);
        if (r < 0) {
                log_error_errno(r, "%s", error ?: "The container process failed to start");
                goto fail_child;
        }

        *ret_pid = child;
        *ret_master = master;
        if (ret_listener)
                *ret_listener = listener;
        else
                safe_close(listener);
        master = listener = -1;
        r = 0;
        goto finish;

fail_child:
        kill(child, SIGKILL);
        (void) waitpid(child, NULL, 0);
finish:
        safe_close(master);
        safe_close(listener);
        safe_close(sync_pair[0]);
        safe_close(sync_pair[1]);
        safe_close(pid_pipe[0]);
        safe_close(pid_pipe[1]);
        safe_close(console_pair[0]);
        safe_close(console_pair[1]);
        return r;
}
