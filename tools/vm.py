#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# A pure cgroup v2 test bed: a Debian 12 virtual machine (kernel 6.1, systemd 252 as PID 1) under
# qemu's software emulation, for machines that are not such a host themselves (DESIGN.md section 8).
# Runs as root on the host; mounts nothing there.
#
#   tools/vm.py build [--force]          build the image, or find it in the cache
#   tools/vm.py run [--setenv VAR=VALUE]... [--keep-env VAR]... [--cd DIR] [--bind DIR]... [--log FILE]
#                   [--timeout S] [--boot-timeout S] [-v] -- COMMAND...
#                                        run COMMAND as root in a fresh boot; its exit code is ours
#   tools/vm.py shell [--timeout S]      a root shell on the serial console (Ctrl-A x leaves)
#
# The image (tools/vm/build-image.sh) lives in /var/cache/nspawn-oci-vm/KEY/ ($NSPAWN_OCI_VM_CACHE),
# KEY being a hash of tools/vm/'s package list, build scripts and guest files: it is rebuilt only
# when they change. Every boot starts from it unchanged (qemu's snapshot=on).
#
# A run carries the checkout and the build tree's binaries (nspawn-oci, nspawn-oci-init, the probe)
# on a second disk, made with mkfs.ext4 -d; inside they are seen at their host paths. The command's
# stdout and stderr come back as they are written (a virtio port), and what it writes to a --bind
# directory comes back there after the machine powered off (debugfs, without mounting). The serial
# console, with timestamps, goes to --log.

import argparse
import fcntl
import hashlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

TOP = Path(__file__).resolve().parents[1]
VM = TOP / "tools/vm"
CACHE = Path(os.environ.get("NSPAWN_OCI_VM_CACHE", "/var/cache/nspawn-oci-vm"))
# what makes the image: a change to any of these rebuilds it
IMAGE_INPUTS = ["packages", "build-image.sh", "customize.sh", "guest"]
# the build tree's files a run needs inside, at their paths below the build tree
BUILD_FILES = ["nspawn-oci", "nspawn-oci-init", "tests/helpers/probe"]
# the checkout's parts that stay on the host
SKIP = {".git", "__pycache__"}

# where the VM's side (tools/vm/guest/) finds and leaves things
GUEST_IO = "/vm"
OUTPUT_PORT = "nspawn-oci-vm.output"
RUNNING = "nspawn-oci-vm: running the command"

BASE_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root",
            "LANG": "C.UTF-8", "TERM": "dumb"}

QEMU = ["qemu-system-x86_64", "-accel", "tcg", "-m", "2048", "-smp", "2", "-nodefaults", "-no-reboot",
        "-nic", "none", "-display", "none", "-monitor", "none"]
# kvm and cpufreq drivers load for the emulated CPU's flags, to no use under emulation
CMDLINE = "console=ttyS0 root=/dev/vda rw panic=1 modprobe.blacklist=kvm,kvm_amd,kvm_intel,powernow_k8"


def log(msg):
    print(f"vm: {msg}", file=sys.stderr, flush=True)


class VmError(Exception):
    pass


def install_deps():
    """The host's tools for the VM: only those who use it pay for them."""
    need = {"mmdebstrap": "mmdebstrap", "qemu-system-x86_64": "qemu-system-x86",
            "mkfs.ext4": "e2fsprogs", "debugfs": "e2fsprogs"}
    missing = sorted({pkg for cmd, pkg in need.items() if not shutil.which(cmd)})
    if not missing:
        return
    log(f"installing {' '.join(missing)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], stdout=subprocess.DEVNULL, env=env, check=True, timeout=600)
    subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing],
                   stdout=subprocess.DEVNULL, env=env, check=True, timeout=900)


def image_key():
    h = hashlib.sha256()
    for name in IMAGE_INPUTS:
        p = VM / name
        files = sorted(f for f in p.rglob("*") if not f.is_dir()) if p.is_dir() else [p]
        for f in files:
            h.update(f"{f.relative_to(VM)}\0{os.access(f, os.X_OK)}\0".encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def run_killing_group(argv, timeout, **kw):
    """subprocess.run that kills the command's whole process group when it times out."""
    p = subprocess.Popen(argv, start_new_session=True, **kw)
    try:
        return p.wait(timeout=timeout)
    except BaseException:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        raise


def build(force=False, timeout=1200):
    """The image's directory, built if the cache does not hold it yet."""
    install_deps()
    CACHE.mkdir(parents=True, exist_ok=True)
    image = CACHE / image_key()
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if force and image.exists():
            shutil.rmtree(image)
        if not (image / "root.img").exists():
            tmp = CACHE / f".{image.name}.tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir()
            log(f"building the image {image.name} (log: {image}/build.log)")
            t0 = time.monotonic()
            with open(tmp / "build.log", "w") as f:
                try:
                    rc = run_killing_group([str(VM / "build-image.sh"), str(tmp)], timeout,
                                           stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT)
                except subprocess.TimeoutExpired:
                    rc = f"a timeout after {timeout}s"
            if rc != 0:
                tail = "\n".join((tmp / "build.log").read_text(errors="replace").splitlines()[-20:])
                shutil.rmtree(tmp, ignore_errors=True)
                raise VmError(f"building the image failed ({rc}):\n{tail}")
            tmp.rename(image)
            log(f"built {image} in {time.monotonic() - t0:.0f}s")
        os.utime(image)
        prune(keep=image)
    return image


def prune(keep, n=2):
    """Images whose inputs changed: keeps the n most recently used besides the current one."""
    old = sorted((d for d in CACHE.iterdir() if d.is_dir() and d != keep and not d.name.startswith(".")),
                 key=lambda d: d.stat().st_mtime, reverse=True)
    for d in old[n:]:
        shutil.rmtree(d, ignore_errors=True)


def copy_tree(src, dst):
    """The checkout without its git directory and build trees (a build tree's needed files are copied
    on their own)."""
    def ignore(d, names):
        return [n for n in names if n in SKIP or (Path(d, n) / "meson-private").is_dir()]
    shutil.copytree(src, dst, symlinks=True, ignore=ignore)


def make_io_disk(stage, build_dir, binds=(), command=None):
    """The second disk: the checkout (and the build tree, if outside it) with the build tree's binaries,
    the directories to bind, each to be seen inside at its host path, and the command. Returns the
    image's path and the names of the binds' copies on it."""
    io = stage / "io"
    io.mkdir()
    (io / "out").mkdir()
    trees = [TOP] if build_dir.is_relative_to(TOP) else [TOP, build_dir]
    lines, names = [], []
    for i, tree in enumerate(trees):
        if tree == TOP:
            copy_tree(tree, io / f"tree{i}")
        else:
            (io / f"tree{i}").mkdir()
        lines.append(f"tree{i}\t{tree}\n")
    for f in BUILD_FILES:
        src = build_dir / f
        if not src.exists():
            raise VmError(f"{src} is missing: build first (ninja -C {build_dir})")
        i = len(trees) - 1
        dst = io / f"tree{i}" / src.relative_to(trees[i])
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
    # after the trees: a bind may lie inside one
    for i, d in enumerate(binds):
        shutil.copytree(d, io / f"bind{i}", symlinks=True)
        lines.append(f"bind{i}\t{d}\n")
        names.append(f"bind{i}")
    (io / "binds").write_text("".join(lines))
    if command is not None:
        (io / "command").write_text(command)
    size = sum(f.stat().st_size for f in io.rglob("*") if f.is_file() and not f.is_symlink())
    img = stage / "io.img"
    # room for what the command writes; the file is sparse
    subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "nspawn-oci-io", "-d", io, img,
                    f"{size // 2**20 + 1024}M"], check=True, timeout=300, stdout=subprocess.DEVNULL)
    return img, names


def qemu_argv(image, io_img, cmdline, serial):
    return [*QEMU, "-kernel", str(image / "vmlinuz"), "-initrd", str(image / "initrd.img"),
            "-append", cmdline, "-serial", serial,
            "-drive", f"file={image / 'root.img'},format=raw,if=virtio,snapshot=on",
            "-drive", f"file={io_img},format=raw,if=virtio"]


class Console(threading.Thread):
    """Reads the serial console: each line to the log with the seconds since the boot began; notes when
    the command started and when the machine powered off."""

    def __init__(self, stream, log_file, echo):
        super().__init__(daemon=True)
        self.stream, self.log_file, self.echo = stream, log_file, echo
        self.t0 = time.monotonic()
        self.running_at = None
        self.lines = []

    def run(self):
        for raw in self.stream:
            line = raw.decode(errors="replace").rstrip("\r\n")
            stamp = f"[{time.monotonic() - self.t0:8.3f}] {line}"
            self.lines = (self.lines + [stamp])[-40:]
            self.log_file.write(stamp + "\n")
            self.log_file.flush()
            if self.echo:
                print(stamp, file=sys.stderr, flush=True)
            if self.running_at is None and RUNNING in line:
                self.running_at = time.monotonic()


class Follower(threading.Thread):
    """Copies what qemu appends to the output port's file to our stdout, until told to stop and nothing
    more comes."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path = path
        self.copied = 0
        self.stop = threading.Event()

    def run(self):
        while True:
            done = self.stop.is_set()
            try:
                with open(self.path, "rb") as f:
                    f.seek(self.copied)
                    data = f.read()
            except FileNotFoundError:
                data = b""
            if data:
                sys.stdout.buffer.write(data)
                sys.stdout.buffer.flush()
                self.copied += len(data)
            elif done:
                return
            time.sleep(0.2)


def command_script(argv, env, cwd):
    assigns = " ".join(shlex.quote(f"{k}={v}") for k, v in env.items())
    return (f"cd -- {shlex.quote(str(cwd))} || exit 125\n"
            f"exec env -i {assigns} {shlex.join(argv)}\n")


def run(args, command):
    image = build()
    build_dir = Path(args.build_dir).resolve()
    env = {**BASE_ENV, **{k: os.environ[k] for k in args.keep_env if k in os.environ}}
    env.update(dict(s.split("=", 1) for s in args.setenv))
    stage = Path(tempfile.mkdtemp(prefix="nspawn-oci-vm.", dir="/var/tmp"))
    qemu = None
    try:
        binds = [Path(d).resolve() for d in args.bind]
        for d in binds:
            d.mkdir(parents=True, exist_ok=True)
        io_img, names = make_io_disk(stage, build_dir, binds, command_script(command, env, args.cd))
        output = stage / "output"
        argv = qemu_argv(image, io_img, f"{CMDLINE} nspawn_oci_vm.run systemd.mask=serial-getty@ttyS0.service",
                         "stdio")
        argv += ["-device", "virtio-serial-pci", "-chardev", f"file,id=out,path={output}",
                 "-device", f"virtserialport,chardev=out,name={OUTPUT_PORT}"]
        log_path = Path(args.log) if args.log else stage / "console.log"
        with open(log_path, "w") as log_file:
            qemu = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    start_new_session=True)
            console = Console(qemu.stdout, log_file, args.verbose)
            console.start()
            follower = Follower(output)
            follower.start()
            t0 = console.t0
            end = t0 + args.timeout
            timed_out = None
            while qemu.poll() is None:
                now = time.monotonic()
                if console.running_at is None and now > t0 + args.boot_timeout:
                    timed_out = f"the machine did not come up within {args.boot_timeout}s"
                elif now > end:
                    timed_out = f"the command did not finish within {args.timeout}s"
                if timed_out:
                    qemu.kill()
                    break
                time.sleep(0.2)
            qemu.wait()
            console.join(timeout=5)
            follower.stop.set()
            follower.join(timeout=10)
        t_end = time.monotonic()
        if console.running_at:
            log(f"booted in {console.running_at - t0:.1f}s, ran and powered off in "
                f"{t_end - console.running_at:.1f}s")
        # the files come back even from a machine that was stopped (for what the command left so far)
        res = stage / "results"
        res.mkdir()
        subprocess.run(["debugfs", "-R", f"rdump /out {' '.join('/' + n for n in names)} {res}", io_img],
                       timeout=300, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for d, n in zip(binds, names):
            if (res / n).is_dir():
                shutil.copytree(res / n, d, symlinks=True, dirs_exist_ok=True)
        out = res / "out"
        # what did not come through the port (it was missing, or the machine died) is on the disk
        try:
            rest = (out / "output").read_bytes()[follower.copied:]
        except OSError:
            rest = b""
        sys.stdout.buffer.write(rest)
        sys.stdout.buffer.flush()
        rc = None
        try:
            rc = int((out / "rc").read_text())
        except (OSError, ValueError):
            pass
        if rc is None or timed_out:
            why = timed_out or f"the command did not finish (qemu exited {qemu.returncode})"
            log(f"{why}; the console's end ({log_path}):")
            print("\n".join(console.lines[-20:]), file=sys.stderr)
            return 124 if timed_out else 125
        return rc
    finally:
        if qemu and qemu.poll() is None:
            qemu.kill()
            qemu.wait()
        shutil.rmtree(stage, ignore_errors=True)


def shell(args):
    image = build()
    stage = Path(tempfile.mkdtemp(prefix="nspawn-oci-vm.", dir="/var/tmp"))
    try:
        io_img, _ = make_io_disk(stage, Path(args.build_dir).resolve())
        log("booting; root's shell comes on this terminal (Ctrl-A x powers off at once)")
        try:
            return run_killing_group(qemu_argv(image, io_img, CMDLINE, "mon:stdio"), args.timeout)
        except subprocess.TimeoutExpired:
            log(f"the shell's {args.timeout}s are over")
            return 124
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description="a Debian 12 virtual machine with systemd as PID 1 on pure "
                                 "cgroup v2, under qemu's software emulation")
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build the image unless the cache holds it; print its directory")
    b.add_argument("--force", action="store_true", help="build it again")
    build_dir = os.environ.get("NSPAWN_OCI_BUILD_DIR", str(TOP / "build"))
    r = sub.add_parser("run", help="run a command as root in a fresh boot")
    r.add_argument("--build-dir", default=build_dir)
    r.add_argument("--keep-env", action="append", default=[], help="pass this variable through")
    r.add_argument("--setenv", action="append", default=[], help="VAR=VALUE inside")
    r.add_argument("--cd", default=str(TOP), help="the command's directory (default: the checkout)")
    r.add_argument("--bind", action="append", default=[],
                   help="a host directory seen at the same path inside; what is written there comes back "
                   "after the run")
    r.add_argument("--log", help="the serial console, with timestamps (default: thrown away)")
    r.add_argument("-v", "--verbose", action="store_true", help="the console on stderr as well")
    r.add_argument("--timeout", type=int, default=1800, help="seconds for all of it (default 1800)")
    r.add_argument("--boot-timeout", type=int, default=300,
                   help="seconds until the command starts (default 300)")
    r.add_argument("command", nargs=argparse.REMAINDER)
    s = sub.add_parser("shell", help="a root shell on the serial console, with the checkout")
    s.add_argument("--build-dir", default=build_dir)
    s.add_argument("--timeout", type=int, default=3600, help="seconds before the machine is stopped")
    args = ap.parse_args()
    if os.geteuid() != 0:
        ap.error("must run as root")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        if args.cmd == "build":
            print(build(force=args.force))
            return 0
        if args.cmd == "shell":
            return shell(args)
        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        if not command:
            ap.error("no command")
        return run(args, command)
    except (VmError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        log(f"error: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
