/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parses every input (the captured podman/CRI-O ones in tests/fixtures/oci/, ours in
 * tests/golden/parse/input/) and compares the canonical serialization with tests/golden/parse/<name>.json;
 * UPDATE_GOLDEN=1 rewrites the expectations. Also checks that the canonical form parses back to itself.
 * No privilege needed.
 *   test-parse-golden [GOLDEN_DIR [INPUT_DIR...]] */
#include <dirent.h>

#include "../tap.h"
#include "oci/oci-json.h"
#include "oci/oci-parse.h"
#include "base/util.h"

typedef enum Kind { KIND_CONFIG, KIND_PROCESS, KIND_RESOURCES } Kind;

static Kind kind_of(const char *name) {
        if (strstr(name, "-exec-") && strstr(name, "process.json"))
                return KIND_PROCESS;
        if (strstr(name, "-update-resources.json"))
                return KIND_RESOURCES;
        return KIND_CONFIG;
}

/* Parses data as 'kind' and serializes it again. */
static int parse_and_format(Kind kind, const char *data, size_t size, const char *name, char **ret, char **ret_error) {
        int r;

        switch (kind) {
        case KIND_PROCESS: {
                OciProcess *p = NULL;
                r = oci_parse_process(data, size, name, &p, ret_error);
                if (r >= 0)
                        r = oci_json_process(p, ret);
                oci_process_free(p);
                return r;
        }
        case KIND_RESOURCES: {
                OciResources *res = NULL;
                r = oci_parse_resources(data, size, name, &res, ret_error);
                if (r >= 0)
                        r = oci_json_resources(res, ret);
                oci_resources_free(res);
                return r;
        }
        default: {
                OciConfig *c = NULL;
                r = oci_parse_config(data, size, name, &c, ret_error);
                if (r >= 0)
                        r = oci_json_config(c, ret);
                oci_config_free(c);
                return r;
        }
        }
}

static int compare_names(const struct dirent **a, const struct dirent **b) {
        return strcmp((*a)->d_name, (*b)->d_name);
}

static int only_json(const struct dirent *d) {
        size_t n = strlen(d->d_name);
        return n > 5 && streq(d->d_name + n - 5, ".json");
}

/* Checks every input of one directory; returns how many there were, or -ENOENT if none. */
static int check_dir(const char *input_dir, const char *golden_dir, bool update) {
        struct dirent **entries = NULL;
        int n;

        n = scandir(input_dir, &entries, only_json, compare_names);
        if (n <= 0) {
                printf("Bail out! no inputs in %s\n", input_dir);
                return -ENOENT;
        }

        for (int i = 0; i < n; i++) {
                const char *name = entries[i]->d_name;
                _cleanup_free_ char *in_path = strjoin(input_dir, "/", name);
                _cleanup_free_ char *out_path = strjoin(golden_dir, "/", name);
                _cleanup_free_ char *input = NULL, *got = NULL, *expected = NULL, *again = NULL, *error = NULL;
                Kind kind = kind_of(name);
                size_t size;
                int r;

                r = read_full_file(in_path, &input, &size);
                if (!tap_ok(r >= 0, "%s: read", name))
                        goto next;
                r = parse_and_format(kind, input, size, name, &got, &error);
                if (!tap_ok(r >= 0, "%s: parses", name)) {
                        tap_diag("%s", strna(error));
                        goto next;
                }

                if (update) {
                        r = write_file_atomic(out_path, got, strlen(got), 0644);
                        tap_ok(r >= 0, "%s: expectation written", name);
                } else {
                        r = read_full_file(out_path, &expected, NULL);
                        if (tap_ok(r >= 0, "%s: expectation exists (UPDATE_GOLDEN=1 writes it)", name))
                                tap_is_str(got, expected, "%s: matches the expectation", name);
                }

                /* The canonical form is a fixed point. */
                r = parse_and_format(kind, got, strlen(got), name, &again, &error);
                tap_ok(r >= 0, "%s: canonical form parses", name);
                tap_is_str(again, got, "%s: canonical form round-trips", name);
        next:
                free(entries[i]);
        }
        free(entries);
        return n;
}

int main(int argc, char *argv[]) {
        static const char * const default_inputs[] = { "tests/fixtures/oci", "tests/golden/parse/input" };
        const char *golden_dir = argc > 1 ? argv[1] : "tests/golden/parse";
        const char * const *inputs = argc > 2 ? (const char * const *) argv + 2 : default_inputs;
        size_t n_inputs = argc > 2 ? (size_t) argc - 2 : ELEMENTSOF(default_inputs);
        bool update = getenv("UPDATE_GOLDEN") && streq(getenv("UPDATE_GOLDEN"), "1");
        int n = 0;

        for (size_t i = 0; i < n_inputs; i++) {
                int r = check_dir(inputs[i], golden_dir, update);
                if (r < 0)
                        return 1;
                n += r;
        }
        tap_ok(n >= 29, "found %d inputs", n);
        return tap_done(0);
}
