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
        _cleanup_free_ char *where = NULL;
        va_list ap;
        int r;

        if (asprintf_safe(&where, "%s%s%s", rd->at, rd->at[0] && key ? "." : "", strempty(key)) < 0)
                return -ENOMEM;
        va_start(ap, fmt);
        r = error_setv(&rd->error, rd->name, where, fmt, ap);
        va_end(ap);
        return r < 0 ? r : -EBADMSG;
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

/* The array o[key] and its length. */
static int get_array(Reader *rd, json_object *o, const char *key, json_object **ret, size_t *ret_n) {
        int r = get(rd, o, key, json_type_array, false, ret);

        if (r >= 0)
                *ret_n = json_object_array_length(*ret);
        return r;
}

static int get_strv(Reader *rd, json_object *o, const char *key, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        json_object *a;
        size_t n;
        int r = get_array(rd, o, key, &a, &n);

        if (r < 0)
                return r;
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

/* The value of a unit property, of the type read before. */
static int property_value(Reader *rd, json_object *o, void *item) {
        UnitProperty *p = item;
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
        r = get_array(rd, o, "value", &a, &n);
        if (r < 0)
                return r;
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

/* How one field of an object is read (read_fields()). */
typedef enum FieldKind {
        FIELD_STRING,
        FIELD_STRING_OR_NULL,
        FIELD_STRING_OPTIONAL,   /* may be absent */
        FIELD_BOOL,
        FIELD_U32,               /* into an unsigned int (uid_t, gid_t, unsigned) */
        FIELD_STRV,
        FIELD_ENUM,              /* a name that from() knows, into an int-sized enum */
        FIELD_FLAGS,             /* MS_* flag names, into an unsigned long */
        FIELD_FLAGS_OPTIONAL,
        FIELD_OTHER,             /* allowed here, read by the caller */
} FieldKind;

typedef struct Field {
        const char *key;
        FieldKind kind;
        size_t offset;
        int (*from)(const char *);
        const char *what;        /* FIELD_ENUM: the set, for the error */
} Field;

/* FIELD_ENUM writes an int */
_Static_assert(sizeof(PlanFate) == sizeof(int) && sizeof(PlanPidNamespace) == sizeof(int) &&
                       sizeof(PlanStepType) == sizeof(int) && sizeof(OciNamespaceType) == sizeof(int) &&
                       sizeof(UnitPropertyType) == sizeof(int),
               "an enum of the plan is not int-sized");
_Static_assert(sizeof(uid_t) == sizeof(unsigned) && sizeof(gid_t) == sizeof(unsigned), "FIELD_U32");

#define FIELD(k, kind, T, m) { k, FIELD_##kind, offsetof(T, m), NULL, NULL }
#define ENUM_FIELD(k, T, m, f, w) { k, FIELD_ENUM, offsetof(T, m), f, w }
#define OTHER_FIELD(k) { k, FIELD_OTHER, 0, NULL, NULL }

/* Reads the fields of o into the struct at base: each one listed must be there (but the optional ones),
 * and no other may be. */
static int read_fields(Reader *rd, json_object *o, const Field *fields, size_t n, void *base) {
        uint64_t u = 0;
        int r = 0, e = 0;

        json_object_object_foreach(o, k, v) {
                size_t i = 0;

                (void) v;
                while (i < n && !streq(fields[i].key, k))
                        i++;
                if (i == n)
                        return fail(rd, k, "unknown field");
        }
        for (size_t i = 0; r >= 0 && i < n; i++) {
                const Field *f = fields + i;
                void *at = (uint8_t *) base + f->offset;

                switch (f->kind) {
                case FIELD_STRING:
                case FIELD_STRING_OR_NULL:
                        r = get_string(rd, o, f->key, f->kind == FIELD_STRING_OR_NULL, at);
                        break;
                case FIELD_STRING_OPTIONAL:
                        if (json_object_object_get_ex(o, f->key, NULL))
                                r = get_string(rd, o, f->key, false, at);
                        break;
                case FIELD_BOOL:
                        r = get_bool(rd, o, f->key, at);
                        break;
                case FIELD_U32:
                        r = get_u64(rd, o, f->key, UINT32_MAX, &u);
                        *(unsigned *) at = (unsigned) u;
                        break;
                case FIELD_STRV:
                        r = get_strv(rd, o, f->key, at);
                        break;
                case FIELD_ENUM:
                        r = get_enum(rd, o, f->key, f->from, f->what, &e);
                        *(int *) at = e;
                        break;
                case FIELD_FLAGS:
                case FIELD_FLAGS_OPTIONAL:
                        r = get_flags(rd, o, f->key, f->kind == FIELD_FLAGS_OPTIONAL, at);
                        break;
                case FIELD_OTHER:
                        break;
                }
        }
        return r;
}

/* How the items of an array of objects are read: their size, their fields, and what is checked or read
 * after the fields (NULL: nothing). */
typedef struct ItemReader {
        size_t size;
        const Field *fields;
        size_t n_fields;
        int (*then)(Reader *rd, json_object *o, void *item);
} ItemReader;

/* Reads the array o[key] of objects into *items (zeroed first). *items and *ret_n are set before the
 * first is read: the caller frees what is there. */
static int each(Reader *rd, json_object *o, const char *key, const ItemReader *ir, void **items,
                size_t *ret_n) {
        json_object *a;
        size_t n;
        int r = get_array(rd, o, key, &a, &n);

        if (r < 0)
                return r;
        if (n > 0 && !(*items = calloc(n, ir->size)))
                return -ENOMEM;
        *ret_n = n;
        for (size_t i = 0; i < n; i++) {
                json_object *v = json_object_array_get_idx(a, i);
                void *item = (uint8_t *) *items + i * ir->size;
                size_t saved = enter(rd, key, i);

                r = json_object_is_type(v, json_type_object) ? 0 : fail(rd, NULL, "expected an object");
                if (r >= 0 && ir->fields)
                        r = read_fields(rd, v, ir->fields, ir->n_fields, item);
                if (r >= 0 && ir->then)
                        r = ir->then(rd, v, item);
                if (r < 0)
                        return r;
                leave(rd, saved);
        }
        return 0;
}

static const Field property_fields[] = {
        FIELD("name", STRING, UnitProperty, name),
        ENUM_FIELD("type", UnitProperty, type, unit_property_type_from_signature, "D-Bus type"),
        OTHER_FIELD("value"),
};
static const ItemReader property_reader = {
        sizeof(UnitProperty),
        property_fields,
        ELEMENTSOF(property_fields),
        property_value,
};

static const Field join_fields[] = {
        ENUM_FIELD("setns", PlanJoin, type, oci_namespace_type_from_string, "namespace"),
        FIELD("path", STRING_OR_NULL, PlanJoin, path),
};
static const ItemReader join_reader = { sizeof(PlanJoin), join_fields, ELEMENTSOF(join_fields), NULL };

static const Field entry_fields[] = {
        FIELD("field", STRING, PlanEntry, field),
        ENUM_FIELD("fate", PlanEntry, fate, plan_fate_from_string, "fate"),
        FIELD("detail", STRING_OR_NULL, PlanEntry, detail),
};
static const ItemReader entry_reader = { sizeof(PlanEntry), entry_fields, ELEMENTSOF(entry_fields), NULL };

static int cgroup_write_check(Reader *rd, json_object *o, void *item) {
        CgroupWrite *w = item;

        /* a file name in the container's cgroup directory, nothing else */
        if (!w->file[0] || strchr(w->file, '/') || streq(w->file, "..") || strchr(w->controller, '/') ||
            streq(w->controller, ".."))
                return fail(rd, "file", "\"%s/%s\" is not a cgroup file name", w->controller, w->file);
        return 0;
}

static const Field cgroup_write_fields[] = {
        FIELD("controller", STRING, CgroupWrite, controller),
        FIELD("file", STRING, CgroupWrite, file),
        FIELD("value", STRING, CgroupWrite, value),
};
static const ItemReader cgroup_write_reader = {
        sizeof(CgroupWrite),
        cgroup_write_fields,
        ELEMENTSOF(cgroup_write_fields),
        cgroup_write_check,
};

/* The device node of a mknod step: its kind, numbers and mode, as oci_json_plan() writes them. */
static int step_mknod(Reader *rd, json_object *o, PlanStep *s) {
        _cleanup_free_ char *node = NULL, *mode = NULL;
        uint64_t major = 0, minor = 0;
        char *end;
        unsigned long m;
        int r;

        r = get_string(rd, o, "node", false, &node);
        if (r >= 0)
                r = get_string(rd, o, "mode", false, &mode);
        if (r >= 0)
                r = get_u64(rd, o, "major", UINT32_MAX, &major);
        if (r >= 0)
                r = get_u64(rd, o, "minor", UINT32_MAX, &minor);
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
        return 0;
}

static const Field step_sysctl[] = {
        OTHER_FIELD("type"),
        FIELD("key", STRING, PlanStep, path),
        FIELD("value", STRING, PlanStep, value),
};
static const Field step_remount[] = {
        OTHER_FIELD("type"),
        FIELD("path", STRING_OR_NULL, PlanStep, path),
        FIELD("flags", FLAGS, PlanStep, flags),
        FIELD("clear", FLAGS_OPTIONAL, PlanStep, clear_flags),
};
static const Field step_path[] = { OTHER_FIELD("type"), FIELD("path", STRING, PlanStep, path) };
static const Field step_mount[] = {
        OTHER_FIELD("type"),
        FIELD("path", STRING, PlanStep, path),
        FIELD("fstype", STRING, PlanStep, value),
        FIELD("source", STRING, PlanStep, source),
        FIELD("data", STRING_OPTIONAL, PlanStep, data),
        FIELD("flags", FLAGS, PlanStep, flags),
};
static const Field step_node[] = {
        OTHER_FIELD("type"),
        FIELD("path", STRING, PlanStep, path),
        OTHER_FIELD("node"),
        OTHER_FIELD("major"),
        OTHER_FIELD("minor"),
        OTHER_FIELD("mode"),
        FIELD("uid", U32, PlanStep, uid),
        FIELD("gid", U32, PlanStep, gid),
};
static const Field step_value[] = { OTHER_FIELD("type"), FIELD("value", STRING, PlanStep, value) };

static const struct {
        const Field *fields;
        size_t n;
} step_fields[_PLAN_STEP_TYPE_MAX] = {
        [PLAN_STEP_SYSCTL] = { step_sysctl, ELEMENTSOF(step_sysctl) },
        [PLAN_STEP_REMOUNT] = { step_remount, ELEMENTSOF(step_remount) },
        [PLAN_STEP_PROPAGATION] = { step_remount, ELEMENTSOF(step_remount) },
        [PLAN_STEP_READONLY] = { step_path, ELEMENTSOF(step_path) },
        [PLAN_STEP_MASK] = { step_path, ELEMENTSOF(step_path) },
        [PLAN_STEP_REATTACH] = { step_path, ELEMENTSOF(step_path) },
        [PLAN_STEP_MOUNT] = { step_mount, ELEMENTSOF(step_mount) },
        [PLAN_STEP_MKNOD] = { step_node, ELEMENTSOF(step_node) },
        [PLAN_STEP_HOSTNAME] = { step_value, ELEMENTSOF(step_value) },
        [PLAN_STEP_DOMAINNAME] = { step_value, ELEMENTSOF(step_value) },
};

static int step_one(Reader *rd, json_object *o, void *item) {
        PlanStep *s = item;
        int t = 0, r;

        r = get_enum(rd, o, "type", plan_step_type_from_string, "step kind", &t);
        if (r < 0)
                return r;
        if (t >= _PLAN_STEP_TYPE_MAX || !step_fields[t].fields)
                return fail(rd, "type", "unknown step kind %d", t);
        s->type = (PlanStepType) t;
        r = read_fields(rd, o, step_fields[t].fields, step_fields[t].n, s);
        if (r >= 0 && s->type == PLAN_STEP_MKNOD)
                r = step_mknod(rd, o, s);
        if (r >= 0 && s->type != PLAN_STEP_SYSCTL && s->path && s->path[0] != '/')
                return fail(rd, "path", "expected an absolute path, got \"%s\"", s->path);
        return r;
}

static const ItemReader step_reader = { sizeof(PlanStep), NULL, 0, step_one };

static int seccomp_part(Reader *rd, json_object *o, PlanSeccomp *s) {
        static const Field fields[] = {
                FIELD("key", STRING_OR_NULL, PlanSeccomp, key),
                FIELD("flags", U32, PlanSeccomp, flags),
                FIELD("notify", BOOL, PlanSeccomp, notify),
                FIELD("listenerPath", STRING_OR_NULL, PlanSeccomp, listener_path),
                FIELD("listenerMetadata", STRING_OR_NULL, PlanSeccomp, listener_metadata),
        };
        json_object *v;
        int r;

        r = get(rd, o, "seccomp", json_type_object, true, &v);
        if (r < 0 || !v)
                return r;
        s->present = true;
        strcpy(rd->at, "seccomp");
        r = read_fields(rd, v, fields, ELEMENTSOF(fields), s);
        if (r < 0)
                return r;
        /* a file name in the cache directory: sha256 in hex */
        if (s->key && (strlen(s->key) != 64 || strspn(s->key, "0123456789abcdef") != 64))
                return fail(rd, "key", "expected 64 hexadecimal digits, got \"%s\"", s->key);
        rd->at[0] = 0;
        return 0;
}

/* The parts for the verbs after create (plan-saved.h). */
static int saved_part(Reader *rd, json_object *o, Plan *p) {
        static const char *const points[] = { PLAN_MOUNT_POINTS };
        _cleanup_free_ char *config_name = NULL;
        json_object *config;
        const char *text;
        int r;

        STRV_FOREACH(m, p->mount_points)
        if (string_table_lookup(points, ELEMENTSOF(points), *m) < 0)
                return fail(rd, "mountPoints", "\"%s\" is not a mount point systemd-nspawn needs", *m);
        if (p->rootfs_needs_usr != strv_contains(p->mount_points, "usr"))
                return fail(rd, "rootfsNeedsUsr", "disagrees with mountPoints");
        if (p->exec_fifo && !streq(p->exec_fifo, PLAN_EXEC_FIFO))
                return fail(rd, "execFifo", "expected \"%s\" or null, got \"%s\"", PLAN_EXEC_FIFO,
                            p->exec_fifo);
        r = each(rd, o, "cgroupWrites", &cgroup_write_reader, (void **) &p->cgroup_writes,
                 &p->n_cgroup_writes);
        if (r >= 0)
                r = each(rd, o, "deviceCgroupWrites", &cgroup_write_reader,
                         (void **) &p->device_cgroup_writes, &p->n_device_cgroup_writes);
        if (r >= 0)
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
        int t, r;

        r = get_strv(rd, o, "joinNamespaces", &join);
        if (r < 0)
                return r;
        STRV_FOREACH(n, join) {
                t = oci_namespace_type_from_string(*n);
                if (t < 0)
                        return fail(rd, "joinNamespaces", "unknown namespace \"%s\"", *n);
                p->join_ns[t] = true;
        }
        if (p->pid_ns == PLAN_PID_PATH)
                r = get_string(rd, o, "pidNamespacePath", false, &p->pid_ns_path);
        else if (json_object_object_get_ex(o, "pidNamespacePath", NULL))
                r = fail(rd, "pidNamespacePath", "only with pidNamespace \"path\"");
        if (r < 0)
                return r;
        if (p->pid_ns_path && p->pid_ns_path[0] != '/')
                return fail(rd, "pidNamespacePath", "expected an absolute path");
        if (p->mount_ns_path && p->mount_ns_path[0] != '/')
                return fail(rd, "mountNamespacePath", "expected an absolute path");
        return each(rd, o, "pre", &join_reader, (void **) &p->joins, &p->n_joins);
}

static int plan_part(Reader *rd, json_object *o, Plan *p) {
        static const Field fields[] = {
                ENUM_FIELD("builder", Plan, builder, plan_builder_from_string, "value"),
                FIELD("builderReason", STRING_OR_NULL, Plan, builder_reason),
                FIELD("machine", STRING, Plan, machine),
                FIELD("rootfs", STRING, Plan, rootfs),
                FIELD("rootfsNeedsUsr", BOOL, Plan, rootfs_needs_usr),
                FIELD("register", BOOL, Plan, register_machine),
                FIELD("slice", STRING_OR_NULL, Plan, slice),
                FIELD("unit", STRING_OR_NULL, Plan, unit),
                FIELD("cgroup", STRING_OR_NULL, Plan, cgroup),
                OTHER_FIELD("properties"),
                FIELD("nspawnArgv", STRV, Plan, nspawn_argv),
                FIELD("nspawnEnv", STRV, Plan, nspawn_env),
                OTHER_FIELD("joinNamespaces"),
                ENUM_FIELD("pidNamespace", Plan, pid_ns, plan_pid_namespace_from_string, "value"),
                OTHER_FIELD("pidNamespacePath"),
                FIELD("mountNamespacePath", STRING_OR_NULL, Plan, mount_ns_path),
                OTHER_FIELD("pre"),
                OTHER_FIELD("post"),
                FIELD("rejected", BOOL, Plan, rejected),
                OTHER_FIELD("entries"),
                FIELD("mountPoints", STRV, Plan, mount_points),
                OTHER_FIELD("cgroupWrites"),
                OTHER_FIELD("deviceCgroupWrites"),
                FIELD("execFifo", STRING_OR_NULL, Plan, exec_fifo),
                OTHER_FIELD("seccomp"),
                OTHER_FIELD("config"),
        };
        int r;

        r = read_fields(rd, o, fields, ELEMENTSOF(fields), p);
        if (r >= 0)
                r = each(rd, o, "properties", &property_reader, (void **) &p->properties, &p->n_properties);
        if (r >= 0)
                r = namespaces_part(rd, o, p);
        if (r >= 0)
                r = each(rd, o, "post", &step_reader, (void **) &p->steps, &p->n_steps);
        if (r >= 0)
                r = each(rd, o, "entries", &entry_reader, (void **) &p->entries, &p->n_entries);
        if (r >= 0)
                r = saved_part(rd, o, p);
        return r;
}

int plan_saved_parse(const char *data, size_t size, const char *name, Plan **ret, char **ret_error) {
        _cleanup_(plan_freep) Plan *p = NULL;
        _cleanup_json_ json_object *o = NULL;
        json_tokener *tok;
        Reader rd = { .name = name };
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
