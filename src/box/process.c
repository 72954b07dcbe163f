/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container process's own setup: rlimits, scheduling, labels, terminal, user, capabilities,
 * no_new_privs, cwd, the exec FIFO, seccomp, execve. Runs as root with full capabilities in the
 * forked child, inside the container's namespaces and cgroup; it never returns on success. */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/ioprio.h>
#include <sched.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <grp.h>

#include "base/log.h"
#include "box/process.h"
#include "plan/resources.h"
#include "base/util.h"

#include <linux/keyctl.h>

/* Search permission on the session keyring for the container's user once its uid changes: as "user"
 * without a user namespace, as "other" in one (its owner's uid is not the container's), as runc. */
#define KEY_USR_SEARCH 0x00080000
#define KEY_OTH_SEARCH 0x00000008

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

int process_make_nondumpable(void) {
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                return log_error_errno(errno, "Failed to make the process non-dumpable: %m");
        return 0;
}

/* ---- reporting: every failure becomes one line on sync_fd ---- */

static bool sync_ready_sent = false;

static int sync_send(int fd, const char *line, int pass_fd) {
        size_t size = strlen(line);

        if (fd < 0)
                return 0;
        if (pass_fd >= 0)
                return send_fd(fd, pass_fd, line, size);
        for (size_t done = 0; done < size;) {
                ssize_t n = write(fd, line + done, size - done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return negative_errno();
                done += (size_t) n;
        }
        return 0;
}

/* Formats the message (with %m for error), sends it as "ERROR ...", returns -|error|. */
static int report(const ProcessContext *ctx, int error, const char *fmt, ...) _printf_(3, 4);
static int report(const ProcessContext *ctx, int error, const char *fmt, ...) {
        char msg[1024], line[1100];
        va_list ap;

        error = abs(error) ?: EIO;
        errno = error;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        for (char *c = msg; *c; c++)
                if (*c == '\n')
                        *c = ' ';
        if (ctx->sync_fd < 0 || sync_ready_sent)
                log_error("%s", msg);
        snprintf(line, sizeof(line), "ERROR %s\n", msg);
        (void) sync_send(ctx->sync_fd, line, -1);
        return -error;
}

int process_sync_receive(int sync_fd, bool main_process, int *ret_listener_fd, char **ret_error) {
        _cleanup_close_ int listener = -1;
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;

        for (;;) {
                char chunk[1024];
                int fd = -1;
                ssize_t n;
                char *nl;

                n = recv_fd(sync_fd, chunk, sizeof(chunk), 0, &fd);
                if (n == -ENOTSOCK) {
                        /* a pipe: the lines without fds */
                        n = read(sync_fd, chunk, sizeof(chunk));
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n < 0)
                                return negative_errno();
                } else if (n < 0)
                        return (int) n;
                if (fd >= 0) {
                        safe_close(listener);
                        listener = fd;
                }
                if (n == 0)
                        break;

                char *nb = realloc(buf, size + (size_t) n + 1);
                if (!nb)
                        return -ENOMEM;
                buf = nb;
                memcpy(buf + size, chunk, (size_t) n);
                size += (size_t) n;
                buf[size] = 0;

                /* Handle complete lines; keep a partial one for the next read. */
                while ((nl = strchr(buf, '\n'))) {
                        *nl = 0;
                        if (startswith(buf, "ERROR ")) {
                                if (ret_error && !(*ret_error = strdup(buf + 6)))
                                        return -ENOMEM;
                                return -EIO;
                        }
                        if (streq(buf, "READY") && main_process) {
                                if (ret_listener_fd)
                                        *ret_listener_fd = TAKE_FD(listener);
                                return 0;
                        }
                        /* "SECCOMP": the fd has been collected above */
                        size -= (size_t) (nl + 1 - buf);
                        memmove(buf, nl + 1, size + 1);
                }
        }
        if (main_process)
                return -EPIPE;
        if (ret_listener_fd)
                *ret_listener_fd = TAKE_FD(listener);
        return 0;
}

/* ---- small parsers ---- */

static const char *env_get(char *const *env, const char *name) {
        size_t l = strlen(name);

        STRV_FOREACH(e, env)
                if (strneq(*e, name, l) && (*e)[l] == '=')
                        return *e + l + 1;
        return NULL;
}

int process_parse_cpu_list(const char *s, void *ret_cpu_set) {
        cpu_set_t *set = ret_cpu_set;
        _cleanup_free_ uint8_t *mask = NULL;
        size_t n = 0;
        int r;

        /* the same syntax as linux.resources.cpu.cpus: one parser for both */
        r = resources_parse_cpu_list(s, &mask, &n);
        if (r < 0)
                return r;
        CPU_ZERO(set);
        for (size_t cpu = 0; cpu < n * 8; cpu++) {
                if (!(mask[cpu / 8] & (1u << (cpu % 8))))
                        continue;
                if (cpu >= CPU_SETSIZE)
                        return -EINVAL;
                CPU_SET(cpu, set);
        }
        return 0;
}

static int set_cpu_affinity(const char *list, const char *field) {
        cpu_set_t set;

        if (process_parse_cpu_list(list, &set) < 0)
                return log_error_errno(EINVAL, "%s: \"%s\" is not a cpu list", field, list);
        if (sched_setaffinity(0, sizeof(set), &set) < 0)
                return log_error_errno(errno, "Failed to set %s \"%s\": %m", field, list);
        return 0;
}

int process_set_initial_cpu_affinity(const OciProcess *p) {
        if (!p->exec_cpu_affinity_initial)
                return 0;
        return set_cpu_affinity(p->exec_cpu_affinity_initial, "process.execCPUAffinity.initial");
}

int process_find_executable(const OciProcess *p, char **ret) {
        const char *name = p->args ? p->args[0] : NULL, *path;
        int r = -ENOENT;

        if (isempty(name))
                return -EINVAL;
        if (strchr(name, '/')) {
                if (access(name, X_OK) < 0)
                        return negative_errno();
                char *c = strdup(name);
                if (!c)
                        return -ENOMEM;
                *ret = c;
                return 0;
        }

        path = env_get(p->env, "PATH") ?: DEFAULT_PATH;
        for (const char *d = path;;) {
                size_t l = strcspn(d, ":");
                _cleanup_free_ char *full = NULL;
                struct stat st;

                /* an empty element means the current directory, as in execvp */
                if (asprintf_safe(&full, "%.*s%s%s", (int) l, l ? d : ".", "/", name) < 0)
                        return -ENOMEM;
                if (stat(full, &st) >= 0 && S_ISREG(st.st_mode)) {
                        if (access(full, X_OK) >= 0) {
                                *ret = TAKE_PTR(full);
                                return 0;
                        }
                        r = -EACCES;
                }
                if (!d[l])
                        break;
                d += l + 1;
        }
        return r;
}

/* ---- the steps, in the order process_exec() runs them ---- */

static int setup_fds(const ProcessContext *ctx) {
        const char *listen = env_get(ctx->process->env, "LISTEN_FDS");
        unsigned keep = ctx->preserve_fds;
        uint64_t n;

        /* Socket activation as in runc: LISTEN_FDS=N in the process env keeps fds 3 .. 3+N-1 too
         * (the spawner puts them before the --preserve-fds ones). */
        if (listen && safe_atou64(listen, &n) >= 0 && n < 65536)
                keep += (unsigned) n;

        /* Everything else is closed at execve, not now: the sync socket, the FIFO and the console
         * are still needed until then. Nothing of nspawn-oci's reaches the container. */
        if (syscall(SYS_close_range, 3 + keep, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
                /* close_range with CLOEXEC needs Linux 5.11: walk up to the fd limit instead */
                struct rlimit rl;
                rlim_t max = getrlimit(RLIMIT_NOFILE, &rl) >= 0 && rl.rlim_cur < (1 << 20) ? rl.rlim_cur
                                                                                           : (1 << 20);

                for (rlim_t fd = 3 + keep; fd < max; fd++)
                        (void) fcntl((int) fd, F_SETFD, FD_CLOEXEC);
        }
        for (unsigned i = 0; i < keep; i++) {
                int fd = 3 + (int) i, flags;

                if (fd == ctx->sync_fd || fd == ctx->exec_fifo_fd || fd == ctx->console_fd)
                        continue;
                flags = fcntl(fd, F_GETFD);
                if (flags >= 0 && (flags & FD_CLOEXEC))
                        (void) fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
        }
        return 0;
}

static int setup_terminal(const ProcessContext *ctx) {
        /* A session of its own, as runc does for every container process: the container's
         * signals and job control never reach nspawn-oci's session. */
        if (setsid() < 0 && errno != EPERM)
                return report(ctx, errno, "setsid: %m");
        if (ctx->console_fd < 0)
                return 0; /* conmon's pipes (or our stdio) go through unchanged */
        if (ioctl(ctx->console_fd, TIOCSCTTY, 0) < 0)
                return report(ctx, errno, "ioctl(TIOCSCTTY) on the console: %m");
        for (int fd = 0; fd < 3; fd++)
                if (dup2(ctx->console_fd, fd) < 0)
                        return report(ctx, errno, "dup2 of the console onto fd %d: %m", fd);
        return 0;
}

static int setup_rlimits(const ProcessContext *ctx) {
        const OciProcess *p = ctx->process;

        for (size_t i = 0; i < p->n_rlimits; i++) {
                struct rlimit rl = {
                        .rlim_cur = p->rlimits[i].soft == UINT64_MAX ? RLIM_INFINITY
                                                                     : (rlim_t) p->rlimits[i].soft,
                        .rlim_max = p->rlimits[i].hard == UINT64_MAX ? RLIM_INFINITY
                                                                     : (rlim_t) p->rlimits[i].hard,
                };

                if (setrlimit(p->rlimits[i].resource, &rl) < 0)
                        return report(ctx, errno,
                                      "setting rlimit %s (soft %" PRIu64 ", hard %" PRIu64 "): %m",
                                      strna(oci_rlimit_to_string(p->rlimits[i].resource)),
                                      p->rlimits[i].soft, p->rlimits[i].hard);
        }
        return 0;
}

int process_set_oom_score_adj(const OciProcess *p) {
        _cleanup_close_ int fd = -1;
        char buf[32];
        int n;

        if (!p->oom_score_adj.set)
                return 0;
        n = snprintf(buf, sizeof(buf), "%" PRIi64 "\n", p->oom_score_adj.v);
        fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, buf, (size_t) n) != n)
                return negative_errno();
        return 0;
}

/* glibc has no wrapper for sched_setattr(2) */
struct process_sched_attr {
        uint32_t size;
        uint32_t sched_policy;
        uint64_t sched_flags;
        int32_t sched_nice;
        uint32_t sched_priority;
        uint64_t sched_runtime;
        uint64_t sched_deadline;
        uint64_t sched_period;
};

static int setup_scheduler(const ProcessContext *ctx) {
        const OciScheduler *s = &ctx->process->scheduler;
        struct process_sched_attr attr = {
                .size = sizeof(attr),
        };

        if (!s->set)
                return 0;
        attr.sched_policy = (uint32_t) s->policy;
        attr.sched_flags = s->flags;
        attr.sched_nice = s->nice.set ? (int32_t) s->nice.v : 0;
        attr.sched_priority = s->priority.set ? (uint32_t) s->priority.v : 0;
        attr.sched_runtime = s->runtime.set ? s->runtime.v : 0;
        attr.sched_deadline = s->deadline.set ? s->deadline.v : 0;
        attr.sched_period = s->period.set ? s->period.v : 0;
        if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
                return report(ctx, errno, "setting process.scheduler (policy %d): %m", s->policy);
        return 0;
}

static int setup_io_priority(const ProcessContext *ctx) {
        const OciIoPriority *io = &ctx->process->io_priority;

        if (!io->set)
                return 0;
        if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, IOPRIO_PRIO_VALUE(io->class, io->priority)) < 0)
                return report(ctx, errno, "setting process.ioPriority (class %d, priority %d): %m",
                              io->class, io->priority);
        return 0;
}

static const struct {
        const char *name;
        unsigned long flag;
} personality_flag_table[] = {
        { "UNAME26", UNAME26 },
        { "ADDR_NO_RANDOMIZE", ADDR_NO_RANDOMIZE },
        { "FDPIC_FUNCPTRS", FDPIC_FUNCPTRS },
        { "MMAP_PAGE_ZERO", MMAP_PAGE_ZERO },
        { "ADDR_COMPAT_LAYOUT", ADDR_COMPAT_LAYOUT },
        { "READ_IMPLIES_EXEC", READ_IMPLIES_EXEC },
        { "ADDR_LIMIT_32BIT", ADDR_LIMIT_32BIT },
        { "SHORT_INODE", SHORT_INODE },
        { "WHOLE_SECONDS", WHOLE_SECONDS },
        { "STICKY_TIMEOUTS", STICKY_TIMEOUTS },
        { "ADDR_LIMIT_3GB", ADDR_LIMIT_3GB },
};

static int setup_personality(const ProcessContext *ctx) {
        const OciPersonality *pers = ctx->personality;
        unsigned long value;

        if (!pers || !pers->present)
                return 0;
        if (pers->domain && streq(pers->domain, "LINUX"))
                value = PER_LINUX;
        else if (pers->domain && streq(pers->domain, "LINUX32"))
                value = PER_LINUX32;
        else
                return report(ctx, EINVAL, "linux.personality.domain: unknown domain \"%s\"",
                              strna(pers->domain));
        STRV_FOREACH(f, pers->flags) {
                size_t i;
                for (i = 0; i < ELEMENTSOF(personality_flag_table); i++)
                        if (streq(*f, personality_flag_table[i].name))
                                break;
                if (i >= ELEMENTSOF(personality_flag_table))
                        return report(ctx, EINVAL, "linux.personality.flags: unknown flag \"%s\"", *f);
                value |= personality_flag_table[i].flag;
        }
        if (personality(value) < 0)
                return report(ctx, errno, "setting linux.personality %s: %m", pers->domain);
        return 0;
}

static int write_attr(const char *path, const char *value) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        ssize_t l = (ssize_t) strlen(value);

        if (fd < 0)
                return negative_errno();
        if (write(fd, value, (size_t) l) != l)
                return negative_errno();
        return 0;
}

static bool apparmor_enabled(void) {
        _cleanup_free_ char *s = NULL;

        return read_full_file("/sys/module/apparmor/parameters/enabled", &s, NULL) >= 0 && s[0] == 'Y';
}

static bool selinux_enabled(void) {
        /* selinuxfs mounted, as libselinux decides */
        return access("/sys/fs/selinux/enforce", F_OK) >= 0;
}

static int setup_labels(const ProcessContext *ctx) {
        const OciProcess *p = ctx->process;
        int r;

        if (!isempty(p->apparmor_profile)) {
                /* runc ignores the profile where AppArmor is off: a config written for an AppArmor
                 * host still runs elsewhere, with no confinement to lose. */
                if (!apparmor_enabled())
                        log_debug("process.apparmorProfile \"%s\": AppArmor is not enabled, ignoring",
                                  p->apparmor_profile);
                else {
                        _cleanup_free_ char *v = strjoin("exec ", p->apparmor_profile);
                        if (!v)
                                return report(ctx, ENOMEM, "out of memory");
                        /* the stacking-aware interface first, the legacy one on older kernels */
                        r = write_attr("/proc/self/attr/apparmor/exec", v);
                        if (r == -ENOENT)
                                r = write_attr("/proc/self/attr/exec", v);
                        if (r < 0)
                                return report(ctx, r, "applying process.apparmorProfile \"%s\": %m",
                                              p->apparmor_profile);
                }
        }

        if (!isempty(p->selinux_label)) {
                /* runc refuses a label it cannot apply: dropping it would run the process with
                 * less confinement than asked for. */
                if (!selinux_enabled())
                        return report(ctx, EOPNOTSUPP,
                                      "process.selinuxLabel is specified in config, but selinux "
                                      "is disabled or not supported");
                r = write_attr("/proc/thread-self/attr/exec", p->selinux_label);
                if (r < 0)
                        return report(ctx, r, "applying process.selinuxLabel \"%s\": %m", p->selinux_label);
        }
        return 0;
}

/* A session keyring of the container's own, so that it cannot reach the engine's keys through the
 * caller's: joined by name (created on first use, shared by the container's later execs), with search
 * permission added for the container's user, as runc does. Kernels without keyrings (ENOSYS) keep
 * going, as runc's do. */
static int setup_session_keyring(const ProcessContext *ctx) {
        char desc[512];
        unsigned perm;
        long id, n;

        if (!ctx->session_keyring)
                return 0;
        id = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, ctx->session_keyring, 0, 0, 0);
        if (id < 0 && errno == ENOSYS)
                return 0;
        /* A seccomp filter above us (inside another container, a service under nspawn) may deny
         * keyctl() altogether: the container inherits that filter, so it cannot reach any keyring
         * either. Only a refusal of this keyring in particular is an error. */
        if (id < 0 && errno == EPERM &&
            syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0, 0, 0) < 0 && errno == EPERM)
                return 0;
        if (id < 0)
                return report(ctx, errno, "joining the session keyring \"%s\": %m", ctx->session_keyring);
        /* "type;uid;gid;perm;description", perm in hex */
        n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, id, desc, sizeof(desc) - 1, 0);
        if (n < 0)
                return report(ctx, errno, "reading the session keyring's permissions: %m");
        desc[(size_t) n < sizeof(desc) ? (size_t) n : sizeof(desc) - 1] = 0;
        if (sscanf(desc, "%*[^;];%*[^;];%*[^;];%x;", &perm) != 1)
                return report(ctx, EINVAL, "unexpected session keyring description \"%s\"", desc);
        perm |= ctx->user_namespace ? KEY_OTH_SEARCH : KEY_USR_SEARCH;
        if (syscall(SYS_keyctl, KEYCTL_SETPERM, id, perm, 0, 0) < 0)
                return report(ctx, errno, "setting the permissions of the session keyring: %m");
        return 0;
}

static int setup_cwd_before_user(const ProcessContext *ctx, bool *ret_done) {
        const char *cwd = ctx->process->cwd ?: "/";
        int r;

        *ret_done = false;
        /* runc creates a missing cwd of the main process as root, before the user switch */
        if (ctx->main_process && access(cwd, F_OK) < 0 && errno == ENOENT) {
                /* Safety: the image decides what the path's parts are: resolved inside our root
                 * (the box's), without magic links, so a link to /proc/1/root/… in a container
                 * sharing the host's pid namespace cannot have the directory made on the host
                 * (CVE-2024-45310's class). */
                _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
                r = root < 0 ? negative_errno() : mkdir_p_in_root(root, cwd, 0755);
                if (r < 0)
                        return report(ctx, r, "creating process.cwd \"%s\": %m", cwd);
        }
        /* As runc: try as root first (a directory only root can enter); on EACCES try again as
         * the user (a volume chowned to the user that root cannot search, e.g. over NFS). */
        if (chdir(cwd) >= 0) {
                *ret_done = true;
                return 0;
        }
        if (errno == EACCES || errno == EPERM)
                return 0;
        return report(ctx, errno, "chdir to cwd (\"%s\") set in config.json failed: %m", cwd);
}

static int cap_last(void) {
        _cleanup_free_ char *s = NULL;
        int v;

        if (read_full_file("/proc/sys/kernel/cap_last_cap", &s, NULL) >= 0) {
                s[strcspn(s, "\n")] = 0;
                if (safe_atoi(s, &v) >= 0 && v > 0 && v < 64)
                        return v;
        }
        return CAP_LAST_CAP;
}

static uint64_t known_caps(const OciProcess *p, OciCapSet set, int last) {
        uint64_t mask = last >= 63 ? UINT64_MAX : (UINT64_C(1) << (last + 1)) - 1;
        uint64_t v = p->has_capabilities && p->cap_set_present[set] ? p->caps[set] : 0;

        if (v & ~mask)
                log_debug("process.capabilities.%s: the kernel knows capabilities up to %d only, skipping "
                          "mask 0x%" PRIx64,
                          oci_cap_set_to_string(set), last, v & ~mask);
        return v & mask;
}

static int drop_bounding(const ProcessContext *ctx, uint64_t bounding, int last) {
        for (int c = 0; c <= last; c++) {
                if (bounding & (UINT64_C(1) << c))
                        continue;
                if (prctl(PR_CAPBSET_DROP, (unsigned long) c, 0, 0, 0) < 0 && errno != EINVAL)
                        return report(ctx, errno, "dropping %s from the bounding set: %m",
                                      strna(oci_capability_to_string(c)));
        }
        return 0;
}

static int setup_user(const ProcessContext *ctx) {
        const OciProcess *p = ctx->process;

        /* runc: the supplementary groups are exactly additionalGids, none from /etc/group */
        if (setgroups(p->n_additional_gids, p->additional_gids) < 0)
                return report(ctx, errno, "setgroups to process.user.additionalGids: %m");
        if (setresgid(p->gid, p->gid, p->gid) < 0)
                return report(ctx, errno, "setresgid(%u): %m", (unsigned) p->gid);
        if (setresuid(p->uid, p->uid, p->uid) < 0)
                return report(ctx, errno, "setresuid(%u): %m", (unsigned) p->uid);
        return 0;
}

static int apply_caps(const ProcessContext *ctx, int last) {
        const OciProcess *p = ctx->process;
        uint64_t eff = known_caps(p, OCI_CAP_EFFECTIVE, last), prm = known_caps(p, OCI_CAP_PERMITTED, last),
                 inh = known_caps(p, OCI_CAP_INHERITABLE, last), amb = known_caps(p, OCI_CAP_AMBIENT, last);
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
        struct __user_cap_data_struct d[2] = {
                { .effective = (uint32_t) eff, .permitted = (uint32_t) prm, .inheritable = (uint32_t) inh },
                { .effective = (uint32_t) (eff >> 32),
                  .permitted = (uint32_t) (prm >> 32),
                  .inheritable = (uint32_t) (inh >> 32) },
        };

        if (syscall(SYS_capset, &h, d) < 0)
                return report(ctx, errno,
                              "capset (effective 0x%" PRIx64 ", permitted 0x%" PRIx64
                              ", inheritable 0x%" PRIx64 "): %m",
                              eff, prm, inh);

        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return report(ctx, errno, "clearing the ambient capabilities: %m");
        for (int c = 0; c <= last; c++) {
                if (!(amb & (UINT64_C(1) << c)))
                        continue;
                /* The kernel allows an ambient capability only when it is permitted and
                 * inheritable; runc goes on silently in that case (runc's own default spec asks
                 * for it), so do we, with a debug line: a warning on every run and exec is noise. */
                if (!(prm & inh & (UINT64_C(1) << c))) {
                        log_debug(
                                "process.capabilities.ambient: %s is not both permitted and inheritable, "
                                "ignoring",
                                strna(oci_capability_to_string(c)));
                        continue;
                }
                if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long) c, 0, 0) < 0)
                        return report(ctx, errno, "raising ambient capability %s: %m",
                                      strna(oci_capability_to_string(c)));
        }
        return 0;
}

static int load_seccomp(const ProcessContext *ctx) {
        int fd, r;

        fd = oci_seccomp_program_load(ctx->seccomp);
        if (fd < 0)
                return report(ctx, fd, "loading the seccomp filter: %m");
        if (!ctx->seccomp->notify)
                return 0;
        r = sync_send(ctx->sync_fd, "SECCOMP\n", fd);
        safe_close(fd);
        if (r < 0)
                return report(ctx, r, "passing the seccomp notify listener to nspawn-oci: %m");
        return 0;
}

static int wait_exec_fifo(const ProcessContext *ctx) {
        _cleanup_close_ int fd = -1;
        char path[64];

        /* The FIFO is reopened through /proc from the O_PATH fd: open(O_WRONLY) blocks until
         * `start` opens the read side. */
        snprintf(path, sizeof(path), "/proc/self/fd/%d", ctx->exec_fifo_fd);
        do
                fd = open(path, O_WRONLY | O_CLOEXEC);
        while (fd < 0 && errno == EINTR);
        if (fd < 0)
                return report(ctx, errno, "open exec fifo %s: %m", path);
        if (write(fd, "0", 1) != 1)
                return report(ctx, errno, "write exec fifo: %m");
        /* runc closes it before execve too (CVE-2016-9962 on older kernels) */
        safe_close(ctx->exec_fifo_fd);
        return 0;
}

static char **build_env(const OciProcess *p) {
        char **env = strv_copy(p->env ?: (char *[]){ NULL });

        if (!env)
                return NULL;
        /* runc sets HOME from the container's /etc/passwd when the config has none */
        if (!env_get(env, "HOME")) {
                _cleanup_fclose_ FILE *f = fopen("/etc/passwd", "re");
                char line[1024], *home = NULL;

                while (f && fgets(line, sizeof(line), f)) {
                        char *fields[7] = {}, *s = line;
                        size_t n = 0;
                        uint64_t uid;

                        line[strcspn(line, "\n")] = 0;
                        while (n < 7 && (fields[n++] = strsep(&s, ":")))
                                ;
                        if (n == 7 && fields[6] && safe_atou64(fields[2], &uid) >= 0 && uid == p->uid) {
                                home = fields[5];
                                break;
                        }
                }
                if (strv_extendf(&env, "HOME=%s", isempty(home) ? "/" : home) < 0)
                        return strv_free(env);
        }
        return env;
}

static int setup_cpu_affinity_final(const ProcessContext *ctx) {
        const char *list = ctx->process->exec_cpu_affinity_final;
        cpu_set_t set;

        if (!list)
                return 0;
        if (process_parse_cpu_list(list, &set) < 0)
                return report(ctx, EINVAL, "process.execCPUAffinity.final: \"%s\" is not a cpu list", list);
        if (sched_setaffinity(0, sizeof(set), &set) < 0)
                return report(ctx, errno, "setting process.execCPUAffinity.final \"%s\": %m", list);
        return 0;
}

/* The steps that come first, in this order: the fds and the terminal, then everything that needs root
 * and the full capability set. */
static int (* const root_steps[])(const ProcessContext *ctx) = {
        setup_fds,
        setup_terminal,
        setup_rlimits,
        setup_scheduler,
        setup_io_priority,
        setup_personality,
        setup_labels,
        setup_session_keyring,
};

int process_exec(const ProcessContext *ctx) {
        const OciProcess *p = ctx->process;
        _cleanup_free_ char *exe = NULL;
        _cleanup_strv_free_ char **env = NULL;
        bool seccomp_early, seccomp_done = false, cwd_done;
        int last = cap_last(), r;

        if (!p || !p->args || !p->args[0])
                return report(ctx, EINVAL, "process.args must not be empty");

        for (size_t i = 0; i < ELEMENTSOF(root_steps); i++) {
                r = root_steps[i](ctx);
                if (r < 0)
                        return r;
        }
        r = setup_cwd_before_user(ctx, &cwd_done);
        if (r < 0)
                return r;
        if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return report(ctx, errno, "prctl(PR_SET_NO_NEW_PRIVS): %m");

        /* Without no_new_privs, installing a filter needs CAP_SYS_ADMIN: load it now, while we
         * have it, as runc does. The filter then also sees the syscalls below. */
        if (ctx->seccomp && !p->no_new_privileges) {
                r = load_seccomp(ctx);
                if (r < 0)
                        return r;
                seccomp_done = true;
        }

        r = drop_bounding(ctx, known_caps(p, OCI_CAP_BOUNDING, last), last);
        if (r < 0)
                return r;
        /* Keep the permitted set across the uid change; capset() below sets it exactly. */
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return report(ctx, errno, "prctl(PR_SET_KEEPCAPS): %m");
        r = setup_user(ctx);
        if (r < 0)
                return r;
        if (!cwd_done && chdir(p->cwd ?: "/") < 0)
                return report(ctx, errno, "chdir to cwd (\"%s\") set in config.json failed: %m",
                              p->cwd ?: "/");
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                return report(ctx, errno, "prctl(PR_SET_KEEPCAPS): %m");
        r = apply_caps(ctx, last);
        if (r < 0)
                return r;

        umask(p->umask.set ? (mode_t) p->umask.v & 0777 : 0022);

        env = build_env(p);
        if (!env)
                return report(ctx, ENOMEM, "out of memory");

        /* Resolved as the container user in the container's root, before the FIFO wait, so that a
         * missing executable fails `create`, not `start`. */
        r = process_find_executable(p, &exe);
        if (r == -ENOENT && !strchr(p->args[0], '/'))
                return report(ctx, r, "exec: \"%s\": executable file not found in $PATH", p->args[0]);
        if (r < 0)
                return report(ctx, r, "exec: \"%s\": %m", p->args[0]);

        /* The notify listener must reach nspawn-oci while `create` still runs, so a NOTIFY filter
         * is loaded before the FIFO wait (as runc does); other filters as late as possible. */
        seccomp_early = ctx->seccomp && !seccomp_done && ctx->seccomp->notify && ctx->exec_fifo_fd >= 0;
        if (seccomp_early) {
                r = load_seccomp(ctx);
                if (r < 0)
                        return r;
                seccomp_done = true;
        }

        if (ctx->main_process && ctx->exec_fifo_fd >= 0) {
                r = sync_send(ctx->sync_fd, "READY\n", -1);
                if (r < 0)
                        return report(ctx, r, "sync: %m");
                sync_ready_sent = true;
                r = wait_exec_fifo(ctx);
                if (r < 0)
                        return r;
        }

        r = setup_cpu_affinity_final(ctx);
        if (r < 0)
                return r;

        if (ctx->seccomp && !seccomp_done) {
                r = load_seccomp(ctx);
                if (r < 0)
                        return r;
        }

        execve(exe, p->args, env);
        return report(ctx, errno, "exec: \"%s\": %m", exe);
}
