/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The tables that describe each OCI object: JSON key, kind, where the value lives in the model.
 * oci-parse.c reads JSON through them (and frees the model through them), and oci-json.c writes the
 * model back through them, in the same (spec) order. Pure. Included only by those two files: it is the
 * one other place that sees json-c. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct OciParseContext OciParseContext;

typedef enum OciFieldKind {
        OCI_FIELD_STRING,       /* char *; 'allowed' restricts the values, 'chars' the characters */
        OCI_FIELD_STRV,         /* char ** (NULL-terminated; non-NULL when the key was present) */
        OCI_FIELD_BOOL,         /* bool; written when true or required */
        OCI_FIELD_OPT_BOOL,     /* OciOptBool */
        OCI_FIELD_INT,          /* int */
        OCI_FIELD_INT64,        /* int64_t */
        OCI_FIELD_UINT32,       /* uint32_t (uid_t, gid_t too) */
        OCI_FIELD_UINT64,       /* uint64_t */
        OCI_FIELD_OPT_INT,      /* OciOptInt */
        OCI_FIELD_OPT_UINT,     /* OciOptUint */
        OCI_FIELD_ENUM,         /* int, a string in JSON through 'enumeration' */
        OCI_FIELD_CHAR,         /* char, a one-letter string in JSON out of 'chars' */
        OCI_FIELD_MAP,          /* OciKeyValue * at offset, size_t count at aux */
        OCI_FIELD_OBJECT,       /* nested object 'sub' whose base is at offset; bool 'present' at aux */
        OCI_FIELD_ARRAY,        /* array of 'sub' objects: pointer at offset, size_t count at aux */
        OCI_FIELD_OBJECT_MAP,   /* object of 'sub' objects keyed by name: like ARRAY, the key is the
                                 * element's first member (char *) */
        OCI_FIELD_CUSTOM,       /* 'parse' and 'out' */
} OciFieldKind;

#define OCI_FIELD_REQUIRED 1u
#define OCI_NO_AUX SIZE_MAX

typedef struct OciEnum {
        const char *what;                       /* "namespace type", for "unknown namespace type" */
        int (*from_string)(const char *s);      /* < 0 if unknown */
        const char *(*to_string)(int v);
} OciEnum;

typedef struct OciField OciField;

typedef struct OciTable OciTable;
struct OciTable {
        const OciField *fields;                 /* terminated by an entry with key NULL */
        /* after all keys were read; bit i of seen: fields[i] was given, and not null */
        int (*check)(OciParseContext *ctx, const OciTable *t, uint64_t seen, void *base);
};

struct OciField {
        const char *key;
        OciFieldKind kind;
        unsigned flags;
        size_t offset;
        size_t aux;                             /* count or 'present' flag, see above */
        size_t elem_size;                       /* ARRAY, OBJECT_MAP */
        bool ranged;                            /* integers: min..max, otherwise the C type's range */
        int64_t min, max;
        const OciTable *sub;
        const OciEnum *enumeration;
        const char *chars;
        const char * const *allowed;            /* NULL-terminated */
        int (*parse)(OciParseContext *ctx, json_object *v, void *p);
        int (*out)(const void *p, json_object **ret);   /* *ret NULL: nothing to write */
        void (*done)(void *p);                  /* CUSTOM: frees what 'parse' allocated; NULL: nothing */
};

extern const OciTable oci_config_table;
extern const OciTable oci_process_table;
extern const OciTable oci_resources_table;
extern const OciTable oci_state_table;

/* The serializer's half of the custom fields (oci-json.c). */
int oci_json_namespaces(const void *p, json_object **ret);
int oci_json_capabilities(const void *p, json_object **ret);
int oci_json_additional_gids(const void *p, json_object **ret);
int oci_json_sched_flags(const void *p, json_object **ret);
