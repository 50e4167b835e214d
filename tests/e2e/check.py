#!/usr/bin/env python3
"""tests/e2e/check.py GEN_DIR RUN_DIR DAYS: a week of nightly runs of
examples/daily/nightly.sh measured against bench/gen_week's truth.

One JSON object per night on stdout.  Figures: records, precision,
recall, f1 (pairwise, of the profile ids against the people), sent,
stale (decisions the log skipped as history), carts_due.  Every other
count is of faults and must be 0:

  lost            input records in no output, no rejects file and not
                  the repeat of an event kept on this night or before
  twice           records written twice
  unexplained     rejects without a reason, warnings without one, or
                  rejects and warnings that the stage's stats disown
  account         stats lines whose counts do not add up
  id_changed      identifiers whose profile id changed with no id map
                  entry saying where it went
  false_merge     id map entries joining profiles of no common person
  sent_twice      a message sent again to a person (ids followed
                  through the id maps) at the same time, or sooner than
                  its repeat allows
  no_consent      sent while the channel's consent was not true at the
                  send time or when the night ran
  quiet_hours     sent between 21:00 and 08:00 in the person's zone
  over_cap        sends over email 2/1d or sms 1/7d, across nights
  old_history     sent for a time before the night's window
  unwarranted     sent without the event that warrants it: a cart
                  reminder without a cart 2 hours before (or up to 14
                  more for quiet hours) left without a purchase, a
                  thank-you without a purchase
  carts_unlogged  abandoned carts due tonight with no decision in the
                  journey log (sent or not, with its reason)
  wrong_reason    no_consent or capped skips that do not hold
  planted         planted carts whose cart_email went otherwise than
                  expected (expect-DATE.ndjson)
  unscored        profiles with purchases but no RFM fields, or the
                  other way round; segments that disagree with them
  clv_wrong       profiles with purchases but no CLV fields, or the
                  other way round, or whose clv_frequency + 1 is not
                  the number of their distinct purchase days (the
                  calendar day of ts as written) so far
  export_wrong    rows of google-customer-match.csv that are not the
                  consenting profiles' identifiers hashed as Google
                  asks (SHA-256 of the trimmed lower-case email, the
                  E.164 phone with +, the lower-case names; the country
                  in clear), or consenting profiles missing
"""
import collections
import csv
import datetime
import glob
import hashlib
import json
import os
import sys
import zoneinfo

gen, run, days = sys.argv[1], sys.argv[2], int(sys.argv[3])
DAY0 = datetime.datetime(2026, 3, 2, tzinfo=datetime.timezone.utc)
HOUR = datetime.timedelta(hours=1)
CAPS = {"email": (2, datetime.timedelta(days=1)),
        "sms": (1, datetime.timedelta(days=7))}
REPEAT = {"thanks": datetime.timedelta(days=1)}
CHAMPIONS = {"Champions", "Loyal Customers"}


def ndjson(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def one(pattern):
    return glob.glob(pattern)[0]


def when(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


def pairs(groups):
    return sum(n * (n - 1) // 2 for n in groups.values())


def sha(s):
    return hashlib.sha256(s.encode()).hexdigest()


moved = {}          # id -> the id it went to (id maps)


def final(pid):
    seen = set()
    while pid in moved and pid not in seen:
        seen.add(pid)
        pid = moved[pid]
    return pid


first = {}          # identifier -> its profile id so far
persons = collections.defaultdict(set)     # profile id -> people
seen_keys = set()   # event_id / message_id of records kept so far
sent = []           # decisions sent so far
consent = collections.defaultdict(list)   # profile -> [(ts, {...})]
zone = {}           # profile -> tz
carts = collections.defaultdict(list)     # profile -> cart times
buys = collections.defaultdict(list)      # profile -> purchase times
out = []


def consent_at(pid, channel, t):
    """The channel's consent stated last at or before t (None: never)."""
    given = None
    for ts, c in sorted(consent[pid], key=lambda x: x[0]):
        if ts <= t and c.get(channel) is not None:
            given = c[channel]
    return given


def stats_of(d):
    """{stage: counts} of night d's stats.log."""
    st = {}
    with open("%s/out-%d/stats.log" % (run, d)) as f:
        for line in f:
            _, stage, js = line.split(" ", 2)
            st[stage] = json.loads(js)
    return st


for d in range(1, days + 1):
    start = DAY0 + datetime.timedelta(days=d - 1)
    asof = start + datetime.timedelta(days=1)
    res = {"day": d}
    truth = {}
    for t in ndjson(one("%s/day-%d/truth-*.ndjson" % (gen, d))):
        truth[(t["file"], t["line"])] = t["person"]
    recs = ndjson("%s/out-%d/records.ndjson" % (run, d))
    for m in ndjson("%s/out-%d/id-map.ndjson" % (run, d)):
        moved[m["from"]] = m["to"]
    st = stats_of(d)

    # Conservation: each input record is a record of the night, a
    # reject with its reason, or the repeat of an event already kept.
    where = collections.Counter()
    for r in recs:
        where[(r["_src"].split("/", 1)[1], r["_line"])] += 1
        for k in ("event_id", "message_id"):
            if k in r:
                seen_keys.add(r[k])
    res["twice"] = sum(n - 1 for n in where.values())
    rejected, unexplained = set(), 0
    for path in glob.glob("%s/out-%d/rejects/*.ndjson" % (run, d)):
        src = os.path.basename(path)[:-len(".ndjson")]
        errors = warnings = 0
        for j in ndjson(path):
            reason = j.get("_error", j.get("_warning"))
            if not isinstance(reason, str) or not reason:
                unexplained += 1
            if "_error" in j:
                errors += 1
                rejected.add((j["_src"].split("/", 1)[1], j["_line"]))
            else:
                warnings += 1
        s = st.get("ingest-" + src, st.get(src, {}))
        unexplained += errors != s.get("rejected", 0)
        unexplained += warnings != s.get("bad_values", 0)
    res["unexplained"] = unexplained
    raw = {}
    for src in ("web", "email"):
        path = one("%s/day-%d/%s-*.ndjson" % (gen, d, src))
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                try:
                    j = json.loads(line)
                except ValueError:
                    continue
                raw[(os.path.basename(path), n)] = j.get(
                    "event_id", j.get("message_id"))
    lost = 0
    for k in truth:
        if where[k] == 0 and k not in rejected and \
                raw.get(k) not in seen_keys:
            lost += 1
    res["lost"] = lost
    account = 0
    for s in st.values():
        if "used" in s:
            account += s["read"] != s["used"] + s["rejected"] + \
                s["skipped"]
        else:
            account += s["read"] != s["written"] + s["rejected"] + \
                s["dropped"] + s.get("merged", 0)
    res["account"] = account

    # Identity against the truth.
    clu, ent, both = collections.Counter(), collections.Counter(), \
        collections.Counter()
    bad = set()
    for r in recs:
        p = truth[(r["_src"].split("/", 1)[1], r["_line"])]
        pid = r["profile_id"]
        clu[pid] += 1
        ent[p] += 1
        both[(pid, p)] += 1
        persons[pid].add(p)
        if "consent" in r and "ts" in r:
            consent[pid].append((when(r["ts"]), r["consent"]))
        if r.get("tz"):
            zone[pid] = r["tz"]
        # An identifier keeps its profile from night to night, or goes
        # where the id map says its profile went.
        for f in ("email", "phone", "customer_id", "cookie"):
            if not r.get(f):
                continue
            key = (f, str(r[f]).lower())
            if final(first.get(key, pid)) != pid:
                bad.add(key)
            first[key] = pid
    tp, pred, true = pairs(both), pairs(clu), pairs(ent)
    prec = tp / pred if pred else 1.0
    rec = tp / true if true else 1.0
    res.update({"records": len(recs), "precision": round(prec, 4),
                "recall": round(rec, 4),
                "f1": round(2 * prec * rec / (prec + rec), 4)
                if prec + rec else 0.0,
                "id_changed": len(bad)})
    false_merge = 0
    for m in ndjson("%s/out-%d/id-map.ndjson" % (run, d)):
        if not persons[m["from"]] & persons[m["to"]]:
            false_merge += 1
        persons[m["to"]] |= persons[m["from"]]
        consent[m["to"]] += consent[m["from"]]
        carts[m["to"]] += carts[m["from"]]
        buys[m["to"]] += buys[m["from"]]
        zone.setdefault(m["to"], zone.get(m["from"]))
    res["false_merge"] = false_merge

    # Activation: the messages sent tonight, against all sent before.
    for r in recs:
        if r.get("type") == "cart":
            carts[final(r["profile_id"])].append(when(r["ts"]))
        if r.get("type") == "purchase" or "receipt_id" in r:
            buys[final(r["profile_id"])].append(when(r["ts"]))
    dec = ndjson("%s/out-%d/decisions.ndjson" % (run, d))
    log = ndjson("%s/out-%d/journey-log.ndjson" % (run, d))
    twice = no_consent = quiet = old = unwarranted = 0
    by_msg = collections.defaultdict(list)
    for s in sent:
        by_msg[(final(s["profile_id"]), s["action"])].append(
            when(s["send_at"]))
    for s in dec:
        pid, at = final(s["profile_id"]), when(s["send_at"])
        gap = REPEAT.get(s["action"], HOUR)
        twice += any(abs(at - t) < gap for t in by_msg[(pid, s["action"])])
        by_msg[(pid, s["action"])].append(at)
        old += at < start
        if s["action"].startswith("cart_"):
            unwarranted += not any(
                t + 2 * HOUR <= at <= t + 16 * HOUR and
                not any(t < b <= t + 2 * HOUR for b in buys[pid])
                for t in carts[pid])
        else:
            unwarranted += not any(t <= at <= t + 14 * HOUR
                                   for t in buys[pid])
        no_consent += consent_at(pid, s["channel"], at) is not True or \
            consent_at(pid, s["channel"], asof) is not True
        h = at.astimezone(zoneinfo.ZoneInfo(zone.get(pid) or "UTC")).time()
        quiet += h >= datetime.time(21) or h < datetime.time(8)
    sent += dec
    res.update({"sent": len(dec), "sent_twice": twice,
                "no_consent": no_consent, "quiet_hours": quiet,
                "old_history": old, "unwarranted": unwarranted,
                "stale": sum(1 for x in log if x["reason"] == "stale")})
    by_ch = collections.defaultdict(list)
    for s in sent:
        by_ch[(final(s["profile_id"]), s["channel"])].append(
            when(s["send_at"]))
    over = 0
    for (pid, ch), ts in by_ch.items():
        ts.sort()
        cap, span = CAPS[ch]
        over += any(sum(1 for t in ts[i:] if t - ts[i] < span) > cap
                    for i in range(len(ts)))
    res["over_cap"] = over
    # Every abandoned cart due tonight has its decision in the log; the
    # skips for consent and caps hold.
    due = unlogged = 0
    for r in recs:
        if r.get("type") != "cart":
            continue
        t = when(r["ts"])
        if t < start or t + 2 * HOUR > asof or \
                any(t < b <= t + 2 * HOUR
                    for b in buys[final(r["profile_id"])]):
            continue
        due += 1
        unlogged += not any(x["profile_id"] == r["profile_id"] and
                            x["action"].startswith("cart_") and
                            t + 2 * HOUR <= when(x["send_at"]) <=
                            t + 16 * HOUR for x in log)
    wrong = 0
    for x in log:
        pid, at = final(x["profile_id"]), when(x["send_at"])
        if x["reason"] == "no_consent":
            wrong += consent_at(pid, x["channel"], at) is True and \
                consent_at(pid, x["channel"], asof) is True
        elif x["reason"] == "capped":
            cap, span = CAPS[x["channel"]]
            wrong += sum(1 for t in by_ch[(pid, x["channel"])]
                         if abs(t - at) < span) < cap
    res.update({"carts_due": due, "carts_unlogged": unlogged,
                "wrong_reason": wrong})
    # The planted carts (re-entry).
    of_person = collections.defaultdict(set)
    for r in recs:
        of_person[truth[(r["_src"].split("/", 1)[1], r["_line"])]].add(
            r["profile_id"])
    planted = 0
    for e in ndjson(one("%s/day-%d/expect-*.ndjson" % (gen, d))):
        t = when(e["cart"])
        mine = [x for x in log if x["profile_id"] in of_person[e["person"]]
                and x["action"] == e["action"] and
                t + 2 * HOUR <= when(x["send_at"]) <= t + 16 * HOUR]
        planted += len(mine) != 1 or mine[0]["sent"] != e["sent"] or \
            ("reason" in e and mine[0]["reason"] != e["reason"])
    res["planted"] = planted

    # Scores and segments on the profiles.
    profiles = ndjson("%s/out-%d/profiles.ndjson" % (run, d))
    days_of = collections.defaultdict(set)
    for r in ndjson("%s/state-%d/purchases.ndjson" % (run, d)):
        if when(r["ts"]) < asof:
            days_of[r["profile_id"]].add(r["ts"][:10])
    buyers = set(days_of)
    unscored = 0
    for p in profiles:
        unscored += ("rfm_segment" in p) != (p["profile_id"] in buyers)
        unscored += ("champions" in p.get("segments", [])) != \
            (p.get("rfm_segment") in CHAMPIONS)
    res["unscored"] = unscored
    clv_wrong = 0
    for p in profiles:
        n = len(days_of.get(p["profile_id"], ()))
        clv_wrong += p.get("clv_frequency", -1) + 1 != n or \
            ("clv_p_alive" in p) != (n > 0)
    res["clv_wrong"] = clv_wrong

    # The audience for Google Customer Match.
    want = collections.Counter()
    for p in profiles:
        if not (p.get("consent") or {}).get("ads") is True or \
                not (p.get("email") or p.get("phone")):
            continue
        want[tuple(sha(p[f].strip().lower()) if p.get(f) else ""
                   for f in ("email", "phone", "first_name", "last_name"))
             + (p.get("country") or "",)] += 1
    with open("%s/out-%d/google-customer-match.csv" % (run, d),
              newline="") as f:
        rows = list(csv.reader(f))
    got = collections.Counter(tuple(r) for r in rows[1:])
    res.update({"export_header": ",".join(rows[0]),
                "export_rows": len(rows) - 1,
                "export_wrong": sum((got - want).values()) +
                sum((want - got).values())})
    out.append(res)
for o in out:
    print(json.dumps(o))
