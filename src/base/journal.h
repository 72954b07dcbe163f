/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The systemd journal: entries that carry the container's fields, through sd-journal (used only here).
 * Runs as the invoking user on the host. */
#pragma once

#include <stdbool.h>

/* The container an entry is about; NULL fields are not known (yet) and left out. */
typedef struct JournalContainer {
        const char *id;          /* CONTAINER_ID= */
        const char *name;        /* CONTAINER_NAME=: its machine name */
        const char *bundle;      /* OCI_BUNDLE= */
        const char *unit;        /* UNIT=: its scope */
} JournalContainer;

/* systemd is PID 1, so journald takes entries. Without it nothing is sent. */
bool journal_available(void);

/* The fields of one entry, "KEY=value" each: MESSAGE=, PRIORITY=, SYSLOG_IDENTIFIER=nspawn-oci, the
 * container's fields that are known, then 'extra' (may be NULL). Pure. */
int journal_fields(const JournalContainer *c, int priority, const char *message, char * const *extra,
                   char ***ret);

/* Sends one entry made of 'fields'. Returns < 0 when journald did not take it. */
int journal_send(char * const *fields);
/* The socket sd-journal keeps open after the first entry, or -1. */
int journal_cached_fd(void);
