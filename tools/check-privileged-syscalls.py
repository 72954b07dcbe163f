#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fails when a privileged syscall that changes mounts or namespaces (mount, umount, mknod, setns, chroot,
# pivot_root, mount_setattr, open_tree, mkfifo) is called in src/ outside the executors and the holder:
# ALLOWED below. The verbs orchestrate; the closed set of steps that do these things, each with its
# safety argument, lives in those files only, where it can be audited. Comments and string literals
# are not calls.
#
# usage: check-privileged-syscalls.py [SRC-DIR]     (default: src/ next to this script's folder)

import re
import sys
from pathlib import Path

ALLOWED = [
    "box/box-steps.c",    # the executor in the box: its namespaces joined, chrooted into its root
    "box/box-prepare.c",  # the executor on the host before nspawn runs: image mount points, exec FIFO
    "box/box-native.c",   # the native builder: the box nspawn cannot build, built step by step
    "box/init/",          # the holder, PID 1 of the box
]
CALL = re.compile(r"\b(mount|umount2?|mknod|mknodat|setns|chroot|pivot_root|mount_setattr|open_tree|"
                  r"move_mount|fsmount|mkfifo|mkfifoat)\s*\(")
# comments, then string and character literals (escapes kept inside)
NOT_CODE = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)


def blank(m):
    # keeps the line numbers
    return re.sub(r"[^\n]", " ", m.group(0))


def calls(path):
    code = NOT_CODE.sub(blank, path.read_text(errors="replace"))
    for n, line in enumerate(code.splitlines(), 1):
        for m in CALL.finditer(line):
            # a declaration or a struct member of that name is not a call
            before = line[:m.start()].rstrip()
            if before.endswith(("->", ".")):
                continue
            yield n, m.group(1)


def main():
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "src"
    bad = 0
    for path in sorted(src.rglob("*")):
        if path.suffix not in (".c", ".h"):
            continue
        rel = path.relative_to(src).as_posix()
        if any(rel == a or (a.endswith("/") and rel.startswith(a)) for a in ALLOWED):
            continue
        for n, name in calls(path):
            print(f"src/{rel}:{n}: {name}() outside the executors ({', '.join(ALLOWED)})")
            bad += 1
    if bad:
        print(f"{bad} privileged call(s) outside the executors: move them into a step of one")
        return 1
    print("privileged calls: only in " + ", ".join(ALLOWED))
    return 0


if __name__ == "__main__":
    sys.exit(main())
