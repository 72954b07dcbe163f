/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* process_exec() in forked children, in the host namespaces: the child applies an OciProcess and
 * execs a command whose output shows what it got. Needs root (setresuid, capabilities). */
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "../tap.h"
#include "base/log.h"
#include "box/process.h"
#include "box/oci-seccomp.h"
#include "base/util.h"

static char tmpdir[] = "/tmp/test-process-XXXXXX";

typedef struct Run {
        int sync_r; /* process_sync_receive() result */
        char *error; /* the child's ERROR text */
        int listener_fd;
        char out[16384]; /* the child's stdout */
        int status;
} Run;

/* Forks, runs process_exec(ctx) in the child with stdout on a pipe; the sync socket and the
 * fds to check are placed at high numbers so they never collide with 3. */
static void run(ProcessContext *ctx, const char *fifo, Run *ret) {
        int out[2], sync[2], r;
        size_t n = 0;
        pid_t pid;

        memset(ret, 0, sizeof(*ret));
        ret->listener_fd = -1;
        if (pipe2(out, O_CLOEXEC) < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sync) < 0)
                abort();
        pid = fork();
        if (pid < 0)
                abort();
        if (pid == 0) {
                int s = fcntl(sync[1], F_DUPFD_CLOEXEC, 40), leak;

                dup2(out[1], 1);
                /* fd 3 is "preserved" when ctx->preserve_fds says so; fd 20 is a leak: not CLOEXEC */
                leak = open("/dev/null", O_RDONLY);
                dup2(leak, 3);
                dup2(leak, 20);
                if (fifo) {
                        int f = open(fifo, O_PATH | O_CLOEXEC);
                        ctx->exec_fifo_fd = fcntl(f, F_DUPFD_CLOEXEC, 41);
                }
                ctx->sync_fd = s;
                (void) process_exec(ctx);
                _exit(127);
        }
        close(out[1]);
        close(sync[1]);
        ret->sync_r = process_sync_receive(sync[0], ctx->main_process, &ret->listener_fd, &ret->error);
        if (fifo && ret->sync_r == 0) {
                /* `start`: open the read side, the child writes one byte and execs */
                int f = open(fifo, O_RDONLY | O_CLOEXEC);
                char b = 0;
                if (f < 0 || read(f, &b, 1) != 1 || b != '0')
                        tap_diag("exec FIFO did not deliver the byte");
                safe_close(f);
        }
        for (;;) {
                ssize_t k = read(out[0], ret->out + n, sizeof(ret->out) - 1 - n);
                if (k <= 0)
                        break;
                n += (size_t) k;
        }
        ret->out[n] = 0;
        close(out[0]);
        close(sync[0]);
        r = waitpid(pid, &ret->status, 0);
        if (r < 0)
                ret->status = -1;
}

static const char *field(const char *out, const char *name, char *buf, size_t size) {
        const char *p = strstr(out, name);
        size_t l;

        if (!p)
                return NULL;
        p += strlen(name);
        while (*p == ' ' || *p == '\t')
                p++;
        l = strcspn(p, "\n");
        if (l >= size)
                l = size - 1;
        memcpy(buf, p, l);
        buf[l] = 0;
        return buf;
}

#define CAP(c) (UINT64_C(1) << (c))

int main(void) {
        char buf[512], cwd[256], fifo[256];
        OciRlimit rlimits[] = { { .resource = RLIMIT_NOFILE, .soft = 1000, .hard = 2000 } };
        gid_t groups[] = { 10, 20 };
        Run r;

        log_set_max_level(LOG_DEBUG);
        if (geteuid() != 0) {
                tap_skip("needs root");
                return tap_done(0);
        }
        if (!mkdtemp(tmpdir))
                return 1;
        chmod(tmpdir, 0755);

        /* user, groups, the five capability sets, no_new_privs, umask */
        OciProcess p = {
                .uid = 1000,
                .gid = 1001,
                .additional_gids = groups,
                .n_additional_gids = ELEMENTSOF(groups),
                .umask = { .set = true, .v = 027 },
                .args = (char *[]){ "cat", "/proc/self/status", NULL },
                .env = (char *[]){ "PATH=/nonexistent:/usr/bin:/bin", "HOME=/", NULL },
                .cwd = (char *) "/",
                .has_capabilities = true,
                .no_new_privileges = true,
        };
        p.cap_set_present[OCI_CAP_BOUNDING] = p.cap_set_present[OCI_CAP_PERMITTED] = true;
        p.cap_set_present[OCI_CAP_EFFECTIVE] = p.cap_set_present[OCI_CAP_INHERITABLE] = true;
        p.cap_set_present[OCI_CAP_AMBIENT] = true;
        p.caps[OCI_CAP_BOUNDING] = CAP(CAP_CHOWN) | CAP(CAP_KILL) | CAP(CAP_NET_BIND_SERVICE) | CAP(63);
        p.caps[OCI_CAP_PERMITTED] = CAP(CAP_CHOWN) | CAP(CAP_KILL);
        p.caps[OCI_CAP_EFFECTIVE] = CAP(CAP_CHOWN) | CAP(CAP_KILL);
        p.caps[OCI_CAP_INHERITABLE] = CAP(CAP_KILL);
        p.caps[OCI_CAP_AMBIENT] = CAP(CAP_KILL);
        ProcessContext ctx = { .process = &p, .console_fd = -1, .exec_fifo_fd = -1 };

        run(&ctx, NULL, &r);
        tap_ok(r.sync_r == 0 && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0,
               "cat found in PATH and exec'd (sync %d, error %s)", r.sync_r, strna(r.error));
        /* execve as uid 1000 keeps only the ambient set in permitted and effective */
        tap_is_str(field(r.out, "CapInh:", buf, sizeof(buf)), "0000000000000020", "CapInh");
        tap_is_str(field(r.out, "CapPrm:", buf, sizeof(buf)), "0000000000000020",
                   "CapPrm (ambient after exec)");
        tap_is_str(field(r.out, "CapEff:", buf, sizeof(buf)), "0000000000000020",
                   "CapEff (ambient after exec)");
        tap_is_str(field(r.out, "CapBnd:", buf, sizeof(buf)), "0000000000000421",
                   "CapBnd (an unknown cap 63 is skipped)");
        tap_is_str(field(r.out, "CapAmb:", buf, sizeof(buf)), "0000000000000020", "CapAmb");
        tap_is_str(field(r.out, "Uid:", buf, sizeof(buf)), "1000\t1000\t1000\t1000", "uid");
        tap_is_str(field(r.out, "Gid:", buf, sizeof(buf)), "1001\t1001\t1001\t1001", "gid");
        tap_is_str(field(r.out, "Groups:", buf, sizeof(buf)), "10 20 ", "additionalGids");
        tap_is_str(field(r.out, "NoNewPrivs:", buf, sizeof(buf)), "1", "no_new_privs");
        tap_is_str(field(r.out, "Umask:", buf, sizeof(buf)), "0027", "umask");
        free(r.error);

        /* as uid 0 without a capabilities object: everything is dropped (runc), umask 0022 */
        OciProcess p0 = {
                .args = (char *[]){ "/bin/cat", "/proc/self/status", NULL },
                .env = (char *[]){ "HOME=/", NULL },
                .cwd = (char *) "/",
        };
        ctx = (ProcessContext){ .process = &p0, .console_fd = -1, .exec_fifo_fd = -1 };
        run(&ctx, NULL, &r);
        tap_is_str(field(r.out, "CapEff:", buf, sizeof(buf)), "0000000000000000",
                   "no capabilities: CapEff empty");
        tap_is_str(field(r.out, "CapBnd:", buf, sizeof(buf)), "0000000000000000",
                   "no capabilities: CapBnd empty");
        tap_is_str(field(r.out, "Groups:", buf, sizeof(buf)), "", "no additionalGids: no groups");
        tap_is_str(field(r.out, "Umask:", buf, sizeof(buf)), "0022", "default umask 0022");
        tap_is_str(field(r.out, "NoNewPrivs:", buf, sizeof(buf)), "0", "no_new_privs off");
        free(r.error);

        /* env is exactly process.env; HOME filled in when missing */
        OciProcess pe = {
                .args = (char *[]){ "cat", "/proc/self/environ", NULL },
                .env = (char *[]){ "PATH=/usr/bin:/bin", "FOO=bar baz", NULL },
                .cwd = (char *) "/",
        };
        setenv("LEAK_FROM_RUNTIME", "1", 1);
        ctx = (ProcessContext){ .process = &pe, .console_fd = -1, .exec_fifo_fd = -1 };
        run(&ctx, NULL, &r);
        for (char *c = r.out; c < r.out + sizeof(r.out) - 1 && (c[0] || c[1]); c++)
                if (!*c)
                        *c = '\n';
        tap_is_str(r.out, "PATH=/usr/bin:/bin\nFOO=bar baz\nHOME=/root",
                   "environment is exactly process.env, HOME from /etc/passwd");
        free(r.error);

        /* cwd created, rlimits, fds: 3 preserved, 20 closed */
        snprintf(cwd, sizeof(cwd), "%s/new/work dir", tmpdir);
        OciProcess pc = {
                .uid = 1000,
                .gid = 1000,
                .args =
                        (char *[]){
                                "sh", "-c",
                                "pwd; ulimit -Sn; ulimit -Hn; "
                                "[ -e /proc/self/fd/3 ] && echo fd3; [ -e /proc/self/fd/20 ] && echo fd20; "
                                "[ -e /proc/self/fd/40 ] && echo fd40; echo end",
                                NULL },
                .env = (char *[]){ "PATH=/usr/bin:/bin", "HOME=/", NULL },
                .cwd = cwd,
                .rlimits = rlimits,
                .n_rlimits = ELEMENTSOF(rlimits),
        };
        ctx = (ProcessContext){
                .process = &pc, .console_fd = -1, .exec_fifo_fd = -1, .preserve_fds = 1, .main_process = true
        };
        run(&ctx, NULL, &r);
        snprintf(buf, sizeof(buf), "%s\n1000\n2000\nfd3\nend\n", cwd);
        tap_is_str(r.out, buf, "cwd created, rlimits, preserved fd 3, others closed");
        free(r.error);

        /* a missing executable is reported through the sync socket, before any FIFO wait */
        OciProcess pm = {
                .args = (char *[]){ "no-such-command-here", NULL },
                .env = (char *[]){ "PATH=/usr/bin:/bin", NULL },
                .cwd = (char *) "/",
        };
        ctx = (ProcessContext){ .process = &pm, .console_fd = -1, .exec_fifo_fd = -1 };
        run(&ctx, NULL, &r);
        tap_is_int(r.sync_r, -EIO, "missing executable: the child reports an error");
        tap_is_str(r.error, "exec: \"no-such-command-here\": executable file not found in $PATH",
                   "missing executable: runc's message");
        tap_ok(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 127, "the child did not exec");
        free(r.error);

        /* a failing setting names itself: a soft limit above the hard one fails everywhere */
        OciRlimit bad[] = { { .resource = RLIMIT_NOFILE, .soft = 10, .hard = 5 } };
        OciProcess po = pm;
        po.args = (char *[]){ "true", NULL };
        po.rlimits = bad;
        po.n_rlimits = ELEMENTSOF(bad);
        ctx = (ProcessContext){ .process = &po, .console_fd = -1, .exec_fifo_fd = -1 };
        run(&ctx, NULL, &r);
        tap_is_str(r.error, "setting rlimit RLIMIT_NOFILE (soft 10, hard 5): Invalid argument",
                   "a failing setting is named");
        free(r.error);

        /* oomScoreAdj is the spawner's, written before it joins the box, and inherited */
        pid_t child = fork();
        if (child == 0) {
                OciProcess ps = { .oom_score_adj = { .set = true, .v = 123 } };
                char v[16] = "";
                FILE *f;

                if (process_set_oom_score_adj(&ps) < 0)
                        _exit(1);
                if (fork() == 0) {
                        f = fopen("/proc/self/oom_score_adj", "re");
                        _exit(f && fgets(v, sizeof(v), f) && streq(v, "123\n") ? 0 : 2);
                }
                int st;
                wait(&st);
                ps.oom_score_adj.v = 5000;
                if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                        _exit(2);
                _exit(process_set_oom_score_adj(&ps) == -EINVAL ? 0 : 3);
        }
        int st;
        waitpid(child, &st, 0);
        tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
               "process_set_oom_score_adj: 123 inherited by a child, 5000 refused (exit %d)",
               WIFEXITED(st) ? WEXITSTATUS(st) : -1);

        /* the exec FIFO: READY first, exec only once the read side is opened */
        snprintf(fifo, sizeof(fifo), "%s/exec.fifo", tmpdir);
        if (mkfifo(fifo, 0600) < 0)
                abort();
        OciProcess pf = {
                .args = (char *[]){ "echo", "started", NULL },
                .env = (char *[]){ "PATH=/usr/bin:/bin", "HOME=/", NULL },
                .cwd = (char *) "/",
        };
        ctx = (ProcessContext){ .process = &pf, .console_fd = -1, .main_process = true };
        run(&ctx, fifo, &r);
        tap_is_int(r.sync_r, 0, "main process: READY before the FIFO wait");
        tap_is_str(r.out, "started\n", "main process: exec'd after `start` opened the FIFO");
        free(r.error);

        /* a NOTIFY filter: the listener fd reaches the parent through the sync socket */
        SeccompProgram *sp = NULL;
        OciSeccompSyscall notify[] = {
                { .names = (char *[]){ "getppid", NULL }, .action = OCI_SECCOMP_NOTIFY },
        };
        OciSeccomp sn = {
                .present = true, .default_action = OCI_SECCOMP_ALLOW, .syscalls = notify, .n_syscalls = 1
        };
        if (oci_seccomp_compile(&sn, NULL, &sp) < 0)
                abort();
        pf.no_new_privileges = true;
        ctx = (ProcessContext){ .process = &pf, .seccomp = sp, .console_fd = -1, .main_process = true };
        run(&ctx, fifo, &r);
        tap_ok(r.sync_r == 0 && r.listener_fd >= 0, "NOTIFY: the listener fd arrives with READY (fd %d)",
               r.listener_fd);
        tap_is_str(r.out, "started\n", "NOTIFY: the process runs");
        safe_close(r.listener_fd);
        free(r.error);
        oci_seccomp_program_free(sp);

        snprintf(buf, sizeof(buf), "rm -rf '%s'", tmpdir);
        if (system(buf) != 0)
                tap_diag("could not remove %s", tmpdir);
        return tap_done(0);
}
