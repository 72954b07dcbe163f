/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spec_default_json(): valid JSON (json-c reads it back), runc's example, and a config our own parser
 * accepts. No privilege. */
#include <json-c/json.h>

#include "oci/oci-parse.h"
#include "oci/spec.h"
#include "tap.h"
#include "base/util.h"

static json_object *get(json_object *o, const char *path) {
        _cleanup_free_ char *copy = strdup(path);
        char *save = NULL;

        for (char *key = strtok_r(copy, ".", &save); o && key; key = strtok_r(NULL, ".", &save)) {
                json_object *next = NULL;
                if (json_object_is_type(o, json_type_array))
                        next = json_object_array_get_idx(o, (size_t) atoi(key));
                else if (!json_object_object_get_ex(o, key, &next))
                        next = NULL;
                o = next;
        }
        return o;
}

static const char *get_string(json_object *o, const char *path) {
        json_object *v = get(o, path);
        return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool has_namespace(json_object *root, const char *type) {
        json_object *a = get(root, "linux.namespaces");

        for (size_t i = 0; a && i < json_object_array_length(a); i++)
                if (streq(strna(get_string(json_object_array_get_idx(a, i), "type")), type))
                        return true;
        return false;
}

static bool array_has(json_object *a, const char *s) {
        for (size_t i = 0; json_object_is_type(a, json_type_array) && i < json_object_array_length(a); i++)
                if (streq(strna(json_object_get_string(json_object_array_get_idx(a, i))), s))
                        return true;
        return false;
}

static void test_json(void) {
        _cleanup_free_ char *json = NULL, *rootless = NULL;
        enum json_tokener_error err;
        json_object *root;

        tap_is_int(spec_default_json(false, false, 0, 0, &json), 0, "spec_default_json()");
        root = json_tokener_parse_verbose(json, &err);
        tap_ok(root != NULL, "spec's output is valid JSON (%s)", json_tokener_error_desc(err));
        tap_is_str(get_string(root, "ociVersion"), "1.2.0", "ociVersion 1.2.0");
        tap_is_str(get_string(root, "root.path"), "rootfs", "root.path rootfs");
        tap_ok(json_object_get_boolean(get(root, "root.readonly")), "root.readonly");
        tap_is_str(get_string(root, "process.args.0"), "sh", "process.args [sh]");
        tap_is_str(get_string(root, "process.cwd"), "/", "process.cwd /");
        tap_is_int(json_object_get_int(get(root, "process.user.uid")), 0, "process.user.uid 0");
        tap_ok(array_has(get(root, "process.capabilities.bounding"), "CAP_KILL"), "bounding has CAP_KILL");
        tap_ok(json_object_get_boolean(get(root, "process.noNewPrivileges")), "noNewPrivileges");
        tap_is_str(get_string(root, "mounts.0.destination"), "/proc", "the first mount is /proc");
        tap_ok(array_has(get(root, "mounts.2.options"), "gid=5"), "devpts gid=5");
        tap_is_str(get_string(root, "mounts.5.type"), "sysfs", "/sys is sysfs");
        tap_ok(has_namespace(root, "network") && has_namespace(root, "mount") &&
                       !has_namespace(root, "user"),
               "namespaces: network and mount, no user");
        tap_ok(get(root, "linux.resources.devices") != NULL, "the device cgroup denies all by default");
        tap_ok(get(root, "linux.uidMappings") == NULL, "no uid mappings");
        tap_ok(array_has(get(root, "linux.maskedPaths"), "/proc/kcore"), "maskedPaths has /proc/kcore");
        tap_ok(array_has(get(root, "linux.readonlyPaths"), "/proc/sys"), "readonlyPaths has /proc/sys");
        tap_ok(json[strlen(json) - 1] == '\n', "ends with a newline");
        tap_ok(!has_namespace(root, "cgroup"), "no cgroup namespace on a cgroup v1 host");
        json_object_put(root);

        /* a cgroup v2 host: a cgroup namespace too, as runc's spec has it there */
        json = mfree(json);
        tap_is_int(spec_default_json(false, true, 0, 0, &json), 0, "spec_default_json(cgroupns)");
        root = json_tokener_parse(json);
        tap_ok(root && has_namespace(root, "cgroup") && has_namespace(root, "mount"),
               "cgroup v2: a cgroup namespace besides the others");
        json_object_put(root);

        tap_is_int(spec_default_json(true, false, 1000, 1001, &rootless), 0, "spec_default_json(rootless)");
        root = json_tokener_parse_verbose(rootless, &err);
        tap_ok(root != NULL, "the rootless output is valid JSON (%s)", json_tokener_error_desc(err));
        tap_is_int(json_object_get_int(get(root, "linux.uidMappings.0.hostID")), 1000,
                   "uidMappings hostID = uid");
        tap_is_int(json_object_get_int(get(root, "linux.gidMappings.0.hostID")), 1001,
                   "gidMappings hostID = gid");
        tap_is_int(json_object_get_int(get(root, "linux.uidMappings.0.size")), 1, "one id mapped");
        tap_ok(has_namespace(root, "user") && !has_namespace(root, "network"), "rootless: user, no network");
        tap_ok(get(root, "linux.resources") == NULL, "rootless: no device cgroup");
        tap_ok(!array_has(get(root, "mounts.2.options"), "gid=5"), "rootless: devpts without gid=5");
        tap_is_str(get_string(root, "mounts.5.source"), "/sys", "rootless: /sys is a bind of the host's");
        json_object_put(root);
}

/* The parser must accept what spec writes. */
static void test_parse(bool rootless) {
        _cleanup_free_ char *json = NULL, *error = NULL;
        OciConfig *c = NULL;
        int r;

        if (spec_default_json(rootless, false, 1000, 1001, &json) < 0) {
                tap_ok(false, "spec_default_json()");
                return;
        }
        r = oci_parse_config(json, strlen(json), "config.json", &c, &error);
        if (!tap_ok(r >= 0, "%s: oci_parse_config() accepts spec's output",
                    rootless ? "rootless" : "default")) {
                tap_diag("%s", strna(error));
                return;
        }
        tap_ok(c->oci_version && streq(c->oci_version, "1.2.0") && c->has_process && c->process.args &&
                       streq(c->process.args[0], "sh") && c->linux.namespaces[OCI_NS_PID].present &&
                       c->linux.namespaces[OCI_NS_USER].present == rootless &&
                       (!rootless ||
                        (c->linux.n_uid_mappings == 1 && c->linux.uid_mappings[0].host_id == 1000)),
               "%s: the parsed model matches", rootless ? "rootless" : "default");
        oci_config_free(c);
}

int main(void) {
        test_json();
        test_parse(false);
        test_parse(true);
        return tap_done(0);
}
