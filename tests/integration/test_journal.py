# SPDX-License-Identifier: LGPL-2.1-or-later
# The container's story in the journal, where systemd runs: `journalctl CONTAINER_ID=<id>` shows it
# created, started, paused, resumed, exited and deleted, each entry with the container's fields, and
# the runtime's own messages there too when no --log is given. Without systemd the same steps are debug
# lines, and nothing fails for the want of a journal. nspawn-oci's own behaviour.

import json
import subprocess
import time

import pytest

import systemd_util as su
from bundle import RUNC_SPEC

pytestmark = [pytest.mark.nspawn_only, pytest.mark.lifecycle]


def journal(**match):
    """The entries whose fields match, oldest first (journald may take a moment to have them)."""
    argv = ["journalctl", "-o", "json", "--no-pager", *(f"{k}={v}" for k, v in match.items())]
    subprocess.run(["journalctl", "--sync"], capture_output=True, timeout=30)
    p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert p.returncode in (0, 1), p.stderr  # 1: no entries (systemd 252)
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


def events(cid, want, timeout=10):
    """The container's lifecycle entries, by CONTAINER_EVENT, once all of 'want' are there."""
    end = time.monotonic() + timeout
    while True:
        entries = [e for e in journal(CONTAINER_ID=cid) if "CONTAINER_EVENT" in e]
        got = [e["CONTAINER_EVENT"] for e in entries]
        if set(want) <= set(got) or time.monotonic() > end:
            return entries
        time.sleep(0.2)


@pytest.mark.systemd
def test_messages_go_to_the_journal(rt, new_id):
    """Without --log the runtime's messages go to the journal, with the container's fields; an error
    also stays one line on stderr, where the caller looks for it."""
    cid = new_id()
    p = rt("state", cid)
    assert p.returncode == 1 and p.stderr.strip() == f"nspawn-oci: container {cid} does not exist", p.stderr
    end = time.monotonic() + 10
    while not (found := journal(CONTAINER_ID=cid)) and time.monotonic() < end:
        time.sleep(0.2)
    assert [(e["MESSAGE"], e["PRIORITY"]) for e in found] == [(f"container {cid} does not exist", "3")], found
    assert found[0]["SYSLOG_IDENTIFIER"] == "nspawn-oci"
    assert found[0]["ERRNO"] == "2" and found[0]["CODE_FUNC"] == "log_no_such_container", found[0]


@pytest.mark.systemd
def test_warnings_go_to_the_journal_not_stderr(rt, new_id, make_bundle):
    """A warning of create goes to the journal with the container's fields, not to the stderr conmon
    would hand to the container's log."""
    cid = new_id()
    mounts = RUNC_SPEC["mounts"] + [{"destination": "/mnt", "type": "ramfs", "source": "ramfs"}]
    b = make_bundle(overrides={"mounts": mounts}, args=["sleep", "600"])
    p = rt.create(cid, b.path)
    assert (p.returncode, p.stderr) == (0, ""), p.stderr
    end = time.monotonic() + 10
    while not (found := journal(CONTAINER_ID=cid, PRIORITY=4)) and time.monotonic() < end:
        time.sleep(0.2)
    assert len(found) == 1 and "not handled yet" in found[0]["MESSAGE"], found
    e = found[0]
    assert (e["CONTAINER_NAME"], e["OCI_BUNDLE"], e["SYSLOG_IDENTIFIER"]) == (cid, str(b.path), "nspawn-oci"), e
    assert e["UNIT"].endswith(".scope") and cid in e["UNIT"], e


@pytest.mark.systemd
def test_life_story(rt, new_id, make_bundle):
    """create, start, pause, resume, the process exits, delete: one entry for each, in that order.
    The engine (here: the test, through init) reaps the process, so the runtime cannot know its exit
    status: the exit entry says so by having none."""
    cid = new_id()
    b = make_bundle(args=["wait-signal", "exit", "3"])
    p = rt.create(cid, b.path)
    assert (p.returncode, p.stderr) == (0, ""), p.stderr
    unit = su.unit_of(cid)
    assert rt("start", cid).returncode == 0
    rt.wait_status(cid, "running")
    assert rt("pause", cid).returncode == 0
    assert rt("resume", cid).returncode == 0
    assert rt("kill", cid, "USR1").returncode == 0
    rt.wait_status(cid, "stopped")
    rt.state(cid)
    rt.state(cid)  # seen stopped twice: still one exit entry
    assert rt("delete", cid).returncode == 0

    want = ["created", "started", "paused", "resumed", "exited", "deleted"]
    entries = events(cid, want)
    assert [e["CONTAINER_EVENT"] for e in entries] == want, [e.get("MESSAGE") for e in entries]
    for e in entries:
        assert e["CONTAINER_ID"] == cid, e
        assert e["CONTAINER_NAME"] == cid, e  # the machine name: the id, a valid host name
        assert e["OCI_BUNDLE"] == str(b.path), e
        assert e["UNIT"] == unit, e
        assert e["SYSLOG_IDENTIFIER"] == "nspawn-oci", e
        assert e["MESSAGE"].startswith(f"Container {cid} "), e
        assert e["PRIORITY"] == "6", e
    exited = entries[want.index("exited")]
    assert "EXIT_STATUS" not in exited and "EXIT_CODE" not in exited, exited


@pytest.mark.systemd
@pytest.mark.parametrize("args,code,status,priority", [
    (["exit", "0"], "exited", "0", "6"),
    (["exit", "3"], "exited", "3", "5"),
    (["sleep", "600"], "killed", "9", "5"),
], ids=["exit-0", "exit-3", "signal"])
def test_run_exit_status(rt, new_id, make_bundle, args, code, status, priority):
    """`run` is the process's parent: the exit entry has its status, as systemd's EXIT_CODE= and
    EXIT_STATUS= say it of a unit's process. (The process is PID 1 of its namespace: a signal that
    ends it comes from outside, through `kill`.)"""
    cid = new_id()
    b = make_bundle(args=args)
    if code == "killed":
        run = rt.popen("run", "--bundle", b.path, cid, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True)
        rt.wait_status(cid, "running")
        assert rt("kill", cid, "KILL").returncode == 0
        assert run.wait(timeout=30) == 137
        assert run.stderr.read() == ""
    else:
        p = rt("run", "--bundle", b.path, cid)
        assert p.stderr == "", p.stderr
    entries = events(cid, ["exited", "deleted"])
    assert [e["CONTAINER_EVENT"] for e in entries] == ["created", "started", "exited", "deleted"], entries
    exited = entries[2]
    assert (exited["EXIT_CODE"], exited["EXIT_STATUS"], exited["PRIORITY"]) == (code, status, priority), exited
    assert exited["OCI_BUNDLE"] == str(b.path), exited


@pytest.mark.systemd
def test_story_with_log(rt, new_id, make_bundle, work):
    """With --log the messages go there, and the story still goes to the journal."""
    cid = new_id()
    b = make_bundle(args=["exit", "0"])
    p = rt("--log", work / "log.json", "--log-format", "json", "run", "--bundle", b.path, cid)
    assert (p.returncode, p.stderr) == (0, ""), p.stderr
    entries = events(cid, ["deleted"])
    assert [e["CONTAINER_EVENT"] for e in entries] == ["created", "started", "exited", "deleted"], entries


@pytest.mark.bare
def test_without_systemd_debug_lines(rt, new_id, make_bundle):
    """Without systemd nothing goes to the journal and nothing fails: a run says nothing at all, and
    the story is in the debug lines, with an OOM kill where the container's memory cgroup tells of
    it."""
    p = rt("run", "--bundle", make_bundle(args=["exit", "0"]).path, new_id())
    assert (p.returncode, p.stderr) == (0, ""), p.stderr

    cid = new_id()
    b = make_bundle(args=["alloc", "1024"],
                    overrides={"linux": {"resources": {"memory": {"limit": 32 << 20}}}})
    p = rt("--debug", "run", "--bundle", b.path, cid)
    if p.returncode == 0:
        pytest.skip("the memory limit is not enforced on this host")
    assert p.returncode == 128 + 9, p.stderr
    lines = [line for line in p.stderr.splitlines() if line.startswith(f"nspawn-oci: Container {cid}")]
    assert lines == [f"nspawn-oci: Container {cid} created.", f"nspawn-oci: Container {cid} started.",
                     f"nspawn-oci: Container {cid} was killed by signal 9/KILL.",
                     f"nspawn-oci: Container {cid}: the OOM killer killed 1 of its processes.",
                     f"nspawn-oci: Container {cid} deleted."], p.stderr
