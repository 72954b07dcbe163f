/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.seccomp → BPF with libseccomp, the only file that uses it. Pure but for libseccomp's look at
 * the actions the running kernel supports. Runs as root in the host namespaces, before the fork. */
#include <inttypes.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/param.h>
#include <sys/stat.h>

#include "base/log.h"
#include "plan/oci-seccomp-bpf.h"
#include "base/util.h"

static unsigned compile_count = 0;

unsigned oci_seccomp_bpf_compile_count(void) {
        return compile_count;
}

const char *oci_seccomp_bpf_compiler(void) {
        static char name[64];
        const struct scmp_version *v = seccomp_version();

        snprintf(name, sizeof(name), "libseccomp %u.%u.%u", v ? v->major : 0, v ? v->minor : 0,
                 v ? v->micro : 0);
        return name;
}

/* libseccomp's names are the OCI names without the prefix, in lower case; 0: unknown. */
static uint32_t arch_resolve(const char *oci_name) {
        char name[64];
        size_t i;

        if (!startswith(oci_name, "SCMP_ARCH_") || strlen(oci_name) - 10 >= sizeof(name))
                return 0;
        for (i = 0; oci_name[10 + i]; i++) {
                char c = oci_name[10 + i];
                name[i] = c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
        }
        name[i] = 0;
        return seccomp_arch_resolve_name(name);
}

bool oci_seccomp_bpf_arch_supported(const char *oci_name) {
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

int oci_seccomp_bpf_compile(const OciSeccomp *s, void **ret_bpf, size_t *ret_n_insns) {
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
        *ret_n_insns = (size_t) st.st_size / sizeof(struct sock_filter);
        return 0;
}
