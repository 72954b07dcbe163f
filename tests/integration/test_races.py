# SPDX-License-Identifier: LGPL-2.1-or-later
# Races an engine can cause: the same id created by many callers at once, delete racing start, kill
# racing the process's exit. Each ends with a clear answer, never a hang or a leak.

import subprocess
import tempfile
import time

import pytest

from test_kill_steps import wait_clean

pytestmark = [pytest.mark.bare, pytest.mark.systemd, pytest.mark.lifecycle]


def test_same_id_created_at_once(rt, new_id, make_bundle):
    cid = new_id()
    b = make_bundle(args=["sleep", "600"])
    # stderr through files: the winner's container process keeps the runtime's stderr open
    errs = [tempfile.TemporaryFile("w+") for _ in range(10)]
    procs = [subprocess.Popen(rt.argv("create", "--bundle", b.path, cid), stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=e, text=True) for e in errs]
    results = []
    for p, e in zip(procs, errs):
        code = p.wait(timeout=120)
        e.seek(0)
        results.append((code, e.read()))
        e.close()
    won = [r for r in results if r[0] == 0]
    assert len(won) == 1, results
    for code, err in results:
        if code != 0:
            assert "already exists" in err, err
    assert rt.state(cid)["status"] == "created"
    assert rt("delete", "--force", cid).returncode == 0
    if rt.kind == "nspawn-oci":
        assert wait_clean(rt, cid) == {}


def test_delete_racing_start(rt, new_id, make_bundle):
    """start and delete --force at the same time: whichever wins, both end, and nothing is left."""
    for _ in range(3):
        cid = new_id()
        b = make_bundle(args=["sleep", "600"])
        assert rt.create(cid, b.path).returncode == 0
        start = subprocess.Popen(rt.argv("start", cid), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        d = rt("delete", "--force", cid, timeout=60)
        assert start.wait(timeout=60) is not None
        assert d.returncode == 0, d.stderr
        assert rt("state", cid).returncode != 0
        if rt.kind == "nspawn-oci":
            assert wait_clean(rt, cid) == {}


def test_kill_racing_exit(rt, new_id, make_bundle):
    """kill while the process exits on its own: success, or "not running"; never a hang."""
    for _ in range(3):
        cid = new_id()
        b = make_bundle(args=["sleep", "0"])
        assert rt.create(cid, b.path).returncode == 0
        assert rt("start", cid).returncode == 0
        t0 = time.monotonic()
        k = rt("kill", cid, "TERM", timeout=30)
        assert time.monotonic() - t0 < 30
        assert k.returncode == 0 or "not running" in k.stderr or "stopped" in k.stderr, k.stderr
        rt.wait_status(cid, "stopped")
        assert rt("delete", cid).returncode == 0
