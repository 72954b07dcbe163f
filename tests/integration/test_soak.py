# SPDX-License-Identifier: LGPL-2.1-or-later
# Soak: many create/start/delete cycles one after the other, and rounds of many at once, with podman's
# default config (its seccomp profile, capabilities, masked and read-only paths). Afterwards nothing
# is left: no unit, machine, mount, cgroup (any hierarchy), state directory, nspawn process or
# /run/systemd/nspawn entry, and no runtime call left an fd open at exit (NSPAWN_OCI_CHECK_FDS=1
# makes the runtime name such fds and exit 120).
#
# The suite runs the short form; tools/soak.sh runs the long one and prints its figures:
#   NSPAWN_OCI_SOAK_CYCLES (default 50), NSPAWN_OCI_SOAK_ROUNDS (2), NSPAWN_OCI_SOAK_PARALLEL (10)

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import paths
from bundle import make_config
from leftovers import leftovers

pytestmark = [pytest.mark.bare, pytest.mark.systemd, pytest.mark.lifecycle, pytest.mark.soak]

HERE = Path(__file__).resolve().parent
CYCLES = int(os.environ.get("NSPAWN_OCI_SOAK_CYCLES", "50"))
ROUNDS = int(os.environ.get("NSPAWN_OCI_SOAK_ROUNDS", "2"))
PARALLEL = int(os.environ.get("NSPAWN_OCI_SOAK_PARALLEL", "10"))
FIGURES = os.environ.get("NSPAWN_OCI_SOAK_FIGURES")  # a file the figures are appended to


def podman_default(bundle_rootfs):
    """podman's captured default config, made runnable here: our root file system and probe, a new
    network namespace instead of podman's, and none of podman's host files."""
    cfg = json.loads((paths.FIXTURES / "podman-run-default.json").read_text())
    base = make_config(args=["exit", "0"])
    cfg["root"] = {"path": str(bundle_rootfs), "readonly": False}
    cfg["process"]["args"] = base["process"]["args"]
    cfg["process"]["env"] = base["process"]["env"]
    cfg["linux"]["namespaces"] = [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount")]
    cfg["linux"].pop("cgroupsPath", None)
    cfg["mounts"] = [m for m in cfg["mounts"] if m["type"] != "bind"]
    cfg.pop("hooks", None)
    return cfg


def record(name, n, seconds):
    line = f"{name}: {n} containers in {seconds:.1f} s, {1000 * seconds / max(n, 1):.0f} ms each"
    print(line)
    if FIGURES:
        with open(FIGURES, "a") as f:
            f.write(f"{os.environ.get('NSPAWN_OCI_SOAK_MODE', '')} {line}\n".lstrip())


def cycles(rt, ids, bundle):
    """The cycles of ids one after the other, run as an engine runs them (soak_cycle.py)."""
    env = dict(os.environ)
    if rt.kind == "nspawn-oci":
        env["NSPAWN_OCI_CHECK_FDS"] = "1"
    p = subprocess.run([sys.executable, str(HERE / "soak_cycle.py"), str(rt.path), str(rt.root), str(bundle),
                        *ids], stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
                       timeout=60 + 20 * len(ids))
    assert p.returncode == 0, p.stderr


@pytest.fixture
def soak_bundle(make_bundle):
    b = make_bundle()
    b.config = podman_default(b.rootfs)
    b.write()
    return b


def check_nothing_left(rt, ids):
    left = {cid: leftovers(rt, cid) for cid in ids}
    left = {k: v for k, v in left.items() if v}
    assert left == {}, f"{len(left)} containers left something: {dict(list(left.items())[:3])}"


def test_soak_sequential(rt, new_id, soak_bundle):
    ids = [new_id("soak") for _ in range(CYCLES)]
    t0 = time.monotonic()
    cycles(rt, ids, soak_bundle.path)
    record("sequential", CYCLES, time.monotonic() - t0)
    check_nothing_left(rt, ids)


def test_soak_parallel(rt, new_id, soak_bundle):
    ids = []
    t0 = time.monotonic()
    for _ in range(ROUNDS):
        batch = [new_id("soak") for _ in range(PARALLEL)]
        ids += batch
        with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
            for f in [pool.submit(cycles, rt, [cid], soak_bundle.path) for cid in batch]:
                f.result()
    record(f"parallel {ROUNDS}x{PARALLEL}", ROUNDS * PARALLEL, time.monotonic() - t0)
    check_nothing_left(rt, ids)
