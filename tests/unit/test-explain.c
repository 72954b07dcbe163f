/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* explain_bundle() on a bundle made in a temporary directory: the table, JSON, and a parse error.
 * Needs no privilege. */
#include <stdlib.h>

#include "cmd/explain.h"
#include "tap.h"
#include "base/util.h"

static char *explain(const char *bundle, bool json, int *ret) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        if (!f)
                return NULL;
        *ret = explain_bundle(bundle, json, f);
        fclose(f);
        return text;
}

int main(int argc, char *argv[]) {
        char dir[] = "/tmp/test-explain-XXXXXX";
        _cleanup_free_ char *bundle = NULL, *config = NULL, *data = NULL;
        char *text;
        size_t size;
        int r;

        if (argc < 2 || !mkdtemp(dir)) {
                tap_ok(false, "usage: test-explain CONFIG.json, and a temporary directory");
                return tap_done(0);
        }
        bundle = strjoin(dir, "/box-1");
        config = strjoin(dir, "/box-1/config.json");
        if (!bundle || !config || mkdir_p(bundle, 0755) < 0 || read_full_file(argv[1], &data, &size) < 0 ||
            write_file_atomic(config, data, size, 0644) < 0) {
                tap_ok(false, "bundle set up in %s", dir);
                return tap_done(0);
        }

        text = explain(bundle, false, &r);
        tap_ok(r == 0 && text, "the table is printed");
        tap_ok(text && strstr(text, "FIELD") && strstr(text, "linux.devices[0]") &&
                       strstr(text, "mknod /dev/e2enull c 1:3 0666 1000:1000"),
               "one line per field");
        tap_ok(text && strstr(text, "nspawn: /usr/bin/systemd-nspawn --quiet --keep-unit") &&
                       strstr(text, " -M box-1 "),
               "the command line, the machine named after the bundle directory");
        tap_ok(text && strstr(text, "environment: SYSTEMD_SECCOMP=0"), "the environment");
        tap_ok(text && strstr(text, "post: mknod /dev/e2enull c 1:3 0666 1000:1000"), "the post steps");
        free(text);

        text = explain(bundle, true, &r);
        tap_ok(r == 0 && text && text[0] == '{' && strstr(text, "\"machine\": \"box-1\""), "JSON");
        free(text);

        r = write_file_atomic(config, "{\"ociVersion\": 3}", 17, 0644);
        text = explain(bundle, false, &r);
        tap_ok(r < 0, "a parse error fails");
        free(text);

        unlink(config);
        rmdir(bundle);
        rmdir(dir);
        return tap_done(0);
}
