# SPDX-License-Identifier: LGPL-2.1-or-later
# A private containerd (1.6, Debian 12's) for the tests: its own config file, root, state and sockets
# below the test's directory, started under a child subreaper so that the io.containerd.runc.v2 shims
# it forks (which daemonize) are reaped by the test and not by whatever PID 1 is. `ctr` drives it; the
# shim runs the runtime under test through `--runc-binary`. Runs as root.

import hashlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from runtime import processes_with

# The shim's socket directory is not configurable in containerd 1.6: it is always /run/containerd/s
# (runtime/v2/shim/util_unix.go), whatever --state says.
SHIM_SOCKET_DIR = Path("/run/containerd/s")

# containerd's own default places, which a private instance must not touch.
DEFAULT_PLACES = [Path("/run/containerd"), Path("/var/lib/containerd")]

# A subreaper that runs containerd and reaps every descendant that is reparented to it (the shims,
# and what they leave), until it has no child left.
REAPER = """
import ctypes, os, signal, sys
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
signal.signal(signal.SIGTERM, lambda *_: os.kill(pid, signal.SIGTERM))
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
    except InterruptedError:
        pass
"""


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def make_oci_archive(rootfs, out, name, config=None):
    """An OCI image layout as a tar archive (what `ctr image import` takes): one uncompressed layer
    holding rootfs, an image config with the given `config` section (Cmd, Env, User, ...), and the
    image name in index.json's io.containerd.image.name annotation."""
    out = Path(out)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        lay = Path(tmp)
        blobs = lay / "blobs" / "sha256"
        blobs.mkdir(parents=True)
        layer = lay / "layer.tar"
        subprocess.run(["tar", "--numeric-owner", "-C", rootfs, "-cf", layer, "."], check=True)
        layer_digest = sha256_file(layer)
        layer_size = layer.stat().st_size
        layer.rename(blobs / layer_digest)

        def blob(obj):
            data = json.dumps(obj, sort_keys=True).encode()
            digest = hashlib.sha256(data).hexdigest()
            (blobs / digest).write_bytes(data)
            return {"digest": f"sha256:{digest}", "size": len(data)}

        cfg = {"architecture": "amd64", "os": "linux",
               "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                          "Cmd": ["sh"], **(config or {})},
               "rootfs": {"type": "layers", "diff_ids": [f"sha256:{layer_digest}"]}}
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **blob(cfg)},
                    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                                "digest": f"sha256:{layer_digest}", "size": layer_size}]}
        index = {"schemaVersion": 2,
                 "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", **blob(manifest),
                                "annotations": {"io.containerd.image.name": name,
                                                "org.opencontainers.image.ref.name": name.rsplit(":", 1)[-1]}}]}
        (lay / "index.json").write_text(json.dumps(index))
        (lay / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
        subprocess.run(["tar", "-C", lay, "-cf", out, "oci-layout", "index.json", "blobs"], check=True)
    return out


def shim_processes(address):
    """The containerd-shim processes of the containerd listening on address (it is on their command
    line)."""
    return processes_with("containerd-shim", address)


class Containerd:
    """containerd with everything below `d`: config.toml, root/, state/, the gRPC and ttrpc sockets,
    its log, and the FIFOs ctr makes for the containers' stdio. `cri` keeps the CRI plugin (off
    otherwise), `tail` is TOML appended to the config file (plugin tables)."""

    def __init__(self, d, namespace, cri=False, tail=""):
        self.dir = Path(d)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.namespace = namespace
        self.address = self.dir / "containerd.sock"
        self.fifo_dir = self.dir / "fifo"
        self.fifo_dir.mkdir(exist_ok=True)
        self.log = self.dir / "containerd.log"
        self.config = self.dir / "config.toml"
        # the opt plugin would create /var/lib/containerd/opt; the CRI plugin only when asked for
        disabled = ['"io.containerd.internal.v1.opt"'] + ([] if cri else ['"io.containerd.grpc.v1.cri"'])
        self.config.write_text(
            "version = 2\n"
            f'root = "{self.dir}/root"\n'
            f'state = "{self.dir}/state"\n'
            f"disabled_plugins = [{', '.join(disabled)}]\n"
            "[grpc]\n"
            f'  address = "{self.address}"\n'
            "[ttrpc]\n"
            f'  address = "{self.address}.ttrpc"\n'
            + tail)
        self.reaper = None
        self._created = [p for p in DEFAULT_PLACES + [SHIM_SOCKET_DIR] if not p.exists()]

    def start(self, timeout=30):
        with open(self.log, "w") as log:
            self.reaper = subprocess.Popen(
                ["/usr/bin/python3", "-c", REAPER, "containerd", "--config", str(self.config)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.reaper.poll() is not None:
                raise RuntimeError(f"containerd exited {self.reaper.returncode}: {self.log.read_text()[-3000:]}")
            if self.address.exists() and self.ctr("version").returncode == 0:
                return self
            time.sleep(0.1)
        raise RuntimeError(f"containerd did not answer within {timeout}s: {self.log.read_text()[-3000:]}")

    def argv(self, *args):
        return ["ctr", "--address", str(self.address), "--namespace", self.namespace, *map(str, args)]

    def ctr(self, *args, timeout=60, **kw):
        """Runs `ctr ARGS...`; returns the CompletedProcess (text, captured unless told otherwise)."""
        if "input" not in kw:
            kw.setdefault("stdin", subprocess.DEVNULL)
        if "stdout" not in kw and "stderr" not in kw:
            kw["capture_output"] = True
        return subprocess.run(self.argv(*args), text=True, timeout=timeout, **kw)

    def popen(self, *args, **kw):
        return subprocess.Popen(self.argv(*args), **kw)

    def check(self, *args, **kw):
        p = self.ctr(*args, **kw)
        if p.returncode != 0:
            raise AssertionError(f"ctr {' '.join(map(str, args))} exited {p.returncode}: {p.stderr}")
        return p.stdout

    def shims(self):
        return shim_processes(self.address)

    def remove_all(self):
        """Kills and deletes every task and container in the namespace; returns the containers there
        were (an empty list when the tests cleaned up after themselves)."""
        left = self.ctr("containers", "list", "--quiet").stdout.split()
        for c in left:
            self.ctr("tasks", "kill", "--signal", "SIGKILL", c)
            self.ctr("tasks", "delete", "--force", c)
            self.ctr("containers", "delete", c)
        return left

    def stop(self, timeout=30):
        """Ends containerd, waits until the reaper has reaped every shim, and removes containerd's
        directories (the shim socket directory too, when this instance created it)."""
        if self.reaper and self.reaper.poll() is None:
            os.killpg(self.reaper.pid, signal.SIGTERM)
            try:
                self.reaper.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.reaper.pid, signal.SIGKILL)
                self.reaper.wait()
        for d in (self.dir / "root", self.dir / "state"):
            shutil.rmtree(d, ignore_errors=True)
        # deepest first: /run/containerd/s before /run/containerd; only if empty
        for p in sorted(self._created, key=lambda p: -len(p.parts)):
            try:
                p.rmdir()
            except OSError:
                pass
