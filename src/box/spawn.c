/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Forks a process into the box: joins the holder's namespaces and cgroup, is born in the container's pid
 * namespace (as its PID 1 when new), then process_exec(). Runs as root on the host; the child ends up
 * inside the container. */
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "box/box-steps.h"
#include "host/cgroup.h"
#include "box/console.h"
#include "base/log.h"
#include "box/process.h"
#include "box/spawn.h"
#include "base/util.h"

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

/* The pid channel: datagrams to nspawn-oci, whose end has SO_PASSCRED, so that the kernel attaches each
 * sender's pid as numbered in nspawn-oci's pid namespace: the container process's host pid, whatever
 * namespace it is PID 1 of. */
#define PID_MSG_PROCESS 'P'      /* from the container process itself, no payload */
#define PID_MSG_SECOND 'I'       /* from the intermediate: the pid of the second one, to reap */

/* The container process: tells nspawn-oci its pid, mounts its procfs, then process_exec(). */
_noreturn_ static void container_child(const SpawnOptions *o, int sync_fd, int pid_fd, int console_fd,
                                       int fifo_fd, int mountinfo_fd) {
        int console = -1, r;

        if (send(pid_fd, &(char) { PID_MSG_PROCESS }, 1, MSG_NOSIGNAL) != 1)
                fail_child(sync_fd, "reporting the container process: %m");
        close(pid_fd);
        if (o->pidns_fd >= 0)
                close(o->pidns_fd);

        if (o->mount_proc) {
                r = box_steps_mount_proc(mountinfo_fd, o->mounts_after_proc);
                if (r < 0)
                        fail_child(sync_fd, "mounting a procfs of the container's pid namespace on /proc: %s",
                                   strerror(-r));
        }
        if (mountinfo_fd >= 0)
                close(mountinfo_fd);

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

/* The intermediate child: joins everything, forks the real process as our parent's child
 * (CLONE_PARENT) and exits. */
_noreturn_ static void intermediate(const SpawnOptions *o, int sync_fd, int pid_fd, int console_fd) {
        _cleanup_close_ int fifo_fd = -1, mountinfo_fd = -1;
        bool join[_OCI_NS_MAX];
        pid_t pid;

        close_fds_except(3 + (int) o->preserve_fds,
                         (int[]) { sync_fd, pid_fd, console_fd, o->pidns_fd, o->mntns_fd }, 5);

        /* Nothing in the container may ptrace us or read our memory before execve. */
        if (process_make_nondumpable() < 0)
                fail_child(sync_fd, "prctl(PR_SET_DUMPABLE): %m");

        if (o->process)
                (void) process_set_initial_cpu_affinity(o->process);
        /* Safety: the host's /proc, before any namespace of the box is joined; the clone inherits it. */
        if (o->process && process_set_oom_score_adj(o->process) < 0)
                fail_child(sync_fd, "setting process.oomScoreAdj to %" PRIi64 ": %m",
                           o->process->oom_score_adj.v);

        /* Host paths first: the FIFO, and the box's mount table for the process's own /proc. */
        if (o->mount_proc) {
                char path[64];
                snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int) o->holder);
                mountinfo_fd = open(path, O_RDONLY | O_CLOEXEC);
                if (mountinfo_fd < 0)
                        fail_child(sync_fd, "open %s: %m", path);
        }
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
        memcpy(join, o->join_ns, sizeof(join));
        join[OCI_NS_PID] = false;
        r = box_steps_enter_mntns(o->holder, join, o->mntns_fd, &what);
        if (r < 0)
                fail_child(sync_fd, "joining the container's %s namespace: %s", what, strerror(-r));
        if (o->pidns_fd >= 0 && (r = box_steps_enter_pidns(o->pidns_fd)) < 0)
                fail_child(sync_fd, "joining the container's pid namespace: %s", strerror(-r));

        /* CLONE_PARENT: the process becomes the child of nspawn-oci itself, not of this one, and so the
         * child of conmon's subreaper once nspawn-oci exits. It is born in the joined pid namespace. */
        pid = (pid_t) syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
        if (pid < 0)
                fail_child(sync_fd, "clone: %m");
        if (pid == 0 && !o->new_pidns)
                container_child(o, sync_fd, pid_fd, console_fd, fifo_fd, mountinfo_fd);
        if (pid == 0) {
                /* The kernel makes a new pid namespace only from a process that lives in the one its
                 * children are born in: this second intermediate, born in the box's. Its child, the
                 * container process, is PID 1 of a namespace nested in the box's and, again through
                 * CLONE_PARENT, nspawn-oci's child. */
                pid_t c = (pid_t) syscall(SYS_clone, CLONE_PARENT | CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL,
                                          NULL);
                if (c < 0)
                        fail_child(sync_fd, "clone(CLONE_NEWPID): %m");
                if (c == 0)
                        container_child(o, sync_fd, pid_fd, console_fd, fifo_fd, mountinfo_fd);
                _exit(0);
        }
        if (o->new_pidns) {
                char msg[1 + sizeof(pid_t)] = { PID_MSG_SECOND };
                memcpy(msg + 1, &pid, sizeof(pid));
                if (send(pid_fd, msg, sizeof(msg), MSG_NOSIGNAL) != (ssize_t) sizeof(msg))
                        _exit(1);
        }
        _exit(0);
}

/* Reads the pid channel until every sender has closed it: the container process's pid (0 if it was
 * never made) and that of the second intermediate (0 if there is none). */
static void receive_pids(int fd, pid_t *ret_process, pid_t *ret_second) {
        *ret_process = *ret_second = 0;
        for (;;) {
                union {
                        struct cmsghdr h;
                        uint8_t buf[CMSG_SPACE(sizeof(struct ucred))];
                } control = {};
                char msg[1 + sizeof(pid_t)];
                struct iovec iov = { .iov_base = msg, .iov_len = sizeof(msg) };
                struct msghdr mh = {
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = &control,
                        .msg_controllen = sizeof(control),
                };
                ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return;
                if (msg[0] == PID_MSG_SECOND && n == (ssize_t) sizeof(msg)) {
                        memcpy(ret_second, msg + 1, sizeof(pid_t));
                        continue;
                }
                for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                        if (msg[0] == PID_MSG_PROCESS && c->cmsg_level == SOL_SOCKET &&
                            c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
                                struct ucred cred;
                                memcpy(&cred, CMSG_DATA(c), sizeof(cred));
                                *ret_process = cred.pid;
                        }
        }
}

int spawn_process(const SpawnOptions *o, pid_t *ret_pid, int *ret_master, int *ret_listener) {
        _cleanup_close_pair_ int sync_pair[2] = { -1, -1 }, pid_pair[2] = { -1, -1 }, console_pair[2] = { -1, -1 };
        _cleanup_close_ int master = -1, listener = -1;
        _cleanup_free_ char *error = NULL;
        pid_t child = 0, second = 0, pid;
        int status, r;

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sync_pair) < 0 ||
            socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, console_pair) < 0 ||
            socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pid_pair) < 0 ||
            setsockopt(pid_pair[0], SOL_SOCKET, SO_PASSCRED, &(int) { 1 }, sizeof(int)) < 0)
                return log_error_errno(errno, "Failed to create sockets: %m");

        pid = fork();
        if (pid < 0)
                return log_error_errno(errno, "Failed to fork: %m");
        if (pid == 0) {
                close(sync_pair[0]);
                close(pid_pair[0]);
                close(console_pair[0]);
                intermediate(o, sync_pair[1], pid_pair[1], console_pair[1]);
        }
        sync_pair[1] = safe_close(sync_pair[1]);
        pid_pair[1] = safe_close(pid_pair[1]);
        console_pair[1] = safe_close(console_pair[1]);

        receive_pids(pid_pair[0], &child, &second);
        (void) waitpid(pid, &status, 0);
        if (second > 0)
                (void) waitpid(second, NULL, 0);
        if (child <= 0) {
                r = process_sync_receive(sync_pair[0], true, &listener, &error);
                return log_error_errno(r < 0 ? r : EIO, "%s", error ?: "Failed to enter the container");
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
        *ret_master = TAKE_FD(master);
        if (ret_listener)
                *ret_listener = TAKE_FD(listener);
        return 0;

fail_child:
        kill(child, SIGKILL);
        (void) waitpid(child, NULL, 0);
        return r;
}
