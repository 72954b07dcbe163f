#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# The man page's field table and the plan's are the same table: every field the plan gives a fate
# (the literal entries in src/plan.c and every entry of the golden plans) has a row in nspawn-oci(1)'s
# FIELDS section that lists that fate, and every row names a fate the plan knows. Also checks that
# MACHINE NAMES states plan_machine_name()'s rule. No privilege; TAP.

import json
import re
import sys
from pathlib import Path

from tap import done, ok

top = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[2])
FATES = {"nspawn", "unit", "pre", "post", "process", "runtime", "ignored", "rejected", "unhandled"}


def normalize(field):
    field = re.sub(r"\[\d+\]", "[]", field)
    field = re.sub(r"^linux\.sysctl\..*", "linux.sysctl.*", field)
    field = re.sub(r"^hooks\..*", "hooks.*", field)
    return field


man = (top / "man" / "nspawn-oci.1.scd").read_text()
section = man.split("\n# FIELDS\n", 1)[1].split("\n# ", 1)[0]
table = {}
# scdoc table rows: "|  field" then ":  fates" then ":  note"
rows = re.findall(r"^\|\s+(\S+)\n:\s+([^\n]+)\n", section, re.M)
for field, fates in rows:
    table[field.replace("\\*", "*")] = {f.strip() for f in fates.split(",")}
ok(len(table) > 40, f"the FIELDS section has a table ({len(table)} rows)")
ok(all(fs <= FATES for fs in table.values()), "every row names only fates the plan knows")

# what the plan says: literal entries in plan.c, and every golden plan
want = {}
plan_c = (top / "src" / "plan.c").read_text()
for field, fate in re.findall(r'entry\(&?b, "([^"%]+)",\s*(?:\n\s*)?PLAN_FATE_([A-Z]+)', plan_c):
    want.setdefault(normalize(field), set()).add(fate.lower())
for field in re.findall(r'PROC\("([^"]+)"', plan_c):
    want.setdefault(normalize("process." + field), set()).add("process")
for f in sorted((top / "tests" / "golden" / "plan").glob("*/plan*.json")):
    for e in json.loads(f.read_text())["entries"]:
        want.setdefault(normalize(e["field"]), set()).add(e["fate"])

for field in sorted(want):
    row = table.get(field)
    if row is None and field.startswith("linux.resources."):
        row = table.get("linux.resources.*")
    ok(row is not None and want[field] <= row,
       f"{field}: {', '.join(sorted(want[field]))} in the man page"
       + ("" if row is not None else " (no row)") + ("" if row is None or want[field] <= row
                                                     else f" (row says {', '.join(sorted(row))})"))

# MACHINE NAMES: plan_machine_name()'s numbers and hash
names = man.split("\n# MACHINE NAMES\n", 1)[1].split("\n# ", 1)[0]
code = plan_c[plan_c.index("int plan_machine_name("):]
code = code[:code.index("\n}\n")]
ok("0xcbf29ce484222325" in code and "0x100000001b3" in code, "plan_machine_name() hashes with FNV-1a 64")
ok("FNV-1a" in names and "47" in names and "16" in names and "64" in names,
   "MACHINE NAMES states the rule: 47 characters, '-', 16 hex digits of FNV-1a, 64 at most")
ok("n > 47" in code and '"-%016" PRIx64' in code, "… as the code does it")

done()
