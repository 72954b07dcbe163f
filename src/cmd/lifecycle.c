/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The verbs: the one place that combines parse, plan, state, bus, box and spawn.
 * Runs as root in the host namespaces. */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>

#include "box/box-native.h"
#include "box/box-nspawn.h"
#include "box/box-prepare.h"
#include "box/box-steps.h"
#include "plan/bpf-devices.h"
#include "host/bus.h"
#include "host/cgroup-bpf.h"
#include "host/cgroup.h"
#include "box/console.h"
#include "box/hooks.h"
#include "box/init/holder-protocol.h"
#include "oci/oci-json.h"
#include "cmd/lifecycle.h"
#include "base/log.h"
#include "oci/oci-parse.h"
#include "plan/plan.h"
#include "plan/resources.h"
#include "box/oci-seccomp.h"
#include "box/spawn.h"
#include "host/state.h"

#define START_TIMEOUT_MS 10000

/* The holder next to our own binary (a build tree), else the installed one. */
static const char *holder_path(void) {
        static char path[PATH_MAX];
        const char *e = getenv("NSPAWN_OCI_HOLDER");

        if (e)
                return e;
        if (exe_sibling("nspawn-oci-init", path, sizeof(path)))
                return path;
        return NSPAWN_OCI_HOLDER_PATH;
}

static int now_rfc3339(char **ret) {
        struct timespec ts;
        struct tm tm;
        char buf[64];

        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
        return asprintf_safe(ret, "%s.%09ldZ", buf, ts.tv_nsec) < 0 ? -ENOMEM : 0;
}

static int log_no_such_container(int r, const char *id) {
        if (r == -ENOENT)
                return log_error_errno(ENOENT, "container %s does not exist", id);
        return log_error_errno(r, "Failed to open the state of container %s: %m", id);
}

/* A container a verb works on: its state directory, locked, its state, and its status when opened. */
typedef struct Container {
        char *dir;
        int lock;
        StateData *s;
        ContainerStatus status;
} Container;

#define CONTAINER_NULL { .lock = -1 }

static void container_done(Container *c) {
        safe_close(c->lock);
        free(c->dir);
        state_data_free(c->s);
}

/* Loads the state of the container whose directory c holds, locked, and works out its status. */
static int container_load(Container *c) {
        int r;

        r = state_load(c->dir, &c->s);
        if (r < 0)
                return r;
        log_set_container(c->s->id, c->s->machine, c->s->bundle, c->s->unit);
        c->status = state_status(c->dir, c->s);
        return 0;
}

/* Opens the container for a verb: locked, loaded, its status known. c is freed by container_done(),
 * whatever this returns. */
static int container_open(const Runtime *rt, const char *id, Container *c) {
        int r;

        r = state_lock(rt->root, id, &c->dir, &c->lock);
        if (r >= 0)
                r = container_load(c);
        if (r < 0)
                return log_no_such_container(r, id);
        return 0;
}

/* The container's story in the journal (log_event()): created, started, exited, OOM kills, paused,
 * resumed, deleted. */
static void event(const StateData *s, const char *what) {
        log_event(LOG_INFO, what, NULL, "Container %s %s.", s->id, what);
}

/* The OOM killer's kills in the container's cgroup, while the cgroup is there to tell: nspawn-oci's own
 * until delete without systemd, the scope until systemd removes it after the box ends. */
static void event_oom(const StateData *s) {
        _cleanup_free_ char *cgroup = NULL;
        _cleanup_strv_free_ char **fields = NULL;
        uint64_t n;

        if (state_container_cgroup(s, &cgroup) < 0 || cgroup_oom_kills(cgroup, &n) < 0 || n == 0)
                return;
        if (strv_extendf(&fields, "OOM_KILLS=%" PRIu64, n) < 0)
                return;
        log_event(LOG_WARNING, "oom", fields,
                  "Container %s: the OOM killer killed %" PRIu64 " of its processes.", s->id, n);
}

/* Notes the exit of the container's process, once: with its wait status where the runtime learns it
 * (status >= 0: `run` is the process's parent), without where its parent, the engine, reaped it and
 * only the end is seen (status < 0). A process that was never started ran nothing of the image. */
static void note_exit(const char *dir, StateData *s, int status) {
        _cleanup_strv_free_ char **fields = NULL;

        if (s->exit_noted || !s->started)
                return;
        if (status < 0)
                event(s, "exited");
        else if (WIFEXITED(status)) {
                if (strv_extend(&fields, "EXIT_CODE=exited") >= 0 &&
                    strv_extendf(&fields, "EXIT_STATUS=%d", WEXITSTATUS(status)) >= 0)
                        log_event(WEXITSTATUS(status) == 0 ? LOG_INFO : LOG_NOTICE, "exited", fields,
                                  "Container %s exited with status %d.", s->id, WEXITSTATUS(status));
        } else if (WIFSIGNALED(status)) {
                int sig = WTERMSIG(status);
                const char *name = sigabbrev_np(sig);
                if (strv_extendf(&fields, "EXIT_CODE=%s", WCOREDUMP(status) ? "dumped" : "killed") >= 0 &&
                    strv_extendf(&fields, "EXIT_STATUS=%d", sig) >= 0)
                        log_event(LOG_NOTICE, "exited", fields, "Container %s was killed by signal %d/%s%s.",
                                  s->id, sig, strna(name), WCOREDUMP(status) ? " (core dumped)" : "");
        }
        event_oom(s);
        s->exit_noted = true;
        if (dir)
                (void) state_save(dir, s);
}

static int state_json_for_hooks(const StateData *s, ContainerStatus status, char **ret) {
        return oci_json_oci_state(s, container_status_to_string(status), ret);
}

/* linux.seccomp.listenerPath: the notify listener goes to the agent with the container process state
 * (runtime spec, config-linux "listenerPath"): pid is the process the filter belongs to. */
static int send_seccomp_listener(const SeccompProgram *seccomp, int listener, const StateData *s, pid_t pid,
                                 ContainerStatus status) {
        _cleanup_free_ char *state = NULL, *metadata = NULL, *msg = NULL;
        int r;

        if (listener < 0)
                return 0;
        if (!seccomp->listener_path)
                return log_error_errno(EINVAL, "linux.seccomp: SCMP_ACT_NOTIFY needs listenerPath");
        r = oci_json_oci_state(s, container_status_to_string(status), &state);
        if (r < 0)
                return log_oom();
        metadata = oci_json_escape(seccomp->listener_metadata ?: "");
        if (!metadata)
                return log_oom();
        r = asprintf_safe(&msg, "{\"ociVersion\":\"%s\",\"fds\":[\"seccompFd\"],\"pid\":%d,"
                          "\"metadata\":\"%s\",\"state\":%s}", s->oci_version ?: "1.2.0", (int) pid, metadata,
                          state);
        if (r < 0)
                return log_oom();
        return oci_seccomp_send_listener(seccomp->listener_path, listener, msg);
}

/* A setns(CLONE_NEWPID) target for the container process's pid namespace, where exec'd processes and the
 * hooks that run in the box are born: a pidfd of the process (the holder's when there is none), checked
 * against its start time after it was opened, so that a reused pid leads nowhere. -1 when the
 * container shares nspawn-oci's. */
static int container_pidns_fd(const Plan *plan, const StateData *s, int *ret) {
        _cleanup_close_ int fd = -1;

        if (plan->pid_ns == PLAN_PID_HOST) {
                *ret = -1;
                return 0;
        }
        fd = pidfd_open_safe(s->pid);
        if (fd < 0 || !proc_alive(s->pid, s->pid_start_time))
                return -ESRCH;
        *ret = TAKE_FD(fd);
        return 0;
}

/* Runs the plan's hooks of one kind. Each failure is logged once, where it happens: an error, or only a
 * warning for poststart and poststop, whose failures the runtime spec ignores. */
static int run_hooks(const Plan *plan, OciHookKind kind, const StateData *s, ContainerStatus status) {
        _cleanup_free_ char *state = NULL;
        const char *what = oci_hook_kind_to_string(kind);
        const OciConfig *c = plan->config;
        int r;

        if (c->n_hooks[kind] == 0)
                return 0;
        r = state_json_for_hooks(s, status, &state);
        if (r < 0)
                return log_oom();
        if (kind == OCI_HOOK_CREATE_CONTAINER || kind == OCI_HOOK_START_CONTAINER) {
                _cleanup_close_ int pidns = -1;

                r = container_pidns_fd(plan, s, &pidns);
                if (r < 0)
                        return log_error_errno(r, "%s hooks: the container process is gone", what);
                return hooks_run_in_box(c->hooks[kind], c->n_hooks[kind], state, what, s->holder_pid,
                                        plan->join_ns, pidns);
        }
        return hooks_run(c->hooks[kind], c->n_hooks[kind], state, what,
                         kind != OCI_HOOK_POSTSTART && kind != OCI_HOOK_POSTSTOP);
}

static int load_config(const char *path, OciConfig **ret) {
        _cleanup_free_ char *error = NULL;
        int r = oci_parse_config_file(path, ret, &error);
        if (r < 0)
                return log_error_errno(r, "%s", error ?: "Failed to parse config.json");
        return 0;
}

/* The plan create saved: start, exec and delete do what it says, whatever the bundle's config.json says
 * now. Logs its errors, naming the file and the field. */
static int load_plan(const char *dir, Plan **ret) {
        _cleanup_free_ char *error = NULL;
        int r = state_load_plan(dir, ret, &error);

        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "%s", error ?: "Failed to read the plan of the container");
        if (!(*ret)->config) {
                *ret = plan_free(*ret);
                return log_error_errno(EBADMSG, "%s/plan.json: config: missing", dir);
        }
        return 0;
}

/* The config the container was planned from, kept for update (the resources set before). Written from
 * the model rather than copied from the bundle: the file there may have changed since it was read (into
 * a FIFO, or a huge one). */
static int keep_config(const OciConfig *c, const char *path) {
        _cleanup_free_ char *json = NULL;
        int r = oci_json_config(c, &json);
        if (r < 0)
                return r;
        return write_file_atomic(path, json, strlen(json), 0600);
}

static int write_pid_file(const char *path, pid_t pid) {
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "%d", (int) pid);
        int r = write_file_atomic(path, buf, (size_t) n, 0644);
        if (r < 0)
                return log_error_errno(r, "Failed to write pid file %s: %m", path);
        return 0;
}

static void plan_context(PlanContext *ctx, const char *id, const char *bundle, bool systemd) {
        *ctx = (PlanContext) {
                .builder = PLAN_BUILDER_AUTO,
                .id = id,
                .bundle = bundle,
                .holder = holder_path(),
                .nspawn = SYSTEMD_NSPAWN_PATH,
                .systemd = systemd,
                .unified_cgroup = cgroup_unified(),
        };
}

/* A unit on cgroup v1 whose devices cgroup systemd does not manage (the controller is not systemd's
 * to use) would run with every device allowed: the rules go into a devices cgroup of the container's
 * own, at its unit's path, as runc's systemd driver does. Decided, and kept in the state for delete,
 * before the cgroup is made: a create killed in between leaves nothing delete does not know of. */
static int plan_v1_devices_cgroup(const Plan *plan, StateData *s) {
        _cleanup_free_ char *path = NULL;
        int r;

        if (plan->n_device_cgroup_writes == 0 || !s->cgroup)
                return 0;
        r = cgroup_v1_at_root(s->holder_pid, "devices");
        if (r == -ENOENT || r == 0)
                return 0; /* no devices hierarchy, or systemd's own cgroup with DeviceAllow= */
        if (r < 0)
                return log_error_errno(r, "Failed to read the devices cgroup of the box: %m");
        /* the scope: nspawn keeps the holder in its payload/ below it */
        r = state_container_cgroup(s, &path);
        if (r < 0)
                return log_oom();
        s->devices_cgroup = TAKE_PTR(path);
        return 0;
}

static int apply_v1_device_rules(const Plan *plan, const StateData *s) {
        int r;

        if (!s->devices_cgroup)
                return 0;
        r = cgroup_v1_enter_own(s->holder_pid, "devices", s->devices_cgroup);
        if (r < 0)
                return log_error_errno(r, "Failed to create the devices cgroup %s: %m", s->devices_cgroup);
        return cgroup_apply_writes(s->holder_pid, plan->device_cgroup_writes, plan->n_device_cgroup_writes);
}

/* cgroup v2 has no devices controller, and without systemd no DeviceAllow= either: the rules become a
 * BPF program on the holder's cgroup (nspawn's payload/), where every process of the container is and
 * nspawn itself is not. It stays there until that cgroup is removed. */
static int apply_v2_device_program(const OciConfig *c, const StateData *s) {
        const OciResources *res = &c->linux.resources;
        int r;

        if (bpf_devices_allow_all(res->devices, res->n_devices))
                return 0;
        r = cgroup_bpf_attach_devices(s->holder_pid, s->cgroup, res->devices, res->n_devices);
        if (r < 0)
                return log_error_errno(r, "linux.resources.devices: Failed to attach the device program to "
                                       "the container's cgroup: %m");
        return 0;
}

/* What the unit cannot do, and everything without systemd: cgroupfs writes into the box's cgroups. */
static int apply_cgroup_writes(const OciConfig *c, const Plan *plan, StateData *s) {
        bool unified = cgroup_unified();
        int r;

        r = cgroup_apply_writes(s->holder_pid, plan->cgroup_writes, plan->n_cgroup_writes);
        if (r >= 0)
                r = apply_v1_device_rules(plan, s);
        if (r >= 0 && !plan->unit && unified)
                r = apply_v2_device_program(c, s);
        /* systemd puts the limits on the scope; the container's cgroup namespace is rooted at nspawn's
         * payload/ below it, where it would read "max". runc's rule is that the namespace's root shows
         * the container's limits: the same values go there too (the scope's still bind). */
        if (r >= 0 && plan->unit && unified && c->linux.has_resources) {
                int k = cgroup_v2_mirror_limits(s->holder_pid, &c->linux.resources);
                if (k < 0)
                        log_warning_errno(k, "The container's cgroup namespace does not show all of its "
                                          "limits: %m");
        }
        return r;
}

static bool box_is_native(const StateData *s) {
        return s->builder && streq(s->builder, "native");
}

/* Ends the box by the builder that made it. Returns the unit's error; logs nothing. */
static int box_stop(Bus *bus, const StateData *s) {
        if (box_is_native(s))
                return box_native_stop(bus, s->unit, s->unit ? NULL : s->cgroup, s->holder_pid,
                                       s->holder_start_time);
        return box_nspawn_stop(bus, s->unit, s->unit ? NULL : s->cgroup, s->nspawn_pid, s->nspawn_start_time);
}

/* Kills what create made and removes its state. */
static void create_rollback(Bus *bus, const char *dir, StateData *s, pid_t pid) {
        if (pid > 0) {
                kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
        }
        if (s->nspawn_pid > 0 || s->unit || box_is_native(s))
                (void) box_stop(bus, s);
        if (s->nspawn_pid > 0) {
                (void) waitpid(s->nspawn_pid, NULL, 0);
                if (s->machine)
                        (void) box_nspawn_remove_leftovers(s->machine);
        }
        if (s->devices_cgroup)
                (void) cgroup_v1_remove("devices", s->devices_cgroup);
        (void) state_remove(dir);
}

static int save_state(const char *dir, const StateData *s) {
        int r = state_save(dir, s);
        if (r < 0)
                log_error_errno(r, "Failed to save the state: %m");
        return r;
}

#ifndef NS_GET_NSTYPE
#define NS_GET_NSTYPE _IO(0xb7, 0x3)
#endif

/* Opens the namespace at 'path' and checks that what was opened is of 'type' (CLONE_NEW*). */
static int open_namespace(const char *path, int type, const char *field, int *ret) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return log_error_errno(errno, "%s: Failed to open %s: %m", field, path);
        /* the kind of what was opened, not what the path named when it was checked */
        if (ioctl(fd, NS_GET_NSTYPE) != type)
                return log_error_errno(EINVAL, "%s: %s is not a namespace of that type", field, path);
        *ret = TAKE_FD(fd);
        return 0;
}

/* The mount namespace the process joins instead of the holder's: the config's by path, at create; at
 * exec, the container process's own. -1 when it joins the holder's. Logs its errors. */
static int process_mntns_fd(const Plan *plan, pid_t container_pid, int *ret) {
        char path[64];

        *ret = -1;
        if (!plan->mount_ns_path)
                return 0;
        if (container_pid <= 0)
                return open_namespace(plan->mount_ns_path, CLONE_NEWNS, "linux.namespaces.mount", ret);
        snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int) container_pid);
        return open_namespace(path, CLONE_NEWNS, "the container's mount namespace", ret);
}

/* The pid namespace the container process is born in (PLAN_PID_PATH) or below which its own is
 * (PLAN_PID_NEW: the box's, through a pidfd of the holder checked against its start time), as an fd
 * that pins it. -1 for nspawn-oci's own. Logs its errors. */
static int box_pidns_fd(const Plan *plan, const Box *box, uint64_t holder_start_time, int *ret) {
        _cleanup_close_ int fd = -1;

        switch (plan->pid_ns) {
        case PLAN_PID_NEW:
                fd = pidfd_open_safe(box->holder_pid);
                if (fd < 0 || !proc_alive(box->holder_pid, holder_start_time))
                        return log_error_errno(ESRCH, "The box's holder is gone");
                break;
        case PLAN_PID_PATH: {
                int r = open_namespace(plan->pid_ns_path, CLONE_NEWPID, "linux.namespaces.pid", &fd);
                if (r < 0)
                        return r;
                break;
        }
        default:
                break;
        }
        *ret = TAKE_FD(fd);
        return 0;
}

static void box_control_closep(Box *b) {
        b->control_fd = safe_close(b->control_fd);
}

/* Hands the container process (host pid) to the holder. A process in the box's pid namespace, or below
 * it, goes by the pid the holder sees (holder_adopt()); one in a namespace joined by path, which the
 * holder cannot see, as a pidfd over the control socket. */
static int adopt(const Plan *plan, Box *box, pid_t pid) {
        _cleanup_close_ int pidfd = -1;
        pid_t inner = 0;
        int r;

        if (plan->pid_ns == PLAN_PID_PATH) {
                pidfd = pidfd_open_safe(pid);
                if (pidfd < 0)
                        return negative_errno();
                r = console_send_fd_over(box->control_fd, pidfd);
        } else {
                r = holder_pid_of(box->holder_pid, pid, &inner);
                if (r >= 0)
                        r = holder_adopt(box->holder_pid, inner);
        }
        /* the adoption is done: nothing more goes to the holder */
        box->control_fd = safe_close(box->control_fd);
        return r;
}

/* The plan's seccomp program, compiled into the cache, and what of it depends on the kernel noted in the
 * plan, for exec to load the same program. */
static int compile_seccomp(const Runtime *rt, const OciConfig *c, Plan *plan, SeccompProgram **ret) {
        _cleanup_free_ char *cache = NULL;
        int r;

        *ret = NULL;
        if (!plan->seccomp.present)
                return 0;
        cache = strjoin(rt->root, "/seccomp-cache");
        if (!cache)
                return log_oom();
        (void) mkdir_p(cache, 0700);
        r = oci_seccomp_compile(&c->linux.seccomp, cache, ret);
        if (r < 0)
                return r; /* logged with the profile's JSON path */
        plan->seccomp.key = strdup((*ret)->hash);
        if (!plan->seccomp.key)
                return log_oom();
        plan->seccomp.flags = (*ret)->flags;
        plan->seccomp.notify = (*ret)->notify;
        return 0;
}

/* What the plan needs to know of the image; a config without root.path is rejected by the plan. */
static int look_rootfs(const OciConfig *c, const char *bundle, PlanRootfsLook *ret) {
        _cleanup_free_ char *rootfs = NULL;
        int r = plan_rootfs_path(c, bundle, &rootfs);

        if (r == -EINVAL)
                return 0;
        if (r < 0)
                return log_oom();
        return box_prepare_look_rootfs(rootfs, ret);
}

/* What a create builds up, step by step, and what its rollback needs. */
typedef struct Creation {
        const Runtime *rt;
        const CreateOptions *o;
        OciConfig *c;
        Plan *plan;
        StateData *s;
        SeccompProgram *seccomp;
        char *bundle, *dir, *fifo;
        int lock, master, listener;
        Bus *bus;
        PlanRootfsLook look;
        PlanContext ctx;
        Box box;
        pid_t pid;
} Creation;

static void creation_done(Creation *k) {
        oci_config_free(k->c);
        plan_free(k->plan);
        state_data_free(k->s);
        oci_seccomp_program_free(k->seccomp);
        free(k->bundle);
        free(k->dir);
        free(k->fifo);
        safe_close(k->lock);
        safe_close(k->master);
        safe_close(k->listener);
        bus_close(k->bus);
        box_prepare_look_done(&k->look);
        box_control_closep(&k->box);
}

/* Reads the config and plans it; prepares what the plan needs of the image and the seccomp program.
 * Nothing of the container exists yet: a failure leaves nothing. */
static int create_plan(Creation *k) {
        const CreateOptions *o = k->o;
        _cleanup_free_ char *config_path = NULL;
        int r;

        if (!state_id_is_valid(o->id))
                return log_error_errno(EINVAL, "invalid container id \"%s\": only letters, digits, '_', '+', '-' "
                                       "and '.' are allowed", o->id);
        k->bundle = realpath(o->bundle ?: ".", NULL);
        if (!k->bundle)
                return log_error_errno(errno, "bundle %s: %m", o->bundle ?: ".");
        config_path = strjoin(k->bundle, "/config.json");
        if (!config_path)
                return log_oom();
        r = load_config(config_path, &k->c);
        if (r < 0)
                return r;

        bool systemd = bus_systemd_running();
        if (systemd) {
                r = bus_open(&k->bus);
                if (r < 0)
                        return log_error_errno(r, "Failed to connect to the system bus: %m");
        } else if (k->rt->systemd_cgroup)
                log_notice("systemd is not running: --systemd-cgroup has no effect");

        r = look_rootfs(k->c, k->bundle, &k->look);
        if (r < 0)
                return r;
        plan_context(&k->ctx, o->id, k->bundle, systemd);
        k->ctx.rootfs_look = &k->look;
        k->ctx.builder = o->builder;
        r = plan_build(k->c, &k->ctx, &k->plan);
        if (r < 0)
                return log_error_errno(r, "Failed to plan the container: %m");
        log_set_container(o->id, k->plan->machine, k->bundle, k->plan->unit);
        const PlanEntry *rejected = plan_first_rejection(k->plan);
        if (rejected)
                return log_error_errno(EINVAL, "config.json: %s: %s", rejected->field, rejected->detail);
        for (size_t i = 0; i < k->plan->n_entries; i++)
                if (k->plan->entries[i].fate == PLAN_FATE_UNHANDLED)
                        log_warning("config.json: %s: not handled yet, ignoring", k->plan->entries[i].field);
        r = box_nspawn_check_namespace_paths(k->c);
        if (r < 0)
                return r;

        r = box_prepare_mount_points(k->plan);
        if (r >= 0 && k->plan->builder == PLAN_BUILDER_NATIVE && !k->look.fs_readonly)
                box_prepare_native_mount_points(k->c, k->plan);
        if (r < 0)
                return r;
        return compile_seccomp(k->rt, k->c, k->plan, &k->seccomp);
}

/* The state as it is before anything runs. Logs its errors. */
static int new_state_data(const Creation *k, StateData **ret) {
        _cleanup_(state_data_freep) StateData *s = calloc(1, sizeof(StateData));
        const Plan *plan = k->plan;
        const OciConfig *c = k->c;

        if (!s)
                return log_oom();
        s->oci_version = strdup(c->oci_version ?: "1.2.0");
        s->id = strdup(k->o->id);
        s->bundle = strdup(k->bundle);
        s->rootfs = strdup(plan->rootfs);
        s->machine = strdup(plan->machine);
        s->unit = plan->unit ? strdup(plan->unit) : NULL;
        s->config_path = strjoin(k->dir, "/config.json");
        if (now_rfc3339(&s->created) < 0 || !s->oci_version || !s->id || !s->bundle || !s->rootfs ||
            !s->machine || !s->config_path || (plan->unit && !s->unit))
                return log_oom();
        if (c->n_annotations > 0) {
                s->annotations = calloc(c->n_annotations, sizeof(OciKeyValue));
                if (!s->annotations)
                        return log_oom();
                for (size_t i = 0; i < c->n_annotations; i++) {
                        s->annotations[i].key = strdup(c->annotations[i].key);
                        s->annotations[i].value = strdup(c->annotations[i].value);
                        s->n_annotations++;
                        if (!s->annotations[i].key || !s->annotations[i].value)
                                return log_oom();
                }
        }
        s->registered = plan->register_machine;
        if (plan->builder == PLAN_BUILDER_NATIVE && !(s->builder = strdup("native")))
                return log_oom();
        s->no_new_keyring = k->o->no_new_keyring;
        /* Saved before anything runs and again once the box stands: a create killed at any point (an
         * engine's timeout) leaves a state that says where its unit or cgroup is, so that delete
         * --force finds and removes all of it. Until the process is saved, the state says stopped. */
        if (!plan->unit && plan->cgroup && !(s->cgroup = strdup(plan->cgroup)))
                return log_oom();
        *ret = TAKE_PTR(s);
        return 0;
}

/* Claims the id: the state directory with the copy of the config, the plan, the exec FIFO and the
 * first state. From here on a failure is rolled back. */
static int create_state(Creation *k) {
        int r;

        r = state_create(k->rt->root, k->o->id, &k->dir, &k->lock);
        if (r >= 0)
                fault_point("create:claimed");
        if (r == -EEXIST)
                return log_error_errno(r, "container with id %s already exists", k->o->id);
        if (r < 0)
                return log_error_errno(r, "Failed to create the state of %s under %s: %m", k->o->id,
                                       k->rt->root);
        r = new_state_data(k, &k->s);
        if (r < 0)
                return r;
        r = keep_config(k->c, k->s->config_path);
        if (r < 0)
                return log_error_errno(r, "Failed to keep a copy of config.json: %m");
        r = state_save_plan(k->dir, k->plan);
        if (r < 0)
                return log_error_errno(r, "Failed to save the plan: %m");
        r = box_prepare_exec_fifo(k->plan, k->dir, &k->fifo);
        if (r < 0)
                return r;
        r = save_state(k->dir, k->s);
        if (r >= 0)
                fault_point("create:saved");
        return r;
}

/* Builds the box with the plan's builder, saves where it is, and runs the plan's steps in it. */
static int create_box(Creation *k) {
        const Plan *plan = k->plan;
        StateData *s = k->s;
        int r;

        if (plan->builder == PLAN_BUILDER_NATIVE)
                r = box_native_start(plan, k->c, k->ctx.holder, k->dir, k->bus, &k->box);
        else
                r = box_nspawn_start(plan, k->ctx.holder, k->dir, k->bus, &k->box);
        if (r < 0)
                return r;
        s->nspawn_pid = k->box.nspawn_pid;
        s->holder_pid = k->box.holder_pid;
        if (k->box.nspawn_pid > 0)
                (void) proc_start_time(k->box.nspawn_pid, &s->nspawn_start_time);
        (void) proc_start_time(k->box.holder_pid, &s->holder_start_time);
        if (plan->unit || !plan->cgroup) {
                s->cgroup = mfree(s->cgroup);
                (void) cgroup_of(k->box.holder_pid, &s->cgroup);
        }
        r = plan_v1_devices_cgroup(plan, s);
        if (r >= 0)
                r = save_state(k->dir, s);
        if (r < 0)
                return r;
        fault_point("create:box-ready");
        r = box_steps_check_proc(k->box.holder_pid);
        if (r >= 0)
                r = apply_cgroup_writes(k->c, plan, s);
        if (r >= 0)
                r = box_steps_run(k->box.holder_pid, plan->join_ns, plan->steps, plan->n_steps);
        if (r < 0)
                return r;
        fault_point("create:steps-done");

        /* Said at every create without systemd, and nothing the caller could change: a debug line,
         * not a warning in the container's log (conmon hands our stderr to the container). */
        if (!plan->register_machine)
                log_debug("systemd is not running: container %s is not registered with systemd-machined",
                          k->o->id);
        return 0;
}

/* What the container's process and exec's are spawned with alike: the plan's namespaces, entered
 * through the holder (or pidns and mntns), the process with the config's personality, its seccomp
 * program, the fds it keeps and the session keyring it joins. */
static SpawnOptions spawn_options(const Plan *plan, pid_t holder, int pidns, int mntns, const OciProcess *p,
                                  const SeccompProgram *seccomp, unsigned preserve_fds, const char *keyring) {
        const OciConfig *c = plan->config;

        return (SpawnOptions) {
                .holder = holder,
                .join_ns = plan->join_ns,
                .pidns_fd = pidns,
                .mntns_fd = mntns,
                .process = p,
                .personality = c->linux.personality.present ? &c->linux.personality : NULL,
                .seccomp = seccomp,
                .preserve_fds = preserve_fds,
                .session_keyring = keyring,
        };
}

/* Puts the container process into the box, waiting on the exec FIFO, and hands it to the holder. */
static int create_process(Creation *k) {
        const Plan *plan = k->plan;
        _cleanup_free_ char *keyring = NULL;
        _cleanup_strv_free_ char **mounts_after_proc = plan_mounts_after_proc(plan);
        _cleanup_close_ int pidns = -1, mntns = -1;
        int r;

        if (!mounts_after_proc)
                return log_oom();
        /* runc's name: exec joins the same keyring */
        if (!k->o->no_new_keyring && !(keyring = strjoin("_ses.", k->o->id)))
                return log_oom();
        r = box_pidns_fd(plan, &k->box, k->s->holder_start_time, &pidns);
        if (r >= 0)
                r = process_mntns_fd(plan, 0, &mntns);
        if (r < 0)
                return r;
        SpawnOptions so = spawn_options(plan, k->box.holder_pid, pidns, mntns, &plan->config->process, k->seccomp,
                                        k->o->preserve_fds, keyring);
        so.new_pidns = plan->pid_ns == PLAN_PID_NEW;
        /* without a mount namespace of its own, the process would mount in the host's: it sees the box's
         * procfs, of the holder's pid namespace */
        so.mount_proc = plan->pid_ns != PLAN_PID_HOST && plan->join_ns[OCI_NS_MOUNT];
        so.mounts_after_proc = mounts_after_proc;
        so.fifo_path = k->fifo;
        r = spawn_process(&so, &k->pid, &k->master, &k->listener);
        if (r < 0)
                return r;
        fault_point("create:spawned");

        r = adopt(plan, &k->box, k->pid);
        if (r < 0)
                return log_error_errno(r, "Failed to hand the container process to the holder: %m");
        k->s->pid = k->pid;
        r = proc_start_time(k->pid, &k->s->pid_start_time);
        if (r < 0)
                return log_error_errno(r, "The container process exited during create");
        r = send_seccomp_listener(k->seccomp, k->listener, k->s, k->pid, CONTAINER_CREATING);
        if (r < 0)
                return r;
        k->listener = safe_close(k->listener);
        return 0;
}

/* The hooks of create, the terminal to the console socket, the pid file. */
static int create_finish(Creation *k, bool keep_master) {
        const CreateOptions *o = k->o;
        int r;

        /* prestart (deprecated) and createRuntime: in the runtime's namespaces, the box exists. */
        r = run_hooks(k->plan, OCI_HOOK_PRESTART, k->s, CONTAINER_CREATED);
        if (r >= 0)
                r = run_hooks(k->plan, OCI_HOOK_CREATE_RUNTIME, k->s, CONTAINER_CREATED);
        if (r >= 0)
                r = run_hooks(k->plan, OCI_HOOK_CREATE_CONTAINER, k->s, CONTAINER_CREATED);
        if (r < 0)
                return r;

        if (k->master >= 0 && o->console_socket) {
                r = console_send_fd(o->console_socket, k->master);
                if (r < 0)
                        return log_error_errno(r, "Failed to send the terminal to %s: %m", o->console_socket);
                k->master = safe_close(k->master);
        } else if (k->master >= 0 && !keep_master)
                return log_error_errno(EINVAL, "process.terminal is true but no --console-socket was given");

        fault_point("create:hooks-done");
        if (o->pid_file)
                return write_pid_file(o->pid_file, k->s->pid);
        return 0;
}

/* Creates the container, its state unlocked on return. keep_master: a terminal without --console-socket
 * is not an error but *ret_master's (run waits on it, else -1); *ret_pid gets the process. */
static int do_create(const Runtime *rt, const CreateOptions *o, bool keep_master, pid_t *ret_pid,
                     int *ret_master) {
        _cleanup_(creation_done) Creation k = {
                .rt = rt, .o = o, .lock = -1, .master = -1, .listener = -1, .box.control_fd = -1,
        };
        int r;

        r = create_plan(&k);
        if (r < 0)
                return r;
        r = create_state(&k);
        if (r >= 0)
                r = create_box(&k);
        if (r >= 0 && k.c->has_process)
                r = create_process(&k);
        else if (r >= 0) {
                /* Without a process the box alone stands for the container; start will refuse. */
                k.s->pid = k.box.holder_pid;
                k.s->pid_start_time = k.s->holder_start_time;
        }
        if (r >= 0)
                r = save_state(k.dir, k.s);
        if (r >= 0) {
                fault_point("create:process-saved");
                r = create_finish(&k, keep_master);
        }
        if (r < 0) {
                /* nothing was claimed when the id exists already: the other create's is not ours */
                if (k.dir)
                        create_rollback(k.bus, k.dir, k.s ?: &(StateData) {}, k.pid);
                return r;
        }

        event(k.s, "created");
        if (ret_pid)
                *ret_pid = k.pid;
        if (ret_master)
                *ret_master = TAKE_FD(k.master);
        return 0;
}

int lifecycle_create(const Runtime *rt, const CreateOptions *o) {
        return do_create(rt, o, false, NULL, NULL);
}

/* Opens the exec FIFO and reads the byte the waiting process writes: that releases it. */
static int release_fifo(const char *fifo, const StateData *s) {
        _cleanup_close_ int fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        int waited = 0;
        char c;

        if (fd < 0)
                return log_error_errno(errno, "Failed to open %s: %m", fifo);
        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                int r = poll(&p, 1, 100);
                if (r > 0 && read(fd, &c, 1) == 1)
                        break;
                if (!proc_alive(s->pid, s->pid_start_time))
                        return log_error_errno(ESRCH, "container process exited before it was started");
                waited += 100;
                if (waited >= START_TIMEOUT_MS)
                        return log_error_errno(ETIMEDOUT, "container process did not start");
        }
        (void) unlink(fifo);
        return 0;
}

/* The image the process runs, as /proc shows it; NULL once it is gone. */
static char *process_exe(pid_t pid) {
        char path[64], target[PATH_MAX];
        ssize_t n;

        snprintf(path, sizeof(path), "/proc/%d/exe", (int) pid);
        n = readlink(path, target, sizeof(target) - 1);
        if (n < 0)
                return NULL;
        target[n] = 0;
        return strdup(target);
}

/* Poststart hooks run once the process is executed (runtime-spec), not merely released: waits until
 * its image is no longer ours, a second at most. */
static void wait_exec(pid_t pid, const char *before) {
        for (int i = 0; before && i < 1000; i++) {
                _cleanup_free_ char *now = process_exe(pid);

                if (!now || !streq(now, before))
                        return;
                (void) nanosleep(&(struct timespec) { .tv_nsec = 1000 * 1000 }, NULL);
        }
}

static int do_start(const Runtime *rt, const char *id) {
        _cleanup_(container_done) Container ct = CONTAINER_NULL;
        _cleanup_(plan_freep) Plan *plan = NULL;
        _cleanup_free_ char *fifo = NULL;
        int r;

        r = container_open(rt, id, &ct);
        if (r < 0)
                return r;
        StateData *s = ct.s;
        if (ct.status != CONTAINER_CREATED)
                return log_error_errno(EINVAL, "cannot start container %s: it is %s, not created", id,
                                       container_status_to_string(ct.status));
        r = load_plan(ct.dir, &plan);
        if (r < 0)
                return r;
        if (!plan->config->has_process || !plan->exec_fifo)
                return log_error_errno(EINVAL, "cannot start container %s: config.json has no process", id);

        r = run_hooks(plan, OCI_HOOK_START_CONTAINER, s, CONTAINER_CREATED);
        if (r < 0)
                return r;

        fifo = strjoin(ct.dir, "/", plan->exec_fifo);
        if (!fifo)
                return log_oom();
        _cleanup_free_ char *exe = process_exe(s->pid);
        r = release_fifo(fifo, s);
        if (r < 0)
                return r;
        s->started = true;
        (void) state_save(ct.dir, s);
        event(s, "started");
        if (plan->config->n_hooks[OCI_HOOK_POSTSTART] > 0)
                wait_exec(s->pid, exe);

        (void) run_hooks(plan, OCI_HOOK_POSTSTART, s, CONTAINER_RUNNING);
        return 0;
}

int lifecycle_start(const Runtime *rt, const char *id) {
        return do_start(rt, id);
}

int lifecycle_state(const Runtime *rt, const char *id) {
        _cleanup_(container_done) Container ct = CONTAINER_NULL;
        _cleanup_free_ char *json = NULL;
        int r;

        r = container_open(rt, id, &ct);
        if (r < 0)
                return r;
        if (ct.status == CONTAINER_STOPPED) {
                note_exit(ct.dir, ct.s, -1);
                ct.s->pid = 0;
        }
        r = oci_json_oci_state(ct.s, container_status_to_string(ct.status), &json);
        if (r < 0)
                return log_oom();
        fputs(json, stdout);
        fputc('\n', stdout);
        return 0;
}

static int signal_all(const StateData *s, int sig) {
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r;

        /* the holder goes last, on its own, when the container process ends */
        r = state_container_pids(s, &pids, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                (void) kill(pids[i], sig);
        return 0;
}

int lifecycle_kill(const Runtime *rt, const char *id, int sig, bool all) {
        _cleanup_(container_done) Container ct = CONTAINER_NULL;
        int r;

        r = container_open(rt, id, &ct);
        if (r < 0)
                return r;
        const StateData *s = ct.s;
        ContainerStatus status = ct.status;
        if (status == CONTAINER_STOPPED && !all)
                return log_error_errno(ESRCH, "container %s: container not running", id);
        if (all) {
                r = signal_all(s, sig);
                if (r < 0 && status != CONTAINER_STOPPED)
                        r = proc_signal(s->pid, s->pid_start_time, sig, 0);
                return r < 0 && status != CONTAINER_STOPPED ?
                        log_error_errno(r, "Failed to signal container %s: %m", id) : 0;
        }
        r = proc_signal(s->pid, s->pid_start_time, sig, 0);
        if (r == -ESRCH)
                return log_error_errno(r, "container %s: container not running", id);
        if (r < 0)
                return log_error_errno(r, "Failed to signal container %s: %m", id);
        return 0;
}

/* FreezeUnit/ThawUnit where systemd can (cgroup v2), else the kernel's freezer directly. */
static int freeze_box(const StateData *s, bool on) {
        _cleanup_bus_ Bus *bus = NULL;
        int r;

        if (s->unit && bus_systemd_running() && bus_open(&bus) >= 0) {
                r = bus_freeze_unit(bus, s->unit, on);
                if (r >= 0)
                        return 0;
                /* systemd 252 freezes units only on a pure cgroup v2 host */
                log_debug_errno(r, "%s of %s failed, using the cgroup freezer: %m", on ? "FreezeUnit" : "ThawUnit",
                                s->unit);
        }
        return cgroup_freeze(s->holder_pid, on);
}

/* Waits (bounded) until the process is gone or a zombie. */
static bool wait_gone(pid_t pid, uint64_t start_time, int timeout_ms) {
        for (int waited = 0; waited < timeout_ms; waited += 20) {
                if (!proc_alive(pid, start_time))
                        return true;
                usleep(20000);
        }
        return !proc_alive(pid, start_time);
}

int lifecycle_delete(const Runtime *rt, const char *id, bool force) {
        _cleanup_(container_done) Container ct = CONTAINER_NULL;
        _cleanup_(plan_freep) Plan *plan = NULL;
        _cleanup_bus_ Bus *bus = NULL;
        int r;

        /* a create killed before it saved anything left a directory and no container */
        r = state_remove_stale(rt->root, id);
        if (r < 0)
                log_warning_errno(r, "Failed to remove what a killed create of %s left: %m", id);
        if (force && state_id_is_valid(id)) {
                /* As runc: --force deletes what is there, and a container that is not there is deleted
                 * already, without a word. The engines call it after every task, gone or not. */
                r = state_lock(rt->root, id, &ct.dir, &ct.lock);
                if (r == -ENOENT)
                        return 0;
                if (r < 0)
                        return log_no_such_container(r, id);
                r = container_load(&ct);
                if (r == -ENOENT) {
                        /* A directory without state.json under our lock is what a create that was
                         * killed midway left: runc removes it too. */
                        r = state_remove(ct.dir);
                        if (r < 0)
                                return log_error_errno(r, "Failed to remove %s: %m", ct.dir);
                        return 0;
                }
                if (r < 0)
                        return log_no_such_container(r, id);
        } else {
                r = container_open(rt, id, &ct);
                if (r < 0)
                        return r;
        }
        const char *dir = ct.dir;
        StateData *s = ct.s;
        ContainerStatus status = ct.status;
        if (status != CONTAINER_STOPPED) {
                if (!force)
                        return log_error_errno(EBUSY, "cannot delete container %s that is not stopped: %s", id,
                                               container_status_to_string(status));
                (void) proc_signal(s->pid, s->pid_start_time, SIGKILL, 0);
                (void) signal_all(s, SIGKILL);
                /* a frozen process dies of the pending SIGKILL only once thawed */
                if (status == CONTAINER_PAUSED && freeze_box(s, false) < 0)
                        log_warning("container %s: Failed to thaw it, the processes may stay", id);
                if (!wait_gone(s->pid, s->pid_start_time, 5000))
                        log_warning("container %s: the process did not exit after SIGKILL", id);
        }
        /* before the box and its cgroup go: they tell of OOM kills */
        note_exit(NULL, s, -1);

        if (s->unit && bus_systemd_running()) {
                r = bus_open(&bus);
                if (r < 0)
                        log_warning_errno(r, "Failed to connect to the system bus: %m");
        }
        r = box_stop(bus, s);
        if (r < 0)
                log_warning_errno(r, "Failed to end the box of %s: %m", id);
        if (s->machine && !box_is_native(s) && !proc_alive(s->nspawn_pid, s->nspawn_start_time)) {
                r = box_nspawn_remove_leftovers(s->machine);
                if (r < 0)
                        log_warning_errno(r, "container %s: Failed to remove what systemd-nspawn left behind: %m",
                                          id);
        }
        if (s->devices_cgroup) {
                r = cgroup_v1_remove("devices", s->devices_cgroup);
                if (r < 0)
                        log_warning_errno(r, "Failed to remove the devices cgroup %s: %m", s->devices_cgroup);
        }

        /* a create killed before it saved the plan ran no hook */
        _cleanup_free_ char *error = NULL;
        r = state_load_plan(dir, &plan, &error);
        if (r >= 0 && plan->config)
                (void) run_hooks(plan, OCI_HOOK_POSTSTOP, s, CONTAINER_STOPPED);
        else if (r != -ENOENT)
                log_warning_errno(r, "%s, the poststop hooks are not run",
                                  error ?: "Failed to read the plan: %m");

        r = state_remove(dir);
        if (r < 0)
                return log_error_errno(r, "Failed to remove %s: %m", dir);
        event(s, "deleted");
        return 0;
}

static volatile pid_t forward_pid = 0;

static void forward_signal(int sig) {
        if (forward_pid > 0)
                kill(forward_pid, sig);
}

static void forward_signals(pid_t pid) {
        static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
        struct sigaction sa = { .sa_handler = forward_signal, .sa_flags = SA_RESTART };

        forward_pid = pid;
        sigemptyset(&sa.sa_mask);
        for (size_t i = 0; i < ELEMENTSOF(sigs); i++)
                sigaction(sigs[i], &sa, NULL);
}

static int exit_code(int status) {
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return 255;
}

/* Waits for our child 'pid' (relaying the terminal if there is one) and returns its exit code. */
static int wait_child(pid_t pid, int master, int *ret_status) {
        int status = 0, r;

        forward_signals(pid);
        if (master >= 0) {
                r = console_relay(master, pid, &status);
                if (r < 0)
                        return log_error_errno(r, "Failed to relay the terminal: %m");
        } else
                while (waitpid(pid, &status, 0) < 0)
                        if (errno != EINTR)
                                return log_error_errno(errno, "Failed to wait for the process: %m");
        if (ret_status)
                *ret_status = status;
        return exit_code(status);
}

/* `run` waited for the container's process: the journal gets its exit status. */
static void note_run_exit(const Runtime *rt, const char *id, int status) {
        _cleanup_(container_done) Container ct = CONTAINER_NULL;

        if (container_open(rt, id, &ct) >= 0)
                note_exit(ct.dir, ct.s, status);
}

int lifecycle_run(const Runtime *rt, const CreateOptions *o) {
        _cleanup_close_ int master = -1;
        pid_t pid = 0;
        int r, code, status = 0;

        /* start takes the lock itself: create has let it go */
        r = do_create(rt, o, !o->detach && !o->console_socket, &pid, &master);
        if (r < 0)
                return r;
        r = do_start(rt, o->id);
        if (r < 0) {
                master = safe_close(master);
                (void) lifecycle_delete(rt, o->id, true);
                return r;
        }
        if (o->detach)
                return 0;
        code = wait_child(pid, master, &status);
        master = safe_close(master);
        if (code >= 0)
                note_run_exit(rt, o->id, status);
        if (!o->keep)
                (void) lifecycle_delete(rt, o->id, true);
        return code;
}

static int print_state_row(const Runtime *rt, const char *id, bool json, bool first) {
        _cleanup_(state_data_freep) StateData *s = NULL;
        _cleanup_free_ char *dir = strjoin(rt->root, "/", id), *out = NULL;

        if (!dir || state_load(dir, &s) < 0)
                return 0;
        ContainerStatus status = state_status(dir, s);
        if (json) {
                if (oci_json_oci_state(s, container_status_to_string(status), &out) < 0)
                        return log_oom();
                printf("%s%s", first ? "" : ",", out);
        } else
                printf("%-40s %-8d %-10s %-50s %s\n", id, status == CONTAINER_STOPPED ? 0 : (int) s->pid,
                       container_status_to_string(status), strna(s->bundle), strna(s->created));
        return 1;
}

int lifecycle_list(const Runtime *rt, bool json, bool quiet) {
        _cleanup_strv_free_ char **ids = NULL;
        bool first = true;
        int r;

        r = state_list(rt->root, &ids);
        if (r < 0)
                return log_error_errno(r, "Failed to list %s: %m", rt->root);
        if (quiet) {
                STRV_FOREACH(id, ids)
                        puts(*id);
                return 0;
        }
        if (json)
                fputs("[", stdout);
        else
                printf("%-40s %-8s %-10s %-50s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
        STRV_FOREACH(id, ids)
                if (print_state_row(rt, *id, json, first) > 0)
                        first = false;
        if (json)
                fputs("]\n", stdout);
        return 0;
}

int lifecycle_ps(const Runtime *rt, const char *id, bool json) {
        _cleanup_(container_done) Container ct = CONTAINER_NULL;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r;

        r = container_open(rt, id, &ct);
        if (r < 0)
                return r;
        if (ct.status == CONTAINER_STOPPED)
                return log_error_errno(ESRCH, "container %s: container not running", id);
        r = state_container_pids(ct.s, &pids, &n);
        if (r < 0)
                return log_error_errno(r, "Failed to list the processes of %s: %m", id);
        if (json) {
                fputs("[", stdout);
                for (size_t i = 0; i < n; i++)
                        printf("%s%d", i > 0 ? "," : "", (int) pids[i]);
                fputs("]\n", stdout);
                return 0;
        }
        printf("%-8s %s\n", "PID", "CMD");
        for (size_t i = 0; i < n; i++) {
                char path[64];
                _cleanup_free_ char *cmd = NULL;
                size_t len = 0;
                snprintf(path, sizeof(path), "/proc/%d/cmdline", (int) pids[i]);
                if (read_full_file(path, &cmd, &len) < 0)
                        continue;
                for (size_t k = 0; k + 1 < len; k++)
                        if (cmd[k] == 0)
                                cmd[k] = ' ';
                printf("%-8d %s\n", (int) pids[i], cmd);
        }
        return 0;
}

/* Builds exec's process from the container's own process and the command line's options, as runc. */
static int exec_process_from_options(const OciConfig *c, const ExecOptions *o, OciProcess **ret) {
        _cleanup_(oci_process_freep) OciProcess *p = calloc(1, sizeof(OciProcess));
        const OciProcess *base = &c->process;

        if (!p)
                return log_oom();
        p->args = strv_copy(o->args);
        p->env = strv_copy(base->env);
        p->cwd = strdup(o->cwd ?: base->cwd ?: "/");
        if (!p->args || !p->cwd || (base->env && !p->env))
                return log_oom();
        STRV_FOREACH(e, o->env)
                if (strv_extend(&p->env, *e) < 0)
                        return log_oom();
        p->terminal = o->tty;
        p->uid = base->uid;
        p->gid = base->gid;
        p->umask = base->umask;
        if (o->user_set) {
                p->uid = o->uid;
                p->gid = o->gid;
        }
        if (o->n_additional_gids > 0) {
                p->additional_gids = memdup(o->additional_gids, sizeof(gid_t) * o->n_additional_gids);
                if (!p->additional_gids)
                        return log_oom();
                p->n_additional_gids = o->n_additional_gids;
        }
        p->has_capabilities = base->has_capabilities;
        memcpy(p->cap_set_present, base->cap_set_present, sizeof(p->cap_set_present));
        memcpy(p->caps, base->caps, sizeof(p->caps));
        STRV_FOREACH(cap, o->caps) {
                int v = oci_capability_from_string(*cap);
                if (v < 0)
                        return log_error_errno(EINVAL, "--cap: unknown capability \"%s\"", *cap);
                for (int set = 0; set < _OCI_CAP_SET_MAX; set++)
                        if (set != OCI_CAP_AMBIENT) {
                                p->caps[set] |= UINT64_C(1) << v;
                                p->cap_set_present[set] = true;
                        }
                p->has_capabilities = true;
        }
        if (base->n_rlimits > 0) {
                p->rlimits = memdup(base->rlimits, sizeof(OciRlimit) * base->n_rlimits);
                if (!p->rlimits)
                        return log_oom();
                p->n_rlimits = base->n_rlimits;
        }
        p->no_new_privileges = o->no_new_privs || base->no_new_privileges;
        p->apparmor_profile = o->apparmor ? strdup(o->apparmor) :
                              base->apparmor_profile ? strdup(base->apparmor_profile) : NULL;
        p->selinux_label = o->process_label ? strdup(o->process_label) :
                           base->selinux_label ? strdup(base->selinux_label) : NULL;
        *ret = TAKE_PTR(p);
        return 0;
}

int lifecycle_exec(const Runtime *rt, const ExecOptions *o) {
        _cleanup_(container_done) Container ct = CONTAINER_NULL;
        const OciConfig *c;
        _cleanup_(oci_process_freep) OciProcess *p = NULL;
        _cleanup_(plan_freep) Plan *plan = NULL;
        _cleanup_(oci_seccomp_program_freep) SeccompProgram *seccomp = NULL;
        _cleanup_free_ char *error = NULL, *cache = NULL;
        _cleanup_close_ int master = -1, listener = -1, pidns = -1, mntns = -1;
        pid_t pid;
        int r;

        r = container_open(rt, o->id, &ct);
        if (r < 0)
                return r;
        const StateData *s = ct.s;
        ContainerStatus status = ct.status;
        if (status != CONTAINER_RUNNING && status != CONTAINER_CREATED)
                return log_error_errno(ESRCH, "cannot exec in container %s: container not running (%s)", o->id,
                                       container_status_to_string(status));
        /* exec does not change the container: others may use it meanwhile */
        ct.lock = safe_close(ct.lock);

        r = load_plan(ct.dir, &plan);
        if (r < 0)
                return r;
        c = plan->config;
        if (o->process_file) {
                r = oci_parse_process_file(o->process_file, &p, &error);
                if (r < 0)
                        return log_error_errno(r, "%s", error ?: "Failed to parse the process file");
        } else {
                if (strv_length(o->args) == 0)
                        return log_error_errno(EINVAL, "exec: no command given");
                r = exec_process_from_options(c, o, &p);
                if (r < 0)
                        return r;
        }
        if (o->tty)
                p->terminal = true;

        if (plan->seccomp.present) {
                cache = strjoin(rt->root, "/seccomp-cache");
                if (!cache)
                        return log_oom();
                r = oci_seccomp_program_from_plan(&plan->seccomp, cache, &seccomp);
                if (r < 0)
                        return r;
        }

        _cleanup_free_ char *keyring = s->no_new_keyring ? NULL : strjoin("_ses.", o->id);
        if (!s->no_new_keyring && !keyring)
                return log_oom();
        r = container_pidns_fd(plan, s, &pidns);
        if (r < 0)
                return log_error_errno(r, "cannot exec in container %s: container not running", o->id);
        r = process_mntns_fd(plan, s->pid, &mntns);
        if (r < 0)
                return r;
        SpawnOptions so = spawn_options(plan, s->holder_pid, pidns, mntns, p, seccomp, o->preserve_fds, keyring);
        r = spawn_process(&so, &pid, &master, &listener);
        if (r < 0)
                return r;
        r = send_seccomp_listener(seccomp, listener, s, pid, status);
        if (r < 0) {
                kill(pid, SIGKILL);
                return r;
        }
        listener = safe_close(listener);

        if (master >= 0 && o->console_socket) {
                r = console_send_fd(o->console_socket, master);
                if (r < 0) {
                        kill(pid, SIGKILL);
                        return log_error_errno(r, "Failed to send the terminal to %s: %m", o->console_socket);
                }
                master = safe_close(master);
        }
        if (o->pid_file) {
                r = write_pid_file(o->pid_file, pid);
                if (r < 0) {
                        kill(pid, SIGKILL);
                        return r;
                }
        }
        if (o->detach) {
                if (master >= 0) {
                        kill(pid, SIGKILL);
                        return log_error_errno(EINVAL, "exec --detach with a terminal needs --console-socket");
                }
                return 0;
        }
        return wait_child(pid, master, NULL);
}

static int freeze(const Runtime *rt, const char *id, bool on) {
        _cleanup_(container_done) Container ct = CONTAINER_NULL;
        int r;

        r = container_open(rt, id, &ct);
        if (r < 0)
                return r;
        ContainerStatus status = ct.status;
        if (on && status != CONTAINER_RUNNING)
                return log_error_errno(status == CONTAINER_PAUSED ? EALREADY : ESRCH,
                                       "cannot pause container %s: container not running (%s)", id,
                                       container_status_to_string(status));
        if (!on && status != CONTAINER_PAUSED)
                return log_error_errno(status == CONTAINER_STOPPED ? ESRCH : EINVAL,
                                       "cannot resume container %s: container not paused (%s)", id,
                                       container_status_to_string(status));
        r = freeze_box(ct.s, on);
        if (r < 0)
                return log_error_errno(r, "Failed to %s container %s: %m", on ? "pause" : "resume", id);
        event(ct.s, on ? "paused" : "resumed");
        return 0;
}

int lifecycle_pause(const Runtime *rt, const char *id) {
        return freeze(rt, id, true);
}

int lifecycle_resume(const Runtime *rt, const char *id) {
        return freeze(rt, id, false);
}
