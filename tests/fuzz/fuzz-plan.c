/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: config.json → Plan, with and without systemd, and the plan's JSON (explain). Whatever
 * parses must plan; a plan that is not rejected only names paths inside the container's root.
 * Unprivileged; memory only (the plan is pure). */
#include "fuzz.h"
#include "plan/plan.h"

/* The steps done in the box name absolute paths in the container's root, never with "..". */
static bool step_path_is_contained(const PlanStep *s) {
        switch (s->type) {
        case PLAN_STEP_REMOUNT:
        case PLAN_STEP_READONLY:
        case PLAN_STEP_MASK:
        case PLAN_STEP_MKNOD:
        case PLAN_STEP_REATTACH:
        case PLAN_STEP_MOUNT:
                if (!s->path || s->path[0] != '/')
                        return false;
                for (const char *c = s->path; (c = strstr(c, "..")); c += 2)
                        if (c[-1] == '/' && (c[2] == '/' || c[2] == 0))
                                return false;
                return s->type != PLAN_STEP_MKNOD || startswith(s->path, "/dev/");
        default:
                return true;
        }
}

static void check_plan(const OciConfig *c, bool systemd) {
        const PlanContext ctx = {
                .id = "fuzz",
                .bundle = "/bundle",
                .holder = "/usr/libexec/nspawn-oci/nspawn-oci-init",
                .nspawn = "/usr/bin/systemd-nspawn",
                .systemd = systemd,
                .unified_cgroup = !systemd,
        };
        _cleanup_free_ char *json = NULL;
        Plan *p = NULL;

        /* only out of memory makes it fail: a config it cannot run is a plan with its reasons */
        fuzz_assert(plan_build(c, &ctx, &p) >= 0 && p);
        fuzz_assert(p->rejected == !!plan_first_rejection(p));
        fuzz_assert(p->nspawn_argv && streq(p->nspawn_argv[0], ctx.nspawn));
        fuzz_assert(p->machine && p->rootfs);
        for (size_t i = 0; i < p->n_entries; i++)
                fuzz_assert(p->entries[i].field && p->entries[i].detail);
        for (size_t i = 0; i < p->n_properties; i++) {
                _cleanup_free_ char *s = NULL;
                fuzz_assert(unit_property_to_string(p->properties + i, &s) >= 0 && s);
        }
        if (!p->rejected)
                for (size_t i = 0; i < p->n_steps; i++)
                        fuzz_assert(step_path_is_contained(p->steps + i));
        fuzz_assert(oci_json_plan(p, &json) >= 0 && json);
        plan_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *error = NULL;
        OciConfig *c = NULL;

        if (size > FUZZ_MAX_SIZE)
                return 0;
        fuzz_setup();
        if (oci_parse_config((const char *) data, size, "config.json", &c, &error) < 0)
                return 0;
        check_plan(c, true);
        check_plan(c, false);
        oci_config_free(c);
        return 0;
}
