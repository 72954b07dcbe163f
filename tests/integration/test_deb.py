# SPDX-License-Identifier: LGPL-2.1-or-later
# The Debian package (tools/build-deb.sh) installed with dpkg -i, and a container run from the
# installed files only: /usr/bin/nspawn-oci with its PID 1 in /usr/libexec, and nspawn-oci@.service.
# Installing changes the machine, so this runs only inside tools/testbed.py, whose / is a throwaway
# overlay (NSPAWN_OCI_TESTBED=1), and only with a package given in NSPAWN_OCI_DEB (tools/test.sh builds
# one per run; building takes half a minute).

import os
import subprocess
import time
from pathlib import Path

import pytest

import systemd_util as su
from bundle import Bundle
from conftest import TAG, safe_rmtree
from runtime import Runtime, processes_with
from leftovers import wait_clean

pytestmark = [pytest.mark.systemd, pytest.mark.nspawn_only, pytest.mark.lifecycle]

DEB = os.environ.get("NSPAWN_OCI_DEB", "")
BIN = Path("/usr/bin/nspawn-oci")
HOLDER = Path("/usr/libexec/nspawn-oci/nspawn-oci-init")
BUNDLES = Path("/var/lib/nspawn-oci/bundles")


def sh(*argv):
    return subprocess.run(argv, text=True, capture_output=True, stdin=subprocess.DEVNULL, timeout=120)


@pytest.fixture(scope="module")
def installed():
    if not DEB:
        pytest.skip("no package given: NSPAWN_OCI_DEB=PATH names one that tools/build-deb.sh built "
                    "(tools/test.sh builds one and passes it)")
    if os.environ.get("NSPAWN_OCI_TESTBED") != "1":
        pytest.skip("dpkg -i would change this machine: the package is installed only inside "
                    "tools/testbed.py, whose / is a throwaway overlay")
    p = sh("dpkg", "-i", DEB)
    assert p.returncode == 0, p.stdout + p.stderr
    yield Path(DEB)
    sh("dpkg", "--purge", "nspawn-oci")


def test_installed_files(installed):
    files = set(sh("dpkg", "-L", "nspawn-oci").stdout.split())
    unitdir = sh("pkg-config", "--variable=systemdsystemunitdir", "systemd").stdout.strip()
    for f in (str(BIN), str(HOLDER), "/usr/share/man/man1/nspawn-oci.1.gz", f"{unitdir}/nspawn-oci@.service",
              "/usr/share/bash-completion/completions/nspawn-oci",
              "/usr/share/doc/nspawn-oci/examples/kubernetes/runtimeclass.yaml",
              "/usr/share/doc/nspawn-oci/examples/kubernetes/crio/10-nspawn-oci.conf",
              "/usr/share/doc/nspawn-oci/examples/kubernetes/containerd/nspawn-oci.toml"):
        assert f in files, f
        assert Path(f).is_file(), f
    p = sh(str(BIN), "--version")
    assert p.returncode == 0 and p.stdout.startswith("nspawn-oci version "), p.stderr
    p = sh("bash", "-c", "source /usr/share/bash-completion/completions/nspawn-oci && complete -p nspawn-oci")
    assert p.stdout.strip() == "complete -F _nspawn_oci nspawn-oci", p.stderr


def nspawn_cmdline(cid):
    pids = processes_with("systemd-nspawn", cid)
    return Path(f"/proc/{pids[0]}/cmdline").read_text().split("\0") if pids else []


def test_run_from_the_installed_files(installed, work):
    """A container run by /usr/bin/nspawn-oci is a machine in machinectl, in its own unit, with the
    installed nspawn-oci-init as its PID 1."""
    assert "NSPAWN_OCI_HOLDER" not in os.environ, "the installed binary is to find its PID 1 itself"
    cid = f"deb-{TAG}-run"
    rt = Runtime(BIN, work / "state")
    b = Bundle(work / "bundle", args=["sleep", "600"])
    try:
        p = rt("run", "--detach", "--bundle", b.path, cid)
        assert p.returncode == 0, p.stderr
        assert rt.state(cid)["status"] == "running"
        assert su.machine_name(cid) == cid
        unit = su.machine_unit(cid)
        assert unit == f"nspawn-oci-{cid}.scope" and su.unit_active(unit)
        assert f"--bind-ro={HOLDER}:/run/.nspawn-oci-init" in nspawn_cmdline(cid)
        assert rt("kill", cid, "KILL").returncode == 0
        rt.wait_status(cid, "stopped")
        assert rt("delete", cid).returncode == 0
        assert wait_clean(rt, cid) == {}
    finally:
        rt.cleanup(cid)


def test_unit_runs_a_bundle(installed):
    """nspawn-oci@NAME.service runs /var/lib/nspawn-oci/bundles/NAME: the machine NAME while it is
    active, nothing once it is stopped."""
    name = f"deb-{TAG}-unit"
    made = not BUNDLES.exists()
    Bundle(BUNDLES / name, args=["sleep", "600"])
    service = f"nspawn-oci@{name}.service"
    try:
        p = sh("systemctl", "start", service)
        assert p.returncode == 0, p.stderr
        end = time.monotonic() + 20
        while su.machine_name(name) != name and time.monotonic() < end:
            time.sleep(0.1)
        assert su.machine_name(name) == name
        assert su.unit_active(service)
        p = sh("systemctl", "stop", service)
        assert p.returncode == 0, p.stderr
        assert su.machine_name(name) is None
        assert su.scope_units(name) == []
        assert not Path(f"/run/nspawn-oci/{name}").exists()
    finally:
        sh("systemctl", "stop", service)
        sh("systemctl", "reset-failed", service)
        safe_rmtree(BUNDLES / name)
        if made:
            for d in (BUNDLES, BUNDLES.parent):
                d.rmdir()


def test_purge(installed):
    p = sh("dpkg", "--purge", "nspawn-oci")
    assert p.returncode == 0, p.stdout + p.stderr
    assert not BIN.exists() and not HOLDER.exists()
