/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the same bytes through every parser; whatever parses must serialize to a canonical form
 * that parses back to itself. Runs unprivileged, touches nothing outside memory. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > FUZZ_MAX_SIZE)
                return 0;
        fuzz_setup();
        FUZZ_ROUND_TRIP(OciConfig, oci_parse_config, oci_json_config, oci_config_free, data, size);
        FUZZ_ROUND_TRIP(OciProcess, oci_parse_process, oci_json_process, oci_process_free, data, size);
        FUZZ_ROUND_TRIP(OciResources, oci_parse_resources, oci_json_resources, oci_resources_free, data, size);
        FUZZ_ROUND_TRIP(StateData, fuzz_parse_state, fuzz_out_state, state_data_free, data, size);
        return 0;
}
