#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# One create/start/wait/delete cycle as an engine runs it: this process is a child subreaper (as
# conmon and containerd's shim are), so the container process is reparented to it and reaped at once.
#
#   soak_cycle.py RUNTIME ROOT BUNDLE ID...     (the ids one after the other; exit 0 if all went well)

import ctypes
import json
import os
import sys
import tempfile
import time

PR_SET_CHILD_SUBREAPER = 36


def run(argv, env):
    """argv's exit code and stderr; every other child that ends meanwhile is reaped."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        actions = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                   (os.POSIX_SPAWN_DUP2, out.fileno(), 1), (os.POSIX_SPAWN_DUP2, err.fileno(), 2)]
        pid = os.posix_spawn(argv[0], argv, env, file_actions=actions)
        while True:
            p, status = os.waitpid(-1, 0)
            if p == pid:
                out.seek(0)
                err.seek(0)
                return os.waitstatus_to_exitcode(status), out.read().decode(), err.read().decode()


def reap():
    while True:
        try:
            p, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if p == 0:
            return


def main():
    runtime, root, bundle, *ids = sys.argv[1:]
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    env = dict(os.environ)
    base = [runtime, "--root", root]
    for cid in ids:
        for args in (["create", "--bundle", bundle, cid], ["start", cid]):
            code, _, err = run(base + args, env)
            if code != 0:
                sys.exit(f"{args[0]} {cid}: exit {code}: {err.strip()}")
        end = time.monotonic() + 30
        while True:
            reap()
            code, out, err = run(base + ["state", cid], env)
            if code != 0:
                sys.exit(f"state {cid}: exit {code}: {err.strip()}")
            if json.loads(out)["status"] == "stopped":
                break
            if time.monotonic() > end:
                sys.exit(f"{cid} did not stop")
            time.sleep(0.01)
        code, _, err = run(base + ["delete", cid], env)
        if code != 0:
            sys.exit(f"delete {cid}: exit {code}: {err.strip()}")
        reap()


if __name__ == "__main__":
    main()
