/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup.c against a directory standing in for /sys/fs/cgroup and another for /proc, laid out as a
 * cgroup v1 host (name=systemd, the controllers, a unified hierarchy below). Plain directories do not
 * make files by themselves, so the test makes the cgroup files the code is to write. No privilege. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/cgroup.h"
#include "base/log.h"
#include "tap.h"
#include "base/util.h"

static char top[] = "/tmp/test-cgroup-XXXXXX";
static char fs[PATH_MAX], proc[PATH_MAX];

/* Makes TOP/fs/REL (a file, with content; a directory when content is NULL), and its directories. */
static void make(const char *rel, const char *content) {
        _cleanup_free_ char *p = strjoin(fs, "/", rel);
        char *slash;

        if (!p)
                abort();
        if (!content) {
                if (mkdir_p(p, 0755) < 0)
                        abort();
                return;
        }
        slash = strrchr(p, '/');
        *slash = 0;
        if (mkdir_p(p, 0755) < 0)
                abort();
        *slash = '/';
        if (write_file_atomic(p, content, strlen(content), 0644) < 0)
                abort();
}

static char *slurp(const char *rel) {
        _cleanup_free_ char *p = strjoin(fs, "/", rel);
        char *s = NULL;

        if (!p || read_full_file(p, &s, NULL) < 0)
                return NULL;
        return s;
}

static bool exists(const char *rel) {
        _cleanup_free_ char *p = strjoin(fs, "/", rel);
        return p && access(p, F_OK) == 0;
}

/* TOP/proc/PID/cgroup */
static void place(pid_t pid, const char *lines) {
        char dir[PATH_MAX + 32], file[PATH_MAX + 64];

        snprintf(dir, sizeof(dir), "%s/%d", proc, (int) pid);
        snprintf(file, sizeof(file), "%s/cgroup", dir);
        if (mkdir_p(dir, 0755) < 0 || write_file_atomic(file, lines, strlen(lines), 0644) < 0)
                abort();
}

#define BOX_PID 4242         /* a process in the container's cgroups, /box in every hierarchy */
#define ROOT_PID 4343        /* a process at the root of pids and devices, like a holder on a host
                              * whose systemd manages neither controller */
#define HOST_PID 4444        /* a process in the machine's root cgroup */

static void test_paths(void) {
        _cleanup_free_ char *p = NULL, *q = NULL, *u = NULL;

        tap_ok(!cgroup_unified(), "a directory that is no cgroup2 mount: not the unified layout");
        tap_ok(cgroup_controller_path(BOX_PID, "memory", &p) == 0 && streq(p, "/box"), "memory: /box");
        tap_ok(cgroup_controller_path(BOX_PID, "cpuacct", &q) == 0 && streq(q, "/box/acct"),
               "a co-mounted controller is found in its line (cpu,cpuacct)");
        tap_ok(cgroup_controller_path(BOX_PID, "", &u) == 0 && streq(u, "/box/payload"),
               "\"\": the unified hierarchy's line");
        tap_is_int(cgroup_controller_path(BOX_PID, "blkio", &(char *) { NULL }), -ENOENT,
                   "a controller the process is in no hierarchy of: -ENOENT");
        tap_is_int(cgroup_controller_path(999999, "memory", &(char *) { NULL }), -ENOENT,
                   "a process that is not there: -ENOENT");
}

static void test_writes(void) {
        CgroupWrite w[] = {
                { .controller = (char *) "memory", .file = (char *) "memory.limit_in_bytes",
                  .value = (char *) "1048576" },
                { .controller = (char *) "cpu", .file = (char *) "cpu.shares", .value = (char *) "512" },
                { .controller = (char *) "", .file = (char *) "memory.max", .value = (char *) "2097152" },
        };
        CgroupWrite pids = { .controller = (char *) "pids", .file = (char *) "pids.max",
                             .value = (char *) "10" };
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL;

        make("memory/box/memory.limit_in_bytes", "");
        make("cpu,cpuacct/box/acct/cpu.shares", "");
        make("unified/box/payload/memory.max", "");
        make("pids/pids.max", "max");
        tap_is_int(cgroup_apply_writes(BOX_PID, w, ELEMENTSOF(w)), 0, "cgroup_apply_writes()");
        tap_is_str(a = slurp("memory/box/memory.limit_in_bytes"), "1048576", "into the memory hierarchy");
        tap_is_str(b = slurp("cpu,cpuacct/box/acct/cpu.shares"), "512",
                   "\"cpu\" into the hierarchy it shares with cpuacct");
        tap_is_str(c = slurp("unified/box/payload/memory.max"), "2097152", "\"\" into the unified one");

        /* a limit at a hierarchy's root would bind the whole machine */
        tap_is_int(cgroup_apply_writes(ROOT_PID, &pids, 1), 0,
                   "a write for a cgroup at the root is skipped");
        tap_is_str(d = slurp("pids/pids.max"), "max", "… and the root's file is left alone");

        tap_ok(cgroup_apply_writes(BOX_PID, &pids, 1) < 0, "a cgroup file that is not there is an error");
}

static void test_pids(void) {
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;

        make("systemd/box/cgroup.procs", "10\n20\nnot-a-pid\n30\n");
        make("unified/other/cgroup.procs", "40\n");
        tap_ok(cgroup_pids("/box", &pids, &n) == 0 && n == 3 && pids[0] == 10 && pids[1] == 20 &&
                       pids[2] == 30,
               "cgroup_pids(): the name=systemd hierarchy's cgroup.procs, numbers only");
        pids = mfree(pids);
        tap_ok(cgroup_pids("/other", &pids, &n) == 0 && n == 1 && pids[0] == 40,
               "… else the unified hierarchy's");
        pids = mfree(pids);
        tap_is_int(cgroup_pids("/gone", &pids, &n), -ENOENT, "a cgroup in no hierarchy: -ENOENT");
}

static void test_enter_and_remove(void) {
        _cleanup_free_ char *m = NULL, *s = NULL;

        make("memory/box/cgroup.procs", "");
        make("systemd/box/cgroup.procs", "");
        tap_is_int(cgroup_enter_like(BOX_PID, 77), 0,
                   "cgroup_enter_like(): hierarchies without cgroup.procs are left out");
        tap_is_str(m = slurp("memory/box/cgroup.procs"), "77\n",
                   "the pid goes where the other one is: memory");
        tap_is_str(s = slurp("systemd/box/cgroup.procs"), "77\n", "… and name=systemd");

        /* our own /proc/self/cgroup stands in for the creator's: its cgroups are /box */
        make("memory/box/sub/deeper", NULL);
        make("systemd/box/sub", NULL);
        make("unified/box/payload/sub", NULL);
        tap_is_int(cgroup_remove("/box/sub"), 0, "cgroup_remove()");
        tap_ok(!exists("memory/box/sub") && !exists("systemd/box/sub") && exists("memory/box"),
               "the cgroup and the ones in it are gone in every hierarchy, its parent is not");
        tap_is_int(cgroup_remove("/"), 0, "cgroup_remove(\"/\") does nothing");
        tap_ok(exists("memory/box"), "… indeed");
}

static void test_v1_own(void) {
        tap_is_int(cgroup_v1_at_root(BOX_PID, "devices"), 0,
                   "cgroup_v1_at_root(): a devices cgroup of its own");
        tap_is_int(cgroup_v1_at_root(ROOT_PID, "devices"), 1, "… and one at the hierarchy's root");
        tap_is_int(cgroup_v1_at_root(BOX_PID, "blkio"), -ENOENT, "… and no such hierarchy");

        tap_is_int(cgroup_v1_enter_own(ROOT_PID, "devices", "/"), -EINVAL,
                   "cgroup_v1_enter_own() never at /");
        tap_ok(cgroup_v1_enter_own(ROOT_PID, "devices", "/machine.slice/c.scope") < 0,
               "a cgroup whose cgroup.procs does not take the pid is an error");
        tap_ok(!exists("devices/machine.slice"), "… and leaves nothing behind");

        make("devices/machine.slice/c.scope", NULL);
        make("devices/machine.slice/other.scope", NULL);
        tap_is_int(cgroup_v1_remove("devices", "/machine.slice/c.scope"), 0, "cgroup_v1_remove()");
        tap_ok(!exists("devices/machine.slice/c.scope") && exists("devices/machine.slice"),
               "the cgroup goes, a parent that holds another stays");
        tap_is_int(cgroup_v1_remove("devices", "/machine.slice/other.scope"), 0, "the other one");
        tap_ok(!exists("devices/machine.slice") && exists("devices"), "then the empty parent goes too");
}

static void test_freeze(void) {
        _cleanup_free_ char *v = NULL;

        make("freezer/box/freezer.state", "THAWED");
        tap_ok(!cgroup_frozen(BOX_PID), "v1 freezer: THAWED is not frozen");
        tap_is_int(cgroup_freeze(BOX_PID, true), 0, "cgroup_freeze()");
        tap_is_str(v = slurp("freezer/box/freezer.state"), "FROZEN", "FROZEN written to freezer.state");
        tap_ok(cgroup_frozen(BOX_PID), "… which reads as frozen");
        tap_is_int(cgroup_freeze(BOX_PID, false), 0, "and thawed again");
        tap_ok(!cgroup_frozen(BOX_PID), "… which reads as not frozen");

        /* no freezer cgroup of its own: cgroup.freeze in the unified hierarchy, its state in
         * cgroup.events */
        make("unified/rootbox/cgroup.freeze", "0");
        make("unified/rootbox/cgroup.events", "populated 1\nfrozen 1\n");
        tap_ok(cgroup_frozen(ROOT_PID), "v2: \"frozen 1\" in cgroup.events is frozen");
        tap_is_int(cgroup_freeze(ROOT_PID, true), 0, "cgroup_freeze() returns once cgroup.events says so");
        v = mfree(v);
        tap_is_str(v = slurp("unified/rootbox/cgroup.freeze"), "1", "1 written to cgroup.freeze");
}

static void test_mirror(void) {
        OciResources res = {
                .memory = { .present = true, .limit = { .set = true, .v = 1048576 } },
                .pids = { .present = true, .limit = 10 },
        };
        _cleanup_free_ char *m = NULL, *p = NULL, *sub = NULL;

        /* plain files are not truncated by a write as cgroup files are: they start empty */
        make("unified/box/cgroup.controllers", "pids\n");
        make("unified/box/cgroup.subtree_control", "");
        make("unified/box/payload/memory.max", "");
        make("unified/box/payload/pids.max", "");
        tap_is_int(cgroup_v2_mirror_limits(BOX_PID, &res), 0, "cgroup_v2_mirror_limits()");
        tap_is_str(m = slurp("unified/box/payload/memory.max"), "1048576",
                   "memory.max in the holder's cgroup");
        tap_is_str(p = slurp("unified/box/payload/pids.max"), "10", "pids.max");
        tap_is_str(sub = slurp("unified/box/cgroup.subtree_control"), "+pids",
                   "the parent's controllers enabled in it");
        tap_is_int(cgroup_v2_mirror_limits(HOST_PID, &res), -EPERM, "never into the machine's root cgroup");
}

int main(void) {
        char cmd[PATH_MAX + 16];

        if (!mkdtemp(top)) {
                tap_ok(false, "a scratch directory");
                return tap_done(0);
        }
        snprintf(fs, sizeof(fs), "%s/fs", top);
        snprintf(proc, sizeof(proc), "%s/proc", top);
        log_set_max_level(LOG_DEBUG);

        static const char * const hierarchies[] = {
                "systemd", "memory", "cpu,cpuacct", "pids", "devices", "freezer", "unified",
        };
        for (size_t i = 0; i < ELEMENTSOF(hierarchies); i++)
                make(hierarchies[i], NULL);
        place(BOX_PID, "9:name=systemd:/box\n"
                       "8:pids:/box\n"
                       "7:devices:/box\n"
                       "6:freezer:/box\n"
                       "5:memory:/box\n"
                       "4:cpu,cpuacct:/box/acct\n"
                       "0::/box/payload\n");
        place(ROOT_PID, "9:name=systemd:/rootbox\n"
                        "8:pids:/\n"
                        "7:devices:/\n"
                        "6:freezer:/\n"
                        "0::/rootbox\n");
        place(HOST_PID, "0::/\n");
        place(getpid(), "9:name=systemd:/box\n5:memory:/box\n0::/box/payload\n");
        cgroup_set_roots(fs, proc);

        test_paths();
        test_writes();
        test_pids();
        test_enter_and_remove();
        test_v1_own();
        test_freeze();
        test_mirror();

        cgroup_set_roots(NULL, NULL);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
        (void) system(cmd);
        return tap_done(0);
}
