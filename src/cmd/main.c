/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nspawn-oci: an OCI runtime that runs each container through systemd-nspawn. */
#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "base/util.h"
#include "box/exe-clone.h"
#include "base/journal.h"

#define MAX_FDS 1024

/* The fds open now, as a set over 0..MAX_FDS-1. */
static void open_fds(bool *set) {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;

        memset(set, 0, sizeof(bool) * MAX_FDS);
        if (!d)
                return;
        while ((de = readdir(d))) {
                int fd = atoi(de->d_name);
                if (de->d_name[0] != '.' && fd >= 0 && fd < MAX_FDS && fd != dirfd(d))
                        set[fd] = true;
        }
        closedir(d);
}

/* NSPAWN_OCI_CHECK_FDS=1 (the soak test): every fd the runtime opened and left open is named on
 * stderr, and the exit status becomes 120. */
static int check_fds(const bool *before, int status) {
        bool after[MAX_FDS];
        int leaked = 0;

        open_fds(after);
        for (int fd = 0; fd < MAX_FDS; fd++) {
                char link[64], target[PATH_MAX] = "";
                ssize_t n;

                if (!after[fd] || before[fd] || fd == journal_cached_fd())
                        continue;
                snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
                n = readlink(link, target, sizeof(target) - 1);
                target[n > 0 ? n : 0] = 0;
                fprintf(stderr, "nspawn-oci: fd %d left open: %s\n", fd, target);
                leaked++;
        }
        return leaked ? 120 : status;
}

int main(int argc, char *argv[]) {
        static bool before[MAX_FDS];
        bool check;
        int r;

        /* Before anything else: the verbs that enter a container run from a sealed copy. */
        if (exe_clone_ensure(argc, argv) < 0)
                return 1;
        check = getenv("NSPAWN_OCI_CHECK_FDS") && streq(getenv("NSPAWN_OCI_CHECK_FDS"), "1");
        if (check)
                open_fds(before);
        r = cli_main(argc, argv);
        return check ? check_fds(before, r) : r;
}
