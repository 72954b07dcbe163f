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

/* A copy of from replaces *into; no from leaves it alone. */
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

typedef enum OptionKind {
        OPTION_SIZE,      /* OciOptInt: bytes with docker's units, or -1 */
        OPTION_COUNT,     /* OciOptUint */
        OPTION_INTEGER,   /* OciOptInt */
        OPTION_LIST,      /* char *: a CPU or memory node list, checked by the plan */
} OptionKind;

/* One flag's value into its field: -EINVAL when it does not parse. */
static int option_set(OptionKind kind, const char *value, void *dest) {
        OciOptInt *opt_int = dest;
        OciOptUint *opt_uint = dest;
        char **string = dest;

        int r;

        switch (kind) {
        case OPTION_SIZE:
        case OPTION_INTEGER:
                r = kind == OPTION_SIZE ? update_parse_bytes(value, &opt_int->v) :
                                          parse_i64(value, &opt_int->v);
                if (r < 0)
                        return -EINVAL;
                opt_int->set = true;
                return 0;
        case OPTION_COUNT:
                if (parse_u64(value, &opt_uint->v) < 0)
                        return -EINVAL;
                opt_uint->set = true;
                return 0;
        case OPTION_LIST:
                return isempty(value) ? -EINVAL : merge_string(string, value);
        }
        return -EINVAL;
}

int update_resources_from_options(const UpdateOptions *o, OciResources *r, char **ret_error) {
        const struct {
                const char *flag, *value;
                OptionKind kind;
                void *dest;
                bool *present;
                const char *expected;
        } options[] = {
                { "memory", o->memory, OPTION_SIZE, &r->memory.limit, &r->memory.present,
                  "a size such as 512m, or -1" },
                { "memory-swap", o->memory_swap, OPTION_SIZE, &r->memory.swap, &r->memory.present,
                  "a size such as 512m, or -1" },
                { "memory-reservation", o->memory_reservation, OPTION_SIZE, &r->memory.reservation,
                  &r->memory.present, "a size such as 512m, or -1" },
                { "cpu-shares", o->cpu_shares, OPTION_COUNT, &r->cpu.shares, &r->cpu.present,
                  "a non-negative integer" },
                { "cpu-period", o->cpu_period, OPTION_COUNT, &r->cpu.period, &r->cpu.present,
                  "a non-negative integer" },
                { "cpu-quota", o->cpu_quota, OPTION_INTEGER, &r->cpu.quota, &r->cpu.present,
                  "an integer (microseconds, -1: none)" },
                { "cpuset-cpus", o->cpuset_cpus, OPTION_LIST, &r->cpu.cpus, &r->cpu.present,
                  "a list such as 0-3,7" },
                { "cpuset-mems", o->cpuset_mems, OPTION_LIST, &r->cpu.mems, &r->cpu.present,
                  "a list such as 0-3,7" },
        };
        int64_t i;
        uint64_t u;
        int k;

        for (size_t n = 0; n < ELEMENTSOF(options); n++) {
                if (!options[n].value)
                        continue;
                k = option_set(options[n].kind, options[n].value, options[n].dest);
                if (k == -EINVAL)
                        return fail(ret_error, options[n].flag, options[n].value, options[n].expected);
                if (k < 0)
                        return k;
                *options[n].present = true;
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

/* A part of the resources is present in the result when it is in either; each field that from sets
 * replaces into's (a field is only ever set in a part that is present). */
int update_merge_resources(OciResources *into, const OciResources *from) {
        into->memory.present |= from->memory.present;
        into->cpu.present |= from->cpu.present;
        into->block_io.present |= from->block_io.present;
        if (from->pids.present)
                into->pids = from->pids;

        MERGE(memory.limit);
        MERGE(memory.reservation);
        MERGE(memory.swap);
        MERGE(memory.kernel);
        MERGE(memory.kernel_tcp);
        MERGE(memory.swappiness);
        MERGE(memory.disable_oom_killer);
        MERGE(cpu.shares);
        MERGE(cpu.quota);
        MERGE(cpu.burst);
        MERGE(cpu.period);
        MERGE(cpu.realtime_runtime);
        MERGE(cpu.realtime_period);
        MERGE(cpu.idle);
        MERGE(block_io.weight);
        MERGE(block_io.leaf_weight);
        if (merge_string(&into->cpu.cpus, from->cpu.cpus) < 0 ||
            merge_string(&into->cpu.mems, from->cpu.mems) < 0)
                return -ENOMEM;
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
