"""markov-check.py - an independent check of cdp-report's Markov removal
effects: from ChannelAttribution's path table (Data.csv), count the
first-order transitions, then for each channel remove it (its incoming
transitions go to null) and solve the absorption probabilities by plain
Gauss-Seidel iteration -- one solve per removal, no matrix inverse, no
shortcut.  Prints "channel,removal_effect" rounded to 6 decimals."""
import sys
from collections import defaultdict

trans = defaultdict(lambda: defaultdict(float))
with open(sys.argv[1]) as f:
    next(f)
    for line in f:
        path, conv, _value, null = line.rstrip("\n").split(";")
        ch = path.split(" > ")
        for weight, end in ((int(conv), "(conv)"), (int(null), "(null)")):
            if weight == 0:
                continue
            states = ["(start)"] + ch + [end]
            for a, b in zip(states, states[1:]):
                trans[a][b] += weight

channels = sorted(s for s in trans if s != "(start)")


def p_conv(removed):
    prob = {s: {t: n / sum(row.values()) for t, n in row.items()}
            for s, row in trans.items()}
    x = defaultdict(float, {"(conv)": 1.0})
    for _ in range(100000):
        delta = 0.0
        for s in ["(start)"] + channels:
            if s == removed:
                continue
            v = sum(p * x[t] for t, p in prob[s].items() if t != removed)
            delta = max(delta, abs(v - x[s]))
            x[s] = v
        if delta < 1e-15:
            break
    return x["(start)"]


base = p_conv(None)
for c in channels:
    print("%s,%.6f" % (c, 1 - p_conv(c) / base))
