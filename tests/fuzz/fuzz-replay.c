/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs a fuzz target over files and directories of inputs (its corpus and seeds; directories are
 * walked down, as libFuzzer walks them), so that every build exercises it without libFuzzer.
 * Unprivileged; only reads its arguments. */
#include <dirent.h>
#include <stdint.h>
#include <sys/stat.h>

#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
        _cleanup_free_ char *data = NULL;
        size_t size;
        int r;

        r = read_full_file(path, &data, &size);
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(-r));
                return r;
        }
        LLVMFuzzerTestOneInput((const uint8_t *) data, size);
        return 0;
}

/* Returns whether all went well; counts the inputs run in *n_run. */
static bool run_path(const char *path, size_t *n_run) {
        struct dirent **entries;
        struct stat st;
        bool ok = true;
        int n;

        if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
                (*n_run)++;
                return run_file(path) >= 0;
        }
        n = scandir(path, &entries, NULL, alphasort);
        if (n < 0) {
                fprintf(stderr, "%s: %m\n", path);
                return false;
        }
        for (int j = 0; j < n; j++) {
                if (entries[j]->d_name[0] != '.') {
                        _cleanup_free_ char *p = strjoin(path, "/", entries[j]->d_name);
                        ok = (p && run_path(p, n_run)) && ok;
                }
                free(entries[j]);
        }
        free(entries);
        return ok;
}

int main(int argc, char *argv[]) {
        size_t n_run = 0;
        bool ok = true;

        for (int i = 1; i < argc; i++)
                ok = run_path(argv[i], &n_run) && ok;
        printf("%zu inputs run\n", n_run);
        return !ok || n_run == 0;
}
