/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Entering a built box, and the plan's native steps in it (sysctl, hostname, remounts, masked and
 * read-only paths, device nodes, propagation). Runs as root; the work happens in a forked child. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "plan/plan.h"

/* In the calling (forked) process: joins the holder's namespaces named in join_ns (user first; the
 * pid namespace only for children; mount last) and its root. Logs nothing: returns < 0 with errno-style
 * codes and *ret_what naming the step that failed. */
int box_steps_enter(pid_t holder, const bool *join_ns, bool mount, const char **ret_what);
/* The same, joining the mount namespace mntns_fd (a namespace not the holder's: the config's by path)
 * before the holder's root is taken. */
int box_steps_enter_mntns(pid_t holder, const bool *join_ns, int mntns_fd, const char **ret_what);

/* In the calling (forked) process: its children are born in the pid namespace pidns_fd pins (a pidfd
 * or a namespace fd the caller checked). Logs nothing. */
int box_steps_enter_pidns(int pidns_fd);

/* In the calling (forked) process that becomes systemd-nspawn: joins the namespace of kind type at path
 * (the plan's "pre" joins: ipc and uts only, -EINVAL for another kind). Logs nothing. */
int box_steps_join_path(OciNamespaceType type, const char *path);

/* In the container process, the first of its pid namespace (PID 1 of a new one, or joining one by path),
 * inside the box's namespaces and root: replaces the box's /proc, nspawn's procfs of another pid
 * namespace, with a new procfs of ours, and puts back what was mounted below it (nspawn's read-only
 * views, the plan's masked and read-only paths) on the new one, in the same order. Then it attaches
 * the mount points of mounts_after again, in their order, so that the process's mountinfo lists /proc
 * before them, where the config has it (plan_mounts_after_proc()). holder_mountinfo_fd is
 * /proc/<holder>/mountinfo, opened on the host's /proc. Logs nothing; returns < 0 with errno-style
 * codes. */
int box_steps_mount_proc(int holder_mountinfo_fd, char * const *mounts_after);

/* Checks, from the host, that the box's /proc is procfs and that nothing but procfs (and nspawn's own
 * shadow files) is mounted at or below it, however the image's symlinks led nspawn's mounts: the process's
 * settings are written there. Logs the reason. */
int box_steps_check_proc(pid_t holder);

/* Runs the plan's steps in the box, in a child. Errors are logged, naming the step. */
int box_steps_run(pid_t holder, const bool *join_ns, const PlanStep *steps, size_t n);
