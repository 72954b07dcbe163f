/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The model, plans, states and documents → JSON text (json-c). Pure. Strings returned are malloc'ed. */
#pragma once

#include <stdbool.h>

#include "oci-config.h"
#include "state-data.h"

struct Plan;
struct OciFeatures;
struct EventsStats;

/* Canonical form of a parsed config: every field that was set, in spec order, 8-space pretty. */
int json_out_config(const OciConfig *c, char **ret);
int json_out_process(const OciProcess *p, char **ret);
int json_out_resources(const OciResources *r, char **ret);

/* The OCI state object as `state` prints it (status computed by the caller). */
int json_out_oci_state(const StateData *s, const char *status, char **ret);
/* state.json: the OCI state plus the runtime's own fields. */
int json_out_state(const StateData *s, char **ret);

int json_out_plan(const struct Plan *p, char **ret);

/* The runtime-spec features document (json-out-features.c). */
int json_out_features(const struct OciFeatures *f, char **ret);

/* One `events` line in runc's format: {"type":…,"id":…,"data":{cpu, memory, pids, blkio, hugetlb}};
 * no "data" when stats is NULL (json-out-events.c). */
int json_out_event(const char *type, const char *id, const struct EventsStats *stats, char **ret);

/* Escapes a string for a JSON string literal (without the quotes). */
char *json_out_escape(const char *s);
