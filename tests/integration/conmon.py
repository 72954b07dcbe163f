# SPDX-License-Identifier: LGPL-2.1-or-later
# Drives a runtime through conmon (2.1.6) with the arguments podman 4.3.1 gives it (see
# tests/fixtures/oci/CALLS.md): conmon runs `create`, the test runs `start` as podman does, and conmon
# records the exit code in its exit directory. Runs as root.

import json
import os
import select
import subprocess
import time
from pathlib import Path

from runtime import pid_alive


# conmon forks and its first process exits at once; the one that stays would be reparented to PID 1,
# which need not reap it. So conmon runs under a small reaper that is a child subreaper and waits for
# every descendant, and the reaper is the test's own child.
REAPER = """
import ctypes, os, sys
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, st = os.waitpid(pid, 0)
rc = os.waitstatus_to_exitcode(st)
os.write(1, b"%d\\n" % rc)
os.close(1)
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
"""


class ConmonError(Exception):
    pass


class Conmon:
    def __init__(self, rt, cid, bundle, workdir, systemd_cgroup=False):
        self.rt = rt
        self.cid = cid
        self.bundle = Path(bundle)
        self.dir = Path(workdir) / f"conmon-{cid}"
        self.dir.mkdir(parents=True)
        self.exit_dir = self.dir / "exits"
        self.persist_dir = self.dir / "persist"
        self.socket_dir = self.dir / "sockets"
        for d in (self.exit_dir, self.persist_dir, self.socket_dir):
            d.mkdir()
        self.pid_file = self.dir / "pidfile"
        self.conmon_pid_file = self.dir / "conmon.pid"
        self.log = self.dir / "ctr.log"
        self.oci_log = self.dir / "oci-log"
        self.exit_marker = self.dir / "exit-command-ran"
        self.systemd_cgroup = systemd_cgroup
        self.container_pid = None
        self.reaper = None

    def argv(self):
        a = ["conmon", "--api-version", "1", "-c", self.cid, "-u", self.cid, "-r", str(self.rt.path),
             "-b", str(self.bundle), "-p", str(self.pid_file), "-n", self.cid,
             "--exit-dir", str(self.exit_dir), "--full-attach"]
        if self.systemd_cgroup:
            a.append("-s")
        a += ["-l", f"k8s-file:{self.log}", "--log-level", "debug",
              # podman's private state dir arrives the way the capture harness gave it
              "--runtime-arg", "--root", "--runtime-arg", str(self.rt.root),
              "--runtime-arg", "--log-format=json", "--runtime-arg", "--log",
              f"--runtime-arg={self.oci_log}",
              "--conmon-pidfile", str(self.conmon_pid_file),
              "--exit-command", "/bin/sh", "--exit-command-arg", "-c",
              "--exit-command-arg", f'echo "$0" > {self.exit_marker}', "--exit-command-arg", self.cid,
              "--persist-dir", str(self.persist_dir), "--socket-dir-path", str(self.socket_dir)]
        return a

    def create(self, timeout=60):
        """Starts conmon, which runs `RUNTIME create`; returns the container's pid that conmon
        reports on its sync pipe."""
        r, w = os.pipe()
        env = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), "HOME": "/root",
               "XDG_RUNTIME_DIR": "", "_OCI_SYNCPIPE": str(w)}
        try:
            with open(self.dir / "conmon.stderr", "w") as err:
                self.reaper = subprocess.Popen(["/usr/bin/python3", "-c", REAPER] + self.argv(), env=env,
                                               pass_fds=(w,), stdin=subprocess.DEVNULL,
                                               stdout=subprocess.PIPE, stderr=err, text=True)
            os.close(w)
            w = -1
            rc = self.reaper.stdout.readline().strip()
            if rc != "0":
                raise ConmonError(f"conmon exited {rc or '?'}: {self.debug()}")
            msg = self._read_sync(r, timeout)
        finally:
            if w >= 0:
                os.close(w)
            os.close(r)
        pid = msg.get("data", -1)
        if pid <= 0:
            raise ConmonError(f"create failed: {msg.get('message')}; {self.debug()}")
        self.container_pid = pid
        return pid

    @staticmethod
    def _read_sync(fd, timeout):
        buf = b""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            ready, _, _ = select.select([fd], [], [], max(0, end - time.monotonic()))
            if not ready:
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            buf += chunk
            try:
                return json.loads(buf.decode().strip().splitlines()[0])
            except (json.JSONDecodeError, IndexError):
                continue
        raise ConmonError(f"no message on the sync pipe (got {buf!r})")

    def exec(self, process, tty=False, timeout=60):
        """Runs a process in the container as podman exec does: a new conmon with --exec and the
        process.json in a file (conmon runs `exec --detach --pid-file F --process F [--tty
        --console-socket S]`). Returns (exit code, [(stream, text)] from conmon's log)."""
        n = len(list(self.dir.glob("exec-*"))) + 1
        d = self.dir / f"exec-{n}"
        d.mkdir()
        spec = d / "exec-process.json"
        spec.write_text(json.dumps(process))
        exit_dir = d / "exits"
        exit_dir.mkdir()
        log = d / "exec.log"
        a = ["conmon", "--api-version", "1", "-c", self.cid, "-u", f"exec{n}", "-r", str(self.rt.path),
             "-b", str(d), "-p", str(d / "exec_pid"), "-n", self.cid, "--exit-dir", str(exit_dir),
             "--full-attach", "-l", f"k8s-file:{log}", "--log-level", "debug",
             "--runtime-arg", "--root", "--runtime-arg", str(self.rt.root),
             "--runtime-arg", "--log-format=json", "--runtime-arg", "--log", f"--runtime-arg={d / 'oci-log'}",
             "-e", "--exec-process-spec", str(spec)]
        if tty:
            a.append("-t")
        r, w = os.pipe()
        env = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), "HOME": "/root",
               "XDG_RUNTIME_DIR": "", "_OCI_SYNCPIPE": str(w)}
        try:
            with open(d / "conmon.stderr", "w") as err:
                reaper = subprocess.Popen(["/usr/bin/python3", "-c", REAPER] + a, env=env, pass_fds=(w,),
                                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err,
                                          text=True)
            os.close(w)
            w = -1
            try:
                rc = reaper.stdout.readline().strip()
                if rc != "0":
                    raise ConmonError(f"conmon exited {rc or '?'}: {(d / 'conmon.stderr').read_text()}")
                msg = self._read_sync(r, timeout)
                if msg.get("data", -1) <= 0:
                    raise ConmonError(f"exec failed: {msg}")
                reaper.wait(timeout=timeout)
                files = list(exit_dir.iterdir())
                if len(files) != 1:
                    raise ConmonError(f"exit dir holds {files}: {(d / 'conmon.stderr').read_text()}")
                code = int(files[0].read_text().strip())
            finally:
                if reaper.poll() is None:
                    reaper.kill()
                    reaper.wait()
                reaper.stdout.close()
        finally:
            if w >= 0:
                os.close(w)
            os.close(r)
        out = []
        for line in log.read_text().splitlines() if log.exists() else []:
            parts = line.split(" ", 3)
            if len(parts) == 4:
                out.append((parts[1], parts[3]))
        return code, out

    def conmon_pid(self):
        try:
            return int(self.conmon_pid_file.read_text())
        except (OSError, ValueError):
            return None

    def start(self):
        p = self.rt("start", self.cid)
        if p.returncode != 0:
            raise ConmonError(f"start exited {p.returncode}: {p.stderr}")

    def wait_exit(self, timeout=30):
        """The exit code conmon wrote to its exit file; waits for conmon itself to end too."""
        f = self.exit_dir / self.cid
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if f.exists() and f.read_text().strip():
                break
            time.sleep(0.05)
        else:
            raise ConmonError(f"no exit file {f} within {timeout}s: {self.debug()}")
        self.reaper.wait(timeout=max(1, end - time.monotonic()))
        return int(f.read_text().strip())

    def output(self):
        """What the container wrote, from conmon's k8s-file log: [(stream, text)]."""
        out = []
        if not self.log.exists():
            return out
        for line in self.log.read_text().splitlines():
            parts = line.split(" ", 3)
            if len(parts) == 4:
                out.append((parts[1], parts[3]))
        return out

    def debug(self):
        t = []
        for f in (self.dir / "conmon.stderr", self.oci_log):
            if f.exists():
                t.append(f"{f.name}: {f.read_text()[-2000:]}")
        return "\n".join(t)

    def cleanup(self):
        self.rt.cleanup(self.cid)
        pid = self.conmon_pid()
        if pid and pid_alive(pid):
            os.kill(pid, 9)
        if self.reaper:
            try:
                self.reaper.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.reaper.kill()
                self.reaper.wait()
            self.reaper.stdout.close()
