/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The reader of the saved plan (plan.json): a golden plan reads back; each kind of damage is refused with
 * the file and the field named. Reads files only. */
#include <json-c/json.h>

#include "oci/oci-json-util.h"
#include "plan/plan-saved.h"
#include "tap.h"
#include "base/util.h"

/* Reads text back; returns the reader's error (NULL when it read). */
static char *read_plan(const char *text) {
        char *error = NULL;
        Plan *p = NULL;
        int r = plan_saved_parse(text, strlen(text), "plan.json", &p, &error);

        plan_free(p);
        if (r < 0 && !error)
                error = strdup("(no message)");
        return error;
}

/* The golden plan with one change: key under the object at path ("" for the top, "post[0]") set to
 * value (JSON text; NULL removes it). */
static char *damaged(const char *golden, const char *path, const char *key, const char *value) {
        _cleanup_json_ json_object *o = json_tokener_parse(golden);
        json_object *at = o;
        char *text = NULL;

        if (streq(path, "post[0]"))
                at = json_object_array_get_idx(json_object_object_get(o, "post"), 0);
        else if (streq(path, "cgroupWrites[0]"))
                at = json_object_array_get_idx(json_object_object_get(o, "cgroupWrites"), 0);
        if (value)
                json_object_object_add(at, key, json_tokener_parse(value));
        else
                json_object_object_del(at, key);
        return oci_json_to_text(o, false, &text) < 0 ? NULL : text;
}

static void refused(const char *golden, const char *path, const char *key, const char *value,
                    const char *want) {
        _cleanup_free_ char *text = damaged(golden, path, key, value),
                            *error = text ? read_plan(text) : NULL;

        if (!tap_ok(error && strstr(error, want), "%s%s%s = %s: \"%s\"", path, path[0] ? "." : "", key,
                    strna(value), want))
                tap_diag("got: %s", strna(error));
}

int main(int argc, char *argv[]) {
        /* at, key, value (JSON; NULL: removed), what the error says */
        static const struct {
                const char *at, *key, *value, *want;
        } cases[] = {
                { "", "surprise", "1", "plan.json: surprise: unknown field" },
                { "", "machine", NULL, "plan.json: machine: required field is missing" },
                { "", "machine", "7", "plan.json: machine: expected a string" },
                { "", "rootfsNeedsUsr", "false", "plan.json: rootfsNeedsUsr: disagrees with mountPoints" },
                { "", "mountPoints", "[\"usr\",\"../etc\"]",
                  "plan.json: mountPoints: \"../etc\" is not a mount point" },
                { "", "pidNamespace", "\"other\"", "plan.json: pidNamespace: unknown value \"other\"" },
                { "", "pidNamespacePath", "\"/proc/1/ns/pid\"",
                  "plan.json: pidNamespacePath: only with pidNamespace \"path\"" },
                { "", "joinNamespaces", "[\"pid\",\"spacetime\"]",
                  "plan.json: joinNamespaces: unknown namespace \"spacetime\"" },
                { "", "execFifo", "\"../../etc/shadow\"", "plan.json: execFifo: expected \"exec.fifo\"" },
                { "", "seccomp",
                  "{\"key\":\"../x\",\"flags\":0,\"notify\":false,\"listenerPath\":null,"
                  "\"listenerMetadata\":null}",
                  "plan.json: seccomp.key: expected 64 hexadecimal digits" },
                { "", "config", "{\"ociVersion\":\"1.0.0\",\"process\":{\"cwd\":7}}",
                  "plan.json: config: process.cwd: expected a string" },
                { "post[0]", "type", "\"chroot\"", "plan.json: post[0].type: unknown step kind \"chroot\"" },
                { "post[0]", "path", "\"relative\"", "plan.json: post[0].path: expected an absolute path" },
                { "", "post", "[{\"type\":\"remount\",\"path\":\"/\",\"flags\":[\"ro\",\"bind\"]}]",
                  "plan.json: post[0].flags: unknown mount flag \"bind\"" },
                { "cgroupWrites[0]", "file", "\"../../cgroup.procs\"",
                  "plan.json: cgroupWrites[0].file: \"devices/../../cgroup.procs\" is not a cgroup file "
                  "name" },
        };
        const char *dir = argc > 1 ? argv[1] : "tests/golden/plan";
        _cleanup_free_ char *path = NULL, *golden = NULL, *error = NULL;

        if (asprintf_safe(&path, "%s/podman-resources/plan-nosystemd.json", dir) < 0 ||
            read_full_file(path, &golden, NULL) < 0) {
                tap_ok(false, "%s: cannot read it", strna(path));
                return tap_done(0);
        }
        error = read_plan(golden);
        if (!tap_ok(!error, "a golden plan reads"))
                tap_diag("%s", error);

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                refused(golden, cases[i].at, cases[i].key, cases[i].value, cases[i].want);
        return tap_done(0);
}
