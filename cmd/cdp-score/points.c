/*
 * points.c - cdp-score points: lead scoring by rules read from JSON, each
 * a condition in the expression language of cdp-segment and its points,
 * with an optional ceiling and decay by the age of the event.
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "diag.h"
#include "expr.h"
#include "jsonload.h"
#include "record.h"
#include "xalloc.h"
#include "score.h"

struct rule {
	char		*name;
	struct cdp_expr	*when;
	double		 points;
};

struct rules {
	struct cdp_json_doc	*doc;		/* while loading */
	const struct score_opts	*opt;
	struct rule		*r;
	size_t			 n;
	bool			 has_max;
	double			 max;
	char			*decay_field;	/* NULL: no decay */
	double			 half_life;	/* days */
	struct cdp_buf		 arr;		/* the points_rules value */
	struct cdp_buf		 s, tmp, why;
};

static const char *const points_fields[] = { "points", "points_rules" };

static bool
finite_number(const json_t *v)
{
	return json_is_number(v) && isfinite(json_number_value(v));
}

/* One {"name": …, "when": …, "points": …} of the rules. */
static int
add_rule(struct rules *R, size_t i, json_t *r, struct cdp_err *err)
{
	json_t *name = json_object_get(r, "name");	/* borrowed */
	json_t *when = json_object_get(r, "when");
	json_t *pts = json_object_get(r, "points");
	struct cdp_expr_opts eo = { .has_as_of = R->opt->has_as_of,
	    .as_of = R->opt->as_of };
	struct cdp_expr_err eerr;
	const char *key, *nm;
	json_t *v;

	if (!json_is_object(r))
		return cdp_json_fail(err, EX_DATAERR, R->doc, r, "rule %zu: "
		    "not an object", i + 1);
	json_object_foreach(r, key, v)
		if (strcmp(key, "name") != 0 && strcmp(key, "when") != 0 &&
		    strcmp(key, "points") != 0 &&
		    strcmp(key, "description") != 0)
			return cdp_json_fail_key(err, EX_DATAERR, R->doc, r,
			    key, "rule %zu: unknown key \"%s\" (name, when, "
			    "points, description)", i + 1, key);
	if (!json_is_string(name) || json_string_length(name) == 0 ||
	    strlen(json_string_value(name)) != json_string_length(name))
		return cdp_json_fail_key(err, EX_DATAERR, R->doc, r, "name",
		    "rule %zu: \"name\" must be a non-empty string", i + 1);
	nm = json_string_value(name);
	for (size_t j = 0; j < R->n; j++)
		if (strcmp(R->r[j].name, nm) == 0)
			return cdp_json_fail_key(err, EX_DATAERR, R->doc, r,
			    "name", "rule %zu: \"%s\" defined twice", i + 1,
			    nm);
	if (!json_is_string(when))
		return cdp_json_fail_key(err, EX_DATAERR, R->doc, r, "when",
		    "rule %zu: \"when\" must be a string", i + 1);
	if (!finite_number(pts))
		return cdp_json_fail_key(err, EX_DATAERR, R->doc, r, "points",
		    "rule %zu: \"points\" must be a number", i + 1);
	if ((R->r[R->n].when = cdp_expr_compile(json_string_value(when),
	    json_string_length(when), &eo, &eerr)) == NULL) {
		if (eerr.line == 0)
			cdp_oom(0);
		return cdp_json_fail(err, EX_DATAERR, R->doc, when, "%s: "
		    "when:%d:%d: %s", nm, eerr.line, eerr.col, eerr.msg);
	}
	R->r[R->n].name = cdp_xstrdup(nm);
	R->r[R->n++].points = json_number_value(pts);
	return 0;
}

static int
load_decay(struct rules *R, json_t *top, struct cdp_err *err)
{
	json_t *d = json_object_get(top, "decay");	/* borrowed */
	json_t *f = json_object_get(d, "field");
	json_t *h = json_object_get(d, "half_life_days");

	if (!json_is_object(d) || json_object_size(d) != 2 ||
	    !json_is_string(f) || json_string_length(f) == 0 ||
	    strlen(json_string_value(f)) != json_string_length(f) ||
	    !finite_number(h) || json_number_value(h) <= 0)
		return cdp_json_fail_key(err, EX_DATAERR, R->doc, top, "decay",
		    "decay: expected {\"field\": name, \"half_life_days\": "
		    "positive number}");
	if (!R->opt->has_as_of)
		return cdp_json_fail_key(err, EX_USAGE, R->doc, top, "decay",
		    "decay needs --as-of");
	R->decay_field = cdp_xstrdup(json_string_value(f));
	R->half_life = json_number_value(h);
	return 0;
}

/* The object form {"rules": [...], "max": N, "decay": {...}}: the rules
 * list (borrowed) into *list. */
static int
load_top(struct rules *R, json_t *root, json_t **list, struct cdp_err *err)
{
	json_t *v;
	const char *k;

	json_object_foreach(root, k, v)
		if (strcmp(k, "rules") != 0 && strcmp(k, "max") != 0 &&
		    strcmp(k, "decay") != 0)
			return cdp_json_fail_key(err, EX_DATAERR, R->doc, root,
			    k, "unknown key \"%s\" (rules, max, decay)", k);
	if (!json_is_array(*list = json_object_get(root, "rules")))
		return cdp_json_fail_key(err, EX_DATAERR, R->doc, root,
		    "rules", "\"rules\": expected a list");
	if ((v = json_object_get(root, "max")) != NULL) {
		if (!finite_number(v))
			return cdp_json_fail_key(err, EX_DATAERR, R->doc, root,
			    "max", "max: expected a number");
		R->has_max = true;
		R->max = json_number_value(v);
	}
	if (json_object_get(root, "decay") != NULL)
		return load_decay(R, root, err);
	return 0;
}

static int
rules_load(struct rules *R, struct cdp_err *err)
{
	json_t *root = cdp_json_doc_root(R->doc), *list = root, *r;
	size_t i;

	if (json_is_object(root)) {
		if (load_top(R, root, &list, err) == -1)
			return -1;
	} else if (!json_is_array(root))
		return cdp_json_fail(err, EX_DATAERR, R->doc, root, "expected a "
		    "JSON list of rules or {\"rules\": [...]}");
	R->r = cdp_xcalloc(json_array_size(list) + 1, sizeof(*R->r));
	json_array_foreach(list, i, r)
		if (add_rule(R, i, r, err) == -1)
			return -1;
	return 0;
}

static void
rules_free(void *st)
{
	struct rules *R = st;

	if (R == NULL)
		return;
	for (size_t i = 0; i < R->n; i++) {
		free(R->r[i].name);
		cdp_expr_free(R->r[i].when);
	}
	free(R->r);
	free(R->decay_field);
	cdp_buf_free(&R->arr);
	cdp_buf_free(&R->s);
	cdp_buf_free(&R->tmp);
	cdp_buf_free(&R->why);
	cdp_json_doc_free(R->doc);
	free(R);
}

/* The decay factor of r: 2^(-age / half life), age in whole days since
 * the event (0 for an event after --as-of).  Returns 0, or -1 with *why. */
static int
decay(struct rules *R, struct cdp_rec *r, double *factor, const char **why)
{
	const struct cdp_field *f;
	const char *s, *reason = "not a date";
	size_t n;
	long day, age;

	f = cdp_rec_find(r, R->decay_field, strlen(R->decay_field));
	if (f == NULL || f->type == CDP_NULL)
		reason = "missing";
	else if (f->type == CDP_STRING && cdp_rec_str(r, f, &R->s, &s,
	    &n) == 0 && parse_day(s, n, &R->tmp, &day, &reason) == 0) {
		age = R->opt->as_of - day;
		*factor = exp2(-(double)(age > 0 ? age : 0) / R->half_life);
		return 0;
	}
	cdp_buf_reset(&R->why);
	if (cdp_buf_adds(&R->why, "field ") == -1 ||
	    cdp_json_quote(&R->why, R->decay_field,
	    strlen(R->decay_field)) == -1 ||
	    cdp_buf_addf(&R->why, ": %s", reason) == -1)
		cdp_oom(0);
	*why = R->why.p;
	return -1;
}

static int
points_score(void *st, struct cdp_rec *r, struct cdp_recw *w,
    const char **why)
{
	struct rules *R = st;
	double sum = 0, factor = 1;
	bool first = true;
	int rc;

	cdp_buf_reset(&R->arr);
	if (cdp_buf_addc(&R->arr, '[') == -1)
		cdp_oom(0);
	for (size_t i = 0; i < R->n; i++) {
		if ((rc = cdp_expr_test(R->r[i].when, r, why)) == -1)
			return -1;
		if (rc == 0)
			continue;
		sum += R->r[i].points;
		if ((!first && cdp_buf_addc(&R->arr, ',') == -1) ||
		    cdp_json_quote(&R->arr, R->r[i].name,
		    strlen(R->r[i].name)) == -1)
			cdp_oom(0);
		first = false;
	}
	if (cdp_buf_addc(&R->arr, ']') == -1)
		cdp_oom(0);
	if (R->decay_field != NULL && decay(R, r, &factor, why) == -1)
		return -1;
	sum *= factor;
	if (R->has_max && sum > R->max)
		sum = R->max;
	if (!isfinite(sum)) {
		*why = "points out of range";
		return -1;
	}
	/* + 0.0 turns -0 (negative points decayed to nothing) into 0. */
	if (cdp_recw_num(w, "points", 6, sum + 0.0) == -1 ||
	    cdp_recw_raw(w, "points_rules", 12, R->arr.p, R->arr.len) == -1)
		cdp_oom(0);
	return 1;
}

int
points_load(struct stream_scorer *sc, const struct score_opts *opt,
    const char *path, struct cdp_err *err)
{
	struct rules *R = cdp_xcalloc(1, sizeof(*R));

	R->opt = opt;
	if ((R->doc = cdp_json_doc_load(path, err)) == NULL ||
	    rules_load(R, err) == -1) {
		rules_free(R);
		return -1;
	}
	/* The tree is needed no more: the names were copied. */
	cdp_json_doc_free(R->doc);
	R->doc = NULL;
	for (size_t i = 0; i < R->n; i++)
		assert(R->r[i].name[0] != '\0' && R->r[i].when != NULL &&
		    isfinite(R->r[i].points));
	assert(R->decay_field == NULL || opt->has_as_of);
	*sc = (struct stream_scorer){ .owned = points_fields, .nowned = 2,
	    .score = points_score, .free = rules_free, .st = R };
	return 0;
}

int
points_run(const struct score_opts *opt, char **files, int nfiles)
{
	struct stream_scorer sc;
	struct cdp_err err;

	if (points_load(&sc, opt, opt->rules, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	stream_run(opt, &sc, files, nfiles);
	sc.free(sc.st);
	return 0;
}
