/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The model's name <-> value tables, and the free of its key/value lists; the rest of the model is
 * freed through the parser's tables (oci-parse.c). Pure. */
#include <sched.h>
#include <sys/resource.h>

#include "oci/oci-config.h"
#include "base/util.h"

static const char * const oci_hook_kind_table[_OCI_HOOK_KIND_MAX] = {
        [OCI_HOOK_PRESTART] = "prestart",
        [OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
        [OCI_HOOK_CREATE_CONTAINER] = "createContainer",
        [OCI_HOOK_START_CONTAINER] = "startContainer",
        [OCI_HOOK_POSTSTART] = "poststart",
        [OCI_HOOK_POSTSTOP] = "poststop",
};

DEFINE_STRING_TABLE_TO_STRING(oci_hook_kind, OciHookKind)

static const char * const oci_namespace_type_table[_OCI_NS_MAX] = {
        [OCI_NS_PID] = "pid",
        [OCI_NS_NETWORK] = "network",
        [OCI_NS_MOUNT] = "mount",
        [OCI_NS_IPC] = "ipc",
        [OCI_NS_UTS] = "uts",
        [OCI_NS_USER] = "user",
        [OCI_NS_CGROUP] = "cgroup",
        [OCI_NS_TIME] = "time",
};

DEFINE_STRING_TABLE(oci_namespace_type, OciNamespaceType)

/* The kernel's names for each type: its CLONE_NEW* flag and its file in /proc/PID/ns/. */
static const struct {
        int clone_flag;
        const char *proc_name;
} namespace_kernel_table[_OCI_NS_MAX] = {
        [OCI_NS_PID] = { CLONE_NEWPID, "pid" },
        [OCI_NS_NETWORK] = { CLONE_NEWNET, "net" },
        [OCI_NS_MOUNT] = { CLONE_NEWNS, "mnt" },
        [OCI_NS_IPC] = { CLONE_NEWIPC, "ipc" },
        [OCI_NS_UTS] = { CLONE_NEWUTS, "uts" },
        [OCI_NS_USER] = { CLONE_NEWUSER, "user" },
        [OCI_NS_CGROUP] = { CLONE_NEWCGROUP, "cgroup" },
        [OCI_NS_TIME] = { 0x00000080 /* CLONE_NEWTIME, glibc 2.36 has no name for it */, "time" },
};

int oci_namespace_type_clone_flag(OciNamespaceType t) {
        return t >= 0 && t < _OCI_NS_MAX ? namespace_kernel_table[t].clone_flag : 0;
}

const char *oci_namespace_type_proc_name(OciNamespaceType t) {
        return t >= 0 && t < _OCI_NS_MAX ? namespace_kernel_table[t].proc_name : NULL;
}

static const char * const oci_seccomp_action_table[_OCI_SECCOMP_ACTION_MAX] = {
        [OCI_SECCOMP_KILL] = "SCMP_ACT_KILL",
        [OCI_SECCOMP_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
        [OCI_SECCOMP_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
        [OCI_SECCOMP_TRAP] = "SCMP_ACT_TRAP",
        [OCI_SECCOMP_ERRNO] = "SCMP_ACT_ERRNO",
        [OCI_SECCOMP_TRACE] = "SCMP_ACT_TRACE",
        [OCI_SECCOMP_ALLOW] = "SCMP_ACT_ALLOW",
        [OCI_SECCOMP_LOG] = "SCMP_ACT_LOG",
        [OCI_SECCOMP_NOTIFY] = "SCMP_ACT_NOTIFY",
};

DEFINE_STRING_TABLE(oci_seccomp_action, OciSeccompAction)

static const char * const oci_seccomp_op_table[_OCI_SECCOMP_OP_MAX] = {
        [OCI_SECCOMP_OP_NE] = "SCMP_CMP_NE",
        [OCI_SECCOMP_OP_LT] = "SCMP_CMP_LT",
        [OCI_SECCOMP_OP_LE] = "SCMP_CMP_LE",
        [OCI_SECCOMP_OP_EQ] = "SCMP_CMP_EQ",
        [OCI_SECCOMP_OP_GE] = "SCMP_CMP_GE",
        [OCI_SECCOMP_OP_GT] = "SCMP_CMP_GT",
        [OCI_SECCOMP_OP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

DEFINE_STRING_TABLE(oci_seccomp_op, OciSeccompOp)

static const char * const oci_cap_set_table[_OCI_CAP_SET_MAX] = {
        [OCI_CAP_BOUNDING] = "bounding",
        [OCI_CAP_EFFECTIVE] = "effective",
        [OCI_CAP_INHERITABLE] = "inheritable",
        [OCI_CAP_PERMITTED] = "permitted",
        [OCI_CAP_AMBIENT] = "ambient",
};

DEFINE_STRING_TABLE_TO_STRING(oci_cap_set, OciCapSet)

/* Indexed by the kernel's CAP_* numbers (linux/capability.h). */
static const char * const oci_capability_table[] = {
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
        "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
        "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
        "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
        "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
};

DEFINE_STRING_TABLE(oci_capability, int)

int oci_capability_last(void) {
        return (int) ELEMENTSOF(oci_capability_table) - 1;
}

static const char * const oci_rlimit_table[] = {
        [RLIMIT_CPU] = "RLIMIT_CPU",
        [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
        [RLIMIT_DATA] = "RLIMIT_DATA",
        [RLIMIT_STACK] = "RLIMIT_STACK",
        [RLIMIT_CORE] = "RLIMIT_CORE",
        [RLIMIT_RSS] = "RLIMIT_RSS",
        [RLIMIT_NPROC] = "RLIMIT_NPROC",
        [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
        [RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",
        [RLIMIT_AS] = "RLIMIT_AS",
        [RLIMIT_LOCKS] = "RLIMIT_LOCKS",
        [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
        [RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE",
        [RLIMIT_NICE] = "RLIMIT_NICE",
        [RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",
        [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
};

DEFINE_STRING_TABLE(oci_rlimit, int)

/* Indexed by the kernel's SCHED_* numbers (linux/sched.h); SCHED_ISO is reserved but in the spec. */
static const char * const oci_sched_policy_table[] = {
        "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE",
};

DEFINE_STRING_TABLE(oci_sched_policy, int)

/* Indexed by the bit number of the kernel's SCHED_FLAG_* (linux/sched.h). */
static const char * const oci_sched_flag_table[] = {
        "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM", "SCHED_FLAG_DL_OVERRUN", "SCHED_FLAG_KEEP_POLICY",
        "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN", "SCHED_FLAG_UTIL_CLAMP_MAX",
};

DEFINE_STRING_TABLE(oci_sched_flag, int)

/* Indexed by the kernel's IOPRIO_CLASS_* (linux/ioprio.h); 0 is IOPRIO_CLASS_NONE, not in the spec. */
static const char * const oci_ioprio_class_table[] = {
        [1] = "IOPRIO_CLASS_RT",
        [2] = "IOPRIO_CLASS_BE",
        [3] = "IOPRIO_CLASS_IDLE",
};

DEFINE_STRING_TABLE(oci_ioprio_class, int)

void oci_key_values_free(OciKeyValue *kv, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(kv[i].key);
                free(kv[i].value);
        }
        free(kv);
}

