/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The verbs: the one place that combines parse, plan, state, bus, box and spawn.
 * Runs as root in the host namespaces. Every function logs its own errors and returns < 0 on failure;
 * the CLI maps that to an exit code. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "oci/oci-config.h"
#include "plan/plan.h"

typedef struct Runtime {
        const char *root;          /* --root, default /run/nspawn-oci */
        bool systemd_cgroup;       /* --systemd-cgroup */
} Runtime;

typedef struct CreateOptions {
        const char *id;
        const char *bundle;        /* default: the current directory */
        const char *pid_file;
        const char *console_socket;
        unsigned preserve_fds;
        bool no_pivot;
        bool no_new_keyring;
        bool detach;               /* run only */
        bool keep;                 /* run only: do not delete after exit */
        PlanBuilder builder;       /* --builder; AUTO: the plan chooses */
} CreateOptions;

typedef struct ExecOptions {
        const char *id;
        const char *process_file;  /* --process; NULL: built from the options below */
        char **args;
        bool tty;
        const char *cwd;
        char **env;
        bool user_set;             /* --user UID[:GID] */
        uid_t uid;
        gid_t gid;                 /* 0 when --user names no GID, as with runc */
        gid_t *additional_gids;    /* --additional-gids, repeatable */
        size_t n_additional_gids;
        char **caps;
        bool no_new_privs;
        const char *apparmor;
        const char *process_label;
        bool detach;
        const char *pid_file;
        const char *console_socket;
        unsigned preserve_fds;
} ExecOptions;

typedef struct UpdateOptions {
        const char *id;
        const char *resources_file; /* "-" for stdin */
        const char *memory, *memory_swap, *memory_reservation, *cpu_shares, *cpu_quota, *cpu_period,
                *cpuset_cpus, *cpuset_mems, *pids_limit, *blkio_weight;
} UpdateOptions;

int lifecycle_create(const Runtime *rt, const CreateOptions *o);
int lifecycle_start(const Runtime *rt, const char *id);
/* Returns the container's exit code (0–255, 128+N for a signal) or < 0. */
int lifecycle_run(const Runtime *rt, const CreateOptions *o);
int lifecycle_state(const Runtime *rt, const char *id);
int lifecycle_kill(const Runtime *rt, const char *id, int sig, bool all);
int lifecycle_delete(const Runtime *rt, const char *id, bool force);
int lifecycle_list(const Runtime *rt, bool json, bool quiet);
int lifecycle_ps(const Runtime *rt, const char *id, bool json);
/* Returns the process's exit code in the foreground, 0 when detached, or < 0. */
int lifecycle_exec(const Runtime *rt, const ExecOptions *o);
int lifecycle_pause(const Runtime *rt, const char *id);
int lifecycle_resume(const Runtime *rt, const char *id);
int lifecycle_update(const Runtime *rt, const UpdateOptions *o);
int lifecycle_events(const Runtime *rt, const char *id, bool stats, unsigned interval_sec);
