# SPDX-License-Identifier: LGPL-2.1-or-later
# Hooks, and the plan create saved: a config.json edited after create changes nothing (as runc), and a
# failing hook is named once, by its kind and its index. Runs as root on the host.

import json

import pytest

from runtime import wait_file

pytestmark = [pytest.mark.bare, pytest.mark.systemd, pytest.mark.lifecycle]


def shell(script):
    return ["sh", "-c", script]


def test_config_edited_after_create(rt, new_id, make_bundle, work):
    """start runs the process, the environment and the hooks that create read; exec runs in the box
    create built (hostname, no seccomp filter), whatever the bundle's config.json says by then."""
    cid = new_id()
    marker = work / "hook-ran"
    b = make_bundle(args=[])
    b.config["process"]["args"] = shell("echo args=original env=$X > /out; exec sleep 600")
    b.config["process"]["env"].append("X=original")
    b.config["hostname"] = "original"
    b.config["root"]["readonly"] = False
    b.write()
    p = rt.create(cid, b.path)
    assert p.returncode == 0, p.stderr

    b.config["process"]["args"] = shell("echo args=edited > /out; exec sleep 600")
    b.config["process"]["env"] = [e for e in b.config["process"]["env"] if not e.startswith("X=")] + ["X=edited"]
    b.config["hostname"] = "edited"
    b.config["hooks"] = {"poststart": [{"path": "/bin/sh", "args": shell(f"touch {marker}")}]}
    b.config["linux"]["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}],
    }
    b.write()

    assert rt("start", cid).returncode == 0
    assert wait_file(b.rootfs / "out") == "args=original env=original\n"
    assert not marker.exists(), "a hook added after create ran"

    p = rt("exec", cid, "hostname")
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "original"
    p = rt("exec", cid, "mkdir", "/tmp/made-by-exec")
    assert p.returncode == 0, f"a seccomp profile added after create applies to exec: {p.stderr}"


@pytest.mark.nspawn_only
def test_saved_plan_explained(rt, new_id, make_bundle):
    """explain --id prints the plan the container was created with, which start follows."""
    cid = new_id()
    b = make_bundle(usr=False, args=["sleep", "600"])
    p = rt.create(cid, b.path)
    assert p.returncode == 0, p.stderr
    b.set_args("/probe", "exit", "3")

    p = rt("explain", "--format", "json", "--id", cid)
    assert p.returncode == 0, p.stderr
    plan = json.loads(p.stdout)
    assert plan["config"]["process"]["args"] == ["/probe", "sleep", "600"]
    assert plan["rootfsNeedsUsr"] is True and "usr" in plan["mountPoints"]
    assert plan["execFifo"] == "exec.fifo"
    p = rt("explain", "--id", cid)
    assert p.returncode == 0, p.stderr
    assert "image: mkdir " in p.stdout

    p = rt("explain", "--id", "no-such-container")
    assert p.returncode != 0 and "does not exist" in p.stderr


@pytest.mark.nspawn_only
def test_saved_plan_damaged(rt, new_id, make_bundle):
    """A plan.json that does not read is an error naming the file and the field, not a new plan."""
    cid = new_id()
    b = make_bundle(args=["sleep", "600"])
    assert rt.create(cid, b.path).returncode == 0
    path = rt.root / cid / "plan.json"
    plan = json.loads(path.read_text())
    plan["post"].append({"type": "chroot", "path": "/"})
    path.write_text(json.dumps(plan))

    p = rt("start", cid)
    assert p.returncode != 0
    assert f"{path}: post[{len(plan['post']) - 1}].type: unknown step kind \"chroot\"" in p.stderr, p.stderr


def failing_hooks(kind, status):
    ok = {"path": "/bin/sh", "args": shell("exit 0")}
    bad = {"path": "/bin/sh", "args": shell(f"exit {status}")}
    return {"hooks": {kind: [ok, bad]}}


@pytest.mark.nspawn_only
@pytest.mark.parametrize("kind", ["prestart", "createRuntime", "createContainer"])
def test_failing_hook_named_once(rt, new_id, make_bundle, kind):
    """The second hook of a kind fails create: one error line, with the kind and index #1."""
    cid = new_id()
    b = make_bundle(overrides=failing_hooks(kind, 3), args=["sleep", "600"])
    p = rt.create(cid, b.path)
    assert p.returncode != 0
    line = f"{kind} hook #1 (/bin/sh): exit status 3"
    assert p.stderr.count(line) == 1, p.stderr
    assert "#0" not in p.stderr, p.stderr
    assert rt("state", cid).returncode != 0, "a failed create left the container"


@pytest.mark.nspawn_only
def test_failing_poststart_hook_is_a_warning(rt, new_id, make_bundle, work):
    """A poststart hook's failure is ignored (runtime spec): one warning, the last line of the log
    (conmon shows the last one). --log: without it, a warning goes to the journal where systemd runs."""
    cid = new_id()
    b = make_bundle(overrides=failing_hooks("poststart", 4), args=["sleep", "600"])
    assert rt.create(cid, b.path).returncode == 0
    log = work / "log"
    p = rt("--log", log, "start", cid)
    assert p.returncode == 0, p.stderr
    line = "poststart hook #1 (/bin/sh): exit status 4, ignoring"
    text = log.read_text()
    assert text.count(line) == 1, text
    assert text.strip().splitlines()[-1].endswith(line), text
