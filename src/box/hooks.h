/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs OCI hooks: the state JSON on stdin, their env and args, their timeout. Runs as root on the host
 * (createRuntime, prestart, poststart, poststop) or inside the container (createContainer, startContainer). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "oci/oci-config.h"

/* Runs hooks[0..n-1] in order and logs each failure once, naming the hook by its kind ('what', e.g.
 * "prestart") and its index. fatal: the failure is an error, the hooks after it do not run, and its
 * error is returned. Otherwise (poststart, poststop: the runtime spec) it is a warning that says it is
 * ignored, the others still run, and the return value is 0. */
int hooks_run(const OciHook *hooks, size_t n, const char *state_json, const char *what, bool fatal);

/* The same, in the box (createContainer, startContainer): in a child that joins the holder's namespaces
 * named in join_ns and its root, and whose children (the hooks) are born in the pid namespace pidns_fd
 * pins (-1: nspawn-oci's own). Failures are fatal, and logged once, where they happen. */
int hooks_run_in_box(const OciHook *hooks, size_t n, const char *state_json, const char *what, pid_t holder,
                     const bool *join_ns, int pidns_fd);
