/*
 * clvout.c - what clv and churn write: the parameters as JSON (with
 * standard errors, 95% intervals and their covariance) and reading them
 * back, each customer's fields, and the 90% intervals per customer from
 * parameter draws.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <jansson.h>

#include "clv.h"
#include "diag.h"
#include "jsonload.h"
#include "out.h"
#include "record.h"
#include "xalloc.h"

void
json_num(struct cdp_buf *b, const char *key, double v)
{
	char num[32];
	int n = cdp_fmt_double(num, v);

	if (!isfinite(v)) {
		if (cdp_buf_addf(b, ",\"%s\":null", key) == -1)
			cdp_oom(0);
		return;
	}
	if (n < 0 || cdp_buf_addf(b, ",\"%s\":%.*s", key, n, num) == -1)
		cdp_oom(0);
}

void
holdout_json(struct cdp_buf *b, const struct holdout *h)
{
	if (cdp_buf_addf(b, "\"holdout\":{\"customers\":%llu",
	    h->customers) == -1)
		cdp_oom(0);
	json_num(b, "length", h->len);
	if (cdp_buf_addf(b, ",\"actual\":%llu", h->actual) == -1)
		cdp_oom(0);
	json_num(b, "expected", h->expected);
	json_num(b, "mae", h->customers ? h->abserr / h->customers : 0);
	if (cdp_buf_addc(b, '}') == -1)
		cdp_oom(0);
}

/* v as an element of a JSON array, after a comma unless first. */
static void
json_elem(struct cdp_buf *b, double v, bool first)
{
	char num[32];
	int n = cdp_fmt_double(num, v);

	if (!first && cdp_buf_addc(b, ',') == -1)
		cdp_oom(0);
	if ((!isfinite(v) ? cdp_buf_adds(b, "null") : n < 0 ? -1 :
	    cdp_buf_add(b, num, (size_t)n)) == -1)
		cdp_oom(0);
}

/* ---- the parameters as JSON ---------------------------------------- */

/* The name of parameter i of f ("r", or "purchase:channel=web"). */
static void
param_name(const struct fit *f, const struct design *D, int i,
    struct cdp_buf *b)
{
	cdp_buf_reset(b);
	if (i < f->nbase) {
		if (cdp_buf_adds(b, model_param_name(f->kind, i)) == -1)
			cdp_oom(0);
		return;
	}
	i -= f->nbase;
	if (cdp_buf_addf(b, "%s:%s", i < f->nz ? "purchase" : "lifetime",
	    D->name[i % f->nz]) == -1)
		cdp_oom(0);
}

/* ,"se":{...},"ci95":{...},"vcov":[[...]] when known. */
static void
uncertainty(struct cdp_buf *b, const struct fit *f, const struct design *D)
{
	struct cdp_buf name = { 0 };

	if (!f->has_vcov)
		return;
	for (int part = 0; part < 2; part++) {
		size_t open;

		if (cdp_buf_adds(b, part ? ",\"ci95\":{" : ",\"se\":{") == -1)
			cdp_oom(0);
		open = b->len;
		for (int i = 0; i < f->np; i++) {
			double s = sqrt(f->vcov[i * f->np + i]), u, lo, hi;

			param_name(f, D, i, &name);
			if (part == 0) {
				json_num(b, name.p, f->se[i]);
				continue;
			}
			/* on the fitted scale: ln p for the parameters */
			u = i < f->nbase ? log(f->p[i]) : f->p[i];
			lo = u - 1.959963984540054 * s;
			hi = u + 1.959963984540054 * s;
			if (i < f->nbase) {
				lo = exp(lo);
				hi = exp(hi);
			}
			if (cdp_buf_addf(b, ",\"%s\":[", name.p) == -1)
				cdp_oom(0);
			json_elem(b, lo, true);
			json_elem(b, hi, false);
			if (cdp_buf_addc(b, ']') == -1)
				cdp_oom(0);
		}
		/* the members were written each after a comma */
		memmove(b->p + open, b->p + open + 1, b->len - open - 1);
		b->p[--b->len] = '\0';
		if (cdp_buf_addc(b, '}') == -1)
			cdp_oom(0);
	}
	if (cdp_buf_adds(b, ",\"vcov\":[") == -1)
		cdp_oom(0);
	for (int i = 0; i < f->np; i++) {
		if (cdp_buf_adds(b, i ? ",[" : "[") == -1)
			cdp_oom(0);
		for (int j = 0; j < f->np; j++)
			json_elem(b, f->vcov[i * f->np + j], j == 0);
		if (cdp_buf_addc(b, ']') == -1)
			cdp_oom(0);
	}
	if (cdp_buf_addc(b, ']') == -1)
		cdp_oom(0);
	cdp_buf_free(&name);
}

static void
fit_json(struct cdp_buf *b, const struct fit *f, const struct design *D)
{
	struct cdp_buf name = { 0 };

	if (cdp_buf_addf(b, "{\"model\":\"%s\"", model_name(f->kind)) == -1)
		cdp_oom(0);
	json_num(b, "customers", f->customers);
	for (int i = 0; i < f->np; i++) {
		param_name(f, D, i, &name);
		json_num(b, name.p, f->p[i]);
	}
	json_num(b, "ll", f->ll);
	if (cdp_buf_addf(b, ",\"converged\":%s,\"iterations\":%d,"
	    "\"starts\":%d,\"starts_converged\":%d", f->converged ? "true" :
	    "false", f->iterations, f->starts, f->starts_ok) == -1)
		cdp_oom(0);
	if (!f->converged && f->why[0] != '\0') {
		if (cdp_buf_adds(b, ",\"why\":") == -1 ||
		    cdp_json_quote(b, f->why, strlen(f->why)) == -1)
			cdp_oom(0);
	}
	uncertainty(b, f, D);
	cdp_buf_free(&name);
}

void
clv_fit_json(struct cdp_buf *b, const struct fit *f)
{
	struct design none = { 0 };

	fit_json(b, f, &none);
}

void
clv_print_fit(struct cdp_out *out, const struct clv *C)
{
	struct cdp_buf b = { 0 };
	struct design none = { 0 };
	struct cdp_err err;
	const struct holdout *h = C->h;

	fit_json(&b, &C->f, &C->D);
	if (C->opt->cmd == CMD_CHURN) {
		/* churn has no spend model */
	} else if (C->has_spend) {
		if (cdp_buf_adds(&b, ",\"spend\":") == -1)
			cdp_oom(0);
		fit_json(&b, &C->g, &none);
		if (cdp_buf_addc(&b, '}') == -1)
			cdp_oom(0);
	} else if (cdp_buf_adds(&b, ",\"spend\":null,\"spend_why\":") ==
	    -1 || cdp_json_quote(&b, C->spend_why,
	    strlen(C->spend_why)) == -1) {
		cdp_oom(0);
	}
	if (h != NULL) {
		if (cdp_buf_addc(&b, ',') == -1)
			cdp_oom(0);
		holdout_json(&b, h);
	}
	if (cdp_buf_adds(&b, "}\n") == -1)
		cdp_oom(0);
	if (cdp_out_write(out, b.p, b.len, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	cdp_buf_free(&b);
}

/* ---- --params ------------------------------------------------------ */

/* Read one model (its own parameters, and "vcov" when there) from
 * object o of doc d (messages lead with where).  Returns 0, or -1 with
 * err. */
static int
load_model(const struct cdp_json_doc *d, json_t *o, const char *where,
    struct fit *f, struct cdp_err *err)
{
	const char *m = json_string_value(json_object_get(o, "model"));
	json_t *vc = json_object_get(o, "vcov");
	int k;

	for (k = 0; k <= M_SBG; k++)
		if (m != NULL && strcmp(m, model_name((enum model_kind)k)) ==
		    0)
			break;
	if (k > M_SBG)
		return cdp_json_fail_key(err, EX_DATAERR, d, o, "model",
		    "%smodel: expected bg-nbd, mbg-nbd, pareto-nbd, bg-bb, sbg "
		    "or gamma-gamma", where);
	*f = (struct fit){ .kind = (enum model_kind)k,
	    .nbase = model_nbase((enum model_kind)k), .converged = true };
	f->np = f->nbase;
	for (int i = 0; i < f->np; i++) {
		const char *name = model_param_name(f->kind, i);
		json_t *v = json_object_get(o, name);

		f->p[i] = json_number_value(v);
		if (!json_is_number(v) || !(f->p[i] > 0) || !isfinite(f->p[i]))
			return cdp_json_fail_key(err, EX_DATAERR, d, o, name,
			    "%s%s: expected a positive number", where, name);
	}
	if (vc == NULL)
		return 0;
	/* the covariance of the fit, for --intervals */
	for (int i = 0; i < f->np * f->np; i++) {
		json_t *v = json_array_get(json_array_get(vc,
		    (size_t)(i / f->np)), (size_t)(i % f->np));

		if (!json_is_array(vc) || json_array_size(vc) !=
		    (size_t)f->np || !json_is_number(v))
			return cdp_json_fail_key(err, EX_DATAERR, d, o, "vcov",
			    "%svcov: expected %d rows of %d numbers", where,
			    f->np, f->np);
		f->vcov[i] = json_number_value(v);
	}
	f->has_vcov = true;
	return 0;
}

/* The models of a --params file into C; -1 with err on a bad file. */
static int
load_params(struct clv *C, const struct cdp_json_doc *d, struct cdp_err *err)
{
	json_t *root = cdp_json_doc_root(d), *sp, *v;
	const char *key;

	if (!json_is_object(root))
		return cdp_json_fail(err, EX_DATAERR, d, root, "expected a "
		    "JSON object as --fit-only writes");
	if (load_model(d, root, "", &C->f, err) == -1)
		return -1;
	if (C->f.kind == M_GAMMA || C->f.kind == M_SBG)
		return cdp_json_fail_key(err, EX_DATAERR, d, root, "model",
		    "model: expected bg-nbd, mbg-nbd, pareto-nbd or bg-bb");
	json_object_foreach(root, key, v)
		if (strchr(key, ':') != NULL)
			return cdp_json_fail_key(err, EX_DATAERR, d, root, key,
			    "%s: parameters with covariates cannot be loaded",
			    key);
	sp = json_object_get(root, "spend");
	C->has_spend = false;
	if (C->opt->cmd != CMD_CLV || C->opt->spend == SPEND_NONE)
		return 0;
	if (!json_is_object(sp))
		return cdp_json_fail_key(err, EX_DATAERR, d, root, "spend",
		    "spend: expected the gamma-gamma parameters (or "
		    "--spend-model none)");
	if (load_model(d, sp, "spend: ", &C->g, err) == -1)
		return -1;
	if (C->g.kind != M_GAMMA)
		return cdp_json_fail_key(err, EX_DATAERR, d, sp, "model",
		    "spend: model: expected gamma-gamma");
	if (!(C->g.p[1] > 1))
		return cdp_json_fail_key(err, EX_DATAERR, d, sp, "q", "spend: "
		    "q must be above 1 (the mean spend is infinite otherwise)");
	C->has_spend = true;
	return 0;
}

void
clv_load_params(struct clv *C, const char *path)
{
	struct cdp_err err;
	struct cdp_json_doc *d = cdp_json_doc_load(path, &err);

	if (d == NULL || load_params(C, d, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	cdp_json_doc_free(d);
	if (C->opt->model != C->f.kind && C->opt->model != M_BGNBD)
		cdp_warn(NULL, 0, "%s: the model of --params, %s, is used",
		    path, model_name(C->f.kind));
}

/* ---- per customer -------------------------------------------------- */

/* The own parameters of customer c under f. */
static void
indiv(const struct clv *C, const struct fit *f, const struct rfx *c,
    double *q)
{
	model_indiv(f->kind, f->nz, f->p, f->nz ? C->D.z + (size_t)c->g *
	    C->D.nz : NULL, q);
}

/*
 * Discounted value: E[Z] times the purchases expected in each period k
 * of the horizon, E[Y(k)] - E[Y(k-1)], discounted by (1 + d)^k; the last
 * period ends at the horizon.  With d = 0 this is E[Z] E[Y(H)].
 */
static double
value(const struct score_opts *opt, enum model_kind kind, const double *q,
    const struct rfx *c, double spend, double ey)
{
	double sum = 0, prev = 0, eprev = 0, H = opt->horizon;

	if (opt->discount == 0)
		return spend * ey;
	for (double k = 1; prev < H; k++) {
		double t = k < H ? k : H, e = model_expected(kind, q, c, t);

		sum += (e - eprev) / pow(1 + opt->discount, t);
		prev = t;
		eprev = e;
	}
	return spend * sum;
}

int
clv_field_names(const struct clv *C, const char **names)
{
	const struct score_opts *opt = C->opt;
	bool bb = C->f.kind == M_BGBB;
	int n = 0;

	if (opt->cmd == CMD_CHURN) {
		names[n++] = "churn_p_alive";
		names[n++] = "churn_risk";
		names[n++] = "churn_p_no_purchase";
		return n;
	}
	names[n++] = "clv_frequency";
	names[n++] = "clv_recency";
	names[n++] = bb ? "clv_opportunities" : "clv_T";
	if (C->has_spend) {
		names[n++] = "clv_monetary";
		names[n++] = "clv_currency";
	}
	names[n++] = "clv_p_alive";
	names[n++] = "clv_expected_purchases";
	if (opt->intervals) {
		names[n++] = "clv_expected_purchases_lo";
		names[n++] = "clv_expected_purchases_hi";
	}
	if (C->has_spend) {
		names[n++] = "clv_expected_spend";
		names[n++] = "clv_value";
		if (opt->intervals) {
			names[n++] = "clv_value_lo";
			names[n++] = "clv_value_hi";
		}
	}
	if (opt->has_holdout) {
		names[n++] = "clv_holdout_purchases";
		names[n++] = "clv_holdout_expected";
	}
	return n;
}

/*
 * A prediction the model's formulas cannot give at the customer's own
 * parameters q (a number out of its range or not finite, where a fit
 * that did not converge can leave them): exit 65 saying so, rather than
 * write it.
 */
_Noreturn void
clv_undefined(const struct clv *C, const double *q, const char *name)
{
	const struct fit *f = &C->f;
	char at[160];
	size_t len = 0;

	for (int i = 0; i < f->nbase && len < sizeof(at); i++)
		len += (size_t)snprintf(at + len, sizeof(at) - len, "%s%s %.6g",
		    i ? ", " : "", model_param_name(f->kind, i), q[i]);
	cdp_die(EX_DATAERR, C->opt->params, 0, "%s: %s cannot be computed "
	    "at %s: no formula holds its digits there (parameters that far "
	    "out are often those of a fit that did not converge)",
	    model_name(f->kind), name, at);
}

static void
put(const struct clv *C, const double *q, struct cdp_recw *w,
    const char *name, double v, bool whole)
{
	int rc;

	if (!isfinite(v))
		clv_undefined(C, q, name);
	rc = whole ? cdp_recw_int(w, name, strlen(name), (long long)v) :
	    cdp_recw_num(w, name, strlen(name), v);
	if (rc == -1)
		cdp_oom(0);
}

void
clv_add_fields(void *st, struct cdp_recw *w, size_t i)
{
	const struct clv *C = st;
	const struct score_opts *opt = C->opt;
	const struct rfx *c = &C->c[i];
	enum model_kind kind = C->f.kind;
	double q[MODEL_MAXP], ey, spend;
	bool bb = kind == M_BGBB;

	indiv(C, &C->f, c, q);
	if (opt->cmd == CMD_CHURN) {
		double pa = model_palive(kind, q, c);

		put(C, q, w, "churn_p_alive", pa, false);
		put(C, q, w, "churn_risk", 1 - pa, false);
		put(C, q, w, "churn_p_no_purchase", model_p_none(kind, q,
		    c, opt->horizon), false);
		return;
	}
	ey = model_expected(kind, q, c, opt->horizon);
	put(C, q, w, "clv_frequency", c->x, true);
	put(C, q, w, "clv_recency", c->tx, bb);
	put(C, q, w, bb ? "clv_opportunities" : "clv_T", c->T, bb);
	if (C->has_spend) {
		const char *cur = C->t != NULL ? cust_currency(C->t,
		    &C->t->c[i]) : NULL;

		put(C, q, w, "clv_monetary", c->zbar, false);
		if (cur != NULL && cdp_recw_raw(w, "clv_currency", 12, cur,
		    strlen(cur)) == -1)
			cdp_oom(0);
	}
	put(C, q, w, "clv_p_alive", model_palive(kind, q, c), false);
	put(C, q, w, "clv_expected_purchases", ey, false);
	if (opt->intervals) {
		put(C, q, w, "clv_expected_purchases_lo", C->iv[4 * i],
		    false);
		put(C, q, w, "clv_expected_purchases_hi", C->iv[4 * i + 1],
		    false);
	}
	if (C->has_spend) {
		spend = gg_expected_spend(C->g.p, c->x, c->zbar);
		put(C, q, w, "clv_expected_spend", spend, false);
		put(C, q, w, "clv_value", value(opt, kind, q, c, spend, ey),
		    false);
		if (opt->intervals) {
			put(C, q, w, "clv_value_lo", C->iv[4 * i + 2], false);
			put(C, q, w, "clv_value_hi", C->iv[4 * i + 3], false);
		}
	}
	if (opt->has_holdout) {
		put(C, q, w, "clv_holdout_purchases", C->hold[i], true);
		put(C, q, w, "clv_holdout_expected", model_expected(kind, q,
		    c, C->h->len), false);
	}
}

/* ---- intervals ----------------------------------------------------- */

/*
 * n draws of f's parameters from the normal distribution of the fitted
 * scale (ln p) with the fit's covariance, into draws[n * np].  Draws
 * that keep() refuses (a Gamma-Gamma q not above 1) are drawn again.
 */
static void
draw(const struct fit *f, gsl_rng *rng, size_t n, double *draws,
    bool gamma)
{
	int np = f->np;
	gsl_matrix *L = gsl_matrix_alloc((size_t)np, (size_t)np);

	if (L == NULL)
		cdp_oom(0);
	for (int i = 0; i < np; i++)
		for (int j = 0; j < np; j++)
			gsl_matrix_set(L, (size_t)i, (size_t)j,
			    f->vcov[i * np + j]);
	if (gsl_linalg_cholesky_decomp1(L) != GSL_SUCCESS)
		cdp_die(EX_DATAERR, NULL, 0, "--intervals: the covariance of "
		    "%s is not positive definite", model_name(f->kind));
	for (size_t k = 0; k < n; k++) {
		double e[MODEL_MAXP], *d = draws + k * (size_t)np;

		do {
			for (int i = 0; i < np; i++)
				e[i] = gsl_ran_gaussian(rng, 1);
			for (int i = 0; i < np; i++) {
				double u = i < f->nbase ? log(f->p[i]) :
				    f->p[i];

				for (int j = 0; j <= i; j++)
					u += gsl_matrix_get(L, (size_t)i,
					    (size_t)j) * e[j];
				d[i] = i < f->nbase ? exp(u) : u;
			}
		} while (gamma && !(d[1] > 1));
	}
	gsl_matrix_free(L);
}

/* The p quantile of sorted v[0..n) (linear between order statistics). */
static double
quantile(const double *v, size_t n, double p)
{
	double h = (n - 1) * p, lo = floor(h);
	size_t i = (size_t)lo;

	return i + 1 < n ? v[i] + (h - lo) * (v[i + 1] - v[i]) : v[i];
}

static int
by_summary(const void *a, const void *b, void *arg)
{
	const struct rfx *c = arg;

	return rfx_cmp(&c[*(const size_t *)a], &c[*(const size_t *)b]);
}

/* Sort ix[0..n) by the summaries of C->c (insertion-free merge sort). */
static void
sort_by_summary(size_t *ix, size_t n, const struct rfx *c, size_t *tmp)
{
	if (n < 2)
		return;
	sort_by_summary(ix, n / 2, c, tmp);
	sort_by_summary(ix + n / 2, n - n / 2, c, tmp);
	for (size_t i = 0, a = 0, b = n / 2; i < n; i++)
		tmp[i] = b >= n || (a < n / 2 && by_summary(&ix[a], &ix[b],
		    (void *)c) <= 0) ? ix[a++] : ix[b++];
	memcpy(ix, tmp, n * sizeof(*ix));
}

void
clv_intervals(struct clv *C)
{
	const struct score_opts *opt = C->opt;
	size_t N = (size_t)opt->intervals, np = (size_t)C->f.np;
	double *fd = cdp_xreallocarray(NULL, N * np, sizeof(*fd));
	double *gd = cdp_xreallocarray(NULL, N * 3, sizeof(*gd));
	double *ev = cdp_xreallocarray(NULL, N, sizeof(*ev));
	double *vv = cdp_xreallocarray(NULL, N, sizeof(*vv));
	size_t *ix = cdp_xreallocarray(NULL, C->n ? C->n : 1, sizeof(*ix));
	size_t *tmp = cdp_xreallocarray(NULL, C->n ? C->n : 1, sizeof(*tmp));
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

	if (!C->f.has_vcov || (C->has_spend && !C->g.has_vcov))
		cdp_die(EX_DATAERR, NULL, 0, "--intervals: the parameters "
		    "have no covariance (%s)", opt->params ? "the --params "
		    "file has no vcov" : "the Hessian is not definite");
	if (rng == NULL)
		cdp_oom(0);
	gsl_rng_set(rng, opt->seed);
	draw(&C->f, rng, N, fd, false);
	if (C->has_spend)
		draw(&C->g, rng, N, gd, true);
	C->iv = cdp_xreallocarray(NULL, C->n ? 4 * C->n : 1, sizeof(*C->iv));
	for (size_t i = 0; i < C->n; i++)
		ix[i] = i;
	/* customers alike share their intervals: computed once */
	sort_by_summary(ix, C->n, C->c, tmp);
	for (size_t k = 0; k < C->n; k++) {
		const struct rfx *c = &C->c[ix[k]];
		double *out = C->iv + 4 * ix[k];

		if (c->x < 0)
			continue;
		if (k > 0 && by_summary(&ix[k - 1], &ix[k], C->c) == 0) {
			memcpy(out, C->iv + 4 * ix[k - 1], 4 * sizeof(*out));
			continue;
		}
		for (size_t b = 0; b < N; b++) {
			double q[MODEL_MAXP];
			struct fit f = C->f;

			memcpy(f.p, fd + b * np, np * sizeof(*f.p));
			indiv(C, &f, c, q);
			ev[b] = model_expected(f.kind, q, c, opt->horizon);
			vv[b] = C->has_spend ? value(opt, f.kind, q, c,
			    gg_expected_spend(gd + 3 * b, c->x, c->zbar),
			    ev[b]) : 0;
			if (!isfinite(ev[b]) || !isfinite(vv[b]))
				cdp_die(EX_DATAERR, NULL, 0, "--intervals: "
				    "draw %zu of the parameters leaves %s "
				    "undefined (no formula holds its digits "
				    "there)", b + 1, isfinite(ev[b]) ?
				    "the value" : "the expected purchases");
		}
		qsort(ev, N, sizeof(*ev), model_by_double);
		qsort(vv, N, sizeof(*vv), model_by_double);
		out[0] = quantile(ev, N, 0.05);
		out[1] = quantile(ev, N, 0.95);
		out[2] = quantile(vv, N, 0.05);
		out[3] = quantile(vv, N, 0.95);
	}
	gsl_rng_free(rng);
	free(fd);
	free(gd);
	free(ev);
	free(vv);
	free(ix);
	free(tmp);
}
