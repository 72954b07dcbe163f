# SPDX-License-Identifier: LGPL-2.1-or-later
# Bundles an engine should never hand over, or that someone else controls: a 100 MB or deeply nested
# config.json, a root file system behind a symlink or on a read-only file system, mount destinations
# that point out of the root, a bundle or config.json that is missing or cannot be read. Each create is
# refused with an error naming the field or the file, or runs as under runc, in bounded time and memory,
# and leaves nothing on the host. Runs as root.

import json
import os
import subprocess
import tempfile
import time
import types

import pytest

from bundle import make_config, make_rootfs
from leftovers import wait_clean

pytestmark = [pytest.mark.bare, pytest.mark.systemd, pytest.mark.lifecycle]

# A refusal takes less than this, and nspawn-oci less memory (its parser refuses documents of more
# than 64 MB before reading them).
SECONDS = 20
NSPAWN_OCI_RSS_MB = 200


def run_measured(rt, *args, timeout=60):
    """rt(*args), with the wall time it took and the peak memory of the runtime: ru_maxrss, an upper
    bound (Linux keeps the high-water mark across exec, so the forked interpreter's pages count too).
    Returns returncode, stdout, stderr, seconds, rss_mb; returncode is None if the runtime was still
    running after timeout seconds (then it was killed)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.monotonic()
        p = subprocess.Popen(rt.argv(*args), stdin=subprocess.DEVNULL, stdout=out, stderr=err, text=True)
        returncode = None
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                returncode = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() - start > timeout:
                p.kill()
                _, _, usage = os.wait4(p.pid, 0)
                break
            time.sleep(0.02)
        p.returncode = -9 if returncode is None else returncode  # reaped here: Popen must not wait
        seconds = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        return types.SimpleNamespace(returncode=returncode, stdout=out.read(), stderr=err.read(),
                                     seconds=seconds, rss_mb=usage.ru_maxrss / 1024)


def assert_refused(rt, cid, p, *names):
    """A refusal: non-zero, quick, small, an error that names one of names (nspawn-oci; runc's
    messages are its own), and nothing left behind."""
    assert p.returncode is not None, f"still running after {p.seconds:.0f}s"
    assert p.returncode != 0, p.stderr
    assert p.seconds < SECONDS, f"took {p.seconds:.1f}s"
    if rt.kind == "nspawn-oci":
        assert p.rss_mb < NSPAWN_OCI_RSS_MB, f"used {p.rss_mb:.0f} MB"
        assert any(n in p.stderr for n in names), p.stderr
        assert len(p.stderr.splitlines()) <= 3, p.stderr
    assert wait_clean(rt, cid) == {}


def write_bundle(path, overrides=None, rootfs=True):
    path.mkdir(parents=True, exist_ok=True)
    if rootfs:
        make_rootfs(path / "rootfs")
    cfg = make_config(overrides, args=["echo", "ran"])
    (path / "config.json").write_text(json.dumps(cfg))
    return cfg


def test_config_of_100_mb(rt, new_id, work):
    """A valid config.json of 100 MB (one big annotation): nspawn-oci refuses it from its size without
    reading it; runc reads it all and runs the container."""
    b = work / "b"
    cfg = write_bundle(b)
    cfg["annotations"] = {"big": ""}
    head, tail = json.dumps(cfg).split('"big": ""')
    with open(b / "config.json", "w") as f:
        f.write(head + '"big": "')
        for _ in range(100):
            f.write("x" * (1 << 20))
        f.write('"' + tail)
    cid = new_id()
    p = run_measured(rt, "create", "--bundle", b, cid)
    if rt.kind == "runc":
        assert p.returncode == 0, p.stderr
        assert rt("delete", "--force", cid).returncode == 0
        assert wait_clean(rt, cid) == {}
        return
    assert_refused(rt, cid, p, "config.json: too large")


@pytest.mark.parametrize("shape", ["array", "object"])
def test_deeply_nested_config(rt, new_id, work, shape):
    """A million levels of nesting under a key nobody reads: refused by the parser's depth limit
    (json-c's, 64; Go's decoder stops at 10000), not by a stack overflow."""
    b = work / "b"
    cfg = write_bundle(b)
    depth = 1_000_000
    opening, closing = ("[", "]") if shape == "array" else ('{"a":', "}")
    text = json.dumps(cfg)[:-1] + ', "x": ' + opening * depth + "1" + closing * depth + "}"
    (b / "config.json").write_text(text)
    cid = new_id()
    p = run_measured(rt, "create", "--bundle", b, cid)
    assert_refused(rt, cid, p, "nesting too deep")


@pytest.mark.parametrize("link", ["absolute", "relative", "parent", "loop", "dangling", "file"])
def test_rootfs_behind_a_symlink(rt, new_id, work, link):
    """root.path is a symlink (to a root file system outside the bundle, by an absolute or relative
    target; to itself; to nothing; to a file), or an absolute path through a symlinked directory:
    refused, as runc 1.1.5 refuses it ("invalid rootfs: not an absolute path, or a symlink"). What
    the checks of the root see is then what nspawn is given."""
    real = make_rootfs(work / "elsewhere" / "rootfs")
    b = work / "b"
    overrides = None
    if link == "parent":
        os.symlink(work / "elsewhere", work / "link")
        overrides = {"root": {"path": str(work / "link" / "rootfs")}}
    write_bundle(b, overrides, rootfs=False)
    target = {"absolute": real, "relative": "../elsewhere/rootfs", "loop": "rootfs",
              "dangling": work / "nowhere", "file": work / "elsewhere" / "rootfs" / "probe"}
    if link in target:
        os.symlink(target[link], b / "rootfs")
    cid = new_id()
    p = run_measured(rt, "create", "--bundle", b, cid)
    assert_refused(rt, cid, p, "root.path")


def bind_bundle(work, destination):
    """A bundle that binds a host directory holding "marker" at destination; and work/outside, an
    empty directory on the host that must stay empty."""
    outside = work / "outside"
    outside.mkdir()
    src = work / "src"
    src.mkdir()
    (src / "marker").write_text("mounted\n")
    b = work / "b"
    write_bundle(b, {"mounts": make_config()["mounts"] + [
        {"destination": destination, "type": "bind", "source": str(src), "options": ["rbind"]}]})
    return b, outside


def test_mount_destination_with_dotdot(rt, new_id, work):
    """A mount destination that climbs out of the root with "..": nspawn-oci refuses it, naming the
    field; runc resolves it inside the root (/../../x is /x there). Nothing is mounted on the host."""
    b, outside = bind_bundle(work, "/.." * 12 + str(work / "outside"))
    cid = new_id()
    p = run_measured(rt, "run", "--bundle", b, cid)
    if rt.kind == "nspawn-oci":
        assert_refused(rt, cid, p, "mounts[7].destination")
    else:
        assert p.returncode == 0, p.stderr
    assert not any(outside.iterdir()), "something was mounted or created outside the root"
    assert wait_clean(rt, cid) == {}


@pytest.mark.parametrize("target", ["absolute", "relative"])
def test_mount_destination_symlink_out_of_the_root(rt, new_id, work, target):
    """A mount destination that is a symlink in the image pointing out of the root (to the host's
    path, absolute or by "../.."): it is followed inside the root, as under runc; the host's directory
    stays as it was."""
    b, outside = bind_bundle(work, "/escape")
    link = str(outside) if target == "absolute" else "../" * 12 + str(outside).lstrip("/")
    os.symlink(link, b / "rootfs" / "escape")
    (b / "rootfs" / str(outside).lstrip("/")).mkdir(parents=True)
    cfg = json.loads((b / "config.json").read_text())
    cfg["process"]["args"] = ["cat", f"{outside}/marker"]
    (b / "config.json").write_text(json.dumps(cfg))
    cid = new_id()
    p = run_measured(rt, "run", "--bundle", b, cid)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "mounted\n"
    assert not any(outside.iterdir()), "something was mounted or created outside the root"
    assert wait_clean(rt, cid) == {}


@pytest.fixture
def readonly_dir(work):
    """A tmpfs of its own on work/ro, for the test to fill and remount read-only; unmounted after
    the test."""
    d = work / "ro"
    d.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", d], check=True)
    try:
        yield d
    finally:
        subprocess.run(["umount", "-l", d], check=False)


@pytest.mark.parametrize("readonly", [True, False])
@pytest.mark.parametrize("image", ["complete", "without-run"])
def test_rootfs_on_a_readonly_file_system(rt, new_id, work, readonly_dir, readonly, image):
    """The root file system lies on a read-only file system (root.readonly true or false). An image
    with every directory systemd-nspawn mounts on runs, as under runc; one without /run is refused by
    nspawn-oci, naming root.path and /run (nspawn cannot make it there), and runs under runc, which
    mounts only what config.json lists."""
    b = work / "b"
    cfg = make_config({"root": {"path": str(readonly_dir / "rootfs"), "readonly": readonly}},
                      args=["echo", "ran"])
    b.mkdir()
    (b / "config.json").write_text(json.dumps(cfg))
    make_rootfs(readonly_dir / "rootfs")
    if image == "complete":
        for d in ("run", "var"):
            (readonly_dir / "rootfs" / d).mkdir()
    subprocess.run(["mount", "-o", "remount,ro", readonly_dir], check=True)
    cid = new_id()
    p = run_measured(rt, "run", "--bundle", b, cid)
    if image == "without-run" and rt.kind == "nspawn-oci":
        assert_refused(rt, cid, p, "read-only file system without /run")
        return
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "ran"
    assert wait_clean(rt, cid) == {}


def test_missing_bundle(rt, new_id, work):
    cid = new_id()
    p = run_measured(rt, "create", "--bundle", work / "nope", cid)
    assert_refused(rt, cid, p, str(work / "nope"))


def test_bundle_without_config(rt, new_id, work):
    b = work / "b"
    make_rootfs(b / "rootfs")
    cid = new_id()
    p = run_measured(rt, "create", "--bundle", b, cid)
    assert_refused(rt, cid, p, "config.json")


@pytest.mark.parametrize("kind", ["directory", "fifo", "dev-zero", "dangling", "unreadable"])
def test_unreadable_config(rt, new_id, work, kind):
    """config.json that cannot be read as a file: a directory, a FIFO nobody writes to (opening it
    must not block), a link to /dev/zero (endless), a dangling link, mode 000 (root reads it anyway:
    then the container runs)."""
    b = work / "b"
    write_bundle(b)
    c = b / "config.json"
    if kind != "unreadable":
        c.unlink()
    if kind == "directory":
        c.mkdir()
    elif kind == "fifo":
        os.mkfifo(c)
    elif kind == "dev-zero":
        os.symlink("/dev/zero", c)
    elif kind == "dangling":
        os.symlink(work / "nowhere.json", c)
    else:
        c.chmod(0)
    cid = new_id()
    p = run_measured(rt, "create", "--bundle", b, cid, timeout=SECONDS + 2)
    if kind == "fifo" and rt.kind != "nspawn-oci" and p.returncode is None:
        assert wait_clean(rt, cid) == {}
        pytest.xfail(f"{rt.kind} waits in open() for a writer that never comes")
    if kind == "unreadable":
        assert p.returncode == 0, p.stderr
        assert rt("delete", "--force", cid).returncode == 0
        assert wait_clean(rt, cid) == {}
        return
    assert_refused(rt, cid, p, "config.json")
