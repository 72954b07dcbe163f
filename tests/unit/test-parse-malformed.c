/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Malformed config.json, process.json and resources documents: each is refused with the exact message
 * that names the JSON path. No privilege needed. */
#include "../tap.h"
#include "oci/oci-parse.h"
#include "base/util.h"

typedef enum Kind { CONFIG, PROCESS, RESOURCES, STATE } Kind;

typedef struct Case {
        Kind kind;
        const char *input;
        const char *error;
} Case;

#define C(x) "{\"ociVersion\":\"1.2.0\"," x "}"

static const Case cases[] = {
        /* The document itself */
        { CONFIG, "", "config.json: empty document" },
        { CONFIG, "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":", "config.json: invalid JSON: unexpected end of data" },
        { CONFIG, "[1,2]", "config.json: expected an object at the top level, got [1,2]" },
        { CONFIG, "42", "config.json: expected an object at the top level, got 42" },
        { CONFIG, "null", "config.json: expected an object at the top level, got null" },
        { CONFIG, "{\"ociVersion\":\"1.0.0\"} {}", "config.json: invalid JSON at byte 23: unexpected character" },
        { CONFIG, "{\"ociVersion\":'1.0.0'}", "config.json: invalid JSON at byte 14: unexpected character" },
        { CONFIG, "{}", "config.json: ociVersion: required field is missing" },
        { CONFIG, "{\"ociVersion\":null}", "config.json: ociVersion: required field is missing" },
        { CONFIG, "{\"ociVersion\":\"2.0.0\"}", "config.json: ociVersion: unsupported version \"2.0.0\", expected 1.x" },
        { CONFIG, "{\"ociVersion\":\"invalid\"}", "config.json: ociVersion: unsupported version \"invalid\", expected 1.x" },
        { CONFIG, "{\"ociVersion\":1}", "config.json: ociVersion: expected a string, got 1" },
        { CONFIG, C("\"hostname\":\"a\\u0000b\""), "config.json: hostname: contains a NUL byte" },
        /* root, mounts */
        { CONFIG, C("\"root\":{\"readonly\":true}"), "config.json: root.path: required field is missing" },
        { CONFIG, C("\"root\":{\"path\":\"rootfs\",\"readonly\":\"yes\"}"),
          "config.json: root.readonly: expected a boolean, got \"yes\"" },
        { CONFIG, C("\"mounts\":[{\"destination\":\"/a\"},{\"destination\":\"/b\"},{\"type\":\"tmpfs\"}]"),
          "config.json: mounts[2].destination: required field is missing" },
        { CONFIG, C("\"mounts\":[{\"destination\":\"/a\",\"options\":[\"ro\",7]}]"),
          "config.json: mounts[0].options[1]: expected a string, got 7" },
        { CONFIG, C("\"mounts\":{}"), "config.json: mounts: expected an array, got {}" },
        { CONFIG, C("\"mounts\":[{\"destination\":\"/a\",\"uidMappings\":[{\"containerID\":0,\"hostID\":-1,\"size\":1}]}]"),
          "config.json: mounts[0].uidMappings[0].hostID: expected a non-negative integer, got -1" },
        /* process */
        { CONFIG, C("\"process\":{\"user\":{\"uid\":4294967296,\"gid\":0}}"),
          "config.json: process.user.uid: expected an integer between 0 and 4294967295, got 4294967296" },
        { CONFIG, C("\"process\":{\"user\":{\"uid\":0,\"gid\":-5}}"),
          "config.json: process.user.gid: expected a non-negative integer, got -5" },
        { CONFIG, C("\"process\":{\"user\":{\"additionalGids\":[1,\"2\"]}}"),
          "config.json: process.user.additionalGids[1]: expected an integer, got \"2\"" },
        { CONFIG, C("\"process\":{\"args\":\"sh\"}"), "config.json: process.args: expected an array of strings, got \"sh\"" },
        { CONFIG, C("\"process\":{\"env\":[\"A=1\",\"B=\\u0000\"]}"), "config.json: process.env[1]: contains a NUL byte" },
        { CONFIG, C("\"process\":{\"terminal\":1}"), "config.json: process.terminal: expected a boolean, got 1" },
        { CONFIG, C("\"process\":{\"consoleSize\":{\"height\":24}}"),
          "config.json: process.consoleSize.width: required field is missing" },
        { CONFIG, C("\"process\":{\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_FOO\"]}}"),
          "config.json: process.capabilities.bounding[1]: unknown capability \"CAP_FOO\"" },
        { CONFIG, C("\"process\":{\"capabilities\":{\"effective\":\"CAP_CHOWN\"}}"),
          "config.json: process.capabilities.effective: expected an array of strings, got \"CAP_CHOWN\"" },
        { CONFIG, C("\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1,\"hard\":2},{\"type\":\"RLIMIT_FOO\",\"soft\":1,\"hard\":1}]}"),
          "config.json: process.rlimits[1].type: unknown rlimit \"RLIMIT_FOO\"" },
        { CONFIG, C("\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1}]}"),
          "config.json: process.rlimits[0].hard: required field is missing" },
        { CONFIG, C("\"process\":{\"oomScoreAdj\":1001}"),
          "config.json: process.oomScoreAdj: expected an integer between -1000 and 1000, got 1001" },
        { CONFIG, C("\"process\":{\"scheduler\":{\"policy\":\"SCHED_FOO\"}}"),
          "config.json: process.scheduler.policy: unknown scheduler policy \"SCHED_FOO\"" },
        { CONFIG, C("\"process\":{\"scheduler\":{\"policy\":\"SCHED_RR\",\"flags\":[\"SCHED_FLAG_BAR\"]}}"),
          "config.json: process.scheduler.flags[0]: unknown scheduler flag \"SCHED_FLAG_BAR\"" },
        { CONFIG, C("\"process\":{\"ioPriority\":{\"class\":\"IOPRIO_CLASS_NONE\"}}"),
          "config.json: process.ioPriority.class: unknown I/O priority class \"IOPRIO_CLASS_NONE\"" },
        { CONFIG, C("\"process\":{\"ioPriority\":{\"class\":\"IOPRIO_CLASS_BE\",\"priority\":8}}"),
          "config.json: process.ioPriority.priority: expected an integer between 0 and 7, got 8" },
        { CONFIG, C("\"process\":{\"execCPUAffinity\":{\"initial\":0}}"),
          "config.json: process.execCPUAffinity.initial: expected a string, got 0" },
        /* hooks, annotations */
        { CONFIG, C("\"hooks\":{\"prestart\":[{\"path\":\"/bin/true\",\"timeout\":0}]}"),
          "config.json: hooks.prestart[0].timeout: expected an integer >= 1, got 0" },
        { CONFIG, C("\"hooks\":{\"poststop\":[{\"args\":[\"x\"]}]}"),
          "config.json: hooks.poststop[0].path: required field is missing" },
        { CONFIG, C("\"annotations\":{\"a\":\"b\",\"c\":3}"), "config.json: annotations.c: expected a string, got 3" },
        { CONFIG, C("\"annotations\":{\"a\":\"b\",\"c\\u0000d\":\"e\"}"),
          "config.json: annotations.c\\u0000d: key contains a NUL byte" },
        /* cut at the NUL, the key would be "hostname" */
        { CONFIG, C("\"hostname\\u0000x\":\"h\""), "config.json: hostname\\u0000x: key contains a NUL byte" },
        /* beyond uint64 (json-c would take 18446744073709551615), and in a key nobody reads */
        { CONFIG, C("\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":18446744073709551616,\"hard\":1}]}"),
          "config.json: process.rlimits[0].soft: expected an integer of at most 64 bits, got 18446744073709551616" },
        { CONFIG, C("\"x-vendor\":{\"ids\":[1,-0000000000000000000099999999999999999999999,2]}"),
          "config.json: x-vendor.ids[1]: expected an integer of at most 64 bits, got -0000000000000000000099999999999999999999999" },
        /* json-c takes NaN and Infinity; the scan goes on past them, and past escaped quotes */
        { CONFIG, C("\"x\":[NaN,-Infinity,1.5e3,{\"\\u0041\\\"\":\"\\\\\"}],\"y\":99999999999999999999999"),
          "config.json: y: expected an integer of at most 64 bits, got 99999999999999999999999" },
        { CONFIG, C("\"process\":{\"user\":{\"uid\":1234567890123456789012345678901234567890123456789012345678901234567890}}"),
          "config.json: process.user.uid: expected an integer of at most 64 bits, got 123456789012345678901234567890123456789012345678901234567890…" },
        /* linux */
        { CONFIG, C("\"linux\":[]"), "config.json: linux: expected an object, got []" },
        { CONFIG, C("\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"foo\"}]}"),
          "config.json: linux.namespaces[1].type: unknown namespace type \"foo\"" },
        { CONFIG, C("\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"},{\"type\":\"pid\",\"path\":\"/x\"}]}"),
          "config.json: linux.namespaces[2].type: duplicate namespace type \"pid\"" },
        { CONFIG, C("\"linux\":{\"namespaces\":[{\"path\":\"/proc/1/ns/net\"}]}"),
          "config.json: linux.namespaces[0].type: required field is missing" },
        { CONFIG, C("\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":1000}]}"),
          "config.json: linux.uidMappings[0].size: required field is missing" },
        { CONFIG, C("\"linux\":{\"timeOffsets\":{\"monotonic\":{\"secs\":1,\"nanosecs\":1000000000}}}"),
          "config.json: linux.timeOffsets.monotonic.nanosecs: expected an integer between 0 and 999999999, got 1000000000" },
        { CONFIG, C("\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"x\",\"major\":1,\"minor\":2}]}"),
          "config.json: linux.devices[0].type: unknown device type \"x\"" },
        { CONFIG, C("\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"\\u0000\"}]}"),
          "config.json: linux.devices[0].type: unknown device type \"\\u0000\"" },
        { CONFIG, C("\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\",\"major\":1.5,\"minor\":2}]}"),
          "config.json: linux.devices[0].major: expected an integer, got 1.5" },
        { CONFIG, C("\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\",\"minor\":2}]}"),
          "config.json: linux.devices[0].major: required field is missing for type \"c\"" },
        { CONFIG, C("\"linux\":{\"devices\":[{\"path\":\"/dev/p\",\"type\":\"p\"},{\"path\":\"/dev/sda\",\"type\":\"b\",\"major\":8,\"minor\":null}]}"),
          "config.json: linux.devices[1].minor: required field is missing for type \"b\"" },
        { CONFIG, C("\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"u\"}]}"),
          "config.json: linux.devices[0].major: required field is missing for type \"u\"" },
        { CONFIG, C("\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\",\"major\":-9223372036854775809,\"minor\":1}]}"),
          "config.json: linux.devices[0].major: expected an integer of at most 64 bits, got -9223372036854775809" },
        { CONFIG, C("\"linux\":{\"resources\":{\"memory\":{\"limit\":\"64M\"}}}"),
          "config.json: linux.resources.memory.limit: expected an integer, got \"64M\"" },
        { CONFIG, C("\"linux\":{\"resources\":{\"memory\":{\"swappiness\":101}}}"),
          "config.json: linux.resources.memory.swappiness: expected an integer between 0 and 100, got 101" },
        { CONFIG, C("\"linux\":{\"resources\":{\"cpu\":{\"shares\":-2}}}"),
          "config.json: linux.resources.cpu.shares: expected a non-negative integer, got -2" },
        { CONFIG, C("\"linux\":{\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"z\"}]}}"),
          "config.json: linux.resources.devices[1].type: unknown device type \"z\"" },
        { CONFIG, C("\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"rwx\"}]}}"),
          "config.json: linux.resources.devices[0].access: invalid device access \"rwx\"" },
        { CONFIG, C("\"linux\":{\"resources\":{\"devices\":[{\"access\":\"r\"}]}}"),
          "config.json: linux.resources.devices[0].allow: required field is missing" },
        { CONFIG, C("\"linux\":{\"resources\":{\"pids\":{}}}"),
          "config.json: linux.resources.pids.limit: required field is missing" },
        { CONFIG, C("\"linux\":{\"resources\":{\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":true}]}}}"),
          "config.json: linux.resources.blockIO.throttleReadBpsDevice[0].rate: expected an integer, got true" },
        { CONFIG, C("\"linux\":{\"resources\":{\"hugepageLimits\":[{\"limit\":1}]}}"),
          "config.json: linux.resources.hugepageLimits[0].pageSize: required field is missing" },
        { CONFIG, C("\"linux\":{\"resources\":{\"rdma\":{\"mlx5_1\":{\"hcaHandles\":-3}}}}"),
          "config.json: linux.resources.rdma.mlx5_1.hcaHandles: expected a non-negative integer, got -3" },
        { CONFIG, C("\"linux\":{\"resources\":{\"unified\":{\"memory.high\":1}}}"),
          "config.json: linux.resources.unified.memory.high: expected a string, got 1" },
        { CONFIG, C("\"linux\":{\"sysctl\":[\"net.ipv4.ip_forward=1\"]}"),
          "config.json: linux.sysctl: expected an object, got [\"net.ipv4.ip_forward=1\"]" },
        { CONFIG, C("\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_FOO\"}}"),
          "config.json: linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_FOO\"" },
        { CONFIG, C("\"linux\":{\"seccomp\":{\"architectures\":[\"SCMP_ARCH_X86_64\"]}}"),
          "config.json: linux.seccomp.defaultAction: required field is missing" },
        { CONFIG, C("\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_XX\"}]}]}}"),
          "config.json: linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator \"SCMP_CMP_XX\"" },
        { CONFIG, C("\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}}"),
          "config.json: linux.seccomp.syscalls[0].args[0].index: expected an integer between 0 and 5, got 6" },
        { CONFIG, C("\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":-1}}"),
          "config.json: linux.seccomp.defaultErrnoRet: expected a non-negative integer, got -1" },
        { CONFIG, C("\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"action\":\"SCMP_ACT_ERRNO\"}]}}"),
          "config.json: linux.seccomp.syscalls[0].names: required field is missing" },
        { CONFIG, C("\"linux\":{\"rootfsPropagation\":\"sideways\"}"),
          "config.json: linux.rootfsPropagation: unknown mount propagation \"sideways\"" },
        { CONFIG, C("\"linux\":{\"maskedPaths\":[\"/proc/kcore\",null]}"),
          "config.json: linux.maskedPaths[1]: expected a string, got null" },
        { CONFIG, C("\"linux\":{\"personality\":{\"domain\":\"LINUX64\"}}"),
          "config.json: linux.personality.domain: unknown personality domain \"LINUX64\"" },
        { CONFIG, C("\"linux\":{\"memoryPolicy\":{\"mode\":\"MPOL_NOPE\",\"nodes\":\"0\"}}"),
          "config.json: linux.memoryPolicy.mode: unknown memory policy mode \"MPOL_NOPE\"" },
        { CONFIG, C("\"linux\":{\"netDevices\":{\"eth0\":{\"name\":5}}}"),
          "config.json: linux.netDevices.eth0.name: expected a string, got 5" },
        { CONFIG, C("\"linux\":{\"intelRdt\":{\"enableCMT\":\"true\"}}"),
          "config.json: linux.intelRdt.enableCMT: expected a boolean, got \"true\"" },
        /* process.json and resources on their own */
        { PROCESS, "[]", "process.json: expected an object at the top level, got []" },
        { PROCESS, "{\"cwd\":\"/\",\"user\":{\"uid\":\"root\"}}", "process.json: user.uid: expected an integer, got \"root\"" },
        { PROCESS, "{\"args\":[\"sh\"],\"capabilities\":{\"ambient\":[\"chown\"]}}",
          "process.json: capabilities.ambient[0]: unknown capability \"chown\"" },
        { RESOURCES, "{\"memory\":{\"limit\":134217728,\"swap\":\"max\"}}",
          "resources: memory.swap: expected an integer, got \"max\"" },
        { RESOURCES, "{\"cpu\":{\"quota\":18446744073709551615}}",
          "resources: cpu.quota: expected an integer between -9223372036854775808 and 9223372036854775807, got 18446744073709551615" },
        { RESOURCES, "{\"pids\":{\"limit\":1},", "resources: invalid JSON: unexpected end of data" },
        { RESOURCES, "{\"memory\":{\"limit\":-99999999999999999999}}",
          "resources: memory.limit: expected an integer of at most 64 bits, got -99999999999999999999" },
        { PROCESS, "{\"args\":[\"sh\"],\"capabilities\":{\"bounding\\u0000\":[]}}",
          "process.json: capabilities.bounding\\u0000: key contains a NUL byte" },
        { STATE, "{\"ociVersion\":\"1.2.0\",\"id\":\"x\",\"pid\":-4}", "state.json: pid: expected an integer between 0 and 2147483647, got -4" },
        { STATE, "{\"ociVersion\":\"1.2.0\"}", "state.json: id: required field is missing" },
        { STATE, "{\"ociVersion\":\"1.2.0\",\"id\":\"x\",\"annotations\":{\"\\u0000\":\"v\"}}",
          "state.json: annotations.\\u0000: key contains a NUL byte" },
        { STATE, "{\"ociVersion\":\"1.2.0\",\"id\":\"x\",\"pidStartTime\":184467440737095516150}",
          "state.json: pidStartTime: expected an integer of at most 64 bits, got 184467440737095516150" },
};

static int parse(Kind kind, const char *input, char **ret_error) {
        size_t size = strlen(input);
        int r;

        switch (kind) {
        case PROCESS: {
                OciProcess *p = NULL;
                r = oci_parse_process(input, size, "process.json", &p, ret_error);
                oci_process_free(p);
                return r;
        }
        case RESOURCES: {
                OciResources *res = NULL;
                r = oci_parse_resources(input, size, "resources", &res, ret_error);
                oci_resources_free(res);
                return r;
        }
        case STATE: {
                StateData *s = NULL;
                r = oci_parse_state(input, size, &s, ret_error);
                state_data_free(s);
                return r;
        }
        default: {
                OciConfig *c = NULL;
                r = oci_parse_config(input, size, "config.json", &c, ret_error);
                oci_config_free(c);
                return r;
        }
        }
}

int main(void) {
        tap_plan((int) ELEMENTSOF(cases) * 2);

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *error = NULL;
                int r = parse(cases[i].kind, cases[i].input, &error);

                tap_ok(r == -EINVAL, "case %zu is refused with -EINVAL (got %d)", i, r);
                tap_is_str(error, cases[i].error, "case %zu: %s", i, cases[i].error);
        }
        return tap_done(1);
}
