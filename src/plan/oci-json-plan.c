/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A Plan → JSON (json-c), for `explain --json` and the golden tests. Pure. Keys keep a fixed order so
 * that the text of a plan is stable. */
#include <json-c/json.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "oci/oci-json.h"
#include "oci/oci-json-util.h"
#include "plan/plan.h"
#include "base/util.h"

static int add_string(json_object *o, const char *key, const char *s) {
        if (!s)
                return json_object_object_add(o, key, NULL) < 0 ? -ENOMEM : 0;
        return oci_json_add(o, key, json_object_new_string(s));
}

static json_object *property_to_json(const UnitProperty *p) {
        _cleanup_json_ json_object *o = json_object_new_object(), *v = NULL;
        static const char * const types[] = {
                [UNIT_PROPERTY_U64] = "t",
                [UNIT_PROPERTY_BOOL] = "b",
                [UNIT_PROPERTY_STRING] = "s",
                [UNIT_PROPERTY_BYTES] = "ay",
                [UNIT_PROPERTY_PAIRS_SS] = "a(ss)",
                [UNIT_PROPERTY_PAIRS_ST] = "a(st)",
        };

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
        if (add_string(o, "name", p->name) < 0 || add_string(o, "type", types[p->type]) < 0 ||
            oci_json_add(o, "value", TAKE_PTR(v)) < 0)
                return NULL;
        return TAKE_PTR(o);
}

static json_object *flags_to_json(unsigned long f) {
        const char *names[PLAN_MOUNT_FLAG_NAMES_MAX];

        plan_mount_flag_names(f, names);
        return oci_json_strv(names);
}

static json_object *step_to_json(const PlanStep *s) {
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

        a = json_object_new_array();
        if ((r = oci_json_add(o, "properties", a)) < 0)
                return r;
        for (size_t i = 0; i < p->n_properties; i++)
                if ((r = oci_json_append(a, property_to_json(p->properties + i))) < 0)
                        return r;

        if ((r = oci_json_add(o, "nspawnArgv", oci_json_strv((const char * const *) p->nspawn_argv))) < 0 ||
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
            (p->pid_ns_path && (r = add_string(o, "pidNamespacePath", p->pid_ns_path)) < 0))
                return r;

        a = json_object_new_array();
        if ((r = oci_json_add(o, "pre", a)) < 0)
                return r;
        for (size_t i = 0; i < p->n_joins; i++) {
                json_object *j = json_object_new_object();
                if ((r = oci_json_append(a, j)) < 0 ||
                    (r = add_string(j, "setns", oci_namespace_type_to_string(p->joins[i].type))) < 0 ||
                    (r = add_string(j, "path", p->joins[i].path)) < 0)
                        return r;
        }

        a = json_object_new_array();
        if ((r = oci_json_add(o, "post", a)) < 0)
                return r;
        for (size_t i = 0; i < p->n_steps; i++)
                if ((r = oci_json_append(a, step_to_json(p->steps + i))) < 0)
                        return r;

        if ((r = oci_json_add(o, "rejected", json_object_new_boolean(p->rejected))) < 0)
                return r;

        a = json_object_new_array();
        if ((r = oci_json_add(o, "entries", a)) < 0)
                return r;
        for (size_t i = 0; i < p->n_entries; i++) {
                json_object *e = json_object_new_object();
                if ((r = oci_json_append(a, e)) < 0 ||
                    (r = add_string(e, "field", p->entries[i].field)) < 0 ||
                    (r = add_string(e, "fate", plan_fate_to_string(p->entries[i].fate))) < 0 ||
                    (r = add_string(e, "detail", p->entries[i].detail)) < 0)
                        return r;
        }

        return oci_json_to_text(o, true, ret);
}
