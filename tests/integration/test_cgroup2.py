# SPDX-License-Identifier: LGPL-2.1-or-later
# A pure cgroup v2 host (the test bed of tools/vm.py): the container sees cgroup2 with its own limits
# at the root of its cgroup namespace, as under runc; the host's cgroup layout stays as it was; a
# container over its memory limit is OOM-killed and `events` says so. Skipped on other hosts.

import json
import subprocess
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.bare, pytest.mark.systemd, pytest.mark.lifecycle]

MIB = 1 << 20


def unified_host():
    try:
        return subprocess.run(["stat", "-fc", "%T", "/sys/fs/cgroup"], capture_output=True,
                              text=True).stdout.strip() == "cgroup2fs"
    except OSError:
        return False


needs_v2 = pytest.mark.skipif(not unified_host(), reason="needs a pure cgroup v2 host (tools/vm.py)")


def with_cgroupns(cfg):
    ns = cfg["linux"]["namespaces"]
    if not any(n["type"] == "cgroup" for n in ns):
        ns.append({"type": "cgroup"})


@needs_v2
def test_cgroup2_inside_with_the_limits(rt, new_id, make_bundle):
    b = make_bundle(overrides={"linux": {"resources": {
        "memory": {"limit": 20 * MIB}, "pids": {"limit": 64}, "cpu": {"quota": 50000, "period": 100000}}}})
    with_cgroupns(b.config)
    b.set_args("/bin/sh", "-c", "grep ' /sys/fs/cgroup ' /proc/self/mountinfo; "
               "cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max")
    p = rt("run", "--bundle", b.path, new_id())
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert " - cgroup2 " in lines[0], lines[0]
    assert lines[1:] == [str(20 * MIB), "64", "50000 100000"], p.stdout


@needs_v2
def test_host_cgroup_layout_unchanged(rt, new_id, make_bundle):
    before = Path("/proc/self/cgroup").read_text()
    b = make_bundle(args=["exit", "0"])
    for _ in range(20):
        p = rt("run", "--bundle", b.path, new_id())
        assert p.returncode == 0, p.stderr
    assert Path("/proc/self/cgroup").read_text() == before
    v1 = [line for line in Path("/proc/self/mountinfo").read_text().splitlines() if " - cgroup " in line]
    assert v1 == [], f"a cgroup v1 hierarchy is mounted: {v1}"


@needs_v2
def test_oom_kill_is_an_event(rt, new_id, make_bundle):
    """A process of the container OOM-killed: `events` streams {"type":"oom"} (runc's event); the
    container's shell survives it."""
    cid = new_id()
    b = make_bundle(overrides={"linux": {"resources": {"memory": {"limit": 20 * MIB, "swap": 20 * MIB}}}})
    b.set_args("/bin/sh", "-c", "/probe alloc 200; sleep 600")
    assert rt.create(cid, b.path).returncode == 0
    ev = subprocess.Popen(rt.argv("events", "--interval", "1s", cid), stdout=subprocess.PIPE, text=True,
                          stdin=subprocess.DEVNULL)
    try:
        assert rt("start", cid).returncode == 0
        types = []
        end = time.monotonic() + 60
        while time.monotonic() < end:
            line = ev.stdout.readline()
            if not line:
                break
            types.append(json.loads(line)["type"])
            if "oom" in types:
                break
        assert "oom" in types, types
    finally:
        rt("kill", cid, "KILL")
        ev.kill()
        ev.wait()


@needs_v2
def test_oom_run_exit_code(rt, new_id, make_bundle):
    b = make_bundle(args=["alloc", "200"], overrides={"linux": {"resources": {
        "memory": {"limit": 20 * MIB, "swap": 20 * MIB}}}})
    p = rt("run", "--bundle", b.path, new_id(), timeout=120)
    assert p.returncode == 137, (p.returncode, p.stderr)


@needs_v2
def test_kill_all_leaves_nothing_forking(rt, new_id, make_bundle):
    """kill --all KILL ends a container that forks all the time: on cgroup v2 the whole cgroup is
    killed at once (cgroup.kill), what is forked meanwhile too."""
    cid = new_id()
    b = make_bundle()
    b.set_args("/bin/sh", "-c", "while true; do sleep 30 & done")
    assert rt.create(cid, b.path).returncode == 0
    assert rt("start", cid).returncode == 0
    rt.wait_status(cid, "running")
    time.sleep(0.5)
    assert rt("kill", "--all", cid, "KILL").returncode == 0
    rt.wait_status(cid, "stopped", timeout=20)
    pids = subprocess.run(rt.argv("ps", "--format", "json", cid), capture_output=True, text=True)
    assert pids.returncode != 0 or json.loads(pids.stdout or "[]") in ([], None), pids.stdout
