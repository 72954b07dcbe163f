# SPDX-License-Identifier: LGPL-2.1-or-later
# The runc CVE classes of SECURITY.md, each against a hostile bundle: the image (and the volumes the
# engine would give it) shaped the way the attack needs, with the race already won where the real
# attack races. Every target an attack would hit on the host is a scratch file of the test, and a
# decoy with the same path stands inside the image: a runtime that resolves a path on the host damages
# only the scratch file, one that resolves it in the container shows the decoy. Runs as root; standard
# OCI behaviour, so it runs against runc too, which marks where runc 1.1.5 (Debian 12) predates a fix.

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

import paths
from conftest import mounts_under
from runtime import wait_file

pytestmark = [pytest.mark.bare, pytest.mark.systemd, pytest.mark.lifecycle]

RUNTIME_KIND = paths.runtime_kind(paths.runtime())

F_SEAL_WRITE = 0x0008
EROFS = 30


def runc_predates(fix, cve):
    """xfail for runc 1.1.5, which predates the runc release that closed the class."""
    return pytest.mark.xfail(RUNTIME_KIND == "runc", strict=True,
                             reason=f"runc 1.1.5 predates runc {fix}, which fixed {cve}")


def host_path_in(rootfs, host_path):
    """The path inside the image at which a host path would land if the runtime resolved it inside
    the container's root."""
    return Path(rootfs) / str(host_path).lstrip("/")


def escape_link(host_path, depth=12):
    """A relative symlink target that climbs out of any bundle and comes down on host_path: on the
    host it reaches host_path (a scratch file), inside the container ".." stops at its root."""
    return "../" * depth + str(host_path).lstrip("/")


def run(rt, new_id, b, timeout=60, **kw):
    return rt("run", "--bundle", b.path, new_id(), timeout=timeout, **kw)


def probe_json(p):
    """The probe's JSON documents in a run's stdout, in order."""
    dec = json.JSONDecoder()
    out, i, docs = p.stdout, 0, []
    while True:
        while i < len(out) and out[i].isspace():
            i += 1
        if i >= len(out):
            return docs
        doc, i = dec.raw_decode(out, i)
        docs.append(doc)


def file_ids(*files):
    return {(os.stat(f).st_dev, os.stat(f).st_ino): str(f) for f in files if Path(f).exists()}


# ---- CVE-2019-5736: the runtime's binary, overwritten through /proc/PID/exe ----

def runtime_binaries():
    """The host files a container must never be able to write: the runtime and, for nspawn-oci, the
    holder next to it (the box's PID 1 runs from a read-only bind of it)."""
    rt_bin = Path(paths.runtime()).resolve()
    files = [rt_bin]
    if RUNTIME_KIND == "nspawn-oci":
        files.append(rt_bin.parent / "nspawn-oci-init")
    return files


def test_runtime_binary_not_writable_from_container(rt, new_id, make_bundle, work):
    """CVE-2019-5736. While the container is created, its process is still the runtime, waiting for
    `start`. A root process exec'd into the container, with CAP_SYS_PTRACE so that no ptrace check
    stands in the way, holds every /proc/PID/exe it can reach and tries to reopen it for writing.
    Whatever is the host's runtime or holder binary must be held through a read-only mount, so that
    the reopen fails with EROFS even after the process is gone (ETXTBSY ends with it); whatever opens
    for writing must be a memfd sealed against writes."""
    b = make_bundle(args=["sleep", "600"])
    cid = new_id()
    p = rt.create(cid, b.path)
    assert p.returncode == 0, p.stderr
    pid = rt.state(cid)["pid"]

    host = file_ids(*runtime_binaries())
    # From the host: the waiting process runs a copy, or the host's file through a read-only mount
    # (runc 1.1 binds it read-only when it can).
    st = os.stat(f"/proc/{pid}/exe")
    if (st.st_dev, st.st_ino) in host:
        assert os.statvfs(f"/proc/{pid}/exe").f_flag & os.ST_RDONLY, \
            f"the created process runs {host[(st.st_dev, st.st_ino)]} from a writable mount"

    caps = ["CAP_SYS_PTRACE", "CAP_DAC_OVERRIDE", "CAP_KILL"]
    proc = {"terminal": False, "user": {"uid": 0, "gid": 0}, "cwd": "/", "args": ["/probe", "exe-scan"],
            "env": ["PATH=/bin"],
            "capabilities": {k: caps for k in ("bounding", "effective", "permitted")}}
    (work / "process.json").write_text(json.dumps(proc))
    p = rt("exec", "--process", work / "process.json", cid)
    assert p.returncode == 0, p.stderr
    seen = json.loads(p.stdout)
    reached = [e for e in seen if e["errno"] == 0]
    assert reached, f"the exec'd process reached no /proc/PID/exe: {seen}"
    waiting = [e for e in reached if (e["dev"], e["ino"]) == (st.st_dev, st.st_ino)]
    assert waiting, f"the exec'd process did not reach the waiting one: {seen}"
    for e in reached:
        what = host.get((e["dev"], e["ino"]))
        if e in waiting and not what:
            assert e["seals"] >= 0 and e["seals"] & F_SEAL_WRITE, f"the waiting process's copy: {e}"
        if what:
            assert e["ro"] == 1 or e["write_errno"] == EROFS, f"pid {e['pid']} runs {what}, writable: {e}"
        if e["write_errno"] == 0:
            assert e["seals"] >= 0 and e["seals"] & F_SEAL_WRITE, f"pid {e['pid']}: a writable image: {e}"


# ---- CVE-2019-16884 (and CVE-2023-28642): a mount over /proc takes the runtime's writes there ----

def fake_proc(d):
    """A directory shaped like /proc, as a hostile image's volume would hold it."""
    (d / "self/attr/apparmor").mkdir(parents=True)
    (d / "sys/kernel").mkdir(parents=True)
    for f in ("self/attr/exec", "self/attr/apparmor/exec", "self/oom_score_adj", "sys/kernel/domainname"):
        (d / f).write_text("")
    return d


def fake_untouched(d):
    return [str(f) for f in d.rglob("*") if f.is_file() and f.stat().st_size > 0]


# The writes a hostile /proc would take: the process's oom_score_adj and a sysctl.
PROC_WRITES = {"process": {"oomScoreAdj": 500}, "linux": {"sysctl": {"kernel.domainname": "hostile"}}}


def mount_on_proc(b, fake):
    b.update({"mounts": b.config["mounts"] + [
        {"destination": "/proc", "type": "bind", "source": str(fake), "options": ["rbind"]}]})


def tmpfs_on_proc(b, fake):
    b.update({"mounts": b.config["mounts"] + [
        {"destination": "/proc", "type": "tmpfs", "source": "tmpfs", "options": []}]})


def mount_in_proc(b, fake):
    b.update({"mounts": b.config["mounts"] + [
        {"destination": "/proc/sys", "type": "bind", "source": str(fake / "sys"), "options": ["rbind"]}]})


def symlink_into_proc(b, fake):
    # a harmless destination in the config; the image turns it into /proc/sys
    os.symlink("/proc/sys", b.rootfs / "data")
    b.update({"mounts": b.config["mounts"] + [
        {"destination": "/data", "type": "bind", "source": str(fake / "sys"), "options": ["rbind"]}]})


def symlinked_proc(b, fake):
    # CVE-2023-28642: /proc itself a symlink, into a directory a volume could later replace
    (b.rootfs / "proc").rmdir()
    (b.rootfs / "vol/level1").mkdir(parents=True)
    os.symlink("/vol/level1", b.rootfs / "proc")


@pytest.mark.parametrize("hostile", [mount_on_proc, tmpfs_on_proc, mount_in_proc, symlink_into_proc,
                                     symlinked_proc], ids=lambda f: f.__name__)
def test_proc_cannot_be_covered(rt, new_id, make_bundle, work, hostile):
    """CVE-2019-16884, CVE-2023-28642: nothing but procfs may sit on or inside /proc, however the config
    and the image's symlinks lead the mounts there: create fails naming /proc, and the fake /proc
    took none of the runtime's writes."""
    fake = fake_proc(work / "fakeproc")
    b = make_bundle(overrides=PROC_WRITES, args=["report"])
    hostile(b, fake)
    p = run(rt, new_id, b)
    assert p.returncode != 0, f"the container ran with a hostile /proc: {p.stdout[:300]}"
    assert "proc" in p.stderr, p.stderr
    assert not fake_untouched(fake), f"the runtime wrote into the fake /proc: {fake_untouched(fake)}"


def test_proc_writes_reach_procfs(rt, new_id, make_bundle):
    """CVE-2019-16884, CVE-2025-52881: with an ordinary image the same writes land where they belong:
    oom_score_adj on the process (read back on the host), the sysctl in the container's own UTS
    namespace, the host's untouched."""
    host_domain = Path("/proc/sys/kernel/domainname").read_text()
    b = make_bundle(overrides=PROC_WRITES, args=["read", "/proc/sys/kernel/domainname", "sleep", "600"])
    cid = new_id()
    out = b.path / "out"
    with open(out, "w") as f:
        p = rt.create(cid, b.path, stdout=f)
    assert p.returncode == 0, p.stderr
    pid = rt.state(cid)["pid"]
    assert rt("start", cid).returncode == 0
    seen = json.loads(wait_file(out))
    assert seen["data"] == "hostile\n"
    assert Path(f"/proc/{pid}/oom_score_adj").read_text().strip() == "500"
    assert Path("/proc/sys/kernel/domainname").read_text() == host_domain


# ---- CVE-2021-30465, CVE-2023-27561 (CVE-2019-19921), CVE-2024-45310: mount destinations ----

def test_mount_destinations_resolve_inside_root(rt, new_id, make_bundle, work):
    """CVE-2021-30465, CVE-2023-27561, CVE-2024-45310, the race already won: mount destinations
    (and the mount points created for them) whose image path climbs out with ../../.. resolve inside
    the container's root. On the host the same links lead into scratch directories, which must end
    up with no mount and no new entry."""
    host_a, host_b = work / "host-a", work / "host-b"
    for d in (host_a, host_b):
        d.mkdir()
        (d / "keep").write_text("host\n")
    vol = work / "vol"
    vol.mkdir()
    (vol / "marker").write_text("volume\n")
    b = make_bundle()
    # /data: an existing directory out there; /deep/a/b: mount points to be created below the link
    os.symlink(escape_link(host_a), b.rootfs / "data")
    os.symlink(escape_link(host_b), b.rootfs / "deep")
    for d in (host_a, host_b):
        host_path_in(b.rootfs, d).mkdir(parents=True)
    b.update({"mounts": b.config["mounts"] + [
        {"destination": "/data", "type": "bind", "source": str(vol), "options": ["rbind", "nosuid"]},
        {"destination": "/deep/a/b", "type": "tmpfs", "source": "tmpfs", "options": ["nodev"]},
    ]})
    b.set_args("/probe", "read", "/data/marker", "read", f"{host_a}/marker", "mkdir", f"{host_b}/a/b/x")
    p = run(rt, new_id, b)
    assert p.returncode == 0, p.stderr
    marker, marker_inside, mk = probe_json(p)
    assert marker["data"] == "volume\n" and marker_inside["data"] == "volume\n"
    assert mk["errno"] == 0, "the tmpfs is where the image's link leads inside the container"
    assert (host_path_in(b.rootfs, host_b) / "a/b").is_dir()
    for d in (host_a, host_b):
        assert sorted(os.listdir(d)) == ["keep"] and not mounts_under(d)


# ---- CVE-2024-21626: a leaked fd as the cwd (/proc/self/fd/N) ----

@pytest.mark.parametrize("verb", ["run", "exec"])
def test_cwd_cannot_be_a_leaked_fd(rt, new_id, make_bundle, work, verb):
    """CVE-2024-21626: process.cwd /proc/self/fd/N for every fd a runtime might hold while it
    sets up the process. The runtime must refuse each, or the process must find itself inside the
    container; and a process that does start holds no fd beyond its stdio."""
    b = make_bundle(args=["report"])
    cid = None
    if verb == "exec":
        b.set_args("/probe", "sleep", "600")
        cid = new_id()
        assert rt.create(cid, b.path).returncode == 0
        assert rt("start", cid).returncode == 0
    for n in range(3, 12):
        if verb == "run":
            b.update({"process": {"cwd": f"/proc/self/fd/{n}"}})
            b.set_args("/probe", "report")
            p = run(rt, new_id, b)
        else:
            p = rt("exec", "--cwd", f"/proc/self/fd/{n}", cid, "/probe", "report")
        if p.returncode == 0:
            seen = json.loads(p.stdout)
            assert not seen["cwd"].startswith("(unreachable)"), f"fd {n}: cwd {seen['cwd']}"
            assert seen["fds"] == [0, 1, 2], f"fd {n}: the process holds {seen['fds']}"
    # and without the trick: stdio only, for the main process and an exec'd one
    if verb == "run":
        b.update({"process": {"cwd": "/"}})
        p = run(rt, new_id, b)
    else:
        p = rt("exec", cid, "/probe", "report")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["fds"] == [0, 1, 2]


@pytest.mark.parametrize("how", ["dotdot", "host-pid-magic-link"])
def test_cwd_is_created_inside_root(rt, new_id, make_bundle, work, how):
    """CVE-2024-45310 for the cwd a runtime creates: through a ../../.. link, and through
    /proc/1/root when the container shares the host's pid namespace (there /proc/1 is the host's
    init). Nothing may appear in the scratch directory on the host."""
    host_dir = work / "host"
    host_dir.mkdir()
    b = make_bundle(args=["report"])
    if how == "dotdot":
        host_path_in(b.rootfs, host_dir).mkdir(parents=True)
        os.symlink(escape_link(host_dir), b.rootfs / "cwdlink")
    else:
        os.symlink(f"/proc/1/root{host_dir}", b.rootfs / "cwdlink")
        b.update({"linux": {"namespaces": [ns for ns in b.config["linux"]["namespaces"]
                                           if ns["type"] != "pid"]}})
    b.update({"process": {"cwd": "/cwdlink/made-by-runtime"}})
    run(rt, new_id, b)
    assert os.listdir(host_dir) == [], "the runtime created the cwd on the host"


# ---- CVE-2025-31133: masked paths through a /dev/null that is a symlink ----

def dev_with_symlinked_null(work, b, target):
    """A /dev for the container from a volume (a bind onto /dev), whose null is a symlink to target."""
    dev = work / "dev"
    dev.mkdir()
    os.symlink(target, dev / "null")
    b.update({"mounts": [m for m in b.config["mounts"] if not m["destination"].startswith("/dev")] + [
        {"destination": "/dev", "type": "bind", "source": str(dev), "options": ["rbind"]}]})


@runc_predates("1.2.8", "CVE-2025-31133")
def test_mask_uses_only_the_null_device(rt, new_id, make_bundle, work):
    """CVE-2025-31133: /dev/null replaced by a symlink to a host-looking path. The mask must not
    bind what the symlink names over the masked file: create fails, or the masked file reads empty;
    neither the host file nor the image's decoy at that path is touched or shown."""
    host_file = work / "host-file"
    host_file.write_text("HOST\n")
    b = make_bundle(overrides={"linux": {"maskedPaths": ["/masked", "/maskdir"]}})
    (b.rootfs / "masked").write_text("SECRET\n")
    (b.rootfs / "maskdir").mkdir()
    (b.rootfs / "maskdir/f").write_text("SECRET\n")
    decoy = host_path_in(b.rootfs, host_file)
    decoy.parent.mkdir(parents=True)
    decoy.write_text("DECOY\n")
    dev_with_symlinked_null(work, b, host_file)
    b.set_args("/probe", "read", "/masked", "read", "/maskdir/f")
    try:
        p = run(rt, new_id, b, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("the container hung")
    if p.returncode == 0:
        masked, in_dir = probe_json(p)
        assert masked == {"errno": 0, "data": ""}, f"/masked shows {masked}"
        assert in_dir["errno"] != 0, f"/maskdir/f shows {in_dir}"
    else:
        assert "/dev/null" in p.stderr, p.stderr
    assert host_file.read_text() == "HOST\n" and decoy.read_text() == "DECOY\n"
    assert not mounts_under(work)


# runc 1.1.5 refuses a symlinked /sys (and /proc) but follows a symlinked /dev, and then creates the
# device nodes in the volume: refusing that is nspawn-oci's own choice.
@pytest.mark.parametrize("api_dir", [pytest.param("dev", marks=pytest.mark.nspawn_only), "sys"])
def test_api_directories_must_be_directories(rt, new_id, make_bundle, work, api_dir):
    """The image's /dev or /sys as a symlink into a volume (the way to a /dev/null that a racing
    container controls, CVE-2025-31133 and CVE-2019-19921): create fails; nothing lands in the
    volume on the host."""
    vol = work / "vol"
    vol.mkdir()
    b = make_bundle()
    (b.rootfs / api_dir).rmdir()
    (b.rootfs / "vol").mkdir()
    os.symlink(f"vol/{api_dir}", b.rootfs / api_dir)
    (b.rootfs / "vol" / api_dir).mkdir()
    b.update({"mounts": b.config["mounts"] + [
        {"destination": "/vol", "type": "bind", "source": str(vol), "options": ["rbind"]}]})
    p = run(rt, new_id, b)
    assert p.returncode != 0
    assert f"/{api_dir}" in p.stderr, p.stderr
    assert os.listdir(vol) == []


# ---- CVE-2025-52565: /dev/console ----

def test_console_does_not_follow_dev_console(rt, new_id, make_bundle, work):
    """CVE-2025-52565: with a terminal, /dev/console in a /dev from a volume is a symlink to a
    host-looking path. Neither the host file nor the image's decoy there may be truncated or have
    the terminal mounted over it."""
    import socket
    host_file = work / "console-target"
    host_file.write_text("HOST\n")
    b = make_bundle(overrides={"process": {"terminal": True}}, args=["read", "/dev/console"])
    decoy = host_path_in(b.rootfs, host_file)
    decoy.parent.mkdir(parents=True)
    decoy.write_text("DECOY\n")
    dev = work / "dev"
    dev.mkdir()
    os.symlink(host_file, dev / "console")
    b.update({"mounts": b.config["mounts"] + [
        {"destination": "/dev", "type": "bind", "source": str(dev), "options": ["rbind"]}]})
    sock = work / "c.sock"
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(str(sock))
    srv.listen(1)
    srv.settimeout(30)
    cid = new_id()
    p = rt("create", "--bundle", b.path, "--console-socket", sock, cid)
    master = None
    try:
        if p.returncode == 0:
            conn, _ = srv.accept()
            with conn:
                _, fds, _, _ = socket.recv_fds(conn, 1024, 1)
            master = fds[0]
            assert rt("start", cid).returncode == 0
            time.sleep(1)
    finally:
        srv.close()
        if master is not None:
            os.close(master)
    assert host_file.read_text() == "HOST\n"
    assert decoy.read_text() == "DECOY\n"
    assert not mounts_under(work)


# ---- CVE-2025-52881: procfs writes redirected, at exec ----

def test_exec_settings_reach_procfs_under_a_covered_proc(rt, new_id, make_bundle, work):
    """CVE-2025-52881 at exec: a container holding CAP_SYS_ADMIN over its mount namespace covers
    /proc with a tmpfs of its own before the engine execs a process into it. The exec'd process's
    oomScoreAdj must still reach the process (read back on the host), not the container's file."""
    caps = ["CAP_SYS_ADMIN", "CAP_KILL"]
    b = make_bundle(overrides={"process": {"capabilities": {k: caps for k in (
        "bounding", "effective", "permitted")}}}, args=["fake-proc", "sleep", "600"])
    cid = new_id()
    out = work / "out"
    with open(out, "w") as f:
        assert rt.create(cid, b.path, stdout=f).returncode == 0
    assert rt("start", cid).returncode == 0
    assert json.loads(wait_file(out)) == {"errno": 0}
    proc = {"terminal": False, "user": {"uid": 0, "gid": 0}, "cwd": "/", "args": ["/probe", "sleep", "600"],
            "env": ["PATH=/bin"], "oomScoreAdj": 500}
    (work / "process.json").write_text(json.dumps(proc))
    pid_file = work / "exec.pid"
    p = rt("exec", "--detach", "--pid-file", pid_file, "--process", work / "process.json", cid)
    if p.returncode != 0:
        assert "proc" in p.stderr, p.stderr  # refusing is as good (runc 1.1.5 needs /proc/self/fd)
        return
    pid = int(wait_file(pid_file))
    try:
        assert Path(f"/proc/{pid}/oom_score_adj").read_text().strip() == "500"
    finally:
        os.kill(pid, 9)
