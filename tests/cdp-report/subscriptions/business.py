"""business.py SEED CUSTOMERS EVENTS.ndjson - a generated subscription
business with its truth.

Writes the lifecycle events of CUSTOMERS customers over 2025 (signups,
monthly renewals at a plan's price, upgrades and downgrades, pauses and
resumes, cancellations and reactivations) to EVENTS.ndjson, shuffled,
and prints the truth per month as CSV, computed here on its own: for
each month, each customer's state and MRR at the month's start and end
are found by replaying its events up to those instants, and the figures
follow cdp-report(1)'s definitions (subscriptions) from them."""
import json
import random
import sys
from datetime import datetime, timedelta, timezone

seed, n, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rnd = random.Random(seed)
start = datetime(2025, 1, 1, tzinfo=timezone.utc)
plans = [9.0, 19.0, 49.5]
events = []                     # (customer, time, kind, mrr or None)

for c in range(n):
    t = start + timedelta(days=rnd.uniform(0, 300), hours=rnd.uniform(0, 24))
    price = rnd.choice(plans)
    events.append((c, t, "signup", price))
    state = "active"
    while True:
        t += timedelta(days=rnd.uniform(20, 40))
        if t.year > 2025:
            break
        r = rnd.random()
        if state == "active":
            if r < 0.10:
                events.append((c, t, "cancel", None)); state = "cancelled"
            elif r < 0.15:
                events.append((c, t, "pause", None)); state = "paused"
            elif r < 0.25:
                price = rnd.choice(plans)
                events.append((c, t, "renew", price))
            else:
                events.append((c, t, "renew", None))
        elif state == "paused":
            if r < 0.6:
                events.append((c, t, "resume", None)); state = "active"
            elif r < 0.8:
                events.append((c, t, "cancel", None)); state = "cancelled"
        else:
            if r < 0.3:
                price = rnd.choice(plans)
                events.append((c, t, "reactivate", price)); state = "active"
            elif r < 0.4:
                break
        if r > 0.99:
            # a stray event that does not apply: a pause while paused
            events.append((c, t + timedelta(hours=1), "pause", None))

with open(out, "w") as f:
    shuffled = events[:]
    rnd.shuffle(shuffled)
    for c, t, kind, mrr in shuffled:
        rec = {"profile_id": "c%d" % c, "event": kind,
               "ts": t.strftime("%Y-%m-%dT%H:%M:%SZ")}
        if mrr is not None:
            rec["mrr"] = mrr
        f.write(json.dumps(rec) + "\n")

by_cust = {}
for c, t, kind, mrr in sorted(events, key=lambda e: (e[0], e[1])):
    by_cust.setdefault(c, []).append((t, kind, mrr))


def replay(evs, until):
    """State, MRR, ever active, after the events before until."""
    state, price, ever = "none", 0.0, False
    for t, kind, mrr in evs:
        if t >= until:
            break
        if kind in ("signup", "renew", "reactivate"):
            state = "active"
        elif kind == "resume" and state in ("paused", "cancelled"):
            state = "active"
        elif kind == "pause" and state == "active":
            state = "paused"
        elif kind == "cancel" and state in ("active", "paused"):
            state = "cancelled"
        else:
            continue
        if mrr is not None:
            price = mrr
        ever = ever or state == "active"
    return state, (price if state == "active" else 0.0), ever


months = [datetime(2025, m, 1, tzinfo=timezone.utc) for m in range(1, 13)]
months.append(datetime(2026, 1, 1, tzinfo=timezone.utc))
print("period,subscribers,paused,new,churned,reactivated,mrr,new_mrr,"
      "expansion_mrr,contraction_mrr,churned_mrr,reactivation_mrr,grr,nrr")
prev = None
for i in range(12):
    a, b = months[i], months[i + 1]
    row = dict(subscribers=0, paused=0, new=0, churned=0, reactivated=0,
               mrr=0.0, new_mrr=0.0, exp=0.0, contr=0.0, churn=0.0,
               react=0.0)
    for evs in by_cust.values():
        s0, m0, ever0 = replay(evs, a)
        s1, m1, ever1 = replay(evs, b)
        row["subscribers"] += s1 == "active"
        row["paused"] += s1 == "paused"
        row["new"] += ever1 and not ever0
        row["churned"] += s0 in ("active", "paused") and s1 == "cancelled"
        row["reactivated"] += s0 == "cancelled" and s1 == "active"
        row["mrr"] += m1
        if m0 > 0:
            if s1 == "cancelled":
                row["churn"] += m0
            elif m1 > m0:
                row["exp"] += m1 - m0
            else:
                row["contr"] += m0 - m1
        elif m1 > 0:
            row["react" if ever0 else "new_mrr"] += m1
    grr = nrr = ""
    if prev:
        grr = (prev - row["churn"] - row["contr"]) / prev
        nrr = (prev - row["churn"] - row["contr"] + row["exp"]) / prev
    print("2025-%02d,%d,%d,%d,%d,%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%s,%s" % (
        i + 1, row["subscribers"], row["paused"], row["new"],
        row["churned"], row["reactivated"], row["mrr"], row["new_mrr"],
        row["exp"], row["contr"], row["churn"], row["react"],
        "" if grr == "" else "%.9f" % grr, "" if nrr == "" else "%.9f" % nrr))
    prev = row["mrr"]
