/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroupfs directly, for what the unit cannot do and for hosts without systemd.
 * Runs as root on the host. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "plan/resources.h"

/* For tests: the directory standing in for /sys/fs/cgroup, and the one for /proc whose PID/cgroup files
 * say where processes are; NULL for the machine's own. (cgroup_of() always asks the machine.) */
void cgroup_set_roots(const char *cgroupfs_root, const char *proc_root);

/* The cgroup v2 hierarchy is the only one (not v1 or hybrid). */
bool cgroup_unified(void);
/* Creates 'path' (e.g. "/nspawn-oci/ID") in every writable hierarchy and moves pid into it. */
int cgroup_create_and_enter(const char *path, pid_t pid);
/* Moves pid into the cgroups of 'like' (another process), in every hierarchy. */
int cgroup_enter_like(pid_t like, pid_t pid);
/* rmdir()s 'path' in every hierarchy (the leaf only). */
int cgroup_remove(const char *path);
/* Whether pid sits in the root of the v1 hierarchy of 'controller' (a controller systemd does not
 * manage): 1 or 0; -ENOENT without that hierarchy. */
int cgroup_v1_at_root(pid_t pid, const char *controller);
/* Makes 'path' in the v1 hierarchy of 'controller' and moves pid into it. */
int cgroup_v1_enter_own(pid_t pid, const char *controller, const char *path);
/* rmdir()s 'path' in the v1 hierarchy of 'controller', and its parents while they are empty. */
int cgroup_v1_remove(const char *controller, const char *path);
/* The directory of the cgroup of 'like' in the unified hierarchy (/sys/fs/cgroup, or its unified/ on a
 * hybrid host), and its path there if ret_path is not NULL. -EPERM for the hierarchy's root, which is
 * the whole machine's. */
int cgroup_unified_dir(pid_t like, char **ret_path, char **ret_dir);
/* cgroup v2: writes the limits of 'res' into the cgroup of 'like' (the holder), the root of the
 * container's cgroup namespace, enabling the controllers there first. Every write is tried; the
 * first error is returned. */
int cgroup_v2_mirror_limits(pid_t like, const OciResources *res);
/* cgroup v2: SIGKILLs everything in the cgroup of 'like' (the holder) through cgroup.kill. -EOPNOTSUPP
 * on cgroup v1 hosts, -ENOENT where the kernel has no cgroup.kill. */
int cgroup_v2_kill(pid_t like);
/* The path of pid's cgroup in the hierarchy systemd tracks processes in (sd_pid_get_cgroup()): the
 * unified one, or name=systemd on a host with cgroup v1 only. */
int cgroup_of(pid_t pid, char **ret);
/* The pids in cgroup 'path' and in every cgroup below it (nspawn's payload/ and supervisor/, and what
 * the container made), on the hierarchy every process is in: name=systemd on v1 and hybrid hosts,
 * else the unified one. -ENOENT when there is no such cgroup. */
int cgroup_pids(const char *path, pid_t **ret, size_t *ret_n);
/* How many processes the OOM killer killed in cgroup 'path' and below it (oom_kill of the v1 memory
 * controller's memory.oom_control, or of v2's memory.events). -ENOENT when no hierarchy counts them
 * there (no memory controller, or the cgroup is gone). */
int cgroup_oom_kills(const char *path, uint64_t *ret);
/* The cgroup path of pid in the hierarchy of 'controller' ("" for the unified one). */
int cgroup_controller_path(pid_t pid, const char *controller, char **ret);
/* Writes the files in the cgroups of 'like' (the holder), hierarchy by hierarchy. Errors are logged. */
int cgroup_apply_writes(pid_t like, const CgroupWrite *w, size_t n);
/* Freezes or thaws the cgroups of 'like' (the holder) with the kernel's freezer and waits until done:
 * the container's own v1 freezer cgroup, else cgroup.freeze in the v2 hierarchy (also on a hybrid
 * host). -EOPNOTSUPP when neither exists; -EBUSY when the state is not reached in 5 s. */
int cgroup_freeze(pid_t like, bool freeze);
/* The cgroups of 'like' are frozen (or freezing), by us or by systemd's FreezeUnit. */
bool cgroup_frozen(pid_t like);
