/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The command line: runc's global options and verbs, parsed with getopt_long, then handed to the
 * lifecycle. Runs as the invoking user (root for everything but spec, features and explain). */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include "cmd/cli.h"
#include "cmd/explain.h"
#include "base/log.h"
#include "oci/oci-config.h"
#include "cmd/oci-features.h"
#include "host/cgroup.h"
#include "oci/spec.h"
#include "base/util.h"

#define DEFAULT_ROOT "/run/nspawn-oci"
#define DEFAULT_EVENTS_INTERVAL 5u

/* Long-only options; those with a short form use the short letter as their value. */
enum {
        ARG_ROOT = 0x100,
        ARG_LOG,
        ARG_LOG_FORMAT,
        ARG_SYSTEMD_CGROUP,
        ARG_DEBUG,
        ARG_CRIU,
        ARG_ROOTLESS_VALUE,
        ARG_CGROUP_MANAGER,
        ARG_PID_FILE,
        ARG_CONSOLE_SOCKET,
        ARG_PRESERVE_FDS,
        ARG_NO_PIVOT,
        ARG_BUILDER,
        ARG_NO_NEW_KEYRING,
        ARG_KEEP,
        ARG_CWD,
        ARG_NO_NEW_PRIVS,
        ARG_APPARMOR,
        ARG_PROCESS_LABEL,
        ARG_MEMORY,
        ARG_MEMORY_SWAP,
        ARG_MEMORY_RESERVATION,
        ARG_CPU_SHARES,
        ARG_CPU_QUOTA,
        ARG_CPU_PERIOD,
        ARG_CPUSET_CPUS,
        ARG_CPUSET_MEMS,
        ARG_PIDS_LIMIT,
        ARG_BLKIO_WEIGHT,
        ARG_STATS,
        ARG_INTERVAL,
        ARG_ROOTLESS,
        ARG_ID,
};

/* An option as getopt_long() reads it, and its line in the verb's --help: the name of its value and
 * what it does (no help: not listed, as --help itself). */
typedef struct CliOption {
        const char *name;
        int has_arg;
        int val;                 /* the short letter, or ARG_* for an option with a long name only */
        const char *value_name;
        const char *help;
} CliOption;

#define OPTION_HELP { "help", no_argument, 'h' }

/* The global options' help is in global_usage. */
static const CliOption global_options[] = {
        { "root", required_argument, ARG_ROOT },
        { "log", required_argument, ARG_LOG },
        { "log-format", required_argument, ARG_LOG_FORMAT },
        { "systemd-cgroup", no_argument, ARG_SYSTEMD_CGROUP },
        { "debug", no_argument, ARG_DEBUG },
        { "version", no_argument, 'v' },
        OPTION_HELP,
        /* Accepted because callers written for runc or crun pass them; they change nothing here. */
        { "criu", required_argument, ARG_CRIU },
        { "rootless", required_argument, ARG_ROOTLESS_VALUE },
        { "cgroup-manager", required_argument, ARG_CGROUP_MANAGER },
        {}
};

/* create's options, which run takes too */
#define CREATE_OPTIONS                                                                                    \
        { "bundle", required_argument, 'b', "DIR", "bundle directory (default: the current directory)" }, \
        { "pid-file", required_argument, ARG_PID_FILE, "FILE",                                            \
          "write the container process's pid to FILE" },                                                  \
        { "console-socket", required_argument, ARG_CONSOLE_SOCKET, "SOCK",                                \
          "send the terminal's master fd to this AF_UNIX socket" },                                       \
        { "preserve-fds", required_argument, ARG_PRESERVE_FDS, "N",                                       \
          "pass N file descriptors after stderr to the process" },                                        \
        { "no-pivot", no_argument, ARG_NO_PIVOT, NULL, "accepted for runc compatibility" },               \
        { "no-new-keyring", no_argument, ARG_NO_NEW_KEYRING, NULL, "do not create a new session keyring" }, \
        { "builder", required_argument, ARG_BUILDER, "NAME",                                              \
          "who builds the box: nspawn or native (default: nspawn, unless the config needs what only the "  \
          "native builder does)" }

static const CliOption create_options[] = {
        CREATE_OPTIONS,
        OPTION_HELP,
        {}
};

static const CliOption run_options[] = {
        CREATE_OPTIONS,
        { "detach", no_argument, 'd', NULL, "do not wait for the container" },
        { "keep", no_argument, ARG_KEEP, NULL, "do not delete the container after it exits" },
        OPTION_HELP,
        {}
};

static const CliOption exec_options[] = {
        { "process", required_argument, 'p', "FILE", "the process as an OCI process JSON object" },
        { "tty", no_argument, 't', NULL, "allocate a terminal" },
        { "cwd", required_argument, ARG_CWD, "DIR", "working directory" },
        { "env", required_argument, 'e', "VAR=VALUE", "set a variable (repeatable)" },
        { "user", required_argument, 'u', "UID[:GID]", "user and group ids" },
        { "additional-gids", required_argument, 'g', "GID", "add a supplementary group (repeatable)" },
        { "cap", required_argument, 'c', "CAP", "add a capability, e.g. CAP_NET_ADMIN (repeatable)" },
        { "no-new-privs", no_argument, ARG_NO_NEW_PRIVS, NULL, "set no_new_privileges" },
        { "apparmor", required_argument, ARG_APPARMOR, "PROFILE", "AppArmor profile" },
        { "process-label", required_argument, ARG_PROCESS_LABEL, "LABEL", "SELinux label" },
        { "detach", no_argument, 'd', NULL, "do not wait for the process" },
        { "pid-file", required_argument, ARG_PID_FILE, "FILE", "write the process's pid to FILE" },
        { "console-socket", required_argument, ARG_CONSOLE_SOCKET, "SOCK",
          "send the terminal's master fd to this AF_UNIX socket" },
        { "preserve-fds", required_argument, ARG_PRESERVE_FDS, "N",
          "pass N file descriptors after stderr to the process" },
        OPTION_HELP,
        {}
};

static const CliOption kill_options[] = {
        { "all", no_argument, 'a', NULL, "send it to every process of the container" },
        OPTION_HELP,
        {}
};

static const CliOption delete_options[] = {
        { "force", no_argument, 'f', NULL, "kill the container first if it is still running" },
        OPTION_HELP,
        {}
};

#define FORMAT_OPTION { "format", required_argument, 'f', "table|json", "output format (default: table)" }

static const CliOption list_options[] = {
        FORMAT_OPTION,
        { "quiet", no_argument, 'q', NULL, "print the ids only" },
        OPTION_HELP,
        {}
};

static const CliOption format_options[] = {
        FORMAT_OPTION,
        OPTION_HELP,
        {}
};

static const CliOption explain_options[] = {
        FORMAT_OPTION,
        { "id", required_argument, ARG_ID, "ID",
          "instead of a bundle's: the plan container ID was created with, which start, exec and delete "
          "follow" },
        OPTION_HELP,
        {}
};

static const CliOption update_options[] = {
        { "resources", required_argument, 'r', "FILE|-",
          "an OCI linux.resources JSON object ('-': standard input)" },
        { "memory", required_argument, ARG_MEMORY, "BYTES", "memory limit" },
        { "memory-swap", required_argument, ARG_MEMORY_SWAP, "BYTES", "memory plus swap limit" },
        { "memory-reservation", required_argument, ARG_MEMORY_RESERVATION, "BYTES", "memory soft limit" },
        { "cpu-shares", required_argument, ARG_CPU_SHARES, "N", "CPU shares (relative weight)" },
        { "cpu-quota", required_argument, ARG_CPU_QUOTA, "USEC", "CPU time per period" },
        { "cpu-period", required_argument, ARG_CPU_PERIOD, "USEC", "CPU period" },
        { "cpuset-cpus", required_argument, ARG_CPUSET_CPUS, "LIST", "CPUs allowed, e.g. 0-3,5" },
        { "cpuset-mems", required_argument, ARG_CPUSET_MEMS, "LIST", "memory nodes allowed" },
        { "pids-limit", required_argument, ARG_PIDS_LIMIT, "N", "maximum number of tasks" },
        { "blkio-weight", required_argument, ARG_BLKIO_WEIGHT, "N", "block I/O weight (10–1000)" },
        OPTION_HELP,
        {}
};

static const CliOption events_options[] = {
        { "stats", no_argument, ARG_STATS, NULL, "print the statistics once and exit" },
        { "interval", required_argument, ARG_INTERVAL, "SECONDS",
          "interval between statistics (default: 5)" },
        OPTION_HELP,
        {}
};

static const CliOption spec_options[] = {
        { "bundle", required_argument, 'b', "DIR", "bundle directory (default: the current directory)" },
        { "rootless", no_argument, ARG_ROOTLESS, NULL, "a config for a container without root privilege" },
        OPTION_HELP,
        {}
};

static const CliOption help_only_options[] = {
        OPTION_HELP,
        {}
};

/* The most options a verb has, its terminating entry included. */
#define VERB_OPTIONS_MAX 16
_Static_assert(ELEMENTSOF(exec_options) <= VERB_OPTIONS_MAX, "exec has the most options");
_Static_assert(ELEMENTSOF(update_options) <= VERB_OPTIONS_MAX, "update has the second most");

typedef enum VerbArgs {
        VERB_ARGS_NONE,          /* no positional argument */
        VERB_ARGS_ID,            /* exactly the container id */
        VERB_ARGS_ID_SIGNAL,     /* kill: ID [SIGNAL] */
        VERB_ARGS_ID_REST,       /* exec, ps: ID [ARGS…] */
        VERB_ARGS_BUNDLE,        /* explain: BUNDLE */
        VERB_ARGS_UNSUPPORTED,   /* not parsed at all: the verb always fails */
} VerbArgs;

typedef struct VerbInfo {
        const char *name;
        const CliOption *options;
        VerbArgs args;
        const char *synopsis;    /* the arguments, after the name and [OPTIONS] when it has any */
        const char *description;
} VerbInfo;

static const VerbInfo verb_table[_CLI_VERB_MAX] = {
        [CLI_VERB_NONE] = { NULL, global_options, VERB_ARGS_NONE },
        [CLI_VERB_CREATE] = { "create", create_options, VERB_ARGS_ID, "ID",
                "Create a container from a bundle; its process waits for 'start'." },
        [CLI_VERB_START] = { "start", help_only_options, VERB_ARGS_ID, "ID",
                "Let a created container's process run." },
        [CLI_VERB_STATE] = { "state", help_only_options, VERB_ARGS_ID, "ID",
                "Print the OCI state of a container as JSON." },
        [CLI_VERB_KILL] = { "kill", kill_options, VERB_ARGS_ID_SIGNAL, "ID [SIGNAL]",
                "Send a signal (name such as KILL or SIGKILL, or number; default TERM) to a container." },
        [CLI_VERB_DELETE] = { "delete", delete_options, VERB_ARGS_ID, "ID",
                "Delete a stopped container and everything the runtime holds for it." },
        [CLI_VERB_RUN] = { "run", run_options, VERB_ARGS_ID, "ID",
                "Create and start a container; wait for it and exit with its exit code." },
        [CLI_VERB_EXEC] = { "exec", exec_options, VERB_ARGS_ID_REST, "ID [COMMAND [ARG…]]",
                "Run another process in a running container." },
        [CLI_VERB_PS] = { "ps", format_options, VERB_ARGS_ID_REST, "ID",
                "List the processes of a container." },
        [CLI_VERB_LIST] = { "list", list_options, VERB_ARGS_NONE, "",
                "List the containers under --root." },
        [CLI_VERB_PAUSE] = { "pause", help_only_options, VERB_ARGS_ID, "ID",
                "Freeze every process of a container." },
        [CLI_VERB_RESUME] = { "resume", help_only_options, VERB_ARGS_ID, "ID",
                "Thaw a paused container." },
        [CLI_VERB_UPDATE] = { "update", update_options, VERB_ARGS_ID, "ID",
                "Change the resource limits of a container." },
        [CLI_VERB_EVENTS] = { "events", events_options, VERB_ARGS_ID, "ID",
                "Print a container's events (OOM, statistics) as JSON lines." },
        [CLI_VERB_SPEC] = { "spec", spec_options, VERB_ARGS_NONE, "",
                "Write a default config.json into the bundle directory; an existing one is kept." },
        [CLI_VERB_FEATURES] = { "features", help_only_options, VERB_ARGS_NONE, "",
                "Print the OCI runtime features document as JSON." },
        [CLI_VERB_EXPLAIN] = { "explain", explain_options, VERB_ARGS_BUNDLE, "BUNDLE",
                "Print where every field of the bundle's config.json goes." },
        [CLI_VERB_CHECKPOINT] = { "checkpoint", NULL, VERB_ARGS_UNSUPPORTED },
        [CLI_VERB_RESTORE] = { "restore", NULL, VERB_ARGS_UNSUPPORTED },
};

static const char global_usage[] =
        "nspawn-oci [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS…]\n"
        "An OCI runtime that runs every container through systemd-nspawn.\n\n"
        "Commands:\n"
        "  create      create a container\n"
        "  start       start a created container\n"
        "  run         create and start a container\n"
        "  state       print the state of a container\n"
        "  kill        send a signal to a container\n"
        "  delete      delete a container\n"
        "  exec        run another process in a container\n"
        "  ps          list the processes of a container\n"
        "  list        list the containers\n"
        "  pause       freeze a container\n"
        "  resume      thaw a container\n"
        "  update      change the resource limits of a container\n"
        "  events      print the events of a container\n"
        "  spec        write a default config.json\n"
        "  features    print the features document\n"
        "  explain     print the plan for a bundle\n"
        "  checkpoint, restore  not supported\n\n"
        "Global options:\n"
        "      --root DIR            state directory (default: " DEFAULT_ROOT ")\n"
        "      --log FILE            write messages to FILE\n"
        "      --log-format text|json  format of the messages in FILE (default: text)\n"
        "      --systemd-cgroup      cgroupsPath is in the systemd form slice:prefix:name\n"
        "      --debug               log debug messages\n"
        "  -v, --version             print the version\n"
        "  -h, --help                print this help\n"
        "      --criu PATH, --rootless VALUE, --cgroup-manager VALUE  accepted and ignored\n\n"
        "Run 'nspawn-oci COMMAND --help' for the options of a command.\n";

const char *cli_verb_to_string(CliVerb v) {
        if (v <= CLI_VERB_NONE || v >= _CLI_VERB_MAX)
                return NULL;
        return verb_table[v].name;
}

int cli_verb_from_string(const char *s) {
        for (CliVerb v = CLI_VERB_NONE + 1; v < _CLI_VERB_MAX; v++)
                if (streq(verb_table[v].name, s))
                        return (int) v;
        return -EINVAL;
}

/* getopt_long()'s view of options, a terminating zeroed entry included. */
static void getopt_options(const CliOption *options, struct option ret[static VERB_OPTIONS_MAX]) {
        size_t n = 0;

        for (const CliOption *o = options; o && o->name && n < VERB_OPTIONS_MAX - 1; o++)
                ret[n++] = (struct option) { o->name, o->has_arg, NULL, o->val };
        ret[n] = (struct option) {};
}

const struct option *cli_verb_options(CliVerb v) {
        static struct option built[_CLI_VERB_MAX][VERB_OPTIONS_MAX];
        static const struct option none[] = { {} };

        if (v < CLI_VERB_NONE || v >= _CLI_VERB_MAX)
                return none;
        getopt_options(verb_table[v].options, built[v]);
        return built[v];
}

static bool verb_has_options(const VerbInfo *verb) {
        for (const CliOption *o = verb->options; o->name; o++)
                if (o->help)
                        return true;
        return false;
}

/* VERB --help: its synopsis, what it does, and a line for each option. */
static void print_verb_usage(CliVerb v) {
        const VerbInfo *verb = verb_table + v;
        bool first = true;

        printf("Usage: nspawn-oci [GLOBAL OPTIONS] %s%s%s%s\n%s\n", verb->name,
               verb_has_options(verb) ? " [OPTIONS]" : "", isempty(verb->synopsis) ? "" : " ",
               verb->synopsis, verb->description);
        for (const CliOption *o = verb->options; o->name; o++) {
                char left[64];
                int n;

                if (!o->help)
                        continue;
                if (o->val < 0x100)
                        n = snprintf(left, sizeof left, "  -%c, --%s", o->val, o->name);
                else
                        n = snprintf(left, sizeof left, "      --%s", o->name);
                if (o->value_name)
                        n += snprintf(left + n, sizeof left - n, " %s", o->value_name);
                /* the help at column 28, or two spaces after a longer option */
                printf("%s%s%*s%s\n", first ? "\n" : "", left, n < 28 ? 28 - n : 2, "", o->help);
                first = false;
        }
}

int cli_parse_signal(const char *s) {
        const char *name = s;
        int sig;

        if (isempty(s))
                return -EINVAL;

        if (safe_atoi(s, &sig) >= 0)
                return sig > 0 && sig < NSIG ? sig : -EINVAL;

        if (strncasecmp(name, "SIG", 3) == 0)
                name += 3;
        for (sig = 1; sig < NSIG; sig++) {
                const char *abbrev = sigabbrev_np(sig);
                if (abbrev && strcasecmp(abbrev, name) == 0)
                        return sig;
        }

        /* Real-time signals by name, as kill(1) writes them: RTMIN, RTMIN+N, RTMAX, RTMAX-N. */
        if (strncasecmp(name, "RTMIN", 5) == 0 || strncasecmp(name, "RTMAX", 5) == 0) {
                bool min = strncasecmp(name, "RTMIN", 5) == 0;
                const char *rest = name + 5;
                int offset = 0;

                if (*rest) {
                        if (*rest != (min ? '+' : '-') || safe_atoi(rest + 1, &offset) < 0 || offset < 0)
                                return -EINVAL;
                }
                sig = min ? SIGRTMIN + offset : SIGRTMAX - offset;
                return sig >= SIGRTMIN && sig <= SIGRTMAX ? sig : -EINVAL;
        }
        return -EINVAL;
}

static int parse_error(CliCommand *c, const char *fmt, ...) _printf_(2, 3);
static int parse_error(CliCommand *c, const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf_safe(&msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                return r;

        free(c->error);
        if (c->verb != CLI_VERB_NONE)
                r = asprintf_safe(&c->error, "%s: %s (see 'nspawn-oci %s --help')", verb_table[c->verb].name,
                                  msg, verb_table[c->verb].name);
        else
                r = asprintf_safe(&c->error, "%s (see 'nspawn-oci --help')", msg);
        return r < 0 ? -ENOMEM : -EINVAL;
}

/* --format and --log-format: json, or the plain form named 'plain' (table, text). */
static int parse_json_or(CliCommand *c, const char *option, const char *plain, const char *value,
                         bool *ret) {
        if (!streq(value, "json") && !streq(value, plain))
                return parse_error(c, "--%s: expected %s or json, got '%s'", option, plain, value);
        *ret = streq(value, "json");
        return 0;
}

static int parse_unsigned(CliCommand *c, const char *option, const char *value, unsigned *ret) {
        uint64_t u;

        if (safe_atou64(value, &u) < 0 || u > UINT_MAX)
                return parse_error(c, "--%s: expected a non-negative integer, got '%s'", option, value);
        *ret = (unsigned) u;
        return 0;
}

/* A user or group id: a number below (uid_t) -1, which means "none" to the kernel. */
static bool parse_id(const char *s, uint32_t *ret) {
        uint64_t u;

        if (safe_atou64(s, &u) < 0 || u >= UINT32_MAX)
                return false;
        *ret = (uint32_t) u;
        return true;
}

/* --user UID[:GID], numbers only: names would have to be resolved inside the container. */
static int parse_user(CliCommand *c, const char *value) {
        const char *colon = strchr(value, ':');
        _cleanup_free_ char *uid = colon ? strndup(value, colon - value) : strdup(value);
        uint32_t u, g = 0;

        if (!uid)
                return -ENOMEM;
        if (!parse_id(uid, &u) || (colon && !parse_id(colon + 1, &g)))
                return parse_error(c, "--user: expected UID[:GID] as numbers, got '%s'", value);
        c->exec.user_set = true;
        c->exec.uid = u;
        c->exec.gid = g;
        return 0;
}

static int parse_additional_gid(CliCommand *c, const char *value) {
        gid_t *a;
        uint32_t g;

        if (!parse_id(value, &g))
                return parse_error(c, "--additional-gids: expected a group id, got '%s'", value);
        a = reallocarray(c->exec.additional_gids, c->exec.n_additional_gids + 1, sizeof(gid_t));
        if (!a)
                return -ENOMEM;
        c->exec.additional_gids = a;
        a[c->exec.n_additional_gids++] = g;
        return 0;
}

/* The events interval: seconds, as a number or a Go duration in whole seconds ("5s"). */
static int parse_interval(CliCommand *c, const char *value) {
        _cleanup_free_ char *number = strdup(value);
        size_t n;
        unsigned u = 0;

        if (!number)
                return -ENOMEM;
        n = strlen(number);
        if (n > 1 && number[n - 1] == 's')
                number[n - 1] = 0;
        if (parse_unsigned(c, "interval", number, &u) < 0 || u == 0)
                return parse_error(c, "--interval: expected a positive number of seconds, got '%s'", value);
        c->interval = u;
        return 0;
}

static int push_string(char ***l, const char *value) {
        return strv_extend(l, value) < 0 ? -ENOMEM : 0;
}

/* The options that set a flag or keep their argument as it is, and where. exec keeps its own copy of
 * the options it shares with create, hence a second place. */
typedef struct OptionPlace {
        int opt;
        bool flag;              /* a bool set to true; otherwise a const char * set to the argument */
        size_t offset;          /* in CliCommand */
        size_t exec_offset;     /* the same, for exec */
} OptionPlace;

#define FLAG(o, m) { o, true, offsetof(CliCommand, m), offsetof(CliCommand, m) }
#define VALUE(o, m) { o, false, offsetof(CliCommand, m), offsetof(CliCommand, m) }
#define FLAG_EXEC(o, m, e) { o, true, offsetof(CliCommand, m), offsetof(CliCommand, e) }
#define VALUE_EXEC(o, m, e) { o, false, offsetof(CliCommand, m), offsetof(CliCommand, e) }

static const OptionPlace option_places[] = {
        FLAG('h', help),
        FLAG('v', version),
        VALUE(ARG_LOG, log_path),
        FLAG(ARG_SYSTEMD_CGROUP, systemd_cgroup),
        FLAG(ARG_DEBUG, debug),
        FLAG_EXEC('d', create.detach, exec.detach),
        VALUE_EXEC(ARG_PID_FILE, create.pid_file, exec.pid_file),
        VALUE_EXEC(ARG_CONSOLE_SOCKET, create.console_socket, exec.console_socket),
        FLAG(ARG_NO_PIVOT, create.no_pivot),
        FLAG(ARG_NO_NEW_KEYRING, create.no_new_keyring),
        FLAG(ARG_KEEP, create.keep),
        VALUE('p', exec.process_file),
        FLAG('t', exec.tty),
        VALUE(ARG_CWD, exec.cwd),
        FLAG(ARG_NO_NEW_PRIVS, exec.no_new_privs),
        VALUE(ARG_APPARMOR, exec.apparmor),
        VALUE(ARG_PROCESS_LABEL, exec.process_label),
        FLAG('q', quiet),
        FLAG('a', all),
        FLAG(ARG_STATS, stats),
        FLAG(ARG_ROOTLESS, rootless),
        VALUE(ARG_ID, id),
        /* update keeps its values as text, for update.c to read with their units ("64m", "max") */
        VALUE('r', update.resources_file),
        VALUE(ARG_MEMORY, update.memory),
        VALUE(ARG_MEMORY_SWAP, update.memory_swap),
        VALUE(ARG_MEMORY_RESERVATION, update.memory_reservation),
        VALUE(ARG_CPU_SHARES, update.cpu_shares),
        VALUE(ARG_CPU_QUOTA, update.cpu_quota),
        VALUE(ARG_CPU_PERIOD, update.cpu_period),
        VALUE(ARG_CPUSET_CPUS, update.cpuset_cpus),
        VALUE(ARG_CPUSET_MEMS, update.cpuset_mems),
        VALUE(ARG_PIDS_LIMIT, update.pids_limit),
        VALUE(ARG_BLKIO_WEIGHT, update.blkio_weight),
};

/* Sets the place of opt, if it has one. */
static bool set_option_place(CliCommand *c, int opt, const char *arg) {
        for (const OptionPlace *p = option_places; p < option_places + ELEMENTSOF(option_places); p++) {
                uint8_t *at;

                if (p->opt != opt)
                        continue;
                at = (uint8_t *) c + (c->verb == CLI_VERB_EXEC ? p->exec_offset : p->offset);
                if (p->flag)
                        *(bool *) at = true;
                else
                        *(const char **) at = arg;
                return true;
        }
        return false;
}

/* One option of a verb that needs more than a place. Short letters mean different things for different
 * verbs (-f is --force for delete and --format for list), hence the verb in the switch. */
static int parse_verb_option(CliCommand *c, int opt, const char *arg) {
        bool exec = c->verb == CLI_VERB_EXEC;

        if (set_option_place(c, opt, arg))
                return 0;

        switch (opt) {
        case 'b':
                if (c->verb == CLI_VERB_CREATE || c->verb == CLI_VERB_RUN)
                        c->create.bundle = arg;
                else
                        c->bundle = arg;
                return 0;
        case 'f':
                if (c->verb == CLI_VERB_DELETE) {
                        c->force = true;
                        return 0;
                }
                return parse_json_or(c, "format", "table", arg, &c->json);
        case ARG_PRESERVE_FDS:
                return parse_unsigned(c, "preserve-fds", arg,
                                      exec ? &c->exec.preserve_fds : &c->create.preserve_fds);
        case ARG_BUILDER: {
                int b = plan_builder_from_string(arg);
                if (b != PLAN_BUILDER_NSPAWN && b != PLAN_BUILDER_NATIVE)
                        return parse_error(c, "--builder: expected nspawn or native, got '%s'", arg);
                c->create.builder = (PlanBuilder) b;
                return 0;
        }
        case 'e':
                if (!strchr(arg, '=') || arg[0] == '=')
                        return parse_error(c, "--env: expected VAR=VALUE, got '%s'", arg);
                return push_string(&c->exec.env, arg);
        case 'u':
                return parse_user(c, arg);
        case 'g':
                return parse_additional_gid(c, arg);
        case 'c':
                if (oci_capability_from_string(arg) < 0)
                        return parse_error(c, "--cap: unknown capability '%s'", arg);
                return push_string(&c->exec.caps, arg);
        case ARG_INTERVAL:
                return parse_interval(c, arg);
        default:
                return parse_error(c, "unexpected option %d", opt);
        }
}

static int parse_global_option(CliCommand *c, int opt, const char *arg) {
        const char *ignored;
        bool json = false;
        int r;

        if (set_option_place(c, opt, arg))
                return 0;

        switch (opt) {
        case ARG_ROOT:
                if (isempty(arg))
                        return parse_error(c, "--root: expected a directory");
                c->root = arg;
                return 0;
        case ARG_LOG_FORMAT:
                r = parse_json_or(c, "log-format", "text", arg, &json);
                if (r < 0)
                        return r;
                c->log_format = json ? LOG_FORMAT_JSON : LOG_FORMAT_TEXT;
                return 0;
        case ARG_CRIU:
                ignored = "criu";
                break;
        case ARG_ROOTLESS_VALUE:
                ignored = "rootless";
                break;
        case ARG_CGROUP_MANAGER:
                ignored = "cgroup-manager";
                break;
        default:
                return parse_error(c, "unexpected option %d", opt);
        }
        return strv_extendf(&c->ignored, "--%s=%s", ignored, arg) < 0 ? -ENOMEM : 0;
}

/* getopt_long over argv with our own messages (they must reach --log too, not only stderr).
 * '+' stops at the first non-option, so exec's command and ps's arguments are left alone. */
static int parse_options(CliCommand *c, int argc, char *argv[], const CliOption *options, bool global) {
        char optstring[3 * VERB_OPTIONS_MAX + 3] = "+:", *q = optstring + 2;
        struct option getopt_list[VERB_OPTIONS_MAX];
        int opt, r;

        /* the short letters, with a ':' for those that take a value */
        for (const CliOption *o = options; o->name; o++)
                if (o->val < 0x100) {
                        *q++ = (char) o->val;
                        if (o->has_arg == required_argument)
                                *q++ = ':';
                }
        *q = 0;
        getopt_options(options, getopt_list);

        optind = 0;      /* glibc: start over, also for the second parse in the same process */
        opterr = 0;
        while ((opt = getopt_long(argc, argv, optstring, getopt_list, NULL)) >= 0) {
                if (opt == '?') {
                        const char *arg = argv[optind - 1];

                        if (!startswith(arg, "--"))
                                return parse_error(c, "unknown option '-%c'", optopt);
                        if (strchr(arg, '='))
                                return parse_error(c, "unknown option or unexpected value '%s'", arg);
                        return parse_error(c, "unknown option '%s'", arg);
                }
                /* optopt cannot tell --bundle from -b here: name the argument as it was written. */
                if (opt == ':')
                        return parse_error(c, "option '%s' needs a value", argv[optind - 1]);
                r = global ? parse_global_option(c, opt, optarg) : parse_verb_option(c, opt, optarg);
                if (r < 0)
                        return r;
        }
        return optind;
}

/* How many positional arguments each kind of verb takes, and what the first one too many follows. */
static const struct {
        int max;
        const char *after;
} verb_args_table[] = {
        [VERB_ARGS_NONE] = { 0, "" },
        [VERB_ARGS_ID] = { 1, " after the container id" },
        [VERB_ARGS_ID_SIGNAL] = { 2, " after the signal" },
        [VERB_ARGS_ID_REST] = { INT_MAX, "" },
        [VERB_ARGS_BUNDLE] = { 1, "" },
};

static int parse_positional(CliCommand *c, int n, char *args[]) {
        VerbArgs kind = verb_table[c->verb].args;

        /* explain --id ID: a container's saved plan, no bundle */
        if (kind == VERB_ARGS_BUNDLE && c->id)
                return n > 0 ? parse_error(c, "unexpected argument '%s' with --id", args[0]) : 0;
        if (kind == VERB_ARGS_BUNDLE && n == 0)
                return parse_error(c, "bundle directory missing");
        if (kind != VERB_ARGS_NONE && kind != VERB_ARGS_BUNDLE && (n == 0 || isempty(args[0])))
                return parse_error(c, "container id missing");
        if (n > verb_args_table[kind].max)
                return parse_error(c, "unexpected argument '%s'%s", args[verb_args_table[kind].max],
                                   verb_args_table[kind].after);

        switch (kind) {
        case VERB_ARGS_NONE:
                return 0;
        case VERB_ARGS_BUNDLE:
                c->bundle = args[0];
                return 0;
        case VERB_ARGS_ID:
                c->id = args[0];
                return 0;
        case VERB_ARGS_ID_SIGNAL:
                c->id = args[0];
                if (n == 2) {
                        int sig = cli_parse_signal(args[1]);
                        if (sig < 0)
                                return parse_error(c, "invalid signal '%s'", args[1]);
                        c->signal = sig;
                }
                return 0;
        case VERB_ARGS_ID_REST:
                c->id = args[0];
                if (c->verb == CLI_VERB_PS) {
                        c->ps_args = n > 1 ? args + 1 : NULL;
                        return 0;
                }
                args++, n--;
                /* "exec ID -- CMD…" reads well; the "--" is not part of the command. */
                if (n > 0 && streq(args[0], "--"))
                        args++, n--;
                if (c->exec.process_file && n > 0)
                        return parse_error(c, "--process and a command exclude each other");
                if (!c->exec.process_file && n == 0)
                        return parse_error(c, "a command or --process is needed");
                c->exec.args = n > 0 ? args : NULL;
                return 0;
        default:
                return -EINVAL;
        }
}

static void cli_command_init(CliCommand *c) {
        *c = (CliCommand) {
                .root = DEFAULT_ROOT,
                .log_format = LOG_FORMAT_TEXT,
                .signal = SIGTERM,
                .interval = DEFAULT_EVENTS_INTERVAL,
        };
}

int cli_parse(int argc, char *argv[], CliCommand *ret) {
        CliCommand *c = ret;
        int verb, n, r;

        cli_command_init(c);

        n = parse_options(c, argc, argv, global_options, true);
        if (n < 0)
                return n;
        if (c->help || c->version)
                return 0;
        if (n >= argc)
                return parse_error(c, "command missing");

        verb = cli_verb_from_string(argv[n]);
        if (verb < 0)
                return parse_error(c, "unknown command '%s'", argv[n]);
        c->verb = verb;

        /* checkpoint and restore fail whatever follows, --help included: podman probes
         * 'checkpoint --help' to learn whether the runtime can checkpoint. */
        if (verb_table[c->verb].args == VERB_ARGS_UNSUPPORTED)
                return 0;

        argc -= n;
        argv += n;
        r = parse_options(c, argc, argv, verb_table[c->verb].options, false);
        if (r < 0)
                return r;
        if (c->help)
                return 0;

        r = parse_positional(c, argc - r, argv + r);
        if (r < 0)
                return r;

        c->create.id = c->exec.id = c->update.id = c->id;
        return 0;
}

void cli_command_done(CliCommand *c) {
        free(c->error);
        strv_free(c->ignored);
        strv_free(c->exec.env);
        free(c->exec.additional_gids);
        strv_free(c->exec.caps);
        *c = (CliCommand) {};
}

/* `spec`: writes BUNDLE/config.json, never over an existing one (as runc refuses to). */
static int verb_spec(const CliCommand *c) {
        _cleanup_free_ char *json = NULL, *path = NULL;
        _cleanup_close_ int fd = -1;
        const char *bundle = c->bundle ?: ".";
        size_t done = 0, size;
        int r;

        /* runc's rule: on a cgroup v2 host the container gets a cgroup namespace of its own */
        r = spec_default_json(c->rootless, cgroup_unified(), geteuid(), getegid(), &json);
        if (r < 0)
                return log_error_errno(r, "spec: Failed to build the default config: %m");
        if (asprintf_safe(&path, "%s/config.json", bundle) < 0)
                return log_oom();

        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0644);
        if (fd < 0 && errno == EEXIST)
                return log_error_errno(EEXIST, "spec: %s exists already; remove it first", path);
        if (fd < 0)
                return log_error_errno(errno, "spec: Failed to create %s: %m", path);

        size = strlen(json);
        while (done < size) {
                ssize_t k = write(fd, json + done, size - done);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        r = log_error_errno(errno, "spec: Failed to write %s: %m", path);
                        /* Leave no half-written config behind. */
                        (void) unlink(path);
                        return r;
                }
                done += (size_t) k;
        }
        return 0;
}

static int verb_features(void) {
        _cleanup_free_ char *json = NULL;
        int r;

        r = oci_features_json(&json);
        if (r < 0)
                return log_error_errno(r, "features: Failed to build the features document: %m");
        fputs(json, stdout);
        if (fflush(stdout) != 0)
                return log_error_errno(errno, "features: Failed to write to standard output: %m");
        return 0;
}

/* 0 when r >= 0, 1 otherwise: the exit code of every verb but run and exec. */
static int exit_code(int r) {
        return r < 0 ? 1 : 0;
}

int cli_dispatch(const CliCommand *c) {
        const Runtime rt = {
                .root = c->root,
                .systemd_cgroup = c->systemd_cgroup,
        };
        int r;

        /* the journal's CONTAINER_ID= from here on; the verbs add what they learn of the container */
        if (c->id)
                log_set_container(c->id, NULL, NULL, NULL);
        STRV_FOREACH(i, c->ignored)
                log_debug("Ignoring %s: it has no meaning for nspawn-oci.", *i);

        if (c->verb == CLI_VERB_CHECKPOINT || c->verb == CLI_VERB_RESTORE) {
                log_error("%s: not supported", verb_table[c->verb].name);
                return 1;
        }

        if (c->version) {
                printf("nspawn-oci version %s\nspec: %s\n", PACKAGE_VERSION, SPEC_OCI_VERSION);
                return 0;
        }
        if (c->help) {
                if (c->verb == CLI_VERB_NONE)
                        fputs(global_usage, stdout);
                else
                        print_verb_usage(c->verb);
                return 0;
        }

        switch (c->verb) {
        case CLI_VERB_CREATE:
                return exit_code(lifecycle_create(&rt, &c->create));
        case CLI_VERB_START:
                return exit_code(lifecycle_start(&rt, c->id));
        case CLI_VERB_STATE:
                return exit_code(lifecycle_state(&rt, c->id));
        case CLI_VERB_KILL:
                return exit_code(lifecycle_kill(&rt, c->id, c->signal, c->all));
        case CLI_VERB_DELETE:
                return exit_code(lifecycle_delete(&rt, c->id, c->force));
        case CLI_VERB_RUN:
                /* The container's own exit code, so that `run` can stand in for the program. */
                r = lifecycle_run(&rt, &c->create);
                return r < 0 ? 1 : r;
        case CLI_VERB_EXEC:
                r = lifecycle_exec(&rt, &c->exec);
                return r < 0 ? 1 : r;
        case CLI_VERB_PS:
                if (c->ps_args) {
                        log_error("ps: arguments for ps(1) are not supported");
                        return 1;
                }
                return exit_code(lifecycle_ps(&rt, c->id, c->json));
        case CLI_VERB_LIST:
                return exit_code(lifecycle_list(&rt, c->json, c->quiet));
        case CLI_VERB_PAUSE:
                return exit_code(lifecycle_pause(&rt, c->id));
        case CLI_VERB_RESUME:
                return exit_code(lifecycle_resume(&rt, c->id));
        case CLI_VERB_UPDATE:
                return exit_code(lifecycle_update(&rt, &c->update));
        case CLI_VERB_EVENTS:
                return exit_code(lifecycle_events(&rt, c->id, c->stats, c->interval));
        case CLI_VERB_SPEC:
                return exit_code(verb_spec(c));
        case CLI_VERB_FEATURES:
                return exit_code(verb_features());
        case CLI_VERB_EXPLAIN:
                if (c->id)
                        return exit_code(explain_container(&rt, c->id, c->json, stdout));
                return exit_code(explain_bundle(c->bundle, c->json, stdout));
        default:
                log_error("command missing (see 'nspawn-oci --help')");
                return 1;
        }
}

int cli_main(int argc, char *argv[]) {
        _cleanup_(cli_command_done) CliCommand c = {};
        int parsed, r;

        parsed = cli_parse(argc, argv, &c);
        if (parsed == -ENOMEM) {
                log_oom();
                return 1;
        }

        /* Open --log before reporting a usage error: conmon reads the error from there. Without
         * --log, the engine's stderr is the container's (conmon hands it the container's stdio): the
         * messages go to the journal where systemd runs, unless a person reads stderr on a terminal. */
        r = log_open(c.log_path, c.log_format, !isatty(STDERR_FILENO));
        if (r < 0) {
                log_error_errno(r, "Failed to open log file %s: %m", c.log_path);
                return 1;
        }
        if (c.debug)
                log_set_max_level(LOG_DEBUG);

        if (parsed < 0) {
                log_error("%s", c.error);
                return 1;
        }

        r = cli_dispatch(&c);
        fflush(stdout);
        log_close();
        return r;
}
