/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `update`'s command-line flags (runc's) → linux.resources. Pure: no syscalls. */
#include <inttypes.h>
#include <math.h>

#include "cmd/update.h"
#include "base/util.h"

int update_parse_bytes(const char *s, int64_t *ret) {
        static const char units[] = "kmgtp";
        const char *p = s;
        char *end;
        double v;

        if (isempty(s))
                return -EINVAL;
        if (streq(s, "-1")) {
                *ret = -1;
                return 0;
        }
        /* docker's RAMInBytes: digits with an optional fraction, an optional space, then an optional
         * binary unit k/m/g/t/p with an optional "i" and "b" in any case */
        if (*p < '0' || *p > '9')
                return -EINVAL;
        errno = 0;
        v = strtod(p, &end);
        if (errno != 0 || end == p || !isfinite(v))
                return -EINVAL;
        for (const char *c = s; c < end; c++)
                if ((*c < '0' || *c > '9') && *c != '.')
                        return -EINVAL; /* no exponents, no hexadecimal */
        p = end;
        if (*p == ' ')
                p++;
        double mult = 1;
        if (*p) {
                const char *u = strchr(units, *p | 0x20);
                if (u) {
                        for (const char *k = units; k <= u; k++)
                                mult *= 1024;
                        p++;
                }
                if ((*p | 0x20) == 'i')
                        p++;
                if ((*p | 0x20) == 'b')
                        p++;
        }
        if (*p)
                return -EINVAL;
        v *= mult;
        if (v >= 9223372036854775807.0)
                return -ERANGE;
        *ret = (int64_t) v;
        return 0;
}

bool update_options_any(const UpdateOptions *o) {
        return o->memory || o->memory_swap || o->memory_reservation || o->cpu_shares || o->cpu_quota ||
               o->cpu_period || o->cpuset_cpus || o->cpuset_mems || o->pids_limit || o->blkio_weight;
}

static int fail(char **ret_error, const char *flag, const char *value, const char *expected) {
        if (ret_error)
                (void) asprintf_safe(ret_error, "--%s: expected %s, got \"%s\"", flag, expected, value);
        return -EINVAL;
}

static int parse_u64(const char *s, uint64_t *ret) {
        return s[0] == '-' || s[0] == '+' ? -EINVAL : safe_atou64(s, ret);
}

static int parse_i64(const char *s, int64_t *ret) {
        char *end;

        if (isempty(s))
                return -EINVAL;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno != 0 || *end)
                return -EINVAL;
        *ret = v;
        return 0;
}

int update_resources_from_options(const UpdateOptions *o, OciResources *r, char **ret_error) {
        const struct {
                const char *flag, *value;
                OciOptInt *dest;
        } sizes[] = {
                {"memory", o->memory, &r->memory.limit},
                {"memory-swap", o->memory_swap, &r->memory.swap},
                {"memory-reservation", o->memory_reservation, &r->memory.reservation},
        };
        const struct {
                const char *flag, *value;
                OciOptUint *dest;
        } counts[] = {
                {"cpu-shares", o->cpu_shares, &r->cpu.shares},
                {"cpu-period", o->cpu_period, &r->cpu.period},
        };
        int64_t i;
        uint64_t u;

        for (size_t k = 0; k < ELEMENTSOF(sizes); k++) {
                if (!sizes[k].value)
                        continue;
                if (update_parse_bytes(sizes[k].value, &i) < 0)
                        return fail(ret_error, sizes[k].flag, sizes[k].value, "a size such as 512m, or -1");
                sizes[k].dest->set = true;
                sizes[k].dest->v = i;
                r->memory.present = true;
        }
        for (size_t k = 0; k < ELEMENTSOF(counts); k++) {
                if (!counts[k].value)
                        continue;
                if (parse_u64(counts[k].value, &u) < 0)
                        return fail(ret_error, counts[k].flag, counts[k].value, "a non-negative integer");
                counts[k].dest->set = true;
                counts[k].dest->v = u;
                r->cpu.present = true;
        }
        if (o->cpu_quota) {
                if (parse_i64(o->cpu_quota, &i) < 0)
                        return fail(ret_error, "cpu-quota", o->cpu_quota,
                                    "an integer (microseconds, -1: none)");
                r->cpu.quota.set = true;
                r->cpu.quota.v = i;
                r->cpu.present = true;
        }
        const struct {
                const char *flag, *value;
                char **dest;
        } lists[] = {
                {"cpuset-cpus", o->cpuset_cpus, &r->cpu.cpus},
                {"cpuset-mems", o->cpuset_mems, &r->cpu.mems},
        };
        for (size_t k = 0; k < ELEMENTSOF(lists); k++) {
                if (!lists[k].value)
                        continue;
                if (isempty(lists[k].value))
                        return fail(ret_error, lists[k].flag, lists[k].value, "a list such as 0-3,7");
                char *v = strdup(lists[k].value);
                if (!v)
                        return -ENOMEM;
                free(*lists[k].dest);
                *lists[k].dest = v;
                r->cpu.present = true;
        }
        if (o->pids_limit) {
                if (parse_i64(o->pids_limit, &i) < 0)
                        return fail(ret_error, "pids-limit", o->pids_limit, "an integer (-1: no limit)");
                /* runc: 0 leaves the limit alone */
                if (i != 0) {
                        r->pids.present = true;
                        r->pids.limit = i;
                }
        }
        if (o->blkio_weight) {
                if (parse_u64(o->blkio_weight, &u) < 0 || u > 1000 || (u != 0 && u < 10))
                        return fail(ret_error, "blkio-weight", o->blkio_weight,
                                    "a weight 10-1000 (0: unchanged)");
                if (u != 0) {
                        r->block_io.weight.set = true;
                        r->block_io.weight.v = u;
                        r->block_io.present = true;
                }
        }
        return 0;
}

#define MERGE(field)                            \
        do {                                    \
                if (from->field.set)            \
                        into->field = from->field; \
        } while (0)

static int merge_string(char **into, const char *from) {
        char *v;

        if (!from)
                return 0;
        v = strdup(from);
        if (!v)
                return -ENOMEM;
        free(*into);
        *into = v;
        return 0;
}

int update_merge_resources(OciResources *into, const OciResources *from) {
        if (from->memory.present) {
                into->memory.present = true;
                MERGE(memory.limit);
                MERGE(memory.reservation);
                MERGE(memory.swap);
                MERGE(memory.kernel);
                MERGE(memory.kernel_tcp);
                MERGE(memory.swappiness);
                MERGE(memory.disable_oom_killer);
        }
        if (from->cpu.present) {
                into->cpu.present = true;
                MERGE(cpu.shares);
                MERGE(cpu.quota);
                MERGE(cpu.burst);
                MERGE(cpu.period);
                MERGE(cpu.realtime_runtime);
                MERGE(cpu.realtime_period);
                MERGE(cpu.idle);
                if (merge_string(&into->cpu.cpus, from->cpu.cpus) < 0 ||
                    merge_string(&into->cpu.mems, from->cpu.mems) < 0)
                        return -ENOMEM;
        }
        if (from->pids.present)
                into->pids = from->pids;
        if (from->block_io.present) {
                into->block_io.present = true;
                MERGE(block_io.weight);
                MERGE(block_io.leaf_weight);
        }
        return 0;
}

bool update_drop_unchangeable(OciResources *r) {
        r->devices_unchanged = true;
        if (r->n_devices == 0)
                return false;
        for (size_t i = 0; i < r->n_devices; i++)
                free(r->devices[i].access);
        r->devices = mfree(r->devices);
        r->n_devices = 0;
        return true;
}
