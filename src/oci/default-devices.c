/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The devices every container may use whatever its device rules say. Pure data. */
#include "oci/default-devices.h"
#include "base/util.h"

/* Appended after the container's rules as runc 1.1 does (libcontainer/specconv AllowedDevices): mknod
 * of anything, the standard pseudo devices, the ptys, /dev/net/tun. nspawn needs the mknod right and
 * /dev/null, /dev/zero, /dev/ptmx … to build /dev. */
static const DefaultDevice default_devices[] = {
        { 'c', -1, -1, "m" },
        { 'b', -1, -1, "m" },
        { 'c', 1, 3, "rwm" },     /* /dev/null */
        { 'c', 1, 5, "rwm" },     /* /dev/zero */
        { 'c', 1, 7, "rwm" },     /* /dev/full */
        { 'c', 1, 8, "rwm" },     /* /dev/random */
        { 'c', 1, 9, "rwm" },     /* /dev/urandom */
        { 'c', 5, 0, "rwm" },     /* /dev/tty */
        { 'c', 5, 2, "rwm" },     /* /dev/ptmx */
        { 'c', 136, -1, "rwm" },  /* the ptys below /dev/pts */
        { 'c', 10, 200, "rwm" },  /* /dev/net/tun */
};

const DefaultDevice *default_devices_get(size_t *ret_n) {
        *ret_n = ELEMENTSOF(default_devices);
        return default_devices;
}
