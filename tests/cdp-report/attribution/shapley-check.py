"""shapley-check.py WORTH [ordered] PATHS.csv - an independent check of
cdp-report's Shapley values by brute force.

PATHS.csv is a path table as ChannelAttribution's Data.csv
(path;conversions;value;nulls).  A journey's channel set (with
"ordered": the sequence of its channels in first-touch order) is T;
a(T) is the conversion rate of the journeys with exactly that T (WORTH
rate) or their conversions (WORTH count).  A coalition S of channels is
worth v(S) = sum of a(T) over the T whose channels all lie in S, and
each channel's Shapley value is computed from the definition, over every
coalition without it:

    phi(c) = sum over S of |S|! (n - |S| - 1)! / n! (v(S + c) - v(S))

Rates are then scaled to add up to the conversions.  Prints
"channel,conversions" with 9 decimals, channels sorted."""
import sys
from collections import defaultdict
from itertools import combinations
from math import factorial

worth, path_file = sys.argv[1], sys.argv[-1]
ordered = "ordered" in sys.argv[2:-1]
conv, total = defaultdict(float), defaultdict(float)
with open(path_file) as f:
    next(f)
    for line in f:
        path, c, _value, null = line.rstrip("\n").split(";")
        seq = []
        for ch in path.split(" > "):
            if ch not in seq:
                seq.append(ch)
        key = tuple(seq) if ordered else frozenset(seq)
        conv[key] += int(c)
        total[key] += int(c) + int(null)

a = {t: (conv[t] / total[t] if worth == "rate" else conv[t])
     for t in total if total[t] > 0}
channels = sorted({c for t in a for c in t})
n = len(channels)
memo = {}


def v(s):
    if s not in memo:
        memo[s] = sum(x for t, x in a.items() if set(t) <= s)
    return memo[s]


phi = {}
for c in channels:
    others = [x for x in channels if x != c]
    phi[c] = 0.0
    for k in range(n):
        weight = factorial(k) * factorial(n - k - 1) / factorial(n)
        for s in combinations(others, k):
            s = frozenset(s)
            phi[c] += weight * (v(s | {c}) - v(s))
scale = sum(conv.values()) / sum(phi.values()) if worth == "rate" else 1
for c in channels:
    print("%s,%.9f" % (c, phi[c] * scale))
