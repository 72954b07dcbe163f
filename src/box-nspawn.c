/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Builds the box with systemd-nspawn: our holder is its PID 1. Runs as root on the host. */
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "box-nspawn.h"
#include "cgroup.h"
#include "log.h"
#include "state.h"
#include "util.h"

#define READY_TIMEOUT_MS 60000

static const int namespace_clone_flags[_OCI_NS_MAX] = {
        [OCI_NS_PID] = CLONE_NEWPID,
        [OCI_NS_NETWORK] = CLONE_NEWNET,
        [OCI_NS_MOUNT] = CLONE_NEWNS,
        [OCI_NS_IPC] = CLONE_NEWIPC,
        [OCI_NS_UTS] = CLONE_NEWUTS,
        [OCI_NS_USER] = CLONE_NEWUSER,
        [OCI_NS_CGROUP] = CLONE_NEWCGROUP,
        [OCI_NS_TIME] = 0x00000080, /* CLONE_NEWTIME */
};

#ifndef NS_GET_NSTYPE
#define NS_GET_NSTYPE _IO(0xb7, 0x3)
#endif

int box_nspawn_check_namespace_paths(const OciConfig *c) {
        for (OciNamespaceType t = 0; t < _OCI_NS_MAX; t++) {
                const OciNamespace *ns = &c->linux.namespaces[t];
                _cleanup_close_ int fd = -1;
                int type;

                if (!ns->present || !ns->path || namespace_clone_flags[t] == 0)
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
                if (type != namespace_clone_flags[t])
                        return log_error_errno(EINVAL, "linux.namespaces.%s: %s is a namespace of another type",
                                               oci_namespace_type_to_string(t), ns->path);
        }
        return 0;
}

static int pidfd_open_(pid_t pid) {
        return (int) syscall(SYS_pidfd_open, pid, 0);
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

_noreturn_ static void exec_nspawn(const Plan *plan, int go_fd, int log_fd, const char *notify) {
        _cleanup_strv_free_ char **env = NULL;
        int null_fd;
        char c;

        /* nspawn must outlive us and not see our terminal's signals. */
        setsid();
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);

        for (size_t i = 0; i < plan->n_joins; i++) {
                const PlanJoin *j = &plan->joins[i];
                if (!j->path)
                        continue;
                int fd = open(j->path, O_RDONLY | O_CLOEXEC);
                if (fd < 0 || setns(fd, namespace_clone_flags[j->type]) < 0) {
                        dprintf(log_fd, "Failed to join %s namespace %s: %m\n",
                                oci_namespace_type_to_string(j->type), j->path);
                        _exit(125);
                }
                close(fd);
        }

        null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0)
                _exit(125);

        if (strv_extend(&env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") < 0 ||
            strv_extendf(&env, "NOTIFY_SOCKET=%s", notify) < 0)
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

/* Reads nspawn's sd_notify messages until READY=1; returns the leader (holder) pid. */
static int wait_ready(int notify_fd, int pidfd, pid_t *ret_holder) {
        pid_t holder = 0;
        bool ready = false;
        struct timespec start, now;

        clock_gettime(CLOCK_MONOTONIC, &start);
        while (!ready || holder <= 0) {
                struct pollfd p[2] = {
                        { .fd = notify_fd, .events = POLLIN },
                        { .fd = pidfd, .events = POLLIN },
                };
                clock_gettime(CLOCK_MONOTONIC, &now);
                long elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
                if (elapsed >= READY_TIMEOUT_MS)
                        return -ETIMEDOUT;
                int r = poll(p, 2, (int) (READY_TIMEOUT_MS - elapsed));
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (p[0].revents & POLLIN) {
                        char buf[4096];
                        ssize_t n = recv(notify_fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
                        if (n < 0)
                                continue;
                        buf[n] = 0;
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
                        return -ECHILD; /* nspawn exited before the box was ready */
        }
        *ret_holder = holder;
        return 0;
}

int box_nspawn_start(const Plan *plan, const char *dir, Bus *bus, Box *ret) {
        _cleanup_close_ int notify_fd = -1, log_fd = -1, pidfd = -1;
        _cleanup_free_ char *log_path = strjoin(dir, "/nspawn.log"), *bus_error = NULL;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char notify[108];
        int go[2] = { -1, -1 };
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

        log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0600);
        if (log_fd < 0)
                return log_error_errno(errno, "Failed to create %s: %m", log_path);
        if (pipe2(go, O_CLOEXEC) < 0)
                return log_error_errno(errno, "Failed to create a pipe: %m");

        pid = fork();
        if (pid < 0) {
                r = log_error_errno(errno, "Failed to fork: %m");
                goto fail_pipe;
        }
        if (pid == 0) {
                close(go[1]);
                exec_nspawn(plan, go[0], log_fd, notify);
        }
        go[0] = safe_close(go[0]);
        pidfd = pidfd_open_(pid);

        if (bus) {
                r = bus_start_scope(bus, plan->unit, plan->slice, pid, plan->properties, plan->n_properties,
                                    &bus_error);
                if (r < 0) {
                        log_error_errno(r, "Failed to create unit %s: %s", plan->unit,
                                        bus_error ?: strerror(-r));
                        goto fail_kill;
                }
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

        r = wait_ready(notify_fd, pidfd, &holder);
        if (r < 0) {
                _cleanup_free_ char *tail = read_log_tail(dir);
                if (r == -ETIMEDOUT)
                        log_error("systemd-nspawn did not report the box ready within %d s%s%s",
                                  READY_TIMEOUT_MS / 1000, tail ? ": " : "", strempty(tail));
                else
                        log_error("systemd-nspawn failed to build the box%s%s", tail ? ": " : "",
                                  tail ?: " (no output)");
                r = r == -ETIMEDOUT ? r : -EIO;
                goto fail_kill;
        }

        *ret = (Box) { .nspawn_pid = pid, .holder_pid = holder };
        return 0;

fail_kill:
        kill(pid, SIGKILL);
        (void) waitpid(pid, NULL, 0);
        if (bus)
                (void) bus_stop_unit(bus, plan->unit);
        else if (plan->cgroup)
                (void) cgroup_remove(plan->cgroup);
fail_pipe:
        safe_close(go[0]);
        safe_close(go[1]);
        return r;
}

int box_nspawn_stop(Bus *bus, const char *unit, const char *cgroup, pid_t nspawn_pid, uint64_t nspawn_start) {
        int r = 0;

        if (bus && unit) {
                r = bus_stop_unit(bus, unit);
                if (r < 0)
                        log_warning_errno(r, "Failed to stop %s: %m", unit);
        }
        if (nspawn_pid > 0 && proc_alive(nspawn_pid, nspawn_start)) {
                _cleanup_close_ int fd = pidfd_open_(nspawn_pid);
                /* SIGTERM lets nspawn tear the box down and clean up after itself */
                if (fd >= 0 && proc_alive(nspawn_pid, nspawn_start)) {
                        syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0);
                        struct pollfd p = { .fd = fd, .events = POLLIN };
                        if (poll(&p, 1, 5000) == 0) {
                                syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
                                (void) poll(&p, 1, 5000);
                        }
                }
                (void) waitpid(nspawn_pid, NULL, WNOHANG);
        }
        if (!bus && cgroup)
                (void) cgroup_remove(cgroup);
        return r;
}
