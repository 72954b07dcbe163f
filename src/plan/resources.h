/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.resources → systemd unit properties (and, without systemd, cgroupfs file writes). Pure. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "oci/oci-config.h"
#include "plan/plan-entry.h"
#include "plan/unit-property.h"

/* Appends the unit properties for 'r' to *props, and one PlanEntry per field to *entries
 * (field names prefixed with 'prefix', e.g. "linux.resources"). */
int resources_to_properties(const OciResources *r, const char *prefix,
                            UnitProperty **props, size_t *n_props,
                            PlanEntry **entries, size_t *n_entries);

typedef struct CgroupWrite {
        char *controller;        /* "memory", "cpu", "pids", … ; "" on the unified hierarchy */
        char *file;              /* "memory.limit_in_bytes" */
        char *value;
} CgroupWrite;

/* cgroupfs files to write for 'r' (cgroup v1 or v2 names depending on 'unified'). */
int resources_to_cgroup_writes(const OciResources *r, bool unified, CgroupWrite **ret, size_t *n);
void cgroup_write_done(CgroupWrite *w);
void cgroup_writes_free(CgroupWrite *w, size_t n);

/* Without systemd: one PlanEntry per field of 'r' saying which cgroupfs files it goes to. */
int resources_to_cgroup_entries(const OciResources *r, const char *prefix, PlanEntry **entries, size_t *n_entries);

/* With systemd: the cgroupfs writes for the fields that no unit property covers (on cgroup v1 also
 * those systemd 252 ignores there: MemoryLow, MemorySwapMax, AllowedCPUs, AllowedMemoryNodes).
 * The lifecycle writes them into the scope's cgroup after creating it. */
int resources_to_post_cgroup_writes(const OciResources *r, bool unified, CgroupWrite **ret, size_t *n);

/* The device rules alone as cgroup v1 devices.allow/devices.deny writes, runc's defaults appended: for a
 * unit whose devices cgroup systemd does not manage. */
int resources_to_device_cgroup_writes(const OciResources *r, CgroupWrite **ret, size_t *n);

/* "/dev/char/1:3", "char-136" (any minor), "char-*" (any device of the type), as systemd 252 accepts
 * them in DeviceAllow=; type is 'c' or 'b'; a negative number is a wildcard. -EINVAL for a wildcard
 * major with a specific minor, which systemd cannot express. */
int resources_device_allow_name(char type, int64_t major, int64_t minor, char **ret);

/* "0-3,7" → the bit mask systemd takes for AllowedCPUs= (byte i, bit j: CPU 8i+j). */
int resources_parse_cpu_list(const char *s, uint8_t **ret, size_t *ret_n);
