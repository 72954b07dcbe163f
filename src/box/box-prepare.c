/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What create prepares on the host before systemd-nspawn runs: a look at the image for the plan, the
 * mount points the plan creates in it, and the exec FIFO in the state directory. Runs as root in the
 * host namespaces. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "base/log.h"
#include "base/util.h"
#include "box/box-prepare.h"

/* As runc: a root reached through a symlink is refused, not followed. What is looked at, and where the
 * mount points are made, is then what nspawn is given: everything goes through this one fd. */
static int open_rootfs(const char *rootfs) {
        int fd = open_dir_no_symlinks(rootfs);

        if (fd == -ELOOP)
                return log_error_errno(fd,
                                       "root.path: %s is a symlink, or one of the directories above it is: "
                                       "give the path it leads to",
                                       rootfs);
        if (fd == -ENOTDIR)
                return log_error_errno(fd, "root.path: %s is not a directory", rootfs);
        if (fd < 0)
                return log_error_errno(fd, "root.path: %s: %m", rootfs);
        return fd;
}

void box_prepare_look_done(PlanRootfsLook *look) {
        look->missing = strv_free(look->missing);
}

int box_prepare_look_rootfs(const char *rootfs, PlanRootfsLook *ret) {
        static const char *const points[] = { PLAN_MOUNT_POINTS };
        static const char *const api_dirs[] = { "proc", "sys", "dev" };
        _cleanup_strv_free_ char **missing = NULL;
        _cleanup_close_ int fd = -1;
        struct statvfs sv;
        struct stat st;

        fd = open_rootfs(rootfs);
        if (fd < 0)
                return fd;
        /* The API file systems go on plain directories: nspawn follows a symlink there, and the box's
         * procfs (where the process's settings are written) or the /dev that masks and terminals use
         * would then sit wherever the image, or a volume it points into, says (CVE-2023-28642,
         * CVE-2019-19921). runc refuses the same. */
        for (size_t i = 0; i < ELEMENTSOF(api_dirs); i++) {
                if (fstatat(fd, api_dirs[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno == ENOENT)
                                continue;
                        return log_error_errno(errno, "root.path: %s/%s: %m", rootfs, api_dirs[i]);
                }
                if (!S_ISDIR(st.st_mode))
                        return log_error_errno(ENOTDIR,
                                               "root.path: /%s in the image is not a directory (%s): "
                                               "the box's /%s must be mounted on a plain directory",
                                               api_dirs[i], S_ISLNK(st.st_mode) ? "a symlink" : "a file",
                                               api_dirs[i]);
        }
        if (fstatvfs(fd, &sv) < 0)
                return log_error_errno(errno, "root.path: %s: %m", rootfs);
        for (size_t i = 0; i < ELEMENTSOF(points); i++)
                if (fstatat(fd, points[i], &st, AT_SYMLINK_NOFOLLOW) < 0 &&
                    strv_extend(&missing, points[i]) < 0)
                        return log_oom();
        *ret = (PlanRootfsLook){
                .looked = true,
                .fs_readonly = sv.f_flag & ST_RDONLY,
                .missing = TAKE_PTR(missing),
        };
        return 0;
}

int box_prepare_mount_points(const Plan *p) {
        _cleanup_close_ int fd = -1;
        struct stat st;

        if (strv_length(p->mount_points) == 0)
                return 0;
        fd = open_rootfs(p->rootfs);
        if (fd < 0)
                return fd;
        STRV_FOREACH(m, p->mount_points) {
                /* Safety: one name of PLAN_MOUNT_POINTS (the plan's reader checks it), made in the root
                 * opened without following a symlink on the way. Another create of the same bundle (the
                 * same id or not) may make it at the same time: a directory there is what is needed,
                 * whoever made it. */
                if (mkdirat(fd, *m, 0755) < 0 &&
                    !(errno == EEXIST && fstatat(fd, *m, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                      S_ISDIR(st.st_mode)))
                        return log_error_errno(errno == EEXIST ? ENOTDIR : errno,
                                               "Failed to create %s/%s as a mount point: %m", p->rootfs, *m);
                log_debug("Created %s/%s as a mount point for systemd-nspawn", p->rootfs, *m);
        }
        return 0;
}

void box_prepare_native_mount_points(const OciConfig *c, const Plan *p) {
        static const char * const api[] = { "/proc", "/sys", "/dev", "/run" };
        _cleanup_close_ int root = open_rootfs(p->rootfs);
        struct stat st;

        if (root < 0)
                return;
        /* Safety: open_mount_point_in_root() resolves each path inside the root opened without
         * following a symlink (RESOLVE_IN_ROOT) and makes only an empty directory or file there. */
        for (size_t i = 0; i < ELEMENTSOF(api); i++)
                safe_close(open_mount_point_in_root(root, api[i], true));
        for (size_t i = 0; i < c->n_mounts; i++) {
                const OciMount *m = c->mounts + i;
                bool dir = true;

                if (!m->destination)
                        continue;
                if (m->source && m->source[0] == '/' && stat(m->source, &st) == 0)
                        dir = S_ISDIR(st.st_mode);
                safe_close(open_mount_point_in_root(root, m->destination, dir));
        }
}

int box_prepare_exec_fifo(const Plan *p, const char *dir, char **ret_path) {
        _cleanup_free_ char *fifo = NULL;

        if (!p->exec_fifo) {
                *ret_path = NULL;
                return 0;
        }
        fifo = strjoin(dir, "/", p->exec_fifo);
        if (!fifo)
                return log_oom();
        /* Safety: a new name in the container's own state directory (0700, under our lock). Writable by
         * all: the process opens it after switching to its own uid; the directory keeps everyone else on
         * the host away from it. */
        if (mkfifo(fifo, 0622) < 0 || chmod(fifo, 0622) < 0)
                return log_error_errno(errno, "Failed to create %s: %m", fifo);
        *ret_path = TAKE_PTR(fifo);
        return 0;
}
