# SPDX-License-Identifier: LGPL-2.1-or-later
# podman (4.3.1) smoke tests: `podman --runtime RUNTIME run --rm` of a busybox image imported into a
# private storage root. No registry is reachable; networking is off (--network none). podman writes
# only below the test's directory (and a run root in /run).

import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from bundle import make_rootfs
from conftest import MODE, TAG, remove_cgroup_tree, safe_rmtree
from test_verbs import cgroup_file
import systemd_util as su

pytestmark = [pytest.mark.bare, pytest.mark.systemd, pytest.mark.lifecycle, pytest.mark.podman]

IMAGE = "localhost/nspawn-oci-test-busybox:latest"


class Podman:
    def __init__(self, rt, d):
        self.rt = rt
        self.dir = d
        self.wrapper = d / "bin" / rt.kind
        self.wrapper.parent.mkdir(parents=True)
        # podman passes no --root: a wrapper with the runtime's name keeps its state private
        self.wrapper.write_text(f'#!/bin/sh\nexec "{rt.path}" --root "{d}/rtstate" "$@"\n')
        self.wrapper.chmod(0o755)
        self.cgroup_parent = f"/noci-podman-{TAG}"
        # podman refuses a runroot longer than 50 characters; the build tree may be deeper
        self.runroot = Path(tempfile.mkdtemp(prefix=f"noci-podman-{TAG}-", dir="/run"))
        # Beyond its storage, podman writes its network configuration and the CNI lock file in it
        # (else in /etc/cni/net.d), its locks (else /dev/shm/libpod_lock; "file" puts them below
        # --tmpdir), temporary files (TMPDIR, else /var/tmp) and the machine directories `system reset`
        # looks at (XDG_CONFIG_HOME, XDG_DATA_HOME, else below ~). Its default RLIMIT_NOFILE and
        # RLIMIT_NPROC (1048576, 4194304) may exceed what this machine allows: lower ones for every
        # container, a pod's infra container too.
        for sub in ("network", "tmp-files", "config", "data"):
            (d / sub).mkdir()
        conf = d / "containers.conf"
        conf.write_text('[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n'
                        f'[network]\nnetwork_config_dir = "{d}/network"\n'
                        '[engine]\nlock_type = "file"\n')
        self.env = dict(os.environ, CONTAINERS_CONF=str(conf), TMPDIR=str(d / "tmp-files"),
                        XDG_CONFIG_HOME=str(d / "config"), XDG_DATA_HOME=str(d / "data"))

    def argv(self, *args):
        a = ["podman", "--root", str(self.dir / "root"), "--runroot", str(self.runroot),
             "--tmpdir", str(self.dir / "tmp"), "--storage-driver", "vfs", "--events-backend", "file",
             "--runtime", str(self.wrapper),
             "--cgroup-manager", "systemd" if MODE == "systemd" else "cgroupfs"]
        return a + list(args)

    def __call__(self, *args, timeout=120, wrap=()):
        return subprocess.run([*wrap, *self.argv(*args)], text=True, capture_output=True,
                              stdin=subprocess.DEVNULL, timeout=timeout, env=self.env)

    def import_image(self, tar, name):
        """`podman import`, in a mount namespace of its own in which /var/lib is read-only: as root,
        podman's image library keeps a blob info cache in /var/lib/containers/cache whatever --root
        says, and keeps it in memory where it cannot create it. This directory stays writable, should
        it lie below /var/lib."""
        remount = ('mount --bind "$1" "$1" && mount --rbind /var/lib /var/lib && '
                   'mount -o remount,bind,ro /var/lib && shift && exec "$@"')
        return self("import", tar, name, wrap=("unshare", "--mount", "--propagation", "private",
                                               "sh", "-c", remount, "sh", self.dir))

    def run_args(self):
        a = ["run", "--rm", "--network", "none"]
        if MODE != "systemd":
            a += ["--cgroup-parent", self.cgroup_parent]
        return a

    def remove_cgroups(self):
        """cgroupfs: podman leaves the parent cgroup (and conmon's) behind; remove what is empty."""
        if MODE != "systemd":
            remove_cgroup_tree(self.cgroup_parent)


@pytest.fixture(scope="module")
def podman(rt, base):
    d = base / "podman"
    d.mkdir()
    pm = Podman(rt, d)
    leftovers = []
    try:
        root = make_rootfs(d / "image-rootfs", usr=True)
        tar = d / "image.tar"
        subprocess.run(["tar", "-C", root, "-cf", tar, "."], check=True)
        p = pm.import_image(tar, IMAGE)
        assert p.returncode == 0, p.stderr
        yield pm
    finally:
        leftovers = pm("ps", "-aq").stdout.split()
        for c in leftovers:
            pm("rm", "-f", c)
        pm("system", "reset", "-f")
        pm.remove_cgroups()
        safe_rmtree(d)
        safe_rmtree(pm.runroot)
    assert leftovers == [], f"podman left containers: {leftovers}"


def test_podman_run_echo(podman):
    p = podman(*podman.run_args(), IMAGE, "echo", "hello")
    assert p.returncode == 0, p.stderr
    assert p.stdout == "hello\n"
    assert podman("ps", "-aq").stdout.strip() == ""


def test_podman_run_exit_code(podman):
    p = podman(*podman.run_args(), IMAGE, "sh", "-c", "exit 3")
    assert p.returncode == 3, p.stderr
    assert podman("ps", "-aq").stdout.strip() == ""


def test_podman_run_probe(podman):
    p = podman(*podman.run_args(), "--user", "1000:1000", "--workdir", "/tmp", "--hostname", "pm-host",
               IMAGE, "/probe")
    assert p.returncode == 0, p.stderr
    seen = json.loads(p.stdout)
    assert (seen["uid"], seen["gid"], seen["cwd"], seen["hostname"]) == (1000, 1000, "/tmp", "pm-host")


def test_podman_pause_update(podman):
    """`podman pause`/`unpause` → `pause ID`/`resume ID`;
    `podman update` → `update --resources=FILE ID`."""
    p = podman(*podman.run_args(), "-d", IMAGE, "sleep", "600")
    assert p.returncode == 0, p.stderr
    c = p.stdout.strip()
    try:
        assert podman("pause", c).returncode == 0
        assert podman("inspect", "-f", "{{.State.Status}}", c).stdout.strip() == "paused"
        p = podman("unpause", c)
        assert p.returncode == 0, p.stderr
        assert podman("inspect", "-f", "{{.State.Status}}", c).stdout.strip() == "running"
        p = podman("update", "--memory", "64m", "--memory-swap", "128m", "--cpu-quota", "50000", c)
        assert p.returncode == 0, p.stderr
        if MODE == "systemd" and podman.rt.kind == "nspawn-oci":
            unit = su.unit_of(c)
            assert su.unit_properties(unit, "MemoryMax")["MemoryMax"] == str(64 << 20)
        else:
            pid = int(podman("inspect", "-f", "{{.State.Pid}}", c).stdout)
            assert cgroup_file(pid, "memory", "memory.limit_in_bytes").read_text().strip() == str(64 << 20)
        # a paused container is removed too
        assert podman("pause", c).returncode == 0
    finally:
        p = podman("rm", "-f", "-t", "0", c)
    assert p.returncode == 0, p.stderr
    assert podman("ps", "-aq").stdout.strip() == ""
