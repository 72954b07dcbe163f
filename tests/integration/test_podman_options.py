# SPDX-License-Identifier: LGPL-2.1-or-later
# podman's run options through the runtime: each option must reach the container, and the container
# must see its effect. Runs as root, with podman 4.3.1 and the busybox image of test_podman.py.

import re
import subprocess
from pathlib import Path

import pytest

import paths
from conftest import MODE, TAG
from test_podman import IMAGE, podman  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.bare, pytest.mark.systemd, pytest.mark.lifecycle, pytest.mark.podman]


def run(podman, *opts, cmd):
    p = podman(*podman.run_args(), *opts, IMAGE, "sh", "-c", cmd)
    assert p.returncode == 0, f"podman run {' '.join(opts)}: {p.stderr}"
    return p.stdout


def test_podman_sysctl(podman):
    out = run(podman, "--sysctl", "kernel.shm_rmid_forced=1", "--sysctl", "net.ipv4.ip_default_ttl=42",
              cmd="cat /proc/sys/kernel/shm_rmid_forced /proc/sys/net/ipv4/ip_default_ttl")
    assert out.split() == ["1", "42"]


def test_podman_device(podman):
    out = run(podman, "--device", "/dev/null:/dev/e2enull", cmd="ls -l /dev/e2enull; echo x > /dev/e2enull")
    assert re.match(r"^crw-rw-rw-\s+1\s+root\s+root\s+1,\s+3\s.*/dev/e2enull$", out.strip()), out


def test_podman_read_only(podman):
    p = podman(*podman.run_args(), "--read-only", IMAGE, "sh", "-c",
               "touch /x; echo rc=$?; touch /tmp/x && echo tmp-ok; touch /run/x && echo run-ok")
    assert p.returncode == 0, p.stderr
    assert "rc=1" in p.stdout and "Read-only file system" in p.stderr + p.stdout
    # podman --read-only keeps /tmp, /run, /var/tmp writable (--read-only-tmpfs, the default)
    assert "tmp-ok" in p.stdout and "run-ok" in p.stdout


def test_podman_tmpfs(podman):
    out = run(podman, "--tmpfs", "/scratch:rw,size=1m,mode=1777",
              cmd="grep ' /scratch ' /proc/mounts; stat -c %a /scratch")
    line, mode = out.strip().splitlines()
    fields = line.split()
    assert fields[2] == "tmpfs", line
    opts = fields[3].split(",")
    assert "size=1024k" in opts and "rw" in opts, line
    assert mode == "1777"


def test_podman_uidmap(podman):
    out = run(podman, "--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536",
              cmd="cat /proc/self/uid_map /proc/self/gid_map; id -u")
    lines = [line.split() for line in out.strip().splitlines()]
    assert lines[0] == ["0", "100000", "65536"]
    assert lines[1] == ["0", "100000", "65536"]
    assert lines[2] == ["0"]


def test_podman_uidmap_several_ranges(podman):
    """Two uid ranges and a gid range of another size: systemd-nspawn cannot map them, the native
    builder does (with runc, the kernel does as it is told)."""
    out = run(podman, "--uidmap", "0:100000:1000", "--uidmap", "1000:200000:1000", "--gidmap", "0:300000:2000",
              cmd="cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g; echo $$")
    lines = [line.split() for line in out.strip().splitlines()]
    assert lines[:3] == [["0", "100000", "1000"], ["1000", "200000", "1000"], ["0", "300000", "2000"]]
    assert lines[3:] == [["0"], ["0"], ["1"]]


@pytest.mark.nspawn_only
def test_podman_uidmap_device(podman):
    """--device with --uidmap: in a user namespace the host's node is bound, found by its number where
    the container's path is another (runc binds only the same path, /dev/e2enull here, and fails)."""
    out = run(podman, "--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536",
              "--device", "/dev/null:/dev/e2enull", cmd="ls -ln /dev/e2enull; echo x > /dev/e2enull")
    fields = out.split()
    assert fields[0] == "crw-rw-rw-" and fields[4:6] == ["1,", "3"], out


def container_pid(podman, name):
    p = podman("inspect", "--format", "{{.State.Pid}}", name)
    assert p.returncode == 0, p.stderr
    return int(p.stdout.strip())


def cgroup_of(pid, controller):
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, ctrls, path = line.split(":", 2)
        if controller in ctrls.split(","):
            return path
    raise AssertionError(f"no {controller} cgroup for {pid}")


def unit_property(pid, prop):
    # the container's scope: the process may sit in a sub-cgroup of it (nspawn's payload); the
    # name=systemd hierarchy on v1 and hybrid hosts, the unified one ("0::") on pure v2 hosts
    try:
        path = cgroup_of(pid, "name=systemd")
    except AssertionError:
        path = cgroup_of(pid, "")
    unit = next(part for part in reversed(path.split("/")) if part.endswith(".scope"))
    p = subprocess.run(["systemctl", "show", "-p", prop, "--value", unit], text=True, capture_output=True)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


def test_podman_resources(podman):
    name = f"res-{TAG}"
    p = podman(*podman.run_args(), "-d", "--name", name, "--memory", "64m", "--cpus", "0.5",
               "--pids-limit", "77", IMAGE, "sleep", "120")
    assert p.returncode == 0, p.stderr
    try:
        pid = container_pid(podman, name)
        if MODE == "systemd":
            if paths.runtime_kind(paths.runtime()) != "nspawn-oci":
                pytest.skip("on cgroup v1 runc and crun write the limits to cgroupfs, not to the unit, and "
                            "the test bed's systemd does not manage the v1 controllers")
            assert unit_property(pid, "MemoryMax") == str(64 << 20)
            assert unit_property(pid, "TasksMax") == "77"
            assert unit_property(pid, "CPUQuotaPerSecUSec") == "500ms"
        else:
            mem = Path("/sys/fs/cgroup/memory") / cgroup_of(pid, "memory").lstrip("/")
            pids = Path("/sys/fs/cgroup/pids") / cgroup_of(pid, "pids").lstrip("/")
            cpu = Path("/sys/fs/cgroup/cpu") / cgroup_of(pid, "cpu").lstrip("/")
            # the process may sit in a sub-cgroup; the limit is on the container's cgroup or above
            def up(d, f):
                while not (d / f).exists() or (d / f).read_text().strip() in ("max", "9223372036854771712",
                                                                             "-1"):
                    assert d != d.parent, f"no limit in {f}"
                    d = d.parent
                return (d / f).read_text().strip()
            assert up(mem, "memory.limit_in_bytes") == str(64 << 20)
            assert up(pids, "pids.max") == "77"
            assert up(cpu, "cpu.cfs_quota_us") == "50000"
    finally:
        podman("rm", "-f", "-t", "0", name)


def test_podman_pod(podman):
    pod = f"pod-{TAG}"
    # the image's sleep as the pod's infra container: podman's own pause image needs catatonit
    a = podman("pod", "create", "--name", pod, "--network", "none", "--share", "net,ipc,uts",
               "--infra-image", IMAGE, "--infra-command", "sleep 1000",
               *([] if MODE == "systemd" else ["--cgroup-parent", podman.cgroup_parent]))
    assert a.returncode == 0, a.stderr
    try:
        first = podman("run", "-d", "--pod", pod, "--name", f"{pod}-a", IMAGE, "sleep", "120")
        assert first.returncode == 0, first.stderr
        pid = container_pid(podman, f"{pod}-a")
        out = podman("run", "--rm", "--pod", pod, IMAGE, "sh", "-c",
                     "for n in net ipc uts; do readlink /proc/self/ns/$n; done; hostname")
        assert out.returncode == 0, out.stderr
        lines = out.stdout.split()
        for ns, seen in zip(("net", "ipc", "uts"), lines):
            assert seen == str(Path(f"/proc/{pid}/ns/{ns}").readlink()), ns
        assert lines[3] == pod
    finally:
        podman("pod", "rm", "-f", "-t", "0", pod)


def mount_flags(out):
    return {line.split()[1]: line.split()[3].split(",") for line in out.strip().splitlines()}


def cgroup_mount_flags(out):
    """The flags of the cgroup file systems: each v1 hierarchy below /sys/fs/cgroup, or the cgroup2 on
    /sys/fs/cgroup itself (pure v2 hosts)."""
    fields = [line.split() for line in out.strip().splitlines()]
    return [f[3].split(",") for f in fields
            if f[1].startswith("/sys/fs/cgroup/") or (f[1] == "/sys/fs/cgroup" and f[2] == "cgroup2")]


def test_podman_mount_flags(podman):
    # podman asks /sys and /sys/fs/cgroup read-only (the cgroup hierarchies below it too), /dev noexec;
    # --privileged asks them writable
    # the cgroup file systems: each v1 hierarchy below /sys/fs/cgroup, or cgroup2 on it (v2 hosts)
    out = run(podman, cmd="grep -E ' /(dev|sys|sys/fs/cgroup|sys/fs/cgroup/[^ ]+) ' /proc/mounts")
    flags = mount_flags(out)
    cgroups = cgroup_mount_flags(out)
    assert "ro" in flags["/sys"] and cgroups and all("ro" in f for f in cgroups), out
    assert "noexec" in flags["/dev"] and "nosuid" in flags["/dev"], out
    out = run(podman, "--privileged", cmd="grep -E ' /(sys|sys/fs/cgroup|sys/fs/cgroup/[^ ]+) ' /proc/mounts")
    flags = mount_flags(out)
    cgroups = cgroup_mount_flags(out)
    assert "rw" in flags["/sys"] and cgroups and all("rw" in f for f in cgroups), out


def test_podman_init_is_pid1(podman):
    """`podman run --init`: podman's init (catatonit) is PID 1 of the container, the command its child."""
    if not Path("/usr/libexec/podman/catatonit").exists():
        pytest.skip("podman's init is not installed (Debian package catatonit)")
    out = run(podman, "--init", cmd="tr '\\0' ' ' </proc/1/cmdline; echo; echo $$")
    init, own = out.strip().splitlines()
    assert init.split()[0] == "/run/podman-init", out
    assert own != "1"


def test_podman_exec_top_stop(podman):
    """The container's process is PID 1: `podman exec` lands in its pid namespace, `podman top` shows
    it and nothing of the runtime's, and `podman stop` has to kill it (no SIGTERM handler)."""
    name = f"pid1-{TAG}"
    keep = [a for a in podman.run_args() if a != "--rm"]  # the exit code stays to be read
    p = podman(*keep, "-d", "--name", name, IMAGE, "sleep", "600")
    assert p.returncode == 0, p.stderr
    try:
        e = podman("exec", name, "sh", "-c", "readlink /proc/1/ns/pid; readlink /proc/self/ns/pid; "
                   "tr '\\0' ' ' </proc/1/cmdline; echo")
        assert e.returncode == 0, e.stderr
        ns1, own, cmd = e.stdout.strip().splitlines()
        assert ns1 == own and cmd.strip() == "sleep 600", e.stdout
        t = podman("top", name, "pid", "args")
        assert t.returncode == 0, t.stderr
        rows = [line.split(None, 1) for line in t.stdout.strip().splitlines()[1:]]
        assert rows == [["1", "sleep 600"]], t.stdout
        s = podman("stop", "-t", "1", name)
        assert s.returncode == 0, s.stderr
        code = podman("inspect", "-f", "{{.State.ExitCode}}", name).stdout.strip()
        assert code == "137", f"sleep as PID 1 should ignore SIGTERM and be killed, exit code {code}"
    finally:
        podman("rm", "-f", "-t", "0", name)


def test_podman_pod_shared_pid(podman):
    """A pod sharing its pid namespace: the members join the infra container's by path and see its
    process as PID 1."""
    pod = f"pidpod-{TAG}"
    a = podman("pod", "create", "--name", pod, "--network", "none", "--share", "pid,ipc,uts",
               "--infra-image", IMAGE, "--infra-command", "sleep 1000",
               *([] if MODE == "systemd" else ["--cgroup-parent", podman.cgroup_parent]))
    assert a.returncode == 0, a.stderr
    try:
        out = podman("run", "--rm", "--pod", pod, IMAGE, "sh", "-c", "tr '\\0' ' ' </proc/1/cmdline; echo; echo $$")
        assert out.returncode == 0, out.stderr
        init, own = out.stdout.strip().splitlines()
        assert init.strip() == "sleep 1000", out.stdout
        assert own != "1"
    finally:
        podman("pod", "rm", "-f", "-t", "0", pod)
