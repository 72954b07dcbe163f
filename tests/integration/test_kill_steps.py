# SPDX-License-Identifier: LGPL-2.1-or-later
# A runtime killed at every step of create (an engine's timeout SIGKILLs it), and a box whose nspawn
# or holder is killed while it runs: afterwards `state` says something true, `delete --force` removes
# everything, and the same id can be created again. NSPAWN_OCI_FAULT=<point> makes the runtime
# SIGKILL itself at that point, so that each step is hit every time, not by timing.

import json
import os
import time

import pytest

from leftovers import wait_clean
from runtime import pid_alive

pytestmark = [pytest.mark.bare, pytest.mark.systemd, pytest.mark.lifecycle, pytest.mark.nspawn_only]

POINTS = ["create:claimed", "create:saved", "create:nspawn-started", "create:box-ready",
          "create:steps-done", "create:spawned", "create:process-saved", "create:hooks-done"]


@pytest.mark.parametrize("point", POINTS)
def test_create_killed_at_each_step(rt, new_id, make_bundle, point):
    cid = new_id()
    b = make_bundle(args=["sleep", "600"])
    env = dict(os.environ, NSPAWN_OCI_FAULT=point)
    p = rt.create(cid, b.path, env=env)
    assert p.returncode == -9, f"create was not killed at {point}: {p.returncode} {p.stderr}"

    st = rt("state", cid)
    if st.returncode == 0:
        # whatever it says, it is not running: the process never got past the FIFO
        assert '"status": "running"' not in st.stdout, st.stdout
    else:
        assert "does not exist" in st.stderr, st.stderr

    d = rt("delete", "--force", cid)
    assert d.returncode == 0 or "does not exist" in d.stderr, d.stderr
    assert wait_clean(rt, cid) == {}

    # the id is free again
    p = rt.create(cid, b.path)
    assert p.returncode == 0, p.stderr
    assert rt("delete", "--force", cid).returncode == 0
    assert wait_clean(rt, cid) == {}


NATIVE_POINTS = [p.replace("nspawn-started", "native-started") for p in POINTS]


@pytest.mark.parametrize("point", NATIVE_POINTS)
def test_native_create_killed_at_each_step(rt, new_id, make_bundle, point):
    """The same with the box built by the native builder."""
    cid = new_id()
    b = make_bundle(args=["sleep", "600"])
    p = rt("create", "--bundle", b.path, "--builder", "native", cid,
           env=dict(os.environ, NSPAWN_OCI_FAULT=point))
    assert p.returncode == -9, f"create was not killed at {point}: {p.returncode} {p.stderr}"
    assert '"status": "running"' not in rt("state", cid).stdout
    d = rt("delete", "--force", cid)
    assert d.returncode == 0 or "does not exist" in d.stderr, d.stderr
    assert wait_clean(rt, cid) == {}
    assert rt("create", "--bundle", b.path, "--builder", "native", cid).returncode == 0
    assert rt("delete", "--force", cid).returncode == 0
    assert wait_clean(rt, cid) == {}


@pytest.mark.parametrize("victim", ["nspawn", "holder"])
def test_box_killed_while_running(rt, new_id, make_bundle, victim):
    cid = new_id()
    b = make_bundle(args=["sleep", "600"])
    assert rt.create(cid, b.path).returncode == 0
    assert rt("start", cid).returncode == 0
    rt.wait_status(cid, "running")
    state = rt.state(cid)
    saved = json.loads((rt.root / cid / "state.json").read_text())
    pid = saved["nspawnPid" if victim == "nspawn" else "holderPid"]
    os.kill(pid, 9)
    if victim == "holder":
        # PID 1 of the box: the kernel ends everything in it, the container process too
        end = time.monotonic() + 10
        while pid_alive(state["pid"]) and time.monotonic() < end:
            time.sleep(0.05)
    else:
        time.sleep(0.5)
    # whatever happened to the container process, state tells it as it is
    want = "running" if pid_alive(state["pid"]) else "stopped"
    assert rt.state(cid)["status"] == want
    assert rt("delete", "--force", cid).returncode == 0
    assert wait_clean(rt, cid) == {}
    assert rt.create(cid, b.path).returncode == 0
    assert rt("delete", "--force", cid).returncode == 0
    assert wait_clean(rt, cid) == {}
