/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The seccomp programs compiled before, under the state root, in files named by the hash of all that
 * determines them. Saves the compiler's time only. Runs as root in the host namespaces. */
#pragma once

#include <stddef.h>

#include "oci/oci-config.h"

#define OCI_SECCOMP_CACHE_KEY_SIZE 65

/* The key of a profile: sha256, in hex, of what determines its program (the profile but its listener
 * path and metadata, the compiler's version, the machine and the kernel release, which decides the
 * actions libseccomp uses). */
int oci_seccomp_cache_key(const OciSeccomp *s, char ret[static OCI_SECCOMP_CACHE_KEY_SIZE]);
/* The program stored under key in dir: -ENOENT when there is none, -EBADMSG when it is damaged. */
int oci_seccomp_cache_load(const char *dir, const char *key, void **ret_bpf, size_t *ret_n_insns);
/* Stores a program under key in dir, which is made when missing. */
int oci_seccomp_cache_store(const char *dir, const char *key, const void *bpf, size_t n_insns);
