#!/usr/bin/env python3
"""tests/arch/deps.py BUILD: the file-level dependencies of cdpipe.

From the compiler's dependency files (BUILD/obj/**/*.d): a program's
objects include only their own folder's headers and common/'s, common/
only its own.  From nm of the objects: the graph of "file A calls a
function or uses data defined in file B" within each program (with
common/) has no cycle, and common/ never needs a program's symbol.
Prints one line per violation; exits 1 when there is any.
"""
import os
import subprocess
import sys

build = sys.argv[1]
top = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
bad = []


def area(path):
    """'common', 'cmd/PROG', or None (system, tests, bench)."""
    p = os.path.relpath(os.path.abspath(os.path.join(top, path)), top)
    parts = p.split(os.sep)
    if parts[0] == "common":
        return "common"
    if parts[0] == "cmd" and len(parts) > 2:
        return "cmd/" + parts[1]
    return None


def deps_of(d):
    text = open(d).read().replace("\\\n", " ")
    first = text.split("\n", 1)[0]
    return first.split(":", 1)[1].split()


objdir = os.path.join(build, "obj")
for root in ("common", "cmd"):
    for dirpath, _, files in os.walk(os.path.join(objdir, root)):
        for f in files:
            if not f.endswith(".d"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, f), objdir)
            src = rel[:-2] + ".c"
            mine = area(src)
            os.chdir(top)
            for dep in deps_of(os.path.join(dirpath, f)):
                a = area(dep)
                if a is None or a == mine or (a == "common" and
                                              mine != "common"):
                    continue
                bad.append("%s includes %s" % (src, dep))


def symbols(obj):
    out = subprocess.run(["nm", "--defined-only", "-g", obj],
                         capture_output=True, text=True).stdout
    defined = {l.split()[-1] for l in out.splitlines() if l.strip()}
    out = subprocess.run(["nm", "-u", obj], capture_output=True,
                         text=True).stdout
    used = {l.split()[-1] for l in out.splitlines() if l.strip()}
    return defined, used


def objects(folder):
    d = os.path.join(objdir, folder)
    return sorted(os.path.join(folder, f)[:-2] + ".c"
                  for f in os.listdir(d) if f.endswith(".o"))


common = objects("common")
progs = sorted(os.listdir(os.path.join(objdir, "cmd")))
syms = {}
for src in common + [s for p in progs for s in objects("cmd/" + p)]:
    syms[src] = symbols(os.path.join(objdir, src[:-2] + ".o"))


def cycles(files):
    owner = {}
    for f in files:
        for s in syms[f][0]:
            owner.setdefault(s, f)
    edges = {f: sorted({owner[s] for s in syms[f][1]
                        if s in owner and owner[s] != f}) for f in files}
    # Tarjan's strongly connected components.
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for f in files:
        if f not in index:
            visit(f)
    return out


for comp in cycles(common):
    bad.append("call cycle: " + " <-> ".join(comp))
for p in progs:
    files = objects("cmd/" + p)
    for comp in cycles(files + common):
        bad.append("call cycle: " + " <-> ".join(comp))
    # common/ needs nothing a program defines
    mine = set().union(*(syms[f][0] for f in files))
    for f in common:
        for s in sorted(syms[f][1] & mine):
            bad.append("%s uses %s of cmd/%s" % (f, s, p))

for b in sorted(set(bad)):
    print(b)
sys.exit(1 if bad else 0)
