# SPDX-License-Identifier: LGPL-2.1-or-later
# What the container process sees, through the probe, compared with the config.json the test wrote:
# user, groups, env, cwd, umask, hostname, capabilities, rlimits, no_new_privs, seccomp,
# namespaces, mounts. Standard OCI behaviour: runs against any runtime, with or without systemd.

import errno
import os
import json

import pytest

from bundle import cap_mask
from runtime import host_ns

pytestmark = [pytest.mark.bare, pytest.mark.systemd, pytest.mark.lifecycle]


def probe_run(rt, cid, bundle):
    p = rt("run", "--bundle", bundle.path, cid)
    assert p.returncode == 0, f"run exited {p.returncode}: {p.stderr}"
    return json.loads(p.stdout)


def test_defaults_match_runc_spec(rt, new_id, make_bundle):
    b = make_bundle()
    seen = probe_run(rt, new_id(), b)
    proc = b.config["process"]
    assert seen["uid"] == seen["euid"] == 0
    assert seen["gid"] == seen["egid"] == 0
    assert seen["cwd"] == "/"
    assert seen["hostname"] == b.config["hostname"]
    # runtimes add HOME from /etc/passwd when the config has none
    assert sorted(e for e in seen["env"] if not e.startswith("HOME=")) == sorted(proc["env"])
    caps = proc["capabilities"]
    assert int(seen["caps"]["CapBnd"], 16) == cap_mask(caps["bounding"])
    assert int(seen["caps"]["CapEff"], 16) == cap_mask(caps["effective"])
    assert int(seen["caps"]["CapPrm"], 16) == cap_mask(caps["permitted"])
    # the kernel raises only ambient capabilities that are also inheritable and permitted
    assert int(seen["caps"]["CapAmb"], 16) == (cap_mask(caps["ambient"]) & cap_mask(caps.get("inheritable", []))
                                               & cap_mask(caps["permitted"]))
    assert seen["no_new_privs"] == 1
    assert seen["rlimits"]["RLIMIT_NOFILE"] == {"soft": 1024, "hard": 1024}
    for ns in ("pid", "net", "ipc", "uts", "mnt"):
        assert seen["ns"][ns] != host_ns(ns), f"{ns} namespace is the host's"


def test_user_groups_env_cwd_umask_hostname(rt, new_id, make_bundle):
    b = make_bundle(overrides={
        "hostname": "probe-host",
        "process": {
            "user": {"uid": 1000, "gid": 1000, "additionalGids": [1001, 65534], "umask": 0o027},
            "env": ["PATH=/bin", "FOO=bar baz", "EMPTY="],
            "cwd": "/home/user",
            "noNewPrivileges": False,
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 4096, "soft": 512},
                        {"type": "RLIMIT_CORE", "hard": 0, "soft": 0}],
        },
    })
    seen = probe_run(rt, new_id(), b)
    assert (seen["uid"], seen["euid"], seen["suid"]) == (1000, 1000, 1000)
    assert (seen["gid"], seen["egid"], seen["sgid"]) == (1000, 1000, 1000)
    assert set(seen["groups"]) >= {1001, 65534}
    assert set(seen["groups"]) <= {1000, 1001, 65534}
    assert seen["umask"] == 0o027
    assert seen["cwd"] == "/home/user"
    assert seen["hostname"] == "probe-host"
    assert "FOO=bar baz" in seen["env"] and "EMPTY=" in seen["env"] and "PATH=/bin" in seen["env"]
    assert seen["no_new_privs"] == 0
    assert seen["rlimits"]["RLIMIT_NOFILE"] == {"soft": 512, "hard": 4096}
    assert seen["rlimits"]["RLIMIT_CORE"] == {"soft": 0, "hard": 0}
    # runc's default has ambient capabilities but no inheritable ones: the kernel raises no ambient
    # capability that is not inheritable, so a non-root user ends up with none
    assert int(seen["caps"]["CapEff"], 16) == 0
    assert int(seen["caps"]["CapAmb"], 16) == 0


def test_capabilities_root(rt, new_id, make_bundle):
    caps = ["CAP_CHOWN", "CAP_NET_RAW", "CAP_SYS_ADMIN"]
    b = make_bundle(overrides={"process": {"capabilities": {
        "bounding": caps, "effective": caps[:2], "permitted": caps, "inheritable": caps[1:2],
        "ambient": None}}})
    seen = probe_run(rt, new_id(), b)
    assert int(seen["caps"]["CapBnd"], 16) == cap_mask(caps)
    assert int(seen["caps"]["CapPrm"], 16) == cap_mask(caps)
    # execve() as root makes the effective set the permitted one, whatever config.json says
    assert int(seen["caps"]["CapEff"], 16) == cap_mask(caps)
    assert int(seen["caps"]["CapInh"], 16) == cap_mask(caps[1:2])
    assert int(seen["caps"]["CapAmb"], 16) == 0


def test_capabilities_ambient_user(rt, new_id, make_bundle):
    caps = ["CAP_CHOWN", "CAP_NET_RAW", "CAP_KILL"]
    b = make_bundle(overrides={"process": {"user": {"uid": 1000, "gid": 1000}, "capabilities": {
        "bounding": caps, "effective": caps, "permitted": caps, "inheritable": caps[1:],
        "ambient": caps[1:]}}})
    seen = probe_run(rt, new_id(), b)
    assert seen["uid"] == 1000
    assert int(seen["caps"]["CapBnd"], 16) == cap_mask(caps)
    assert int(seen["caps"]["CapAmb"], 16) == cap_mask(caps[1:])
    assert int(seen["caps"]["CapInh"], 16) == cap_mask(caps[1:])
    # after execve() a non-root user keeps exactly its ambient capabilities
    assert int(seen["caps"]["CapPrm"], 16) == cap_mask(caps[1:])
    assert int(seen["caps"]["CapEff"], 16) == cap_mask(caps[1:])


def test_oom_score_adj(rt, new_id, make_bundle):
    b = make_bundle(overrides={"process": {"oomScoreAdj": 123}})
    assert probe_run(rt, new_id(), b)["oom_score_adj"] == 123


def test_readonly_root(rt, new_id, make_bundle):
    b = make_bundle(args=["mkdir", "/newdir", "mkdir", "/tmp/newdir"])
    assert b.config["root"]["readonly"] is True
    p = rt("run", "--bundle", b.path, new_id())
    assert p.returncode == 0, p.stderr
    lines = [json.loads(x) for x in p.stdout.splitlines()]
    assert lines[0]["errno"] == errno.EROFS
    # /tmp is part of the read-only root too (no mount over it in this config)
    assert lines[1]["errno"] == errno.EROFS


def test_writable_root_and_tmpfs_mount(rt, new_id, make_bundle):
    b = make_bundle(overrides={"root": {"readonly": False}}, args=["mkdir", "/newdir", "report"])
    b.config["mounts"].append({"destination": "/scratch", "type": "tmpfs", "source": "tmpfs",
                               "options": ["nosuid", "nodev", "size=1m"]})
    b.write()
    p = rt("run", "--bundle", b.path, new_id())
    assert p.returncode == 0, p.stderr
    first, rest = p.stdout.split("\n", 1)
    assert json.loads(first)["errno"] == 0
    seen = json.loads(rest)
    mounts = [line.split() for line in seen["mountinfo"]]
    assert any(m[4] == "/scratch" and "tmpfs" in m for m in mounts), seen["mountinfo"]
    assert any(m[4] == "/proc" for m in mounts)


def test_seccomp_errno(rt, new_id, make_bundle):
    b = make_bundle(overrides={"linux": {"seccomp": {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}],
    }}, "root": {"readonly": False}}, args=["mkdir", "/blocked", "report"])
    p = rt("run", "--bundle", b.path, new_id())
    assert p.returncode == 0, p.stderr
    first, rest = p.stdout.split("\n", 1)
    assert json.loads(first)["errno"] == errno.EPERM
    assert json.loads(rest)["seccomp"] == 2
    assert not (b.rootfs / "blocked").exists()


def test_host_network_namespace(rt, new_id, make_bundle):
    b = make_bundle(overrides={"linux": {"namespaces": [
        {"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}]}})
    seen = probe_run(rt, new_id(), b)
    assert seen["ns"]["net"] == host_ns("net")
    assert seen["ns"]["pid"] != host_ns("pid")


# Fields of newer runtime-specs (1.1, 1.2) that the reference runtimes on Debian 12 predate: they
# ignore them, so the check would only show that. nspawn-oci applies them all (DESIGN.md section 1).
PREDATES = {
    "runc": {"personality", "scheduler", "ioPriority", "execCPUAffinity"},
    "crun": {"scheduler", "ioPriority", "execCPUAffinity"},
}


def skip_if_predates(rt, field):
    if field in PREDATES.get(rt.kind, set()):
        pytest.skip(f"{rt.kind} on Debian 12 predates {field}")


def test_personality(rt, new_id, make_bundle):
    skip_if_predates(rt, "personality")
    b = make_bundle(overrides={"linux": {"personality": {"domain": "LINUX32"}}})
    assert probe_run(rt, new_id(), b)["personality"] & 0xff == 0x0008  # PER_LINUX32


def test_scheduler(rt, new_id, make_bundle):
    skip_if_predates(rt, "scheduler")
    b = make_bundle(overrides={"process": {"scheduler": {"policy": "SCHED_BATCH", "nice": 5}}})
    seen = probe_run(rt, new_id(), b)
    assert (seen["sched_policy"], seen["nice"]) == (3, 5)  # SCHED_BATCH


def test_io_priority(rt, new_id, make_bundle):
    skip_if_predates(rt, "ioPriority")
    b = make_bundle(overrides={"process": {"ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 5}}})
    assert probe_run(rt, new_id(), b)["ioprio"] == (2 << 13) | 5  # IOPRIO_PRIO_VALUE(BE, 5)


def test_cpu_affinity(rt, new_id, make_bundle):
    skip_if_predates(rt, "execCPUAffinity")
    if os.cpu_count() < 2:
        pytest.skip("needs two CPUs")
    b = make_bundle(overrides={"process": {"execCPUAffinity": {"initial": "0", "final": "1"}}})
    assert probe_run(rt, new_id(), b)["cpus"] == [1]
