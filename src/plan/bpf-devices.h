/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.resources.devices → a BPF_PROG_TYPE_CGROUP_DEVICE program: the device policy of cgroup v2.
 * Pure: builds instructions, loads nothing. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <linux/bpf.h>

#include "oci/oci-config.h"

/* The program the kernel runs at every open() and mknod() of a device node by a process of the cgroup
 * it is attached to, for 'rules' followed by the default devices (default-devices.h). It
 * returns 1 to allow and 0 to deny. The rules decide as in a v1 devices cgroup, as the v1 writes and
 * DeviceAllow= of resources.c read them:
 *
 * - They apply in order, later ones over earlier ones. A rule of type "a" with no major and no minor
 *   (whatever its access) starts over: every device allowed or denied, earlier rules forgotten.
 * - Before any such rule every device is denied, as runc and crun start (a new v1 devices cgroup starts
 *   from all: the v1 writes begin with a deny of all for it); engines begin with a rule that denies
 *   all anyway.
 * - Each access the kernel asks about (r, w, m: an open for reading and writing asks for r and w at
 *   once) is decided by the last rule that matches the device (type 'c' or 'b', or "a" for both; major
 *   and minor, a wildcard when absent or -1) and names that access. The request is allowed when every
 *   access in it is.
 *
 * So a deny of "w" after an allow of "rw" leaves "r", whether the deny names the same device or a
 * range around it (v1 ignores a deny inside an allowed range, runc refuses it). A rule with an empty
 * access changes nothing, and a rule whose major or minor no device can have (above 4095 or 1048575)
 * matches none. One answer differs from v1 and runc, where an open for reading and writing needs one
 * rule that grants both: here "c 1:11 r" and "c 1:* w" together allow it, as two opens would get it. */
int bpf_devices_build(const OciDeviceRule *rules, size_t n_rules, struct bpf_insn **ret, size_t *ret_n);

/* The rules and the defaults allow every access to every device: no program is needed. */
bool bpf_devices_allow_all(const OciDeviceRule *rules, size_t n_rules);

/* "GPL": what the kernel wants of a program that may call GPL-only helpers (ours calls none). */
#define BPF_DEVICES_LICENSE "GPL"
