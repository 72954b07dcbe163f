/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The command line: runc-compatible global options and verbs. Runs as the invoking user (root). */
#pragma once

/* Returns the process exit code. */
int cli_main(int argc, char *argv[]);
