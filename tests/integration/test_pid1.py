# SPDX-License-Identifier: LGPL-2.1-or-later
# runc's rule for the container's pid namespace: the config's process is PID 1 of a new one (it sees
# only its own processes, ignores a SIGTERM it has no handler for, and takes them all along when it
# exits); exec lands in the same namespace; a config that joins a namespace by path gets a later pid
# there. Runs as root; the same tests run against runc.

import json
import os
import time

import pytest

from runtime import pid_alive, wait_file, wait_json

pytestmark = [pytest.mark.bare, pytest.mark.systemd, pytest.mark.lifecycle]


def start(rt, cid, b, work, out_name="out"):
    """create (stdout to a file) and start; returns (host pid, output file)."""
    out = work / out_name
    with open(out, "w") as f:
        p = rt.create(cid, b.path, pid_file=work / f"{out_name}.pid", stdout=f)
    assert p.returncode == 0, p.stderr
    assert rt("start", cid).returncode == 0
    return int((work / f"{out_name}.pid").read_text()), out


def inner_pids(listing):
    return sorted(int(x) for x in listing.split() if x.isdigit())


def test_process_is_pid1(rt, new_id, make_bundle):
    """The process sees itself as PID 1 ($$ = 1, NSpid ending in 1), its parent outside (ppid 0)."""
    p = rt("run", "--bundle", make_bundle(args=["report"]).path, new_id())
    assert p.returncode == 0, p.stderr
    seen = json.loads(p.stdout)
    assert seen["pid"] == 1, seen["nspid"]
    assert seen["nspid"].split()[-1] == "1"
    assert seen["ppid"] == 0
    b = make_bundle()
    b.set_args("/bin/sh", "-c", "echo $$")
    p = rt("run", "--bundle", b.path, new_id())
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "1"


def test_only_own_processes_visible(rt, new_id, make_bundle):
    """/proc shows the container's processes only: no holder, no nspawn, nothing of the host."""
    b = make_bundle()
    b.set_args("/bin/sh", "-c", "sleep 60 & ls /proc; cat /proc/1/cmdline; echo; kill $!")
    p = rt("run", "--bundle", b.path, new_id())
    assert p.returncode == 0, p.stderr
    *listing, cmdline = p.stdout.strip().splitlines()
    pids = inner_pids(" ".join(listing))
    # sh, sleep, ls: nothing else
    assert pids[0] == 1 and len(pids) == 3, pids
    assert cmdline.startswith("/bin/sh"), cmdline
    b.set_args("/bin/sh", "-c", "ps -o pid,args")
    p = rt("run", "--bundle", b.path, new_id())
    assert p.returncode == 0, p.stderr
    assert "nspawn" not in p.stdout and "init" not in p.stdout, p.stdout
    assert p.stdout.splitlines()[1].split()[0] == "1", p.stdout


def test_unhandled_sigterm_is_ignored(rt, new_id, make_bundle, work):
    """PID 1 without a handler ignores SIGTERM, even from the runtime; SIGKILL ends it."""
    cid = new_id()
    pid, _ = start(rt, cid, make_bundle(args=["sleep", "600"]), work)
    assert rt("kill", cid, "TERM").returncode == 0
    time.sleep(1)
    assert rt.status(cid) == "running" and pid_alive(pid)
    assert rt("kill", cid, "KILL").returncode == 0
    rt.wait_status(cid, "stopped")
    assert rt("delete", cid).returncode == 0


def test_handled_sigterm_is_delivered(rt, new_id, make_bundle, work):
    cid = new_id()
    _, out = start(rt, cid, make_bundle(args=["wait-signal"]), work)
    assert wait_file(out).startswith("ready")
    assert rt("kill", cid, "TERM").returncode == 0
    rt.wait_status(cid, "stopped")
    assert '{"signal":15}' in out.read_text()
    assert rt("delete", cid).returncode == 0


def test_exec_joins_the_pid_namespace(rt, new_id, make_bundle, work):
    """An exec'd process is a later pid of the container's namespace: its /proc/1 is the container
    process, whose namespace links it can read."""
    cid = new_id()
    pid, _ = start(rt, cid, make_bundle(args=["sleep", "600"]), work)
    try:
        p = rt("exec", cid, "/probe", "report")
        assert p.returncode == 0, p.stderr
        seen = json.loads(p.stdout)
        assert seen["ns"]["pid"] == os.stat(f"/proc/{pid}/ns/pid").st_ino
        assert seen["pid"] > 1
        p = rt("exec", cid, "/bin/sh", "-c", "readlink /proc/1/exe; readlink /proc/1/ns/pid; "
               "readlink /proc/self/ns/pid")
        assert p.returncode == 0, p.stderr
        exe, ns1, own = p.stdout.split()
        assert exe == "/probe"
        assert ns1 == own
        p = rt("exec", cid, "/bin/ps", "-o", "pid,args")
        assert p.returncode == 0, p.stderr
        procs = [line.split(None, 1) for line in p.stdout.strip().splitlines()[1:]]
        assert len(procs) == 2 and procs[0] == ["1", "/probe sleep 600"], p.stdout
        assert "nspawn" not in p.stdout and "init" not in p.stdout, p.stdout
    finally:
        rt("kill", cid, "KILL")
        rt.wait_status(cid, "stopped")
        rt("delete", cid)


def test_exit_of_pid1_ends_the_namespace(rt, new_id, make_bundle, work):
    """When the container process exits, what exec left in its namespace dies with it."""
    cid = new_id()
    start(rt, cid, make_bundle(args=["sleep", "600"]), work)
    p = rt("exec", "--detach", "--pid-file", work / "exec.pid", cid, "/bin/sleep", "600")
    assert p.returncode == 0, p.stderr
    exec_pid = int((work / "exec.pid").read_text())
    assert pid_alive(exec_pid)
    assert rt("kill", cid, "KILL").returncode == 0
    rt.wait_status(cid, "stopped")
    deadline = time.monotonic() + 10
    while pid_alive(exec_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not pid_alive(exec_pid)
    assert rt("delete", cid).returncode == 0


def test_pid_namespace_by_path(rt, new_id, make_bundle, work):
    """A container that joins another's pid namespace by path sees its processes, with a later pid
    of its own, and leaves it running when it exits."""
    first = new_id()
    pid, _ = start(rt, first, make_bundle(args=["sleep", "600"]), work, "first")
    try:
        b = make_bundle()
        b.config["linux"]["namespaces"] = [n for n in b.config["linux"]["namespaces"] if n["type"] != "pid"] + \
            [{"type": "pid", "path": f"/proc/{pid}/ns/pid"}]
        b.set_args("/bin/sh", "-c", "echo $$; readlink /proc/1/exe; ls /proc")
        p = rt("run", "--bundle", b.path, new_id())
        assert p.returncode == 0, p.stderr
        own, exe, *listing = p.stdout.split()
        assert int(own) > 1
        assert exe == "/probe"
        assert 1 in inner_pids(" ".join(listing))
        assert rt.status(first) == "running" and pid_alive(pid)
    finally:
        rt("kill", first, "KILL")
        rt.wait_status(first, "stopped")
        rt("delete", first)
