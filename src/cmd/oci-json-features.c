/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The features table → the runtime-spec features document (json-c). Pure. */
#include <json-c/json.h>

#include "oci/oci-json.h"
#include "oci/oci-json-util.h"
#include "cmd/oci-features.h"
#include "base/util.h"

/* The names for which flags[i] is set, in table order. */
static json_object *claimed_names(const bool *flags, size_t n, const char *(*to_string)(int)) {
        json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        for (size_t i = 0; i < n; i++)
                if (flags[i] && oci_json_append(a, json_object_new_string(to_string((int) i))) < 0) {
                        json_object_put(a);
                        return NULL;
                }
        return a;
}

static const char *hook_name(int i) {
        return oci_hook_kind_to_string((OciHookKind) i);
}
static const char *namespace_name(int i) {
        return oci_namespace_type_to_string((OciNamespaceType) i);
}
static const char *action_name(int i) {
        return oci_seccomp_action_to_string((OciSeccompAction) i);
}
static const char *operator_name(int i) {
        return oci_seccomp_op_to_string((OciSeccompOp) i);
}

static json_object *enabled(bool b) {
        json_object *o = json_object_new_object();

        if (o && oci_json_add(o, "enabled", json_object_new_boolean(b)) < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static json_object *capabilities(bool claimed) {
        json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        for (int cap = 0; claimed && cap <= oci_capability_last(); cap++)
                if (oci_json_append(a, json_object_new_string(oci_capability_to_string(cap))) < 0) {
                        json_object_put(a);
                        return NULL;
                }
        return a;
}

/* parent[key] = a new object, filled by fill(). */
static int add_object(json_object *parent, const char *key, const OciFeatures *f,
                      int (*fill)(json_object *o, const OciFeatures *f)) {
        _cleanup_json_ json_object *o = json_object_new_object();

        if (!o || fill(o, f) < 0)
                return -ENOMEM;
        return oci_json_add(parent, key, TAKE_PTR(o));
}

static int fill_cgroup(json_object *o, const OciFeatures *f) {
        if (oci_json_add(o, "v1", json_object_new_boolean(f->cgroup.v1)) < 0 ||
            oci_json_add(o, "v2", json_object_new_boolean(f->cgroup.v2)) < 0 ||
            oci_json_add(o, "systemd", json_object_new_boolean(f->cgroup.systemd)) < 0 ||
            oci_json_add(o, "systemdUser", json_object_new_boolean(f->cgroup.systemd_user)) < 0 ||
            oci_json_add(o, "rdma", json_object_new_boolean(f->cgroup.rdma)) < 0)
                return -ENOMEM;
        return 0;
}

static int fill_seccomp(json_object *o, const OciFeatures *f) {
        if (oci_json_add(o, "enabled", json_object_new_boolean(f->seccomp.enabled)) < 0)
                return -ENOMEM;
        /* Lists only when enabled: an empty list would claim that nothing is supported, which is
         * what "enabled": false already says. */
        if (f->seccomp.enabled &&
            (oci_json_add(o, "actions", claimed_names(f->seccomp.actions, ELEMENTSOF(f->seccomp.actions),
                                             action_name)) < 0 ||
             oci_json_add(o, "operators", claimed_names(f->seccomp.operators, ELEMENTSOF(f->seccomp.operators),
                                               operator_name)) < 0 ||
             oci_json_add(o, "archs", oci_json_strv(f->seccomp.archs)) < 0 ||
             oci_json_add(o, "knownFlags", oci_json_strv(f->seccomp.known_flags)) < 0 ||
             oci_json_add(o, "supportedFlags", oci_json_strv(f->seccomp.supported_flags)) < 0))
                return -ENOMEM;
        return 0;
}

static int fill_linux(json_object *o, const OciFeatures *f) {
        if (oci_json_add(o, "namespaces", claimed_names(f->namespaces, _OCI_NS_MAX, namespace_name)) < 0 ||
            oci_json_add(o, "capabilities", capabilities(f->capabilities)) < 0 ||
            add_object(o, "cgroup", f, fill_cgroup) < 0 ||
            add_object(o, "seccomp", f, fill_seccomp) < 0 ||
            oci_json_add(o, "apparmor", enabled(f->apparmor)) < 0 ||
            oci_json_add(o, "selinux", enabled(f->selinux)) < 0 ||
            oci_json_add(o, "intelRdt", enabled(f->intel_rdt)) < 0)
                return -ENOMEM;
        return 0;
}

static int fill_annotations(json_object *o, const OciFeatures *f) {
        for (const char * const *a = f->annotations; a && a[0] && a[1]; a += 2)
                if (oci_json_add(o, a[0], json_object_new_string(a[1])) < 0)
                        return -ENOMEM;
        return 0;
}

int oci_json_features(const OciFeatures *f, char **ret) {
        _cleanup_json_ json_object *root = json_object_new_object();

        if (!root)
                return -ENOMEM;
        if (oci_json_add(root, "ociVersionMin", json_object_new_string(f->oci_version_min)) < 0 ||
            oci_json_add(root, "ociVersionMax", json_object_new_string(f->oci_version_max)) < 0 ||
            oci_json_add(root, "hooks", claimed_names(f->hooks, _OCI_HOOK_KIND_MAX, hook_name)) < 0 ||
            oci_json_add(root, "mountOptions", oci_json_strv(f->mount_options)) < 0 ||
            add_object(root, "linux", f, fill_linux) < 0 ||
            add_object(root, "annotations", f, fill_annotations) < 0)
                return -ENOMEM;

        return oci_json_to_text(root, true, ret);
}
