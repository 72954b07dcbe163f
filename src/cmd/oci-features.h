/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The runtime-spec features document (features.md, features-linux.md): what this build really
 * implements. Pure. */
#pragma once

#include <stdbool.h>

#include "oci/oci-config.h"

/* One switch per claim. A claim is made only once the runtime honours it end to end; callers
 * (CRI-O, podman) trust this document to decide what they may ask for. */
typedef struct OciFeatures {
        const char *oci_version_min;
        const char *oci_version_max;
        bool hooks[_OCI_HOOK_KIND_MAX];
        const char * const *mount_options;     /* NULL-terminated; NULL: none */
        bool namespaces[_OCI_NS_MAX];
        bool capabilities;                     /* every name oci_capability_to_string() knows */
        struct {
                bool v1, v2, systemd, systemd_user, rdma;
        } cgroup;
        struct {
                bool enabled;
                bool actions[_OCI_SECCOMP_ACTION_MAX];
                bool operators[_OCI_SECCOMP_OP_MAX];
                const char * const *archs;           /* "SCMP_ARCH_X86_64", …; NULL-terminated */
                const char * const *known_flags;     /* "SECCOMP_FILTER_FLAG_LOG", … */
                const char * const *supported_flags;
        } seccomp;
        bool apparmor;
        bool selinux;
        bool intel_rdt;
        const char * const *annotations;       /* key, value, key, value, …, NULL */
} OciFeatures;

/* The features document as JSON text, ending in a newline. */
int oci_features_json(char **ret);
