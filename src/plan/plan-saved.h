/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The reader of the saved plan (plan.json), which the verbs after create follow. Pure. */
#pragma once

#include "plan/plan.h"


/* The saved plan (oci_json_plan()'s text) → a Plan, checked strictly: every field present with its
 * type, no unknown field, step kinds, namespaces, fates and flags among the known ones. On failure,
 * *ret_error says "NAME: FIELD: what is wrong" (malloc'ed). */
int plan_saved_parse(const char *data, size_t size, const char *name, Plan **ret, char **ret_error);
