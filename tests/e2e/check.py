#!/usr/bin/env python3
"""tests/e2e/check.py GEN_DIR RUN_DIR DAYS: what a week of nightly runs
did, against the generator's truth, as one JSON object per day on
stdout: records, pairwise precision/recall/F1 of the profile ids, people
whose id changed without the id map saying so, messages sent twice, sent
without consent, in quiet hours, over the caps, for events older than a
day, and the exports' hashing."""
import collections
import datetime
import glob
import json
import os
import re
import sys
import zoneinfo

gen, run, days = sys.argv[1], sys.argv[2], int(sys.argv[3])


def ndjson(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def when(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


def pairs(groups):
    return sum(n * (n - 1) // 2 for n in groups.values())


first = {}          # identifier -> its profile id so far
moved = {}          # id -> id it went to (id maps)
sent = []           # all decisions so far
consent = collections.defaultdict(list)   # profile -> [(ts, {...})]
zone = {}           # profile -> tz
bought = collections.defaultdict(list)    # profile -> purchase times
out = []
for d in range(1, days + 1):
    truth = {}
    for t in ndjson(glob.glob("%s/day-%d/truth-*.ndjson" % (gen, d))[0]):
        truth[(t["file"], t["line"])] = t["person"]
    recs = ndjson("%s/out-%d/records.ndjson" % (run, d))
    for m in ndjson("%s/out-%d/id-map.ndjson" % (run, d)):
        moved[m["from"]] = m["to"]
    clu, ent, both = collections.Counter(), collections.Counter(), \
        collections.Counter()
    changed = 0
    bad = set()
    for r in recs:
        f = r["_src"].split("/", 1)[-1]
        p = truth[(f, r["_line"])]
        pid = r["profile_id"]
        clu[pid] += 1
        ent[p] += 1
        both[(pid, p)] += 1
        if "consent" in r and "ts" in r:
            consent[pid].append((when(r["ts"]), r["consent"]))
        if "tz" in r:
            zone[pid] = r["tz"]
        # An identifier keeps its profile from day to day, or goes where
        # the id map says its profile went.
        for f in ("email", "phone", "customer_id", "cookie"):
            if not r.get(f):
                continue
            key = (f, str(r[f]).lower())
            old = first.get(key, pid)
            seen = set()
            while old in moved and old != pid and old not in seen:
                seen.add(old)
                old = moved[old]
            if old != pid:
                changed += 1
                bad.add(key)
            first[key] = pid

    tp, pred, true = pairs(both), pairs(clu), pairs(ent)
    prec = tp / pred if pred else 1.0
    rec = tp / true if true else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    dec = ndjson("%s/out-%d/decisions.ndjson" % (run, d))
    start = datetime.datetime(2026, 3, 2, tzinfo=datetime.timezone.utc) + \
        datetime.timedelta(days=d - 1)
    twice = no_consent = quiet = old = 0
    keys = {(s["profile_id"], s["action"], s.get("trigger", s["send_at"]))
            for s in sent}
    for s in dec:
        k = (s["profile_id"], s["action"], s.get("trigger", s["send_at"]))
        twice += k in keys
        keys.add(k)
        at = when(s["send_at"])
        if at < start - datetime.timedelta(hours=3):
            old += 1
        # Sent when the night runs: the consent of that moment counts.
        given = None
        for ts, c in sorted(consent[s["profile_id"]], key=lambda x: x[0]):
            if ts <= start + datetime.timedelta(days=1) and \
                    c.get(s["channel"]) is not None:
                given = c[s["channel"]]
        no_consent += given is not True
        tz = zoneinfo.ZoneInfo(zone.get(s["profile_id"], "UTC"))
        h = at.astimezone(tz).time()
        quiet += h >= datetime.time(21) or h < datetime.time(8)
    # A cart left (no purchase within 2 h) by a profile that bought on an
    # earlier day: the reminder is due again (re-entry into the stage).
    due = got = 0
    for r in recs:
        pid = r["profile_id"]
        if r.get("type") == "purchase" or "receipt_id" in r:
            bought[pid].append(when(r["ts"]))
    for r in recs:
        pid = r["profile_id"]
        if r.get("type") != "cart":
            continue
        c = when(r["ts"])
        if not any(b < start for b in bought[pid]) or \
                any(c <= b <= c + datetime.timedelta(hours=2)
                    for b in bought[pid]):
            continue
        due += 1
        got += any(s["profile_id"] == pid and
                   s["action"].startswith("cart") for s in dec)
    sent += dec
    over = 0
    by = collections.defaultdict(list)
    for s in sent:
        by[(s["profile_id"], s["channel"])].append(when(s["send_at"]))
    for (pid, ch), ts in by.items():
        ts.sort()
        span, cap = (datetime.timedelta(days=1), 2) if ch == "email" else \
            (datetime.timedelta(days=7), 1)
        for i in range(len(ts)):
            if sum(1 for t in ts[i:] if t - ts[i] < span) > cap:
                over += 1
                break
    hashed = True
    with open("%s/out-%d/google-customer-match.csv" % (run, d)) as f:
        head = f.readline().strip()
        for line in f:
            for cell in line.strip().split(",")[:2]:
                if cell and not re.fullmatch("[0-9a-f]{64}", cell):
                    hashed = False
    out.append({"day": d, "records": len(recs), "precision": round(prec, 4),
                "recall": round(rec, 4), "f1": round(f1, 4),
                "id_changed": len(bad), "sent": len(dec), "sent_twice": twice,
                "no_consent": no_consent, "quiet_hours": quiet,
                "over_cap": over, "old_history": old,
                "reentry_due": due, "reentry_sent": got,
                "export_header": head, "export_hashed": hashed})
for o in out:
    print(json.dumps(o))
