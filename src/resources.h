/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.resources → systemd unit properties (and, without systemd, cgroupfs file writes). Pure. */
#pragma once

#include "oci-config.h"
#include "plan.h"

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
