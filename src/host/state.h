/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The state directory under --root: one directory per container with state.json, the exec FIFO and a
 * lock file; liveness of processes by pid plus start time. Runs as root on the host. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/state-data.h"
#include "plan/plan.h"

typedef enum ContainerStatus {
        CONTAINER_CREATING,
        CONTAINER_CREATED,
        CONTAINER_RUNNING,
        CONTAINER_PAUSED,
        CONTAINER_STOPPED,
        _CONTAINER_STATUS_MAX,
} ContainerStatus;

const char *container_status_to_string(ContainerStatus s);

/* A container id is what runc accepts: [A-Za-z0-9_+.-]+, not "." or "..", at most 1024 bytes. */
bool state_id_is_valid(const char *id);
/* The state directory of container id below root, whether it exists or not. -EINVAL if id is not a
 * valid id. */
int state_dir(const char *root, const char *id, char **ret);

/* Removes root/id if a create killed before it saved any state left it (1), else 0. */
int state_remove_stale(const char *root, const char *id);
/* Creates <root>/<id> exclusively and returns it locked. -EEXIST if the id is taken. */
int state_create(const char *root, const char *id, char **ret_dir, int *ret_lock);
/* Locks an existing container's directory (blocking). -ENOENT if there is no such container. */
int state_lock(const char *root, const char *id, char **ret_dir, int *ret_lock);
/* Reads state.json: -ENOENT without one, -EBADMSG if it does not parse (the parser's words are logged
 * at debug level). */
int state_load(const char *dir, StateData **ret);
int state_save(const char *dir, const StateData *s);
/* plan.json: the plan create made, which the verbs after it read instead of planning again. Loading
 * checks it strictly; on failure *ret_error says which file and field (malloc'ed; NULL for out of
 * memory). */
int state_save_plan(const char *dir, const Plan *p);
int state_load_plan(const char *dir, Plan **ret, char **ret_error);
/* Removes the directory and everything in it (files only, never through mounts). */
int state_remove(const char *dir);
/* Lists the ids under root, sorted. */
int state_list(const char *root, char ***ret);

/* The exec FIFO of a container: exists from create until start. */
int state_fifo_path(const char *dir, char **ret);

/* Field 22 of /proc/PID/stat. -ESRCH if the process is gone. */
int proc_start_time(pid_t pid, uint64_t *ret);
/* The process exists, is not a zombie, and started at start_time. */
bool proc_alive(pid_t pid, uint64_t start_time);
/* Sends sig to the process that started at start_time, through a pidfd opened while that still held (no
 * reused pid is hit), then waits up to wait_ms for it to end. -ESRCH if it is gone, -ETIMEDOUT if it
 * did not end in time. */
int proc_signal(pid_t pid, uint64_t start_time, int sig, int wait_ms);

/* The container's own cgroup, on the hierarchy every process is in: the scope or cgroupsPath, where
 * its limits are. nspawn keeps the holder and the container's processes in payload/ below it, and
 * itself in supervisor/. -ENOENT when the state knows none. */
int state_container_cgroup(const StateData *s, char **ret);
/* The container's processes: every process below its cgroup but nspawn and the holder, which are the
 * runtime's. */
int state_container_pids(const StateData *s, pid_t **ret, size_t *ret_n);

/* Computes the status: from the container process's liveness, the FIFO and the freezer. */
ContainerStatus state_status(const char *dir, const StateData *s);
