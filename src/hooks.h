/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs OCI hooks: the state JSON on stdin, their env and args, their timeout. Runs as root on the host
 * (createRuntime, prestart, poststart, poststop) or inside the container (createContainer, startContainer). */
#pragma once

#include "oci-config.h"

/* Runs hooks[0..n-1] in order; stops at the first failure. 'what' names them in errors ("prestart"). */
int hooks_run(const OciHook *hooks, size_t n, const char *state_json, const char *what);
