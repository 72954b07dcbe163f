/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* update's flags → linux.resources, and the sizes they take. */
#include <errno.h>
#include <stdlib.h>

#include "oci/oci-parse.h"
#include "tap.h"
#include "cmd/update.h"

static void test_bytes(void) {
        static const struct {
                const char *in;
                int64_t want;
        } good[] = {
                {"0", 0},
                {"4096", 4096},
                {"-1", -1},
                {"128m", 128 << 20},
                {"128M", 128 << 20},
                {"128MiB", 128 << 20},
                {"128mb", 128 << 20},
                {"1.5g", 3 << 29},
                {"2 k", 2048},
                {"1t", INT64_C(1) << 40},
                {"7b", 7},
        };
        static const char *const bad[] = {"", "m", "-2", "12x", "0x10", "1e3", "128mm", "inf", " 1"};

        for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
                int64_t v = 0;
                int r = update_parse_bytes(good[i].in, &v);
                tap_ok(r == 0 && v == good[i].want, "size \"%s\" = %lld (got %lld, r=%d)", good[i].in,
                       (long long) good[i].want, (long long) v, r);
        }
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                int64_t v;
                tap_ok(update_parse_bytes(bad[i], &v) < 0, "size \"%s\" is refused", bad[i]);
        }
}

static void test_flags(void) {
        UpdateOptions o = {
                .memory = "64m",
                .memory_swap = "-1",
                .memory_reservation = "32m",
                .cpu_shares = "512",
                .cpu_quota = "-1",
                .cpu_period = "50000",
                .cpuset_cpus = "0-1",
                .cpuset_mems = "0",
                .pids_limit = "20",
                .blkio_weight = "300",
        };
        OciResources r = {};
        char *error = NULL;

        tap_ok(update_options_any(&o), "flags are seen");
        tap_is_int(update_resources_from_options(&o, &r, &error), 0, "every flag parses");
        tap_ok(r.memory.present && r.memory.limit.set && r.memory.limit.v == 64 << 20, "--memory");
        tap_ok(r.memory.swap.set && r.memory.swap.v == -1, "--memory-swap -1: unlimited");
        tap_ok(r.memory.reservation.set && r.memory.reservation.v == 32 << 20, "--memory-reservation");
        tap_ok(r.cpu.present && r.cpu.shares.set && r.cpu.shares.v == 512, "--cpu-shares");
        tap_ok(r.cpu.quota.set && r.cpu.quota.v == -1, "--cpu-quota -1");
        tap_ok(r.cpu.period.set && r.cpu.period.v == 50000, "--cpu-period");
        tap_is_str(r.cpu.cpus, "0-1", "--cpuset-cpus");
        tap_is_str(r.cpu.mems, "0", "--cpuset-mems");
        tap_ok(r.pids.present && r.pids.limit == 20, "--pids-limit");
        tap_ok(r.block_io.present && r.block_io.weight.set && r.block_io.weight.v == 300, "--blkio-weight");
        oci_resources_done(&r);

        /* runc: 0 leaves the pids limit and the blkio weight alone */
        UpdateOptions zero = {.pids_limit = "0", .blkio_weight = "0"};
        r = (OciResources){};
        tap_is_int(update_resources_from_options(&zero, &r, &error), 0, "zeros parse");
        tap_ok(!r.pids.present && !r.block_io.present, "--pids-limit 0 and --blkio-weight 0 change nothing");

        UpdateOptions none = {};
        tap_ok(!update_options_any(&none), "no flags");
}

static void test_flags_over_file(void) {
        static const char json[] = "{\"memory\":{\"limit\":134217728,\"swap\":268435456},"
                                   "\"cpu\":{\"shares\":1024,\"quota\":100000,\"period\":100000},"
                                   "\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}";
        OciResources *r = NULL;
        char *error = NULL;
        UpdateOptions o = {.cpu_quota = "25000"};

        tap_is_int(oci_parse_resources(json, sizeof json - 1, "resources", &r, &error), 0,
                   "podman's file parses");
        tap_is_int(update_resources_from_options(&o, r, &error), 0, "a flag over the file");
        tap_ok(r->cpu.quota.v == 25000 && r->cpu.shares.v == 1024 && r->memory.limit.v == 134217728,
               "the flag replaces its field, the file's others stay");
        tap_ok(update_drop_unchangeable(r) && r->n_devices == 0 && !r->devices, "device rules are dropped");
        tap_ok(!update_drop_unchangeable(r), "nothing more to drop");
        oci_resources_free(r);
}

static void test_errors(void) {
        static const struct {
                UpdateOptions o;
                const char *flag;
        } bad[] = {
                {{.memory = "lots"}, "--memory:"},
                {{.memory_swap = "1q"}, "--memory-swap:"},
                {{.memory_reservation = ""}, "--memory-reservation:"},
                {{.cpu_shares = "-5"}, "--cpu-shares:"},
                {{.cpu_period = "abc"}, "--cpu-period:"},
                {{.cpu_quota = "1.5"}, "--cpu-quota:"},
                {{.cpuset_cpus = ""}, "--cpuset-cpus:"},
                {{.pids_limit = "ten"}, "--pids-limit:"},
                {{.blkio_weight = "5"}, "--blkio-weight:"},
                {{.blkio_weight = "1001"}, "--blkio-weight:"},
        };

        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                OciResources r = {};
                char *error = NULL;
                int k = update_resources_from_options(&bad[i].o, &r, &error);
                tap_ok(k == -EINVAL && error && strncmp(error, bad[i].flag, strlen(bad[i].flag)) == 0,
                       "%s refused, naming the flag: %s", bad[i].flag, error ? error : "(no message)");
                free(error);
                oci_resources_done(&r);
        }
}

/* What the container has after an update: the fields given replace, the others stay. */
static void test_merge(void) {
        OciResources had = {}, upd = {};

        had.memory.present = true;
        had.memory.limit = (OciOptInt) { true, 64 << 20 };
        had.memory.swap = (OciOptInt) { true, 64 << 20 };
        had.cpu.present = true;
        had.cpu.shares = (OciOptUint) { true, 512 };
        had.cpu.cpus = strdup("0-1");
        had.pids = (typeof(had.pids)) { true, 100 };

        upd.memory.present = true;
        upd.memory.swap = (OciOptInt) { true, 128 << 20 };
        upd.cpu.present = true;
        upd.cpu.cpus = strdup("1");
        tap_is_int(update_merge_resources(&had, &upd), 0, "merged");
        tap_is_int(had.memory.limit.v, 64 << 20, "the memory limit stays");
        tap_is_int(had.memory.swap.v, 128 << 20, "the swap limit is the new one");
        tap_is_int(had.cpu.shares.v, 512, "cpu shares stay");
        tap_is_str(had.cpu.cpus, "1", "cpus are the new ones");
        tap_ok(had.pids.present && had.pids.limit == 100, "pids stay");
        oci_resources_done(&had);
        oci_resources_done(&upd);
}

int main(void) {
        test_bytes();
        test_merge();
        test_flags();
        test_flags_over_file();
        test_errors();
        return tap_done(0);
}
