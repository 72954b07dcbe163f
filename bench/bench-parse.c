/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parses a config.json N times and prints the mean time per parse, in microseconds.
 *   bench-parse [FILE [N]]   (default: podman's default config with its seccomp profile, 2000 times)
 * Unprivileged; reads FILE once. */
#include <time.h>

#include "oci/oci-parse.h"
#include "base/util.h"

#ifndef BENCH_DEFAULT_INPUT
#define BENCH_DEFAULT_INPUT "tests/fixtures/oci/podman-run-default.json"
#endif

static double now_us(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

int main(int argc, char *argv[]) {
        const char *path = argc > 1 ? argv[1] : BENCH_DEFAULT_INPUT;
        long n = argc > 2 ? strtol(argv[2], NULL, 10) : 2000;
        _cleanup_free_ char *data = NULL;
        double start, elapsed;
        size_t size;
        int r;

        if (n <= 0) {
                fprintf(stderr, "N must be a positive number.\n");
                return 1;
        }
        r = read_full_file(path, &data, &size);
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(-r));
                return 1;
        }

        start = now_us();
        for (long i = 0; i < n; i++) {
                _cleanup_free_ char *error = NULL;
                OciConfig *c = NULL;

                r = oci_parse_config(data, size, path, &c, &error);
                if (r < 0) {
                        fprintf(stderr, "%s\n", strna(error));
                        return 1;
                }
                oci_config_free(c);
        }
        elapsed = now_us() - start;

        printf("%s: %zu bytes, %ld parses, %.1f us per parse\n", path, size, n, elapsed / (double) n);
        return 0;
}
