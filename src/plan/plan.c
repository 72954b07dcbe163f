/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config.json (the model) → Plan: for every field present, where it goes. Pure: no syscalls; the
 * lifecycle executes the plan with whatever privilege it has. What systemd-nspawn 252 does with each
 * option was checked against its source and man page. */
#include <inttypes.h>
#include <stdarg.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "plan/plan.h"
#include "plan/resources.h"
#include "base/util.h"

/* Where the holder is bind-mounted in the box. nspawn mounts its /run tmpfs first and custom mounts
 * after it, sorted by destination, so neither hides it. */
#define HOLDER_IN_BOX "/run/.nspawn-oci-init"

#define strempty(s) ((s) ?: "")
#define STR_IN_SET(s, ...) str_in_list((s), (const char * const[]) { __VA_ARGS__, NULL })

static bool str_in_list(const char *s, const char * const *l) {
        for (; *l; l++)
                if (streq(s, *l))
                        return true;
        return false;
}

static bool endswith_slice(const char *s) {
        size_t n = strlen(s);
        return n > strlen(".slice") && streq(s + n - strlen(".slice"), ".slice");
}

static const char * const plan_pid_namespace_table[_PLAN_PID_NAMESPACE_MAX] = {
        [PLAN_PID_HOST] = "host",
        [PLAN_PID_NEW] = "new",
        [PLAN_PID_PATH] = "path",
};

DEFINE_STRING_TABLE(plan_pid_namespace, PlanPidNamespace)

static const char * const plan_builder_table[_PLAN_BUILDER_MAX] = {
        [PLAN_BUILDER_AUTO] = "auto",
        [PLAN_BUILDER_NSPAWN] = "nspawn",
        [PLAN_BUILDER_NATIVE] = "native",
};

DEFINE_STRING_TABLE(plan_builder, PlanBuilder)

static const char * const plan_step_type_table[_PLAN_STEP_TYPE_MAX] = {
        [PLAN_STEP_SYSCTL] = "sysctl",
        [PLAN_STEP_REMOUNT] = "remount",
        [PLAN_STEP_READONLY] = "readonly",
        [PLAN_STEP_MASK] = "mask",
        [PLAN_STEP_MKNOD] = "mknod",
        [PLAN_STEP_HOSTNAME] = "hostname",
        [PLAN_STEP_DOMAINNAME] = "domainname",
        [PLAN_STEP_PROPAGATION] = "propagation",
        [PLAN_STEP_REATTACH] = "reattach",
        [PLAN_STEP_MOUNT] = "mount",
};

DEFINE_STRING_TABLE(plan_step_type, PlanStepType)

static const struct {
        unsigned long flag;
        const char *name;
} mount_flag_table[] = {
        { MS_RDONLY, "ro" },         { MS_NOSUID, "nosuid" },   { MS_NODEV, "nodev" },
        { MS_NOEXEC, "noexec" },     { MS_SHARED, "shared" },   { MS_SLAVE, "slave" },
        { MS_PRIVATE, "private" },   { MS_UNBINDABLE, "unbindable" }, { MS_REC, "recursive" },
};

size_t plan_mount_flag_names(unsigned long flags, const char *ret[static PLAN_MOUNT_FLAG_NAMES_MAX]) {
        size_t n = 0;

        for (size_t i = 0; i < ELEMENTSOF(mount_flag_table); i++)
                if (flags & mount_flag_table[i].flag)
                        ret[n++] = mount_flag_table[i].name;
        ret[n] = NULL;
        return n;
}

/* The order in which the box is finished, as runc's init does it: the mounts in the config's order,
 * mount flags, device nodes, the propagation of /, sysctls, read-only and masked paths, then the
 * names. */
static int step_rank(PlanStepType t) {
        static const int rank[_PLAN_STEP_TYPE_MAX] = {
                [PLAN_STEP_REATTACH] = -1,
                [PLAN_STEP_MOUNT] = -1,
                [PLAN_STEP_REMOUNT] = 0,
                [PLAN_STEP_MKNOD] = 1,
                [PLAN_STEP_PROPAGATION] = 2,
                [PLAN_STEP_SYSCTL] = 3,
                [PLAN_STEP_READONLY] = 4,
                [PLAN_STEP_MASK] = 5,
                [PLAN_STEP_HOSTNAME] = 6,
                [PLAN_STEP_DOMAINNAME] = 7,
        };
        return rank[t];
}

Plan *plan_free(Plan *p) {
        if (!p)
                return NULL;
        plan_entries_free(p->entries, p->n_entries);
        free(p->builder_reason);
        free(p->machine);
        free(p->rootfs);
        free(p->slice);
        free(p->unit);
        free(p->cgroup);
        for (size_t i = 0; i < p->n_properties; i++)
                unit_property_done(p->properties + i);
        free(p->properties);
        strv_free(p->nspawn_argv);
        strv_free(p->nspawn_env);
        for (size_t i = 0; i < p->n_joins; i++)
                free(p->joins[i].path);
        free(p->joins);
        free(p->pid_ns_path);
        free(p->mount_ns_path);
        for (size_t i = 0; i < p->n_steps; i++) {
                free(p->steps[i].path);
                free(p->steps[i].value);
                free(p->steps[i].source);
                free(p->steps[i].data);
        }
        free(p->steps);
        plan_saved_done(p);
        free(p);
        return NULL;
}

const PlanEntry *plan_first_rejection(const Plan *p) {
        for (size_t i = 0; i < p->n_entries; i++)
                if (p->entries[i].fate == PLAN_FATE_REJECTED)
                        return p->entries + i;
        return NULL;
}

/* RFC 1123 host names as machined takes them: letters, digits, '-' and '.', 1-64 characters, not
 * starting or ending with '-' or '.', no empty label. */
bool plan_hostname_is_valid(const char *s) {
        size_t n;

        if (!s)
                return false;
        n = strlen(s);
        if (n < 1 || n > 64)
                return false;
        if (strchr("-.", s[0]) || strchr("-.", s[n - 1]))
                return false;
        if (strstr(s, ".."))
                return false;
        for (const char *c = s; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                      *c == '-' || *c == '.'))
                        return false;
        return true;
}

/* The machine name of a container.
 *
 * An id that is already a valid host name (see above; podman's and CRI-O's ids are 64 hex digits) is
 * the machine name unchanged, so `machinectl` shows the id the engine shows. Any other id is
 * sanitized (every character that is not a letter, digit, '-' or '.' becomes '-'), truncated to 47
 * characters, and suffixed with "-" and the 16 lowercase hex digits of the FNV-1a 64-bit hash of the
 * whole id: 47 + 1 + 16 = 64 characters at most, and two ids that sanitize alike still get different
 * names. So that the result is always valid, a '.' right after another '.' becomes '-' as well, and a
 * leading '-' or '.' becomes 'x'. The rule is deterministic: every command finds the machine again
 * from the id alone. */
int plan_machine_name(const char *id, char **ret) {
        uint64_t h = UINT64_C(0xcbf29ce484222325);
        char *s;
        size_t n;

        if (isempty(id))
                return -EINVAL;
        if (plan_hostname_is_valid(id)) {
                s = strdup(id);
                if (!s)
                        return -ENOMEM;
                *ret = s;
                return 0;
        }

        for (const unsigned char *c = (const unsigned char *) id; *c; c++) {
                h ^= *c;
                h *= UINT64_C(0x100000001b3);
        }

        n = strlen(id);
        if (n > 47)
                n = 47;
        s = malloc(n + 1 + 16 + 1);
        if (!s)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                char c = id[i];
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                          c == '-' || (c == '.' && i > 0 && s[i - 1] != '.');
                s[i] = ok ? c : '-';
        }
        if (s[0] == '.')
                s[0] = '-';
        if (s[0] == '-')
                s[0] = 'x';
        sprintf(s + n, "-%016" PRIx64, h);
        *ret = s;
        return 0;
}

char **plan_mounts_after_proc(const Plan *p) {
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        bool after = false;

        if (!l)
                return NULL;
        for (size_t i = 0; i < p->n_steps; i++) {
                const PlanStep *s = p->steps + i;

                if (!IN_SET(s->type, PLAN_STEP_REATTACH, PLAN_STEP_MOUNT))
                        continue;
                if (after && strv_extend(&l, s->path) < 0)
                        return NULL;
                after = after || streq(s->path, "/proc");
        }
        return TAKE_PTR(l);
}

typedef struct Builder {
        const OciConfig *c;
        const PlanContext *ctx;
        Plan *p;
        char **options;    /* nspawn options from the config, between the fixed ones and the holder */
} Builder;

static int entry(Builder *b, const char *field, PlanFate fate, const char *fmt, ...) _printf_(4, 5);
static int entry(Builder *b, const char *field, PlanFate fate, const char *fmt, ...) {
        va_list ap;
        int r;

        if (fate == PLAN_FATE_REJECTED)
                b->p->rejected = true;
        va_start(ap, fmt);
        r = plan_entry_addv(&b->p->entries, &b->p->n_entries, field, fate, fmt, ap);
        va_end(ap);
        return r;
}

/* A field only the native builder can do: its entry, and the first such field is why the plan chooses
 * that builder ('reason', short: "linux.uidMappings has 2 ranges"). */
static int native(Builder *b, const char *field, const char *reason, const char *fmt, ...) _printf_(4, 5);
static int native(Builder *b, const char *field, const char *reason, const char *fmt, ...) {
        va_list ap;
        int r;

        if (!b->p->builder_reason && !(b->p->builder_reason = strdup(reason)))
                return -ENOMEM;
        va_start(ap, fmt);
        r = plan_entry_addv(&b->p->entries, &b->p->n_entries, field, PLAN_FATE_NATIVE, fmt, ap);
        va_end(ap);
        return r;
}

static int step(Builder *b, PlanStep s) {
        PlanStep *a = realloc(b->p->steps, sizeof(PlanStep) * (b->p->n_steps + 1));
        if (!a) {
                free(s.path);
                free(s.value);
                free(s.source);
                free(s.data);
                return -ENOMEM;
        }
        b->p->steps = a;
        a[b->p->n_steps++] = s;
        return 0;
}

static int step_path(Builder *b, PlanStepType t, const char *path, const char *value, unsigned long flags) {
        PlanStep s = { .type = t, .flags = flags };

        if (path && !(s.path = strdup(path)))
                return -ENOMEM;
        if (value && !(s.value = strdup(value))) {
                free(s.path);
                return -ENOMEM;
        }
        return step(b, s);
}

static int join(Builder *b, OciNamespaceType t, const char *path) {
        PlanJoin *a = realloc(b->p->joins, sizeof(PlanJoin) * (b->p->n_joins + 1));
        if (!a)
                return -ENOMEM;
        b->p->joins = a;
        a[b->p->n_joins] = (PlanJoin) { .type = t, .path = strdup(path) };
        if (!a[b->p->n_joins].path)
                return -ENOMEM;
        b->p->n_joins++;
        return 0;
}

/* nspawn's --bind/--tmpfs interpret backslash escapes; ':' separates the parts. */
static char *nspawn_escape(const char *s) {
        char *r = malloc(strlen(s) * 2 + 1), *t = r;

        if (!r)
                return NULL;
        for (; *s; s++) {
                if (*s == ':' || *s == '\\')
                        *t++ = '\\';
                *t++ = *s;
        }
        *t = 0;
        return r;
}

/* The next component of a path: skips slashes and "." components; returns its length, 0 at the end. */
static size_t path_next_component(const char **p) {
        for (;;) {
                size_t n;

                *p += strspn(*p, "/");
                n = strcspn(*p, "/");
                if (n != 1 || **p != '.')
                        return n;
                *p += n;
        }
}

/* p is dir or a path below it, compared component by component ("/procfs" is not below "/proc",
 * "//./proc/sys" is). Neither may hold "..": the plan refuses those paths first. */
static bool path_is_below_or_equal(const char *p, const char *dir) {
        for (;;) {
                size_t n = path_next_component(&dir), k = path_next_component(&p);

                if (n == 0)
                        return true;
                if (k != n || !strneq(p, dir, n))
                        return false;
                p += k;
                dir += n;
        }
}

static bool path_is_safe_absolute(const char *p) {
        if (!p || p[0] != '/')
                return false;
        for (const char *c = p; (c = strstr(c, "..")); c += 2)
                if ((c == p || c[-1] == '/') && (c[2] == '/' || c[2] == 0))
                        return false;
        return true;
}

int plan_rootfs_path(const OciConfig *c, const char *bundle, char **ret) {
        const char *path = c->root_path;
        _cleanup_free_ char *abs = NULL;
        size_t n;

        if (isempty(path))
                return -EINVAL;
        if (path[0] == '/')
                abs = strdup(path);
        else {
                while (startswith(path, "./"))
                        for (path += 2; *path == '/'; path++)
                                ;
                if (streq(path, ".") || !*path)
                        abs = strdup(bundle);
                else
                        abs = strjoin(bundle, "/", path);
        }
        if (!abs)
                return -ENOMEM;
        n = strlen(abs);
        while (n > 1 && abs[n - 1] == '/')
                abs[--n] = 0;
        *ret = TAKE_PTR(abs);
        return 0;
}

static int plan_rootfs(Builder *b) {
        int r = plan_rootfs_path(b->c, b->ctx->bundle, &b->p->rootfs);

        if (r == -EINVAL)
                return entry(b, "root.path", PLAN_FATE_REJECTED, "root.path: required, and missing");
        if (r < 0)
                return r;
        return entry(b, "root.path", PLAN_FATE_NSPAWN, "-D %s", b->p->rootfs);
}

static int plan_process(Builder *b) {
        const OciProcess *p = &b->c->process;
        int r = 0;

        /* runtime-spec: process is required when start is called; create builds the box alone */
        if (!b->c->has_process)
                return entry(b, "process", PLAN_FATE_RUNTIME, "absent: the box is created, start refuses");

#define PROC(field, ...)                                                                        \
        do {                                                                                    \
                r = entry(b, "process." field, PLAN_FATE_PROCESS, __VA_ARGS__);                 \
                if (r < 0)                                                                      \
                        return r;                                                               \
        } while (0)

        PROC("terminal", "%s", p->terminal ? "true: a pty, its master sent to the console socket" : "false");
        if (p->console_height.set || p->console_width.set)
                PROC("consoleSize", "%" PRIu64 "x%" PRIu64, p->console_width.v, p->console_height.v);
        PROC("user", "uid %u, gid %u", (unsigned) p->uid, (unsigned) p->gid);
        if (p->umask.set)
                PROC("user.umask", "%04" PRIo64, p->umask.v);
        if (p->n_additional_gids > 0)
                PROC("user.additionalGids", "%zu group%s", p->n_additional_gids,
                     p->n_additional_gids == 1 ? "" : "s");
        if (p->username) {
                r = entry(b, "process.user.username", PLAN_FATE_IGNORED, "Windows only");
                if (r < 0)
                        return r;
        }
        if (p->args)
                PROC("args", "%s%s", p->args[0] ?: "", strv_length(p->args) > 1 ? " …" : "");
        if (p->command_line) {
                r = entry(b, "process.commandLine", PLAN_FATE_REJECTED,
                          "process.commandLine: Windows only; use process.args");
                if (r < 0)
                        return r;
        }
        if (p->env)
                PROC("env", "%zu variable%s", strv_length(p->env), strv_length(p->env) == 1 ? "" : "s");
        if (p->cwd)
                PROC("cwd", "%s", p->cwd);
        if (p->has_capabilities)
                PROC("capabilities", "the five sets, as given");
        if (p->n_rlimits > 0)
                PROC("rlimits", "%zu limit%s", p->n_rlimits, p->n_rlimits == 1 ? "" : "s");
        if (p->no_new_privileges)
                PROC("noNewPrivileges", "true");
        if (p->apparmor_profile)
                PROC("apparmorProfile", "%s", p->apparmor_profile);
        if (p->oom_score_adj.set)
                PROC("oomScoreAdj", "%" PRId64, p->oom_score_adj.v);
        if (p->scheduler.set)
                PROC("scheduler", "policy %d", p->scheduler.policy);
        if (p->selinux_label)
                PROC("selinuxLabel", "%s", p->selinux_label);
        if (p->io_priority.set)
                PROC("ioPriority", "class %d, priority %d", p->io_priority.class, p->io_priority.priority);
        if (p->exec_cpu_affinity_initial || p->exec_cpu_affinity_final)
                PROC("execCPUAffinity", "initial %s, final %s", strna(p->exec_cpu_affinity_initial),
                     strna(p->exec_cpu_affinity_final));
#undef PROC
        return 0;
}

static const char *ns_field(OciNamespaceType t) {
        static const char * const f[_OCI_NS_MAX] = {
                [OCI_NS_PID] = "linux.namespaces.pid",
                [OCI_NS_NETWORK] = "linux.namespaces.network",
                [OCI_NS_MOUNT] = "linux.namespaces.mount",
                [OCI_NS_IPC] = "linux.namespaces.ipc",
                [OCI_NS_UTS] = "linux.namespaces.uts",
                [OCI_NS_USER] = "linux.namespaces.user",
                [OCI_NS_CGROUP] = "linux.namespaces.cgroup",
                [OCI_NS_TIME] = "linux.namespaces.time",
        };
        return f[t];
}

/* ipc, uts: nspawn creates them unless told to share them; one given by path is joined before nspawn
 * runs, and shared by nspawn from there. */
static int plan_shareable_ns(Builder *b, OciNamespaceType t, const char *env) {
        const OciNamespace *ns = &b->c->linux.namespaces[t];
        int r;

        if (!ns->present) {
                r = strv_extendf(&b->p->nspawn_env, "%s=1", env);
                if (r < 0)
                        return r;
                return entry(b, ns_field(t), PLAN_FATE_NSPAWN, "absent: the host's namespace (%s=1)", env);
        }
        b->p->join_ns[t] = true;
        if (!ns->path)
                return entry(b, ns_field(t), PLAN_FATE_NSPAWN, "a new namespace (nspawn's)");
        r = join(b, t, ns->path);
        if (r < 0)
                return r;
        r = strv_extendf(&b->p->nspawn_env, "%s=1", env);
        if (r < 0)
                return r;
        return entry(b, ns_field(t), PLAN_FATE_PRE, "setns(%s) before nspawn runs, %s=1", ns->path, env);
}

/* pid: the container process is PID 1 of a pid namespace of its own, nested below the box's, whose
 * only process is the holder (DESIGN.md, "PID 1"). nspawn is never exec'd from a pid namespace other
 * than the one its children are born in: it takes its child's pid, as numbered there, for a host pid
 * (cgroup moves, kill()). So a namespace given by path is joined by the container process alone;
 * nspawn makes its own as usual (and registers the machine, which it does not in a shared one). */
static int plan_pid_ns(Builder *b) {
        const OciNamespace *ns = &b->c->linux.namespaces[OCI_NS_PID];
        int r;

        if (!ns->present) {
                b->p->pid_ns = PLAN_PID_HOST;
                r = strv_extend(&b->p->nspawn_env, "SYSTEMD_NSPAWN_SHARE_NS_PID=1");
                if (r < 0)
                        return r;
                return entry(b, ns_field(OCI_NS_PID), PLAN_FATE_NSPAWN,
                             "absent: the host's namespace (SYSTEMD_NSPAWN_SHARE_NS_PID=1)");
        }
        b->p->join_ns[OCI_NS_PID] = true;
        if (!ns->path) {
                b->p->pid_ns = PLAN_PID_NEW;
                return entry(b, ns_field(OCI_NS_PID), PLAN_FATE_PROCESS,
                             "a new namespace below the box's (nspawn's holds only the holder): the process "
                             "is its PID 1, on a procfs of its own");
        }
        b->p->pid_ns = PLAN_PID_PATH;
        b->p->pid_ns_path = strdup(ns->path);
        if (!b->p->pid_ns_path)
                return -ENOMEM;
        return entry(b, ns_field(OCI_NS_PID), PLAN_FATE_PROCESS,
                     "the process joins %s, on a procfs of that namespace; nspawn's own (holding only the "
                     "holder) is a new one, as nspawn never runs in a pid namespace it did not create",
                     ns->path);
}

static int str_append(char **s, const char *sep, const char *t);

/* Maps the kernel refuses, whoever writes them. */
static int mapping_invalid(const OciLinux *l, char **ret) {
        if (l->n_uid_mappings == 0 || l->n_gid_mappings == 0)
                return asprintf_safe(ret, "linux.uidMappings, linux.gidMappings: a user namespace needs one "
                                     "uid and one gid mapping range");
        /* the kernel's limit of lines in uid_map (since 4.15) */
        if (l->n_uid_mappings > 340 || l->n_gid_mappings > 340)
                return asprintf_safe(ret, "linux.uidMappings, linux.gidMappings: at most 340 ranges each");
        for (size_t i = 0; i < l->n_uid_mappings; i++)
                if (l->uid_mappings[i].size == 0)
                        return asprintf_safe(ret, "linux.uidMappings[%zu].size: must not be 0", i);
        for (size_t i = 0; i < l->n_gid_mappings; i++)
                if (l->gid_mappings[i].size == 0)
                        return asprintf_safe(ret, "linux.gidMappings[%zu].size: must not be 0", i);
        *ret = NULL;
        return 0;
}

/* What in valid maps systemd-nspawn cannot do: *ret the details, *ret_reason a short summary. */
static int mapping_problem(const OciLinux *l, char **ret, char **ret_reason) {
        const OciIdMapping *u = l->uid_mappings, *g = l->gid_mappings;
        int r;

        *ret = *ret_reason = NULL;
        if (l->n_uid_mappings != 1 || l->n_gid_mappings != 1) {
                r = asprintf_safe(ret,
                                  "linux.uidMappings, linux.gidMappings: systemd-nspawn maps exactly one "
                                  "range of ids (got %zu uid and %zu gid ranges)",
                                  l->n_uid_mappings, l->n_gid_mappings);
                if (r >= 0)
                        r = asprintf_safe(ret_reason, "%s has %zu ranges",
                                          l->n_uid_mappings != 1 ? "linux.uidMappings" : "linux.gidMappings",
                                          l->n_uid_mappings != 1 ? l->n_uid_mappings : l->n_gid_mappings);
                return r;
        }
        if (u->container_id != 0 || g->container_id != 0) {
                const char *which = u->container_id != 0 ? "uid" : "gid";
                uint32_t id = u->container_id != 0 ? u->container_id : g->container_id;

                r = asprintf_safe(ret, "linux.%sMappings[0].containerID: systemd-nspawn maps ids from "
                                  "container id 0 (got %" PRIu32 ")", which, id);
                if (r >= 0)
                        r = asprintf_safe(ret_reason, "linux.%sMappings starts at container id %" PRIu32,
                                          which, id);
                return r;
        }
        if (u->host_id != g->host_id || u->size != g->size) {
                r = asprintf_safe(ret, "linux.gidMappings[0]: systemd-nspawn maps uids and gids alike "
                                  "(uids %" PRIu32 ":%" PRIu32 ", gids %" PRIu32 ":%" PRIu32 ")",
                                  u->host_id, u->size, g->host_id, g->size);
                if (r >= 0)
                        r = asprintf_safe(ret_reason, "linux.uidMappings and linux.gidMappings differ");
                return r;
        }
        return 0;
}

/* "0:100000:1000 1000:200000:1000" */
static int mappings_to_string(const OciIdMapping *m, size_t n, char **ret) {
        _cleanup_free_ char *s = NULL;

        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *one = NULL;
                if (asprintf_safe(&one, "%" PRIu32 ":%" PRIu32 ":%" PRIu32, m[i].container_id, m[i].host_id,
                                  m[i].size) < 0 ||
                    str_append(&s, " ", one) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(s);
        return 0;
}

/* The maps of a user namespace that only the native builder can build. */
static int plan_native_mappings(Builder *b, const char *problem, const char *reason) {
        const OciLinux *l = &b->c->linux;
        _cleanup_free_ char *uids = NULL, *gids = NULL;
        int r;

        if (mappings_to_string(l->uid_mappings, l->n_uid_mappings, &uids) < 0 ||
            mappings_to_string(l->gid_mappings, l->n_gid_mappings, &gids) < 0)
                return -ENOMEM;
        r = native(b, ns_field(OCI_NS_USER), reason,
                   "a new namespace, made by the native builder: %s", problem);
        if (r >= 0)
                r = native(b, "linux.uidMappings", reason, "uid_map %s, written from the host", uids);
        if (r >= 0)
                r = native(b, "linux.gidMappings", reason, "gid_map %s, written from the host", gids);
        return r;
}

static int plan_user_ns_path(Builder *b, const char *path) {
        const OciLinux *l = &b->c->linux;
        int r;

        r = native(b, ns_field(OCI_NS_USER), "linux.namespaces.user is joined by path",
                   "setns(%s) by the native builder, before every other namespace (systemd-nspawn cannot "
                   "join a user namespace)", path);
        if (r >= 0 && l->n_uid_mappings > 0)
                r = entry(b, "linux.uidMappings", PLAN_FATE_IGNORED,
                          "the user namespace joined by path has its maps already");
        if (r >= 0 && l->n_gid_mappings > 0)
                r = entry(b, "linux.gidMappings", PLAN_FATE_IGNORED,
                          "the user namespace joined by path has its maps already");
        return r;
}

static int plan_user_ns(Builder *b) {
        const OciLinux *l = &b->c->linux;
        const OciNamespace *ns = &l->namespaces[OCI_NS_USER];
        _cleanup_free_ char *invalid = NULL, *problem = NULL, *reason = NULL, *opt = NULL;
        int r;

        if (!ns->present) {
                if (l->n_uid_mappings > 0) {
                        r = entry(b, "linux.uidMappings", PLAN_FATE_REJECTED,
                                  "linux.uidMappings: set, but there is no user namespace");
                        if (r < 0)
                                return r;
                }
                if (l->n_gid_mappings > 0)
                        return entry(b, "linux.gidMappings", PLAN_FATE_REJECTED,
                                     "linux.gidMappings: set, but there is no user namespace");
                return 0;
        }
        b->p->join_ns[OCI_NS_USER] = true;
        if (ns->path)
                return plan_user_ns_path(b, ns->path);

        if (mapping_invalid(l, &invalid) < 0)
                return -ENOMEM;
        if (invalid) {
                r = entry(b, ns_field(OCI_NS_USER), PLAN_FATE_REJECTED, "%s", invalid);
                if (r >= 0 && l->n_uid_mappings > 0)
                        r = entry(b, "linux.uidMappings", PLAN_FATE_REJECTED, "%s", invalid);
                if (r >= 0 && l->n_gid_mappings > 0)
                        r = entry(b, "linux.gidMappings", PLAN_FATE_REJECTED, "%s", invalid);
                return r;
        }
        if (mapping_problem(l, &problem, &reason) < 0)
                return -ENOMEM;
        if (problem)
                return plan_native_mappings(b, problem, reason);

        if (asprintf_safe(&opt, "--private-users=%" PRIu32 ":%" PRIu32, l->uid_mappings[0].host_id,
                          l->uid_mappings[0].size) < 0)
                return -ENOMEM;
        r = strv_extend(&b->options, opt);
        if (r < 0)
                return r;
        /* the engine prepared the rootfs for the mapping (podman chowns it): nspawn must neither chown
         * nor id-map it again */
        r = strv_extend(&b->options, "--private-users-ownership=off");
        if (r < 0)
                return r;
        r = entry(b, ns_field(OCI_NS_USER), PLAN_FATE_NSPAWN, "%s --private-users-ownership=off", opt);
        if (r >= 0)
                r = entry(b, "linux.uidMappings", PLAN_FATE_NSPAWN, "%s", opt);
        if (r >= 0)
                r = entry(b, "linux.gidMappings", PLAN_FATE_NSPAWN, "%s", opt);
        return r;
}

/* nspawn 252 knows no time namespace: the native builder makes or joins it, and writes the offsets
 * before anything runs in it. */
static int plan_time_ns(Builder *b) {
        const OciLinux *l = &b->c->linux;
        const OciNamespace *ns = &l->namespaces[OCI_NS_TIME];
        bool offsets = l->time_offset_monotonic.set || l->time_offset_boottime.set;
        int r;

        if (!ns->present)
                return offsets ? entry(b, "linux.timeOffsets", PLAN_FATE_REJECTED,
                                       "linux.timeOffsets: set, but there is no time namespace")
                               : 0;
        b->p->join_ns[OCI_NS_TIME] = true;
        if (ns->path)
                r = native(b, ns_field(OCI_NS_TIME), "linux.namespaces.time is joined by path",
                           "setns(%s) by the native builder (systemd-nspawn knows no time namespace)",
                           ns->path);
        else
                r = native(b, ns_field(OCI_NS_TIME), "linux.namespaces.time",
                           "a new namespace, made by the native builder (systemd-nspawn knows none)");
        if (r < 0 || !offsets)
                return r;
        if (ns->path)
                return entry(b, "linux.timeOffsets", PLAN_FATE_REJECTED,
                             "linux.timeOffsets: the time namespace joined by path has its offsets already");
        return native(b, "linux.timeOffsets", "linux.timeOffsets",
                      "monotonic %" PRId64 ".%09" PRIu32 " s, boottime %" PRId64 ".%09" PRIu32
                      " s, written to timens_offsets by the native builder",
                      l->time_offset_monotonic.secs, l->time_offset_monotonic.nanosecs,
                      l->time_offset_boottime.secs, l->time_offset_boottime.nanosecs);
}

static int plan_namespaces(Builder *b) {
        const OciLinux *l = &b->c->linux;
        const OciNamespace *ns;
        _cleanup_free_ char *opt = NULL;
        int r;

        r = plan_pid_ns(b);
        if (r < 0)
                return r;

        ns = &l->namespaces[OCI_NS_NETWORK];
        if (!ns->present)
                r = entry(b, ns_field(OCI_NS_NETWORK), PLAN_FATE_NSPAWN,
                          "absent: the host's network (nspawn's default)");
        else {
                b->p->join_ns[OCI_NS_NETWORK] = true;
                if (ns->path && asprintf_safe(&opt, "--network-namespace-path=%s", ns->path) < 0)
                        return -ENOMEM;
                r = strv_extend(&b->options, opt ?: "--private-network");
                if (r >= 0)
                        r = entry(b, ns_field(OCI_NS_NETWORK), PLAN_FATE_NSPAWN, "%s",
                                  opt ?: "--private-network");
        }
        if (r < 0)
                return r;

        ns = &l->namespaces[OCI_NS_MOUNT];
        if (!ns->present)
                /* The process's mount namespace is the host's, as asked, and nothing is mounted there:
                 * its root is the box's, which the holder's mount namespace of its own holds */
                r = native(b, ns_field(OCI_NS_MOUNT), "linux.namespaces.mount is absent",
                           "absent: the process keeps the host's mount namespace, its root the box's (chroot), "
                           "which the native builder builds in a mount namespace of the holder's: nothing is "
                           "mounted in the host's (systemd-nspawn cannot run without one)");
        else if (ns->path) {
                /* the same, in the namespace given: nothing is mounted there either */
                b->p->mount_ns_path = strdup(ns->path);
                if (!b->p->mount_ns_path)
                        return -ENOMEM;
                r = native(b, ns_field(OCI_NS_MOUNT), "linux.namespaces.mount is joined by path",
                           "the process joins %s, its root the box's (chroot), which the native builder builds "
                           "in a mount namespace of the holder's: nothing is mounted in the one joined "
                           "(systemd-nspawn cannot join one)", ns->path);
        } else {
                b->p->join_ns[OCI_NS_MOUNT] = true;
                r = entry(b, ns_field(OCI_NS_MOUNT), PLAN_FATE_NSPAWN, "a new namespace (nspawn's)");
        }
        if (r < 0)
                return r;

        r = plan_shareable_ns(b, OCI_NS_IPC, "SYSTEMD_NSPAWN_SHARE_NS_IPC");
        if (r < 0)
                return r;
        r = plan_shareable_ns(b, OCI_NS_UTS, "SYSTEMD_NSPAWN_SHARE_NS_UTS");
        if (r < 0)
                return r;
        r = plan_user_ns(b);
        if (r < 0)
                return r;

        ns = &l->namespaces[OCI_NS_CGROUP];
        if (ns->present && ns->path) {
                b->p->join_ns[OCI_NS_CGROUP] = true;
                r = native(b, ns_field(OCI_NS_CGROUP), "linux.namespaces.cgroup is joined by path",
                           "setns(%s) by the native builder, once the holder is in the container's cgroup "
                           "(systemd-nspawn always makes a new one)", ns->path);
        } else if (ns->present) {
                /* nspawn 252 unshares a cgroup namespace whenever the kernel has them
                 * (arg_use_cgns = cg_ns_supported()), on cgroup v1, hybrid and v2 alike */
                b->p->join_ns[OCI_NS_CGROUP] = true;
                r = entry(b, ns_field(OCI_NS_CGROUP), PLAN_FATE_NSPAWN,
                          "a new namespace (nspawn's); the process joins it");
        }
        if (r < 0)
                return r;

        return plan_time_ns(b);
}

/* The hostname or the domainname (field), set in the box's UTS namespace: by nspawn's nspawn_option where
 * nspawn can (only a hostname has one), else by a step of type t. */
static int plan_uts_name(Builder *b, const char *field, const char *value, PlanStepType t,
                         const char *nspawn_option) {
        const OciNamespace *uts = &b->c->linux.namespaces[OCI_NS_UTS];
        int r;

        if (!value)
                return 0;
        if (!*value)
                return entry(b, field, PLAN_FATE_IGNORED, "empty");
        if (!uts->present)
                return entry(b, field, PLAN_FATE_REJECTED, "%s: unable to set %s without a private UTS namespace",
                             field, field);
        /* like runc, set in the namespace that was joined; nspawn leaves a shared one alone, and takes only
         * RFC 1123 names itself */
        if (nspawn_option && !uts->path && plan_hostname_is_valid(value)) {
                r = strv_extendf(&b->options, "%s=%s", nspawn_option, value);
                if (r >= 0)
                        r = entry(b, field, PLAN_FATE_NSPAWN, "%s=%s", nspawn_option, value);
                return r;
        }
        r = step_path(b, t, NULL, value, 0);
        if (r >= 0)
                r = entry(b, field, PLAN_FATE_POST, "set%s(\"%s\")", field, value);
        return r;
}

static int plan_names(Builder *b) {
        int r;

        r = plan_uts_name(b, "hostname", b->c->hostname, PLAN_STEP_HOSTNAME, "--hostname");
        if (r >= 0)
                r = plan_uts_name(b, "domainname", b->c->domainname, PLAN_STEP_DOMAINNAME, NULL);
        return r;
}

/* The API file systems nspawn 252 mounts itself (nspawn-mount.c's mount table), with its flags and
 * data: an OCI mount of one of them is nspawn's, with the flags made as asked by a remount. */
static const struct {
        const char *dest;
        const char *types;
        unsigned long flags;
        const char *data;     /* nspawn's, comma-separated */
        bool recursive;       /* the flags asked for hold for the mounts below as well */
} api_mounts[] = {
        { "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "", false },
        { "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "", true },
        { "/dev", "tmpfs devtmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755", false },
        { "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620,gid=5", false },
        { "/dev/shm", "tmpfs shm", MS_NOSUID | MS_NODEV | MS_STRICTATIME, "mode=1777", false },
        { "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, "", false },
        { "/sys/fs/cgroup", "cgroup cgroup2", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "", true },
};

static int mount_api_index(const OciMount *m) {
        for (size_t i = 0; i < ELEMENTSOF(api_mounts); i++) {
                const char *t = api_mounts[i].types;
                size_t n;

                if (!streq(m->destination, api_mounts[i].dest))
                        continue;
                if (!m->type)
                        return -1;
                n = strlen(m->type);
                for (const char *x = t; (x = strstr(x, m->type)); x += n)
                        if ((x == t || x[-1] == ' ') && (x[n] == ' ' || x[n] == 0))
                                return (int) i;
        }
        return -1;
}

static bool option_in_list(const char *list, const char *o) {
        size_t n = strlen(o);

        for (const char *x = list; (x = strstr(x, o)); x += n)
                if ((x == list || x[-1] == ',') && (x[n] == ',' || x[n] == 0))
                        return true;
        return false;
}

static bool option_is_tmpfs_data(const char *o);

/* "mode=0620" is nspawn's "mode=620" */
static bool mode_matches(const char *data, const char *o) {
        const char *m = strstr(data, "mode=");
        char *end;

        if (!startswith(o, "mode="))
                return false;
        while (m && m != data && m[-1] != ',')
                m = strstr(m + 1, "mode=");
        if (!m)
                return false;
        return strtoul(m + 5, NULL, 8) == strtoul(o + 5, &end, 8) && *end == 0;
}

/* nspawn mounts the API file systems itself, before the config's other mounts, and those sorted by
 * destination; /proc/self/mountinfo shows them in the config's order (as runc's are) once every mount
 * of the config is attached again, in order, after nspawn is done: a recursive bind onto itself, which
 * keeps what nspawn put below it (/dev/pts, /dev/console, the read-only /proc/sys). Where nspawn's file
 * system is not of the type asked for and holds nothing of nspawn's (the empty tmpfs on /dev/shm, the
 * tmpfs with sysfs views on /sys), a new mount replaces it. */
static bool api_mount_is_new(const OciMount *m) {
        return (streq(m->destination, "/dev/shm") && streq(m->type, "tmpfs")) ||
                (streq(m->destination, "/sys") && streq(m->type, "sysfs"));
}

static int step_reattach(Builder *b, const char *path) {
        return step_path(b, PLAN_STEP_REATTACH, path, NULL, 0);
}

/* The new mount: the config's type, source, flags and (tmpfs) size and mode. */
static int step_new_mount(Builder *b, const OciMount *m) {
        static const struct {
                const char *name;
                unsigned long flag;
        } fl[] = {
                { "ro", MS_RDONLY }, { "nosuid", MS_NOSUID }, { "nodev", MS_NODEV }, { "noexec", MS_NOEXEC },
        };
        PlanStep s = { .type = PLAN_STEP_MOUNT };
        _cleanup_free_ char *data = NULL;

        STRV_FOREACH(o, m->options) {
                for (size_t i = 0; i < ELEMENTSOF(fl); i++)
                        if (streq(*o, fl[i].name))
                                s.flags |= fl[i].flag;
                if (streq(m->type, "tmpfs") && option_is_tmpfs_data(*o) && str_append(&data, ",", *o) < 0)
                        return -ENOMEM;
        }
        if (!(s.path = strdup(m->destination)) || !(s.value = strdup(m->type)) ||
            !(s.source = strdup(isempty(m->source) ? m->type : m->source))) {
                free(s.path);
                free(s.value);
                return -ENOMEM;
        }
        s.data = TAKE_PTR(data);
        return step(b, s);
}

/* An OCI mount of an API file system: nspawn's mount attached again, or a new one
 * (above); the flags that differ from nspawn's are remounted. */
static int plan_api_mount(Builder *b, const char *field, const OciMount *m, size_t api) {
        static const struct {
                const char *set, *clear;
                unsigned long flag;
        } fl[] = {
                { "ro", "rw", MS_RDONLY },
                { "nosuid", "suid", MS_NOSUID },
                { "nodev", "dev", MS_NODEV },
                { "noexec", "exec", MS_NOEXEC },
        };
        const unsigned long have = api_mounts[api].flags;
        _cleanup_free_ char *remount = NULL, *not_applied = NULL;
        unsigned long set = 0, clear = 0;
        bool new = api_mount_is_new(m);
        int r;

        r = new ? step_new_mount(b, m) : step_reattach(b, m->destination);
        if (r < 0)
                return r;
        STRV_FOREACH(o, m->options) {
                bool known = false;

                for (size_t i = 0; i < ELEMENTSOF(fl); i++) {
                        if (streq(*o, fl[i].set)) {
                                set |= fl[i].flag;
                                clear &= ~fl[i].flag;
                        } else if (streq(*o, fl[i].clear)) {
                                clear |= fl[i].flag;
                                set &= ~fl[i].flag;
                        } else
                                continue;
                        known = true;
                }
                if (known || option_in_list(api_mounts[api].data, *o) || mode_matches(api_mounts[api].data, *o) ||
                    (new && streq(m->type, "tmpfs") && option_is_tmpfs_data(*o)) ||
                    (streq(*o, "strictatime") && (have & MS_STRICTATIME)) ||
                    (streq(*o, "relatime") && !(have & MS_STRICTATIME)))
                        continue;
                r = str_append(&not_applied, ",", *o);
                if (r < 0)
                        return r;
        }
        /* nspawn's mounts below /sys differ in ro/rw (the container's own cgroup hierarchy is
         * writable): a recursive ro or rw is always done */
        set &= ~(have & ~(api_mounts[api].recursive ? MS_RDONLY : 0));
        clear &= have | (api_mounts[api].recursive ? MS_RDONLY : 0);
        for (size_t i = 0; i < ELEMENTSOF(fl); i++)
                if (((set | clear) & fl[i].flag) &&
                    str_append(&remount, ",", set & fl[i].flag ? fl[i].set : fl[i].clear) < 0)
                        return -ENOMEM;
        if (set || clear) {
                PlanStep s = {
                        .type = PLAN_STEP_REMOUNT,
                        .path = strdup(m->destination),
                        .flags = set | (api_mounts[api].recursive ? MS_REC : 0),
                        .clear_flags = clear,
                };
                if (!s.path)
                        return -ENOMEM;
                r = step(b, s);
                if (r < 0)
                        return r;
        }
        return entry(b, field, PLAN_FATE_POST, "%s on %s: %s%s%s%s%s%s%s", m->type, m->destination,
                     new ? "a new mount over systemd-nspawn's"
                         : "systemd-nspawn's own, attached again in the config's order",
                     remount ? ", remounted " : "", strempty(remount),
                     remount && api_mounts[api].recursive ? " with the mounts below it" : "",
                     not_applied ? " (not applied: " : "", strempty(not_applied), not_applied ? ")" : "");
}

static const char * const tmpfs_data_options[] = {
        "size=", "mode=", "uid=", "gid=", "nr_inodes=", "nr_blocks=",
};

static bool option_is_tmpfs_data(const char *o) {
        for (size_t i = 0; i < ELEMENTSOF(tmpfs_data_options); i++)
                if (startswith(o, tmpfs_data_options[i]))
                        return true;
        return false;
}

static unsigned long option_remount_flag(const char *o) {
        if (streq(o, "nosuid"))
                return MS_NOSUID;
        if (streq(o, "nodev"))
                return MS_NODEV;
        if (streq(o, "noexec"))
                return MS_NOEXEC;
        return 0;
}

static int str_append(char **s, const char *sep, const char *t) {
        char *n = *s ? strjoin(*s, sep, t) : strdup(t);
        if (!n)
                return -ENOMEM;
        free(*s);
        *s = n;
        return 0;
}

/* A mount's options, sorted by what becomes of them. */
typedef struct MountOptions {
        unsigned long flags;     /* MS_* for a remount after nspawn's mount */
        char *remount;           /* those flags by name, for the plan */
        char *data;              /* tmpfs data: size=, mode=, … */
        char *ignored;
        char *unhandled;
        bool ro, has_mode, tmpcopyup;
} MountOptions;

static void mount_options_done(MountOptions *o) {
        free(o->remount);
        free(o->data);
        free(o->ignored);
        free(o->unhandled);
}

static int mount_options_sort(const OciMount *m, bool bind, MountOptions *o) {
        STRV_FOREACH(opt, m->options) {
                unsigned long f = option_remount_flag(*opt);
                int r;

                if (f) {
                        o->flags |= f;
                        r = str_append(&o->remount, ",", *opt);
                } else if (streq(*opt, "ro")) {
                        o->ro = true;
                        continue;
                } else if (STR_IN_SET(*opt, "bind", "rbind", "rw", "suid", "dev", "exec"))
                        continue;
                else if (STR_IN_SET(*opt, "private", "rprivate"))
                        r = str_append(&o->ignored, ", ", *opt);
                else if (STR_IN_SET(*opt, "shared", "rshared", "slave", "rslave", "unbindable",
                                    "runbindable"))
                        r = str_append(&o->unhandled, ", ", *opt);
                else if (!bind && option_is_tmpfs_data(*opt)) {
                        o->has_mode = o->has_mode || startswith(*opt, "mode=");
                        r = str_append(&o->data, ",", *opt);
                } else if (!bind && streq(*opt, "tmpcopyup")) {
                        o->tmpcopyup = true;
                        continue;
                } else if (STR_IN_SET(*opt, "idmap", "ridmap"))
                        r = str_append(&o->unhandled, ", ", *opt);
                else
                        r = str_append(&o->ignored, ", ", *opt);
                if (r < 0)
                        return r;
        }
        if (o->ignored && str_append(&o->ignored, "",
                                     " ignored: nspawn's mounts do not propagate to or from the host") < 0)
                return -ENOMEM;
        return 0;
}

/* nspawn 252 mounts a tmpfs on /run itself, with /run/host below it; a second mount on /run hides
 * /run/host and nspawn's own remount of it fails (EINVAL): checked by hand. nspawn's tmpfs stands in
 * for a tmpfs asked for there. */
static int plan_mount_on_run(Builder *b, const char *field, const OciMount *m, bool bind, MountOptions *o) {
        int r;

        if (bind)
                return entry(b, field, PLAN_FATE_UNHANDLED,
                             "not handled yet: a bind mount on /run hides nspawn's /run/host");
        if (o->ro) {
                o->flags |= MS_RDONLY;
                if (str_append(&o->remount, ",", "ro") < 0)
                        return -ENOMEM;
        }
        r = step_reattach(b, m->destination);
        if (r >= 0 && o->flags)
                r = step_path(b, PLAN_STEP_REMOUNT, m->destination, NULL, o->flags);
        if (r < 0)
                return r;
        return entry(b, field, o->unhandled ? PLAN_FATE_UNHANDLED : PLAN_FATE_NSPAWN,
                     "nspawn's own tmpfs on /run (mode 0755), as a second one there breaks nspawn"
                     "%s%s%s%s%s%s%s%s%s%s",
                     o->remount ? "; remount " : "", strempty(o->remount), o->data ? "; " : "",
                     strempty(o->data), o->data ? " not applied" : "",
                     o->tmpcopyup ? "; tmpcopyup ignored: the image's files are not copied up" : "",
                     o->ignored ? "; " : "", strempty(o->ignored), o->unhandled ? "; not handled yet: " : "",
                     strempty(o->unhandled));
}

static bool option_in_strv(char **options, const char *o) {
        STRV_FOREACH(x, options)
                if (streq(*x, o))
                        return true;
        return false;
}

/* An id-mapped bind mount (the mount's own maps, else the container's): nspawn 252 has none; the native
 * builder makes one with mount_setattr(MOUNT_ATTR_IDMAP). */
static int plan_idmapped_mount(Builder *b, const char *field, const OciMount *m, bool bind) {
        const OciLinux *l = &b->c->linux;
        bool own = m->n_uid_mappings > 0 || m->n_gid_mappings > 0;
        _cleanup_free_ char *reason = NULL;

        if (!bind)
                return entry(b, field, PLAN_FATE_REJECTED, "%s: only a bind mount can be id-mapped", field);
        if (own && (m->n_uid_mappings == 0 || m->n_gid_mappings == 0))
                return entry(b, field, PLAN_FATE_REJECTED,
                             "%s: an id-mapped mount needs both uidMappings and gidMappings", field);
        if (!own && (!l->namespaces[OCI_NS_USER].present || l->namespaces[OCI_NS_USER].path))
                return entry(b, field, PLAN_FATE_REJECTED,
                             "%s: \"idmap\" without maps of its own takes the container's, and there are none "
                             "(no user namespace, or one joined by path)", field);
        if (asprintf_safe(&reason, "%s is id-mapped", field) < 0)
                return -ENOMEM;
        return native(b, field, reason, "bind %s on %s, id-mapped by the native builder with %s maps%s",
                      strna(m->source), m->destination, own ? "its own" : "the container's",
                      option_in_strv(m->options, "ridmap") ? ", recursively" : "");
}

/* The nspawn option for a bind or tmpfs mount. */
static int mount_nspawn_option(const OciMount *m, size_t i, bool bind, bool rbind, MountOptions *o,
                               char **ret, char **ret_rejected) {
        _cleanup_free_ char *src = NULL, *dst = nspawn_escape(m->destination);

        if (!dst)
                return -ENOMEM;
        if (bind) {
                if (isempty(m->source))
                        return asprintf_safe(ret_rejected, "mounts[%zu].source: a bind mount needs a source",
                                             i) < 0 ? -ENOMEM : 0;
                src = nspawn_escape(m->source);
                if (!src)
                        return -ENOMEM;
                return asprintf_safe(ret, "--bind%s=%s:%s%s", o->ro ? "-ro" : "", src, dst,
                                     rbind ? "" : ":norbind") < 0 ? -ENOMEM : 0;
        }
        if (o->ro)
                o->flags |= MS_RDONLY;
        /* nspawn mounts a tmpfs without options with mode 0755; the kernel's (and runc's) default is
         * 1777 */
        if (!o->has_mode && str_append(&o->data, ",", "mode=1777") < 0)
                return -ENOMEM;
        if (o->ro && str_append(&o->remount, ",", "ro") < 0)
                return -ENOMEM;
        return asprintf_safe(ret, "--tmpfs=%s:%s", dst, o->data) < 0 ? -ENOMEM : 0;
}

static int plan_mount(Builder *b, size_t i) {
        const OciMount *m = b->c->mounts + i;
        _cleanup_(mount_options_done) MountOptions o = {};
        _cleanup_free_ char *field = NULL, *opt = NULL, *rejected = NULL;
        bool bind = m->type && streq(m->type, "bind"), rbind = false;
        int r;

        if (asprintf_safe(&field, "mounts[%zu]", i) < 0)
                return -ENOMEM;
        if (!path_is_safe_absolute(m->destination))
                return entry(b, field, PLAN_FATE_REJECTED,
                             "mounts[%zu].destination: \"%s\" must be an absolute path without \"..\"", i,
                             strna(m->destination));

        STRV_FOREACH(opt_name, m->options) {
                if (streq(*opt_name, "bind"))
                        bind = true;
                else if (streq(*opt_name, "rbind"))
                        bind = rbind = true;
        }

        if (!bind && mount_api_index(m) >= 0)
                return plan_api_mount(b, field, m, (size_t) mount_api_index(m));

        /* Nothing but the box's procfs may sit on or inside /proc: the process's own settings are
         * written there (LSM labels, oom_score_adj), and a volume or tmpfs over it would take those
         * writes instead (CVE-2019-16884). runc refuses the same. */
        if (path_is_below_or_equal(m->destination, "/proc"))
                return entry(b, field, PLAN_FATE_REJECTED,
                             "mounts[%zu].destination: \"%s\": nothing but procfs may be mounted on or "
                             "inside /proc",
                             i, m->destination);

        if (!bind && !(m->type && streq(m->type, "tmpfs")))
                return entry(b, field, PLAN_FATE_UNHANDLED, "not handled yet: mount type \"%s\" on %s",
                             strempty(m->type), m->destination);

        if (m->n_uid_mappings > 0 || m->n_gid_mappings > 0 || option_in_strv(m->options, "idmap") ||
            option_in_strv(m->options, "ridmap"))
                return plan_idmapped_mount(b, field, m, bind);

        r = mount_options_sort(m, bind, &o);
        if (r < 0)
                return r;
        if (streq(m->destination, "/run"))
                return plan_mount_on_run(b, field, m, bind, &o);

        r = mount_nspawn_option(m, i, bind, rbind, &o, &opt, &rejected);
        if (r < 0)
                return r;
        if (rejected)
                return entry(b, field, PLAN_FATE_REJECTED, "%s", rejected);
        r = strv_extend(&b->options, opt);
        if (r >= 0)
                r = step_reattach(b, m->destination);
        if (r >= 0 && o.flags)
                r = step_path(b, PLAN_STEP_REMOUNT, m->destination, NULL, o.flags);
        if (r < 0)
                return r;
        return entry(b, field, o.unhandled ? PLAN_FATE_UNHANDLED : PLAN_FATE_NSPAWN, "%s%s%s%s%s%s%s%s%s",
                     opt, o.remount ? "; remount " : "", strempty(o.remount),
                     o.tmpcopyup ? "; tmpcopyup ignored by systemd-nspawn (the native builder copies the "
                                   "image's files up)" : "",
                     o.ignored ? "; " : "", strempty(o.ignored),
                     o.unhandled ? "; not handled yet: " : "", strempty(o.unhandled),
                     o.unhandled ? " propagation" : "");
}

static int plan_mounts(Builder *b) {
        for (size_t i = 0; i < b->c->n_mounts; i++) {
                int r = plan_mount(b, i);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* linux.maskedPaths or linux.readonlyPaths (field): each path a step of type t, said as "<what> path". */
static int plan_path_list(Builder *b, const char *field, char **paths, PlanStepType t, const char *what) {
        size_t i = 0;
        int r;

        STRV_FOREACH(p, paths) {
                _cleanup_free_ char *f = NULL;

                if (asprintf_safe(&f, "%s[%zu]", field, i++) < 0)
                        return -ENOMEM;
                if (!path_is_safe_absolute(*p))
                        r = entry(b, f, PLAN_FATE_REJECTED, "%s: \"%s\" must be an absolute path without \"..\"", f,
                                  *p);
                else {
                        r = step_path(b, t, *p, NULL, 0);
                        if (r >= 0)
                                r = entry(b, f, PLAN_FATE_POST, "%s %s", what, *p);
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

static int plan_paths(Builder *b) {
        const OciLinux *l = &b->c->linux;
        int r;

        r = plan_path_list(b, "linux.maskedPaths", l->masked_paths, PLAN_STEP_MASK, "mask");
        if (r >= 0)
                r = plan_path_list(b, "linux.readonlyPaths", l->readonly_paths, PLAN_STEP_READONLY, "read-only");
        if (r < 0)
                return r;
        if (l->rootfs_propagation) {
                static const struct {
                        const char *name;
                        unsigned long flags;
                } prop[] = {
                        { "shared", MS_SHARED },         { "rshared", MS_SHARED | MS_REC },
                        { "slave", MS_SLAVE },           { "rslave", MS_SLAVE | MS_REC },
                        { "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC },
                        { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
                };
                unsigned long flags = 0;

                for (size_t j = 0; j < ELEMENTSOF(prop); j++)
                        if (streq(l->rootfs_propagation, prop[j].name))
                                flags = prop[j].flags;
                if (!flags)
                        r = entry(b, "linux.rootfsPropagation", PLAN_FATE_REJECTED,
                                  "linux.rootfsPropagation: unknown value \"%s\"", l->rootfs_propagation);
                else {
                        r = step_path(b, PLAN_STEP_PROPAGATION, "/", NULL, flags);
                        if (r >= 0)
                                r = entry(b, "linux.rootfsPropagation", PLAN_FATE_POST, "mount --make-%s /",
                                          l->rootfs_propagation);
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The namespace a sysctl belongs to, as runc's validator decides it (libcontainer/configs/validate). */
static int plan_sysctl(Builder *b, const OciKeyValue *kv) {
        static const char * const ipc_keys[] = {
                "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
                "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
        };
        const OciNamespace *ns = b->c->linux.namespaces;
        _cleanup_free_ char *field = NULL;
        const char *k = kv->key;
        OciNamespaceType t = _OCI_NS_MAX;
        int r;

        if (asprintf_safe(&field, "linux.sysctl.%s", k) < 0)
                return -ENOMEM;
        /* the key becomes a path below /proc/sys */
        if (isempty(k) || strchr(k, '/') || strstr(k, "..") || k[0] == '.' || k[strlen(k) - 1] == '.')
                return entry(b, field, PLAN_FATE_REJECTED, "linux.sysctl: \"%s\" is not a sysctl name", k);

        for (size_t i = 0; i < ELEMENTSOF(ipc_keys); i++)
                if (streq(k, ipc_keys[i]))
                        t = OCI_NS_IPC;
        if (startswith(k, "fs.mqueue."))
                t = OCI_NS_IPC;
        else if (startswith(k, "net."))
                t = OCI_NS_NETWORK;
        else if (STR_IN_SET(k, "kernel.hostname", "kernel.domainname"))
                t = OCI_NS_UTS;

        if (t == _OCI_NS_MAX)
                return entry(b, field, PLAN_FATE_REJECTED,
                             "linux.sysctl: sysctl \"%s\" is not in a separate kernel namespace", k);
        if (!ns[t].present)
                return entry(b, field, PLAN_FATE_REJECTED,
                             "linux.sysctl: sysctl \"%s\" is not allowed in the "
                             "host's %s namespace",
                             k, oci_namespace_type_to_string(t));
        if (t == OCI_NS_UTS && ((streq(k, "kernel.hostname") && !isempty(b->c->hostname)) ||
                                (streq(k, "kernel.domainname") && !isempty(b->c->domainname))))
                return entry(b, field, PLAN_FATE_REJECTED,
                             "linux.sysctl: sysctl \"%s\" is not allowed as it conflicts with the OCI "
                             "\"%s\" field",
                             k, streq(k, "kernel.hostname") ? "hostname" : "domainname");
        r = step_path(b, PLAN_STEP_SYSCTL, k, kv->value, 0);
        if (r < 0)
                return r;
        return entry(b, field, PLAN_FATE_POST, "%s=%s", k, kv->value);
}

/* linux.devices makes the nodes; the access to them comes from linux.resources.devices alone, as
 * under runc: a device listed here and allowed "r" there opens read-only, and one not allowed at all
 * does not open (the default devices aside, which every runtime allows). */
static int plan_devices(Builder *b) {
        const OciLinux *l = &b->c->linux;

        for (size_t i = 0; i < l->n_devices; i++) {
                const OciDevice *d = l->devices + i;
                _cleanup_free_ char *field = NULL;
                mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
                mode_t mode = (d->file_mode.set ? d->file_mode.v : 0666) & 07777;
                PlanStep s;
                int r;

                if (asprintf_safe(&field, "linux.devices[%zu]", i) < 0)
                        return -ENOMEM;
                if (!path_is_safe_absolute(d->path) || !startswith(d->path, "/dev/")) {
                        r = entry(b, field, PLAN_FATE_REJECTED,
                                  "linux.devices[%zu].path: \"%s\" must be below /dev/ without \"..\"", i,
                                  strna(d->path));
                        if (r < 0)
                                return r;
                        continue;
                }
                if (d->major < 0 || d->minor < 0 || d->major > 0xfff || d->minor > 0xfffff) {
                        r = entry(b, field, PLAN_FATE_REJECTED,
                                  "linux.devices[%zu]: invalid device number %" PRId64 ":%" PRId64, i,
                                  d->major, d->minor);
                        if (r < 0)
                                return r;
                        continue;
                }
                s = (PlanStep) {
                        .type = PLAN_STEP_MKNOD,
                        .path = strdup(d->path),
                        .mode = type | mode,
                        .dev = type == S_IFIFO ? 0 : makedev(d->major, d->minor),
                        .uid = d->uid.set ? (uid_t) d->uid.v : 0,
                        .gid = d->gid.set ? (gid_t) d->gid.v : 0,
                };
                if (!s.path)
                        return -ENOMEM;
                r = step(b, s);
                if (r < 0)
                        return r;
                r = entry(b, field, PLAN_FATE_POST, "mknod %s %c %" PRId64 ":%" PRId64 " %04o %u:%u", d->path,
                          type == S_IFBLK   ? 'b'
                          : type == S_IFIFO ? 'p'
                                            : 'c',
                          d->major, d->minor, (unsigned) mode, (unsigned) s.uid, (unsigned) s.gid);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int property_string(Plan *p, const char *name, const char *value) {
        UnitProperty *a = realloc(p->properties, sizeof(UnitProperty) * (p->n_properties + 1));
        if (!a)
                return -ENOMEM;
        p->properties = a;
        a[p->n_properties] =
                (UnitProperty){.name = strdup(name), .type = UNIT_PROPERTY_STRING, .str = strdup(value)};
        if (!a[p->n_properties].name || !a[p->n_properties].str) {
                unit_property_done(a + p->n_properties);
                return -ENOMEM;
        }
        p->n_properties++;
        return 0;
}

static int property_bool(Plan *p, const char *name, bool value) {
        UnitProperty *a = realloc(p->properties, sizeof(UnitProperty) * (p->n_properties + 1));
        if (!a)
                return -ENOMEM;
        p->properties = a;
        a[p->n_properties] = (UnitProperty) { .name = strdup(name), .type = UNIT_PROPERTY_BOOL, .b = value };
        if (!a[p->n_properties].name)
                return -ENOMEM;
        p->n_properties++;
        return 0;
}

static bool unit_name_chars_valid(const char *s) {
        if (isempty(s))
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                      strchr(":-_.\\@", *s)))
                        return false;
        return true;
}

/* "machine-libpod.slice" → "/machine.slice/machine-libpod.slice", as systemd lays out nested slices. */
static int slice_to_path(const char *slice, char **ret) {
        _cleanup_free_ char *path = strdup("");
        const char *end = slice + strlen(slice) - strlen(".slice");

        if (!path)
                return -ENOMEM;
        if (streq(slice, "-.slice")) {
                *ret = TAKE_PTR(path);
                return 0;
        }
        for (const char *d = slice; d <= end; d++) {
                _cleanup_free_ char *prefix = NULL;
                char *n;

                if (d != end && *d != '-')
                        continue;
                prefix = strndup(slice, d - slice);
                if (!prefix)
                        return -ENOMEM;
                n = strjoin(path, "/", prefix, ".slice");
                if (!n)
                        return -ENOMEM;
                free(path);
                path = n;
        }
        *ret = TAKE_PTR(path);
        return 0;
}

/* "a/b": relative, without "..", "." or empty components. */
static bool path_is_safe_relative(const char *p) {
        _cleanup_free_ char *abs = strjoin("/", p);
        return abs && path_is_safe_absolute(abs);
}

static int plan_cgroup(Builder *b) {
        const char *cp = b->c->linux.cgroups_path, *id = b->ctx->id;
        _cleanup_free_ char *slice = NULL, *prefix = NULL, *name = NULL, *unit = NULL;
        bool systemd_form = cp && cp[0] != '/' && strchr(cp, ':');
        int r;

        if (systemd_form) {
                const char *a = strchr(cp, ':'), *z = strchr(a + 1, ':');

                if (!z || strchr(z + 1, ':'))
                        return entry(b, "linux.cgroupsPath", PLAN_FATE_REJECTED,
                                     "linux.cgroupsPath: \"%s\": expected \"slice:prefix:name\"", cp);
                slice = a == cp ? strdup("machine.slice") : strndup(cp, a - cp);
                prefix = strndup(a + 1, z - a - 1);
                name = strdup(z + 1);
                if (!slice || !prefix || !name)
                        return -ENOMEM;
                if (!unit_name_chars_valid(slice) || !endswith_slice(slice) || strchr(slice, '/'))
                        return entry(b, "linux.cgroupsPath", PLAN_FATE_REJECTED,
                                     "linux.cgroupsPath: \"%s\" is not a slice name", slice);
                if (isempty(name) || (!isempty(prefix) && !unit_name_chars_valid(prefix)) ||
                    !unit_name_chars_valid(name))
                        return entry(b, "linux.cgroupsPath", PLAN_FATE_REJECTED,
                                     "linux.cgroupsPath: \"%s\": prefix and name must form a unit name", cp);
                /* runc would put the process into a slice named so; nspawn --keep-unit registers the
                 * unit it runs in with machined, and only a scope can hold processes */
                if (endswith_slice(name))
                        return entry(
                                b, "linux.cgroupsPath", PLAN_FATE_REJECTED,
                                "linux.cgroupsPath: \"%s\": the name must not be a slice: the container "
                                "needs a scope of its own",
                                cp);
                unit = isempty(prefix) ? strjoin(name, ".scope") : strjoin(prefix, "-", name, ".scope");
        } else if (cp && *cp && (cp[0] == '/' ? !path_is_safe_absolute(cp) : !path_is_safe_relative(cp)))
                return entry(b, "linux.cgroupsPath", PLAN_FATE_REJECTED,
                             "linux.cgroupsPath: \"%s\" must not contain \"..\"", cp);
        else {
                slice = strdup("machine.slice");
                unit = strjoin("nspawn-oci-", id, ".scope");
        }
        if (!slice || !unit)
                return -ENOMEM;

        if (b->ctx->systemd) {
                _cleanup_free_ char *desc = strjoin("nspawn-oci container ", id);

                if (!desc)
                        return -ENOMEM;
                b->p->slice = TAKE_PTR(slice);
                b->p->unit = TAKE_PTR(unit);
                r = property_string(b->p, "Description", desc);
                if (r >= 0)
                        r = property_bool(b->p, "Delegate", true);
                if (r < 0)
                        return r;
                if (!cp || !*cp)
                        return 0;
                if (systemd_form)
                        return entry(b, "linux.cgroupsPath", PLAN_FATE_UNIT, "unit %s in %s", b->p->unit,
                                     b->p->slice);
                return entry(b, "linux.cgroupsPath", PLAN_FATE_IGNORED,
                             "the cgroupfs form is not used with systemd: unit %s in %s", b->p->unit,
                             b->p->slice);
        }

        if (systemd_form) {
                _cleanup_free_ char *sp = NULL;

                r = slice_to_path(slice, &sp);
                if (r < 0)
                        return r;
                b->p->cgroup = strjoin(sp, "/", unit);
                if (!b->p->cgroup)
                        return -ENOMEM;
                return entry(b, "linux.cgroupsPath", PLAN_FATE_POST,
                             "cgroupfs %s (the systemd form, expanded)", b->p->cgroup);
        }
        /* A relative path is taken from the root of the hierarchy too (runc: from its own cgroup,
         * which is the root when nothing manages the host's cgroups). */
        b->p->cgroup = !cp || !*cp ? strjoin("/nspawn-oci/", id) : cp[0] == '/' ? strdup(cp) : strjoin("/", cp);
        if (!b->p->cgroup)
                return -ENOMEM;
        if (!cp || !*cp)
                return 0;
        return entry(b, "linux.cgroupsPath", PLAN_FATE_POST, "cgroupfs %s%s", b->p->cgroup,
                     cp[0] == '/' ? "" : " (relative: from the root of the hierarchy)");
}

static int plan_linux_rest(Builder *b) {
        const OciLinux *l = &b->c->linux;
        int r;

        /* also without linux.resources: no device rules deny every device but the defaults */
        if (b->ctx->systemd)
                r = resources_to_properties(&l->resources, "linux.resources", &b->p->properties,
                                            &b->p->n_properties, &b->p->entries, &b->p->n_entries);
        else
                r = resources_to_cgroup_entries(&l->resources, "linux.resources", &b->p->entries,
                                                &b->p->n_entries);
        if (r < 0)
                return r;
        r = plan_devices(b);
        if (r < 0)
                return r;
        for (size_t i = 0; i < l->n_sysctl; i++) {
                r = plan_sysctl(b, l->sysctl + i);
                if (r < 0)
                        return r;
        }
        r = plan_paths(b);
        if (r < 0)
                return r;
        if (l->seccomp.present) {
                r = entry(b, "linux.seccomp", PLAN_FATE_PROCESS,
                          "%zu syscall rules, default %s; nspawn's own "
                          "filter is off (SYSTEMD_SECCOMP=0)",
                          l->seccomp.n_syscalls,
                          strna(oci_seccomp_action_to_string(l->seccomp.default_action)));
                if (r < 0)
                        return r;
        }
        if (l->personality.present) {
                r = entry(b, "linux.personality", PLAN_FATE_PROCESS, "%s", strna(l->personality.domain));
                if (r < 0)
                        return r;
        }
        if (l->mount_label) {
                r = entry(b, "linux.mountLabel", PLAN_FATE_IGNORED,
                          "SELinux is not supported yet; runc too ignores mount labels where SELinux is "
                          "disabled");
                if (r < 0)
                        return r;
        }
        if (l->intel_rdt.present) {
                r = entry(b, "linux.intelRdt", PLAN_FATE_REJECTED,
                          "linux.intelRdt: Intel RDT is not supported");
                if (r < 0)
                        return r;
        }
        if (l->memory_policy.present) {
                r = entry(b, "linux.memoryPolicy", PLAN_FATE_REJECTED,
                          "linux.memoryPolicy: NUMA memory policies are not supported");
                if (r < 0)
                        return r;
        }
        if (l->n_net_devices > 0) {
                r = entry(b, "linux.netDevices", PLAN_FATE_REJECTED,
                          "linux.netDevices: moving network devices into the container is not supported");
                if (r < 0)
                        return r;
        }
        return 0;
}

static int plan_runtime(Builder *b) {
        int r;

        for (OciHookKind k = 0; k < _OCI_HOOK_KIND_MAX; k++) {
                _cleanup_free_ char *field = NULL;

                if (b->c->n_hooks[k] == 0)
                        continue;
                if (asprintf_safe(&field, "hooks.%s", oci_hook_kind_to_string(k)) < 0)
                        return -ENOMEM;
                r = entry(b, field, PLAN_FATE_RUNTIME, "%zu hook%s", b->c->n_hooks[k],
                          b->c->n_hooks[k] == 1 ? "" : "s");
                if (r < 0)
                        return r;
        }
        if (b->c->n_annotations > 0)
                return entry(b, "annotations", PLAN_FATE_RUNTIME, "%zu annotation%s, kept in the state",
                             b->c->n_annotations, b->c->n_annotations == 1 ? "" : "s");
        return 0;
}

static int plan_argv(Builder *b) {
        const PlanContext *ctx = b->ctx;
        _cleanup_free_ char *holder = NULL;
        char ***a = &b->p->nspawn_argv;
        int r;

        /* a root.path rejected before: keep the command line complete for explain */
        if (!b->p->rootfs && !(b->p->rootfs = strdup("")))
                return -ENOMEM;
        holder = nspawn_escape(ctx->holder);
        if (!holder)
                return -ENOMEM;

        /* nspawn runs detached from any terminal: --console=pipe hands the holder nspawn's own stdin,
         * stdout and stderr (/dev/null from the lifecycle) with no pty and no relay loop; the
         * container process gets its stdio and terminal from nspawn-oci, not from nspawn. */
        const char *fixed[] = {
                ctx->nspawn, "--quiet", "--keep-unit", ctx->systemd ? "--register=yes" : "--register=no",
                "-M", b->p->machine, "-D", b->p->rootfs, "--notify-ready=yes", "--resolv-conf=off",
                "--timezone=off", "--link-journal=no", "--console=pipe",
        };
        for (size_t i = 0; i < ELEMENTSOF(fixed); i++) {
                r = strv_extend(a, fixed[i]);
                if (r < 0)
                        return r;
        }
        STRV_FOREACH(o, b->options) {
                r = strv_extend(a, *o);
                if (r < 0)
                        return r;
        }
        r = strv_extendf(a, "--bind-ro=%s:" HOLDER_IN_BOX, holder);
        if (r < 0)
                return r;
        r = strv_extend(a, "--");
        if (r < 0)
                return r;
        return strv_extend(a, HOLDER_IN_BOX);
}

/* The remount that makes / read-only comes after every step that may create a file or mount point. */
static int step_order(const PlanStep *s) {
        if (s->type == PLAN_STEP_REMOUNT && streq(s->path, "/"))
                return _PLAN_STEP_TYPE_MAX;
        return step_rank(s->type);
}

/* A stable insertion sort by phase: within a phase the config's order is kept. */
static void steps_sort(PlanStep *s, size_t n) {
        for (size_t i = 1; i < n; i++) {
                PlanStep x = s[i];
                size_t j = i;

                for (; j > 0 && step_order(s + j - 1) > step_order(&x); j--)
                        s[j] = s[j - 1];
                s[j] = x;
        }
}

/* The environment nspawn runs with. */
static int plan_nspawn_env(Builder *b) {
        char ***env = &b->p->nspawn_env;
        int r;

        /* the process gets config.json's seccomp filter, not nspawn's */
        r = strv_extend(env, "SYSTEMD_SECCOMP=0");
        /* nspawn 252 mounts a tmpfs on /tmp unless told not to; a container's /tmp is its image's,
         * or a mount config.json asks for */
        if (r >= 0)
                r = strv_extend(env, "SYSTEMD_NSPAWN_TMPFS_TMP=0");
        /* nspawn locks the image directory for itself; the engine owns the root file system, and
         * several containers may share one (runc allows that) */
        if (r >= 0)
                r = strv_extend(env, "SYSTEMD_NSPAWN_LOCK=0");
        /* On a cgroup v2 host nspawn 252 picks the legacy layout for an image without systemd in it,
         * and mounts a named v1 hierarchy to build it: that adds "name=systemd" to every process of
         * the host, and leaves the container without cgroup2. The box gets cgroup2, as under runc. */
        if (r >= 0 && b->ctx->unified_cgroup)
                r = strv_extend(env, "SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1");
        return r;
}

static int plan_oci_version(Builder *b) {
        if (!b->c->oci_version)
                return 0;
        return entry(b, "ociVersion", PLAN_FATE_RUNTIME, "%s", b->c->oci_version);
}

static int plan_root_readonly(Builder *b) {
        int r;

        if (!b->c->root_readonly)
                return 0;
        /* not nspawn's --read-only: nspawn creates the mount points of the engine's binds (/etc/hosts,
         * …) in the root after making it read-only, and fails; runc too makes / read-only last, once
         * everything is mounted */
        r = step_path(b, PLAN_STEP_REMOUNT, "/", NULL, MS_RDONLY);
        if (r < 0)
                return r;
        return entry(b, "root.readonly", PLAN_FATE_POST, "remount / read-only once the box is built");
}

/* The builder forced by --builder, else by the annotation; AUTO when neither says. *ret_how says which. */
static int plan_forced_builder(Builder *b, PlanBuilder *ret, const char **ret_how) {
        const char *v = NULL;
        int k;

        *ret = b->ctx->builder;
        *ret_how = "--builder";
        for (size_t i = 0; i < b->c->n_annotations; i++)
                if (streq(b->c->annotations[i].key, PLAN_BUILDER_ANNOTATION))
                        v = b->c->annotations[i].value;
        if (!v)
                return 0;
        k = plan_builder_from_string(v);
        if (k < 0 || k == PLAN_BUILDER_AUTO)
                return entry(b, "annotations." PLAN_BUILDER_ANNOTATION, PLAN_FATE_REJECTED,
                             "annotations." PLAN_BUILDER_ANNOTATION ": \"%s\" is neither \"nspawn\" nor "
                             "\"native\"", v);
        if (*ret == PLAN_BUILDER_AUTO) {
                *ret = k;
                *ret_how = "annotation " PLAN_BUILDER_ANNOTATION;
        }
        return entry(b, "annotations." PLAN_BUILDER_ANNOTATION, PLAN_FATE_RUNTIME, "the %s builder%s", v,
                     *ret == (PlanBuilder) k ? "" : " (--builder overrides it)");
}

/* nspawn unless a field needs the native builder, or one is forced. Forced to nspawn, what only the
 * native builder can do is rejected. */
static int plan_builder(Builder *b) {
        PlanBuilder forced;
        const char *how;
        int r;

        r = plan_forced_builder(b, &forced, &how);
        if (r < 0)
                return r;
        if (forced == PLAN_BUILDER_NSPAWN) {
                for (size_t i = 0; i < b->p->n_entries; i++) {
                        PlanEntry *e = b->p->entries + i;
                        char *d;

                        if (e->fate != PLAN_FATE_NATIVE)
                                continue;
                        if (asprintf_safe(&d, "%s: only the native builder can do this, and %s=nspawn "
                                          "chose systemd-nspawn (%s)", e->field, how, strna(e->detail)) < 0)
                                return -ENOMEM;
                        free(e->detail);
                        e->detail = d;
                        e->fate = PLAN_FATE_REJECTED;
                        b->p->rejected = true;
                }
                b->p->builder = PLAN_BUILDER_NSPAWN;
                free(b->p->builder_reason);
                return asprintf_safe(&b->p->builder_reason, "%s=nspawn", how);
        }
        if (forced == PLAN_BUILDER_NATIVE) {
                b->p->builder = PLAN_BUILDER_NATIVE;
                free(b->p->builder_reason);
                return asprintf_safe(&b->p->builder_reason, "%s=native", how);
        }
        if (b->p->builder_reason) {
                b->p->builder = PLAN_BUILDER_NATIVE;
                return 0;
        }
        b->p->builder = PLAN_BUILDER_NSPAWN;
        b->p->builder_reason = strdup("the default");
        return b->p->builder_reason ? 0 : -ENOMEM;
}

int plan_build(const OciConfig *c, const PlanContext *ctx, Plan **ret) {
        /* in the order of their entries; plan_argv() last, with everything the others chose */
        static int (* const planners[])(Builder *b) = {
                plan_nspawn_env, plan_oci_version, plan_rootfs, plan_root_readonly, plan_process,
                plan_namespaces, plan_names, plan_mounts, plan_runtime, plan_cgroup, plan_linux_rest,
                plan_builder, plan_argv,
        };
        _cleanup_(plan_freep) Plan *p = NULL;
        Builder b;
        int r;

        p = calloc(1, sizeof(Plan));
        if (!p)
                return -ENOMEM;
        b = (Builder) { .c = c, .ctx = ctx, .p = p };
        p->register_machine = ctx->systemd;

        r = plan_machine_name(ctx->id, &p->machine);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(planners); i++)
                r = planners[i](&b);
        strv_free(b.options);
        if (r >= 0)
                r = plan_saved_fill(c, ctx, p);
        if (r < 0)
                return r;

        steps_sort(p->steps, p->n_steps);
        for (size_t i = 0; i < p->n_entries; i++)
                if (p->entries[i].fate == PLAN_FATE_REJECTED)
                        p->rejected = true;
        *ret = TAKE_PTR(p);
        return 0;
}
