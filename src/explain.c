/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `explain BUNDLE`. Not written yet. */
#include "explain.h"
#include "log.h"

int explain_bundle(const char *bundle, bool json, FILE *f) {
        return log_error_errno(EOPNOTSUPP, "explain: not supported yet");
}
