# SPDX-License-Identifier: LGPL-2.1-or-later
# pytest fixtures for the integration tests: the runtime under test with a private state directory,
# unique container ids that are cleaned up after each test, and bundle factories. Runs as root.
#
# Markers: `bare` tests run where systemd is not PID 1, `systemd` tests where it is (a test of standard
# OCI behaviour carries both); `nspawn_only` tests check nspawn-oci's own behaviour and are skipped
# for other runtimes; `lifecycle` tests need create/start/state/kill/delete/run.

import os
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest

import paths
from bundle import Bundle
from runtime import Runtime


def systemd_is_pid1():
    try:
        return Path("/proc/1/comm").read_text().strip() == "systemd"
    except OSError:
        return False


MODE = "systemd" if systemd_is_pid1() else "bare"

# Every container id, cgroup and directory a run creates carries this tag, so that
# tools/check-leftovers.sh can tell this run's leftovers from anything else on the machine.
TAG = os.environ.get("NSPAWN_OCI_TEST_TAG") or secrets.token_hex(3)


def pytest_configure(config):
    for m, what in (("bare", "runs where systemd is not PID 1"),
                    ("systemd", "needs systemd as PID 1 and systemd-machined"),
                    ("nspawn_only", "checks nspawn-oci's own behaviour; skipped for other runtimes"),
                    ("lifecycle", "needs the create/start/state/kill/delete/run verbs"),
                    ("conmon", "drives the runtime through conmon"),
                    ("podman", "drives the runtime through podman"),
                    ("soak", "many containers in a row and at once; long form: tools/soak.sh"),
                    ("containerd", "drives the runtime through containerd's runc shim")):
        config.addinivalue_line("markers", f"{m}: {what}")


def pytest_report_header(config):
    rt = paths.runtime()
    return [f"mode: {MODE} (PID 1 is {Path('/proc/1/comm').read_text().strip()})",
            f"runtime: {rt} ({paths.runtime_kind(rt)})"]


def pytest_collection_modifyitems(config, items):
    kind = paths.runtime_kind(paths.runtime())
    for item in items:
        if MODE not in item.keywords:
            other = "systemd" if MODE == "bare" else "bare"
            why = ("needs systemd as PID 1 (run it through tools/testbed.py)" if MODE == "bare"
                   else "runs only where systemd is not PID 1")
            if other not in item.keywords:
                why = "carries neither the bare nor the systemd marker"
            item.add_marker(pytest.mark.skip(reason=why))
        if "nspawn_only" in item.keywords and kind != "nspawn-oci":
            item.add_marker(pytest.mark.skip(reason=f"checks nspawn-oci's own behaviour; RUNTIME is {kind}"))


def mounts_under(d):
    d = str(d)
    points = [line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines()]
    return [m for m in points if m == d or m.startswith(f"{d}/")]


def safe_rmtree(d):
    """Removes a scratch directory, but never through a mount point a runtime left in it (a bind
    mount of a host directory would lose that directory's files): then it fails and keeps it."""
    left = mounts_under(d)
    if left:
        raise RuntimeError(f"mounts left under {d}, not removed: {left}")
    shutil.rmtree(d, ignore_errors=True)


def ids_removed_by(remove, default_prefix):
    """The body of an id fixture: yields make(prefix), which gives a fresh container id (a valid host
    name that carries the run's tag); after the test, remove(id) is called for every id handed out."""
    ids = []

    def make(prefix=default_prefix):
        ids.append(f"{prefix}-{TAG}-{secrets.token_hex(4)}")
        return ids[-1]

    yield make
    for cid in ids:
        remove(cid)


def remove_cgroup_tree(rel):
    """Removes the cgroup `rel` (relative to each hierarchy's root) and the empty cgroups below it, in
    every hierarchy: the parent cgroups that engines using cgroupfs leave behind."""
    for top in Path("/sys/fs/cgroup").iterdir():
        d = top / rel.lstrip("/")
        if d.is_dir():
            for sub in sorted((p for p in d.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
                sub.rmdir()
            d.rmdir()


@pytest.fixture(scope="session")
def base():
    """The directory for bundles, state and logs of this run: $NSPAWN_OCI_TEST_DIR, else under the
    build tree. Short, because unix socket paths (console, attach) must stay below 108 bytes."""
    root = Path(os.environ.get("NSPAWN_OCI_TEST_DIR", paths.build_dir() / "itest"))
    created = not root.exists()
    root.mkdir(parents=True, exist_ok=True)
    d = Path(subprocess.check_output(["mktemp", "-d", f"{root}/{TAG}.XXXX"], text=True).strip())
    d.chmod(0o755)
    yield d
    safe_rmtree(d)
    if created and not any(root.iterdir()):
        root.rmdir()


@pytest.fixture(scope="session")
def rt(base):
    return Runtime(paths.runtime(), base / "state")


@pytest.fixture
def new_id(rt):
    """new_id() gives a fresh container id (a valid host name); every id handed out is killed and
    deleted after the test if it still exists."""
    yield from ids_removed_by(rt.cleanup, "t")


@pytest.fixture
def work(base, request):
    """A scratch directory for one test."""
    d = base / f"w-{secrets.token_hex(4)}"
    d.mkdir()
    yield d
    safe_rmtree(d)


@pytest.fixture
def make_bundle(work):
    """make_bundle(usr=True, overrides=None, args=None) builds a bundle in the test's scratch dir;
    args are the probe's arguments."""
    n = [0]

    def make(usr=True, overrides=None, args=None):
        n[0] += 1
        return Bundle(work / f"b{n[0]}", usr=usr, overrides=overrides, args=args)

    return make
