/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The systemd journal through sd-journal: structured entries with the container's fields, so that
 * `journalctl CONTAINER_ID=<id>` tells one container's story. Runs as the invoking user on the host. */
#include <fcntl.h>
#include <sys/uio.h>
#include <systemd/sd-daemon.h>
/* CODE_FILE= and friends come from log.c, where the message was written, not from here */
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-journal.h>

#include "base/journal.h"
#include "base/util.h"

#define JOURNAL_IDENTIFIER "nspawn-oci"

bool journal_available(void) {
        return sd_booted() > 0;
}

static int push_field(char ***l, const char *key, const char *value) {
        if (isempty(value))
                return 0;
        return strv_extendf(l, "%s=%s", key, value);
}

int journal_fields(const JournalContainer *c, int priority, const char *message, char * const *extra,
                   char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        if ((r = strv_extendf(&l, "MESSAGE=%s", strempty(message))) < 0 ||
            (r = strv_extendf(&l, "PRIORITY=%d", priority)) < 0 ||
            (r = strv_extend(&l, "SYSLOG_IDENTIFIER=" JOURNAL_IDENTIFIER)) < 0)
                return r;
        if (c && ((r = push_field(&l, "CONTAINER_ID", c->id)) < 0 ||
                  (r = push_field(&l, "CONTAINER_NAME", c->name)) < 0 ||
                  (r = push_field(&l, "OCI_BUNDLE", c->bundle)) < 0 ||
                  (r = push_field(&l, "UNIT", c->unit)) < 0))
                return r;
        STRV_FOREACH(e, extra)
                if ((r = strv_extend(&l, *e)) < 0)
                        return r;
        *ret = TAKE_PTR(l);
        return 0;
}

/* sd-journal opens its socket on the first entry and keeps it for the life of the process: the fd
 * is learnt then (the lowest fd that was not open before), so that the fd check at exit knows it. */
static int cached_fd = -1;

static int lowest_closed_fd(void) {
        for (int fd = 0; fd < 1024; fd++)
                if (fcntl(fd, F_GETFD) < 0)
                        return fd;
        return -1;
}

int journal_cached_fd(void) {
        return cached_fd;
}

int journal_send(char * const *fields) {
        size_t n = strv_length(fields);
        _cleanup_free_ struct iovec *iov = calloc(n ?: 1, sizeof(struct iovec));
        static bool sent = false;
        int next, r;

        if (!iov)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                iov[i] = (struct iovec) { .iov_base = fields[i], .iov_len = strlen(fields[i]) };
        next = sent ? -1 : lowest_closed_fd();
        r = sd_journal_sendv(iov, (int) n);
        if (!sent && next >= 0 && fcntl(next, F_GETFD) >= 0)
                cached_fd = next;
        sent = true;
        return r;
}
