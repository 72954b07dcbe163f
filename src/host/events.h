/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The statistics of a container's cgroups for `events`, in the shape of runc's types/events.go.
 * Runs as root on the host (reads cgroupfs only). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct EventsMemoryEntry {
        uint64_t limit, usage, max, failcnt;
} EventsMemoryEntry;

typedef struct EventsBlkioEntry {
        uint64_t major, minor;
        char op[16]; /* "Read", "Write", "Sync", "Async", "Discard", "Total" */
        uint64_t value;
} EventsBlkioEntry;

typedef struct EventsHugetlb {
        char *page_size; /* "2MB" */
        uint64_t usage, max, failcnt;
} EventsHugetlb;

typedef struct EventsStats {
        struct {
                uint64_t total, kernel, user; /* nanoseconds */
                uint64_t *percpu;
                size_t n_percpu;
                uint64_t periods, throttled_periods, throttled_time;
        } cpu;
        struct {
                uint64_t cache;
                EventsMemoryEntry usage, swap, kernel, kernel_tcp;
                char **raw_keys; /* memory.stat */
                uint64_t *raw_values;
                size_t n_raw;
        } memory;
        struct {
                uint64_t current, limit; /* limit 0: none */
        } pids;
        struct {
                EventsBlkioEntry *service_bytes, *serviced;
                size_t n_service_bytes, n_serviced;
        } blkio;
        EventsHugetlb *hugetlb;
        size_t n_hugetlb;
} EventsStats;

/* Where a container's statistics are. */
typedef struct EventsSource {
        pid_t holder;            /* PID 1 of the box: its cgroups are those of the container's processes */
        const char *cgroup;      /* the container's own cgroup (the scope or cgroupsPath), where the
                                  * limits are; the holder's is the same or below it */
        const pid_t *pids;       /* the container's processes, without the holder and nspawn */
        size_t n_pids;
} EventsSource;

/* Reads the statistics of the container's processes: the usage of the cgroups the holder is in (the v1
 * controllers where the container has cgroups of its own there, else the v2 hierarchy, also the
 * unified one of a hybrid host), the limits in force there (the lowest up to the container's own
 * cgroup), and the tasks of the container's processes. What neither hierarchy has stays 0. */
int events_read_stats(const EventsSource *src, EventsStats *ret);
/* How many processes of the container the kernel has OOM-killed so far. -ENOENT where it cannot be
 * told (no memory controller for the container). */
int events_read_oom_kills(const EventsSource *src, uint64_t *ret);
void events_stats_done(EventsStats *s);
