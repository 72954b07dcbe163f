/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* plan_build() on configs built by hand: namespaces, names, mounts, paths, sysctls, devices, the unit.
 * Pure; needs no privilege. */
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "plan/plan.h"
#include "tap.h"
#include "base/util.h"

static char *args_true[] = { (char *) "/bin/true", NULL };

static const PlanContext ctx_systemd = {
        .id = "c1",
        .bundle = "/bundles/c1",
        .holder = "/usr/libexec/nspawn-oci/nspawn-oci-init",
        .nspawn = "/usr/bin/systemd-nspawn",
        .systemd = true,
};

static PlanContext ctx_plain(void) {
        PlanContext c = ctx_systemd;
        c.systemd = false;
        return c;
}

/* The smallest config runc runs: rootfs, process, new pid/mount/ipc/uts/network namespaces. */
static OciConfig base(void) {
        OciConfig c = {
                .oci_version = (char *) "1.2.0",
                .root_path = (char *) "rootfs",
                .has_process = true,
                .process = { .args = args_true, .cwd = (char *) "/" },
                .linux = { .present = true },
        };
        c.linux.namespaces[OCI_NS_PID].present = true;
        c.linux.namespaces[OCI_NS_MOUNT].present = true;
        c.linux.namespaces[OCI_NS_IPC].present = true;
        c.linux.namespaces[OCI_NS_UTS].present = true;
        c.linux.namespaces[OCI_NS_NETWORK].present = true;
        return c;
}

static Plan *build(const OciConfig *c, const PlanContext *ctx) {
        Plan *p = NULL;
        int r = plan_build(c, ctx, &p);
        if (r < 0) {
                tap_diag("plan_build: %s", strerror(-r));
                return NULL;
        }
        return p;
}

static const PlanEntry *find(const Plan *p, const char *field) {
        for (size_t i = 0; p && i < p->n_entries; i++)
                if (streq(p->entries[i].field, field))
                        return p->entries + i;
        return NULL;
}

static void is_entry(const Plan *p, const char *field, PlanFate fate, const char *detail) {
        const PlanEntry *e = find(p, field);
        tap_is_str(e ? plan_fate_to_string(e->fate) : NULL, plan_fate_to_string(fate), "%s: fate", field);
        tap_is_str(e ? e->detail : NULL, detail, "%s: detail", field);
}

static bool has(char **l, const char *s) {
        return strv_contains(l, s);
}

static const PlanStep *find_step(const Plan *p, PlanStepType t, const char *path) {
        for (size_t i = 0; p && i < p->n_steps; i++)
                if (p->steps[i].type == t && (!path || (p->steps[i].path && streq(p->steps[i].path, path))))
                        return p->steps + i;
        return NULL;
}

static void test_machine_names(void) {
        const char *hex = "791b7d87f03d4091e4f52fd31c43238245c3d8b59966c9f477b4eb1c2e21146b";
        char a70[71];
        char *s = NULL;

        plan_machine_name("abc", &s);
        tap_is_str(s, "abc", "a valid host name is the machine name");
        free(s);
        plan_machine_name(hex, &s);
        tap_is_str(s, hex, "podman's 64 hex digit id is kept");
        free(s);
        plan_machine_name("my_container", &s);
        tap_is_str(s, "my-container-b78aa089cdd5a24b", "'_' is replaced and the FNV-1a hash appended");
        tap_ok(plan_hostname_is_valid(s), "the sanitized name is valid");
        free(s);
        memset(a70, 'a', 70);
        a70[70] = 0;
        plan_machine_name(a70, &s);
        tap_is_str(s, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-505e1ef28863accb",
                   "a 70 character id is cut to 47 and hashed");
        tap_is_int(s ? strlen(s) : 0, 64, "64 characters");
        free(s);
        plan_machine_name(".hidden..x", &s);
        tap_is_str(s, "xhidden.-x-4bf90bc58fd185af", "leading dot and double dots");
        tap_ok(plan_hostname_is_valid(s), "still a valid name");
        free(s);
        tap_ok(plan_machine_name("", &s) == -EINVAL, "an empty id is refused");
        tap_ok(!plan_hostname_is_valid("a..b") && !plan_hostname_is_valid("-a") &&
                       !plan_hostname_is_valid("a.") && plan_hostname_is_valid("a-b.c"),
               "host name rules");
}

static void test_base(void) {
        OciConfig c = base();
        Plan *p = build(&c, &ctx_systemd);
        const char *want[] = {
                "/usr/bin/systemd-nspawn", "--quiet", "--keep-unit", "--register=yes", "-M", "c1",
                "-D", "/bundles/c1/rootfs", "--notify-ready=yes", "--resolv-conf=off", "--timezone=off",
                "--link-journal=no", "--console=pipe", "--private-network",
                "--bind-ro=/usr/libexec/nspawn-oci/nspawn-oci-init:/run/.nspawn-oci-init", "--",
                "/run/.nspawn-oci-init", NULL,
        };
        bool same = p && strv_length(p->nspawn_argv) == ELEMENTSOF(want) - 1;

        for (size_t i = 0; same && want[i]; i++)
                if (!streq(p->nspawn_argv[i], want[i])) {
                        tap_diag("argv[%zu] = %s, expected %s", i, p->nspawn_argv[i], want[i]);
                        same = false;
                }
        tap_ok(same, "the complete nspawn command line");
        tap_ok(p && strv_length(p->nspawn_env) == 3 && streq(p->nspawn_env[0], "SYSTEMD_SECCOMP=0") &&
                       streq(p->nspawn_env[1], "SYSTEMD_NSPAWN_TMPFS_TMP=0") &&
                       streq(p->nspawn_env[2], "SYSTEMD_NSPAWN_LOCK=0"),
               "only SYSTEMD_SECCOMP=0, SYSTEMD_NSPAWN_TMPFS_TMP=0 and SYSTEMD_NSPAWN_LOCK=0 when every "
               "namespace is new");
        tap_ok(p && !p->rejected, "not rejected");
        tap_is_str(p ? p->machine : NULL, "c1", "machine");
        tap_is_str(p ? p->rootfs : NULL, "/bundles/c1/rootfs", "rootfs");
        tap_is_str(p ? p->unit : NULL, "nspawn-oci-c1.scope", "default unit");
        tap_is_str(p ? p->slice : NULL, "machine.slice", "default slice");
        tap_ok(p && p->n_properties == 4 && streq(p->properties[0].name, "Description") &&
                       streq(p->properties[0].str, "nspawn-oci container c1") &&
                       streq(p->properties[1].name, "Delegate") && p->properties[1].b,
               "Description and Delegate=yes");
        tap_ok(p && p->n_properties == 4 && streq(p->properties[2].name, "DevicePolicy") &&
                       streq(p->properties[2].str, "strict") && streq(p->properties[3].name, "DeviceAllow"),
               "no device rules: DevicePolicy=strict, DeviceAllow= the defaults (as runc)");
        tap_ok(p && p->join_ns[OCI_NS_PID] && p->join_ns[OCI_NS_MOUNT] && p->join_ns[OCI_NS_IPC] &&
               p->join_ns[OCI_NS_UTS] && p->join_ns[OCI_NS_NETWORK] && !p->join_ns[OCI_NS_USER] &&
               !p->join_ns[OCI_NS_CGROUP], "the process joins the box's five namespaces");
        is_entry(p, "root.path", PLAN_FATE_NSPAWN, "-D /bundles/c1/rootfs");
        is_entry(p, "ociVersion", PLAN_FATE_RUNTIME, "1.2.0");
        is_entry(p, "process.args", PLAN_FATE_PROCESS, "/bin/true");
        plan_free(p);

        c.root_path = (char *) "./rootfs/";
        c.root_readonly = true;
        p = build(&c, &ctx_systemd);
        tap_is_str(p ? p->rootfs : NULL, "/bundles/c1/rootfs", "./rootfs/ is normalised");
        tap_ok(p && !has(p->nspawn_argv, "--read-only") && p->n_steps > 0 &&
                       p->steps[p->n_steps - 1].type == PLAN_STEP_REMOUNT &&
                       streq(p->steps[p->n_steps - 1].path, "/") &&
                       p->steps[p->n_steps - 1].flags == MS_RDONLY,
               "root.readonly → / remounted read-only, last");
        plan_free(p);

        c.root_path = (char *) "/var/lib/x/merged";
        p = build(&c, &ctx_systemd);
        tap_is_str(p ? p->rootfs : NULL, "/var/lib/x/merged", "an absolute root.path is kept");
        plan_free(p);

        PlanContext plain = ctx_plain();
        p = build(&c, &plain);
        tap_ok(p && has(p->nspawn_argv, "--register=no") && !p->unit && p->n_properties == 0,
               "without systemd: --register=no, no unit, no properties");
        tap_is_str(p ? p->cgroup : NULL, "/nspawn-oci/c1", "without systemd: the default cgroup");
        plan_free(p);
}

/* On a cgroup v2 host the box gets cgroup2: nspawn's legacy layout would change the host's. */
static void test_unified_host(void) {
        OciConfig c = base();
        PlanContext ctx = ctx_systemd;
        Plan *p = build(&c, &ctx);

        tap_ok(p && !has(p->nspawn_env, "SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1"), "hybrid host: nspawn chooses");
        plan_free(p);
        ctx.unified_cgroup = true;
        p = build(&c, &ctx);
        tap_ok(p && has(p->nspawn_env, "SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1"), "unified host: cgroup2 in the box");
        plan_free(p);
}

static void test_namespaces(void) {
        OciConfig c = base();
        Plan *p;

        c.linux.namespaces[OCI_NS_PID].present = false;
        c.linux.namespaces[OCI_NS_NETWORK].present = false;
        p = build(&c, &ctx_systemd);
        tap_ok(p && has(p->nspawn_env, "SYSTEMD_NSPAWN_SHARE_NS_PID=1") && !p->join_ns[OCI_NS_PID] &&
                       p->pid_ns == PLAN_PID_HOST,
               "pid absent: the host's, not joined");
        tap_ok(p && !has(p->nspawn_argv, "--private-network") && !p->join_ns[OCI_NS_NETWORK],
               "network absent: nspawn's default, the host's");
        is_entry(p, "linux.namespaces.pid", PLAN_FATE_NSPAWN,
                 "absent: the host's namespace (SYSTEMD_NSPAWN_SHARE_NS_PID=1)");
        plan_free(p);

        c = base();
        c.linux.namespaces[OCI_NS_IPC].path = (char *) "/var/run/ipcns/x";
        c.linux.namespaces[OCI_NS_NETWORK].path = (char *) "/var/run/netns/x";
        p = build(&c, &ctx_systemd);
        tap_ok(p && p->n_joins == 1 && p->joins[0].type == OCI_NS_IPC &&
               streq(p->joins[0].path, "/var/run/ipcns/x"),
               "ipc by path: joined before nspawn");
        tap_ok(p && has(p->nspawn_env, "SYSTEMD_NSPAWN_SHARE_NS_IPC=1") &&
                       !has(p->nspawn_env, "SYSTEMD_NSPAWN_SHARE_NS_UTS=1") &&
                       !has(p->nspawn_env, "SYSTEMD_NSPAWN_SHARE_NS_PID=1"),
               "and shared by nspawn");
        tap_ok(p && p->join_ns[OCI_NS_PID] && p->join_ns[OCI_NS_IPC],
               "the process joins them through the holder");
        tap_ok(p && p->pid_ns == PLAN_PID_NEW && !p->pid_ns_path,
               "pid: the process is PID 1 of a new namespace below the box's");
        is_entry(p, "linux.namespaces.pid", PLAN_FATE_PROCESS,
                 "a new namespace below the box's (nspawn's holds only the holder): the process is its PID 1, "
                 "on a procfs of its own");
        tap_ok(p && has(p->nspawn_argv, "--network-namespace-path=/var/run/netns/x"), "network by path");
        plan_free(p);

        /* nspawn would take pids of the joined namespace for host pids: nspawn keeps ours, only the
         * container process joins it */
        c = base();
        c.linux.namespaces[OCI_NS_PID].path = (char *) "/proc/15005/ns/pid";
        p = build(&c, &ctx_systemd);
        tap_ok(p && !p->rejected && p->n_joins == 0 && p->join_ns[OCI_NS_PID] && p->pid_ns == PLAN_PID_PATH &&
                       streq(p->pid_ns_path, "/proc/15005/ns/pid"),
               "pid by path: nothing joined before nspawn, the process joins it");
        tap_ok(p && !has(p->nspawn_env, "SYSTEMD_NSPAWN_SHARE_NS_PID=1"),
               "pid by path: nspawn makes a pid namespace of its own for the holder");
        is_entry(p, "linux.namespaces.pid", PLAN_FATE_PROCESS,
                 "the process joins /proc/15005/ns/pid, on a procfs of that namespace; nspawn's own (holding "
                 "only the holder) is a new one, as nspawn never runs in a pid namespace it did not create");
        plan_free(p);

        c = base();
        c.linux.namespaces[OCI_NS_MOUNT].present = false;
        p = build(&c, &ctx_systemd);
        tap_ok(p && !p->rejected && p->builder == PLAN_BUILDER_NATIVE && !p->join_ns[OCI_NS_MOUNT],
               "no mount namespace: the native builder, the process keeps the host's");
        tap_is_str(p ? p->builder_reason : NULL, "linux.namespaces.mount is absent", "its reason");
        plan_free(p);

        c.linux.namespaces[OCI_NS_MOUNT] = (OciNamespace) { .present = true, .path = (char *) "/proc/1/ns/mnt" };
        p = build(&c, &ctx_systemd);
        tap_ok(p && !p->rejected && p->builder == PLAN_BUILDER_NATIVE && !p->join_ns[OCI_NS_MOUNT] &&
                       p->mount_ns_path && streq(p->mount_ns_path, "/proc/1/ns/mnt"),
               "a mount namespace by path: the native builder, the process joins it");
        plan_free(p);

        c = base();
        c.linux.namespaces[OCI_NS_TIME].present = true;
        p = build(&c, &ctx_systemd);
        is_entry(p, "linux.namespaces.time", PLAN_FATE_NATIVE,
                 "a new namespace, made by the native builder (systemd-nspawn knows none)");
        tap_ok(p && p->builder == PLAN_BUILDER_NATIVE && p->join_ns[OCI_NS_TIME] && !p->rejected,
               "time namespace: the native builder");
        plan_free(p);

        c.linux.time_offset_boottime = (OciTimeOffset) { .set = true, .secs = 10 };
        c.linux.namespaces[OCI_NS_TIME].path = (char *) "/proc/1/ns/time";
        p = build(&c, &ctx_systemd);
        is_entry(p, "linux.timeOffsets", PLAN_FATE_REJECTED,
                 "linux.timeOffsets: the time namespace joined by path has its offsets already");
        plan_free(p);

        c = base();
        c.linux.namespaces[OCI_NS_CGROUP].present = true;
        p = build(&c, &ctx_systemd);
        tap_ok(p && p->join_ns[OCI_NS_CGROUP] && !p->rejected, "cgroup: the process joins nspawn's");
        plan_free(p);

        c.linux.namespaces[OCI_NS_CGROUP].path = (char *) "/proc/1/ns/cgroup";
        p = build(&c, &ctx_systemd);
        tap_ok(p && p->join_ns[OCI_NS_CGROUP] && !p->rejected && p->builder == PLAN_BUILDER_NATIVE &&
                       streq(p->builder_reason, "linux.namespaces.cgroup is joined by path"),
               "cgroup by path: the native builder");
        plan_free(p);
}

static void test_user_namespace(void) {
        OciIdMapping one = { 0, 100000, 65536 }, two[2] = { { 0, 100000, 1000 }, { 1000, 200000, 1000 } },
                     shifted = { 1000, 100000, 65536 }, other = { 0, 300000, 65536 };
        OciConfig c = base();
        Plan *p;

        c.linux.namespaces[OCI_NS_USER].present = true;
        c.linux.uid_mappings = &one;
        c.linux.n_uid_mappings = 1;
        c.linux.gid_mappings = &one;
        c.linux.n_gid_mappings = 1;
        p = build(&c, &ctx_systemd);
        tap_ok(p && has(p->nspawn_argv, "--private-users=100000:65536") &&
                       has(p->nspawn_argv, "--private-users-ownership=off") && p->join_ns[OCI_NS_USER] &&
                       !p->rejected,
               "one range from 0: --private-users=100000:65536");
        plan_free(p);

        c.linux.uid_mappings = two;
        c.linux.n_uid_mappings = 2;
        p = build(&c, &ctx_systemd);
        is_entry(p, "linux.namespaces.user", PLAN_FATE_NATIVE,
                 "a new namespace, made by the native builder: linux.uidMappings, linux.gidMappings: "
                 "systemd-nspawn maps exactly one range of ids (got 2 uid and 1 gid ranges)");
        is_entry(p, "linux.uidMappings", PLAN_FATE_NATIVE,
                 "uid_map 0:100000:1000 1000:200000:1000, written from the host");
        tap_ok(p && p->builder == PLAN_BUILDER_NATIVE && !p->rejected && p->join_ns[OCI_NS_USER] &&
                       streq(p->builder_reason, "linux.uidMappings has 2 ranges"),
               "two uid ranges: the native builder, and why");
        plan_free(p);

        PlanContext forced = ctx_systemd;
        forced.builder = PLAN_BUILDER_NSPAWN;
        p = build(&c, &forced);
        tap_ok(p && p->rejected && p->builder == PLAN_BUILDER_NSPAWN, "two uid ranges, --builder=nspawn: rejected");
        tap_ok(p && plan_first_rejection(p) &&
                       startswith(plan_first_rejection(p)->detail,
                                  "linux.namespaces.user: only the native builder can do this, and --builder=nspawn"),
               "its message");
        plan_free(p);

        c.linux.uid_mappings = &shifted;
        c.linux.n_uid_mappings = 1;
        p = build(&c, &ctx_systemd);
        tap_ok(p && p->builder == PLAN_BUILDER_NATIVE && !p->rejected &&
                       streq(p->builder_reason, "linux.uidMappings starts at container id 1000"),
               "a uid range from 1000: the native builder");
        plan_free(p);

        c.linux.uid_mappings = &one;
        c.linux.gid_mappings = &other;
        p = build(&c, &ctx_systemd);
        tap_ok(p && p->builder == PLAN_BUILDER_NATIVE && !p->rejected &&
                       streq(p->builder_reason, "linux.uidMappings and linux.gidMappings differ"),
               "different uid and gid maps: the native builder");
        plan_free(p);

        c.linux.gid_mappings = &one;
        c.linux.n_gid_mappings = 0;
        p = build(&c, &ctx_systemd);
        tap_ok(p && p->rejected, "no gid map: rejected");
        plan_free(p);

        c.linux.n_gid_mappings = 1;
        c.linux.namespaces[OCI_NS_USER].path = (char *) "/proc/1/ns/user";
        p = build(&c, &ctx_systemd);
        tap_ok(p && !p->rejected && p->builder == PLAN_BUILDER_NATIVE &&
                       !has(p->nspawn_argv, "--private-users=100000:65536"),
               "user by path: the native builder");
        plan_free(p);

        c.linux.namespaces[OCI_NS_USER].path = NULL;
        c.n_annotations = 1;
        c.annotations = (OciKeyValue[]) { { (char *) PLAN_BUILDER_ANNOTATION, (char *) "native" } };
        p = build(&c, &ctx_systemd);
        tap_ok(p && !p->rejected && p->builder == PLAN_BUILDER_NATIVE &&
                       streq(p->builder_reason, "annotation " PLAN_BUILDER_ANNOTATION "=native"),
               "the annotation forces the native builder");
        plan_free(p);
        c.annotations[0].value = (char *) "other";
        p = build(&c, &ctx_systemd);
        tap_ok(p && p->rejected, "an unknown builder in the annotation: rejected");
        plan_free(p);
}

static void test_names(void) {
        OciConfig c = base();
        Plan *p;

        c.hostname = (char *) "box";
        c.domainname = (char *) "example.org";
        p = build(&c, &ctx_systemd);
        tap_ok(p && has(p->nspawn_argv, "--hostname=box"), "hostname → --hostname=");
        tap_ok(find_step(p, PLAN_STEP_DOMAINNAME, NULL) &&
                       streq(find_step(p, PLAN_STEP_DOMAINNAME, NULL)->value, "example.org"),
               "domainname → a post step");
        plan_free(p);

        c.linux.namespaces[OCI_NS_UTS].path = (char *) "/var/run/utsns/x";
        p = build(&c, &ctx_systemd);
        tap_ok(p && !has(p->nspawn_argv, "--hostname=box") && find_step(p, PLAN_STEP_HOSTNAME, NULL),
               "uts joined by path: the hostname is set in it, as runc does");
        plan_free(p);

        c.linux.namespaces[OCI_NS_UTS].present = false;
        c.linux.namespaces[OCI_NS_UTS].path = NULL;
        c.domainname = NULL;
        p = build(&c, &ctx_systemd);
        is_entry(p, "hostname", PLAN_FATE_REJECTED,
                 "hostname: unable to set hostname without a private UTS namespace");
        plan_free(p);
}

static void test_mounts(void) {
        char *proc_opts[] = { (char *) "nosuid", (char *) "noexec", (char *) "nodev", NULL };
        char *shm_opts[] = { (char *) "bind", (char *) "rprivate", (char *) "nosuid", (char *) "noexec",
                             (char *) "nodev", NULL };
        char *ro_opts[] = { (char *) "ro", (char *) "rprivate", (char *) "rbind", NULL };
        char *tmp_opts[] = { (char *) "rw", (char *) "size=1m", (char *) "mode=1777", (char *) "rprivate",
                             (char *) "nosuid", (char *) "nodev", (char *) "tmpcopyup", NULL };
        char *shared_opts[] = { (char *) "rbind", (char *) "rshared", NULL };
        OciMount m[] = {
                { .destination = (char *) "/proc", .type = (char *) "proc", .source = (char *) "proc",
                  .options = proc_opts },
                { .destination = (char *) "/dev/shm", .type = (char *) "bind", .source = (char *) "/srv/shm",
                  .options = shm_opts },
                { .destination = (char *) "/data", .type = (char *) "bind", .source = (char *) "/srv/a:b",
                  .options = ro_opts },
                { .destination = (char *) "/scratch", .type = (char *) "tmpfs", .source = (char *) "tmpfs",
                  .options = tmp_opts },
                { .destination = (char *) "/tmp", .type = (char *) "tmpfs", .source = (char *) "tmpfs" },
                { .destination = (char *) "/mq", .type = (char *) "mqueue", .source = (char *) "mqueue" },
                { .destination = (char *) "/o", .type = (char *) "overlay", .source = (char *) "overlay" },
                { .destination = (char *) "/s", .source = (char *) "/srv/s", .options = shared_opts },
                { .destination = (char *) "rel", .type = (char *) "bind", .source = (char *) "/x" },
                { .destination = (char *) "/run", .type = (char *) "tmpfs", .source = (char *) "tmpfs",
                  .options = tmp_opts },
        };
        OciConfig c = base();
        const PlanStep *s;
        Plan *p;

        c.mounts = m;
        c.n_mounts = ELEMENTSOF(m);
        p = build(&c, &ctx_systemd);
        is_entry(p, "mounts[0]", PLAN_FATE_POST,
                 "proc on /proc: systemd-nspawn's own, attached again in the config's order");
        tap_ok(p && p->n_steps > 1 && p->steps[0].type == PLAN_STEP_REATTACH &&
                       streq(p->steps[0].path, "/proc") && p->steps[1].type == PLAN_STEP_REATTACH &&
                       streq(p->steps[1].path, "/dev/shm"),
               "the mounts are attached again first, in the config's order");
        is_entry(p, "mounts[1]", PLAN_FATE_NSPAWN,
                 "--bind=/srv/shm:/dev/shm:norbind; remount nosuid,noexec,nodev; rprivate ignored: nspawn's "
                 "mounts do not propagate to or from the host");
        s = find_step(p, PLAN_STEP_REMOUNT, "/dev/shm");
        tap_ok(s && s->flags == (MS_NOSUID | MS_NOEXEC | MS_NODEV),
               "/dev/shm: remounted nosuid,noexec,nodev");
        tap_ok(p && has(p->nspawn_argv, "--bind-ro=/srv/a\\:b:/data"), "ro rbind, ':' escaped");
        is_entry(p, "mounts[3]", PLAN_FATE_NSPAWN,
                 "--tmpfs=/scratch:size=1m,mode=1777; remount nosuid,nodev; tmpcopyup ignored by "
                 "systemd-nspawn (the native builder copies the image's files up); rprivate ignored: nspawn's "
                 "mounts do not propagate to or from the host");
        tap_ok(p && has(p->nspawn_argv, "--tmpfs=/tmp:mode=1777"),
               "a tmpfs without mode gets the kernel's 1777");
        is_entry(p, "mounts[5]", PLAN_FATE_UNHANDLED, "not handled yet: mount type \"mqueue\" on /mq");
        is_entry(p, "mounts[6]", PLAN_FATE_UNHANDLED, "not handled yet: mount type \"overlay\" on /o");
        is_entry(p, "mounts[7]", PLAN_FATE_UNHANDLED,
                 "--bind=/srv/s:/s; not handled yet: rshared propagation");
        is_entry(p, "mounts[8]", PLAN_FATE_REJECTED,
                 "mounts[8].destination: \"rel\" must be an absolute path without \"..\"");
        is_entry(p, "mounts[9]", PLAN_FATE_NSPAWN,
                 "nspawn's own tmpfs on /run (mode 0755), as a second one there breaks nspawn; remount "
                 "nosuid,nodev; size=1m,mode=1777 not applied; tmpcopyup ignored: the image's files are not "
                 "copied up; rprivate ignored: nspawn's mounts do not propagate to or from the host");
        tap_ok(p && !has(p->nspawn_argv, "--tmpfs=/run:size=1m,mode=1777"), "no second tmpfs on /run");
        s = find_step(p, PLAN_STEP_REMOUNT, "/run");
        tap_ok(s && s->flags == (MS_NOSUID | MS_NODEV), "/run: remounted nosuid,nodev");
        /* the holder's bind comes last, right before "--" */
        tap_ok(p && streq(p->nspawn_argv[strv_length(p->nspawn_argv) - 3],
                          "--bind-ro=/usr/libexec/nspawn-oci/nspawn-oci-init:/run/.nspawn-oci-init"),
               "the holder is bound last");
        plan_free(p);
}

static void test_idmapped_mounts(void) {
        OciIdMapping one = { 0, 100000, 65536 };
        char *idmap_opts[] = { (char *) "rbind", (char *) "idmap", NULL };
        OciMount m[] = {
                { .destination = (char *) "/v", .type = (char *) "bind", .source = (char *) "/srv/v",
                  .options = idmap_opts },
                { .destination = (char *) "/w", .type = (char *) "bind", .source = (char *) "/srv/w",
                  .uid_mappings = &one, .n_uid_mappings = 1, .gid_mappings = &one, .n_gid_mappings = 1 },
                { .destination = (char *) "/t", .type = (char *) "tmpfs", .source = (char *) "tmpfs",
                  .options = idmap_opts + 1 },
        };
        OciConfig c = base();
        Plan *p;

        c.mounts = m;
        c.n_mounts = 2;
        p = build(&c, &ctx_systemd);
        is_entry(p, "mounts[0]", PLAN_FATE_REJECTED,
                 "mounts[0]: \"idmap\" without maps of its own takes the container's, and there are none (no "
                 "user namespace, or one joined by path)");
        is_entry(p, "mounts[1]", PLAN_FATE_NATIVE,
                 "bind /srv/w on /w, id-mapped by the native builder with its own maps");
        plan_free(p);

        c.linux.namespaces[OCI_NS_USER].present = true;
        c.linux.uid_mappings = c.linux.gid_mappings = &one;
        c.linux.n_uid_mappings = c.linux.n_gid_mappings = 1;
        c.n_mounts = 3;
        p = build(&c, &ctx_systemd);
        is_entry(p, "mounts[0]", PLAN_FATE_NATIVE,
                 "bind /srv/v on /v, id-mapped by the native builder with the container's maps");
        tap_ok(p && p->builder == PLAN_BUILDER_NATIVE && streq(p->builder_reason, "mounts[0] is id-mapped"),
               "an id-mapped mount: the native builder, and why");
        is_entry(p, "mounts[2]", PLAN_FATE_REJECTED, "mounts[2]: only a bind mount can be id-mapped");
        plan_free(p);
}

/* CVE-2019-16884: nothing but procfs on or inside /proc, whatever the spelling of the path. */
static void test_mounts_over_proc(void) {
        OciMount m[] = {
                { .destination = (char *) "/proc", .type = (char *) "bind", .source = (char *) "/srv/fake" },
                { .destination = (char *) "/proc", .type = (char *) "tmpfs", .source = (char *) "tmpfs" },
                { .destination = (char *) "//./proc/sys", .type = (char *) "bind", .source = (char *) "/srv/x" },
                { .destination = (char *) "/proc/uptime", .type = (char *) "bind", .source = (char *) "/srv/u" },
                { .destination = (char *) "/procfs", .type = (char *) "tmpfs", .source = (char *) "tmpfs" },
        };
        OciConfig c = base();
        Plan *p;

        c.mounts = m;
        c.n_mounts = ELEMENTSOF(m);
        p = build(&c, &ctx_systemd);
        is_entry(p, "mounts[0]", PLAN_FATE_REJECTED,
                 "mounts[0].destination: \"/proc\": nothing but procfs may be mounted on or inside /proc");
        is_entry(p, "mounts[1]", PLAN_FATE_REJECTED,
                 "mounts[1].destination: \"/proc\": nothing but procfs may be mounted on or inside /proc");
        is_entry(p, "mounts[2]", PLAN_FATE_REJECTED,
                 "mounts[2].destination: \"//./proc/sys\": nothing but procfs may be mounted on or inside "
                 "/proc");
        is_entry(p, "mounts[3]", PLAN_FATE_REJECTED,
                 "mounts[3].destination: \"/proc/uptime\": nothing but procfs may be mounted on or inside "
                 "/proc");
        is_entry(p, "mounts[4]", PLAN_FATE_NSPAWN, "--tmpfs=/procfs:mode=1777");
        plan_free(p);
}

static void test_api_mounts(void) {
        char *sys_rw[] = { (char *) "nosuid", (char *) "noexec", (char *) "nodev", (char *) "rw", NULL };
        char *dev_opts[] = { (char *) "nosuid", (char *) "noexec", (char *) "strictatime", (char *) "mode=755",
                             (char *) "size=65536k", NULL };
        char *pts_opts[] = { (char *) "nosuid", (char *) "noexec", (char *) "newinstance",
                             (char *) "ptmxmode=0666", (char *) "mode=0620", (char *) "gid=5", NULL };
        char *cg_ro[] = { (char *) "rprivate", (char *) "nosuid", (char *) "ro", NULL };
        OciMount m[] = {
                { .destination = (char *) "/sys", .type = (char *) "sysfs", .options = sys_rw },
                { .destination = (char *) "/dev", .type = (char *) "tmpfs", .options = dev_opts },
                { .destination = (char *) "/dev/pts", .type = (char *) "devpts", .options = pts_opts },
                { .destination = (char *) "/sys/fs/cgroup", .type = (char *) "cgroup", .options = cg_ro },
        };
        OciConfig c = base();
        const PlanStep *s;
        Plan *p;

        c.mounts = m;
        c.n_mounts = ELEMENTSOF(m);
        p = build(&c, &ctx_systemd);
        is_entry(p, "mounts[0]", PLAN_FATE_POST,
                 "sysfs on /sys: a new mount over systemd-nspawn's, remounted rw with the mounts below it");
        s = find_step(p, PLAN_STEP_REMOUNT, "/sys");
        tap_ok(s && s->flags == MS_REC && s->clear_flags == MS_RDONLY, "/sys: rw, recursively");
        is_entry(p, "mounts[1]", PLAN_FATE_POST,
                 "tmpfs on /dev: systemd-nspawn's own, attached again in the config's order, remounted noexec "
                 "(not applied: size=65536k)");
        s = find_step(p, PLAN_STEP_REMOUNT, "/dev");
        tap_ok(s && s->flags == MS_NOEXEC && s->clear_flags == 0, "/dev: noexec added, nothing else");
        is_entry(p, "mounts[2]", PLAN_FATE_POST,
                 "devpts on /dev/pts: systemd-nspawn's own, attached again in the config's order");
        tap_ok(!find_step(p, PLAN_STEP_REMOUNT, "/dev/pts"), "/dev/pts as asked: no remount");
        is_entry(p, "mounts[3]", PLAN_FATE_POST,
                 "cgroup on /sys/fs/cgroup: systemd-nspawn's own, attached again in the config's order, "
                 "remounted ro with the mounts below it (not applied: rprivate)");
        s = find_step(p, PLAN_STEP_REMOUNT, "/sys/fs/cgroup");
        tap_ok(s && s->flags == (MS_RDONLY | MS_REC), "/sys/fs/cgroup: ro, recursively");
        plan_free(p);
}

static void test_paths_sysctl_devices(void) {
        char *masked[] = { (char *) "/proc/kcore", NULL }, *ro[] = { (char *) "/proc/sys", NULL };
        char *shm_opts[] = { (char *) "bind", (char *) "nodev", NULL };
        OciMount m = { .destination = (char *) "/dev/shm", .type = (char *) "bind", .source = (char *) "/s",
                       .options = shm_opts };
        OciKeyValue sysctl[] = {
                { (char *) "kernel.shm_rmid_forced", (char *) "1" },
                { (char *) "net.ipv4.ip_default_ttl", (char *) "42" },
                { (char *) "vm.swappiness", (char *) "10" },
        };
        OciDevice dev = { .path = (char *) "/dev/e2ekmsg", .type = 'c', .major = 1, .minor = 11,
                          .file_mode = { true, 020666 }, .uid = { true, 1000 }, .gid = { true, 1000 } };
        OciDeviceRule rules[] = { { .allow = false, .type = 'a', .access = (char *) "rwm" } };
        OciConfig c = base();
        const PlanStep *s;
        Plan *p;

        c.mounts = &m;
        c.n_mounts = 1;
        c.linux.masked_paths = masked;
        c.linux.readonly_paths = ro;
        c.linux.sysctl = sysctl;
        c.linux.n_sysctl = ELEMENTSOF(sysctl);
        c.linux.rootfs_propagation = (char *) "rslave";
        c.linux.devices = &dev;
        c.linux.n_devices = 1;
        c.linux.has_resources = true;
        c.linux.resources.devices = rules;
        c.linux.resources.n_devices = 1;
        p = build(&c, &ctx_systemd);

        tap_ok(p && p->n_steps == 8, "eight post steps");
        if (p && p->n_steps == 8) {
                PlanStepType order[] = {PLAN_STEP_REATTACH, PLAN_STEP_REMOUNT, PLAN_STEP_MKNOD,
                                        PLAN_STEP_PROPAGATION, PLAN_STEP_SYSCTL,  PLAN_STEP_SYSCTL,
                                        PLAN_STEP_READONLY, PLAN_STEP_MASK};
                bool ok = true;
                for (size_t i = 0; i < 8; i++)
                        ok = ok && p->steps[i].type == order[i];
                tap_ok(ok, "steps in runc's order: mounts, remount, mknod, propagation, sysctl, read-only, "
                           "mask");
        } else
                tap_ok(false, "steps in runc's order");
        s = find_step(p, PLAN_STEP_PROPAGATION, "/");
        tap_ok(s && s->flags == (MS_SLAVE | MS_REC), "rslave → MS_SLAVE|MS_REC");
        s = find_step(p, PLAN_STEP_MKNOD, "/dev/e2ekmsg");
        tap_ok(s && s->mode == (S_IFCHR | 0666) && s->dev == makedev(1, 11) && s->uid == 1000 &&
                       s->gid == 1000,
               "mknod c 1:11 0666 1000:1000");
        is_entry(p, "linux.devices[0]", PLAN_FATE_POST,
                 "mknod /dev/e2ekmsg c 1:11 0666 1000:1000");
        is_entry(p, "linux.sysctl.kernel.shm_rmid_forced", PLAN_FATE_POST, "kernel.shm_rmid_forced=1");
        is_entry(p, "linux.sysctl.vm.swappiness", PLAN_FATE_REJECTED,
                 "linux.sysctl: sysctl \"vm.swappiness\" is not in a separate kernel namespace");
        is_entry(p, "linux.maskedPaths[0]", PLAN_FATE_POST, "mask /proc/kcore");
        is_entry(p, "linux.readonlyPaths[0]", PLAN_FATE_POST, "read-only /proc/sys");
        {
                /* the node grants nothing: only the rules do (none of them allows 1:11, kmsg) */
                const UnitProperty *allow = NULL;
                bool granted = false;
                for (size_t i = 0; p && i < p->n_properties; i++)
                        if (streq(p->properties[i].name, "DeviceAllow"))
                                allow = p->properties + i;
                for (size_t i = 0; allow && i < allow->n_pairs; i++)
                        granted = granted || streq(allow->keys[i], "/dev/char/1:11");
                tap_ok(allow && !granted, "the device node is not allowed in the unit by being listed");
        }
        plan_free(p);

        PlanContext plain = ctx_plain();
        p = build(&c, &plain);
        is_entry(p, "linux.devices[0]", PLAN_FATE_POST,
                 "mknod /dev/e2ekmsg c 1:11 0666 1000:1000");
        is_entry(p, "linux.resources.devices[0]", PLAN_FATE_POST,
                 "cgroupfs devices.deny=a *:* rwm (v1), the BPF device program on the container's cgroup "
                 "(v2): every device denied but the default devices and those allowed after it");
        plan_free(p);

        c = base();
        c.linux.namespaces[OCI_NS_NETWORK].present = false;
        c.linux.sysctl = sysctl + 1;
        c.linux.n_sysctl = 1;
        p = build(&c, &ctx_systemd);
        is_entry(p, "linux.sysctl.net.ipv4.ip_default_ttl", PLAN_FATE_REJECTED,
                 "linux.sysctl: sysctl \"net.ipv4.ip_default_ttl\" is not allowed in the host's network "
                 "namespace");
        plan_free(p);
}

static void test_cgroups_path(void) {
        OciConfig c = base();
        PlanContext plain = ctx_plain();
        Plan *p;

        c.linux.cgroups_path = (char *) "machine.slice:libpod:abc";
        p = build(&c, &ctx_systemd);
        tap_is_str(p ? p->unit : NULL, "libpod-abc.scope", "systemd form: prefix-name.scope");
        tap_is_str(p ? p->slice : NULL, "machine.slice", "in the slice");
        plan_free(p);
        p = build(&c, &plain);
        tap_is_str(p ? p->cgroup : NULL, "/machine.slice/libpod-abc.scope", "without systemd: expanded");
        plan_free(p);

        c.linux.cgroups_path = (char *) "kubepods-besteffort-pod1.slice:crio:x";
        p = build(&c, &plain);
        tap_is_str(p ? p->cgroup : NULL,
                   "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/crio-x.scope",
                   "nested slices expand as systemd lays them out");
        plan_free(p);

        c.linux.cgroups_path = (char *) "/libpod_parent/libpod-abc";
        p = build(&c, &ctx_systemd);
        tap_is_str(p ? p->unit : NULL, "nspawn-oci-c1.scope", "cgroupfs form with systemd: our own scope");
        is_entry(p, "linux.cgroupsPath", PLAN_FATE_IGNORED,
                 "the cgroupfs form is not used with systemd: unit nspawn-oci-c1.scope in machine.slice");
        plan_free(p);
        p = build(&c, &plain);
        tap_is_str(p ? p->cgroup : NULL, "/libpod_parent/libpod-abc", "cgroupfs form without systemd");
        plan_free(p);

        c.linux.cgroups_path = (char *) "machine.slice:libpod:abc.slice";
        p = build(&c, &ctx_systemd);
        tap_ok(p && p->rejected, "a slice as the name is rejected");
        plan_free(p);

        c.linux.cgroups_path = (char *) "relative/path";
        p = build(&c, &plain);
        is_entry(p, "linux.cgroupsPath", PLAN_FATE_POST,
                 "cgroupfs /relative/path (relative: from the root of the hierarchy)");
        tap_ok(p && streq(p->cgroup, "/relative/path"), "a relative path: from the root of the hierarchy");
        plan_free(p);

        c.linux.cgroups_path = (char *) "relative/../up";
        p = build(&c, &plain);
        tap_ok(p && p->rejected, "a relative path with \"..\" is rejected");
        plan_free(p);
}

static void test_rejections(void) {
        OciNetDevice nd = { (char *) "eth1", NULL };
        OciConfig c = base();
        Plan *p;

        c.linux.intel_rdt.present = true;
        c.linux.n_net_devices = 1;
        c.linux.net_devices = &nd;
        c.linux.memory_policy.present = true;
        c.linux.mount_label = (char *) "system_u:object_r:container_file_t:s0";
        c.process.command_line = (char *) "cmd.exe";
        p = build(&c, &ctx_systemd);
        is_entry(p, "linux.intelRdt", PLAN_FATE_REJECTED, "linux.intelRdt: Intel RDT is not supported");
        is_entry(p, "linux.netDevices", PLAN_FATE_REJECTED,
                 "linux.netDevices: moving network devices into the container is not supported");
        is_entry(p, "linux.memoryPolicy", PLAN_FATE_REJECTED,
                 "linux.memoryPolicy: NUMA memory policies are not supported");
        tap_ok(find(p, "linux.mountLabel") && find(p, "linux.mountLabel")->fate == PLAN_FATE_IGNORED,
               "mountLabel ignored");
        tap_is_str(p && plan_first_rejection(p) ? plan_first_rejection(p)->field : NULL,
                   "process.commandLine", "the first rejection, in field order");
        plan_free(p);

        c = base();
        c.has_process = false;
        c.root_path = NULL;
        p = build(&c, &ctx_systemd);
        tap_ok(p && p->rejected && find(p, "root.path"), "no root: rejected");
        plan_free(p);

        c = base();
        c.has_process = false;
        p = build(&c, &ctx_systemd);
        tap_ok(p && !p->rejected && find(p, "process") && find(p, "process")->fate == PLAN_FATE_RUNTIME,
               "no process: created (start refuses)");
        plan_free(p);
}

/* The API file systems: nspawn's attached again in the config's order, new ones where nspawn's is of
 * another type (sysfs) or has another source (the engines' "shm"). */
static void test_api_mounts_order(void) {
        char *shm_opts[] = { (char *) "nosuid", (char *) "nodev", (char *) "mode=1777",
                             (char *) "size=65536k", NULL };
        char *sys_opts[] = { (char *) "nosuid", (char *) "ro", NULL };
        OciMount m[] = {
                { .destination = (char *) "/dev", .type = (char *) "tmpfs", .source = (char *) "tmpfs" },
                { .destination = (char *) "/dev/shm", .type = (char *) "tmpfs", .source = (char *) "shm",
                  .options = shm_opts },
                { .destination = (char *) "/sys", .type = (char *) "sysfs", .source = (char *) "sysfs",
                  .options = sys_opts },
        };
        OciConfig c = base();
        Plan *p;

        c.mounts = m;
        c.n_mounts = ELEMENTSOF(m);
        p = build(&c, &ctx_systemd);
        tap_ok(p && p->n_steps >= 3, "three post steps first");
        if (p && p->n_steps >= 3) {
                const PlanStep *s = p->steps;
                tap_ok(s[0].type == PLAN_STEP_REATTACH && streq(s[0].path, "/dev"), "/dev: nspawn's, again");
                tap_ok(s[1].type == PLAN_STEP_MOUNT && streq(s[1].path, "/dev/shm") &&
                               streq(s[1].value, "tmpfs") && streq(s[1].source, "shm") &&
                               streq(s[1].data, "mode=1777,size=65536k") && s[1].flags == (MS_NOSUID | MS_NODEV),
                       "/dev/shm: a new tmpfs named shm, with its size and flags");
                tap_ok(s[2].type == PLAN_STEP_MOUNT && streq(s[2].value, "sysfs") && !s[2].data &&
                               s[2].flags == (MS_NOSUID | MS_RDONLY),
                       "/sys: a new read-only sysfs");
        }
        is_entry(p, "mounts[2]", PLAN_FATE_POST,
                 "sysfs on /sys: a new mount over systemd-nspawn's, remounted ro with the mounts below it");
        char **after = p ? plan_mounts_after_proc(p) : NULL;
        tap_ok(after && strv_length(after) == 0, "no /proc in the config: nothing to attach after it");
        strv_free(after);
        plan_free(p);

        /* with /proc first, as runc's spec has it: what follows it is attached again after the
         * process's own procfs */
        OciMount with_proc[] = {
                { .destination = (char *) "/proc", .type = (char *) "proc", .source = (char *) "proc" },
                m[0], m[1], m[2],
        };
        c.mounts = with_proc;
        c.n_mounts = ELEMENTSOF(with_proc);
        p = build(&c, &ctx_systemd);
        after = p ? plan_mounts_after_proc(p) : NULL;
        tap_ok(after && strv_length(after) == 3 && streq(after[0], "/dev") && streq(after[1], "/dev/shm") &&
                       streq(after[2], "/sys"),
               "/proc first: /dev, /dev/shm and /sys are attached again after it, in order");
        strv_free(after);
        plan_free(p);
}

int main(void) {
        test_machine_names();
        test_base();
        test_unified_host();
        test_namespaces();
        test_user_namespace();
        test_names();
        test_mounts();
        test_idmapped_mounts();
        test_mounts_over_proc();
        test_api_mounts();
        test_api_mounts_order();
        test_paths_sysctl_devices();
        test_cgroups_path();
        test_rejections();
        return tap_done(0);
}
