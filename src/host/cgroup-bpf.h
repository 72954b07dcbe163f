/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The device policy of cgroup v2 without systemd: bpf-devices.c's program, loaded and attached to the
 * container's cgroup. Runs as root on the host. */
#pragma once

#include <sys/types.h>

#include "oci/oci-config.h"

/* Loads the program for 'rules' and attaches it to the cgroup v2 directory 'dir' (a path below the
 * unified hierarchy's mount) with BPF_F_ALLOW_MULTI. The kernel keeps it there until the cgroup is
 * removed; no file descriptor stays open. -EPERM where this process may not load BPF programs. */
int cgroup_bpf_attach_devices_at(const char *dir, const OciDeviceRule *rules, size_t n_rules);

/* The same on the unified cgroup of 'like' (the holder: nspawn's payload/, which every process of the
 * container is in and nspawn is not), which must lie inside 'container' (the container's cgroup).
 * -EPERM for the hierarchy's root or a cgroup outside the container's. */
int cgroup_bpf_attach_devices(pid_t like, const char *container, const OciDeviceRule *rules, size_t n_rules);
