/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The nspawn-oci binary (argv[1]) from the outside: create, run and exec run from a sealed memfd copy,
 * other verbs and NSPAWN_OCI_NO_CLONE=1 do not; what a process holding /proc/PID/exe can then write.
 * Works on a copy of the binary in a temporary directory. Needs no privilege. */
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "box/exe-clone.h"
#include "tap.h"
#include "base/util.h"

static char tmpdir[] = "/tmp/test-exe-clone.XXXXXX";
static char bin[PATH_MAX];

/* Forks bin with argv and the environment variables env (NULL-terminated, or NULL) added to ours; its
 * stdout goes to out_fd, its stderr to err_fd (-1: /dev/null). */
static pid_t spawn(char **argv, char **env, int out_fd, int err_fd) {
        pid_t pid = fork();

        if (pid != 0)
                return pid;
        for (char **e = env; e && *e; e++)
                if (putenv(*e) < 0)
                        _exit(120);
        if (err_fd < 0)
                err_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (out_fd < 0)
                out_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (out_fd < 0 || err_fd < 0 || dup2(out_fd, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0)
                _exit(121);
        execv(bin, argv);
        _exit(122);
}

/* Runs bin VERB --help with NSPAWN_OCI_EXE_CLONE_REPORT=1 and env; returns the first line of its stderr
 * if it exited 0, or NULL. */
static char *report(const char *verb, const char *env) {
        char *argv[] = { bin, (char *) verb, (char *) "--help", NULL }, buf[256] = {}, *nl;
        char *envs[] = { (char *) "NSPAWN_OCI_EXE_CLONE_REPORT=1", (char *) env, NULL };
        int err[2], status;
        ssize_t n;
        pid_t pid;

        if (streq(verb, "--version"))
                argv[2] = NULL;
        if (pipe2(err, O_CLOEXEC) < 0)
                return NULL;
        pid = spawn(argv, envs, -1, err[1]);
        safe_close(err[1]);
        n = read(err[0], buf, sizeof(buf) - 1);
        safe_close(err[0]);
        if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return NULL;
        if (n <= 0)
                return NULL;
        nl = strchr(buf, '\n');
        if (nl)
                *nl = 0;
        return strdup(buf);
}

/* Whether pid is blocked in write(2) on its stdout, as /proc/PID/syscall says. */
static bool blocked_writing_stdout(pid_t pid) {
        _cleanup_free_ char *line = NULL;
        char path[64], want[32];

        snprintf(path, sizeof(path), "/proc/%d/syscall", (int) pid);
        snprintf(want, sizeof(want), "%d 0x1 ", SYS_write);
        return read_full_file(path, &line, NULL) >= 0 && startswith(line, want);
}

/* Starts bin create --help with its stdout a full pipe: it blocks writing the usage, after main() has
 * run, so that the test can look at its /proc/PID/exe. Returns an O_PATH fd of that exe (what the
 * attack holds on to) with the process already reaped, and in *ret_seals what F_GET_SEALS said. */
static int hold_exe(const char *env, int *ret_seals) {
        char *argv[] = { bin, (char *) "create", (char *) "--help", NULL }, buf[4096], exe[64];
        _cleanup_close_ int ro = -1;
        int p[2], path_fd = -1, status;
        pid_t pid;

        if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
                return -errno;
        while (write(p[1], buf, sizeof(buf)) > 0)
                ;
        if (fcntl(p[0], F_SETFL, 0) < 0 || fcntl(p[1], F_SETFL, 0) < 0)
                return -errno;

        pid = spawn(argv, (char *[]){ (char *) env, NULL }, p[1], -1);
        safe_close(p[1]);
        snprintf(exe, sizeof(exe), "/proc/%d/exe", (int) pid);
        /* Blocked on the full pipe: both execs are done, and main() has run. */
        for (int i = 0; i < 5000 && !blocked_writing_stdout(pid); i++)
                nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
        path_fd = open(exe, O_PATH | O_CLOEXEC);
        ro = open(exe, O_RDONLY | O_CLOEXEC);
        *ret_seals = ro >= 0 ? fcntl(ro, F_GET_SEALS) : -1;

        while (read(p[0], buf, sizeof(buf)) > 0)
                ;
        safe_close(p[0]);
        if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                safe_close(path_fd);
                return -ECHILD;
        }
        return path_fd;
}

/* The end of the furthest segment of the ELF file in buf: what the copy keeps. 0 if not ELF. */
static size_t loaded_end(const char *buf, size_t size) {
        const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *) buf;
        size_t end;

        if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
            eh->e_phoff + (size_t) eh->e_phnum * sizeof(ElfW(Phdr)) > size)
                return 0;
        end = eh->e_phoff + (size_t) eh->e_phnum * sizeof(ElfW(Phdr));
        for (unsigned i = 0; i < eh->e_phnum; i++) {
                const ElfW(Phdr) *ph = (const ElfW(Phdr) *) (buf + eh->e_phoff) + i;
                if (ph->p_filesz > 0 && ph->p_offset + ph->p_filesz > end)
                        end = ph->p_offset + ph->p_filesz;
        }
        return end <= size ? end : 0;
}

static bool same_file(int fd, const char *path) {
        struct stat a, b;

        return fstat(fd, &a) >= 0 && stat(path, &b) >= 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int main(int argc, char *argv[]) {
        _cleanup_free_ char *original = NULL, *after = NULL;
        size_t size = 0, size_after = 0;
        char fdpath[64];
        int fd, wfd, seals = -1;

        if (argc != 2 || !mkdtemp(tmpdir))
                return 1;
        /* A copy, so that a broken protection overwrites nothing in the build tree. */
        snprintf(bin, sizeof(bin), "%s/nspawn-oci", tmpdir);
        if (read_full_file(argv[1], &original, &size) < 0 ||
            (fd = open(bin, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755)) < 0 ||
            write(fd, original, size) != (ssize_t) size || close(fd) < 0)
                return 1;

        for (size_t i = 0; i < 3; i++) {
                const char *verb = (const char *[]){ "create", "run", "exec" }[i];
                _cleanup_free_ char *r = report(verb, NULL);
                tap_is_str(r, "exe-clone: sealed", "%s runs from a sealed copy", verb);
        }
        for (size_t i = 0; i < 4; i++) {
                const char *verb = (const char *[]){ "state", "spec", "features", "--version" }[i];
                _cleanup_free_ char *r = report(verb, NULL);
                tap_is_str(r, "exe-clone: not sealed", "%s runs from the binary itself", verb);
        }
        {
                _cleanup_free_ char *r = report("create", "NSPAWN_OCI_NO_CLONE=1");
                tap_is_str(r, "exe-clone: not sealed", "NSPAWN_OCI_NO_CLONE=1 turns the copy off");
        }

        /* Without the copy, /proc/PID/exe of a running create is the binary's own file. */
        fd = hold_exe("NSPAWN_OCI_NO_CLONE=1", &seals);
        tap_ok(fd >= 0 && same_file(fd, bin) && seals < 0,
               "NSPAWN_OCI_NO_CLONE=1: /proc/PID/exe is the binary on disk, no memfd");
        safe_close(fd);

        fd = hold_exe(NULL, &seals);
        tap_ok(fd >= 0 && !same_file(fd, bin),
               "/proc/PID/exe of a running create is not the binary on disk");
        tap_ok(seals >= 0 && (seals & EXE_CLONE_SEALS) == EXE_CLONE_SEALS,
               "… but a memfd with every seal (0x%x)", seals >= 0 ? (unsigned) seals : 0);
        {
                /* the build tree's binary carries its debug information: the copy holds the loaded
                 * segments only, and a header that names no section headers */
                size_t loaded = loaded_end(original, size);
                ElfW(Ehdr) eh = {};
                struct stat st = {};
                _cleanup_close_ int ro = -1;

                snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
                ro = fd >= 0 ? open(fdpath, O_RDONLY | O_CLOEXEC) : -1;
                bool read_back = ro >= 0 && fstat(ro, &st) >= 0 &&
                                 pread(ro, &eh, sizeof(eh), 0) == (ssize_t) sizeof(eh);
                tap_ok(read_back && loaded > 0 && (size_t) st.st_size == loaded,
                       "the copy is the loaded part of the binary: %zu of %zu bytes", (size_t) st.st_size,
                       size);
                /* a stripped binary (a package's) ends with its segments: then it is copied whole */
                tap_ok(read_back && (loaded == size || (eh.e_shnum == 0 && eh.e_shoff == 0)),
                       "its header names no section headers that it does not hold");
        }
        /* CVE-2019-5736: reopen the held exe for writing once the runtime is gone, and write. */
        snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
        wfd = fd >= 0 ? open(fdpath, O_WRONLY | O_CLOEXEC) : -1;
        tap_ok(fd >= 0 && (wfd < 0 || write(wfd, "X", 1) < 0), "writing through the held exe fails");
        safe_close(wfd);
        safe_close(fd);
        tap_ok(read_full_file(bin, &after, &size_after) >= 0 && size_after == size &&
                       memcmp(after, original, size) == 0,
               "the binary on disk is unchanged");

        unlink(bin);
        rmdir(tmpdir);
        return tap_done(0);
}
