/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `explain BUNDLE`: parse BUNDLE/config.json, build its plan, and print where every field goes.
 * Reads files only; needs no privilege. */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "box/box-prepare.h"
#include "host/bus.h"
#include "host/cgroup.h"
#include "host/state.h"
#include "cmd/explain.h"
#include "oci/oci-json.h"
#include "base/log.h"
#include "oci/oci-parse.h"
#include "plan/plan.h"
#include "base/util.h"

static void print_flags(unsigned long flags, FILE *f) {
        const char *names[PLAN_MOUNT_FLAG_NAMES_MAX];

        plan_mount_flag_names(flags, names);
        for (size_t i = 0; names[i]; i++)
                fprintf(f, "%s%s", i == 0 ? " " : ",", names[i]);
}

/* What the verbs after create read from the saved plan. */
static void print_saved(const Plan *p, FILE *f) {
        STRV_FOREACH(m, p->mount_points)
                fprintf(f, "image: mkdir %s/%s\n", p->rootfs, *m);
        for (size_t i = 0; i < p->n_cgroup_writes; i++)
                fprintf(f, "cgroup: %s%s%s = %s\n", p->cgroup_writes[i].controller,
                        p->cgroup_writes[i].controller[0] ? "/" : "", p->cgroup_writes[i].file,
                        p->cgroup_writes[i].value);
        if (p->exec_fifo)
                fprintf(f, "exec fifo: %s in the state directory\n", p->exec_fifo);
        if (p->seccomp.present)
                fprintf(f, "seccomp: %s\n", p->seccomp.key ?: "compiled at create");
        for (OciHookKind k = 0; p->config && k < _OCI_HOOK_KIND_MAX; k++)
                for (size_t i = 0; i < p->config->n_hooks[k]; i++)
                        fprintf(f, "hook: %s #%zu %s\n", oci_hook_kind_to_string(k), i,
                                p->config->hooks[k][i].path);
}

static void print_table(const Plan *p, FILE *f) {
        size_t wf = strlen("FIELD"), wt = strlen("FATE");

        for (size_t i = 0; i < p->n_entries; i++) {
                size_t n = strlen(p->entries[i].field);
                wf = n > wf ? n : wf;
                n = strlen(plan_fate_to_string(p->entries[i].fate));
                wt = n > wt ? n : wt;
        }
        fprintf(f, "%-*s  %-*s  %s\n", (int) wf, "FIELD", (int) wt, "FATE", "DETAIL");
        for (size_t i = 0; i < p->n_entries; i++)
                fprintf(f, "%-*s  %-*s  %s\n", (int) wf, p->entries[i].field, (int) wt,
                        plan_fate_to_string(p->entries[i].fate), strna(p->entries[i].detail));

        fprintf(f, "\nbuilder: %s — %s\n", plan_builder_to_string(p->builder), strna(p->builder_reason));
        fputs(p->builder == PLAN_BUILDER_NATIVE ? "nspawn (not used):" : "nspawn:", f);
        STRV_FOREACH(a, p->nspawn_argv)
                fprintf(f, " %s", *a);
        fputs("\nenvironment:", f);
        STRV_FOREACH(e, p->nspawn_env)
                fprintf(f, " %s", *e);
        fputc('\n', f);

        if (p->unit) {
                fprintf(f, "unit: %s in %s\n", p->unit, strna(p->slice));
                for (size_t i = 0; i < p->n_properties; i++) {
                        _cleanup_free_ char *s = NULL;
                        if (unit_property_to_string(p->properties + i, &s) >= 0)
                                fprintf(f, "  %s\n", s);
                }
        } else
                fprintf(f, "cgroup: %s (cgroupfs, not registered with machined)\n", strna(p->cgroup));

        fputs("process joins:", f);
        for (OciNamespaceType t = 0; t < _OCI_NS_MAX; t++)
                if (p->join_ns[t])
                        fprintf(f, " %s", oci_namespace_type_to_string(t));
        fputc('\n', f);
        fprintf(f, "process pid namespace: %s%s%s\n", plan_pid_namespace_to_string(p->pid_ns),
                p->pid_ns_path ? " " : "", strempty(p->pid_ns_path));
        for (size_t i = 0; i < p->n_joins; i++)
                if (p->joins[i].path)
                        fprintf(f, "pre: setns %s %s\n", oci_namespace_type_to_string(p->joins[i].type),
                                p->joins[i].path);
                else
                        fprintf(f, "pre: keep the host's %s namespace\n",
                                oci_namespace_type_to_string(p->joins[i].type));
        for (size_t i = 0; i < p->n_steps; i++) {
                const PlanStep *s = p->steps + i;
                fprintf(f, "post: %s", plan_step_type_to_string(s->type));
                if (s->path)
                        fprintf(f, " %s", s->path);
                if (s->value)
                        fprintf(f, " %s", s->value);
                if (s->source)
                        fprintf(f, " %s", s->source);
                if (s->data)
                        fprintf(f, " %s", s->data);
                if (s->flags)
                        print_flags(s->flags, f);
                if (s->type == PLAN_STEP_MKNOD)
                        fprintf(f, " %c %u:%u %04o %u:%u",
                                S_ISBLK(s->mode)    ? 'b'
                                : S_ISFIFO(s->mode) ? 'p'
                                                    : 'c',
                                major(s->dev), minor(s->dev), (unsigned) (s->mode & 07777),
                                (unsigned) s->uid, (unsigned) s->gid);
                fputc('\n', f);
        }
        print_saved(p, f);
        if (p->rejected)
                fprintf(f, "rejected: %s\n", plan_first_rejection(p)->detail);
}

int explain_bundle(const char *bundle, bool json, FILE *f) {
        _cleanup_(oci_config_freep) OciConfig *c = NULL;
        _cleanup_(plan_freep) Plan *p = NULL;
        _cleanup_free_ char *abs = NULL, *config = NULL, *error = NULL, *id = NULL, *rootfs = NULL;
        _cleanup_(box_prepare_look_done) PlanRootfsLook look = {};
        PlanContext ctx;
        size_t n;
        int r;

        abs = realpath(bundle, NULL);
        if (!abs)
                return log_error_errno(errno, "Failed to resolve bundle %s: %m", bundle);
        config = strjoin(abs, "/config.json");
        if (!config)
                return log_oom();
        r = oci_parse_config_file(config, &c, &error);
        if (r < 0) {
                if (error)
                        return log_error_errno(r, "%s", error);
                return log_error_errno(r, "Failed to parse %s: %m", config);
        }

        /* the bundle directory's name stands in for the container id */
        n = strlen(abs);
        id = strdup(n > 1 ? strrchr(abs, '/') + 1 : "root");
        if (!id)
                return log_oom();
        ctx = (PlanContext) {
                .id = id,
                .bundle = abs,
                .holder = NSPAWN_OCI_HOLDER_PATH,
                .nspawn = SYSTEMD_NSPAWN_PATH,
                /* the two looks at the system the plan needs, kept out of the pure plan */
                .systemd = bus_systemd_running(),
                .unified_cgroup = cgroup_unified(),
        };
        /* the mount points create would make, where the image is there to look at (a look create
         * would refuse is said, and the plan printed without it) */
        if (plan_rootfs_path(c, abs, &rootfs) >= 0 && access(rootfs, F_OK) >= 0 &&
            box_prepare_look_rootfs(rootfs, &look) >= 0)
                ctx.rootfs_look = &look;
        r = plan_build(c, &ctx, &p);
        if (r < 0)
                return log_error_errno(r, "Failed to plan %s: %m", config);

        if (json) {
                _cleanup_free_ char *s = NULL;

                r = oci_json_plan(p, &s);
                if (r < 0)
                        return log_error_errno(r, "Failed to format the plan: %m");
                fputs(s, f);
        } else
                print_table(p, f);
        return 0;
}

int explain_container(const Runtime *rt, const char *id, bool json, FILE *f) {
        _cleanup_(plan_freep) Plan *p = NULL;
        _cleanup_free_ char *dir = NULL, *error = NULL, *text = NULL;
        int r;

        r = state_dir(rt->root, id, &dir);
        if (r == -EINVAL)
                return log_error_errno(r, "invalid container id \"%s\"", id);
        if (r >= 0)
                r = state_load_plan(dir, &p, &error);
        if (r == -ENOENT)
                return log_error_errno(r, "container %s does not exist, or has no saved plan", id);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "%s", error ?: "Failed to read the plan");
        if (!json) {
                print_table(p, f);
                return 0;
        }
        r = oci_json_plan(p, &text);
        if (r < 0)
                return log_error_errno(r, "Failed to format the plan: %m");
        fputs(text, f);
        return 0;
}
