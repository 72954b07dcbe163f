/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.resources.devices → a BPF_PROG_TYPE_CGROUP_DEVICE program (cgroup v2's device policy), in the
 * manner of crun's ebpf.c. Pure: no syscalls, no privilege; the host layer loads and attaches it. */
#include "plan/bpf-devices.h"
#include "oci/default-devices.h"
#include "base/util.h"

#define ACCESS_ALL (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)

/* The largest device numbers the kernel has (MINORBITS 20 of a 32-bit dev_t). */
#define DEVICE_MAJOR_MAX 0xfff
#define DEVICE_MINOR_MAX 0xfffff

/* Registers of the program: R1 the context, then what the prologue loads from it. R3 holds the
 * accesses asked for that no rule has decided yet. R0 is the answer, R1 a scratch register once the
 * context has been read. */
enum {
        REG_ANSWER = BPF_REG_0,
        REG_CTX = BPF_REG_1,
        REG_SCRATCH = BPF_REG_1,
        REG_TYPE = BPF_REG_2,
        REG_ACCESS = BPF_REG_3,
        REG_MAJOR = BPF_REG_4,
        REG_MINOR = BPF_REG_5,
};

typedef struct Rule {
        bool allow;
        char type;       /* 'a', 'c', 'b' */
        int64_t major;   /* < 0: any */
        int64_t minor;
        uint32_t access; /* BPF_DEVCG_ACC_* */
} Rule;

typedef struct Program {
        struct bpf_insn *insns;
        size_t n;
        size_t allocated;
} Program;

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
        return (struct bpf_insn) { .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

static int emit(Program *p, struct bpf_insn i) {
        if (p->n == p->allocated) {
                size_t m = p->allocated ? p->allocated * 2 : 64;
                struct bpf_insn *a = reallocarray(p->insns, m, sizeof(struct bpf_insn));
                if (!a)
                        return -ENOMEM;
                p->insns = a;
                p->allocated = m;
        }
        p->insns[p->n++] = i;
        return 0;
}

/* Sets R0 to 'v' and returns it. */
static int emit_return(Program *p, bool v) {
        int r = emit(p, insn(BPF_ALU | BPF_MOV | BPF_K, REG_ANSWER, 0, 0, v));
        return r < 0 ? r : emit(p, insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

static int access_bits(const char *access, uint32_t *ret) {
        uint32_t bits = 0;

        if (!access) {
                *ret = ACCESS_ALL;
                return 0;
        }
        for (const char *a = access; *a; a++)
                switch (*a) {
                case 'r':
                        bits |= BPF_DEVCG_ACC_READ;
                        break;
                case 'w':
                        bits |= BPF_DEVCG_ACC_WRITE;
                        break;
                case 'm':
                        bits |= BPF_DEVCG_ACC_MKNOD;
                        break;
                default:
                        return -EINVAL;
                }
        *ret = bits;
        return 0;
}

static bool rule_starts_over(const OciDeviceRule *d) {
        return d->type == 'a' && (!d->major.set || d->major.v < 0) && (!d->minor.set || d->minor.v < 0);
}

/* The rules that count, last one first: the defaults, then the container's rules after the last one
 * that starts over. Also the answer when no rule decides. */
static int collect(const OciDeviceRule *rules, size_t n_rules, Rule **ret, size_t *ret_n,
                   bool *ret_default) {
        const DefaultDevice *defaults;
        size_t n_defaults, start = 0, n = 0;
        _cleanup_free_ Rule *list = NULL;
        bool default_allow = false; /* as runc's rules start: every device denied */
        int r;

        defaults = default_devices_get(&n_defaults);
        for (size_t i = 0; i < n_rules; i++)
                if (rule_starts_over(rules + i)) {
                        start = i + 1;
                        default_allow = rules[i].allow;
                }

        list = calloc(n_rules - start + n_defaults, sizeof(Rule));
        if (!list)
                return -ENOMEM;
        for (size_t i = n_defaults; i > 0; i--) {
                const DefaultDevice *d = defaults + i - 1;
                Rule x = { .allow = true, .type = d->type, .major = d->major, .minor = d->minor };

                r = access_bits(d->access, &x.access);
                if (r < 0)
                        return r;
                list[n++] = x;
        }
        for (size_t i = n_rules; i > start; i--) {
                const OciDeviceRule *d = rules + i - 1;
                Rule x = {
                        .allow = d->allow,
                        .type = d->type ?: 'a',
                        .major = d->major.set ? d->major.v : -1,
                        .minor = d->minor.set ? d->minor.v : -1,
                };

                if (!strchr("acb", x.type))
                        return -EINVAL;
                r = access_bits(d->access, &x.access);
                if (r < 0)
                        return r;
                list[n++] = x;
        }
        *ret = TAKE_PTR(list);
        *ret_n = n;
        *ret_default = default_allow;
        return 0;
}

static bool rule_matches_nothing(const Rule *x) {
        return x->access == 0 || x->major > DEVICE_MAJOR_MAX || x->minor > DEVICE_MINOR_MAX;
}

/* A conditional jump to the next rule, whose offset is known once the rule is complete. */
static int emit_skip(Program *p, size_t *jumps, size_t *n_jumps, uint8_t op, uint8_t reg, int32_t imm) {
        jumps[(*n_jumps)++] = p->n;
        return emit(p, insn(BPF_JMP | op | BPF_K, reg, 0, 0, imm));
}

/* One rule: on to the next one unless the device matches, then decides the accesses it names. */
static int emit_rule(Program *p, const Rule *x) {
        size_t jumps[4], n_jumps = 0;
        int r = 0;

        if (rule_matches_nothing(x))
                return 0;

        if (x->type != 'a')
                r = emit_skip(p, jumps, &n_jumps, BPF_JNE, REG_TYPE,
                              x->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
        if (r >= 0 && x->major >= 0)
                r = emit_skip(p, jumps, &n_jumps, BPF_JNE, REG_MAJOR, (int32_t) x->major);
        if (r >= 0 && x->minor >= 0)
                r = emit_skip(p, jumps, &n_jumps, BPF_JNE, REG_MINOR, (int32_t) x->minor);
        if (r >= 0 && x->access != ACCESS_ALL) {
                if (x->allow) {
                        /* the accesses it names are allowed; the request is once none is left undecided */
                        r = emit(p, insn(BPF_ALU | BPF_AND | BPF_K, REG_ACCESS, 0, 0, (int32_t) ~x->access));
                        if (r >= 0)
                                r = emit_skip(p, jumps, &n_jumps, BPF_JNE, REG_ACCESS, 0);
                } else {
                        /* denied when it names an access still undecided */
                        r = emit(p, insn(BPF_ALU | BPF_MOV | BPF_X, REG_SCRATCH, REG_ACCESS, 0, 0));
                        if (r >= 0)
                                r = emit(p, insn(BPF_ALU | BPF_AND | BPF_K, REG_SCRATCH, 0, 0,
                                                 (int32_t) x->access));
                        if (r >= 0)
                                r = emit_skip(p, jumps, &n_jumps, BPF_JEQ, REG_SCRATCH, 0);
                }
        }
        if (r >= 0)
                r = emit_return(p, x->allow);
        if (r < 0)
                return r;

        /* a few instructions on: far within an offset's range */
        for (size_t i = 0; i < n_jumps; i++)
                p->insns[jumps[i]].off = (int16_t) (p->n - jumps[i] - 1);
        return 0;
}

int bpf_devices_build(const OciDeviceRule *rules, size_t n_rules, struct bpf_insn **ret, size_t *ret_n) {
        _cleanup_free_ Rule *list = NULL;
        Program p = {};
        size_t n;
        bool default_allow;
        int r;

        r = collect(rules, n_rules, &list, &n, &default_allow);
        if (r < 0)
                return r;

        /* struct bpf_cgroup_dev_ctx: access_type (access << 16 | type), major, minor; 32 bits each */
        struct bpf_insn prologue[] = {
                insn(BPF_LDX | BPF_MEM | BPF_W, REG_TYPE, REG_CTX, 0, 0),
                insn(BPF_ALU | BPF_MOV | BPF_X, REG_ACCESS, REG_TYPE, 0, 0),
                insn(BPF_ALU | BPF_RSH | BPF_K, REG_ACCESS, 0, 0, 16),
                insn(BPF_ALU | BPF_AND | BPF_K, REG_TYPE, 0, 0, 0xffff),
                insn(BPF_LDX | BPF_MEM | BPF_W, REG_MAJOR, REG_CTX, 4, 0),
                insn(BPF_LDX | BPF_MEM | BPF_W, REG_MINOR, REG_CTX, 8, 0),
        };
        for (size_t i = 0; i < ELEMENTSOF(prologue) && r >= 0; i++)
                r = emit(&p, prologue[i]);
        /* last rule first: the first one that decides every access left is the last that speaks */
        for (size_t i = 0; i < n && r >= 0; i++)
                r = emit_rule(&p, list + i);
        /* the accesses no rule named */
        if (r >= 0)
                r = emit_return(&p, default_allow);
        if (r < 0) {
                free(p.insns);
                return r;
        }
        *ret = p.insns;
        *ret_n = p.n;
        return 0;
}

bool bpf_devices_allow_all(const OciDeviceRule *rules, size_t n_rules) {
        _cleanup_free_ Rule *list = NULL;
        size_t n;
        bool default_allow;

        if (collect(rules, n_rules, &list, &n, &default_allow) < 0 || !default_allow)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!list[i].allow && !rule_matches_nothing(list + i))
                        return false;
        return true;
}
