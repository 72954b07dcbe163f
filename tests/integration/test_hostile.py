# SPDX-License-Identifier: LGPL-2.1-or-later
# A local user and a container trying what runc blocks: forged notify messages during create, a pid
# namespace joined by path, writes below read-only paths, the caller's session keyring. The attacker has a mount namespace of its own and every runtime call it could
# misdirect runs in a private one: a runtime that let itself be hijacked (it would mount and mask in the
# attacker's namespaces) damages only those, never the host's.

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import paths
from runtime import pid_alive

pytestmark = [pytest.mark.bare, pytest.mark.systemd, pytest.mark.lifecycle]

NOBODY = 65534

# Sends forged READY=1 and X_NSPAWN_LEADER_PID=<itself> to every abstract socket whose name starts
# with @nspawn-oci/, as fast as it can, until the stop file appears; then writes how many sockets it
# reached. Runs as nobody, in a user and UTS namespace of its own with the host name "attacker".
ATTACKER = r"""
import os, socket, sys, time
out, stop = sys.argv[1], sys.argv[2]
msg = ("READY=1\nX_NSPAWN_LEADER_PID=%d\n" % os.getpid()).encode()
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
hit, sent = set(), 0
open(out + ".ready", "w").close()
deadline = time.monotonic() + 60
while not os.path.exists(stop) and time.monotonic() < deadline:
    try:
        with open("/proc/net/unix", "rb") as f:
            lines = f.read().splitlines()
    except OSError:  # seen now and then (ENOENT) while sockets come and go: try again
        continue
    for line in lines:
        fields = line.split()
        if not fields or not fields[-1].startswith(b"@nspawn-oci/"):
            continue
        name = fields[-1].decode()
        for _ in range(20):
            try:
                s.sendto(msg, "\0" + name[1:])
                sent += 1
                hit.add(name)
            except OSError:
                break
with open(out, "w") as f:
    f.write("%d %d" % (len(hit), sent))
"""


def private_mnt(argv):
    """argv run in a private mount namespace: what a hijacked runtime mounts stays there."""
    return ["unshare", "--mount", "--propagation", "private", "--", *map(str, argv)]


def run_private(rt, *args, timeout=60):
    """Like rt(*args), in a private mount namespace. Output goes through files: a container created
    would hold a pipe open."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        p = subprocess.run(private_mnt(rt.argv(*args)), stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                           text=True, timeout=timeout)
        out.seek(0)
        err.seek(0)
        p.stdout, p.stderr = out.read(), err.read()
    return p


def host_probe(*args):
    return json.loads(subprocess.check_output([str(paths.probe()), *args], text=True))


@pytest.mark.nspawn_only
def test_forged_notify_messages_are_ignored(rt, new_id, make_bundle, work):
    """A local user who floods every nspawn-oci notify socket with READY=1 and a leader pid of its own
    does not get any container created in its namespaces: each one is in its own box. (Before the
    sender was checked, create ran the process in the attacker's UTS namespace and masked paths in its
    mount namespace.)"""
    shared = work / "attacker"
    shared.mkdir()
    shared.chmod(0o777)
    out, stop = shared / "result", shared / "stop"
    attacker = subprocess.Popen(
        ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--",
         "unshare", "--user", "--map-root-user", "--uts", "--mount", "--",
         "sh", "-c", 'hostname attacker && exec "$@"', "sh", sys.executable, "-c", ATTACKER, out, stop],
        stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not Path(f"{out}.ready").exists():
            assert attacker.poll() is None, "the attacker did not start"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        hostnames = []
        for i in range(6):
            b = make_bundle(args=["report"], overrides={"hostname": f"box-{i}"})
            p = run_private(rt, "run", "--bundle", b.path, new_id())
            assert p.returncode == 0, p.stderr
            hostnames.append(json.loads(p.stdout)["hostname"])
    finally:
        try:
            stop.touch()
            attacker.wait(timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            pass
        if attacker.poll() is None:
            attacker.kill()
            attacker.wait()
    hit, sent = map(int, out.read_text().split())
    assert hit >= 1 and sent >= 1, "the attacker never reached a notify socket: the test proved nothing"
    assert hostnames == [f"box-{i}" for i in range(6)]


def cgroups_of_all():
    seen = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                seen[int(d.name)] = (d / "cgroup").read_text()
            except OSError:
                pass
    return seen


def test_pid_namespace_by_path_leaves_host_processes_alone(rt, new_id, make_bundle):
    """Joining another pid namespace by path: the container sees that namespace's processes, and host
    processes whose numbers collide with pids in it are neither killed nor moved into the container's
    cgroup (systemd-nspawn, run from that namespace, would take those numbers for host pids: nspawn-oci
    never runs it there, only the container process joins it)."""
    target = subprocess.Popen(["unshare", "--pid", "--fork", "--", "sleep", "600"])
    sentinels = [subprocess.Popen(["sleep", "600"]) for _ in range(3)]
    cid = new_id()
    kids = []
    try:
        deadline = time.monotonic() + 10
        while True:
            kids = Path(f"/proc/{target.pid}/task/{target.pid}/children").read_text().split()
            if kids:
                break
            assert time.monotonic() < deadline
            time.sleep(0.05)
        ns = f"/proc/{kids[0]}/ns/pid"
        before = cgroups_of_all()
        b = make_bundle()
        spec = b.config
        spec["linux"]["namespaces"] = [n for n in spec["linux"]["namespaces"] if n["type"] != "pid"]
        spec["linux"]["namespaces"].append({"type": "pid", "path": ns})
        b.set_args("/bin/sh", "-c", "echo $$; tr '\\0' ' ' </proc/1/cmdline; echo; sleep 1")
        p = run_private(rt, "run", "--bundle", b.path, cid)
        assert p.returncode == 0, p.stderr
        own, init = p.stdout.splitlines()[:2]
        assert int(own) > 1, p.stdout
        assert init.strip() == "sleep 600", p.stdout
        assert pid_alive(int(kids[0])), "the joined namespace's init died with the container"
        after = cgroups_of_all()
        for s in sentinels:
            assert s.poll() is None, "a host process was killed"
        # into the container's cgroup (named after its id), where nspawn moved a host process; moves
        # elsewhere are other users of the machine at work
        moved = [pid for pid, cg in before.items() if pid in after and after[pid] != cg and cid in after[pid] and
                 pid not in (target.pid, int(kids[0]))]
        # runc puts only its own processes into the container's cgroup
        assert all(not pid_alive(pid) or pid > max(before) for pid in moved), f"host processes moved: {moved}"
    finally:
        rt.cleanup(cid)
        for s in sentinels:
            s.kill()
            s.wait()
        # the namespace's init first: unshare's death would leave it running
        for pid in kids:
            subprocess.run(["kill", "-KILL", pid], stderr=subprocess.DEVNULL)
        target.kill()
        target.wait()


def test_readonly_paths_cover_every_mount_below(rt, new_id, make_bundle):
    """readonlyPaths /proc/sys with a private network: nothing below it opens for writing, not even
    the per-network-namespace /proc/sys/net that systemd-nspawn mounts separately (runc: recursive)."""
    b = make_bundle(args=["writable", "/proc/sys", "open-w", "/proc/sys/net/ipv4/ip_forward"],
                    overrides={"linux": {"readonlyPaths": ["/proc/sys"]}})
    p = rt("run", "--bundle", b.path, new_id())
    assert p.returncode == 0, p.stderr
    writable, opened = map(json.loads, p.stdout.splitlines())
    assert writable["writable"] == 0, writable
    assert opened["errno"] == 30, opened  # EROFS


def test_session_keyring_is_the_containers_own(rt, new_id, make_bundle, work):
    """The container's session keyring is a new one named after the container ("_ses.<id>", as runc),
    not the caller's; an exec'd process joins the container's."""
    host = host_probe("keyring")
    cid = new_id()
    b = make_bundle(args=["keyring", "sleep", "600"])
    p = subprocess.Popen(rt.argv("run", "--bundle", b.path, cid), stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline()
        ring = json.loads(line)
        assert ring["keyring"] is not None, ring
        assert ring["id"] != host["id"], "the container shares the caller's session keyring"
        assert ring["keyring"].split(";")[-1] == f"_ses.{cid}"
        e = rt("exec", cid, "/probe", "keyring")
        assert e.returncode == 0, e.stderr
        assert json.loads(e.stdout)["id"] == ring["id"], "exec joins the container's keyring"
    finally:
        rt("kill", cid, "KILL")
        p.wait(timeout=30)


def test_no_new_keyring_keeps_the_callers(rt, new_id, make_bundle):
    host = host_probe("keyring")
    b = make_bundle(args=["keyring"])
    p = rt("run", "--no-new-keyring", "--bundle", b.path, new_id())
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["id"] == host["id"]
