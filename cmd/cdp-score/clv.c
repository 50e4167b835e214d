/*
 * clv.c - cdp-score clv: summarise each customer's calibration period
 * (x, t_x, T, mean repeat spend), fit or load the models, and write
 * P(alive), expected purchases, expected spend and discounted CLV.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <jansson.h>

#include "diag.h"
#include "each.h"
#include "out.h"
#include "record.h"
#include "models.h"
#include "score.h"

static const char *const kind_names[] = { "bg-nbd", "pareto-nbd",
	"gamma-gamma" };
static const char *const param_names[][4] = {
	{ "r", "alpha", "a", "b" },
	{ "r", "alpha", "s", "beta" },
	{ "p", "q", "v", NULL },
};

static void
oom(void)
{
	cdp_die(EX_OSERR, NULL, 0, "out of memory");
}

/*
 * The calibration summary of every customer: x distinct purchase days
 * after the first, t_x and T in time units from the first purchase day,
 * zbar the mean amount per repeat purchase day (the first day's amount
 * left out, as the Gamma-Gamma model wants).
 */
static struct rfx *
summarise(const struct custtab *t, long cal_end, double unit)
{
	struct rfx *c = malloc((t->n ? t->n : 1) * sizeof(*c));

	if (c == NULL)
		oom();
	for (size_t i = 0; i < t->n; i++) {
		const struct cust *k = &t->c[i];
		double x = k->days - 1.0;

		/* seen only in the holdout: marked x < 0, in no fit */
		if (k->n == 0) {
			c[i] = (struct rfx){ .x = -1 };
			continue;
		}
		c[i] = (struct rfx){ .x = x,
		    .tx = x > 0 ? (k->last - k->first) / unit : 0,
		    .T = (cal_end - k->first) / unit,
		    .zbar = x > 0 ? custtab_round(t, k->rest_sum) / x : 0 };
	}
	return c;
}

static void
rows(struct rfx_rows *d, const struct rfx *c, size_t n, bool spend)
{
	struct rfx *s = malloc((n ? n : 1) * sizeof(*s));
	size_t m = 0;

	if (s == NULL)
		oom();
	for (size_t i = 0; i < n; i++) {
		if (c[i].x < 0)
			continue;
		if (!spend)
			s[m++] = (struct rfx){ c[i].x, c[i].tx, c[i].T, 0 };
		else if (c[i].x > 0 && c[i].zbar > 0)
			s[m++] = (struct rfx){ c[i].x, 0, 0, c[i].zbar };
	}
	if (rfx_rows_make(d, s, m) == -1)
		oom();
	free(s);
}

static void
fit_both(const struct score_opts *opt, const struct rfx *c, size_t n,
    struct fit *f, struct fit *g)
{
	struct rfx_rows d;
	enum model_kind kind = opt->model == MODEL_PARETO ? M_PARETO :
	    M_BGNBD;

	rows(&d, c, n, false);
	if (d.n == 0)
		cdp_die(EX_DATAERR, NULL, 0, "%s: no customers to fit",
		    kind_names[kind]);
	model_fit(kind, &d, f);
	rfx_rows_free(&d);
	if (!f->converged)
		cdp_die(EX_DATAERR, NULL, 0, "%s fit did not converge: %s",
		    kind_names[f->kind], f->why);
	rows(&d, c, n, true);
	if (d.n == 0)
		cdp_die(EX_DATAERR, NULL, 0, "gamma-gamma: no customer with "
		    "repeat purchases of positive amount to fit");
	model_fit(M_GAMMA, &d, g);
	rfx_rows_free(&d);
	if (!g->converged)
		cdp_die(EX_DATAERR, NULL, 0, "gamma-gamma fit did not "
		    "converge: %s", g->why);
	if (!(g->p[1] > 1))
		cdp_die(EX_DATAERR, NULL, 0, "gamma-gamma: fitted q is not "
		    "above 1, so the mean spend is infinite");
}

/* ---- parameters as JSON ------------------------------------------- */

/* Predicted against actual repeat purchases in the holdout period. */
struct holdout {
	double			len;	/* in time units */
	unsigned long long	customers;
	unsigned long long	actual;	/* purchase days */
	double			expected;
	double			abserr;	/* sum |expected - actual| */
};

static void
add_num(struct cdp_buf *b, const char *key, double v)
{
	char num[32];
	int n = cdp_fmt_double(num, v);

	if (n < 0 || cdp_buf_addf(b, ",\"%s\":%.*s", key, n, num) == -1)
		oom();
}

static void
fit_json(struct cdp_buf *b, const struct fit *f)
{
	if (cdp_buf_addf(b, "{\"model\":\"%s\"", kind_names[f->kind]) == -1)
		oom();
	add_num(b, "customers", f->customers);
	for (int i = 0; i < f->np; i++)
		add_num(b, param_names[f->kind][i], f->p[i]);
	add_num(b, "ll", f->ll);
	if (cdp_buf_addf(b, ",\"converged\":%s,\"iterations\":%d,"
	    "\"starts\":%d,\"starts_converged\":%d", f->converged ? "true" :
	    "false", f->iterations, f->starts, f->starts_ok) == -1)
		oom();
}

/* The holdout comparison as a JSON object. */
static void
holdout_json(struct cdp_buf *b, const struct holdout *h)
{
	if (cdp_buf_addf(b, "{\"customers\":%llu", h->customers) == -1)
		oom();
	add_num(b, "length", h->len);
	if (cdp_buf_addf(b, ",\"actual\":%llu", h->actual) == -1)
		oom();
	add_num(b, "expected", h->expected);
	add_num(b, "mae", h->customers ? h->abserr / h->customers : 0);
	if (cdp_buf_addc(b, '}') == -1)
		oom();
}

static void
print_fit(struct cdp_out *out, const struct fit *f, const struct fit *g,
    const struct holdout *h)
{
	struct cdp_buf b = { 0 };
	struct cdp_err err;

	fit_json(&b, f);
	if (cdp_buf_adds(&b, ",\"spend\":") == -1)
		oom();
	fit_json(&b, g);
	if (cdp_buf_addc(&b, '}') == -1)
		oom();
	if (h != NULL) {
		if (cdp_buf_adds(&b, ",\"holdout\":") == -1)
			oom();
		holdout_json(&b, h);
	}
	if (cdp_buf_adds(&b, "}\n") == -1)
		oom();
	if (cdp_out_write(out, b.p, b.len, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	cdp_buf_free(&b);
}

/* Read one model from object o of FILE (messages name path). */
static void
load_model(const char *path, json_t *o, const char *where, struct fit *f)
{
	const char *m = json_string_value(json_object_get(o, "model"));
	int k;

	for (k = 0; k < 3; k++)
		if (m != NULL && strcmp(m, kind_names[k]) == 0)
			break;
	if (k == 3)
		cdp_die(EX_DATAERR, path, 0, "%smodel: expected bg-nbd, "
		    "pareto-nbd or gamma-gamma", where);
	*f = (struct fit){ .kind = (enum model_kind)k, .np = k == M_GAMMA ?
	    3 : 4, .converged = true };
	for (int i = 0; i < f->np; i++) {
		json_t *v = json_object_get(o, param_names[k][i]);

		f->p[i] = json_number_value(v);
		if (!json_is_number(v) || !(f->p[i] > 0) || !isfinite(f->p[i]))
			cdp_die(EX_DATAERR, path, 0, "%s%s: expected a "
			    "positive number", where, param_names[k][i]);
	}
}

static void
load_params(const char *path, struct fit *f, struct fit *g)
{
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);

	if (root == NULL)
		cdp_die(je.line > 0 ? EX_DATAERR : EX_NOINPUT, path,
		    je.line > 0 ? je.line : 0, "%s", je.text);
	load_model(path, root, "", f);
	if (f->kind == M_GAMMA)
		cdp_die(EX_DATAERR, path, 0, "model: expected bg-nbd or "
		    "pareto-nbd");
	if (!json_is_object(json_object_get(root, "spend")))
		cdp_die(EX_DATAERR, path, 0, "spend: expected the "
		    "gamma-gamma parameters");
	load_model(path, json_object_get(root, "spend"), "spend: ", g);
	if (g->kind != M_GAMMA)
		cdp_die(EX_DATAERR, path, 0, "spend: model: expected "
		    "gamma-gamma");
	if (!(g->p[1] > 1))
		cdp_die(EX_DATAERR, path, 0, "spend: q must be above 1 "
		    "(the mean spend is infinite otherwise)");
	json_decref(root);
}

/* ---- per customer -------------------------------------------------- */

/*
 * Discounted value: E[Z] times the purchases expected in each period k
 * of the horizon, E[Y(k)] - E[Y(k-1)], discounted by (1 + d)^k; the last
 * period ends at the horizon.  With d = 0 this is E[Z] E[Y(H)].
 */
static double
clv(const struct score_opts *opt, const struct fit *f, const struct rfx *c,
    double spend, double ey)
{
	double sum = 0, prev = 0, H = opt->horizon;

	if (opt->discount == 0)
		return spend * ey;
	for (double k = 1; prev < H; k++) {
		double t = k < H ? k : H, e = model_expected(f, c, t);

		sum += (e - (t == 1 ? 0 : model_expected(f, c, prev))) /
		    pow(1 + opt->discount, t);
		prev = t;
	}
	return spend * sum;
}

/* The fields clv writes after the id, in order. */
static const char *const clv_fields[] = { "clv_frequency", "clv_recency",
	"clv_T", "clv_monetary", "clv_p_alive", "clv_expected_purchases",
	"clv_expected_spend", "clv_value", "clv_holdout_purchases",
	"clv_holdout_expected" };

/* What the fields of a customer are computed from. */
struct clv_run {
	const struct score_opts	*opt;
	const struct custtab	*t;
	const struct rfx	*c;
	const struct fit	*f, *g;
	const struct holdout	*h;	/* NULL: no holdout */
};

/* Append the predictions for customer i to w (a callback of
 * --annotate). */
static void
add_fields(void *st, struct cdp_recw *w, size_t i)
{
	const struct clv_run *run = st;
	const struct score_opts *opt = run->opt;
	const struct rfx *c = &run->c[i];
	double ey = model_expected(run->f, c, opt->horizon);
	double spend = gg_expected_spend(run->g->p, c->x, c->zbar);

	if (cdp_recw_int(w, "clv_frequency", 13, (long long)c->x) == -1 ||
	    cdp_recw_num(w, "clv_recency", 11, c->tx) == -1 ||
	    cdp_recw_num(w, "clv_T", 5, c->T) == -1 ||
	    cdp_recw_num(w, "clv_monetary", 12, c->zbar) == -1 ||
	    cdp_recw_num(w, "clv_p_alive", 11, model_palive(run->f, c)) == -1 ||
	    cdp_recw_num(w, "clv_expected_purchases", 22, ey) == -1 ||
	    cdp_recw_num(w, "clv_expected_spend", 18, spend) == -1 ||
	    cdp_recw_num(w, "clv_value", 9, clv(opt, run->f, c, spend,
	    ey)) == -1 ||
	    (run->h != NULL && (cdp_recw_int(w, "clv_holdout_purchases", 21,
	    run->t->c[i].hold_days) == -1 ||
	    cdp_recw_num(w, "clv_holdout_expected", 20, model_expected(run->f,
	    c, run->h->len)) == -1)))
		cdp_die(EX_DATAERR, NULL, 0, "a prediction is not a finite "
		    "number; check the parameters");
}

/* ---- summaries: the fit over many parts ---------------------------- */

static const char *const summary_fields[] = { "x", "t_x", "T", "zbar" };

/* --summary: the customers of the fit (seen before the calibration
 * end), with the four numbers the likelihoods read. */
static bool
in_fit(void *st, size_t i)
{
	const struct rfx *c = st;

	return c[i].x >= 0;
}

static void
summary_fields_of(void *st, struct cdp_recw *w, size_t i)
{
	const struct rfx *r = &((const struct rfx *)st)[i];

	if (cdp_recw_int(w, "x", 1, (long long)r->x) == -1 ||
	    cdp_recw_num(w, "t_x", 3, r->tx) == -1 ||
	    cdp_recw_num(w, "T", 1, r->T) == -1 ||
	    cdp_recw_num(w, "zbar", 4, r->zbar) == -1)
		oom();
}

/* The summaries read by --from-summary. */
struct summaries {
	struct rfx	*c;
	size_t		 n, cap;
};

static int
one_summary(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct summaries *S = ctx;
	double v[4];

	(void)at;
	for (int i = 0; i < 4; i++) {
		const struct cdp_field *f = cdp_rec_find(rec,
		    summary_fields[i], strlen(summary_fields[i]));

		if (f == NULL || cdp_rec_num(rec, f, &v[i]) == -1 ||
		    !(v[i] >= 0)) {
			*why = "not a --summary record (x, t_x, T and zbar: "
			    "numbers of at least 0)";
			return -1;
		}
	}
	if (v[0] != floor(v[0]) || v[1] > v[2] || (v[0] == 0 && v[1] != 0)) {
		*why = "not a --summary record (x whole, t_x at most T, "
		    "t_x 0 when x is 0)";
		return -1;
	}
	if (cdp_grow((void **)&S->c, &S->cap, S->n + 1, sizeof(*S->c)) == -1)
		oom();
	S->c[S->n++] = (struct rfx){ .x = v[0], .tx = v[1], .T = v[2],
	    .zbar = v[3] };
	return 0;
}

/* --from-summary --fit-only: the fit from summaries alone.  The rows are
 * sorted before the likelihood sums them, so any split of the customers
 * into parts gives the same parameters. */
static int
fit_from_summary(const struct score_opts *opt, char **files, int nfiles)
{
	struct summaries S = { 0 };
	struct cdp_acct acct;
	struct cdp_out *out;
	struct cdp_err err;
	struct fit f, g;

	if ((out = cdp_out_open(opt->common.output, &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	if (cdp_acct_open(&acct, opt->common.rejects, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	acct.aggregating = true;
	cdp_each(files, nfiles, &opt->common, &acct, one_summary, &S);
	fit_both(opt, S.c, S.n, &f, &g);
	print_fit(out, &f, &g, NULL);
	if (cdp_out_close(out, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	acct.extra[0].name = "output";
	acct.extra[0].n = 1;
	if (cdp_acct_close(&acct, opt->common.stats, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	free(S.c);
	return 0;
}

/* Sum the holdout's predicted and actual purchases over the customers
 * of the fit. */
static void
compare_holdout(struct holdout *h, const struct score_opts *opt,
    const struct custtab *t, const struct rfx *c, const struct fit *f)
{
	*h = (struct holdout){ .len = (opt->holdout_end - opt->cal_end) /
	    opt->unit };
	for (size_t i = 0; i < t->n; i++) {
		double e, a;

		if (c[i].x < 0)
			continue;
		e = model_expected(f, &c[i], h->len);
		a = t->c[i].hold_days;
		h->customers++;
		h->actual += t->c[i].hold_days;
		h->expected += e;
		h->abserr += fabs(e - a);
	}
}

/* With --stats, the holdout comparison as a second line on stderr. */
static void
print_holdout(const struct holdout *h)
{
	struct cdp_buf b = { 0 };

	if (cdp_buf_adds(&b, "{\"holdout\":") == -1)
		oom();
	holdout_json(&b, h);
	if (cdp_buf_adds(&b, "}\n") == -1)
		oom();
	fputs(b.p, stderr);
	cdp_buf_free(&b);
}

int
clv_run(const struct score_opts *opt, char **files, int nfiles)
{
	struct custtab t;
	struct fit f, g;
	struct holdout h;
	struct clv_run run = { .opt = opt, .t = &t, .f = &f, .g = &g };
	struct cdp_out *out;
	struct cdp_err err;
	struct rfx *c;
	unsigned long long n = 1;
	long cal_end;

	/* GSL's default handler aborts; hyp2f1() checks and falls back */
	gsl_set_error_handler_off();
	if (opt->from_summary)
		return fit_from_summary(opt, files, nfiles);
	if (opt->params != NULL)
		load_params(opt->params, &f, &g);
	if ((out = cdp_out_open(opt->common.output, &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	custtab_load(&t, opt, files, nfiles, clv_fields,
	    opt->has_holdout ? 10 : 8);
	cal_end = opt->has_cal_end ? opt->cal_end : opt->has_as_of ?
	    opt->as_of : t.maxday;
	c = summarise(&t, cal_end, opt->unit);
	if (opt->params == NULL && !opt->summary)
		fit_both(opt, c, t.n, &f, &g);
	run.c = c;
	if (opt->has_holdout) {
		compare_holdout(&h, opt, &t, c, &f);
		run.h = &h;
	}
	if (opt->summary)
		n = custtab_write(&t, opt, out, in_fit, summary_fields_of, c);
	else if (opt->fit_only)
		print_fit(out, &f, &g, run.h);
	else if (opt->annotate) {
		custtab_annotate(&t, opt, out, clv_fields,
		    opt->has_holdout ? 10 : 8, add_fields, &run);
		n = t.acct.read - t.acct.rejected;
	} else
		n = custtab_write(&t, opt, out, NULL, add_fields, &run);
	if (cdp_out_close(out, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	custtab_finish(&t, opt, n);
	if (opt->common.stats && run.h != NULL)
		print_holdout(&h);
	free(c);
	custtab_free(&t);
	return 0;
}
