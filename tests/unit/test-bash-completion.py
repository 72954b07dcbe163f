#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# contrib/bash-completion/nspawn-oci offers exactly what the binary's help lists: every command of
# `nspawn-oci --help`, its global options, and for each command the options of `nspawn-oci COMMAND
# --help` (long and short), by running the completion function in bash. No privilege; TAP.
#
#   test-bash-completion.py NSPAWN-OCI COMPLETION-FILE

import re
import subprocess
import sys

from tap import done, ok

binary, completion = sys.argv[1], sys.argv[2]
def same(offered, want, what):
    offered, err = offered
    diff = sorted(offered ^ want)
    ok(not diff, what + (f": {diff} differ {err}".rstrip() if diff else ""))


def help_text(*args):
    p = subprocess.run([binary, *args, "--help"], capture_output=True, text=True)
    return p.returncode, p.stdout


def options(text):
    """The options an option table of a --help lists: each line that starts with an option, up to
    the first run of two spaces (what follows describes it)."""
    found = set()
    for line in text.splitlines():
        if not re.match(r"^\s+-", line):
            continue
        spec = re.split(r"\s{2,}", line.strip())[0]
        found |= set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-[a-zA-Z])(?![\w-])", spec))
    return found


def complete(*words):
    """What the completion function offers for the words (the last one is being completed)."""
    script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); '
              '_nspawn_oci; printf "%s\\n" "${COMPREPLY[@]}"')
    p = subprocess.run(["bash", "-c", script, "bash", completion, binary, *words],
                       capture_output=True, text=True)
    return set(p.stdout.split()), p.stderr


rc, top = help_text()
ok(rc == 0, "nspawn-oci --help exits 0")
commands = top.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
verbs = []
for line in commands.splitlines():
    names = re.split(r"\s{2,}", line.strip())[0]
    verbs += [v.strip() for v in names.split(",")]
ok(len(verbs) >= 18, f"--help lists {len(verbs)} commands")
global_opts = options(top.split("Global options:\n", 1)[1])
ok({"--root", "--log", "--systemd-cgroup", "-h"} <= global_opts, "--help lists the global options")

same(complete(""), set(verbs), "the commands are offered")
same(complete("-"), global_opts, "the global options are offered")
same(complete("--root", "/x", "--debug", ""), set(verbs), "the commands are offered after global options")

for verb in verbs:
    rc, text = help_text(verb)
    if rc != 0:
        # checkpoint and restore: not supported, and nothing to complete
        same(complete(verb, "-"), set(), f"{verb} (fails with --help): no options offered")
        continue
    # what its help lists, and --help itself, which every command takes (it just worked)
    want = options(text) | {"--help", "-h"}
    same(complete(verb, "-"), want, f"{verb}: its options are offered")
    same(complete("--root", "/x", verb, "--"), {o for o in want if o.startswith("--")},
         f"{verb} after --root: its long options")

# values of options that take one of a few
same(complete("--log-format", ""), {"text", "json"}, "--log-format: text, json")
same(complete("--log-format", "=", ""), {"text", "json"}, "--log-format=: text, json")
same(complete("ps", "--format", ""), {"table", "json"}, "ps --format: table, json")
same(complete("delete", "-f", ""), set(), "delete -f is --force and takes no value")
ok("KILL" in complete("kill", "some-id", "")[0], "kill ID: signal names")
ok("CAP_SYS_ADMIN" in complete("exec", "--cap", "CAP_SYS")[0], "exec --cap: capabilities")

done()
