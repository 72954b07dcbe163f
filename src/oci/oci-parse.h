/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* json-c → the typed model. Pure: reads bytes, never touches the system beyond opening the file.
 * Errors come back as one message naming the JSON path, e.g.
 *   config.json: linux.resources.memory.limit: expected an integer, got "64M" */
#pragma once

#include "oci/oci-config.h"
#include "oci/state-data.h"

/* 'name' prefixes error messages ("config.json", "process.json", …). On failure *ret_error holds
 * the message (caller frees) and the return value is negative. Inputs larger than
 * OCI_PARSE_MAX_SIZE are refused. */
#define OCI_PARSE_MAX_SIZE (64u * 1024u * 1024u)

int oci_parse_config(const char *data, size_t size, const char *name, OciConfig **ret, char **ret_error);
int oci_parse_config_file(const char *path, OciConfig **ret, char **ret_error);

/* A bare process object (exec --process FILE). */
int oci_parse_process(const char *data, size_t size, const char *name, OciProcess **ret, char **ret_error);
int oci_parse_process_file(const char *path, OciProcess **ret, char **ret_error);
OciProcess *oci_process_free(OciProcess *p);
static inline void oci_process_freep(OciProcess **p) {
        oci_process_free(*p);
}

/* A bare linux.resources object (update --resources FILE|-). */
int oci_parse_resources(const char *data, size_t size, const char *name, OciResources **ret, char **ret_error);
OciResources *oci_resources_free(OciResources *r);
static inline void oci_resources_freep(OciResources **r) {
        oci_resources_free(*r);
}

/* state.json as written by oci_json_state(). */
int oci_parse_state(const char *data, size_t size, StateData **ret, char **ret_error);
