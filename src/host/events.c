/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `events`: the statistics of a container's cgroups (cgroup v1 controllers or the v2 hierarchy), as
 * runc reports them. Runs as root on the host; reads cgroupfs only. */
#include <inttypes.h>
#include <unistd.h>

#include "host/cgroup.h"
#include "host/events.h"
#include "base/util.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

void events_stats_done(EventsStats *s) {
        free(s->cpu.percpu);
        strv_free(s->memory.raw_keys);
        free(s->memory.raw_values);
        free(s->blkio.service_bytes);
        free(s->blkio.serviced);
        for (size_t i = 0; i < s->n_hugetlb; i++)
                free(s->hugetlb[i].page_size);
        free(s->hugetlb);
        *s = (EventsStats){};
}

/* How many levels the holder's cgroup 'path' lies below the container's own cgroup 'top': 0 when they
 * are the same, and when it is not below it at all (then the holder's own cgroup is all there is). */
static unsigned levels_below(const char *path, const char *top) {
        size_t k = strlen(top ?: "");
        const char *rest;
        unsigned n = 0;

        if (k == 0 || streq(top, "/") || strncmp(path, top, k) != 0 || path[k] != '/')
                return 0;
        rest = path + k;
        for (; *rest; rest++)
                n += *rest == '/';
        return n;
}

/* The directory of the holder's cgroup for a v1 controller, or NULL where it has none of its own
 * (systemd on cgroup v1 leaves delegated scopes at the root of controllers the unit does not use;
 * that root is the whole machine's). */
static char *v1_dir(pid_t holder, const char *controller, const char *top, unsigned *ret_levels) {
        /* the controller alone, or cpu and cpuacct mounted together */
        static const char *const mounts[] = {NULL, "cpu,cpuacct", "cpuacct,cpu"};
        _cleanup_free_ char *path = NULL;

        if (cgroup_unified() || cgroup_controller_path(holder, controller, &path) < 0 || streq(path, "/"))
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(mounts); i++) {
                _cleanup_free_ char *d = NULL;
                if (i > 0 && !streq(controller, "cpu") && !streq(controller, "cpuacct"))
                        break;
                d = strjoin(CGROUP_ROOT "/", i == 0 ? controller : mounts[i], path);
                if (!d)
                        return NULL;
                if (access(d, F_OK) == 0) {
                        if (ret_levels)
                                *ret_levels = levels_below(path, top);
                        return TAKE_PTR(d);
                }
        }
        return NULL;
}

static char *v2_dir(pid_t holder, const char *top, unsigned *ret_levels) {
        _cleanup_free_ char *path = NULL;
        char *d;

        if (cgroup_controller_path(holder, "", &path) < 0 || streq(path, "/"))
                return NULL;
        d = strjoin(cgroup_unified() ? CGROUP_ROOT : CGROUP_ROOT "/unified", path);
        if (d && access(d, F_OK) < 0)
                d = mfree(d);
        if (d)
                *ret_levels = levels_below(path, top);
        return d;
}

/* The directory 'levels' above 'dir': the container's own cgroup for the holder's. */
static char *dir_up(const char *dir, unsigned levels) {
        char *d = strdup(dir);

        for (unsigned i = 0; d && i < levels; i++) {
                char *slash = strrchr(d, '/');
                if (!slash || slash == d)
                        break;
                *slash = 0;
        }
        return d;
}

static int read_text(const char *dir, const char *file, char **ret) {
        _cleanup_free_ char *p = strjoin(dir, "/", file);

        if (!p)
                return -ENOMEM;
        return read_full_file(p, ret, NULL);
}

/* One number; "max" (no limit) is UINT64_MAX. */
static int read_u64(const char *dir, const char *file, uint64_t *ret) {
        _cleanup_free_ char *v = NULL;
        int r;

        if (!dir)
                return -ENOENT;
        r = read_text(dir, file, &v);
        if (r < 0)
                return r;
        v[strcspn(v, "\n")] = 0;
        if (streq(v, "max")) {
                *ret = UINT64_MAX;
                return 0;
        }
        if (v[0] == '-') { /* v1's "-1" for no limit */
                *ret = UINT64_MAX;
                return 0;
        }
        return safe_atou64(v, ret);
}

/* The limit in force: the lowest value of 'file' in 'dir' and the 'levels' cgroups above it (the unit's
 * limits are on the scope, nspawn's payload/ below it has none). UINT64_MAX when there is none. */
static int read_limit(const char *dir, unsigned levels, const char *file, uint64_t *ret) {
        _cleanup_free_ char *d = NULL;
        uint64_t min = UINT64_MAX;
        int r = -ENOENT;

        if (!dir)
                return -ENOENT;
        d = strdup(dir);
        if (!d)
                return -ENOMEM;
        for (unsigned i = 0;; i++) {
                uint64_t v;
                if (read_u64(d, file, &v) >= 0) {
                        r = 0;
                        if (v < min)
                                min = v;
                }
                char *slash = strrchr(d, '/');
                if (i >= levels || !slash || slash == d)
                        break;
                *slash = 0;
        }
        if (r >= 0)
                *ret = min;
        return r;
}

/* "key value" lines (cpu.stat, memory.stat, cpuacct.stat): the value of 'key'. */
static bool keyed(const char *text, const char *key, uint64_t *ret) {
        size_t n = strlen(key);

        for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
                if (strncmp(l, key, n) == 0 && l[n] == ' ') {
                        *ret = strtoull(l + n + 1, NULL, 10);
                        return true;
                }
        return false;
}

static int raw_stats(EventsStats *s, const char *text) {
        for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
                const char *sp = strchr(l, ' ');
                if (!sp)
                        continue;
                _cleanup_free_ char *key = strndup(l, sp - l);
                if (!key)
                        return -ENOMEM;
                uint64_t *nv = realloc(s->memory.raw_values, sizeof(uint64_t) * (s->memory.n_raw + 1));
                if (!nv)
                        return -ENOMEM;
                s->memory.raw_values = nv;
                if (strv_extend(&s->memory.raw_keys, key) < 0)
                        return -ENOMEM;
                nv[s->memory.n_raw++] = strtoull(sp + 1, NULL, 10);
        }
        return 0;
}

static int push_blkio(EventsBlkioEntry **a, size_t *n, uint64_t major, uint64_t minor, const char *op,
                      uint64_t value) {
        EventsBlkioEntry *na = realloc(*a, sizeof(EventsBlkioEntry) * (*n + 1));

        if (!na)
                return -ENOMEM;
        *a = na;
        na[*n] = (EventsBlkioEntry){.major = major, .minor = minor, .value = value};
        snprintf(na[*n].op, sizeof na[*n].op, "%s", op);
        (*n)++;
        return 0;
}

/* v1 blkio.throttle.*_recursive: "8:0 Read 4096" lines and a final "Total N". */
static int v1_blkio(const char *dir, const char *file, EventsBlkioEntry **a, size_t *n) {
        _cleanup_free_ char *text = NULL;
        int r;

        if (!dir || read_text(dir, file, &text) < 0)
                return 0;
        for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                unsigned long long major, minor, value;
                char op[16];
                if (sscanf(l, "%llu:%llu %15s %llu", &major, &minor, op, &value) != 4)
                        continue;
                r = push_blkio(a, n, major, minor, op, value);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0". */
static int v2_io(const char *dir, EventsStats *s) {
        _cleanup_free_ char *text = NULL;
        int r;

        if (!dir || read_text(dir, "io.stat", &text) < 0)
                return 0;
        for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                unsigned long long major, minor;
                int skip = 0;
                if (sscanf(l, "%llu:%llu %n", &major, &minor, &skip) != 2)
                        continue;
                for (char *save2 = NULL, *kv = strtok_r(l + skip, " ", &save2); kv;
                     kv = strtok_r(NULL, " ", &save2)) {
                        char *eq = strchr(kv, '=');
                        if (!eq)
                                continue;
                        *eq = 0;
                        uint64_t v = strtoull(eq + 1, NULL, 10);
                        if (streq(kv, "rbytes") || streq(kv, "wbytes"))
                                r = push_blkio(&s->blkio.service_bytes, &s->blkio.n_service_bytes, major,
                                               minor, kv[0] == 'r' ? "Read" : "Write", v);
                        else if (streq(kv, "rios") || streq(kv, "wios"))
                                r = push_blkio(&s->blkio.serviced, &s->blkio.n_serviced, major, minor,
                                               kv[0] == 'r' ? "Read" : "Write", v);
                        else
                                r = 0;
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* The kernel's huge page sizes by runc's names: hugepages-2048kB is "2MB", hugepages-1048576kB "1GB". */
static int hugepage_sizes(char ***ret) {
        static const char *const units[] = { "KB", "MB", "GB", "TB" };
        _cleanup_(closedirp) DIR *d = opendir("/sys/kernel/mm/hugepages");
        _cleanup_strv_free_ char **sizes = NULL;
        struct dirent *de;

        while (d && (de = readdir(d))) {
                unsigned long long kb;
                size_t u = 0;
                char kb_suffix[3] = "";

                if (sscanf(de->d_name, "hugepages-%llu%2s", &kb, kb_suffix) != 2 || !streq(kb_suffix, "kB") ||
                    kb == 0)
                        continue;
                for (; kb % 1024 == 0 && u + 1 < ELEMENTSOF(units); u++)
                        kb /= 1024;
                if (strv_extendf(&sizes, "%llu%s", kb, units[u]) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(sizes);
        return 0;
}

/* hugetlb.<size>.* of the container's cgroup, for every huge page size where the controller is there:
 * v1's usage, maximum usage and failure count, or v2's current usage and the count of allocations
 * its limit refused (hugetlb.<size>.events "max"), as runc reports them. */
static int read_hugetlb(const char *dir, bool v1, EventsStats *s) {
        _cleanup_strv_free_ char **sizes = NULL;
        int r;

        if (!dir)
                return 0;
        r = hugepage_sizes(&sizes);
        if (r < 0)
                return r;
        STRV_FOREACH(size, sizes) {
                EventsHugetlb h = {};
                char f[96];

                snprintf(f, sizeof f, "hugetlb.%s.%s", *size, v1 ? "usage_in_bytes" : "current");
                if (read_u64(dir, f, &h.usage) < 0)
                        continue; /* no controller there */
                if (v1) {
                        snprintf(f, sizeof f, "hugetlb.%s.max_usage_in_bytes", *size);
                        (void) read_u64(dir, f, &h.max);
                        snprintf(f, sizeof f, "hugetlb.%s.failcnt", *size);
                        (void) read_u64(dir, f, &h.failcnt);
                } else {
                        _cleanup_free_ char *text = NULL;
                        snprintf(f, sizeof f, "hugetlb.%s.events", *size);
                        if (read_text(dir, f, &text) >= 0)
                                (void) keyed(text, "max", &h.failcnt);
                }
                EventsHugetlb *n = realloc(s->hugetlb, sizeof(EventsHugetlb) * (s->n_hugetlb + 1));
                if (!n)
                        return -ENOMEM;
                s->hugetlb = n;
                h.page_size = strdup(*size);
                if (!h.page_size)
                        return -ENOMEM;
                n[s->n_hugetlb++] = h;
        }
        return 0;
}

static void memory_entry(const char *dir, unsigned levels, const char *prefix, EventsMemoryEntry *e) {
        char f[64];

        snprintf(f, sizeof f, "%s.usage_in_bytes", prefix);
        (void) read_u64(dir, f, &e->usage);
        snprintf(f, sizeof f, "%s.max_usage_in_bytes", prefix);
        (void) read_u64(dir, f, &e->max);
        snprintf(f, sizeof f, "%s.limit_in_bytes", prefix);
        (void) read_limit(dir, levels, f, &e->limit);
        snprintf(f, sizeof f, "%s.failcnt", prefix);
        (void) read_u64(dir, f, &e->failcnt);
}

/* The tasks (threads) of the container's processes: what the pids controller of a cgroup of their own
 * would count. nspawn and the holder share the container's cgroups and are not counted. */
static uint64_t count_tasks(const pid_t *pids, size_t n) {
        uint64_t total = 0;

        for (size_t i = 0; i < n; i++) {
                _cleanup_(closedirp) DIR *d = NULL;
                struct dirent *de;
                char path[64];

                snprintf(path, sizeof path, "/proc/%d/task", (int) pids[i]);
                d = opendir(path);
                while (d && (de = readdir(d)))
                        total += de->d_name[0] != '.';
        }
        return total;
}

static int read_v1(const EventsSource *src, EventsStats *s, bool *have_cpu, bool *have_memory,
                   bool *have_pids) {
        unsigned memory_levels = 0, pids_levels = 0;
        _cleanup_free_ char *cpuacct = v1_dir(src->holder, "cpuacct", src->cgroup, NULL),
                            *cpu = v1_dir(src->holder, "cpu", src->cgroup, NULL),
                            *memory = v1_dir(src->holder, "memory", src->cgroup, &memory_levels),
                            *pids = v1_dir(src->holder, "pids", src->cgroup, &pids_levels),
                            *blkio = v1_dir(src->holder, "blkio", src->cgroup, NULL),
                            *hugetlb = v1_dir(src->holder, "hugetlb", src->cgroup, NULL), *text = NULL;
        long tck = sysconf(_SC_CLK_TCK);
        uint64_t v;
        int r;

        if (cpuacct) {
                *have_cpu = true;
                (void) read_u64(cpuacct, "cpuacct.usage", &s->cpu.total);
                if (read_text(cpuacct, "cpuacct.usage_percpu", &text) >= 0)
                        for (char *save = NULL, *t = strtok_r(text, " \n", &save); t;
                             t = strtok_r(NULL, " \n", &save)) {
                                uint64_t *n =
                                        realloc(s->cpu.percpu, sizeof(uint64_t) * (s->cpu.n_percpu + 1));
                                if (!n)
                                        return -ENOMEM;
                                s->cpu.percpu = n;
                                n[s->cpu.n_percpu++] = strtoull(t, NULL, 10);
                        }
                text = mfree(text);
                /* cpuacct.stat counts clock ticks; runc reports nanoseconds */
                if (read_text(cpuacct, "cpuacct.stat", &text) >= 0 && tck > 0) {
                        if (keyed(text, "user", &v))
                                s->cpu.user = v * (UINT64_C(1000000000) / (uint64_t) tck);
                        if (keyed(text, "system", &v))
                                s->cpu.kernel = v * (UINT64_C(1000000000) / (uint64_t) tck);
                }
                text = mfree(text);
        }
        if (cpu && read_text(cpu, "cpu.stat", &text) >= 0) {
                (void) keyed(text, "nr_periods", &s->cpu.periods);
                (void) keyed(text, "nr_throttled", &s->cpu.throttled_periods);
                (void) keyed(text, "throttled_time", &s->cpu.throttled_time);
        }
        text = mfree(text);
        if (memory) {
                *have_memory = true;
                memory_entry(memory, memory_levels, "memory", &s->memory.usage);
                memory_entry(memory, memory_levels, "memory.memsw", &s->memory.swap);
                memory_entry(memory, memory_levels, "memory.kmem", &s->memory.kernel);
                memory_entry(memory, memory_levels, "memory.kmem.tcp", &s->memory.kernel_tcp);
                if (read_text(memory, "memory.stat", &text) >= 0) {
                        r = raw_stats(s, text);
                        if (r < 0)
                                return r;
                        (void) keyed(text, "cache", &s->memory.cache);
                }
        }
        if (pids) {
                *have_pids = true;
                if (read_limit(pids, pids_levels, "pids.max", &s->pids.limit) >= 0 &&
                    s->pids.limit == UINT64_MAX)
                        s->pids.limit = 0;
        }
        r = read_hugetlb(hugetlb, true, s);
        if (r < 0)
                return r;
        r = v1_blkio(blkio, "blkio.throttle.io_service_bytes_recursive", &s->blkio.service_bytes,
                     &s->blkio.n_service_bytes);
        if (r >= 0)
                r = v1_blkio(blkio, "blkio.throttle.io_serviced_recursive", &s->blkio.serviced,
                             &s->blkio.n_serviced);
        return r;
}

static int read_v2(const EventsSource *src, EventsStats *s, bool have_cpu, bool have_memory,
                   bool have_pids) {
        _cleanup_free_ char *dir = NULL, *top = NULL, *text = NULL;
        unsigned levels = 0;
        uint64_t v;
        int r;

        dir = v2_dir(src->holder, src->cgroup, &levels);
        if (!dir)
                return 0;
        top = dir_up(dir, levels);
        if (!top)
                return -ENOMEM;
        /* cpu.stat's usage lines are there without the cpu controller too */
        if (!have_cpu && read_text(dir, "cpu.stat", &text) >= 0) {
                if (keyed(text, "usage_usec", &v))
                        s->cpu.total = v * 1000;
                if (keyed(text, "user_usec", &v))
                        s->cpu.user = v * 1000;
                if (keyed(text, "system_usec", &v))
                        s->cpu.kernel = v * 1000;
                (void) keyed(text, "nr_periods", &s->cpu.periods);
                (void) keyed(text, "nr_throttled", &s->cpu.throttled_periods);
                if (keyed(text, "throttled_usec", &v))
                        s->cpu.throttled_time = v * 1000;
        }
        text = mfree(text);
        if (!have_memory && read_u64(dir, "memory.current", &s->memory.usage.usage) >= 0) {
                (void) read_limit(dir, levels, "memory.max", &s->memory.usage.limit);
                (void) read_u64(dir, "memory.peak", &s->memory.usage.max);
                /* hierarchical: the limit hits of the container's cgroup and of those below it */
                if (read_text(top, "memory.events", &text) >= 0)
                        (void) keyed(text, "max", &s->memory.usage.failcnt);
                text = mfree(text);
                /* runc reports v2's swap as memory+swap, as v1's memsw */
                if (read_u64(dir, "memory.swap.current", &v) >= 0)
                        s->memory.swap.usage = v + s->memory.usage.usage;
                if (read_limit(dir, levels, "memory.swap.max", &v) >= 0)
                        s->memory.swap.limit = v == UINT64_MAX || s->memory.usage.limit == UINT64_MAX
                                                       ? UINT64_MAX
                                                       : v + s->memory.usage.limit;
                if (read_text(dir, "memory.stat", &text) >= 0) {
                        r = raw_stats(s, text);
                        if (r < 0)
                                return r;
                        (void) keyed(text, "file", &s->memory.cache);
                }
        }
        if (!have_pids && read_limit(dir, levels, "pids.max", &s->pids.limit) >= 0 &&
            s->pids.limit == UINT64_MAX)
                s->pids.limit = 0;
        if (s->n_hugetlb == 0) {
                r = read_hugetlb(dir, false, s);
                if (r < 0)
                        return r;
        }
        if (s->blkio.n_service_bytes == 0 && s->blkio.n_serviced == 0)
                return v2_io(dir, s);
        return 0;
}

int events_read_oom_kills(const EventsSource *src, uint64_t *ret) {
        _cleanup_free_ char *memory = v1_dir(src->holder, "memory", src->cgroup, NULL), *dir = NULL,
                            *top = NULL, *text = NULL;
        unsigned levels = 0;
        uint64_t n = 0;

        /* v1: memory.oom_control of the container's memory cgroup; v2: memory.events, hierarchical,
         * of the container's cgroup (the kills in the cgroups below it count) */
        if (memory && read_text(memory, "memory.oom_control", &text) >= 0 && keyed(text, "oom_kill", &n)) {
                *ret = n;
                return 0;
        }
        dir = v2_dir(src->holder, src->cgroup, &levels);
        if (!dir)
                return -ENOENT;
        top = dir_up(dir, levels);
        if (!top)
                return -ENOMEM;
        text = mfree(text);
        if (read_text(top, "memory.events", &text) < 0 || !keyed(text, "oom_kill", &n))
                return -ENOENT;
        *ret = n;
        return 0;
}

int events_read_stats(const EventsSource *src, EventsStats *ret) {
        EventsStats s = {};
        bool have_cpu = false, have_memory = false, have_pids = false;
        int r;

        s.pids.current = count_tasks(src->pids, src->n_pids);
        r = read_v1(src, &s, &have_cpu, &have_memory, &have_pids);
        if (r >= 0)
                r = read_v2(src, &s, have_cpu, have_memory, have_pids);
        if (r < 0) {
                events_stats_done(&s);
                return r;
        }
        *ret = s;
        return 0;
}
