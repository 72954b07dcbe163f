/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the fuzz targets share: libFuzzer's entry point, quiet logging, and the round trip of a
 * document through its parser and serializer. Unprivileged; nothing outside memory. */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/log.h"
#include "oci/oci-json.h"
#include "oci/oci-parse.h"
#include "base/util.h"

/* Larger inputs only cost time: the parser's own size limit is tested in test-parse. */
#define FUZZ_MAX_SIZE (1024u * 1024u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Refused inputs are the common case: their messages would drown the fuzzer's own output. */
static inline void fuzz_setup(void) {
        log_set_max_level(LOG_CRIT);
}

/* A property the code promises does not hold: abort, so that the fuzzer keeps the input. */
#define fuzz_assert(expr)                                                                           \
        do {                                                                                        \
                if (!(expr)) {                                                                      \
                        fprintf(stderr, "%s:%d: %s does not hold\n", __FILE__, __LINE__, #expr);    \
                        abort();                                                                    \
                }                                                                                   \
        } while (0)

/* A difference between the canonical form and its re-serialization is a bug. */
static inline void fuzz_check_fixed_point(const char *text, const char *again) {
        if (!text || !again)
                return;
        if (!streq(text, again)) {
                fprintf(stderr, "canonical form is not a fixed point:\n%s\n---\n%s\n", text, again);
                abort();
        }
}

/* Whatever parses must serialize to a canonical form that parses back to itself. */
#define FUZZ_ROUND_TRIP(type, parse, out, free_fn, data, size)                                      \
        do {                                                                                        \
                _cleanup_free_ char *_error = NULL, *_text = NULL, *_again = NULL;                  \
                type *_a = NULL, *_b = NULL;                                                        \
                int _r = parse((const char *) (data), (size), "fuzz", &_a, &_error);                \
                if (_r >= 0) {                                                                      \
                        if (out(_a, &_text) >= 0) {                                                 \
                                _cleanup_free_ char *_e2 = NULL;                                    \
                                if (parse(_text, strlen(_text), "fuzz", &_b, &_e2) < 0) {           \
                                        fprintf(stderr, "canonical form refused: %s\n%s\n",         \
                                                strna(_e2), _text);                                 \
                                        abort();                                                    \
                                }                                                                   \
                                if (out(_b, &_again) >= 0)                                          \
                                        fuzz_check_fixed_point(_text, _again);                      \
                        }                                                                           \
                } else if (_r == -EINVAL)                                                           \
                        fuzz_assert(_error); /* every refusal says why */                          \
                free_fn(_a);                                                                        \
                free_fn(_b);                                                                        \
        } while (0)

/* state.json's parser and serializers in the shape FUZZ_ROUND_TRIP takes; the `state` verb's
 * document is built on the way, for its own sake. */
static inline int fuzz_parse_state(const char *d, size_t n, const char *name, StateData **ret, char **ret_error) {
        return oci_parse_state(d, n, ret, ret_error);
}

static inline int fuzz_out_state(const StateData *s, char **ret) {
        _cleanup_free_ char *oci = NULL;
        int r = oci_json_oci_state(s, "running", &oci);
        if (r < 0)
                return r;
        return oci_json_state(s, ret);
}
