/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Protection against CVE-2019-5736: the verbs that enter a container run from a sealed in-memory copy
 * of this binary. Runs as root in the host namespaces, first thing in main(). */
#pragma once

#include <fcntl.h>

/* The seals that make the copy immutable; a memfd carrying all of them is taken as the copy. */
#define EXE_CLONE_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* For create, run and exec: unless /proc/self/exe already is a sealed memfd, copies it into one and
 * re-executes that with the same argv and environment (and does not return). Returns 0 when the process
 * goes on as it is, < 0 (logged) when the copy could not be made or executed.
 * Environment: NSPAWN_OCI_NO_CLONE=1 skips the copy (debugging only); NSPAWN_OCI_EXE_CLONE_REPORT=1
 * (a test hook) prints "exe-clone: sealed" or "exe-clone: not sealed" to stderr before returning. */
int exe_clone_ensure(int argc, char *argv[]);
