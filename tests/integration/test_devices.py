# SPDX-License-Identifier: LGPL-2.1-or-later
# Device access as linux.resources.devices says it, on cgroup v1 and v2, with and without systemd: a
# device listed in linux.devices gets its node and no access beyond the rules, except the default
# devices every runtime allows (/dev/null, zero, full, random, urandom, tty, console, ptmx, pts).
# /dev/kmsg (c 1:11) is outside that set, and opening it write-only needs no capability.

import json
import os
import stat

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


USERNS = {
    "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount", "user")],
    "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
    "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
}


def userns_device_bundle(make_bundle, builder, device, argv):
    rules = [{"allow": False, "access": "rwm"},
             {"allow": True, "type": "c", "major": device["major"], "minor": device["minor"], "access": "rwm"}]
    return make_bundle(overrides={
        "process": {"args": argv},
        "annotations": {"org.nspawn-oci.builder": builder},
        "linux": dict(USERNS, devices=[device], resources={"devices": rules})})


@pytest.mark.parametrize("builder", ["nspawn", "native"])
def test_device_in_a_user_namespace_is_the_hosts_node(rt, new_id, make_bundle, builder):
    """In a user namespace the kernel refuses mknod() of a device: the host's node at the same path is
    bound there instead, as runc does (create failed before). It is that device, owned as on the host
    (root there: nobody inside), so it opens as the host's mode and the device rules allow: /dev/kmsg,
    0644 on the host, does not open for writing even when allowed "rwm" (fileMode cannot apply to a
    bind). The annotation chooses nspawn-oci's builder; runc ignores it."""
    if not os.path.exists("/dev/kmsg"):
        pytest.skip("the host has no /dev/kmsg node to bind (the test bed, an nspawn container, has none)")
    host = os.stat("/dev/kmsg")
    b = userns_device_bundle(make_bundle, builder, KMSG,
                             ["/bin/sh", "-c", "ls -ln /dev/kmsg && /probe open-w /dev/kmsg"])
    p = rt("run", "--bundle", b.path, new_id())
    assert p.returncode == 0, p.stderr
    listing, opened = p.stdout.strip().splitlines()
    fields = listing.split()
    assert fields[0].startswith("c") and fields[4:6] == ["1,", "11"], listing
    assert fields[2] == fields[3] == "65534", listing
    assert stat.S_IMODE(host.st_mode) & 0o002 or json.loads(opened)["errno"] == 13, (listing, opened)


@pytest.mark.nspawn_only
@pytest.mark.parametrize("builder", ["nspawn", "native"])
def test_device_in_a_user_namespace_under_another_path(rt, new_id, make_bundle, builder):
    """What an engine's --device /dev/kmsg:/dev/k2 lists is the container's path: the host has the
    device under another name, and its node there is bound (runc looks only at the same path and
    fails)."""
    if not os.path.exists("/dev/kmsg"):
        pytest.skip("the host has no /dev/kmsg node to bind (the test bed, an nspawn container, has none)")
    b = userns_device_bundle(make_bundle, builder, dict(KMSG, path="/dev/k2"), ["/bin/ls", "-ln", "/dev/k2"])
    p = rt("run", "--bundle", b.path, new_id())
    assert p.returncode == 0, p.stderr
    fields = p.stdout.split()
    assert fields[0].startswith("c") and fields[4:6] == ["1,", "11"], p.stdout


@pytest.mark.nspawn_only
def test_device_in_a_user_namespace_missing_on_the_host(rt, new_id, make_bundle):
    """A device the host has no node for cannot be bound: create fails naming linux.devices, the path
    and the device, and leaves no container behind."""
    missing = dict(KMSG, path="/dev/nspawn-oci-no-such-device", minor=250)
    b = userns_device_bundle(make_bundle, "nspawn", missing, ["/probe", "exit", "0"])
    cid = new_id()
    p = rt("run", "--bundle", b.path, cid)
    assert p.returncode != 0
    assert "linux.devices: /dev/nspawn-oci-no-such-device" in p.stderr, p.stderr
    assert "no character node 1:250" in p.stderr, p.stderr
    assert cid not in rt("list", "-q").stdout.split()
