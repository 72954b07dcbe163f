/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The features table: the claims `nspawn-oci features` makes. Pure but for two questions: which
 * seccomp filter flags the running kernel has, and which architectures libseccomp knows. */
#include "oci/oci-json.h"
#include "cmd/oci-features.h"
#include "box/oci-seccomp.h"
#include "plan/oci-seccomp-bpf.h"
#include "oci/spec.h"
#include "base/util.h"

static const char * const annotations[] = {
        "nspawn-oci.version", PACKAGE_VERSION,
        NULL,
};

static const char * const mount_options[] = {
        "bind", "rbind", "ro", "rw", "nosuid", "suid", "nodev", "dev", "noexec", "exec", NULL,
};

/* The architectures runc names in its features document; those libseccomp knows are claimed. */
static const char * const all_archs[] = {
        "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
        "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
        "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
        "SCMP_ARCH_PPC64LE", "SCMP_ARCH_RISCV64", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", NULL,
};

static const OciFeatures features = {
        .oci_version_min = "1.0.0",
        .oci_version_max = SPEC_OCI_VERSION,

        /* Every hook is parsed and the lifecycle runs each at its point. */
        .hooks = { [0 ... _OCI_HOOK_KIND_MAX - 1] = true },

        /* The options the plan honours on bind and tmpfs mounts (and remounts of nspawn's API file
         * systems); propagation and tmpcopyup are not honoured, so not claimed. */
        .mount_options = mount_options,

        /* A time namespace, and a user namespace of more than one range, nspawn cannot build: the
         * plan rejects them. The others are built or joined. */
        .namespaces = {
                [OCI_NS_PID] = true,
                [OCI_NS_NETWORK] = true,
                [OCI_NS_MOUNT] = true,
                [OCI_NS_IPC] = true,
                [OCI_NS_UTS] = true,
                [OCI_NS_USER] = true,
                [OCI_NS_CGROUP] = true,
        },
        .capabilities = true,

        /* Resources go to the unit (systemd) or to cgroupfs, v1 or the unified hierarchy. */
        .cgroup = { .v1 = true, .v2 = true, .systemd = true, .systemd_user = false, .rdma = false },
        .seccomp = {
                .enabled = true,
                .actions = {
                        [OCI_SECCOMP_KILL] = true, [OCI_SECCOMP_KILL_PROCESS] = true,
                        [OCI_SECCOMP_KILL_THREAD] = true, [OCI_SECCOMP_TRAP] = true,
                        [OCI_SECCOMP_ERRNO] = true, [OCI_SECCOMP_TRACE] = true,
                        [OCI_SECCOMP_ALLOW] = true, [OCI_SECCOMP_LOG] = true,
                        [OCI_SECCOMP_NOTIFY] = true,
                },
                .operators = {
                        [OCI_SECCOMP_OP_NE] = true, [OCI_SECCOMP_OP_LT] = true, [OCI_SECCOMP_OP_LE] = true,
                        [OCI_SECCOMP_OP_EQ] = true, [OCI_SECCOMP_OP_GE] = true, [OCI_SECCOMP_OP_GT] = true,
                        [OCI_SECCOMP_OP_MASKED_EQ] = true,
                },
                /* archs, known_flags and supported_flags: filled in by oci_features_json() */
        },
        /* process.apparmorProfile is applied where the host has AppArmor (and ignored elsewhere, as
         * runc does); SELinux labels only the process, not the mounts (linux.mountLabel), so it
         * is not claimed */
        .apparmor = true,
        .selinux = false,
        .intel_rdt = false,

        .annotations = annotations,
};

int oci_features_json(char **ret) {
        const char *archs[ELEMENTSOF(all_archs)], *supported[16];
        const char * const *known = oci_seccomp_known_flags();
        OciFeatures f = features;
        size_t n = 0;

        for (size_t i = 0; all_archs[i]; i++)
                if (oci_seccomp_bpf_arch_supported(all_archs[i]))
                        archs[n++] = all_archs[i];
        archs[n] = NULL;
        n = 0;
        for (size_t i = 0; known[i] && n + 1 < ELEMENTSOF(supported); i++)
                if (oci_seccomp_kernel_has_flag(known[i]))
                        supported[n++] = known[i];
        supported[n] = NULL;
        f.seccomp.archs = archs;
        f.seccomp.known_flags = known;
        f.seccomp.supported_flags = supported;
        return oci_json_features(&f, ret);
}
