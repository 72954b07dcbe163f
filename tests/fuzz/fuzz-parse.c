/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the same bytes through every parser; whatever parses must serialize to a canonical form
 * that parses back to itself. Runs unprivileged, touches nothing outside memory. */
#include <stdint.h>

#include "oci-json.h"
#include "oci-parse.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A difference between the canonical form and its re-serialization is a bug: abort so it is reported. */
static void check_fixed_point(const char *text, const char *again) {
        if (!text || !again)
                return;
        if (!streq(text, again)) {
                fprintf(stderr, "canonical form is not a fixed point:\n%s\n---\n%s\n", text, again);
                abort();
        }
}

#define ROUND_TRIP(type, parse, out, free_fn)                                                      \
        do {                                                                                        \
                _cleanup_free_ char *_error = NULL, *_text = NULL, *_again = NULL;                  \
                type *_a = NULL, *_b = NULL;                                                        \
                if (parse((const char *) data, size, "fuzz", &_a, &_error) >= 0) {                  \
                        if (out(_a, &_text) >= 0) {                                                 \
                                _cleanup_free_ char *_e2 = NULL;                                    \
                                if (parse(_text, strlen(_text), "fuzz", &_b, &_e2) < 0) {           \
                                        fprintf(stderr, "canonical form refused: %s\n%s\n",         \
                                                strna(_e2), _text);                                 \
                                        abort();                                                    \
                                }                                                                   \
                                if (out(_b, &_again) >= 0)                                          \
                                        check_fixed_point(_text, _again);                           \
                        }                                                                           \
                }                                                                                   \
                free_fn(_a);                                                                        \
                free_fn(_b);                                                                        \
        } while (0)

static int parse_state(const char *d, size_t n, const char *name, StateData **ret, char **ret_error) {
        return oci_parse_state(d, n, ret, ret_error);
}

static int out_oci_state(const StateData *s, char **ret) {
        _cleanup_free_ char *oci = NULL;
        int r = oci_json_oci_state(s, "running", &oci);
        if (r < 0)
                return r;
        return oci_json_state(s, ret);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > 1024 * 1024)
                return 0;
        ROUND_TRIP(OciConfig, oci_parse_config, oci_json_config, oci_config_free);
        ROUND_TRIP(OciProcess, oci_parse_process, oci_json_process, oci_process_free);
        ROUND_TRIP(OciResources, oci_parse_resources, oci_json_resources, oci_resources_free);
        ROUND_TRIP(StateData, parse_state, out_oci_state, state_data_free);
        return 0;
}
