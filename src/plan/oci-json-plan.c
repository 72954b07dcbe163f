/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A Plan → JSON (json-c), for `explain --json` and the golden tests. Pure. Keys keep a fixed order so
 * that the text of a plan is stable. */
#include <json-c/json.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "oci/oci-json.h"
#include "oci/oci-json-util.h"
#include "plan/plan.h"
#include "plan/unit-property.h"
#include "base/util.h"

static int add_string(json_object *o, const char *key, const char *s) {
        if (!s)
                return json_object_object_add(o, key, NULL) < 0 ? -ENOMEM : 0;
        return oci_json_add(o, key, json_object_new_string(s));
}

static json_object *property_to_json(const void *item) {
        const UnitProperty *p = item;
        _cleanup_json_ json_object *o = json_object_new_object(), *v = NULL;

        if (!o)
                return NULL;
        switch (p->type) {
        case UNIT_PROPERTY_U64:
                v = json_object_new_uint64(p->u64);
                break;
        case UNIT_PROPERTY_BOOL:
                v = json_object_new_boolean(p->b);
                break;
        case UNIT_PROPERTY_STRING:
                v = json_object_new_string(strna(p->str));
                break;
        case UNIT_PROPERTY_BYTES:
                v = json_object_new_array();
                for (size_t i = 0; v && i < p->n_bytes; i++)
                        if (oci_json_append(v, json_object_new_int(p->bytes[i])) < 0)
                                return NULL;
                break;
        case UNIT_PROPERTY_PAIRS_SS:
        case UNIT_PROPERTY_PAIRS_ST:
                v = json_object_new_array();
                for (size_t i = 0; v && i < p->n_pairs; i++) {
                        json_object *pair = json_object_new_array();
                        if (!pair || oci_json_append(pair, json_object_new_string(p->keys[i])) < 0 ||
                            oci_json_append(pair, p->type == UNIT_PROPERTY_PAIRS_SS
                                               ? json_object_new_string(p->str_values[i])
                                               : json_object_new_uint64(p->u64_values[i])) < 0 ||
                            oci_json_append(v, pair) < 0) {
                                return NULL;
                        }
                }
                break;
        }
        if (!v)
                return NULL;
        if (add_string(o, "name", p->name) < 0 || add_string(o, "type", unit_property_type_signature(p->type)) < 0 ||
            oci_json_add(o, "value", TAKE_PTR(v)) < 0)
                return NULL;
        return TAKE_PTR(o);
}

static json_object *flags_to_json(unsigned long f) {
        const char *names[PLAN_MOUNT_FLAG_NAMES_MAX];

        plan_mount_flag_names(f, names);
        return oci_json_strv(names);
}

static json_object *step_to_json(const void *item) {
        const PlanStep *s = item;
        _cleanup_json_ json_object *o = json_object_new_object();
        char mode[16];
        int r = 0;

        if (!o || add_string(o, "type", plan_step_type_to_string(s->type)) < 0)
                return NULL;
        switch (s->type) {
        case PLAN_STEP_SYSCTL:
                r = add_string(o, "key", s->path);
                if (r >= 0)
                        r = add_string(o, "value", s->value);
                break;
        case PLAN_STEP_REMOUNT:
        case PLAN_STEP_PROPAGATION:
                r = add_string(o, "path", s->path);
                if (r >= 0)
                        r = oci_json_add(o, "flags", flags_to_json(s->flags));
                if (r >= 0 && s->clear_flags)
                        r = oci_json_add(o, "clear", flags_to_json(s->clear_flags));
                break;
        case PLAN_STEP_READONLY:
        case PLAN_STEP_MASK:
        case PLAN_STEP_REATTACH:
                r = add_string(o, "path", s->path);
                break;
        case PLAN_STEP_MOUNT:
                r = add_string(o, "path", s->path);
                if (r >= 0)
                        r = add_string(o, "fstype", s->value);
                if (r >= 0)
                        r = add_string(o, "source", s->source);
                if (r >= 0 && s->data)
                        r = add_string(o, "data", s->data);
                if (r >= 0)
                        r = oci_json_add(o, "flags", flags_to_json(s->flags));
                break;
        case PLAN_STEP_MKNOD:
                snprintf(mode, sizeof mode, "%04o", (unsigned) (s->mode & 07777));
                r = add_string(o, "path", s->path);
                if (r >= 0)
                        r = add_string(o, "node", S_ISBLK(s->mode) ? "b" : S_ISFIFO(s->mode) ? "p" : "c");
                if (r >= 0)
                        r = oci_json_add(o, "major", json_object_new_int64(major(s->dev)));
                if (r >= 0)
                        r = oci_json_add(o, "minor", json_object_new_int64(minor(s->dev)));
                if (r >= 0)
                        r = add_string(o, "mode", mode);
                if (r >= 0)
                        r = oci_json_add(o, "uid", json_object_new_int64(s->uid));
                if (r >= 0)
                        r = oci_json_add(o, "gid", json_object_new_int64(s->gid));
                break;
        case PLAN_STEP_HOSTNAME:
        case PLAN_STEP_DOMAINNAME:
                r = add_string(o, "value", s->value);
                break;
        default:
                break;
        }
        return r < 0 ? NULL : TAKE_PTR(o);
}

static json_object *join_to_json(const void *item) {
        const PlanJoin *j = item;
        _cleanup_json_ json_object *o = json_object_new_object();

        if (!o || add_string(o, "setns", oci_namespace_type_to_string(j->type)) < 0 ||
            add_string(o, "path", j->path) < 0)
                return NULL;
        return TAKE_PTR(o);
}

static json_object *entry_to_json(const void *item) {
        const PlanEntry *e = item;
        _cleanup_json_ json_object *o = json_object_new_object();

        if (!o || add_string(o, "field", e->field) < 0 ||
            add_string(o, "fate", plan_fate_to_string(e->fate)) < 0 || add_string(o, "detail", e->detail) < 0)
                return NULL;
        return TAKE_PTR(o);
}

/* o[key] = an array of to_json() of each of the n items, size bytes each. */
static int add_array(json_object *o, const char *key, const void *items, size_t n, size_t size,
                     json_object *(*to_json)(const void *item)) {
        json_object *a = json_object_new_array();
        int r;

        if ((r = oci_json_add(o, key, a)) < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                if ((r = oci_json_append(a, to_json((const uint8_t *) items + i * size))) < 0)
                        return r;
        return 0;
}

static json_object *cgroup_write_to_json(const void *item) {
        const CgroupWrite *w = item;
        _cleanup_json_ json_object *o = json_object_new_object();

        if (!o || add_string(o, "controller", w->controller) < 0 || add_string(o, "file", w->file) < 0 ||
            add_string(o, "value", w->value) < 0)
                return NULL;
        return TAKE_PTR(o);
}

/* What the verbs after create read back (plan-saved.h). */
static int saved_to_json(json_object *o, const Plan *p) {
        _cleanup_free_ char *config = NULL;
        json_object *v;
        int r;

        if ((r = oci_json_add(o, "mountPoints", oci_json_strv((const char * const *) p->mount_points))) < 0)
                return r;
        if ((r = add_array(o, "cgroupWrites", p->cgroup_writes, p->n_cgroup_writes, sizeof(CgroupWrite),
                           cgroup_write_to_json)) < 0 ||
            (r = add_array(o, "deviceCgroupWrites", p->device_cgroup_writes, p->n_device_cgroup_writes,
                           sizeof(CgroupWrite), cgroup_write_to_json)) < 0)
                return r;
        if ((r = add_string(o, "execFifo", p->exec_fifo)) < 0)
                return r;
        if (!p->seccomp.present)
                r = json_object_object_add(o, "seccomp", NULL) < 0 ? -ENOMEM : 0;
        else {
                v = json_object_new_object();
                if ((r = oci_json_add(o, "seccomp", v)) < 0 ||
                    (r = add_string(v, "key", p->seccomp.key)) < 0 ||
                    (r = oci_json_add(v, "flags", json_object_new_int64(p->seccomp.flags))) < 0 ||
                    (r = oci_json_add(v, "notify", json_object_new_boolean(p->seccomp.notify))) < 0 ||
                    (r = add_string(v, "listenerPath", p->seccomp.listener_path)) < 0 ||
                    (r = add_string(v, "listenerMetadata", p->seccomp.listener_metadata)) < 0)
                        return r;
        }
        if (r < 0)
                return r;
        if (!p->config)
                return json_object_object_add(o, "config", NULL) < 0 ? -ENOMEM : 0;
        r = oci_json_config(p->config, &config);
        if (r < 0)
                return r;
        v = json_tokener_parse(config);
        return oci_json_add(o, "config", v);
}

int oci_json_plan(const struct Plan *p, char **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        json_object *a;
        int r;

        if (!o)
                return -ENOMEM;
        if ((r = add_string(o, "builder", plan_builder_to_string(p->builder))) < 0 ||
            (r = add_string(o, "builderReason", p->builder_reason)) < 0 ||
            (r = add_string(o, "machine", p->machine)) < 0 ||
            (r = add_string(o, "rootfs", p->rootfs)) < 0 ||
            (r = oci_json_add(o, "rootfsNeedsUsr", json_object_new_boolean(p->rootfs_needs_usr))) < 0 ||
            (r = oci_json_add(o, "register", json_object_new_boolean(p->register_machine))) < 0 ||
            (r = add_string(o, "slice", p->slice)) < 0 ||
            (r = add_string(o, "unit", p->unit)) < 0 ||
            (r = add_string(o, "cgroup", p->cgroup)) < 0)
                return r;

        if ((r = add_array(o, "properties", p->properties, p->n_properties, sizeof(UnitProperty),
                           property_to_json)) < 0 ||
            (r = oci_json_add(o, "nspawnArgv", oci_json_strv((const char * const *) p->nspawn_argv))) < 0 ||
            (r = oci_json_add(o, "nspawnEnv", oci_json_strv((const char * const *) p->nspawn_env))) < 0)
                return r;

        a = json_object_new_array();
        if ((r = oci_json_add(o, "joinNamespaces", a)) < 0)
                return r;
        for (OciNamespaceType t = 0; t < _OCI_NS_MAX; t++)
                if (p->join_ns[t] &&
                    (r = oci_json_append(a, json_object_new_string(oci_namespace_type_to_string(t)))) < 0)
                        return r;

        if ((r = add_string(o, "pidNamespace", plan_pid_namespace_to_string(p->pid_ns))) < 0 ||
            (p->pid_ns_path && (r = add_string(o, "pidNamespacePath", p->pid_ns_path)) < 0) ||
            (r = add_string(o, "mountNamespacePath", p->mount_ns_path)) < 0)
                return r;

        if ((r = add_array(o, "pre", p->joins, p->n_joins, sizeof(PlanJoin), join_to_json)) < 0 ||
            (r = add_array(o, "post", p->steps, p->n_steps, sizeof(PlanStep), step_to_json)) < 0 ||
            (r = oci_json_add(o, "rejected", json_object_new_boolean(p->rejected))) < 0 ||
            (r = add_array(o, "entries", p->entries, p->n_entries, sizeof(PlanEntry), entry_to_json)) < 0)
                return r;

        r = saved_to_json(o, p);
        if (r < 0)
                return r;
        return oci_json_to_text(o, true, ret);
}
