/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs OCI hooks: fork, exact env and args, the state JSON on stdin, the timeout. Runs as root on the
 * host or in the container's namespaces, wherever the caller stands. */
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "box/box-steps.h"
#include "box/hooks.h"
#include "base/log.h"

static char *const empty_env[] = { NULL };

/* In the child: never returns. Reports a failed exec as an errno on err_fd. */
static _noreturn_ void hook_child(const OciHook *h, int stdin_fd, int err_fd) {
        char *argv0[] = { h->path, NULL };
        char *const *argv = (h->args && h->args[0]) ? h->args : argv0;
        sigset_t all;
        int e;

        /* Its own process group, so that a timeout kills what the hook started as well. */
        (void) setpgid(0, 0);

        /* Dispositions set to "ignore" (SIGPIPE while we write) and our blocked mask survive exec. */
        for (int sig = 1; sig < _NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void) signal(sig, SIG_DFL);
        sigemptyset(&all);
        (void) sigprocmask(SIG_SETMASK, &all, NULL);

        if (stdin_fd == STDIN_FILENO) {
                /* dup2() onto itself would keep O_CLOEXEC. */
                if (fcntl(stdin_fd, F_SETFD, 0) < 0)
                        goto fail;
        } else if (dup2(stdin_fd, STDIN_FILENO) < 0)
                goto fail;
        /* Nothing of ours beyond stdio leaks into the hook; err_fd is O_CLOEXEC like everything else. */
        (void) syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */);

        execve(h->path, argv, h->env ?: empty_env);
fail:
        e = errno;
        (void) !write(err_fd, &e, sizeof(e));
        _exit(127);
}

/* Feeds the state to the hook and waits for it, within the deadline (0: none). Returns 0 with the
 * wait status, or -ETIME. */
static int hook_wait(pid_t pid, int pidfd, int *wfd, const char *data, size_t size, uint64_t deadline,
                     int *ret_status) {
        size_t done = 0;

        for (;;) {
                struct pollfd p[2] = {
                        { .fd = pidfd, .events = POLLIN },
                        { .fd = *wfd, .events = POLLOUT },
                };
                int timeout = -1, n;

                if (deadline > 0) {
                        uint64_t now = now_ms();
                        if (now >= deadline)
                                return -ETIME;
                        timeout = (int) (deadline - now);
                }
                n = poll(p, *wfd >= 0 ? 2 : 1, timeout);
                if (n < 0 && errno != EINTR)
                        return -errno;
                if (n <= 0)
                        continue;

                if (*wfd >= 0 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
                        ssize_t k = write(*wfd, data + done, size - done);
                        if (k > 0)
                                done += (size_t) k;
                        /* EPIPE: the hook does not read its stdin, which is its right. */
                        if ((k < 0 && errno != EAGAIN && errno != EINTR) || done >= size)
                                *wfd = safe_close(*wfd);
                }
                if (p[0].revents & POLLIN) {
                        int status;
                        if (waitpid(pid, &status, 0) < 0)
                                return -errno;
                        *ret_status = status;
                        return 0;
                }
        }
}

/* One hook of a run: which, and how its failure is taken. */
typedef struct HookRun {
        const OciHook *hook;
        size_t index;
        const char *what;
        bool fatal;
} HookRun;

/* Logs the failure of a hook, the one time it is logged: an error when it fails the run, else a
 * warning that says it is ignored. Returns -error. */
static int hook_failed(const HookRun *run, int error, const char *fmt, ...) _printf_(3, 4);
static int hook_failed(const HookRun *run, int error, const char *fmt, ...) {
        char reason[256];
        va_list ap;

        errno = error;  /* for %m in fmt */
        va_start(ap, fmt);
        vsnprintf(reason, sizeof(reason), fmt, ap);
        va_end(ap);
        return log_full_errno(run->fatal ? LOG_ERR : LOG_WARNING, error, "%s hook #%zu (%s): %s%s",
                              run->what, run->index, run->hook->path, reason,
                              run->fatal ? "" : ", ignoring");
}

/* Kills the hook and its process group, and reaps it. */
static void hook_kill(pid_t pid) {
        /* The whole process group: the hook's own children would otherwise outlive it. */
        (void) kill(-pid, SIGKILL);
        (void) kill(pid, SIGKILL);
        (void) waitpid(pid, NULL, 0);
}

static int hook_run(const HookRun *run, const char *state_json) {
        const OciHook *h = run->hook;
        _cleanup_close_ int rfd = -1, wfd = -1, errr = -1, errw = -1, pidfd = -1;
        struct sigaction ign = { .sa_handler = SIG_IGN }, old_pipe;
        uint64_t deadline = 0;
        int pipefd[2], errpipe[2], status = 0, exec_errno = 0, r;
        pid_t pid;

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return hook_failed(run, errno, "failed to create a pipe: %m");
        rfd = pipefd[0];
        wfd = pipefd[1];
        if (pipe2(errpipe, O_CLOEXEC) < 0)
                return hook_failed(run, errno, "failed to create a pipe: %m");
        errr = errpipe[0];
        errw = errpipe[1];

        pid = fork();
        if (pid < 0)
                return hook_failed(run, errno, "failed to fork: %m");
        if (pid == 0)
                hook_child(h, rfd, errw);

        rfd = safe_close(rfd);
        errw = safe_close(errw);

        if (h->timeout.set && h->timeout.v > 0)
                deadline = now_ms() + (uint64_t) h->timeout.v * 1000;

        pidfd = pidfd_open_safe(pid);
        if (pidfd < 0) {
                r = pidfd;
                hook_kill(pid);
                return hook_failed(run, -r, "failed to watch it: %m");
        }
        (void) fcntl(wfd, F_SETFL, O_NONBLOCK);

        /* A write to a hook that has closed its stdin must not kill us. */
        (void) sigaction(SIGPIPE, &ign, &old_pipe);
        r = hook_wait(pid, pidfd, &wfd, state_json ?: "", strlen(state_json ?: ""), deadline, &status);
        (void) sigaction(SIGPIPE, &old_pipe, NULL);

        if (r == -ETIME) {
                hook_kill(pid);
                return hook_failed(run, ETIME, "timed out after %" PRIi64 " s", h->timeout.v);
        }
        if (r < 0) {
                hook_kill(pid);
                return hook_failed(run, -r, "failed to wait for it: %m");
        }

        if (read(errr, &exec_errno, sizeof(exec_errno)) == sizeof(exec_errno) && exec_errno > 0)
                return hook_failed(run, exec_errno, "exec failed: %m");
        if (WIFSIGNALED(status))
                return hook_failed(run, EINTR, "killed by signal %d", WTERMSIG(status));
        if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
                return hook_failed(run, EPROTO, "exit status %d", WEXITSTATUS(status));
        return 0;
}

int hooks_run(const OciHook *hooks, size_t n, const char *state_json, const char *what, bool fatal) {
        for (size_t i = 0; i < n; i++) {
                HookRun run = { .hook = hooks + i, .index = i, .what = what ?: "OCI", .fatal = fatal };
                int r = hook_run(&run, state_json);
                if (r < 0 && fatal)
                        return r;
        }
        return 0;
}

int hooks_run_in_box(const OciHook *hooks, size_t n, const char *state_json, const char *what, pid_t holder,
                     const bool *join_ns, int pidns_fd) {
        int status, r;
        pid_t pid;

        if (n == 0)
                return 0;
        pid = fork();
        if (pid < 0)
                return log_error_errno(errno, "%s hooks: Failed to fork: %m", what);
        if (pid == 0) {
                bool join[_OCI_NS_MAX];
                const char *step = NULL;

                memcpy(join, join_ns, sizeof(join));
                join[OCI_NS_PID] = false;
                r = box_steps_enter(holder, join, true, &step);
                if (r < 0) {
                        log_error_errno(r, "%s hooks: joining the container's %s namespace: %m", what, step);
                        _exit(1);
                }
                if (pidns_fd >= 0 && (r = box_steps_enter_pidns(pidns_fd)) < 0) {
                        log_error_errno(r, "%s hooks: joining the container's pid namespace: %m", what);
                        _exit(1);
                }
                _exit(hooks_run(hooks, n, state_json, what, true) < 0 ? 1 : 0);
        }
        if (waitpid(pid, &status, 0) < 0)
                return log_error_errno(errno, "%s hooks: Failed to wait for them: %m", what);
        if (WIFEXITED(status))
                return WEXITSTATUS(status) == 0 ? 0 : -EIO; /* logged by the child */
        return log_error_errno(EIO, "%s hooks: the process running them died of signal %d", what,
                               WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
