/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The part of the plan the verbs after create read back from plan.json: the mount points made in the
 * image, the cgroup writes, the exec FIFO, the seccomp program's source, and the process, hooks and
 * personality as an OCI config of their own. Pure: what the image holds comes from ctx->rootfs_look. */
#include "oci/oci-json.h"
#include "oci/oci-parse.h"
#include "plan/plan.h"
#include "base/util.h"

/* nspawn refuses a root without /usr (images like pause have none), and with a read-only root it cannot
 * create the mount points it needs: those the image lacks are created as empty directories, as other
 * runtimes create /proc or /dev. A root on a read-only file system is read-only whatever root.readonly
 * says, and nothing can be created there. */
static int plan_mount_points(const OciConfig *c, const PlanContext *ctx, Plan *p) {
        static const char *const needed[] = { PLAN_MOUNT_POINTS };
        const PlanRootfsLook *look = ctx->rootfs_look;
        char list[64] = "";

        if (!look || !look->looked)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(needed); i++) {
                if (!strv_contains(look->missing, needed[i]))
                        continue;
                if (!streq(needed[i], "usr") && !c->root_readonly && !look->fs_readonly)
                        continue;
                /* runc, which mounts only what config.json lists, needs fewer */
                if (look->fs_readonly)
                        return plan_entry_add(
                                &p->entries, &p->n_entries, "root.path", PLAN_FATE_REJECTED,
                                "root.path: %s is on a read-only file system without /%s, where "
                                "systemd-nspawn mounts: the image needs that directory",
                                p->rootfs, needed[i]);
                if (strv_extend(&p->mount_points, needed[i]) < 0)
                        return -ENOMEM;
                strcat(strcat(list, " /"), needed[i]); /* at most " /usr /proc … /root" */
        }
        p->rootfs_needs_usr = strv_contains(p->mount_points, "usr");
        if (!list[0])
                return 0;
        return plan_entry_add(&p->entries, &p->n_entries, "root.path", PLAN_FATE_PRE,
                              "mkdir%s in the image, as mount points for systemd-nspawn", list);
}

/* With a unit, what it cannot do (and on cgroup v1 the device rules apart: every device is denied before
 * the first rule, so there are rules even without linux.resources.devices); without systemd, all of
 * linux.resources. */
static int plan_cgroup_writes(const OciConfig *c, const PlanContext *ctx, Plan *p) {
        int r;

        if (p->unit && !ctx->unified_cgroup) {
                r = resources_to_device_cgroup_writes(&c->linux.resources, &p->device_cgroup_writes,
                                                      &p->n_device_cgroup_writes);
                if (r < 0)
                        return r;
        }
        if (p->unit)
                return resources_to_post_cgroup_writes(&c->linux.resources, ctx->unified_cgroup,
                                                       &p->cgroup_writes, &p->n_cgroup_writes);
        return resources_to_cgroup_writes(&c->linux.resources, ctx->unified_cgroup, &p->cgroup_writes,
                                          &p->n_cgroup_writes);
}

/* A deep copy of the process, the hooks and the personality, through their OCI form: what plan.json
 * holds is then exactly what the verbs read back. */
static int plan_config(const OciConfig *c, Plan *p) {
        _cleanup_free_ char *json = NULL, *error = NULL;
        OciConfig part = {
                .oci_version = c->oci_version ?: (char *) "1.0.0", /* a model built by hand may lack it */
                .root_path = c->root_path,
                .has_process = c->has_process,
                .process = c->process,
        };
        int r;

        memcpy(part.hooks, c->hooks, sizeof(part.hooks));
        memcpy(part.n_hooks, c->n_hooks, sizeof(part.n_hooks));
        part.linux.personality = c->linux.personality;
        part.linux.present = c->linux.personality.present; /* the writer skips an absent linux */
        r = oci_json_config(&part, &json);
        if (r < 0)
                return r;
        r = oci_parse_config(json, strlen(json), "plan", &p->config, &error);
        return r == -ENOMEM ? r : r < 0 ? -EBADMSG : 0;
}

int plan_saved_fill(const OciConfig *c, const PlanContext *ctx, Plan *p) {
        int r;

        r = plan_mount_points(c, ctx, p);
        if (r >= 0)
                r = plan_cgroup_writes(c, ctx, p);
        if (r >= 0)
                r = plan_config(c, p);
        if (r < 0)
                return r;
        if (c->has_process && !(p->exec_fifo = strdup(PLAN_EXEC_FIFO)))
                return -ENOMEM;
        if (c->linux.seccomp.present) {
                p->seccomp.present = true;
                if ((c->linux.seccomp.listener_path &&
                     !(p->seccomp.listener_path = strdup(c->linux.seccomp.listener_path))) ||
                    (c->linux.seccomp.listener_metadata &&
                     !(p->seccomp.listener_metadata = strdup(c->linux.seccomp.listener_metadata))))
                        return -ENOMEM;
        }
        return 0;
}

void plan_saved_done(Plan *p) {
        strv_free(p->mount_points);
        cgroup_writes_free(p->cgroup_writes, p->n_cgroup_writes);
        cgroup_writes_free(p->device_cgroup_writes, p->n_device_cgroup_writes);
        free(p->exec_fifo);
        free(p->seccomp.key);
        free(p->seccomp.listener_path);
        free(p->seccomp.listener_metadata);
        oci_config_free(p->config);
}
