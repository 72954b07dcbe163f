#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fails when the modules of src/ include each other in a circle. A module is a source file with its
# header (plan.c and plan.h are "plan"); an arrow A -> B is an #include "B.h" in A.c or A.h. The arrows
# must point one way, from the verbs down to util, so that each layer can be read and tested without
# the ones above it.
#
# usage: check-include-cycles.py [SRC-DIR]     (default: src/ next to this script's folder)

import re
import sys
from pathlib import Path

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def module_of(path, src):
    return str(path.relative_to(src).with_suffix(""))


def read_graph(src):
    graph = {}
    for path in sorted(src.rglob("*")):
        if path.suffix not in (".c", ".h"):
            continue
        mod = module_of(path, src)
        edges = graph.setdefault(mod, set())
        for name in INCLUDE.findall(path.read_text(errors="replace")):
            # quoted includes are found next to the including file, then at the top of src/
            for base in (path.parent, src):
                target = (base / name).resolve()
                if target.is_file() and src.resolve() in target.parents:
                    dep = module_of(target, src.resolve())
                    if dep != mod:
                        edges.add(dep)
                    break
    return graph


def circles(graph):
    """Tarjan's strongly connected components with more than one module."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def main():
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "src"
    graph = read_graph(src)
    if not graph:
        print(f"check-include-cycles: no sources under {src}", file=sys.stderr)
        return 2
    found = circles(graph)
    for comp in found:
        members = set(comp)
        print(f"circle: {' '.join(comp)}")
        for a in comp:
            for b in sorted(graph[a] & members):
                print(f"  {a} includes {b}")
    if found:
        return 1
    print(f"check-include-cycles: {len(graph)} modules, no circle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
