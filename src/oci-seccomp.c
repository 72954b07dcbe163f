/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.seccomp → BPF with libseccomp (the only file that uses it), cached by content; loading the
 * exported program with seccomp(2). Compiling runs as root in the host namespaces before the fork;
 * oci_seccomp_program_load() runs in the container process just before execve. */
#include <fcntl.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/param.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>

#include "log.h"
#include "oci-seccomp.h"
#include "sha256.h"
#include "util.h"

/* Bumped when the serialization or the way the filter is built changes: old cache entries then
 * simply stop matching. */
#define SECCOMP_CACHE_FORMAT "nspawn-oci-seccomp-2"

static unsigned compile_count = 0;

unsigned oci_seccomp_compile_count(void) {
        return compile_count;
}

SeccompProgram *oci_seccomp_program_free(SeccompProgram *p) {
        if (!p)
                return NULL;
        free(p->bpf);
        free(p->listener_path);
        free(p->listener_metadata);
        free(p);
        return NULL;
}

/* libseccomp's names are the OCI names without the prefix, in lower case; 0: unknown. */
static uint32_t arch_resolve(const char *oci_name) {
        char name[64];
        size_t i;

        if (!startswith(oci_name, "SCMP_ARCH_") || strlen(oci_name) - 10 >= sizeof(name))
                return 0;
        for (i = 0; oci_name[10 + i]; i++)
                name[i] = (char) ((oci_name[10 + i] >= 'A' && oci_name[10 + i] <= 'Z') ? oci_name[10 + i] + 32
                                                                                   : oci_name[10 + i]);
        name[i] = 0;
        return seccomp_arch_resolve_name(name);
}

bool oci_seccomp_arch_supported(const char *oci_name) {
        return arch_resolve(oci_name) != 0;
}

static uint32_t action_to_scmp(OciSeccompAction a, const OciOptUint *errno_ret) {
        uint32_t e = errno_ret && errno_ret->set ? (uint32_t) errno_ret->v : EPERM;

        switch (a) {
        case OCI_SECCOMP_KILL:
        case OCI_SECCOMP_KILL_THREAD:
                return SCMP_ACT_KILL_THREAD;
        case OCI_SECCOMP_KILL_PROCESS:
                return SCMP_ACT_KILL_PROCESS;
        case OCI_SECCOMP_TRAP:
                return SCMP_ACT_TRAP;
        case OCI_SECCOMP_ERRNO:
                return SCMP_ACT_ERRNO(e);
        case OCI_SECCOMP_TRACE:
                /* runc: errnoRet is the value the tracer sees, EPERM when absent */
                return SCMP_ACT_TRACE(e);
        case OCI_SECCOMP_ALLOW:
                return SCMP_ACT_ALLOW;
        case OCI_SECCOMP_LOG:
                return SCMP_ACT_LOG;
        case OCI_SECCOMP_NOTIFY:
                return SCMP_ACT_NOTIFY;
        default:
                return UINT32_MAX;
        }
}

static enum scmp_compare op_to_scmp(OciSeccompOp o) {
        switch (o) {
        case OCI_SECCOMP_OP_NE:
                return SCMP_CMP_NE;
        case OCI_SECCOMP_OP_LT:
                return SCMP_CMP_LT;
        case OCI_SECCOMP_OP_LE:
                return SCMP_CMP_LE;
        case OCI_SECCOMP_OP_EQ:
                return SCMP_CMP_EQ;
        case OCI_SECCOMP_OP_GE:
                return SCMP_CMP_GE;
        case OCI_SECCOMP_OP_GT:
                return SCMP_CMP_GT;
        case OCI_SECCOMP_OP_MASKED_EQ:
                return SCMP_CMP_MASKED_EQ;
        default:
                return _SCMP_CMP_MIN;
        }
}

static const struct {
        const char *name;
        unsigned flag;
} filter_flag_table[] = {
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

bool oci_seccomp_kernel_has_flag(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(filter_flag_table); i++)
                if (streq(name, filter_flag_table[i].name))
                        return kernel_has_filter_flag(filter_flag_table[i].flag);
        return false;
}

static int filter_flags(const OciSeccomp *s, bool notify, unsigned *ret) {
        unsigned flags = 0;

        STRV_FOREACH(f, s->flags) {
                size_t i;

                for (i = 0; i < ELEMENTSOF(filter_flag_table); i++)
                        if (streq(*f, filter_flag_table[i].name))
                                break;
                if (i >= ELEMENTSOF(filter_flag_table))
                        return log_error_errno(EINVAL, "linux.seccomp.flags: unknown flag \"%s\"", *f);
                if (filter_flag_table[i].flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV && !notify) {
                        log_debug("seccomp: %s without a SCMP_ACT_NOTIFY rule has no effect, ignoring", *f);
                        continue;
                }
                if (!kernel_has_filter_flag(filter_flag_table[i].flag)) {
                        log_debug("seccomp: the kernel does not know %s, ignoring", *f);
                        continue;
                }
                flags |= filter_flag_table[i].flag;
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

/* Everything that determines the BPF, in a fixed order and an unambiguous text form. The
 * listener path and metadata do not change the program and are left out. */
static int profile_serialize(const OciSeccomp *s, char **ret, size_t *ret_size) {
        const struct scmp_version *v = seccomp_version();
        struct utsname u;
        char *buf = NULL;
        size_t size = 0;
        FILE *f;

        if (uname(&u) < 0)
                return negative_errno();
        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;

        /* The kernel release is part of the key: libseccomp adapts the program to the actions
         * the running kernel supports. */
        fprintf(f, "%s\nlibseccomp %u.%u.%u\nmachine %s\nkernel %s\n", SECCOMP_CACHE_FORMAT,
                v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0, u.machine, u.release);
        fprintf(f, "default %d %d %" PRIu64 "\n", (int) s->default_action, s->default_errno_ret.set,
                s->default_errno_ret.v);
        STRV_FOREACH(a, s->architectures)
                fprintf(f, "arch %zu:%s\n", strlen(*a), *a);
        for (size_t i = 0; i < s->n_syscalls; i++) {
                const OciSeccompSyscall *sc = &s->syscalls[i];

                fprintf(f, "rule %d %d %" PRIu64 "\n", (int) sc->action, sc->errno_ret.set, sc->errno_ret.v);
                STRV_FOREACH(n, sc->names)
                        fprintf(f, " name %zu:%s\n", strlen(*n), *n);
                for (size_t j = 0; j < sc->n_args; j++)
                        fprintf(f, " arg %" PRIu32 " %d %" PRIu64 " %" PRIu64 "\n", sc->args[j].index,
                                (int) sc->args[j].op, sc->args[j].value, sc->args[j].value_two);
        }
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        *ret_size = size;
        return 0;
}

static void seccomp_releasep(scmp_filter_ctx *ctx) {
        if (*ctx)
                seccomp_release(*ctx);
}

/* As runc: conditions on distinct arguments are ANDed in one rule. When an argument is compared
 * more than once (CRI-O's profile refuses clone() with any of seven namespace flags, all on
 * argument 0), libseccomp cannot AND them, and each condition becomes a rule of its own: the
 * conditions are ORed. (crun does the same with the first six conditions and drops the others.)
 * Each distinct condition costs the program at least one instruction, so a rule with more
 * conditions than the kernel takes instructions can never load; it is refused before libseccomp
 * spends time on it. */
static int add_rules(scmp_filter_ctx ctx, const OciSeccompSyscall *sc, uint32_t action, size_t index) {
        _cleanup_free_ struct scmp_arg_cmp *cmps = NULL;
        unsigned per_index[6] = {};
        bool same_index_twice = false;
        size_t n_rules, per_rule;

        if (sc->n_args > BPF_MAXINSNS)
                return log_error_errno(EINVAL,
                                       "linux.seccomp.syscalls[%zu].args: %zu conditions, more than a "
                                       "filter of %u instructions can hold",
                                       index, sc->n_args, (unsigned) BPF_MAXINSNS);
        cmps = calloc(MAX(sc->n_args, 1u), sizeof(struct scmp_arg_cmp));
        if (!cmps)
                return log_oom();
        for (size_t j = 0; j < sc->n_args; j++) {
                const OciSeccompArg *a = &sc->args[j];
                enum scmp_compare op = op_to_scmp(a->op);

                if (a->index >= ELEMENTSOF(per_index))
                        return log_error_errno(EINVAL,
                                               "linux.seccomp.syscalls[%zu].args[%zu].index: %" PRIu32
                                               " is not an argument index (0-5)",
                                               index, j, a->index);
                if (op == _SCMP_CMP_MIN)
                        return log_error_errno(EINVAL,
                                               "linux.seccomp.syscalls[%zu].args[%zu].op: unknown operator",
                                               index, j);
                if (++per_index[a->index] > 1)
                        same_index_twice = true;
                cmps[j] = (struct scmp_arg_cmp){
                        .arg = a->index,
                        .op = op,
                        .datum_a = a->value,
                        .datum_b = a->value_two,
                };
        }
        /* distinct indexes: one rule with all (at most six) conditions; else one rule each */
        n_rules = same_index_twice ? sc->n_args : 1;
        per_rule = same_index_twice ? 1 : sc->n_args;

        STRV_FOREACH(name, sc->names) {
                int nr = seccomp_syscall_resolve_name(*name);

                if (nr == __NR_SCMP_ERROR) {
                        log_debug("seccomp: unknown syscall \"%s\", skipping", *name);
                        continue;
                }
                for (size_t k = 0; k < n_rules; k++) {
                        int r = seccomp_rule_add_array(ctx, action, nr, (unsigned) per_rule,
                                                       cmps + k * per_rule);
                        if (r < 0)
                                return log_error_errno(r,
                                                       "linux.seccomp.syscalls[%zu]: failed to add a rule "
                                                       "for \"%s\": %m",
                                                       index, *name);
                }
        }
        return 0;
}

static int compile_bpf(const OciSeccomp *s, void **ret_bpf, size_t *ret_size) {
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        _cleanup_close_ int fd = -1;
        uint32_t default_action = action_to_scmp(s->default_action, &s->default_errno_ret);
        struct stat st;
        void *bpf;
        int r;

        if (default_action == UINT32_MAX)
                return log_error_errno(EINVAL, "linux.seccomp.defaultAction: unknown action");
        ctx = seccomp_init(default_action);
        if (!ctx)
                return log_error_errno(EINVAL,
                                       "Failed to initialize the seccomp filter with default action %s",
                                       strna(oci_seccomp_action_to_string(s->default_action)));

        /* The program is exported and loaded by us: libseccomp's own no_new_privs is irrelevant,
         * and a binary tree keeps long profiles cheap per syscall. */
        (void) seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
        (void) seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);

        STRV_FOREACH(a, s->architectures) {
                uint32_t arch = arch_resolve(*a);

                if (arch == 0)
                        return log_error_errno(
                                EINVAL, "linux.seccomp.architectures: unknown architecture \"%s\"", *a);
                r = seccomp_arch_add(ctx, arch);
                if (r < 0 && r != -EEXIST)
                        return log_error_errno(r, "linux.seccomp.architectures: failed to add \"%s\": %m",
                                               *a);
        }

        for (size_t i = 0; i < s->n_syscalls; i++) {
                const OciSeccompSyscall *sc = &s->syscalls[i];
                uint32_t action = action_to_scmp(sc->action, &sc->errno_ret);

                if (action == UINT32_MAX)
                        return log_error_errno(EINVAL, "linux.seccomp.syscalls[%zu].action: unknown action",
                                               i);
                if (action == default_action) {
                        /* libseccomp refuses such rules (EACCES); they change nothing anyway */
                        log_debug("seccomp: syscalls[%zu] has the default action, skipping", i);
                        continue;
                }
                r = add_rules(ctx, sc, action, i);
                if (r < 0)
                        return r;
        }

        fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
        if (fd < 0)
                return log_error_errno(errno, "Failed to create a memfd for the seccomp filter: %m");
        r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return log_error_errno(r, "Failed to export the seccomp filter: %m");
        if (fstat(fd, &st) < 0)
                return log_error_errno(errno, "Failed to stat the exported seccomp filter: %m");
        if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0)
                return log_error_errno(EIO, "The exported seccomp filter has an invalid size %jd",
                                       (intmax_t) st.st_size);
        /* libseccomp exports longer programs than the kernel takes: say so here, with the profile
         * at hand, rather than fail with EINVAL in the container process */
        if ((size_t) st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
                return log_error_errno(EINVAL,
                                       "linux.seccomp: the filter has %zu instructions, more than the %u "
                                       "the kernel takes",
                                       (size_t) st.st_size / sizeof(struct sock_filter),
                                       (unsigned) BPF_MAXINSNS);
        bpf = malloc((size_t) st.st_size);
        if (!bpf)
                return log_oom();
        if (pread(fd, bpf, (size_t) st.st_size, 0) != st.st_size) {
                free(bpf);
                return log_error_errno(EIO, "Failed to read back the exported seccomp filter");
        }
        compile_count++;
        *ret_bpf = bpf;
        *ret_size = (size_t) st.st_size;
        return 0;
}

int oci_seccomp_compile(const OciSeccomp *s, const char *cache_dir, SeccompProgram **ret) {
        _cleanup_(oci_seccomp_program_freep) SeccompProgram *p = NULL;
        _cleanup_free_ char *serialized = NULL, *cache_path = NULL, *data = NULL;
        size_t serialized_size, size = 0;
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

        r = profile_serialize(s, &serialized, &serialized_size);
        if (r < 0)
                return log_error_errno(r, "Failed to serialize the seccomp profile: %m");
        sha256_hex(serialized, serialized_size, p->hash);

        if (cache_dir) {
                if (asprintf_safe(&cache_path, "%s/%s.bpf", cache_dir, p->hash) < 0)
                        return log_oom();
                r = read_full_file(cache_path, &data, &size);
                if (r >= 0 && size > 0 && size % sizeof(struct sock_filter) == 0) {
                        log_debug("seccomp: using cached filter %s", p->hash);
                        p->bpf = TAKE_PTR(data);
                        p->n_insns = size / sizeof(struct sock_filter);
                        p->from_cache = true;
                        *ret = TAKE_PTR(p);
                        return 0;
                }
                if (r >= 0)
                        log_debug("seccomp: cached filter %s is damaged, compiling again", p->hash);
                else if (r != -ENOENT)
                        log_debug_errno(r, "seccomp: cannot read cached filter %s, compiling: %m",
                                        cache_path);
                free(TAKE_PTR(data));
        }

        r = compile_bpf(s, &p->bpf, &size);
        if (r < 0)
                return r;
        p->n_insns = size / sizeof(struct sock_filter);
        log_debug("seccomp: compiled filter %s (%zu insns)", p->hash, p->n_insns);

        if (cache_dir) {
                /* The cache only saves time: failing to write it is not an error. */
                r = mkdir_p(cache_dir, 0700);
                if (r >= 0)
                        r = write_file_atomic(cache_path, p->bpf, size, 0600);
                if (r < 0)
                        log_debug_errno(r, "seccomp: failed to cache filter in %s, ignoring: %m",
                                        cache_path);
        }

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
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct iovec iov = {
                .iov_base = (void *) process_state_json,
                .iov_len = strlen(process_state_json),
        };
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = control.buf,
                .msg_controllen = sizeof(control.buf),
        };
        struct cmsghdr *cmsg;

        if (strlen(listener_path) >= sizeof(sa.sun_path))
                return log_error_errno(ENAMETOOLONG,
                                       "linux.seccomp.listenerPath: \"%s\" is too long for a "
                                       "unix socket address",
                                       listener_path);
        strcpy(sa.sun_path, listener_path);

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return log_error_errno(errno, "Failed to create a socket for the seccomp agent: %m");
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return log_error_errno(errno, "Failed to connect to the seccomp agent at %s: %m",
                                       listener_path);

        cmsg = CMSG_FIRSTHDR(&mh);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &listener_fd, sizeof(int));

        for (;;) {
                ssize_t n = sendmsg(fd, &mh, MSG_NOSIGNAL);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return log_error_errno(errno, "Failed to send the seccomp listener to %s: %m",
                                               listener_path);
                if ((size_t) n != iov.iov_len)
                        return log_error_errno(
                                EIO, "Short write of the container state to the seccomp agent at %s",
                                listener_path);
                return 0;
        }
}
