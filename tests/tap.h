/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A tiny TAP producer for the unit tests (meson's protocol: 'tap'). */
#pragma once

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n = 0, tap_failed = 0;

static inline void tap_plan(int n) {
        printf("1..%d\n", n);
}

static inline void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void tap_diag(const char *fmt, ...) {
        va_list ap;
        fputs("# ", stdout);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        fputc('\n', stdout);
}

static inline int tap_ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline int tap_ok(int cond, const char *fmt, ...) {
        va_list ap;
        tap_n++;
        printf("%sok %d - ", cond ? "" : "not ", tap_n);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        fputc('\n', stdout);
        if (!cond)
                tap_failed++;
        fflush(stdout);
        return cond;
}

static inline void tap_skip(const char *why) {
        tap_n++;
        printf("ok %d # SKIP %s\n", tap_n, why);
}

/* Compares two strings (NULL-safe) and shows both when they differ. */
#define tap_is_str(got, want, ...)                                                              \
        do {                                                                                    \
                const char *_g = (got), *_w = (want);                                           \
                int _eq = (_g && _w) ? strcmp(_g, _w) == 0 : _g == _w;                          \
                if (!tap_ok(_eq, __VA_ARGS__)) {                                                \
                        tap_diag("     got: %s", _g ? _g : "(null)");                           \
                        tap_diag("expected: %s", _w ? _w : "(null)");                           \
                }                                                                               \
        } while (0)

#define tap_is_int(got, want, ...)                                                              \
        do {                                                                                    \
                long long _g = (long long) (got), _w = (long long) (want);                      \
                if (!tap_ok(_g == _w, __VA_ARGS__))                                             \
                        tap_diag("got %lld, expected %lld", _g, _w);                            \
        } while (0)

/* Ends the test: prints the plan when none was given up front and returns the exit code. */
static inline int tap_done(int planned) {
        if (!planned)
                printf("1..%d\n", tap_n);
        return tap_failed ? 1 : 0;
}
