/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `explain BUNDLE`: parse and plan a bundle and print, field by field, where everything goes.
 * Reads files only; needs no privilege. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

/* Prints the plan as a table (json = false) or as JSON to f. */
int explain_bundle(const char *bundle, bool json, FILE *f);
