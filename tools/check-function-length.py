#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Lists the top-level C functions of src/ longer than a limit (120 lines, from the line that names the
# function to its closing brace) and fails when one is not in the list of known long functions, or when
# a function in that list has become short enough to leave it. The list only shrinks.
#
# usage: check-function-length.py [--limit N] [--known FILE] [--all] [SRC-DIR]
#   --known FILE  one "path:function" a line ('#' comments), relative to SRC-DIR
#   --all         print every function over the limit, known or not, and exit 0

import argparse
import re
import sys
from pathlib import Path

# A definition starts at column 0 with a type and a name followed by '(' and is not a declaration,
# a macro, a preprocessor line or a comment.
START = re.compile(r"^(?![#/ \t*}])(?!typedef\b|struct\s+\w+\s*\{|enum\b|union\b)[^;=]*?\b(\w+)\s*\(")


def strip_comments_and_strings(text):
    """Blanks comments, strings and character literals, keeping the line breaks."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j - 1]) + c)
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def function_name(header):
    """The last identifier followed by '(' outside parentheses: the name, after any attribute."""
    name, depth = None, 0
    for m in re.finditer(r"(\w+)\s*\(|[()]", header):
        if m.group(1) and depth == 0:
            name = m.group(1)
        depth += 1 if m.group(0).endswith("(") else -1
    return name


def functions(path):
    """(name, first line, last line) of every top-level function definition in a C file."""
    lines = strip_comments_and_strings(path.read_text(errors="replace")).split("\n")
    found, depth, i = [], 0, 0
    while i < len(lines):
        line = lines[i]
        m = START.match(line) if depth == 0 else None
        if m:
            # the header may span lines; a definition reaches '{' before any ';'
            j, header = i, line
            while "{" not in header and ";" not in header and j + 1 < len(lines):
                j += 1
                header += "\n" + lines[j]
            if "{" in header and ";" not in header.split("{", 1)[0]:
                depth = 0
                k = i
                while k < len(lines):
                    depth += lines[k].count("{") - lines[k].count("}")
                    if depth <= 0 and k >= j:
                        break
                    k += 1
                found.append((function_name(header.split("{", 1)[0]) or m.group(1), i + 1, k + 1))
                i = k + 1
                depth = 0
                continue
        depth += line.count("{") - line.count("}")
        i += 1
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=120)
    ap.add_argument("--known")
    ap.add_argument("--all", action="store_true")
    ap.add_argument("src", nargs="?", default=str(Path(__file__).resolve().parents[1] / "src"))
    args = ap.parse_args()
    src = Path(args.src)

    long = {}
    for path in sorted(src.rglob("*.c")):
        for name, first, last in functions(path):
            length = last - first + 1
            if length > args.limit:
                long[f"{path.relative_to(src)}:{name}"] = length
    if args.all:
        for key, length in sorted(long.items(), key=lambda kv: -kv[1]):
            print(f"{length:5d}  {key}")
        return 0

    known = set()
    if args.known:
        for line in Path(args.known).read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                known.add(line)

    failed = False
    for key, length in sorted(long.items()):
        if key not in known:
            print(f"{key}: {length} lines, more than {args.limit}: split it")
            failed = True
    for key in sorted(known - set(long)):
        print(f"{key}: listed as long but is not (any more): take it off {args.known}")
        failed = True
    if not failed:
        print(f"check-function-length: no new function over {args.limit} lines "
              f"({len(known)} known, listed in {args.known})" if known else
              f"check-function-length: no function over {args.limit} lines")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
