/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The executor on the host before nspawn runs (box-prepare.c): the look at an image that the plan takes
 * its mount points from, those mount points made, and the exec FIFO. On a scratch directory; no root
 * needed. */
#include <fcntl.h>
#include <sys/stat.h>

#include "box/box-prepare.h"
#include "tap.h"
#include "base/util.h"

static char dir[] = "/tmp/test-box-prepare.XXXXXX";

static char *path_of(const char *name) {
        char *p = NULL;

        (void) asprintf_safe(&p, "%s/%s", dir, name);
        return p;
}

static void test_look(void) {
        _cleanup_free_ char *root = path_of("image"), *proc = path_of("image/proc"), *link = path_of("link"),
                            *dev = path_of("image/dev");
        PlanRootfsLook look = {};

        if (mkdir(root, 0755) < 0 || mkdir(proc, 0755) < 0) {
                tap_ok(false, "scratch image: %m");
                return;
        }
        tap_ok(box_prepare_look_rootfs(root, &look) == 0 && look.looked && !look.fs_readonly,
               "an image is looked at");
        tap_ok(strv_contains(look.missing, "usr") && !strv_contains(look.missing, "proc") &&
                       strv_length(look.missing) == 8,
               "the mount points it lacks, the ones it has not among them");
        box_prepare_look_done(&look);

        tap_ok(symlink("image", link) == 0 && box_prepare_look_rootfs(link, &look) == -ELOOP,
               "a root reached through a symlink is refused");
        tap_ok(symlink("/", dev) == 0 && box_prepare_look_rootfs(root, &look) == -ENOTDIR,
               "/dev as a symlink in the image is refused (CVE-2019-19921)");
        (void) unlink(dev);
        (void) unlink(link);
}

static void test_mount_points(void) {
        _cleanup_free_ char *root = path_of("image"), *usr = path_of("image/usr"),
                            *tmp = path_of("image/tmp");
        char *points[] = { (char *) "usr", (char *) "tmp", NULL };
        Plan p = { .rootfs = root, .mount_points = points };
        struct stat st;

        tap_ok(box_prepare_mount_points(&p) == 0 && stat(usr, &st) == 0 && S_ISDIR(st.st_mode) &&
                       stat(tmp, &st) == 0 && S_ISDIR(st.st_mode),
               "the plan's mount points are made in the image");
        tap_ok(box_prepare_mount_points(&p) == 0, "made already (another create of the bundle): no error");
        (void) rmdir(tmp);
        tap_ok(close(open(tmp, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) == 0 &&
                       box_prepare_mount_points(&p) == -ENOTDIR,
               "a file where a mount point goes is an error");
        (void) unlink(tmp);
        (void) rmdir(usr);
}

static void test_exec_fifo(void) {
        _cleanup_free_ char *fifo = NULL;
        Plan with = { .exec_fifo = (char *) PLAN_EXEC_FIFO }, without = {};
        struct stat st;

        tap_ok(box_prepare_exec_fifo(&without, dir, &fifo) == 0 && !fifo, "no process: no exec FIFO");
        umask(077);
        tap_ok(box_prepare_exec_fifo(&with, dir, &fifo) == 0 && fifo && stat(fifo, &st) == 0 &&
                       S_ISFIFO(st.st_mode) && (st.st_mode & 07777) == 0622,
               "the exec FIFO in the state directory, 0622 whatever the umask");
        if (fifo)
                (void) unlink(fifo);
}

int main(void) {
        _cleanup_free_ char *image = NULL, *proc = NULL;

        if (!mkdtemp(dir)) {
                tap_ok(false, "mkdtemp: %m");
                return tap_done(0);
        }
        test_look();
        test_mount_points();
        test_exec_fifo();
        image = path_of("image");
        proc = path_of("image/proc");
        (void) rmdir(proc);
        (void) rmdir(image);
        tap_ok(rmdir(dir) == 0, "nothing left behind");
        return tap_done(0);
}
