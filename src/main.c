/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nspawn-oci: an OCI runtime that runs each container through systemd-nspawn. */
#include "cli.h"

int main(int argc, char *argv[]) {
        return cli_main(argc, argv);
}
