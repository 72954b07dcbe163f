/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The model and the container state → JSON text, through the same tables the parser reads with
 * (oci-fields.h): spec key names, spec order, only what was set, 8-space indent. Pure. */
#include <inttypes.h>

#include "oci/oci-json.h"
#include "oci/oci-json-util.h"
#include "oci/oci-fields.h"
#include "base/util.h"

char *oci_json_escape(const char *s) {
        size_t n = 0;
        char *out, *q;

        for (const char *p = s; *p; p++)
                n += (unsigned char) *p < 0x20 || *p == '"' || *p == '\\' ? 6 : 1;
        out = q = malloc(n + 1);
        if (!out)
                return NULL;

        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                const char *short_form = NULL;

                switch (*p) {
                case '"':  short_form = "\\\""; break;
                case '\\': short_form = "\\\\"; break;
                case '\n': short_form = "\\n"; break;
                case '\t': short_form = "\\t"; break;
                case '\r': short_form = "\\r"; break;
                case '\b': short_form = "\\b"; break;
                case '\f': short_form = "\\f"; break;
                }
                if (short_form)
                        q = stpcpy(q, short_form);
                else if (*p < 0x20)
                        q += sprintf(q, "\\u%04x", *p);
                else
                        *q++ = (char) *p;
        }
        *q = 0;
        return out;
}

static int emit_string(FILE *f, const char *s) {
        _cleanup_free_ char *e = oci_json_escape(s);

        if (!e)
                return -ENOMEM;
        fprintf(f, "\"%s\"", e);
        return 0;
}

static void emit_indent(FILE *f, unsigned level) {
        fprintf(f, "%*s", (int) level * 8, "");
}

static int emit(FILE *f, json_object *v, unsigned level);

/* One member of an object (with its key) or element of an array (key NULL), on a line of its own. */
static int emit_item(FILE *f, bool first, const char *key, json_object *value, unsigned level) {
        int r;

        fputs(first ? "" : ",\n", f);
        emit_indent(f, level);
        if (key) {
                r = emit_string(f, key);
                if (r < 0)
                        return r;
                fputs(": ", f);
        }
        return emit(f, value, level);
}

/* json-c's own pretty printer knows only 2 spaces or tabs and writes empty containers on two lines. */
static int emit(FILE *f, json_object *v, unsigned level) {
        json_type type = json_object_get_type(v);
        bool object = type == json_type_object;
        size_t n;
        int r = 0;

        switch (type) {
        case json_type_object:
        case json_type_array:
                n = object ? (size_t) json_object_object_length(v) : json_object_array_length(v);
                if (n == 0)
                        return fputs(object ? "{}" : "[]", f), 0;
                fputs(object ? "{\n" : "[\n", f);
                if (object) {
                        bool first = true;

                        json_object_object_foreach(v, key, value) {
                                r = emit_item(f, first, key, value, level + 1);
                                if (r < 0)
                                        return r;
                                first = false;
                        }
                } else
                        for (size_t i = 0; r >= 0 && i < n; i++)
                                r = emit_item(f, i == 0, NULL, json_object_array_get_idx(v, i), level + 1);
                if (r < 0)
                        return r;
                fputc('\n', f);
                emit_indent(f, level);
                fputc(object ? '}' : ']', f);
                return 0;

        case json_type_string:
                return emit_string(f, json_object_get_string(v));

        default:
                fputs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), f);
                return 0;
        }
}

static int format_document(json_object *v, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;
        int r;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        r = emit(f, v, 0);
        fputc('\n', f);
        if (fclose(f) != 0 || r < 0)
                return r < 0 ? r : -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}

static int out_table(const OciTable *t, const void *base, json_object **ret);

static int out_elements(const OciField *f, const uint8_t *elements, size_t n, json_object **ret) {
        bool is_map = f->kind == OCI_FIELD_OBJECT_MAP;
        _cleanup_json_ json_object *o = is_map ? json_object_new_object() : json_object_new_array();
        int r;

        if (!o)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const uint8_t *e = elements + i * f->elem_size;
                json_object *sub;

                r = out_table(f->sub, e, &sub);
                if (r < 0)
                        return r;
                r = is_map ? oci_json_add(o, *(char * const *) e, sub) : oci_json_append(o, sub);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(o);
        return 0;
}

static int out_field(const OciField *f, const void *base, json_object **ret) {
        const void *p = (const uint8_t *) base + f->offset;
        const void *aux = (const uint8_t *) base + (f->aux == OCI_NO_AUX ? 0 : f->aux);
        json_object *v = NULL;
        int r;

        /* Each case returns early when there is nothing to write; a NULL 'v' after it is json-c
         * running out of memory. */
        *ret = NULL;
        switch (f->kind) {
        case OCI_FIELD_STRING:
                if (!*(char * const *) p)
                        return 0;
                v = json_object_new_string(*(char * const *) p);
                break;
        case OCI_FIELD_STRV:
                if (!*(char ** const *) p)
                        return 0;
                v = oci_json_strv(*(const char * const * const *) p);
                break;
        case OCI_FIELD_BOOL:
                if (!*(const bool *) p && !(f->flags & OCI_FIELD_REQUIRED))
                        return 0;
                v = json_object_new_boolean(*(const bool *) p);
                break;
        case OCI_FIELD_INT:
        case OCI_FIELD_INT64:
                v = json_object_new_int64(f->kind == OCI_FIELD_INT ? *(const int *) p : *(const int64_t *) p);
                break;
        case OCI_FIELD_UINT32:
        case OCI_FIELD_UINT64:
                v = json_object_new_uint64(f->kind == OCI_FIELD_UINT32 ? *(const uint32_t *) p :
                                                                         *(const uint64_t *) p);
                break;
        case OCI_FIELD_OPT_BOOL:
        case OCI_FIELD_OPT_INT:
        case OCI_FIELD_OPT_UINT:
                /* nothing when not set: p points to an OCI_OPT(), so to its first member, 'set' */
                if (!*(const bool *) p)
                        return 0;
                v = f->kind == OCI_FIELD_OPT_BOOL ? json_object_new_boolean(((const OciOptBool *) p)->v) :
                    f->kind == OCI_FIELD_OPT_INT  ? json_object_new_int64(((const OciOptInt *) p)->v) :
                                                    json_object_new_uint64(((const OciOptUint *) p)->v);
                break;
        case OCI_FIELD_ENUM: {
                const char *s = f->enumeration->to_string(*(const int *) p);
                if (!s)
                        return 0;   /* not a value this model can hold: nothing to say */
                v = json_object_new_string(s);
                break;
        }
        case OCI_FIELD_CHAR:
                if (!*(const char *) p)
                        return 0;
                v = json_object_new_string_len(p, 1);
                break;
        case OCI_FIELD_MAP: {
                const OciKeyValue *kv = *(OciKeyValue * const *) p;
                if (!kv)
                        return 0;
                v = json_object_new_object();
                for (size_t i = 0; v && i < *(const size_t *) aux; i++)
                        if (oci_json_add(v, kv[i].key, json_object_new_string(kv[i].value)) < 0) {
                                json_object_put(v);
                                return -ENOMEM;
                        }
                break;
        }
        case OCI_FIELD_OBJECT:
                if (f->aux != OCI_NO_AUX && !*(const bool *) aux)
                        return 0;
                r = out_table(f->sub, p, &v);
                if (r < 0)
                        return r;
                if (f->aux == OCI_NO_AUX && json_object_object_length(v) == 0) {
                        json_object_put(v);
                        return 0;
                }
                break;
        case OCI_FIELD_ARRAY:
        case OCI_FIELD_OBJECT_MAP:
                if (!*(void * const *) p)
                        return 0;
                return out_elements(f, *(const uint8_t * const *) p, *(const size_t *) aux, ret);
        case OCI_FIELD_CUSTOM:
                return f->out(p, ret);
        }

        if (!v)
                return -ENOMEM;
        *ret = v;
        return 0;
}

static int out_table(const OciTable *t, const void *base, json_object **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;
        for (const OciField *f = t->fields; f->key; f++) {
                json_object *v;

                r = out_field(f, base, &v);
                if (r < 0)
                        return r;
                if (v) {
                        r = oci_json_add(o, f->key, v);
                        if (r < 0)
                                return r;
                }
        }
        *ret = TAKE_PTR(o);
        return 0;
}

static int out_document(const OciTable *t, const void *base, char **ret) {
        _cleanup_json_ json_object *o = NULL;
        int r;

        r = out_table(t, base, &o);
        if (r < 0)
                return r;
        return format_document(o, ret);
}

int oci_json_config(const OciConfig *c, char **ret) {
        return out_document(&oci_config_table, c, ret);
}

int oci_json_process(const OciProcess *p, char **ret) {
        return out_document(&oci_process_table, p, ret);
}

int oci_json_resources(const OciResources *r, char **ret) {
        return out_document(&oci_resources_table, r, ret);
}

int oci_json_state(const StateData *s, char **ret) {
        return out_document(&oci_state_table, s, ret);
}

static json_object *string_or_empty(const char *s) {
        return json_object_new_string(s ?: "");
}

int oci_json_oci_state(const StateData *s, const char *status, char **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        /* runc's order and keys, so that tools parsing `runc state` output read ours unchanged. */
        if (!o)
                return -ENOMEM;
        if ((r = oci_json_add(o, "ociVersion", string_or_empty(s->oci_version))) < 0 ||
            (r = oci_json_add(o, "id", string_or_empty(s->id))) < 0 ||
            (r = oci_json_add(o, "pid", json_object_new_int64(s->pid))) < 0 ||
            (r = oci_json_add(o, "status", string_or_empty(status))) < 0 ||
            (r = oci_json_add(o, "bundle", string_or_empty(s->bundle))) < 0 ||
            (r = oci_json_add(o, "rootfs", string_or_empty(s->rootfs))) < 0)
                return r;
        if (s->created && (r = oci_json_add(o, "created", json_object_new_string(s->created))) < 0)
                return r;
        if (s->n_annotations > 0) {
                json_object *a = json_object_new_object();

                r = oci_json_add(o, "annotations", a);
                for (size_t i = 0; r >= 0 && i < s->n_annotations; i++)
                        r = oci_json_add(a, s->annotations[i].key, json_object_new_string(s->annotations[i].value));
                if (r < 0)
                        return r;
        }
        r = oci_json_add(o, "owner", json_object_new_string(""));
        if (r < 0)
                return r;
        return format_document(o, ret);
}

/* ---- Custom fields ---- */

int oci_json_namespaces(const void *p, json_object **ret) {
        const OciNamespace *ns = p;
        _cleanup_json_ json_object *a = NULL;
        int r;

        *ret = NULL;
        for (int t = 0; t < _OCI_NS_MAX; t++) {
                json_object *e;

                if (!ns[t].present)
                        continue;
                if (!a && !(a = json_object_new_array()))
                        return -ENOMEM;
                e = json_object_new_object();
                r = oci_json_append(a, e);
                if (r >= 0)
                        r = oci_json_add(e, "type", json_object_new_string(oci_namespace_type_to_string(t)));
                if (r >= 0 && ns[t].path)
                        r = oci_json_add(e, "path", json_object_new_string(ns[t].path));
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(a);
        return 0;
}

static json_object *bits_to_json(uint64_t bits, const char *(*to_string)(int)) {
        json_object *a = json_object_new_array();

        for (int i = 0; a && i < 64; i++) {
                const char *s;

                if (!(bits & (UINT64_C(1) << i)))
                        continue;
                s = to_string(i);
                if (s && oci_json_append(a, json_object_new_string(s)) < 0) {
                        json_object_put(a);
                        return NULL;
                }
        }
        return a;
}

int oci_json_capabilities(const void *p, json_object **ret) {
        const OciProcess *proc = p;
        _cleanup_json_ json_object *o = NULL;
        int r;

        *ret = NULL;
        if (!proc->has_capabilities)
                return 0;
        o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        for (int set = 0; set < _OCI_CAP_SET_MAX; set++) {
                if (!proc->cap_set_present[set])
                        continue;
                r = oci_json_add(o, oci_cap_set_to_string(set), bits_to_json(proc->caps[set], oci_capability_to_string));
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(o);
        return 0;
}

static json_object *ids_to_json(const gid_t *ids, size_t n) {
        json_object *a = json_object_new_array();

        for (size_t i = 0; a && i < n; i++)
                if (oci_json_append(a, json_object_new_uint64(ids[i])) < 0) {
                        json_object_put(a);
                        return NULL;
                }
        return a;
}

int oci_json_additional_gids(const void *p, json_object **ret) {
        const OciProcess *proc = p;

        *ret = NULL;
        if (!proc->additional_gids)
                return 0;
        *ret = ids_to_json(proc->additional_gids, proc->n_additional_gids);
        return *ret ? 0 : -ENOMEM;
}

int oci_json_sched_flags(const void *p, json_object **ret) {
        uint64_t flags = *(const uint64_t *) p;

        *ret = NULL;
        if (flags == 0)
                return 0;
        *ret = bits_to_json(flags, oci_sched_flag_to_string);
        return *ret ? 0 : -ENOMEM;
}
