# SPDX-License-Identifier: LGPL-2.1-or-later
# What a container can leave on the host after its runtime is done with it (or was killed, or
# refused it): nspawn processes, its state directory under --root, cgroups, mounts, and where systemd
# runs its scope and machine. Runs as root on the host.

import time
from pathlib import Path

import systemd_util as su
from conftest import MODE
from runtime import processes_with


def nspawn_processes(cid):
    """Processes of this container's box still running: nspawn with -M ID (whatever else is in its
    cgroups shows in the cgroups)."""
    return processes_with("systemd-nspawn", cid)


def leftovers(rt, cid):
    """What the container cid left, by kind ({} when nothing): works for any runtime."""
    left = {"processes": nspawn_processes(cid), "state": (rt.root / cid).exists()}
    left["cgroups"] = su.cgroup_dirs(cid)
    left["mounts"] = su.mounts_with(cid)
    if MODE == "systemd":
        left["units"] = su.scope_units(cid)
        left["machine"] = su.machine_name(cid)
    prop = Path("/run/systemd/nspawn/propagate") / cid
    left["propagate"] = prop.exists()
    return {k: v for k, v in left.items() if v}


def wait_clean(rt, cid, timeout=10):
    """leftovers() once they are gone, or what is still there after timeout seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        left = leftovers(rt, cid)
        if not left:
            return {}
        time.sleep(0.1)
    return leftovers(rt, cid)
