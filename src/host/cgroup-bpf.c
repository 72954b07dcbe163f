/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loads the device program of bpf-devices.c and attaches it to a cgroup of the unified hierarchy.
 * Runs as root on the host. */
#include <fcntl.h>
#include <sys/syscall.h>
#include <linux/bpf.h>

#include "plan/bpf-devices.h"
#include "host/cgroup-bpf.h"
#include "host/cgroup.h"
#include "base/log.h"
#include "base/util.h"

/* Room for the verifier's account of a program it refused: a bug of ours, told in the debug log. */
#define VERIFIER_LOG_SIZE 65536

static int bpf(int cmd, union bpf_attr *attr) {
        return (int) syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int load_program(const struct bpf_insn *insns, size_t n) {
        union bpf_attr attr = {
                .prog_type = BPF_PROG_TYPE_CGROUP_DEVICE,
                .insns = (uintptr_t) insns,
                .insn_cnt = (uint32_t) n,
                .license = (uintptr_t) BPF_DEVICES_LICENSE,
        };
        _cleanup_free_ char *verifier = NULL;
        int fd, saved;

        /* Safety: loading runs nothing; the kernel's verifier checks the program before it can be used. */
        fd = bpf(BPF_PROG_LOAD, &attr);
        if (fd >= 0)
                return fd;
        saved = errno;
        if (saved != EINVAL && saved != EACCES)
                return -saved;
        /* again with the verifier's log, to say why */
        verifier = calloc(1, VERIFIER_LOG_SIZE);
        if (verifier) {
                attr.log_buf = (uintptr_t) verifier;
                attr.log_size = VERIFIER_LOG_SIZE;
                attr.log_level = 1;
                fd = bpf(BPF_PROG_LOAD, &attr);
                if (fd >= 0)
                        return fd;
                log_debug("The kernel refused the device program of %zu instructions: %s", n, verifier);
        }
        return -saved;
}

int cgroup_bpf_attach_devices_at(const char *dir, const OciDeviceRule *rules, size_t n_rules) {
        _cleanup_free_ struct bpf_insn *insns = NULL;
        _cleanup_close_ int dir_fd = -1, prog_fd = -1;
        union bpf_attr attr;
        size_t n;
        int r;

        r = bpf_devices_build(rules, n_rules, &insns, &n);
        if (r < 0)
                return r;
        dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return negative_errno();
        prog_fd = load_program(insns, n);
        if (prog_fd < 0)
                return prog_fd;
        attr = (union bpf_attr) {
                .target_fd = (uint32_t) dir_fd,
                .attach_bpf_fd = (uint32_t) prog_fd,
                .attach_type = BPF_CGROUP_DEVICE,
                /* beside what an ancestor has attached: the kernel runs every program, each can deny */
                .attach_flags = BPF_F_ALLOW_MULTI,
        };
        /* Safety: it answers only the device checks of the processes of 'dir' and below, and only narrows */
        if (bpf(BPF_PROG_ATTACH, &attr) < 0)
                return negative_errno();
        return 0;
}

int cgroup_bpf_attach_devices(pid_t like, const char *container, const OciDeviceRule *rules,
                              size_t n_rules) {
        _cleanup_free_ char *path = NULL, *dir = NULL;
        size_t k;
        int r;

        /* the hierarchy's root would be the whole machine (refused below); another cgroup someone
         * else's */
        if (isempty(container) || streq(container, "/"))
                return -EPERM;
        r = cgroup_unified_dir(like, &path, &dir);
        if (r < 0)
                return r;
        k = strlen(container);
        if (!startswith(path, container) || (path[k] != '\0' && path[k] != '/'))
                return -EPERM;
        return cgroup_bpf_attach_devices_at(dir, rules, n_rules);
}
