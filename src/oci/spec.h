/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A default config.json, as `runc spec` writes it. Pure. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* The runtime-spec version nspawn-oci writes and reports (`spec`, `--version`, `features`). */
#define SPEC_OCI_VERSION "1.2.0"

/* rootless: the variant for a container run without root privilege, whose root maps to uid/gid on
 * the host (`runc spec --rootless` uses the caller's effective ids). uid and gid are unused
 * otherwise. cgroupns: a cgroup namespace among the namespaces (runc's spec on a cgroup v2 host). */
int spec_default_json(bool rootless, bool cgroupns, uid_t uid, gid_t gid, char **ret);
