#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Boots this machine's own systemd in a throwaway systemd-nspawn container over an overlay of `/`,
# runs one command in it, then stops it and removes every trace. Runs as root on a host where
# systemd is not PID 1 (see DESIGN.md section 8).
#
#   tools/testbed.py run [--keep-env VAR]... [--setenv VAR=VALUE]... [--bind DIR]... [--cd DIR] -- COMMAND...
#   tools/testbed.py run --unified ... -- COMMAND...
#
# --unified boots nothing: a plain container on the unified cgroup hierarchy alone, without systemd,
# with every capability and no seccomp filter (BPF programs may be loaded). It is a cgroup v2 host
# without systemd for the runtime's bare mode (DESIGN.md section 8, item 5), also on a hybrid machine
# whose cgroup2 has no controllers: the device policy of cgroup v2 needs none, it is a BPF program.
#
# The overlay's upper and work directories live on a tmpfs mounted in the build tree, so that
# everything written inside vanishes with one unmount. The checkout and the build tree are seen inside
# at their own paths, wherever they lie, each through an overlay of its own on the same tmpfs.

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

TOP = Path(__file__).resolve().parents[1]

# Units the tests do not need: masking them makes the boot faster and the result quieter.
MASK = [
    "getty@tty1.service", "console-getty.service", "container-getty@.service", "serial-getty@.service",
    "systemd-networkd.service", "systemd-networkd.socket", "systemd-networkd-wait-online.service",
    "systemd-resolved.service", "systemd-timesyncd.service", "systemd-pstore.service",
    "systemd-journal-flush.service", "systemd-update-utmp.service", "systemd-update-utmp-runlevel.service",
    "apt-daily.timer", "apt-daily-upgrade.timer", "dpkg-db-backup.timer", "e2scrub_all.timer",
    "e2scrub_reap.service", "fstrim.timer", "man-db.timer", "systemd-tmpfiles-clean.timer",
    "podman.service", "podman.socket", "podman-auto-update.service", "podman-auto-update.timer",
    "podman-restart.service", "containerd.service", "postgresql.service", "cron.service", "ssh.service",
    "sshd.service", "rsyslog.service", "exim4.service", "postfix.service", "remote-fs.target",
    "networking.service", "ifupdown-pre.service", "systemd-logind.service", "user@.service",
    "unattended-upgrades.service",
]

# The environment a command inside gets: a clean one plus the variables asked for.
BASE_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root",
            "LANG": "C.UTF-8", "TERM": "dumb"}


def log(msg):
    print(f"testbed: {msg}", file=sys.stderr, flush=True)


def children(pid):
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def comm(pid):
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def nspawn_path(p):
    """A path as nspawn's --bind= and --overlay= take it: colons separate, backslashes escape."""
    return str(p).replace("\\", "\\\\").replace(":", "\\:")


def cgroups_below_ours(name):
    """name below our own cgroup in the unified and the name=systemd hierarchies: those in which
    systemd-nspawn makes the "supervisor" and "payload" cgroups of a container that runs systemd."""
    dirs = []
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controllers == "":
            mount = Path("/sys/fs/cgroup/unified")
            if not (mount / "cgroup.procs").exists():
                mount = Path("/sys/fs/cgroup")
        elif controllers == "name=systemd":
            mount = Path("/sys/fs/cgroup/systemd")
        else:
            continue
        d = mount / path.lstrip("/") / name
        if d.parent.is_dir():
            dirs.append(d)
    return dirs


class Testbed:
    def __init__(self, build_dir, binds=(), writable_cgroups=True, unified=False):
        self.build_dir = Path(build_dir).resolve()
        self.binds = list(binds)
        self.writable_cgroups = writable_cgroups
        self.unified = unified
        self.nspawn_env = {k: v for k, v in os.environ.items() if k.startswith("SYSTEMD_NSPAWN_")}
        if unified:
            # nspawn's own seccomp filter refuses bpf(); without it and with every capability the
            # container may load and attach BPF programs
            self.nspawn_env.update(SYSTEMD_NSPAWN_UNIFIED_HIERARCHY="1", SYSTEMD_SECCOMP="0")
        self.name = f"noci-testbed-{secrets.token_hex(4)}"
        self.dir = self.build_dir / f".{self.name}"
        self.root = self.dir / "root"
        self.nspawn = None
        self.leader = None
        self.console = None
        self.cgroups = []

    def mounted(self, path):
        path = str(path)
        return any(line.split()[4] == path for line in Path("/proc/self/mountinfo").read_text().splitlines())

    def start(self, timeout=120):
        t0 = time.monotonic()
        self.dir.mkdir(parents=True)
        # a tmpfs of its own: upper and work dirs are not on /, so the layers do not overlap
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0700,size=4G", "testbed", self.dir], check=True)
        for d in ("upper", "work", "root"):
            (self.dir / d).mkdir()
        subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                        f"lowerdir=/,upperdir={self.dir}/upper,workdir={self.dir}/work", self.root],
                       check=True)
        etc = self.root / "etc/systemd/system"
        for u in MASK:
            p = etc / u
            if p.is_symlink() or p.exists():
                p.unlink()
            p.symlink_to("/dev/null")
        # the machine's own machine-id would be shared with the host's journal: a fresh one
        (self.root / "etc/machine-id").write_text("")
        self.console = open(self.dir / "console.log", "w")
        # nspawn --keep-unit moves itself into "supervisor" and the booted systemd into "payload", below
        # the cgroup it starts in: without systemd, the root of the unified and name=systemd
        # hierarchies, where they would stay after it exits, shared with every other such nspawn on the
        # machine. A cgroup of our own in both keeps them apart, and goes with the test bed.
        self.cgroups = cgroups_below_ours(self.name)
        for d in self.cgroups:
            d.mkdir()
        procs = [str(d / "cgroup.procs") for d in self.cgroups]

        def enter_cgroups():
            for p in procs:
                with open(p, "w") as f:
                    f.write("0\n")

        binds = [f"--bind={nspawn_path(b)}" for b in self.binds]
        # booted: the machine's systemd; unified: nspawn's stub init (it reaps what the tests orphan)
        # over a process that only waits, whose namespaces the commands join
        what = ["--as-pid2", "--capability=all", "sleep", "infinity"] if self.unified else ["-b"]
        self.nspawn = subprocess.Popen(
            ["systemd-nspawn", "-q", "-D", self.root, "--register=no", "--keep-unit",
             "-M", self.name, "--console=passive", "--link-journal=no", "--resolv-conf=off",
             "--timezone=off", *self.checkout_overlays(), *binds, *what],
            stdin=subprocess.DEVNULL, stdout=self.console, stderr=subprocess.STDOUT,
            preexec_fn=enter_cgroups, env={**BASE_ENV, "SYSTEMD_NSPAWN_LOCK": "0", **self.nspawn_env})
        end = t0 + timeout
        while time.monotonic() < end:
            if self.nspawn.poll() is not None:
                raise RuntimeError(f"systemd-nspawn exited {self.nspawn.returncode}: {self.tail()}")
            if self.unified:
                self.leader = self.find_sleeper()
                if self.leader is not None and self.exec(["true"]).returncode == 0:
                    log(f"{self.name}: plain container on cgroup2 alone after {time.monotonic() - t0:.1f}s")
                    if self.writable_cgroups:
                        self.make_cgroups_writable()
                    return
                time.sleep(0.1)
                continue
            if self.leader is None:
                # nspawn's child is the container's PID 1 before it execs systemd
                for c in children(self.nspawn.pid):
                    if comm(c) == "systemd":
                        self.leader = c
                    for g in children(c):
                        if comm(g) == "systemd":
                            self.leader = g
            if self.leader is not None:
                p = self.exec(["systemctl", "is-system-running"], capture=True)
                state = p.stdout.strip()
                if state in ("running", "degraded"):
                    log(f"{self.name}: systemd is {state} after {time.monotonic() - t0:.1f}s")
                    if self.writable_cgroups:
                        self.make_cgroups_writable()
                    if state == "degraded":
                        f = self.exec(["systemctl", "--failed", "--no-legend", "--plain"], capture=True)
                        log("failed units: " + " ".join(line.split()[0] for line in f.stdout.splitlines()
                                                        if line.strip()))
                    return
            time.sleep(0.3)
        raise RuntimeError(f"systemd did not come up within {timeout}s: {self.tail()}")

    def find_sleeper(self):
        """The unified container's waiting process: below nspawn, under the stub init."""
        todo = children(self.nspawn.pid)
        while todo:
            pid = todo.pop()
            if comm(pid) == "sleep":
                return pid
            todo.extend(children(pid))
        return None

    def checkout_overlays(self):
        """The checkout and the build tree, at their own paths: the overlay of / shows neither where
        they lie on a file system of their own or below /tmp, which nspawn covers with a fresh tmpfs.
        What is written to them inside goes to upper directories on the test bed's tmpfs, unless a
        --bind asks for them writable."""
        binds = [Path(b).resolve() for b in self.binds]
        trees = [TOP]
        if not self.build_dir.is_relative_to(TOP):
            trees.append(self.build_dir)
        args = []
        for i, tree in enumerate(trees):
            if any(tree.is_relative_to(b) for b in binds):
                continue
            upper = self.dir / f"tree{i}"
            upper.mkdir()
            args.append(f"--overlay={nspawn_path(tree)}:{nspawn_path(upper)}:{nspawn_path(tree)}")
        return args

    def make_cgroups_writable(self):
        """nspawn mounts the cgroup v1 controllers and /proc/sys read-only; a runtime that manages
        cgroups itself (runc, crun, podman's cgroupfs manager) needs the controllers writable, and
        crun writes the sysctls podman asks for (net.ipv4.ping_group_range) through /proc/sys, as on
        a real systemd host. Inside the container's cgroup namespace each hierarchy's root is the
        container's own cgroup, so this opens only the container's subtree of the host's
        hierarchies."""
        if self.unified:
            # one cgroup2 mount there, the container's own subtree of the host's unified hierarchy
            script = 'for c in /sys/fs/cgroup /proc/sys; do mount -o remount,bind,rw "$c" || exit 1; done'
        else:
            script = 'for c in /sys/fs/cgroup/*/ /proc/sys; do mount -o remount,bind,rw "$c" || exit 1; done'
        p = self.exec(["sh", "-c", script], capture=True)
        if p.returncode != 0:
            raise RuntimeError(f"cannot make the cgroup controllers writable: {p.stderr}")

    def tail(self):
        try:
            return "\n".join((self.dir / "console.log").read_text().splitlines()[-20:])
        except OSError:
            return ""

    def exec(self, argv, env=None, cwd=None, capture=False):
        """Runs argv inside the container (all its namespaces) with a clean environment, in which
        NSPAWN_OCI_TESTBED=1 says that / is a throwaway overlay (a test may install packages)."""
        full = ["nsenter", "-t", str(self.leader), "-a", "-r", "-w", "--"]
        env = {**BASE_ENV, "NSPAWN_OCI_TESTBED": "1", **(env or {})}
        inner = ["env", "-i"] + [f"{k}={v}" for k, v in env.items()]
        if cwd:
            inner = ["sh", "-c", 'cd "$1" && shift && exec "$@"', "sh", str(cwd)] + inner
        return subprocess.run(full + inner + list(argv), text=True, stdin=subprocess.DEVNULL,
                              capture_output=capture, preexec_fn=self.join_leader_cgroup)

    def join_leader_cgroup(self):
        """Unified: the command joins the waiting process's cgroup, the root of the container's cgroup
        namespace, as a process started inside would be; nsenter joins the namespace alone. A booted
        systemd puts what it starts into units of its own."""
        if not self.unified:
            return
        for line in Path(f"/proc/{self.leader}/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            if controllers == "":
                mount = Path("/sys/fs/cgroup/unified")
                if not (mount / "cgroup.procs").exists():
                    mount = Path("/sys/fs/cgroup")
                (mount / path.lstrip("/") / "cgroup.procs").write_text("0\n")

    def cgroup_pids(self):
        pids = set()
        for cg in self.cgroups:
            for procs in cg.rglob("cgroup.procs") if cg.is_dir() else ():
                pids.update(int(p) for p in procs.read_text().split())
        return pids

    def kill_leftovers(self, timeout=10):
        """The container's processes outlive an nspawn that had to be killed: kills what is left in
        the test bed's cgroups and waits for it to go, so that they can be removed. Only the test bed's
        own processes are in them."""
        end = time.monotonic() + timeout
        while (pids := self.cgroup_pids()) and time.monotonic() < end:
            log(f"killing what is left in the test bed's cgroups: {sorted(pids)}")
            kill = [cg / "cgroup.kill" for cg in self.cgroups if (cg / "cgroup.kill").exists()]
            if kill:
                kill[0].write_text("1\n")
            else:
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            time.sleep(0.2)

    def stop(self, timeout=60):
        t0 = time.monotonic()
        if self.nspawn and self.nspawn.poll() is None:
            # SIGTERM makes nspawn ask the container's systemd to power off (the stub init of a
            # unified test bed ends its process and exits)
            self.nspawn.send_signal(signal.SIGTERM)
            try:
                self.nspawn.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                log("container did not power off in time; killing systemd-nspawn")
                self.nspawn.kill()
                self.nspawn.wait()
        if self.console:
            self.console.close()
        self.kill_leftovers()
        for cg in self.cgroups:
            if cg.is_dir():
                for d in sorted((p for p in cg.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
                    d.rmdir()
                cg.rmdir()
        for m in (self.root, self.dir):
            if self.mounted(m):
                r = subprocess.run(["umount", m])
                if r.returncode != 0:
                    subprocess.run(["umount", "-l", m], check=True)
        if self.dir.exists() and not self.mounted(self.dir):
            shutil.rmtree(self.dir, ignore_errors=True)
            if self.dir.exists():
                self.dir.rmdir()
        log(f"{self.name}: stopped and removed in {time.monotonic() - t0:.1f}s")


def main():
    ap = argparse.ArgumentParser(description="run a command inside this machine's own systemd, booted "
                                 "in a throwaway container over an overlay of /")
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--build-dir", default=os.environ.get("NSPAWN_OCI_BUILD_DIR", str(TOP / "build")))
    r.add_argument("--keep-env", action="append", default=[], help="pass this variable through")
    r.add_argument("--setenv", action="append", default=[], help="VAR=VALUE inside")
    r.add_argument("--cd", default=str(TOP))
    r.add_argument("--bind", action="append", default=[],
                   help="a host directory seen at the same path inside, writable (results, logs)")
    r.add_argument("--read-only-cgroups", action="store_true",
                   help="leave the cgroup v1 controllers and /proc/sys read-only, as nspawn mounts them")
    r.add_argument("--unified", action="store_true",
                   help="no systemd: a plain container on the unified cgroup hierarchy alone, which "
                   "may load BPF programs")
    r.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        ap.error("no command")
    if os.geteuid() != 0:
        ap.error("must run as root")

    env = {k: os.environ[k] for k in args.keep_env if k in os.environ}
    env.update(dict(s.split("=", 1) for s in args.setenv))

    tb = Testbed(args.build_dir, args.bind, writable_cgroups=not args.read_only_cgroups,
                 unified=args.unified)
    # stop cleanly on SIGINT/SIGTERM too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    rc = 1
    try:
        tb.start()
        rc = tb.exec(command, env=env, cwd=args.cd).returncode
    except Exception as e:  # noqa: BLE001 - any failure still tears down
        log(f"error: {e}")
        rc = 1
    finally:
        tb.stop()
    return rc


if __name__ == "__main__":
    sys.exit(main())
