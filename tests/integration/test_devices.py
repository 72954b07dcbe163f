# SPDX-License-Identifier: LGPL-2.1-or-later
# Device access as linux.resources.devices says it, on cgroup v1 and v2, with and without systemd: a
# device listed in linux.devices gets its node and no access beyond the rules, except the default
# devices every runtime allows (/dev/null, zero, full, random, urandom, tty, console, ptmx, pts).
# /dev/kmsg (c 1:11) is outside that set, and opening it write-only needs no capability.

import json

import pytest

pytestmark = [pytest.mark.bare, pytest.mark.systemd, pytest.mark.lifecycle]


KMSG = {"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11, "fileMode": 0o666, "uid": 0, "gid": 0}


def device_bundle(make_bundle, access, args):
    rules = [{"allow": False, "access": "rwm"}]
    if access:
        rules.append({"allow": True, "type": "c", "major": 1, "minor": 11, "access": access})
    return make_bundle(args=args, overrides={"linux": {"devices": [KMSG], "resources": {"devices": rules}}})


@pytest.mark.parametrize("access,writable", [("r", False), ("rm", False), ("rwm", True), ("w", True),
                                             (None, False)])
def test_device_access_modes(rt, new_id, make_bundle, access, writable):
    """A device listed in linux.devices opens only as linux.resources.devices allows it: allowed "r" it
    does not open for writing, "rwm" or "w" it does, with no rule it does not (EPERM from the device
    controller). /dev/kmsg is outside the defaults that every runtime allows, and opening it write-only
    needs no capability (reading it does: CAP_SYSLOG under dmesg_restrict)."""
    b = device_bundle(make_bundle, access, ["open-w", "/dev/kmsg"])
    p = rt("run", "--bundle", b.path, new_id())
    assert p.returncode == 0, p.stderr
    w = json.loads(p.stdout)
    assert w["errno"] == (0 if writable else 1), w


def test_device_made_with_mknod_under_deny_all_is_denied(rt, new_id, make_bundle):
    """Under deny-all a node the container makes itself, with CAP_MKNOD, does not open."""
    caps = ["CAP_MKNOD", "CAP_DAC_OVERRIDE"]
    b = make_bundle(args=["mknod", "/dev/k", "open-w", "/dev/k"],
                    overrides={"process": {"capabilities": {k: caps for k in
                                                            ("bounding", "effective", "permitted")}},
                               "linux": {"resources": {"devices": [{"allow": False, "access": "rwm"}]}}})
    p = rt("run", "--bundle", b.path, new_id())
    assert p.returncode == 0, p.stderr
    made, opened = map(json.loads, p.stdout.splitlines())
    assert made["errno"] == 0, f"mknod itself failed: {made}"
    assert opened["errno"] == 1, opened


@pytest.mark.parametrize("resources", [{"devices": None}, None],
                         ids=["no-device-rules", "no-linux-resources"])
def test_no_device_rules_deny_all_but_the_defaults(rt, new_id, make_bundle, resources):
    """Without device rules (none in linux.resources, or no linux.resources at all) every device is
    denied but the defaults, as runc starts its rules: a listed /dev/kmsg does not open for writing,
    /dev/zero (a default) does."""
    b = make_bundle(args=["open-w", "/dev/kmsg", "open-w", "/dev/zero"],
                    overrides={"linux": {"devices": [KMSG], "resources": resources}})
    cfg = json.loads((b.path / "config.json").read_text())
    assert "devices" not in cfg["linux"].get("resources", {}), cfg["linux"]
    p = rt("run", "--bundle", b.path, new_id())
    assert p.returncode == 0, p.stderr
    kmsg, zero = map(json.loads, p.stdout.splitlines())
    assert kmsg["errno"] == 1, kmsg
    assert zero["errno"] == 0, zero
