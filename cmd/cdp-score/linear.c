/*
 * linear.c - cdp-score model: a linear or logistic model read from JSON
 * (weights, one-hot maps, standardisation) applied to every record.
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "diag.h"
#include "jsonload.h"
#include "record.h"
#include "xalloc.h"
#include "score.h"

enum missing { MISS_ZERO, MISS_SKIP, MISS_REJECT };

/* One input field of the model: a weight (with its standardisation) or
 * a one-hot map of values to weights. */
struct term {
	const char	*field;		/* borrowed from the model's JSON */
	bool		 onehot;
	double		 w;		/* weight, when !onehot */
	double		 mean, sd;	/* standardize; 0 and 1 when absent */
	json_t		*levels;	/* onehot: borrowed object */
};

struct model {
	struct cdp_json_doc *doc;	/* owns every string above */
	json_t		*root;		/* borrowed from doc */
	bool		 logistic;
	double		 intercept;
	enum missing	 missing;
	struct term	*t;
	size_t		 n;
	struct cdp_buf	 s;		/* unescaped string values */
	struct cdp_buf	 why;
};

static const char *const linear_fields[] = { "model_score" };
static const char *const logistic_fields[] = { "model_score",
	"model_probability" };

static bool
finite_number(const json_t *v)
{
	return json_is_number(v) && isfinite(json_number_value(v));
}

static int
by_field(const void *a, const void *b)
{
	return strcmp(((const struct term *)a)->field,
	    ((const struct term *)b)->field);
}

static struct term *
find_term(struct model *m, const char *field)
{
	struct term key = { .field = field };

	return bsearch(&key, m->t, m->n, sizeof(*m->t), by_field);
}

/* The object member k of the model into *v (NULL when absent); -1 with
 * err when it is not an object. */
static int
member_object(struct model *m, const char *k, json_t **v,
    struct cdp_err *err)
{
	*v = json_object_get(m->root, k);	/* borrowed */
	if (*v != NULL && !json_is_object(*v))
		return cdp_json_fail(err, EX_DATAERR, m->doc, *v, "\"%s\": "
		    "expected an object", k);
	return 0;
}

static int
add_term(struct model *m, json_t *in, const char *field, bool onehot,
    json_t *v, struct cdp_err *err)
{
	if (*field == '\0')
		return cdp_json_fail_key(err, EX_DATAERR, m->doc, in, field,
		    "%s: empty field name", onehot ? "onehot" : "weights");
	m->t[m->n++] = (struct term){ .field = field, .onehot = onehot,
	    .w = onehot ? 0 : json_number_value(v), .sd = 1, .levels = v };
	return 0;
}

/* One "onehot" member: an object of values and their weights. */
static int
onehot_ok(struct model *m, json_t *oh, const char *k, json_t *v,
    struct cdp_err *err)
{
	const char *lv;
	json_t *x;

	if (!json_is_object(v))
		return cdp_json_fail_key(err, EX_DATAERR, m->doc, oh, k,
		    "onehot.%s: expected an object of values and weights", k);
	json_object_foreach(v, lv, x)
		if (!finite_number(x))
			return cdp_json_fail_key(err, EX_DATAERR, m->doc, v, lv,
			    "onehot.%s: value \"%s\": expected a number", k,
			    lv);
	return 0;
}

/* "weights" and "onehot" into m->t, sorted by field name. */
static int
load_terms(struct model *m, struct cdp_err *err)
{
	json_t *w, *oh, *v;
	const char *k;

	if (member_object(m, "weights", &w, err) == -1 ||
	    member_object(m, "onehot", &oh, err) == -1)
		return -1;
	m->t = cdp_xcalloc(json_object_size(w) + json_object_size(oh) + 1,
	    sizeof(*m->t));
	json_object_foreach(w, k, v) {
		if (!finite_number(v))
			return cdp_json_fail_key(err, EX_DATAERR, m->doc, w, k,
			    "weights.%s: expected a number", k);
		if (add_term(m, w, k, false, v, err) == -1)
			return -1;
	}
	json_object_foreach(oh, k, v) {
		if (json_object_get(w, k) != NULL)
			return cdp_json_fail_key(err, EX_DATAERR, m->doc, oh, k,
			    "onehot.%s: the field has a weight too", k);
		if (onehot_ok(m, oh, k, v, err) == -1 ||
		    add_term(m, oh, k, true, v, err) == -1)
			return -1;
	}
	/* A fixed order: the sum does not depend on the file's order. */
	qsort(m->t, m->n, sizeof(*m->t), by_field);
	return 0;
}

static int
load_standardize(struct model *m, struct cdp_err *err)
{
	json_t *st, *v, *mean, *sd;
	struct term *t;
	const char *k;

	if (member_object(m, "standardize", &st, err) == -1)
		return -1;
	json_object_foreach(st, k, v) {
		if ((t = find_term(m, k)) == NULL || t->onehot)
			return cdp_json_fail_key(err, EX_DATAERR, m->doc, st, k,
			    "standardize.%s: the field has no weight", k);
		mean = json_object_get(v, "mean");
		sd = json_object_get(v, "sd");
		if (!json_is_object(v) || json_object_size(v) != 2 ||
		    !finite_number(mean) || !finite_number(sd) ||
		    json_number_value(sd) <= 0)
			return cdp_json_fail_key(err, EX_DATAERR, m->doc, st, k,
			    "standardize.%s: expected {\"mean\": number, "
			    "\"sd\": positive number}", k);
		t->mean = json_number_value(mean);
		t->sd = json_number_value(sd);
	}
	return 0;
}

/* "missing": how a record without a field of the model is scored. */
static int
load_missing(struct model *m, struct cdp_err *err)
{
	static const char *const names[] = { "zero", "skip", "reject" };
	json_t *v = json_object_get(m->root, "missing");
	const char *s = v != NULL ? json_string_value(v) : "zero";

	for (size_t i = 0; s != NULL && i < sizeof(names) / sizeof(*names);
	    i++)
		if (strcmp(s, names[i]) == 0) {
			m->missing = (enum missing)i;
			return 0;
		}
	return cdp_json_fail_key(err, EX_DATAERR, m->doc, m->root, "missing",
	    "missing: expected \"zero\", \"skip\" or \"reject\"");
}

static int
load_head(struct model *m, struct cdp_err *err)
{
	static const char *const keys[] = { "type", "intercept", "weights",
	    "onehot", "standardize", "missing" };
	json_t *type = json_object_get(m->root, "type"), *v;
	const char *k, *s;
	size_t i;

	json_object_foreach(m->root, k, v) {
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp(k, keys[i]) == 0)
				break;
		if (i == sizeof(keys) / sizeof(keys[0]))
			return cdp_json_fail_key(err, EX_DATAERR, m->doc,
			    m->root, k, "unknown key \"%s\" (type, intercept, "
			    "weights, onehot, standardize, missing)", k);
	}
	s = json_string_value(type);
	if (s == NULL || (strcmp(s, "linear") != 0 &&
	    strcmp(s, "logistic") != 0))
		return cdp_json_fail_key(err, EX_DATAERR, m->doc, m->root,
		    "type", "type: expected \"linear\" or \"logistic\"");
	m->logistic = strcmp(s, "logistic") == 0;
	v = json_object_get(m->root, "intercept");
	if (v != NULL && !finite_number(v))
		return cdp_json_fail_key(err, EX_DATAERR, m->doc, m->root,
		    "intercept", "intercept: expected a number");
	m->intercept = v != NULL ? json_number_value(v) : 0;
	return load_missing(m, err);
}

/* Set m->why to `field "F": reason` and return -1. */
static int
bad(struct model *m, const char *field, const char *reason,
    const char **why)
{
	cdp_buf_reset(&m->why);
	if (cdp_buf_adds(&m->why, "field ") == -1 ||
	    cdp_json_quote(&m->why, field, strlen(field)) == -1 ||
	    cdp_buf_addf(&m->why, ": %s", reason) == -1)
		cdp_oom(0);
	*why = m->why.p;
	return -1;
}

/* The numeric value of f: a JSON number or a numeric string. */
static int
numeric(struct model *m, struct cdp_rec *r, const struct cdp_field *f,
    double *x)
{
	const char *s;
	size_t n;

	if (f->type == CDP_NUMBER)
		return cdp_rec_num(r, f, x);
	if (f->type != CDP_STRING || cdp_rec_str(r, f, &m->s, &s, &n) == -1)
		return -1;
	cdp_buf_reset(&m->why);
	if (cdp_buf_add(&m->why, s, n) == -1 || cdp_buf_addc(&m->why, 0) ==
	    -1)
		cdp_oom(0);
	/* An embedded NUL must not cut the text short. */
	if (strlen(m->why.p) != n)
		return -1;
	return cdp_parse_double(m->why.p, x);
}

/* The one-hot weight of the value of f (0 for a value not listed). */
static int
level(struct model *m, const struct term *t, struct cdp_rec *r,
    const struct cdp_field *f, double *x)
{
	const char *s;
	size_t n;
	json_t *v;

	if (f->type == CDP_STRING) {
		if (cdp_rec_str(r, f, &m->s, &s, &n) == -1)
			cdp_oom(0);
	} else if (f->type == CDP_NUMBER || f->type == CDP_TRUE ||
	    f->type == CDP_FALSE) {
		s = r->p + f->voff;	/* the JSON text as written */
		n = f->vlen;
	} else
		return -1;
	v = json_object_getn(t->levels, s, n);	/* borrowed */
	*x = v != NULL ? json_number_value(v) : 0;
	return 0;
}

/* The linear predictor of r in *score; returns 1, 0 (skip) or -1. */
static int
predict(struct model *m, struct cdp_rec *r, double *score,
    const char **why)
{
	const struct cdp_field *f;
	double sum = m->intercept, x;

	for (size_t i = 0; i < m->n; i++) {
		const struct term *t = &m->t[i];

		f = cdp_rec_find(r, t->field, strlen(t->field));
		if (f == NULL || f->type == CDP_NULL) {
			if (m->missing == MISS_SKIP)
				return 0;
			if (m->missing == MISS_REJECT)
				return bad(m, t->field, "missing", why);
			continue;	/* zero: the term adds nothing */
		}
		if (t->onehot) {
			if (level(m, t, r, f, &x) == -1)
				return bad(m, t->field, "not a string, number "
				    "or boolean", why);
			sum += x;
		} else {
			if (numeric(m, r, f, &x) == -1)
				return bad(m, t->field, "not a number", why);
			sum += t->w * ((x - t->mean) / t->sd);
		}
	}
	if (!isfinite(sum)) {
		*why = "score out of range";
		return -1;
	}
	*score = sum;
	return 1;
}

static int
model_score(void *st, struct cdp_rec *r, struct cdp_recw *w,
    const char **why)
{
	struct model *m = st;
	double s = 0, p, e;
	int rc;

	if ((rc = predict(m, r, &s, why)) != 1)
		return rc;
	if (cdp_recw_num(w, "model_score", 11, s) == -1)
		cdp_oom(0);
	if (!m->logistic)
		return 1;
	/* exp() of a non-positive number only: no overflow either way. */
	if (s >= 0)
		p = 1 / (1 + exp(-s));
	else {
		e = exp(s);
		p = e / (1 + e);
	}
	if (cdp_recw_num(w, "model_probability", 17, p) == -1)
		cdp_oom(0);
	return 1;
}

static void
model_free(void *st)
{
	struct model *m = st;

	if (m == NULL)
		return;
	free(m->t);
	cdp_json_doc_free(m->doc);
	cdp_buf_free(&m->s);
	cdp_buf_free(&m->why);
	free(m);
}

int
model_load(struct stream_scorer *sc, const char *path, struct cdp_err *err)
{
	struct model *m = cdp_xcalloc(1, sizeof(*m));

	if ((m->doc = cdp_json_doc_load(path, err)) == NULL)
		goto fail;
	m->root = cdp_json_doc_root(m->doc);
	if (!json_is_object(m->root)) {
		cdp_json_fail(err, EX_DATAERR, m->doc, m->root, "expected a "
		    "JSON object {\"type\": ..., \"weights\": ...}");
		goto fail;
	}
	if (load_head(m, err) == -1 || load_terms(m, err) == -1 ||
	    load_standardize(m, err) == -1)
		goto fail;
	for (size_t i = 0; i < m->n; i++)
		assert(m->t[i].field[0] != '\0' && isfinite(m->t[i].w) &&
		    isfinite(m->t[i].mean) && m->t[i].sd > 0);
	*sc = (struct stream_scorer){ .owned = m->logistic ?
	    logistic_fields : linear_fields, .nowned = m->logistic ? 2 : 1,
	    .score = model_score, .free = model_free, .st = m };
	return 0;
fail:
	model_free(m);
	return -1;
}

int
model_run(const struct score_opts *opt, char **files, int nfiles)
{
	struct stream_scorer sc;
	struct cdp_err err;

	if (model_load(&sc, opt->model_file, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	stream_run(opt, &sc, files, nfiles);
	sc.free(sc.st);
	return 0;
}
