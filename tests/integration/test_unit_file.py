# SPDX-License-Identifier: LGPL-2.1-or-later
# units/nspawn-oci@.service: a bundle as a service. systemctl starts it, machinectl and systemctl show
# it, systemctl stop ends the container and removes everything of it.

import time
from pathlib import Path

import pytest

import systemd_util as su

pytestmark = [pytest.mark.systemd, pytest.mark.nspawn_only, pytest.mark.lifecycle]

TOP = Path(__file__).resolve().parents[2]
BUNDLES = Path("/var/lib/nspawn-oci/bundles")
UNIT_DIR = Path("/run/systemd/system")


def wait_for(cond, timeout=15):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.1)
    return cond()


@pytest.fixture
def unit_file(rt):
    """The template unit, with the runtime under test in place of the installed binary."""
    text = (TOP / "units" / "nspawn-oci@.service.in").read_text()
    # the service runs `RUNTIME --root ROOT …`: the test's own state directory
    text = text.replace("@BINDIR@/nspawn-oci", f"{rt.path} --root {rt.root}")
    path = UNIT_DIR / "nspawn-oci@.service"
    assert not path.exists(), f"{path} exists already"
    path.write_text(text)
    su.sh("systemctl", "daemon-reload")
    yield path
    path.unlink()
    su.sh("systemctl", "daemon-reload")


@pytest.mark.parametrize("grace", [None, 2], ids=["handles-sigterm", "ignores-sigterm"])
def test_bundle_as_a_service(rt, new_id, make_bundle, unit_file, grace):
    """systemctl stop sends SIGTERM to the container process. It is PID 1 of its pid namespace: a
    process with a handler ends, one without ignores it and is killed when TimeoutStopSec is over."""
    cid = new_id()
    b = make_bundle(args=["wait-signal"] if grace is None else ["sleep", "600"])
    BUNDLES.mkdir(parents=True, exist_ok=True)
    link = BUNDLES / cid
    link.symlink_to(b.path)
    service = f"nspawn-oci@{cid}.service"
    dropin = UNIT_DIR / f"{service}.d"
    if grace is not None:
        dropin.mkdir()
        (dropin / "grace.conf").write_text(f"[Service]\nTimeoutStopSec={grace}\n")
        su.sh("systemctl", "daemon-reload")
    try:
        p = su.sh("systemctl", "start", service)
        assert p.returncode == 0, p.stderr
        assert wait_for(lambda: su.machine_name(cid) == cid), su.machines()
        assert su.unit_active(service)
        rt.wait_status(cid, "running")
        # the container has a scope of its own, which machined records as the machine's unit
        unit = su.unit_of(cid)
        assert unit and unit.endswith(".scope") and su.unit_active(unit), unit
        status = su.sh("systemctl", "status", "--no-pager", unit)
        assert ("wait-signal" if grace is None else "sleep 600") in status.stdout, status.stdout

        started = time.monotonic()
        p = su.sh("systemctl", "stop", service)
        assert p.returncode == 0, p.stderr
        if grace is not None:
            assert time.monotonic() - started >= grace, "the container ignored SIGTERM: stop waits"
        assert wait_for(lambda: su.machine_name(cid) is None), su.machines()
        assert not su.unit_active(service)
        assert wait_for(lambda: not su.unit_active(unit))
        assert not (rt.root / cid).exists()
    finally:
        su.sh("systemctl", "stop", service)
        su.sh("systemctl", "reset-failed", service)
        if dropin.exists():
            (dropin / "grace.conf").unlink()
            dropin.rmdir()
            su.sh("systemctl", "daemon-reload")
        link.unlink()
        for d in (BUNDLES, BUNDLES.parent):
            try:
                d.rmdir()  # only when empty: what was there before stays
            except OSError:
                break
