# SPDX-License-Identifier: LGPL-2.1-or-later
# A pure cgroup v2 host (the test bed of tools/vm.py): the container sees cgroup2 with its own limits
# at the root of its cgroup namespace, as under runc; the host's cgroup layout stays as it was; a
# container over its memory limit is OOM-killed and `events` says so; the v1 settings and the
# unified map reach the v2 files as under runc (compared with runc in the same test where it is
# installed); the box has a cgroup namespace of its own. Skipped on other hosts.

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import paths
import pytest
from runtime import Runtime

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


@pytest.fixture
def runc(base):
    """runc beside the runtime under test, with a state directory of its own; None where it is not
    installed or is the runtime under test."""
    path = shutil.which("runc")
    if not path or Path(path).resolve() == Path(paths.runtime()).resolve():
        yield None
        return
    r = Runtime(path, base / "state-runc")
    ids = []
    yield r, ids
    for cid in ids:
        r("delete", "--force", cid)


def root_files(r, cid, bundle, files):
    """{file: what the container reads in it} for files at the root of its /sys/fs/cgroup."""
    bundle.set_args("/bin/sh", "-c", 'for f in "$@"; do printf "%s=%s\\n" "$f" "$(cat /sys/fs/cgroup/$f)"; done',
                    "sh", *files)
    p = r("run", "--bundle", bundle.path, cid)
    assert p.returncode == 0, (r.path, p.stderr)
    return dict(line.split("=", 1) for line in p.stdout.splitlines())


def both(rt, runc, new_id, bundle, files):
    """What the runtime under test shows, and what runc shows for the same bundle (None without
    runc)."""
    ours = root_files(rt, new_id(), bundle, files)
    if runc is None:
        return ours, None
    r, ids = runc
    ids.append(new_id("runc"))
    return ours, root_files(r, ids[-1], bundle, files)


@needs_v2
def test_v1_settings_as_v2_files(rt, runc, new_id, make_bundle):
    """cpu shares, memory+swap and the pids limit reach cpu.weight, memory.swap.max (swap alone) and
    pids.max at the root of the container's cgroup namespace, converted as runc converts them."""
    b = make_bundle(overrides={"linux": {"resources": {
        "cpu": {"shares": 512}, "memory": {"limit": 64 * MIB, "swap": 96 * MIB}, "pids": {"limit": 99}}}})
    with_cgroupns(b.config)
    files = ["cpu.weight", "memory.max", "memory.swap.max", "pids.max"]
    ours, theirs = both(rt, runc, new_id, b, files)
    # runc's and crun's formula: 1 + (shares - 2) * 9999 / 262142
    assert ours == {"cpu.weight": str(1 + (512 - 2) * 9999 // 262142), "memory.max": str(64 * MIB),
                    "memory.swap.max": str(32 * MIB), "pids.max": "99"}, ours
    if theirs is not None:
        assert ours == theirs, (ours, theirs)


@needs_v2
def test_blkio_weight_as_io_weight(rt, runc, new_id, make_bundle):
    """blockIO.weight (10..1000) is io.weight (1..10000) in the container's cgroup, as runc writes it."""
    if not Path("/sys/fs/cgroup/cgroup.controllers").read_text().split().count("io"):
        pytest.skip("no io controller")
    b = make_bundle(overrides={"linux": {"resources": {"blockIO": {"weight": 500}}}})
    with_cgroupns(b.config)
    ours, theirs = both(rt, runc, new_id, b, ["io.weight"])
    # runc's formula: 1 + (weight - 10) * 9999 / 990
    assert ours == {"io.weight": f"default {1 + (500 - 10) * 9999 // 990}"}, ours
    if theirs is not None:
        assert ours == theirs, (ours, theirs)


@needs_v2
def test_unified_map_written_and_seen(rt, runc, new_id, make_bundle):
    """linux.resources.unified: each key is written to that file of the container's cgroup and is what
    the container reads at its cgroup root."""
    b = make_bundle(overrides={"linux": {"resources": {"unified": {
        "pids.max": "42", "memory.high": str(48 * MIB), "cpu.max": "20000 100000"}}}})
    with_cgroupns(b.config)
    ours, theirs = both(rt, runc, new_id, b, ["pids.max", "memory.high", "cpu.max"])
    assert ours == {"pids.max": "42", "memory.high": str(48 * MIB), "cpu.max": "20000 100000"}, ours
    if theirs is not None:
        assert ours == theirs, (ours, theirs)


@needs_v2
def test_spec_has_a_cgroup_namespace(rt, runc, work):
    """On a cgroup v2 host `spec` gives the container a cgroup namespace of its own, as runc's does."""
    def namespaces(r, name):
        d = work / name
        d.mkdir()
        p = subprocess.run([str(r.path), "spec"], cwd=d, capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        return [n["type"] for n in json.loads((d / "config.json").read_text())["linux"]["namespaces"]]

    ours = namespaces(rt, "ours")
    assert "cgroup" in ours, ours
    if runc is not None:
        assert sorted(ours) == sorted(namespaces(runc[0], "runc")), ours


@needs_v2
def test_cgroup_namespace_is_private(rt, new_id, make_bundle):
    """With a cgroup namespace the container's cgroup is the root of its view: "0::/", and none of the
    host's cgroup tree in sight."""
    b = make_bundle()
    with_cgroupns(b.config)
    b.set_args("/bin/sh", "-c", "cat /proc/self/cgroup; readlink /proc/self/ns/cgroup; ls /sys/fs/cgroup")
    p = rt("run", "--bundle", b.path, new_id())
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == "0::/", p.stdout
    assert lines[1] != os.readlink("/proc/self/ns/cgroup"), p.stdout
    assert "system.slice" not in lines[2:] and "machine.slice" not in lines[2:], p.stdout


def stats_hugetlb(r, cid):
    p = r("events", "--stats", cid)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)["data"].get("hugetlb", {})


@needs_v2
def test_hugetlb_statistics(rt, runc, new_id, make_bundle):
    """`events --stats` reports hugetlb for each huge page size where the controller is in the
    container's cgroup: the sizes runc reports."""
    sizes = sorted(Path("/sys/kernel/mm/hugepages").glob("hugepages-*kB"))
    if not sizes or "hugetlb" not in Path("/sys/fs/cgroup/cgroup.controllers").read_text().split():
        pytest.skip("no hugetlb controller")
    kb = int(sizes[0].name[len("hugepages-"):-2])
    name = f"{kb // 1024}MB" if kb % 1024 == 0 and kb < 1 << 20 else f"{kb >> 20}GB"
    b = make_bundle(overrides={"linux": {"resources": {"hugepageLimits": [{"pageSize": name, "limit": 0}]}}})
    b.set_args("/bin/sleep", "600")
    cid = new_id()
    assert rt.create(cid, b.path).returncode == 0
    assert rt("start", cid).returncode == 0
    ours = stats_hugetlb(rt, cid)
    assert name in ours, ours
    assert ours[name].get("failcnt") == 0, ours
    if runc is not None:
        r, ids = runc
        ids.append(new_id("runc"))
        assert r.create(ids[-1], b.path).returncode == 0
        assert r("start", ids[-1]).returncode == 0
        theirs = stats_hugetlb(r, ids[-1])
        assert sorted(ours) == sorted(theirs), (ours, theirs)
