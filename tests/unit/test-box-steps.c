/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The executor in the box (box_steps_run()): a stand-in holder lives in a user, mount and uts namespace
 * of the test's own, chrooted into a tmpfs, and the plan's steps are done there as create does them in
 * a real box. Needs no root where the kernel lets unprivileged users have a user namespace; skips, and
 * says so, where it does not. */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>

#include "box/box-steps.h"
#include "tap.h"
#include "base/util.h"

static char root[] = "/tmp/test-box-steps.XXXXXX";

static int write_text(const char *path, const char *text) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

        if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t) strlen(text))
                return -errno;
        return 0;
}

/* In the holder, once it is uid 0 of its own user namespace: a private tmpfs root with what the steps
 * act on, then chroot there. Returns 0 or the errno of the first failure. */
static int holder_setup(void) {
        char p[256];
        _cleanup_close_ int fd = -1;

        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("tmpfs", root, "tmpfs", 0, "mode=0755") < 0)
                return errno;
        if (chdir(root) < 0)
                return errno;
        if (mkdir("dev", 0755) < 0 || mkdir("ro", 0755) < 0 || mkdir("rw", 0755) < 0 ||
            mkdir("mnt", 0755) < 0 || mkdir("secret-dir", 0755) < 0)
                return errno;
        fd = open("dev/null", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        if (fd < 0 || mount("/dev/null", "dev/null", NULL, MS_BIND, NULL) < 0)
                return errno;
        fd = safe_close(fd);
        fd = open("secret", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, "secret", 6) != 6 || mount("rw", "rw", NULL, MS_BIND, NULL) < 0)
                return errno;
        snprintf(p, sizeof(p), "%s/secret-dir/file", root);
        if (close(open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) < 0)
                return errno;
        if (chroot(".") < 0 || chdir("/") < 0)
                return errno;
        return 0;
}

/* The holder: new namespaces, the id maps written by the parent, the root, then it waits to be killed. */
static pid_t start_holder(int *ret_errno) {
        int to_child[2], to_parent[2], e = 0;
        char c;
        pid_t pid;

        if (pipe2(to_child, O_CLOEXEC) < 0 || pipe2(to_parent, O_CLOEXEC) < 0)
                return -1;
        pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWUTS) < 0)
                        e = errno;
                if (write(to_parent[1], &e, sizeof(e)) != sizeof(e) || e != 0)
                        _exit(1);
                if (read(to_child[0], &c, 1) != 1)
                        _exit(1);
                e = holder_setup();
                if (write(to_parent[1], &e, sizeof(e)) != sizeof(e) || e != 0)
                        _exit(1);
                for (;;)
                        pause();
        }
        close(to_child[0]);
        close(to_parent[1]);
        if (read(to_parent[0], &e, sizeof(e)) == sizeof(e) && e == 0) {
                char path[64], map[64];

                snprintf(map, sizeof(map), "0 %d 1\n", (int) getuid());
                snprintf(path, sizeof(path), "/proc/%d/uid_map", (int) pid);
                e = -write_text(path, map);
                snprintf(path, sizeof(path), "/proc/%d/setgroups", (int) pid);
                if (e == 0)
                        e = -write_text(path, "deny");
                snprintf(map, sizeof(map), "0 %d 1\n", (int) getgid());
                snprintf(path, sizeof(path), "/proc/%d/gid_map", (int) pid);
                if (e == 0)
                        e = -write_text(path, map);
                if (e == 0 &&
                    (write(to_child[1], "g", 1) != 1 || read(to_parent[0], &e, sizeof(e)) != sizeof(e)))
                        e = EIO;
        }
        close(to_child[1]);
        close(to_parent[0]);
        *ret_errno = e;
        return pid;
}

/* The options of the mount at path in the holder's mount namespace ("" when it is not a mount point). */
static char *mount_options(pid_t holder, const char *path) {
        _cleanup_free_ char *info = NULL;
        char p[64];

        snprintf(p, sizeof(p), "/proc/%d/mountinfo", (int) holder);
        if (read_full_file(p, &info, NULL) < 0)
                return NULL;
        char *found = NULL;
        for (char *l = strtok(info, "\n"); l; l = strtok(NULL, "\n")) {
                char point[256], opts[256], fstype[64];
                /* id parent major:minor root point options [optional…] - fstype source superoptions */
                char *dash = strstr(l, " - ");
                if (sscanf(l, "%*d %*d %*s %*s %255s %255s", point, opts) != 2 || !dash ||
                    sscanf(dash, " - %63s", fstype) != 1)
                        continue;
                if (streq(point, path)) {
                        free(found);
                        found = NULL;
                        (void) asprintf_safe(&found, "%s %s", opts, fstype); /* the last, the top one */
                }
        }
        return found ?: strdup("");
}

/* What the holder sees: its hostname, through the executor's own way in. */
static bool hostname_is(pid_t holder, const char *want) {
        int status;
        pid_t pid = fork();

        if (pid == 0) {
                bool join[_OCI_NS_MAX] = { [OCI_NS_USER] = true, [OCI_NS_UTS] = true };
                const char *what = NULL;
                char name[256] = "";

                if (box_steps_enter(holder, join, false, &what) < 0 || gethostname(name, sizeof(name)) < 0)
                        _exit(2);
                _exit(streq(name, want) ? 0 : 1);
        }
        return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void test_steps(pid_t holder) {
        const bool join[_OCI_NS_MAX] = { [OCI_NS_USER] = true, [OCI_NS_MOUNT] = true, [OCI_NS_UTS] = true };
        PlanStep steps[] = {
                { .type = PLAN_STEP_HOSTNAME, .value = (char *) "steps-box" },
                { .type = PLAN_STEP_MKNOD, .path = (char *) "/dev/fifo", .mode = S_IFIFO | 0640 },
                { .type = PLAN_STEP_MOUNT, .path = (char *) "/mnt", .value = (char *) "tmpfs",
                  .source = (char *) "tmpfs", .data = (char *) "size=1m,mode=0700", .flags = MS_NOSUID | MS_NODEV },
                { .type = PLAN_STEP_REMOUNT, .path = (char *) "/rw", .flags = MS_NOEXEC },
                { .type = PLAN_STEP_READONLY, .path = (char *) "/ro" },
                { .type = PLAN_STEP_READONLY, .path = (char *) "/not-in-the-image" },
                { .type = PLAN_STEP_MASK, .path = (char *) "/secret" },
                { .type = PLAN_STEP_MASK, .path = (char *) "/secret-dir" },
        };
        _cleanup_free_ char *mnt = NULL, *rw = NULL, *ro = NULL, *secret = NULL, *text = NULL;
        char p[256];
        struct stat st;
        int r;

        r = box_steps_run(holder, join, steps, ELEMENTSOF(steps));
        if (!tap_ok(r == 0, "the steps ran in the box: %s", strerror(-r)))
                return;
        tap_ok(hostname_is(holder, "steps-box"), "hostname: set in the box's uts namespace");
        snprintf(p, sizeof(p), "/proc/%d/root/dev/fifo", (int) holder);
        tap_ok(lstat(p, &st) == 0 && S_ISFIFO(st.st_mode) && (st.st_mode & 07777) == 0640,
               "mknod: a FIFO with the mode asked for, whatever the umask");
        mnt = mount_options(holder, "/mnt");
        tap_ok(mnt && strstr(mnt, "nosuid") && strstr(mnt, "nodev") && strstr(mnt, " tmpfs"),
               "mount: a new tmpfs with its flags (%s)", strna(mnt));
        rw = mount_options(holder, "/rw");
        tap_ok(rw && strstr(rw, "noexec") && startswith(rw, "rw"), "remount: noexec added, rw kept (%s)",
               strna(rw));
        ro = mount_options(holder, "/ro");
        tap_ok(ro && startswith(ro, "ro"), "readonly: bound onto itself, read-only (%s)", strna(ro));
        secret = mount_options(holder, "/secret");
        snprintf(p, sizeof(p), "/proc/%d/root/secret", (int) holder);
        tap_ok(secret && *secret && read_full_file(p, &text, NULL) >= 0 && streq(text, ""),
               "mask: the null device over a file, which reads empty");
        snprintf(p, sizeof(p), "/proc/%d/root/secret-dir/file", (int) holder);
        tap_ok(access(p, F_OK) < 0 && errno == ENOENT, "mask: an empty tmpfs over a directory");
}

static void test_failure(pid_t holder) {
        const bool join[_OCI_NS_MAX] = { [OCI_NS_USER] = true, [OCI_NS_MOUNT] = true };
        PlanStep bad[] = {
                { .type = PLAN_STEP_REMOUNT, .path = (char *) "/not-in-the-image", .flags = MS_NOEXEC },
        };
        PlanStep unknown[] = { { .type = _PLAN_STEP_TYPE_MAX, .path = (char *) "/" } };

        tap_ok(box_steps_run(holder, join, bad, 1) == -EIO, "a step that fails fails the run");
        tap_ok(box_steps_run(holder, join, unknown, 1) == -EIO,
               "a step kind outside the closed set is refused");
}

static void test_join_path(void) {
        tap_ok(box_steps_join_path(OCI_NS_PID, "/proc/self/ns/pid") == -EINVAL,
               "join by path: never a pid namespace (nspawn would take its pids for host pids)");
        tap_ok(box_steps_join_path(OCI_NS_IPC, "/nonexistent/ns") == -ENOENT,
               "join by path: a missing path");
}

int main(void) {
        pid_t holder;
        int e = 0;

        test_join_path();
        if (!mkdtemp(root)) {
                tap_ok(false, "mkdtemp: %m");
                return tap_done(0);
        }
        holder = start_holder(&e);
        if (holder < 0 || e != 0) {
                tap_skip(e == EPERM || e == EACCES || e == ENOSPC || e == EINVAL
                                 ? "the kernel gives this user no user namespace with a mount namespace"
                                 : "the stand-in holder could not be set up");
                tap_diag("holder: %s", strerror(e ?: errno));
        } else {
                test_steps(holder);
                test_failure(holder);
        }
        if (holder > 0) {
                kill(holder, SIGKILL);
                (void) waitpid(holder, NULL, 0);
        }
        (void) rmdir(root);
        return tap_done(0);
}
