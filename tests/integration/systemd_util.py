# SPDX-License-Identifier: LGPL-2.1-or-later
# Finding a container's machine and unit through systemd's own tools (machinectl, systemctl), in one
# place so that the tests follow nspawn-oci's naming rule if it changes. Runs as root where systemd
# is PID 1.
#
# The rule today: a container id that is a valid host name of at most 64 characters is the machine
# name as is; the unit is a scope whose name contains the id (nspawn-oci-<id>.scope, or
# <prefix>-<id>.scope from a systemd cgroupsPath).

import re
import subprocess
from pathlib import Path

HOSTNAME_RE = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*$")


def sh(*argv):
    return subprocess.run(argv, text=True, capture_output=True, stdin=subprocess.DEVNULL, timeout=30)


def machines():
    """Names of the machines machined knows."""
    p = sh("machinectl", "list", "--no-legend", "--no-pager")
    return [line.split()[0] for line in p.stdout.splitlines() if line.strip()]


def machine_name(cid):
    """The machine of a container: its id if that is a valid host name of at most 64 characters,
    else the one machine whose name contains the id; None if there is none."""
    names = machines()
    if len(cid) <= 64 and HOSTNAME_RE.match(cid) and cid in names:
        return cid
    found = [n for n in names if cid in n]
    return found[0] if len(found) == 1 else None


def machine_unit(name):
    p = sh("machinectl", "show", "-p", "Unit", "--value", name)
    return p.stdout.strip() or None if p.returncode == 0 else None


def scope_units(cid):
    """Loaded scope units whose name contains the id (any state)."""
    p = sh("systemctl", "list-units", "--type=scope", "--all", "--no-legend", "--plain", "--no-pager")
    return [line.split()[0] for line in p.stdout.splitlines() if line.strip() and cid in line.split()[0]]


def unit_of(cid):
    """The container's unit: the machine's unit if machined knows it, else the one scope whose name
    contains the id."""
    m = machine_name(cid)
    if m:
        u = machine_unit(m)
        if u:
            return u
    units = scope_units(cid)
    return units[0] if len(units) == 1 else None


def unit_properties(unit, *props):
    p = sh("systemctl", "show", "-p", ",".join(props), unit)
    out = {}
    for line in p.stdout.splitlines():
        k, _, v = line.partition("=")
        out[k] = v
    return out


def unit_active(unit):
    st = unit_properties(unit, "LoadState", "ActiveState")
    return st.get("LoadState") == "loaded" and st.get("ActiveState") not in ("inactive", "failed", "")


def cgroup_dirs(cid):
    """Directories under /sys/fs/cgroup whose name contains the id."""
    out = []
    for top in Path("/sys/fs/cgroup").iterdir():
        try:
            out += [str(p) for p in top.rglob(f"*{cid}*") if p.is_dir()]
        except OSError:
            pass
    return out


def mounts_with(cid):
    return [line for line in Path("/proc/self/mountinfo").read_text().splitlines() if cid in line]
