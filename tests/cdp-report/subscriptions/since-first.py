"""since-first.py EVENTS.ndjson - the retention since signup of the
business business.py wrote, computed on its own.

A customer's cohort is the month of its first activation; it is active
in a month when one of its active spans (from a signup, renewal,
reactivation or resume to the next pause or cancel; still open at the
last event of the input) overlaps the month.  Prints the counts as
cdp-report cohort --since-first -f csv prints its first table: cohort,
size, p0..pN, the months after the last one seen empty."""
import json
import sys
from collections import defaultdict
from datetime import datetime, timezone

evs = defaultdict(list)
last = None
with open(sys.argv[1]) as f:
    for i, line in enumerate(f):
        r = json.loads(line)
        t = datetime.strptime(r["ts"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=timezone.utc)
        evs[r["profile_id"]].append((t, i, r["event"]))
        last = t if last is None or t > last else last


def month(t):
    return t.year * 12 + t.month - 1


cohorts = defaultdict(lambda: defaultdict(set))
sizes = defaultdict(int)
for cust, es in evs.items():
    es.sort()
    state, since, spans = "none", None, []
    for t, _, kind in es:
        new = state
        if kind in ("signup", "renew", "reactivate"):
            new = "active"
        elif kind == "resume" and state in ("paused", "cancelled"):
            new = "active"
        elif kind == "pause" and state == "active":
            new = "paused"
        elif kind == "cancel" and state in ("active", "paused"):
            new = "cancelled"
        if new == "active" and since is None:
            since = t
        elif new != "active" and since is not None:
            spans.append((since, t))
            since = None
        state = new
    if since is not None:
        spans.append((since, max(last, since)))
    if not spans:
        continue
    start = month(spans[0][0])
    sizes[start] += 1
    for a, b in spans:
        hi = month(b) if b > a and (b.day, b.hour, b.minute, b.second) != (
            1, 0, 0, 0) else (month(a) if b == a else month(b) - 1)
        for m in range(month(a), hi + 1):
            cohorts[start][m - start].add(cust)

end = month(last)
width = max(end - c for c in sizes) + 1
print("cohort,size," + ",".join("p%d" % k for k in range(width)))
for c in sorted(sizes):
    cells = []
    for k in range(width):
        cells.append("" if c + k > end else str(len(cohorts[c][k])))
    print("%04d-%02d,%d,%s" % (c // 12, c % 12 + 1, sizes[c], ",".join(cells)))
