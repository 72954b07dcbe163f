# SPDX-License-Identifier: LGPL-2.1-or-later
# nspawn-oci's own promise where systemd is PID 1: every container is a machine of machined in a
# unit of its own that carries linux.resources, and nothing of it is left after delete.

import time

import pytest

import systemd_util as su
from runtime import wait_file

pytestmark = [pytest.mark.systemd, pytest.mark.nspawn_only, pytest.mark.lifecycle]

RESOURCES = {"linux": {"resources": {
    "memory": {"limit": 64 * 1024 * 1024},
    "pids": {"limit": 50},
    "cpu": {"quota": 50000, "period": 100000},
}}}


def test_machine_unit_resources_and_cleanup(rt, new_id, make_bundle):
    cid = new_id()
    b = make_bundle(overrides=RESOURCES, args=["sleep", "600"])
    p = rt.create(cid, b.path)
    assert p.returncode == 0, p.stderr

    assert su.machine_name(cid) == cid, su.machines()
    unit = su.unit_of(cid)
    assert unit and unit.endswith(".scope"), unit
    assert su.unit_active(unit)
    props = su.unit_properties(unit, "MemoryMax", "TasksMax", "CPUQuotaPerSecUSec")
    assert props == {"MemoryMax": str(64 * 1024 * 1024), "TasksMax": "50", "CPUQuotaPerSecUSec": "500ms"}

    assert rt("start", cid).returncode == 0
    rt.wait_status(cid, "running")
    assert su.machine_name(cid) == cid
    assert rt("kill", cid, "KILL").returncode == 0
    rt.wait_status(cid, "stopped")
    assert rt("delete", cid).returncode == 0

    # nothing is left: no machine, unit, mount, cgroup or state directory
    for _ in range(50):
        if su.machine_name(cid) is None and not su.unit_active(unit):
            break
        time.sleep(0.1)
    assert su.machine_name(cid) is None
    assert not su.unit_active(unit)
    assert su.scope_units(cid) == []
    assert su.mounts_with(cid) == []
    assert su.cgroup_dirs(cid) == []
    assert not (rt.root / cid).exists()


def test_machinectl_terminate_stops_container(rt, new_id, make_bundle):
    cid = new_id()
    b = make_bundle(args=["sleep", "600"])
    assert rt.create(cid, b.path).returncode == 0
    assert rt("start", cid).returncode == 0
    rt.wait_status(cid, "running")
    p = su.sh("machinectl", "terminate", cid)
    assert p.returncode == 0, p.stderr
    rt.wait_status(cid, "stopped")
    assert rt("delete", cid).returncode == 0
    assert su.machine_name(cid) is None


def test_crio_systemd_cgroup_manager_path(rt, new_id, make_bundle):
    """CRI-O's systemd cgroup manager, as on every Kubernetes node, names the cgroup
    `kubepods-burstable-pod<uid>.slice:crio:<id>`: the container is the scope crio-<id>.scope in that
    slice, and a machine of machined whose unit is that scope."""
    cid = new_id()
    pod = "kubepods-burstable-pod0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0.slice"
    b = make_bundle(args=["sleep", "600"], overrides={"linux": {"cgroupsPath": f"{pod}:crio:{cid}"}})
    p = rt.create(cid, b.path)
    assert p.returncode == 0, p.stderr
    try:
        scope = f"crio-{cid}.scope"
        assert su.machine_name(cid) == cid, su.machines()
        assert su.unit_of(cid) == scope
        props = su.unit_properties(scope, "Slice", "ControlGroup")
        assert props["Slice"] == pod
        assert props["ControlGroup"].endswith(f"/kubepods.slice/kubepods-burstable.slice/{pod}/{scope}"), props
        assert rt("start", cid).returncode == 0
        rt.wait_status(cid, "running")
    finally:
        rt("delete", "--force", cid)
    for _ in range(50):
        if not su.unit_active(scope):
            break
        time.sleep(0.1)
    assert not su.unit_active(scope)
    assert su.machine_name(cid) is None


def test_machinectl_poweroff_reaches_the_process(rt, new_id, make_bundle, work):
    """machinectl poweroff signals the machine's leader, the holder, which forwards it as SIGTERM to
    the container process, across the pid namespace it is PID 1 of."""
    cid = new_id()
    out = work / "out"
    with open(out, "w") as f:
        assert rt.create(cid, make_bundle(args=["wait-signal"]).path, stdout=f).returncode == 0
    assert rt("start", cid).returncode == 0
    assert wait_file(out).startswith("ready")
    p = su.sh("machinectl", "poweroff", cid)
    assert p.returncode == 0, p.stderr
    rt.wait_status(cid, "stopped")
    assert '{"signal":15}' in out.read_text()
    assert rt("delete", cid).returncode == 0
    assert su.machine_name(cid) is None


def test_pid_namespace_by_path_is_a_machine(rt, new_id, make_bundle, work):
    """A container that joins another's pid namespace by path is a machine too (nspawn makes a pid
    namespace of its own for the holder, and registers only then), and it ends with its process."""
    other = new_id()
    assert rt.create(other, make_bundle(args=["sleep", "600"]).path, pid_file=work / "other").returncode == 0
    cid = new_id()
    b = make_bundle(args=["wait-signal"])
    b.config["linux"]["namespaces"] = [n for n in b.config["linux"]["namespaces"] if n["type"] != "pid"] + \
        [{"type": "pid", "path": f"/proc/{(work / 'other').read_text()}/ns/pid"}]
    b.write()
    out = work / "out"
    try:
        with open(out, "w") as f:
            assert rt.create(cid, b.path, stdout=f).returncode == 0
        assert rt("start", cid).returncode == 0
        assert wait_file(out).startswith("ready")
        assert su.machine_name(cid) == cid, su.machines()
        assert rt("kill", cid, "TERM").returncode == 0
        rt.wait_status(cid, "stopped")
        assert '{"signal":15}' in out.read_text()
        end = time.monotonic() + 15
        while su.machine_name(cid) is not None and time.monotonic() < end:
            time.sleep(0.1)
        assert su.machine_name(cid) is None, "the box outlived its process"
        assert rt("delete", cid).returncode == 0
        assert rt.status(other) == "created"
    finally:
        rt.cleanup(other)
