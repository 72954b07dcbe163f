# SPDX-License-Identifier: LGPL-2.1-or-later
# Drives an OCI runtime through its command line only, with a private --root state directory.
# Runs as root on the host (or in the booted systemd container).

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

import paths


class RuntimeFailed(Exception):
    pass


class Runtime:
    def __init__(self, path, root):
        self.path = Path(path)
        self.root = Path(root)
        self.kind = paths.runtime_kind(self.path)
        self.root.mkdir(parents=True, exist_ok=True)

    def argv(self, *args):
        return [str(self.path), "--root", str(self.root), *map(str, args)]

    def __call__(self, *args, timeout=30, check=False, **kw):
        """Runs `RUNTIME --root ROOT ARGS...` and returns the CompletedProcess (text, captured
        unless stdout/stderr are given)."""
        if "input" not in kw:
            kw.setdefault("stdin", subprocess.DEVNULL)
        # Capture through files, not pipes: a container started by create or run -d inherits the
        # runtime's stdio and would hold a pipe open long after the runtime exited.
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            kw.setdefault("stdout", out)
            kw.setdefault("stderr", err)
            p = subprocess.run(self.argv(*args), text=True, timeout=timeout, **kw)
            out.seek(0)
            err.seek(0)
            p.stdout = out.read() if kw["stdout"] is out else None
            p.stderr = err.read() if kw["stderr"] is err else None
        if check and p.returncode != 0:
            raise RuntimeFailed(f"{' '.join(self.argv(*args))} exited {p.returncode}: {p.stderr}")
        return p

    def popen(self, *args, **kw):
        return subprocess.Popen(self.argv(*args), **kw)

    def create(self, cid, bundle, pid_file=None, stdout=subprocess.DEVNULL, stderr=None, **kw):
        """create with the container's stdio on the given files; returns the CompletedProcess.
        The runtime's own stderr is captured when stderr is None."""
        args = ["create", "--bundle", bundle]
        if pid_file:
            args += ["--pid-file", pid_file]
        if stderr is not None:
            kw["stderr"] = stderr
        return self(*args, cid, stdout=stdout, **kw)

    def state(self, cid):
        p = self("state", cid)
        if p.returncode != 0:
            raise RuntimeFailed(f"state {cid} exited {p.returncode}: {p.stderr.strip()}")
        return json.loads(p.stdout)

    def status(self, cid):
        p = self("state", cid)
        return json.loads(p.stdout)["status"] if p.returncode == 0 else None

    def wait_status(self, cid, want, timeout=20):
        end = time.monotonic() + timeout
        st = None
        while time.monotonic() < end:
            st = self.status(cid)
            if st == want:
                return st
            time.sleep(0.05)
        raise AssertionError(f"container {cid}: status {st!r}, expected {want!r} within {timeout}s")

    def cleanup(self, cid):
        """Best effort: kill and delete a container left by a failed test."""
        if self("state", cid).returncode == 0:
            self("kill", cid, "KILL")
            self("delete", "--force", cid)


def wait_file(path, timeout=20, nonempty=True):
    """Waits until a file exists (and has content); returns its text."""
    path = Path(path)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            t = path.read_text()
            if t or not nonempty:
                return t
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{path} did not appear within {timeout}s")


def wait_json(path, timeout=20):
    """Waits until a file holds one complete JSON document (the probe's report); returns it."""
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        try:
            return json.loads(Path(path).read_text())
        except (FileNotFoundError, json.JSONDecodeError) as e:
            last = e
        time.sleep(0.05)
    raise AssertionError(f"{path}: no JSON within {timeout}s ({last})")


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        # gone before the open, or between the open and the read (ESRCH)
        return False


def processes_with(program, arg):
    """Pids of the processes whose program (argv[0]) contains `program` and whose arguments include
    `arg` (a whole argument)."""
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            argv = (d / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and program.encode() in argv[0] and str(arg).encode() in argv[1:]:
            found.append(int(d.name))
    return found


def nspids(pid):
    """The NSpid line of /proc/PID/status as ints (host pid first)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("NSpid:"):
            return [int(x) for x in line.split()[1:]]
    return []


def host_ns(name):
    return os.stat(f"/proc/self/ns/{name}").st_ino


def assert_not_found(rt, p):
    """An unknown container id fails with "does not exist" (what podman and CRI-O match). crun 1.8
    says "No such file or directory" instead, which podman also accepts from it."""
    assert p.returncode != 0
    if rt.kind == "crun":
        assert "does not exist" in p.stderr or "No such file or directory" in p.stderr, p.stderr
    else:
        assert "does not exist" in p.stderr, p.stderr
