/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs the fuzz target over files and directories of inputs (the corpus), so that every build
 * exercises it without libFuzzer. Unprivileged; only reads its arguments. */
#include <dirent.h>
#include <stdint.h>
#include <sys/stat.h>

#include "util.h"

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

int main(int argc, char *argv[]) {
        size_t n_run = 0;
        int ret = 0;

        for (int i = 1; i < argc; i++) {
                struct dirent **entries;
                struct stat st;
                int n;

                if (stat(argv[i], &st) < 0 || !S_ISDIR(st.st_mode)) {
                        ret |= run_file(argv[i]) < 0;
                        n_run++;
                        continue;
                }
                n = scandir(argv[i], &entries, NULL, alphasort);
                if (n < 0) {
                        fprintf(stderr, "%s: %m\n", argv[i]);
                        return 1;
                }
                for (int j = 0; j < n; j++) {
                        if (entries[j]->d_name[0] != '.') {
                                _cleanup_free_ char *p = strjoin(argv[i], "/", entries[j]->d_name);
                                ret |= run_file(p) < 0;
                                n_run++;
                        }
                        free(entries[j]);
                }
                free(entries);
        }
        printf("%zu inputs run\n", n_run);
        return ret || n_run == 0;
}
