#!/usr/bin/env python3
"""closed_forms.py MODEL PARAMS.json HORIZON [hyp] < scored.ndjson

An evaluation of cdp-score's per-customer quantities that shares no code
path with it: instead of the closed forms (2F1, Beta sums, series), each
quantity is the posterior expectation written as an integral over the
model's latent rates and integrated numerically by mpmath (tanh-sinh, 30
digits).  Reads the records cdp-score clv or churn --from-summary wrote
(x, t_x, T or n, zbar and the clv_/churn_ fields) and prints one line per
record, then "N checked, M off" where off means a relative difference
above 1e-8 in any field.  With "hyp" (BG/NBD and modified BG/NBD), where
the integral over p cannot converge (a near 0, p ~ Beta(a, b) all but a
point mass), the expected purchases come from the closed form itself,
FHL 2005 eq. 10 with mpmath's 2F1 at 60 digits, where the difference of
nearly equal numbers that costs a double every digit costs it none.
"""
import json
import sys

import mpmath as mp

mp.mp.dps = 30
TOL = mp.mpf("1e-8")


def quad(f, *ranges, **kw):
    """mp.quad that fails loudly when its own error estimate is not far
    below the tolerance checked."""
    v, e = mp.quad(f, *ranges, error=True, **kw)
    if e > mp.mpf("1e-14") * abs(v):
        sys.exit("closed_forms.py: integral not converged (%s)" %
                 mp.nstr(e / abs(v), 3))
    return v


def gamma_ev(shape, rate, k, tau):
    """E[lam^k exp(-lam tau)] for lam ~ Gamma(shape, rate)."""
    return (mp.gamma(shape + k) / mp.gamma(shape) * rate ** shape /
            (rate + tau) ** (shape + k))


def beta_pdf(p, a, b):
    return p ** (a - 1) * (1 - p) ** (b - 1) / mp.beta(a, b)


def bg(par, x, tx, T, t, modified):
    """BG/NBD (modified: a dropout chance at the first purchase too):
    lambda integrated in closed form, p numerically."""
    r, al, a, b = par
    k = 1 if modified else 0

    def alive(p):
        return (1 - p) ** (x + k) * gamma_ev(r, al, x, T)

    def dead(p):
        if x == 0 and not modified:
            return mp.mpf(0)
        return p * (1 - p) ** (x + k - 1) * gamma_ev(r, al, x, tx)

    def w(f):
        return quad(lambda p: f(p) * beta_pdf(p, a, b), [0, 1])

    lik = w(lambda p: alive(p) + dead(p))
    pa = w(alive) / lik
    # alive with rates lambda, p: (1 - e^(-lambda p t)) / p purchases;
    # over lambda ~ posterior Gamma the mean of e^(-lambda p t) is closed
    ey = w(lambda p: (1 - p) ** (x + k) / p * (
        gamma_ev(r, al, x, T) - gamma_ev(r, al, x, T + p * t))) / lik
    none = 1 - pa + w(lambda p: (1 - p) ** (x + k) *
                      gamma_ev(r, al, x, T + t)) / lik
    return pa, ey, none


def bg_hyp(par, x, tx, T, t, modified):
    """BG/NBD's closed forms at 60 digits."""
    with mp.workdps(60):
        r, al, a, b = par
        k = 1 if modified else 0
        R, A, C = r + x, al + T, a + b + x - 1 + k
        if x == 0 and not modified:
            pa = mp.mpf(1)
        else:
            pa = 1 / (1 + a / (b + x - 1 + k) * ((al + T) / (al + tx)) ** R)
        F = mp.hyp2f1(R, b + x + k, C, t / (A + t))
        return pa, C / (a - 1) * (1 - (A / (A + t)) ** R * F) * pa


def pareto(par, x, tx, T, t):
    """Pareto/NBD: the death time integrated numerically."""
    r, al, s, be = par
    alive = gamma_ev(r, al, x, T) * gamma_ev(s, be, 0, T)
    dead = quad(lambda y: gamma_ev(r, al, x, y) *
                   gamma_ev(s, be, 1, y), [tx, T]) if T > tx else 0
    pa = alive / (alive + dead)
    # alive: lambda / mu (1 - e^(-mu t)) under the posterior Gammas
    lam = (r + x) / (al + T)
    life = quad(lambda u: ((be + T) / (be + T + u)) ** s, [0, t])
    R, A, S, B = r + x, al + T, s, be + T
    buys = quad(lambda v: R / (A + v) * (A / (A + v)) ** R *
                   (B / (B + v)) ** S, [0, t])
    return pa, pa * lam * life, 1 - pa * buys


def bgbb(par, x, tx, n, t):
    """BG/BB: theta integrated numerically over the explicit likelihood
    of each death opportunity; p through Beta functions."""
    al, be, ga, de = par
    n, t = int(n), int(t)

    def ep(extra_x, extra_fail):
        """E[p^(x+extra_x) (1-p)^extra_fail] for p ~ Beta(al, be)."""
        return mp.beta(al + x + extra_x, be + extra_fail) / mp.beta(al, be)

    def w(f):
        return quad(lambda th: f(th) * beta_pdf(th, ga, de), [0, 1])

    def lik(th):
        v = ep(0, n - x) * (1 - th) ** n
        for i in range(int(n - tx)):
            v += ep(0, tx - x + i) * th * (1 - th) ** (tx + i)
        return v

    total = w(lik)
    alive = w(lambda th: ep(0, n - x) * (1 - th) ** n)
    pa = w(lambda th: ep(0, n - x) * (1 - th) ** (n + 1)) / total
    ey = w(lambda th: ep(1, n - x) * (1 - th) ** n *
           sum((1 - th) ** j for j in range(1, t + 1))) / total
    # no purchase: dies at the start of opportunity j having bought
    # nothing before, or lives through all t buying nothing
    none = w(lambda th: (1 - th) ** n * (
        sum(ep(0, n - x + j - 1) * (1 - th) ** (j - 1) * th
            for j in range(1, t + 1)) +
        ep(0, n - x + t) * (1 - th) ** t)) / total
    return pa, ey, 1 - alive / total + none


def gg_spend(par, x, zbar):
    """Gamma-Gamma E[Z | x, zbar]: nu integrated numerically on the log
    scale (nu = m e^u, m the posterior's mode), where the integrand is a
    smooth bump of width about 1/sqrt(s), s = px + q: Gauss-Legendre on
    panels of that width / 2k over u in [-70/s - 1, 4] (outside, the
    integrand is below e^-60 of its peak), checked against k doubled."""
    p, q, v = par
    s = p * x + q
    m = (s - 1) / (v + x * zbar)
    like = lambda u: (m * mp.exp(u)) ** s * \
        mp.exp(-m * mp.exp(u) * (v + x * zbar))
    lo, h = -70 / s - 1, 1 / mp.sqrt(s)

    def ez(k):
        n = int((4 - lo) / h * 2 * k) + 1
        pts = [lo + (4 - lo) * j / n for j in range(n + 1)]
        return mp.quad(lambda u: p / (m * mp.exp(u)) * like(u), pts,
                       method="gauss-legendre") / \
            mp.quad(like, pts, method="gauss-legendre")
    a, b = ez(1), ez(2)
    if abs(a - b) > mp.mpf("1e-14") * abs(a):
        sys.exit("closed_forms.py: Gamma-Gamma integral not converged")
    return a


def off(got, want):
    want = mp.mpf(want)
    return abs(mp.mpf(got) - want) > TOL * max(abs(want), mp.mpf("1e-300"))


def main():
    model, path, horizon = sys.argv[1], sys.argv[2], mp.mpf(sys.argv[3])
    with open(path) as f:
        P = json.load(f)
    names = {"bg-nbd": ["r", "alpha", "a", "b"],
             "mbg-nbd": ["r", "alpha", "a", "b"],
             "pareto-nbd": ["r", "alpha", "s", "beta"],
             "bg-bb": ["alpha", "beta", "gamma", "delta"]}[model]
    par = [mp.mpf(repr(P[k])) for k in names]
    spend = P.get("spend")
    checked = bad = 0
    for line in sys.stdin:
        rec = json.loads(line)
        x, tx = mp.mpf(rec["x"]), mp.mpf(repr(rec["t_x"]))
        if model == "bg-bb":
            pa, ey, pn = bgbb(par, x, tx, mp.mpf(rec["n"]), horizon)
        elif model == "pareto-nbd":
            pa, ey, pn = pareto(par, x, tx, mp.mpf(repr(rec["T"])),
                                horizon)
        elif len(sys.argv) > 4 and sys.argv[4] == "hyp":
            pa, ey = bg_hyp(par, x, tx, mp.mpf(repr(rec["T"])), horizon,
                            model == "mbg-nbd")
        else:
            pa, ey, pn = bg(par, x, tx, mp.mpf(repr(rec["T"])), horizon,
                            model == "mbg-nbd")
        want = {}
        if "churn_p_alive" in rec:
            want = {"churn_p_alive": pa, "churn_risk": 1 - pa,
                    "churn_p_no_purchase": pn}
        else:
            want = {"clv_p_alive": pa, "clv_expected_purchases": ey}
            if spend is not None and "clv_expected_spend" in rec:
                gp = [mp.mpf(repr(spend[k])) for k in ("p", "q", "v")]
                z = gg_spend(gp, x, mp.mpf(repr(rec.get("zbar", 0))))
                want["clv_expected_spend"] = z
                want["clv_value"] = z * ey
        wrong = [k for k in want if off(repr(rec[k]), want[k])]
        checked += 1
        bad += bool(wrong)
        print(" ".join("%s=%s%s" % (k, mp.nstr(want[k], 12),
                                    "!" if k in wrong else "")
                       for k in sorted(want)))
    print("%d checked, %d off" % (checked, bad))


main()
