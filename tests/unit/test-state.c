/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* state.c in a scratch directory standing in for --root: ids, create, lock, stale directories, save,
 * load, list, remove, and the status computed from a process of ours. No privilege. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host/state.h"
#include "tap.h"
#include "base/util.h"

static void test_ids(void) {
        char long_id[1026];

        tap_ok(state_id_is_valid("abc-DEF_1.2+3"), "letters, digits, '_', '+', '-' and '.'");
        tap_ok(!state_id_is_valid("") && !state_id_is_valid(NULL), "not empty");
        tap_ok(!state_id_is_valid(".") && !state_id_is_valid(".."), "not . or ..");
        tap_ok(!state_id_is_valid("a/b") && !state_id_is_valid("a b") && !state_id_is_valid("a\nb"),
               "no '/', space or newline");
        memset(long_id, 'a', sizeof(long_id) - 1);
        long_id[1024] = 0;
        tap_ok(state_id_is_valid(long_id), "1024 characters");
        long_id[1024] = 'a';
        long_id[1025] = 0;
        tap_ok(!state_id_is_valid(long_id), "not 1025");
}

/* Whether another process can take the lock of dir right now. */
static bool lock_is_free(const char *dir) {
        _cleanup_free_ char *path = strjoin(dir, "/lock");
        int status;
        pid_t pid;

        pid = fork();
        if (pid == 0) {
                int fd = open(path, O_RDWR | O_CLOEXEC);
                _exit(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : 1);
        }
        return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void test_create_lock_remove(const char *root) {
        _cleanup_free_ char *dir = NULL, *dir2 = NULL, *again = NULL;
        _cleanup_close_ int lock = -1, lock2 = -1;
        struct stat st;

        tap_is_int(state_create(root, "c1", &dir, &lock), 0, "state_create()");
        tap_ok(dir && endswith(dir, "/c1") && stat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
                       (st.st_mode & 07777) == 0700,
               "<root>/<id>, a directory only root may enter");
        tap_ok(!lock_is_free(dir), "created locked");
        tap_is_int(state_create(root, "c1", &again, &lock2), -EEXIST, "the same id again: -EEXIST");
        lock = safe_close(lock);
        tap_ok(lock_is_free(dir), "closing the lock releases it");

        tap_is_int(state_lock(root, "c1", &dir2, &lock2), 0, "state_lock()");
        tap_ok(dir2 && streq(dir, dir2) && !lock_is_free(dir2), "the same directory, locked");
        lock2 = safe_close(lock2);
        tap_is_int(state_lock(root, "nope", &again, &lock2), -ENOENT, "an id that does not exist: -ENOENT");
        tap_is_int(state_lock(root, "../c1", &again, &lock2), -ENOENT, "an invalid id: -ENOENT");

        tap_is_int(state_remove(dir), 0, "state_remove()");
        tap_ok(access(dir, F_OK) < 0 && errno == ENOENT, "the directory is gone");
        tap_is_int(state_remove(dir), 0, "removing it again is no error");
        tap_is_int(state_lock(root, "c1", &again, &lock2), -ENOENT, "and it cannot be locked any more");
}

/* A create killed before it saved any state leaves a directory that the next create of the id takes. */
static void test_stale(const char *root) {
        _cleanup_free_ char *dir = NULL, *dir2 = NULL, *dir3 = NULL;
        _cleanup_close_ int lock = -1, lock2 = -1, lock3 = -1;
        StateData s = { .id = (char *) "c4", .pid = 1 };

        if (state_create(root, "c4", &dir, &lock) < 0) {
                tap_ok(false, "state_create()");
                return;
        }
        tap_is_int(state_remove_stale(root, "c4"), 0, "not stale while its create holds the lock");
        lock = safe_close(lock);
        tap_is_int(state_create(root, "c4", &dir2, &lock2), 0,
                   "no state and nobody holding it: a create of the id takes it again");
        tap_ok(state_save(dir2, &s) == 0, "this time with a state");
        lock2 = safe_close(lock2);
        tap_is_int(state_create(root, "c4", &dir3, &lock3), -EEXIST, "then the id is taken");
        tap_is_int(state_remove_stale(root, "c4"), 0, "and not stale");
        (void) state_remove(dir2);
}

static void test_save_load(const char *root) {
        OciKeyValue annotations[] = {
                { .key = (char *) "org.example/a", .value = (char *) "1" },
                { .key = (char *) "b", .value = (char *) "quoted \"two\"" },
        };
        StateData s = {
                .oci_version = (char *) "1.2.0",
                .id = (char *) "c2",
                .bundle = (char *) "/srv/bundle",
                .rootfs = (char *) "/srv/bundle/rootfs",
                .created = (char *) "2024-01-02T03:04:05.000000006Z",
                .annotations = annotations,
                .n_annotations = ELEMENTSOF(annotations),
                .pid = 1234,
                .pid_start_time = 5678,
                .holder_pid = 1200,
                .holder_start_time = 5600,
                .nspawn_pid = 1100,
                .nspawn_start_time = 5500,
                .machine = (char *) "c2",
                .unit = (char *) "libpod-c2.scope",
                .cgroup = (char *) "/machine.slice/libpod-c2.scope",
                .registered = true,
                .started = true,
                .no_new_keyring = true,
                .config_path = (char *) "/run/x/c2/config.json",
        };
        _cleanup_free_ char *dir = NULL, *path = NULL;
        _cleanup_close_ int lock = -1;
        StateData *l = NULL;

        if (state_create(root, "c2", &dir, &lock) < 0) {
                tap_ok(false, "state_create()");
                return;
        }
        tap_is_int(state_load(dir, &l), -ENOENT, "no state.json yet: -ENOENT");
        tap_is_int(state_save(dir, &s), 0, "state_save()");
        tap_is_int(state_load(dir, &l), 0, "state_load()");
        tap_ok(l && streq(l->oci_version, "1.2.0") && streq(l->id, "c2") &&
                       streq(l->bundle, "/srv/bundle") && streq(l->rootfs, "/srv/bundle/rootfs") &&
                       streq(l->created, s.created) &&
                       streq(l->machine, "c2") && streq(l->unit, "libpod-c2.scope") &&
                       streq(l->cgroup, "/machine.slice/libpod-c2.scope") && !l->devices_cgroup &&
                       streq(l->config_path, "/run/x/c2/config.json"),
               "the strings come back");
        tap_ok(l && l->pid == 1234 && l->pid_start_time == 5678 && l->holder_pid == 1200 &&
                       l->holder_start_time == 5600 && l->nspawn_pid == 1100 && l->nspawn_start_time == 5500,
               "the pids and start times come back");
        tap_ok(l && l->registered && l->started && l->no_new_keyring, "the flags come back");
        tap_ok(l && l->n_annotations == 2 && streq(l->annotations[1].key, "b") &&
                       streq(l->annotations[1].value, "quoted \"two\""),
               "the annotations come back");
        l = state_data_free(l);

        path = strjoin(dir, "/state.json");
        tap_ok(path && write_file_atomic(path, "{\"id\": 3", 8, 0600) == 0 &&
                       state_load(dir, &l) == -EBADMSG,
               "a state.json that does not parse: -EBADMSG");
        tap_is_int(state_remove(dir), 0, "a directory with files in it is removed");
}

static void test_list(const char *root) {
        _cleanup_strv_free_ char **ids = NULL, **none = NULL;
        _cleanup_free_ char *a = NULL, *b = NULL, *file = strjoin(root, "/not-a-dir"),
                            *bad = strjoin(root, "/bad id");
        _cleanup_close_ int la = -1, lb = -1;

        tap_ok(state_list("/nonexistent/root", &none) == 0 && none && !none[0],
               "a root that does not exist lists nothing");
        if (state_create(root, "zeta", &a, &la) < 0 || state_create(root, "alpha", &b, &lb) < 0 ||
            write_file_atomic(file, "", 0, 0600) < 0 || mkdir(bad, 0700) < 0) {
                tap_ok(false, "two containers, a file and an invalid directory made");
                return;
        }
        tap_ok(state_list(root, &ids) == 0 && strv_length(ids) == 2 && streq(ids[0], "alpha") &&
                       streq(ids[1], "zeta"),
               "state_list(): the containers, sorted; not files nor invalid ids");
        (void) state_remove(a);
        (void) state_remove(b);
        (void) unlink(file);
        (void) rmdir(bad);
}

static void test_status(const char *root) {
        _cleanup_free_ char *dir = NULL, *fifo = NULL;
        _cleanup_close_ int lock = -1;
        StateData s = {};
        uint64_t start = 0;
        pid_t pid;

        if (state_create(root, "c3", &dir, &lock) < 0 || state_fifo_path(dir, &fifo) < 0) {
                tap_ok(false, "state_create()");
                return;
        }
        tap_ok(endswith(fifo, "/c3/exec.fifo"), "the exec FIFO lives in the container's directory");
        tap_is_int(state_status(dir, &s), CONTAINER_STOPPED,
                   "no process saved: stopped (what a create killed on the way left)");

        pid = fork();
        if (pid == 0) {
                pause();
                _exit(0);
        }
        tap_ok(proc_start_time(pid, &start) == 0 && start > 0, "proc_start_time()");
        tap_ok(proc_alive(pid, start), "proc_alive() with the right start time");
        tap_ok(!proc_alive(pid, start + 1), "… and not with another one (a reused pid)");

        s = (StateData) { .pid = pid, .pid_start_time = start, .holder_pid = getpid() };
        tap_ok(mkfifo(fifo, 0622) == 0, "the FIFO made");
        tap_is_int(state_status(dir, &s), CONTAINER_CREATED, "alive, FIFO there: created");
        (void) unlink(fifo);
        tap_is_int(state_status(dir, &s), CONTAINER_RUNNING, "alive, FIFO gone: running");

        s.holder_pid = s.pid;
        tap_is_int(state_status(dir, &s), CONTAINER_CREATED, "the box alone, never started: created");
        s.started = true;
        tap_is_int(state_status(dir, &s), CONTAINER_RUNNING, "… and once started: running");

        (void) kill(pid, SIGKILL);
        /* a zombie until reaped */
        (void) waitid(P_PID, (id_t) pid, &(siginfo_t) {}, WEXITED | WNOWAIT);
        tap_ok(!proc_alive(pid, start), "a zombie is not alive");
        (void) waitpid(pid, NULL, 0);
        tap_is_int(state_status(dir, &s), CONTAINER_STOPPED, "the process gone: stopped");
        tap_is_int(proc_start_time(pid, &start), -ESRCH, "proc_start_time() of a reaped process: -ESRCH");
        (void) state_remove(dir);
}

int main(void) {
        char tmpl[] = "/tmp/test-state-XXXXXX", cmd[64];
        const char *top = mkdtemp(tmpl);
        _cleanup_free_ char *root = NULL;

        if (!top) {
                tap_ok(false, "a scratch directory");
                return tap_done(0);
        }
        /* state_create() makes the root itself */
        root = strjoin(top, "/root");
        test_ids();
        test_create_lock_remove(root);
        test_stale(root);
        test_save_load(root);
        test_list(root);
        test_status(root);

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
        (void) system(cmd);
        return tap_done(0);
}
