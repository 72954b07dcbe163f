/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* journal_fields(): the fields of an entry, with the container's where known. Sends nothing; no
 * privilege. */
#include <syslog.h>

#include "base/journal.h"
#include "tap.h"
#include "base/util.h"

static char *joined(char **l) {
        char *s = strdup("");

        STRV_FOREACH(f, l) {
                char *n = strjoin(s, *s ? "|" : "", *f);
                free(s);
                s = n;
        }
        return s;
}

static void check(const JournalContainer *c, int priority, const char *message, char **extra,
                  const char *want, const char *what) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *got = NULL;

        tap_is_int(journal_fields(c, priority, message, extra, &l), 0, "%s: built", what);
        got = joined(l);
        tap_is_str(got, want, "%s", what);
}

int main(void) {
        const JournalContainer full = {
                .id = "4f1c",
                .name = "4f1c",
                .bundle = "/var/lib/containers/4f1c/userdata",
                .unit = "libpod-4f1c.scope",
        };
        const JournalContainer only_id = { .id = "c1", .name = "", .bundle = NULL };
        char *extra[] = { "CONTAINER_EVENT=exited", "EXIT_CODE=exited", "EXIT_STATUS=3", NULL };

        check(&full, LOG_INFO, "Container 4f1c created.", NULL,
              "MESSAGE=Container 4f1c created.|PRIORITY=6|SYSLOG_IDENTIFIER=nspawn-oci|CONTAINER_ID=4f1c|"
              "CONTAINER_NAME=4f1c|OCI_BUNDLE=/var/lib/containers/4f1c/userdata|UNIT=libpod-4f1c.scope",
              "every field of the container");
        check(&only_id, LOG_ERR, "container c1 does not exist", NULL,
              "MESSAGE=container c1 does not exist|PRIORITY=3|SYSLOG_IDENTIFIER=nspawn-oci|CONTAINER_ID=c1",
              "unknown and empty fields are left out");
        check(NULL, LOG_WARNING, "no container", NULL,
              "MESSAGE=no container|PRIORITY=4|SYSLOG_IDENTIFIER=nspawn-oci", "no container at all");
        check(&only_id, LOG_NOTICE, "Container c1 exited with status 3.", extra,
              "MESSAGE=Container c1 exited with status 3.|PRIORITY=5|SYSLOG_IDENTIFIER=nspawn-oci|"
              "CONTAINER_ID=c1|CONTAINER_EVENT=exited|EXIT_CODE=exited|EXIT_STATUS=3",
              "extra fields come last");
        check(NULL, LOG_ERR, "two\nlines", NULL,
              "MESSAGE=two\nlines|PRIORITY=3|SYSLOG_IDENTIFIER=nspawn-oci",
              "a message of several lines stays one field (sd-journal sends it binary-safe)");
        check(NULL, LOG_DEBUG, NULL, NULL, "MESSAGE=|PRIORITY=7|SYSLOG_IDENTIFIER=nspawn-oci", "no message");

        return tap_done(0);
}
