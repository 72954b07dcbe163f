# SPDX-License-Identifier: LGPL-2.1-or-later
# pause, resume, update and events through the CLI. Standard OCI behaviour (runc has all four): runs
# against any runtime, with or without systemd; unit properties only for nspawn-oci under systemd.

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

import paths
import systemd_util as su
from conftest import MODE
from runtime import wait_file

pytestmark = [pytest.mark.bare, pytest.mark.systemd, pytest.mark.lifecycle]

FIXTURES = paths.shared_dir() / "fixtures" / "oci"


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
    # the process really is frozen: a signal it would die of waits until it is thawed
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
