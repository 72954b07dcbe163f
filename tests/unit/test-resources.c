/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.resources → unit properties and cgroupfs writes, with exact numbers. Pure; no privilege. */
#include <inttypes.h>

#include "plan/resources.h"
#include "tap.h"
#include "base/util.h"

typedef struct Out {
        UnitProperty *props;
        size_t n_props;
        PlanEntry *entries;
        size_t n_entries;
} Out;

static void out_done(Out *o) {
        for (size_t i = 0; i < o->n_props; i++)
                unit_property_done(o->props + i);
        free(o->props);
        plan_entries_free(o->entries, o->n_entries);
        *o = (Out) {};
}

static Out convert(const OciResources *r) {
        Out o = {};
        int k = resources_to_properties(r, "linux.resources", &o.props, &o.n_props, &o.entries,
                                        &o.n_entries);
        if (k < 0)
                tap_diag("resources_to_properties: %s", strerror(-k));
        return o;
}

static const UnitProperty *prop(const Out *o, const char *name) {
        for (size_t i = 0; i < o->n_props; i++)
                if (streq(o->props[i].name, name))
                        return o->props + i;
        return NULL;
}

/* The properties but DevicePolicy= and DeviceAllow=, which every container's rules give (without rules:
 * every device denied but the defaults). */
static size_t n_props_but_devices(const Out *o) {
        size_t n = 0;
        for (size_t i = 0; i < o->n_props; i++)
                if (!startswith(o->props[i].name, "Device"))
                        n++;
        return n;
}

static const PlanEntry *entry(const Out *o, const char *field) {
        for (size_t i = 0; i < o->n_entries; i++)
                if (streq(o->entries[i].field, field))
                        return o->entries + i;
        return NULL;
}

/* the property as text: "MemoryMax=67108864" */
static void is_prop(const Out *o, const char *name, const char *want) {
        const UnitProperty *p = prop(o, name);
        char *s = NULL;

        if (p)
                unit_property_to_string(p, &s);
        tap_is_str(s, want, "%s", want);
        free(s);
}

static void is_entry(const Out *o, const char *field, PlanFate fate, const char *detail) {
        const PlanEntry *e = entry(o, field);
        tap_is_str(e ? plan_fate_to_string(e->fate) : NULL, plan_fate_to_string(fate), "%s: fate", field);
        tap_is_str(e ? e->detail : NULL, detail, "%s: detail", field);
}

static const CgroupWrite *find_write(const CgroupWrite *w, size_t n, const char *file) {
        for (size_t i = 0; i < n; i++)
                if (streq(w[i].file, file))
                        return w + i;
        return NULL;
}

static void is_write(const CgroupWrite *w, size_t n, const char *file, const char *value, const char *what) {
        const CgroupWrite *x = find_write(w, n, file);
        tap_is_str(x ? x->value : NULL, value, "%s: %s", what, file);
}

/* podman run --memory 64m --memory-reservation 32m --cpus 0.5 --cpu-shares 512 --pids-limit 50 */
static OciResources podman_resources(void) {
        OciResources r = {};

        r.memory.present = true;
        r.memory.limit = (OciOptInt) { true, 67108864 };
        r.memory.reservation = (OciOptInt) { true, 33554432 };
        r.memory.swap = (OciOptInt) { true, 134217728 };
        r.cpu.present = true;
        r.cpu.shares = (OciOptUint) { true, 512 };
        r.cpu.quota = (OciOptInt) { true, 50000 };
        r.cpu.period = (OciOptUint) { true, 100000 };
        r.pids.present = true;
        r.pids.limit = 50;
        return r;
}

static void test_numbers(void) {
        OciResources r = podman_resources();
        Out o = convert(&r);

        is_prop(&o, "MemoryMax", "MemoryMax=67108864");
        is_prop(&o, "MemoryLow", "MemoryLow=33554432");
        is_prop(&o, "MemorySwapMax", "MemorySwapMax=67108864");
        is_prop(&o, "CPUWeight", "CPUWeight=20");
        is_prop(&o, "CPUQuotaPerSecUSec", "CPUQuotaPerSecUSec=500000");
        is_prop(&o, "CPUQuotaPeriodUSec", "CPUQuotaPeriodUSec=100000");
        is_prop(&o, "TasksMax", "TasksMax=50");
        is_entry(&o, "linux.resources.memory.limit", PLAN_FATE_UNIT, "MemoryMax=67108864");
        is_entry(&o, "linux.resources.memory.reservation", PLAN_FATE_UNIT,
                 "MemoryLow=33554432 (cgroup v1: cgroupfs memory.soft_limit_in_bytes=33554432)");
        tap_is_int(o.n_entries, 8, "one entry per field, and one for the absent device rules");
        is_entry(&o, "linux.resources.devices", PLAN_FATE_UNIT,
                 "absent: DevicePolicy=strict, no rule denies all devices first: every device is denied but "
                 "the defaults and those the rules allow (as runc), DeviceAllow= the defaults: char-* m, "
                 "block-* m, /dev/null, /dev/zero, /dev/full, /dev/random, /dev/urandom, /dev/tty, "
                 "/dev/ptmx, /dev/pts/*, /dev/net/tun rwm");
        is_prop(&o, "DevicePolicy", "DevicePolicy=strict");
        out_done(&o);

        r.cpu.shares.v = 1024;
        r.cpu.quota.v = 150000;
        r.cpu.period.set = false;
        r.pids.limit = -1;
        r.memory.limit.v = -1;
        r.memory.swap.v = -1;
        r.memory.reservation.set = false;
        o = convert(&r);
        is_prop(&o, "CPUWeight", "CPUWeight=39");
        is_prop(&o, "CPUQuotaPerSecUSec", "CPUQuotaPerSecUSec=1500000");
        tap_ok(!prop(&o, "CPUQuotaPeriodUSec"), "no period property without cpu.period");
        is_prop(&o, "TasksMax", "TasksMax=infinity");
        tap_ok(prop(&o, "TasksMax") && prop(&o, "TasksMax")->u64 == UINT64_MAX, "TasksMax is UINT64_MAX");
        is_prop(&o, "MemoryMax", "MemoryMax=infinity");
        is_prop(&o, "MemorySwapMax", "MemorySwapMax=infinity");
        out_done(&o);

        r = (OciResources) {};
        r.cpu.present = true;
        r.cpu.shares = (OciOptUint) { true, 2 };
        o = convert(&r);
        is_prop(&o, "CPUWeight", "CPUWeight=1");
        out_done(&o);
        r.cpu.shares.v = 262144;
        o = convert(&r);
        is_prop(&o, "CPUWeight", "CPUWeight=10000");
        out_done(&o);
        r.cpu.shares.v = 0;
        r.cpu.quota = (OciOptInt) { true, 0 };
        r.cpu.period = (OciOptUint) { true, 0 };
        o = convert(&r);
        tap_ok(n_props_but_devices(&o) == 0 && o.n_entries == 4 && o.entries[1].fate == PLAN_FATE_IGNORED,
               "CRI-O's zeros mean \"not set\"");
        out_done(&o);
}

static void test_swap(void) {
        OciResources r = {};
        Out o;

        r.memory.present = true;
        r.memory.limit = (OciOptInt) { true, 67108864 };
        r.memory.swap = (OciOptInt) { true, 67108864 };
        o = convert(&r);
        is_prop(&o, "MemorySwapMax", "MemorySwapMax=0");
        out_done(&o);

        r.memory.swap.v = 1000;
        o = convert(&r);
        is_entry(&o, "linux.resources.memory.swap", PLAN_FATE_REJECTED,
                 "linux.resources.memory.swap: memory+swap limit (1000) must be >= the memory limit "
                 "(67108864)");
        out_done(&o);

        r.memory.limit.set = false;
        o = convert(&r);
        is_entry(&o, "linux.resources.memory.swap", PLAN_FATE_REJECTED,
                 "linux.resources.memory.swap: unable to set a swap limit without a memory limit");
        out_done(&o);

        r.memory.kernel = (OciOptInt) { true, 1 };
        r.memory.swap.set = false;
        o = convert(&r);
        is_entry(&o, "linux.resources.memory.kernel", PLAN_FATE_IGNORED, "deprecated, ignored by runc too");
        out_done(&o);
}

static void test_cpu_lists(void) {
        OciResources r = {};
        uint8_t *mask = NULL;
        size_t n = 0;
        Out o;

        tap_ok(resources_parse_cpu_list("0-3,7", &mask, &n) == 0 && n == 1 && mask[0] == 0x8f,
               "0-3,7 → 0x8f");
        free(mask);
        tap_ok(resources_parse_cpu_list("8", &mask, &n) == 0 && n == 2 && mask[0] == 0 && mask[1] == 1,
               "8 → 00 01");
        free(mask);
        tap_ok(resources_parse_cpu_list("0-a", &mask, &n) == -EINVAL, "0-a refused");
        tap_ok(resources_parse_cpu_list("3-1", &mask, &n) == -EINVAL, "3-1 refused");
        tap_ok(resources_parse_cpu_list("1,,2", &mask, &n) == -EINVAL, "1,,2 refused");
        tap_ok(resources_parse_cpu_list("99999", &mask, &n) == -EINVAL, "a huge CPU number refused");

        r.cpu.present = true;
        r.cpu.cpus = (char *) "0-3,7";
        r.cpu.mems = (char *) "0";
        o = convert(&r);
        is_prop(&o, "AllowedCPUs", "AllowedCPUs=0-3,7");
        is_prop(&o, "AllowedMemoryNodes", "AllowedMemoryNodes=0");
        out_done(&o);

        r.cpu.cpus = (char *) "0-x";
        o = convert(&r);
        is_entry(&o, "linux.resources.cpu.cpus", PLAN_FATE_REJECTED,
                 "linux.resources.cpu.cpus: invalid list \"0-x\" (expected numbers and ranges such as "
                 "\"0-3,7\", "
                 "each below 8192)");
        out_done(&o);
}

static void test_block_io(void) {
        OciThrottleDevice t = { 8, 0, 1048576 };
        OciWeightDevice wd = { .major = 8, .minor = 16, .weight = { true, 10 } };
        OciResources r = {};
        Out o;

        r.block_io.present = true;
        r.block_io.weight = (OciOptUint) { true, 500 };
        r.block_io.throttle_read_bps = &t;
        r.block_io.n_throttle_read_bps = 1;
        r.block_io.throttle_write_iops = &t;
        r.block_io.n_throttle_write_iops = 1;
        r.block_io.weight_devices = &wd;
        r.block_io.n_weight_devices = 1;
        o = convert(&r);
        is_prop(&o, "IOWeight", "IOWeight=4950");
        is_prop(&o, "IOReadBandwidthMax", "IOReadBandwidthMax=/dev/block/8:0 1048576");
        is_prop(&o, "IOWriteIOPSMax", "IOWriteIOPSMax=/dev/block/8:0 1048576");
        is_prop(&o, "IODeviceWeight", "IODeviceWeight=/dev/block/8:16 1");
        out_done(&o);

        r.block_io.weight.v = 1000;
        o = convert(&r);
        is_prop(&o, "IOWeight", "IOWeight=10000");
        out_done(&o);
        r.block_io.weight.v = 5;
        o = convert(&r);
        is_entry(&o, "linux.resources.blockIO.weight", PLAN_FATE_REJECTED,
                 "linux.resources.blockIO.weight: 5 is out of range 10-1000");
        out_done(&o);
}

static void test_devices(void) {
        OciDeviceRule deny_all = { .allow = false, .type = 'a', .access = (char *) "rwm" };
        OciDeviceRule null = { .allow = true, .type = 'c', .major = { true, 1 }, .minor = { true, 3 },
                               .access = (char *) "rwm" };
        OciDeviceRule pts = { .allow = true, .type = 'c', .major = { true, 136 }, .access = (char *) "rw" };
        OciDeviceRule deny_null = { .allow = false, .type = 'c', .major = { true, 1 }, .minor = { true, 3 },
                                    .access = (char *) "w" };
        OciDeviceRule allow_all = { .allow = true, .type = 'a', .access = (char *) "rwm" };
        OciDeviceRule rules[4];
        OciResources r = {};
        const UnitProperty *p;
        Out o;

        rules[0] = deny_all;
        rules[1] = null;
        rules[2] = pts;
        r.devices = rules;
        r.n_devices = 3;
        o = convert(&r);
        is_prop(&o, "DevicePolicy", "DevicePolicy=strict");
        p = prop(&o, "DeviceAllow");
        tap_ok(p && p->n_pairs == 13, "11 defaults (2 for mknod) + 2 rules");
        is_prop(&o, "DeviceAllow",
                "DeviceAllow=char-* m, block-* m, /dev/char/1:3 rwm, /dev/char/1:5 rwm, /dev/char/1:7 rwm, "
                "/dev/char/1:8 rwm, /dev/char/1:9 rwm, /dev/char/5:0 rwm, /dev/char/5:2 rwm, char-136 rwm, "
                "/dev/char/10:200 rwm, /dev/char/1:3 rwm, char-136 rw");
        is_entry(&o, "linux.resources.devices[2]", PLAN_FATE_UNIT, "DeviceAllow=char-136 rw");
        out_done(&o);

        rules[3] = deny_null;
        r.n_devices = 4;
        o = convert(&r);
        is_entry(&o, "linux.resources.devices[3]", PLAN_FATE_UNHANDLED,
                 "not handled yet: a deny rule after allow rules cannot be expressed with DeviceAllow=");
        out_done(&o);

        rules[1] = allow_all;
        r.n_devices = 2;
        o = convert(&r);
        is_prop(&o, "DevicePolicy", "DevicePolicy=auto");
        tap_ok(!prop(&o, "DeviceAllow"), "allow all: no DeviceAllow");
        is_entry(&o, "linux.resources.devices[0]", PLAN_FATE_IGNORED,
                 "every device is allowed by the last rules");
        out_done(&o);

        {
                char *name = NULL;
                tap_ok(resources_device_allow_name('b', 8, -1, &name) == 0 && streq(name, "block-8"),
                       "block-8");
                free(name);
                tap_ok(resources_device_allow_name('c', -1, 3, &name) == -EINVAL, "*:3 cannot be expressed");
        }
}

static void test_cgroupfs(void) {
        OciResources r = podman_resources();
        CgroupWrite *w = NULL;
        size_t n = 0;
        PlanEntry *e = NULL;
        size_t ne = 0;

        tap_ok(resources_to_cgroup_writes(&r, false, &w, &n) == 0, "v1 writes");
        is_write(w, n, "memory.limit_in_bytes", "67108864", "v1");
        is_write(w, n, "memory.soft_limit_in_bytes", "33554432", "v1");
        is_write(w, n, "memory.memsw.limit_in_bytes", "134217728", "v1");
        is_write(w, n, "cpu.shares", "512", "v1");
        is_write(w, n, "cpu.cfs_quota_us", "50000", "v1");
        is_write(w, n, "cpu.cfs_period_us", "100000", "v1");
        is_write(w, n, "pids.max", "50", "v1");
        tap_is_str(find_write(w, n, "memory.limit_in_bytes")
                           ? find_write(w, n, "memory.limit_in_bytes")->controller
                           : NULL,
                   "memory", "v1: the controller's hierarchy");
        cgroup_writes_free(w, n);

        tap_ok(resources_to_cgroup_writes(&r, true, &w, &n) == 0, "v2 writes");
        is_write(w, n, "memory.max", "67108864", "v2");
        is_write(w, n, "memory.low", "33554432", "v2");
        is_write(w, n, "memory.swap.max", "67108864", "v2");
        is_write(w, n, "cpu.weight", "20", "v2");
        is_write(w, n, "cpu.max", "50000 100000", "v2");
        tap_is_str(find_write(w, n, "memory.max") ? find_write(w, n, "memory.max")->controller : NULL, "",
                   "v2: one hierarchy");
        cgroup_writes_free(w, n);

        tap_ok(resources_to_cgroup_entries(&r, "linux.resources", &e, &ne) == 0 && ne == 8,
               "cgroupfs entries");
        tap_is_str(ne > 1 ? e[0].detail : NULL,
                   "absent: no rule is for all devices: cgroupfs devices.deny=a *:* rwm (v1), the BPF device "
                   "program (v2): every device is denied but the defaults and those the rules allow (as runc)",
                   "the absent device rules");
        tap_is_str(ne > 1 ? e[1].detail : NULL,
                   "cgroupfs memory.limit_in_bytes=67108864 (v1), memory.max=67108864 (v2)", "its detail");
        plan_entries_free(e, ne);

        /* with systemd, only what no property covers */
        r.memory.swappiness = (OciOptUint) { true, 60 };
        tap_ok(resources_to_post_cgroup_writes(&r, false, &w, &n) == 0, "post writes on v1");
        is_write(w, n, "memory.swappiness", "60", "post v1");
        is_write(w, n, "memory.soft_limit_in_bytes", "33554432", "post v1 (MemoryLow has no effect on v1)");
        tap_ok(!find_write(w, n, "memory.limit_in_bytes") && !find_write(w, n, "pids.max"),
               "MemoryMax and TasksMax are left to systemd");
        cgroup_writes_free(w, n);
        tap_ok(resources_to_post_cgroup_writes(&r, true, &w, &n) == 0 && n == 0,
               "post writes on v2: none (swappiness has no v2 file; properties cover the rest)");
        cgroup_writes_free(w, n);
}

/* Without systemd: what each rule becomes, on v1 and on v2 (the BPF device program). */
static void test_devices_cgroupfs(void) {
        OciDeviceRule allow_kmsg = { .allow = true, .type = 'c', .major = { true, 1 }, .minor = { true, 11 },
                                     .access = (char *) "r" };
        OciDeviceRule deny_all = { .allow = false, .type = 'a', .access = (char *) "rwm" };
        OciDeviceRule allow_all = { .allow = true, .type = 'a', .access = (char *) "rwm" };
        OciDeviceRule deny_kmsg = { .allow = false, .type = 'c', .major = { true, 1 }, .minor = { true, 11 },
                                    .access = (char *) "w" };
        OciDeviceRule rules[3] = { allow_kmsg, deny_all, allow_kmsg };
        OciResources r = { .devices = rules, .n_devices = 3 };
        Out o = {};

        tap_ok(resources_to_cgroup_entries(&r, "linux.resources", &o.entries, &o.n_entries) == 0, "entries");
        is_entry(&o, "linux.resources.devices[0]", PLAN_FATE_POST,
                 "cgroupfs devices.allow=c 1:11 r (v1); overridden by devices[1] on cgroup v2");
        is_entry(&o, "linux.resources.devices[1]", PLAN_FATE_POST,
                 "cgroupfs devices.deny=a *:* rwm (v1), the BPF device program on the container's cgroup "
                 "(v2): every device denied but the default devices and those allowed after it");
        is_entry(&o, "linux.resources.devices[2]", PLAN_FATE_POST,
                 "cgroupfs devices.allow=c 1:11 r (v1), a rule of the BPF device program on the container's "
                 "cgroup (v2)");
        out_done(&o);

        rules[0] = deny_kmsg;
        r.n_devices = 1;
        tap_ok(resources_to_cgroup_entries(&r, "linux.resources", &o.entries, &o.n_entries) == 0, "entries");
        is_entry(&o, "linux.resources.devices[0]", PLAN_FATE_POST,
                 "cgroupfs devices.deny=c 1:11 w (v1), a rule of the BPF device program on the container's "
                 "cgroup (v2; every device is denied before the first rule)");
        out_done(&o);

        rules[0] = allow_all;
        tap_ok(resources_to_cgroup_entries(&r, "linux.resources", &o.entries, &o.n_entries) == 0, "entries");
        is_entry(&o, "linux.resources.devices[0]", PLAN_FATE_POST,
                 "cgroupfs devices.allow=a *:* rwm (v1); every device allowed, no BPF device program (v2)");
        out_done(&o);
}

static void test_no_property(void) {
        OciKeyValue unified = { (char *) "memory.high", (char *) "1000000" };
        OciHugepageLimit huge = { (char *) "2MB", 4194304 };
        OciResources r = {};
        Out o;

        r.unified = &unified;
        r.n_unified = 1;
        r.hugepage_limits = &huge;
        r.n_hugepage_limits = 1;
        r.memory.present = true;
        r.memory.disable_oom_killer = (OciOptBool) { true, true };
        o = convert(&r);
        is_entry(&o, "linux.resources.unified.memory.high", PLAN_FATE_POST,
                 "cgroupfs memory.high=1000000 (v2; nothing on cgroup v1), no systemd 252 property");
        is_entry(&o, "linux.resources.hugepageLimits[0]", PLAN_FATE_POST,
                 "cgroupfs hugetlb.2MB.limit_in_bytes=4194304 (v1), hugetlb.2MB.max=4194304 (v2), no "
                 "systemd 252 "
                 "property");
        is_entry(&o, "linux.resources.memory.disableOOMKiller", PLAN_FATE_POST,
                 "cgroupfs memory.oom_control=1 (v1; nothing on cgroup v2), no systemd 252 property");
        tap_is_int(n_props_but_devices(&o), 0, "no properties but the device rules'");
        out_done(&o);
}

/* No rules: every device denied but the defaults, as runc; an update's absent rules change nothing. */
static void test_devices_absent(void) {
        OciResources r = {};
        CgroupWrite *w = NULL;
        size_t n = 0;
        Out o;

        tap_ok(resources_to_cgroup_writes(&r, false, &w, &n) == 0 && n > 1, "no rules: v1 writes");
        tap_is_str(n > 0 ? w[0].file : NULL, "devices.deny", "no rules: v1 starts with a deny");
        tap_is_str(n > 0 ? w[0].value : NULL, "a *:* rwm", "no rules: of every device");
        tap_is_str(n > 1 ? w[1].file : NULL, "devices.allow", "no rules: then the defaults");
        cgroup_writes_free(w, n);

        o = convert(&r);
        is_prop(&o, "DevicePolicy", "DevicePolicy=strict");
        tap_ok(prop(&o, "DeviceAllow") != NULL, "no rules: DeviceAllow= the defaults");
        out_done(&o);

        r.devices_unchanged = true;
        o = convert(&r);
        tap_ok(o.n_props == 0 && o.n_entries == 0, "an update's absent rules: no property, no entry");
        out_done(&o);
        tap_ok(resources_to_cgroup_writes(&r, false, &w, &n) == 0 && n == 0, "an update's absent rules: no write");
        cgroup_writes_free(w, n);
}

int main(void) {
        test_numbers();
        test_swap();
        test_cpu_lists();
        test_block_io();
        test_devices();
        test_cgroupfs();
        test_devices_cgroupfs();
        test_no_property();
        test_devices_absent();
        return tap_done(0);
}
