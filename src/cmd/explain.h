/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `explain BUNDLE`: parse and plan a bundle and print, field by field, where everything goes;
 * `explain --id ID`: the same for the plan a container was created with. Reads files only. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "cmd/lifecycle.h"

/* Prints the plan as a table (json = false) or as JSON to f. */
int explain_bundle(const char *bundle, bool json, FILE *f);
/* Prints the plan container id was created with (its plan.json), which start, exec and delete follow. */
int explain_container(const Runtime *rt, const char *id, bool json, FILE *f);
