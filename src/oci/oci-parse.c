/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* json-c → the typed model of config.json, process.json, linux.resources and state.json, driven by
 * one table per OCI object (oci-fields.h), which also says what the model owns and frees. Pure: reads
 * bytes (and a file, for the _file variants). */
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <sys/param.h>
#include <sys/stat.h>

#include "base/log.h"
#include "oci/oci-fields.h"
#include "oci/oci-parse.h"
#include "base/util.h"

/* Deep enough for every OCI document, shallow enough that json-c's recursion stays harmless. */
#define PARSE_MAX_DEPTH 64

struct OciParseContext {
        const char *name;
        char *error;
        char path[1024];
        size_t len;
};

_printf_(2, 3)
static int parse_error(OciParseContext *ctx, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = error_setv(&ctx->error, ctx->name, ctx->len > 0 ? ctx->path : NULL, fmt, ap);
        va_end(ap);
        return r < 0 ? r : -EINVAL;
}

/* The path grows by ".key" or "[i]" on the way down and is cut back on the way up; a path longer
 * than the buffer is truncated, which only shortens error messages. */
static size_t path_push(OciParseContext *ctx, const char *fmt, const char *key, size_t index) {
        size_t saved = ctx->len, left = sizeof(ctx->path) - ctx->len;
        int n;

        if (key)
                n = snprintf(ctx->path + ctx->len, left, ctx->len > 0 ? ".%s" : "%s", key);
        else
                n = snprintf(ctx->path + ctx->len, left, "[%zu]", index);
        ctx->len = n < 0 ? saved : MIN((size_t) n + saved, sizeof(ctx->path) - 1);
        return saved;
}

static void path_pop(OciParseContext *ctx, size_t saved) {
        ctx->len = saved;
        ctx->path[saved] = 0;
}

/* A short rendering of the offending value for "got …". */
static int parse_type_error(OciParseContext *ctx, json_object *v, const char *expected) {
        const char *s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        size_t n = strlen(s ?: "");

        if (n > 64)
                return parse_error(ctx, "expected %s, got %.60s…", expected, s);
        return parse_error(ctx, "expected %s, got %s", expected, s ?: "?");
}

static int parse_string_value(OciParseContext *ctx, json_object *v, char **ret) {
        const char *s;
        char *copy;

        if (!json_object_is_type(v, json_type_string))
                return parse_type_error(ctx, v, "a string");
        s = json_object_get_string(v);
        if ((size_t) json_object_get_string_len(v) != strlen(s))
                return parse_error(ctx, "contains a NUL byte");
        copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        free(*ret);
        *ret = copy;
        return 0;
}

static int parse_strv(OciParseContext *ctx, json_object *v, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n;

        if (!json_object_is_type(v, json_type_array))
                return parse_type_error(ctx, v, "an array of strings");
        n = json_object_array_length(v);
        l = calloc(n + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                size_t saved = path_push(ctx, NULL, NULL, i);
                int r = parse_string_value(ctx, json_object_array_get_idx(v, i), &l[i]);
                path_pop(ctx, saved);
                if (r < 0)
                        return r;
        }
        strv_free(*ret);
        *ret = TAKE_PTR(l);
        return 0;
}

/* Integers: json-c keeps values above INT64_MAX as uint64 (anything beyond UINT64_MAX or below
 * INT64_MIN, which it would clamp, scan_text() refused). */
static int parse_integer(OciParseContext *ctx, json_object *v, bool is_signed, int64_t min, int64_t max,
                         uint64_t umax, uint64_t *ret) {
        int64_t i;
        uint64_t u;

        if (!json_object_is_type(v, json_type_int))
                return parse_type_error(ctx, v, "an integer");
        i = json_object_get_int64(v);
        u = json_object_get_uint64(v);

        if (is_signed) {
                bool overflow = i == INT64_MAX && u > (uint64_t) INT64_MAX;

                if (overflow || i < min || i > max) {
                        if (max == INT64_MAX && min != INT64_MIN)
                                return parse_error(ctx, "expected an integer >= %" PRIi64 ", got %s", min,
                                                   json_object_to_json_string(v));
                        return parse_error(ctx, "expected an integer between %" PRIi64 " and %" PRIi64 ", got %s",
                                           min, max, json_object_to_json_string(v));
                }
                *ret = (uint64_t) i;
                return 0;
        }

        if (i < 0)
                return parse_error(ctx, "expected a non-negative integer, got %s", json_object_to_json_string(v));
        if (u > umax)
                return parse_error(ctx, "expected an integer between 0 and %" PRIu64 ", got %s", umax,
                                   json_object_to_json_string(v));
        *ret = u;
        return 0;
}

static int parse_table(OciParseContext *ctx, json_object *v, const OciTable *t, void *base);

static int parse_map(OciParseContext *ctx, json_object *v, OciKeyValue **kv, size_t *n) {
        size_t count = 0;

        if (!json_object_is_type(v, json_type_object))
                return parse_type_error(ctx, v, "an object");
        /* Non-NULL even when empty: the key was there. */
        OciKeyValue *l = calloc(MAX(json_object_object_length(v), 1), sizeof(OciKeyValue));
        if (!l)
                return -ENOMEM;
        /* Released first, so that the owner's destructor sees a consistent (array, count). */
        oci_key_values_free(*kv, *n);
        *kv = l;
        *n = 0;

        json_object_object_foreach(v, key, value) {
                size_t saved = path_push(ctx, NULL, key, 0);
                int r;

                l[count].key = strdup(key);
                if (!l[count].key) {
                        path_pop(ctx, saved);
                        return -ENOMEM;
                }
                *n = ++count;
                r = parse_string_value(ctx, value, &l[count - 1].value);
                path_pop(ctx, saved);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_elements(OciParseContext *ctx, json_object *v, const OciField *f, void *ptr_field,
                          size_t *n) {
        bool is_map = f->kind == OCI_FIELD_OBJECT_MAP;
        size_t count, i = 0;
        uint8_t *elements;

        if (*(void **) ptr_field)       /* never happens with json-c, which keeps the last duplicate */
                return parse_error(ctx, "given twice");
        if (!json_object_is_type(v, is_map ? json_type_object : json_type_array))
                return parse_type_error(ctx, v, is_map ? "an object" : "an array");

        count = is_map ? (size_t) json_object_object_length(v) : json_object_array_length(v);
        elements = calloc(MAX(count, 1), f->elem_size);
        if (!elements)
                return -ENOMEM;
        /* The whole array is owned by the model from here on, so that its destructor frees partial work. */
        *(void **) ptr_field = elements;
        *n = count;

        if (is_map) {
                json_object_object_foreach(v, key, value) {
                        uint8_t *e = elements + i++ * f->elem_size;
                        size_t saved = path_push(ctx, NULL, key, 0);
                        int r;

                        *(char **) e = strdup(key);
                        r = *(char **) e ? parse_table(ctx, value, f->sub, e) : -ENOMEM;
                        path_pop(ctx, saved);
                        if (r < 0)
                                return r;
                }
                return 0;
        }

        for (i = 0; i < count; i++) {
                size_t saved = path_push(ctx, NULL, NULL, i);
                int r = parse_table(ctx, json_object_array_get_idx(v, i), f->sub, elements + i * f->elem_size);
                path_pop(ctx, saved);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_enum_value(OciParseContext *ctx, json_object *v, const OciEnum *e, int *ret) {
        const char *s;
        int x;

        if (!json_object_is_type(v, json_type_string))
                return parse_type_error(ctx, v, "a string");
        s = json_object_get_string(v);
        x = e->from_string(s);
        if (x < 0)
                return parse_error(ctx, "unknown %s %s", e->what, json_object_to_json_string(v));
        *ret = x;
        return 0;
}

static int parse_field(OciParseContext *ctx, json_object *v, const OciField *f, void *base) {
        void *p = (uint8_t *) base + f->offset;
        uint64_t u;
        int r;

        switch (f->kind) {

        case OCI_FIELD_STRING:
                r = parse_string_value(ctx, v, p);
                if (r < 0)
                        return r;
                const char *s = *(char **) p;
                if (f->chars && s[strspn(s, f->chars)])
                        return parse_error(ctx, "invalid %s %s", f->enumeration ? f->enumeration->what : "value",
                                           json_object_to_json_string(v));
                if (f->allowed) {
                        for (const char * const *a = f->allowed; *a; a++)
                                if (streq(*a, s))
                                        return 0;
                        return parse_error(ctx, "unknown %s %s", f->enumeration ? f->enumeration->what : "value",
                                           json_object_to_json_string(v));
                }
                return 0;

        case OCI_FIELD_STRV:
                return parse_strv(ctx, v, p);

        case OCI_FIELD_BOOL:
        case OCI_FIELD_OPT_BOOL:
                if (!json_object_is_type(v, json_type_boolean))
                        return parse_type_error(ctx, v, "a boolean");
                if (f->kind == OCI_FIELD_BOOL)
                        *(bool *) p = json_object_get_boolean(v);
                else
                        *(OciOptBool *) p = (OciOptBool) { true, json_object_get_boolean(v) };
                return 0;

        case OCI_FIELD_INT:
                r = parse_integer(ctx, v, true, f->ranged ? f->min : INT32_MIN, f->ranged ? f->max : INT32_MAX, 0, &u);
                if (r >= 0)
                        *(int *) p = (int) (int64_t) u;
                return r;
        case OCI_FIELD_INT64:
        case OCI_FIELD_OPT_INT:
                r = parse_integer(ctx, v, true, f->ranged ? f->min : INT64_MIN, f->ranged ? f->max : INT64_MAX, 0, &u);
                if (r < 0)
                        return r;
                if (f->kind == OCI_FIELD_INT64)
                        *(int64_t *) p = (int64_t) u;
                else
                        *(OciOptInt *) p = (OciOptInt) { true, (int64_t) u };
                return 0;
        case OCI_FIELD_UINT32:
                r = parse_integer(ctx, v, false, 0, 0, f->ranged ? (uint64_t) f->max : UINT32_MAX, &u);
                if (r >= 0)
                        *(uint32_t *) p = (uint32_t) u;
                return r;
        case OCI_FIELD_UINT64:
        case OCI_FIELD_OPT_UINT:
                r = parse_integer(ctx, v, false, 0, 0, f->ranged ? (uint64_t) f->max : UINT64_MAX, &u);
                if (r < 0)
                        return r;
                if (f->kind == OCI_FIELD_UINT64)
                        *(uint64_t *) p = u;
                else
                        *(OciOptUint *) p = (OciOptUint) { true, u };
                return 0;

        case OCI_FIELD_ENUM:
                return parse_enum_value(ctx, v, f->enumeration, p);

        case OCI_FIELD_CHAR: {
                const char *c;

                if (!json_object_is_type(v, json_type_string))
                        return parse_type_error(ctx, v, "a string");
                c = json_object_get_string(v);
                if (json_object_get_string_len(v) != 1 || c[0] == 0 || !strchr(f->chars, c[0]))
                        return parse_error(ctx, "unknown %s %s", f->enumeration->what, json_object_to_json_string(v));
                *(char *) p = c[0];
                return 0;
        }

        case OCI_FIELD_MAP:
                return parse_map(ctx, v, p, (size_t *) ((uint8_t *) base + f->aux));

        case OCI_FIELD_OBJECT:
                if (f->aux != OCI_NO_AUX)
                        *(bool *) ((uint8_t *) base + f->aux) = true;
                return parse_table(ctx, v, f->sub, p);

        case OCI_FIELD_ARRAY:
        case OCI_FIELD_OBJECT_MAP:
                return parse_elements(ctx, v, f, p, (size_t *) ((uint8_t *) base + f->aux));

        case OCI_FIELD_CUSTOM:
                return f->parse(ctx, v, p);
        }
        return -EINVAL;
}

static int parse_table(OciParseContext *ctx, json_object *v, const OciTable *t, void *base) {
        uint64_t seen = 0;
        int r;

        if (!json_object_is_type(v, json_type_object))
                return parse_type_error(ctx, v, "an object");

        json_object_object_foreach(v, key, value) {
                const OciField *f;
                size_t saved;

                for (f = t->fields; f->key; f++)
                        if (streq(f->key, key))
                                break;

                saved = path_push(ctx, NULL, key, 0);
                if (!f->key)
                        /* Newer spec versions and other platforms add keys: ignored, as runc does. */
                        log_debug("%s: %s: unknown key, ignoring.", ctx->name, ctx->path);
                else if (json_object_is_type(value, json_type_null))
                        /* Go encoders write null for absent slices and pointers. */
                        log_debug("%s: %s: null, taken as absent.", ctx->name, ctx->path);
                else {
                        r = parse_field(ctx, value, f, base);
                        if (r < 0) {
                                path_pop(ctx, saved);
                                return r;
                        }
                        seen |= UINT64_C(1) << (f - t->fields);
                }
                path_pop(ctx, saved);
        }

        for (const OciField *f = t->fields; f->key; f++)
                if ((f->flags & OCI_FIELD_REQUIRED) && !(seen & (UINT64_C(1) << (f - t->fields)))) {
                        size_t saved = path_push(ctx, NULL, f->key, 0);
                        r = parse_error(ctx, "required field is missing");
                        path_pop(ctx, saved);
                        return r;
                }

        return t->check ? t->check(ctx, t, seen, base) : 0;
}

/* Whether the object just read gave 'key' (not null), for a table's check. */
static bool table_seen(const OciTable *t, uint64_t seen, const char *key) {
        for (const OciField *f = t->fields; f->key; f++)
                if (streq(f->key, key))
                        return seen & (UINT64_C(1) << (f - t->fields));
        return false;
}

/* ---- What json-c does not say ---- */

/* json-c cuts an object key at an escaped NUL ("a\u0000b" becomes "a", another key, perhaps one the
 * spec knows) and clamps an integer beyond int64/uint64 to the limit, both without a word, and the
 * tree it returns cannot tell. So the text is read once more, only when it could hold either, and
 * both are refused with their JSON path wherever they stand. json-c accepted the text: it is valid
 * JSON, nested at most PARSE_MAX_DEPTH deep; anything unexpected only ends the scan. */

typedef struct TextScan {
        OciParseContext *ctx;
        const char *p, *end;
} TextScan;

static bool text_may_hide_values(const char *data, size_t size) {
        size_t digits = 0;

        /* 18 digits fit in int64 whatever they are */
        for (size_t i = 0; i < size; i++) {
                digits = data[i] >= '0' && data[i] <= '9' ? digits + 1 : 0;
                if (digits > 18)
                        return true;
        }
        return memmem(data, size, "\\u0000", 6) != NULL;
}

/* Never past the end, whatever the text. */
static void scan_skip(TextScan *s, size_t n) {
        s->p += MIN(n, (size_t) (s->end - s->p));
}

static void scan_space(TextScan *s) {
        while (s->p < s->end && strchr(" \t\r\n", *s->p))
                s->p++;
}

/* At the opening quote: moves past the closing one; *ret_nul tells whether the string holds \u0000. */
static void scan_string(TextScan *s, const char **ret_start, size_t *ret_len, bool *ret_nul) {
        const char *start;
        bool nul = false;

        scan_skip(s, 1);
        start = s->p;

        while (s->p < s->end && *s->p != '"') {
                if (*s->p != '\\') {
                        s->p++;
                        continue;
                }
                if (s->end - s->p >= 6 && strneq(s->p, "\\u0000", 6))
                        nul = true;
                scan_skip(s, s->end - s->p >= 2 && s->p[1] == 'u' ? 6 : 2);
        }
        *ret_start = start;
        *ret_len = (size_t) (s->p - start);
        *ret_nul = nul;
        scan_skip(s, 1);
}

/* A number: integers (no '.', no exponent) beyond int64 below zero or beyond uint64 above it are
 * refused; json-c keeps everything else exactly, or keeps the text (doubles). */
static int scan_number(TextScan *s) {
        static const char int64_min[] = "9223372036854775808", uint64_max[] = "18446744073709551615";
        const char *start = s->p, *digits;
        const char *limit;
        size_t n;

        if (*s->p == '-')
                s->p++;
        if (s->p < s->end && *s->p == 'I') {
                scan_skip(s, strlen("Infinity"));       /* json-c takes it */
                return 0;
        }
        while (s->p < s->end && *s->p == '0')
                s->p++;
        digits = s->p;
        while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
                s->p++;
        n = (size_t) (s->p - digits);
        if (s->p < s->end && strchr(".eE", *s->p)) {
                while (s->p < s->end && strchr("0123456789.eE+-", *s->p))
                        s->p++;
                return 0;
        }
        limit = *start == '-' ? int64_min : uint64_max;
        if (n < strlen(limit) || (n == strlen(limit) && memcmp(digits, limit, n) <= 0))
                return 0;
        if (s->p - start > 64)
                return parse_error(s->ctx, "expected an integer of at most 64 bits, got %.60s…", start);
        return parse_error(s->ctx, "expected an integer of at most 64 bits, got %.*s", (int) (s->p - start), start);
}

static int scan_value(TextScan *s, unsigned depth);

/* An object or an array; a member's path is its key as written (json-c's is cut at the NUL) or its
 * index. */
static int scan_container(TextScan *s, unsigned depth) {
        char close = *s->p == '{' ? '}' : ']';

        scan_skip(s, 1);
        for (size_t i = 0;; i++) {
                _cleanup_free_ char *key = NULL;
                size_t saved;
                int r = 0;

                scan_space(s);
                if (s->p >= s->end || *s->p == close)
                        break;
                if (close == '}') {
                        const char *start;
                        size_t len;
                        bool nul;

                        scan_string(s, &start, &len, &nul);
                        key = strndup(start, len);
                        if (!key)
                                return -ENOMEM;
                        saved = path_push(s->ctx, NULL, key, 0);
                        if (nul)
                                r = parse_error(s->ctx, "key contains a NUL byte");
                        scan_space(s);
                        scan_skip(s, 1);        /* ':' */
                } else
                        saved = path_push(s->ctx, NULL, NULL, i);
                if (r >= 0)
                        r = scan_value(s, depth + 1);
                path_pop(s->ctx, saved);
                if (r < 0)
                        return r;
                scan_space(s);
                if (s->p >= s->end || *s->p != ',')
                        break;
                s->p++;
        }
        scan_skip(s, 1);        /* '}' or ']' */
        return 0;
}

static int scan_value(TextScan *s, unsigned depth) {
        const char *start;
        size_t len;
        bool nul;

        scan_space(s);
        if (s->p >= s->end || depth > PARSE_MAX_DEPTH) {
                s->p = s->end;
                return 0;
        }
        switch (*s->p) {
        case '{':
        case '[':
                return scan_container(s, depth);
        case '"':
                scan_string(s, &start, &len, &nul);     /* json-c keeps a value's NUL: see parse_string_value() */
                return 0;
        case '-':
        case '0' ... '9':
                return scan_number(s);
        default:
                /* true, false, null; NaN and Infinity, which json-c takes */
                start = s->p;
                while (s->p < s->end && ((*s->p >= 'a' && *s->p <= 'z') || (*s->p >= 'A' && *s->p <= 'Z')))
                        s->p++;
                if (s->p == start)
                        s->p = s->end;  /* not JSON as expected: stop */
                return 0;
        }
}

static int scan_text(OciParseContext *ctx, const char *data, size_t size) {
        TextScan s = { .ctx = ctx, .p = data, .end = data + size };

        if (!text_may_hide_values(data, size))
                return 0;
        return scan_value(&s, 0);
}

/* ---- Enumerations ---- */

static const char *namespace_to_string(int v) { return oci_namespace_type_to_string(v); }
static const char *seccomp_action_to_string(int v) { return oci_seccomp_action_to_string(v); }
static const char *seccomp_op_to_string(int v) { return oci_seccomp_op_to_string(v); }

static const OciEnum enum_namespace = { "namespace type", oci_namespace_type_from_string, namespace_to_string };
static const OciEnum enum_rlimit = { "rlimit", oci_rlimit_from_string, oci_rlimit_to_string };
static const OciEnum enum_seccomp_action = {
        "seccomp action", oci_seccomp_action_from_string, seccomp_action_to_string };
static const OciEnum enum_seccomp_op = { "seccomp operator", oci_seccomp_op_from_string, seccomp_op_to_string };
static const OciEnum enum_sched_policy = {
        "scheduler policy", oci_sched_policy_from_string, oci_sched_policy_to_string };
static const OciEnum enum_ioprio_class = {
        "I/O priority class", oci_ioprio_class_from_string, oci_ioprio_class_to_string };
static const OciEnum enum_device_type = { "device type" };
static const OciEnum enum_propagation = { "mount propagation" };
static const OciEnum enum_access = { "device access" };
static const OciEnum enum_personality = { "personality domain" };
static const OciEnum enum_mempolicy = { "memory policy mode" };

static const char * const propagation_values[] = {
        "shared", "slave", "private", "unbindable", "rshared", "rslave", "rprivate", "runbindable", NULL,
};
static const char * const personality_values[] = { "LINUX", "LINUX32", NULL };
static const char * const mempolicy_values[] = {
        "MPOL_DEFAULT", "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE", "MPOL_PREFERRED",
        "MPOL_PREFERRED_MANY", "MPOL_LOCAL", NULL,
};

/* ---- Custom fields ---- */

typedef struct NamespaceEntry {
        int type;
        char *path;
} NamespaceEntry;

static const OciField namespace_fields[] = {
        { "type", OCI_FIELD_ENUM, OCI_FIELD_REQUIRED, offsetof(NamespaceEntry, type),
          .enumeration = &enum_namespace },
        { "path", OCI_FIELD_STRING, 0, offsetof(NamespaceEntry, path) },
        {}
};
static const OciTable namespace_table = { namespace_fields };

static int parse_namespaces(OciParseContext *ctx, json_object *v, void *p) {
        OciNamespace *ns = p;

        if (!json_object_is_type(v, json_type_array))
                return parse_type_error(ctx, v, "an array");
        for (size_t i = 0; i < json_object_array_length(v); i++) {
                NamespaceEntry e = {};
                size_t saved = path_push(ctx, NULL, NULL, i);
                int r = parse_table(ctx, json_object_array_get_idx(v, i), &namespace_table, &e);

                if (r >= 0 && ns[e.type].present) {
                        size_t s = path_push(ctx, NULL, "type", 0);
                        r = parse_error(ctx, "duplicate namespace type \"%s\"", oci_namespace_type_to_string(e.type));
                        path_pop(ctx, s);
                }
                path_pop(ctx, saved);
                if (r < 0) {
                        free(e.path);
                        return r;
                }
                ns[e.type] = (OciNamespace) { .present = true, .path = e.path };
        }
        return 0;
}

static void namespaces_done(void *p) {
        OciNamespace *ns = p;

        for (size_t i = 0; i < _OCI_NS_MAX; i++)
                free(ns[i].path);
}

static int parse_capabilities(OciParseContext *ctx, json_object *v, void *p) {
        OciProcess *proc = p;

        if (!json_object_is_type(v, json_type_object))
                return parse_type_error(ctx, v, "an object");
        proc->has_capabilities = true;

        json_object_object_foreach(v, key, value) {
                size_t saved = path_push(ctx, NULL, key, 0);
                int set, r = 0;

                for (set = 0; set < _OCI_CAP_SET_MAX; set++)
                        if (streq(key, oci_cap_set_to_string(set)))
                                break;
                if (set == _OCI_CAP_SET_MAX)
                        log_debug("%s: %s: unknown capability set, ignoring.", ctx->name, ctx->path);
                else if (json_object_is_type(value, json_type_null))
                        ;
                else if (!json_object_is_type(value, json_type_array))
                        r = parse_type_error(ctx, value, "an array of strings");
                else {
                        proc->cap_set_present[set] = true;
                        proc->caps[set] = 0;
                        for (size_t i = 0; r >= 0 && i < json_object_array_length(value); i++) {
                                size_t s = path_push(ctx, NULL, NULL, i);
                                int cap;

                                r = parse_enum_value(ctx, json_object_array_get_idx(value, i),
                                                     &(const OciEnum) { "capability", oci_capability_from_string },
                                                     &cap);
                                if (r >= 0)
                                        proc->caps[set] |= UINT64_C(1) << cap;
                                path_pop(ctx, s);
                        }
                }
                path_pop(ctx, saved);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void additional_gids_done(void *p) {
        free(((OciProcess *) p)->additional_gids);
}

static int parse_additional_gids(OciParseContext *ctx, json_object *v, void *p) {
        OciProcess *proc = p;
        size_t n;

        if (!json_object_is_type(v, json_type_array))
                return parse_type_error(ctx, v, "an array of integers");
        n = json_object_array_length(v);
        free(proc->additional_gids);
        proc->n_additional_gids = 0;
        proc->additional_gids = calloc(MAX(n, 1), sizeof(gid_t));
        if (!proc->additional_gids)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                size_t saved = path_push(ctx, NULL, NULL, i);
                uint64_t u;
                int r = parse_integer(ctx, json_object_array_get_idx(v, i), false, 0, 0, UINT32_MAX, &u);
                path_pop(ctx, saved);
                if (r < 0)
                        return r;
                proc->additional_gids[proc->n_additional_gids++] = (gid_t) u;
        }
        return 0;
}

static int parse_sched_flags(OciParseContext *ctx, json_object *v, void *p) {
        uint64_t *flags = p;

        if (!json_object_is_type(v, json_type_array))
                return parse_type_error(ctx, v, "an array of strings");
        for (size_t i = 0; i < json_object_array_length(v); i++) {
                size_t saved = path_push(ctx, NULL, NULL, i);
                int bit, r = parse_enum_value(ctx, json_object_array_get_idx(v, i),
                                              &(const OciEnum) { "scheduler flag", oci_sched_flag_from_string }, &bit);
                path_pop(ctx, saved);
                if (r < 0)
                        return r;
                *flags |= UINT64_C(1) << bit;
        }
        return 0;
}

static int check_device_rule(OciParseContext *ctx, const OciTable *t, uint64_t seen, void *base) {
        OciDeviceRule *rule = base;

        if (!rule->type)
                rule->type = 'a';
        return 0;
}

/* The spec: major and minor are required unless the type is "p" (a FIFO). Zero for a missing one
 * would make the node of another device. */
static int check_device(OciParseContext *ctx, const OciTable *t, uint64_t seen, void *base) {
        static const char * const numbers[] = { "major", "minor" };
        OciDevice *d = base;

        if (d->type == 'p')
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(numbers); i++)
                if (!table_seen(t, seen, numbers[i])) {
                        size_t saved = path_push(ctx, NULL, numbers[i], 0);
                        int r = parse_error(ctx, "required field is missing for type \"%c\"", d->type);
                        path_pop(ctx, saved);
                        return r;
                }
        return 0;
}

static int check_config(OciParseContext *ctx, const OciTable *t, uint64_t seen, void *base) {
        OciConfig *c = base;
        const char *v = c->oci_version;
        int r;

        if (strneq(v, "1.", 2) && v[2] >= '0' && v[2] <= '9')
                return 0;

        size_t saved = path_push(ctx, NULL, "ociVersion", 0);
        r = parse_error(ctx, "unsupported version \"%s\", expected 1.x", v);
        path_pop(ctx, saved);
        return r;
}

/* ---- The tables, in the order of the runtime-spec (1.2) ---- */

#define STR(k, T, m, ...) { k, OCI_FIELD_STRING, 0, offsetof(T, m), __VA_ARGS__ }
#define STRV(k, T, m) { k, OCI_FIELD_STRV, 0, offsetof(T, m) }
#define TYPED(k, kind, T, m, ...) { k, OCI_FIELD_##kind, 0, offsetof(T, m), __VA_ARGS__ }
#define REQUIRED(k, kind, T, m, ...) { k, OCI_FIELD_##kind, OCI_FIELD_REQUIRED, offsetof(T, m), __VA_ARGS__ }
#define OBJECT(k, T, m, present, table) \
        { k, OCI_FIELD_OBJECT, 0, offsetof(T, m), present, .sub = &(table) }
#define ARRAY(k, T, m, E, table) \
        { k, OCI_FIELD_ARRAY, 0, offsetof(T, m), offsetof(T, n_##m), sizeof(E), .sub = &(table) }
#define ARRAY_N(k, T, m, n, E, table) \
        { k, OCI_FIELD_ARRAY, 0, offsetof(T, m), offsetof(T, n), sizeof(E), .sub = &(table) }
#define MAP(k, T, m) { k, OCI_FIELD_MAP, 0, offsetof(T, m), offsetof(T, n_##m) }
/* A JSON object whose fields live in the parent struct itself (root, user, hooks, ...). */
#define INLINE(k, table) { k, OCI_FIELD_OBJECT, 0, 0, OCI_NO_AUX, .sub = &(table) }
/* The same, with a 'present' flag: linux.resources' memory, cpu, ... address OciResources directly. */
#define PART(k, present, table) { k, OCI_FIELD_OBJECT, 0, 0, present, .sub = &(table) }
#define CUSTOM(k, T, m, p, o, ...) { k, OCI_FIELD_CUSTOM, 0, offsetof(T, m), .parse = p, .out = o, __VA_ARGS__ }
#define CUSTOM_BASE(k, p, o, ...) { k, OCI_FIELD_CUSTOM, 0, 0, .parse = p, .out = o, __VA_ARGS__ }
#define RANGE(a, b) .ranged = true, .min = (a), .max = (b)

static const OciField id_mapping_fields[] = {
        REQUIRED("containerID", UINT32, OciIdMapping, container_id),
        REQUIRED("hostID", UINT32, OciIdMapping, host_id),
        REQUIRED("size", UINT32, OciIdMapping, size),
        {}
};
static const OciTable id_mapping_table = { id_mapping_fields };

static const OciField root_fields[] = {
        REQUIRED("path", STRING, OciConfig, root_path),
        TYPED("readonly", BOOL, OciConfig, root_readonly),
        {}
};
static const OciTable root_table = { root_fields };

static const OciField mount_fields[] = {
        REQUIRED("destination", STRING, OciMount, destination),
        STR("type", OciMount, type),
        STR("source", OciMount, source),
        STRV("options", OciMount, options),
        ARRAY("uidMappings", OciMount, uid_mappings, OciIdMapping, id_mapping_table),
        ARRAY("gidMappings", OciMount, gid_mappings, OciIdMapping, id_mapping_table),
        {}
};
static const OciTable mount_table = { mount_fields };

static const OciField console_size_fields[] = {
        REQUIRED("height", OPT_UINT, OciProcess, console_height, RANGE(0, UINT32_MAX)),
        REQUIRED("width", OPT_UINT, OciProcess, console_width, RANGE(0, UINT32_MAX)),
        {}
};
static const OciTable console_size_table = { console_size_fields };

static const OciField user_fields[] = {
        TYPED("uid", UINT32, OciProcess, uid),
        TYPED("gid", UINT32, OciProcess, gid),
        TYPED("umask", OPT_UINT, OciProcess, umask, RANGE(0, UINT32_MAX)),
        CUSTOM_BASE("additionalGids", parse_additional_gids, oci_json_additional_gids, .done = additional_gids_done),
        STR("username", OciProcess, username),
        {}
};
static const OciTable user_table = { user_fields };

static const OciField rlimit_fields[] = {
        REQUIRED("type", ENUM, OciRlimit, resource, .enumeration = &enum_rlimit),
        REQUIRED("soft", UINT64, OciRlimit, soft),
        REQUIRED("hard", UINT64, OciRlimit, hard),
        {}
};
static const OciTable rlimit_table = { rlimit_fields };

static const OciField scheduler_fields[] = {
        REQUIRED("policy", ENUM, OciScheduler, policy, .enumeration = &enum_sched_policy),
        TYPED("nice", OPT_INT, OciScheduler, nice, RANGE(INT32_MIN, INT32_MAX)),
        TYPED("priority", OPT_INT, OciScheduler, priority, RANGE(INT32_MIN, INT32_MAX)),
        CUSTOM("flags", OciScheduler, flags, parse_sched_flags, oci_json_sched_flags),
        TYPED("runtime", OPT_UINT, OciScheduler, runtime),
        TYPED("deadline", OPT_UINT, OciScheduler, deadline),
        TYPED("period", OPT_UINT, OciScheduler, period),
        {}
};
static const OciTable scheduler_table = { scheduler_fields };

static const OciField io_priority_fields[] = {
        REQUIRED("class", ENUM, OciIoPriority, class, .enumeration = &enum_ioprio_class),
        TYPED("priority", INT, OciIoPriority, priority, RANGE(0, 7)),
        {}
};
static const OciTable io_priority_table = { io_priority_fields };

static const OciField cpu_affinity_fields[] = {
        STR("initial", OciProcess, exec_cpu_affinity_initial),
        STR("final", OciProcess, exec_cpu_affinity_final),
        {}
};
static const OciTable cpu_affinity_table = { cpu_affinity_fields };

static const OciField process_fields[] = {
        TYPED("terminal", BOOL, OciProcess, terminal),
        INLINE("consoleSize", console_size_table),
        INLINE("user", user_table),
        STRV("args", OciProcess, args),
        STR("commandLine", OciProcess, command_line),
        STRV("env", OciProcess, env),
        STR("cwd", OciProcess, cwd),
        CUSTOM_BASE("capabilities", parse_capabilities, oci_json_capabilities),
        ARRAY("rlimits", OciProcess, rlimits, OciRlimit, rlimit_table),
        TYPED("noNewPrivileges", BOOL, OciProcess, no_new_privileges),
        STR("apparmorProfile", OciProcess, apparmor_profile),
        TYPED("oomScoreAdj", OPT_INT, OciProcess, oom_score_adj, RANGE(-1000, 1000)),
        OBJECT("scheduler", OciProcess, scheduler, offsetof(OciProcess, scheduler.set), scheduler_table),
        STR("selinuxLabel", OciProcess, selinux_label),
        OBJECT("ioPriority", OciProcess, io_priority, offsetof(OciProcess, io_priority.set), io_priority_table),
        INLINE("execCPUAffinity", cpu_affinity_table),
        {}
};
const OciTable oci_process_table = { process_fields };

static const OciField hook_fields[] = {
        REQUIRED("path", STRING, OciHook, path),
        STRV("args", OciHook, args),
        STRV("env", OciHook, env),
        TYPED("timeout", OPT_INT, OciHook, timeout, RANGE(1, INT64_MAX)),
        {}
};
static const OciTable hook_table = { hook_fields };

#define HOOK(k, kind) \
        { k, OCI_FIELD_ARRAY, 0, offsetof(OciConfig, hooks[kind]), offsetof(OciConfig, n_hooks[kind]), \
          sizeof(OciHook), .sub = &hook_table }
static const OciField hooks_fields[] = {
        HOOK("prestart", OCI_HOOK_PRESTART),
        HOOK("createRuntime", OCI_HOOK_CREATE_RUNTIME),
        HOOK("createContainer", OCI_HOOK_CREATE_CONTAINER),
        HOOK("startContainer", OCI_HOOK_START_CONTAINER),
        HOOK("poststart", OCI_HOOK_POSTSTART),
        HOOK("poststop", OCI_HOOK_POSTSTOP),
        {}
};
static const OciTable hooks_table = { hooks_fields };

static const OciField time_offset_fields[] = {
        TYPED("secs", INT64, OciTimeOffset, secs),
        TYPED("nanosecs", UINT32, OciTimeOffset, nanosecs, RANGE(0, 999999999)),
        {}
};
static const OciTable time_offset_table = { time_offset_fields };

static const OciField time_offsets_fields[] = {
        OBJECT("monotonic", OciLinux, time_offset_monotonic, offsetof(OciLinux, time_offset_monotonic.set),
               time_offset_table),
        OBJECT("boottime", OciLinux, time_offset_boottime, offsetof(OciLinux, time_offset_boottime.set),
               time_offset_table),
        {}
};
static const OciTable time_offsets_table = { time_offsets_fields };

static const OciField device_fields[] = {
        REQUIRED("path", STRING, OciDevice, path),
        REQUIRED("type", CHAR, OciDevice, type, .chars = "cbup", .enumeration = &enum_device_type),
        TYPED("major", INT64, OciDevice, major),
        TYPED("minor", INT64, OciDevice, minor),
        TYPED("fileMode", OPT_UINT, OciDevice, file_mode, RANGE(0, UINT32_MAX)),
        TYPED("uid", OPT_UINT, OciDevice, uid, RANGE(0, UINT32_MAX)),
        TYPED("gid", OPT_UINT, OciDevice, gid, RANGE(0, UINT32_MAX)),
        {}
};
static const OciTable device_table = { device_fields, check_device };

static const OciField net_device_fields[] = {
        STR("name", OciNetDevice, name),
        {}
};
static const OciTable net_device_table = { net_device_fields };

static const OciField device_rule_fields[] = {
        REQUIRED("allow", BOOL, OciDeviceRule, allow),
        TYPED("type", CHAR, OciDeviceRule, type, .chars = "acb", .enumeration = &enum_device_type),
        TYPED("major", OPT_INT, OciDeviceRule, major, RANGE(-1, INT64_MAX)),
        TYPED("minor", OPT_INT, OciDeviceRule, minor, RANGE(-1, INT64_MAX)),
        STR("access", OciDeviceRule, access, .chars = "rwm", .enumeration = &enum_access),
        {}
};
static const OciTable device_rule_table = { device_rule_fields, check_device_rule };

static const OciField memory_fields[] = {
        TYPED("limit", OPT_INT, OciResources, memory.limit),
        TYPED("reservation", OPT_INT, OciResources, memory.reservation),
        TYPED("swap", OPT_INT, OciResources, memory.swap),
        TYPED("kernel", OPT_INT, OciResources, memory.kernel),
        TYPED("kernelTCP", OPT_INT, OciResources, memory.kernel_tcp),
        TYPED("swappiness", OPT_UINT, OciResources, memory.swappiness, RANGE(0, 100)),
        TYPED("disableOOMKiller", OPT_BOOL, OciResources, memory.disable_oom_killer),
        TYPED("useHierarchy", OPT_BOOL, OciResources, memory.use_hierarchy),
        TYPED("checkBeforeUpdate", OPT_BOOL, OciResources, memory.check_before_update),
        {}
};
static const OciTable memory_table = { memory_fields };

static const OciField cpu_fields[] = {
        TYPED("shares", OPT_UINT, OciResources, cpu.shares),
        TYPED("quota", OPT_INT, OciResources, cpu.quota),
        TYPED("burst", OPT_UINT, OciResources, cpu.burst),
        TYPED("period", OPT_UINT, OciResources, cpu.period),
        TYPED("realtimeRuntime", OPT_INT, OciResources, cpu.realtime_runtime),
        TYPED("realtimePeriod", OPT_UINT, OciResources, cpu.realtime_period),
        STR("cpus", OciResources, cpu.cpus),
        STR("mems", OciResources, cpu.mems),
        TYPED("idle", OPT_INT, OciResources, cpu.idle),
        {}
};
static const OciTable cpu_table = { cpu_fields };

static const OciField weight_device_fields[] = {
        REQUIRED("major", INT64, OciWeightDevice, major),
        REQUIRED("minor", INT64, OciWeightDevice, minor),
        TYPED("weight", OPT_UINT, OciWeightDevice, weight, RANGE(0, 1000)),
        TYPED("leafWeight", OPT_UINT, OciWeightDevice, leaf_weight, RANGE(0, 1000)),
        {}
};
static const OciTable weight_device_table = { weight_device_fields };

static const OciField throttle_device_fields[] = {
        REQUIRED("major", INT64, OciThrottleDevice, major),
        REQUIRED("minor", INT64, OciThrottleDevice, minor),
        REQUIRED("rate", UINT64, OciThrottleDevice, rate),
        {}
};
static const OciTable throttle_device_table = { throttle_device_fields };

#define THROTTLE(k, m) \
        { k, OCI_FIELD_ARRAY, 0, offsetof(OciResources, block_io.m), offsetof(OciResources, block_io.n_##m), \
          sizeof(OciThrottleDevice), .sub = &throttle_device_table }
static const OciField block_io_fields[] = {
        TYPED("weight", OPT_UINT, OciResources, block_io.weight, RANGE(0, 1000)),
        TYPED("leafWeight", OPT_UINT, OciResources, block_io.leaf_weight, RANGE(0, 1000)),
        ARRAY_N("weightDevice", OciResources, block_io.weight_devices, block_io.n_weight_devices, OciWeightDevice, weight_device_table),
        THROTTLE("throttleReadBpsDevice", throttle_read_bps),
        THROTTLE("throttleWriteBpsDevice", throttle_write_bps),
        THROTTLE("throttleReadIOPSDevice", throttle_read_iops),
        THROTTLE("throttleWriteIOPSDevice", throttle_write_iops),
        {}
};
static const OciTable block_io_table = { block_io_fields };

static const OciField hugepage_fields[] = {
        REQUIRED("pageSize", STRING, OciHugepageLimit, page_size),
        REQUIRED("limit", UINT64, OciHugepageLimit, limit),
        {}
};
static const OciTable hugepage_table = { hugepage_fields };

static const OciField net_priority_fields[] = {
        REQUIRED("name", STRING, OciNetPriority, name),
        REQUIRED("priority", UINT32, OciNetPriority, priority),
        {}
};
static const OciTable net_priority_table = { net_priority_fields };

static const OciField network_fields[] = {
        TYPED("classID", OPT_UINT, OciResources, network.class_id, RANGE(0, UINT32_MAX)),
        ARRAY_N("priorities", OciResources, network.priorities, network.n_priorities, OciNetPriority, net_priority_table),
        {}
};
static const OciTable network_table = { network_fields };

static const OciField pids_fields[] = {
        REQUIRED("limit", INT64, OciResources, pids.limit),
        {}
};
static const OciTable pids_table = { pids_fields };

static const OciField rdma_fields[] = {
        TYPED("hcaHandles", OPT_UINT, OciRdmaLimit, hca_handles, RANGE(0, UINT32_MAX)),
        TYPED("hcaObjects", OPT_UINT, OciRdmaLimit, hca_objects, RANGE(0, UINT32_MAX)),
        {}
};
static const OciTable rdma_table = { rdma_fields };

#define PRESENT(T, m) offsetof(T, m.present)
static const OciField resources_fields[] = {
        ARRAY("devices", OciResources, devices, OciDeviceRule, device_rule_table),
        PART("memory", PRESENT(OciResources, memory), memory_table),
        PART("cpu", PRESENT(OciResources, cpu), cpu_table),
        PART("pids", PRESENT(OciResources, pids), pids_table),
        PART("blockIO", PRESENT(OciResources, block_io), block_io_table),
        ARRAY("hugepageLimits", OciResources, hugepage_limits, OciHugepageLimit, hugepage_table),
        PART("network", PRESENT(OciResources, network), network_table),
        { "rdma", OCI_FIELD_OBJECT_MAP, 0, offsetof(OciResources, rdma), offsetof(OciResources, n_rdma),
          sizeof(OciRdmaLimit), .sub = &rdma_table },
        MAP("unified", OciResources, unified),
        {}
};
const OciTable oci_resources_table = { resources_fields };

static const OciField intel_rdt_fields[] = {
        STR("closID", OciIntelRdt, clos_id),
        STR("l3CacheSchema", OciIntelRdt, l3_cache_schema),
        STR("memBwSchema", OciIntelRdt, mem_bw_schema),
        STRV("schemata", OciIntelRdt, schemata),
        TYPED("enableCMT", OPT_BOOL, OciIntelRdt, enable_cmt),
        TYPED("enableMBM", OPT_BOOL, OciIntelRdt, enable_mbm),
        {}
};
static const OciTable intel_rdt_table = { intel_rdt_fields };

static const OciField seccomp_arg_fields[] = {
        REQUIRED("index", UINT32, OciSeccompArg, index, RANGE(0, 5)),
        REQUIRED("value", UINT64, OciSeccompArg, value),
        TYPED("valueTwo", UINT64, OciSeccompArg, value_two),
        REQUIRED("op", ENUM, OciSeccompArg, op, .enumeration = &enum_seccomp_op),
        {}
};
static const OciTable seccomp_arg_table = { seccomp_arg_fields };

static const OciField seccomp_syscall_fields[] = {
        REQUIRED("names", STRV, OciSeccompSyscall, names),
        REQUIRED("action", ENUM, OciSeccompSyscall, action, .enumeration = &enum_seccomp_action),
        TYPED("errnoRet", OPT_UINT, OciSeccompSyscall, errno_ret, RANGE(0, UINT32_MAX)),
        ARRAY("args", OciSeccompSyscall, args, OciSeccompArg, seccomp_arg_table),
        {}
};
static const OciTable seccomp_syscall_table = { seccomp_syscall_fields };

static const OciField seccomp_fields[] = {
        REQUIRED("defaultAction", ENUM, OciSeccomp, default_action, .enumeration = &enum_seccomp_action),
        TYPED("defaultErrnoRet", OPT_UINT, OciSeccomp, default_errno_ret, RANGE(0, UINT32_MAX)),
        STRV("architectures", OciSeccomp, architectures),
        STRV("flags", OciSeccomp, flags),
        STR("listenerPath", OciSeccomp, listener_path),
        STR("listenerMetadata", OciSeccomp, listener_metadata),
        ARRAY("syscalls", OciSeccomp, syscalls, OciSeccompSyscall, seccomp_syscall_table),
        {}
};
static const OciTable seccomp_table = { seccomp_fields };

static const OciField personality_fields[] = {
        REQUIRED("domain", STRING, OciPersonality, domain, .allowed = personality_values,
                 .enumeration = &enum_personality),
        STRV("flags", OciPersonality, flags),
        {}
};
static const OciTable personality_table = { personality_fields };

static const OciField memory_policy_fields[] = {
        REQUIRED("mode", STRING, OciMemoryPolicy, mode, .allowed = mempolicy_values,
                 .enumeration = &enum_mempolicy),
        STR("nodes", OciMemoryPolicy, nodes),
        STRV("flags", OciMemoryPolicy, flags),
        {}
};
static const OciTable memory_policy_table = { memory_policy_fields };

static const OciField linux_fields[] = {
        CUSTOM("namespaces", OciLinux, namespaces, parse_namespaces, oci_json_namespaces, .done = namespaces_done),
        ARRAY("uidMappings", OciLinux, uid_mappings, OciIdMapping, id_mapping_table),
        ARRAY("gidMappings", OciLinux, gid_mappings, OciIdMapping, id_mapping_table),
        INLINE("timeOffsets", time_offsets_table),
        ARRAY("devices", OciLinux, devices, OciDevice, device_table),
        { "netDevices", OCI_FIELD_OBJECT_MAP, 0, offsetof(OciLinux, net_devices), offsetof(OciLinux, n_net_devices),
          sizeof(OciNetDevice), .sub = &net_device_table },
        STR("cgroupsPath", OciLinux, cgroups_path),
        OBJECT("resources", OciLinux, resources, offsetof(OciLinux, has_resources), oci_resources_table),
        OBJECT("intelRdt", OciLinux, intel_rdt, PRESENT(OciLinux, intel_rdt), intel_rdt_table),
        MAP("sysctl", OciLinux, sysctl),
        OBJECT("seccomp", OciLinux, seccomp, PRESENT(OciLinux, seccomp), seccomp_table),
        STR("rootfsPropagation", OciLinux, rootfs_propagation, .allowed = propagation_values,
            .enumeration = &enum_propagation),
        STRV("maskedPaths", OciLinux, masked_paths),
        STRV("readonlyPaths", OciLinux, readonly_paths),
        STR("mountLabel", OciLinux, mount_label),
        OBJECT("personality", OciLinux, personality, PRESENT(OciLinux, personality), personality_table),
        OBJECT("memoryPolicy", OciLinux, memory_policy, PRESENT(OciLinux, memory_policy), memory_policy_table),
        {}
};
static const OciTable linux_table = { linux_fields };

static const OciField config_fields[] = {
        REQUIRED("ociVersion", STRING, OciConfig, oci_version),
        INLINE("root", root_table),
        ARRAY("mounts", OciConfig, mounts, OciMount, mount_table),
        OBJECT("process", OciConfig, process, offsetof(OciConfig, has_process), oci_process_table),
        STR("hostname", OciConfig, hostname),
        STR("domainname", OciConfig, domainname),
        INLINE("hooks", hooks_table),
        MAP("annotations", OciConfig, annotations),
        OBJECT("linux", OciConfig, linux, PRESENT(OciConfig, linux), linux_table),
        {}
};
const OciTable oci_config_table = { config_fields, check_config };

static const OciField state_fields[] = {
        REQUIRED("ociVersion", STRING, StateData, oci_version),
        REQUIRED("id", STRING, StateData, id),
        TYPED("pid", INT, StateData, pid, RANGE(0, INT32_MAX)),
        STR("bundle", StateData, bundle),
        STR("rootfs", StateData, rootfs),
        STR("created", StateData, created),
        MAP("annotations", StateData, annotations),
        TYPED("pidStartTime", UINT64, StateData, pid_start_time),
        TYPED("holderPid", INT, StateData, holder_pid, RANGE(0, INT32_MAX)),
        TYPED("holderStartTime", UINT64, StateData, holder_start_time),
        TYPED("nspawnPid", INT, StateData, nspawn_pid, RANGE(0, INT32_MAX)),
        TYPED("nspawnStartTime", UINT64, StateData, nspawn_start_time),
        STR("builder", StateData, builder),
        STR("machine", StateData, machine),
        STR("unit", StateData, unit),
        STR("cgroup", StateData, cgroup),
        STR("devicesCgroup", StateData, devices_cgroup),
        TYPED("registered", BOOL, StateData, registered),
        TYPED("started", BOOL, StateData, started),
        TYPED("exitNoted", BOOL, StateData, exit_noted),
        TYPED("noNewKeyring", BOOL, StateData, no_new_keyring),
        STR("configPath", StateData, config_path),
        {}
};
const OciTable oci_state_table = { state_fields };

/* ---- Entry points ---- */

static int parse_document(const char *data, size_t size, const char *name, const OciTable *t, void *base,
                          char **ret_error) {
        OciParseContext ctx = { .name = name };
        json_tokener *tok = NULL;
        json_object *root = NULL;
        int r;

        if (size > OCI_PARSE_MAX_SIZE)
                r = parse_error(&ctx, "too large (%zu bytes, at most %u)", size, OCI_PARSE_MAX_SIZE);
        else if (size == 0 || !data)
                r = parse_error(&ctx, "empty document");
        else if (memchr(data, 0, size))
                /* json-c would stop at the NUL and parse only what precedes it. */
                r = parse_error(&ctx, "contains a NUL byte outside of a string");
        else if (!(tok = json_tokener_new_ex(PARSE_MAX_DEPTH)))
                r = -ENOMEM;
        else {
                enum json_tokener_error e;
                bool truncated = false;
                size_t end, rest;

                json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
                root = json_tokener_parse_ex(tok, data, (int) size);
                e = json_tokener_get_error(tok);
                if (!root && e == json_tokener_continue) {
                        /* A bare number at the top level ends only at the end of the input. */
                        root = json_tokener_parse_ex(tok, "", 1);
                        e = json_tokener_get_error(tok);
                        truncated = !root && e != json_tokener_success;
                        end = size;
                } else
                        end = json_tokener_get_parse_end(tok);
                rest = end;
                while (rest < size && strchr(" \t\r\n", data[rest]))
                        rest++;

                if (truncated)
                        r = parse_error(&ctx, "invalid JSON: unexpected end of data");
                else if (!root && e != json_tokener_success)
                        r = parse_error(&ctx, "invalid JSON at byte %zu: %s", end, json_tokener_error_desc(e));
                else if (rest < size)
                        r = parse_error(&ctx, "invalid JSON at byte %zu: trailing data", rest);
                else if (!json_object_is_type(root, json_type_object))
                        r = parse_type_error(&ctx, root, "an object at the top level");
                else if ((r = scan_text(&ctx, data, size)) >= 0)
                        r = parse_table(&ctx, root, t, base);
        }

        json_object_put(root);
        if (tok)
                json_tokener_free(tok);
        if (r < 0 && ret_error)
                *ret_error = ctx.error ?: strjoin(name, ": out of memory");
        else
                free(ctx.error);
        return r;
}

/* Frees what the model at base owns, as the table that parses it describes it. */
static void table_done(const OciTable *t, void *base) {
        for (const OciField *f = t->fields; f->key; f++) {
                uint8_t *p = (uint8_t *) base + f->offset;

                switch (f->kind) {
                case OCI_FIELD_STRING:
                        free(*(char **) p);
                        break;
                case OCI_FIELD_STRV:
                        strv_free(*(char ***) p);
                        break;
                case OCI_FIELD_MAP:
                        oci_key_values_free(*(OciKeyValue **) p, *(size_t *) ((uint8_t *) base + f->aux));
                        break;
                case OCI_FIELD_OBJECT:
                        table_done(f->sub, p);
                        break;
                case OCI_FIELD_ARRAY:
                case OCI_FIELD_OBJECT_MAP: {
                        uint8_t *elements = *(uint8_t **) p;
                        size_t n = *(size_t *) ((uint8_t *) base + f->aux);

                        for (size_t i = 0; elements && i < n; i++) {
                                if (f->kind == OCI_FIELD_OBJECT_MAP) /* the key, the element's first member */
                                        free(*(char **) (elements + i * f->elem_size));
                                table_done(f->sub, elements + i * f->elem_size);
                        }
                        free(elements);
                        break;
                }
                case OCI_FIELD_CUSTOM:
                        if (f->done)
                                f->done(p);
                        break;
                default:
                        break;
                }
        }
}

/* Frees the object o, of table t, and what it owns; returns NULL. */
static void *object_free(const OciTable *t, void *o) {
        if (o)
                table_done(t, o);
        free(o);
        return NULL;
}

OciConfig *oci_config_free(OciConfig *c) {
        return object_free(&oci_config_table, c);
}

OciProcess *oci_process_free(OciProcess *p) {
        return object_free(&oci_process_table, p);
}

OciResources *oci_resources_free(OciResources *r) {
        return object_free(&oci_resources_table, r);
}

StateData *state_data_free(StateData *s) {
        return object_free(&oci_state_table, s);
}

/* The parts of a larger object, left empty to be filled again. */
void oci_process_done(OciProcess *p) {
        if (!p)
                return;
        table_done(&oci_process_table, p);
        *p = (OciProcess) {};
}

void oci_resources_done(OciResources *r) {
        if (!r)
                return;
        table_done(&oci_resources_table, r);
        *r = (OciResources) {};
}

/* The object each entry point returns: its table, its size, and how to free it. */
typedef struct OciDocument {
        const OciTable *table;
        size_t size;
        void (*free)(void *object);
} OciDocument;

static void config_free(void *c) {
        oci_config_free(c);
}
static void process_free(void *p) {
        oci_process_free(p);
}
static void resources_free(void *r) {
        oci_resources_free(r);
}
static void state_free(void *s) {
        state_data_free(s);
}

static const OciDocument config_document = { &oci_config_table, sizeof(OciConfig), config_free };
static const OciDocument process_document = { &oci_process_table, sizeof(OciProcess), process_free };
static const OciDocument resources_document = { &oci_resources_table, sizeof(OciResources), resources_free };
static const OciDocument state_document = { &oci_state_table, sizeof(StateData), state_free };

/* A new object of the document's kind, parsed from data. */
static int parse_new(const OciDocument *d, const char *data, size_t size, const char *name, void **ret,
                     char **ret_error) {
        void *o = calloc(1, d->size);
        int r;

        if (!o)
                return -ENOMEM;
        r = parse_document(data, size, name, d->table, o, ret_error);
        if (r < 0) {
                d->free(o);
                return r;
        }
        *ret = o;
        return 0;
}

int oci_parse_config(const char *data, size_t size, const char *name, OciConfig **ret, char **ret_error) {
        return parse_new(&config_document, data, size, name, (void **) ret, ret_error);
}

int oci_parse_process(const char *data, size_t size, const char *name, OciProcess **ret, char **ret_error) {
        return parse_new(&process_document, data, size, name, (void **) ret, ret_error);
}

int oci_parse_resources(const char *data, size_t size, const char *name, OciResources **ret, char **ret_error) {
        return parse_new(&resources_document, data, size, name, (void **) ret, ret_error);
}

int oci_parse_state(const char *data, size_t size, StateData **ret, char **ret_error) {
        return parse_new(&state_document, data, size, "state.json", (void **) ret, ret_error);
}

/* Reads at most OCI_PARSE_MAX_SIZE + 1 bytes: a larger file is refused without reading it all. */
static int read_limited(const char *path, char **ret, size_t *ret_size, char **ret_error) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, allocated = 0;
        struct stat st;

        /* O_NONBLOCK: opening a FIFO nobody writes to would wait for a writer. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0 || fstat(fd, &st) < 0) {
                int r = negative_errno();
                if (asprintf(ret_error, "%s: cannot read: %s", path, strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        /* Documents are files: a FIFO or a terminal could keep the reader waiting, /dev/zero feed it
         * forever. */
        if (!S_ISREG(st.st_mode)) {
                const char *what = S_ISDIR(st.st_mode)    ? "a directory"
                                   : S_ISFIFO(st.st_mode) ? "a FIFO"
                                   : S_ISCHR(st.st_mode)  ? "a character device"
                                   : S_ISBLK(st.st_mode)  ? "a block device"
                                                          : "a socket";
                if (asprintf(ret_error, "%s: not a regular file but %s", path, what) < 0)
                        *ret_error = NULL;
                return S_ISDIR(st.st_mode) ? -EISDIR : -EBADFD;
        }
        if ((uint64_t) st.st_size > OCI_PARSE_MAX_SIZE) {
                if (asprintf(ret_error, "%s: too large (%" PRIu64 " bytes, at most %u)", path,
                             (uint64_t) st.st_size, OCI_PARSE_MAX_SIZE) < 0)
                        *ret_error = NULL;
                return -EFBIG;
        }

        for (;;) {
                ssize_t n;

                if (allocated - size < 4096) {
                        size_t na = allocated ? allocated * 2 : 65536;
                        char *nb = realloc(buf, na);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                        allocated = na;
                }
                n = read(fd, buf + size, allocated - size);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int r = negative_errno();
                        if (asprintf(ret_error, "%s: cannot read: %s", path, strerror(-r)) < 0)
                                *ret_error = NULL;
                        return r;
                }
                if (n == 0)
                        break;
                size += (size_t) n;
                if (size > OCI_PARSE_MAX_SIZE) {
                        if (asprintf(ret_error, "%s: too large (more than %u bytes)", path, OCI_PARSE_MAX_SIZE) < 0)
                                *ret_error = NULL;
                        return -EFBIG;
                }
        }
        *ret = TAKE_PTR(buf);
        *ret_size = size;
        return 0;
}

/* A new object of the document's kind, parsed from the file at path. */
static int parse_file(const OciDocument *d, const char *path, void **ret, char **ret_error) {
        _cleanup_free_ char *data = NULL;
        size_t size;
        int r;

        r = read_limited(path, &data, &size, ret_error);
        if (r < 0)
                return r;
        return parse_new(d, data, size, path, ret, ret_error);
}

int oci_parse_config_file(const char *path, OciConfig **ret, char **ret_error) {
        return parse_file(&config_document, path, (void **) ret, ret_error);
}

int oci_parse_process_file(const char *path, OciProcess **ret, char **ret_error) {
        return parse_file(&process_document, path, (void **) ret, ret_error);
}
