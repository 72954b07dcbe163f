/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Entering a built box and doing the plan's native steps in it. Runs as root: the parent on the host,
 * the work in a forked child inside the box's namespaces. */
#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "box/box-steps.h"
#include "base/log.h"
#include "base/util.h"

static const struct {
        OciNamespaceType type;
        const char *name;
        int flag;
} join_order[] = {
        { OCI_NS_USER, "user", CLONE_NEWUSER },
        { OCI_NS_IPC, "ipc", CLONE_NEWIPC },
        { OCI_NS_UTS, "uts", CLONE_NEWUTS },
        { OCI_NS_NETWORK, "net", CLONE_NEWNET },
        { OCI_NS_PID, "pid", CLONE_NEWPID },
        { OCI_NS_CGROUP, "cgroup", CLONE_NEWCGROUP },
        { OCI_NS_TIME, "time", 0x00000080 /* CLONE_NEWTIME */ },
        { OCI_NS_MOUNT, "mnt", CLONE_NEWNS },
};

static int enter(pid_t holder, const bool *join_ns, bool mount, int mntns_fd, const char **ret_what) {
        int fds[ELEMENTSOF(join_order)];
        _cleanup_close_ int root = -1;
        char path[64];
        int r = 0;

        /* Open everything first: after the user or mount namespace the host's /proc may be out of reach. */
        for (size_t i = 0; i < ELEMENTSOF(join_order); i++) {
                fds[i] = -1;
                if (!join_ns[join_order[i].type] || (!mount && join_order[i].type == OCI_NS_MOUNT))
                        continue;
                snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int) holder, join_order[i].name);
                fds[i] = open(path, O_RDONLY | O_CLOEXEC);
                if (fds[i] < 0) {
                        *ret_what = join_order[i].name;
                        r = negative_errno();
                        goto finish;
                }
        }
        if (mount) {
                snprintf(path, sizeof(path), "/proc/%d/root", (int) holder);
                root = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (root < 0) {
                        *ret_what = "root";
                        r = negative_errno();
                        goto finish;
                }
        }
        for (size_t i = 0; i < ELEMENTSOF(join_order); i++) {
                if (fds[i] < 0)
                        continue;
                /* Joining the user namespace we are already in fails with EINVAL: nothing to do then. */
                if (setns(fds[i], join_order[i].flag) < 0 &&
                    !(errno == EINVAL && join_order[i].type == OCI_NS_USER)) {
                        *ret_what = join_order[i].name;
                        r = negative_errno();
                        goto finish;
                }
        }
        /* Safety: a namespace create checked to be a mount namespace; its root is left for the box's */
        if (mount && mntns_fd >= 0 && setns(mntns_fd, CLONE_NEWNS) < 0) {
                *ret_what = "mnt";
                r = negative_errno();
                goto finish;
        }
        /* setns(CLONE_NEWNS) leaves us at the namespace's root; the holder's root is the box's. */
        if (mount && (fchdir(root) < 0 || chroot(".") < 0 || chdir("/") < 0)) {
                *ret_what = "root";
                r = negative_errno();
        }
finish:
        for (size_t i = 0; i < ELEMENTSOF(join_order); i++)
                safe_close(fds[i]);
        return r;
}

int box_steps_enter(pid_t holder, const bool *join_ns, bool mount, const char **ret_what) {
        return enter(holder, join_ns, mount, -1, ret_what);
}

int box_steps_enter_mntns(pid_t holder, const bool *join_ns, int mntns_fd, const char **ret_what) {
        return enter(holder, join_ns, true, mntns_fd, ret_what);
}

int box_steps_enter_pidns(int pidns_fd) {
        /* Safety: the caller opened the namespace, checked it, and pinned it in pidns_fd (a pidfd of a
         * process checked against its start time, or a namespace fd checked with NS_GET_NSTYPE); this
         * only chooses where our children are born, after the user namespace that owns it was joined. */
        return setns(pidns_fd, CLONE_NEWPID) < 0 ? negative_errno() : 0;
}

int box_steps_join_path(OciNamespaceType type, const char *path) {
        _cleanup_close_ int fd = -1;
        int flag = oci_namespace_type_clone_flag(type);

        /* the plan joins these two only (nspawn shares them); never a pid namespace: nspawn would then
         * use pids of another namespace as host pids */
        if (!IN_SET(type, OCI_NS_IPC, OCI_NS_UTS))
                return -EINVAL;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        /* Safety: the kernel joins only a namespace of the kind given (EINVAL otherwise), whatever the
         * path named, and only the child that becomes systemd-nspawn is moved. */
        return setns(fd, flag) < 0 ? negative_errno() : 0;
}

/* The per-mount flags a bind remount must keep (it replaces them all). */
static unsigned long mount_flags_of(const char *path) {
        static const struct {
                unsigned long st, ms;
        } map[] = {
                { ST_RDONLY, MS_RDONLY },     { ST_NOSUID, MS_NOSUID },         { ST_NODEV, MS_NODEV },
                { ST_NOEXEC, MS_NOEXEC },     { ST_NOATIME, MS_NOATIME },       { ST_NODIRATIME, MS_NODIRATIME },
                { ST_RELATIME, MS_RELATIME },
        };
        struct statvfs st;
        unsigned long f = 0;

        if (statvfs(path, &st) < 0)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                if (st.f_flag & map[i].st)
                        f |= map[i].ms;
        return f;
}

/* One mount point's per-mount flags changed, the others kept (a bind remount replaces them all). */
static int remount_one(const char *path, unsigned long set, unsigned long clear) {
        unsigned long f = ((mount_flags_of(path) | set) & ~clear) & ~MS_REC;
        struct statvfs st;

        if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | f, NULL) < 0)
                return negative_errno();
        /* nspawn makes some of its file systems read-only as a whole (the tmpfs on /sys/fs/cgroup):
         * writable then needs the file system remounted, with its own options kept */
        if ((clear & MS_RDONLY) && statvfs(path, &st) >= 0 && (st.f_flag & ST_RDONLY) &&
            mount(NULL, path, NULL, MS_REMOUNT | f, NULL) < 0)
                return negative_errno();
        return 0;
}

/* Undoes the octal escapes of /proc/self/mountinfo (\040 for a space) in place. */
static void unescape_mountinfo(char *s) {
        char *t = s;

        for (; *s; s++, t++) {
                if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
                    s[3] <= '7') {
                        *t = (char) ((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
                        s += 3;
                } else
                        *t = *s;
        }
        *t = 0;
}

/* The holder's mountinfo, opened on the host's /proc before entering the box: in the box's /proc this
 * process (not a member of the box's pid namespace) has no /proc/self. It shows mount points relative
 * to the holder's root, the box's. */
static int mountinfo_fd = -1;

static int read_mountinfo_fd(int fd, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t n = 0, size = 0;

        if (fd < 0)
                return -EBADF;
        if (lseek(fd, 0, SEEK_SET) < 0)
                return negative_errno();
        for (;;) {
                ssize_t k;

                if (size - n < 4096) {
                        char *b = realloc(buf, size + 65536);
                        if (!b)
                                return -ENOMEM;
                        buf = b;
                        size += 65536;
                }
                k = read(fd, buf + n, size - n - 1);
                if (k < 0)
                        return negative_errno();
                if (k == 0)
                        break;
                n += k;
        }
        buf[n] = 0;
        *ret = TAKE_PTR(buf);
        return 0;
}

static int read_mountinfo(char **ret) {
        return read_mountinfo_fd(mountinfo_fd, ret);
}

/* MS_REC: the mounts below path too, in the order they were mounted (parents first). */
static int remount(const char *path, unsigned long set, unsigned long clear) {
        _cleanup_free_ char *info = NULL;
        size_t n = strlen(path);
        int r;

        r = remount_one(path, set, clear);
        if (r < 0 || !(set & MS_REC))
                return r;
        r = read_mountinfo(&info);
        if (r < 0)
                return r;
        for (char *line = info, *next; line && *line; line = next) {
                char mp[PATH_MAX];

                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                /* id parent major:minor root mount-point … */
                if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
                        continue;
                unescape_mountinfo(mp);
                if (strncmp(mp, path, n) != 0 || mp[n] != '/')
                        continue;
                r = remount_one(mp, set, clear);
                /* a mount hidden under a later one cannot be reached by its path: skip it */
                if (r < 0 && r != -EINVAL && r != -ENOENT)
                        return r;
        }
        return 0;
}

/* Mounts systemd-nspawn itself puts inside the box's /proc that are not procfs: the files it
 * shadows with one of its own (tmpfs). */
static const char * const nspawn_proc_files[] = {
        "/proc/sys/kernel/random/boot_id",
        "/proc/kmsg",
};

int box_steps_check_proc(pid_t holder) {
        _cleanup_free_ char *info = NULL;
        char path[64];
        bool procfs = false;
        int r;

        snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int) holder);
        mountinfo_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (mountinfo_fd < 0)
                return log_error_errno(errno, "Failed to open %s: %m", path);
        r = read_mountinfo(&info);
        mountinfo_fd = safe_close(mountinfo_fd);
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", path);

        for (char *line = info, *next; line && *line; line = next) {
                char mp[PATH_MAX], type[64];
                const char *sep;

                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                /* id parent major:minor root mount-point options [optional fields] - type source … */
                sep = strstr(line, " - ");
                if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1 ||
                    sscanf(sep + 3, "%63s", type) != 1)
                        continue;
                unescape_mountinfo(mp);
                if (!startswith(mp, "/proc") || (mp[5] != 0 && mp[5] != '/'))
                        continue;
                if (streq(type, "proc")) {
                        procfs = procfs || streq(mp, "/proc");
                        continue;
                }
                bool nspawns = false;
                for (size_t i = 0; i < ELEMENTSOF(nspawn_proc_files); i++)
                        nspawns = nspawns || streq(mp, nspawn_proc_files[i]);
                if (!nspawns)
                        return log_error_errno(
                                EPERM,
                                "The box has a mount of type %s on %s, where only procfs may be "
                                "(a mount destination that is a symlink into /proc in the image?)",
                                type, mp);
        }
        if (!procfs)
                return log_error_errno(EPERM, "The box has no procfs on /proc");
        return 0;
}

/* ---- the container process's own procfs ---- */

/* One line of mountinfo, for the mounts at and below /proc. */
typedef struct ProcMount {
        int id, parent;
        char *root, *point;
        bool procfs;
        unsigned attr;          /* MOUNT_ATTR_* of its per-mount options */
} ProcMount;

#define PROC_MOUNT_ATTRS \
        (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME)

static unsigned mount_attr_of(char *opts) {
        static const struct {
                const char *name;
                unsigned attr;
        } table[] = {
                { "ro", MOUNT_ATTR_RDONLY },         { "nosuid", MOUNT_ATTR_NOSUID },
                { "nodev", MOUNT_ATTR_NODEV },       { "noexec", MOUNT_ATTR_NOEXEC },
                { "nodiratime", MOUNT_ATTR_NODIRATIME }, { "noatime", MOUNT_ATTR_NOATIME },
                { "strictatime", MOUNT_ATTR_STRICTATIME },
        };
        unsigned attr = 0;

        for (char *o = strtok(opts, ","); o; o = strtok(NULL, ","))
                for (size_t i = 0; i < ELEMENTSOF(table); i++)
                        if (streq(o, table[i].name))
                                attr |= table[i].attr;
        return attr;
}

static void proc_mounts_free(ProcMount *m, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(m[i].root);
                free(m[i].point);
        }
        free(m);
}

/* The mounts at and below /proc in a mountinfo, in the order they were made. */
static int proc_mounts_read(int fd, ProcMount **ret, size_t *ret_n) {
        _cleanup_free_ char *info = NULL;
        ProcMount *m = NULL;
        size_t n = 0;
        int r;

        r = read_mountinfo_fd(fd, &info);
        if (r < 0)
                return r;
        for (char *line = info, *next; line && *line; line = next) {
                char root[PATH_MAX], point[PATH_MAX], opts[1024], type[64];
                const char *sep;
                int id, parent;

                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                /* id parent major:minor root mount-point options [optional fields] - type source … */
                sep = strstr(line, " - ");
                if (!sep || sscanf(line, "%d %d %*s %4095s %4095s %1023s", &id, &parent, root, point, opts) != 5 ||
                    sscanf(sep + 3, "%63s", type) != 1)
                        continue;
                unescape_mountinfo(root);
                unescape_mountinfo(point);
                if (!startswith(point, "/proc") || (point[5] != 0 && point[5] != '/'))
                        continue;
                ProcMount *a = realloc(m, sizeof(ProcMount) * (n + 1));
                if (!a) {
                        proc_mounts_free(m, n);
                        return -ENOMEM;
                }
                m = a;
                m[n] = (ProcMount) { .id = id, .parent = parent, .root = strdup(root), .point = strdup(point),
                                     .procfs = streq(type, "proc"), .attr = mount_attr_of(opts) };
                n++;
                if (!m[n - 1].root || !m[n - 1].point) {
                        proc_mounts_free(m, n);
                        return -ENOMEM;
                }
        }
        *ret = m;
        *ret_n = n;
        return 0;
}

/* The mount on top of m[i]: what its mount point shows. */
static size_t proc_mount_top(const ProcMount *m, size_t n, size_t i) {
        for (bool again = true; again;) {
                again = false;
                for (size_t j = 0; j < n; j++)
                        if (m[j].parent == m[i].id && streq(m[j].point, m[i].point)) {
                                i = j;
                                again = true;
                                break;
                        }
        }
        return i;
}

static bool path_strictly_below(const char *p, const char *dir) {
        size_t l = strlen(dir);
        return strneq(p, dir, l) && p[l] == '/';
}

/* Appends the visible mounts below m[top], parents before their children: the top of each stack, and
 * none that a later mount on a directory above it hides. */
static void proc_mounts_visible(const ProcMount *m, size_t n, size_t top, size_t *out, size_t *n_out, int depth) {
        if (depth > 64)
                return;
        for (size_t j = 0; j < n; j++) {
                bool hidden = false;

                if (m[j].parent != m[top].id || streq(m[j].point, m[top].point))
                        continue;
                for (size_t k = 0; k < n && !hidden; k++)
                        hidden = k != j && m[k].parent == m[top].id && path_strictly_below(m[j].point, m[k].point);
                if (hidden)
                        continue;
                size_t t = proc_mount_top(m, n, j);
                out[(*n_out)++] = t;
                proc_mounts_visible(m, n, t, out, n_out, depth + 1);
        }
}

/* Detached copies, from the new procfs on /proc, of the procfs views the old one had (vis), each with
 * the flags of the view it stands for, into trees[]. */
static int clone_procfs_views(const ProcMount *m, const size_t *vis, size_t n_vis, int *trees) {
        _cleanup_close_ int root = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

        if (root < 0)
                return negative_errno();
        for (size_t i = 0; i < n_vis; i++) {
                const ProcMount *v = &m[vis[i]];
                const char *rel = v->root + strspn(v->root, "/");

                if (!v->procfs)
                        continue;
                trees[i] = open_tree(root, rel, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW |
                                                        (isempty(rel) ? AT_EMPTY_PATH : 0));
                if (trees[i] < 0)
                        return negative_errno();
                struct mount_attr a = {
                        .attr_set = v->attr & (PROC_MOUNT_ATTRS | MOUNT_ATTR__ATIME),
                        .attr_clr = (PROC_MOUNT_ATTRS & ~v->attr) | MOUNT_ATTR__ATIME,
                };
                /* Safety: a detached copy made just above: the flags of the view it stands for. */
                if (mount_setattr(trees[i], "", AT_EMPTY_PATH, &a, sizeof(a)) < 0)
                        return negative_errno();
        }
        return 0;
}

static int reattach_here(const char *path);

int box_steps_mount_proc(int holder_mountinfo_fd, char * const *mounts_after) {
        _cleanup_close_ int fs = -1, proc = -1;
        ProcMount *m = NULL;
        size_t n = 0, n_vis = 0, top = SIZE_MAX;
        _cleanup_free_ size_t *vis = NULL;
        _cleanup_free_ int *trees = NULL;
        int r;

        /* The holder's mount table is the box's, relative to its root: the box's /proc is still
         * nspawn's, where we may have no /proc/self (a pid namespace joined by path is not below it). */
        r = proc_mounts_read(holder_mountinfo_fd, &m, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                bool on_proc = false;
                for (size_t k = 0; k < n; k++)
                        on_proc = on_proc || (m[k].id == m[i].parent && streq(m[k].point, "/proc"));
                if (streq(m[i].point, "/proc") && !on_proc)
                        top = proc_mount_top(m, n, i);
        }
        vis = calloc(n + 1, sizeof(size_t));
        trees = calloc(n + 1, sizeof(int));
        if (!vis || !trees) {
                r = -ENOMEM;
                goto finish;
        }
        for (size_t i = 0; i <= n; i++)
                trees[i] = -1;
        if (top == SIZE_MAX || !m[top].procfs) {
                r = -EPERM; /* box_steps_check_proc() let no other box through */
                goto finish;
        }
        proc_mounts_visible(m, n, top, vis, &n_vis, 0);

        /* The new procfs, made while the old one still shows a fully visible procfs: in a user namespace
         * the kernel allows a new one only then. It numbers the processes of our pid namespace. */
        /* Safety: a new procfs, detached until it replaces the box's; it numbers our pid namespace
         * and nothing else, with the flags of the /proc it replaces. */
        fs = fsopen("proc", FSOPEN_CLOEXEC);
        if (fs < 0 || fsconfig(fs, FSCONFIG_SET_STRING, "source", "proc", 0) < 0 ||
            fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
                r = negative_errno();
                goto finish;
        }
        proc = fsmount(fs, FSMOUNT_CLOEXEC, m[top].attr & (PROC_MOUNT_ATTRS | MOUNT_ATTR__ATIME));
        if (proc < 0) {
                r = negative_errno();
                goto finish;
        }

        /* What the plan put below /proc that is not procfs (the masks): the same mounts, cloned while
         * the old /proc still holds them. nspawn's shadow files (a boot_id of the box's own, a FIFO
         * over /proc/kmsg) are bound from files it deleted, which the kernel attaches nowhere else: the
         * new procfs shows the kernel's, as runc's does. */
        for (size_t i = 0; i < n_vis; i++) {
                if (m[vis[i]].procfs || endswith(m[vis[i]].root, "//deleted"))
                        continue;
                trees[i] = open_tree(AT_FDCWD, m[vis[i]].point,
                                     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
                if (trees[i] < 0) {
                        r = negative_errno();
                        goto finish;
                }
        }

        /* Safety: we are chrooted into the box's root, in its mount namespace; only procfs mounts on its
         * /proc go, and a mount the kernel locked (a user namespace's) stays below the new one. */
        for (int k = 0; k < 16; k++) {
                struct statfs sf;
                if (statfs("/proc", &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC ||
                    umount2("/proc", MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
                        break;
        }
        if (move_mount(proc, "", AT_FDCWD, "/proc", MOVE_MOUNT_F_EMPTY_PATH) < 0) {
                r = negative_errno();
                goto finish;
        }

        /* The procfs views below it (nspawn's read-only /proc/sys and its writable /proc/sys/net, the
         * plan's read-only paths), taken from the new procfs before anything covers part of it. */
        r = clone_procfs_views(m, vis, n_vis, trees);
        if (r < 0)
                goto finish;

        /* Safety: both ends are fds or paths in the box's new /proc, the final component never
         * followed: each tree goes where its original was, in the original's order. */
        for (size_t i = 0; i < n_vis; i++) {
                struct stat st;

                if (trees[i] < 0)
                        continue;
                /* a /proc/PID of nspawn's namespace has no counterpart in ours */
                if (fstatat(AT_FDCWD, m[vis[i]].point, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
                        continue;
                if (move_mount(trees[i], "", AT_FDCWD, m[vis[i]].point, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
                        r = negative_errno();
                        goto finish;
                }
        }
        /* Safety: the plan's own mount points in the box, each replaced by its own copy, as the plan's
         * steps did before; the box's propagation is left as those steps made it (rootfsPropagation):
         * its peers, if any, are the box's own. */
        r = 0;
        for (char * const *p = mounts_after; r >= 0 && p && *p; p++)
                r = reattach_here(*p);
finish:
        for (size_t i = 0; trees && i < n_vis; i++)
                safe_close(trees[i]);
        proc_mounts_free(m, n);
        return r;
}

static int write_sysctl(const char *key, const char *value) {
        _cleanup_free_ char *path = strjoin("/proc/sys/", key);
        _cleanup_close_ int fd = -1;

        if (!path)
                return -ENOMEM;
        for (char *c = path + strlen("/proc/sys/"); *c; c++)
                if (*c == '.')
                        *c = '/';
        fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        if (write(fd, value, strlen(value)) < 0)
                return negative_errno();
        return 0;
}

static int make_parents(const char *path) {
        _cleanup_free_ char *p = strdup(path);
        char *slash;

        if (!p)
                return -ENOMEM;
        slash = strrchr(p, '/');
        if (!slash || slash == p)
                return 0;
        *slash = 0;
        return mkdir_p(p, 0755);
}

/* nspawn's mounts in the box are shared, with peers outside its root: a mount made on one of them
 * would be copied to every peer, and those copies shown in the box too. The box's tree becomes a slave
 * first (it still receives what the host propagates to it; linux.rootfsPropagation applies after). */
static int stop_propagation_once(void) {
        static bool done = false;

        if (done)
                return 0;
        if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
                return negative_errno();
        done = true;
        return 0;
}

/* Puts the detached tree fd where path's top mount was: the copy replaces the original, so the box
 * shows each mount once, as runc's do. A mount the kernel locked (a user namespace's) stays below. */
static int replace_mount(const char *path, int tree) {
        if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != EPERM)
                return negative_errno();
        return move_mount(tree, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_SYMLINKS) < 0 ?
                negative_errno() : 0;
}

/* The mount at path replaced by a recursive copy of itself, which the mount table then lists last. */
static int reattach_here(const char *path) {
        _cleanup_close_ int tree = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);

        if (tree < 0)
                return negative_errno();
        return replace_mount(path, tree);
}

static int reattach(const char *path) {
        int r = stop_propagation_once();

        return r < 0 ? r : reattach_here(path);
}

/* A new, detached mount of the step's file system, options and flags. */
static int new_tree(const PlanStep *s) {
        static const struct {
                unsigned long ms;
                unsigned attr;
        } attrs[] = {
                { MS_RDONLY, MOUNT_ATTR_RDONLY },
                { MS_NOSUID, MOUNT_ATTR_NOSUID },
                { MS_NODEV, MOUNT_ATTR_NODEV },
                { MS_NOEXEC, MOUNT_ATTR_NOEXEC },
        };
        _cleanup_close_ int fs = -1;
        _cleanup_free_ char *data = s->data ? strdup(s->data) : NULL;
        unsigned attr = 0;
        int fd;

        if (s->data && !data)
                return -ENOMEM;
        fs = fsopen(s->value, FSOPEN_CLOEXEC);
        if (fs < 0)
                return negative_errno();
        if (fsconfig(fs, FSCONFIG_SET_STRING, "source", s->source, 0) < 0)
                return negative_errno();
        for (char *o = data, *next; o && *o; o = next) {
                char *eq;

                next = strchr(o, ',');
                if (next)
                        *next++ = 0;
                eq = strchr(o, '=');
                if (eq)
                        *eq++ = 0;
                if (fsconfig(fs, eq ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, o, eq, 0) < 0)
                        return negative_errno();
        }
        if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return negative_errno();
        for (size_t i = 0; i < ELEMENTSOF(attrs); i++)
                if (s->flags & attrs[i].ms)
                        attr |= attrs[i].attr;
        fd = fsmount(fs, FSMOUNT_CLOEXEC, attr);
        return fd < 0 ? negative_errno() : fd;
}

/* nspawn's cgroup tree below /sys, kept over a new sysfs there. */
#define CGROUP_BELOW_SYS "/sys/fs/cgroup"

static int new_mount(const PlanStep *s) {
        _cleanup_close_ int cgroup = -1, tree = -1;
        int r;

        r = stop_propagation_once();
        if (r < 0)
                return r;
        tree = new_tree(s);
        if (tree < 0) {
                /* In a user namespace the kernel refuses a new sysfs the namespace does not own:
                 * nspawn's stays, attached again in the config's order. */
                if (tree != -EPERM)
                        return tree;
                log_debug_errno(tree, "Keeping systemd-nspawn's %s on %s: %m", s->value, s->path);
                return reattach(s->path);
        }
        if (streq(s->path, "/sys")) {
                cgroup = open_tree(AT_FDCWD, CGROUP_BELOW_SYS, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
                if (cgroup < 0 && errno != ENOENT)
                        return negative_errno();
        }
        r = replace_mount(s->path, tree);
        if (r < 0)
                return r;
        if (cgroup >= 0)
                return replace_mount(CGROUP_BELOW_SYS, cgroup);
        return 0;
}

/* A detached copy of the mount at path (open_tree() flags added: AT_SYMLINK_NOFOLLOW), kept only if
 * fstat() shows the device node of that kind (S_IFCHR, S_IFBLK) and number: -ENODEV otherwise. */
static int device_tree(const char *path, unsigned flags, mode_t kind, dev_t dev) {
        _cleanup_close_ int tree = -1;
        struct stat st;

        tree = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | flags);
        if (tree < 0)
                return negative_errno();
        if (fstat(tree, &st) < 0)
                return negative_errno();
        if ((st.st_mode & S_IFMT) != kind || st.st_rdev != dev)
                return -ENODEV;
        return TAKE_FD(tree);
}

/* A detached copy of the box's /dev/null, refused unless it is that device: a /dev from a volume (a
 * bind of the engine's, or one an image points into) can hold a symlink or any file there, and the mask
 * would then bind whatever that names over the masked path (CVE-2025-31133). */
static int dev_null_tree(void) {
        int tree = device_tree("/dev/null", AT_SYMLINK_NOFOLLOW, S_IFCHR, makedev(1, 3));

        if (tree == -ENODEV)
                return log_error_errno(EPERM,
                                       "/dev/null in the box is not the null device, refusing to mask "
                                       "paths with it");
        return tree;
}

/* Masks one path: an empty read-only tmpfs over a directory, the null device over anything else. The
 * target is opened once and mounted on through that fd, so the kind checked is the kind masked. */
static int mask_path(const char *path) {
        _cleanup_close_ int target = -1, tree = -1, fs = -1;
        struct stat st;

        target = open(path, O_PATH | O_CLOEXEC);
        if (target < 0)
                return errno == ENOENT ? 0 : negative_errno(); /* missing from the image: as runc */
        if (fstat(target, &st) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode)) {
                fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
                if (fs < 0 || fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0755", 0) < 0 ||
                    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                        return negative_errno();
                tree = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY);
                if (tree < 0)
                        return negative_errno();
        } else {
                tree = dev_null_tree();
                if (tree < 0)
                        return tree;
        }
        /* Safety: both ends are fds: the source was checked to be a fresh tmpfs or the null device, the
         * target is the inode just examined inside the box's root, wherever a symlink swap points now. */
        if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return negative_errno();
        return 0;
}

/* Looks below dir, within the host's /dev file system (fs: its st_dev; not /dev/pts, /dev/shm and the
 * others mounted there), for a node of the given kind and number, symlinks not followed. */
static bool find_host_node(const char *dir, dev_t fs, mode_t kind, dev_t dev, char *buf, size_t size,
                           int depth) {
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *e;

        if (depth > 4 || !(d = opendir(dir)))
                return false;
        while ((e = readdir(d))) {
                char path[PATH_MAX];
                struct stat st;

                if (streq(e->d_name, ".") || streq(e->d_name, "..") ||
                    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int) sizeof(path) ||
                    lstat(path, &st) < 0)
                        continue;
                if ((st.st_mode & S_IFMT) == kind && st.st_rdev == dev) {
                        snprintf(buf, size, "%s", path);
                        return true;
                }
                if (S_ISDIR(st.st_mode) && st.st_dev == fs &&
                    find_host_node(path, fs, kind, dev, buf, size, depth + 1))
                        return true;
        }
        return false;
}

/* The host's node of a device step, detached: in a user namespace mknod() of a device is refused, and
 * runc binds the host's node at the same path instead. Where the host has that device elsewhere (an
 * engine's --device /dev/sdb:/dev/xvdb lists it by the container's path), its node there. Taken while
 * still root in the host's namespaces, and only if it is the very device configured (kind and
 * number): -ENODEV otherwise. */
static int host_device_tree(const PlanStep *s) {
        char found[PATH_MAX];
        struct stat st;
        int tree;

        /* Safety: a detached copy of one host mount's dentry (no mount table changes), kept only when
         * fstat() shows the configured device: the config could bind any host path through its mounts
         * anyway, and access to the device stays the device cgroup's to grant. */
        tree = device_tree(s->path, 0, s->mode & S_IFMT, s->dev);
        if (tree >= 0)
                return tree;
        if (stat("/dev", &st) < 0 || !find_host_node("/dev", st.st_dev, s->mode & S_IFMT, s->dev, found,
                                                     sizeof(found), 0))
                return -ENODEV;
        /* Safety: as above; the node was found by kind and number, and is checked again once held. */
        return device_tree(found, AT_SYMLINK_NOFOLLOW, s->mode & S_IFMT, s->dev);
}

/* The host's node (host_device_tree()) bound at the step's path in the box, on an empty file made there:
 * its owner and mode are the host's, as under runc; a bind cannot take the config's. */
static int bind_device(const PlanStep *s, int tree) {
        _cleanup_close_ int target = -1;

        (void) make_parents(s->path);
        if (unlink(s->path) < 0 && errno != ENOENT)
                return negative_errno();
        target = open(s->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0000);
        if (target < 0)
                return negative_errno();
        /* Safety: both ends are fds: the source is the checked host device, the target the empty file
         * just made inside the box's root, in its /dev. */
        return move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0 ?
                negative_errno() : 0;
}

/* For each step, the host's node of its device (host_device_tree()) where the box has a user namespace
 * and the step makes a character or block device, -1 for the others. Logs; NULL on failure. */
static int *host_device_trees(const bool *join_ns, const PlanStep *steps, size_t n) {
        _cleanup_free_ int *trees = calloc(n, sizeof(int));

        if (!trees) {
                log_oom();
                return NULL;
        }
        for (size_t i = 0; i < n; i++) {
                const PlanStep *s = &steps[i];

                trees[i] = -1;
                if (s->type != PLAN_STEP_MKNOD || !join_ns[OCI_NS_USER] ||
                    !(S_ISCHR(s->mode) || S_ISBLK(s->mode)))
                        continue;
                trees[i] = host_device_tree(s);
                if (trees[i] < 0) {
                        log_error_errno(trees[i],
                                        "linux.devices: %s: in a user namespace the host's node of the "
                                        "device is bound there, and the host has no %s node %u:%u", s->path,
                                        S_ISBLK(s->mode) ? "block" : "character", major(s->dev),
                                        minor(s->dev));
                        return NULL;
                }
        }
        return TAKE_PTR(trees);
}

/* The closed set of privileged steps in the box. Every case runs in a child that joined the box's
 * namespaces (box_steps_run()): what it changes is the box's, never the host's. */
static int do_step(const PlanStep *s) {
        struct stat st;

        switch (s->type) {
        case PLAN_STEP_SYSCTL:
                /* Safety: the key was checked by the plan to be a namespaced one (no "..", no '/'), and
                 * is written in the box's network and ipc namespaces (write_sysctl()). */
                return write_sysctl(s->path, s->value);
        case PLAN_STEP_HOSTNAME:
                /* Safety: in the box's uts namespace, joined before the first step. */
                return sethostname(s->value, strlen(s->value)) < 0 ? negative_errno() : 0;
        case PLAN_STEP_DOMAINNAME:
                /* Safety: in the box's uts namespace, joined before the first step. */
                return setdomainname(s->value, strlen(s->value)) < 0 ? negative_errno() : 0;
        case PLAN_STEP_REMOUNT:
                /* Safety: chrooted into the box's root: the path resolves inside it, and the mounts
                 * changed are the box's own copies (remount()). */
                return remount(s->path, s->flags, s->clear_flags);
        case PLAN_STEP_READONLY:
                /* Paths missing from the image are skipped, as runc does. */
                if (stat(s->path, &st) < 0)
                        return errno == ENOENT ? 0 : negative_errno();
                /* Safety: we are chrooted into the box's root, so the path and any symlink in it
                 * resolve inside the box, and the mounts changed are the box's own copies. Every mount
                 * at or below the path turns read-only, not just the top one: nspawn's /proc/sys/net of
                 * a private network is a submount of /proc/sys, and a bind of the tree alone would
                 * leave it writable (as runc's readonlyPaths do, AT_RECURSIVE). */
                if (mount(s->path, s->path, NULL, MS_BIND | MS_REC, NULL) < 0)
                        return negative_errno();
                if (mount_setattr(AT_FDCWD, s->path, AT_RECURSIVE | AT_SYMLINK_NOFOLLOW,
                                  &(struct mount_attr) { .attr_set = MOUNT_ATTR_RDONLY },
                                  sizeof(struct mount_attr)) < 0)
                        return negative_errno();
                return 0;
        case PLAN_STEP_MASK:
                /* Safety: the target is opened inside the box's root and covered by fd (mask_path()). */
                return mask_path(s->path);
        case PLAN_STEP_MKNOD:
                /* Safety: chrooted into the box's root, in the box's /dev (a tmpfs of nspawn's): the
                 * node is made there, what was at the path is replaced, not followed. */
                (void) make_parents(s->path);
                if (lstat(s->path, &st) == 0)
                        (void) unlink(s->path);
                if (mknod(s->path, s->mode, s->dev) < 0)
                        return negative_errno();
                if (chown(s->path, s->uid, s->gid) < 0)
                        return negative_errno();
                /* mknod() honours the umask: the mode is the configured one */
                return chmod(s->path, s->mode & 07777) < 0 ? negative_errno() : 0;
        case PLAN_STEP_PROPAGATION:
                /* Safety: "/" is the box's root in the box's mount namespace; only its propagation
                 * changes. */
                return mount(NULL, "/", NULL, s->flags, NULL) < 0 ? negative_errno() : 0;
        case PLAN_STEP_REATTACH:
                /* Safety: the box's own mount moved to the same place by fd (reattach()). */
                return reattach(s->path);
        case PLAN_STEP_MOUNT:
                /* Safety: a new file system of the plan's type, attached by fd to a target opened
                 * inside the box's root (new_mount()). */
                return new_mount(s);
        default:
                return -EOPNOTSUPP;
        }
}

static bool step_needs_mount(PlanStepType t) {
        return !IN_SET(t, PLAN_STEP_SYSCTL, PLAN_STEP_HOSTNAME, PLAN_STEP_DOMAINNAME);
}

int box_steps_run(pid_t holder, const bool *join_ns, const PlanStep *steps, size_t n) {
        int status;
        pid_t pid;

        if (n == 0)
                return 0;
        pid = fork();
        if (pid < 0)
                return log_error_errno(errno, "Failed to fork: %m");
        if (pid == 0) {
                const char *what = NULL;
                char path[64];
                int r;

                snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int) holder);
                mountinfo_fd = open(path, O_RDONLY | O_CLOEXEC);
                if (mountinfo_fd < 0) {
                        log_error_errno(errno, "Failed to open %s: %m", path);
                        _exit(1);
                }

                /* In a user namespace a device node is the host's, bound: taken here, before any
                 * namespace of the box is joined. */
                int *host_nodes = host_device_trees(join_ns, steps, n);
                if (!host_nodes)
                        _exit(1);

                /* Namespaced sysctls and names first, before the mount namespace: the box's /proc/sys is
                 * read-only, the host's is not, and its files act on the writer's own namespaces. */
                r = box_steps_enter(holder, join_ns, false, &what);
                if (r < 0) {
                        log_error_errno(r, "Failed to join the box's %s namespace: %m", what);
                        _exit(1);
                }
                /* In a user namespace, its root: a file made on one of its file systems (the native
                 * builder's /dev) needs an owner mapped there. Where 0 is not mapped, as we are. */
                if (join_ns[OCI_NS_USER]) {
                        (void) setresgid(0, 0, 0);
                        (void) setresuid(0, 0, 0);
                }
                for (size_t pass = 0; pass < 2; pass++) {
                        if (pass == 1) {
                                bool mnt_only[_OCI_NS_MAX] = { [OCI_NS_MOUNT] = true };
                                r = box_steps_enter(holder, mnt_only, true, &what);
                                if (r < 0) {
                                        log_error_errno(r, "Failed to enter the box (%s): %m", what);
                                        _exit(1);
                                }
                        }
                        for (size_t i = 0; i < n; i++) {
                                if (step_needs_mount(steps[i].type) != (pass == 1))
                                        continue;
                                r = host_nodes[i] >= 0 ? bind_device(&steps[i], host_nodes[i])
                                                       : do_step(&steps[i]);
                                if (r < 0) {
                                        log_error_errno(r, "%s %s%s%s: %m",
                                                        strna(plan_step_type_to_string(steps[i].type)),
                                                        strempty(steps[i].path), steps[i].value ? "=" : "",
                                                        strempty(steps[i].value));
                                        _exit(1);
                                }
                        }
                }
                _exit(0);
        }
        if (waitpid(pid, &status, 0) < 0)
                return log_error_errno(errno, "Failed to wait for the box's steps: %m");
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}
