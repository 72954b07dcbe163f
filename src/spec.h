/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A default config.json, as `runc spec` writes it. Pure. */
#pragma once

#include <stdbool.h>

int spec_default_json(bool rootless, char **ret);
