/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: process.json (exec --process FILE), its corpus made of process objects. Whatever parses
 * must serialize to a canonical form that parses back to itself. Unprivileged; memory only. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > FUZZ_MAX_SIZE)
                return 0;
        fuzz_setup();
        FUZZ_ROUND_TRIP(OciProcess, oci_parse_process, oci_json_process, oci_process_free, data, size);
        return 0;
}
