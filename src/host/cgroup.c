/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroupfs directly: for hosts without systemd, and to put processes where the box is.
 * Runs as root on the host. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <systemd/sd-login.h>

#include "host/cgroup.h"
#include "base/log.h"
#include "base/util.h"

/* Where the hierarchies are mounted, and the /proc whose PID/cgroup files say where a process is. */
static const char *cgroupfs = "/sys/fs/cgroup";
static const char *procfs = "/proc";

void cgroup_set_roots(const char *cgroupfs_root, const char *proc_root) {
        cgroupfs = cgroupfs_root ?: "/sys/fs/cgroup";
        procfs = proc_root ?: "/proc";
}

bool cgroup_unified(void) {
        struct statfs fs;
        return statfs(cgroupfs, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

static int write_string(const char *path, const char *value) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        size_t n = strlen(value);

        if (fd < 0)
                return negative_errno();
        if (write(fd, value, n) != (ssize_t) n)
                return negative_errno();
        return 0;
}

static int write_pid(const char *dir, pid_t pid) {
        _cleanup_free_ char *p = strjoin(dir, "/cgroup.procs");
        char buf[32];

        if (!p)
                return -ENOMEM;
        snprintf(buf, sizeof(buf), "%d\n", (int) pid);
        return write_string(p, buf);
}

/* Each line of /proc/PID/cgroup: "ID:CONTROLLERS:PATH". Calls f for every hierarchy's mount dir. */
typedef int (*HierarchyFunc)(const char *hierarchy_dir, const char *path, void *userdata);

/* The mount point of a hierarchy by the controllers /proc/PID/cgroup names it with ("" for the
 * unified one). */
static int hierarchy_dir(const char *controllers, char **ret) {
        char *d;

        if (isempty(controllers))
                d = cgroup_unified() ? strdup(cgroupfs) : strjoin(cgroupfs, "/unified");
        else if (startswith(controllers, "name="))
                d = strjoin(cgroupfs, "/", controllers + 5);
        else
                d = strjoin(cgroupfs, "/", controllers);
        if (!d)
                return -ENOMEM;
        *ret = d;
        return 0;
}

/* /proc/PID/cgroup (our own for 0): one "ID:CONTROLLERS:PATH" line per hierarchy. */
static int read_proc_cgroup(pid_t pid, char **ret) {
        _cleanup_free_ char *path = NULL;

        if (asprintf_safe(&path, "%s/%d/cgroup", procfs, (int) (pid ?: getpid())) < 0)
                return -ENOMEM;
        return read_full_file(path, ret, NULL);
}

/* Splits the next line of read_proc_cgroup()'s data in place; false at the end. */
static bool next_cgroup_line(char **cursor, char **ret_controllers, char **ret_path) {
        while (**cursor) {
                char *line = *cursor, *nl = strchr(line, '\n'), *c, *p;

                *cursor = nl ? nl + 1 : line + strlen(line);
                if (nl)
                        *nl = 0;
                if (!(c = strchr(line, ':')) || !(p = strchr(c + 1, ':')))
                        continue;
                *p = 0;
                *ret_controllers = c + 1;
                *ret_path = p + 1;
                return true;
        }
        return false;
}

static int for_each_hierarchy(pid_t pid, HierarchyFunc f, const char *path, void *userdata) {
        _cleanup_free_ char *data = NULL;
        char *cursor, *controllers, *p;
        int r, ret = 0;

        r = read_proc_cgroup(pid, &data);
        if (r < 0)
                return r;
        for (cursor = data; next_cgroup_line(&cursor, &controllers, &p);) {
                _cleanup_free_ char *dir = NULL;
                r = hierarchy_dir(controllers, &dir);
                if (r < 0)
                        return r;
                if (access(dir, F_OK) < 0)
                        continue;
                r = f(dir, path ?: p, userdata);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        return ret;
}

/* A new v1 cpuset cgroup starts with empty cpus and mems, and refuses tasks until they are set:
 * copy them down from the parent at every level, as runc does. */
static int cpuset_fill(const char *dir, const char *path) {
        _cleanup_free_ char *p = strdup(path);
        char *slash;

        if (!p)
                return -ENOMEM;
        for (slash = p + 1;; slash++) {
                slash = strchr(slash, '/');
                if (slash)
                        *slash = 0;
                for (size_t i = 0; i < 2; i++) {
                        const char *file = i == 0 ? "cpuset.cpus" : "cpuset.mems";
                        _cleanup_free_ char *child = strjoin(dir, p, "/", file), *value = NULL;
                        _cleanup_free_ char *parent_dir = strjoin(dir, p), *parent = NULL;
                        if (!child || !parent_dir)
                                return -ENOMEM;
                        *strrchr(parent_dir, '/') = 0;
                        parent = strjoin(parent_dir, "/", file);
                        if (!parent)
                                return -ENOMEM;
                        if (read_full_file(child, &value, NULL) < 0 || !(isempty(value) || streq(value, "\n")))
                                continue;
                        value = mfree(value);
                        if (read_full_file(parent, &value, NULL) < 0)
                                continue;
                        (void) write_string(child, value);
                }
                if (!slash)
                        break;
                *slash = '/';
        }
        return 0;
}

typedef struct Enter {
        pid_t pid;
        bool create;    /* make the cgroup first */
} Enter;

static int enter_one(const char *dir, const char *path, void *userdata) {
        const Enter *e = userdata;
        _cleanup_free_ char *full = strjoin(dir, path);
        int r;

        if (!full)
                return -ENOMEM;
        if (e->create) {
                r = mkdir_p(full, 0755);
                /* read-only hierarchies (inside a container) are skipped */
                if (r == -EROFS || r == -EACCES || r == -EPERM)
                        return 0;
                if (r < 0)
                        return r;
                if (endswith(dir, "/cpuset"))
                        (void) cpuset_fill(dir, path);
        }
        r = write_pid(full, e->pid);
        /* hierarchies we cannot write (read-only inside a container) keep the pid where it is */
        if (r == -EROFS || r == -EACCES || (!e->create && r == -ENOENT))
                return 0;
        return r;
}

int cgroup_create_and_enter(const char *path, pid_t pid) {
        return for_each_hierarchy(0, enter_one, path, &(Enter) { .pid = pid, .create = true });
}

int cgroup_enter_like(pid_t like, pid_t pid) {
        return for_each_hierarchy(like, enter_one, NULL, &(Enter) { .pid = pid });
}

/* v2: waits until the cgroup.events of 'dir' has the line 'want' ("populated 0", "frozen 1"), at most
 * timeout_ms. The kernel wakes a poll() for POLLPRI on that file at every change of its values, so
 * nothing is polled on a timer. 1 when the line is there, 0 on a timeout, < 0 when the file cannot be
 * read (v1, or the cgroup is gone). */
static int events_wait(const char *dir, const char *want, int timeout_ms) {
        _cleanup_free_ char *path = strjoin(dir, "/cgroup.events");
        _cleanup_close_ int fd = -1;
        int64_t end = (int64_t) now_ms() + timeout_ms;
        size_t k;

        if (!path)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        k = strlen(want);
        for (;;) {
                char buf[512];
                ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

                if (n < 0)
                        return negative_errno();
                buf[n] = 0;
                for (const char *l = buf; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
                        if (strncmp(l, want, k) == 0 && (l[k] == '\n' || l[k] == 0))
                                return 1;
                int64_t left = end - (int64_t) now_ms();
                if (left <= 0)
                        return 0;
                struct pollfd p = { .fd = fd, .events = POLLPRI };
                if (poll(&p, 1, (int) left) < 0 && errno != EINTR)
                        return negative_errno();
        }
}

/* SIGKILLs what is still in one cgroup (not its children). */
static void kill_procs(const char *path) {
        _cleanup_free_ char *procs = strjoin(path, "/cgroup.procs"), *data = NULL;
        char *save = NULL;

        if (!procs || read_full_file(procs, &data, NULL) < 0)
                return;
        for (char *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                int pid;
                if (safe_atoi(l, &pid) >= 0 && pid > 1)
                        (void) kill(pid, SIGKILL);
        }
}

/* rmdir()s a cgroup and the children nspawn made in it (payload, supervisor), deepest first. What is
 * still in it is the rest of this container (nspawn's children outlive a killed nspawn briefly): it is
 * killed and waited for, bounded, so that a failed create or a delete leaves no cgroup behind. */
static int rmdir_tree(const char *path) {
        _cleanup_(closedirp) DIR *d = opendir(path);
        struct dirent *de;

        if (!d)
                return errno == ENOENT ? 0 : negative_errno();
        while ((de = readdir(d))) {
                if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                _cleanup_free_ char *child = strjoin(path, "/", de->d_name);
                if (!child)
                        return -ENOMEM;
                (void) rmdir_tree(child);
        }
        for (int i = 0; i < 100; i++) {
                if (rmdir(path) >= 0 || errno == ENOENT || errno == EROFS)
                        return 0;
                if (errno != EBUSY)
                        return negative_errno();
                kill_procs(path);
                /* v2 says when the last process has left; v1 is asked again */
                if (events_wait(path, "populated 0", 20) < 0)
                        usleep(20000);
        }
        return -EBUSY;
}

static int remove_one(const char *dir, const char *path, void *userdata) {
        _cleanup_free_ char *full = strjoin(dir, path);

        if (!full)
                return -ENOMEM;
        return rmdir_tree(full);
}

int cgroup_remove(const char *path) {
        if (isempty(path) || streq(path, "/"))
                return 0;
        return for_each_hierarchy(0, remove_one, path, NULL);
}

int cgroup_v1_at_root(pid_t pid, const char *controller) {
        _cleanup_free_ char *current = NULL;
        int r;

        r = cgroup_controller_path(pid, controller, &current);
        if (r < 0)
                return r;
        return streq(current, "/");
}

int cgroup_v1_enter_own(pid_t pid, const char *controller, const char *path) {
        _cleanup_free_ char *dir = NULL, *full = NULL;
        int r;

        if (isempty(path) || streq(path, "/"))
                return -EINVAL;
        r = hierarchy_dir(controller, &dir);
        if (r < 0)
                return r;
        full = strjoin(dir, path);
        if (!full)
                return -ENOMEM;
        /* Safety: the path is the container's unit path in a hierarchy of the host's; only directories
         * are created, and pid (the holder) is the only process moved. */
        r = mkdir_p(full, 0755);
        if (r < 0)
                return r;
        r = write_pid(full, pid);
        if (r < 0) {
                (void) cgroup_v1_remove(controller, path);
                return r;
        }
        return 0;
}

int cgroup_v1_remove(const char *controller, const char *path) {
        _cleanup_free_ char *dir = NULL, *full = NULL;
        int r;

        if (isempty(path) || streq(path, "/"))
                return 0;
        r = hierarchy_dir(controller, &dir);
        if (r < 0)
                return r;
        full = strjoin(dir, path);
        if (!full)
                return -ENOMEM;
        r = rmdir_tree(full);
        if (r < 0)
                return r;
        /* the slices above, made by cgroup_v1_own(): gone once nothing else is in them */
        for (char *slash = strrchr(full, '/'); slash && slash > full + strlen(dir); slash = strrchr(full, '/')) {
                *slash = 0;
                if (streq(full, dir) || rmdir(full) < 0)
                        break;
        }
        return 0;
}

/* Makes the controllers of the cgroup above 'dir' available in 'dir': each one on its own, so that one
 * the kernel refuses does not keep the others away. */
static void enable_controllers_above(const char *dir) {
        _cleanup_free_ char *parent = strdup(dir), *list = NULL, *controllers = NULL, *subtree = NULL;
        char *slash, *save = NULL;

        if (!parent || !(slash = strrchr(parent, '/')) || slash == parent)
                return;
        *slash = 0;
        controllers = strjoin(parent, "/cgroup.controllers");
        subtree = strjoin(parent, "/cgroup.subtree_control");
        if (!controllers || !subtree || read_full_file(controllers, &list, NULL) < 0)
                return;
        for (char *c = strtok_r(list, " \n", &save); c; c = strtok_r(NULL, " \n", &save)) {
                _cleanup_free_ char *plus = strjoin("+", c);
                if (plus)
                        (void) write_string(subtree, plus);
        }
}

int cgroup_unified_dir(pid_t like, char **ret_path, char **ret_dir) {
        _cleanup_free_ char *path = NULL, *top = NULL;
        char *dir;
        int r;

        r = cgroup_controller_path(like, "", &path);
        if (r < 0)
                return r;
        if (streq(path, "/"))
                return -EPERM; /* never the machine's root */
        r = hierarchy_dir("", &top);
        if (r < 0)
                return r;
        dir = strjoin(top, path);
        if (!dir)
                return -ENOMEM;
        *ret_dir = dir;
        if (ret_path)
                *ret_path = TAKE_PTR(path);
        return 0;
}

int cgroup_v2_mirror_limits(pid_t like, const OciResources *res) {
        _cleanup_free_ char *dir = NULL;
        CgroupWrite *w = NULL;
        size_t n = 0;
        int r, ret = 0;

        r = cgroup_unified_dir(like, NULL, &dir);
        if (r < 0)
                return r;
        r = resources_to_cgroup_writes(res, true, &w, &n);
        if (r < 0)
                return r;
        /* Safety: dir is the holder's own cgroup below the container's delegated scope (nspawn's
         * payload/), and its parent is that scope: both are the container's. */
        enable_controllers_above(dir);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *p = strjoin(dir, "/", w[i].file);
                if (!p) {
                        ret = -ENOMEM;
                        break;
                }
                r = write_string(p, w[i].value);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        cgroup_writes_free(w, n);
        return ret;
}

int cgroup_v2_kill(pid_t like) {
        _cleanup_free_ char *dir = NULL, *file = NULL;
        int r;

        if (!cgroup_unified())
                return -EOPNOTSUPP;
        r = cgroup_unified_dir(like, NULL, &dir);
        if (r < 0)
                return r;
        file = strjoin(dir, "/cgroup.kill");
        if (!file)
                return -ENOMEM;
        /* Safety: the cgroup of the box's holder (nspawn's payload/ or the container's own cgroup):
         * the container's processes and the holder, nothing of the host; the kernel SIGKILLs them all
         * at once, those forked meanwhile too (Linux 5.14). */
        return write_string(file, "1");
}

int cgroup_of(pid_t pid, char **ret) {
        return sd_pid_get_cgroup(pid, ret);
}

/* Appends the pids in 'dir' and every cgroup below it to *pids. */
static int collect_pids(const char *dir, pid_t **pids, size_t *n) {
        _cleanup_free_ char *procs = strjoin(dir, "/cgroup.procs"), *data = NULL;
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;
        int r;

        if (!procs)
                return -ENOMEM;
        r = read_full_file(procs, &data, NULL);
        if (r < 0)
                return r;
        for (char *save = NULL, *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                int v;
                if (safe_atoi(l, &v) < 0 || v <= 0)
                        continue;
                pid_t *np = realloc(*pids, sizeof(pid_t) * (*n + 1));
                if (!np)
                        return -ENOMEM;
                *pids = np;
                (*pids)[(*n)++] = v;
        }

        d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : negative_errno();
        while ((de = readdir(d))) {
                if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                _cleanup_free_ char *child = strjoin(dir, "/", de->d_name);
                if (!child)
                        return -ENOMEM;
                r = collect_pids(child, pids, n);
                /* removed meanwhile: its processes have gone */
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        return 0;
}

int cgroup_pids(const char *path, pid_t **ret, size_t *ret_n) {
        static const char * const hierarchies[] = { "/systemd", "/unified", "" };
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r = -ENOENT;

        if (isempty(path))
                return -ENOENT;
        /* the first hierarchy that has the cgroup is the one every process is in */
        for (size_t i = 0; i < ELEMENTSOF(hierarchies) && r == -ENOENT; i++) {
                _cleanup_free_ char *dir = strjoin(cgroupfs, hierarchies[i], path);
                if (!dir)
                        return -ENOMEM;
                r = collect_pids(dir, &pids, &n);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(pids);
        *ret_n = n;
        return 0;
}

/* The number after "key " in a file of "key value" lines. */
static int read_keyed(const char *file, const char *key, uint64_t *ret) {
        _cleanup_free_ char *data = NULL;
        size_t n = strlen(key);
        int r;

        r = read_full_file(file, &data, NULL);
        if (r < 0)
                return r;
        for (char *save = NULL, *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                if (strncmp(l, key, n) == 0 && l[n] == ' ')
                        return safe_atou64(l + n + 1, ret);
        return -ENOENT;
}

int cgroup_oom_kills(const char *path, uint64_t *ret) {
        _cleanup_free_ char *memory = NULL, *unified = NULL, *v1 = NULL, *v2 = NULL;

        if (isempty(path) || streq(path, "/"))
                return -ENOENT;
        if (hierarchy_dir("memory", &memory) < 0 || hierarchy_dir("", &unified) < 0)
                return -ENOMEM;
        v1 = strjoin(memory, path, "/memory.oom_control");
        v2 = strjoin(unified, path, "/memory.events");
        if (!v1 || !v2)
                return -ENOMEM;
        /* the v1 memory controller where there is one, since it then holds the memory cgroups */
        if (!cgroup_unified() && read_keyed(v1, "oom_kill", ret) >= 0)
                return 0;
        return read_keyed(v2, "oom_kill", ret);
}

int cgroup_controller_path(pid_t pid, const char *controller, char **ret) {
        _cleanup_free_ char *data = NULL;
        char *cursor, *controllers, *p;
        int r;

        r = read_proc_cgroup(pid, &data);
        if (r < 0)
                return r;
        for (cursor = data; next_cgroup_line(&cursor, &controllers, &p);) {
                bool match = isempty(controller) ? isempty(controllers) : false;
                /* v1 lines list co-mounted controllers: "cpu,cpuacct" */
                for (char *save = NULL, *t = strtok_r(controllers, ",", &save); !match && t;
                     t = strtok_r(NULL, ",", &save))
                        match = streq(t, controller);
                if (!match)
                        continue;
                char *v = strdup(p);
                if (!v)
                        return -ENOMEM;
                *ret = v;
                return 0;
        }
        return -ENOENT;
}

/* v2: a controller's files show in a cgroup only where its parent enables the controller for its
 * children, and systemd enables only the controllers it manages (not hugetlb, rdma or misc). Where
 * such a file of the container's cgroup 'path' is missing, the controller is enabled from the root of
 * the hierarchy 'top' down to the container's cgroup, as runc does for every controller.
 * Safety: "+controller" in a cgroup.subtree_control gives its children the controller's files, and
 * limits nothing: each child starts without a limit of that controller. */
static void enable_controller_down(const char *top, const char *path, const char *file) {
        _cleanup_free_ char *controller = strndup(file, strcspn(file, ".")), *p = strdup(path);

        if (!controller || !p || streq(controller, "cgroup"))
                return;
        _cleanup_free_ char *plus = strjoin("+", controller);
        if (!plus)
                return;
        /* the root, then every cgroup above the container's own */
        for (char *slash = p; slash; slash = strchr(slash + 1, '/')) {
                char c = *slash;

                *slash = 0;
                _cleanup_free_ char *subtree = strjoin(top, p, "/cgroup.subtree_control");
                *slash = c;
                if (!subtree)
                        return;
                (void) write_string(subtree, plus);
        }
}

int cgroup_apply_writes(pid_t like, const CgroupWrite *w, size_t n) {
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL, *p = NULL;
                int r = cgroup_controller_path(like, w[i].controller, &path);
                if (r < 0)
                        return log_error_errno(r, "Failed to find the %s cgroup of the container: %m",
                                               isempty(w[i].controller) ? "unified" : w[i].controller);
                /* a limit on a hierarchy's root would bind the whole machine: a unit has none of its
                 * own in a controller that systemd does not manage (a systemd that booted with the
                 * cgroup v1 controllers read-only) */
                if (streq(path, "/")) {
                        log_warning("The container has no %s cgroup of its own: %s=%s not set, ignoring",
                                    isempty(w[i].controller) ? "unified" : w[i].controller, w[i].file,
                                    w[i].value);
                        continue;
                }
                _cleanup_free_ char *dir = NULL;
                r = hierarchy_dir(w[i].controller, &dir);
                if (r < 0)
                        return r;
                /* co-mounted controllers: "cpu" lives in "cpu,cpuacct" on some hosts */
                if (!isempty(w[i].controller) && access(dir, F_OK) < 0) {
                        free(dir);
                        dir = strjoin(cgroupfs, "/", w[i].controller, ",cpuacct");
                        if (!dir)
                                return -ENOMEM;
                }
                p = strjoin(dir, path, "/", w[i].file);
                if (!p)
                        return -ENOMEM;
                if (isempty(w[i].controller) && access(p, F_OK) < 0 && errno == ENOENT)
                        enable_controller_down(dir, path, w[i].file);
                r = write_string(p, w[i].value);
                if (r < 0)
                        return log_error_errno(r, "Failed to write %s to %s: %m", w[i].value, p);
        }
        return 0;
}

static int read_first_line(const char *path, char **ret) {
        _cleanup_free_ char *v = NULL;
        int r = read_full_file(path, &v, NULL);

        if (r < 0)
                return r;
        v[strcspn(v, "\n")] = 0;
        *ret = TAKE_PTR(v);
        return 0;
}

/* The freezer file of the container's cgroups: its own v1 freezer cgroup where it has one (hosts
 * without systemd), else cgroup.freeze of its cgroup in the v2 hierarchy, which every cgroup2 mount
 * has, the unified one of a hybrid host included. systemd leaves the v1 freezer at its root: freezing
 * that would freeze the whole machine. */
static int freezer_file(pid_t like, bool *ret_v1, char **ret) {
        _cleanup_free_ char *path = NULL, *dir = NULL;
        bool v1;
        char *f;
        int r;

        v1 = !cgroup_unified() && cgroup_controller_path(like, "freezer", &path) >= 0 && !streq(path, "/");
        if (!v1) {
                path = mfree(path);
                if (cgroup_controller_path(like, "", &path) < 0 || streq(path, "/"))
                        return -EOPNOTSUPP;
        }
        r = hierarchy_dir(v1 ? "freezer" : "", &dir);
        if (r < 0)
                return r;
        f = strjoin(dir, path, v1 ? "/freezer.state" : "/cgroup.freeze");
        if (!f)
                return -ENOMEM;
        *ret_v1 = v1;
        if (access(f, F_OK) < 0) {
                free(f);
                return -EOPNOTSUPP;
        }
        *ret = f;
        return 0;
}

/* v2: "frozen 1" in cgroup.events is the effective state, also when an ancestor was frozen. */
static int v2_frozen(const char *freeze_file) {
        _cleanup_free_ char *events = strdup(freeze_file), *data = NULL;
        int r;

        if (!events)
                return -ENOMEM;
        strcpy(strrchr(events, '/'), "/cgroup.events");
        r = read_full_file(events, &data, NULL);
        if (r < 0)
                return r;
        return strstr(data, "frozen 1") != NULL;
}

bool cgroup_frozen(pid_t like) {
        _cleanup_free_ char *file = NULL, *v = NULL;
        bool v1;

        if (freezer_file(like, &v1, &file) < 0)
                return false;
        if (!v1)
                return v2_frozen(file) > 0;
        return read_first_line(file, &v) >= 0 && (streq(v, "FROZEN") || streq(v, "FREEZING"));
}

int cgroup_freeze(pid_t like, bool freeze) {
        _cleanup_free_ char *file = NULL;
        bool v1;
        int r;

        r = freezer_file(like, &v1, &file);
        if (r < 0)
                return r;
        /* The kernel may take a moment (a task in an uninterruptible sleep): wait until the state is
         * reached, as runc does, and give up after 5 s rather than leave it half frozen. */
        if (!v1) {
                _cleanup_free_ char *dir = strndup(file, strrchr(file, '/') - file);

                if (!dir)
                        return -ENOMEM;
                r = write_string(file, freeze ? "1" : "0");
                if (r < 0)
                        return r;
                /* woken by the change itself (cgroup.events), not on a timer */
                r = events_wait(dir, freeze ? "frozen 1" : "frozen 0", 5000);
                if (r != 0)
                        return r < 0 ? r : 0;
        } else
                for (int i = 0; i < 500; i++) {
                        _cleanup_free_ char *v = NULL;

                        /* v1 asks again: FREEZING may stay until it is written once more */
                        r = write_string(file, freeze ? "FROZEN" : "THAWED");
                        if (r < 0)
                                return r;
                        r = read_first_line(file, &v);
                        if (r < 0)
                                return r;
                        if (streq(v, freeze ? "FROZEN" : "THAWED"))
                                return 0;
                        usleep(10000);
                }
        if (freeze)
                (void) write_string(file, v1 ? "THAWED" : "0");
        return -EBUSY;
}
