/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hooks_run(): state on stdin, exact env and argv, failures named, timeouts. When started with
 * TEST_HOOK_OUT in its environment, this program is itself the hook: it writes its argv, environment
 * and stdin to that file. No privilege needed. */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include "box/hooks.h"
#include "base/log.h"
#include "tap.h"
#include "base/util.h"

extern char **environ;

static char tmpdir[] = "/tmp/test-hooks.XXXXXX";
static char self[4096];
static char logpath[256];

static int act_as_hook(int argc, char **argv, const char *out) {
        FILE *f = fopen(out, "we");
        char buf[4096];
        size_t n;

        if (!f)
                return 1;
        for (int i = 0; i < argc; i++)
                fprintf(f, "argv: %s\n", argv[i]);
        for (char **e = environ; *e; e++)
                fprintf(f, "env: %s\n", *e);
        fputs("stdin: ", f);
        while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
                fwrite(buf, 1, n, f);
        fputc('\n', f);
        return fclose(f) == 0 ? 0 : 1;
}

static char *slurp(const char *path) {
        char *s = NULL;
        if (read_full_file(path, &s, NULL) < 0)
                return NULL;
        return s;
}

/* The last line written to the log. */
static char *last_log_line(void) {
        _cleanup_free_ char *s = slurp(logpath);
        char *end, *start;

        if (!s || !*s)
                return NULL;
        end = s + strlen(s);
        if (end > s && end[-1] == '\n')
                *--end = 0;
        start = strrchr(s, '\n');
        return strdup(start ? start + 1 : s);
}

static bool log_has(const char *needle) {
        _cleanup_free_ char *l = last_log_line();
        bool found = l && strstr(l, needle);
        if (!found)
                tap_diag("log: %s", l ? l : "(nothing)");
        return found;
}

/* How many lines of the log contain needle. */
static unsigned log_count(const char *needle) {
        _cleanup_free_ char *s = slurp(logpath);
        unsigned n = 0;

        for (char *p = s; p && (p = strstr(p, needle)); p += strlen(needle))
                n++;
        return n;
}

static void test_state_env_args(void) {
        static const char state[] = "{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"status\":\"creating\",\"pid\":0}";
        char out_a[300], out_b[300], env_a[320], env_b[320];
        char *args[] = { (char *) "custom-argv0", (char *) "second", NULL };
        char *envs_a[] = { env_a, (char *) "FOO=bar baz", NULL };
        char *envs_b[] = { env_b, NULL };
        OciHook h[2] = {
                { .path = self, .args = args, .env = envs_a },
                { .path = self, .env = envs_b },
        };
        _cleanup_free_ char *a = NULL, *b = NULL;
        char want[8192];

        snprintf(out_a, sizeof(out_a), "%s/a", tmpdir);
        snprintf(out_b, sizeof(out_b), "%s/b", tmpdir);
        snprintf(env_a, sizeof(env_a), "TEST_HOOK_OUT=%s", out_a);
        snprintf(env_b, sizeof(env_b), "TEST_HOOK_OUT=%s", out_b);

        tap_is_int(hooks_run(h, 2, state, "prestart", true), 0, "two hooks succeed");
        a = slurp(out_a);
        b = slurp(out_b);
        snprintf(want, sizeof(want), "argv: custom-argv0\nargv: second\nenv: %s\nenv: FOO=bar baz\nstdin: %s\n",
                 env_a, state);
        tap_is_str(a, want, "args[0] is argv[0], env is exactly hook.env, stdin carries the state");
        snprintf(want, sizeof(want), "argv: %s\nenv: %s\nstdin: %s\n", self, env_b, state);
        tap_is_str(b, want, "without args, argv is [path]");
}

static void test_no_env(void) {
        char out[300];
        char *args[] = { (char *) "/bin/sh", (char *) "-c", NULL, NULL };
        _cleanup_free_ char *cmd = NULL, *got = NULL;
        OciHook h = { .path = (char *) "/bin/sh", .args = args };

        snprintf(out, sizeof(out), "%s/noenv", tmpdir);
        asprintf_safe(&cmd, "/usr/bin/env > %s", out);
        args[2] = cmd;
        tap_is_int(hooks_run(&h, 1, "{}", "poststop", true), 0, "a hook without env runs");
        got = slurp(out);
        /* /bin/sh may add PWD (dash does); nothing of ours may be there. */
        tap_ok(got && !strstr(got, "PATH=") && !strstr(got, "HOME="), "without env, the environment is empty");
        if (got) {
                got[strcspn(got, "\n")] = 0;
                tap_diag("first variable: %s", got);
        }
}

static void test_failures(void) {
        char *exit3[] = { (char *) "sh", (char *) "-c", (char *) "exit 3", NULL };
        char *kill9[] = { (char *) "sh", (char *) "-c", (char *) "kill -9 $$", NULL };
        char out[300], env[320];
        char *envs[] = { env, NULL };
        OciHook h[2] = {
                { .path = (char *) "/bin/sh", .args = exit3 },
                { .path = self, .env = envs },
        };
        OciHook missing = { .path = (char *) "/nonexistent/hook" };
        OciHook killed = { .path = (char *) "/bin/sh", .args = kill9 };

        snprintf(out, sizeof(out), "%s/not-run", tmpdir);
        snprintf(env, sizeof(env), "TEST_HOOK_OUT=%s", out);

        tap_ok(hooks_run(h, 2, "{}", "prestart", true) < 0, "a failing hook fails the run");
        tap_ok(log_has("prestart hook #0 (/bin/sh): exit status 3"), "the error names the hook and the status");
        tap_is_int(log_count("prestart hook"), 1, "and is logged once");
        tap_ok(access(out, F_OK) < 0, "the hooks after a failing one do not run");

        tap_ok(hooks_run(&killed, 1, "{}", "poststart", true) < 0, "a hook killed by a signal fails");
        tap_ok(log_has("poststart hook #0 (/bin/sh): killed by signal 9"), "the error names the signal");

        tap_is_int(hooks_run(&missing, 1, "{}", "createRuntime", true), -ENOENT,
                   "a missing hook fails with ENOENT");
        tap_ok(log_has("createRuntime hook #0 (/nonexistent/hook): exec failed: No such file or directory"),
               "the error says exec failed and why");
}

/* poststart and poststop: a failure is one warning that says it is ignored, and the rest run. */
static void test_ignored_failures(void) {
        char *exit3[] = { (char *) "sh", (char *) "-c", (char *) "exit 3", NULL };
        char out[300], env[320];
        char *envs[] = { env, NULL };
        OciHook h[3] = {
                { .path = (char *) "/bin/sh", .args = exit3 },
                { .path = (char *) "/bin/sh", .args = exit3 },
                { .path = self, .env = envs },
        };

        snprintf(out, sizeof(out), "%s/after-failure", tmpdir);
        snprintf(env, sizeof(env), "TEST_HOOK_OUT=%s", out);

        tap_is_int(hooks_run(h, 3, "{}", "poststop", false), 0, "ignored failures do not fail the run");
        tap_ok(access(out, F_OK) == 0, "the hooks after an ignored failure still run");
        tap_is_int(log_count("poststop hook #0 (/bin/sh): exit status 3, ignoring"), 1,
                   "the first failure: one line, hook #0");
        tap_is_int(log_count("poststop hook #1 (/bin/sh): exit status 3, ignoring"), 1,
                   "the second: one line, with its own index #1");
        tap_is_int(log_count("poststop hook"), 2, "nothing else is logged about them");
        tap_ok(log_has("warning: poststop hook #1"), "the last line is the warning");
        unlink(out);
}

static void test_timeout(void) {
        char pidfile[300], script[512], path[64];
        char *args[] = { (char *) "sh", (char *) "-c", script, NULL };
        OciHook h = { .path = (char *) "/bin/sh", .args = args, .timeout = { .set = true, .v = 1 } };
        _cleanup_free_ char *bg = NULL, *stat = NULL;
        uint64_t t0;
        int r, bgpid = 0;

        snprintf(pidfile, sizeof(pidfile), "%s/bg.pid", tmpdir);
        /* The hook starts a child of its own and waits: the timeout must take both. */
        snprintf(script, sizeof(script), "sleep 30 & echo $! > %s; wait", pidfile);

        t0 = now_ms();
        r = hooks_run(&h, 1, "{}", "prestart", true);
        t0 = now_ms() - t0;
        tap_is_int(r, -ETIME, "a hook over its timeout fails");
        tap_ok(t0 >= 900 && t0 < 3000, "it is killed at the timeout (%llu ms)", (unsigned long long) t0);
        tap_ok(log_has("prestart hook #0 (/bin/sh): timed out after 1 s"), "the error says it timed out");

        bg = slurp(pidfile);
        if (bg)
                bgpid = atoi(bg);
        snprintf(path, sizeof(path), "/proc/%d/stat", bgpid);
        /* Gone, or a zombie waiting for whoever reaps orphans here. */
        for (int i = 0; i < 100 && bgpid > 0; i++) {
                free(stat);
                stat = NULL;
                if (read_full_file(path, &stat, NULL) < 0 || strstr(stat, ") Z "))
                        break;
                struct timespec ts = { 0, 20000000 };
                nanosleep(&ts, NULL);
        }
        tap_ok(bgpid > 0 && (!stat || strstr(stat, ") Z ")), "the hook's own child is killed too");
}

static void test_stdin_not_read(void) {
        char *quick[] = { (char *) "sh", (char *) "-c", (char *) "exit 0", NULL };
        char *slow[] = { (char *) "sh", (char *) "-c", (char *) "exec 0<&-; sleep 0.2", NULL };
        OciHook h[2] = {
                { .path = (char *) "/bin/sh", .args = quick },
                { .path = (char *) "/bin/sh", .args = slow, .timeout = { .set = true, .v = 10 } },
        };
        size_t size = 4 << 20;
        _cleanup_free_ char *big = malloc(size + 1);
        uint64_t t0;

        memset(big, 'x', size);
        big[size] = 0;
        t0 = now_ms();
        tap_is_int(hooks_run(h, 2, big, "poststart", true), 0,
                   "hooks that do not read a 4 MiB state succeed");
        tap_ok(now_ms() - t0 < 5000, "and do not block us");
}

int main(int argc, char **argv) {
        const char *out = getenv("TEST_HOOK_OUT");
        ssize_t n;

        if (out)
                return act_as_hook(argc, argv, out);

        n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n < 0 || !mkdtemp(tmpdir)) {
                printf("1..0 # SKIP cannot prepare: %s\n", strerror(errno));
                return 0;
        }
        self[n] = 0;
        snprintf(logpath, sizeof(logpath), "%s/log", tmpdir);
        if (log_open(logpath, LOG_FORMAT_TEXT, false) < 0)
                return 1;

        test_state_env_args();
        test_no_env();
        test_failures();
        test_ignored_failures();
        test_timeout();
        test_stdin_not_read();

        log_close();
        const char *files[] = { "a", "b", "noenv", "not-run", "after-failure", "bg.pid", "log" };
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                char p[300];
                snprintf(p, sizeof(p), "%s/%s", tmpdir, files[i]);
                unlink(p);
        }
        rmdir(tmpdir);
        return tap_done(0);
}
