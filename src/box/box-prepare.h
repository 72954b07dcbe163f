/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What create prepares on the host before systemd-nspawn runs: a look at the image for the plan, the
 * mount points the plan creates in it, and the exec FIFO. Runs as root in the host namespaces. */
#pragma once

#include "plan/plan.h"

/* Looks at the image at rootfs for the plan: which of PLAN_MOUNT_POINTS it lacks and whether its file
 * system is read-only. Refuses (logged, naming root.path) a root reached through a symlink and an API
 * file system directory (/proc, /sys, /dev) that is not a plain directory. */
int box_prepare_look_rootfs(const char *rootfs, PlanRootfsLook *ret);
void box_prepare_look_done(PlanRootfsLook *look);

/* Creates the plan's mount points in the image, as empty directories. Logs its errors. */
int box_prepare_mount_points(const Plan *p);

/* For the native builder, which mounts in the box's user namespace, where root is a mapped uid that
 * may not write the image's directories: makes the mount points of its API file systems and of the
 * config's mounts from the host, resolved inside the root as the builder resolves them (as nspawn
 * makes them for its own). What cannot be made is left for the builder to report. */
void box_prepare_native_mount_points(const OciConfig *c, const Plan *p);

/* Creates the plan's exec FIFO in the state directory dir; *ret_path is its path. Logs its errors. */
int box_prepare_exec_fifo(const Plan *p, const char *dir, char **ret_path);
