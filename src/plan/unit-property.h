/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A property of the container's systemd unit, as the plan records it and the bus sends it. Pure. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum UnitPropertyType {
        UNIT_PROPERTY_U64,       /* "t" */
        UNIT_PROPERTY_BOOL,      /* "b" */
        UNIT_PROPERTY_STRING,    /* "s" */
        UNIT_PROPERTY_BYTES,     /* "ay" (AllowedCPUs, AllowedMemoryNodes bit masks) */
        UNIT_PROPERTY_PAIRS_SS,  /* "a(ss)" (DeviceAllow) */
        UNIT_PROPERTY_PAIRS_ST,  /* "a(st)" (IOReadBandwidthMax, IODeviceWeight, …) */
} UnitPropertyType;

typedef struct UnitProperty {
        char *name;
        UnitPropertyType type;
        uint64_t u64;
        bool b;
        char *str;
        uint8_t *bytes;
        size_t n_bytes;
        char **keys;             /* PAIRS_*: n_pairs keys */
        char **str_values;       /* PAIRS_SS */
        uint64_t *u64_values;    /* PAIRS_ST */
        size_t n_pairs;
} UnitProperty;

void unit_property_done(UnitProperty *p);
/* The D-Bus signature of a property's value: "t", "b", "s", "ay", "a(ss)", "a(st)"; and back (-EINVAL
 * for another). */
const char *unit_property_type_signature(UnitPropertyType t);
int unit_property_type_from_signature(const char *s);

/* "MemoryMax=67108864", "DeviceAllow=/dev/char/1:3 rwm, char-136 rwm", "AllowedCPUs=0-3,7". */
int unit_property_to_string(const UnitProperty *p, char **ret);
