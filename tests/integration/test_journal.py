# SPDX-License-Identifier: LGPL-2.1-or-later
# The runtime's messages in the journal, where systemd runs and no --log is given, with the
# container's fields. nspawn-oci's own behaviour.

import json
import subprocess
import time

import pytest

from bundle import RUNC_SPEC

pytestmark = [pytest.mark.nspawn_only, pytest.mark.lifecycle]


def journal(**match):
    """The entries whose fields match, oldest first (journald may take a moment to have them)."""
    argv = ["journalctl", "-o", "json", "--no-pager", *(f"{k}={v}" for k, v in match.items())]
    subprocess.run(["journalctl", "--sync"], capture_output=True, timeout=30)
    p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert p.returncode in (0, 1), p.stderr  # 1: no entries (systemd 252)
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


@pytest.mark.systemd
def test_messages_go_to_the_journal(rt, new_id):
    """Without --log the runtime's messages go to the journal, with the container's fields; an error
    also stays one line on stderr, where the caller looks for it."""
    cid = new_id()
    p = rt("state", cid)
    assert p.returncode == 1 and p.stderr.strip() == f"nspawn-oci: container {cid} does not exist", p.stderr
    end = time.monotonic() + 10
    while not (found := journal(CONTAINER_ID=cid)) and time.monotonic() < end:
        time.sleep(0.2)
    assert [(e["MESSAGE"], e["PRIORITY"]) for e in found] == [(f"container {cid} does not exist", "3")], found
    assert found[0]["SYSLOG_IDENTIFIER"] == "nspawn-oci"
    assert found[0]["ERRNO"] == "2" and found[0]["CODE_FUNC"] == "log_no_such_container", found[0]


@pytest.mark.systemd
def test_warnings_go_to_the_journal_not_stderr(rt, new_id, make_bundle):
    """A warning of create goes to the journal with the container's fields, not to the stderr conmon
    would hand to the container's log."""
    cid = new_id()
    mounts = RUNC_SPEC["mounts"] + [{"destination": "/mnt", "type": "ramfs", "source": "ramfs"}]
    b = make_bundle(overrides={"mounts": mounts}, args=["sleep", "600"])
    p = rt.create(cid, b.path)
    assert (p.returncode, p.stderr) == (0, ""), p.stderr
    end = time.monotonic() + 10
    while not (found := journal(CONTAINER_ID=cid, PRIORITY=4)) and time.monotonic() < end:
        time.sleep(0.2)
    assert len(found) == 1 and "not handled yet" in found[0]["MESSAGE"], found
    e = found[0]
    assert (e["CONTAINER_NAME"], e["OCI_BUNDLE"], e["SYSLOG_IDENTIFIER"]) == (cid, str(b.path), "nspawn-oci"), e
    assert e["UNIT"].endswith(".scope") and cid in e["UNIT"], e
