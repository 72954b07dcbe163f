#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fails when the modules of src/ include each other in a circle, or when a module includes one of a
# layer above its own. A module is a source file with its header (plan/plan.c and plan/plan.h are
# "plan/plan"); an arrow A -> B is an #include "B.h" in A.c or A.h. The layers are the folders of src/,
# from the bottom: LAYERS below. The arrows must point one way, from the verbs down to util, so that
# each layer can be read and tested without the ones above it.
#
# usage: check-include-cycles.py [SRC-DIR]     (default: src/ next to this script's folder)

import re
import sys
from pathlib import Path

LAYERS = ["base", "oci", "plan", "host", "box", "cmd"]
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


def layer_of(mod):
    top = mod.split("/")[0]
    return LAYERS.index(top) if top in LAYERS else None


def upward(graph):
    """Arrows into a higher layer, and modules outside every layer."""
    found = []
    for a in sorted(graph):
        la = layer_of(a)
        if la is None:
            found.append(f"{a}: in no layer (the folders of src/ are {', '.join(LAYERS)})")
            continue
        for b in sorted(graph[a]):
            lb = layer_of(b)
            if lb is not None and lb > la:
                found.append(f"{a} includes {b}, a layer above ({LAYERS[la]} < {LAYERS[lb]})")
    return found


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
    wrong = upward(graph)
    for line in wrong:
        print(line)
    if found or wrong:
        return 1
    print(f"check-include-cycles: {len(graph)} modules in {len(LAYERS)} layers, no circle, none includes a layer above")
    return 0


if __name__ == "__main__":
    sys.exit(main())
