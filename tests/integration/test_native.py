# SPDX-License-Identifier: LGPL-2.1-or-later
# The native box builder: configs systemd-nspawn cannot build (several id ranges, different uid and gid
# maps, a user namespace joined by path, a time namespace with offsets) run, in a box that the verbs
# treat as an nspawn-built one and that leaves nothing behind; --builder and the annotation force a
# builder. In the systemd test bed each such container is a machine in a unit of its own. Runs as root.

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

import systemd_util as su
from conftest import MODE, mounts_under
from leftovers import wait_clean
from runtime import pid_alive

pytestmark = [pytest.mark.bare, pytest.mark.systemd, pytest.mark.lifecycle, pytest.mark.nspawn_only]

NAMESPACES = [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount", "cgroup")]
TWO_RANGES = {
    "namespaces": NAMESPACES + [{"type": "user"}],
    "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 1000},
                    {"containerID": 1000, "hostID": 200000, "size": 1000}],
    "gidMappings": [{"containerID": 0, "hostID": 300000, "size": 2000}],
}
MAPS = "cat /proc/self/uid_map /proc/self/gid_map"


def map_lines(text):
    return [line.split() for line in text.strip().splitlines()]


def builder_of(rt, cid):
    return json.loads((rt.root / cid / "state.json").read_text()).get("builder")


def check_machine(rt, cid):
    """In the test bed: the container is a machine whose unit is its own scope, active, with the holder
    as its leader; without systemd there is nothing to check."""
    if MODE != "systemd":
        return
    state = rt.state(cid)
    name = su.machine_name(cid)
    assert name, su.machines()
    show = su.sh("machinectl", "show", name, "-p", "Unit", "-p", "Leader", "-p", "Class", "-p", "State")
    props = dict(line.split("=", 1) for line in show.stdout.splitlines() if "=" in line)
    assert props["Class"] == "container" and props["State"] == "running", props
    assert props["Unit"].endswith(".scope") and cid in props["Unit"], props
    holder = json.loads((rt.root / cid / "state.json").read_text())["holderPid"]
    assert int(props["Leader"]) == holder, (props, state)
    unit = su.sh("systemctl", "show", props["Unit"], "-p", "ActiveState", "--value")
    assert unit.stdout.strip() == "active", unit.stdout
    slice_ = su.sh("systemctl", "show", props["Unit"], "-p", "Slice", "--value")
    assert slice_.stdout.strip() == "machine.slice", slice_.stdout


def run_checked(rt, cid, bundle, work, *args):
    """create (the box stands: in the test bed, a machine in its own unit), start, wait for the end;
    returns the container's output. The container is deleted."""
    out = work / f"{cid}.out"
    with open(out, "w") as f:
        p = rt("create", "--bundle", bundle, *args, cid, stdout=f)
    assert p.returncode == 0, p.stderr
    check_machine(rt, cid)
    assert rt("start", cid).returncode == 0
    rt.wait_status(cid, "stopped")
    assert rt("delete", cid).returncode == 0
    return out.read_text()


def start_sleeper(rt, new_id, make_bundle, work):
    """A running native container with two uid ranges: its id and host pid."""
    b = make_bundle(overrides={"linux": TWO_RANGES})
    b.set_args("sleep", "600")
    cid = new_id()
    assert rt.create(cid, b.path, pid_file=work / f"{cid}.pid").returncode == 0
    assert rt("start", cid).returncode == 0
    check_machine(rt, cid)
    return cid, int((work / f"{cid}.pid").read_text())


def test_two_uid_ranges_and_different_gid_map(rt, new_id, make_bundle, work):
    """Two uid ranges and one gid range of another size: maps as given, root inside, PID 1."""
    b = make_bundle(overrides={"linux": TWO_RANGES})
    b.set_args("/bin/sh", "-c", f"{MAPS}; id -u; id -g; echo $$")
    cid = new_id()
    lines = map_lines(run_checked(rt, cid, b.path, work))
    assert lines[:3] == [["0", "100000", "1000"], ["1000", "200000", "1000"], ["0", "300000", "2000"]]
    assert lines[3:] == [["0"], ["0"], ["1"]]
    assert wait_clean(rt, cid) == {}


def test_explain_names_the_builder_and_why(rt, make_bundle):
    b = make_bundle(overrides={"linux": TWO_RANGES})
    p = rt("explain", b.path)
    assert p.returncode == 0, p.stderr
    assert "builder: native — linux.uidMappings has 2 ranges" in p.stdout
    plan = json.loads(rt("explain", "--format", "json", b.path).stdout)
    assert plan["builder"] == "native" and not plan["rejected"]


def test_native_box_through_the_verbs(rt, new_id, make_bundle, work):
    """create, state, exec, pause, resume, kill, delete on a native box; the builder is in the state,
    the machine registered (test bed), and nothing is left."""
    b = make_bundle(overrides={"linux": TWO_RANGES})
    b.set_args("sleep", "600")
    cid = new_id()
    p = rt.create(cid, b.path, pid_file=work / "pid")
    assert p.returncode == 0, p.stderr
    assert builder_of(rt, cid) == "native"
    # the box's mounts stay in the box, even where the host's / is shared (the test bed)
    assert mounts_under(b.rootfs) == []
    assert rt("start", cid).returncode == 0
    assert rt.status(cid) == "running"
    check_machine(rt, cid)
    e = rt("exec", cid, "/bin/sh", "-c", f"{MAPS}; echo $$")
    assert e.returncode == 0, e.stderr
    assert map_lines(e.stdout)[1] == ["1000", "200000", "1000"]
    assert rt("pause", cid).returncode == 0
    assert rt.status(cid) == "paused"
    assert rt("resume", cid).returncode == 0
    assert rt.status(cid) == "running"
    pid = int((work / "pid").read_text())
    assert rt("kill", cid, "KILL").returncode == 0
    rt.wait_status(cid, "stopped")
    assert not pid_alive(pid)
    assert rt("delete", cid).returncode == 0
    assert wait_clean(rt, cid) == {}


def test_delete_force_of_a_running_native_box(rt, new_id, make_bundle):
    b = make_bundle(overrides={"linux": TWO_RANGES})
    b.set_args("sleep", "600")
    cid = new_id()
    assert rt.create(cid, b.path).returncode == 0
    assert rt("start", cid).returncode == 0
    holder = json.loads((rt.root / cid / "state.json").read_text())["holderPid"]
    assert rt("delete", "--force", cid).returncode == 0
    assert not pid_alive(holder)
    assert wait_clean(rt, cid) == {}


@pytest.mark.parametrize("how", ["option", "annotation"])
def test_forced_nspawn_refuses_what_only_native_does(rt, new_id, make_bundle, how):
    overrides = {"linux": TWO_RANGES}
    if how == "annotation":
        overrides["annotations"] = {"org.nspawn-oci.builder": "nspawn"}
    b = make_bundle(overrides=overrides)
    cid = new_id()
    args = ["--builder", "nspawn"] if how == "option" else []
    p = rt("create", "--bundle", b.path, *args, cid)
    assert p.returncode != 0
    assert "only the native builder can do this" in p.stderr, p.stderr
    assert wait_clean(rt, cid) == {}


@pytest.mark.parametrize("how", ["option", "annotation"])
def test_forced_native_runs_a_plain_config(rt, new_id, make_bundle, work, how):
    """A config nspawn could build, built natively: PID 1, its own hostname, only its processes."""
    overrides = {"annotations": {"org.nspawn-oci.builder": "native"}} if how == "annotation" else None
    b = make_bundle(overrides=overrides)
    # the shell's own glob: the processes at that moment are the shell alone (a pipeline's two ends
    # need not live at the same time)
    b.set_args("/bin/sh", "-c", "echo $$; hostname; set -- /proc/[0-9]*; echo $#")
    cid = new_id()
    args = ["--builder", "native"] if how == "option" else []
    out = run_checked(rt, cid, b.path, work, *args)
    assert out.split() == ["1", "runc", "1"], out
    assert wait_clean(rt, cid) == {}


def test_bind_mount_and_tmpfs_in_a_native_box(rt, new_id, make_bundle, work):
    """The config's binds land where their destination resolves inside the root, read-only when asked."""
    src = work / "vol"
    src.mkdir()
    (src / "f").write_text("hello\n")
    src.chmod(0o755)
    b = make_bundle(overrides={"linux": TWO_RANGES})
    # the rootfs belongs to the host's root, not to the user namespace's root: the mount points are
    # made from the host
    b.config["mounts"] += [
        {"destination": "/vol", "type": "bind", "source": str(src), "options": ["rbind", "ro"]},
        {"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]},
    ]
    b.write()
    b.set_args("/bin/sh", "-c", "cat /vol/f; touch /vol/g 2>/dev/null || echo ro; "
               "touch /scratch/x && echo rw")
    cid = new_id()
    out = run_checked(rt, cid, b.path, work)
    assert out.split() == ["hello", "ro", "rw"], out
    assert not (src / "g").exists()
    assert wait_clean(rt, cid) == {}


@pytest.mark.parametrize("how", ["idmap", "own-maps"])
def test_idmapped_bind_mount(rt, new_id, make_bundle, work, how):
    """A host directory owned by root, bound id-mapped: root's files are the container's root's, where a
    plain bind shows them as nobody's; the host's files keep their owner."""
    src = work / "vol"
    src.mkdir()
    (src / "f").write_text("x\n")
    os.chown(src / "f", 0, 0)
    fs = subprocess.run(["stat", "-f", "-c", "%T", src], capture_output=True, text=True).stdout.strip()
    if fs == "overlayfs":
        pytest.skip("the scratch directory is on overlayfs (the test bed), which has no id-mapped mounts")
    b = make_bundle(overrides={"linux": TWO_RANGES})
    mount = {"destination": "/vol", "type": "bind", "source": str(src), "options": ["rbind"]}
    if how == "idmap":
        mount["options"].append("idmap")
    else:
        mount["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 1000}]
        mount["gidMappings"] = [{"containerID": 0, "hostID": 300000, "size": 1000}]
    plain = {"destination": "/plain", "type": "bind", "source": str(src), "options": ["rbind"]}
    b.config["mounts"] += [mount, plain]
    b.write()
    b.set_args("/bin/sh", "-c", "stat -c '%u:%g' /vol/f /plain/f; touch /vol/g && stat -c '%u:%g' /vol/g")
    plan = json.loads(rt("explain", "--format", "json", b.path).stdout)
    assert [e["fate"] for e in plan["entries"] if e["field"] == "mounts[7]"] == ["native"]
    cid = new_id()
    out = run_checked(rt, cid, b.path, work)
    assert out.split() == ["0:0", "65534:65534", "0:0"], out
    # written through the id-mapped mount as the container's root: the host's root on disk
    st = (src / "g").stat()
    assert (st.st_uid, st.st_gid) == (0, 0)
    assert wait_clean(rt, cid) == {}


def test_tmpfs_with_tmpcopyup(rt, new_id, make_bundle, work):
    """tmpcopyup: the tmpfs starts with the image's files (a file, a directory, a symlink), writable,
    and the image is not touched."""
    b = make_bundle(overrides={"linux": TWO_RANGES})
    data = b.rootfs / "data"
    (data / "sub").mkdir(parents=True)
    (data / "f").write_text("image\n")
    (data / "sub" / "g").write_text("deep\n")
    (data / "link").symlink_to("f")
    b.config["mounts"].append({"destination": "/data", "type": "tmpfs", "source": "tmpfs",
                               "options": ["tmpcopyup", "size=1m"]})
    b.write()
    b.set_args("/bin/sh", "-c", "cat /data/f /data/sub/g; readlink /data/link; echo new > /data/f && cat /data/f; "
               "grep ' /data ' /proc/mounts | cut -d' ' -f3")
    cid = new_id()
    out = run_checked(rt, cid, b.path, work, "--builder", "native")
    assert out.split() == ["image", "deep", "f", "new", "tmpfs"], out
    assert (data / "f").read_text() == "image\n"
    assert wait_clean(rt, cid) == {}


def test_user_namespace_joined_by_path(rt, new_id, make_bundle, work):
    """A second container joins the first one's user namespace by path (as CRI-O does for a pod with
    hostUsers: false): the same maps."""
    a, pid = start_sleeper(rt, new_id, make_bundle, work)
    second = make_bundle(overrides={"linux": {
        "namespaces": NAMESPACES + [{"type": "user", "path": f"/proc/{pid}/ns/user"}]}})
    second.set_args("/bin/sh", "-c", f"{MAPS}; id -u")
    p = rt("explain", second.path)
    assert "builder: native — linux.namespaces.user is joined by path" in p.stdout, p.stdout
    b = new_id()
    lines = map_lines(run_checked(rt, b, second.path, work))
    assert lines[:3] == [["0", "100000", "1000"], ["1000", "200000", "1000"], ["0", "300000", "2000"]]
    assert lines[3] == ["0"]
    assert rt("delete", "--force", a).returncode == 0
    assert wait_clean(rt, a) == {} and wait_clean(rt, b) == {}


def test_cgroup_namespace_joined_by_path(rt, new_id, make_bundle, work):
    """A container joins the cgroup namespace of another by path: the same namespace, and its root."""
    a, pid = start_sleeper(rt, new_id, make_bundle, work)
    second = make_bundle(overrides={"linux": {"namespaces": [
        {"type": t} for t in ("pid", "network", "ipc", "uts", "mount")] + [
        {"type": "cgroup", "path": f"/proc/{pid}/ns/cgroup"}]}})
    second.set_args("sleep", "600")
    assert "builder: native — linux.namespaces.cgroup is joined by path" in rt("explain", second.path).stdout
    b = new_id()
    assert rt.create(b, second.path, pid_file=work / "b.pid").returncode == 0
    other = int((work / "b.pid").read_text())
    check_machine(rt, b)
    assert os.readlink(f"/proc/{other}/ns/cgroup") == os.readlink(f"/proc/{pid}/ns/cgroup")
    for cid in (b, a):
        assert rt("delete", "--force", cid).returncode == 0
    assert wait_clean(rt, a) == {} and wait_clean(rt, b) == {}


@pytest.mark.parametrize("namespaces", [[], ["pid", "network", "ipc", "uts"]])
def test_no_mount_namespace(rt, new_id, make_bundle, work, namespaces):
    """No mount namespace: the process keeps the host's, as runc's does, chrooted into the box's root;
    nothing is mounted in the host's namespace."""
    b = make_bundle(overrides={"linux": {"namespaces": [{"type": t} for t in namespaces]}})
    if "uts" not in namespaces:
        del b.config["hostname"]
    b.set_args("/bin/sh", "-c", "readlink /proc/self/ns/mnt; test -e /probe && echo box; "
               "test -e /sys/kernel && echo sys; test -c /dev/null && echo dev; sleep 600")
    assert "builder: native — linux.namespaces.mount is absent" in rt("explain", b.path).stdout
    cid = new_id()
    out = work / "out"
    with open(out, "w") as f:
        assert rt.create(cid, b.path, stdout=f).returncode == 0
    assert rt("start", cid).returncode == 0
    end = time.monotonic() + 10
    while len(out.read_text().split()) < 4 and time.monotonic() < end:
        time.sleep(0.1)
    assert out.read_text().split() == [os.readlink("/proc/self/ns/mnt"), "box", "sys", "dev"]
    assert mounts_under(b.rootfs) == []
    check_machine(rt, cid)
    assert rt("delete", "--force", cid).returncode == 0
    assert wait_clean(rt, cid) == {}


def test_mount_namespace_joined_by_path(rt, new_id, make_bundle, work):
    """The process (and exec) joins a mount namespace given by path, its root the box's; nothing is
    mounted in the namespace joined."""
    holder = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sleep", "600"])
    try:
        ns = f"/proc/{holder.pid}/ns/mnt"
        end = time.monotonic() + 5
        while os.readlink(ns) == os.readlink("/proc/self/ns/mnt") and time.monotonic() < end:
            time.sleep(0.05)
        before = Path(f"/proc/{holder.pid}/mountinfo").read_text()
        b = make_bundle(overrides={"linux": {"namespaces": [
            {"type": t} for t in ("pid", "network", "ipc", "uts")] + [{"type": "mount", "path": ns}]}})
        b.set_args("sleep", "600")
        assert "builder: native — linux.namespaces.mount is joined by path" in rt("explain", b.path).stdout
        cid = new_id()
        assert rt.create(cid, b.path, pid_file=work / "pid").returncode == 0
        pid = int((work / "pid").read_text())
        assert os.readlink(f"/proc/{pid}/ns/mnt") == os.readlink(ns)
        check_machine(rt, cid)
        e = rt("exec", cid, "/bin/sh", "-c", "readlink /proc/self/ns/mnt; test -e /probe && echo box")
        assert e.returncode == 0, e.stderr
        assert e.stdout.split() == [os.readlink(ns), "box"]
        assert Path(f"/proc/{holder.pid}/mountinfo").read_text() == before
        assert rt("delete", "--force", cid).returncode == 0
        assert wait_clean(rt, cid) == {}
    finally:
        holder.kill()
        holder.wait()


def test_time_namespace_with_offsets(rt, new_id, make_bundle, work):
    """A new time namespace whose boottime is 100 days ahead: /proc/uptime says so."""
    day = 86400
    b = make_bundle(overrides={"linux": {
        "namespaces": NAMESPACES + [{"type": "time"}],
        "timeOffsets": {"boottime": {"secs": 100 * day, "nanosecs": 0}}}})
    b.set_args("cat", "/proc/uptime")
    cid = new_id()
    inside = float(run_checked(rt, cid, b.path, work).split()[0])
    with open("/proc/uptime") as f:
        host = float(f.read().split()[0])
    assert 100 * day <= inside - host + 5 and inside - host < 100 * day + 60, (inside, host)
    assert wait_clean(rt, cid) == {}


def test_failed_native_build_leaves_nothing(rt, new_id, make_bundle, work):
    """A bind source that is not there: create fails naming the mount, and leaves nothing."""
    b = make_bundle(overrides={"linux": TWO_RANGES})
    b.config["mounts"].append({"destination": "/vol", "type": "bind", "source": str(work / "missing"),
                               "options": ["rbind"]})
    b.write()
    cid = new_id()
    p = rt.create(cid, b.path)
    assert p.returncode != 0
    assert "mounts[" in p.stderr and "missing" in p.stderr, p.stderr
    time.sleep(0.2)
    assert wait_clean(rt, cid) == {}
