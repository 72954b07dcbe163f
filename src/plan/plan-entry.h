/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One line of the plan: a JSON path and its fate (where the field goes, or why it goes nowhere).
 * The plan and the resources mapping both write them. Pure. */
#pragma once

#include <stdarg.h>
#include <stddef.h>

#include "base/util.h"

typedef enum PlanFate {
        PLAN_FATE_NSPAWN,        /* an nspawn option */
        PLAN_FATE_UNIT,          /* a property of the container's scope */
        PLAN_FATE_PRE,           /* a native step before nspawn is exec'd */
        PLAN_FATE_POST,          /* a native step in the box before the process starts */
        PLAN_FATE_PROCESS,       /* applied when the process is spawned */
        PLAN_FATE_RUNTIME,       /* handled by nspawn-oci itself (hooks, state, annotations) */
        PLAN_FATE_IGNORED,       /* with the reason in 'detail' */
        PLAN_FATE_REJECTED,      /* the container cannot be created; 'detail' says why */
        PLAN_FATE_UNHANDLED,     /* not handled yet: listed, never silently dropped */
        PLAN_FATE_NATIVE,        /* only the native box builder can do it: the plan chooses that one */
        _PLAN_FATE_MAX,
} PlanFate;

const char *plan_fate_to_string(PlanFate f);
int plan_fate_from_string(const char *s);

typedef struct PlanEntry {
        char *field;             /* JSON path: "linux.resources.memory.limit", "mounts[3]" */
        PlanFate fate;
        char *detail;            /* "--bind=…", "MemoryMax=67108864", the reason, … */
} PlanEntry;

/* Appends an entry to the array *entries of *n; 'detail' is printf-style. */
int plan_entry_add(PlanEntry **entries, size_t *n, const char *field, PlanFate fate, const char *fmt, ...)
        _printf_(5, 6);
int plan_entry_addv(PlanEntry **entries, size_t *n, const char *field, PlanFate fate, const char *fmt,
                    va_list ap) _printf_(5, 0);
void plan_entries_free(PlanEntry *entries, size_t n);
