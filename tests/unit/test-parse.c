/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The parser's model values, its limits (size, depth, NUL bytes, duplicate keys, unknown keys), the
 * state.json round trip, and the model's namespace names as the kernel knows them. No privilege needed;
 * writes only a sparse file in $TMPDIR. */
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "../tap.h"
#include "oci/oci-json.h"
#include "oci/oci-parse.h"
#include "base/util.h"

static void test_model_values(void) {
        static const char doc[] =
                "{\"ociVersion\":\"1.0.2-dev\",\"root\":{\"path\":\"/r\"},"
                "\"process\":{\"user\":{\"uid\":1000,\"gid\":10,\"additionalGids\":[4294967295]},"
                "\"args\":[\"a\",\"b\"],\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\"],\"ambient\":[]},"
                "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":5,\"hard\":18446744073709551615}],"
                "\"oomScoreAdj\":-1000},"
                "\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"/proc/1/ns/net\"},{\"type\":\"mount\"}],"
                "\"resources\":{\"memory\":{\"limit\":-1},\"pids\":{\"limit\":0},"
                "\"devices\":[{\"allow\":false}]},\"seccomp\":{\"defaultAction\":\"SCMP_ACT_KILL_PROCESS\"}},"
                "\"futureKey\":{\"x\":[1,{\"y\":null}]}}";
        _cleanup_free_ char *error = NULL;
        OciConfig *c = NULL;
        int r;

        r = oci_parse_config(doc, strlen(doc), "config.json", &c, &error);
        if (!tap_ok(r == 0, "a small config parses (unknown keys ignored)")) {
                tap_diag("%s", strna(error));
                return;
        }
        tap_is_str(c->oci_version, "1.0.2-dev", "ociVersion");
        tap_is_str(c->root_path, "/r", "root.path");
        tap_ok(!c->root_readonly, "root.readonly defaults to false");
        tap_ok(c->has_process, "process present");
        tap_is_int(c->process.uid, 1000, "uid");
        tap_is_int(c->process.gid, 10, "gid");
        tap_is_int(c->process.n_additional_gids, 1, "one additional gid");
        tap_is_int(c->process.additional_gids[0], 4294967295u, "gid at UINT32_MAX accepted");
        tap_is_int(strv_length(c->process.args), 2, "two args");
        tap_ok(c->process.has_capabilities, "capabilities present");
        tap_ok(c->process.caps[OCI_CAP_BOUNDING] == ((1ull << 0) | (1ull << 5)), "bounding = CHOWN|KILL");
        tap_ok(c->process.cap_set_present[OCI_CAP_AMBIENT] && c->process.caps[OCI_CAP_AMBIENT] == 0,
               "empty ambient set is present and empty");
        tap_ok(!c->process.cap_set_present[OCI_CAP_EFFECTIVE], "effective set absent");
        tap_is_int(c->process.n_rlimits, 1, "one rlimit");
        tap_is_int(c->process.rlimits[0].resource, 7 /* RLIMIT_NOFILE */, "rlimit type");
        tap_ok(c->process.rlimits[0].hard == UINT64_MAX, "rlimit hard = UINT64_MAX");
        tap_ok(c->process.oom_score_adj.set && c->process.oom_score_adj.v == -1000, "oomScoreAdj");
        tap_ok(c->linux.present, "linux present");
        tap_ok(c->linux.namespaces[OCI_NS_NETWORK].present, "network namespace");
        tap_is_str(c->linux.namespaces[OCI_NS_NETWORK].path, "/proc/1/ns/net", "network namespace path");
        tap_ok(c->linux.namespaces[OCI_NS_MOUNT].present && !c->linux.namespaces[OCI_NS_MOUNT].path,
               "new mount namespace");
        tap_ok(!c->linux.namespaces[OCI_NS_PID].present, "no pid namespace");
        tap_ok(c->linux.has_resources, "resources present");
        tap_ok(c->linux.resources.memory.present && c->linux.resources.memory.limit.set &&
               c->linux.resources.memory.limit.v == -1, "memory.limit = -1");
        tap_ok(!c->linux.resources.memory.swap.set, "memory.swap unset");
        tap_ok(c->linux.resources.pids.present && c->linux.resources.pids.limit == 0, "pids.limit = 0");
        tap_ok(c->linux.resources.n_devices == 1 && c->linux.resources.devices[0].type == 'a' &&
               !c->linux.resources.devices[0].allow && !c->linux.resources.devices[0].major.set,
               "device rule without type means 'a'");
        tap_ok(c->linux.seccomp.present && c->linux.seccomp.default_action == OCI_SECCOMP_KILL_PROCESS,
               "seccomp default action");
        oci_config_free(c);
}

static void test_duplicates_and_null(void) {
        static const char doc[] =
                "{\"ociVersion\":\"1.0.0\",\"hostname\":\"a\",\"hostname\":\"b\","
                "\"mounts\":[{\"destination\":\"/x\"}],\"mounts\":[{\"destination\":\"/y\"},{\"destination\":\"/z\"}],"
                "\"annotations\":{\"k\":\"1\",\"k\":\"2\"},\"domainname\":null,"
                "\"linux\":{\"namespaces\":[{\"type\":\"pid\",\"path\":\"/a\",\"path\":\"/b\"}]}}";
        _cleanup_free_ char *error = NULL;
        OciConfig *c = NULL;
        int r;

        r = oci_parse_config(doc, strlen(doc), "config.json", &c, &error);
        if (!tap_ok(r == 0, "duplicate keys are accepted, the last wins")) {
                tap_diag("%s", strna(error));
                return;
        }
        tap_is_str(c->hostname, "b", "last hostname wins");
        tap_ok(c->n_mounts == 2 && streq(c->mounts[1].destination, "/z"), "last mounts array wins");
        tap_ok(c->n_annotations == 1 && streq(c->annotations[0].value, "2"), "last annotation wins");
        tap_ok(!c->domainname, "null is taken as absent");
        tap_is_str(c->linux.namespaces[OCI_NS_PID].path, "/b", "last namespace path wins");
        oci_config_free(c);
}

static void test_limits(void) {
        _cleanup_free_ char *deep = NULL, *error = NULL, *path = NULL;
        const size_t depth = 100000;
        OciConfig *c = NULL;
        int r, fd;

        /* Deep nesting stops at json-c's depth limit instead of recursing. */
        deep = malloc(depth * 2 + 64);
        strcpy(deep, "{\"ociVersion\":\"1.0.0\",\"x\":");
        memset(deep + strlen(deep), '[', depth);
        deep[strlen("{\"ociVersion\":\"1.0.0\",\"x\":") + depth] = 0;
        r = oci_parse_config(deep, strlen(deep), "config.json", &c, &error);
        tap_ok(r == -EINVAL && !c, "deep nesting is refused");
        tap_is_str(error, "config.json: invalid JSON at byte 89: nesting too deep", "deep nesting message");
        free(TAKE_PTR(error));

        /* The size check comes before anything reads the data. */
        r = oci_parse_config("{}", (size_t) OCI_PARSE_MAX_SIZE + 1, "config.json", &c, &error);
        tap_ok(r == -EINVAL, "too large buffer refused");
        tap_is_str(error, "config.json: too large (67108865 bytes, at most 67108864)", "too large message");
        free(TAKE_PTR(error));

        /* A 100 MB file is refused from its size, without reading it (sparse: costs no disk). */
        path = strjoin(getenv("TMPDIR") ?: "/tmp", "/test-parse-big.XXXXXX");
        fd = mkstemp(path);
        if (tap_ok(fd >= 0, "temporary file") && tap_ok(ftruncate(fd, 100 * 1024 * 1024) == 0, "100 MB sparse")) {
                _cleanup_free_ char *expected = NULL;

                r = oci_parse_config_file(path, &c, &error);
                tap_ok(r == -EFBIG && !c, "100 MB config.json refused");
                asprintf_safe(&expected, "%s: too large (104857600 bytes, at most 67108864)", path);
                tap_is_str(error, expected, "100 MB message");
                free(TAKE_PTR(error));
        }
        if (fd >= 0) {
                close(fd);
                unlink(path);
        }

        r = oci_parse_config_file("/nonexistent/config.json", &c, &error);
        tap_ok(r == -ENOENT, "missing file: -ENOENT");
        tap_is_str(error, "/nonexistent/config.json: cannot read: No such file or directory", "missing file message");
        free(TAKE_PTR(error));

        /* Only regular files: a FIFO nobody writes to is refused without waiting for a writer. */
        free(TAKE_PTR(path));
        path = strjoin(getenv("TMPDIR") ?: "/tmp", "/test-parse-fifo.XXXXXX");
        fd = mkstemp(path);
        if (tap_ok(fd >= 0 && unlink(path) == 0 && mkfifo(path, 0600) == 0, "FIFO made")) {
                _cleanup_free_ char *expected = NULL;

                r = oci_parse_config_file(path, &c, &error);
                tap_ok(r == -EBADFD && !c, "FIFO refused");
                asprintf_safe(&expected, "%s: not a regular file but a FIFO", path);
                tap_is_str(error, expected, "FIFO message");
                free(TAKE_PTR(error));
                unlink(path);
        }
        if (fd >= 0)
                close(fd);
        r = oci_parse_process_file("/dev/zero", &(OciProcess *) { NULL }, &error);
        tap_ok(r == -EBADFD, "/dev/zero refused");
        tap_is_str(error, "/dev/zero: not a regular file but a character device", "/dev/zero message");
        free(TAKE_PTR(error));
        r = oci_parse_config_file("/", &c, &error);
        tap_ok(r == -EISDIR && !c, "directory refused");
        tap_is_str(error, "/: not a regular file but a directory", "directory message");
        free(TAKE_PTR(error));

        r = oci_parse_config("{\"ociVersion\":\"1.0.0\"}\0{}", 25, "config.json", &c, &error);
        tap_ok(r == -EINVAL, "NUL byte outside a string refused");
        tap_is_str(error, "config.json: contains a NUL byte outside of a string", "NUL byte message");
        free(TAKE_PTR(error));

        r = oci_parse_config("{\"ociVersion\":\"1.0.0\"}", 22, "config.json", &c, NULL);
        tap_ok(r == 0 && c, "a buffer without trailing NUL parses");
        c = oci_config_free(c);

        r = oci_parse_config("{\"ociVersion\":\"1.0.0\",\"x\":[", 27, "config.json", &c, NULL);
        tap_ok(r == -EINVAL && !c, "ret_error may be NULL");
}

/* What the second reading of the text (json-c's clamped integers, keys cut at a NUL) lets through: the
 * exact limits, digits in strings, escapes other than \u0000, NaN and Infinity before a number it
 * must still see, and a FIFO without device numbers. */
static void test_limits_accepted(void) {
        static const char doc[] =
                "{\"ociVersion\":\"1.0.0\",\"hostname\":\"12345678901234567890123\","
                "\"x\":[NaN,-Infinity,\"\\\\u0000\",{\"\\u0041\\\"\":true}],"
                "\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":18446744073709551615,\"hard\":0}]},"
                "\"linux\":{\"devices\":[{\"path\":\"/dev/f\",\"type\":\"p\"}],"
                "\"resources\":{\"memory\":{\"limit\":-9223372036854775808,\"swap\":-0000000000000000000001}}}}";
        _cleanup_free_ char *error = NULL;
        OciConfig *c = NULL;
        int r;

        r = oci_parse_config(doc, strlen(doc), "config.json", &c, &error);
        if (!tap_ok(r == 0, "64-bit limits, long digit strings, escaped keys and a FIFO parse")) {
                tap_diag("%s", strna(error));
                return;
        }
        tap_ok(c->process.rlimits[0].soft == UINT64_MAX, "uint64 maximum kept");
        tap_ok(c->linux.resources.memory.limit.v == INT64_MIN, "int64 minimum kept");
        tap_ok(c->linux.resources.memory.swap.v == -1, "leading zeros of a negative number");
        tap_ok(c->linux.n_devices == 1 && c->linux.devices[0].type == 'p', "FIFO without major and minor");
        oci_config_free(c);
}

static void test_process_file(void) {
        _cleanup_free_ char *path = strjoin(getenv("TMPDIR") ?: "/tmp", "/test-parse-process.XXXXXX");
        _cleanup_free_ char *error = NULL, *out = NULL;
        static const char doc[] = "{\"terminal\":true,\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"tty\"],\"cwd\":\"/\"}";
        OciProcess *p = NULL;
        int fd, r;

        fd = mkstemp(path);
        if (!tap_ok(fd >= 0 && write(fd, doc, strlen(doc)) == (ssize_t) strlen(doc), "process.json written"))
                return;
        close(fd);
        r = oci_parse_process_file(path, &p, &error);
        unlink(path);
        if (!tap_ok(r == 0, "process file parses")) {
                tap_diag("%s", strna(error));
                return;
        }
        tap_ok(p->terminal, "terminal");
        tap_is_str(p->cwd, "/", "cwd");
        r = oci_json_process(p, &out);
        tap_is_str(out,
                   "{\n"
                   "        \"terminal\": true,\n"
                   "        \"user\": {\n"
                   "                \"uid\": 0,\n"
                   "                \"gid\": 0\n"
                   "        },\n"
                   "        \"args\": [\n"
                   "                \"tty\"\n"
                   "        ],\n"
                   "        \"cwd\": \"/\"\n"
                   "}\n", "process serialization");
        oci_process_free(p);
}

static void test_state(void) {
        OciKeyValue annotations[] = { { (char *) "org.example", (char *) "v\"1" } };
        StateData s = {
                .oci_version = (char *) "1.2.0",
                .id = (char *) "ctr-1",
                .bundle = (char *) "/srv/bundle",
                .rootfs = (char *) "/srv/bundle/rootfs",
                .created = (char *) "2026-01-02T03:04:05.000000006Z",
                .annotations = annotations,
                .n_annotations = 1,
                .pid = 4242,
                .pid_start_time = 123456789012ull,
                .holder_pid = 4240,
                .holder_start_time = 17,
                .nspawn_pid = 4239,
                .nspawn_start_time = 16,
                .machine = (char *) "ctr-1",
                .unit = (char *) "libpod-ctr-1.scope",
                .cgroup = (char *) "/machine.slice/libpod-ctr-1.scope",
                .registered = true,
                .started = false,
                .config_path = (char *) "/run/nspawn-oci/ctr-1/config.json",
        };
        _cleanup_free_ char *text = NULL, *again = NULL, *error = NULL, *oci = NULL;
        StateData *parsed = NULL;
        int r;

        r = oci_json_state(&s, &text);
        tap_ok(r == 0 && text, "state.json serialized");
        r = oci_parse_state(text, strlen(text), &parsed, &error);
        if (!tap_ok(r == 0, "state.json parses back")) {
                tap_diag("%s", strna(error));
                return;
        }
        tap_is_str(parsed->id, "ctr-1", "state id");
        tap_is_int(parsed->pid, 4242, "state pid");
        tap_ok(parsed->pid_start_time == 123456789012ull, "state pid start time");
        tap_is_int(parsed->holder_pid, 4240, "holder pid");
        tap_is_int(parsed->nspawn_start_time, 16, "nspawn start time");
        tap_is_str(parsed->unit, "libpod-ctr-1.scope", "unit");
        tap_ok(parsed->registered && !parsed->started, "flags");
        tap_ok(parsed->n_annotations == 1 && streq(parsed->annotations[0].value, "v\"1"), "annotations");
        r = oci_json_state(parsed, &again);
        tap_is_str(again, text, "state.json round-trips");
        state_data_free(parsed);

        r = oci_json_oci_state(&s, "running", &oci);
        tap_is_str(oci,
                   "{\n"
                   "        \"ociVersion\": \"1.2.0\",\n"
                   "        \"id\": \"ctr-1\",\n"
                   "        \"pid\": 4242,\n"
                   "        \"status\": \"running\",\n"
                   "        \"bundle\": \"/srv/bundle\",\n"
                   "        \"rootfs\": \"/srv/bundle/rootfs\",\n"
                   "        \"created\": \"2026-01-02T03:04:05.000000006Z\",\n"
                   "        \"annotations\": {\n"
                   "                \"org.example\": \"v\\\"1\"\n"
                   "        },\n"
                   "        \"owner\": \"\"\n"
                   "}\n", "OCI state as runc prints it");
        tap_ok(state_data_free(NULL) == NULL, "state_data_free(NULL)");
}

static void test_escape(void) {
        _cleanup_free_ char *e = oci_json_escape("a\"b\\c\n\t\x01/é");

        tap_is_str(e, "a\\\"b\\\\c\\n\\t\\u0001/é", "oci_json_escape");
}

/* Each type's /proc/self/ns/ file is a namespace of the type its clone flag names, as the kernel
 * says (NS_GET_NSTYPE). */
static void test_namespace_kernel_names(void) {
        for (OciNamespaceType t = 0; t < _OCI_NS_MAX; t++) {
                const char *name = oci_namespace_type_proc_name(t);
                _cleanup_close_ int fd = -1;
                char path[64];

                snprintf(path, sizeof(path), "/proc/self/ns/%s", strna(name));
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0 && errno == ENOENT && t == OCI_NS_TIME) {
                        tap_skip("the kernel has no time namespaces");
                        continue;
                }
                tap_is_int(fd >= 0 ? ioctl(fd, NS_GET_NSTYPE) : -errno, oci_namespace_type_clone_flag(t),
                           "%s: %s is a namespace of the type of its clone flag",
                           oci_namespace_type_to_string(t), path);
        }
        tap_is_int(oci_namespace_type_clone_flag(_OCI_NS_MAX), 0, "no flag for an unknown type");
}

int main(void) {
        test_model_values();
        test_duplicates_and_null();
        test_limits();
        test_limits_accepted();
        test_process_file();
        test_state();
        test_escape();
        test_namespace_kernel_names();
        return tap_done(0);
}
