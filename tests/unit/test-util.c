/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mkdir_p_in_root(): directories made below a root only, whatever links the image holds;
 * open_dir_no_symlinks(): no link followed on the way; the pidfd helpers. Needs no privilege: works
 * in a scratch directory and on a child of its own. */
#include <fcntl.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "base/util.h"

static bool is_dir(const char *path) {
        struct stat st;
        return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void test_pidfd(void) {
        _cleanup_close_ int fd = -1;
        int status = 0;
        pid_t pid;

        tap_is_int(pidfd_open_safe(-1), -EINVAL, "pidfd_open_safe(): a negative errno for a bad pid");
        pid = fork();
        if (pid == 0) {
                pause();
                _exit(0);
        }
        fd = pidfd_open_safe(pid);
        tap_ok(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "a pidfd for a child, close-on-exec");
        tap_is_int(pidfd_send_signal_safe(fd, SIGTERM), 0, "pidfd_send_signal_safe() signals it");
        tap_ok(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM,
               "the child dies of that signal");
        tap_is_int(pidfd_send_signal_safe(fd, 0), -ESRCH, "a reaped process: -ESRCH through the pidfd");
}

int main(void) {
        char tmpl[] = "/tmp/test-util-XXXXXX", path[PATH_MAX], outside[PATH_MAX];
        const char *top = mkdtemp(tmpl);
        int root;

        if (!top) {
                tap_skip("no scratch directory");
                return tap_done(0);
        }
        snprintf(path, sizeof(path), "%s/root", top);
        snprintf(outside, sizeof(outside), "%s/outside", top);
        if (mkdir(path, 0755) < 0 || mkdir(outside, 0755) < 0)
                return 1;
        root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);

        tap_is_int(mkdir_p_in_root(root, "/a/b/c", 0755), 0, "nested directories are made");
        snprintf(path, sizeof(path), "%s/root/a/b/c", top);
        tap_ok(is_dir(path), "below the root");
        tap_is_int(mkdir_p_in_root(root, "a/b/c/", 0755), 0, "existing ones are fine, relative or not");

        /* a link that climbs out resolves inside the root, as the kernel's chroot would */
        snprintf(path, sizeof(path), "%s/root/outside", top);
        if (mkdir(path, 0755) < 0)
                return 1;
        snprintf(path, sizeof(path), "%s/root/up", top);
        if (symlink("../../../../outside", path) < 0)
                return 1;
        tap_is_int(mkdir_p_in_root(root, "/up/made", 0755), 0, "a ../.. link is followed inside the root");
        snprintf(path, sizeof(path), "%s/outside/made", top);
        tap_ok(!is_dir(path), "nothing made outside through ..");
        snprintf(path, sizeof(path), "%s/root/outside/made", top);
        tap_ok(is_dir(path), "it was made at the root's own /outside");

        /* a link to nowhere in the root: no directory is made through it */
        snprintf(path, sizeof(path), "%s/root/dangling", top);
        if (symlink("/nowhere", path) < 0)
                return 1;
        tap_is_int(mkdir_p_in_root(root, "/dangling/made", 0755), -ENOENT, "a dangling link is an error");

        /* a magic link (/proc/self/root) is refused, even where it would lead back inside */
        _cleanup_close_ int slash = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        snprintf(path, sizeof(path), "/proc/self/root%s/magic", top);
        tap_is_int(mkdir_p_in_root(slash, path, 0755), -ELOOP, "a magic link is refused");
        snprintf(path, sizeof(path), "%s/magic", top);
        tap_ok(!is_dir(path), "nothing made through it");

        /* open_dir_no_symlinks(): the scratch tree has links to a directory, to nothing and to a file */
        snprintf(path, sizeof(path), "%s/root/a/b", top);
        _cleanup_close_ int dir = open_dir_no_symlinks(path);
        tap_ok(dir >= 0, "a path without links opens");
        snprintf(path, sizeof(path), "%s/root/up", top);
        tap_is_int(open_dir_no_symlinks(path), -ELOOP, "a link to a directory is refused");
        snprintf(path, sizeof(path), "%s/root/up/made", top);
        tap_is_int(open_dir_no_symlinks(path), -ELOOP, "so is a path through it");
        snprintf(path, sizeof(path), "%s/root/dangling", top);
        tap_is_int(open_dir_no_symlinks(path), -ELOOP, "and a dangling link");
        snprintf(path, sizeof(path), "/proc/self/root%s/root", top);
        tap_is_int(open_dir_no_symlinks(path), -ELOOP, "and a magic link");
        snprintf(path, sizeof(path), "%s/file", top);
        _cleanup_close_ int file = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
        tap_is_int(open_dir_no_symlinks(path), -ENOTDIR, "a file is not a directory");

        close(root);
        test_pidfd();
        char cmd[PATH_MAX + 16];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
        (void) system(cmd);
        return tap_done(0);
}
