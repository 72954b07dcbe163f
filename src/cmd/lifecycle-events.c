/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `events`: the container's cgroup statistics as runc prints them, once (--stats) or every interval
 * until the container stops. Runs as root in the host namespaces; reads only. */
#include <time.h>

#include "host/events.h"
#include "oci/oci-json.h"
#include "cmd/lifecycle.h"
#include "base/log.h"
#include "host/state.h"

static int print_stats(const StateData *s) {
        _cleanup_free_ char *line = NULL, *cgroup = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        EventsStats stats;
        size_t n = 0;
        int r;

        r = state_container_cgroup(s, &cgroup);
        if (r >= 0)
                r = state_container_pids(s, &pids, &n);
        if (r < 0)
                return log_error_errno(r, "Failed to find the processes of container %s: %m", s->id);
        EventsSource src = { .holder = s->holder_pid, .cgroup = cgroup, .pids = pids, .n_pids = n };
        r = events_read_stats(&src, &stats);
        if (r < 0)
                return log_error_errno(r, "Failed to read the statistics of container %s: %m", s->id);
        r = oci_json_event("stats", s->id, &stats, &line);
        events_stats_done(&stats);
        if (r < 0)
                return log_oom();
        puts(line);
        fflush(stdout);
        return 0;
}

int lifecycle_events(const Runtime *rt, const char *id, bool stats, unsigned interval_sec) {
        _cleanup_(state_data_freep) StateData *s = NULL;
        _cleanup_free_ char *dir = NULL;
        int r;

        /* no lock: events only reads, and runs as long as the container does */
        r = state_dir(rt->root, id, &dir);
        if (r == -EINVAL) /* no container has an invalid id */
                r = -ENOENT;
        else if (r >= 0)
                r = state_load(dir, &s);
        if (r == -ENOENT)
                return log_error_errno(r, "container %s does not exist", id);
        if (r < 0)
                return log_error_errno(r, "Failed to open the state of container %s: %m", id);

        ContainerStatus status = state_status(dir, s);
        if (status == CONTAINER_STOPPED || status == CONTAINER_CREATING)
                return log_error_errno(ESRCH, "container %s: container not running (%s)", id,
                                       container_status_to_string(status));
        if (stats)
                return print_stats(s);

        /* Between the statistics, every OOM kill is an event of its own, as runc's {"type":"oom"}. */
        _cleanup_free_ char *cgroup = NULL;
        uint64_t ooms = 0, now;
        (void) state_container_cgroup(s, &cgroup);
        EventsSource src = { .holder = s->holder_pid, .cgroup = cgroup };
        (void) events_read_oom_kills(&src, &ooms);
        for (;;) {
                r = print_stats(s);
                if (r < 0)
                        return r;
                for (unsigned waited = 0; waited < interval_sec * 10; waited++) {
                        nanosleep(&(struct timespec){.tv_nsec = 100 * 1000 * 1000}, NULL);
                        if (events_read_oom_kills(&src, &now) >= 0 && now > ooms) {
                                _cleanup_free_ char *line = NULL;
                                ooms = now;
                                if (oci_json_event("oom", s->id, NULL, &line) < 0)
                                        return log_oom();
                                puts(line);
                                fflush(stdout);
                        }
                        if (state_status(dir, s) == CONTAINER_STOPPED)
                                return 0;
                }
        }
}
