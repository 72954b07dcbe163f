/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config.json → Plan: for every field present, where it goes (nspawn option, unit property, native
 * step before nspawn or inside the box, process setting, ignored with a reason, rejected).
 * Pure: no syscalls. The lifecycle executes a Plan; `explain` prints one; golden tests compare one. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/oci-config.h"
#include "plan/plan-entry.h"
#include "plan/resources.h"
#include "plan/unit-property.h"

typedef struct PlanJoin {
        OciNamespaceType type;
        char *path;              /* NULL: the host's (nspawn-oci's own) namespace is kept */
} PlanJoin;

/* Where the container process's pid namespace comes from. runc's rule: the process is PID 1 of a new
 * pid namespace, or a later pid of one it joins. */
typedef enum PlanPidNamespace {
        PLAN_PID_HOST,           /* none in the config: nspawn-oci's own, shared with the box */
        PLAN_PID_NEW,            /* PID 1 of a new namespace below the box's (nspawn's holds only the holder) */
        PLAN_PID_PATH,           /* born in pid_ns_path, outside nspawn's (which holds only the holder) */
        _PLAN_PID_NAMESPACE_MAX,
} PlanPidNamespace;

const char *plan_pid_namespace_to_string(PlanPidNamespace p);

/* Who builds the box: systemd-nspawn (the default), or nspawn-oci itself where nspawn lacks a feature
 * (DESIGN.md §5). AUTO only in a PlanContext: the plan chooses. */
typedef enum PlanBuilder {
        PLAN_BUILDER_AUTO,
        PLAN_BUILDER_NSPAWN,
        PLAN_BUILDER_NATIVE,
        _PLAN_BUILDER_MAX,
} PlanBuilder;

const char *plan_builder_to_string(PlanBuilder b);
int plan_builder_from_string(const char *s);

/* The annotation that forces a builder, as --builder does. */
#define PLAN_BUILDER_ANNOTATION "org.nspawn-oci.builder"

typedef enum PlanStepType {
        PLAN_STEP_SYSCTL,        /* path = key (dots), value */
        PLAN_STEP_REMOUNT,       /* path, flags: MS_* to add to an existing mount, clear_flags: to take
                                  * away; MS_REC in flags: every mount below path as well */
        PLAN_STEP_READONLY,      /* path: bind onto itself, remount read-only */
        PLAN_STEP_MASK,          /* path: /dev/null over files, an empty read-only tmpfs over dirs */
        PLAN_STEP_MKNOD,         /* path, mode (with S_IFCHR/S_IFBLK/S_IFIFO), dev, uid, gid */
        PLAN_STEP_HOSTNAME,      /* value */
        PLAN_STEP_DOMAINNAME,    /* value */
        PLAN_STEP_PROPAGATION,   /* flags: MS_PRIVATE/MS_SLAVE/MS_SHARED [| MS_REC] for / */
        PLAN_STEP_REATTACH,      /* path: rbind onto itself, so it follows the mounts before it */
        PLAN_STEP_MOUNT,         /* path, value = fs type, source, data, flags: a new mount over nspawn's */
        _PLAN_STEP_TYPE_MAX,
} PlanStepType;

typedef struct PlanStep {
        PlanStepType type;
        char *path;
        char *value;
        unsigned long flags;
        unsigned long clear_flags;
        mode_t mode;
        dev_t dev;
        uid_t uid;
        gid_t gid;
        char *source;            /* PLAN_STEP_MOUNT */
        char *data;              /* PLAN_STEP_MOUNT: NULL or "size=…,mode=…" */
} PlanStep;

/* The seccomp program of the process (and of exec'd ones). The profile decides listener_path and
 * listener_metadata; create compiles it and fills in the rest, which depends on the kernel: the cache key
 * it is stored under (oci_seccomp_cache_key()), the filter flags the kernel knows, and notify. */
typedef struct PlanSeccomp {
        bool present;
        char *key;
        unsigned flags;           /* SECCOMP_FILTER_FLAG_* */
        bool notify;
        char *listener_path;
        char *listener_metadata;
} PlanSeccomp;

/* The directories nspawn needs in the image (mount points), in the order they are created. */
#define PLAN_MOUNT_POINTS "usr", "proc", "sys", "dev", "run", "tmp", "etc", "var", "root"

/* What the caller saw in the image before planning (box_steps_look_rootfs()): the plan is pure. */
typedef struct PlanRootfsLook {
        bool looked;              /* false: nothing is known, nothing is created */
        bool fs_readonly;         /* the root is on a read-only file system */
        char **missing;           /* of PLAN_MOUNT_POINTS, those the image lacks */
} PlanRootfsLook;

/* The exec FIFO's name in the container's state directory. */
#define PLAN_EXEC_FIFO "exec.fifo"

typedef struct PlanContext {
        const char *id;
        const char *bundle;       /* absolute */
        const char *holder;       /* absolute path of nspawn-oci-init on the host */
        const char *nspawn;       /* the systemd-nspawn binary */
        bool systemd;             /* systemd is PID 1 and its bus is reachable */
        bool unified_cgroup;      /* the host has the cgroup v2 hierarchy only */
        const PlanRootfsLook *rootfs_look; /* NULL: not looked at */
        PlanBuilder builder;      /* forced by --builder; AUTO: the config's annotation, else the plan's choice */
} PlanContext;

typedef struct Plan {
        PlanEntry *entries;
        size_t n_entries;

        PlanBuilder builder;      /* NSPAWN or NATIVE */
        char *builder_reason;     /* why: "linux.uidMappings has 2 ranges", "--builder=native", … */

        char *machine;            /* machined name, derived from the id */
        char *rootfs;             /* absolute */
        bool rootfs_needs_usr;    /* an empty /usr is created as a mount point */
        bool register_machine;    /* --register=yes */

        /* the unit (systemd) or cgroup (cgroupfs) the container lives in */
        char *slice;              /* "machine.slice" */
        char *unit;               /* "libpod-<id>.scope"; NULL without systemd */
        char *cgroup;             /* cgroupfs path without systemd, relative to the hierarchy root */
        UnitProperty *properties;
        size_t n_properties;

        char **nspawn_argv;       /* complete: argv[0] = ctx->nspawn … "--" holder */
        char **nspawn_env;        /* extra environment: SYSTEMD_SECCOMP=0, SYSTEMD_NSPAWN_SHARE_NS_* */

        /* namespaces the container process joins from the holder (PID 1 of the box); those not
         * joined are nspawn-oci's own, i.e. the host's. join_ns[OCI_NS_PID]: the holder is PID 1 of
         * a pid namespace of nspawn's; the process's own pid namespace is pid_ns. */
        bool join_ns[_OCI_NS_MAX];
        PlanPidNamespace pid_ns;
        char *pid_ns_path;        /* PLAN_PID_PATH */
        char *mount_ns_path;      /* the process joins this mount namespace, not the holder's (native) */

        PlanJoin *joins;          /* setns() before nspawn runs, in this order */
        size_t n_joins;
        PlanStep *steps;          /* done in the box, in this order, before the process */
        size_t n_steps;

        bool rejected;            /* any entry is PLAN_FATE_REJECTED */

        /* What the verbs after create need. The plan is saved in the state directory (plan.json), and
         * start, exec and delete read it back: they never plan again. */
        char **mount_points;      /* of PLAN_MOUNT_POINTS: created as empty directories in the image */
        CgroupWrite *cgroup_writes; /* into the box's cgroups once it stands (what the unit cannot do) */
        size_t n_cgroup_writes;
        /* cgroup v1 with a unit: the device rules, for a devices cgroup of the container's own where
         * systemd manages none (create looks) */
        CgroupWrite *device_cgroup_writes;
        size_t n_device_cgroup_writes;
        char *exec_fifo;          /* PLAN_EXEC_FIFO; NULL without a process */
        PlanSeccomp seccomp;
        /* process, hooks and linux.personality in their OCI form: the process and exec's processes
         * get them, the hooks run at their times */
        OciConfig *config;
} Plan;

/* Fails only on out-of-memory; a config the runtime cannot run gives a Plan with rejected = true
 * and its reasons in the entries (plan_first_rejection()). */
int plan_build(const OciConfig *c, const PlanContext *ctx, Plan **ret);
const PlanEntry *plan_first_rejection(const Plan *p);
Plan *plan_free(Plan *p);
static inline void plan_freep(Plan **p) {
        plan_free(*p);
}

/* plan-saved.c: the part of the plan for the verbs after create, filled by plan_build() once the rest
 * stands (it needs p->unit and p->rootfs), and freed by plan_free(). */
int plan_saved_fill(const OciConfig *c, const PlanContext *ctx, Plan *p);
void plan_saved_done(Plan *p);

/* The absolute path of root.path, relative to bundle; -EINVAL without one. */
int plan_rootfs_path(const OciConfig *c, const char *bundle, char **ret);

/* The machined name for a container id: hostname-like, at most 64 characters, deterministic. */
int plan_machine_name(const char *id, char **ret);
/* Whether s is usable as a hostname and a machine name (see plan.c). */
bool plan_hostname_is_valid(const char *s);

const char *plan_step_type_to_string(PlanStepType t);

/* The mount points the plan's steps attach (again, or anew) after the config's /proc, in their order:
 * a process that mounts a procfs of its own over /proc attaches them once more after it, so that its
 * mountinfo lists them in the config's order, /proc where the config has it. NULL-terminated, possibly
 * empty; NULL on out-of-memory. */
char **plan_mounts_after_proc(const Plan *p);
int plan_step_type_from_string(const char *s);
int plan_pid_namespace_from_string(const char *s);

/* The names of the MS_* flags of a step ("ro", "nosuid", …, "recursive"), in a fixed order, as explain
 * and the plan's JSON give them; NULL-terminated. Returns how many. */
#define PLAN_MOUNT_FLAG_NAMES_MAX 10
size_t plan_mount_flag_names(unsigned long flags, const char *ret[static PLAN_MOUNT_FLAG_NAMES_MAX]);
