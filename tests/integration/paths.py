# SPDX-License-Identifier: LGPL-2.1-or-later
# Where things are: the repository, its fixtures, the build tree, the probe, the runtime under test
# (RUNTIME=...). Every path the tests use comes from here or from the environment.

import os
import shutil
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]
# the configs, process and resources files podman and CRI-O handed to their runtime (README.md there)
FIXTURES = TOP / "tests/fixtures/oci"


def build_dir():
    return Path(os.environ.get("NSPAWN_OCI_BUILD_DIR", TOP / "build")).resolve()


def probe():
    p = Path(os.environ.get("PROBE", build_dir() / "tests/helpers/probe"))
    if not p.is_file():
        raise FileNotFoundError(f"{p}: the probe is not built (ninja -C {build_dir()})")
    return p


def hybrid_cgroup2_has_controllers():
    try:
        return Path("/sys/fs/cgroup/unified/cgroup.controllers").read_text().strip() != ""
    except OSError:
        return False


def runtime():
    """The runtime under test as an absolute path: $RUNTIME (a path or a name on PATH), default the
    build tree's nspawn-oci. crun 1.8 refuses a cgroup v1 hybrid host whose cgroup2 hierarchy has
    controllers; there, RUNTIME=crun means tools/crun-wrapper.sh, which hides it."""
    rt = os.environ.get("RUNTIME", "")
    if not rt:
        return build_dir() / "nspawn-oci"
    if rt == "crun" and hybrid_cgroup2_has_controllers():
        return TOP / "tools/crun-wrapper.sh"
    if "/" not in rt:
        found = shutil.which(rt)
        if not found:
            raise FileNotFoundError(f"RUNTIME={rt}: not found on PATH")
        return Path(found)
    return Path(rt).resolve()


def runtime_kind(path):
    """nspawn-oci, runc or crun: which runtime a path is (tests of nspawn-oci's own behaviour only
    run against nspawn-oci)."""
    name = Path(path).name
    if name.startswith("nspawn-oci"):
        return "nspawn-oci"
    if "crun" in name:
        return "crun"
    return name
