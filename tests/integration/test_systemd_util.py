# SPDX-License-Identifier: LGPL-2.1-or-later
# The test bed's own check where systemd is PID 1: a container of the shape nspawn-oci makes (nspawn
# with --keep-unit in a delegated scope carrying resource properties) is found by systemd_util,
# with the property values the nspawn-oci tests expect, and nothing of it remains once it ends.
# Independent of RUNTIME.

import subprocess
import time

import pytest

import systemd_util as su

pytestmark = [pytest.mark.systemd]


def test_helpers_find_nspawn_machine_and_scope(new_id, make_bundle):
    cid = new_id("su")
    b = make_bundle()
    unit = f"nspawn-oci-{cid}.scope"
    p = subprocess.Popen(
        ["systemd-run", "--quiet", "--scope", f"--unit={unit}", "-p", "Delegate=yes",
         "-p", "MemoryMax=64M", "-p", "TasksMax=50", "-p", "CPUQuota=50%",
         "systemd-nspawn", "--quiet", "--keep-unit", "--register=yes", "-M", cid, "-D", b.rootfs,
         "--resolv-conf=off", "--timezone=off", "--link-journal=no", "--console=pipe",
         "/probe", "sleep", "600"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(200):
            if su.machine_name(cid) or p.poll() is not None:
                break
            time.sleep(0.05)
        assert su.machine_name(cid) == cid, p.stderr.read() if p.poll() is not None else su.machines()
        assert su.machine_unit(cid) == unit
        assert su.unit_of(cid) == unit
        assert su.scope_units(cid) == [unit]
        assert su.unit_active(unit)
        assert su.unit_properties(unit, "MemoryMax", "TasksMax", "CPUQuotaPerSecUSec") == {
            "MemoryMax": str(64 * 1024 * 1024), "TasksMax": "50", "CPUQuotaPerSecUSec": "500ms"}
        assert su.cgroup_dirs(cid), "the scope has no cgroup"

        assert su.sh("machinectl", "terminate", cid).returncode == 0
        p.wait(timeout=20)
        for _ in range(100):
            if su.machine_name(cid) is None and not su.unit_active(unit) and not su.cgroup_dirs(cid):
                break
            time.sleep(0.05)
        assert su.machine_name(cid) is None
        assert not su.unit_active(unit)
        assert su.scope_units(cid) == []
        assert su.cgroup_dirs(cid) == []
        assert su.mounts_with(cid) == []
    finally:
        if p.poll() is None:
            su.sh("systemctl", "kill", "-s", "KILL", unit)
            p.wait(timeout=20)
        p.stderr.close()
