/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit properties: freeing them, and their text as systemctl shows it. Pure. */
#include <inttypes.h>

#include "plan/unit-property.h"
#include "base/util.h"

void unit_property_done(UnitProperty *p) {
        if (!p)
                return;
        free(p->name);
        free(p->str);
        free(p->bytes);
        for (size_t i = 0; i < p->n_pairs; i++) {
                if (p->keys)
                        free(p->keys[i]);
                if (p->str_values)
                        free(p->str_values[i]);
        }
        free(p->keys);
        free(p->str_values);
        free(p->u64_values);
        *p = (UnitProperty) {};
}

const char *unit_property_type_signature(UnitPropertyType t) {
        switch (t) {
        case UNIT_PROPERTY_U64:
                return "t";
        case UNIT_PROPERTY_BOOL:
                return "b";
        case UNIT_PROPERTY_STRING:
                return "s";
        case UNIT_PROPERTY_BYTES:
                return "ay";
        case UNIT_PROPERTY_PAIRS_SS:
                return "a(ss)";
        case UNIT_PROPERTY_PAIRS_ST:
                return "a(st)";
        }
        return NULL;
}

int unit_property_type_from_signature(const char *s) {
        for (UnitPropertyType t = UNIT_PROPERTY_U64; t <= UNIT_PROPERTY_PAIRS_ST; t++)
                if (streq(unit_property_type_signature(t), s))
                        return (int) t;
        return -EINVAL;
}

/* A bit mask back to "0-3,7". */
static int bytes_to_list(const uint8_t *b, size_t n, char **ret) {
        _cleanup_free_ char *s = strdup("");
        size_t bits = n * 8;

        if (!s)
                return -ENOMEM;
        for (size_t i = 0; i < bits; i++) {
                size_t j = i;
                char *t;

                if (!(b[i / 8] & (1u << (i % 8))))
                        continue;
                while (j + 1 < bits && (b[(j + 1) / 8] & (1u << ((j + 1) % 8))))
                        j++;
                if ((j == i ? asprintf_safe(&t, "%s%s%zu", s, *s ? "," : "", i) :
                              asprintf_safe(&t, "%s%s%zu-%zu", s, *s ? "," : "", i, j)) < 0)
                        return -ENOMEM;
                free(s);
                s = t;
                i = j;
        }
        *ret = TAKE_PTR(s);
        return 0;
}

int unit_property_to_string(const UnitProperty *p, char **ret) {
        _cleanup_free_ char *s = NULL, *list = NULL;

        switch (p->type) {
        case UNIT_PROPERTY_U64:
                if (p->u64 == UINT64_MAX)
                        return asprintf_safe(ret, "%s=infinity", p->name) < 0 ? -ENOMEM : 0;
                return asprintf_safe(ret, "%s=%" PRIu64, p->name, p->u64) < 0 ? -ENOMEM : 0;
        case UNIT_PROPERTY_BOOL:
                return asprintf_safe(ret, "%s=%s", p->name, p->b ? "yes" : "no") < 0 ? -ENOMEM : 0;
        case UNIT_PROPERTY_STRING:
                return asprintf_safe(ret, "%s=%s", p->name, strna(p->str)) < 0 ? -ENOMEM : 0;
        case UNIT_PROPERTY_BYTES:
                if (bytes_to_list(p->bytes, p->n_bytes, &list) < 0)
                        return -ENOMEM;
                return asprintf_safe(ret, "%s=%s", p->name, list) < 0 ? -ENOMEM : 0;
        case UNIT_PROPERTY_PAIRS_SS:
        case UNIT_PROPERTY_PAIRS_ST:
                s = strjoin(p->name, "=");
                if (!s)
                        return -ENOMEM;
                for (size_t i = 0; i < p->n_pairs; i++) {
                        char *t;
                        int r;

                        if (p->type == UNIT_PROPERTY_PAIRS_SS)
                                r = asprintf_safe(&t, "%s%s%s %s", s, i ? ", " : "", p->keys[i],
                                                  p->str_values[i]);
                        else
                                r = asprintf_safe(&t, "%s%s%s %" PRIu64, s, i ? ", " : "", p->keys[i],
                                                  p->u64_values[i]);
                        if (r < 0)
                                return -ENOMEM;
                        free(s);
                        s = t;
                }
                *ret = TAKE_PTR(s);
                return 0;
        }
        return -EINVAL;
}
