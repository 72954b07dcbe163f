/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli_parse(): global options, verbs, their options and arguments, usage errors. No privilege. */
#include <assert.h>
#include <signal.h>

#include "cmd/cli.h"
#include "tap.h"
#include "base/util.h"

#define ARGV(...) ((char *[]){"nspawn-oci", __VA_ARGS__, NULL})

/* cli_parse() keeps pointers into argv (exec.args, ps_args), as main()'s argv lives as long as the
 * process. The compound literal dies with the statement expression, so the parsed argv is copied into
 * storage that stays valid until the next PARSE(). */
static char *parse_argv[64];

/* Parses argv into c (released first) and returns cli_parse()'s result. */
#define PARSE(c, ...)                                                                                       \
        ({                                                                                                  \
                char **_a = ARGV(__VA_ARGS__);                                                              \
                int _n = 0;                                                                                 \
                while (_a[_n]) {                                                                            \
                        assert(_n + 1 < (int) ELEMENTSOF(parse_argv));                                      \
                        parse_argv[_n] = _a[_n];                                                            \
                        _n++;                                                                               \
                }                                                                                           \
                parse_argv[_n] = NULL;                                                                      \
                cli_command_done(c);                                                                        \
                cli_parse(_n, parse_argv, (c));                                                             \
        })

static bool error_has(const CliCommand *c, const char *s) {
        return c->error && strstr(c->error, s);
}

static void test_global_options(CliCommand *c) {
        int r;

        r = PARSE(c, "state", "abc");
        tap_is_int(r, 0, "state ID parses");
        tap_is_str(c->root, "/run/nspawn-oci", "--root defaults to /run/nspawn-oci");
        tap_ok(c->log_path == NULL && c->log_format == LOG_FORMAT_TEXT, "no --log: stderr, text");
        tap_ok(!c->systemd_cgroup && !c->debug, "--systemd-cgroup and --debug are off by default");

        r = PARSE(c, "--root", "/srv/r", "--log", "/tmp/l", "--log-format", "json", "--systemd-cgroup",
                  "--debug", "state", "abc");
        tap_is_int(r, 0, "global options before the verb");
        tap_is_str(c->root, "/srv/r", "--root DIR");
        tap_is_str(c->log_path, "/tmp/l", "--log FILE");
        tap_is_int(c->log_format, LOG_FORMAT_JSON, "--log-format json");
        tap_ok(c->systemd_cgroup && c->debug, "--systemd-cgroup, --debug");
        tap_is_int(c->verb, CLI_VERB_STATE, "the verb after the global options");
        tap_is_str(c->id, "abc", "the id");

        /* As conmon passes them. */
        r = PARSE(c, "--root=/run/runc", "--log-format=json", "--log=/x/oci-log", "create", "--bundle=/b",
                  "--pid-file=/p", "id1");
        tap_is_int(r, 0, "--opt=value form");
        tap_is_str(c->root, "/run/runc", "--root=DIR");
        tap_is_str(c->log_path, "/x/oci-log", "--log=FILE");
        tap_is_int(c->log_format, LOG_FORMAT_JSON, "--log-format=json");
        tap_is_str(c->create.bundle, "/b", "--bundle=DIR");
        tap_is_str(c->create.pid_file, "/p", "--pid-file=FILE");
        tap_is_str(c->create.id, "id1", "create's id");

        r = PARSE(c, "--log-format", "xml", "state", "abc");
        tap_ok(r < 0 && error_has(c, "--log-format") && error_has(c, "xml"),
               "--log-format xml is refused, named");

        r = PARSE(c, "--criu", "/usr/sbin/criu", "--rootless=auto", "--cgroup-manager", "systemd", "state",
                  "x");
        tap_is_int(r, 0, "runc's and crun's other globals are accepted");
        tap_is_int(strv_length(c->ignored), 3, "… and recorded as ignored");
        tap_ok(strv_contains(c->ignored, "--rootless=auto"), "--rootless VALUE is among them");

        r = PARSE(c, "--version");
        tap_ok(r == 0 && c->version && c->verb == CLI_VERB_NONE, "--version");
        r = PARSE(c, "-v");
        tap_ok(r == 0 && c->version, "-v");
        r = PARSE(c, "--help");
        tap_ok(r == 0 && c->help && c->verb == CLI_VERB_NONE, "--help");

        r = PARSE(c, "--frobnicate", "state", "x");
        tap_ok(r < 0 && error_has(c, "--frobnicate"), "unknown global option: error names it");
        r = PARSE(c, "--root");
        tap_ok(r < 0 && error_has(c, "--root") && error_has(c, "needs a value"), "--root without a value");
}

static void test_verbs(CliCommand *c) {
        int r;

        r = PARSE(c, "frobnicate", "x");
        tap_ok(r < 0 && error_has(c, "unknown command 'frobnicate'"), "unknown verb");

        r = PARSE(c, "--root", "/r");
        tap_ok(r < 0 && error_has(c, "command missing"), "no verb");

        for (CliVerb v = CLI_VERB_NONE + 1; v < _CLI_VERB_MAX; v++)
                tap_is_int(cli_verb_from_string(cli_verb_to_string(v)), v, "verb table: %s",
                           cli_verb_to_string(v));

        static char *const need_id[] = {
                "create", "start", "state", "kill",   "delete", "run",
                "exec",   "ps",    "pause", "resume", "update", "events",
        };
        for (size_t i = 0; i < ELEMENTSOF(need_id); i++) {
                r = PARSE(c, need_id[i]);
                tap_ok(r < 0 && error_has(c, "container id missing") && error_has(c, need_id[i]),
                       "%s without an id: usage error naming the verb", need_id[i]);
        }

        r = PARSE(c, "start", "a", "b");
        tap_ok(r < 0 && error_has(c, "'b'"), "start with two ids: the extra one is named");

        r = PARSE(c, "create", "--bogus", "x");
        tap_ok(r < 0 && error_has(c, "unknown option '--bogus'") && error_has(c, "create"),
               "unknown verb option: error names it and the verb");
        r = PARSE(c, "delete", "--force=yes", "x");
        tap_ok(r < 0 && error_has(c, "'--force=yes'"), "a value for a flag is refused, as written");
        r = PARSE(c, "create", "-z", "x");
        tap_ok(r < 0 && error_has(c, "'-z'"), "unknown short option is named");
        r = PARSE(c, "create", "--bundle");
        tap_ok(r < 0 && error_has(c, "--bundle") && error_has(c, "needs a value"),
               "--bundle without a value");

        r = PARSE(c, "delete", "--help");
        tap_ok(r == 0 && c->help && c->verb == CLI_VERB_DELETE, "VERB --help needs no id");
        r = PARSE(c, "exec", "-h");
        tap_ok(r == 0 && c->help && c->verb == CLI_VERB_EXEC, "VERB -h");
}

static void test_create_run(CliCommand *c) {
        int r;

        r = PARSE(c, "create", "--bundle", "/b", "--pid-file", "/p", "--console-socket", "/s",
                  "--preserve-fds", "3", "--no-pivot", "--no-new-keyring", "ctr");
        tap_is_int(r, 0, "create with every option");
        tap_ok(c->verb == CLI_VERB_CREATE && streq(c->create.id, "ctr") && streq(c->create.bundle, "/b") &&
                       streq(c->create.pid_file, "/p") && streq(c->create.console_socket, "/s") &&
                       c->create.preserve_fds == 3 && c->create.no_pivot && c->create.no_new_keyring,
               "create's options land in CreateOptions");

        r = PARSE(c, "create", "-b", "/b2", "ctr");
        tap_ok(r == 0 && streq(c->create.bundle, "/b2"), "create -b");
        r = PARSE(c, "create", "ctr");
        tap_ok(r == 0 && c->create.bundle == NULL, "no --bundle: NULL (the lifecycle uses the cwd)");

        r = PARSE(c, "create", "--preserve-fds", "x", "ctr");
        tap_ok(r < 0 && error_has(c, "--preserve-fds") && error_has(c, "'x'"),
               "--preserve-fds x is refused");
        r = PARSE(c, "create", "--preserve-fds=-1", "ctr");
        tap_ok(r < 0 && error_has(c, "--preserve-fds"), "--preserve-fds=-1 is refused");

        r = PARSE(c, "create", "--detach", "ctr");
        tap_ok(r < 0 && error_has(c, "--detach"), "create has no --detach");

        r = PARSE(c, "run", "-d", "--keep", "-b", "/b", "ctr");
        tap_ok(r == 0 && c->verb == CLI_VERB_RUN && c->create.detach && c->create.keep &&
                       streq(c->create.bundle, "/b") && streq(c->create.id, "ctr"),
               "run -d --keep -b");
}

static void test_kill(CliCommand *c) {
        static const struct {
                char *name;
                int sig;
        } signals[] = {
                {"KILL", SIGKILL},  {"SIGKILL", SIGKILL}, {"kill", SIGKILL},   {"sigkill", SIGKILL},
                {"9", SIGKILL},     {"15", SIGTERM},      {"TERM", SIGTERM},   {"USR1", SIGUSR1},
                {"SigHup", SIGHUP}, {"10", 10},           {"WINCH", SIGWINCH},
        };
        static char *const bad[] = {"FOO", "SIGFOO", "0", "-9", "65", "9x", "SIG", ""};
        int r;

        r = PARSE(c, "kill", "ctr");
        tap_ok(r == 0 && c->signal == SIGTERM && !c->all, "kill ID: SIGTERM by default");

        for (size_t i = 0; i < ELEMENTSOF(signals); i++) {
                r = PARSE(c, "kill", "ctr", signals[i].name);
                tap_ok(r == 0 && c->signal == signals[i].sig, "kill ID %s → %d", signals[i].name,
                       signals[i].sig);
        }
        tap_is_int(cli_parse_signal("RTMIN+2"), SIGRTMIN + 2, "RTMIN+2");
        tap_is_int(cli_parse_signal("SIGRTMAX"), SIGRTMAX, "SIGRTMAX");

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *quoted = NULL;

                r = PARSE(c, "kill", "ctr", bad[i]);
                tap_ok(asprintf_safe(&quoted, "'%s'", bad[i]) >= 0 && r < 0 &&
                               error_has(c, "invalid signal") && error_has(c, quoted),
                       "kill ID '%s' is refused, naming it", bad[i]);
        }

        r = PARSE(c, "kill", "--all", "ctr", "KILL");
        tap_ok(r == 0 && c->all && c->signal == SIGKILL, "kill --all ID KILL");
        r = PARSE(c, "kill", "-a", "ctr", "9");
        tap_ok(r == 0 && c->all && c->signal == SIGKILL, "kill -a ID 9");
        r = PARSE(c, "kill", "ctr", "9", "extra");
        tap_ok(r < 0 && error_has(c, "'extra'"), "kill ID SIG EXTRA is refused");
}

static void test_exec(CliCommand *c) {
        int r;

        /* podman's conmon: every option before the id. */
        r = PARSE(c, "--root", "/run/runc", "exec", "--pid-file", "/p", "--process", "/proc.json",
                  "--detach", "--tty", "--console-socket", "/s", "--preserve-fds", "2", "ctr");
        tap_is_int(r, 0, "exec as conmon calls it");
        tap_ok(c->verb == CLI_VERB_EXEC && streq(c->exec.id, "ctr") && streq(c->exec.pid_file, "/p") &&
                       streq(c->exec.process_file, "/proc.json") && c->exec.detach && c->exec.tty &&
                       streq(c->exec.console_socket, "/s") && c->exec.preserve_fds == 2 &&
                       c->exec.args == NULL,
               "exec's options land in ExecOptions");

        r = PARSE(c, "exec", "-e", "A=1", "--env", "B=2", "-u", "1000:1001", "-g", "5",
                  "--additional-gids=6", "-c", "CAP_KILL", "--cap", "CAP_NET_ADMIN", "--cwd", "/tmp",
                  "--no-new-privs", "--apparmor", "prof", "--process-label", "lbl", "ctr", "ls", "-l",
                  "--all", "-e", "X");
        tap_is_int(r, 0, "exec with a command");
        tap_ok(strv_length(c->exec.env) == 2 && streq(c->exec.env[0], "A=1") && streq(c->exec.env[1], "B=2"),
               "--env is repeatable");
        tap_ok(c->exec.user_set && c->exec.uid == 1000 && c->exec.gid == 1001, "--user UID:GID");
        tap_ok(c->exec.n_additional_gids == 2 && c->exec.additional_gids[0] == 5 &&
                       c->exec.additional_gids[1] == 6,
               "--additional-gids is repeatable");
        tap_ok(strv_length(c->exec.caps) == 2 && streq(c->exec.caps[1], "CAP_NET_ADMIN"),
               "--cap is repeatable");
        tap_ok(streq(c->exec.cwd, "/tmp") && c->exec.no_new_privs && streq(c->exec.apparmor, "prof") &&
                       streq(c->exec.process_label, "lbl"),
               "--cwd, --no-new-privs, --apparmor, --process-label");
        tap_ok(strv_length(c->exec.args) == 5 && streq(c->exec.args[0], "ls") &&
                       streq(c->exec.args[1], "-l") && streq(c->exec.args[2], "--all") &&
                       streq(c->exec.args[3], "-e") && streq(c->exec.args[4], "X"),
               "the arguments after the id are the command's, not parsed");
        tap_ok(strv_length(c->exec.env) == 2, "… and -e after the id did not become --env");

        r = PARSE(c, "exec", "ctr", "--", "sh", "-c", "true");
        tap_ok(r == 0 && strv_length(c->exec.args) == 3 && streq(c->exec.args[0], "sh"),
               "exec ID -- CMD: the -- is dropped");

        r = PARSE(c, "exec", "ctr");
        tap_ok(r < 0 && error_has(c, "--process"), "exec ID without a command or --process");
        r = PARSE(c, "exec", "-p", "/f", "ctr", "ls");
        tap_ok(r < 0 && error_has(c, "exclude"), "exec --process and a command");
        r = PARSE(c, "exec", "--cap", "CAP_FLY", "ctr", "ls");
        tap_ok(r < 0 && error_has(c, "CAP_FLY"), "exec --cap with an unknown name");
        r = PARSE(c, "exec", "--user", "root", "ctr", "ls");
        tap_ok(r < 0 && error_has(c, "--user") && error_has(c, "'root'"), "exec --user needs numbers");
        r = PARSE(c, "exec", "--user", "1000", "ctr", "ls");
        tap_ok(r == 0 && c->exec.user_set && c->exec.uid == 1000 && c->exec.gid == 0,
               "exec --user UID: group 0, as runc");
        r = PARSE(c, "exec", "--user", "0:4294967295", "ctr", "ls");
        tap_ok(r < 0 && error_has(c, "--user"), "exec --user: (gid_t) -1 is no group id");
        r = PARSE(c, "exec", "--env", "NOEQUALS", "ctr", "ls");
        tap_ok(r < 0 && error_has(c, "NOEQUALS"), "exec --env without =");
        r = PARSE(c, "exec", "-g", "staff", "ctr", "ls");
        tap_ok(r < 0 && error_has(c, "'staff'"), "exec --additional-gids needs a number");
}

static void test_other_verbs(CliCommand *c) {
        int r;

        r = PARSE(c, "delete", "--force", "ctr");
        tap_ok(r == 0 && c->verb == CLI_VERB_DELETE && c->force && streq(c->id, "ctr"), "delete --force");
        r = PARSE(c, "delete", "-f", "ctr");
        tap_ok(r == 0 && c->force, "delete -f");
        r = PARSE(c, "delete", "ctr");
        tap_ok(r == 0 && !c->force, "delete");

        r = PARSE(c, "list", "-f", "json", "-q");
        tap_ok(r == 0 && c->verb == CLI_VERB_LIST && c->json && c->quiet, "list -f json -q");
        r = PARSE(c, "list", "--format=table");
        tap_ok(r == 0 && !c->json && !c->quiet, "list --format=table");
        r = PARSE(c, "list", "--format", "yaml");
        tap_ok(r < 0 && error_has(c, "'yaml'"), "list --format yaml is refused");
        r = PARSE(c, "list", "extra");
        tap_ok(r < 0 && error_has(c, "'extra'"), "list takes no argument");

        r = PARSE(c, "ps", "--format", "json", "ctr");
        tap_ok(r == 0 && c->verb == CLI_VERB_PS && c->json && streq(c->id, "ctr") && !c->ps_args,
               "ps --format json");
        r = PARSE(c, "ps", "ctr", "-ef");
        tap_ok(r == 0 && c->ps_args && streq(c->ps_args[0], "-ef"), "ps ID ARGS: kept for ps(1)");

        r = PARSE(c, "update", "--resources=/var/tmp/podman1", "ctr");
        tap_ok(r == 0 && c->verb == CLI_VERB_UPDATE && streq(c->update.resources_file, "/var/tmp/podman1") &&
                       streq(c->update.id, "ctr"),
               "update --resources=FILE (podman)");
        r = PARSE(c, "update", "--resources", "-", "ctr");
        tap_ok(r == 0 && streq(c->update.resources_file, "-"), "update --resources - (CRI-O)");
        r = PARSE(c, "update", "--memory", "128m", "--memory-swap", "256m", "--memory-reservation", "64m",
                  "--cpu-shares", "1024", "--cpu-quota", "100000", "--cpu-period", "100000", "--cpuset-cpus",
                  "0-1", "--cpuset-mems", "0", "--pids-limit", "100", "--blkio-weight", "500", "ctr");
        tap_ok(r == 0 && streq(c->update.memory, "128m") && streq(c->update.memory_swap, "256m") &&
                       streq(c->update.memory_reservation, "64m") && streq(c->update.cpu_shares, "1024") &&
                       streq(c->update.cpu_quota, "100000") && streq(c->update.cpu_period, "100000") &&
                       streq(c->update.cpuset_cpus, "0-1") && streq(c->update.cpuset_mems, "0") &&
                       streq(c->update.pids_limit, "100") && streq(c->update.blkio_weight, "500"),
               "update's single-value options");

        r = PARSE(c, "events", "ctr");
        tap_ok(r == 0 && !c->stats && c->interval == 5, "events: interval 5 s by default");
        r = PARSE(c, "events", "--stats", "--interval", "3s", "ctr");
        tap_ok(r == 0 && c->stats && c->interval == 3, "events --stats --interval 3s");
        r = PARSE(c, "events", "--interval=0", "ctr");
        tap_ok(r < 0 && error_has(c, "--interval"), "events --interval 0 is refused");

        r = PARSE(c, "pause", "ctr");
        tap_ok(r == 0 && c->verb == CLI_VERB_PAUSE && streq(c->id, "ctr"), "pause ID");
        r = PARSE(c, "resume", "ctr");
        tap_ok(r == 0 && c->verb == CLI_VERB_RESUME, "resume ID");

        r = PARSE(c, "spec", "-b", "/b", "--rootless");
        tap_ok(r == 0 && c->verb == CLI_VERB_SPEC && streq(c->bundle, "/b") && c->rootless,
               "spec -b --rootless");
        r = PARSE(c, "spec", "x");
        tap_ok(r < 0 && error_has(c, "'x'"), "spec takes no argument");
        r = PARSE(c, "features");
        tap_ok(r == 0 && c->verb == CLI_VERB_FEATURES, "features");

        r = PARSE(c, "explain", "--format", "json", "/b");
        tap_ok(r == 0 && c->verb == CLI_VERB_EXPLAIN && c->json && streq(c->bundle, "/b"),
               "explain --format json B");
        r = PARSE(c, "explain");
        tap_ok(r < 0 && error_has(c, "bundle"), "explain without a bundle");
        r = PARSE(c, "explain", "--id", "c1", "--format", "json");
        tap_ok(r == 0 && c->verb == CLI_VERB_EXPLAIN && c->json && streq(c->id, "c1") && !c->bundle,
               "explain --id ID: the saved plan, no bundle");
        r = PARSE(c, "explain", "--id", "c1", "/b");
        tap_ok(r < 0 && error_has(c, "'/b' with --id"), "explain --id ID takes no bundle");
}

static void test_checkpoint(CliCommand *c) {
        int r;

        r = PARSE(c, "checkpoint", "--help");
        tap_ok(r == 0 && c->verb == CLI_VERB_CHECKPOINT, "checkpoint --help parses to checkpoint");
        tap_ok(cli_dispatch(c) != 0, "checkpoint --help exits non-zero (podman probes it)");
        r = PARSE(c, "checkpoint", "--image-path", "/x", "ctr");
        tap_ok(r == 0 && cli_dispatch(c) != 0, "checkpoint ID exits non-zero");
        r = PARSE(c, "restore", "-h");
        tap_ok(r == 0 && c->verb == CLI_VERB_RESTORE && cli_dispatch(c) != 0, "restore -h exits non-zero");
}

int main(void) {
        _cleanup_(cli_command_done) CliCommand c = {};

        test_global_options(&c);
        test_verbs(&c);
        test_create_run(&c);
        test_kill(&c);
        test_exec(&c);
        test_other_verbs(&c);
        test_checkpoint(&c);
        return tap_done(0);
}
