#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# The man page's field table and the plan's are the same table: every field the plan gives a fate has
# a row in nspawn-oci(1)'s FIELDS section that lists that fate, and every row names a fate the plan
# knows. The plan is asked, not read: `nspawn-oci explain --format json` over the golden configs, the
# captured podman and CRI-O configs, the parser's every-field config, and variants made here for the
# fates those do not reach,
# and the golden plans with systemd (test-plan-golden holds them to plan_build()'s output). MACHINE
# NAMES is checked the same way: the rule as the man page states it, written out here, against the
# machine names explain gives bundles named like awkward ids. No privilege; TAP.
#
# usage: test-man-fields.py TOP-SRCDIR NSPAWN-OCI

import copy
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from tap import done, ok

top = Path(sys.argv[1])
nspawn_oci = sys.argv[2]
FATES = {"nspawn", "unit", "pre", "post", "process", "runtime", "ignored", "rejected", "unhandled",
         "native"}


def normalize(field):
    field = re.sub(r"\[\d+\]", "[]", field)
    field = re.sub(r"^linux\.sysctl\..*", "linux.sysctl.*", field)
    field = re.sub(r"^hooks\..*", "hooks.*", field)
    return field


def explain(workdir, name, config):
    """The plan of a bundle named 'name' holding config, as explain prints it; None if it fails."""
    bundle = workdir / name
    bundle.mkdir()
    (bundle / "config.json").write_text(json.dumps(config))
    p = subprocess.run([nspawn_oci, "explain", "--format", "json", str(bundle)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        print(f"# explain {name}: {p.stderr.strip()}")
        return None
    return json.loads(p.stdout)


def variants(base):
    """Configs that reach the fates no captured config does: empty, rejected and absent fields."""
    def edit(f):
        c = copy.deepcopy(base)
        f(c)
        return c
    no_uts = lambda c: c["linux"].update(namespaces=[ns for ns in c["linux"]["namespaces"]
                                                      if ns["type"] != "uts"])
    return {
        "empty-names": edit(lambda c: c.update(hostname="", domainname="")),
        "names-without-uts": edit(lambda c: (no_uts(c), c.update(hostname="h", domainname="d"))),
        "bad-cgroups-path": edit(lambda c: c["linux"].update(cgroupsPath="a:b")),
        "no-process": edit(lambda c: c.pop("process")),
        "no-root": edit(lambda c: c.pop("root")),
    }


def machine_name(ident):
    """MACHINE NAMES, as the man page words it."""
    raw = ident.encode()
    hostname_chars = re.compile(rb"^[A-Za-z0-9.-]+$")
    if (1 <= len(raw) <= 64 and hostname_chars.match(raw) and raw[:1] not in (b"-", b".")
            and raw[-1:] not in (b"-", b".") and b".." not in raw):
        return ident
    h = 0xcbf29ce484222325
    for byte in raw:
        h = ((h ^ byte) * 0x100000001b3) & 0xffffffffffffffff
    out = ""
    for byte in raw[:47]:
        c = chr(byte)
        if (c.isascii() and c.isalnum()) or c == "-" or (c == "." and out and out[-1] != "."):
            out += c
        else:
            out += "-"
    if out[0] in "-.":
        out = "x" + out[1:]
    return f"{out}-{h:016x}"


man = (top / "man" / "nspawn-oci.1.scd").read_text()
section = man.split("\n# FIELDS\n", 1)[1].split("\n# ", 1)[0]
table = {}
# scdoc table rows: "|  field" then ":  fates" then ":  note"
for field, fates in re.findall(r"^\|\s+(\S+)\n:\s+([^\n]+)\n", section, re.M):
    table[field.replace("\\*", "*")] = {f.strip() for f in fates.split(",")}
ok(len(table) > 40, f"the FIELDS section has a table ({len(table)} rows)")
ok(all(fs <= FATES for fs in table.values()), "every row names only fates the plan knows")

want = {}
plans = []
with tempfile.TemporaryDirectory(prefix="test-man-fields-") as tmp:
    work = Path(tmp)
    configs = {f"golden-{p.parent.name}": p for p in (top / "tests" / "golden" / "plan").glob("*/config.json")}
    configs.update({f"fixture-{p.stem}": p for p in (top / "tests" / "fixtures" / "oci").glob("*.json")})
    configs.update({f"parse-{p.stem}": p for p in (top / "tests" / "golden" / "parse" / "input").glob("*.json")})
    documents = {name: json.loads(p.read_text()) for name, p in sorted(configs.items())}
    # exec's process.json and update's resources are not bundles
    documents = {name: d for name, d in documents.items() if "ociVersion" in d}
    documents.update(variants(documents["fixture-podman-run-default"]))
    explained = {name: explain(work, name, d) for name, d in documents.items()}
    ok(all(explained.values()), f"explain prints a plan for each of {len(explained)} configs")
    plans += [p for p in explained.values() if p]

    for f in sorted((top / "tests" / "golden" / "plan").glob("*/plan*.json")):
        plans.append(json.loads(f.read_text()))
    for plan in plans:
        for e in plan["entries"]:
            want.setdefault(normalize(e["field"]), set()).add(e["fate"])
    ok(len(want) > 60, f"the plans give {len(want)} fields a fate")

    for field in sorted(want):
        row = table.get(field)
        if row is None and field.startswith("linux.resources."):
            row = table.get("linux.resources.*")
        ok(row is not None and want[field] <= row,
           f"{field}: {', '.join(sorted(want[field]))} in the man page"
           + ("" if row is not None else " (no row)") + ("" if row is None or want[field] <= row
                                                         else f" (row says {', '.join(sorted(row))})"))

    ids = ["valid-host.name", "Upper_lower with spaces", "..dots..x", "-dash", "ends-with-dash-",
           "a" * 64, "a" * 65, "x" * 70 + "_tail", "ümlaut", "a.b..c"]
    base = documents["fixture-podman-run-default"]
    for ident in ids:
        plan = explain(work, ident, base)
        got = plan["machine"] if plan else None
        ok(got == machine_name(ident) and len(got) <= 64,
           f"MACHINE NAMES: {ident!r} is machine {machine_name(ident)!r}" + ("" if got == machine_name(ident)
                                                                                 else f" (explain: {got!r})"))

done()
