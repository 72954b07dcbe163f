# SPDX-License-Identifier: LGPL-2.1-or-later
# pause, resume, update and events through the CLI. Standard OCI behaviour (runc has all four): runs
# against any runtime, with or without systemd; unit properties only for nspawn-oci under systemd.

import json
import subprocess
import time
from pathlib import Path

import pytest

import paths
import systemd_util as su
from conftest import MODE
from runtime import wait_file

pytestmark = [pytest.mark.bare, pytest.mark.systemd, pytest.mark.lifecycle]


def running(rt, new_id, make_bundle, overrides=None):
    cid = new_id()
    b = make_bundle(overrides=overrides, args=["sleep", "600"])
    p = rt.create(cid, b.path)
    assert p.returncode == 0, p.stderr
    assert rt("start", cid).returncode == 0
    rt.wait_status(cid, "running")
    return cid


def proc_state(pid):
    """The state letter of /proc/PID/stat (a frozen task sleeps: 'S' or 'D')."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def cgroup_file(pid, controller, name):
    """A cgroupfs file of the process's cgroup in the v1 hierarchy of 'controller'."""
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, ctrls, path = line.split(":", 2)
        if controller in ctrls.split(","):
            for top in (controller, ctrls):
                f = Path("/sys/fs/cgroup") / top / path.lstrip("/") / name
                if f.exists():
                    return f
    return None


def test_pause_resume(rt, new_id, make_bundle):
    cid = running(rt, new_id, make_bundle)
    pid = rt.state(cid)["pid"]

    p = rt("resume", cid)
    assert p.returncode != 0, "resume of a running container succeeded"
    assert p.stderr.strip()

    assert rt("pause", cid).returncode == 0
    assert rt.status(cid) == "paused"
    p = rt("pause", cid)
    assert p.returncode != 0, "pause of a paused container succeeded"
    assert p.stderr.strip()

    assert rt("resume", cid).returncode == 0
    assert rt.status(cid) == "running"
    assert rt("kill", cid, "KILL").returncode == 0
    rt.wait_status(cid, "stopped")
    assert rt("delete", cid).returncode == 0
    assert not Path(f"/proc/{pid}").exists() or proc_state(pid) == "Z"


def test_paused_process_does_not_run(rt, new_id, make_bundle, work):
    """While paused, the process does not handle a signal; it does once resumed."""
    cid = new_id()
    b = make_bundle(args=["wait-signal", "sleep", "600"])
    out = work / "out"
    with open(out, "w") as f:
        assert rt.create(cid, b.path, stdout=f).returncode == 0
    assert rt("start", cid).returncode == 0
    wait_file(out)  # "ready": the handlers are installed
    assert rt("pause", cid).returncode == 0
    assert rt("kill", cid, "USR1").returncode == 0
    time.sleep(0.5)
    assert out.read_text().splitlines() == ["ready"]
    assert rt.status(cid) == "paused"
    assert rt("resume", cid).returncode == 0
    for _ in range(100):
        if len(out.read_text().splitlines()) > 1:
            break
        time.sleep(0.05)
    assert out.read_text().splitlines() == ["ready", '{"signal":10}']


def test_delete_force_paused(rt, new_id, make_bundle):
    cid = running(rt, new_id, make_bundle)
    pid = rt.state(cid)["pid"]
    assert rt("pause", cid).returncode == 0
    p = rt("delete", "--force", cid, timeout=20)
    assert p.returncode == 0, p.stderr
    assert rt("state", cid).returncode != 0
    for _ in range(100):
        if not Path(f"/proc/{pid}").exists() or proc_state(pid) == "Z":
            break
        time.sleep(0.05)
    assert not Path(f"/proc/{pid}").exists() or proc_state(pid) == "Z"


def test_pause_stopped_fails(rt, new_id, make_bundle):
    cid = running(rt, new_id, make_bundle)
    assert rt("kill", cid, "KILL").returncode == 0
    rt.wait_status(cid, "stopped")
    for verb in ("pause", "resume"):
        p = rt(verb, cid)
        assert p.returncode != 0, f"{verb} of a stopped container succeeded"
    assert rt("pause", "no-such-container").returncode != 0


def unit_checks(rt):
    """nspawn-oci under systemd: limits live in the unit (v1 controllers stay with systemd)."""
    return MODE == "systemd" and rt.kind == "nspawn-oci"


def limits(rt, cid):
    """memory limit, pids limit and CFS quota as the unit or the cgroup files say."""
    if unit_checks(rt):
        unit = su.unit_of(cid)
        assert unit, su.scope_units(cid)
        p = su.unit_properties(unit, "MemoryMax", "TasksMax", "CPUQuotaPerSecUSec")
        return p["MemoryMax"], p["TasksMax"], p["CPUQuotaPerSecUSec"]
    pid = rt.state(cid)["pid"]
    out = []
    for controller, name in (("memory", "memory.limit_in_bytes"), ("pids", "pids.max"),
                             ("cpu", "cpu.cfs_quota_us")):
        f = cgroup_file(pid, controller, name)
        if f is None:
            pytest.skip(f"no {name} for the container on this host")
        out.append(f.read_text().strip())
    return tuple(out)


def test_update_flags(rt, new_id, make_bundle):
    cid = running(rt, new_id, make_bundle)
    p = rt("update", "--memory", "64m", "--pids-limit", "20", "--cpu-quota", "50000",
           "--cpu-period", "100000", cid)
    assert p.returncode == 0, p.stderr
    assert p.stdout == ""
    if unit_checks(rt):
        assert limits(rt, cid) == (str(64 << 20), "20", "500ms")
    else:
        assert limits(rt, cid) == (str(64 << 20), "20", "50000")

    p = rt("update", "--memory", "96m", "--pids-limit", "30", cid)
    assert p.returncode == 0, p.stderr
    assert limits(rt, cid)[:2] == (str(96 << 20), "30")


def test_update_resources_stdin_crio(rt, new_id, make_bundle):
    """CRI-O writes linux.resources to the runtime's stdin: `update --resources - ID`."""
    cid = running(rt, new_id, make_bundle)
    data = (paths.FIXTURES / "crio-update-resources.json").read_text()
    p = rt("update", "--resources", "-", cid, input=data, stdin=None)
    assert p.returncode == 0, p.stderr
    assert p.stdout == ""
    mem, _, quota = limits(rt, cid)
    assert mem == "100663296"
    assert quota == ("250ms" if unit_checks(rt) else "25000")


def test_update_resources_file_podman(rt, new_id, make_bundle, work):
    """podman passes a file: `update --resources=FILE ID`."""
    cid = running(rt, new_id, make_bundle)
    f = work / "resources.json"
    f.write_text((paths.FIXTURES / "podman-update-resources.json").read_text())
    p = rt("update", f"--resources={f}", cid)
    assert p.returncode == 0, p.stderr
    mem, _, quota = limits(rt, cid)
    assert mem == "134217728"
    assert quota == ("1s" if unit_checks(rt) else "100000")


def test_update_errors(rt, new_id, make_bundle):
    cid = running(rt, new_id, make_bundle)
    before = limits(rt, cid)
    p = rt("update", "--memory", "lots", cid)
    assert p.returncode != 0
    if rt.kind == "nspawn-oci":
        assert "--memory" in p.stderr, p.stderr
    p = rt("update", "--resources", "-", cid, input='{"memory": {"limit": "64M"}}', stdin=None)
    assert p.returncode != 0
    if rt.kind == "nspawn-oci":
        assert "memory.limit" in p.stderr, p.stderr
    assert limits(rt, cid) == before

    assert rt("kill", cid, "KILL").returncode == 0
    rt.wait_status(cid, "stopped")
    assert rt("update", "--pids-limit", "10", cid).returncode != 0
    assert rt("update", "--pids-limit", "10", "no-such-container").returncode != 0


def test_events_stats(rt, new_id, make_bundle):
    cid = running(rt, new_id, make_bundle)
    p = rt("events", "--stats", cid)
    assert p.returncode == 0, p.stderr
    ev = json.loads(p.stdout)
    assert ev["type"] == "stats" and ev["id"] == cid
    data = ev["data"]
    for key in ("cpu", "memory", "pids", "blkio"):
        assert key in data, data
    assert data["pids"]["current"] >= 1
    assert data["cpu"]["usage"]["total"] > 0
    assert "usage" in data["memory"]


def exec_detached(rt, cid, work, *args):
    """Starts another process in the container; returns its host pid."""
    pid_file = work / f"exec-{len(list(work.glob('exec-*')))}.pid"
    p = rt("exec", "--detach", "--pid-file", pid_file, cid, "/probe", *args)
    assert p.returncode == 0, p.stderr
    return int(wait_file(pid_file))


def ps_json(rt, cid):
    p = rt("ps", "--format", "json", cid)
    assert p.returncode == 0, p.stderr
    return sorted(json.loads(p.stdout) or [])  # runc prints null for none


def test_ps(rt, new_id, make_bundle, work):
    """ps lists the container's processes, wherever they are below its cgroup, and nothing else: not
    the runtime's own (nspawn-oci's systemd-nspawn and its PID 1) either. containerd's shim
    (`ctr task ps`) and podman read `ps --format json`."""
    cid = running(rt, new_id, make_bundle)
    pid = rt.state(cid)["pid"]
    assert ps_json(rt, cid) == [pid]

    other = exec_detached(rt, cid, work, "sleep", "600")
    assert ps_json(rt, cid) == sorted([pid, other])

    p = rt("ps", cid)
    assert p.returncode == 0, p.stderr
    listed = {int(w) for line in p.stdout.splitlines()[1:] for w in line.split() if w.isdigit()}
    assert {pid, other} <= listed, p.stdout

    assert rt("kill", cid, "KILL").returncode == 0
    rt.wait_status(cid, "stopped")
    # nspawn-oci refuses a stopped container ("container not running"); runc lists nothing
    assert rt("ps", "--format", "json", cid).returncode != 0 or ps_json(rt, cid) == []


def test_kill_all(rt, new_id, make_bundle, work):
    """kill --all reaches every process of the container, the exec'd ones too."""
    cid = running(rt, new_id, make_bundle)
    pid = rt.state(cid)["pid"]
    other = exec_detached(rt, cid, work, "sleep", "600")
    assert rt("kill", "--all", cid, "KILL").returncode == 0
    for _ in range(200):
        if not any(Path(f"/proc/{p}").exists() and proc_state(p) != "Z" for p in (pid, other)):
            break
        time.sleep(0.05)
    for p in (pid, other):
        assert not Path(f"/proc/{p}").exists() or proc_state(p) == "Z", p
    rt.wait_status(cid, "stopped")


def test_events_stats_counts_the_containers_tasks(rt, new_id, make_bundle, work):
    """pids.current counts the container's tasks: its process (one thread), then one more exec'd; what
    the runtime keeps next to it is not the container's."""
    cid = running(rt, new_id, make_bundle, overrides={"linux": {"resources": {"pids": {"limit": 50}}}})

    def pids():
        p = rt("events", "--stats", cid)
        assert p.returncode == 0, p.stderr
        return json.loads(p.stdout)["data"]["pids"]

    assert pids()["current"] == 1
    exec_detached(rt, cid, work, "sleep", "600")
    got = pids()
    assert got["current"] == 2
    if "limit" in got:
        assert got["limit"] in (0, 50), got  # 0: this host's container has no pids cgroup of its own


def test_events_interval(rt, new_id, make_bundle):
    cid = running(rt, new_id, make_bundle)
    p = rt.popen("events", "--interval", "1s", cid, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                 text=True)
    try:
        lines = [p.stdout.readline() for _ in range(2)]
        for line in lines:
            ev = json.loads(line)
            assert ev["type"] == "stats" and ev["id"] == cid
            assert ev["data"]["pids"]["current"] >= 1
        assert rt("kill", cid, "KILL").returncode == 0
        rt.wait_status(cid, "stopped")
        if rt.kind == "nspawn-oci":
            # events ends with the container
            assert p.wait(timeout=10) == 0
    finally:
        if p.poll() is None:
            p.kill()
        p.wait()
        p.stdout.close()


def memory_files(rt, cid):
    pid = rt.state(cid)["pid"]
    out = []
    for name in ("memory.limit_in_bytes", "memory.memsw.limit_in_bytes"):
        f = cgroup_file(pid, "memory", name)
        if f is None:
            pytest.skip(f"no {name} for the container on this host")
        out.append(int(f.read_text()))
    return tuple(out)


@pytest.mark.skipif(MODE == "systemd", reason="the v1 memory controller is not systemd's in the test bed")
def test_update_memory_and_swap_order(rt, new_id, make_bundle):
    """cgroup v1 keeps memory <= memory+swap at every step: raising both writes memory+swap first,
    lowering both writes it last (CRI-O's `crictl update --memory`, which sends swap = limit). A
    later update of the swap alone uses the limit the container has."""
    mib = 1 << 20
    cid = running(rt, new_id, make_bundle, overrides={"linux": {"resources": {
        "memory": {"limit": 64 * mib, "swap": 64 * mib}}}})
    assert memory_files(rt, cid) == (64 * mib, 64 * mib)
    for size in (256, 32):
        p = rt("update", "--resources", "-", cid, stdin=None,
               input=json.dumps({"memory": {"limit": size * mib, "swap": size * mib}}))
        assert p.returncode == 0, p.stderr
        assert memory_files(rt, cid) == (size * mib, size * mib)
    p = rt("update", "--memory-swap", f"{96 * mib}", cid)
    assert p.returncode == 0, p.stderr
    assert memory_files(rt, cid) == (32 * mib, 96 * mib)
    # the container is as usable as before: exec reads the config the updates were kept in
    e = rt("exec", cid, "/probe", "echo", "still-here")
    assert e.returncode == 0, e.stderr
    assert e.stdout == "still-here\n"
