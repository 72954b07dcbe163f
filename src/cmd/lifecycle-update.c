/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `update`: new linux.resources for a live container, through its unit (SetUnitProperties, runtime
 * only) plus cgroupfs for what the unit cannot take, or straight into its cgroups without systemd.
 * Runs as root in the host namespaces. */
#include "host/bus.h"
#include "host/cgroup.h"
#include "cmd/lifecycle.h"
#include "base/log.h"
#include "oci/oci-json.h"
#include "oci/oci-parse.h"
#include "plan/plan.h"
#include "plan/resources.h"
#include "host/state.h"
#include "cmd/update.h"

#define UPDATE_PREFIX "resources"

/* The container's config as create kept it, with the updates since; NULL (and a warning) if it
 * cannot be read. */
static OciConfig *load_kept_config(const StateData *s) {
        _cleanup_free_ char *error = NULL;
        OciConfig *c = NULL;

        if (!s->config_path)
                return NULL;
        if (oci_parse_config_file(s->config_path, &c, &error) < 0) {
                log_warning("%s: %s, the resources set before are not known", s->config_path,
                            error ?: "cannot be read");
                return NULL;
        }
        return c;
}

/* The new resources become the container's: `state`, a later `update` and `events` see them. */
static int save_kept_config(const StateData *s, OciConfig *c, const OciResources *res) {
        _cleanup_free_ char *json = NULL;
        int r;

        r = update_merge_resources(&c->linux.resources, res);
        if (r < 0)
                return r;
        c->linux.has_resources = true;
        c->linux.present = true;
        r = oci_json_config(c, &json);
        if (r < 0)
                return r;
        return write_file_atomic(s->config_path, json, strlen(json), 0600);
}

static int load_resources(const UpdateOptions *o, OciResources **ret) {
        _cleanup_(oci_resources_freep) OciResources *res = NULL;
        _cleanup_free_ char *data = NULL, *error = NULL;
        size_t size = 0;
        int r;

        if (o->resources_file) {
                const char *path = streq(o->resources_file, "-") ? "/dev/stdin" : o->resources_file;
                r = read_full_file(path, &data, &size);
                if (r < 0)
                        return log_error_errno(r, "--resources: %s: %m",
                                               streq(o->resources_file, "-") ? "stdin" : o->resources_file);
                r = oci_parse_resources(data, size, UPDATE_PREFIX, &res, &error);
                if (r < 0)
                        return log_error_errno(r, "%s", error ?: "Failed to parse the resources");
        } else {
                res = calloc(1, sizeof(OciResources));
                if (!res)
                        return log_oom();
        }
        r = update_resources_from_options(o, res, &error);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "%s", error);
        if (update_drop_unchangeable(res))
                log_warning(UPDATE_PREFIX ".devices: update does not change the device rules, ignoring");
        *ret = TAKE_PTR(res);
        return 0;
}

/* Refuses what the translation rejects (the message names the field), warns of what it drops. */
static int check_entries(const PlanEntry *e, size_t n) {
        for (size_t i = 0; i < n; i++) {
                if (e[i].fate == PLAN_FATE_REJECTED)
                        return log_error_errno(EINVAL, "%s", e[i].detail);
                if (e[i].fate == PLAN_FATE_IGNORED)
                        log_info("%s: %s, ignoring", e[i].field, e[i].detail);
                else if (e[i].fate == PLAN_FATE_UNHANDLED)
                        log_warning("%s: not handled yet, ignoring", e[i].field);
        }
        return 0;
}

static bool file_exists_in_cgroup(pid_t holder, const char *controller, const char *file) {
        _cleanup_free_ char *path = NULL, *p = NULL;

        if (cgroup_controller_path(holder, controller, &path) < 0)
                return false;
        p = strjoin("/sys/fs/cgroup/", controller, path, "/", file);
        return p && access(p, F_OK) == 0;
}

/* A memory+swap value as written or as read back from cgroupfs (with its newline); -1: no limit. */
static uint64_t memsw_value(const char *s) {
        char buf[32];
        uint64_t v;

        snprintf(buf, sizeof(buf), "%.*s", (int) strcspn(s, "\n"), s);
        return streq(buf, "-1") || safe_atou64(buf, &v) < 0 ? UINT64_MAX : v;
}

/* cgroup v1 keeps memory.limit_in_bytes <= memory.memsw.limit_in_bytes at every step: when the
 * memory+swap limit grows it must be written before the memory limit, when it shrinks after (runc
 * does the same). Without swap accounting the file does not exist and the value is dropped. */
static int memsw_prepare(pid_t holder, CgroupWrite *w, size_t *n, bool unified) {
        for (size_t i = 0; !unified && i < *n; i++) {
                if (!streq(w[i].file, "memory.memsw.limit_in_bytes"))
                        continue;
                if (!file_exists_in_cgroup(holder, "memory", "memory.memsw.limit_in_bytes")) {
                        log_warning(UPDATE_PREFIX ".memory.swap: the kernel does not account swap "
                                                  "(swapaccount=0), ignoring");
                        cgroup_write_done(w + i);
                        memmove(w + i, w + i + 1, sizeof(CgroupWrite) * (*n - i - 1));
                        (*n)--;
                        return 0;
                }
                _cleanup_free_ char *path = NULL, *cur = NULL, *p = NULL;
                if (cgroup_controller_path(holder, "memory", &path) < 0)
                        return 0;
                p = strjoin("/sys/fs/cgroup/memory", path, "/memory.memsw.limit_in_bytes");
                if (!p)
                        return log_oom();
                if (read_full_file(p, &cur, NULL) >= 0 && memsw_value(w[i].value) > memsw_value(cur))
                        return cgroup_apply_writes(holder, w + i, 1);
        }
        return 0;
}

static void log_writes(const CgroupWrite *w, size_t n) {
        for (size_t i = 0; i < n; i++)
                log_info("cgroupfs %s%s%s=%s", w[i].controller, isempty(w[i].controller) ? "" : "/",
                         w[i].file, w[i].value);
}

/* SetUnitProperties on the container's scope, runtime only. No device rules in an update: the policy the
 * translation adds for none stays as it is. (Those go to the end of props, which the caller frees.) */
static int update_unit_properties(const StateData *s, UnitProperty *props, size_t n_props) {
        _cleanup_bus_ Bus *bus = NULL;
        _cleanup_free_ char *error = NULL;
        size_t k = 0;
        int r;

        for (size_t i = 0; i < n_props; i++)
                if (!startswith(props[i].name, "Device")) {
                        UnitProperty t = props[k];
                        props[k++] = props[i];
                        props[i] = t;
                }
        if (k == 0)
                return 0;
        r = bus_open(&bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the system bus: %m");
        r = bus_set_unit_properties(bus, s->unit, props, k, &error);
        if (r < 0)
                return log_error_errno(r, "Failed to set properties of %s: %s", s->unit,
                                       error ?: strerror(-r));
        for (size_t i = 0; i < k; i++) {
                _cleanup_free_ char *v = NULL;
                if (unit_property_to_string(props + i, &v) >= 0)
                        log_info("%s: %s", s->unit, v);
        }
        return 0;
}

/* Through the unit (with_unit) and cgroupfs for what it cannot take, or cgroupfs alone. Logs its
 * errors. */
static int update_box(const StateData *s, const OciResources *res, bool with_unit) {
        UnitProperty *props = NULL;
        PlanEntry *entries = NULL;
        CgroupWrite *w = NULL;
        size_t n_props = 0, n_entries = 0, n = 0;
        bool unified = cgroup_unified();
        int r;

        if (with_unit)
                r = resources_to_properties(res, UPDATE_PREFIX, &props, &n_props, &entries, &n_entries);
        else
                r = resources_to_cgroup_entries(res, UPDATE_PREFIX, &entries, &n_entries);
        if (r >= 0)
                r = with_unit ? resources_to_post_cgroup_writes(res, unified, &w, &n)
                              : resources_to_cgroup_writes(res, unified, &w, &n);
        if (r < 0) {
                r = log_oom();
                goto finish;
        }
        r = check_entries(entries, n_entries);
        if (r >= 0)
                r = memsw_prepare(s->holder_pid, w, &n, unified);
        if (r >= 0 && with_unit)
                r = update_unit_properties(s, props, n_props);
        if (r >= 0)
                r = cgroup_apply_writes(s->holder_pid, w, n);
        if (r >= 0)
                log_writes(w, n);
        /* what the container reads at the root of its cgroup namespace follows (see create) */
        if (r >= 0 && with_unit && unified) {
                int m = cgroup_v2_mirror_limits(s->holder_pid, res);
                if (m < 0)
                        log_warning_errno(m, "The container's cgroup namespace does not show the new "
                                          "limits: %m");
        }
finish:
        for (size_t i = 0; i < n_props; i++)
                unit_property_done(props + i);
        free(props);
        plan_entries_free(entries, n_entries);
        cgroup_writes_free(w, n);
        return r;
}

int lifecycle_update(const Runtime *rt, const UpdateOptions *o) {
        _cleanup_(state_data_freep) StateData *s = NULL;
        _cleanup_(oci_resources_freep) OciResources *res = NULL;
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int lock = -1;
        int r;

        /* the resources first: stdin is read even when the container is gone, so the caller's write
         * never fails with EPIPE */
        r = load_resources(o, &res);
        if (r < 0)
                return r;

        r = state_lock(rt->root, o->id, &dir, &lock);
        if (r >= 0)
                r = state_load(dir, &s);
        if (r == -ENOENT)
                return log_error_errno(r, "container %s does not exist", o->id);
        if (r < 0)
                return log_error_errno(r, "Failed to open the state of container %s: %m", o->id);
        ContainerStatus status = state_status(dir, s);
        if (status == CONTAINER_STOPPED || status == CONTAINER_CREATING)
                return log_error_errno(ESRCH, "cannot update container %s: container not running (%s)",
                                       o->id, container_status_to_string(status));

        /* A swap limit is memory plus swap: given alone, it goes with the memory limit the container
         * has (runc keeps it in its state for this). */
        _cleanup_(oci_config_freep) OciConfig *kept = load_kept_config(s);
        const OciResources *had = kept ? &kept->linux.resources : NULL;
        if (res->memory.swap.set && !res->memory.limit.set && had && had->memory.limit.set)
                res->memory.limit = had->memory.limit;

        r = update_box(s, res, s->unit && bus_systemd_running());
        if (r < 0)
                return r;
        if (kept) {
                r = save_kept_config(s, kept, res);
                if (r < 0)
                        log_warning_errno(r, "Failed to keep the new resources in %s: %m", s->config_path);
        }
        return 0;
}
