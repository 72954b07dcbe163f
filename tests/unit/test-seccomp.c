/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Compiles seccomp profiles, loads them in forked children and checks what the syscalls return
 * (native, i386 and x32 calls; conditions ANDed and ORed); the cache and the notify listener
 * hand-over. Needs no root: loading uses no_new_privs. argv[1]: tests/fixtures/oci, for podman's and
 * CRI-O's captured profiles. */
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "../helpers/syscall-i386.h"
#include "../tap.h"
#include "base/log.h"
#include "oci/oci-parse.h"
#include "box/oci-seccomp.h"
#include "plan/oci-seccomp-bpf.h"
#include "base/util.h"

static char tmpdir[] = "/tmp/test-seccomp-XXXXXX";

/* Ends the child through the exit_group system call itself. Under ASan the compiler precedes every call
 * of a noreturn function such as _exit() with __asan_handle_no_return(), which calls sigaltstack(); a
 * deny-by-default filter refuses that, and ASan's failed CHECK ends the child with status 1 instead of
 * the probe's value. syscall() is not noreturn, so no instrumentation runs between probe and exit. */
static void exit_group_raw(int status) {
        syscall(SYS_exit_group, status);
}

/* Runs probe() in a child under the filter; returns probe()'s value (0..255), or -1. */
static int run_filtered(const SeccompProgram *p, int (*probe)(void)) {
        int status;
        pid_t pid;

        if (!p)
                return -1;
        pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        _exit(250);
                if (oci_seccomp_program_load(p) < 0)
                        _exit(251);
                exit_group_raw(probe());
                _exit(252); /* not reached */
        }
        if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
                return -1;
        return WEXITSTATUS(status);
}

static int probe_mkdir(void) {
        char path[128];

        snprintf(path, sizeof(path), "%s/dir-%d", tmpdir, (int) getpid());
        return syscall(SYS_mkdir, path, 0755) < 0 ? errno : 0;
}

static int probe_getppid_and_getpid(void) {
        /* getpid allowed, getppid not: 100 + errno of getppid */
        if (syscall(SYS_getpid) < 0)
                return 1;
        return syscall(SYS_getppid) < 0 ? 100 + errno : 2;
}

static int probe_personality(void) {
        long a = syscall(SYS_personality, 0xffffffffUL); /* the query: blocked by the rule */
        int ea = errno;
        long b = syscall(SYS_personality, (unsigned long) PER_LINUX);

        if (a >= 0 || ea != EPERM)
                return 1;
        return b < 0 ? 2 : 0;
}

/* Whether the program loads seccomp_data.arch and compares something with an AUDIT_ARCH_* value:
 * libseccomp starts the part of the program for each architecture with that comparison. (The
 * program jumps, so which load the comparison follows is not checked.) */
static bool program_checks_arch(const SeccompProgram *p, uint32_t audit_arch) {
        const struct sock_filter *insns = p ? p->bpf : NULL;
        bool loads_arch = false, compares = false;

        for (size_t i = 0; p && i < p->n_insns; i++) {
                if (insns[i].code == (BPF_LD | BPF_W | BPF_ABS) &&
                    insns[i].k == offsetof(struct seccomp_data, arch))
                        loads_arch = true;
                if (insns[i].code == (BPF_JMP | BPF_JEQ | BPF_K) && insns[i].k == audit_arch)
                        compares = true;
        }
        return loads_arch && compares;
}

#ifdef HAVE_SYSCALL_I386
/* Under a profile that allows getpid and denies getppid with EACCES: the same through the i386
 * entry. */
static int probe_i386(void) {
        if (syscall_i386(I386_NR_getpid, 0, 0, 0) != getpid())
                return 1;
        return syscall_i386(I386_NR_getppid, 0, 0, 0) == -EACCES ? 0 : 2;
}

/* x32 calls are x86-64 calls with bit 30 set in the number; seccomp sees them whether or not the
 * kernel implements the x32 ABI. getppid is denied with EACCES. */
static int probe_x32(void) {
        return syscall(0x40000000 | SYS_getppid) < 0 && errno == EACCES ? 0 : 1;
}

/* Under podman's profile: add_key is not named and gets the default ENOSYS. */
static int probe_i386_podman(void) {
        if (syscall_i386(I386_NR_getpid, 0, 0, 0) != getpid())
                return 1;
        return syscall_i386(I386_NR_add_key, 0, 0, 0) == -ENOSYS ? 0 : 2;
}
#endif

/* Under personality ALLOW for PER_LINUX or 0xffffffff, default ERRNO(EACCES) */
static int probe_personality_two_values(void) {
        if (syscall(SYS_personality, 0xffffffffUL) < 0)
                return 1;
        if (syscall(SYS_personality, (unsigned long) PER_LINUX) < 0)
                return 2;
        return syscall(SYS_personality, (unsigned long) PER_LINUX32) < 0 && errno == EACCES ? 0 : 3;
}

/* Under getpriority ERRNO(EACCES) for which == PRIO_PROCESS and who == 0 */
static int probe_getpriority_and(void) {
        if (syscall(SYS_getpriority, PRIO_PROCESS, 0) >= 0 || errno != EACCES)
                return 1;
        if (syscall(SYS_getpriority, PRIO_PROCESS, getpid()) < 0)
                return 2;
        return syscall(SYS_getpriority, PRIO_PGRP, 0) < 0 ? 3 : 0;
}

/* Under getpriority ERRNO(EACCES) for which == PRIO_PGRP, which == PRIO_USER, who == 4242 */
static int probe_getpriority_or(void) {
        if (syscall(SYS_getpriority, PRIO_PROCESS, 4242) >= 0 || errno != EACCES)
                return 1;
        if (syscall(SYS_getpriority, PRIO_PGRP, 0) >= 0 || errno != EACCES)
                return 2;
        return syscall(SYS_getpriority, PRIO_PROCESS, 0) < 0 ? 3 : 0;
}

/* Under CRI-O's profile, whose clone rule refuses seven namespace flags with EPERM (seven conditions
 * on argument 0). CLONE_SIGHAND without CLONE_VM makes the kernel refuse the call with EINVAL
 * before it looks at privileges or creates anything: EPERM can only come from the filter. */
static int probe_crio_clone(void) {
        static const unsigned long namespaces[] = {
                CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC,    CLONE_NEWUSER,
                CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP,
        };

        for (size_t i = 0; i < ELEMENTSOF(namespaces); i++)
                if (syscall(SYS_clone, namespaces[i] | CLONE_SIGHAND, 0, 0, 0, 0) >= 0 || errno != EPERM)
                        return 1 + (int) i;
        /* no namespace flag: the ALLOW rule (MASKED_EQ) lets it through to the kernel */
        return syscall(SYS_clone, CLONE_SIGHAND, 0, 0, 0, 0) < 0 && errno == EINVAL ? 0 : 10;
}

static SeccompProgram *compile(const OciSeccomp *s, const char *cache) {
        SeccompProgram *p = NULL;

        if (oci_seccomp_compile(s, cache, &p) < 0)
                return NULL;
        return p;
}

/* Compiles s without a cache and runs probe() under it: probe()'s value, or -1 */
static int compile_and_run(const OciSeccomp *s, int (*probe)(void)) {
        SeccompProgram *p = compile(s, NULL);
        int r = run_filtered(p, probe);

        oci_seccomp_program_free(p);
        return r;
}

/* Every architecture linux.seccomp.architectures lists gets its part of the program, with the
 * rules resolved for it; a call from an architecture the profile does not list kills the process
 * (libseccomp's default for a foreign architecture). */
static void test_architectures(const OciSeccomp *three_arches, const char *fixtures) {
        _cleanup_free_ char *podman_path = NULL, *error = NULL;
        OciConfig *podman = NULL;
        OciSeccomp native_only = *three_arches, no_x32 = *three_arches;
        SeccompProgram *p, *q, *r;

        native_only.architectures = (char *[]){ "SCMP_ARCH_X86_64", NULL };
        no_x32.architectures = (char *[]){ "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", NULL };

        p = compile(three_arches, NULL);
        q = compile(&native_only, NULL);
        r = compile(&no_x32, NULL);
#if defined(__x86_64__)
        tap_ok(program_checks_arch(p, AUDIT_ARCH_X86_64) && program_checks_arch(p, AUDIT_ARCH_I386),
               "X86_64, X86, X32: the program checks for AUDIT_ARCH_X86_64 and AUDIT_ARCH_I386");
        tap_ok(program_checks_arch(q, AUDIT_ARCH_X86_64) && !program_checks_arch(q, AUDIT_ARCH_I386),
               "X86_64 alone: no AUDIT_ARCH_I386 in the program");
#else
        tap_skip("the architectures x86-64 lists");
        tap_skip("the architectures x86-64 lists");
#endif
#ifdef HAVE_SYSCALL_I386
        tap_is_int(run_filtered(p, probe_i386), 0,
                   "i386 calls (int $0x80): getpid allowed, getppid denied with EACCES");
        tap_is_int(run_filtered(q, probe_i386), -1, "without SCMP_ARCH_X86 an i386 call kills the process");
        tap_is_int(run_filtered(p, probe_x32), 0, "an x32 getppid is denied with EACCES");
        tap_is_int(run_filtered(r, probe_x32), -1, "without SCMP_ARCH_X32 an x32 call kills the process");
#else
        for (int i = 0; i < 4; i++)
                tap_skip("i386 and x32 calls need x86-64");
#endif
        oci_seccomp_program_free(p);
        oci_seccomp_program_free(q);
        oci_seccomp_program_free(r);

        /* podman's default profile, as podman hands it over */
        if (asprintf_safe(&podman_path, "%s/podman-run-default.json", fixtures) < 0 ||
            oci_parse_config_file(podman_path, &podman, &error) < 0)
                tap_diag("%s", strna(error));
        p = podman ? compile(&podman->linux.seccomp, NULL) : NULL;
        tap_ok(p != NULL, "podman's default profile compiles");
#if defined(__x86_64__)
        tap_ok(program_checks_arch(p, AUDIT_ARCH_I386),
               "podman's profile: the program checks for AUDIT_ARCH_I386");
#else
        tap_skip("the architectures x86-64 lists");
#endif
#ifdef HAVE_SYSCALL_I386
        tap_is_int(run_filtered(p, probe_i386_podman), 0,
                   "podman's profile: i386 getpid allowed, i386 add_key gets the default ENOSYS");
#else
        tap_skip("i386 calls need x86-64");
#endif
        oci_seccomp_program_free(p);
        oci_config_free(podman);
}

/* Several conditions in one rule, as runc and crun read them: on distinct arguments they are
 * ANDed; when an argument is compared more than once, each condition is a rule of its own and they
 * are ORed. */
static void test_conditions(const char *fixtures) {
        _cleanup_free_ char *crio_path = NULL, *error = NULL;
        _cleanup_free_ OciSeccompArg *many = NULL;
        OciConfig *crio = NULL;
        SeccompProgram *p;
        size_t n_many = BPF_MAXINSNS + 1;

        OciSeccompArg two_values[] = {
                { .index = 0, .value = PER_LINUX, .op = OCI_SECCOMP_OP_EQ },
                { .index = 0, .value = 0xffffffff, .op = OCI_SECCOMP_OP_EQ },
        };
        OciSeccompSyscall allow_pers[] = {
                { .names = (char *[]){ "exit", "exit_group", "rt_sigreturn", "getpid", NULL },
                  .action = OCI_SECCOMP_ALLOW },
                { .names = (char *[]){ "personality", NULL },
                  .action = OCI_SECCOMP_ALLOW,
                  .args = two_values,
                  .n_args = ELEMENTSOF(two_values) },
        };
        OciSeccomp s_or = {
                .present = true,
                .default_action = OCI_SECCOMP_ERRNO,
                .default_errno_ret = { .set = true, .v = EACCES },
                .syscalls = allow_pers,
                .n_syscalls = ELEMENTSOF(allow_pers),
        };
        tap_is_int(compile_and_run(&s_or, probe_personality_two_values), 0,
                   "two conditions on argument 0 are ORed: both values allowed, a third denied");

        OciSeccompArg which_and_who[] = {
                { .index = 0, .value = PRIO_PROCESS, .op = OCI_SECCOMP_OP_EQ },
                { .index = 1, .value = 0, .op = OCI_SECCOMP_OP_EQ },
        };
        OciSeccompSyscall deny_prio[] = {
                { .names = (char *[]){ "getpriority", NULL },
                  .action = OCI_SECCOMP_ERRNO,
                  .errno_ret = { .set = true, .v = EACCES },
                  .args = which_and_who,
                  .n_args = ELEMENTSOF(which_and_who) },
        };
        OciSeccomp s_and = {
                .present = true,
                .default_action = OCI_SECCOMP_ALLOW,
                .syscalls = deny_prio,
                .n_syscalls = ELEMENTSOF(deny_prio),
        };
        tap_is_int(compile_and_run(&s_and, probe_getpriority_and), 0,
                   "conditions on arguments 0 and 1 are ANDed: denied only when both match");

        /* one argument twice and another once: every condition is a rule of its own */
        OciSeccompArg mixed[] = {
                { .index = 0, .value = PRIO_PGRP, .op = OCI_SECCOMP_OP_EQ },
                { .index = 0, .value = PRIO_USER, .op = OCI_SECCOMP_OP_EQ },
                { .index = 1, .value = 4242, .op = OCI_SECCOMP_OP_EQ },
        };
        deny_prio[0].args = mixed;
        deny_prio[0].n_args = ELEMENTSOF(mixed);
        tap_is_int(compile_and_run(&s_and, probe_getpriority_or), 0,
                   "argument 0 twice and argument 1 once: all three conditions ORed");

        /* more conditions than a program can have instructions; values with distinct upper halves,
         * each a comparison of both halves */
        many = calloc(n_many, sizeof(OciSeccompArg));
        for (size_t i = 0; many && i < n_many; i++)
                many[i] = (OciSeccompArg){
                        .index = 0, .value = (uint64_t) (i + 1) << 32 | i, .op = OCI_SECCOMP_OP_EQ
                };
        deny_prio[0].args = many;
        deny_prio[0].n_args = n_many;
        p = NULL;
        tap_ok(many && oci_seccomp_compile(&s_and, NULL, &p) == -EINVAL && !p,
               "%zu conditions in one rule are refused", n_many);

        /* fewer conditions, but a program longer than the kernel takes: refused when compiling, not
         * when loading */
        deny_prio[0].n_args = 1100;
        p = NULL;
        tap_ok(many && oci_seccomp_compile(&s_and, NULL, &p) == -EINVAL && !p,
               "a program of more than %u instructions is refused", (unsigned) BPF_MAXINSNS);

        /* CRI-O's RuntimeDefault profile, as CRI-O hands it over */
        if (asprintf_safe(&crio_path, "%s/crio-security-context.json", fixtures) < 0 ||
            oci_parse_config_file(crio_path, &crio, &error) < 0)
                tap_diag("%s", strna(error));
        p = crio ? compile(&crio->linux.seccomp, NULL) : NULL;
        tap_ok(p != NULL, "CRI-O's default profile compiles (clone: seven conditions on argument 0)");
        tap_is_int(run_filtered(p, probe_crio_clone), 0,
                   "CRI-O's profile: clone with any of the seven namespace flags gets EPERM, "
                   "without them it reaches the kernel");
        oci_seccomp_program_free(p);
        oci_config_free(crio);
}

static void test_listener_handover(void) {
        const char *state =
                "{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"],\"pid\":1,\"metadata\":\"meta\"}";
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        union {
                struct cmsghdr align;
                char b[CMSG_SPACE(sizeof(int))];
        } control = {};
        char buf[512] = {}, ch = 0;
        struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) - 1 };
        struct msghdr mh = { .msg_iov = &iov,
                             .msg_iovlen = 1,
                             .msg_control = control.b,
                             .msg_controllen = sizeof(control.b) };
        int srv, c = -1, got = -1, pfd[2] = { -1, -1 }, r;
        struct cmsghdr *cm;
        ssize_t n = -1;

        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/agent.sock", tmpdir);
        srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        r = srv >= 0 && bind(srv, (struct sockaddr *) &sa, sizeof(sa)) >= 0 && listen(srv, 1) >= 0 &&
            pipe2(pfd, O_CLOEXEC) >= 0;
        /* the backlog takes the connection, so sending does not wait for accept() */
        tap_ok(r && oci_seccomp_send_listener(sa.sun_path, pfd[1], state) == 0,
               "listener sent to the agent socket");
        if (r)
                c = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
        if (c >= 0)
                n = recvmsg(c, &mh, MSG_CMSG_CLOEXEC);
        cm = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
        if (cm && cm->cmsg_type == SCM_RIGHTS)
                memcpy(&got, CMSG_DATA(cm), sizeof(int));
        tap_is_str(n > 0 ? buf : NULL, state, "the agent receives the state JSON");
        /* the received fd is the pipe's write end: writing into it shows on the read end */
        tap_ok(got >= 0 && write(got, "x", 1) == 1 && read(pfd[0], &ch, 1) == 1 && ch == 'x',
               "the agent receives the listener fd with SCM_RIGHTS");
        tap_ok(oci_seccomp_send_listener("/nonexistent/agent.sock", pfd[1], state) < 0,
               "a missing agent socket is an error");

        /* a listenerPath longer than sun_path: the socket made at a short path, then moved */
        char deep[512], moved[600];
        int c2 = -1;
        snprintf(deep, sizeof(deep), "%s/%0120d", tmpdir, 0);
        snprintf(moved, sizeof(moved), "%s/agent.sock", deep);
        r = mkdir(deep, 0700) >= 0 && rename(sa.sun_path, moved) >= 0;
        tap_ok(r && strlen(moved) >= sizeof(sa.sun_path) &&
                       oci_seccomp_send_listener(moved, pfd[1], state) == 0,
               "an agent socket path longer than sun_path is reached");
        if (r)
                c2 = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
        safe_close(c2);
        safe_close(got);
        safe_close(c);
        safe_close(srv);
        safe_close(pfd[0]);
        safe_close(pfd[1]);
}

int main(int argc, char *argv[]) {
        SeccompProgram *p;
        char cmd[512];

        if (argc != 2) {
                fprintf(stderr, "usage: test-seccomp FIXTURES-DIR\n");
                return 2;
        }
        log_set_max_level(LOG_DEBUG);
        if (!mkdtemp(tmpdir))
                return 1;

        /* mkdir blocked with the default errno (EPERM) */
        OciSeccompSyscall block_mkdir[] = {
                { .names = (char *[]){ "mkdir", "mkdirat", NULL }, .action = OCI_SECCOMP_ERRNO },
        };
        OciSeccomp s1 = {
                .present = true,
                .default_action = OCI_SECCOMP_ALLOW,
                .syscalls = block_mkdir,
                .n_syscalls = ELEMENTSOF(block_mkdir),
        };
        p = compile(&s1, NULL);
        tap_ok(p && p->n_insns > 0 && !p->from_cache && !p->notify, "ERRNO rule compiles (%zu insns)",
               p ? p->n_insns : 0);
        tap_is_int(run_filtered(p, probe_mkdir), EPERM, "mkdir under the filter fails with EPERM");
        oci_seccomp_program_free(p);

        /* errnoRet 38 */
        block_mkdir[0].errno_ret = (OciOptUint){ .set = true, .v = 38 };
        p = compile(&s1, NULL);
        tap_is_int(run_filtered(p, probe_mkdir), ENOSYS, "errnoRet 38 gives ENOSYS");
        oci_seccomp_program_free(p);

        /* default ERRNO with ALLOW rules */
        OciSeccompSyscall allow[] = {
                { .names = (char *[]){ "getpid", "exit", "exit_group", "rt_sigreturn", NULL },
                  .action = OCI_SECCOMP_ALLOW },
        };
        OciSeccomp s3 = {
                .present = true,
                .default_action = OCI_SECCOMP_ERRNO,
                .default_errno_ret = { .set = true, .v = EACCES },
                .architectures = (char *[]){ "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL },
                .syscalls = allow,
                .n_syscalls = ELEMENTSOF(allow),
        };
        p = compile(&s3, NULL);
        tap_is_int(run_filtered(p, probe_getppid_and_getpid), 100 + EACCES,
                   "default ERRNO(EACCES): getpid allowed, getppid denied with EACCES");
        oci_seccomp_program_free(p);

        test_architectures(&s3, argv[1]);

        /* argument conditions: personality(0xffffffff) only */
        OciSeccompArg pers_args[] = { { .index = 0, .value = 0xffffffff, .op = OCI_SECCOMP_OP_EQ } };
        OciSeccompSyscall pers[] = {
                { .names = (char *[]){ "personality", NULL },
                  .action = OCI_SECCOMP_ERRNO,
                  .args = pers_args,
                  .n_args = 1 },
        };
        OciSeccomp s4 = {
                .present = true, .default_action = OCI_SECCOMP_ALLOW, .syscalls = pers, .n_syscalls = 1
        };
        p = compile(&s4, NULL);
        tap_is_int(run_filtered(p, probe_personality), 0,
                   "personality(0xffffffff) is denied, personality(PER_LINUX) allowed");
        oci_seccomp_program_free(p);

        test_conditions(argv[1]);

        /* unknown syscall names are skipped; rules with the default action too */
        OciSeccompSyscall unknown[] = {
                { .names = (char *[]){ "no_such_syscall_at_all", "mkdir", "mkdirat", NULL },
                  .action = OCI_SECCOMP_ERRNO },
                { .names = (char *[]){ "getpid", NULL }, .action = OCI_SECCOMP_ALLOW },
        };
        OciSeccomp s5 = { .present = true,
                          .default_action = OCI_SECCOMP_ALLOW,
                          .syscalls = unknown,
                          .n_syscalls = ELEMENTSOF(unknown) };
        p = compile(&s5, NULL);
        tap_ok(p != NULL, "an unknown syscall name and a default-action rule are skipped, not fatal");
        tap_is_int(run_filtered(p, probe_mkdir), EPERM, "the known names of that rule still apply");
        oci_seccomp_program_free(p);

        /* the cache: a hit gives the same BPF without libseccomp */
        char cache[256], path[512];
        struct stat st;
        snprintf(cache, sizeof(cache), "%s/cache", tmpdir);
        unsigned before = oci_seccomp_bpf_compile_count();
        SeccompProgram *cold = compile(&s3, cache), *warm = compile(&s3, cache);
        tap_ok(cold && !cold->from_cache, "first compile is a miss");
        tap_ok(warm && warm->from_cache, "second compile is a cache hit");
        tap_is_int(oci_seccomp_bpf_compile_count() - before, 1, "libseccomp ran once for the two compiles");
        tap_ok(cold && warm && cold->n_insns == warm->n_insns &&
                       memcmp(cold->bpf, warm->bpf, cold->n_insns * sizeof(struct sock_filter)) == 0 &&
                       streq(cold->hash, warm->hash),
               "the cached BPF is identical");
        snprintf(path, sizeof(path), "%s/%s.bpf", cache, cold ? cold->hash : "");
        tap_ok(cold && stat(path, &st) >= 0 &&
                       (size_t) st.st_size == cold->n_insns * sizeof(struct sock_filter),
               "the cache file is named by the hash and holds the program");
        tap_is_int(run_filtered(warm, probe_getppid_and_getpid), 100 + EACCES,
                   "the cached program behaves as the compiled one");
        SeccompProgram *other = compile(&s1, cache);
        tap_ok(other && cold && !other->from_cache && !streq(other->hash, cold->hash),
               "another profile misses");
        oci_seccomp_program_free(cold);
        oci_seccomp_program_free(warm);
        oci_seccomp_program_free(other);

        /* flags and notify */
        OciSeccompSyscall notify[] = {
                { .names = (char *[]){ "getppid", NULL }, .action = OCI_SECCOMP_NOTIFY },
        };
        OciSeccomp s7 = { .present = true,
                          .default_action = OCI_SECCOMP_ALLOW,
                          .flags =
                                  (char *[]){ "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_TSYNC", NULL },
                          .listener_path = (char *) "/run/agent.sock",
                          .listener_metadata = (char *) "meta",
                          .syscalls = notify,
                          .n_syscalls = 1 };
        p = compile(&s7, NULL);
        tap_ok(p && p->notify && (p->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) &&
                       (p->flags & SECCOMP_FILTER_FLAG_LOG) && streq(p->listener_path, "/run/agent.sock") &&
                       streq(p->listener_metadata, "meta"),
               "NOTIFY sets NEW_LISTENER; LOG is kept");
        oci_seccomp_program_free(p);
        OciSeccomp bad = s7;
        bad.flags = (char *[]){ "SECCOMP_FILTER_FLAG_BOGUS", NULL };
        p = NULL;
        tap_ok(oci_seccomp_compile(&bad, NULL, &p) == -EINVAL && !p, "an unknown flag name is an error");

        test_listener_handover();

        snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
        if (system(cmd) != 0)
                tap_diag("could not remove %s", tmpdir);
        return tap_done(0);
}
