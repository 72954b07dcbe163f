/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: state.json, which every verb reads back from the state directory. Whatever parses must
 * serialize to a canonical form that parses back to itself, and give the `state` verb's document for
 * every status. Unprivileged; memory only. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char * const statuses[] = { "creating", "created", "running", "paused", "stopped" };
        _cleanup_free_ char *error = NULL;
        StateData *s = NULL;

        if (size > FUZZ_MAX_SIZE)
                return 0;
        fuzz_setup();
        FUZZ_ROUND_TRIP(StateData, fuzz_parse_state, fuzz_out_state, state_data_free, data, size);

        if (oci_parse_state((const char *) data, size, &s, &error) < 0)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(statuses); i++) {
                _cleanup_free_ char *oci = NULL;
                fuzz_assert(oci_json_oci_state(s, statuses[i], &oci) >= 0 && oci);
        }
        state_data_free(s);
        return 0;
}
