/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small json-c helpers shared by the oci-json*.c writers (the only files besides the parser that use
 * json-c). Pure. Every function takes the value it is given, also on failure. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

#include "base/util.h"

static inline void oci_json_putp(json_object **o) {
        json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(oci_json_putp)

/* What json-c's object or array add returned: it leaves v to the caller on failure, freed here. */
static inline int oci_json_added(int r, json_object *v) {
        if (r < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

/* Adds v under key; a NULL v (out of memory) fails. */
static inline int oci_json_add(json_object *o, const char *key, json_object *v) {
        return v ? oci_json_added(json_object_object_add(o, key, v), v) : -ENOMEM;
}

static inline int oci_json_append(json_object *a, json_object *v) {
        return v ? oci_json_added(json_object_array_add(a, v), v) : -ENOMEM;
}

/* The text of o: pretty (indented, a newline at the end) or on one line; malloc'ed. */
static inline int oci_json_to_text(json_object *o, bool pretty, char **ret) {
        const char *text = json_object_to_json_string_ext(
                o, (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN) |
                           JSON_C_TO_STRING_NOSLASHESCAPE);
        char *s = text ? strjoin(text, pretty ? "\n" : "") : NULL;

        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* A NULL-terminated string list as an array of strings; NULL when out of memory. */
static inline json_object *oci_json_strv(const char * const *l) {
        json_object *a = json_object_new_array();

        for (; a && l && *l; l++)
                if (oci_json_append(a, json_object_new_string(*l)) < 0) {
                        json_object_put(a);
                        return NULL;
                }
        return a;
}
