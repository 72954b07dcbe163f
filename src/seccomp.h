/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.seccomp → a BPF program (libseccomp only here), cached by content under the state root.
 * Compiling runs in nspawn-oci before the fork; loading runs in the child, last before exec. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "oci-config.h"

typedef struct SeccompProgram {
        void *bpf;               /* struct sock_filter[] */
        size_t n_insns;
        unsigned flags;          /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
        bool notify;             /* a NOTIFY action is present: the listener fd goes to listener_path */
        char *listener_path;
        char *listener_metadata;
} SeccompProgram;

/* cache_dir may be NULL (no cache). */
int seccomp_compile(const OciSeccomp *s, const char *cache_dir, SeccompProgram **ret);
SeccompProgram *seccomp_program_free(SeccompProgram *p);
/* Loads the program; returns the notify fd (>= 0) when p->notify, else 0. */
int seccomp_load(const SeccompProgram *p);
