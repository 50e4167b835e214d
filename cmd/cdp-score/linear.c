/*
 * linear.c - cdp-score model: a linear or logistic model read from JSON
 * (weights, one-hot maps, standardisation) applied to every record.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "diag.h"
#include "record.h"
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
	const char	*path;
	json_t		*root;		/* owns every string above */
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

static void
oom(void)
{
	cdp_die(EX_OSERR, NULL, 0, "out of memory");
}

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

/* The object member k of the model, or NULL; anything else exits. */
static json_t *
member_object(struct model *m, const char *k)
{
	json_t *v = json_object_get(m->root, k);	/* borrowed */

	if (v != NULL && !json_is_object(v))
		cdp_die(EX_DATAERR, m->path, 0, "\"%s\": expected an object",
		    k);
	return v;
}

static void
add_term(struct model *m, const char *field, bool onehot, json_t *v)
{
	if (*field == '\0')
		cdp_die(EX_DATAERR, m->path, 0, "%s: empty field name",
		    onehot ? "onehot" : "weights");
	m->t[m->n++] = (struct term){ .field = field, .onehot = onehot,
	    .w = onehot ? 0 : json_number_value(v), .sd = 1, .levels = v };
}

/* "weights" and "onehot" into m->t, sorted by field name. */
static void
load_terms(struct model *m)
{
	json_t *w = member_object(m, "weights"), *oh = member_object(m,
	    "onehot"), *v, *x;
	const char *k, *lv;

	if ((m->t = calloc(json_object_size(w) + json_object_size(oh) + 1,
	    sizeof(*m->t))) == NULL)
		oom();
	json_object_foreach(w, k, v) {
		if (!finite_number(v))
			cdp_die(EX_DATAERR, m->path, 0, "weights.%s: expected "
			    "a number", k);
		add_term(m, k, false, v);
	}
	json_object_foreach(oh, k, v) {
		if (json_object_get(w, k) != NULL)
			cdp_die(EX_DATAERR, m->path, 0, "onehot.%s: the field "
			    "has a weight too", k);
		if (!json_is_object(v))
			cdp_die(EX_DATAERR, m->path, 0, "onehot.%s: expected "
			    "an object of values and weights", k);
		json_object_foreach(v, lv, x)
			if (!finite_number(x))
				cdp_die(EX_DATAERR, m->path, 0, "onehot.%s: "
				    "value \"%s\": expected a number", k, lv);
		add_term(m, k, true, v);
	}
	/* A fixed order: the sum does not depend on the file's order. */
	qsort(m->t, m->n, sizeof(*m->t), by_field);
}

static void
load_standardize(struct model *m)
{
	json_t *st = member_object(m, "standardize"), *v, *mean, *sd;
	struct term *t;
	const char *k;

	json_object_foreach(st, k, v) {
		if ((t = find_term(m, k)) == NULL || t->onehot)
			cdp_die(EX_DATAERR, m->path, 0, "standardize.%s: the "
			    "field has no weight", k);
		mean = json_object_get(v, "mean");
		sd = json_object_get(v, "sd");
		if (!json_is_object(v) || json_object_size(v) != 2 ||
		    !finite_number(mean) || !finite_number(sd) ||
		    json_number_value(sd) <= 0)
			cdp_die(EX_DATAERR, m->path, 0, "standardize.%s: "
			    "expected {\"mean\": number, \"sd\": positive "
			    "number}", k);
		t->mean = json_number_value(mean);
		t->sd = json_number_value(sd);
	}
}

static void
load_head(struct model *m)
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
			cdp_die(EX_DATAERR, m->path, 0, "unknown key \"%s\" "
			    "(type, intercept, weights, onehot, standardize, "
			    "missing)", k);
	}
	s = json_string_value(type);
	if (s == NULL || (strcmp(s, "linear") != 0 &&
	    strcmp(s, "logistic") != 0))
		cdp_die(EX_DATAERR, m->path, 0, "type: expected \"linear\" or "
		    "\"logistic\"");
	m->logistic = strcmp(s, "logistic") == 0;
	v = json_object_get(m->root, "intercept");
	if (v != NULL && !finite_number(v))
		cdp_die(EX_DATAERR, m->path, 0, "intercept: expected a number");
	m->intercept = v != NULL ? json_number_value(v) : 0;
	v = json_object_get(m->root, "missing");
	s = v != NULL ? json_string_value(v) : "zero";
	if (s != NULL && strcmp(s, "zero") == 0)
		m->missing = MISS_ZERO;
	else if (s != NULL && strcmp(s, "skip") == 0)
		m->missing = MISS_SKIP;
	else if (s != NULL && strcmp(s, "reject") == 0)
		m->missing = MISS_REJECT;
	else
		cdp_die(EX_DATAERR, m->path, 0, "missing: expected \"zero\", "
		    "\"skip\" or \"reject\"");
}

static void
model_load(struct model *m, const char *path)
{
	json_error_t jerr;
	FILE *f;

	m->path = path;
	if ((f = fopen(path, "r")) == NULL)
		cdp_die(EX_NOINPUT, path, 0, "cannot open: %s",
		    strerror(errno));
	m->root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	fclose(f);
	if (m->root == NULL)
		cdp_die(EX_DATAERR, path, jerr.line, "%s", jerr.text);
	if (!json_is_object(m->root))
		cdp_die(EX_DATAERR, path, 0, "expected a JSON object "
		    "{\"type\": ..., \"weights\": ...}");
	load_head(m);
	load_terms(m);
	load_standardize(m);
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
		oom();
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
		oom();
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
			oom();
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
		oom();
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
		oom();
	return 1;
}

int
model_run(const struct score_opts *opt, char **files, int nfiles)
{
	struct model m = { 0 };
	struct stream_scorer sc = { .score = model_score, .st = &m };

	model_load(&m, opt->model_file);
	sc.owned = m.logistic ? logistic_fields : linear_fields;
	sc.nowned = m.logistic ? 2 : 1;
	stream_run(opt, &sc, files, nfiles);
	free(m.t);
	json_decref(m.root);
	cdp_buf_free(&m.s);
	cdp_buf_free(&m.why);
	return 0;
}
