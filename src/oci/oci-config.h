/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The typed model of an OCI runtime-spec config.json (1.0.0 – 1.2.x) and of process.json.
 * Plain data: parsed by oci-parse.c, read by the plan and the lifecycle, freed by oci_config_free(). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* An optional scalar: 'set' tells whether the key was present. */
#define OCI_OPT(type) struct { bool set; type v; }
typedef OCI_OPT(int64_t) OciOptInt;
typedef OCI_OPT(uint64_t) OciOptUint;
typedef OCI_OPT(bool) OciOptBool;

typedef struct OciIdMapping {
        uint32_t container_id;
        uint32_t host_id;
        uint32_t size;
} OciIdMapping;

typedef struct OciMount {
        char *destination;
        char *type;       /* NULL when absent */
        char *source;     /* NULL when absent */
        char **options;   /* NULL-terminated, NULL when absent */
        OciIdMapping *uid_mappings;
        size_t n_uid_mappings;
        OciIdMapping *gid_mappings;
        size_t n_gid_mappings;
} OciMount;

typedef enum OciCapSet {
        OCI_CAP_BOUNDING,
        OCI_CAP_EFFECTIVE,
        OCI_CAP_INHERITABLE,
        OCI_CAP_PERMITTED,
        OCI_CAP_AMBIENT,
        _OCI_CAP_SET_MAX,
} OciCapSet;

typedef struct OciRlimit {
        int resource;     /* RLIMIT_* */
        uint64_t soft;
        uint64_t hard;
} OciRlimit;

typedef struct OciScheduler {
        bool set;
        int policy;       /* SCHED_* */
        OciOptInt nice;
        OciOptInt priority;
        uint64_t flags;   /* SCHED_FLAG_* */
        OciOptUint runtime;
        OciOptUint deadline;
        OciOptUint period;
} OciScheduler;

typedef struct OciIoPriority {
        bool set;
        int class;        /* IOPRIO_CLASS_RT, _BE, _IDLE */
        int priority;
} OciIoPriority;

typedef struct OciProcess {
        bool terminal;
        OciOptUint console_height;
        OciOptUint console_width;
        uid_t uid;
        gid_t gid;
        OciOptUint umask;
        gid_t *additional_gids;
        size_t n_additional_gids;
        char *username;          /* user.username (Windows), kept only to be reported */
        char **args;             /* NULL-terminated */
        char *command_line;      /* Windows only: rejected on Linux by the plan */
        char **env;              /* NULL-terminated */
        char *cwd;
        bool has_capabilities;   /* the "capabilities" object was present */
        bool cap_set_present[_OCI_CAP_SET_MAX];
        uint64_t caps[_OCI_CAP_SET_MAX];   /* bit masks of CAP_* */
        OciRlimit *rlimits;
        size_t n_rlimits;
        bool no_new_privileges;
        char *apparmor_profile;
        OciOptInt oom_score_adj;
        OciScheduler scheduler;
        char *selinux_label;
        OciIoPriority io_priority;
        char *exec_cpu_affinity_initial;
        char *exec_cpu_affinity_final;
} OciProcess;

typedef struct OciHook {
        char *path;
        char **args;
        char **env;
        OciOptInt timeout;       /* seconds, > 0 when set */
} OciHook;

typedef enum OciHookKind {
        OCI_HOOK_PRESTART,
        OCI_HOOK_CREATE_RUNTIME,
        OCI_HOOK_CREATE_CONTAINER,
        OCI_HOOK_START_CONTAINER,
        OCI_HOOK_POSTSTART,
        OCI_HOOK_POSTSTOP,
        _OCI_HOOK_KIND_MAX,
} OciHookKind;

typedef enum OciNamespaceType {
        OCI_NS_PID,
        OCI_NS_NETWORK,
        OCI_NS_MOUNT,
        OCI_NS_IPC,
        OCI_NS_UTS,
        OCI_NS_USER,
        OCI_NS_CGROUP,
        OCI_NS_TIME,
        _OCI_NS_MAX,
} OciNamespaceType;

typedef struct OciNamespace {
        bool present;            /* listed in linux.namespaces: a new one, or joined by path */
        char *path;              /* NULL: a new namespace */
} OciNamespace;

typedef struct OciTimeOffset {
        bool set;
        int64_t secs;
        uint32_t nanosecs;
} OciTimeOffset;

typedef struct OciDevice {
        char *path;
        char type;               /* 'c', 'b', 'u', 'p' */
        int64_t major;
        int64_t minor;
        OciOptUint file_mode;
        OciOptUint uid;
        OciOptUint gid;
} OciDevice;

typedef struct OciDeviceRule {
        bool allow;
        char type;               /* 'a', 'c', 'b'; 'a' when absent */
        OciOptInt major;         /* unset: any (-1 is also "any") */
        OciOptInt minor;
        char *access;            /* subset of "rwm"; NULL when absent */
} OciDeviceRule;

typedef struct OciWeightDevice {
        int64_t major;
        int64_t minor;
        OciOptUint weight;
        OciOptUint leaf_weight;
} OciWeightDevice;

typedef struct OciThrottleDevice {
        int64_t major;
        int64_t minor;
        uint64_t rate;
} OciThrottleDevice;

typedef struct OciHugepageLimit {
        char *page_size;
        uint64_t limit;
} OciHugepageLimit;

typedef struct OciNetPriority {
        char *name;
        uint32_t priority;
} OciNetPriority;

typedef struct OciRdmaLimit {
        char *device;
        OciOptUint hca_handles;
        OciOptUint hca_objects;
} OciRdmaLimit;

typedef struct OciKeyValue {
        char *key;
        char *value;
} OciKeyValue;

typedef struct OciResources {
        OciDeviceRule *devices;
        size_t n_devices;
        bool devices_unchanged;  /* not a container's rules: an update's, which leaves them as they are
                                  * (without rules, a container's are "deny all but the defaults") */

        struct {
                bool present;
                OciOptInt limit;
                OciOptInt reservation;
                OciOptInt swap;
                OciOptInt kernel;
                OciOptInt kernel_tcp;
                OciOptUint swappiness;
                OciOptBool disable_oom_killer;
                OciOptBool use_hierarchy;
                OciOptBool check_before_update;
        } memory;

        struct {
                bool present;
                OciOptUint shares;
                OciOptInt quota;
                OciOptUint burst;
                OciOptUint period;
                OciOptInt realtime_runtime;
                OciOptUint realtime_period;
                char *cpus;
                char *mems;
                OciOptInt idle;
        } cpu;

        struct {
                bool present;
                OciOptUint weight;
                OciOptUint leaf_weight;
                OciWeightDevice *weight_devices;
                size_t n_weight_devices;
                OciThrottleDevice *throttle_read_bps;
                size_t n_throttle_read_bps;
                OciThrottleDevice *throttle_write_bps;
                size_t n_throttle_write_bps;
                OciThrottleDevice *throttle_read_iops;
                size_t n_throttle_read_iops;
                OciThrottleDevice *throttle_write_iops;
                size_t n_throttle_write_iops;
        } block_io;

        OciHugepageLimit *hugepage_limits;
        size_t n_hugepage_limits;

        struct {
                bool present;
                OciOptUint class_id;
                OciNetPriority *priorities;
                size_t n_priorities;
        } network;

        struct {
                bool present;
                int64_t limit;   /* <= 0: unlimited */
        } pids;

        OciRdmaLimit *rdma;
        size_t n_rdma;

        OciKeyValue *unified;
        size_t n_unified;
} OciResources;

typedef enum OciSeccompAction {
        OCI_SECCOMP_KILL,
        OCI_SECCOMP_KILL_PROCESS,
        OCI_SECCOMP_KILL_THREAD,
        OCI_SECCOMP_TRAP,
        OCI_SECCOMP_ERRNO,
        OCI_SECCOMP_TRACE,
        OCI_SECCOMP_ALLOW,
        OCI_SECCOMP_LOG,
        OCI_SECCOMP_NOTIFY,
        _OCI_SECCOMP_ACTION_MAX,
} OciSeccompAction;

typedef enum OciSeccompOp {
        OCI_SECCOMP_OP_NE,
        OCI_SECCOMP_OP_LT,
        OCI_SECCOMP_OP_LE,
        OCI_SECCOMP_OP_EQ,
        OCI_SECCOMP_OP_GE,
        OCI_SECCOMP_OP_GT,
        OCI_SECCOMP_OP_MASKED_EQ,
        _OCI_SECCOMP_OP_MAX,
} OciSeccompOp;

typedef struct OciSeccompArg {
        uint32_t index;
        uint64_t value;
        uint64_t value_two;
        OciSeccompOp op;
} OciSeccompArg;

typedef struct OciSeccompSyscall {
        char **names;            /* NULL-terminated */
        OciSeccompAction action;
        OciOptUint errno_ret;
        OciSeccompArg *args;
        size_t n_args;
} OciSeccompSyscall;

typedef struct OciSeccomp {
        bool present;
        OciSeccompAction default_action;
        OciOptUint default_errno_ret;
        char **architectures;    /* "SCMP_ARCH_X86_64", ..., NULL-terminated */
        char **flags;            /* "SECCOMP_FILTER_FLAG_LOG", ..., NULL-terminated */
        char *listener_path;
        char *listener_metadata;
        OciSeccompSyscall *syscalls;
        size_t n_syscalls;
} OciSeccomp;

typedef struct OciIntelRdt {
        bool present;
        char *clos_id;
        char *l3_cache_schema;
        char *mem_bw_schema;
        char **schemata;
        OciOptBool enable_cmt;
        OciOptBool enable_mbm;
} OciIntelRdt;

typedef struct OciPersonality {
        bool present;
        char *domain;            /* "LINUX" or "LINUX32" */
        char **flags;
} OciPersonality;

typedef struct OciMemoryPolicy {
        bool present;
        char *mode;              /* "MPOL_DEFAULT", ... */
        char *nodes;
        char **flags;
} OciMemoryPolicy;

typedef struct OciNetDevice {
        char *host_name;         /* the key of linux.netDevices */
        char *name;              /* the name inside; NULL: the same */
} OciNetDevice;

typedef struct OciLinux {
        bool present;
        OciNamespace namespaces[_OCI_NS_MAX];
        OciIdMapping *uid_mappings;
        size_t n_uid_mappings;
        OciIdMapping *gid_mappings;
        size_t n_gid_mappings;
        OciTimeOffset time_offset_monotonic;
        OciTimeOffset time_offset_boottime;
        OciDevice *devices;
        size_t n_devices;
        char *cgroups_path;
        bool has_resources;
        OciResources resources;
        OciIntelRdt intel_rdt;
        OciKeyValue *sysctl;
        size_t n_sysctl;
        OciSeccomp seccomp;
        char *rootfs_propagation;  /* "private", "rprivate", "slave", ... ; NULL when absent */
        char **masked_paths;
        char **readonly_paths;
        char *mount_label;
        OciPersonality personality;
        OciMemoryPolicy memory_policy;
        OciNetDevice *net_devices;
        size_t n_net_devices;
} OciLinux;

typedef struct OciConfig {
        char *oci_version;
        char *root_path;         /* NULL when "root" is absent */
        bool root_readonly;
        OciMount *mounts;
        size_t n_mounts;
        bool has_process;
        OciProcess process;
        char *hostname;
        char *domainname;
        OciHook *hooks[_OCI_HOOK_KIND_MAX];
        size_t n_hooks[_OCI_HOOK_KIND_MAX];
        OciKeyValue *annotations;
        size_t n_annotations;
        OciLinux linux;
} OciConfig;

OciConfig *oci_config_free(OciConfig *c);
static inline void oci_config_freep(OciConfig **c) {
        oci_config_free(*c);
}
void oci_process_done(OciProcess *p);
/* Frees n key/value pairs (annotations, sysctls, unified cgroup files) and their array. */
void oci_key_values_free(OciKeyValue *kv, size_t n);
void oci_resources_done(OciResources *r);

/* name <-> value tables, shared by the parser, the plan, features and the serializer */
const char *oci_hook_kind_to_string(OciHookKind k);        /* "prestart", "createRuntime", ... */
const char *oci_namespace_type_to_string(OciNamespaceType t);   /* "pid", "network", ... */
int oci_namespace_type_from_string(const char *s);
int oci_namespace_type_clone_flag(OciNamespaceType t);         /* CLONE_NEWPID, ...; 0 if unknown */
const char *oci_namespace_type_proc_name(OciNamespaceType t);  /* in /proc/PID/ns/: "pid", "net", ... */
const char *oci_seccomp_action_to_string(OciSeccompAction a);  /* "SCMP_ACT_ALLOW", ... */
int oci_seccomp_action_from_string(const char *s);
const char *oci_seccomp_op_to_string(OciSeccompOp o);          /* "SCMP_CMP_EQ", ... */
int oci_seccomp_op_from_string(const char *s);
const char *oci_cap_set_to_string(OciCapSet s);                /* "bounding", ... */
const char *oci_capability_to_string(int cap);                 /* "CAP_CHOWN", ... NULL if unknown */
int oci_capability_from_string(const char *s);                 /* -EINVAL if unknown */
int oci_capability_last(void);                                  /* highest CAP_* this build knows */
const char *oci_rlimit_to_string(int resource);                /* "RLIMIT_NOFILE", ... */
int oci_rlimit_from_string(const char *s);
const char *oci_sched_policy_to_string(int policy);            /* "SCHED_OTHER", ... */
int oci_sched_policy_from_string(const char *s);
const char *oci_sched_flag_to_string(int bit);                 /* bit number of SCHED_FLAG_* */
int oci_sched_flag_from_string(const char *s);
const char *oci_ioprio_class_to_string(int class);             /* "IOPRIO_CLASS_RT", ... */
int oci_ioprio_class_from_string(const char *s);
