/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The devices every container may use whatever its device rules say. Pure data. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* type 'c' or 'b'; a negative number is a wildcard; access a subset of "rwm" */
typedef struct DefaultDevice {
        char type;
        int64_t major, minor;
        const char *access;
} DefaultDevice;

/* In the order they are appended after the container's rules: for DeviceAllow=, the v1 devices cgroup
 * and the v2 device program alike. */
const DefaultDevice *default_devices_get(size_t *ret_n);
