/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Builds the box with systemd-nspawn: our holder is its PID 1. Runs as root on the host. */
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "box/box-nspawn.h"
#include "box/box-steps.h"
#include "host/cgroup.h"
#include "box/init/holder-protocol.h"
#include "base/log.h"
#include "host/state.h"
#include "base/util.h"


/* Where nspawn 252 keeps, per machine, the directory it propagates mounts into the box through
 * (machinectl bind, copy-to): it removes it when it exits, not when it is killed. */
#define NSPAWN_PROPAGATE_DIR "/run/systemd/nspawn/propagate"

#ifndef NS_GET_NSTYPE
#define NS_GET_NSTYPE _IO(0xb7, 0x3)
#endif

int box_nspawn_check_namespace_paths(const OciConfig *c) {
        for (OciNamespaceType t = 0; t < _OCI_NS_MAX; t++) {
                const OciNamespace *ns = &c->linux.namespaces[t];
                _cleanup_close_ int fd = -1;
                int type;

                if (!ns->present || !ns->path || oci_namespace_type_clone_flag(t) == 0)
                        continue;
                fd = open(ns->path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        return log_error_errno(errno, "linux.namespaces.%s: Failed to open %s: %m",
                                               oci_namespace_type_to_string(t), ns->path);
                type = ioctl(fd, NS_GET_NSTYPE);
                if (type < 0)
                        return log_error_errno(errno == ENOTTY ? EINVAL : errno,
                                               "linux.namespaces.%s: %s is not a namespace: %m",
                                               oci_namespace_type_to_string(t), ns->path);
                if (type != oci_namespace_type_clone_flag(t))
                        return log_error_errno(EINVAL, "linux.namespaces.%s: %s is a namespace of another type",
                                               oci_namespace_type_to_string(t), ns->path);
        }
        return 0;
}

/* The tail of nspawn's log, to explain a failure. */
static char *read_log_tail(const char *dir) {
        _cleanup_free_ char *p = strjoin(dir, "/nspawn.log"), *data = NULL;
        size_t size;

        if (!p || read_full_file(p, &data, &size) < 0 || size == 0)
                return NULL;
        while (size > 0 && (data[size - 1] == '\n' || data[size - 1] == ' '))
                data[--size] = 0;
        const char *start = size > 800 ? data + size - 800 : data;
        for (char *c = (char *) start; *c; c++)
                if (*c == '\n')
                        *c = ' ';
        return strdup(start);
}

_noreturn_ static void exec_nspawn(const Plan *plan, int go_fd, int log_fd, int control_fd, const char *notify) {
        _cleanup_strv_free_ char **env = NULL;
        int null_fd;
        char c;

        /* The holder's control socket goes to nspawn as a socket-activation fd, which nspawn hands to
         * the box's PID 1: fd 3, the others moved out of its way first. */
        go_fd = fcntl(go_fd, F_DUPFD_CLOEXEC, HOLDER_CONTROL_FD + 1);
        log_fd = fcntl(log_fd, F_DUPFD_CLOEXEC, HOLDER_CONTROL_FD + 1);
        if (go_fd < 0 || log_fd < 0 || dup2(control_fd, HOLDER_CONTROL_FD) < 0 ||
            fcntl(HOLDER_CONTROL_FD, F_SETFD, 0) < 0)
                _exit(125);

        /* nspawn must outlive us and not see our terminal's signals. */
        setsid();
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);

        for (size_t i = 0; i < plan->n_joins; i++) {
                const PlanJoin *j = &plan->joins[i];
                if (!j->path)
                        continue;
                int r = box_steps_join_path(j->type, j->path);
                if (r < 0) {
                        dprintf(log_fd, "Failed to join %s namespace %s: %s\n",
                                oci_namespace_type_to_string(j->type), j->path, strerror(-r));
                        _exit(125);
                }
        }

        null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0)
                _exit(125);

        if (strv_extend(&env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") < 0 ||
            strv_extendf(&env, "NOTIFY_SOCKET=%s", notify) < 0 || strv_extend(&env, "LISTEN_FDS=1") < 0 ||
            strv_extendf(&env, "LISTEN_PID=%d", (int) getpid()) < 0)
                _exit(125);
        STRV_FOREACH(e, plan->nspawn_env)
                if (strv_extend(&env, *e) < 0)
                        _exit(125);

        /* Wait until we are in our scope or cgroup: nspawn's children must be born there. */
        if (read(go_fd, &c, 1) != 1)
                _exit(125);

        execve(plan->nspawn_argv[0], plan->nspawn_argv, env);
        dprintf(2, "Failed to execute %s: %m\n", plan->nspawn_argv[0]);
        _exit(127);
}

/* One notify datagram, with the sender's credentials as the kernel saw them; 0 if there was none. */
static ssize_t recv_notify(int fd, char *buf, size_t size, struct ucred *ret_cred) {
        union {
                struct cmsghdr h;
                uint8_t buf[CMSG_SPACE(sizeof(struct ucred))];
        } control = {};
        struct iovec iov = { .iov_base = buf, .iov_len = size - 1 };
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = &control,
                .msg_controllen = sizeof(control),
        };
        ssize_t n;

        *ret_cred = (struct ucred) { .pid = 0, .uid = (uid_t) -1, .gid = (gid_t) -1 };
        n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0)
                return negative_errno();
        buf[n] = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                        /* nobody hands us fds here: close what a stranger sent */
                        size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                        for (size_t i = 0; i < k; i++)
                                safe_close(((int *) CMSG_DATA(c))[i]);
                } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
                           c->cmsg_len == CMSG_LEN(sizeof(struct ucred)))
                        memcpy(ret_cred, CMSG_DATA(c), sizeof(struct ucred));
        }
        if (mh.msg_flags & MSG_TRUNC)
                return 0; /* not nspawn's: its messages are short */
        return n;
}

/* Reads sd_notify messages until READY=1 (and, with ret_leader, nspawn's X_NSPAWN_LEADER_PID=), for
 * at most timeout_ms.
 *
 * The socket is abstract, so any local user can send to it. What is said here decides which namespaces,
 * root and cgroup create enters as root: only a message whose sender the kernel vouches for
 * (SCM_CREDENTIALS, which an unprivileged sender cannot forge for another pid or uid) as 'sender', with
 * 'uid' as the host sees it ((uid_t) -1: any), is read. Everything else is dropped unread. */
int box_wait_ready(int notify_fd, int pidfd, pid_t sender, uid_t uid, int timeout_ms, pid_t *ret_leader) {
        pid_t holder = 0;
        bool ready = false;
        struct timespec start, now;

        clock_gettime(CLOCK_MONOTONIC, &start);
        while (!ready || (ret_leader && holder <= 0)) {
                struct pollfd p[2] = {
                        { .fd = notify_fd, .events = POLLIN },
                        { .fd = pidfd, .events = POLLIN },
                };
                clock_gettime(CLOCK_MONOTONIC, &now);
                long elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
                if (elapsed >= timeout_ms)
                        return -ETIMEDOUT;
                int r = poll(p, 2, (int) (timeout_ms - elapsed));
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (p[0].revents & POLLIN) {
                        char buf[4096];
                        struct ucred cred;
                        ssize_t n = recv_notify(notify_fd, buf, sizeof(buf), &cred);
                        if (n <= 0)
                                continue;
                        if (cred.pid != sender || (uid != (uid_t) -1 && cred.uid != uid)) {
                                log_debug("Ignoring a notify message from pid %d, uid %d: not the box's",
                                          (int) cred.pid, (int) cred.uid);
                                continue;
                        }
                        for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
                                if (streq(l, "READY=1"))
                                        ready = true;
                                else if (startswith(l, "X_NSPAWN_LEADER_PID=")) {
                                        int v;
                                        if (safe_atoi(l + strlen("X_NSPAWN_LEADER_PID="), &v) >= 0)
                                                holder = v;
                                }
                        }
                        continue;
                }
                if (p[1].revents & POLLIN)
                        return -ECHILD; /* the sender exited before the box was ready */
        }
        if (ret_leader)
                *ret_leader = holder;
        return 0;
}

/* The rest of the line of /proc/PID/status that starts with 'key'. */
static int proc_status_line(pid_t pid, const char *key, char **ret_line) {
        _cleanup_free_ char *data = NULL;
        char path[64];
        int r;

        snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
        r = read_full_file(path, &data, NULL);
        if (r < 0)
                return r;
        for (char *l = data, *next; l && *l; l = next) {
                next = strchr(l, '\n');
                if (next)
                        *next++ = 0;
                if (startswith(l, key)) {
                        *ret_line = strdup(l + strlen(key));
                        return *ret_line ? 0 : -ENOMEM;
                }
        }
        return -ENOENT;
}

/* The leader nspawn named is the box we asked for: nspawn's own child, running our holder binary,
 * and PID 1 of a new pid namespace unless the host's is kept. Checked through a pidfd opened first,
 * so that a pid reused meanwhile is noticed. */
int box_nspawn_check_leader(pid_t nspawn, pid_t holder, const char *holder_binary, bool new_pidns) {
        _cleanup_free_ char *ppid = NULL;
        _cleanup_close_ int fd = -1;
        struct stat want, got;
        pid_t pids[32];
        char path[64];
        int r, p, levels;

        if (holder <= 1 || holder == nspawn)
                return -ESRCH;
        fd = pidfd_open_safe(holder);
        if (fd < 0)
                return fd;
        r = proc_status_line(holder, "PPid:", &ppid);
        if (r < 0)
                return r;
        if (safe_atoi(ppid + strspn(ppid, " \t"), &p) < 0 || p != nspawn)
                return -EPERM;
        /* one pid per pid namespace level, PID 1 in the innermost one */
        levels = holder_nspids(holder, pids, ELEMENTSOF(pids));
        if (levels < 0)
                return levels;
        if (levels > (int) ELEMENTSOF(pids))
                return -E2BIG;
        if (new_pidns != (levels >= 2 && pids[levels - 1] == 1))
                return -EPERM;
        snprintf(path, sizeof(path), "/proc/%d/exe", (int) holder);
        if (stat(holder_binary, &want) < 0 || stat(path, &got) < 0)
                return negative_errno();
        if (want.st_dev != got.st_dev || want.st_ino != got.st_ino)
                return -EPERM;
        /* still the same process: a signal 0 through the pidfd fails once it has exited */
        return pidfd_send_signal_safe(fd, 0);
}

int box_nspawn_start(const Plan *plan, const char *holder_binary, const char *dir, Bus *bus, Box *ret) {
        _cleanup_close_ int notify_fd = -1, log_fd = -1, pidfd = -1, control = -1;
        _cleanup_free_ char *log_path = strjoin(dir, "/nspawn.log"), *bus_error = NULL;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char notify[108];
        int go[2] = { -1, -1 }, pair[2] = { -1, -1 };
        pid_t pid, holder = 0;
        int r;

        if (!log_path)
                return log_oom();

        /* An abstract socket: no path length limit, nothing to clean up. */
        snprintf(notify, sizeof(notify), "@nspawn-oci/%d/%lx", (int) getpid(), (unsigned long) time(NULL));
        memcpy(sa.sun_path + 1, notify + 1, strlen(notify) - 1);
        notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (notify_fd < 0)
                return log_error_errno(errno, "Failed to create the notify socket: %m");
        if (bind(notify_fd, (struct sockaddr *) &sa, offsetof(struct sockaddr_un, sun_path) + strlen(notify)) < 0)
                return log_error_errno(errno, "Failed to bind the notify socket: %m");
        /* the kernel attaches each sender's pid and uid: the only proof of who sent a message */
        if (setsockopt(notify_fd, SOL_SOCKET, SO_PASSCRED, &(int) { 1 }, sizeof(int)) < 0)
                return log_error_errno(errno, "Failed to enable credentials on the notify socket: %m");

        log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0600);
        if (log_fd < 0)
                return log_error_errno(errno, "Failed to create %s: %m", log_path);
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return log_error_errno(errno, "Failed to create the holder's control socket: %m");
        control = pair[0];
        if (pipe2(go, O_CLOEXEC) < 0) {
                safe_close(pair[1]);
                return log_error_errno(errno, "Failed to create a pipe: %m");
        }

        pid = fork();
        if (pid < 0) {
                r = log_error_errno(errno, "Failed to fork: %m");
                goto fail_pipe;
        }
        if (pid == 0) {
                close(go[1]);
                exec_nspawn(plan, go[0], log_fd, pair[1], notify);
        }
        go[0] = safe_close(go[0]);
        pair[1] = safe_close(pair[1]);
        pidfd = pidfd_open_safe(pid);

        if (bus) {
                r = bus_start_scope(bus, plan->unit, plan->slice, pid, plan->properties, plan->n_properties,
                                    &bus_error);
                if (r < 0) {
                        log_error_errno(r, "Failed to create unit %s: %s", plan->unit,
                                        bus_error ?: strerror(-r));
                        goto fail_kill;
                }
                log_debug("Unit %s started.", plan->unit);
        } else if (plan->cgroup) {
                r = cgroup_create_and_enter(plan->cgroup, pid);
                if (r < 0) {
                        log_error_errno(r, "Failed to create cgroup %s: %m", plan->cgroup);
                        goto fail_kill;
                }
        }

        if (write(go[1], "1", 1) != 1) {
                r = log_error_errno(errno, "Failed to start systemd-nspawn: %m");
                goto fail_kill;
        }
        go[1] = safe_close(go[1]);
        fault_point("create:nspawn-started");

        r = box_wait_ready(notify_fd, pidfd, pid, 0, BOX_READY_TIMEOUT_MS, &holder);
        if (r < 0) {
                _cleanup_free_ char *tail = read_log_tail(dir);
                if (r == -ETIMEDOUT)
                        log_error("systemd-nspawn did not report the box ready within %d s%s%s",
                                  BOX_READY_TIMEOUT_MS / 1000, tail ? ": " : "", strempty(tail));
                else
                        log_error("systemd-nspawn failed to build the box%s%s", tail ? ": " : "",
                                  tail ?: " (no output)");
                r = r == -ETIMEDOUT ? r : -EIO;
                goto fail_kill;
        }

        log_debug("systemd-nspawn reported the box ready, its PID 1 is %d.", (int) holder);
        r = box_nspawn_check_leader(pid, holder, holder_binary, plan->join_ns[OCI_NS_PID]);
        if (r < 0) {
                log_error_errno(r, "systemd-nspawn named pid %d as the box's leader, which is not our holder "
                                "in the box: %m", (int) holder);
                goto fail_kill;
        }

        *ret = (Box) { .nspawn_pid = pid, .holder_pid = holder, .control_fd = TAKE_FD(control) };
        return 0;

fail_kill:
        kill(pid, SIGKILL);
        (void) waitpid(pid, NULL, 0);
        (void) box_nspawn_remove_leftovers(plan->machine);
        if (bus)
                (void) bus_stop_unit(bus, plan->unit);
        else if (plan->cgroup)
                (void) cgroup_remove(plan->cgroup);
fail_pipe:
        safe_close(go[0]);
        safe_close(go[1]);
        safe_close(pair[1]);
        return r;
}

int box_nspawn_stop(Bus *bus, const char *unit, const char *cgroup, pid_t nspawn_pid, uint64_t nspawn_start) {
        int r = 0;

        if (bus && unit)
                r = bus_stop_unit(bus, unit);
        if (nspawn_pid > 0 && proc_alive(nspawn_pid, nspawn_start)) {
                /* SIGTERM lets nspawn tear the box down and clean up after itself */
                if (proc_signal(nspawn_pid, nspawn_start, SIGTERM, 5000) == -ETIMEDOUT)
                        (void) proc_signal(nspawn_pid, nspawn_start, SIGKILL, 5000);
                (void) waitpid(nspawn_pid, NULL, WNOHANG);
        }
        if (!bus && cgroup)
                (void) cgroup_remove(cgroup);
        return r;
}

int box_nspawn_remove_leftovers(const char *machine) {
        _cleanup_free_ char *dir = NULL;

        if (!plan_hostname_is_valid(machine))
                return -EINVAL;
        dir = strjoin(NSPAWN_PROPAGATE_DIR "/", machine);
        if (!dir)
                return -ENOMEM;
        /* Safety: a machine name is a host name, without '/' or "..": the path is nspawn's own directory
         * for this machine, and rmdir() takes it only empty and when it is no mount point. */
        if (rmdir(dir) < 0 && errno != ENOENT)
                return negative_errno();
        return 0;
}

