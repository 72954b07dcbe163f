/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.resources → systemd unit properties (systemd 252), or cgroupfs file writes without systemd.
 * Pure: no syscalls. One walk over the resources serves every output, so that the plan entries, the
 * unit properties and the cgroupfs writes can never disagree. */
#include <inttypes.h>
#include <stdarg.h>

#include "plan/bpf-devices.h"
#include "oci/default-devices.h"
#include "plan/resources.h"
#include "base/util.h"

/* CPU numbers accepted in cpu.cpus / cpu.mems; systemd's own limit is far above any real machine. */
#define CPU_LIST_MAX 8192

#define CGROUP_WEIGHT_MIN UINT64_C(1)
#define CGROUP_WEIGHT_MAX UINT64_C(10000)
#define BLKIO_WEIGHT_MIN UINT64_C(10)
#define BLKIO_WEIGHT_MAX UINT64_C(1000)

typedef enum ResMode {
        RES_SYSTEMD,    /* unit properties; cgroupfs only for what no property covers */
        RES_CGROUPFS,   /* cgroupfs writes for everything */
} ResMode;

/* Which cgroup versions a unit property takes effect on in systemd 252. */
typedef enum Cover {
        COVER_BOTH,     /* e.g. MemoryMax: memory.limit_in_bytes on v1, memory.max on v2 */
        COVER_V2,       /* e.g. AllowedCPUs: systemd 252 has no cpuset support on cgroup v1 */
} Cover;

typedef struct Res {
        ResMode mode;
        bool unified;
        const char *prefix;
        UnitProperty **props;
        size_t *n_props;
        PlanEntry **entries;
        size_t *n_entries;
        CgroupWrite **writes;
        size_t *n_writes;
} Res;

void cgroup_write_done(CgroupWrite *w) {
        if (!w)
                return;
        free(w->controller);
        free(w->file);
        free(w->value);
        *w = (CgroupWrite) {};
}

void cgroup_writes_free(CgroupWrite *w, size_t n) {
        for (size_t i = 0; i < n; i++)
                cgroup_write_done(w + i);
        free(w);
}

static int res_entryv(Res *w, const char *field, PlanFate fate, const char *fmt, va_list ap) _printf_(4, 0);
static int res_entryv(Res *w, const char *field, PlanFate fate, const char *fmt, va_list ap) {
        _cleanup_free_ char *path = NULL;

        if (!w->entries)
                return 0;
        path = strjoin(w->prefix, ".", field);
        if (!path)
                return -ENOMEM;
        return plan_entry_addv(w->entries, w->n_entries, path, fate, fmt, ap);
}

static int res_entry(Res *w, const char *field, PlanFate fate, const char *fmt, ...) _printf_(4, 5);
static int res_entry(Res *w, const char *field, PlanFate fate, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = res_entryv(w, field, fate, fmt, ap);
        va_end(ap);
        return r;
}

/* The entry of devices[i]. */
static int res_device_entry(Res *w, size_t i, PlanFate fate, const char *fmt, ...) _printf_(4, 5);
static int res_device_entry(Res *w, size_t i, PlanFate fate, const char *fmt, ...) {
        char field[64];
        va_list ap;
        int r;

        snprintf(field, sizeof(field), "devices[%zu]", i);
        va_start(ap, fmt);
        r = res_entryv(w, field, fate, fmt, ap);
        va_end(ap);
        return r;
}

static int res_write(Res *w, const char *controller, const char *file, const char *value) {
        CgroupWrite *a;

        if (!w->writes)
                return 0;
        a = realloc(*w->writes, sizeof(CgroupWrite) * (*w->n_writes + 1));
        if (!a)
                return -ENOMEM;
        *w->writes = a;
        a[*w->n_writes] = (CgroupWrite) {
                /* on the unified hierarchy there is one tree, named by no controller */
                .controller = strdup(w->unified ? "" : controller),
                .file = strdup(file),
                .value = strdup(value),
        };
        if (!a[*w->n_writes].controller || !a[*w->n_writes].file || !a[*w->n_writes].value) {
                cgroup_write_done(a + *w->n_writes);
                return -ENOMEM;
        }
        (*w->n_writes)++;
        return 0;
}

/* Finds the property 'name' or appends an empty one of that type: 1 and *ret set, or 0 when this walk
 * collects no properties. */
static int res_property(Res *w, const char *name, UnitPropertyType type, UnitProperty **ret) {
        UnitProperty *a;

        if (!w->props)
                return 0;
        for (size_t i = 0; i < *w->n_props; i++)
                if (streq((*w->props)[i].name, name)) {
                        *ret = *w->props + i;
                        return 1;
                }
        a = realloc(*w->props, sizeof(UnitProperty) * (*w->n_props + 1));
        if (!a)
                return -ENOMEM;
        *w->props = a;
        a[*w->n_props] = (UnitProperty) { .name = strdup(name), .type = type };
        if (!a[*w->n_props].name)
                return -ENOMEM;
        *ret = a + (*w->n_props)++;
        return 1;
}

static int res_prop_u64(Res *w, const char *name, uint64_t v) {
        UnitProperty *p;
        int r = res_property(w, name, UNIT_PROPERTY_U64, &p);

        if (r > 0)
                p->u64 = v;
        return r < 0 ? r : 0;
}

static int res_prop_string(Res *w, const char *name, const char *v) {
        UnitProperty *p;
        int r = res_property(w, name, UNIT_PROPERTY_STRING, &p);

        if (r <= 0)
                return r;
        free(p->str);
        p->str = strdup(v);
        return p->str ? 0 : -ENOMEM;
}

static int res_prop_bytes(Res *w, const char *name, const uint8_t *bytes, size_t n) {
        UnitProperty *p;
        int r = res_property(w, name, UNIT_PROPERTY_BYTES, &p);

        if (r <= 0)
                return r;
        free(p->bytes);
        p->bytes = memdup(bytes, n);
        if (!p->bytes)
                return -ENOMEM;
        p->n_bytes = n;
        return 0;
}

/* Appends one pair to an a(ss) or a(st) property. */
static int res_prop_pair(Res *w, const char *name, UnitPropertyType type, const char *key, const char *s,
                         uint64_t u) {
        UnitProperty *p;
        char **keys;
        int r = res_property(w, name, type, &p);

        if (r <= 0)
                return r;
        keys = realloc(p->keys, sizeof(char *) * (p->n_pairs + 1));
        if (!keys)
                return -ENOMEM;
        p->keys = keys;
        if (type == UNIT_PROPERTY_PAIRS_SS) {
                char **v = realloc(p->str_values, sizeof(char *) * (p->n_pairs + 1));
                if (!v)
                        return -ENOMEM;
                p->str_values = v;
                v[p->n_pairs] = strdup(s);
                if (!v[p->n_pairs])
                        return -ENOMEM;
        } else {
                uint64_t *v = realloc(p->u64_values, sizeof(uint64_t) * (p->n_pairs + 1));
                if (!v)
                        return -ENOMEM;
                p->u64_values = v;
                v[p->n_pairs] = u;
        }
        keys[p->n_pairs] = strdup(key);
        if (!keys[p->n_pairs]) {
                if (type == UNIT_PROPERTY_PAIRS_SS)
                        free(p->str_values[p->n_pairs]);
                return -ENOMEM;
        }
        p->n_pairs++;
        return 0;
}

static void format_u64(char buf[static 32], uint64_t v) {
        if (v == UINT64_MAX)
                strcpy(buf, "infinity");
        else
                snprintf(buf, 32, "%" PRIu64, v);
}

/* "memory.limit_in_bytes=67108864 (v1), memory.max=67108864 (v2)" */
static char *cgroupfs_detail(const char *v1_file, const char *v1_value, const char *v2_file,
                             const char *v2_value) {
        char *s = NULL;

        if (v1_file && v2_file)
                (void) asprintf_safe(&s, "cgroupfs %s=%s (v1), %s=%s (v2)", v1_file, v1_value, v2_file,
                                     v2_value);
        else if (v1_file)
                (void) asprintf_safe(&s, "cgroupfs %s=%s (v1; nothing on cgroup v2)", v1_file, v1_value);
        else
                (void) asprintf_safe(&s, "cgroupfs %s=%s (v2; nothing on cgroup v1)", v2_file, v2_value);
        return s;
}

static int res_cgroupfs(Res *w, const char *controller, const char *v1_file, const char *v1_value,
                        const char *v2_file, const char *v2_value) {
        if (w->unified)
                return v2_file ? res_write(w, controller, v2_file, v2_value) : 0;
        return v1_file ? res_write(w, controller, v1_file, v1_value) : 0;
}

/* A field with a cgroupfs form and no unit property: a post step with systemd, a write without. */
static int res_emit_cgroupfs(Res *w, const char *field, const char *controller, const char *v1_file,
                             const char *v1_value, const char *v2_file, const char *v2_value) {
        _cleanup_free_ char *d = cgroupfs_detail(v1_file, v1_value, v2_file, v2_value);
        int r;

        if (!d)
                return -ENOMEM;
        r = res_entry(w, field, PLAN_FATE_POST, "%s%s", d,
                      w->mode == RES_SYSTEMD ? ", no systemd 252 property" : "");
        if (r < 0)
                return r;
        return res_cgroupfs(w, controller, v1_file, v1_value, v2_file, v2_value);
}

/* A field with a u64 unit property and its cgroupfs equivalents. */
static int res_emit_u64(Res *w, const char *field, const char *prop, uint64_t v, Cover cover,
                        const char *controller, const char *v1_file, const char *v1_value,
                        const char *v2_file, const char *v2_value) {
        char buf[32];
        int r;

        if (w->mode == RES_CGROUPFS)
                return res_emit_cgroupfs(w, field, controller, v1_file, v1_value, v2_file, v2_value);

        format_u64(buf, v);
        if (cover == COVER_V2 && v1_file)
                r = res_entry(w, field, PLAN_FATE_UNIT, "%s=%s (cgroup v1: cgroupfs %s=%s)", prop, buf,
                              v1_file, v1_value);
        else
                r = res_entry(w, field, PLAN_FATE_UNIT, "%s=%s", prop, buf);
        if (r < 0)
                return r;
        r = res_prop_u64(w, prop, v);
        if (r < 0)
                return r;
        if (cover == COVER_V2 && !w->unified && v1_file)
                return res_write(w, controller, v1_file, v1_value);
        return 0;
}

int resources_parse_cpu_list(const char *s, uint8_t **ret, size_t *ret_n) {
        _cleanup_free_ uint8_t *mask = NULL;
        size_t n = 0;
        const char *p = s;

        if (!s)
                return -EINVAL;
        for (;;) {
                unsigned long a, b;
                char *end;

                while (*p == ' ')
                        p++;
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                a = strtoul(p, &end, 10);
                p = end;
                b = a;
                if (*p == '-') {
                        p++;
                        if (*p < '0' || *p > '9')
                                return -EINVAL;
                        b = strtoul(p, &end, 10);
                        p = end;
                }
                if (a > b || b >= CPU_LIST_MAX)
                        return -EINVAL;
                if (b / 8 + 1 > n) {
                        uint8_t *m = realloc(mask, b / 8 + 1);
                        if (!m)
                                return -ENOMEM;
                        memset(m + n, 0, b / 8 + 1 - n);
                        mask = m;
                        n = b / 8 + 1;
                }
                for (unsigned long i = a; i <= b; i++)
                        mask[i / 8] |= 1u << (i % 8);
                while (*p == ' ')
                        p++;
                if (*p == '\0')
                        break;
                if (*p != ',')
                        return -EINVAL;
                p++;
        }
        *ret = TAKE_PTR(mask);
        *ret_n = n;
        return 0;
}

static int res_cpu_list(Res *w, const char *field, const char *prop, const char *v1_file,
                        const char *v2_file, const char *value) {
        _cleanup_free_ uint8_t *mask = NULL;
        size_t n;
        int r;

        if (isempty(value))
                /* runc and crun skip an empty list: the cpuset is inherited */
                return res_entry(w, field, PLAN_FATE_IGNORED, "empty: the parent's set is kept");
        r = resources_parse_cpu_list(value, &mask, &n);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return res_entry(
                        w, field, PLAN_FATE_REJECTED,
                        "%s.%s: invalid list \"%s\" (expected numbers and ranges such as \"0-3,7\", "
                        "each below %d)",
                        w->prefix, field, value, CPU_LIST_MAX);
        if (w->mode == RES_CGROUPFS)
                return res_emit_cgroupfs(w, field, "cpuset", v1_file, value, v2_file, value);
        r = res_entry(w, field, PLAN_FATE_UNIT, "%s=%s (cgroup v1: cgroupfs %s=%s)", prop, value, v1_file,
                      value);
        if (r < 0)
                return r;
        r = res_prop_bytes(w, prop, mask, n);
        if (r < 0)
                return r;
        return w->unified ? 0 : res_write(w, "cpuset", v1_file, value);
}

/* The OCI memory values: -1 is unlimited, 0 is "not set" (runc and crun skip it). */
static uint64_t memory_value(int64_t v) {
        return v < 0 ? UINT64_MAX : (uint64_t) v;
}

static void memory_string(char buf[static 32], int64_t v, bool unified) {
        if (v < 0)
                strcpy(buf, unified ? "max" : "-1");
        else
                snprintf(buf, 32, "%" PRId64, v);
}

/* OCI's swap is memory+swap (cgroup v1's memsw); systemd and cgroup v2 take swap alone. The same
 * checks and conversion as runc's ConvertMemorySwapToCgroupV2Value(). */
static int memory_swap(Res *w, const OciResources *r) {
        int64_t swap = r->memory.swap.v, limit = r->memory.limit.set ? r->memory.limit.v : 0;
        char v1[32], v2[32];
        uint64_t v;

        if (swap == 0)
                return res_entry(w, "memory.swap", PLAN_FATE_IGNORED, "0: no swap limit is set");
        if (swap > 0 && limit <= 0)
                return res_entry(w, "memory.swap", PLAN_FATE_REJECTED,
                                 "%s.memory.swap: unable to set a swap limit without a memory limit",
                                 w->prefix);
        if (swap > 0 && swap < limit)
                return res_entry(w, "memory.swap", PLAN_FATE_REJECTED,
                                 "%s.memory.swap: memory+swap limit (%" PRId64 ") must be >= the memory "
                                 "limit (%" PRId64 ")",
                                 w->prefix, swap, limit);
        v = swap < 0 ? UINT64_MAX : (uint64_t) (swap - limit);
        memory_string(v1, swap, false);
        if (swap < 0)
                strcpy(v2, "max");
        else
                snprintf(v2, sizeof v2, "%" PRIu64, v);
        return res_emit_u64(w, "memory.swap", "MemorySwapMax", v, COVER_V2, "memory",
                            "memory.memsw.limit_in_bytes", v1, "memory.swap.max", v2);
}

static int memory_swappiness(Res *w, const OciResources *r) {
        char v[32];

        if (r->memory.swappiness.v > 100)
                return res_entry(w, "memory.swappiness", PLAN_FATE_REJECTED,
                                 "%s.memory.swappiness: %" PRIu64 " is out of range 0-100", w->prefix,
                                 r->memory.swappiness.v);
        snprintf(v, sizeof v, "%" PRIu64, r->memory.swappiness.v);
        return res_emit_cgroupfs(w, "memory.swappiness", "memory", "memory.swappiness", v, NULL, NULL);
}

static int memory_oom_killer(Res *w, const OciResources *r) {
        if (!r->memory.disable_oom_killer.v)
                return res_entry(w, "memory.disableOOMKiller", PLAN_FATE_IGNORED,
                                 "false: the kernel default");
        return res_emit_cgroupfs(w, "memory.disableOOMKiller", "memory", "memory.oom_control", "1", NULL,
                                 NULL);
}

/* docker, podman and CRI-O write 0 for "not set" */
static int cpu_shares(Res *w, const OciResources *r) {
        uint64_t shares = r->cpu.shares.v, weight;
        char v1[64], v2[64];

        if (shares == 0)
                return res_entry(w, "cpu.shares", PLAN_FATE_IGNORED, "0: the default weight");
        /* the kernel clamps cpu.shares to 2..262144; runc and crun convert to a weight with the same
         * formula, mapping that range onto 1..10000 */
        shares = shares < 2 ? 2 : shares > 262144 ? 262144 : shares;
        weight = 1 + ((shares - 2) * 9999) / 262142;
        snprintf(v1, sizeof v1, "%" PRIu64, r->cpu.shares.v);
        snprintf(v2, sizeof v2, "%" PRIu64, weight);
        return res_emit_u64(w, "cpu.shares", "CPUWeight", weight, COVER_BOTH, "cpu", "cpu.shares", v1,
                            "cpu.weight", v2);
}

static uint64_t cpu_period(const OciResources *r) {
        return r->cpu.period.set && r->cpu.period.v > 0 ? r->cpu.period.v : 100000;
}

static int cpu_quota(Res *w, const OciResources *r) {
        uint64_t period = cpu_period(r), per_sec;
        char v1[64], v2[64];

        if (r->cpu.quota.v == 0)
                return res_entry(w, "cpu.quota", PLAN_FATE_IGNORED, "0: no quota is set");
        if (r->cpu.quota.v < 0) {
                per_sec = UINT64_MAX;
                strcpy(v1, "-1");
                snprintf(v2, sizeof v2, "max %" PRIu64, period);
        } else {
                /* exact: CPUQuotaPerSecUSec= over D-Bus is not limited to whole percents */
                per_sec = (uint64_t) r->cpu.quota.v * UINT64_C(1000000) / period;
                snprintf(v1, sizeof v1, "%" PRId64, r->cpu.quota.v);
                snprintf(v2, sizeof v2, "%" PRId64 " %" PRIu64, r->cpu.quota.v, period);
        }
        return res_emit_u64(w, "cpu.quota", "CPUQuotaPerSecUSec", per_sec, COVER_BOTH, "cpu",
                            "cpu.cfs_quota_us", v1, "cpu.max", v2);
}

static int cpu_period_field(Res *w, const OciResources *r) {
        uint64_t period = cpu_period(r);
        char v1[64], v2[64];

        if (r->cpu.period.v == 0)
                return res_entry(w, "cpu.period", PLAN_FATE_IGNORED, "0: the default period");
        snprintf(v1, sizeof v1, "%" PRIu64, period);
        if (r->cpu.quota.set && r->cpu.quota.v > 0)
                snprintf(v2, sizeof v2, "%" PRId64 " %" PRIu64, r->cpu.quota.v, period);
        else
                snprintf(v2, sizeof v2, "max %" PRIu64, period);
        return res_emit_u64(w, "cpu.period", "CPUQuotaPeriodUSec", period, COVER_BOTH, "cpu",
                            "cpu.cfs_period_us", v1, "cpu.max", v2);
}

/* blkio weight (10..1000) → io weight (1..10000), linearly, as runc converts it (cgroups'
 * ConvertBlkIOToIOWeightValue): what a container under runc reads in io.weight. */
static uint64_t io_weight(uint64_t w) {
        return CGROUP_WEIGHT_MIN + (w - BLKIO_WEIGHT_MIN) * (CGROUP_WEIGHT_MAX - CGROUP_WEIGHT_MIN) /
                                           (BLKIO_WEIGHT_MAX - BLKIO_WEIGHT_MIN);
}

/* A limit of one block device: a pair of an a(st) unit property, or a line of a cgroupfs file. */
static int res_emit_device(Res *w, const char *field, const char *prop, int64_t major, int64_t minor,
                           uint64_t value, const char *v1_file, const char *v1_value, const char *v2_file,
                           const char *v2_value) {
        _cleanup_free_ char *dev = NULL;
        int k;

        if (w->mode == RES_CGROUPFS)
                return res_emit_cgroupfs(w, field, "blkio", v1_file, v1_value, v2_file, v2_value);
        if (asprintf_safe(&dev, "/dev/block/%" PRId64 ":%" PRId64, major, minor) < 0)
                return -ENOMEM;
        k = res_entry(w, field, PLAN_FATE_UNIT, "%s=%s %" PRIu64, prop, dev, value);
        return k < 0 ? k : res_prop_pair(w, prop, UNIT_PROPERTY_PAIRS_ST, dev, NULL, value);
}

static int res_throttle(Res *w, const char *name, const char *prop, const char *v1_file, const char *v2_key,
                        const OciThrottleDevice *d, size_t n) {
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *field = NULL;
                char v1[96], v2[96];
                int k;

                if (asprintf_safe(&field, "blockIO.%s[%zu]", name, i) < 0)
                        return -ENOMEM;
                snprintf(v1, sizeof v1, "%" PRId64 ":%" PRId64 " %" PRIu64, d[i].major, d[i].minor,
                         d[i].rate);
                snprintf(v2, sizeof v2, "%" PRId64 ":%" PRId64 " %s=%" PRIu64, d[i].major, d[i].minor,
                         v2_key, d[i].rate);
                k = res_emit_device(w, field, prop, d[i].major, d[i].minor, d[i].rate, v1_file, v1, "io.max",
                                    v2);
                if (k < 0)
                        return k;
        }
        return 0;
}

static int block_io_weight(Res *w, const OciResources *r) {
        uint64_t b = r->block_io.weight.v;
        char v1[64], v2[64];

        if (b == 0)
                return res_entry(w, "blockIO.weight", PLAN_FATE_IGNORED, "0: the default weight");
        if (b < 10 || b > 1000)
                return res_entry(w, "blockIO.weight", PLAN_FATE_REJECTED,
                                 "%s.blockIO.weight: %" PRIu64 " is out of range 10-1000", w->prefix, b);
        snprintf(v1, sizeof v1, "%" PRIu64, b);
        snprintf(v2, sizeof v2, "default %" PRIu64, io_weight(b));
        return res_emit_u64(w, "blockIO.weight", "IOWeight", io_weight(b), COVER_BOTH, "blkio",
                            "blkio.weight", v1, "io.weight", v2);
}

static int block_io_weight_device(Res *w, size_t i, const OciWeightDevice *d) {
        _cleanup_free_ char *field = NULL;
        char v1[64], v2[64];

        if (asprintf_safe(&field, "blockIO.weightDevice[%zu]", i) < 0)
                return -ENOMEM;
        if (!d->weight.set)
                return res_entry(w, field, PLAN_FATE_IGNORED,
                                 "only leafWeight, which left the kernel in Linux 5.0");
        if (d->weight.v < 10 || d->weight.v > 1000)
                return res_entry(w, field, PLAN_FATE_REJECTED,
                                 "%s.%s.weight: %" PRIu64 " is out of range 10-1000", w->prefix, field,
                                 d->weight.v);
        snprintf(v1, sizeof v1, "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor, d->weight.v);
        snprintf(v2, sizeof v2, "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
                 io_weight(d->weight.v));
        return res_emit_device(w, field, "IODeviceWeight", d->major, d->minor, io_weight(d->weight.v),
                               "blkio.weight_device", v1, "io.weight", v2);
}

/* blockIO's lists of devices */
static int res_block_io_devices(Res *w, const OciResources *r) {
        const struct {
                const char *name, *prop, *v1_file, *v2_key;
                const OciThrottleDevice *devices;
                size_t n;
        } throttles[] = {
                { "throttleReadBpsDevice", "IOReadBandwidthMax", "blkio.throttle.read_bps_device", "rbps",
                  r->block_io.throttle_read_bps, r->block_io.n_throttle_read_bps },
                { "throttleWriteBpsDevice", "IOWriteBandwidthMax", "blkio.throttle.write_bps_device", "wbps",
                  r->block_io.throttle_write_bps, r->block_io.n_throttle_write_bps },
                { "throttleReadIOPSDevice", "IOReadIOPSMax", "blkio.throttle.read_iops_device", "riops",
                  r->block_io.throttle_read_iops, r->block_io.n_throttle_read_iops },
                { "throttleWriteIOPSDevice", "IOWriteIOPSMax", "blkio.throttle.write_iops_device", "wiops",
                  r->block_io.throttle_write_iops, r->block_io.n_throttle_write_iops },
        };
        int k;

        for (size_t i = 0; i < r->block_io.n_weight_devices; i++) {
                k = block_io_weight_device(w, i, r->block_io.weight_devices + i);
                if (k < 0)
                        return k;
        }
        for (size_t t = 0; t < ELEMENTSOF(throttles); t++) {
                k = res_throttle(w, throttles[t].name, throttles[t].prop, throttles[t].v1_file,
                                 throttles[t].v2_key, throttles[t].devices, throttles[t].n);
                if (k < 0)
                        return k;
        }
        return 0;
}

typedef enum ScalarKind {
        SCALAR_IGNORED,       /* always ignored, for 'why' */
        SCALAR_MEMORY,        /* an OciOptInt of bytes, -1 unlimited, 0 "not set" (ignored for 'why') */
        SCALAR_CGROUPFS_UINT, /* an OciOptUint with no unit property: written to cgroupfs as it is */
        SCALAR_CGROUPFS_INT,  /* the same, an OciOptInt */
        SCALAR_CPU_LIST,      /* a char * list of CPUs or memory nodes, set when not NULL */
        SCALAR_CUSTOM,        /* emit() */
} ScalarKind;

/* One field of the memory, cpu and blockIO objects, other than the lists of devices. */
typedef struct ResScalar {
        const char *field;
        size_t offset; /* of the field in OciResources */
        ScalarKind kind;
        const char *why;
        const char *prop;
        Cover cover;
        const char *controller, *v1_file, *v2_file;
        int (*emit)(Res *w, const OciResources *r);
} ResScalar;

#define IGNORED(f, m, w)                                                                                    \
        { f, offsetof(OciResources, m), SCALAR_IGNORED, .why = (w) }
#define MEMORY(f, m, p, c, v1, v2, w)                                                                       \
        { f, offsetof(OciResources, m), SCALAR_MEMORY, w, p, c, "memory", v1, v2 }
#define CGROUPFS(f, m, kind, ctl, v1, v2)                                                                   \
        {                                                                                                   \
                f, offsetof(OciResources, m), SCALAR_CGROUPFS_##kind, .controller = ctl, .v1_file = v1,     \
                                                                      .v2_file = v2                         \
        }
#define CPU_LIST(f, m, p, file)                                                                             \
        { f, offsetof(OciResources, m), SCALAR_CPU_LIST, .prop = p, .v1_file = file, .v2_file = file }
#define CUSTOM(f, m, e)                                                                                     \
        { f, offsetof(OciResources, m), SCALAR_CUSTOM, .emit = e }

/* In the order of the plan's entries. */
static const ResScalar scalars[] = {
        MEMORY("memory.limit", memory.limit, "MemoryMax", COVER_BOTH, "memory.limit_in_bytes", "memory.max",
               "0: no limit is set"),
        MEMORY("memory.reservation", memory.reservation, "MemoryLow", COVER_V2, "memory.soft_limit_in_bytes",
               "memory.low", "0: no reservation is set"),
        CUSTOM("memory.swap", memory.swap, memory_swap),
        IGNORED("memory.kernel", memory.kernel, "deprecated, ignored by runc too"),
        IGNORED("memory.kernelTCP", memory.kernel_tcp, "deprecated, ignored by runc too"),
        CUSTOM("memory.swappiness", memory.swappiness, memory_swappiness),
        CUSTOM("memory.disableOOMKiller", memory.disable_oom_killer, memory_oom_killer),
        IGNORED("memory.useHierarchy", memory.use_hierarchy,
                "the kernel always uses the hierarchy (cgroup v2, and v1 since Linux 5.15)"),
        IGNORED("memory.checkBeforeUpdate", memory.check_before_update,
                "only changes how `update` treats a limit below the current usage; the kernel's own check "
                "applies"),
        CUSTOM("cpu.shares", cpu.shares, cpu_shares),
        CUSTOM("cpu.quota", cpu.quota, cpu_quota),
        CUSTOM("cpu.period", cpu.period, cpu_period_field),
        CGROUPFS("cpu.burst", cpu.burst, UINT, "cpu", "cpu.cfs_burst_us", "cpu.max.burst"),
        CGROUPFS("cpu.realtimeRuntime", cpu.realtime_runtime, INT, "cpu", "cpu.rt_runtime_us", NULL),
        CGROUPFS("cpu.realtimePeriod", cpu.realtime_period, UINT, "cpu", "cpu.rt_period_us", NULL),
        CPU_LIST("cpu.cpus", cpu.cpus, "AllowedCPUs", "cpuset.cpus"),
        CPU_LIST("cpu.mems", cpu.mems, "AllowedMemoryNodes", "cpuset.mems"),
        CGROUPFS("cpu.idle", cpu.idle, INT, "cpu", "cpu.idle", "cpu.idle"),
        CUSTOM("blockIO.weight", block_io.weight, block_io_weight),
        IGNORED("blockIO.leafWeight", block_io.leaf_weight,
                "blkio.leaf_weight left the kernel in Linux 5.0; no systemd property"),
};

static int res_scalar(Res *w, const OciResources *r, const ResScalar *s) {
        const void *p = (const uint8_t *) r + s->offset;
        char v1[32], v2[32];
        int64_t i;

        switch (s->kind) {
        case SCALAR_IGNORED:
                return res_entry(w, s->field, PLAN_FATE_IGNORED, "%s", s->why);
        case SCALAR_MEMORY:
                i = ((const OciOptInt *) p)->v;
                if (i == 0)
                        return res_entry(w, s->field, PLAN_FATE_IGNORED, "%s", s->why);
                memory_string(v1, i, false);
                memory_string(v2, i, true);
                return res_emit_u64(w, s->field, s->prop, memory_value(i), s->cover, s->controller,
                                    s->v1_file, v1, s->v2_file, v2);
        case SCALAR_CGROUPFS_UINT:
                snprintf(v1, sizeof v1, "%" PRIu64, ((const OciOptUint *) p)->v);
                return res_emit_cgroupfs(w, s->field, s->controller, s->v1_file, v1, s->v2_file, v1);
        case SCALAR_CGROUPFS_INT:
                snprintf(v1, sizeof v1, "%" PRId64, ((const OciOptInt *) p)->v);
                return res_emit_cgroupfs(w, s->field, s->controller, s->v1_file, v1, s->v2_file, v1);
        case SCALAR_CPU_LIST:
                return res_cpu_list(w, s->field, s->prop, s->v1_file, s->v2_file, *(char *const *) p);
        case SCALAR_CUSTOM:
                return s->emit(w, r);
        }
        return -EINVAL;
}

static int res_scalars(Res *w, const OciResources *r) {
        for (const ResScalar *s = scalars; s < scalars + ELEMENTSOF(scalars); s++) {
                const void *p = (const uint8_t *) r + s->offset;
                /* a list is set when it is there; every other field is an OCI_OPT(), whose first member
                 * is its 'set' flag */
                bool set = s->kind == SCALAR_CPU_LIST ? *(char *const *) p != NULL : *(const bool *) p;
                int k;

                if (!set)
                        continue;
                k = res_scalar(w, r, s);
                if (k < 0)
                        return k;
        }
        return 0;
}

int resources_device_allow_name(char type, int64_t major, int64_t minor, char **ret) {
        const char *t = type == 'b' ? "block" : "char";

        if (major < 0 && minor >= 0)
                return -EINVAL;
        if (major < 0)
                return asprintf_safe(ret, "%s-*", t) < 0 ? -ENOMEM : 0;
        if (minor < 0)
                /* systemd 252 takes a numeric "char-MAJOR" as the major itself (bpf-devices.c) */
                return asprintf_safe(ret, "%s-%" PRId64, t, major) < 0 ? -ENOMEM : 0;
        return asprintf_safe(ret, "/dev/%s/%" PRId64 ":%" PRId64, t, major, minor) < 0 ? -ENOMEM : 0;
}

static int64_t rule_major(const OciDeviceRule *d) {
        return d->major.set ? d->major.v : -1;
}

static int64_t rule_minor(const OciDeviceRule *d) {
        return d->minor.set ? d->minor.v : -1;
}

static bool rule_is_all(const OciDeviceRule *d) {
        return d->type == 'a' && rule_major(d) < 0 && rule_minor(d) < 0;
}

static bool access_valid(const char *a) {
        for (; a && *a; a++)
                if (!strchr("rwm", *a))
                        return false;
        return true;
}

/* "c 1:3 rwm", "a *:* rwm": the cgroup v1 devices.allow syntax */
static void rule_string(char buf[static 96], char type, int64_t major, int64_t minor, const char *access) {
        char ma[24], mi[24];

        if (major < 0)
                strcpy(ma, "*");
        else
                snprintf(ma, sizeof ma, "%" PRId64, major);
        if (minor < 0)
                strcpy(mi, "*");
        else
                snprintf(mi, sizeof mi, "%" PRId64, minor);
        snprintf(buf, 96, "%c %s:%s %s", type, ma, mi, access);
}

static bool rules_overlap(const OciDeviceRule *a, const OciDeviceRule *b) {
        if (a->type != 'a' && b->type != 'a' && a->type != b->type)
                return false;
        if (rule_major(a) >= 0 && rule_major(b) >= 0 && rule_major(a) != rule_major(b))
                return false;
        if (rule_minor(a) >= 0 && rule_minor(b) >= 0 && rule_minor(a) != rule_minor(b))
                return false;
        return true;
}

/* The rules end with allowing every device: DevicePolicy=auto (as crun's has_allow_all()). */
static bool rules_allow_all(const OciDeviceRule *d, size_t n) {
        bool c = false, b = false;

        for (size_t i = n; i > 0; i--) {
                const OciDeviceRule *x = d + i - 1;

                if (!x->allow)
                        return false;
                if (rule_major(x) < 0 && rule_minor(x) < 0) {
                        if (x->type == 'a')
                                return true;
                        c = c || x->type == 'c';
                        b = b || x->type == 'b';
                        if (c && b)
                                return true;
                }
        }
        return false;
}

static int res_device_allow(Res *w, char type, int64_t major, int64_t minor, const char *access) {
        const char types[2] = { 'c', 'b' };

        for (size_t i = 0; i < 2; i++) {
                _cleanup_free_ char *name = NULL;
                int k;

                if (type != 'a' && type != types[i])
                        continue;
                k = resources_device_allow_name(types[i], major, minor, &name);
                if (k < 0)
                        return k;
                k = res_prop_pair(w, "DeviceAllow", UNIT_PROPERTY_PAIRS_SS, name, access, 0);
                if (k < 0)
                        return k;
        }
        return 0;
}

/* "/dev/char/1:3 rw", or both of a rule for every type. */
static int device_allow_names(const OciDeviceRule *d, const char *access, char **ret) {
        _cleanup_free_ char *c = NULL, *b = NULL;

        if (d->type != 'a') {
                if (resources_device_allow_name(d->type, rule_major(d), rule_minor(d), &c) < 0)
                        return -ENOMEM;
                return asprintf_safe(ret, "%s %s", c, access) < 0 ? -ENOMEM : 0;
        }
        if (resources_device_allow_name('c', rule_major(d), rule_minor(d), &c) < 0 ||
            resources_device_allow_name('b', rule_major(d), rule_minor(d), &b) < 0)
                return -ENOMEM;
        return asprintf_safe(ret, "%s %s, %s %s", c, access, b, access) < 0 ? -ENOMEM : 0;
}

#define DEFAULTS_ALLOWED                                                                                \
        "DeviceAllow= the defaults: char-* m, block-* m, /dev/null, /dev/zero, /dev/full, /dev/random, " \
        "/dev/urandom, /dev/tty, /dev/ptmx, /dev/pts/*, /dev/net/tun rwm"

/* Under DevicePolicy=strict, the rule devices[i] of the n in d, the last to deny all being
 * devices[last_deny_all], or SIZE_MAX when none does: then every device is denied before the first rule,
 * as runc starts. */
static int res_device_rule_strict(Res *w, const OciDeviceRule *d, size_t i, size_t last_deny_all) {
        const char *access = d[i].access ?: "rwm";
        size_t first = last_deny_all == SIZE_MAX ? 0 : last_deny_all + 1;
        _cleanup_free_ char *names = NULL;
        int k;

        if (last_deny_all != SIZE_MAX && i < last_deny_all)
                return res_device_entry(w, i, PLAN_FATE_IGNORED,
                                        "overridden by devices[%zu], which denies all", last_deny_all);
        if (i == last_deny_all)
                return res_device_entry(w, i, PLAN_FATE_UNIT, "DevicePolicy=strict, " DEFAULTS_ALLOWED);
        if (!d[i].allow) {
                for (size_t j = first; j < i; j++)
                        if (d[j].allow && rules_overlap(d + j, d + i))
                                return res_device_entry(w, i, PLAN_FATE_UNHANDLED,
                                                        "not handled yet: a deny rule after allow rules "
                                                        "cannot be expressed with DeviceAllow=");
                if (last_deny_all == SIZE_MAX)
                        return res_device_entry(w, i, PLAN_FATE_IGNORED,
                                                "already denied: no rule allows every device first");
                return res_device_entry(w, i, PLAN_FATE_IGNORED, "already denied by devices[%zu]",
                                        last_deny_all);
        }
        if (isempty(access))
                return res_device_entry(w, i, PLAN_FATE_IGNORED, "allows no access");
        if (rule_major(d + i) < 0 && rule_minor(d + i) >= 0)
                return res_device_entry(w, i, PLAN_FATE_UNHANDLED,
                                        "not handled yet: systemd cannot express a wildcard major with a "
                                        "specific minor");
        k = device_allow_names(d + i, access, &names);
        if (k >= 0)
                k = res_device_entry(w, i, PLAN_FATE_UNIT, "DeviceAllow=%s", names);
        if (k >= 0)
                k = res_device_allow(w, d[i].type, rule_major(d + i), rule_minor(d + i), access);
        return k;
}

static int res_devices_systemd(Res *w, const OciResources *r) {
        const OciDeviceRule *d = r->devices;
        const DefaultDevice *defaults;
        size_t n = r->n_devices, last_deny_all = SIZE_MAX, n_defaults;
        int k;

        for (size_t i = 0; i < n; i++)
                if (!access_valid(d[i].access))
                        return res_device_entry(w, i, PLAN_FATE_REJECTED,
                                                "%s.devices[%zu].access: \"%s\" is not a subset of \"rwm\"",
                                                w->prefix, i, d[i].access);

        if (rules_allow_all(d, n)) {
                k = res_prop_string(w, "DevicePolicy", "auto");
                for (size_t i = 0; k >= 0 && i < n; i++)
                        k = i == n - 1 ? res_device_entry(w, i, PLAN_FATE_UNIT,
                                                          "DevicePolicy=auto (every device allowed)")
                                       : res_device_entry(w, i, PLAN_FATE_IGNORED,
                                                          "every device is allowed by the last rules");
                return k;
        }

        for (size_t i = 0; i < n; i++)
                if (!d[i].allow && rule_is_all(d + i))
                        last_deny_all = i;

        /* Without a rule that denies all, every device is denied before the first rule, as runc's
         * rules start (and crun's): a bundle that says nothing of devices gets the defaults only. */
        k = res_prop_string(w, "DevicePolicy", "strict");
        if (k >= 0 && last_deny_all == SIZE_MAX)
                k = res_entry(w, "devices", PLAN_FATE_UNIT,
                              "%s: DevicePolicy=strict, no rule denies all devices first: every device "
                              "is denied but the defaults and those the rules allow (as runc), %s",
                              n == 0 ? "absent" : "present", DEFAULTS_ALLOWED);
        defaults = default_devices_get(&n_defaults);
        for (size_t i = 0; k >= 0 && i < n_defaults; i++)
                k = res_device_allow(w, defaults[i].type, defaults[i].major, defaults[i].minor,
                                     defaults[i].access);
        for (size_t i = 0; k >= 0 && i < n; i++)
                k = res_device_rule_strict(w, d, i, last_deny_all);
        return k;
}

/* What rule i becomes on cgroup v2 without systemd: part of a BPF program (bpf-devices.h), in which a
 * rule for all devices sets the starting point and the rules before it are forgotten. */
static void device_rule_v2(const OciResources *r, size_t i, size_t last_all, bool allow_all,
                           char buf[static 256]) {
        const char *program = "the BPF device program on the container's cgroup";

        if (allow_all)
                snprintf(buf, 256, "; every device allowed, no BPF device program (v2)");
        else if (last_all == SIZE_MAX)
                snprintf(buf, 256,
                         ", a rule of %s (v2; every device is denied before the first rule)", program);
        else if (i < last_all)
                snprintf(buf, 256, "; overridden by devices[%zu] on cgroup v2", last_all);
        else if (i > last_all)
                snprintf(buf, 256, ", a rule of %s (v2)", program);
        else if (r->devices[i].allow)
                snprintf(buf, 256, ", %s (v2): every device allowed but those denied after it", program);
        else
                snprintf(buf, 256,
                         ", %s (v2): every device denied but the default devices and those allowed after it",
                         program);
}

static int res_devices_cgroupfs(Res *w, const OciResources *r) {
        bool allow_all = bpf_devices_allow_all(r->devices, r->n_devices);
        size_t last_all = SIZE_MAX, n_defaults;
        const DefaultDevice *defaults = default_devices_get(&n_defaults);
        int k;

        for (size_t i = 0; i < r->n_devices; i++)
                if (rule_is_all(r->devices + i))
                        last_all = i;

        /* No rule for all devices: every device is denied before the first rule, as runc's rules
         * start (cgroup v1's own start is the opposite) */
        if (last_all == SIZE_MAX) {
                k = res_entry(w, "devices", PLAN_FATE_POST,
                              "%s: no rule is for all devices: cgroupfs devices.deny=a *:* rwm (v1), the "
                              "BPF device program (v2): every device is denied but the defaults and "
                              "those the rules allow (as runc)",
                              r->n_devices == 0 ? "absent" : "present");
                if (k >= 0 && !w->unified)
                        k = res_write(w, "devices", "devices.deny", "a *:* rwm");
                if (k < 0)
                        return k;
        }

        for (size_t i = 0; i < r->n_devices; i++) {
                const OciDeviceRule *d = r->devices + i;
                const char *verb;
                char rule[96], v2[256];

                if (!access_valid(d->access))
                        return res_device_entry(w, i, PLAN_FATE_REJECTED,
                                                "%s.devices[%zu].access: \"%s\" is not a subset of \"rwm\"",
                                                w->prefix, i, d->access);
                rule_string(rule, d->type, rule_major(d), rule_minor(d), d->access ?: "rwm");
                verb = d->allow ? "devices.allow" : "devices.deny";
                device_rule_v2(r, i, last_all, allow_all, v2);
                k = res_device_entry(w, i, PLAN_FATE_POST, "cgroupfs %s=%s (v1)%s", verb, rule, v2);
                if (k >= 0 && !w->unified)
                        k = res_write(w, "devices", verb, rule);
                if (k < 0)
                        return k;
        }
        /* runc appends its defaults after the container's rules */
        if (!w->unified)
                for (size_t i = 0; i < n_defaults; i++) {
                        char rule[96];

                        rule_string(rule, defaults[i].type, defaults[i].major, defaults[i].minor,
                                    defaults[i].access);
                        k = res_write(w, "devices", "devices.allow", rule);
                        if (k < 0)
                                return k;
                }
        return 0;
}

static int res_other(Res *w, const OciResources *r) {
        char v[128];
        int k;

        for (size_t i = 0; i < r->n_hugepage_limits; i++) {
                const OciHugepageLimit *h = r->hugepage_limits + i;
                _cleanup_free_ char *field = NULL, *f1 = NULL, *f2 = NULL;

                if (asprintf_safe(&field, "hugepageLimits[%zu]", i) < 0 ||
                    asprintf_safe(&f1, "hugetlb.%s.limit_in_bytes", strna(h->page_size)) < 0 ||
                    asprintf_safe(&f2, "hugetlb.%s.max", strna(h->page_size)) < 0)
                        return -ENOMEM;
                snprintf(v, sizeof v, "%" PRIu64, h->limit);
                k = res_emit_cgroupfs(w, field, "hugetlb", f1, v, f2, v);
                if (k < 0)
                        return k;
        }
        if (r->network.class_id.set) {
                snprintf(v, sizeof v, "%" PRIu64, r->network.class_id.v);
                k = res_emit_cgroupfs(w, "network.classID", "net_cls", "net_cls.classid", v, NULL, NULL);
                if (k < 0)
                        return k;
        }
        for (size_t i = 0; i < r->network.n_priorities; i++) {
                _cleanup_free_ char *field = NULL;

                if (asprintf_safe(&field, "network.priorities[%zu]", i) < 0)
                        return -ENOMEM;
                snprintf(v, sizeof v, "%s %" PRIu32, strna(r->network.priorities[i].name),
                         r->network.priorities[i].priority);
                k = res_emit_cgroupfs(w, field, "net_prio", "net_prio.ifpriomap", v, NULL, NULL);
                if (k < 0)
                        return k;
        }
        if (r->pids.present) {
                uint64_t t = r->pids.limit <= 0 ? UINT64_MAX : (uint64_t) r->pids.limit;
                char p[32];

                if (r->pids.limit <= 0)
                        strcpy(p, "max");
                else
                        snprintf(p, sizeof p, "%" PRId64, r->pids.limit);
                k = res_emit_u64(w, "pids.limit", "TasksMax", t, COVER_BOTH, "pids", "pids.max", p,
                                 "pids.max", p);
                if (k < 0)
                        return k;
        }
        for (size_t i = 0; i < r->n_rdma; i++) {
                const OciRdmaLimit *d = r->rdma + i;
                _cleanup_free_ char *field = NULL;
                char h[32] = "max", o[32] = "max";

                if (asprintf_safe(&field, "rdma.%s", strna(d->device)) < 0)
                        return -ENOMEM;
                if (d->hca_handles.set)
                        snprintf(h, sizeof h, "%" PRIu64, d->hca_handles.v);
                if (d->hca_objects.set)
                        snprintf(o, sizeof o, "%" PRIu64, d->hca_objects.v);
                snprintf(v, sizeof v, "%s hca_handle=%s hca_object=%s", strna(d->device), h, o);
                k = res_emit_cgroupfs(w, field, "rdma", "rdma.max", v, "rdma.max", v);
                if (k < 0)
                        return k;
        }
        for (size_t i = 0; i < r->n_unified; i++) {
                const OciKeyValue *u = r->unified + i;
                _cleanup_free_ char *field = NULL;

                if (asprintf_safe(&field, "unified.%s", u->key) < 0)
                        return -ENOMEM;
                /* a key names a file of the cgroup directory: nothing that could leave it */
                if (isempty(u->key) || strchr(u->key, '/') || u->key[0] == '.' || !strchr(u->key, '.'))
                        k = res_entry(w, field, PLAN_FATE_REJECTED,
                                      "%s.unified: \"%s\" is not a cgroup v2 file name", w->prefix, u->key);
                else {
                        _cleanup_free_ char *controller = strndup(u->key, strcspn(u->key, "."));
                        if (!controller)
                                return -ENOMEM;
                        k = res_emit_cgroupfs(w, field, controller, NULL, NULL, u->key, u->value);
                }
                if (k < 0)
                        return k;
        }
        return 0;
}

static int res_walk(Res *w, const OciResources *r) {
        int k;

        if (!r->devices_unchanged) {
                k = w->mode == RES_SYSTEMD ? res_devices_systemd(w, r) : res_devices_cgroupfs(w, r);
                if (k < 0)
                        return k;
        }
        k = res_scalars(w, r);
        if (k < 0)
                return k;
        k = res_block_io_devices(w, r);
        if (k < 0)
                return k;
        return res_other(w, r);
}

int resources_to_properties(const OciResources *r, const char *prefix,
                            UnitProperty **props, size_t *n_props,
                            PlanEntry **entries, size_t *n_entries) {
        Res w = {
                .mode = RES_SYSTEMD,
                .prefix = prefix,
                .props = props,
                .n_props = n_props,
                .entries = entries,
                .n_entries = n_entries,
        };
        return res_walk(&w, r);
}

int resources_to_cgroup_entries(const OciResources *r, const char *prefix, PlanEntry **entries,
                                size_t *n_entries) {
        Res w = {
                .mode = RES_CGROUPFS,
                .prefix = prefix,
                .entries = entries,
                .n_entries = n_entries,
        };
        return res_walk(&w, r);
}

static int collect_writes(ResMode mode, const OciResources *r, bool unified, CgroupWrite **ret, size_t *n) {
        CgroupWrite *writes = NULL;
        size_t n_writes = 0;
        UnitProperty *props = NULL;
        size_t n_props = 0;
        Res w = {
                .mode = mode,
                .unified = unified,
                .prefix = "linux.resources",
                .writes = &writes,
                .n_writes = &n_writes,
        };
        int k;

        if (mode == RES_SYSTEMD) {
                /* the device rules are read to decide the policy; the properties are thrown away */
                w.props = &props;
                w.n_props = &n_props;
        }
        k = res_walk(&w, r);
        for (size_t i = 0; i < n_props; i++)
                unit_property_done(props + i);
        free(props);
        if (k < 0) {
                cgroup_writes_free(writes, n_writes);
                return k;
        }
        *ret = writes;
        *n = n_writes;
        return 0;
}

int resources_to_cgroup_writes(const OciResources *r, bool unified, CgroupWrite **ret, size_t *n) {
        return collect_writes(RES_CGROUPFS, r, unified, ret, n);
}

int resources_to_post_cgroup_writes(const OciResources *r, bool unified, CgroupWrite **ret, size_t *n) {
        return collect_writes(RES_SYSTEMD, r, unified, ret, n);
}

int resources_to_device_cgroup_writes(const OciResources *r, CgroupWrite **ret, size_t *n) {
        CgroupWrite *writes = NULL;
        size_t n_writes = 0;
        Res w = {
                .mode = RES_CGROUPFS,
                .prefix = "linux.resources",
                .writes = &writes,
                .n_writes = &n_writes,
        };
        int k = res_devices_cgroupfs(&w, r);

        if (k < 0) {
                cgroup_writes_free(writes, n_writes);
                return k;
        }
        *ret = writes;
        *n = n_writes;
        return 0;
}
