/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* probe: runs as the process of a test container (any uid, any namespaces) and reports, as JSON on
 * stdout, what that process sees, or performs the actions given on its command line. Static, libc
 * only, so that it runs in a root file system that holds nothing else. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/personality.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "syscall-i386.h"

extern char **environ;

static bool first = true;

static void json_string(const char *s) {
        putchar('"');
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if (*p == '"' || *p == '\\')
                        printf("\\%c", *p);
                else if (*p == '\n')
                        fputs("\\n", stdout);
                else if (*p == '\t')
                        fputs("\\t", stdout);
                else if (*p < 0x20 || *p >= 0x7f)
                        printf("\\u%04x", *p);
                else
                        putchar(*p);
        }
        putchar('"');
}

static void key(const char *k) {
        if (!first)
                putchar(',');
        first = false;
        putchar('\n');
        json_string(k);
        putchar(':');
}

static void key_int(const char *k, long long v) {
        key(k);
        printf("%lld", v);
}

static void key_str(const char *k, const char *v) {
        key(k);
        if (v)
                json_string(v);
        else
                fputs("null", stdout);
}

/* The value of "Name:" in /proc/self/status, without the tab; NULL if absent. */
static char *status_field(const char *name) {
        FILE *f = fopen("/proc/self/status", "re");
        char line[4096];
        size_t n = strlen(name);
        char *r = NULL;

        if (!f)
                return NULL;
        while (fgets(line, sizeof line, f)) {
                if (strncmp(line, name, n) == 0 && line[n] == ':') {
                        char *v = line + n + 1;
                        v += strspn(v, " \t");
                        v[strcspn(v, "\n")] = 0;
                        r = strdup(v);
                        break;
                }
        }
        fclose(f);
        return r;
}

/* A file's lines as a JSON array of strings (null if it cannot be read). */
static void key_file_lines(const char *k, const char *path) {
        FILE *f = fopen(path, "re");
        char *line = NULL;
        size_t sz = 0;
        bool comma = false;

        key(k);
        if (!f) {
                fputs("null", stdout);
                return;
        }
        putchar('[');
        while (getline(&line, &sz, f) >= 0) {
                line[strcspn(line, "\n")] = 0;
                if (comma)
                        putchar(',');
                comma = true;
                json_string(line);
        }
        putchar(']');
        free(line);
        fclose(f);
}

static void report(void) {
        static const struct {
                const char *name;
                int resource;
        } rlimits[] = {
                { "RLIMIT_CPU", RLIMIT_CPU },         { "RLIMIT_FSIZE", RLIMIT_FSIZE },
                { "RLIMIT_DATA", RLIMIT_DATA },       { "RLIMIT_STACK", RLIMIT_STACK },
                { "RLIMIT_CORE", RLIMIT_CORE },       { "RLIMIT_RSS", RLIMIT_RSS },
                { "RLIMIT_NPROC", RLIMIT_NPROC },     { "RLIMIT_NOFILE", RLIMIT_NOFILE },
                { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_AS", RLIMIT_AS },
                { "RLIMIT_LOCKS", RLIMIT_LOCKS },     { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
                { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE },
                { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },   { "RLIMIT_RTTIME", RLIMIT_RTTIME },
        };
        static const char *const namespaces[] = {
                "cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "user", "uts",
        };
        static const char *const capsets[] = { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" };
        uid_t ruid, euid, suid;
        gid_t rgid, egid, sgid;
        gid_t groups[NGROUPS_MAX];
        char buf[PATH_MAX];
        struct utsname u;
        mode_t mask;
        cpu_set_t cpus;
        int n;

        first = true;
        putchar('{');
        key_int("pid", getpid());
        key_int("ppid", getppid());
        key_str("nspid", status_field("NSpid"));

        getresuid(&ruid, &euid, &suid);
        getresgid(&rgid, &egid, &sgid);
        key_int("uid", ruid);
        key_int("euid", euid);
        key_int("suid", suid);
        key_int("gid", rgid);
        key_int("egid", egid);
        key_int("sgid", sgid);
        n = getgroups(NGROUPS_MAX, groups);
        key("groups");
        putchar('[');
        for (int i = 0; i < n; i++)
                printf("%s%u", i > 0 ? "," : "", (unsigned) groups[i]);
        putchar(']');

        mask = umask(0);
        umask(mask);
        key_int("umask", mask);

        key("caps");
        putchar('{');
        for (size_t i = 0; i < sizeof capsets / sizeof capsets[0]; i++) {
                char *v = status_field(capsets[i]);
                printf("%s", i > 0 ? "," : "");
                json_string(capsets[i]);
                putchar(':');
                json_string(v ? v : "");
                free(v);
        }
        putchar('}');

        key_int("no_new_privs", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
        {
                char *v = status_field("Seccomp");
                key_int("seccomp", v ? atoi(v) : -1);
                free(v);
        }

        key("rlimits");
        putchar('{');
        for (size_t i = 0; i < sizeof rlimits / sizeof rlimits[0]; i++) {
                struct rlimit rl;
                getrlimit(rlimits[i].resource, &rl);
                printf("%s", i > 0 ? "," : "");
                json_string(rlimits[i].name);
                /* RLIM_INFINITY as -1 is ambiguous in JSON readers; print it as the unsigned value
                 * that config.json uses for "unlimited". */
                printf(":{\"soft\":%llu,\"hard\":%llu}", (unsigned long long) rl.rlim_cur,
                       (unsigned long long) rl.rlim_max);
        }
        putchar('}');

        {
                FILE *f = fopen("/proc/self/oom_score_adj", "re");
                int v = 0;
                if (!f || fscanf(f, "%d", &v) != 1)
                        v = INT_MIN;
                if (f)
                        fclose(f);
                key_int("oom_score_adj", v);
        }

        key_str("cwd", getcwd(buf, sizeof buf));

        key("env");
        putchar('[');
        for (char **e = environ; e && *e; e++) {
                if (e != environ)
                        putchar(',');
                json_string(*e);
        }
        putchar(']');

        if (uname(&u) == 0) {
                key_str("hostname", u.nodename);
                key_str("domainname", u.domainname);
        }

        key("ns");
        putchar('{');
        for (size_t i = 0; i < sizeof namespaces / sizeof namespaces[0]; i++) {
                char p[64];
                struct stat st;
                snprintf(p, sizeof p, "/proc/self/ns/%s", namespaces[i]);
                printf("%s", i > 0 ? "," : "");
                json_string(namespaces[i]);
                if (stat(p, &st) == 0)
                        printf(":%llu", (unsigned long long) st.st_ino);
                else
                        fputs(":null", stdout);
        }
        putchar('}');

        key_file_lines("cgroup", "/proc/self/cgroup");
        key_file_lines("mountinfo", "/proc/self/mountinfo");

        key("cpus");
        putchar('[');
        if (sched_getaffinity(0, sizeof cpus, &cpus) == 0) {
                bool comma = false;
                for (int c = 0; c < CPU_SETSIZE; c++)
                        if (CPU_ISSET(c, &cpus)) {
                                printf("%s%d", comma ? "," : "", c);
                                comma = true;
                        }
        }
        putchar(']');

        {
                struct sched_param sp = {};
                key_int("sched_policy", sched_getscheduler(0));
                sched_getparam(0, &sp);
                key_int("sched_priority", sp.sched_priority);
        }
        errno = 0;
        key_int("nice", getpriority(PRIO_PROCESS, 0));
        /* IOPRIO_WHO_PROCESS = 1; glibc has no wrapper */
        key_int("ioprio", syscall(SYS_ioprio_get, 1, 0));
        key_int("personality", personality(0xffffffff));

        /* the fds the process was given (the one reading the directory left out) */
        key("fds");
        putchar('[');
        {
                DIR *d = opendir("/proc/self/fd");
                struct dirent *de;
                bool comma = false;
                while (d && (de = readdir(d)))
                        if (de->d_name[0] != '.' && atoi(de->d_name) != dirfd(d)) {
                                printf("%s%s", comma ? "," : "", de->d_name);
                                comma = true;
                        }
                if (d)
                        closedir(d);
        }
        putchar(']');

        key_int("stdin_isatty", isatty(0));
        key_int("stdout_isatty", isatty(1));
        {
                struct winsize ws = {};
                if (ioctl(1, TIOCGWINSZ, &ws) == 0) {
                        key("winsize");
                        printf("[%u,%u]", ws.ws_row, ws.ws_col);
                }
        }

        fputs("\n}\n", stdout);
        fflush(stdout);
}

/* Counts the files below dir that open for writing (nothing is written), depth-first. */
static void count_writable(const char *dir, int depth, long *n, char *first_path, size_t size) {
        DIR *d;
        struct dirent *e;

        if (depth > 16 || !(d = opendir(dir)))
                return;
        while ((e = readdir(d))) {
                char p[PATH_MAX];
                struct stat st;

                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                        continue;
                snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
                if (lstat(p, &st) < 0)
                        continue;
                if (S_ISDIR(st.st_mode))
                        count_writable(p, depth + 1, n, first_path, size);
                else if (S_ISREG(st.st_mode)) {
                        int fd = open(p, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
                        if (fd >= 0) {
                                if ((*n)++ == 0)
                                        snprintf(first_path, size, "%s", p);
                                close(fd);
                        }
                }
        }
        closedir(d);
}

/* The description of the session keyring: "type;uid;gid;perm;name". */
static void session_keyring(void) {
        char buf[512] = "";
        long id = syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* KEY_SPEC_SESSION_KEYRING */, 0);
        long n = id < 0 ? -1 : syscall(SYS_keyctl, 6 /* KEYCTL_DESCRIBE */, id, buf, sizeof(buf) - 1);

        fputs("{\"keyring\":", stdout);
        if (n < 0) {
                printf("null,\"errno\":%d}\n", errno);
                return;
        }
        json_string(buf);
        printf(",\"id\":%ld}\n", id);
        fflush(stdout);
}

#ifdef HAVE_SYSCALL_I386
static int syscall32(const char *name) {
        static const char text[] = "i386 write\n";
        long r;

        if (strcmp(name, "getpid") == 0)
                r = syscall_i386(I386_NR_getpid, 0, 0, 0);
        else if (strcmp(name, "write") == 0) {
                /* the pointer must fit in 32 bits: a copy below 4 GiB */
                char *buf = mmap(NULL, sizeof(text), PROT_READ | PROT_WRITE,
                                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);

                if (buf == MAP_FAILED)
                        return -1;
                memcpy(buf, text, sizeof(text));
                fflush(stdout);
                r = syscall_i386(I386_NR_write, 1, (long) (uintptr_t) buf, (long) strlen(text));
                munmap(buf, sizeof(text));
        } else if (strcmp(name, "acct") == 0)
                /* acct(NULL): accounting off; needs CAP_SYS_PACCT */
                r = syscall_i386(I386_NR_acct, 0, 0, 0);
        else if (strcmp(name, "add_key") == 0)
                r = syscall_i386(I386_NR_add_key, 0, 0, 0);
        else
                return -1;
        /* -4095..-1 are errors, as in libc's syscall() */
        if (r < 0 && r >= -4095)
                printf("{\"errno\":%ld,\"value\":-1}\n", -r);
        else
                printf("{\"errno\":0,\"value\":%ld}\n", r);
        fflush(stdout);
        return 0;
}
#else
static int syscall32(const char *name) {
        return -1;
}
#endif

/* clone(FLAGS | SIGCHLD) as the raw system call, so that seccomp sees FLAGS as given; a child
 * exits at once. */
static int clone_flags(unsigned long flags) {
        long pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);

        if (pid == 0)
                _exit(0);
        if (pid > 0)
                waitpid((pid_t) pid, NULL, 0);
        return pid < 0 ? -1 : 0;
}

/* socket(DOMAIN, TYPE, PROTOCOL) from "DOMAIN,TYPE,PROTOCOL" */
static int socket_triple(const char *arg) {
        int domain, type, protocol, fd;

        if (sscanf(arg, "%i,%i,%i", &domain, &type, &protocol) != 3)
                return -2;
        fd = socket(domain, type, protocol);
        if (fd >= 0)
                close(fd);
        return fd < 0 ? -1 : 0;
}

static int usage(void) {
        fputs("usage: probe [ACTION...]\n"
              "  report          print what the process sees as JSON (the default)\n"
              "  mkdir PATH      try mkdir(PATH), print {\"errno\":N}\n"
              "  open PATH       try open(PATH, O_RDONLY), print {\"errno\":N}\n"
              "  mknod PATH      try mknod(PATH, c 1:11), print {\"errno\":N}\n"
              "  open-w PATH     try open(PATH, O_WRONLY), print {\"errno\":N}\n"
              "  writable DIR    count the files below DIR that open for writing: {\"writable\":N,...}\n"
              "  keyring         describe the session keyring: {\"keyring\":\"type;uid;gid;perm;name\"}\n"
              "  echo STRING     print STRING and a newline\n"
              "  echo-err STRING print STRING and a newline on stderr\n"
              "  cat             copy stdin to stdout\n"
              "  sleep SECONDS   sleep\n"
              "  exit CODE       exit with CODE\n"
              "  kill-self SIG   send SIG to itself\n"
              "  alloc MIB       allocate and touch MIB MiB of memory, a MiB at a time\n"
              "  wait-signal     pause until a signal arrives, print its number\n"
              "  syscall NAME    try sethostname, add_key, unshare (CLONE_NEWUTS), print {\"errno\":N}\n"
              "  clone FLAGS     try the raw clone(FLAGS | SIGCHLD), print {\"errno\":N}\n"
              "  personality P   try the raw personality(P), print {\"errno\":N}\n"
              "  socket D,T,P    try socket(D, T, P), print {\"errno\":N}\n"
              "  syscall32 NAME  the i386 getpid, write (to stdout), acct (NULL), add_key (NULLs)\n"
              "                  through int $0x80 (x86-64 only), print {\"errno\":N,\"value\":V}\n"
              "  read PATH       read up to 4 KiB of PATH without blocking, print {\"errno\":N,\"data\":S}\n"
              "  fake-proc       mount a tmpfs over /proc holding a writable self/oom_score_adj\n"
              "  exe-scan        for every other process: can its /proc/PID/exe be reopened for writing?\n"
              "                  (never writes) print [{\"pid\",\"dev\",\"ino\",\"errno\",\"write_errno\",\n"
              "                  \"seals\",\"ro\"}]\n",
              stderr);
        return 2;
}

static int result_errno(int r) {
        printf("{\"errno\":%d}\n", r < 0 ? errno : 0);
        fflush(stdout);
        return 0;
}

/* read PATH: O_NONBLOCK, so that a FIFO or a terminal put where a file was expected cannot hang the
 * probe. */
static void read_path(const char *path) {
        char buf[4097];
        ssize_t n = -1;
        int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

        if (fd >= 0) {
                n = read(fd, buf, sizeof buf - 1);
                close(fd);
        }
        if (n < 0) {
                printf("{\"errno\":%d,\"data\":null}\n", errno);
        } else {
                buf[n] = 0;
                first = true;
                putchar('{');
                key_int("errno", 0);
                key_str("data", buf);
                fputs("}\n", stdout);
        }
        fflush(stdout);
}

/* exe-scan: what CVE-2019-5736 needs, checked without its harm. For every other process, /proc/PID/exe
 * is opened O_PATH (the hold an attacker keeps), then reopened for writing through /proc/self/fd. The
 * writable fd is closed at once: nothing is ever written. "seals" are the memfd seals (F_GET_SEALS), -1
 * for a file that has none; "ro" says the held path is on a read-only mount: once the process is gone
 * (ETXTBSY ends with it), reopening it for writing fails with EROFS. */
static void exe_scan(void) {
        DIR *d = opendir("/proc");
        struct dirent *de;
        bool comma = false;

        putchar('[');
        while (d && (de = readdir(d))) {
                char path[64];
                struct stat st = {};
                struct statvfs vfs = {};
                int pid = atoi(de->d_name), fd, wfd, err = 0, werr = 0, seals = -1;

                if (pid <= 0 || pid == getpid())
                        continue;
                snprintf(path, sizeof path, "/proc/%d/exe", pid);
                fd = open(path, O_PATH | O_CLOEXEC);
                if (fd < 0)
                        err = werr = errno;
                else {
                        fstat(fd, &st);
                        fstatvfs(fd, &vfs);
                        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
                        wfd = open(path, O_WRONLY | O_CLOEXEC);
                        if (wfd < 0)
                                werr = errno;
                        else
                                close(wfd);
                        wfd = open(path, O_RDONLY | O_CLOEXEC);
                        if (wfd >= 0) {
                                seals = fcntl(wfd, F_GET_SEALS);
                                close(wfd);
                        }
                        close(fd);
                }
                printf("%s{\"pid\":%d,\"dev\":%llu,\"ino\":%llu,\"errno\":%d,\"write_errno\":%d,"
                       "\"seals\":%d,\"ro\":%d}",
                       comma ? "," : "", pid, (unsigned long long) st.st_dev, (unsigned long long) st.st_ino,
                       err, werr, seals, !!(vfs.f_flag & ST_RDONLY));
                comma = true;
        }
        if (d)
                closedir(d);
        fputs("]\n", stdout);
        fflush(stdout);
}

/* fake-proc: what a container holding CAP_SYS_ADMIN over its mount namespace can do to the /proc that a
 * later exec'd process's settings are written to: cover it with files of its own. */
static int fake_proc(void) {
        FILE *f;

        if (mount("tmpfs", "/proc", "tmpfs", 0, "mode=0755") < 0 || mkdir("/proc/self", 0755) < 0 ||
            mkdir("/proc/self/attr", 0755) < 0)
                return -1;
        f = fopen("/proc/self/oom_score_adj", "we");
        if (!f)
                return -1;
        fputs("0\n", f);
        return fclose(f);
}

static volatile sig_atomic_t got_signal;

static void on_signal(int sig) {
        got_signal = sig;
}

int main(int argc, char *argv[]) {
        if (argc == 1) {
                report();
                return 0;
        }

        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                const char *arg = i + 1 < argc ? argv[i + 1] : NULL;

                if (strcmp(a, "report") == 0)
                        report();
                else if (strcmp(a, "keyring") == 0)
                        session_keyring();
                else if (strcmp(a, "exe-scan") == 0)
                        exe_scan();
                else if (strcmp(a, "fake-proc") == 0)
                        result_errno(fake_proc());
                else if (strcmp(a, "cat") == 0) {
                        char b[4096];
                        ssize_t l;
                        fflush(stdout);
                        while ((l = read(0, b, sizeof b)) > 0)
                                if (write(1, b, l) != l)
                                        return 1;
                } else if (strcmp(a, "wait-signal") == 0) {
                        struct sigaction sa = { .sa_handler = on_signal };
                        for (int s = 1; s < NSIG; s++)
                                if (s != SIGKILL && s != SIGSTOP)
                                        sigaction(s, &sa, NULL);
                        printf("ready\n");
                        fflush(stdout);
                        while (!got_signal)
                                pause();
                        printf("{\"signal\":%d}\n", (int) got_signal);
                        fflush(stdout);
                } else if (!arg)
                        return usage();
                else {
                        i++;
                        if (strcmp(a, "mkdir") == 0)
                                result_errno(mkdir(arg, 0755));
                        else if (strcmp(a, "open") == 0) {
                                int fd = open(arg, O_RDONLY | O_CLOEXEC);
                                result_errno(fd);
                                if (fd >= 0)
                                        close(fd);
                        } else if (strcmp(a, "mknod") == 0) {
                                /* /dev/kmsg's numbers: a device outside the defaults every runtime allows */
                                result_errno(mknod(arg, S_IFCHR | 0666, makedev(1, 11)));
                        } else if (strcmp(a, "open-w") == 0) {
                                int fd = open(arg, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
                                result_errno(fd);
                                if (fd >= 0)
                                        close(fd);
                        } else if (strcmp(a, "writable") == 0) {
                                char first_path[PATH_MAX] = "";
                                long n = 0;
                                count_writable(arg, 0, &n, first_path, sizeof(first_path));
                                printf("{\"writable\":%ld,\"first\":", n);
                                json_string(first_path);
                                printf("}\n");
                                fflush(stdout);
                        } else if (strcmp(a, "syscall") == 0) {
                                if (strcmp(arg, "sethostname") == 0)
                                        result_errno(sethostname("probe", 5));
                                else if (strcmp(arg, "add_key") == 0)
                                        /* KEY_SPEC_PROCESS_KEYRING */
                                        result_errno((int) syscall(SYS_add_key, "user", "probe", "v", 1, -2));
                                else if (strcmp(arg, "unshare") == 0)
                                        result_errno(unshare(CLONE_NEWUTS));
                                else
                                        return usage();
                        } else if (strcmp(a, "clone") == 0)
                                result_errno(clone_flags(strtoul(arg, NULL, 0)));
                        else if (strcmp(a, "personality") == 0) {
                                long r = syscall(SYS_personality, strtoul(arg, NULL, 0));
                                result_errno(r < 0 ? -1 : 0);
                        } else if (strcmp(a, "socket") == 0) {
                                int r = socket_triple(arg);
                                if (r == -2)
                                        return usage();
                                result_errno(r);
                        } else if (strcmp(a, "syscall32") == 0) {
                                if (syscall32(arg) < 0)
                                        return usage();
                        } else if (strcmp(a, "read") == 0)
                                read_path(arg);
                        else if (strcmp(a, "echo") == 0) {
                                printf("%s\n", arg);
                                fflush(stdout);
                        } else if (strcmp(a, "echo-err") == 0)
                                fprintf(stderr, "%s\n", arg);
                        else if (strcmp(a, "sleep") == 0) {
                                fflush(stdout);
                                sleep(atoi(arg));
                        } else if (strcmp(a, "exit") == 0) {
                                fflush(stdout);
                                return atoi(arg);
                        } else if (strcmp(a, "alloc") == 0) {
                                /* until the memory limit's OOM kill, if there is one */
                                fflush(stdout);
                                for (int mib = 0; mib < atoi(arg); mib++) {
                                        char *p = malloc(1 << 20);
                                        if (!p)
                                                return 12;
                                        memset(p, 1, 1 << 20);
                                }
                        } else if (strcmp(a, "kill-self") == 0) {
                                fflush(stdout);
                                signal(atoi(arg), SIG_DFL);
                                kill(getpid(), atoi(arg));
                                /* a blocked or ignored signal: say so */
                                return 125;
                        } else
                                return usage();
                }
        }
        return 0;
}
