# SPDX-License-Identifier: LGPL-2.1-or-later
# containerd (1.6.20, Debian 12's) drives the runtime through its io.containerd.runc.v2 shim, as Docker
# and Kubernetes do: `ctr run --runc-binary RUNTIME`. A private containerd (containerd.py) with a busybox
# image imported from a tarball; no registry, no CNI. The shim calls create, start, state, exec, ps,
# kill, pause, resume and delete, reaps the container process from the pid file, and reads the
# metrics from the process's cgroup.

import errno
import json
import os
import pty
import secrets
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest

import systemd_util as su
from bundle import make_rootfs
from conftest import MODE, TAG, ids_removed_by, remove_cgroup_tree, safe_rmtree
from containerd import DEFAULT_PLACES, SHIM_SOCKET_DIR, Containerd, make_oci_archive, shim_processes
from runtime import Runtime, host_ns, pid_alive, processes_with
from leftovers import leftovers

pytestmark = [pytest.mark.bare, pytest.mark.systemd, pytest.mark.lifecycle, pytest.mark.containerd]

IMAGE = "localhost/noci-busybox:latest"
# the same image with a non-root USER in its config, as a Dockerfile's USER gives it
IMAGE_USER = "localhost/noci-busybox:user"


class Ctr:
    """The private containerd and the flags that make `ctr run` use the runtime under test."""

    def __init__(self, rt, d):
        self.rt = rt
        self.dir = d
        # every cgroup ctr names in the cgroupfs form (/NAMESPACE/ID) carries the run's tag
        self.namespace = f"noci-{TAG}"
        self.cd = Containerd(d / "containerd", self.namespace)
        # the runtime's --root, as the shim passes it: --runc-root plus the namespace
        self.runtime_root = d / "rtroot"
        self.state = Runtime(rt.path, self.runtime_root / self.namespace)
        self.snapshotter = "native"

    def pick_snapshotter(self):
        """overlayfs, as Docker and Kubernetes use, where an overlay can be mounted with its upper
        directory in containerd's root; else native (in tools/testbed.py that root lies on an
        overlay, and containerd's plugin reports overlayfs "ok" there all the same)."""
        t = self.dir / "overlay-try"
        for sub in ("lower", "upper", "work", "merged"):
            (t / sub).mkdir(parents=True)
        p = subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                            f"lowerdir={t}/lower,upperdir={t}/upper,workdir={t}/work", f"{t}/merged"],
                           capture_output=True, text=True)
        if p.returncode == 0:
            subprocess.run(["umount", f"{t}/merged"], check=True)
            self.snapshotter = "overlayfs"
        safe_rmtree(t)

    def run_flags(self, cid):
        a = ["--fifo-dir", self.cd.fifo_dir, "--snapshotter", self.snapshotter,
             "--runc-binary", self.rt.path, "--runc-root", self.runtime_root]
        if MODE == "systemd":
            # as Docker and Kubernetes run on a systemd host: the systemd cgroup driver
            a += ["--runc-systemd-cgroup", "--cgroup", f"system.slice:ctr:{cid}"]
        return a

    def run(self, cid, *args, image=IMAGE, flags=(), **kw):
        """`ctr run --rm [flags] IMAGE ID ARGS...` in the foreground."""
        return self.cd.ctr("run", "--rm", *self.run_flags(cid), *flags, image, cid, *args, **kw)

    def run_while(self, cid, args, action, stdin=None):
        """`ctr run --rm IMAGE ID ARGS...` in the foreground: action(popen) runs while it does, then
        stdin (a string) is written and closed. Returns (exit code, stdout, stderr)."""
        p = self.cd.popen("run", "--rm", *self.run_flags(cid), IMAGE, cid, *args,
                          stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            action(p)
            out, err = p.communicate(stdin, timeout=30)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        return p.returncode, out, err

    def run_detached(self, cid, *args, image=IMAGE, flags=()):
        self.cd.check("run", "-d", *self.run_flags(cid), *flags, image, cid, *args)
        return self.wait_task(cid, "RUNNING")

    def tasks(self):
        """{id: (pid, status)} from `ctr task ls`."""
        out = {}
        for line in self.cd.check("tasks", "ls").splitlines()[1:]:
            f = line.split()
            if len(f) == 3:
                out[f[0]] = (int(f[1]), f[2])
        return out

    def wait_task(self, cid, status, timeout=20):
        """Waits until the task has the status; returns its pid."""
        end = time.monotonic() + timeout
        seen = None
        while time.monotonic() < end:
            seen = self.tasks().get(cid)
            if seen and seen[1] == status:
                return seen[0]
            time.sleep(0.05)
        raise AssertionError(f"task {cid}: {seen}, expected {status} within {timeout}s")

    def remove(self, cid):
        """Best effort, for a test that failed half way."""
        if cid in self.tasks():
            self.cd.ctr("tasks", "kill", "--all", "--signal", "SIGKILL", cid)
            self.cd.ctr("tasks", "delete", "--force", cid)
        self.cd.ctr("containers", "delete", cid)

    def bundle_dir(self, cid):
        return self.cd.dir / "state" / "io.containerd.runtime.v2.task" / self.namespace / cid


@pytest.fixture(scope="module")
def ctr(rt, base):
    if not (shutil.which("containerd") and shutil.which("ctr")):
        # tools/install-deps.sh installs it; the cgroup v2 machine's image has none
        pytest.skip("containerd is not installed (Debian package containerd)")
    d = base / "ctr"
    d.mkdir()
    existed = {p: p.exists() for p in DEFAULT_PLACES + [SHIM_SOCKET_DIR]}
    c = Ctr(rt, d)
    left = shims = []
    try:
        c.cd.start()
        c.pick_snapshotter()
        rootfs = make_rootfs(d / "image-rootfs", usr=True)
        for name, cfg in ((IMAGE, None), (IMAGE_USER, {"User": "1000:1000"})):
            tar = make_oci_archive(rootfs, d / "image.tar", name, cfg)
            c.cd.check("images", "import", "--snapshotter", c.snapshotter, tar)
            tar.unlink()
        yield c
    finally:
        left = c.cd.remove_all()
        c.cd.stop()
        shims = shim_processes(c.cd.address)
        # cgroupfs: ctr's /NAMESPACE parent cgroup stays behind, with any runtime
        remove_cgroup_tree(c.namespace)
        safe_rmtree(d)
    assert left == [], f"containers left in containerd: {left}"
    assert shims == [], f"shims still running: {shims}"
    created = [str(p) for p, was in existed.items() if not was and p.exists()]
    assert created == [], f"containerd left its default places behind: {created}"


@pytest.fixture
def cname(ctr):
    """cname() gives a fresh container id; each is removed from containerd after the test."""
    yield from ids_removed_by(ctr.remove, "cd")


def in_pty(argv, timeout=30):
    """Runs argv with a pty as its stdin, stdout and stderr (ctr -t wants a terminal); returns the
    exit code and everything written to the terminal."""
    master, slave = pty.openpty()
    try:
        p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    finally:
        os.close(slave)
    buf = b""
    end = time.monotonic() + timeout
    try:
        while time.monotonic() < end:
            r, _, _ = select.select([master], [], [], 0.2)
            if r:
                try:
                    chunk = os.read(master, 4096)
                except OSError as e:
                    if e.errno != errno.EIO:
                        raise
                    break
                if not chunk:
                    break
                buf += chunk
            elif p.poll() is not None:
                break
        rc = p.wait(timeout=max(1, end - time.monotonic()))
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        os.close(master)
    return rc, buf.decode(errors="replace")


def probe_report(text):
    return json.loads(text[text.index("{"):text.rindex("}") + 1])


def wait_clean(ctr, cid, timeout=10):
    """What containerd, its shim and the runtime left of a deleted container: the runtime's state,
    cgroups, mounts, unit and machine (test_kill_steps.leftovers), the shim's bundle directory and
    the shim itself."""
    end = time.monotonic() + timeout
    while True:
        left = leftovers(ctr.state, cid)
        if ctr.bundle_dir(cid).exists():
            left["bundle"] = str(ctr.bundle_dir(cid))
        shims = processes_with("containerd-shim", cid)
        if shims:
            left["shims"] = shims
        if not left or time.monotonic() > end:
            return left
        time.sleep(0.1)


# ---- ctr run ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", [0, 3])
def test_run_exit_code(ctr, cname, code):
    cid = cname()
    p = ctr.run(cid, "sh", "-c", f"echo hello from containerd; exit {code}")
    assert p.returncode == code, p.stderr
    assert p.stdout == "hello from containerd\n"
    assert cid not in ctr.tasks()
    assert wait_clean(ctr, cid) == {}


def test_run_stdin(ctr, cname):
    """The container's stdin is ctr's, through the shim's FIFO. ctr closes it at EOF only once the
    task exists (an EOF that comes earlier is lost), so the input is written after the start."""
    cid = cname()
    rc, out, err = ctr.run_while(cid, ["sh", "-c", "cat; echo done"], lambda p: ctr.wait_task(cid, "RUNNING"),
                                 stdin="line one\nline two\n")
    assert rc == 0, err
    assert out == "line one\nline two\ndone\n"


def test_run_tty(ctr, cname):
    cid = cname()
    rc, out = in_pty(ctr.cd.argv("run", "--rm", "-t", *ctr.run_flags(cid), IMAGE, cid, "sh", "-c",
                                 "/probe; exit 5"))
    assert rc == 5, out
    seen = probe_report(out)
    assert seen["stdin_isatty"] == 1 and seen["stdout_isatty"] == 1, seen


def test_run_detached_is_the_shims_child(ctr, cname):
    """The pid containerd reports is the container process itself, and the shim is its parent: the
    shim reaps it and learns its exit code."""
    cid = cname()
    pid = ctr.run_detached(cid, "sleep", "600")
    ppid = int(next(line.split()[1] for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                    if line.startswith("PPid:")))
    assert Path(f"/proc/{ppid}/comm").read_text().strip().startswith("containerd-shim")
    assert Path(f"/proc/{pid}/comm").read_text().strip() == "sleep"
    assert ppid in ctr.cd.shims()
    assert ctr.state.state(cid)["status"] == "running"


# ---- ctr task exec, ps, kill, pause, metrics -------------------------------------------------------

def exec_argv(ctr, cid, *args, flags=()):
    return ctr.cd.argv("tasks", "exec", "--fifo-dir", ctr.cd.fifo_dir, "--exec-id",
                       f"e{secrets.token_hex(3)}", *flags, cid, *args)


def test_exec(ctr, cname):
    cid = cname()
    pid = ctr.run_detached(cid, "sleep", "600")
    p = subprocess.run(exec_argv(ctr, cid, "sh", "-c", "echo in the container; /probe >/tmp/r; exit 4"),
                       capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert p.returncode == 4, p.stderr
    assert p.stdout == "in the container\n"
    p = subprocess.run(exec_argv(ctr, cid, "cat", "/tmp/r"), capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=60)
    assert p.returncode == 0, p.stderr
    seen = json.loads(p.stdout)
    # the exec'd process is in the container's namespaces
    for ns in ("pid", "mnt", "net", "ipc", "uts"):
        assert seen["ns"][ns] == os.stat(f"/proc/{pid}/ns/{ns}").st_ino, ns
    assert seen["stdin_isatty"] == 0


def test_exec_stdin(ctr, cname):
    cid = cname()
    ctr.run_detached(cid, "sleep", "600")
    p = subprocess.run(exec_argv(ctr, cid, "sh", "-c", "read a; echo got $a"), input="it\n",
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "got it\n"


def test_exec_tty(ctr, cname):
    cid = cname()
    ctr.run_detached(cid, "sleep", "600")
    rc, out = in_pty(exec_argv(ctr, cid, "sh", "-c", "/probe; exit 6", flags=("--tty",)))
    assert rc == 6, out
    seen = probe_report(out)
    assert seen["stdin_isatty"] == 1 and seen["stdout_isatty"] == 1, seen


def test_ps(ctr, cname):
    cid = cname()
    pid = ctr.run_detached(cid, "sleep", "600")
    ctr.cd.check("tasks", "exec", "-d", "--fifo-dir", ctr.cd.fifo_dir, "--exec-id", "bg", cid, "sleep", "601")
    end = time.monotonic() + 10
    while True:
        pids = [int(line.split()[0]) for line in ctr.cd.check("tasks", "ps", cid).splitlines()[1:]]
        if len(pids) >= 2 or time.monotonic() > end:
            break
        time.sleep(0.1)
    assert pid in pids
    cmds = sorted(Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip() for p in pids)
    assert cmds == ["sleep 600", "sleep 601"]


def test_kill(ctr, cname):
    """`ctr task kill` sends SIGTERM (by default) to the container process; the foreground `ctr run`
    exits with the process's code. (The probe catches the signal: sent to a process without a handler,
    what happens depends on whether it is PID 1 of its pid namespace, which differs between runtimes.)"""
    cid = cname()

    def kill(p):
        assert p.stdout.readline() == "ready\n"
        ctr.cd.check("tasks", "kill", cid)

    rc, out, err = ctr.run_while(cid, ["/probe", "wait-signal", "exit", "3"], kill)
    assert rc == 3, err
    assert json.loads(out) == {"signal": 15}
    assert wait_clean(ctr, cid) == {}


def test_kill_sigkill(ctr, cname):
    cid = cname()

    def kill(p):
        ctr.wait_task(cid, "RUNNING")
        ctr.cd.check("tasks", "kill", "--signal", "SIGKILL", cid)

    rc, _, err = ctr.run_while(cid, ["sleep", "600"], kill)
    assert rc == 137, err
    assert wait_clean(ctr, cid) == {}


def test_kill_all(ctr, cname):
    """`kill --all` reaches the processes started by exec too."""
    cid = cname()
    ctr.run_detached(cid, "sleep", "600")
    ctr.cd.check("tasks", "exec", "-d", "--fifo-dir", ctr.cd.fifo_dir, "--exec-id", "bg", cid, "sleep", "601")
    time.sleep(0.3)
    pids = [int(line.split()[0]) for line in ctr.cd.check("tasks", "ps", cid).splitlines()[1:]]
    assert len(pids) == 2
    ctr.cd.check("tasks", "kill", "--all", "--signal", "SIGKILL", cid)
    ctr.wait_task(cid, "STOPPED")
    end = time.monotonic() + 10
    while any(pid_alive(p) for p in pids) and time.monotonic() < end:
        time.sleep(0.05)
    assert not any(pid_alive(p) for p in pids)
    p = ctr.cd.ctr("tasks", "delete", cid)
    assert p.returncode == 0, p.stderr
    assert "exit code 137" in p.stderr


def cgroup_of(pid, controller):
    """The process's cgroup in the v1 hierarchy of the controller, or in the unified one (controller
    "") and where the controller has no v1 hierarchy."""
    paths = {}
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, ctrls, path = line.split(":", 2)
        for c in ctrls.split(","):
            paths[c] = path
    return paths.get(controller, paths.get(""))


def frozen(pid):
    """Whether the kernel's freezer holds the process: the v1 freezer where the process has a freezer
    cgroup of its own, else the unified hierarchy's (where nspawn-oci falls back to it)."""
    path = cgroup_of(pid, "freezer")
    v1 = Path("/sys/fs/cgroup/freezer") / path.lstrip("/") / "freezer.state"
    if path != "/" and v1.exists():
        return v1.read_text().strip() == "FROZEN"
    top = Path("/sys/fs/cgroup/unified")
    if not top.is_dir():
        top = Path("/sys/fs/cgroup")
    events = (top / cgroup_of(pid, "").lstrip("/") / "cgroup.events").read_text()
    return "frozen 1" in events.splitlines()


def test_pause_resume(ctr, cname):
    cid = cname()
    pid = ctr.run_detached(cid, "sh", "-c", "while :; do sleep 0.05; done")
    ctr.cd.check("tasks", "pause", cid)
    assert ctr.tasks()[cid][1] == "PAUSED"
    assert ctr.state.state(cid)["status"] == "paused"
    assert frozen(pid)
    ctr.cd.check("tasks", "resume", cid)
    assert ctr.tasks()[cid][1] == "RUNNING"
    assert ctr.state.state(cid)["status"] == "running"
    assert not frozen(pid)
    # it goes on: a process started after the resume runs
    p = subprocess.run(exec_argv(ctr, cid, "true"), capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=60)
    assert p.returncode == 0, p.stderr


def metrics(ctr, cid):
    return json.loads(ctr.cd.check("tasks", "metrics", "--format", "json", cid))


def memory_limit(m):
    """The memory limit from `ctr task metrics` (cgroup v1 and v2 shapes)."""
    mem = m.get("memory", {})
    return mem.get("usage", {}).get("limit", mem.get("usage_limit"))


def own_cgroup(pid, controller):
    """Whether the process has a cgroup of its own in the controller's hierarchy. In the systemd booted
    by tools/testbed.py, systemd does not manage the v1 controllers (they were read-only when it
    started, DESIGN.md section 8): a unit's processes stay in their root, and the limits are only the
    unit's properties. runc writes cgroupfs itself and has its own cgroup there all the same."""
    return cgroup_of(pid, controller) not in (None, "/")


def test_metrics(ctr, cname):
    """The shim reads the metrics from the cgroups the container process is in."""
    cid = cname()
    pid = ctr.run_detached(cid, "sleep", "600")
    m = metrics(ctr, cid)
    assert m["cpu"]["usage"]["total"] > 0, m
    usage = m["memory"].get("usage", {}).get("usage", m["memory"].get("usage"))
    assert usage > 0, m
    if own_cgroup(pid, "pids"):
        # the container process; with nspawn-oci also its PID 1 and nspawn (they live in the unit)
        assert 1 <= m["pids"]["current"] <= (1 if ctr.rt.kind == "runc" else 3), m
    else:
        assert MODE == "systemd", f"pid {pid} is in the root pids cgroup"


# ---- options of ctr run ----------------------------------------------------------------------------

def test_memory_limit(ctr, cname):
    cid = cname()
    limit = 64 << 20
    pid = ctr.run_detached(cid, "sleep", "600", flags=("--memory-limit", str(limit)))
    if own_cgroup(pid, "memory"):
        assert memory_limit(metrics(ctr, cid)) == limit
    else:
        assert MODE == "systemd", f"pid {pid} is in the root memory cgroup"
    if MODE == "systemd" and ctr.rt.kind == "nspawn-oci":
        assert su.unit_properties(su.unit_of(cid), "MemoryMax")["MemoryMax"] == str(limit)


def test_read_only(ctr, cname):
    cid = cname()
    p = ctr.run(cid, "sh", "-c", "touch /x || exit 7", flags=("--read-only",))
    assert p.returncode == 7, p.stderr
    assert "Read-only file system" in p.stderr


@pytest.mark.parametrize("ro", [False, True])
def test_bind_mount(ctr, cname, work, ro):
    (work / "in").write_text("from the host\n")
    cid = cname()
    opts = "rbind:ro" if ro else "rbind:rw"
    p = ctr.run(cid, "sh", "-c", "cat /host/in; echo from the container > /host/out",
                flags=("--mount", f"type=bind,src={work},dst=/host,options={opts}"))
    assert p.stdout == "from the host\n"
    if ro:
        assert p.returncode != 0
        assert "Read-only file system" in p.stderr
        assert not (work / "out").exists()
    else:
        assert p.returncode == 0, p.stderr
        assert (work / "out").read_text() == "from the container\n"


@pytest.mark.parametrize("net_host", [False, True])
def test_net_host(ctr, cname, net_host):
    cid = cname()
    p = ctr.run(cid, "/probe", flags=("--net-host",) if net_host else ())
    assert p.returncode == 0, p.stderr
    seen = json.loads(p.stdout)
    assert (seen["ns"]["net"] == host_ns("net")) == net_host
    assert seen["ns"]["pid"] != host_ns("pid")


def test_user_from_image(ctr, cname):
    """The image's USER (1000:1000) is the container's user; `exec --user` picks another."""
    cid = cname()
    pid = ctr.run_detached(cid, "sleep", "600", image=IMAGE_USER)
    status = Path(f"/proc/{pid}/status").read_text()
    assert "\nUid:\t1000\t1000\t1000\t1000\n" in status
    assert "\nGid:\t1000\t1000\t1000\t1000\n" in status
    p = subprocess.run(exec_argv(ctr, cid, "/probe"), capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=60)
    assert p.returncode == 0, p.stderr
    assert (json.loads(p.stdout)["uid"], json.loads(p.stdout)["gid"]) == (1000, 1000)
    p = subprocess.run(exec_argv(ctr, cid, "/probe", flags=("--user", "65534")), capture_output=True,
                       text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["uid"] == 65534


# ---- delete, and what containerd's machine view is ------------------------------------------------

def test_delete_leaves_nothing(ctr, cname):
    cid = cname()
    ctr.run_detached(cid, "sleep", "600")
    ctr.cd.check("tasks", "exec", "-d", "--fifo-dir", ctr.cd.fifo_dir, "--exec-id", "bg", cid, "sleep", "601")
    assert (ctr.state.root / cid).exists()
    ctr.cd.check("tasks", "kill", "--signal", "SIGKILL", cid)
    ctr.wait_task(cid, "STOPPED")
    ctr.cd.check("tasks", "delete", cid)
    ctr.cd.check("containers", "delete", cid)
    assert wait_clean(ctr, cid) == {}


@pytest.mark.nspawn_only
def test_machine_and_unit(ctr, cname):
    """Under containerd, too, each container is a machine in a unit of its own."""
    if MODE != "systemd":
        pytest.skip("machines and units need systemd as PID 1")
    cid = cname()
    pid = ctr.run_detached(cid, "sleep", "600")
    assert su.machine_name(cid) == cid
    unit = su.machine_unit(cid)
    assert unit == f"ctr-{cid}.scope"
    assert su.unit_properties(unit, "ControlGroup")["ControlGroup"] == f"/system.slice/{unit}"
    p = su.sh("systemctl", "status", "--no-pager", unit)
    assert p.returncode == 0, p.stdout + p.stderr
    assert f"{pid} sleep 600" in p.stdout
