/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Builds the box without systemd-nspawn, for what nspawn cannot do: user namespaces with any maps or
 * joined by path, time namespaces. Runs as root on the host; two children do the work:
 *
 * - the intermediate, forked in the host's namespaces: clones the mount sources while it is still root
 *   on the host, joins the namespaces given by path (user first, as nsenter and runc do) or makes new
 *   ones (the user namespace first; we write its maps from the host), writes the time offsets, and
 *   clones the holder with CLONE_PARENT (our child, PID 1 of the new pid namespace), then exits;
 * - the holder-to-be: waits until we moved it into the container's scope or cgroup, makes its cgroup
 *   namespace there, builds the root (the image, /proc, /sys, /dev with the default devices, /dev/pts,
 *   /dev/shm, /dev/mqueue, /run, the config's bind and tmpfs mounts), pivots into it, and execs the
 *   holder as nspawn does: the control socket as fd 3 (LISTEN_FDS=1), NOTIFY_SOCKET for READY=1.
 *
 * The plan's steps, the process, exec and the rest then find the same box as nspawn's. */
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/openat2.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "box/box-native.h"
#include "box/init/holder-protocol.h"
#include "base/log.h"
#include "base/util.h"
#include "host/cgroup.h"
#include "host/state.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* Where the intermediate's new mount namespace gets a tmpfs to attach the image to before pivot_root. */
#define STAGING_DIR "/tmp"
#define STAGING_ROOT STAGING_DIR "/root"

/* Messages on the sync socket (SOCK_SEQPACKET): one letter, then a payload. */
enum {
        MSG_USERNS = 'U',        /* intermediate: my user namespace waits for its maps */
        MSG_MAPPED = 'M',        /* parent: the maps are written */
        MSG_HOLDER = 'H',        /* intermediate: the holder's pid (host) follows */
        MSG_GO = 'G',            /* parent: the holder is in its cgroup */
        MSG_NOTIFY = 'N',        /* holder: the notify socket, bound in the box's network namespace */
        MSG_ERROR = 'E',         /* child: what failed, as text */
};

static const char * const default_devices[] = { "null", "zero", "full", "random", "urandom", "tty" };

/* What the intermediate clones on the host before it leaves the host's user namespace. */
typedef struct Sources {
        int rootfs;                      /* the image, a detached recursive bind */
        int sys;                         /* the host's /sys, read-only, for a user namespace without a
                                          * network namespace of its own (sysfs refuses to mount there) */
        int devices[ELEMENTSOF(default_devices)];
        int *mounts;                     /* per config mount: its detached bind, or -1 */
} Sources;

typedef struct Native {
        const Plan *plan;
        const OciConfig *c;
        int sync;                        /* the children's end */
        int control;                     /* the holder's end of the control socket */
        int log;
        int holder_exe;
        Sources src;
} Native;

_printf_(2, 3) _noreturn_ static void fail_child(int sync, const char *fmt, ...) {
        char buf[1024] = { MSG_ERROR };
        va_list ap;
        int saved = errno;

        va_start(ap, fmt);
        errno = saved;
        vsnprintf(buf + 1, sizeof(buf) - 1, fmt, ap);
        va_end(ap);
        (void) send(sync, buf, strlen(buf), MSG_NOSIGNAL);
        _exit(1);
}

static int send_msg(int sync, char type, const void *data, size_t size) {
        char buf[64] = { type };

        if (size > sizeof(buf) - 1)
                return -EINVAL;
        if (size > 0)
                memcpy(buf + 1, data, size);
        return send(sync, buf, size + 1, MSG_NOSIGNAL) == (ssize_t) (size + 1) ? 0 : -EIO;
}

/* The next message, of type 'want' (with its payload and an fd if one came). Logs the child's error, or
 * that it ended without one. */
static int recv_msg(int sync, char want, void *data, size_t size, int *ret_fd) {
        union {
                struct cmsghdr h;
                uint8_t buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        char buf[1024];
        struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) - 1 };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
                             .msg_controllen = sizeof(control) };
        ssize_t n;
        int fd = -1;

        do
                n = recvmsg(sync, &mh, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return log_error_errno(errno, "Failed to hear from the box's builder: %m");
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
                    c->cmsg_len == CMSG_LEN(sizeof(int)))
                        memcpy(&fd, CMSG_DATA(c), sizeof(int));
        if (n == 0)
                return log_error_errno(ECHILD, "The box's builder exited without a word");
        buf[n] = 0;
        if (buf[0] == MSG_ERROR) {
                safe_close(fd);
                log_error("Failed to build the box: %s", buf + 1);
                return -EIO;
        }
        if (buf[0] != want || (size_t) n != size + 1) {
                safe_close(fd);
                return log_error_errno(EBADMSG, "The box's builder sent an unexpected message");
        }
        memcpy(data, buf + 1, size);
        if (ret_fd)
                *ret_fd = fd;
        else
                safe_close(fd);
        return 0;
}

static bool mount_is_bind(const OciMount *m) {
        if (m->type && streq(m->type, "bind"))
                return true;
        STRV_FOREACH(o, m->options)
                if (streq(*o, "bind") || streq(*o, "rbind"))
                        return true;
        return false;
}

static bool mount_has_option(const OciMount *m, const char *option) {
        STRV_FOREACH(o, m->options)
                if (streq(*o, option))
                        return true;
        return false;
}

/* The config's mounts the builder makes: the bind and tmpfs mounts the plan gave to nspawn. The API
 * file systems are the builder's own (as nspawn's are), and the plan's steps put them in the config's
 * order and flags; a tmpfs on /run is the builder's /run. */
static bool mount_is_ours(const OciMount *m) {
        static const char * const api[] = { "/proc", "/sys", "/sys/fs/cgroup", "/dev", "/dev/pts",
                                            "/dev/shm", "/dev/mqueue", "/run" };

        if (!m->destination)
                return false;
        if (mount_is_bind(m))
                return !streq(m->destination, "/run");
        if (!m->type || !streq(m->type, "tmpfs"))
                return false;
        for (size_t i = 0; i < ELEMENTSOF(api); i++)
                if (streq(m->destination, api[i]))
                        return false;
        return true;
}

/* A detached copy of 'path' of the host (recursive or not), read-only if asked: made while we are root
 * on the host, attached later in the box's mount namespace, where the host's paths may be out of the
 * user namespace's reach. */
static int clone_tree(const char *path, bool recursive, bool ro) {
        /* A copy of a shared mount is its peer: what is mounted below it in the box would appear on
         * the host. A slave receives the host's mounts and sends nothing back. */
        struct mount_attr attr = { .attr_set = ro ? MOUNT_ATTR_RDONLY : 0, .propagation = MS_SLAVE };
        int fd;

        fd = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
        if (fd < 0)
                return negative_errno();
        if (mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof(attr)) < 0) {
                int r = negative_errno();
                safe_close(fd);
                return r;
        }
        return fd;
}

static int write_map(pid_t pid, const char *file, const OciIdMapping *m, size_t n);

/* A user namespace with the maps given, as an fd for MOUNT_ATTR_IDMAP: a child makes it, we write its
 * maps as write_map() does for the box's, take the fd, and end the child. */
static int idmap_userns(const OciIdMapping *u, size_t nu, const OciIdMapping *g, size_t ng) {
        _cleanup_close_pair_ int pair[2] = { -1, -1 };
        int fd = -1, r;
        char path[64], c;
        pid_t pid;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return negative_errno();
        pid = fork();
        if (pid < 0)
                return negative_errno();
        if (pid == 0) {
                /* Safety: a user namespace of its own that holds no process but this one, which waits */
                if (unshare(CLONE_NEWUSER) < 0 || write(pair[1], "u", 1) != 1)
                        _exit(1);
                (void) read(pair[1], &c, 1);
                _exit(0);
        }
        r = read(pair[0], &c, 1) == 1 ? 0 : -ECHILD;
        if (r >= 0)
                r = write_map(pid, "uid_map", u, nu);
        if (r >= 0)
                r = write_map(pid, "gid_map", g, ng);
        if (r >= 0) {
                snprintf(path, sizeof(path), "/proc/%d/ns/user", (int) pid);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                r = fd < 0 ? negative_errno() : 0;
        }
        kill(pid, SIGKILL);
        (void) waitpid(pid, NULL, 0);
        return r < 0 ? r : fd;
}

/* The config mount's clone, id-mapped: with the mount's own maps, else the container's. */
static int idmap_tree(const Native *n, const OciMount *m, int tree) {
        const OciLinux *l = &n->c->linux;
        bool own = m->n_uid_mappings > 0;
        struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP };
        _cleanup_close_ int userns = -1;

        if (!own && !mount_has_option(m, "idmap") && !mount_has_option(m, "ridmap"))
                return 0;
        userns = own ? idmap_userns(m->uid_mappings, m->n_uid_mappings, m->gid_mappings, m->n_gid_mappings)
                     : idmap_userns(l->uid_mappings, l->n_uid_mappings, l->gid_mappings, l->n_gid_mappings);
        if (userns < 0)
                return userns;
        attr.userns_fd = (uint64_t) userns;
        /* Safety: the detached copy of the source, not yet attached anywhere: only its view of the ids
         * changes, for the box alone */
        if (mount_setattr(tree, "", AT_EMPTY_PATH | (mount_has_option(m, "ridmap") ? AT_RECURSIVE : 0), &attr,
                          sizeof(attr)) < 0)
                return negative_errno();
        return 0;
}

static void clone_sources(Native *n) {
        const OciConfig *c = n->c;
        Sources *s = &n->src;

        s->rootfs = clone_tree(n->plan->rootfs, true, false);
        if (s->rootfs < 0)
                fail_child(n->sync, "root.path: Failed to clone %s: %s", n->plan->rootfs, strerror(-s->rootfs));
        s->sys = clone_tree("/sys", true, true);
        for (size_t i = 0; i < ELEMENTSOF(default_devices); i++) {
                char path[32];
                snprintf(path, sizeof(path), "/dev/%s", default_devices[i]);
                s->devices[i] = clone_tree(path, false, false);
        }
        s->mounts = calloc(c->n_mounts ?: 1, sizeof(int));
        if (!s->mounts)
                fail_child(n->sync, "Out of memory");
        for (size_t i = 0; i < c->n_mounts; i++) {
                const OciMount *m = c->mounts + i;

                s->mounts[i] = -1;
                if (!mount_is_ours(m) || !mount_is_bind(m))
                        continue;
                if (isempty(m->source))
                        fail_child(n->sync, "mounts[%zu].source: a bind mount needs a source", i);
                /* Safety: the source is the host's path that config.json names, as runc binds it; it is
                 * attached only below the box's root, at a target resolved inside it. */
                s->mounts[i] = clone_tree(m->source, mount_has_option(m, "rbind"), mount_has_option(m, "ro"));
                if (s->mounts[i] < 0)
                        fail_child(n->sync, "mounts[%zu].source: Failed to clone %s: %s", i, m->source,
                                   strerror(-s->mounts[i]));
                int r = idmap_tree(n, m, s->mounts[i]);
                if (r < 0)
                        fail_child(n->sync, "mounts[%zu]: Failed to id-map %s: %s%s", i, m->source, strerror(-r),
                                   r == -EINVAL ? " (its file system may have no id-mapped mounts)" : "");
        }
}

/* uid_map or gid_map of the intermediate: every range in one write, as the kernel wants. */
static int write_map(pid_t pid, const char *file, const OciIdMapping *m, size_t n) {
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int fd = -1;
        char path[64];
        size_t len = 0;

        text = malloc(n * 40 + 1);
        if (!text)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                len += (size_t) sprintf(text + len, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n", m[i].container_id,
                                        m[i].host_id, m[i].size);
        snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, file);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        /* Safety: written as root on the host for our own child, with the ranges config.json gives, as
         * runc writes them; the kernel refuses overlapping ranges. */
        if (write(fd, text, len) != (ssize_t) len)
                return errno > 0 ? -errno : -EIO;
        return 0;
}

static int ns_flag(OciNamespaceType t) {
        return t == OCI_NS_TIME ? CLONE_NEWTIME : oci_namespace_type_clone_flag(t);
}

/* The user namespace: joined by path, or a new one whose maps the parent writes. Then root in it. */
/* Root in the user namespace just entered: the holder must keep its capabilities across execve(). */
static void become_root(Native *n) {
        /* Safety: ids of the user namespace we are in, which the kernel maps as config.json says */
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
                fail_child(n->sync, "linux.uidMappings, linux.gidMappings: container id 0 is not mapped: %m");
        if (setgroups(0, NULL) < 0)
                fail_child(n->sync, "setgroups: %m");
}

/* A new user namespace, whose maps the parent writes from the host. */
static void make_user_ns(Native *n) {
        char c;

        /* Safety: a user namespace of our own; it gains nothing on the host, and the maps it gets are
         * the ones config.json gives, written by the parent */
        if (unshare(CLONE_NEWUSER) < 0)
                fail_child(n->sync, "linux.namespaces.user: Failed to make a user namespace: %m");
        if (send_msg(n->sync, MSG_USERNS, NULL, 0) < 0 || recv(n->sync, &c, 1, 0) != 1 || c != MSG_MAPPED)
                _exit(1);
        become_root(n);
}

static void write_time_offsets(Native *n) {
        const OciLinux *l = &n->c->linux;
        _cleanup_close_ int fd = -1;
        char text[128];
        int len;

        if (!l->time_offset_monotonic.set && !l->time_offset_boottime.set)
                return;
        len = snprintf(text, sizeof(text), "monotonic %" PRId64 " %" PRIu32 "\nboottime %" PRId64 " %" PRIu32 "\n",
                       l->time_offset_monotonic.secs, l->time_offset_monotonic.nanosecs,
                       l->time_offset_boottime.secs, l->time_offset_boottime.nanosecs);
        fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
        /* Safety: the offsets of the time namespace we just made, before any process lives in it */
        if (fd < 0 || write(fd, text, (size_t) len) != len)
                fail_child(n->sync, "linux.timeOffsets: Failed to write them: %m");
}

static void build_root(Native *n);
_noreturn_ static void exec_holder(Native *n);

/* The intermediate: namespaces, then the holder, born as our parent's child. */
_noreturn_ static void intermediate(Native *n) {
        static const OciNamespaceType join_order[] = { OCI_NS_USER, OCI_NS_IPC, OCI_NS_UTS, OCI_NS_NETWORK,
                                                       OCI_NS_CGROUP, OCI_NS_TIME };
        const OciLinux *l = &n->c->linux;
        int fds[_OCI_NS_MAX];
        int flags = CLONE_NEWNS;
        sigset_t all;
        pid_t pid;

        /* the box must outlive us and not see our terminal's signals */
        setsid();
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);

        for (OciNamespaceType t = 0; t < _OCI_NS_MAX; t++) {
                fds[t] = -1;
                if (t == OCI_NS_PID || !l->namespaces[t].present || !l->namespaces[t].path)
                        continue;
                fds[t] = open(l->namespaces[t].path, O_RDONLY | O_CLOEXEC);
                if (fds[t] < 0)
                        fail_child(n->sync, "linux.namespaces.%s: Failed to open %s: %m",
                                   oci_namespace_type_to_string(t), l->namespaces[t].path);
        }
        clone_sources(n);

        /* As runc: a user namespace given by path first, as nsenter does; the other namespaces given by
         * path next, while we are still root in the user namespace that owns them; a new user namespace
         * after those, and the other new namespaces in it, so that it owns them. */
        if (fds[OCI_NS_USER] >= 0) {
                /* Safety: the namespace config.json names, checked to be a user namespace (create) */
                if (setns(fds[OCI_NS_USER], CLONE_NEWUSER) < 0)
                        fail_child(n->sync, "linux.namespaces.user: Failed to join %s: %m",
                                   l->namespaces[OCI_NS_USER].path);
                become_root(n);
        }
        for (size_t i = 1; i < ELEMENTSOF(join_order); i++) {
                OciNamespaceType t = join_order[i];
                /* the cgroup namespace is made by the holder, once it is in its cgroup */
                if (!l->namespaces[t].present || t == OCI_NS_CGROUP)
                        continue;
                if (!l->namespaces[t].path)
                        flags |= ns_flag(t);
                /* Safety: a namespace config.json names, checked to be of the type it is given as */
                else if (setns(fds[t], ns_flag(t)) < 0)
                        fail_child(n->sync, "linux.namespaces.%s: Failed to join %s: %m",
                                   oci_namespace_type_to_string(t), l->namespaces[t].path);
        }
        if (l->namespaces[OCI_NS_USER].present && fds[OCI_NS_USER] < 0)
                make_user_ns(n);
        if (l->namespaces[OCI_NS_PID].present)
                flags |= CLONE_NEWPID;
        /* Safety: new namespaces for the box alone; the mount namespace is a private copy (below) */
        if (unshare(flags) < 0)
                fail_child(n->sync, "linux.namespaces: Failed to make the new namespaces: %m");
        if (flags & CLONE_NEWTIME)
                write_time_offsets(n);
        /* Safety: our new mount namespace's copy of the host's mounts; nothing we mount goes back */
        if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
                fail_child(n->sync, "Failed to make the mounts of the box's namespace slaves: %m");

        /* CLONE_PARENT: the holder is nspawn-oci's child, as the container process is. */
        pid = (pid_t) syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
        if (pid < 0)
                fail_child(n->sync, "clone: %m");
        if (pid == 0) {
                char c;
                if (recv(n->sync, &c, 1, 0) != 1 || c != MSG_GO)
                        _exit(1);
                /* Safety: rooted at the container's own cgroup, where the parent has just put us */
                if (l->namespaces[OCI_NS_CGROUP].present && !l->namespaces[OCI_NS_CGROUP].path &&
                    unshare(CLONE_NEWCGROUP) < 0)
                        fail_child(n->sync, "linux.namespaces.cgroup: Failed to make a cgroup namespace: %m");
                /* Safety: the namespace config.json names, checked to be a cgroup namespace (create) */
                if (fds[OCI_NS_CGROUP] >= 0 && setns(fds[OCI_NS_CGROUP], CLONE_NEWCGROUP) < 0)
                        fail_child(n->sync, "linux.namespaces.cgroup: Failed to join %s: %m",
                                   l->namespaces[OCI_NS_CGROUP].path);
                /* the hostname nspawn's --hostname= gives; one it could not take is a step of the plan.
                 * Safety: the box's own new uts namespace */
                if (l->namespaces[OCI_NS_UTS].present && !l->namespaces[OCI_NS_UTS].path &&
                    !isempty(n->c->hostname) && plan_hostname_is_valid(n->c->hostname) &&
                    sethostname(n->c->hostname, strlen(n->c->hostname)) < 0)
                        fail_child(n->sync, "hostname: Failed to set it: %m");
                build_root(n);
                exec_holder(n);
        }
        if (send_msg(n->sync, MSG_HOLDER, &pid, sizeof(pid)) < 0)
                _exit(1);
        _exit(0);
}

/* Attaches a detached tree (clone_tree()) at 'path' resolved inside root. */
static int attach_tree(int root, int tree, const char *path) {
        _cleanup_close_ int target = -1;
        struct stat st;

        if (fstat(tree, &st) < 0)
                return negative_errno();
        target = open_mount_point_in_root(root, path, S_ISDIR(st.st_mode));
        if (target < 0)
                return target;
        /* Safety: the target was resolved inside the box's root, never following a link out of it */
        if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return negative_errno();
        return 0;
}

/* mount(2) of a new file system at 'path' resolved inside root. */
static int mount_in_root(int root, const char *path, const char *type, unsigned long flags, const char *data) {
        _cleanup_close_ int target = open_mount_point_in_root(root, path, true);
        char fdpath[64];

        if (target < 0)
                return target;
        snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", target);
        /* Safety: the target is the directory resolved inside the box's root, named by its fd */
        if (mount(type, fdpath, type, flags, data) < 0)
                return negative_errno();
        return 0;
}

static void build_dev(Native *n, int root) {
        static const struct {
                const char *path, *target;
        } links[] = {
                { "/dev/fd", "/proc/self/fd" }, { "/dev/stdin", "/proc/self/fd/0" },
                { "/dev/stdout", "/proc/self/fd/1" }, { "/dev/stderr", "/proc/self/fd/2" },
                { "/dev/ptmx", "pts/ptmx" },
        };
        _cleanup_close_ int dev = -1;
        int r;

        r = mount_in_root(root, "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=4m");
        if (r < 0)
                fail_child(n->sync, "Failed to mount a tmpfs on /dev: %s", strerror(-r));
        /* the host's device nodes, bound: mknod works in no user namespace but the host's */
        for (size_t i = 0; i < ELEMENTSOF(default_devices); i++) {
                char path[32];
                snprintf(path, sizeof(path), "/dev/%s", default_devices[i]);
                r = n->src.devices[i] < 0 ? n->src.devices[i] : attach_tree(root, n->src.devices[i], path);
                if (r < 0)
                        fail_child(n->sync, "Failed to bind %s into the box: %s", path, strerror(-r));
        }
        /* the links go into the box's /dev, resolved inside the root and just mounted */
        dev = open_mount_point_in_root(root, "/dev", true);
        for (size_t i = 0; dev >= 0 && i < ELEMENTSOF(links); i++)
                if (symlinkat(links[i].target, dev, links[i].path + strlen("/dev/")) < 0 && errno != EEXIST)
                        fail_child(n->sync, "Failed to create %s: %m", links[i].path);
        r = mount_in_root(root, "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                          "newinstance,ptmxmode=0666,mode=620,gid=5");
        if (r == -EINVAL) /* gid 5 (tty) is not mapped */
                r = mount_in_root(root, "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620");
        if (r < 0)
                fail_child(n->sync, "Failed to mount devpts on /dev/pts: %s", strerror(-r));
        r = mount_in_root(root, "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_STRICTATIME, "mode=1777");
        if (r < 0)
                fail_child(n->sync, "Failed to mount a tmpfs on /dev/shm: %s", strerror(-r));
        /* without an ipc namespace of the box's user namespace the kernel refuses it, as it does nspawn */
        (void) mount_in_root(root, "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

static void build_api(Native *n, int root) {
        int r;

        r = mount_in_root(root, "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
        if (r < 0)
                fail_child(n->sync, "Failed to mount /proc: %s", strerror(-r));
        r = mount_in_root(root, "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
        if (r == -EPERM && n->src.sys >= 0)
                /* sysfs mounts only in the user namespace that owns the network namespace: the host's,
                 * read-only, as runc does */
                r = attach_tree(root, n->src.sys, "/sys");
        else if (r >= 0)
                (void) mount_in_root(root, "/sys/fs/cgroup", "cgroup2",
                                     MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
        if (r < 0)
                fail_child(n->sync, "Failed to mount /sys: %s", strerror(-r));
        build_dev(n, root);
        r = mount_in_root(root, "/run", "tmpfs", MS_NOSUID | MS_NODEV | MS_STRICTATIME, "mode=755");
        if (r < 0)
                fail_child(n->sync, "Failed to mount a tmpfs on /run: %s", strerror(-r));
}

/* The tmpfs data of a config mount ("size=…,mode=…"), mode 1777 unless given, as the plan does. */
static void tmpfs_data(const OciMount *m, char *buf, size_t size) {
        bool mode = false;

        buf[0] = 0;
        STRV_FOREACH(o, m->options)
                if (startswith(*o, "size=") || startswith(*o, "mode=") || startswith(*o, "uid=") ||
                    startswith(*o, "gid=") || startswith(*o, "nr_inodes=") || startswith(*o, "nr_blocks=")) {
                        mode = mode || startswith(*o, "mode=");
                        snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", buf[0] ? "," : "", *o);
                }
        if (!mode)
                snprintf(buf + strlen(buf), size - strlen(buf), "%smode=1777", buf[0] ? "," : "");
}

/* Copies the tree below 'from' into 'to' (both directories, 'from' hidden below the new tmpfs 'to' is
 * on), with modes, owners and symlinks; device nodes and sockets are left out. Every name is opened
 * relative to its directory's fd and without following a link. */
static int copy_tree(int from, int to, unsigned depth) {
        _cleanup_(closedirp) DIR *d = NULL;
        int dfd = fcntl(from, F_DUPFD_CLOEXEC, 3);
        struct dirent *de;

        if (dfd < 0)
                return negative_errno();
        d = fdopendir(dfd);
        if (!d) {
                safe_close(dfd);
                return negative_errno();
        }
        if (depth > 64)
                return -ELOOP;
        while ((de = readdir(d))) {
                _cleanup_close_ int src = -1, dst = -1;
                struct stat st;
                char target[PATH_MAX];
                ssize_t k;
                int r = 0;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(from, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return negative_errno();
                if (S_ISDIR(st.st_mode)) {
                        if (mkdirat(to, de->d_name, st.st_mode & 07777) < 0)
                                return negative_errno();
                        src = openat(from, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        dst = openat(to, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        r = src < 0 || dst < 0 ? negative_errno() : copy_tree(src, dst, depth + 1);
                } else if (S_ISREG(st.st_mode)) {
                        src = openat(from, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                        dst = openat(to, de->d_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                     st.st_mode & 07777);
                        if (src < 0 || dst < 0)
                                return negative_errno();
                        /* sendfile(): copy_file_range() refuses two file systems */
                        while ((k = sendfile(dst, src, NULL, 1 << 20)) > 0)
                                ;
                        r = k < 0 ? negative_errno() : 0;
                } else if (S_ISLNK(st.st_mode)) {
                        k = readlinkat(from, de->d_name, target, sizeof(target) - 1);
                        if (k < 0)
                                return negative_errno();
                        target[k] = 0;
                        r = symlinkat(target, to, de->d_name) < 0 ? negative_errno() : 0;
                } else
                        continue;
                if (r < 0)
                        return r;
                /* the owner as in the image; one the user namespace does not map stays ours */
                (void) fchownat(to, de->d_name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
                if (!S_ISLNK(st.st_mode))
                        (void) fchmodat(to, de->d_name, st.st_mode & 07777, 0);
        }
        return 0;
}

/* A tmpfs with "tmpcopyup": the image's files at its destination are copied onto it, as runc does. */
static int mount_tmpfs_copyup(int root, const OciMount *m, unsigned long flags, const char *data) {
        struct open_how how = { .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
        _cleanup_close_ int below = -1, top = -1;
        int r;

        /* the image's directory, opened before the tmpfs hides it */
        below = (int) syscall(SYS_openat2, root, m->destination, &how, sizeof(how));
        r = mount_in_root(root, m->destination, "tmpfs", flags & ~MS_RDONLY, data);
        if (r < 0 || below < 0)
                return r;
        top = (int) syscall(SYS_openat2, root, m->destination, &how, sizeof(how));
        if (top < 0)
                return negative_errno();
        r = copy_tree(below, top, 0);
        if (r < 0 || !(flags & MS_RDONLY))
                return r;
        /* Safety: the tmpfs just mounted, named by its fd */
        char fdpath[64];
        snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", top);
        return mount(NULL, fdpath, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0 ? negative_errno() : 0;
}

static void build_mounts(Native *n, int root) {
        for (size_t i = 0; i < n->c->n_mounts; i++) {
                const OciMount *m = n->c->mounts + i;
                char data[512];
                int r;

                if (!mount_is_ours(m))
                        continue;
                if (n->src.mounts[i] >= 0)
                        r = attach_tree(root, n->src.mounts[i], m->destination);
                else {
                        tmpfs_data(m, data, sizeof(data));
                        if (mount_has_option(m, "tmpcopyup"))
                                r = mount_tmpfs_copyup(root, m, mount_has_option(m, "ro") ? MS_RDONLY : 0, data);
                        else
                                r = mount_in_root(root, m->destination, "tmpfs",
                                                  mount_has_option(m, "ro") ? MS_RDONLY : 0, data);
                }
                if (r < 0)
                        fail_child(n->sync, "mounts[%zu]: Failed to mount on %s: %s", i, m->destination,
                                   strerror(-r));
        }
}

/* In the holder-to-be, in the box's mount namespace: the root, then pivot_root into it. */
static void build_root(Native *n) {
        _cleanup_close_ int root = -1;

        /* Safety: our own mount namespace, whose mounts are slaves of the host's: a tmpfs over its
         * /tmp is where the image is attached, out of the host's sight */
        if (mount("tmpfs", STAGING_DIR, "tmpfs", MS_NOSUID | MS_NODEV, "mode=700") < 0 ||
            mkdir(STAGING_ROOT, 0755) < 0)
                fail_child(n->sync, "Failed to make the staging directory %s: %m", STAGING_ROOT);
        /* Safety: the image's detached copy, attached on our own staging tmpfs */
        if (move_mount(n->src.rootfs, "", AT_FDCWD, STAGING_ROOT, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                fail_child(n->sync, "root.path: Failed to attach the image: %m");
        root = open(STAGING_ROOT, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                fail_child(n->sync, "Failed to open %s: %m", STAGING_ROOT);

        build_api(n, root);
        build_mounts(n, root);

        /* pivot_root(".", "."): the old root lands on top of the new one, and goes at once.
         * Safety: in the box's own mount namespace; the host's mounts are only detached from it */
        if (chdir(STAGING_ROOT) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
                fail_child(n->sync, "pivot_root: %m");
        if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
                fail_child(n->sync, "Failed to detach the host's root: %m");
}

/* The notify socket, bound in the box's network namespace (an abstract name lives in one), handed to
 * the parent; then the holder, as nspawn starts it. */
_noreturn_ static void exec_holder(Native *n) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char notify[80], listen_pid[32], notify_env[100];
        _cleanup_close_ int notify_fd = -1;
        int null_fd;

        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        snprintf(notify, sizeof(notify), "@nspawn-oci/native/%lx.%lx", (unsigned long) ts.tv_sec,
                 (unsigned long) ts.tv_nsec);
        memcpy(sa.sun_path + 1, notify + 1, strlen(notify) - 1);
        notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (notify_fd < 0 ||
            bind(notify_fd, (struct sockaddr *) &sa, offsetof(struct sockaddr_un, sun_path) + strlen(notify)) < 0 ||
            setsockopt(notify_fd, SOL_SOCKET, SO_PASSCRED, &(int) { 1 }, sizeof(int)) < 0)
                fail_child(n->sync, "Failed to make the notify socket: %m");
        if (send_fd(n->sync, notify_fd, &(char) { MSG_NOTIFY }, 1) < 0)
                _exit(1);

        null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(n->log, 1) < 0 || dup2(n->log, 2) < 0 ||
            dup2(n->control, HOLDER_CONTROL_FD) < 0 || fcntl(HOLDER_CONTROL_FD, F_SETFD, 0) < 0)
                fail_child(n->sync, "Failed to set up the holder's fds: %m");

        snprintf(listen_pid, sizeof(listen_pid), "LISTEN_PID=%d", (int) getpid());
        snprintf(notify_env, sizeof(notify_env), "NOTIFY_SOCKET=%s", notify);
        char *argv[] = { (char *) "nspawn-oci-init", NULL };
        char *env[] = { (char *) "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                        notify_env, (char *) "LISTEN_FDS=1", listen_pid, NULL };
        /* the holder is static: it runs from its fd, without a loader or a path in the box */
        syscall(SYS_execveat, n->holder_exe, "", argv, env, AT_EMPTY_PATH);
        fail_child(n->sync, "Failed to execute the holder: %m");
}

/* The parent's half until the holder is ours: maps, pid, cgroup, go. */
static int native_handshake(const Plan *plan, const OciConfig *c, Bus *bus, int sync, pid_t intermediate_pid,
                            pid_t *ret_holder) {
        const OciLinux *l = &c->linux;
        _cleanup_free_ char *bus_error = NULL;
        pid_t holder = 0;
        int r;

        if (l->namespaces[OCI_NS_USER].present && !l->namespaces[OCI_NS_USER].path) {
                r = recv_msg(sync, MSG_USERNS, NULL, 0, NULL);
                if (r < 0)
                        return r;
                r = write_map(intermediate_pid, "uid_map", l->uid_mappings, l->n_uid_mappings);
                if (r < 0)
                        return log_error_errno(r, "linux.uidMappings: Failed to write the uid map: %m");
                r = write_map(intermediate_pid, "gid_map", l->gid_mappings, l->n_gid_mappings);
                if (r < 0)
                        return log_error_errno(r, "linux.gidMappings: Failed to write the gid map: %m");
                r = send_msg(sync, MSG_MAPPED, NULL, 0);
                if (r < 0)
                        return log_error_errno(r, "Failed to hand the user namespace its maps: %m");
        }
        r = recv_msg(sync, MSG_HOLDER, &holder, sizeof(holder), NULL);
        if (r < 0)
                return r;
        *ret_holder = holder;

        /* before the holder runs anything: its cgroup namespace is made there */
        if (bus) {
                r = bus_start_scope(bus, plan->unit, plan->slice, holder, plan->properties, plan->n_properties,
                                    &bus_error);
                if (r < 0)
                        return log_error_errno(r, "Failed to create unit %s: %s", plan->unit,
                                               bus_error ?: strerror(-r));
        } else if (plan->cgroup) {
                r = cgroup_create_and_enter(plan->cgroup, holder);
                if (r < 0)
                        return log_error_errno(r, "Failed to create cgroup %s: %m", plan->cgroup);
        }
        r = send_msg(sync, MSG_GO, NULL, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to start the holder: %m");
        return 0;
}

int box_native_start(const Plan *plan, const OciConfig *c, const char *holder_binary, const char *dir, Bus *bus,
                     Box *ret) {
        _cleanup_close_ int log_fd = -1, exe = -1, notify_fd = -1, pidfd = -1;
        _cleanup_free_ char *log_path = strjoin(dir, "/holder.log"), *bus_error = NULL;
        _cleanup_close_pair_ int sync[2] = { -1, -1 }, control[2] = { -1, -1 };
        pid_t pid, holder = 0;
        int r;

        if (!log_path)
                return log_oom();
        log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0600);
        if (log_fd < 0)
                return log_error_errno(errno, "Failed to create %s: %m", log_path);
        exe = open(holder_binary, O_PATH | O_CLOEXEC);
        if (exe < 0)
                return log_error_errno(errno, "Failed to open the holder %s: %m", holder_binary);
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0)
                return log_error_errno(errno, "Failed to create a socket: %m");
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, control) < 0)
                return log_error_errno(errno, "Failed to create the holder's control socket: %m");

        pid = fork();
        if (pid < 0)
                return log_error_errno(errno, "Failed to fork: %m");
        if (pid == 0) {
                Native n = { .plan = plan, .c = c, .sync = sync[1], .control = control[1], .log = log_fd,
                             .holder_exe = exe, .src = { .rootfs = -1, .sys = -1 } };
                safe_close(sync[0]);
                safe_close(control[0]);
                intermediate(&n);
        }
        sync[1] = safe_close(sync[1]);
        control[1] = safe_close(control[1]);

        r = native_handshake(plan, c, bus, sync[0], pid, &holder);
        if (r < 0)
                kill(pid, SIGKILL); /* it may wait for its maps */
        (void) waitpid(pid, NULL, 0);
        if (r >= 0) {
                pidfd = pidfd_open_safe(holder);
                if (pidfd < 0)
                        r = log_error_errno(pidfd, "The holder is gone: %m");
        }
        if (r >= 0)
                r = recv_msg(sync[0], MSG_NOTIFY, NULL, 0, &notify_fd);
        if (r >= 0 && notify_fd < 0)
                r = log_error_errno(EBADMSG, "The holder sent no notify socket");
        if (r >= 0 && bus && plan->register_machine) {
                r = bus_register_machine(plan->machine, holder, plan->rootfs, &bus_error);
                if (r < 0)
                        log_error_errno(r, "Failed to register machine %s with systemd-machined: %s", plan->machine,
                                        bus_error ?: strerror(-r));
        }
        if (r >= 0) {
                fault_point("create:native-started");
                r = box_wait_ready(notify_fd, pidfd, holder, (uid_t) -1, BOX_READY_TIMEOUT_MS, NULL);
                if (r == -ETIMEDOUT)
                        log_error("The holder did not report the box ready within a minute");
                else if (r < 0)
                        log_error_errno(r, "The holder exited before the box was ready (see %s): %m", log_path);
        }
        if (r < 0) {
                if (holder > 0) {
                        kill(holder, SIGKILL);
                        (void) waitpid(holder, NULL, 0);
                }
                if (bus)
                        (void) bus_stop_unit(bus, plan->unit);
                else if (plan->cgroup)
                        (void) cgroup_remove(plan->cgroup);
                return r;
        }

        *ret = (Box) { .nspawn_pid = 0, .holder_pid = holder, .control_fd = TAKE_FD(control[0]) };
        return 0;
}

int box_native_stop(Bus *bus, const char *unit, const char *cgroup, pid_t holder_pid, uint64_t holder_start) {
        int r = 0;

        if (holder_pid > 0 && proc_alive(holder_pid, holder_start)) {
                (void) proc_signal(holder_pid, holder_start, SIGKILL, 5000);
                (void) waitpid(holder_pid, NULL, WNOHANG);
        }
        if (bus && unit)
                r = bus_stop_unit(bus, unit);
        if (!bus && cgroup)
                (void) cgroup_remove(cgroup);
        return r;
}
