/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small helpers used everywhere. No privilege of its own. */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <linux/openat2.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"

char **strv_free(char **l) {
        if (!l)
                return NULL;
        for (char **s = l; *s; s++)
                free(*s);
        free(l);
        return NULL;
}

size_t strv_length(char * const *l) {
        size_t n = 0;
        while (l && l[n])
                n++;
        return n;
}

int strv_push(char ***l, char *value) {
        size_t n = strv_length(*l);
        char **c;

        if (!value)
                return -EINVAL;
        c = realloc(*l, sizeof(char *) * (n + 2));
        if (!c) {
                free(value);
                return -ENOMEM;
        }
        c[n] = value;
        c[n + 1] = NULL;
        *l = c;
        return 0;
}

int strv_extend(char ***l, const char *value) {
        char *v = strdup(value);
        if (!v)
                return -ENOMEM;
        return strv_push(l, v);
}

int strv_extendf(char ***l, const char *fmt, ...) {
        va_list ap;
        char *v;
        int r;

        va_start(ap, fmt);
        r = vasprintf_safe(&v, fmt, ap);
        va_end(ap);
        return r < 0 ? r : strv_push(l, v);
}

bool strv_contains(char * const *l, const char *s) {
        STRV_FOREACH(i, l)
                if (streq(*i, s))
                        return true;
        return false;
}

char **strv_copy(char * const *l) {
        size_t n = strv_length(l);
        char **c = calloc(n + 1, sizeof(char *));
        if (!c)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                c[i] = strdup(l[i]);
                if (!c[i])
                        return strv_free(c);
        }
        return c;
}

char *strjoin_real(const char *a, ...) {
        va_list ap;
        size_t len = 0;
        char *r, *p;

        va_start(ap, a);
        for (const char *s = a; s; s = va_arg(ap, const char *))
                len += strlen(s);
        va_end(ap);

        r = malloc(len + 1);
        if (!r)
                return NULL;
        p = r;
        va_start(ap, a);
        for (const char *s = a; s; s = va_arg(ap, const char *))
                p = stpcpy(p, s);
        va_end(ap);
        return r;
}

int vasprintf_safe(char **ret, const char *fmt, va_list ap) {
        int r = vasprintf(ret, fmt, ap);

        if (r < 0) {
                *ret = NULL;
                return -ENOMEM;
        }
        return r;
}

int asprintf_safe(char **ret, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf_safe(ret, fmt, ap);
        va_end(ap);
        return r;
}

int error_setv(char **error, const char *name, const char *where, const char *fmt, va_list ap) {
        _cleanup_free_ char *msg = NULL;
        int r;

        if (*error)
                return 0;
        r = vasprintf_safe(&msg, fmt, ap);
        if (r >= 0)
                r = where ? asprintf_safe(error, "%s: %s: %s", name, where, msg) :
                            asprintf_safe(error, "%s: %s", name, msg);
        return r < 0 ? r : 0;
}

bool startswith(const char *s, const char *prefix) {
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool endswith(const char *s, const char *suffix) {
        size_t a = strlen(s), b = strlen(suffix);
        return a >= b && streq(s + a - b, suffix);
}

int read_full_file(const char *path, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, allocated = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();

        for (;;) {
                ssize_t n;

                if (allocated - size < 4096) {
                        size_t na = allocated ? allocated * 2 : 16384;
                        char *nb = realloc(buf, na + 1);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                        allocated = na;
                }
                n = read(fd, buf + size, allocated - size);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                size += (size_t) n;
        }
        if (!buf) {
                buf = malloc(1);
                if (!buf)
                        return -ENOMEM;
        }
        buf[size] = 0;
        if (ret_size)
                *ret_size = size;
        *ret = TAKE_PTR(buf);
        return 0;
}

int write_file_atomic(const char *path, const char *data, size_t size, mode_t mode) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -1;
        size_t done = 0;

        if (asprintf_safe(&tmp, "%s.tmp.%d", path, (int) getpid()) < 0)
                return -ENOMEM;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return negative_errno();
        while (done < size) {
                ssize_t n = write(fd, data + done, size - done);
                if (n < 0) {
                        int r = negative_errno();
                        if (errno == EINTR)
                                continue;
                        unlink(tmp);
                        return r;
                }
                done += (size_t) n;
        }
        /* the data on disk before the name points at it, and the name before we say it is there */
        if (fsync(fd) < 0 || rename(tmp, path) < 0) {
                int r = negative_errno();
                unlink(tmp);
                return r;
        }
        _cleanup_free_ char *parent = strdup(path);
        char *slash = parent ? strrchr(parent, '/') : NULL;
        if (slash) {
                *(slash == parent ? slash + 1 : slash) = 0;
                _cleanup_close_ int dfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dfd >= 0)
                        (void) fsync(dfd);
        }
        return 0;
}

void fault_point(const char *name) {
        const char *want = getenv("NSPAWN_OCI_FAULT");

        if (want && streq(want, name))
                (void) raise(SIGKILL);
}

bool exe_sibling(const char *name, char *buf, size_t size) {
        size_t len = strlen(name);
        ssize_t n;
        char *slash;

        if (size <= len + 1)
                return false;
        n = readlink("/proc/self/exe", buf, size - len - 1);
        if (n <= 0)
                return false;
        buf[n] = 0;
        slash = strrchr(buf, '/');
        if (!slash)
                return false;
        strcpy(slash + 1, name);
        return access(buf, X_OK) == 0;
}

int mkdir_p(const char *path, mode_t mode) {
        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = 0;
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return negative_errno();
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return negative_errno();
        return 0;
}

/* A directory as an O_PATH fd, 'path' resolved from 'at' as 'resolve' says (RESOLVE_*). */
static int open_dir_resolved(int at, const char *path, uint64_t resolve) {
        struct open_how how = {
                .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                .resolve = resolve,
        };
        int fd = (int) syscall(SYS_openat2, at, path, &how, sizeof(how));
        return fd < 0 ? negative_errno() : fd;
}

/* A directory of 'path' resolved below 'root' (an O_PATH fd): symlinks stay inside root, and magic
 * links (/proc/PID/root, /proc/self/fd/N) are refused (ELOOP). */
static int open_dir_in_root(int root, const char *path) {
        return open_dir_resolved(root, path, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

int open_mount_point_in_root(int root, const char *path, bool dir) {
        _cleanup_free_ char *parent_path = strdup(path);
        _cleanup_close_ int parent = -1;
        struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
        char *last;
        int fd, r;

        if (!parent_path)
                return -ENOMEM;
        fd = (int) syscall(SYS_openat2, root, path, &how, sizeof(how));
        if (fd >= 0 || errno != ENOENT)
                return fd >= 0 ? fd : negative_errno();
        last = strrchr(parent_path, '/');
        if (!last || !last[1])
                return -EINVAL;
        *last++ = 0;
        r = mkdir_p_in_root(root, parent_path, 0755);
        if (r < 0)
                return r;
        parent = open_dir_in_root(root, *parent_path ? parent_path : "/");
        if (parent < 0)
                return parent;
        /* made in the directory resolved inside root, by a single name: neither follows a symlink */
        if (dir)
                r = mkdirat(parent, last, 0755) < 0 && errno != EEXIST ? negative_errno() : 0;
        else {
                int f = openat(parent, last, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0644);
                r = f < 0 && errno != EEXIST ? negative_errno() : 0;
                safe_close(f);
        }
        if (r < 0)
                return r;
        fd = (int) syscall(SYS_openat2, root, path, &how, sizeof(how));
        return fd < 0 ? negative_errno() : fd;
}

int open_dir_no_symlinks(const char *path) {
        return open_dir_resolved(AT_FDCWD, path, RESOLVE_NO_SYMLINKS);
}

int mkdir_p_in_root(int root, const char *path, mode_t mode) {
        _cleanup_free_ char *p = strdup(path);
        char *s;

        if (!p)
                return -ENOMEM;
        /* every prefix in turn: open it if it is there, else make its last part in the one above */
        for (s = p;;) {
                char *slash;

                s += strspn(s, "/");
                if (!*s)
                        return 0;
                slash = strchr(s, '/');
                if (slash)
                        *slash = 0;
                int fd = open_dir_in_root(root, p);
                if (fd == -ENOENT) {
                        char *last = strrchr(p, '/');
                        _cleanup_close_ int parent = -1;

                        if (last && last != p) {
                                *last = 0;
                                parent = open_dir_in_root(root, p);
                                *last = '/';
                        } else
                                parent = fcntl(root, F_DUPFD_CLOEXEC, 3);
                        if (parent < 0)
                                return parent;
                        if (mkdirat(parent, last ? last + 1 : p, mode) < 0 && errno != EEXIST)
                                return negative_errno();
                        fd = open_dir_in_root(root, p);
                }
                if (fd < 0)
                        return fd;
                safe_close(fd);
                if (!slash)
                        return 0;
                *slash = '/';
                s = slash + 1;
        }
}

int unix_connect(int sock, const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int dfd = -1;
        const char *base;

        if (strlen(path) < sizeof(sa.sun_path))
                strcpy(sa.sun_path, path);
        else {
                _cleanup_free_ char *dir = NULL;
                int k;

                base = strrchr(path, '/');
                if (!base)
                        return -ENAMETOOLONG;
                dir = strndup(path, (size_t) (base - path) + 1);
                if (!dir)
                        return -ENOMEM;
                dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (dfd < 0)
                        return negative_errno();
                k = snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dfd, base + 1);
                if (k < 0 || (size_t) k >= sizeof(sa.sun_path))
                        return -ENAMETOOLONG;
        }

        for (;;) {
                if (connect(sock, (struct sockaddr *) &sa, sizeof(sa)) >= 0)
                        return 0;
                if (errno != EINTR)
                        return negative_errno();
        }
}

int send_fd(int sock, int fd, const void *data, size_t size) {
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct iovec iov = { .iov_base = (void *) data, .iov_len = size };
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = control.buf,
                .msg_controllen = sizeof(control.buf),
        };
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        ssize_t n;

        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));

        do
                n = sendmsg(sock, &mh, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return negative_errno();
        return (size_t) n == size ? 0 : -EIO;
}

ssize_t recv_fd(int sock, void *buf, size_t size, int flags, int *ret_fd) {
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct iovec iov = { .iov_base = buf, .iov_len = size };
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = control.buf,
                .msg_controllen = sizeof(control.buf),
        };
        int fd = -1;
        ssize_t n;

        do
                n = recvmsg(sock, &mh, flags | MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return negative_errno();
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
                    c->cmsg_len == CMSG_LEN(sizeof(int))) {
                        safe_close(fd);
                        memcpy(&fd, CMSG_DATA(c), sizeof(int));
                }
        if (mh.msg_flags & MSG_CTRUNC) {
                safe_close(fd);
                return -EBADMSG;
        }
        *ret_fd = fd;
        return n;
}

int string_table_lookup(const char * const *table, size_t n, const char *s) {
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if (table[i] && streq(table[i], s))
                        return (int) i;
        return -EINVAL;
}

uint64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

int pidfd_open_safe(pid_t pid) {
        int fd = (int) syscall(SYS_pidfd_open, pid, 0U);
        return fd < 0 ? negative_errno() : fd;
}

int pidfd_send_signal_safe(int pidfd, int sig) {
        return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0U) < 0 ? negative_errno() : 0;
}

int safe_atou64(const char *s, uint64_t *ret) {
        char *end;
        unsigned long long v;

        if (isempty(s) || s[0] == '-' || s[0] == ' ')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno > 0)
                return -errno;
        if (*end)
                return -EINVAL;
        *ret = v;
        return 0;
}

int safe_atoi(const char *s, int *ret) {
        char *end;
        long v;

        if (isempty(s))
                return -EINVAL;
        errno = 0;
        v = strtol(s, &end, 10);
        if (errno > 0)
                return -errno;
        if (*end || v < INT_MIN || v > INT_MAX)
                return -EINVAL;
        *ret = (int) v;
        return 0;
}
