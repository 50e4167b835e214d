#!/usr/bin/env python3
"""tests/arch/repeats.py TOP [N]: blocks of code written twice in cmd/
and common/ (the C sources and headers).  A block is N or more
consecutive lines (default 9; blank lines and #include lines left out)
that stand again elsewhere, the same to the letter once leading and
trailing white space is gone; at least half of them must be more than
punctuation ("}", "break;", "return 0;").  Prints one line per repeat;
exits 1 when there is any.
"""
import glob
import os
import re
import sys

top = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 9
thin = re.compile(r'^[{}();,\s]*$|^(break|continue|return[^;]*|else|default:'
                  r'|case [^:]*:|#endif|#else)\s*;?$')
lines = {}
for pat in ("cmd/*/*.[ch]", "common/*.[ch]"):
    for f in sorted(glob.glob(os.path.join(top, pat))):
        rel = os.path.relpath(f, top)
        lines[rel] = [(k + 1, l.strip()) for k, l in enumerate(
            open(f, encoding="utf-8", errors="replace"))
            if l.strip() and not l.startswith("#include")]
seen = {}
found = set()
for f, numbered in lines.items():
    ls = [l for _, l in numbered]
    for i in range(len(ls) - n + 1):
        if thin.match(ls[i]):
            continue
        key = "\n".join(ls[i:i + n])
        if sum(1 for l in ls[i:i + n] if not thin.match(l)) < n // 2:
            continue
        if key in seen:
            g, j = seen[key]
            if g == f and abs(i - j) < n:
                continue
            found.add((g, lines[g][j][0], f, numbered[i][0]))
        else:
            seen[key] = (f, i)
# one line per pair of files and first place
last = {}
for g, j, f, i in sorted(found):
    if (g, f) in last and last[(g, f)] >= i - n:
        last[(g, f)] = i
        continue
    last[(g, f)] = i
    print("%s:%d ~ %s:%d" % (g, j, f, i))
sys.exit(1 if found else 0)
