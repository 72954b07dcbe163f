/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Logging: one line per message to stderr, or to --log FILE as text or runc's JSON lines. */
#pragma once

#include <stdarg.h>
#include <syslog.h>
#include "base/util.h"

typedef enum LogFormat {
        LOG_FORMAT_TEXT,
        LOG_FORMAT_JSON,
} LogFormat;

/* Messages go to 'path'; without one to the journal where 'journal' is true and systemd runs; else to
 * stderr. Errors also go to stderr, always. Where systemd runs, log_event()s go to the journal in any
 * case. Fails if the file cannot be opened. */
int log_open(const char *path, LogFormat format, bool journal);
void log_set_max_level(int level);
int log_get_max_level(void);
void log_close(void);
/* The container the messages are about, for the journal's fields (NULL: not known). Copied. */
void log_set_container(const char *id, const char *name, const char *bundle, const char *unit);

/* Logs at level; if error != 0 sets errno to |error| for %m and returns -|error|. */
int log_internal(int level, int error, const char *file, int line, const char *func,
                 const char *fmt, ...) _printf_(6, 7);

#define log_full_errno(level, error, ...) \
        log_internal((level), (error), __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_debug(...) log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) log_full_errno(LOG_ERR, 0, __VA_ARGS__)
#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, (e), __VA_ARGS__)
#define log_oom() log_error_errno(ENOMEM, "Out of memory.")

/* A step in the container's life: where systemd runs, an entry of its own in the journal with
 * CONTAINER_EVENT=event, the container's fields and 'extra' ("KEY=value", may be NULL), whatever
 * --log says; a debug line where the messages go (unless that is the journal). */
void log_event(int level, const char *event, char * const *extra, const char *fmt, ...) _printf_(4, 5);
