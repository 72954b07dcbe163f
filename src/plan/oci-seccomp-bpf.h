/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The seccomp compiler: linux.seccomp → BPF, with libseccomp (the only file that uses it). Runs as
 * root in the host namespaces, before the fork. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "oci/oci-config.h"

/* Builds the filter as runc does: a part for every listed architecture besides the native one;
 * conditions on distinct arguments ANDed, several on one argument ORed; syscall names libseccomp
 * does not know are skipped, and so are rules whose action is the default action (both logged at
 * debug level). *ret_bpf: struct sock_filter[*ret_n_insns], at most BPF_MAXINSNS. Logs its errors,
 * with the profile's JSON path. The filter flags are not the compiler's: see oci-seccomp.h. */
int oci_seccomp_bpf_compile(const OciSeccomp *s, void **ret_bpf, size_t *ret_n_insns);

/* "libseccomp 2.5.4": another version may build another program from the same profile. */
const char *oci_seccomp_bpf_compiler(void);

/* Number of filters compiled by this process; for tests and bench. */
unsigned oci_seccomp_bpf_compile_count(void);

/* Whether libseccomp builds filters for an architecture by its OCI name ("SCMP_ARCH_X86_64"). */
bool oci_seccomp_bpf_arch_supported(const char *oci_name);
