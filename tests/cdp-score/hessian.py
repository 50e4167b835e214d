#!/usr/bin/env python3
"""hessian.py MODEL FIT.json < rows.ndjson

Standard errors of a cdp-score fit computed another way: the model's
log-likelihood written here from its closed form (Python's lgamma), its
Hessian in the log parameters by second differences of the likelihood
itself (cdp-score differences its analytic gradient), inverted by
Gauss-Jordan.  Rows: bg-nbd and pareto-nbd {x, t_x, T}, bg-bb {x, t_x, n, count},
sbg {period, active} survival counts.  Prints "ok" when every standard
error equals the fit's "se" to 1e-4 relative, else the differences.
"""
import json
import math
import sys

import mpmath as mp

mp.mp.dps = 20


def lbeta(a, b):
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def lse(a, b):
    m = max(a, b)
    return m + math.log(math.exp(a - m) + math.exp(b - m))


def bgnbd(rows, p):
    r, al, a, b = p
    ll = 0.0
    for x, tx, T, w in rows:
        A = math.lgamma(r + x) - math.lgamma(r) + r * math.log(al)
        t1 = lbeta(a, b + x) - lbeta(a, b) - (r + x) * math.log(al + T)
        if x > 0:
            t2 = lbeta(a + 1, b + x - 1) - lbeta(a, b) - \
                (r + x) * math.log(al + tx)
            t1 = lse(t1, t2)
        ll += w * (A + t1)
    return ll


def pareto(rows, p):
    """Fader & Hardie's closed form with mpmath's 2F1 (20 digits); the
    program sums a series or integrates instead."""
    r, al, s, be = [mp.mpf(v) for v in p]
    ll = mp.mpf(0)
    for x, tx, T, w in rows:
        k = r + s + x
        m, b = (al, s + 1) if al >= be else (be, r + x)
        d = abs(al - be)

        def part(t):
            return mp.hyp2f1(k, b, k + 1, d / (m + t)) / (m + t) ** k
        L = 1 / ((al + T) ** (r + x) * (be + T) ** s) + \
            s / k * (part(tx) - part(T))
        ll += w * (mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(al) +
                   s * mp.log(be) + mp.log(L))
    return float(ll)


def bgbb(rows, p):
    al, be, ga, de = p
    ll = 0.0
    for x, tx, n, w in rows:
        v = lbeta(al + x, be + n - x) - lbeta(al, be) + \
            lbeta(ga, de + n) - lbeta(ga, de)
        for i in range(int(n - tx)):
            v = lse(v, lbeta(al + x, be + tx - x + i) - lbeta(al, be) +
                    lbeta(ga + 1, de + tx + i) - lbeta(ga, de))
        ll += w * v
    return ll


def sbg(rows, p):
    ga, de = p
    n = [a for _, a in sorted(rows)]
    ll = 0.0
    for t in range(1, len(n)):
        ll += (n[t - 1] - n[t]) * (lbeta(ga + 1, de + t - 1) - lbeta(ga, de))
    return ll + n[-1] * (lbeta(ga, de + len(n) - 1) - lbeta(ga, de))


def invert(m):
    k = len(m)
    a = [row[:] + [1.0 if i == j else 0.0 for j in range(k)]
         for i, row in enumerate(m)]
    for c in range(k):
        piv = max(range(c, k), key=lambda i: abs(a[i][c]))
        a[c], a[piv] = a[piv], a[c]
        d = a[c][c]
        a[c] = [v / d for v in a[c]]
        for i in range(k):
            if i != c:
                f = a[i][c]
                a[i] = [v - f * u for v, u in zip(a[i], a[c])]
    return [row[k:] for row in a]


def main():
    model, path = sys.argv[1], sys.argv[2]
    fit = json.load(open(path))
    names = {"bg-nbd": ["r", "alpha", "a", "b"],
             "pareto-nbd": ["r", "alpha", "s", "beta"],
             "bg-bb": ["alpha", "beta", "gamma", "delta"],
             "sbg": ["gamma", "delta"]}[model]
    rows = []
    for line in sys.stdin:
        o = json.loads(line)
        if model in ("bg-nbd", "pareto-nbd"):
            rows.append((o["x"], o["t_x"], o["T"], 1))
        elif model == "bg-bb":
            rows.append((o["x"], o["t_x"], o["n"], o.get("count", 1)))
        else:
            rows.append((o["period"], o["active"]))
    ll = {"bg-nbd": bgnbd, "pareto-nbd": pareto, "bg-bb": bgbb,
          "sbg": sbg}[model]
    u = [math.log(fit[k]) for k in names]
    k = len(u)
    h = 1e-3

    def f(v):
        return ll(rows, [math.exp(x) for x in v])

    H = [[0.0] * k for _ in range(k)]
    for i in range(k):
        for j in range(i, k):
            def at(di, dj):
                v = u[:]
                v[i] += di
                v[j] += dj
                return f(v)
            if i == j:
                H[i][i] = (at(h, 0) - 2 * f(u) + at(-h, 0)) / (h * h)
            else:
                H[i][j] = H[j][i] = (at(h, h) - at(h, -h) - at(-h, h) +
                                     at(-h, -h)) / (4 * h * h)
    cov = invert([[-v for v in row] for row in H])
    bad = []
    for i, name in enumerate(names):
        se = math.exp(u[i]) * math.sqrt(cov[i][i])
        if abs(se - fit["se"][name]) > 1e-4 * se:
            bad.append("%s %.8g vs %.8g" % (name, se, fit["se"][name]))
    print("ok" if not bad else "; ".join(bad))


main()
