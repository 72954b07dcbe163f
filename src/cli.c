/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The command line. Not written yet. */
#include "cli.h"
#include "log.h"

int cli_main(int argc, char *argv[]) {
        log_error("not supported yet");
        return 1;
}
