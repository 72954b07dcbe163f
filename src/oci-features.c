/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The features table: the claims `nspawn-oci features` makes. Pure. */
#include "json-out.h"
#include "oci-features.h"
#include "spec.h"
#include "util.h"

static const char * const annotations[] = {
        "nspawn-oci.version", PACKAGE_VERSION,
        NULL,
};

static const OciFeatures features = {
        .oci_version_min = "1.0.0",
        .oci_version_max = SPEC_OCI_VERSION,

        /* Every hook is parsed and the lifecycle runs each at its point. */
        .hooks = {
                [OCI_HOOK_PRESTART] = true,
                [OCI_HOOK_CREATE_RUNTIME] = true,
                [OCI_HOOK_CREATE_CONTAINER] = true,
                [OCI_HOOK_START_CONTAINER] = true,
                [OCI_HOOK_POSTSTART] = true,
                [OCI_HOOK_POSTSTOP] = true,
        },

        /* Mount options are claimed once the box honours them; none is yet. */
        .mount_options = NULL,

        /* Every namespace type is parsed; the plan says which box can build which. */
        .namespaces = {
                [OCI_NS_PID] = true,
                [OCI_NS_NETWORK] = true,
                [OCI_NS_MOUNT] = true,
                [OCI_NS_IPC] = true,
                [OCI_NS_UTS] = true,
                [OCI_NS_USER] = true,
                [OCI_NS_CGROUP] = true,
                [OCI_NS_TIME] = true,
        },
        .capabilities = true,

        /* Resources and the cgroup drivers, seccomp, LSM labels and RDT: not yet, so not claimed.
         * Seccomp's actions, operators and architectures are listed once the filter is applied. */
        .cgroup = {},
        .seccomp = { .enabled = false },
        .apparmor = false,
        .selinux = false,
        .intel_rdt = false,

        .annotations = annotations,
};

const OciFeatures *oci_features_get(void) {
        return &features;
}

int oci_features_json(char **ret) {
        return json_out_features(&features, ret);
}
