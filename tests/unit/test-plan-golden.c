/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Golden plans: every tests/golden/plan/<case>/config.json is parsed and planned with a fixed context,
 * and oci_json_plan() must equal <case>/plan.json (and <case>/plan-nosystemd.json for the cases planned
 * without systemd too). UPDATE_GOLDEN=1 rewrites the expected files. Reads files only. */
#include <dirent.h>

#include "oci/oci-json.h"
#include "oci/oci-parse.h"
#include "plan/plan.h"
#include "plan/plan-saved.h"
#include "tap.h"
#include "base/util.h"

/* Also planned as without systemd: cgroupfs paths and writes instead of a unit. */
static const char *const without_systemd[] = {
        "podman-run-default",
        "podman-resources",
        "crio-container-resources",
        "systemd-cgroups-path-resources",
        NULL,
};

/* What the verbs read back from plan.json is what was saved: the reader gives the same text again. */
static int read_back(const char *name, const char *file, const char *got) {
        _cleanup_free_ char *error = NULL, *again = NULL;
        Plan *p = NULL;
        int r;

        r = plan_saved_parse(got, strlen(got), file, &p, &error);
        if (!tap_ok(r >= 0, "%s/%s read back", name, file)) {
                tap_diag("%s", strna(error));
                return r;
        }
        r = oci_json_plan(p, &again);
        plan_free(p);
        if (r < 0)
                return r;
        tap_ok(streq(got, again), "%s/%s read back gives the same plan", name, file);
        return 0;
}

static int compare(const char *dir, const char *name, const char *file, const OciConfig *c, bool systemd,
                   bool update) {
        _cleanup_free_ char *bundle = NULL, *path = NULL, *got = NULL, *want = NULL;
        PlanContext ctx;
        Plan *p = NULL;
        int r;

        if (asprintf_safe(&bundle, "/bundles/%s", name) < 0 ||
            asprintf_safe(&path, "%s/%s/%s", dir, name, file) < 0)
                return -ENOMEM;
        /* an empty image: every mount point nspawn needs is missing */
        static char *missing[] = { PLAN_MOUNT_POINTS, NULL };
        static const PlanRootfsLook look = { .looked = true, .missing = missing };
        ctx = (PlanContext) {
                .rootfs_look = &look,
                .id = "golden",
                .bundle = bundle,
                .holder = "/usr/libexec/nspawn-oci/nspawn-oci-init",
                .nspawn = "/usr/bin/systemd-nspawn",
                .systemd = systemd,
        };
        r = plan_build(c, &ctx, &p);
        if (r < 0) {
                tap_ok(false, "%s: plan_build: %s", name, strerror(-r));
                return r;
        }
        r = oci_json_plan(p, &got);
        plan_free(p);
        if (r < 0) {
                tap_ok(false, "%s: oci_json_plan: %s", name, strerror(-r));
                return r;
        }
        r = read_back(name, file, got);
        if (r < 0)
                return r;
        if (update) {
                r = write_file_atomic(path, got, strlen(got), 0644);
                tap_ok(r >= 0, "%s/%s written", name, file);
                return r;
        }
        r = read_full_file(path, &want, NULL);
        if (r < 0) {
                tap_ok(false, "%s/%s: %s (UPDATE_GOLDEN=1 writes it)", name, file, strerror(-r));
                return r;
        }
        if (!tap_ok(streq(got, want), "%s/%s", name, file)) {
                /* the first differing line, enough to see what changed */
                const char *g = got, *w = want;
                unsigned line = 1;
                for (; *g && *g == *w; g++, w++)
                        if (*g == '\n')
                                line++;
                tap_diag("first difference on line %u", line);
                tap_diag("     got: %.*s", (int) strcspn(g, "\n"), g);
                tap_diag("expected: %.*s", (int) strcspn(w, "\n"), w);
        }
        return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b) {
        return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char *argv[]) {
        const char *dir = argc > 1 ? argv[1] : "tests/golden/plan";
        const char *u = getenv("UPDATE_GOLDEN");
        bool update = u && streq(u, "1");
        struct dirent **cases = NULL;
        int n;

        n = scandir(dir, &cases, NULL, by_name);
        if (n < 0) {
                tap_ok(false, "%s: %s", dir, strerror(errno));
                return tap_done(0);
        }
        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *config = NULL, *error = NULL;
                const char *name = cases[i]->d_name;
                OciConfig *c = NULL;
                int r;

                if (name[0] == '.' || asprintf_safe(&config, "%s/%s/config.json", dir, name) < 0 ||
                    access(config, F_OK) < 0) {
                        free(cases[i]);
                        continue;
                }
                r = oci_parse_config_file(config, &c, &error);
                if (!tap_ok(r >= 0, "%s: parsed", name)) {
                        tap_diag("%s", strna(error));
                        free(cases[i]);
                        continue;
                }
                compare(dir, name, "plan.json", c, true, update);
                for (size_t j = 0; without_systemd[j]; j++)
                        if (streq(name, without_systemd[j]))
                                compare(dir, name, "plan-nosystemd.json", c, false, update);
                oci_config_free(c);
                free(cases[i]);
        }
        free(cases);
        return tap_done(0);
}
