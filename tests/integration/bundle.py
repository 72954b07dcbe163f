# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds OCI bundles for the integration tests: a busybox-static root file system with the probe as
# /probe, and a config.json that starts from what `runc spec` writes. Runs as root on the host.

import copy
import json
import os
import shutil
from pathlib import Path

import paths

BUSYBOX = Path("/bin/busybox")

# The applets the tests use; each becomes /bin/NAME -> busybox.
APPLETS = ["sh", "cat", "echo", "sleep", "true", "false", "id", "ls", "mkdir", "env", "hostname",
           "pwd", "ps", "kill", "test", "touch", "grep", "head", "readlink", "stat", "umask"]

PASSWD = "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n" \
         "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
GROUP = "root:x:0:\nuser:x:1000:\nextra:x:1001:user\nnogroup:x:65534:\n"

# What `runc spec` (runc 1.1.5) writes, except that process.terminal is false: the tests connect
# the container's stdio to pipes and files, never to a terminal.
RUNC_SPEC = {
    "ociVersion": "1.0.2-dev",
    "process": {
        "terminal": False,
        "user": {"uid": 0, "gid": 0},
        "args": ["sh"],
        "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
        "cwd": "/",
        "capabilities": {
            "bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
            "effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
            "permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
            "ambient": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
        },
        "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
        "noNewPrivileges": True,
    },
    "root": {"path": "rootfs", "readonly": True},
    "hostname": "runc",
    "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
        {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
         "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
         "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs",
         "options": ["nosuid", "noexec", "nodev", "ro"]},
        {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
         "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]},
    ],
    "linux": {
        "resources": {"devices": [{"allow": False, "access": "rwm"}]},
        "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"},
                       {"type": "mount"}],
        "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                        "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
        "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    },
}


def merge(base, overrides):
    """Deep-merges overrides into a copy of base: dicts merge key by key, any other value
    (lists included) replaces, and None removes the key."""
    out = copy.deepcopy(base)
    for k, v in overrides.items():
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def make_config(overrides=None, args=None):
    """runc's default spec with overrides applied; args replaces process.args (default: /probe)."""
    overrides = overrides or {}
    cfg = merge(RUNC_SPEC, overrides)
    if args is not None or "args" not in overrides.get("process", {}):
        cfg["process"]["args"] = ["/probe"] + list(args or [])
    return cfg


def make_rootfs(rootfs, usr=True):
    """A busybox root file system with /probe. With usr=False there is no /usr at all, as in images
    such as `pause`."""
    rootfs = Path(rootfs)
    for d in ("bin", "etc", "proc", "sys", "dev", "root", "home/user"):
        (rootfs / d).mkdir(parents=True, exist_ok=True)
    tmp = rootfs / "tmp"
    tmp.mkdir(exist_ok=True)
    tmp.chmod(0o1777)
    os.chown(rootfs / "home/user", 1000, 1000)
    shutil.copy2(BUSYBOX, rootfs / "bin/busybox")
    for a in APPLETS:
        (rootfs / "bin" / a).symlink_to("busybox")
    shutil.copy2(paths.probe(), rootfs / "probe")
    (rootfs / "etc/passwd").write_text(PASSWD)
    (rootfs / "etc/group").write_text(GROUP)
    (rootfs / "etc/hostname").write_text("image\n")
    if usr:
        (rootfs / "usr/bin").mkdir(parents=True)
        (rootfs / "usr/bin/env").symlink_to("../../bin/busybox")
    return rootfs


class Bundle:
    """A bundle directory: rootfs/ and config.json. The config is a dict; write() stores it."""

    def __init__(self, path, usr=True, overrides=None, args=None):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.rootfs = make_rootfs(self.path / "rootfs", usr=usr)
        self.config = make_config(overrides, args)
        self.write()

    def write(self):
        (self.path / "config.json").write_text(json.dumps(self.config, indent=2) + "\n")
        return self

    def set_args(self, *args):
        self.config["process"]["args"] = list(args)
        return self.write()

    def probe(self, *args):
        """Makes the container process `/probe ARGS...`."""
        return self.set_args("/probe", *args)

    def update(self, overrides):
        self.config = merge(self.config, overrides)
        return self.write()


# Capability numbers (linux/capability.h), for comparing config.json with /proc/self/status.
CAPS = ["CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
        "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
        "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
        "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
        "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
        "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE"]


def cap_mask(names):
    """The /proc/self/status mask for a list of "CAP_*" names."""
    m = 0
    for n in names:
        m |= 1 << CAPS.index(n.removeprefix("CAP_"))
    return m
