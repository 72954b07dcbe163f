# SPDX-License-Identifier: LGPL-2.1-or-later
# linux.seccomp as the container process sees it: errnoRet, argument conditions, podman's and
# CRI-O's default profiles (i386 calls too), the notify listener handed to listenerPath with the
# container process state, and (nspawn-oci's own) the compiled filter cached by content under the
# state root.

import errno
import json
import os
import secrets
import socket

import pytest

import paths

pytestmark = [pytest.mark.bare, pytest.mark.systemd, pytest.mark.lifecycle]

ARCHES = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]


def lines(p):
    assert p.returncode == 0, p.stderr
    return [json.loads(x) for x in p.stdout.splitlines()]


def test_errno_ret_enosys(rt, new_id, make_bundle):
    b = make_bundle(overrides={"root": {"readonly": False}, "linux": {"seccomp": {
        "defaultAction": "SCMP_ACT_ALLOW", "architectures": ARCHES,
        "syscalls": [{"names": ["mkdir", "mkdirat", "no_such_syscall"], "action": "SCMP_ACT_ERRNO",
                      "errnoRet": 38}]}}},
        args=["mkdir", "/blocked", "open", "/probe"])
    out = lines(rt("run", "--bundle", b.path, new_id()))
    assert out[0]["errno"] == errno.ENOSYS
    assert out[1]["errno"] == 0
    assert not (b.rootfs / "blocked").exists()


def test_argument_conditions(rt, new_id, make_bundle):
    """A rule with args matches only the calls whose arguments match: unshare(CLONE_NEWUTS) is
    refused, unshare(0) is not looked at (and fails for want of nothing)."""
    b = make_bundle(overrides={"linux": {"seccomp": {
        "defaultAction": "SCMP_ACT_ALLOW", "architectures": ARCHES,
        "syscalls": [{"names": ["unshare"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
                      "args": [{"index": 0, "value": 0x04000000, "valueTwo": 0x04000000,
                                "op": "SCMP_CMP_MASKED_EQ"}]},
                     {"names": ["sethostname"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
                      "args": [{"index": 1, "value": 4, "op": "SCMP_CMP_NE"}]}]}},
        "process": {"capabilities": {"bounding": ["CAP_SYS_ADMIN"], "permitted": ["CAP_SYS_ADMIN"],
                                     "effective": ["CAP_SYS_ADMIN"], "ambient": None}}},
        args=["syscall", "unshare", "syscall", "sethostname"])
    out = lines(rt("run", "--bundle", b.path, new_id()))
    assert out[0]["errno"] == errno.EACCES
    # sethostname("probe", 5): length 5 != 4, refused with EINVAL
    assert out[1]["errno"] == errno.EINVAL


def podman_seccomp():
    return json.loads((paths.FIXTURES / "podman-run-default.json").read_text())["linux"]["seccomp"]


def test_podman_default_profile(rt, new_id, make_bundle):
    """podman's default profile: what it names gets EPERM, what it does not name gets its default
    ERRNO 38 (ENOSYS), ordinary calls work. CAP_SYS_ADMIN is given so that only seccomp refuses."""
    caps = ["CAP_SYS_ADMIN", "CAP_CHOWN", "CAP_SETUID", "CAP_SETGID"]
    b = make_bundle(overrides={
        "root": {"readonly": False},
        "linux": {"seccomp": podman_seccomp()},
        "process": {"capabilities": {"bounding": caps, "permitted": caps, "effective": caps,
                                     "ambient": None}}},
        args=["syscall", "sethostname", "syscall", "add_key", "syscall", "unshare", "mkdir", "/tmp/ok",
              "report"])
    p = rt("run", "--bundle", b.path, new_id())
    assert p.returncode == 0, p.stderr
    out = p.stdout.splitlines()
    assert json.loads(out[0])["errno"] == errno.EPERM     # named: SCMP_ACT_ERRNO errnoRet 1
    assert json.loads(out[1])["errno"] == errno.ENOSYS    # not named: the default action
    assert json.loads(out[2])["errno"] == 0               # allowed
    assert json.loads(out[3])["errno"] == 0
    assert json.loads("\n".join(out[4:]))["seccomp"] == 2


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="int $0x80 is an x86-64 matter")
def test_podman_default_profile_i386(rt, new_id, make_bundle):
    """podman's profile lists SCMP_ARCH_X86 and SCMP_ARCH_X32 besides SCMP_ARCH_X86_64: a 64-bit
    process that enters the kernel through int $0x80 makes i386 system calls, and the profile's
    rules hold for them too. The process is not killed. CAP_SYS_PACCT is given so that only
    seccomp refuses acct(NULL)."""
    caps = ["CAP_SYS_PACCT"]
    b = make_bundle(overrides={
        "linux": {"seccomp": podman_seccomp()},
        "process": {"capabilities": {"bounding": caps, "permitted": caps, "effective": caps,
                                     "ambient": None}}},
        args=["syscall32", "getpid", "syscall32", "write", "syscall32", "acct", "syscall32", "add_key",
              "exit", "0"])
    p = rt("run", "--bundle", b.path, new_id())
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    out = p.stdout.splitlines()
    assert json.loads(out[0])["errno"] == 0                   # allowed
    assert json.loads(out[0])["value"] > 0
    assert out[1] == "i386 write"                             # allowed, and the bytes came out
    assert json.loads(out[2]) == {"errno": 0, "value": len("i386 write\n")}
    assert json.loads(out[3])["errno"] == errno.EPERM         # named: SCMP_ACT_ERRNO errnoRet 1
    assert json.loads(out[4])["errno"] == errno.ENOSYS        # not named: the default action


def test_conditions_on_one_argument_ored(rt, new_id, make_bundle):
    """Two conditions on the same argument make two rules, as runc and crun make them: a call that
    matches either is allowed. podman's profile with its five personality rules replaced by one
    rule for personality(PER_LINUX) or personality(0xffffffff) (the query)."""
    prof = podman_seccomp()
    prof["syscalls"] = [r for r in prof["syscalls"] if r["names"] != ["personality"]]
    prof["syscalls"].append({"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [
        {"index": 0, "value": 0, "op": "SCMP_CMP_EQ"},
        {"index": 0, "value": 0xffffffff, "op": "SCMP_CMP_EQ"}]})
    b = make_bundle(overrides={"linux": {"seccomp": prof}},
                    args=["personality", "0xffffffff", "personality", "0", "personality", "8"])
    out = lines(rt("run", "--bundle", b.path, new_id()))
    assert out[0]["errno"] == 0
    assert out[1]["errno"] == 0
    assert out[2]["errno"] == errno.ENOSYS    # PER_LINUX32 matches neither: the default action


def crio_seccomp():
    return json.loads((paths.FIXTURES / "crio-security-context.json").read_text())["linux"]["seccomp"]


# The namespace flags CRI-O's profile refuses for clone, seven conditions on argument 0
CLONE_NEW = {"NEWNS": 0x00020000, "NEWUTS": 0x04000000, "NEWIPC": 0x08000000, "NEWUSER": 0x10000000,
             "NEWPID": 0x20000000, "NEWNET": 0x40000000, "NEWCGROUP": 0x02000000}


def test_crio_default_profile(rt, new_id, make_bundle):
    """CRI-O's RuntimeDefault profile, as CRI-O hands it over. Its clone rule has seven conditions
    on argument 0, ORed: each namespace flag alone is refused with EPERM, a plain fork is allowed.
    Its socket rule has conditions on arguments 0 and 2, ANDed: socket(AF_NETLINK, SOCK_RAW,
    NETLINK_AUDIT) is refused with EINVAL, protocol 9 in another domain is left to the kernel
    (EPROTONOSUPPORT). CAP_SYS_ADMIN is given so that only seccomp refuses the namespaces."""
    caps = ["CAP_SYS_ADMIN"]
    args = []
    for flag in CLONE_NEW.values():
        args += ["clone", hex(flag)]
    args += ["clone", "0", "socket", "16,3,9", "socket", "1,1,9"]
    b = make_bundle(overrides={
        "linux": {"seccomp": crio_seccomp()},
        "process": {"capabilities": {"bounding": caps, "permitted": caps, "effective": caps,
                                     "ambient": None}}},
        args=args)
    out = lines(rt("run", "--bundle", b.path, new_id()))
    for i, name in enumerate(CLONE_NEW):
        assert out[i]["errno"] == errno.EPERM, f"clone(CLONE_{name})"
    assert out[7]["errno"] == 0
    assert out[8]["errno"] == errno.EINVAL
    assert out[9]["errno"] == errno.EPROTONOSUPPORT


NOTIFY_SECCOMP = {
    "defaultAction": "SCMP_ACT_ALLOW", "architectures": ARCHES,
    "listenerMetadata": "probe-metadata",
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}],
}


def agent_socket(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(path))
    s.listen(4)
    s.settimeout(20)
    return s


def agent_receive(srv):
    """What a seccomp agent gets: the container process state and the listener fd."""
    conn, _ = srv.accept()
    with conn:
        msg, fds, _, _ = socket.recv_fds(conn, 65536, 4)
    assert len(fds) == 1
    try:
        target = os.readlink(f"/proc/self/fd/{fds[0]}")
    finally:
        for fd in fds:
            os.close(fd)
    return json.loads(msg), target


def test_notify_listener(rt, new_id, make_bundle, work):
    sock = work / "agent.sock"
    srv = agent_socket(sock)
    try:
        b = make_bundle(overrides={"linux": {"seccomp": dict(NOTIFY_SECCOMP, listenerPath=str(sock))}},
                        args=["sleep", "600"])
        cid = new_id()
        pid_file = work / "pid"
        p = rt.create(cid, b.path, pid_file=pid_file)
        assert p.returncode == 0, p.stderr
        state, target = agent_receive(srv)
        assert target == "anon_inode:seccomp notify"
        assert state["fds"] == ["seccompFd"]
        assert state["metadata"] == "probe-metadata"
        assert state["pid"] == int(pid_file.read_text())
        assert state["state"]["id"] == cid
        assert state["state"]["status"] == "creating"
        assert state["state"]["pid"] == state["pid"]
        assert state["state"]["bundle"] == str(b.path)
        assert "ociVersion" in state

        assert rt("start", cid).returncode == 0
        rt.wait_status(cid, "running")
        # exec gets a filter of its own, and its listener goes to the agent too
        exec_pid = work / "exec.pid"
        p = rt("exec", "--detach", "--pid-file", exec_pid, cid, "/probe", "sleep", "600")
        assert p.returncode == 0, p.stderr
        state, target = agent_receive(srv)
        assert target == "anon_inode:seccomp notify"
        assert state["pid"] == int(exec_pid.read_text())
        assert state["state"]["id"] == cid
        assert state["state"]["status"] == "running"
    finally:
        srv.close()


@pytest.mark.nspawn_only
def test_filter_cached(rt, new_id, make_bundle, work):
    """The compiled filter is kept under the state root by content: a second container with the same
    profile starts without libseccomp compiling it again."""
    prof = podman_seccomp()
    # a profile no other test uses, so that the first container must compile it
    prof["syscalls"].append({"names": ["acct"], "action": "SCMP_ACT_ERRNO",
                             "errnoRet": 100 + secrets.randbelow(20)})
    logs = []
    for i in range(2):
        b = make_bundle(overrides={"linux": {"seccomp": prof}}, args=["exit", "0"])
        log = work / f"log{i}"
        p = rt("--debug", "--log", log, "run", "--bundle", b.path, new_id())
        assert p.returncode == 0, p.stderr
        logs.append(log.read_text())
    assert "seccomp: compiled filter" in logs[0], logs[0]
    assert "seccomp: using cached filter" not in logs[0]
    assert "seccomp: using cached filter" in logs[1], logs[1]
    assert "seccomp: compiled filter" not in logs[1]
