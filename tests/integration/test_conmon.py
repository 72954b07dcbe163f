# SPDX-License-Identifier: LGPL-2.1-or-later
# The runtime under conmon, as podman and CRI-O use it: conmon runs create, reaps the container
# process (the pid in the pid file) and records its exit code.

import pytest

from conmon import Conmon, ConmonError
from runtime import assert_not_found, nspids

pytestmark = [pytest.mark.bare, pytest.mark.systemd, pytest.mark.lifecycle, pytest.mark.conmon]


@pytest.fixture
def conmon_ctr(rt, new_id, make_bundle, work):
    made = []

    def make(args, **kw):
        c = Conmon(rt, new_id("cm"), make_bundle(args=args, **kw).path, work)
        made.append(c)
        return c

    yield make
    for c in made:
        c.cleanup()


@pytest.mark.parametrize("code", [0, 3])
def test_exit_code(rt, conmon_ctr, code):
    c = conmon_ctr(["echo", "hello from conmon", "exit", str(code)])
    pid = c.create()
    assert int(c.pid_file.read_text()) == pid
    ns = nspids(pid)
    assert len(ns) >= 2, f"pid {pid} is not in a pid namespace of its own: {ns}"
    c.start()
    assert c.wait_exit() == code
    assert ("stdout", "hello from conmon") in c.output()
    # conmon ran its exit command (podman's `container cleanup`) with the container id
    assert c.exit_marker.read_text().strip() == c.cid
    assert rt.status(c.cid) == "stopped"
    assert rt("delete", "--force", c.cid).returncode == 0


def test_exit_code_sigkill(rt, conmon_ctr):
    c = conmon_ctr(["sleep", "600"])
    c.create()
    c.start()
    rt.wait_status(c.cid, "running")
    assert rt("kill", c.cid, "9").returncode == 0
    assert c.wait_exit() == 137
    assert rt("delete", "--force", c.cid).returncode == 0


def test_failing_create_is_reported(rt, conmon_ctr):
    """A create that fails reaches conmon's sync pipe with the runtime's error, and leaves no
    container behind."""
    c = conmon_ctr([])
    (c.bundle / "rootfs").rename(c.bundle / "elsewhere")
    with pytest.raises(ConmonError) as e:
        c.create()
    assert "no such file or directory" in str(e.value).lower(), e.value
    assert_not_found(rt, rt("state", c.cid))


@pytest.mark.parametrize("tty", [False, True])
def test_exec(rt, conmon_ctr, tty):
    """podman exec [-t]: conmon runs `exec --detach [--tty --console-socket S]` with the process in
    a file, reaps the process and records its exit code; the output reaches conmon's log."""
    c = conmon_ctr(["sleep", "600"])
    c.create()
    c.start()
    rt.wait_status(c.cid, "running")
    proc = {"terminal": tty, "user": {"uid": 0, "gid": 0}, "args": ["/probe", "echo", "from exec", "exit", "4"],
            "env": ["PATH=/bin", "TERM=xterm"], "cwd": "/"}
    code, out = c.exec(proc, tty=tty)
    assert code == 4
    assert any("from exec" in text for _, text in out), out
    # the container goes on
    assert rt.status(c.cid) == "running"
