/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* plan.json → Plan: the reader of what oci_json_plan() wrote at create, for the verbs that follow and
 * `explain --id`. Strict: a field missing, of the wrong type, unknown, or out of its set is an error
 * naming the file and the field. Pure. */
#include <json-c/json.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "oci/oci-json-util.h"
#include "oci/oci-parse.h"
#include "plan/plan-saved.h"
#include "base/util.h"

typedef struct Reader {
        const char *name;
        char at[128];            /* where in the document: "", "post[3]", … */
        char *error;
} Reader;

_printf_(3, 4)
static int fail(Reader *rd, const char *key, const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int r;

        if (rd->error)
                return -EBADMSG;
        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        if (asprintf(&rd->error, "%s: %s%s%s: %s", rd->name, rd->at, rd->at[0] && key ? "." : "",
                     strempty(key), msg) < 0) {
                rd->error = NULL;
                return -ENOMEM;
        }
        return -EBADMSG;
}

static const char *type_name(json_type t) {
        switch (t) {
        case json_type_string:
                return "a string";
        case json_type_boolean:
                return "a boolean";
        case json_type_int:
                return "an integer";
        case json_type_array:
                return "an array";
        case json_type_object:
                return "an object";
        default:
                return "a value";
        }
}

/* Only the keys listed (NULL-terminated) are allowed in o. */
static int only_keys(Reader *rd, json_object *o, const char *const *keys) {
        json_object_object_foreach(o, k, v) {
                bool known = false;

                (void) v;
                for (const char *const *x = keys; *x; x++)
                        known = known || streq(*x, k);
                if (!known)
                        return fail(rd, k, "unknown field");
        }
        return 0;
}

/* o[key], of type t; null only where nullable (then *ret = NULL). */
static int get(Reader *rd, json_object *o, const char *key, json_type t, bool nullable, json_object **ret) {
        json_object *v = NULL;

        if (!json_object_object_get_ex(o, key, &v))
                return fail(rd, key, "required field is missing");
        if (!v && nullable) {
                *ret = NULL;
                return 0;
        }
        if (!json_object_is_type(v, t))
                return fail(rd, key, "expected %s%s", type_name(t), nullable ? " or null" : "");
        *ret = v;
        return 0;
}

static int get_string(Reader *rd, json_object *o, const char *key, bool nullable, char **ret) {
        json_object *v = NULL;
        int r = get(rd, o, key, json_type_string, nullable, &v);

        if (r < 0 || !v)
                return r;
        if ((size_t) json_object_get_string_len(v) != strlen(json_object_get_string(v)))
                return fail(rd, key, "contains a NUL byte");
        *ret = strdup(json_object_get_string(v));
        return *ret ? 0 : -ENOMEM;
}

static int get_bool(Reader *rd, json_object *o, const char *key, bool *ret) {
        json_object *v = NULL;
        int r = get(rd, o, key, json_type_boolean, false, &v);

        if (r >= 0)
                *ret = json_object_get_boolean(v);
        return r;
}

static int get_u64(Reader *rd, json_object *o, const char *key, uint64_t max, uint64_t *ret) {
        json_object *v = NULL;
        int r = get(rd, o, key, json_type_int, false, &v);

        if (r < 0)
                return r;
        if (json_object_get_int64(v) < 0 || json_object_get_uint64(v) > max)
                return fail(rd, key, "expected an integer between 0 and %" PRIu64, max);
        *ret = json_object_get_uint64(v);
        return 0;
}

static int get_strv(Reader *rd, json_object *o, const char *key, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        json_object *a;
        size_t n;
        int r = get(rd, o, key, json_type_array, false, &a);

        if (r < 0)
                return r;
        n = json_object_array_length(a);
        l = calloc(n + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *v = json_object_array_get_idx(a, i);
                if (!json_object_is_type(v, json_type_string) ||
                    (size_t) json_object_get_string_len(v) != strlen(json_object_get_string(v)))
                        return fail(rd, key, "item %zu: expected a string", i);
                if (!(l[i] = strdup(json_object_get_string(v))))
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

/* o[key], a name that from() knows (a *_from_string()); what names the set in the error. */
static int get_enum(Reader *rd, json_object *o, const char *key, int (*from)(const char *), const char *what,
                    int *ret) {
        _cleanup_free_ char *name = NULL;
        int r = get_string(rd, o, key, false, &name);

        if (r < 0)
                return r;
        r = from(name);
        if (r < 0)
                return fail(rd, key, "unknown %s \"%s\"", what, name);
        *ret = r;
        return 0;
}

/* Descends into key[i] for the error messages; returns what to restore. */
static size_t enter(Reader *rd, const char *key, size_t i) {
        size_t saved = strlen(rd->at);

        snprintf(rd->at + saved, sizeof(rd->at) - saved, "%s%s[%zu]", saved > 0 ? "." : "", key, i);
        return saved;
}

static void leave(Reader *rd, size_t saved) {
        rd->at[saved] = 0;
}

/* Reads the array o[key] of objects into *items (n of them, size bytes each, zeroed first), with one()
 * for each. *items and *ret_n are set before the first is read: the caller frees what is there. */
static int each(Reader *rd, json_object *o, const char *key, size_t size,
                int (*one)(Reader *, json_object *, void *), void **items, size_t *ret_n) {
        json_object *a;
        size_t n;
        int r = get(rd, o, key, json_type_array, false, &a);

        if (r < 0)
                return r;
        n = json_object_array_length(a);
        if (n > 0 && !(*items = calloc(n, size)))
                return -ENOMEM;
        *ret_n = n;
        for (size_t i = 0; i < n; i++) {
                json_object *v = json_object_array_get_idx(a, i);
                size_t saved = enter(rd, key, i);

                r = json_object_is_type(v, json_type_object) ? one(rd, v, (char *) *items + i * size)
                                                             : fail(rd, NULL, "expected an object");
                if (r < 0)
                        return r;
                leave(rd, saved);
        }
        return 0;
}

static int pair_item(Reader *rd, json_object *pair, size_t i, bool u64, UnitProperty *p) {
        json_object *k = json_object_array_get_idx(pair, 0), *v = json_object_array_get_idx(pair, 1);

        if (!json_object_is_type(pair, json_type_array) || json_object_array_length(pair) != 2 ||
            !json_object_is_type(k, json_type_string) ||
            !json_object_is_type(v, u64 ? json_type_int : json_type_string) ||
            (u64 && json_object_get_int64(v) < 0))
                return fail(rd, "value", "item %zu: expected [string, %s]", i,
                            u64 ? "unsigned integer" : "string");
        if (!(p->keys[i] = strdup(json_object_get_string(k))))
                return -ENOMEM;
        if (u64)
                p->u64_values[i] = json_object_get_uint64(v);
        else if (!(p->str_values[i] = strdup(json_object_get_string(v))))
                return -ENOMEM;
        return 0;
}

static int property_value(Reader *rd, json_object *o, UnitProperty *p) {
        json_object *a;
        size_t n;
        int r;

        switch (p->type) {
        case UNIT_PROPERTY_U64:
                return get_u64(rd, o, "value", UINT64_MAX, &p->u64);
        case UNIT_PROPERTY_BOOL:
                return get_bool(rd, o, "value", &p->b);
        case UNIT_PROPERTY_STRING:
                return get_string(rd, o, "value", false, &p->str);
        default:
                break;
        }
        r = get(rd, o, "value", json_type_array, false, &a);
        if (r < 0)
                return r;
        n = json_object_array_length(a);
        if (p->type == UNIT_PROPERTY_BYTES) {
                if (n > 0 && !(p->bytes = calloc(n, 1)))
                        return -ENOMEM;
                p->n_bytes = n;
                for (size_t i = 0; i < n; i++) {
                        json_object *b = json_object_array_get_idx(a, i);
                        if (!json_object_is_type(b, json_type_int) || json_object_get_int64(b) < 0 ||
                            json_object_get_int64(b) > 255)
                                return fail(rd, "value", "item %zu: expected a byte", i);
                        p->bytes[i] = (uint8_t) json_object_get_int64(b);
                }
                return 0;
        }
        if (!(p->keys = calloc(n + 1, sizeof(char *))))
                return -ENOMEM;
        if (p->type == UNIT_PROPERTY_PAIRS_SS ? !(p->str_values = calloc(n + 1, sizeof(char *)))
                                              : n > 0 && !(p->u64_values = calloc(n, sizeof(uint64_t))))
                return -ENOMEM;
        p->n_pairs = n;
        for (size_t i = 0; i < n; i++) {
                r = pair_item(rd, json_object_array_get_idx(a, i), i, p->type == UNIT_PROPERTY_PAIRS_ST, p);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int property_one(Reader *rd, json_object *o, void *item) {
        static const char *const keys[] = {"name", "type", "value", NULL};
        UnitProperty *p = item;
        int t = 0, r;

        r = only_keys(rd, o, keys);
        if (r >= 0)
                r = get_string(rd, o, "name", false, &p->name);
        if (r >= 0)
                r = get_enum(rd, o, "type", unit_property_type_from_string, "D-Bus type", &t);
        if (r < 0)
                return r;
        p->type = (UnitPropertyType) t;
        return property_value(rd, o, p);
}

static int join_one(Reader *rd, json_object *o, void *item) {
        static const char *const keys[] = {"setns", "path", NULL};
        PlanJoin *j = item;
        int t = 0, r;

        r = only_keys(rd, o, keys);
        if (r >= 0)
                r = get_enum(rd, o, "setns", oci_namespace_type_from_string, "namespace", &t);
        if (r >= 0)
                r = get_string(rd, o, "path", true, &j->path);
        j->type = (OciNamespaceType) t;
        return r;
}

static int entry_one(Reader *rd, json_object *o, void *item) {
        static const char *const keys[] = {"field", "fate", "detail", NULL};
        PlanEntry *e = item;
        int f = 0, r;

        r = only_keys(rd, o, keys);
        if (r >= 0)
                r = get_string(rd, o, "field", false, &e->field);
        if (r >= 0)
                r = get_enum(rd, o, "fate", plan_fate_from_string, "fate", &f);
        if (r >= 0)
                r = get_string(rd, o, "detail", true, &e->detail);
        e->fate = (PlanFate) f;
        return r;
}

static int cgroup_write_one(Reader *rd, json_object *o, void *item) {
        static const char *const keys[] = {"controller", "file", "value", NULL};
        CgroupWrite *w = item;
        int r;

        r = only_keys(rd, o, keys);
        for (size_t i = 0; r >= 0 && keys[i]; i++)
                r = get_string(rd, o, keys[i], false,
                               i == 0   ? &w->controller
                               : i == 1 ? &w->file
                                        : &w->value);
        if (r < 0)
                return r;
        /* a file name in the container's cgroup directory, nothing else */
        if (!w->file[0] || strchr(w->file, '/') || streq(w->file, "..") || strchr(w->controller, '/') ||
            streq(w->controller, ".."))
                return fail(rd, "file", "\"%s/%s\" is not a cgroup file name", w->controller, w->file);
        return 0;
}

/* The MS_* flags named in o[key] (plan_mount_flag_names()'s names). */
static int get_flags(Reader *rd, json_object *o, const char *key, bool optional, unsigned long *ret) {
        _cleanup_strv_free_ char **names = NULL;
        unsigned long flags = 0;
        int r;

        if (optional && !json_object_object_get_ex(o, key, NULL)) {
                *ret = 0;
                return 0;
        }
        r = get_strv(rd, o, key, &names);
        if (r < 0)
                return r;
        STRV_FOREACH(n, names) {
                unsigned long f = 0;

                for (unsigned bit = 0; bit < sizeof(unsigned long) * 8 && !f; bit++) {
                        const char *one[PLAN_MOUNT_FLAG_NAMES_MAX];
                        if (plan_mount_flag_names(1UL << bit, one) == 1 && streq(one[0], *n))
                                f = 1UL << bit;
                }
                if (!f)
                        return fail(rd, key, "unknown mount flag \"%s\"", *n);
                flags |= f;
        }
        *ret = flags;
        return 0;
}

static int step_mknod(Reader *rd, json_object *o, PlanStep *s) {
        static const char *const keys[] = {"type", "path", "node", "major", "minor",
                                           "mode", "uid",  "gid",  NULL};
        _cleanup_free_ char *node = NULL, *mode = NULL;
        uint64_t major = 0, minor = 0, uid = 0, gid = 0;
        char *end;
        unsigned long m;
        int r;

        r = only_keys(rd, o, keys);
        if (r >= 0)
                r = get_string(rd, o, "node", false, &node);
        if (r >= 0)
                r = get_string(rd, o, "mode", false, &mode);
        if (r >= 0)
                r = get_u64(rd, o, "major", UINT32_MAX, &major);
        if (r >= 0)
                r = get_u64(rd, o, "minor", UINT32_MAX, &minor);
        if (r >= 0)
                r = get_u64(rd, o, "uid", UINT32_MAX - 1, &uid);
        if (r >= 0)
                r = get_u64(rd, o, "gid", UINT32_MAX - 1, &gid);
        if (r < 0)
                return r;
        if (!streq(node, "c") && !streq(node, "b") && !streq(node, "p"))
                return fail(rd, "node", "expected \"c\", \"b\" or \"p\", got \"%s\"", node);
        errno = 0;
        m = strtoul(mode, &end, 8);
        if (errno != 0 || *end || !mode[0] || m > 07777)
                return fail(rd, "mode", "expected an octal mode up to 7777, got \"%s\"", mode);
        s->mode = (mode_t) m | (node[0] == 'c' ? S_IFCHR : node[0] == 'b' ? S_IFBLK : S_IFIFO);
        s->dev = makedev(major, minor);
        s->uid = (uid_t) uid;
        s->gid = (gid_t) gid;
        return 0;
}

static int step_one(Reader *rd, json_object *o, void *item) {
        static const char *const path_keys[] = {"type", "path", NULL};
        static const char *const value_keys[] = {"type", "value", NULL};
        static const char *const sysctl_keys[] = {"type", "key", "value", NULL};
        static const char *const remount_keys[] = {"type", "path", "flags", "clear", NULL};
        static const char *const mount_keys[] = {"type", "path", "fstype", "source", "data", "flags", NULL};
        PlanStep *s = item;
        int t = 0, r;

        r = get_enum(rd, o, "type", plan_step_type_from_string, "step kind", &t);
        if (r < 0)
                return r;
        s->type = (PlanStepType) t;
        switch (s->type) {
        case PLAN_STEP_SYSCTL:
                r = only_keys(rd, o, sysctl_keys);
                if (r >= 0)
                        r = get_string(rd, o, "key", false, &s->path);
                if (r >= 0)
                        r = get_string(rd, o, "value", false, &s->value);
                return r;
        case PLAN_STEP_REMOUNT:
        case PLAN_STEP_PROPAGATION:
                r = only_keys(rd, o, remount_keys);
                if (r >= 0)
                        r = get_string(rd, o, "path", true, &s->path);
                if (r >= 0)
                        r = get_flags(rd, o, "flags", false, &s->flags);
                if (r >= 0)
                        r = get_flags(rd, o, "clear", true, &s->clear_flags);
                break;
        case PLAN_STEP_READONLY:
        case PLAN_STEP_MASK:
        case PLAN_STEP_REATTACH:
                r = only_keys(rd, o, path_keys);
                if (r >= 0)
                        r = get_string(rd, o, "path", false, &s->path);
                break;
        case PLAN_STEP_MOUNT:
                r = only_keys(rd, o, mount_keys);
                if (r >= 0)
                        r = get_string(rd, o, "path", false, &s->path);
                if (r >= 0)
                        r = get_string(rd, o, "fstype", false, &s->value);
                if (r >= 0)
                        r = get_string(rd, o, "source", false, &s->source);
                if (r >= 0 && json_object_object_get_ex(o, "data", NULL))
                        r = get_string(rd, o, "data", false, &s->data);
                if (r >= 0)
                        r = get_flags(rd, o, "flags", false, &s->flags);
                break;
        case PLAN_STEP_MKNOD:
                r = get_string(rd, o, "path", false, &s->path);
                if (r >= 0)
                        r = step_mknod(rd, o, s);
                break;
        case PLAN_STEP_HOSTNAME:
        case PLAN_STEP_DOMAINNAME:
                r = only_keys(rd, o, value_keys);
                if (r >= 0)
                        r = get_string(rd, o, "value", false, &s->value);
                return r;
        default:
                return fail(rd, "type", "unknown step kind %d", t);
        }
        if (r >= 0 && s->path && s->path[0] != '/')
                return fail(rd, "path", "expected an absolute path, got \"%s\"", s->path);
        return r;
}

static int seccomp_part(Reader *rd, json_object *o, PlanSeccomp *s) {
        static const char *const keys[] = {"key", "flags", "notify", "listenerPath", "listenerMetadata",
                                           NULL};
        json_object *v = NULL;
        uint64_t flags = 0;
        int r;

        r = get(rd, o, "seccomp", json_type_object, true, &v);
        if (r < 0 || !v)
                return r;
        s->present = true;
        strcpy(rd->at, "seccomp");
        r = only_keys(rd, v, keys);
        if (r >= 0)
                r = get_string(rd, v, "key", true, &s->key);
        if (r >= 0)
                r = get_u64(rd, v, "flags", UINT32_MAX, &flags);
        if (r >= 0)
                r = get_bool(rd, v, "notify", &s->notify);
        if (r >= 0)
                r = get_string(rd, v, "listenerPath", true, &s->listener_path);
        if (r >= 0)
                r = get_string(rd, v, "listenerMetadata", true, &s->listener_metadata);
        if (r < 0)
                return r;
        s->flags = (unsigned) flags;
        /* a file name in the cache directory: sha256 in hex */
        if (s->key && (strlen(s->key) != 64 || strspn(s->key, "0123456789abcdef") != 64))
                return fail(rd, "key", "expected 64 hexadecimal digits, got \"%s\"", s->key);
        rd->at[0] = 0;
        return 0;
}

/* The parts for the verbs after create (plan-saved.h). */
static int saved_part(Reader *rd, json_object *o, Plan *p) {
        static const char *const points[] = {PLAN_MOUNT_POINTS};
        _cleanup_free_ char *config_name = NULL;
        json_object *config;
        const char *text;
        int r;

        r = get_strv(rd, o, "mountPoints", &p->mount_points);
        if (r < 0)
                return r;
        STRV_FOREACH(m, p->mount_points)
        if (string_table_lookup(points, ELEMENTSOF(points), *m) < 0)
                return fail(rd, "mountPoints", "\"%s\" is not a mount point systemd-nspawn needs", *m);
        if (p->rootfs_needs_usr != strv_contains(p->mount_points, "usr"))
                return fail(rd, "rootfsNeedsUsr", "disagrees with mountPoints");
        r = each(rd, o, "cgroupWrites", sizeof(CgroupWrite), cgroup_write_one, (void **) &p->cgroup_writes,
                 &p->n_cgroup_writes);
        if (r >= 0)
                r = get_string(rd, o, "execFifo", true, &p->exec_fifo);
        if (r < 0)
                return r;
        if (p->exec_fifo && !streq(p->exec_fifo, PLAN_EXEC_FIFO))
                return fail(rd, "execFifo", "expected \"%s\" or null, got \"%s\"", PLAN_EXEC_FIFO,
                            p->exec_fifo);
        r = seccomp_part(rd, o, &p->seccomp);
        if (r >= 0)
                r = get(rd, o, "config", json_type_object, false, &config);
        if (r < 0)
                return r;
        text = json_object_to_json_string_ext(config,
                                              JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!text || asprintf_safe(&config_name, "%s: config", rd->name) < 0)
                return -ENOMEM;
        r = oci_parse_config(text, strlen(text), config_name, &p->config, &rd->error);
        return r == -ENOMEM ? r : r < 0 ? -EBADMSG : 0;
}

static int namespaces_part(Reader *rd, json_object *o, Plan *p) {
        _cleanup_strv_free_ char **join = NULL;
        int t = 0, r;

        r = get_strv(rd, o, "joinNamespaces", &join);
        if (r < 0)
                return r;
        STRV_FOREACH(n, join) {
                t = oci_namespace_type_from_string(*n);
                if (t < 0)
                        return fail(rd, "joinNamespaces", "unknown namespace \"%s\"", *n);
                p->join_ns[t] = true;
        }
        r = get_enum(rd, o, "pidNamespace", plan_pid_namespace_from_string, "value", &t);
        if (r < 0)
                return r;
        p->pid_ns = (PlanPidNamespace) t;
        if (p->pid_ns == PLAN_PID_PATH)
                r = get_string(rd, o, "pidNamespacePath", false, &p->pid_ns_path);
        else if (json_object_object_get_ex(o, "pidNamespacePath", NULL))
                r = fail(rd, "pidNamespacePath", "only with pidNamespace \"path\"");
        if (r < 0)
                return r;
        if (p->pid_ns_path && p->pid_ns_path[0] != '/')
                return fail(rd, "pidNamespacePath", "expected an absolute path");
        return each(rd, o, "pre", sizeof(PlanJoin), join_one, (void **) &p->joins, &p->n_joins);
}

static int plan_part(Reader *rd, json_object *o, Plan *p) {
        static const char *const keys[] = {
                "machine",
                "rootfs",
                "rootfsNeedsUsr",
                "register",
                "slice",
                "unit",
                "cgroup",
                "properties",
                "nspawnArgv",
                "nspawnEnv",
                "joinNamespaces",
                "pidNamespace",
                "pidNamespacePath",
                "pre",
                "post",
                "rejected",
                "entries",
                "mountPoints",
                "cgroupWrites",
                "execFifo",
                "seccomp",
                "config",
                NULL,
        };
        int r;

        r = only_keys(rd, o, keys);
        if (r >= 0)
                r = get_string(rd, o, "machine", false, &p->machine);
        if (r >= 0)
                r = get_string(rd, o, "rootfs", false, &p->rootfs);
        if (r >= 0)
                r = get_bool(rd, o, "rootfsNeedsUsr", &p->rootfs_needs_usr);
        if (r >= 0)
                r = get_bool(rd, o, "register", &p->register_machine);
        if (r >= 0)
                r = get_string(rd, o, "slice", true, &p->slice);
        if (r >= 0)
                r = get_string(rd, o, "unit", true, &p->unit);
        if (r >= 0)
                r = get_string(rd, o, "cgroup", true, &p->cgroup);
        if (r >= 0)
                r = each(rd, o, "properties", sizeof(UnitProperty), property_one, (void **) &p->properties,
                         &p->n_properties);
        if (r >= 0)
                r = get_strv(rd, o, "nspawnArgv", &p->nspawn_argv);
        if (r >= 0)
                r = get_strv(rd, o, "nspawnEnv", &p->nspawn_env);
        if (r >= 0)
                r = namespaces_part(rd, o, p);
        if (r >= 0)
                r = each(rd, o, "post", sizeof(PlanStep), step_one, (void **) &p->steps, &p->n_steps);
        if (r >= 0)
                r = get_bool(rd, o, "rejected", &p->rejected);
        if (r >= 0)
                r = each(rd, o, "entries", sizeof(PlanEntry), entry_one, (void **) &p->entries,
                         &p->n_entries);
        if (r >= 0)
                r = saved_part(rd, o, p);
        return r;
}

int plan_saved_parse(const char *data, size_t size, const char *name, Plan **ret, char **ret_error) {
        _cleanup_(plan_freep) Plan *p = NULL;
        _cleanup_json_ json_object *o = NULL;
        json_tokener *tok;
        Reader rd = {.name = name};
        int r;

        tok = json_tokener_new();
        if (!tok)
                return -ENOMEM;
        if (size <= INT_MAX)
                o = json_tokener_parse_ex(tok, data, (int) size);
        if (!o || json_tokener_get_error(tok) != json_tokener_success ||
            !json_object_is_type(o, json_type_object))
                r = fail(&rd, NULL, "not a JSON object");
        else if (!(p = calloc(1, sizeof(Plan))))
                r = -ENOMEM;
        else
                r = plan_part(&rd, o, p);
        json_tokener_free(tok);
        if (r < 0) {
                if (ret_error)
                        *ret_error = TAKE_PTR(rd.error);
                free(rd.error);
                return r;
        }
        *ret = TAKE_PTR(p);
        return 0;
}
