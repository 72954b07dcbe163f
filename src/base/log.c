/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Logging: to --log FILE (text or runc's JSON lines, {"level","msg","time"}), else to the journal where
 * systemd runs, else to stderr; errors always reach stderr too. The container's lifecycle goes to the
 * journal as entries of their own. */
#include <fcntl.h>
#include <stdarg.h>
#include <time.h>

#include "base/journal.h"
#include "base/log.h"

static int log_max_level = LOG_WARNING;
static LogFormat log_format = LOG_FORMAT_TEXT;
static FILE *log_file = NULL;
static const char log_prefix[] = "nspawn-oci";
/* The journal takes entries (systemd runs): the container's lifecycle goes there. */
static bool log_journal = false;
/* The messages go there too: no --log, and log_open() was asked to. */
static bool log_journal_messages = false;
/* Who opened the log: only that process writes to the journal (see use_journal()). */
static pid_t log_pid = 0;
static struct {
        char *id, *name, *bundle, *unit;
} log_container;

int log_open(const char *path, LogFormat format, bool journal) {
        log_format = format;
        log_journal = journal_available();
        log_journal_messages = log_journal && journal && !path;
        log_pid = getpid();
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
        if (log_file)
                fclose(log_file);
        log_file = f;
        return 0;
}

void log_close(void) {
        if (log_file)
                fclose(log_file);
        log_file = NULL;
        log_journal = log_journal_messages = false;
        log_set_container(NULL, NULL, NULL, NULL);
}

static int replace_string(char **p, const char *s) {
        char *c = NULL;

        if (s && !(c = strdup(s)))
                return -ENOMEM;
        free(*p);
        *p = c;
        return 0;
}

void log_set_container(const char *id, const char *name, const char *bundle, const char *unit) {
        /* out of memory: the entries lack a field, nothing worse */
        (void) replace_string(&log_container.id, id);
        (void) replace_string(&log_container.name, name);
        (void) replace_string(&log_container.bundle, bundle);
        (void) replace_string(&log_container.unit, unit);
}

/* The journal's socket is a path, looked up at every send: a forked child that has entered the
 * container's mount namespace would reach the container's own journald, if any. Only the process
 * that opened the log writes there; children use stderr. */
static bool use_journal(void) {
        return log_journal && getpid() == log_pid;
}

/* Sends MESSAGE with the container's fields and 'extra'; < 0 when journald did not take it. */
static int send_entry(int level, const char *msg, char * const *extra) {
        const JournalContainer c = {
                .id = log_container.id,
                .name = log_container.name,
                .bundle = log_container.bundle,
                .unit = log_container.unit,
        };
        _cleanup_strv_free_ char **fields = NULL;
        int r;

        r = journal_fields(&c, level, msg, extra, &fields);
        if (r < 0)
                return r;
        return journal_send(fields);
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

/* One runc JSON line: {"level":…,"msg":…,"time":…}. */
static void write_json(FILE *f, int level, const char *msg) {
        char ts[64];
        struct timespec now;
        struct tm tm;

        clock_gettime(CLOCK_REALTIME, &now);
        gmtime_r(&now.tv_sec, &tm);
        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
        fprintf(f, "{\"level\":\"%s\",\"msg\":\"", level_name(level));
        json_escape(f, msg);
        fprintf(f, "\",\"time\":\"%s.%09ldZ\"}\n", ts, now.tv_nsec);
        fflush(f);
}

/* A line on stderr: runc's JSON without --log when JSON was asked for (stderr is the log then), else
 * plain. */
static void write_stderr(int level, const char *msg) {
        if (!log_file && log_format == LOG_FORMAT_JSON)
                write_json(stderr, level, msg);
        else
                fprintf(stderr, "%s: %s\n", log_prefix, msg);
}

int log_internal(int level, int error, const char *file, int line, const char *func, const char *fmt, ...) {
        char msg[4096];
        va_list ap;

        error = error < 0 ? -error : error;

        if (level <= log_max_level) {
                bool to_stderr = level <= LOG_ERR;
                int saved = errno;

                if (error)
                        errno = error;
                va_start(ap, fmt);
                vsnprintf(msg, sizeof(msg), fmt, ap);
                va_end(ap);
                errno = saved;

                if (log_file) {
                        if (log_format == LOG_FORMAT_JSON)
                                write_json(log_file, level, msg);
                        else {
                                fprintf(log_file, "%s[%d]: %s: %s\n", log_prefix, (int) getpid(),
                                        level_name(level), msg);
                                fflush(log_file);
                        }
                } else if (log_journal_messages && use_journal()) {
                        _cleanup_strv_free_ char **extra = NULL;

                        if (strv_extendf(&extra, "CODE_FILE=%s", file) < 0 ||
                            strv_extendf(&extra, "CODE_LINE=%d", line) < 0 ||
                            strv_extendf(&extra, "CODE_FUNC=%s", func) < 0 ||
                            (error && strv_extendf(&extra, "ERRNO=%d", error) < 0) ||
                            send_entry(level, msg, extra) < 0)
                                to_stderr = true; /* not lost */
                } else
                        to_stderr = true;
                /* Errors always reach stderr too, one line: the caller must see them (as runc). */
                if (to_stderr)
                        write_stderr(level, msg);
        }
        return error ? -error : 0;
}

void log_event(int level, const char *event, char * const *extra, const char *fmt, ...) {
        _cleanup_strv_free_ char **fields = NULL;
        char msg[4096];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);

        if (use_journal()) {
                bool ok = strv_extendf(&fields, "CONTAINER_EVENT=%s", event) >= 0;
                STRV_FOREACH(e, extra)
                        ok = ok && strv_extend(&fields, *e) >= 0;
                if (ok && send_entry(level, msg, fields) >= 0 && log_journal_messages)
                        return;
        }
        /* where the journal does not take it, or the messages go elsewhere: a debug line there */
        log_debug("%s", msg);
}
