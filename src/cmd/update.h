/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `update`'s command-line flags (runc's) → linux.resources, and what an update may change. Pure. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "cmd/lifecycle.h"
#include "oci/oci-config.h"

/* A size as runc's flags take it (docker's units: "512m", "1.5g", "64MiB", plain bytes), or "-1" for
 * unlimited. */
int update_parse_bytes(const char *s, int64_t *ret);

/* Whether any resource flag (--memory, --cpu-quota, …) was given. */
bool update_options_any(const UpdateOptions *o);

/* Fills 'r' from the flags, over what it holds already (a --resources file's values): each flag
 * given replaces the field. On bad input returns -EINVAL and *ret_error names the flag. */
int update_resources_from_options(const UpdateOptions *o, OciResources *r, char **ret_error);

/* What a container has after an update: the fields 'from' sets (memory, cpu, pids, the block I/O
 * weights) replace those of 'into'; the device and throttle lists, hugepage, network, rdma and unified
 * settings are not carried over. -ENOMEM leaves 'into' partly merged. */
int update_merge_resources(OciResources *into, const OciResources *from);

/* Drops what `update` does not change, as runc: device rules (set at create only), and marks them
 * unchanged, so that the translation leaves the container's as they are. Returns whether something
 * was dropped. */
bool update_drop_unchangeable(OciResources *r);
