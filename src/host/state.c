/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The state directory under --root, and process liveness by pid plus start time.
 * Runs as root on the host. */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "oci/oci-parse.h"
#include "host/cgroup.h"
#include "oci/oci-json.h"
#include "base/log.h"
#include "host/state.h"
#include "plan/plan-saved.h"

static const char * const container_status_table[_CONTAINER_STATUS_MAX] = {
        [CONTAINER_CREATING] = "creating",
        [CONTAINER_CREATED] = "created",
        [CONTAINER_RUNNING] = "running",
        [CONTAINER_PAUSED] = "paused",
        [CONTAINER_STOPPED] = "stopped",
};

DEFINE_STRING_TABLE_TO_STRING(container_status, ContainerStatus)

bool state_id_is_valid(const char *id) {
        size_t n;

        if (isempty(id) || streq(id, ".") || streq(id, ".."))
                return false;
        n = strlen(id);
        if (n > 1024)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = id[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '+' || c == '-' || c == '.'))
                        return false;
        }
        return true;
}

static int lock_dir(const char *dir, int flags, int *ret) {
        _cleanup_free_ char *p = strjoin(dir, "/lock");
        _cleanup_close_ int fd = -1;

        if (!p)
                return -ENOMEM;
        fd = open(p, O_RDWR | O_CLOEXEC | O_NOCTTY | flags, 0600);
        if (fd < 0)
                return negative_errno();
        if (flock(fd, LOCK_EX) < 0)
                return negative_errno();
        *ret = TAKE_FD(fd);
        return 0;
}

/* The lock of a new directory: made under another name, locked, then renamed into place, so that the
 * lock file never exists unlocked while its create lives. */
static int lock_new_dir(const char *dir, int *ret) {
        _cleanup_free_ char *tmp = NULL, *p = strjoin(dir, "/lock");
        _cleanup_close_ int fd = -1;

        if (!p || asprintf_safe(&tmp, "%s/lock.new.%d", dir, (int) getpid()) < 0)
                return -ENOMEM;
        fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
        if (fd < 0)
                return negative_errno();
        if (flock(fd, LOCK_EX) < 0 || rename(tmp, p) < 0) {
                int r = negative_errno();
                (void) unlink(tmp);
                return r;
        }
        *ret = TAKE_FD(fd);
        return 0;
}

/* A directory that a create killed before it saved any state left: its lock is there and nobody holds
 * it, and it has no state.json. Nothing was started for it yet. A directory without a lock is a create
 * on its way, unless it is a minute old (killed between its mkdir() and its lock). */
static bool dir_is_stale(const char *dir) {
        _cleanup_free_ char *lock = strjoin(dir, "/lock"), *state = strjoin(dir, "/state.json");
        _cleanup_close_ int fd = -1;
        struct stat st;

        if (!lock || !state || access(state, F_OK) == 0)
                return false;
        fd = open(lock, O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return errno == ENOENT && stat(dir, &st) == 0 && st.st_mtime + 60 < time(NULL);
        return flock(fd, LOCK_EX | LOCK_NB) == 0 && access(state, F_OK) < 0;
}

int state_dir(const char *root, const char *id, char **ret) {
        char *dir;

        if (!state_id_is_valid(id))
                return -EINVAL;
        dir = strjoin(root, "/", id);
        if (!dir)
                return -ENOMEM;
        *ret = dir;
        return 0;
}

int state_remove_stale(const char *root, const char *id) {
        _cleanup_free_ char *dir = strjoin(root, "/", id);

        if (!dir)
                return -ENOMEM;
        if (!state_id_is_valid(id) || !dir_is_stale(dir))
                return 0;
        return state_remove(dir) < 0 ? -EBUSY : 1;
}

int state_create(const char *root, const char *id, char **ret_dir, int *ret_lock) {
        _cleanup_free_ char *dir = NULL;
        int r;

        r = mkdir_p(root, 0700);
        if (r < 0)
                return r;
        dir = strjoin(root, "/", id);
        if (!dir)
                return -ENOMEM;
        /* mkdir() is the atomic claim on the id: of two creates of the same id one gets EEXIST. What
         * a killed create left before saving anything is cleared first. */
        if (mkdir(dir, 0700) < 0) {
                if (errno != EEXIST)
                        return negative_errno();
                r = state_remove_stale(root, id);
                if (r <= 0)
                        return r < 0 ? r : -EEXIST;
                if (mkdir(dir, 0700) < 0)
                        return negative_errno();
        }
        r = lock_new_dir(dir, ret_lock);
        if (r < 0) {
                rmdir(dir);
                return r;
        }
        *ret_dir = TAKE_PTR(dir);
        return 0;
}

int state_lock(const char *root, const char *id, char **ret_dir, int *ret_lock) {
        _cleanup_free_ char *dir = NULL;
        int r;

        r = state_dir(root, id, &dir);
        if (r < 0)
                return r == -EINVAL ? -ENOENT : r;
        r = lock_dir(dir, 0, ret_lock);
        if (r < 0)
                return r;
        /* A concurrent delete may have removed the directory while we waited for the lock. */
        if (access(dir, F_OK) < 0) {
                *ret_lock = safe_close(*ret_lock);
                return -ENOENT;
        }
        *ret_dir = TAKE_PTR(dir);
        return 0;
}

int state_load(const char *dir, StateData **ret) {
        _cleanup_free_ char *p = strjoin(dir, "/state.json"), *data = NULL, *error = NULL;
        size_t size;
        int r;

        if (!p)
                return -ENOMEM;
        r = read_full_file(p, &data, &size);
        if (r < 0)
                return r;
        r = oci_parse_state(data, size, ret, &error);
        if (r < 0) {
                log_debug("%s: %s", p, strna(error));
                return r == -ENOMEM ? r : -EBADMSG;
        }
        return 0;
}

/* Writes the JSON text to dir/name, atomically: a reader sees the old file or the new, whole. */
static int save_json(const char *dir, const char *name, const char *json) {
        _cleanup_free_ char *path = strjoin(dir, "/", name);

        if (!path)
                return -ENOMEM;
        return write_file_atomic(path, json, strlen(json), 0600);
}

int state_save(const char *dir, const StateData *s) {
        _cleanup_free_ char *json = NULL;
        int r;

        r = oci_json_state(s, &json);
        if (r < 0)
                return r;
        return save_json(dir, "state.json", json);
}

int state_save_plan(const char *dir, const Plan *p) {
        _cleanup_free_ char *json = NULL;
        int r;

        r = oci_json_plan(p, &json);
        if (r < 0)
                return r;
        return save_json(dir, "plan.json", json);
}

int state_load_plan(const char *dir, Plan **ret, char **ret_error) {
        _cleanup_free_ char *path = strjoin(dir, "/plan.json"), *data = NULL;
        size_t size;
        int r;

        if (!path)
                return -ENOMEM;
        r = read_full_file(path, &data, &size);
        if (r < 0) {
                if (asprintf(ret_error, "%s: %s", path, strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        return plan_saved_parse(data, size, path, ret, ret_error);
}

int state_remove(const char *dir) {
        _cleanup_(closedirp) DIR *d = opendir(dir);
        struct dirent *de;

        if (!d)
                return errno == ENOENT ? 0 : negative_errno();
        while ((de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                /* Only plain entries live here; never recurse (nothing may be mounted here). */
                if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
                        return negative_errno();
        }
        if (rmdir(dir) < 0 && errno != ENOENT)
                return negative_errno();
        return 0;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char * const *) a, *(char * const *) b);
}

int state_list(const char *root, char ***ret) {
        _cleanup_(closedirp) DIR *d = opendir(root);
        _cleanup_strv_free_ char **l = NULL;
        struct dirent *de;
        int r;

        if (!d) {
                if (errno != ENOENT)
                        return negative_errno();
        } else
                while ((de = readdir(d))) {
                        if (de->d_type != DT_DIR || !state_id_is_valid(de->d_name))
                                continue;
                        r = strv_extend(&l, de->d_name);
                        if (r < 0)
                                return r;
                }
        if (l)
                qsort(l, strv_length(l), sizeof(char *), cmp_str);
        else {
                l = calloc(1, sizeof(char *));
                if (!l)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int state_fifo_path(const char *dir, char **ret) {
        char *p = strjoin(dir, "/" PLAN_EXEC_FIFO);
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

/* Reads /proc/PID/stat; returns the state character and the start time. */
static int proc_stat(pid_t pid, char *ret_state, uint64_t *ret_start) {
        char path[64], *p;
        _cleanup_free_ char *data = NULL;
        unsigned long long start;
        int r;

        if (pid <= 0)
                return -ESRCH;
        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        r = read_full_file(path, &data, NULL);
        if (r == -ENOENT)
                return -ESRCH;
        if (r < 0)
                return r;
        /* The command name may contain anything, spaces and ')' too: parse after the last ')'. */
        p = strrchr(data, ')');
        if (!p)
                return -EIO;
        /* after ") " come field 3 (state) … field 22 (starttime): skip 19 fields after the state */
        char state;
        if (sscanf(p + 2, "%c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu",
                   &state, &start) != 2)
                return -EIO;
        if (ret_state)
                *ret_state = state;
        if (ret_start)
                *ret_start = start;
        return 0;
}

int proc_start_time(pid_t pid, uint64_t *ret) {
        return proc_stat(pid, NULL, ret);
}

bool proc_alive(pid_t pid, uint64_t start_time) {
        char state;
        uint64_t st;

        if (proc_stat(pid, &state, &st) < 0)
                return false;
        return st == start_time && state != 'Z' && state != 'X';
}

int proc_signal(pid_t pid, uint64_t start_time, int sig, int wait_ms) {
        _cleanup_close_ int fd = pidfd_open_safe(pid);
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int r;

        if (fd < 0 || !proc_alive(pid, start_time))
                return -ESRCH;
        r = pidfd_send_signal_safe(fd, sig);
        if (r < 0 || wait_ms <= 0)
                return r;
        r = poll(&p, 1, wait_ms);
        if (r < 0)
                return negative_errno();
        return r == 0 ? -ETIMEDOUT : 0;
}

int state_container_cgroup(const StateData *s, char **ret) {
        char *p;

        if (isempty(s->cgroup))
                return -ENOENT;
        p = strdup(s->cgroup);
        if (!p)
                return -ENOMEM;
        /* With a unit, create recorded the holder's cgroup, which nspawn made below the scope. Without
         * one it recorded the cgroupsPath itself, whatever its last component is called. */
        if (s->unit && endswith(p, "/payload"))
                p[strlen(p) - strlen("/payload")] = 0;
        *ret = p;
        return 0;
}

int state_container_pids(const StateData *s, pid_t **ret, size_t *ret_n) {
        _cleanup_free_ char *cgroup = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0, k = 0;
        int r;

        r = state_container_cgroup(s, &cgroup);
        if (r < 0)
                return r;
        r = cgroup_pids(cgroup, &pids, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                if (pids[i] != s->holder_pid && pids[i] != s->nspawn_pid)
                        pids[k++] = pids[i];
        *ret = TAKE_PTR(pids);
        *ret_n = k;
        return 0;
}

/* Reads the freezer state of the box's cgroup: the v1 freezer, or v2's cgroup.freeze (also the hybrid
 * layout's unified hierarchy, which systemd's FreezeUnit uses). */
ContainerStatus state_status(const char *dir, const StateData *s) {
        _cleanup_free_ char *fifo = NULL;

        /* create holds the lock until the process is saved: whoever got the lock and reads no process
         * sees what a create killed on the way left behind, which delete removes */
        if (s->pid <= 0)
                return CONTAINER_STOPPED;
        if (!proc_alive(s->pid, s->pid_start_time))
                return CONTAINER_STOPPED;
        if (state_fifo_path(dir, &fifo) >= 0 && access(fifo, F_OK) == 0)
                return CONTAINER_CREATED;
        /* without a process the box alone stands for the container, created until deleted */
        if (s->pid == s->holder_pid && !s->started)
                return CONTAINER_CREATED;
        if (cgroup_frozen(s->holder_pid))
                return CONTAINER_PAUSED;
        return CONTAINER_RUNNING;
}
