/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The command line: runc-compatible global options and verbs. Runs as the invoking user (root).
 * cli_parse() only reads argv (testable without privilege); cli_dispatch() runs the verb. */
#pragma once

#include <getopt.h>
#include <stdbool.h>

#include "cmd/lifecycle.h"
#include "base/log.h"

typedef enum CliVerb {
        CLI_VERB_NONE,           /* only global options: --help, --version */
        CLI_VERB_CREATE,
        CLI_VERB_START,
        CLI_VERB_STATE,
        CLI_VERB_KILL,
        CLI_VERB_DELETE,
        CLI_VERB_RUN,
        CLI_VERB_EXEC,
        CLI_VERB_PS,
        CLI_VERB_LIST,
        CLI_VERB_PAUSE,
        CLI_VERB_RESUME,
        CLI_VERB_UPDATE,
        CLI_VERB_EVENTS,
        CLI_VERB_SPEC,
        CLI_VERB_FEATURES,
        CLI_VERB_EXPLAIN,
        CLI_VERB_CHECKPOINT,
        CLI_VERB_RESTORE,
        _CLI_VERB_MAX,
} CliVerb;

typedef struct CliCommand {
        CliVerb verb;
        char *error;               /* the usage error, when cli_parse() failed */
        char **ignored;            /* runc's global options that are accepted and ignored */
        bool help;                 /* --help, globally or for the verb */
        bool version;              /* --version */

        /* global options */
        const char *root;          /* --root, default /run/nspawn-oci */
        const char *log_path;      /* --log; NULL: stderr */
        LogFormat log_format;      /* --log-format */
        bool systemd_cgroup;       /* --systemd-cgroup */
        bool debug;                /* --debug */

        /* the verbs' options; strings point into argv unless said otherwise */
        const char *id;
        CreateOptions create;      /* create, run */
        ExecOptions exec;          /* exec: env, additional_gids and caps are owned */
        UpdateOptions update;      /* update */
        int signal;                /* kill; SIGTERM by default */
        bool all;                  /* kill --all */
        bool force;                /* delete --force */
        bool json;                 /* list, ps, explain: --format json */
        bool quiet;                /* list --quiet */
        char **ps_args;            /* ps: arguments after the id (points into argv) */
        bool stats;                /* events --stats */
        unsigned interval;         /* events --interval, seconds */
        const char *bundle;        /* spec, explain */
        bool rootless;             /* spec --rootless */
} CliCommand;

/* Fills *ret from argv (NULL-terminated, as main() gets it). Touches nothing but *ret, so that
 * --log can be opened before a usage error is reported: on a usage error ret->error holds one
 * line naming the culprit and the return value is < 0. Release ret with cli_command_done(). */
int cli_parse(int argc, char *argv[], CliCommand *ret);
void cli_command_done(CliCommand *c);

/* Runs a parsed command; returns the process exit code. */
int cli_dispatch(const CliCommand *c);

/* Returns the process exit code. */
int cli_main(int argc, char *argv[]);

const char *cli_verb_to_string(CliVerb v);
int cli_verb_from_string(const char *s);
/* The long options a verb accepts (CLI_VERB_NONE: the global ones), terminated by a zeroed entry. */
const struct option *cli_verb_options(CliVerb v);

/* "KILL", "SIGKILL", "kill", "9" → 9. -EINVAL if not a signal. */
int cli_parse_signal(const char *s);
