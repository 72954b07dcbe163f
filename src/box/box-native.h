/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The box built by nspawn-oci itself, for configs systemd-nspawn cannot build (DESIGN.md §5): the same
 * holder as PID 1, started in the container's own scope (or cgroup), ready when the holder says so.
 * Runs as root on the host. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "box/box-nspawn.h"
#include "host/bus.h"
#include "oci/oci-config.h"
#include "plan/plan.h"

/* Builds the box for the plan (plan->builder is PLAN_BUILDER_NATIVE) and the config's namespaces, id
 * maps, time offsets and mounts, and waits until the holder is ready. bus is NULL without systemd. The
 * holder's own messages go to 'dir'/holder.log. On failure nothing is left: the holder is killed, the
 * unit stopped or the cgroup removed; the error is logged. ret->nspawn_pid is 0. */
int box_native_start(const Plan *plan, const OciConfig *c, const char *holder_binary, const char *dir, Bus *bus,
                     Box *ret);

/* Ends the box: kills the holder (PID 1 of the box's pid namespace: everything in it dies, and with the
 * last process the mount namespace and every mount the builder made), then stops the unit (systemd) or
 * removes the cgroup. Idempotent. Returns the unit's error, if stopping it failed; logs nothing. */
int box_native_stop(Bus *bus, const char *unit, const char *cgroup, pid_t holder_pid, uint64_t holder_start);
