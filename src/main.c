/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nspawn-oci: an OCI runtime that runs each container through systemd-nspawn. */
#include "cli.h"
#include "exe-clone.h"

int main(int argc, char *argv[]) {
        /* Before anything else: the verbs that enter a container run from a sealed copy. */
        if (exe_clone_ensure(argc, argv) < 0)
                return 1;
        return cli_main(argc, argv);
}
