/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small helpers used everywhere: cleanup attributes, string vectors, errno-style returns.
 * No privilege of its own. */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define _unused_ __attribute__((__unused__))
#define _noreturn_ __attribute__((__noreturn__))
#define _printf_(a, b) __attribute__((__format__(printf, a, b)))
#define _cleanup_(f) __attribute__((__cleanup__(f)))
#define _pure_ __attribute__((__pure__))

#define streq(a, b) (strcmp((a), (b)) == 0)
#define strneq(a, b, n) (strncmp((a), (b), (n)) == 0)
#define isempty(s) (!(s) || !(s)[0])
#define strna(s) ((s) ?: "n/a")
#define strempty(s) ((s) ?: "")

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline int safe_close(int fd) {
        if (fd >= 0) {
                int saved = errno;
                close(fd);
                errno = saved;
        }
        return -1;
}
static inline void closep(int *fd) {
        safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

/* Both ends of a socketpair(2) or pipe(2), -1 where closed already. */
static inline void close_pairp(int (*pair)[2]) {
        (*pair)[0] = safe_close((*pair)[0]);
        (*pair)[1] = safe_close((*pair)[1]);
}
#define _cleanup_close_pair_ _cleanup_(close_pairp)

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Moves ownership out of a cleanup variable. */
#define TAKE_PTR(p)                             \
        ({                                      \
                __typeof__(p) _ptr_ = (p);      \
                (p) = NULL;                     \
                _ptr_;                          \
        })
#define TAKE_FD(fd)                             \
        ({                                      \
                int _fd_ = (fd);                \
                (fd) = -1;                      \
                _fd_;                           \
        })

/* errno as a negative return, never 0 even if errno was not set */
static inline int negative_errno(void) {
        return errno > 0 ? -errno : -EIO;
}

/* String vectors: NULL-terminated arrays of malloc'ed strings. */
char **strv_free(char **l);
static inline void strv_freep(char ***l) {
        strv_free(*l);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)
size_t strv_length(char * const *l);
int strv_push(char ***l, char *value);             /* takes value, even on failure */
int strv_extend(char ***l, const char *value);     /* copies value */
int strv_extendf(char ***l, const char *fmt, ...) _printf_(2, 3);
bool strv_contains(char * const *l, const char *s);
char **strv_copy(char * const *l);

#define STRV_FOREACH(s, l) for (char * const *s = (l); s && *s; s++)

char *strjoin_real(const char *a, ...);
#define strjoin(a, ...) strjoin_real((a), __VA_ARGS__, NULL)
int asprintf_safe(char **ret, const char *fmt, ...) _printf_(2, 3);
int vasprintf_safe(char **ret, const char *fmt, va_list ap) _printf_(2, 0);
/* A reader's error: *error becomes "name: where: message" ("name: message" where where is NULL), the
 * message formatted from fmt, unless *error holds one already: the first error is the one that
 * explains. 0, or -ENOMEM. */
int error_setv(char **error, const char *name, const char *where, const char *fmt, va_list ap) _printf_(4, 0);
bool startswith(const char *s, const char *prefix);
bool endswith(const char *s, const char *suffix);
static inline void *mfree(void *p) {
        free(p);
        return NULL;
}
/* A malloc'ed copy of size bytes at p; NULL when out of memory. */
static inline void *memdup(const void *p, size_t size) {
        void *q = malloc(size ?: 1);
        return q ? memcpy(q, p, size) : NULL;
}

/* Reads a whole (small) file; ret_size may be NULL. */
int read_full_file(const char *path, char **ret, size_t *ret_size);
/* Writes a file atomically: temporary file in the same directory, fsync-free, rename. */
int write_file_atomic(const char *path, const char *data, size_t size, mode_t mode);
int mkdir_p(const char *path, mode_t mode);
/* For the tests that kill the runtime at every step: NSPAWN_OCI_FAULT=<name> SIGKILLs the process
 * when it reaches fault_point(<name>), as an engine's timeout would. Nothing happens otherwise. */
void fault_point(const char *name);
/* mkdir -p of 'path' resolved inside 'root' (a directory fd): symlinks cannot leave it and magic links
 * (/proc/PID/root, …) are refused with -ELOOP, so nothing is made outside root. */
int mkdir_p_in_root(int root, const char *path, mode_t mode);
/* 'path' resolved inside 'root' as mkdir_p_in_root() does, as an O_PATH fd to mount on: made, when it
 * is not there, as a directory (dir) or an empty file, its parents as directories. */
int open_mount_point_in_root(int root, const char *path, bool dir);
/* The directory at 'path' as an O_PATH fd, reached without following a symlink anywhere on the way:
 * -ELOOP if any component is one, -ENOTDIR if it is not a directory. */
int open_dir_no_symlinks(const char *path);
/* The path of the executable 'name' next to our own binary (a build tree), in buf; false if there is
 * none. */
bool exe_sibling(const char *name, char *buf, size_t size);
/* connect(2) to the unix socket at path, of any length: a path that does not fit sun_path goes through
 * /proc/self/fd/ of its directory. */
int unix_connect(int sock, const char *path);
/* Sends one message of size bytes at data with fd attached (SCM_RIGHTS) over a connected unix socket.
 * A stream socket carries the fd only along with at least one byte. -EIO if the message went out
 * short. */
int send_fd(int sock, int fd, const void *data, size_t size);
/* Receives one message of at most size bytes into buf over a unix socket (recvmsg(2) flags added to
 * MSG_CMSG_CLOEXEC), and in *ret_fd the fd sent along with it, or -1 where none came. Returns the bytes
 * received (0: the peer closed) or a negative errno: -EBADMSG where the fds sent did not fit (none is
 * kept). */
ssize_t recv_fd(int sock, void *buf, size_t size, int flags, int *ret_fd);

/* CLOCK_MONOTONIC in milliseconds: for deadlines. */
uint64_t now_ms(void);

/* pidfd_open(2): a pidfd for pid (close-on-exec, as every pidfd is), or a negative errno. */
int pidfd_open_safe(pid_t pid);
/* pidfd_send_signal(2) without a siginfo: 0 or a negative errno. */
int pidfd_send_signal_safe(int pidfd, int sig);
int safe_atou64(const char *s, uint64_t *ret);
int safe_atoi(const char *s, int *ret);

#include <dirent.h>
static inline void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

/* The index of s in a table of n names (NULL entries are holes), or -EINVAL. */
int string_table_lookup(const char * const *table, size_t n, const char *s);

/* prefix##_to_string() over prefix##_table[], a table of names indexed by the values of type; and
 * prefix##_from_string() back. */
#define DEFINE_STRING_TABLE_TO_STRING(prefix, type)                                             \
        const char *prefix##_to_string(type v) {                                                \
                if ((int) v < 0 || (size_t) v >= ELEMENTSOF(prefix##_table))                    \
                        return NULL;                                                            \
                return prefix##_table[v];                                                       \
        }
#define DEFINE_STRING_TABLE(prefix, type)                                                       \
        DEFINE_STRING_TABLE_TO_STRING(prefix, type)                                             \
        int prefix##_from_string(const char *s) {                                               \
                return string_table_lookup(prefix##_table, ELEMENTSOF(prefix##_table), s);      \
        }

/* x is one of the values that follow */
#define IN_SET(x, ...)                                                          \
        ({                                                                      \
                const __typeof__(x) _in_set_vals_[] = { __VA_ARGS__ };          \
                bool _found_ = false;                                           \
                for (size_t _i_ = 0; _i_ < ELEMENTSOF(_in_set_vals_); _i_++)    \
                        if (_in_set_vals_[_i_] == (x))                          \
                                _found_ = true;                                 \
                _found_;                                                        \
        })
