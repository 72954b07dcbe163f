/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The verbs. Not written yet: every verb says so. */
#include "lifecycle.h"
#include "log.h"

int lifecycle_create(const Runtime *rt, const CreateOptions *o) {
        return log_error_errno(EOPNOTSUPP, "create: not supported");
}

int lifecycle_start(const Runtime *rt, const char *id) {
        return log_error_errno(EOPNOTSUPP, "start: not supported");
}

int lifecycle_run(const Runtime *rt, const CreateOptions *o) {
        return log_error_errno(EOPNOTSUPP, "run: not supported");
}

int lifecycle_state(const Runtime *rt, const char *id) {
        return log_error_errno(EOPNOTSUPP, "state: not supported");
}

int lifecycle_kill(const Runtime *rt, const char *id, int sig, bool all) {
        return log_error_errno(EOPNOTSUPP, "kill: not supported");
}

int lifecycle_delete(const Runtime *rt, const char *id, bool force) {
        return log_error_errno(EOPNOTSUPP, "delete: not supported");
}

int lifecycle_list(const Runtime *rt, bool json, bool quiet) {
        return log_error_errno(EOPNOTSUPP, "list: not supported");
}

int lifecycle_ps(const Runtime *rt, const char *id, bool json) {
        return log_error_errno(EOPNOTSUPP, "ps: not supported");
}

int lifecycle_exec(const Runtime *rt, const ExecOptions *o) {
        return log_error_errno(EOPNOTSUPP, "exec: not supported");
}

int lifecycle_pause(const Runtime *rt, const char *id) {
        return log_error_errno(EOPNOTSUPP, "pause: not supported");
}

int lifecycle_resume(const Runtime *rt, const char *id) {
        return log_error_errno(EOPNOTSUPP, "resume: not supported");
}

int lifecycle_update(const Runtime *rt, const UpdateOptions *o) {
        return log_error_errno(EOPNOTSUPP, "update: not supported");
}

int lifecycle_events(const Runtime *rt, const char *id, bool stats, unsigned interval_sec) {
        return log_error_errno(EOPNOTSUPP, "events: not supported");
}

int lifecycle_explain(const Runtime *rt, const char *bundle, bool json) {
        return log_error_errno(EOPNOTSUPP, "explain: not supported");
}
