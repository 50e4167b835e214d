"""markov-k-check.py ORDER DATA.csv [SEQUENCE...] - an independent check
of cdp-report's k-order Markov removal effects.

From ChannelAttribution's path table, a journey's state after each touch
is the tuple of its last ORDER channels (fewer at its start); the
transitions between states (from (start), to (conv) or (null)) are
counted with each row's conversions and nulls.  For each channel, every
state holding it is removed (transitions into it go to null), and the
probability of converting from (start) is found by value iteration:
x <- Q x + r over the remaining states until no value moves by more than
1e-15 -- no matrix, no inverse, no shortcut through the full chain.
A SEQUENCE such as "alpha > beta" removes the states holding that run.
Prints "name,removal_effect" with 12 decimals, channels first."""
import sys
from collections import defaultdict

order = int(sys.argv[1])
trans = defaultdict(lambda: defaultdict(float))
with open(sys.argv[2]) as f:
    next(f)
    for line in f:
        path, conv, _value, null = line.rstrip("\n").split(";")
        ch = path.split(" > ")
        states = [tuple(ch[max(0, i - order + 1):i + 1])
                  for i in range(len(ch))]
        for weight, end in ((int(conv), "(conv)"), (int(null), "(null)")):
            if weight == 0:
                continue
            seq = ["(start)"] + states + [end]
            for a, b in zip(seq, seq[1:]):
                trans[a][b] += weight

prob = {s: [(t, n / sum(row.values())) for t, n in row.items()]
        for s, row in trans.items()}
transient = [s for s in prob]


def holds(state, run):
    if not isinstance(state, tuple):
        return False
    return any(tuple(state[i:i + len(run)]) == run
               for i in range(len(state) - len(run) + 1))


def p_conv(run):
    gone = {s for s in transient if run is not None and holds(s, run)}
    x = defaultdict(float, {"(conv)": 1.0})
    while True:
        delta = 0.0
        for s in transient:
            if s in gone:
                continue
            v = sum(p * x[t] for t, p in prob[s] if t not in gone)
            delta = max(delta, abs(v - x[s]))
            x[s] = v
        if delta < 1e-15:
            return x["(start)"]


base = p_conv(None)
channels = sorted({c for s in transient if isinstance(s, tuple) for c in s})
for c in channels:
    print("%s,%.12f" % (c, 1 - p_conv((c,)) / base))
for seq in sys.argv[3:]:
    run = tuple(x.strip() for x in seq.split(">"))
    print("%s,%.12f" % (seq, 1 - p_conv(run) / base))
