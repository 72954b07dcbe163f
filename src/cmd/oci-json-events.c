/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `events` objects → JSON text (json-c), with runc's field names (types/events.go). Pure. */
#include <json-c/json.h>

#include "host/events.h"
#include "oci/oci-json.h"
#include "oci/oci-json-util.h"
#include "base/util.h"

static json_object *u64(uint64_t v) {
        return json_object_new_uint64(v);
}

/* Go's omitempty: a zero number is left out. */
static int add_nonzero(json_object *parent, const char *key, uint64_t v) {
        return v == 0 ? 0 : oci_json_add(parent, key, u64(v));
}

static json_object *u64_array(const uint64_t *v, size_t n) {
        json_object *a = json_object_new_array();

        for (size_t i = 0; a && i < n; i++) {
                json_object *o = u64(v[i]);
                if (!o || json_object_array_add(a, o) < 0) {
                        json_object_put(o);
                        json_object_put(a);
                        return NULL;
                }
        }
        return a;
}

static json_object *memory_entry(const EventsMemoryEntry *e) {
        json_object *o = json_object_new_object();

        if (!o || oci_json_add(o, "limit", u64(e->limit)) < 0 || add_nonzero(o, "usage", e->usage) < 0 ||
            add_nonzero(o, "max", e->max) < 0 || oci_json_add(o, "failcnt", u64(e->failcnt)) < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static int add_blkio(json_object *parent, const char *key, const EventsBlkioEntry *e, size_t n) {
        json_object *a;

        if (n == 0)
                return 0;
        a = json_object_new_array();
        if (oci_json_add(parent, key, a) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *o = json_object_new_object();
                if (!o || json_object_array_add(a, o) < 0) {
                        json_object_put(o);
                        return -ENOMEM;
                }
                if (add_nonzero(o, "major", e[i].major) < 0 || add_nonzero(o, "minor", e[i].minor) < 0 ||
                    (e[i].op[0] && oci_json_add(o, "op", json_object_new_string(e[i].op)) < 0) ||
                    add_nonzero(o, "value", e[i].value) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static json_object *stats_object(const EventsStats *s) {
        _cleanup_json_ json_object *data = json_object_new_object();
        json_object *cpu, *usage, *throttling, *memory, *raw, *pids, *blkio, *hugetlb;

        if (!data)
                return NULL;

        if (oci_json_add(data, "cpu", cpu = json_object_new_object()) < 0 ||
            oci_json_add(cpu, "usage", usage = json_object_new_object()) < 0 ||
            add_nonzero(usage, "total", s->cpu.total) < 0 ||
            (s->cpu.n_percpu > 0 && oci_json_add(usage, "percpu", u64_array(s->cpu.percpu, s->cpu.n_percpu)) < 0) ||
            oci_json_add(usage, "kernel", u64(s->cpu.kernel)) < 0 || oci_json_add(usage, "user", u64(s->cpu.user)) < 0 ||
            oci_json_add(cpu, "throttling", throttling = json_object_new_object()) < 0 ||
            add_nonzero(throttling, "periods", s->cpu.periods) < 0 ||
            add_nonzero(throttling, "throttledPeriods", s->cpu.throttled_periods) < 0 ||
            add_nonzero(throttling, "throttledTime", s->cpu.throttled_time) < 0)
                return NULL;

        if (oci_json_add(data, "memory", memory = json_object_new_object()) < 0 ||
            add_nonzero(memory, "cache", s->memory.cache) < 0 ||
            oci_json_add(memory, "usage", memory_entry(&s->memory.usage)) < 0 ||
            oci_json_add(memory, "swap", memory_entry(&s->memory.swap)) < 0 ||
            oci_json_add(memory, "kernel", memory_entry(&s->memory.kernel)) < 0 ||
            oci_json_add(memory, "kernelTCP", memory_entry(&s->memory.kernel_tcp)) < 0)
                return NULL;
        if (s->memory.n_raw > 0) {
                if (oci_json_add(memory, "raw", raw = json_object_new_object()) < 0)
                        return NULL;
                for (size_t i = 0; i < s->memory.n_raw; i++)
                        if (oci_json_add(raw, s->memory.raw_keys[i], u64(s->memory.raw_values[i])) < 0)
                                return NULL;
        }

        if (oci_json_add(data, "pids", pids = json_object_new_object()) < 0 ||
            add_nonzero(pids, "current", s->pids.current) < 0 ||
            add_nonzero(pids, "limit", s->pids.limit) < 0)
                return NULL;

        if (oci_json_add(data, "blkio", blkio = json_object_new_object()) < 0 ||
            add_blkio(blkio, "ioServiceBytesRecursive", s->blkio.service_bytes, s->blkio.n_service_bytes) <
                    0 ||
            add_blkio(blkio, "ioServicedRecursive", s->blkio.serviced, s->blkio.n_serviced) < 0)
                return NULL;

        if (oci_json_add(data, "hugetlb", hugetlb = json_object_new_object()) < 0)
                return NULL;
        for (size_t i = 0; i < s->n_hugetlb; i++) {
                json_object *h = json_object_new_object();
                if (oci_json_add(hugetlb, s->hugetlb[i].page_size, h) < 0 ||
                    add_nonzero(h, "usage", s->hugetlb[i].usage) < 0 ||
                    add_nonzero(h, "max", s->hugetlb[i].max) < 0 ||
                    oci_json_add(h, "failcnt", u64(s->hugetlb[i].failcnt)) < 0)
                        return NULL;
        }
        return TAKE_PTR(data);
}

int oci_json_event(const char *type, const char *id, const EventsStats *stats, char **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();

        if (!o || oci_json_add(o, "type", json_object_new_string(type)) < 0 ||
            oci_json_add(o, "id", json_object_new_string(id)) < 0)
                return -ENOMEM;
        if (stats && oci_json_add(o, "data", stats_object(stats)) < 0)
                return -ENOMEM;
        return oci_json_to_text(o, false, ret);
}
