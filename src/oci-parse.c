/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* json-c → the model. Not written yet. */
#include "oci-parse.h"
#include "util.h"

int oci_parse_config(const char *data, size_t size, const char *name, OciConfig **ret, char **ret_error) {
        *ret_error = strdup("parser not written yet");
        return -EOPNOTSUPP;
}

int oci_parse_config_file(const char *path, OciConfig **ret, char **ret_error) {
        return oci_parse_config(NULL, 0, path, ret, ret_error);
}

int oci_parse_process(const char *data, size_t size, const char *name, OciProcess **ret, char **ret_error) {
        *ret_error = strdup("parser not written yet");
        return -EOPNOTSUPP;
}

int oci_parse_process_file(const char *path, OciProcess **ret, char **ret_error) {
        return oci_parse_process(NULL, 0, path, ret, ret_error);
}

int oci_parse_resources(const char *data, size_t size, const char *name, OciResources **ret, char **ret_error) {
        *ret_error = strdup("parser not written yet");
        return -EOPNOTSUPP;
}

int oci_parse_state(const char *data, size_t size, StateData **ret, char **ret_error) {
        *ret_error = strdup("parser not written yet");
        return -EOPNOTSUPP;
}
