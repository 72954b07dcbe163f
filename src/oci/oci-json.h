/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The model, plans, states and documents → JSON text (json-c). Pure. Strings returned are malloc'ed. */
#pragma once

#include <stdbool.h>

#include "oci/oci-config.h"
#include "oci/state-data.h"

struct Plan;
struct OciFeatures;
struct EventsStats;

/* Canonical form of a parsed config: every field that was set, in spec order, 8-space pretty. */
int oci_json_config(const OciConfig *c, char **ret);
int oci_json_process(const OciProcess *p, char **ret);
int oci_json_resources(const OciResources *r, char **ret);

/* The OCI state object as `state` prints it (status computed by the caller). */
int oci_json_oci_state(const StateData *s, const char *status, char **ret);
/* state.json: the OCI state plus the runtime's own fields. */
int oci_json_state(const StateData *s, char **ret);

int oci_json_plan(const struct Plan *p, char **ret);

/* The runtime-spec features document (oci-json-features.c). */
int oci_json_features(const struct OciFeatures *f, char **ret);

/* One `events` line in runc's format: {"type":…,"id":…,"data":{cpu, memory, pids, blkio, hugetlb}};
 * no "data" when stats is NULL (oci-json-events.c). */
int oci_json_event(const char *type, const char *id, const struct EventsStats *stats, char **ret);

/* Escapes a string for a JSON string literal (without the quotes). */
char *oci_json_escape(const char *s);
