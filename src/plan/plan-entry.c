/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The plan's entries: field, fate, detail. Pure. */
#include <stdarg.h>

#include "plan/plan-entry.h"

static const char * const plan_fate_table[_PLAN_FATE_MAX] = {
        [PLAN_FATE_NSPAWN] = "nspawn",
        [PLAN_FATE_UNIT] = "unit",
        [PLAN_FATE_PRE] = "pre",
        [PLAN_FATE_POST] = "post",
        [PLAN_FATE_PROCESS] = "process",
        [PLAN_FATE_RUNTIME] = "runtime",
        [PLAN_FATE_IGNORED] = "ignored",
        [PLAN_FATE_REJECTED] = "rejected",
        [PLAN_FATE_UNHANDLED] = "unhandled",
        [PLAN_FATE_NATIVE] = "native",
};

DEFINE_STRING_TABLE(plan_fate, PlanFate)

int plan_entry_addv(PlanEntry **entries, size_t *n, const char *field, PlanFate fate, const char *fmt,
                    va_list ap) {
        _cleanup_free_ char *detail = NULL, *f = NULL;
        PlanEntry *a;

        if (vasprintf(&detail, fmt, ap) < 0) {
                detail = NULL;
                return -ENOMEM;
        }
        f = strdup(field);
        if (!f)
                return -ENOMEM;
        a = realloc(*entries, sizeof(PlanEntry) * (*n + 1));
        if (!a)
                return -ENOMEM;
        *entries = a;
        a[(*n)++] = (PlanEntry) { .field = TAKE_PTR(f), .fate = fate, .detail = TAKE_PTR(detail) };
        return 0;
}

int plan_entry_add(PlanEntry **entries, size_t *n, const char *field, PlanFate fate, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = plan_entry_addv(entries, n, field, fate, fmt, ap);
        va_end(ap);
        return r;
}

void plan_entries_free(PlanEntry *entries, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(entries[i].field);
                free(entries[i].detail);
        }
        free(entries);
}
