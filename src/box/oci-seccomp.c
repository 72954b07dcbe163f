/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The seccomp program of a container: its filter flags, its BPF from the cache or the compiler, loading
 * it with seccomp(2), and handing the notify listener to the agent. Needs no libseccomp. Building runs
 * as root in the host namespaces before the fork; oci_seccomp_program_load() runs in the container
 * process just before execve. */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "base/log.h"
#include "box/oci-seccomp.h"
#include "plan/oci-seccomp-bpf.h"
#include "host/oci-seccomp-cache.h"
#include "base/util.h"

SeccompProgram *oci_seccomp_program_free(SeccompProgram *p) {
        if (!p)
                return NULL;
        free(p->bpf);
        free(p->listener_path);
        free(p->listener_metadata);
        free(p);
        return NULL;
}

typedef struct FilterFlag {
        const char *name;
        unsigned flag;
} FilterFlag;

static const FilterFlag filter_flag_table[] = {
        /* runc: TSYNC is accepted and has no effect, the process is single-threaded */
        { "SECCOMP_FILTER_FLAG_TSYNC", 0 },
        { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
        { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
        { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
};

/* The kernel answers EFAULT for a known flag with a NULL program and EINVAL for an unknown one,
 * without installing anything. */
static bool kernel_has_filter_flag(unsigned flag) {
        if (flag == 0)
                return true;
        if (flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
                /* only valid together with NEW_LISTENER */
                flag |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT;
}

const char * const *oci_seccomp_known_flags(void) {
        static const char *names[ELEMENTSOF(filter_flag_table) + 1];

        for (size_t i = 0; i < ELEMENTSOF(filter_flag_table); i++)
                names[i] = filter_flag_table[i].name;
        return names;
}

static const FilterFlag *filter_flag_find(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(filter_flag_table); i++)
                if (streq(name, filter_flag_table[i].name))
                        return filter_flag_table + i;
        return NULL;
}

bool oci_seccomp_kernel_has_flag(const char *name) {
        const FilterFlag *f = filter_flag_find(name);

        return f && kernel_has_filter_flag(f->flag);
}

static int filter_flags(const OciSeccomp *s, bool notify, unsigned *ret) {
        unsigned flags = 0;

        STRV_FOREACH(f, s->flags) {
                const FilterFlag *flag = filter_flag_find(*f);

                if (!flag)
                        return log_error_errno(EINVAL, "linux.seccomp.flags: unknown flag \"%s\"", *f);
                if (flag->flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV && !notify) {
                        log_debug("seccomp: %s without a SCMP_ACT_NOTIFY rule has no effect, ignoring", *f);
                        continue;
                }
                if (!kernel_has_filter_flag(flag->flag)) {
                        log_debug("seccomp: the kernel does not know %s, ignoring", *f);
                        continue;
                }
                flags |= flag->flag;
        }
        if (notify)
                flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        *ret = flags;
        return 0;
}

static bool profile_uses_notify(const OciSeccomp *s) {
        if (s->default_action == OCI_SECCOMP_NOTIFY)
                return true;
        for (size_t i = 0; i < s->n_syscalls; i++)
                if (s->syscalls[i].action == OCI_SECCOMP_NOTIFY)
                        return true;
        return false;
}

/* The BPF from the cache when it is there, else from the compiler (and then into the cache). */
static int program_bpf(const OciSeccomp *s, const char *cache_dir, SeccompProgram *p) {
        int r;

        r = oci_seccomp_cache_key(s, p->hash);
        if (r < 0)
                return log_error_errno(r, "Failed to serialize the seccomp profile: %m");
        if (cache_dir) {
                r = oci_seccomp_cache_load(cache_dir, p->hash, &p->bpf, &p->n_insns);
                if (r >= 0) {
                        log_debug("seccomp: using cached filter %s", p->hash);
                        p->from_cache = true;
                        return 0;
                }
                if (r != -ENOENT)
                        log_debug_errno(r, "seccomp: cannot use cached filter %s, compiling: %m", p->hash);
        }

        r = oci_seccomp_bpf_compile(s, &p->bpf, &p->n_insns);
        if (r < 0)
                return r;
        log_debug("seccomp: compiled filter %s (%zu insns)", p->hash, p->n_insns);
        if (cache_dir) {
                /* exec loads it from there by the key the saved plan holds */
                r = oci_seccomp_cache_store(cache_dir, p->hash, p->bpf, p->n_insns);
                if (r < 0)
                        return log_error_errno(r, "seccomp: Failed to store filter %s in %s: %m", p->hash,
                                               cache_dir);
        }
        return 0;
}

int oci_seccomp_program_from_plan(const PlanSeccomp *s, const char *cache_dir, SeccompProgram **ret) {
        _cleanup_(oci_seccomp_program_freep) SeccompProgram *p = NULL;
        int r;

        if (!s->key)
                return log_error_errno(EINVAL,
                                       "plan.json: seccomp.key: missing, the program was not compiled");
        p = calloc(1, sizeof(*p));
        if (!p)
                return log_oom();
        if ((s->listener_path && !(p->listener_path = strdup(s->listener_path))) ||
            (s->listener_metadata && !(p->listener_metadata = strdup(s->listener_metadata))))
                return log_oom();
        p->flags = s->flags;
        p->notify = s->notify;
        p->from_cache = true;
        snprintf(p->hash, sizeof(p->hash), "%s", s->key);
        r = oci_seccomp_cache_load(cache_dir, s->key, &p->bpf, &p->n_insns);
        if (r < 0)
                return log_error_errno(r,
                                       "plan.json: seccomp.key: Failed to load the program %s from %s: %m",
                                       s->key, cache_dir);
        *ret = TAKE_PTR(p);
        return 0;
}

int oci_seccomp_compile(const OciSeccomp *s, const char *cache_dir, SeccompProgram **ret) {
        _cleanup_(oci_seccomp_program_freep) SeccompProgram *p = NULL;
        int r;

        p = calloc(1, sizeof(*p));
        if (!p)
                return log_oom();
        p->notify = profile_uses_notify(s);
        if (s->listener_path && !(p->listener_path = strdup(s->listener_path)))
                return log_oom();
        if (s->listener_metadata && !(p->listener_metadata = strdup(s->listener_metadata)))
                return log_oom();
        r = filter_flags(s, p->notify, &p->flags);
        if (r < 0)
                return r;
        r = program_bpf(s, cache_dir, p);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}

int oci_seccomp_program_load(const SeccompProgram *p) {
        struct sock_fprog prog = {
                .len = (unsigned short) p->n_insns,
                .filter = p->bpf,
        };
        long r;

        if (p->n_insns == 0 || p->n_insns > BPF_MAXINSNS)
                return -EINVAL;
        r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags, &prog);
        if (r < 0)
                return negative_errno();
        /* With NEW_LISTENER the kernel returns the listener fd; it is O_CLOEXEC already. */
        return p->notify ? (int) r : 0;
}

int oci_seccomp_send_listener(const char *listener_path, int listener_fd, const char *process_state_json) {
        _cleanup_close_ int fd = -1;
        int r;

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return log_error_errno(errno, "Failed to create a socket for the seccomp agent: %m");
        r = unix_connect(fd, listener_path);
        if (r < 0)
                return log_error_errno(r, "linux.seccomp.listenerPath: Failed to connect to the seccomp "
                                       "agent at %s: %m", listener_path);
        r = send_fd(fd, listener_fd, process_state_json, strlen(process_state_json));
        if (r < 0)
                return log_error_errno(r, "Failed to send the seccomp listener to %s: %m", listener_path);
        return 0;
}
