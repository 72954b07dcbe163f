/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Logging to stderr or to --log FILE, as text or as runc's JSON lines ({"level","msg","time"}). */
#include <fcntl.h>
#include <stdarg.h>
#include <time.h>

#include "log.h"

static int log_max_level = LOG_WARNING;
static LogFormat log_format = LOG_FORMAT_TEXT;
static FILE *log_file = NULL;
static const char log_prefix[] = "nspawn-oci";

int log_open(const char *path, LogFormat format) {
        log_format = format;
        if (!path)
                return 0;

        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0644);
        if (fd < 0)
                return negative_errno();
        FILE *f = fdopen(fd, "a");
        if (!f) {
                safe_close(fd);
                return -ENOMEM;
        }
        setvbuf(f, NULL, _IOLBF, 0);
        log_close();
        log_file = f;
        return 0;
}

void log_close(void) {
        if (log_file)
                fclose(log_file);
        log_file = NULL;
}

void log_set_max_level(int level) {
        log_max_level = level;
}

int log_get_max_level(void) {
        return log_max_level;
}

static const char *level_name(int level) {
        switch (level) {
        case LOG_DEBUG:
                return "debug";
        case LOG_INFO:
        case LOG_NOTICE:
                return "info";
        case LOG_WARNING:
                return "warning";
        default:
                return "error";
        }
}

static void json_escape(FILE *f, const char *s) {
        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;
                if (c == '"' || c == '\\')
                        fprintf(f, "\\%c", c);
                else if (c == '\n')
                        fputs("\\n", f);
                else if (c == '\t')
                        fputs("\\t", f);
                else if (c < 0x20)
                        fprintf(f, "\\u%04x", c);
                else
                        fputc(c, f);
        }
}

int log_internal(int level, int error, const char *file, int line, const char *func, const char *fmt, ...) {
        char msg[4096];
        va_list ap;

        (void) file;
        (void) line;
        (void) func;
        error = error < 0 ? -error : error;

        if (level <= log_max_level) {
                int saved = errno;
                if (error)
                        errno = error;
                va_start(ap, fmt);
                vsnprintf(msg, sizeof(msg), fmt, ap);
                va_end(ap);
                errno = saved;

                if (log_file && log_format == LOG_FORMAT_JSON) {
                        char ts[64];
                        struct timespec now;
                        struct tm tm;

                        clock_gettime(CLOCK_REALTIME, &now);
                        gmtime_r(&now.tv_sec, &tm);
                        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
                        fprintf(log_file, "{\"level\":\"%s\",\"msg\":\"", level_name(level));
                        json_escape(log_file, msg);
                        fprintf(log_file, "\",\"time\":\"%s.%09ldZ\"}\n", ts, now.tv_nsec);
                        fflush(log_file);
                } else if (log_file) {
                        fprintf(log_file, "%s[%d]: %s: %s\n", log_prefix, (int) getpid(), level_name(level), msg);
                        fflush(log_file);
                }
                /* Errors also go to stderr, where callers without --log look for them. */
                if (!log_file || level <= LOG_ERR)
                        fprintf(stderr, "%s: %s\n", log_prefix, msg);
        }
        return error ? -error : 0;
}
