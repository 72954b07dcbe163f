/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Talking to systemd over D-Bus (sd-bus only here): the container's scope, its properties, freezing.
 * Runs as root on the host. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "plan/unit-property.h"
#include "base/util.h"

typedef struct sd_bus Bus;

/* systemd is PID 1 (sd_booted()); decides the mode, before any bus is opened. */
bool bus_systemd_running(void);

int bus_open(Bus **ret);
Bus *bus_close(Bus *bus);
static inline void bus_closep(Bus **b) {
        bus_close(*b);
}
#define _cleanup_bus_ _cleanup_(bus_closep)

/* StartTransientUnit of a scope holding 'pid', and waits for its job. On failure *ret_error (if not
 * NULL) gets systemd's message. */
int bus_start_scope(Bus *bus, const char *unit, const char *slice, pid_t pid,
                    const UnitProperty *props, size_t n_props, char **ret_error);
/* RegisterMachine with machined: 'name', a container whose leader is 'leader' (already in the scope it
 * is registered with) and whose root is 'root', over a connection of its own to the system bus, where
 * machined is. On failure *ret_error (if not NULL) gets the message. */
int bus_register_machine(const char *name, pid_t leader, const char *root, char **ret_error);
/* StopUnit and waits for the job; a unit that is already gone is success. */
int bus_stop_unit(Bus *bus, const char *unit);
/* FreezeUnit or ThawUnit; -ENOENT when there is no such unit. */
int bus_freeze_unit(Bus *bus, const char *unit, bool freeze);
/* SetUnitProperties (runtime). On failure *ret_error (if not NULL) gets systemd's message. */
int bus_set_unit_properties(Bus *bus, const char *unit, const UnitProperty *props, size_t n_props,
                            char **ret_error);
