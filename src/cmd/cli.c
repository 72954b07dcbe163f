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
};

#define OPTION_HELP { "help", no_argument, NULL, 'h' }

static const struct option global_options[] = {
        { "root", required_argument, NULL, ARG_ROOT },
        { "log", required_argument, NULL, ARG_LOG },
        { "log-format", required_argument, NULL, ARG_LOG_FORMAT },
        { "systemd-cgroup", no_argument, NULL, ARG_SYSTEMD_CGROUP },
        { "debug", no_argument, NULL, ARG_DEBUG },
        { "version", no_argument, NULL, 'v' },
        OPTION_HELP,
        /* Accepted because callers written for runc or crun pass them; they change nothing here. */
        { "criu", required_argument, NULL, ARG_CRIU },
        { "rootless", required_argument, NULL, ARG_ROOTLESS_VALUE },
        { "cgroup-manager", required_argument, NULL, ARG_CGROUP_MANAGER },
        {}
};

/* create's options, which run takes too */
#define CREATE_OPTIONS                                                          \
        { "bundle", required_argument, NULL, 'b' },                             \
        { "pid-file", required_argument, NULL, ARG_PID_FILE },                  \
        { "console-socket", required_argument, NULL, ARG_CONSOLE_SOCKET },      \
        { "preserve-fds", required_argument, NULL, ARG_PRESERVE_FDS },          \
        { "no-pivot", no_argument, NULL, ARG_NO_PIVOT },                        \
        { "no-new-keyring", no_argument, NULL, ARG_NO_NEW_KEYRING }
#define CREATE_USAGE                                                                                    \
        "  -b, --bundle DIR          bundle directory (default: the current directory)\n"               \
        "      --pid-file FILE       write the container process's pid to FILE\n"                        \
        "      --console-socket SOCK send the terminal's master fd to this AF_UNIX socket\n"             \
        "      --preserve-fds N      pass N file descriptors after stderr to the process\n"              \
        "      --no-pivot            accepted for runc compatibility\n"                                  \
        "      --no-new-keyring      do not create a new session keyring\n"

static const struct option create_options[] = {
        CREATE_OPTIONS,
        OPTION_HELP,
        {}
};

static const struct option run_options[] = {
        CREATE_OPTIONS,
        { "detach", no_argument, NULL, 'd' },
        { "keep", no_argument, NULL, ARG_KEEP },
        OPTION_HELP,
        {}
};

static const struct option exec_options[] = {
        { "process", required_argument, NULL, 'p' },
        { "tty", no_argument, NULL, 't' },
        { "cwd", required_argument, NULL, ARG_CWD },
        { "env", required_argument, NULL, 'e' },
        { "user", required_argument, NULL, 'u' },
        { "additional-gids", required_argument, NULL, 'g' },
        { "cap", required_argument, NULL, 'c' },
        { "no-new-privs", no_argument, NULL, ARG_NO_NEW_PRIVS },
        { "apparmor", required_argument, NULL, ARG_APPARMOR },
        { "process-label", required_argument, NULL, ARG_PROCESS_LABEL },
        { "detach", no_argument, NULL, 'd' },
        { "pid-file", required_argument, NULL, ARG_PID_FILE },
        { "console-socket", required_argument, NULL, ARG_CONSOLE_SOCKET },
        { "preserve-fds", required_argument, NULL, ARG_PRESERVE_FDS },
        OPTION_HELP,
        {}
};

static const struct option kill_options[] = {
        { "all", no_argument, NULL, 'a' },
        OPTION_HELP,
        {}
};

static const struct option delete_options[] = {
        { "force", no_argument, NULL, 'f' },
        OPTION_HELP,
        {}
};

static const struct option list_options[] = {
        { "format", required_argument, NULL, 'f' },
        { "quiet", no_argument, NULL, 'q' },
        OPTION_HELP,
        {}
};

static const struct option format_options[] = {
        { "format", required_argument, NULL, 'f' },
        OPTION_HELP,
        {}
};

static const struct option update_options[] = {
        { "resources", required_argument, NULL, 'r' },
        { "memory", required_argument, NULL, ARG_MEMORY },
        { "memory-swap", required_argument, NULL, ARG_MEMORY_SWAP },
        { "memory-reservation", required_argument, NULL, ARG_MEMORY_RESERVATION },
        { "cpu-shares", required_argument, NULL, ARG_CPU_SHARES },
        { "cpu-quota", required_argument, NULL, ARG_CPU_QUOTA },
        { "cpu-period", required_argument, NULL, ARG_CPU_PERIOD },
        { "cpuset-cpus", required_argument, NULL, ARG_CPUSET_CPUS },
        { "cpuset-mems", required_argument, NULL, ARG_CPUSET_MEMS },
        { "pids-limit", required_argument, NULL, ARG_PIDS_LIMIT },
        { "blkio-weight", required_argument, NULL, ARG_BLKIO_WEIGHT },
        OPTION_HELP,
        {}
};

static const struct option events_options[] = {
        { "stats", no_argument, NULL, ARG_STATS },
        { "interval", required_argument, NULL, ARG_INTERVAL },
        OPTION_HELP,
        {}
};

static const struct option spec_options[] = {
        { "bundle", required_argument, NULL, 'b' },
        { "rootless", no_argument, NULL, ARG_ROOTLESS },
        OPTION_HELP,
        {}
};

static const struct option help_only_options[] = {
        OPTION_HELP,
        {}
};

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
        const struct option *options;
        const char *short_options;
        VerbArgs args;
        const char *usage;       /* synopsis and options, printed by VERB --help */
} VerbInfo;

static const VerbInfo verb_table[_CLI_VERB_MAX] = {
        [CLI_VERB_NONE] = { NULL, global_options, "hv", VERB_ARGS_NONE, NULL },
        [CLI_VERB_CREATE] = {
                "create", create_options, "b:h", VERB_ARGS_ID,
                "create [OPTIONS] ID\n"
                "Create a container from a bundle; its process waits for 'start'.\n\n"
                CREATE_USAGE,
        },
        [CLI_VERB_START] = {
                "start", help_only_options, "h", VERB_ARGS_ID,
                "start ID\nLet a created container's process run.\n",
        },
        [CLI_VERB_STATE] = {
                "state", help_only_options, "h", VERB_ARGS_ID,
                "state ID\nPrint the OCI state of a container as JSON.\n",
        },
        [CLI_VERB_KILL] = {
                "kill", kill_options, "ah", VERB_ARGS_ID_SIGNAL,
                "kill [OPTIONS] ID [SIGNAL]\n"
                "Send a signal (name such as KILL or SIGKILL, or number; default TERM) to a container.\n\n"
                "  -a, --all                 send it to every process of the container\n",
        },
        [CLI_VERB_DELETE] = {
                "delete", delete_options, "fh", VERB_ARGS_ID,
                "delete [OPTIONS] ID\n"
                "Delete a stopped container and everything the runtime holds for it.\n\n"
                "  -f, --force               kill the container first if it is still running\n",
        },
        [CLI_VERB_RUN] = {
                "run", run_options, "b:dh", VERB_ARGS_ID,
                "run [OPTIONS] ID\n"
                "Create and start a container; wait for it and exit with its exit code.\n\n"
                CREATE_USAGE
                "  -d, --detach              do not wait for the container\n"
                "      --keep                do not delete the container after it exits\n",
        },
        [CLI_VERB_EXEC] = {
                "exec", exec_options, "p:te:u:g:c:dh", VERB_ARGS_ID_REST,
                "exec [OPTIONS] ID [COMMAND [ARG…]]\n"
                "Run another process in a running container.\n\n"
                "  -p, --process FILE        the process as an OCI process JSON object\n"
                "  -t, --tty                 allocate a terminal\n"
                "      --cwd DIR             working directory\n"
                "  -e, --env VAR=VALUE       set a variable (repeatable)\n"
                "  -u, --user UID[:GID]      user and group ids\n"
                "  -g, --additional-gids GID add a supplementary group (repeatable)\n"
                "  -c, --cap CAP             add a capability, e.g. CAP_NET_ADMIN (repeatable)\n"
                "      --no-new-privs        set no_new_privileges\n"
                "      --apparmor PROFILE    AppArmor profile\n"
                "      --process-label LABEL SELinux label\n"
                "  -d, --detach              do not wait for the process\n"
                "      --pid-file FILE       write the process's pid to FILE\n"
                "      --console-socket SOCK send the terminal's master fd to this AF_UNIX socket\n"
                "      --preserve-fds N      pass N file descriptors after stderr to the process\n",
        },
        [CLI_VERB_PS] = {
                "ps", format_options, "f:h", VERB_ARGS_ID_REST,
                "ps [OPTIONS] ID\n"
                "List the processes of a container.\n\n"
                "  -f, --format table|json   output format (default: table)\n",
        },
        [CLI_VERB_LIST] = {
                "list", list_options, "f:qh", VERB_ARGS_NONE,
                "list [OPTIONS]\n"
                "List the containers under --root.\n\n"
                "  -f, --format table|json   output format (default: table)\n"
                "  -q, --quiet               print the ids only\n",
        },
        [CLI_VERB_PAUSE] = {
                "pause", help_only_options, "h", VERB_ARGS_ID,
                "pause ID\nFreeze every process of a container.\n",
        },
        [CLI_VERB_RESUME] = {
                "resume", help_only_options, "h", VERB_ARGS_ID,
                "resume ID\nThaw a paused container.\n",
        },
        [CLI_VERB_UPDATE] = {
                "update", update_options, "r:h", VERB_ARGS_ID,
                "update [OPTIONS] ID\n"
                "Change the resource limits of a container.\n\n"
                "  -r, --resources FILE|-    an OCI linux.resources JSON object ('-': standard input)\n"
                "      --memory BYTES        memory limit\n"
                "      --memory-swap BYTES   memory plus swap limit\n"
                "      --memory-reservation BYTES  memory soft limit\n"
                "      --cpu-shares N        CPU shares (relative weight)\n"
                "      --cpu-quota USEC      CPU time per period\n"
                "      --cpu-period USEC     CPU period\n"
                "      --cpuset-cpus LIST    CPUs allowed, e.g. 0-3,5\n"
                "      --cpuset-mems LIST    memory nodes allowed\n"
                "      --pids-limit N        maximum number of tasks\n"
                "      --blkio-weight N      block I/O weight (10–1000)\n",
        },
        [CLI_VERB_EVENTS] = {
                "events", events_options, "h", VERB_ARGS_ID,
                "events [OPTIONS] ID\n"
                "Print a container's events (OOM, statistics) as JSON lines.\n\n"
                "      --stats               print the statistics once and exit\n"
                "      --interval SECONDS    interval between statistics (default: 5)\n",
        },
        [CLI_VERB_SPEC] = {
                "spec", spec_options, "b:h", VERB_ARGS_NONE,
                "spec [OPTIONS]\n"
                "Write a default config.json into the bundle directory; an existing one is kept.\n\n"
                "  -b, --bundle DIR          bundle directory (default: the current directory)\n"
                "      --rootless            a config for a container without root privilege\n",
        },
        [CLI_VERB_FEATURES] = {
                "features", help_only_options, "h", VERB_ARGS_NONE,
                "features\nPrint the OCI runtime features document as JSON.\n",
        },
        [CLI_VERB_EXPLAIN] = {
                "explain", format_options, "f:h", VERB_ARGS_BUNDLE,
                "explain [OPTIONS] BUNDLE\n"
                "Print where every field of the bundle's config.json goes.\n\n"
                "  -f, --format table|json   output format (default: table)\n",
        },
        [CLI_VERB_CHECKPOINT] = { "checkpoint", NULL, NULL, VERB_ARGS_UNSUPPORTED, NULL },
        [CLI_VERB_RESTORE] = { "restore", NULL, NULL, VERB_ARGS_UNSUPPORTED, NULL },
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

const struct option *cli_verb_options(CliVerb v) {
        static const struct option none[] = { {} };

        if (v < CLI_VERB_NONE || v >= _CLI_VERB_MAX || !verb_table[v].options)
                return none;
        return verb_table[v].options;
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
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;

        free(c->error);
        if (c->verb != CLI_VERB_NONE)
                r = asprintf_safe(&c->error, "%s: %s (see 'nspawn-oci %s --help')", verb_table[c->verb].name,
                                  msg, verb_table[c->verb].name);
        else
                r = asprintf_safe(&c->error, "%s (see 'nspawn-oci --help')", msg);
        return r < 0 ? -ENOMEM : -EINVAL;
}

static int parse_format(CliCommand *c, const char *value) {
        if (streq(value, "json"))
                c->json = true;
        else if (streq(value, "table"))
                c->json = false;
        else
                return parse_error(c, "--format: expected table or json, got '%s'", value);
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

/* Where update keeps an option: as text, for update.c to read with its units ("64m", "max"). */
static const char **update_option_value(CliCommand *c, int opt) {
        switch (opt) {
        case 'r':
                return &c->update.resources_file;
        case ARG_MEMORY:
                return &c->update.memory;
        case ARG_MEMORY_SWAP:
                return &c->update.memory_swap;
        case ARG_MEMORY_RESERVATION:
                return &c->update.memory_reservation;
        case ARG_CPU_SHARES:
                return &c->update.cpu_shares;
        case ARG_CPU_QUOTA:
                return &c->update.cpu_quota;
        case ARG_CPU_PERIOD:
                return &c->update.cpu_period;
        case ARG_CPUSET_CPUS:
                return &c->update.cpuset_cpus;
        case ARG_CPUSET_MEMS:
                return &c->update.cpuset_mems;
        case ARG_PIDS_LIMIT:
                return &c->update.pids_limit;
        case ARG_BLKIO_WEIGHT:
                return &c->update.blkio_weight;
        default:
                return NULL;
        }
}

/* One option of a verb. Short letters mean different things for different verbs (-f is --force for
 * delete and --format for list), hence the verb in the switch. */
static int parse_verb_option(CliCommand *c, int opt, const char *arg) {
        bool exec = c->verb == CLI_VERB_EXEC;

        switch (opt) {
        case 'h':
                c->help = true;
                return 0;
        case 'b':
                if (c->verb == CLI_VERB_CREATE || c->verb == CLI_VERB_RUN)
                        c->create.bundle = arg;
                else
                        c->bundle = arg;
                return 0;
        case 'd':
                if (exec)
                        c->exec.detach = true;
                else
                        c->create.detach = true;
                return 0;
        case 'f':
                if (c->verb == CLI_VERB_DELETE) {
                        c->force = true;
                        return 0;
                }
                return parse_format(c, arg);
        case 'q':
                c->quiet = true;
                return 0;
        case 'a':
                c->all = true;
                return 0;
        case ARG_PID_FILE:
                if (exec)
                        c->exec.pid_file = arg;
                else
                        c->create.pid_file = arg;
                return 0;
        case ARG_CONSOLE_SOCKET:
                if (exec)
                        c->exec.console_socket = arg;
                else
                        c->create.console_socket = arg;
                return 0;
        case ARG_PRESERVE_FDS:
                return parse_unsigned(c, "preserve-fds", arg,
                                      exec ? &c->exec.preserve_fds : &c->create.preserve_fds);
        case ARG_NO_PIVOT:
                c->create.no_pivot = true;
                return 0;
        case ARG_NO_NEW_KEYRING:
                c->create.no_new_keyring = true;
                return 0;
        case ARG_KEEP:
                c->create.keep = true;
                return 0;
        case 'p':
                c->exec.process_file = arg;
                return 0;
        case 't':
                c->exec.tty = true;
                return 0;
        case ARG_CWD:
                c->exec.cwd = arg;
                return 0;
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
        case ARG_NO_NEW_PRIVS:
                c->exec.no_new_privs = true;
                return 0;
        case ARG_APPARMOR:
                c->exec.apparmor = arg;
                return 0;
        case ARG_PROCESS_LABEL:
                c->exec.process_label = arg;
                return 0;
        case ARG_STATS:
                c->stats = true;
                return 0;
        case ARG_INTERVAL:
                return parse_interval(c, arg);
        case ARG_ROOTLESS:
                c->rootless = true;
                return 0;
        default: {
                const char **value = update_option_value(c, opt);

                if (!value)
                        return parse_error(c, "unexpected option %d", opt);
                *value = arg;
                return 0;
        }
        }
}

static int parse_global_option(CliCommand *c, int opt, const char *arg) {
        const char *ignored;

        switch (opt) {
        case ARG_ROOT:
                if (isempty(arg))
                        return parse_error(c, "--root: expected a directory");
                c->root = arg;
                return 0;
        case ARG_LOG:
                c->log_path = arg;
                return 0;
        case ARG_LOG_FORMAT:
                if (streq(arg, "json"))
                        c->log_format = LOG_FORMAT_JSON;
                else if (streq(arg, "text"))
                        c->log_format = LOG_FORMAT_TEXT;
                else
                        return parse_error(c, "--log-format: expected text or json, got '%s'", arg);
                return 0;
        case ARG_SYSTEMD_CGROUP:
                c->systemd_cgroup = true;
                return 0;
        case ARG_DEBUG:
                c->debug = true;
                return 0;
        case 'v':
                c->version = true;
                return 0;
        case 'h':
                c->help = true;
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
static int parse_options(CliCommand *c, int argc, char *argv[], const struct option *options,
                         const char *short_options, bool global) {
        _cleanup_free_ char *optstring = strjoin("+:", short_options);
        int opt, r;

        if (!optstring)
                return -ENOMEM;

        optind = 0;      /* glibc: start over, also for the second parse in the same process */
        opterr = 0;
        while ((opt = getopt_long(argc, argv, optstring, options, NULL)) >= 0) {
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

static int parse_positional(CliCommand *c, int n, char *args[]) {
        switch (verb_table[c->verb].args) {
        case VERB_ARGS_NONE:
                if (n > 0)
                        return parse_error(c, "unexpected argument '%s'", args[0]);
                return 0;
        case VERB_ARGS_BUNDLE:
                if (n == 0)
                        return parse_error(c, "bundle directory missing");
                if (n > 1)
                        return parse_error(c, "unexpected argument '%s'", args[1]);
                c->bundle = args[0];
                return 0;
        default:
                break;
        }

        if (n == 0 || isempty(args[0]))
                return parse_error(c, "container id missing");
        c->id = args[0];

        switch (verb_table[c->verb].args) {
        case VERB_ARGS_ID:
                if (n > 1)
                        return parse_error(c, "unexpected argument '%s' after the container id", args[1]);
                return 0;
        case VERB_ARGS_ID_SIGNAL:
                if (n > 2)
                        return parse_error(c, "unexpected argument '%s' after the signal", args[2]);
                if (n == 2) {
                        int sig = cli_parse_signal(args[1]);
                        if (sig < 0)
                                return parse_error(c, "invalid signal '%s'", args[1]);
                        c->signal = sig;
                }
                return 0;
        case VERB_ARGS_ID_REST:
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

        n = parse_options(c, argc, argv, global_options, verb_table[CLI_VERB_NONE].short_options, true);
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
        r = parse_options(c, argc, argv, verb_table[c->verb].options, verb_table[c->verb].short_options,
                          false);
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
                        printf("Usage: nspawn-oci [GLOBAL OPTIONS] %s", verb_table[c->verb].usage);
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
