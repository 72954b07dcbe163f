/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The device program of bpf-devices.c: run in a small interpreter against the rules read plainly, on
 * chosen and on random rule sets; then, as root where BPF programs may be loaded, attached to cgroups
 * of the unified hierarchy made for the test, where the kernel must answer as the rules say. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "plan/bpf-devices.h"
#include "host/cgroup-bpf.h"
#include "oci/default-devices.h"
#include "tap.h"
#include "base/util.h"

#define R BPF_DEVCG_ACC_READ
#define W BPF_DEVCG_ACC_WRITE
#define M BPF_DEVCG_ACC_MKNOD

#define ANY -1
#define RULE(a, t, ma, mi, acc)                                                                         \
        { .allow = (a), .type = (t), .major = { (ma) != ANY, (ma) }, .minor = { (mi) != ANY, (mi) },    \
          .access = (char *) (acc) }
#define DENY_ALL RULE(false, 'a', ANY, ANY, "rwm")

/* Runs the instructions bpf-devices.c emits, and no others: -1 for anything else, so that a new kind
 * of instruction cannot pass unseen. */
static int interpret(const struct bpf_insn *p, size_t n, char type, uint32_t major, uint32_t minor,
                     uint32_t access) {
        uint32_t ctx[3] = { access << 16 | (type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR), major,
                            minor };
        uint64_t reg[11] = {};
        bool is_ctx[11] = { [BPF_REG_1] = true }, set[11] = { [BPF_REG_1] = true };

        for (size_t pc = 0; pc < n; pc++) {
                const struct bpf_insn *i = p + pc;
                uint8_t d = i->dst_reg, s = i->src_reg;

                if (d > 10 || s > 10)
                        return -1;
                switch (i->code) {
                case BPF_LDX | BPF_MEM | BPF_W:
                        if (!is_ctx[s] || i->off < 0 || i->off % 4 != 0 || i->off / 4 >= 3)
                                return -1;
                        reg[d] = ctx[i->off / 4];
                        break;
                case BPF_ALU | BPF_MOV | BPF_X:
                        if (!set[s] || is_ctx[s])
                                return -1;
                        reg[d] = (uint32_t) reg[s];
                        break;
                case BPF_ALU | BPF_MOV | BPF_K:
                        reg[d] = (uint32_t) i->imm;
                        break;
                case BPF_ALU | BPF_AND | BPF_K:
                        if (!set[d] || is_ctx[d])
                                return -1;
                        reg[d] = (uint32_t) reg[d] & (uint32_t) i->imm;
                        break;
                case BPF_ALU | BPF_RSH | BPF_K:
                        if (!set[d] || is_ctx[d] || i->imm < 0 || i->imm > 31)
                                return -1;
                        reg[d] = (uint32_t) reg[d] >> i->imm;
                        break;
                case BPF_JMP | BPF_JNE | BPF_K:
                case BPF_JMP | BPF_JEQ | BPF_K:
                        if (!set[d] || is_ctx[d] || i->off < 0 || pc + 1 + (size_t) i->off >= n)
                                return -1;
                        if ((reg[d] == (uint64_t) (int64_t) i->imm) == (BPF_OP(i->code) == BPF_JEQ))
                                pc += (size_t) i->off;
                        continue;
                case BPF_JMP | BPF_EXIT:
                        return set[BPF_REG_0] ? (int) reg[BPF_REG_0] : -1;
                default:
                        return -1;
                }
                set[d] = true;
                is_ctx[d] = false;
        }
        return -1; /* ran off the end */
}

/* The rules read as bpf-devices.h states them, one access at a time, with the defaults after them. */
static bool names_device(const OciDeviceRule *d, char type, uint32_t major, uint32_t minor) {
        return (d->type == 'a' || d->type == type) &&
               (!d->major.set || d->major.v < 0 || d->major.v == major) &&
               (!d->minor.set || d->minor.v < 0 || d->minor.v == minor);
}

static bool names_access(const char *access, uint32_t bit) {
        const char *c = bit == R ? "r" : bit == W ? "w" : "m";
        return !access || strstr(access, c);
}

static bool reference(const OciDeviceRule *rules, size_t n, char type, uint32_t major, uint32_t minor,
                      uint32_t access) {
        size_t n_defaults;
        const DefaultDevice *defaults = default_devices_get(&n_defaults);

        for (uint32_t bit = 1; bit <= 4; bit <<= 1) {
                bool allowed = false; /* before any rule, as runc starts */

                if (!(access & bit))
                        continue;
                for (size_t i = 0; i < n; i++) {
                        const OciDeviceRule *d = rules + i;
                        bool all = d->type == 'a' && (!d->major.set || d->major.v < 0) &&
                                   (!d->minor.set || d->minor.v < 0);
                        if (all || (names_device(d, type, major, minor) && names_access(d->access, bit)))
                                allowed = d->allow;
                }
                for (size_t i = 0; i < n_defaults; i++) {
                        const DefaultDevice *d = defaults + i;
                        if ((d->type == type) && (d->major < 0 || d->major == major) &&
                            (d->minor < 0 || d->minor == minor) && names_access(d->access, bit))
                                allowed = true;
                }
                if (!allowed)
                        return false;
        }
        return true;
}

/* What the program answers for one request: 1, 0, or -1 when it could not be built or run. */
static int ask(const OciDeviceRule *rules, size_t n, char type, uint32_t major, uint32_t minor,
               uint32_t access) {
        _cleanup_free_ struct bpf_insn *p = NULL;
        size_t np;

        if (bpf_devices_build(rules, n, &p, &np) < 0)
                return -1;
        return interpret(p, np, type, major, minor, access);
}

static const char *access_name(uint32_t a) {
        static const char *names[] = { "", "m", "r", "rm", "w", "wm", "rw", "rwm" };
        return names[a & 7];
}

#define EXPECT(rules, type, major, minor, access, want, what)                                           \
        do {                                                                                            \
                int _g = ask(rules, ELEMENTSOF(rules), type, major, minor, access);                     \
                tap_ok(_g == (want), "%s: %c %d:%d %s %s", what, type, major, minor,                    \
                       access_name(access), (want) ? "allowed" : "denied");                             \
                if (_g != (want))                                                                       \
                        tap_diag("got %d", _g);                                                         \
        } while (0)

static void test_chosen(void) {
        /* what tests/integration/test_devices.py asks of a container, as runc and v1 answer it */
        OciDeviceRule deny_all[] = { DENY_ALL };
        EXPECT(deny_all, 'c', 1, 11, W, 0, "deny-all");
        EXPECT(deny_all, 'c', 1, 11, R, 0, "deny-all");
        EXPECT(deny_all, 'c', 1, 11, M, 1, "deny-all, mknod of any char device by default");
        EXPECT(deny_all, 'b', 8, 0, M, 1, "deny-all, mknod of any block device by default");
        EXPECT(deny_all, 'b', 8, 0, R, 0, "deny-all");
        EXPECT(deny_all, 'c', 1, 3, R | W, 1, "deny-all, /dev/null by default");
        EXPECT(deny_all, 'c', 1, 9, R | W, 1, "deny-all, /dev/urandom by default");
        EXPECT(deny_all, 'c', 5, 2, R | W, 1, "deny-all, /dev/ptmx by default");
        EXPECT(deny_all, 'c', 136, 7, R | W, 1, "deny-all, /dev/pts/7 by default");
        EXPECT(deny_all, 'c', 10, 200, R | W, 1, "deny-all, /dev/net/tun by default");
        EXPECT(deny_all, 'b', 1, 3, R, 0, "deny-all, a block device with /dev/null's numbers");
        EXPECT(deny_all, 'c', 5, 1, R | W, 0, "deny-all, /dev/console is no default (it is a pty)");

        OciDeviceRule r[] = { DENY_ALL, RULE(true, 'c', 1, 11, "r") };
        EXPECT(r, 'c', 1, 11, R, 1, "allowed r");
        EXPECT(r, 'c', 1, 11, W, 0, "allowed r");
        EXPECT(r, 'c', 1, 11, R | W, 0, "allowed r");
        EXPECT(r, 'c', 1, 12, R, 0, "allowed r on 1:11 only");
        EXPECT(r, 'b', 1, 11, R, 0, "allowed r on the char device only");
        OciDeviceRule rm[] = { DENY_ALL, RULE(true, 'c', 1, 11, "rm") };
        EXPECT(rm, 'c', 1, 11, W, 0, "allowed rm");
        OciDeviceRule w[] = { DENY_ALL, RULE(true, 'c', 1, 11, "w") };
        EXPECT(w, 'c', 1, 11, W, 1, "allowed w");
        EXPECT(w, 'c', 1, 11, R | W, 0, "allowed w");
        OciDeviceRule rwm[] = { DENY_ALL, RULE(true, 'c', 1, 11, "rwm") };
        EXPECT(rwm, 'c', 1, 11, R | W, 1, "allowed rwm");
        OciDeviceRule absent[] = { DENY_ALL, RULE(true, 'c', 1, 11, NULL) };
        EXPECT(absent, 'c', 1, 11, R | W, 1, "access absent: rwm");
        OciDeviceRule none[] = { DENY_ALL, RULE(true, 'c', 1, 11, "") };
        EXPECT(none, 'c', 1, 11, R, 0, "an empty access allows nothing");

        /* later rules over earlier ones */
        OciDeviceRule narrowed[] = { DENY_ALL, RULE(true, 'c', 1, 11, "rw"), RULE(false, 'c', 1, 11, "w") };
        EXPECT(narrowed, 'c', 1, 11, R, 1, "rw then deny w");
        EXPECT(narrowed, 'c', 1, 11, W, 0, "rw then deny w");
        EXPECT(narrowed, 'c', 1, 11, R | W, 0, "rw then deny w (v1 and runc deny it too)");
        OciDeviceRule hole[] = { DENY_ALL, RULE(true, 'c', 1, ANY, "rw"), RULE(false, 'c', 1, 11, "w") };
        EXPECT(hole, 'c', 1, 11, W, 0, "a deny inside an allowed range (runc refuses it, v1 ignores it)");
        EXPECT(hole, 'c', 1, 11, R, 1, "a deny inside an allowed range");
        EXPECT(hole, 'c', 1, 12, W, 1, "a deny inside an allowed range, another minor");
        OciDeviceRule again[] = { DENY_ALL, RULE(true, 'c', 1, 11, "rw"), RULE(false, 'c', 1, 11, "w"),
                                  RULE(true, 'c', 1, 11, "w") };
        EXPECT(again, 'c', 1, 11, R | W, 1, "rw, deny w, allow w again (v1: rw)");
        OciDeviceRule split[] = { DENY_ALL, RULE(true, 'c', 1, 11, "r"), RULE(true, 'c', 1, 11, "w") };
        EXPECT(split, 'c', 1, 11, R | W, 1, "r and w in two rules (v1 merges them)");
        OciDeviceRule ranges[] = { DENY_ALL, RULE(true, 'c', 1, 11, "r"), RULE(true, 'c', 1, ANY, "w") };
        EXPECT(ranges, 'c', 1, 11, R | W, 1, "r and w from rules of two ranges (v1 and runc: denied)");
        OciDeviceRule later_deny_all[] = { RULE(true, 'c', 1, 11, "rwm"), DENY_ALL };
        EXPECT(later_deny_all, 'c', 1, 11, R, 0, "an allow before deny-all is forgotten");
        OciDeviceRule deny_all_r[] = { RULE(false, 'a', ANY, ANY, "r") };
        EXPECT(deny_all_r, 'c', 1, 11, W, 0, "\"a\" without numbers starts over whatever its access");

        /* before any rule that starts over, every device is denied (as runc and crun start) */
        OciDeviceRule blacklist[] = { RULE(false, 'c', 1, 11, "w") };
        EXPECT(blacklist, 'c', 1, 11, R, 0, "only a deny: denied before it");
        EXPECT(blacklist, 'b', 8, 0, R | W, 0, "only a deny, another device: denied before it");
        EXPECT(blacklist, 'c', 1, 3, R | W, 1, "only a deny: the defaults");
        OciDeviceRule only_allow[] = { RULE(true, 'c', 1, 11, "w") };
        EXPECT(only_allow, 'c', 1, 11, W, 1, "only an allow: what it allows");
        EXPECT(only_allow, 'c', 1, 11, R, 0, "only an allow: nothing else of that device");
        EXPECT(only_allow, 'b', 8, 0, R, 0, "only an allow: no other device");
        tap_is_int(ask(NULL, 0, 'c', 1, 11, W), 0, "no rules: c 1:11 w (/dev/kmsg) denied");
        tap_is_int(ask(NULL, 0, 'c', 1, 5, R | W), 1, "no rules: c 1:5 rw (/dev/zero, a default) allowed");
        OciDeviceRule privileged[] = { RULE(true, 'a', ANY, ANY, "rwm") };
        EXPECT(privileged, 'b', 8, 0, R | W, 1, "allow-all");
        OciDeviceRule defaults_win[] = { DENY_ALL, RULE(false, 'c', 1, 3, "rwm") };
        EXPECT(defaults_win, 'c', 1, 3, R | W, 1, "the defaults come after the container's rules");

        /* wildcards */
        OciDeviceRule both[] = { DENY_ALL, RULE(true, 'a', 7, ANY, "r") };
        EXPECT(both, 'b', 7, 3, R, 1, "\"a\" with a major: block devices");
        EXPECT(both, 'c', 7, 3, R, 1, "\"a\" with a major: char devices");
        EXPECT(both, 'b', 8, 3, R, 0, "\"a\" with a major: that major only");
        OciDeviceRule any_major[] = { DENY_ALL, RULE(true, 'c', ANY, 11, "r") };
        EXPECT(any_major, 'c', 2, 11, R, 1, "any major, minor 11");
        EXPECT(any_major, 'c', 2, 12, R, 0, "any major, minor 11");
        OciDeviceRule minus_one[] = { DENY_ALL, RULE(true, 'c', 1, -1, "r") };
        minus_one[1].minor.set = true;
        EXPECT(minus_one, 'c', 1, 12, R, 1, "a minor of -1 is any");
        OciDeviceRule huge[] = { DENY_ALL, RULE(true, 'c', 4096, ANY, "rwm"),
                                 RULE(true, 'c', 1, 1048576, "rwm") };
        EXPECT(huge, 'c', 0, 0, R, 0, "numbers no device has match none");
        EXPECT(huge, 'c', 1, 0, R, 0, "numbers no device has match none");

        OciDeviceRule bad[] = { DENY_ALL, RULE(true, 'c', 1, 11, "rx") };
        struct bpf_insn *p = NULL;
        size_t np;
        tap_is_int(bpf_devices_build(bad, ELEMENTSOF(bad), &p, &np), -EINVAL,
                   "an access outside rwm is refused");

        tap_ok(!bpf_devices_allow_all(NULL, 0), "no rules: every device but the defaults denied");
        tap_ok(bpf_devices_allow_all(privileged, ELEMENTSOF(privileged)), "allow-all: no program needed");
        tap_ok(!bpf_devices_allow_all(deny_all, ELEMENTSOF(deny_all)), "deny-all needs the program");
        tap_ok(!bpf_devices_allow_all(blacklist, ELEMENTSOF(blacklist)), "a deny needs the program");
        OciDeviceRule idle_deny[] = { RULE(true, 'a', ANY, ANY, "rwm"), RULE(false, 'c', 1, 11, ""),
                                      RULE(false, 'c', 5000, ANY, "rwm") };
        tap_ok(bpf_devices_allow_all(idle_deny, ELEMENTSOF(idle_deny)), "denies of nothing need no program");
}

/* Every request about a few devices: the program's answers against the plain reading. */
static unsigned check_all(const OciDeviceRule *rules, size_t n, const struct bpf_insn *p, size_t np,
                          int round) {
        static const uint32_t majors[] = { 1, 5, 7, 136 }, minors[] = { 0, 2, 3, 11 };
        unsigned failures = 0;

        for (size_t t = 0; t < 2; t++)
                for (size_t a = 0; a < ELEMENTSOF(majors) * ELEMENTSOF(minors); a++)
                        for (uint32_t acc = 1; acc <= 7; acc++) {
                                char type = t ? 'b' : 'c';
                                uint32_t major = majors[a / ELEMENTSOF(minors)];
                                uint32_t minor = minors[a % ELEMENTSOF(minors)];
                                int got = interpret(p, np, type, major, minor, acc);

                                if (got == reference(rules, n, type, major, minor, acc))
                                        continue;
                                if (failures++ < 3)
                                        tap_diag("round %d: %c %u:%u %s: got %d", round, type, major, minor,
                                                 access_name(acc), got);
                        }
        return failures;
}

/* Random rule sets over a few numbers. */
static void test_random(void) {
        static const int64_t majors[] = { ANY, 1, 7, 136 }, minors[] = { ANY, 3, 11 };
        static const char *accesses[] = { NULL, "", "r", "w", "m", "rw", "rm", "wm", "rwm" };
        unsigned seed = 0x5eed, failures = 0;
        int rounds = 2000;

        for (int round = 0; round < rounds; round++) {
                OciDeviceRule rules[8];
                size_t n = (size_t) (rand_r(&seed) % 9);
                _cleanup_free_ struct bpf_insn *p = NULL;
                size_t np;

                for (size_t i = 0; i < n; i++) {
                        int64_t ma = majors[rand_r(&seed) % ELEMENTSOF(majors)];
                        int64_t mi = minors[rand_r(&seed) % ELEMENTSOF(minors)];
                        const char *acc = accesses[rand_r(&seed) % ELEMENTSOF(accesses)];

                        bool allow = rand_r(&seed) % 2;
                        char type = "acb"[rand_r(&seed) % 3];

                        rules[i] = (OciDeviceRule) RULE(allow, type, ma, mi, acc);
                        /* the usual start: deny-all */
                        if (i == 0 && rand_r(&seed) % 2)
                                rules[i] = (OciDeviceRule) DENY_ALL;
                }
                if (bpf_devices_build(rules, n, &p, &np) < 0)
                        failures++;
                else
                        failures += check_all(rules, n, p, np, round);
        }
        tap_ok(failures == 0, "%d random rule sets: every request answered as the rules say", rounds);
}

/* ---- the kernel ---- */

typedef struct Probe {
        const char *what;
        char type;
        uint32_t major, minor;
        uint32_t access;
} Probe;

/* Devices whose open() does nothing but answer: /dev/null, /dev/kmsg, a loop device (ENXIO when it is
 * not set up, after the device check). A probe of M makes the node; the others open a node made first. */
static const Probe probes[] = {
        { "/dev/null rw", 'c', 1, 3, R | W },
        { "/dev/kmsg r", 'c', 1, 11, R },
        { "/dev/kmsg w", 'c', 1, 11, W },
        { "/dev/kmsg rw", 'c', 1, 11, R | W },
        { "loop0 r", 'b', 7, 0, R },
        { "mknod c 1:11", 'c', 1, 11, M },
        { "mknod b 7:0", 'b', 7, 0, M },
};

static int bpf(int cmd, union bpf_attr *attr) {
        return (int) syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static char *node_path(const char *dir, size_t i) {
        char *p = NULL;
        return asprintf(&p, "%s/node%zu", dir, i) < 0 ? NULL : p;
}

static int make_node(const char *dir, size_t i) {
        _cleanup_free_ char *node = node_path(dir, i);
        const Probe *pr = probes + i;

        if (!node)
                return -ENOMEM;
        return mknod(node, (pr->type == 'b' ? S_IFBLK : S_IFCHR) | 0600, makedev(pr->major, pr->minor)) < 0
                       ? -errno
                       : 0;
}

static int open_node(const char *dir, size_t i) {
        _cleanup_free_ char *node = node_path(dir, i);
        uint32_t a = probes[i].access;
        int fd;

        if (!node)
                return -ENOMEM;
        fd = open(node, (a == (R | W) ? O_RDWR : a == W ? O_WRONLY : O_RDONLY) | O_CLOEXEC | O_NOCTTY |
                                O_NONBLOCK);
        if (fd < 0)
                return -errno;
        close(fd);
        return 0;
}

/* In a child moved into 'cgroup': for each probe, whether the kernel's device check let it through
 * (an error other than EPERM is the device's own answer, after the check). */
static int probe_in_cgroup(const char *cgroup, const char *dir, bool ret[static ELEMENTSOF(probes)]) {
        int fds[2], status;
        size_t k = 0;
        pid_t pid;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                /* freed before _exit(), which runs no cleanup: valgrind follows the child too */
                char *procs = strjoin(cgroup, "/cgroup.procs");
                int fd = procs ? open(procs, O_WRONLY | O_CLOEXEC) : -1;

                free(procs);
                if (fd < 0 || write(fd, "0\n", 2) != 2)
                        _exit(2);
                for (size_t i = 0; i < ELEMENTSOF(probes); i++) {
                        int r = probes[i].access == M ? make_node(dir, i) : open_node(dir, i);
                        char c = r != -EPERM;
                        if (write(fds[1], &c, 1) != 1)
                                _exit(2);
                }
                _exit(0);
        }
        close(fds[1]);
        for (char c; k < ELEMENTSOF(probes) && read(fds[0], &c, 1) == 1; k++)
                ret[k] = c;
        close(fds[0]);
        if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
            k != ELEMENTSOF(probes))
                return -EIO;
        return 0;
}

/* The id of the one device program attached to 'cgroup', or a negative errno. */
static int attached_program(const char *cgroup, uint32_t *ret) {
        _cleanup_close_ int fd = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        uint32_t ids[4];
        union bpf_attr attr = {
                .query.target_fd = (uint32_t) fd,
                .query.attach_type = BPF_CGROUP_DEVICE,
                .query.prog_ids = (uintptr_t) ids,
                .query.prog_cnt = ELEMENTSOF(ids),
        };

        if (fd < 0 || bpf(BPF_PROG_QUERY, &attr) < 0)
                return -errno;
        if (attr.query.prog_cnt != 1)
                return -EBADSLT;
        *ret = ids[0];
        return 0;
}

/* The kernel frees a program shortly after the cgroup it was attached to is gone. */
static bool program_freed(uint32_t id) {
        for (int i = 0; i < 500; i++) {
                union bpf_attr attr = { .prog_id = id };
                int fd = bpf(BPF_PROG_GET_FD_BY_ID, &attr);

                if (fd < 0 && errno == ENOENT)
                        return true;
                safe_close(fd);
                usleep(10000);
        }
        return false;
}

/* One rule set in a cgroup of its own below 'cgroup'. */
static void kernel_check(const char *cgroup, const char *dir, size_t s, const OciDeviceRule *rules,
                         size_t n) {
        _cleanup_free_ char *sub = NULL;
        bool got[ELEMENTSOF(probes)], same;
        uint32_t id = 0;
        int r;

        if (asprintf(&sub, "%s/s%zu", cgroup, s) < 0 || mkdir(sub, 0755) < 0)
                return tap_skip("cannot make a cgroup for the test");
        r = cgroup_bpf_attach_devices_at(sub, rules, n);
        if (r == -EPERM || r == -EOPNOTSUPP || r == -ENOSYS) {
                (void) rmdir(sub);
                return tap_skip("this process may not load BPF programs");
        }
        if (!tap_ok(r >= 0, "rule set %zu: the kernel takes the program", s)) {
                tap_diag("%s", strerror(-r));
                (void) rmdir(sub);
                return;
        }
        tap_ok(attached_program(sub, &id) >= 0, "rule set %zu: attached to its cgroup", s);

        r = probe_in_cgroup(sub, dir, got);
        if (r < 0)
                tap_diag("rule set %zu: probing failed: %s", s, strerror(-r));
        same = r >= 0;
        for (size_t i = 0; same && i < ELEMENTSOF(probes); i++) {
                const Probe *pr = probes + i;
                if (got[i] == reference(rules, n, pr->type, pr->major, pr->minor, pr->access))
                        continue;
                tap_diag("rule set %zu, %s: the kernel says %s", s, pr->what, got[i] ? "allowed" : "denied");
                same = false;
        }
        tap_ok(same, "rule set %zu: the kernel answers as the rules say", s);

        /* the nodes mknod made: the next mknod would fail with EEXIST before the device check */
        for (size_t i = 0; i < ELEMENTSOF(probes); i++)
                if (probes[i].access == M) {
                        _cleanup_free_ char *node = node_path(dir, i);
                        if (node)
                                (void) unlink(node);
                }
        tap_ok(rmdir(sub) == 0 && id > 0 && program_freed(id),
               "rule set %zu: the program goes with the cgroup", s);
}

/* A new directory in which device nodes open (not on a nodev mount: /tmp in a container often is), in
 * 'ret', made from the template "<parent>/test-bpf-devices-XXXXXX". */
static bool make_node_dir(char ret[static 4096]) {
        const char *parents[] = { "/tmp", "/var/tmp", "." };

        for (size_t i = 0; i < ELEMENTSOF(parents); i++) {
                _cleanup_free_ char *null = NULL;
                _cleanup_close_ int fd = -1;

                snprintf(ret, 4096, "%s/test-bpf-devices-XXXXXX", parents[i]);
                if (!mkdtemp(ret))
                        continue;
                null = strjoin(ret, "/null");
                if (null && mknod(null, S_IFCHR | 0600, makedev(1, 3)) >= 0) {
                        fd = open(null, O_RDWR | O_CLOEXEC);
                        (void) unlink(null);
                }
                if (fd >= 0)
                        return true;
                (void) rmdir(ret);
        }
        return false;
}

static void test_kernel(void) {
        static const OciDeviceRule sets[][3] = {
                { DENY_ALL },
                { DENY_ALL, RULE(true, 'c', 1, 11, "r") },
                { DENY_ALL, RULE(true, 'c', 1, 11, "w") },
                { DENY_ALL, RULE(true, 'c', 1, ANY, "rw"), RULE(false, 'c', 1, 11, "w") },
                { DENY_ALL, RULE(true, 'b', 7, ANY, "r"), RULE(false, 'a', ANY, 0, "m") },
                { RULE(false, 'c', 1, 11, "w") },
        };
        static const size_t lengths[] = { 1, 2, 2, 3, 3, 1 };
        _cleanup_free_ char *cgroup = NULL;
        char dir[4096];
        const char *root = NULL, *skip = NULL;

        if (access("/sys/fs/cgroup/unified/cgroup.procs", F_OK) == 0)
                root = "/sys/fs/cgroup/unified";
        else if (access("/sys/fs/cgroup/cgroup.procs", F_OK) == 0)
                root = "/sys/fs/cgroup";
        if (geteuid() != 0)
                skip = "not root";
        else if (!root)
                skip = "no cgroup v2 hierarchy";
        else if (asprintf(&cgroup, "%s/test-bpf-devices-%d", root, (int) getpid()) < 0)
                skip = "out of memory";
        else if (!make_node_dir(dir))
                skip = "no directory in which device nodes can be made and opened";
        else if (mkdir(cgroup, 0755) < 0) {
                skip = "cannot make a cgroup for the test";
                (void) rmdir(dir);
        }
        if (skip)
                return tap_skip(skip);

        for (size_t i = 0; i < ELEMENTSOF(probes); i++)
                if (probes[i].access != M)
                        (void) make_node(dir, i);
        _Static_assert(ELEMENTSOF(sets) == ELEMENTSOF(lengths), "a length for every rule set");
        for (size_t s = 0; s < ELEMENTSOF(sets); s++)
                kernel_check(cgroup, dir, s, sets[s], lengths[s]);

        tap_ok(rmdir(cgroup) == 0, "the test's cgroup is gone");
        for (size_t i = 0; i < ELEMENTSOF(probes); i++) {
                _cleanup_free_ char *node = node_path(dir, i);
                if (node)
                        (void) unlink(node);
        }
        (void) rmdir(dir);
}

int main(void) {
        test_chosen();
        test_random();
        test_kernel();
        printf("1..%d\n", tap_n);
        return tap_failed ? 1 : 0;
}
