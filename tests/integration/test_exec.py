# SPDX-License-Identifier: LGPL-2.1-or-later
# exec, and what any process (main or exec'd) sees: every process field through the probe, with
# --process FILE and with the command-line flags; exit codes, --detach and --pid-file, terminals;
# nothing of the runtime's own (fds, cwd, environment) reaching the container. Standard OCI
# behaviour: runs against any runtime.

import ctypes
import json
import os
import pty
import select
import subprocess
import sys
import time

import pytest

from bundle import cap_mask
from runtime import pid_alive

pytestmark = [pytest.mark.bare, pytest.mark.systemd, pytest.mark.lifecycle]

# Fields of newer runtime-specs that runc 1.1.5 (Debian 12) predates and ignores.
RUNC_PREDATES = {"scheduler", "ioPriority", "execCPUAffinity"}


@pytest.fixture
def running(rt, new_id, make_bundle):
    """running(overrides=None) creates and starts a container whose process sleeps; returns
    (id, bundle)."""
    def make(overrides=None):
        b = make_bundle(overrides=overrides, args=["sleep", "600"])
        cid = new_id("x")
        p = rt.create(cid, b.path)
        assert p.returncode == 0, p.stderr
        assert rt("start", cid).returncode == 0
        rt.wait_status(cid, "running")
        return cid, b

    return make


def exec_json(rt, *args, **kw):
    p = rt("exec", *args, **kw)
    assert p.returncode == 0, f"exec exited {p.returncode}: {p.stderr}"
    return json.loads(p.stdout)


# A process.json as podman and CRI-O write it, with every field the probe can see.
def process_json(**over):
    caps = ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"]
    p = {
        "terminal": False,
        "user": {"uid": 1000, "gid": 1000, "additionalGids": [1001, 65534], "umask": 0o027},
        "args": ["probe"],
        "env": ["PATH=/bin:/", "FOO=exec bar", "EMPTY="],
        "cwd": "/home/user",
        "capabilities": {"bounding": caps, "effective": caps, "permitted": caps,
                         "inheritable": caps[1:], "ambient": caps[1:]},
        "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 2048, "soft": 256}],
        "noNewPrivileges": True,
        "oomScoreAdj": 321,
        "scheduler": {"policy": "SCHED_BATCH", "nice": 7},
        "ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 3},
    }
    p.update(over)
    return p


def test_exec_process_file(rt, running, work):
    cid, b = running({"root": {"readonly": False}})
    proc = process_json()
    f = work / "process.json"
    f.write_text(json.dumps(proc))
    seen = exec_json(rt, "--process", f, cid)
    assert (seen["uid"], seen["euid"], seen["suid"]) == (1000, 1000, 1000)
    assert (seen["gid"], seen["egid"], seen["sgid"]) == (1000, 1000, 1000)
    assert {1001, 65534} <= set(seen["groups"]) <= {1000, 1001, 65534}
    if rt.kind != "runc":  # runc 1.1.5 applies user.umask to the main process only
        assert seen["umask"] == 0o027
    # args[0] is found in the process's PATH ("probe" in /)
    assert seen["cwd"] == "/home/user"
    assert sorted(e for e in seen["env"] if not e.startswith("HOME=")) == sorted(proc["env"])
    caps = proc["capabilities"]
    assert int(seen["caps"]["CapBnd"], 16) == cap_mask(caps["bounding"])
    assert int(seen["caps"]["CapAmb"], 16) == cap_mask(caps["ambient"])
    assert int(seen["caps"]["CapInh"], 16) == cap_mask(caps["inheritable"])
    assert int(seen["caps"]["CapEff"], 16) == cap_mask(caps["ambient"])
    assert seen["no_new_privs"] == 1
    assert seen["rlimits"]["RLIMIT_NOFILE"] == {"soft": 256, "hard": 2048}
    if rt.kind != "runc":  # runc 1.1.5 exec ignores oomScoreAdj and predates the two below
        assert seen["oom_score_adj"] == 321
        assert (seen["sched_policy"], seen["nice"]) == (3, 7)  # SCHED_BATCH
        assert seen["ioprio"] == (2 << 13) | 3
    # in the container's namespaces, not the host's
    main = exec_json(rt, cid, "/probe")
    assert seen["ns"] == main["ns"]
    assert seen["fds"] == [0, 1, 2]


def test_main_cwd_created(rt, new_id, make_bundle):
    """The main process's cwd is created when missing (runc does so; exec's cwd must exist, as with
    runc)."""
    b = make_bundle(overrides={"root": {"readonly": False}, "process": {"cwd": "/new/dir"}})
    p = rt("run", "--bundle", b.path, new_id())
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["cwd"] == "/new/dir"


def test_exec_flags(rt, running):
    cid, b = running()
    seen = exec_json(rt, "--user", "1000:1000", "--additional-gids", "1001", "--cwd", "/tmp",
                     "--env", "FOO=flag", "--env", "BAR=2", "--cap", "CAP_NET_RAW", "--no-new-privs",
                     cid, "/probe")
    assert (seen["uid"], seen["gid"]) == (1000, 1000)
    assert 1001 in seen["groups"]
    assert seen["cwd"] == "/tmp"
    assert "FOO=flag" in seen["env"] and "BAR=2" in seen["env"]
    # the container's own environment comes along
    assert "TERM=xterm" in seen["env"]
    assert int(seen["caps"]["CapBnd"], 16) & cap_mask(["CAP_NET_RAW"])
    assert seen["no_new_privs"] == 1
    root = exec_json(rt, cid, "/probe")
    assert (root["uid"], root["cwd"]) == (0, "/")
    # config.json's process settings are those of every exec
    assert root["rlimits"]["RLIMIT_NOFILE"] == {"soft": 1024, "hard": 1024}
    assert int(root["caps"]["CapBnd"], 16) == cap_mask(b.config["process"]["capabilities"]["bounding"])


@pytest.mark.parametrize("code", [0, 7])
def test_exec_exit_code(rt, running, code):
    cid, _ = running()
    p = rt("exec", cid, "/probe", "echo", "out", "exit", str(code))
    assert p.returncode == code, p.stderr
    assert p.stdout == "out\n"


def test_exec_not_found(rt, running):
    cid, _ = running()
    p = rt("exec", cid, "no-such-program")
    assert p.returncode != 0
    assert "no-such-program" in p.stderr and "not found" in p.stderr, p.stderr


SUBREAPER_EXEC = """
import ctypes, os, subprocess, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
argv, pid_file = sys.argv[1:-1], sys.argv[-1]
subprocess.run(argv, check=True, stdin=subprocess.DEVNULL)
pid = int(open(pid_file).read())
ppid = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
_, st = os.waitpid(pid, 0)
print(ppid == os.getpid(), os.waitstatus_to_exitcode(st))
"""


def test_exec_detach_pid_file(rt, running, work):
    """exec --detach returns at once; the pid file names the exec'd process, which becomes the
    caller's child (conmon, a subreaper, reaps it and reads its exit code)."""
    cid, _ = running()
    pid_file = work / "exec.pid"
    argv = rt.argv("exec", "--detach", "--pid-file", pid_file, cid, "/probe", "sleep", "1", "exit", "5")
    out = subprocess.run([sys.executable, "-c", SUBREAPER_EXEC, *map(str, argv), str(pid_file)],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "5"]


def test_exec_stopped_or_unknown(rt, new_id, make_bundle):
    b = make_bundle(args=["exit", "0"])
    cid = new_id("x")
    assert rt.create(cid, b.path).returncode == 0
    assert rt("start", cid).returncode == 0
    rt.wait_status(cid, "stopped")
    p = rt("exec", cid, "/probe")
    assert p.returncode != 0
    assert "not running" in p.stderr or "stopped" in p.stderr, p.stderr
    p = rt("exec", new_id("none"), "/probe")
    assert p.returncode != 0 and "does not exist" in p.stderr, p.stderr


# ---- nothing of the runtime's own reaches the container ----------------------------------------

def shell_with_fds(rt, args, cwd, env):
    """Runs the runtime with fds 3 and 4 open on a file, through a shell that opens them."""
    cmd = " ".join(f"'{a}'" for a in rt.argv(*args)) + " 3</etc/hostname 4</etc/hostname"
    return subprocess.run(["/bin/sh", "-c", cmd], cwd=cwd, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=60)


def test_no_fd_cwd_env_leak(rt, new_id, make_bundle, work):
    env = {"PATH": os.environ["PATH"], "LEAKED_FROM_HOST": "1"}
    b = make_bundle()
    p = shell_with_fds(rt, ["run", "--bundle", b.path, new_id()], work, env)
    assert p.returncode == 0, p.stderr
    seen = json.loads(p.stdout)
    assert seen["fds"] == [0, 1, 2]
    assert seen["cwd"] == "/"
    assert not any(e.startswith("LEAKED_FROM_HOST=") for e in seen["env"])

    b = make_bundle()
    p = shell_with_fds(rt, ["run", "--preserve-fds", "1", "--bundle", b.path, new_id()], work, env)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["fds"] == [0, 1, 2, 3]


def test_exec_no_fd_cwd_env_leak(rt, running, work):
    cid, _ = running()
    env = {"PATH": os.environ["PATH"], "LEAKED_FROM_HOST": "1"}
    p = shell_with_fds(rt, ["exec", cid, "/probe"], work, env)
    assert p.returncode == 0, p.stderr
    seen = json.loads(p.stdout)
    assert seen["fds"] == [0, 1, 2]
    assert seen["cwd"] == "/"
    assert not any(e.startswith("LEAKED_FROM_HOST=") for e in seen["env"])
    p = shell_with_fds(rt, ["exec", "--preserve-fds", "1", cid, "/probe"], work, env)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["fds"] == [0, 1, 2, 3]


# ---- terminals -----------------------------------------------------------------------------------

def read_pty(master, until, timeout=20):
    buf = b""
    end = time.monotonic() + timeout
    while until not in buf and time.monotonic() < end:
        r, _, _ = select.select([master], [], [], 0.2)
        if r:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
    return buf.decode(errors="replace")


def report_from(text):
    start = text.index("{")
    return json.loads(text[start:text.rindex("}") + 1])


def test_run_terminal_relayed(rt, new_id, make_bundle):
    """run with process.terminal and no console socket: the runtime relays the pty to its stdio."""
    b = make_bundle(overrides={"process": {"terminal": True, "consoleSize": {"height": 30, "width": 100}}})
    master, slave = pty.openpty()
    try:
        p = rt.popen("run", "--bundle", b.path, new_id(), stdin=slave, stdout=slave, stderr=subprocess.PIPE)
        os.close(slave)
        slave = -1
        out = read_pty(master, b'"winsize"')
        p.wait(timeout=30)
        err = p.stderr.read().decode()
        p.stderr.close()
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)
    assert p.returncode == 0, err
    seen = report_from(out)
    assert seen["stdin_isatty"] == 1 and seen["stdout_isatty"] == 1


def test_exec_tty_relayed(rt, running):
    """exec -t without --console-socket (how CRI-O's streaming exec calls runc) and exec with a
    process.json saying terminal: the runtime allocates the pty and relays it."""
    cid, _ = running()
    master, slave = pty.openpty()
    try:
        p = rt.popen("exec", "-t", cid, "/probe", stdin=slave, stdout=slave, stderr=subprocess.PIPE)
        os.close(slave)
        slave = -1
        out = read_pty(master, b'"winsize"')
        p.wait(timeout=30)
        err = p.stderr.read().decode()
        p.stderr.close()
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)
    assert p.returncode == 0, err
    seen = report_from(out)
    assert seen["stdin_isatty"] == 1 and seen["stdout_isatty"] == 1


def recv_console(sock_path, timeout=30):
    """A console-socket server as podman's conmon runs it: accepts one connection and returns the
    pty master it carries (SCM_RIGHTS)."""
    import socket
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(str(sock_path))
    srv.listen(1)
    srv.settimeout(timeout)
    return srv


def take_fd(srv):
    import socket
    conn, _ = srv.accept()
    with conn:
        _, fds, _, _ = socket.recv_fds(conn, 1024, 1)
    srv.close()
    assert len(fds) == 1
    return fds[0]


def test_create_console_socket(rt, new_id, make_bundle, work):
    """process.terminal with --console-socket at create (podman run -t): the master arrives over the
    socket, and what the process prints comes out of it."""
    b = make_bundle(overrides={"process": {"terminal": True, "consoleSize": {"height": 33, "width": 111}}},
                    args=["report", "sleep", "600"])
    sock = work / "console.sock"
    srv = recv_console(sock)
    cid = new_id()
    p = rt("create", "--bundle", b.path, "--console-socket", sock, cid)
    assert p.returncode == 0, p.stderr
    master = take_fd(srv)
    try:
        assert rt("start", cid).returncode == 0
        seen = report_from(read_pty(master, b'"winsize"'))
    finally:
        os.close(master)
    assert seen["stdout_isatty"] == 1
    assert seen["winsize"] == [33, 111]


def test_exec_console_socket(rt, running, work):
    """exec --detach --tty --console-socket (what conmon runs for podman exec -t)."""
    cid, _ = running()
    sock = work / "exec-console.sock"
    srv = recv_console(sock)
    pid_file = work / "exec.pid"
    p = rt("exec", "--detach", "--tty", "--console-socket", sock, "--pid-file", pid_file, cid,
           "/probe", "report", "sleep", "600")
    assert p.returncode == 0, p.stderr
    master = take_fd(srv)
    try:
        seen = report_from(read_pty(master, b'"winsize"'))
    finally:
        os.close(master)
        pid = int(pid_file.read_text())
        if pid_alive(pid):
            os.kill(pid, 9)
    assert seen["stdout_isatty"] == 1 and seen["stdin_isatty"] == 1
