/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The features document: valid JSON, the runtime-spec's keys, and only the claims the table makes.
 * No privilege. */
#include <json-c/json.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "oci/oci-json.h"
#include "cmd/oci-features.h"
#include "plan/plan.h"
#include "box/oci-seccomp.h"
#include "tap.h"
#include "base/util.h"

static json_object *get(json_object *o, const char *key1, const char *key2) {
        json_object *v = NULL;

        if (!o || !json_object_object_get_ex(o, key1, &v))
                return NULL;
        if (key2 && !json_object_object_get_ex(v, key2, &v))
                return NULL;
        return v;
}

static size_t length(json_object *a) {
        return json_object_is_type(a, json_type_array) ? json_object_array_length(a) : (size_t) -1;
}

static const char *item(json_object *a, size_t i) {
        return json_object_get_string(json_object_array_get_idx(a, i));
}

/* Whether a filter that allows everything loads with the flag named so, in a child of ours: the kernel's
 * own answer, not the runtime's. WAIT_KILLABLE_RECV is valid only along with NEW_LISTENER. */
static bool filter_loads_with(const char *name) {
        static const struct {
                const char *name;
                unsigned flags;
        } known[] = {
                { "SECCOMP_FILTER_FLAG_TSYNC", 1u << 0 },
                { "SECCOMP_FILTER_FLAG_LOG", 1u << 1 },
                { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", 1u << 2 },
                { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", (1u << 5) | (1u << 3) /* NEW_LISTENER */ },
        };
        struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        struct sock_fprog prog = { .len = 1, .filter = &allow };
        int status;
        pid_t pid;

        for (size_t i = 0; i < ELEMENTSOF(known); i++) {
                if (!streq(name, known[i].name))
                        continue;
                pid = fork();
                if (pid == 0)
                        _exit(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
                              syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, known[i].flags, &prog) < 0);
                return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
                       WEXITSTATUS(status) == 0;
        }
        return false;
}

#if defined(__x86_64__)
#define NATIVE_ARCH "SCMP_ARCH_X86_64"
#elif defined(__aarch64__)
#define NATIVE_ARCH "SCMP_ARCH_AARCH64"
#elif defined(__i386__)
#define NATIVE_ARCH "SCMP_ARCH_X86"
#else
#define NATIVE_ARCH "SCMP_ARCH_NATIVE"
#endif

/* The plan takes the option on a bind mount and on a tmpfs without leaving it aside ("ignored",
 * "not handled", "not applied"). */
static bool option_is_honoured(const char *option) {
        char *args[] = { (char *) "/bin/true", NULL };
        char *opts[] = { (char *) option, NULL };
        OciMount m[] = {
                { .destination = (char *) "/data", .type = (char *) "bind", .source = (char *) "/srv",
                  .options = opts },
                { .destination = (char *) "/scratch", .type = (char *) "tmpfs", .source = (char *) "tmpfs",
                  .options = opts },
        };
        OciConfig c = {
                .root_path = (char *) "rootfs",
                .has_process = true,
                .process = { .args = args, .cwd = (char *) "/" },
                .linux = { .present = true },
                .mounts = m,
                .n_mounts = ELEMENTSOF(m),
        };
        PlanContext ctx = { .id = "c1", .bundle = "/b", .holder = "/h", .nspawn = "systemd-nspawn" };
        Plan *p = NULL;
        bool ok;

        c.linux.namespaces[OCI_NS_MOUNT].present = true;
        if (plan_build(&c, &ctx, &p) < 0)
                return false;
        ok = !p->rejected;
        for (size_t i = 0; ok && i < p->n_entries; i++)
                if (startswith(p->entries[i].field, "mounts["))
                        ok = p->entries[i].fate == PLAN_FATE_NSPAWN && !strstr(p->entries[i].detail, "ignored") &&
                             !strstr(p->entries[i].detail, "not ");
        if (!ok)
                tap_diag("mount option \"%s\" is not honoured", option);
        plan_free(p);
        return ok;
}

static void test_document(void) {
        _cleanup_free_ char *json = NULL;
        enum json_tokener_error err;
        json_object *root, *a;
        bool same;

        tap_is_int(oci_features_json(&json), 0, "oci_features_json()");
        root = json_tokener_parse_verbose(json, &err);
        tap_ok(root != NULL, "valid JSON (%s)", json_tokener_error_desc(err));
        tap_ok(json[strlen(json) - 1] == '\n', "ends with a newline");
        tap_is_str(json_object_get_string(get(root, "ociVersionMin", NULL)), "1.0.0", "ociVersionMin");
        tap_is_str(json_object_get_string(get(root, "ociVersionMax", NULL)), "1.2.0", "ociVersionMax");

        a = get(root, "hooks", NULL);
        same = length(a) == _OCI_HOOK_KIND_MAX;
        for (size_t i = 0; same && i < _OCI_HOOK_KIND_MAX; i++)
                same = streq(item(a, i), oci_hook_kind_to_string(i));
        tap_ok(same, "hooks: the six kinds, in the model's order");

        a = get(root, "mountOptions", NULL);
        same = length(a) > 0;
        for (size_t i = 0; same && i < length(a); i++)
                same = option_is_honoured(item(a, i));
        tap_ok(same, "mountOptions: each one claimed is honoured by the plan");

        a = get(root, "linux", "namespaces");
        same = length(a) == _OCI_NS_MAX - 1;
        for (size_t i = 0; same && i < length(a); i++)
                same = streq(item(a, i), oci_namespace_type_to_string(i)) && i != OCI_NS_TIME;
        tap_ok(same, "linux.namespaces: all but time, which the plan rejects");

        a = get(root, "linux", "capabilities");
        tap_is_int(length(a), oci_capability_last() + 1, "linux.capabilities: every known capability");
        tap_is_str(item(a, 0), "CAP_CHOWN", "… starting with CAP_CHOWN");

        json_object *linux_ = get(root, "linux", NULL);
        json_object *seccomp = get(linux_, "seccomp", NULL);
        tap_ok(json_object_get_boolean(get(seccomp, "enabled", NULL)), "linux.seccomp.enabled is true");
        /* the runtime spec's lists (config-linux.md, "seccomp"), in its order */
        static const char * const spec_actions[] = {
                "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
                "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY",
        };
        static const char * const spec_operators[] = {
                "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
                "SCMP_CMP_MASKED_EQ",
        };
        a = get(seccomp, "actions", NULL);
        same = length(a) == ELEMENTSOF(spec_actions);
        for (size_t i = 0; same && i < length(a); i++)
                same = streq(item(a, i), spec_actions[i]);
        tap_ok(same, "… every action of the runtime spec");
        a = get(seccomp, "operators", NULL);
        same = length(a) == ELEMENTSOF(spec_operators);
        for (size_t i = 0; same && i < length(a); i++)
                same = streq(item(a, i), spec_operators[i]);
        tap_ok(same, "… every operator of the runtime spec");
        a = get(seccomp, "archs", NULL);
        same = false;
        for (size_t i = 0; i < length(a); i++)
                same = same || streq(item(a, i), NATIVE_ARCH);
        tap_ok(same, "… the native architecture %s among the archs", NATIVE_ARCH);
        /* supportedFlags: exactly the known flags with which this kernel loads a filter */
        json_object *known_flags = get(seccomp, "knownFlags", NULL);
        a = get(seccomp, "supportedFlags", NULL);
        same = length(known_flags) != (size_t) -1 && length(a) != (size_t) -1;
        for (size_t i = 0; same && i < length(known_flags); i++) {
                bool listed = false;
                for (size_t j = 0; j < length(a); j++)
                        listed = listed || streq(item(a, j), item(known_flags, i));
                same = listed == filter_loads_with(item(known_flags, i));
                if (!same)
                        tap_diag("%s: %s supportedFlags, but a filter %s with it", item(known_flags, i),
                                 listed ? "in" : "not in", listed ? "does not load" : "loads");
        }
        for (size_t j = 0; same && j < length(a); j++)
                same = filter_loads_with(item(a, j));
        tap_ok(same, "… supportedFlags: the known flags a filter loads with, in a child");

        static const char *const cgroup_keys[] = {"v1", "v2", "systemd", "systemdUser", "rdma"};
        static const bool cgroup_want[] = {true, true, true, false, false};
        same = true;
        for (size_t i = 0; i < ELEMENTSOF(cgroup_keys); i++) {
                json_object *b = get(get(linux_, "cgroup", NULL), cgroup_keys[i], NULL);
                same = same && json_object_is_type(b, json_type_boolean) &&
                       json_object_get_boolean(b) == cgroup_want[i];
        }
        tap_ok(same, "linux.cgroup: v1, v2 and systemd; not systemdUser or rdma");

        static const char *const lsm[] = {"apparmor", "selinux", "intelRdt"};
        static const bool lsm_want[] = {true, false, false};
        for (size_t i = 0; i < ELEMENTSOF(lsm); i++) {
                json_object *b = get(get(linux_, lsm[i], NULL), "enabled", NULL);
                tap_ok(json_object_is_type(b, json_type_boolean) && json_object_get_boolean(b) == lsm_want[i],
                       "linux.%s.enabled is %s", lsm[i], lsm_want[i] ? "true" : "false");
        }

        tap_is_str(json_object_get_string(get(root, "annotations", "nspawn-oci.version")), PACKAGE_VERSION,
                   "annotations carry the version");
        json_object_put(root);
}

/* The switches work: a table that claims seccomp lists exactly what it claims. */
static void test_switches(void) {
        static const char *const archs[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", NULL};
        static const char *const flags[] = {"SECCOMP_FILTER_FLAG_LOG", NULL};
        static const char *const opts[] = {"ro", "nosuid", NULL};
        OciFeatures f = {
                .oci_version_min = "1.0.0",
                .oci_version_max = "1.2.0",
                .hooks = {[OCI_HOOK_POSTSTOP] = true},
                .mount_options = opts,
                .namespaces = {[OCI_NS_TIME] = true},
                .cgroup = {.v2 = true, .systemd = true},
                .seccomp =
                        {
                                .enabled = true,
                                .actions = {[OCI_SECCOMP_ERRNO] = true, [OCI_SECCOMP_ALLOW] = true},
                                .operators = {[OCI_SECCOMP_OP_MASKED_EQ] = true},
                                .archs = archs,
                                .known_flags = flags,
                                .supported_flags = NULL,
                        },
                .selinux = true,
        };
        _cleanup_free_ char *json = NULL;
        json_object *root, *linux_, *seccomp;

        tap_is_int(oci_json_features(&f, &json), 0, "oci_json_features() of a custom table");
        root = json_tokener_parse(json);
        linux_ = get(root, "linux", NULL);
        seccomp = get(linux_, "seccomp", NULL);
        tap_ok(length(get(root, "hooks", NULL)) == 1 && streq(item(get(root, "hooks", NULL), 0), "poststop"),
               "hooks: only the one switched on");
        tap_ok(length(get(root, "mountOptions", NULL)) == 2, "mountOptions listed");
        tap_ok(length(get(linux_, "namespaces", NULL)) == 1 &&
                       streq(item(get(linux_, "namespaces", NULL), 0), "time"),
               "namespaces: only time");
        tap_is_int(length(get(linux_, "capabilities", NULL)), 0, "capabilities: none when not claimed");
        tap_ok(json_object_get_boolean(get(get(linux_, "cgroup", NULL), "v2", NULL)) &&
                       !json_object_get_boolean(get(get(linux_, "cgroup", NULL), "v1", NULL)),
               "cgroup: v2 but not v1");
        tap_ok(json_object_get_boolean(get(seccomp, "enabled", NULL)), "seccomp enabled");
        tap_ok(length(get(seccomp, "actions", NULL)) == 2 &&
                       streq(item(get(seccomp, "actions", NULL), 0), "SCMP_ACT_ERRNO") &&
                       streq(item(get(seccomp, "actions", NULL), 1), "SCMP_ACT_ALLOW"),
               "seccomp actions: the two claimed");
        tap_ok(length(get(seccomp, "operators", NULL)) == 1, "seccomp operators: the one claimed");
        tap_ok(length(get(seccomp, "archs", NULL)) == 2 && length(get(seccomp, "knownFlags", NULL)) == 1 &&
                       length(get(seccomp, "supportedFlags", NULL)) == 0,
               "seccomp archs and flags");
        tap_ok(json_object_get_boolean(get(get(linux_, "selinux", NULL), "enabled", NULL)),
               "selinux enabled");
        tap_ok(get(root, "annotations", NULL) &&
                       json_object_object_length(get(root, "annotations", NULL)) == 0,
               "annotations: an empty object when none");
        json_object_put(root);
}

int main(void) {
        test_document();
        test_switches();
        return tap_done(0);
}
