/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The box built by systemd-nspawn with our holder as PID 1: started in the container's own scope
 * (or cgroup), ready when the holder says so. Runs as root on the host. */
#pragma once

#include <sys/types.h>

#include "host/bus.h"
#include "plan/plan.h"

typedef struct Box {
        pid_t nspawn_pid;
        pid_t holder_pid;       /* host pid of PID 1 in the box */
        int control_fd;         /* our end of the holder's control socket (holder_adopt_fd()) */
} Box;

/* Checks that every namespace the config names by path exists and is of the type it is given as:
 * the kernel would otherwise join a cgroup "namespace" that is an IPC one without a word. */
int box_nspawn_check_namespace_paths(const OciConfig *c);

/* Starts nspawn for the plan and waits until the holder is ready. bus is NULL without systemd.
 * 'dir' is the container's state directory (nspawn's log goes there). On failure nothing is left:
 * nspawn is killed, the unit stopped or the cgroup removed, and the error says what nspawn said. */
int box_nspawn_start(const Plan *plan, const char *holder_binary, const char *dir, Bus *bus, Box *ret);
/* Whether holder is the box nspawn was asked for: its child, running holder_binary, PID 1 of a new pid
 * namespace when new_pidns. -EPERM if not, -ESRCH or another error if it cannot be told. */
int box_nspawn_check_leader(pid_t nspawn, pid_t holder, const char *holder_binary, bool new_pidns);

/* How long a box may take to say READY=1. */
#define BOX_READY_TIMEOUT_MS 60000

/* Reads the sd_notify messages on notify_fd (SO_PASSCRED) until READY=1 from 'sender', whose uid the
 * host sees as 'uid' ((uid_t) -1: any uid), and, when ret_leader is not NULL, until nspawn's
 * X_NSPAWN_LEADER_PID= as well (nspawn's leader: the holder). -ECHILD when pidfd (the sender's) says it
 * exited first, -ETIMEDOUT after timeout_ms. Logs nothing but the messages it drops (debug). */
int box_wait_ready(int notify_fd, int pidfd, pid_t sender, uid_t uid, int timeout_ms, pid_t *ret_leader);

/* Ends the box: stops the unit (systemd) or kills nspawn and removes the cgroup. Idempotent. Returns
 * the unit's error, if stopping it failed; logs nothing. */
int box_nspawn_stop(Bus *bus, const char *unit, const char *cgroup, pid_t nspawn_pid, uint64_t nspawn_start);

/* Removes what a systemd-nspawn that was killed (SIGKILL: of the unit, the cgroup, itself) leaves
 * behind for machine: its propagation directory below /run/systemd/nspawn/propagate. Its locks are
 * off (SYSTEMD_NSPAWN_LOCK=0) and its payload/ and supervisor/ cgroups go with the unit (systemd) or
 * the container's cgroup (box_nspawn_stop()). Call it once nspawn is gone. Logs nothing. */
int box_nspawn_remove_leftovers(const char *machine);
