/*
 * probspec.c - cdp-merge --probabilistic's blocking rules and
 * comparisons, from --block, --compare and --settings FILE.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "block.h"
#include "compare.h"
#include "diag.h"
#include "jsonload.h"
#include "opts.h"
#include "prob.h"
#include "xalloc.h"

/* err set to EX_USAGE and the message; returns -1. */
static int
misuse(struct cdp_err *err, const char *fmt, ...)
{
	char msg[sizeof(err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cdp_err_set(err, EX_USAGE, "%s", msg);
	return -1;
}

/* The number of field name s[0..n) in s->fields, added when new; -1
 * with err when there are too many. */
static int
field_of(struct prob_spec *s, const char *name, size_t n,
    struct cdp_err *err)
{
	for (int i = 0; i < s->nfields; i++)
		if (strlen(s->fields[i]) == n && memcmp(s->fields[i], name,
		    n) == 0)
			return i;
	if (s->nfields == PROB_MAX_FIELDS)
		return misuse(err, "more than %d fields in --block and "
		    "--compare", PROB_MAX_FIELDS);
	s->fields[s->nfields] = cdp_xstrndup(name, n);
	return s->nfields++;
}

int
prob_add_rule(struct prob_spec *s, struct rules *list, const char *opt,
    const char *arg, struct cdp_err *err)
{
	struct cdp_block_rule *r;

	if (list->n == PROB_MAX_RULES)
		return misuse(err, "%s: more than %d rules", opt,
		    PROB_MAX_RULES);
	r = &list->r[list->n];
	if (cdp_block_rule_parse(r, arg, err) == -1)
		return misuse(err, "%s: %s", opt, err->msg);
	list->n++;
	for (int i = 0; i < r->nkeys; i++)
		if ((r->keys[i].col = field_of(s, r->keys[i].field,
		    strlen(r->keys[i].field), err)) == -1)
			return -1;
	return 0;
}

/* The comparison of fields "F" or "F1+F2" (field[0..fl)) by method,
 * added to s; NULL with err when it is not one. */
static struct cmp *
add_cmp(struct prob_spec *s, const char *field, size_t fl, const char *method,
    struct cdp_err *err)
{
	char *copy = cdp_xstrndup(field, fl), *cols[CDP_CMP_MAX_COLS];
	struct cmp c = { 0 };
	int n = cdp_cmp_fields(copy, cols), rc = 0;

	if (n == -1)
		rc = misuse(err, "--compare: expected FIELD:METHOD or "
		    "FIELD+FIELD:METHOD");
	for (int i = 0; i < s->ncmps && rc == 0; i++)
		if (strlen(s->cmps[i].name) == fl &&
		    memcmp(s->cmps[i].name, field, fl) == 0)
			rc = misuse(err, "--compare: \"%.*s\" given twice",
			    (int)fl, field);
	if (rc == 0 && s->ncmps == PROB_MAX_CMP)
		rc = misuse(err, "--compare: more than %d comparisons",
		    PROB_MAX_CMP);
	if (rc == 0 && cdp_cmp_parse(&c.cmp, method, err) == -1)
		rc = misuse(err, "--compare: %.*s: %s", (int)fl, field,
		    err->msg);
	if (rc == 0 && c.cmp.ncols != n)
		rc = misuse(err, "--compare: %.*s: %s compares %d field%s",
		    (int)fl, field, method, c.cmp.ncols, c.cmp.ncols > 1 ?
		    "s" : "");
	for (int i = 0; i < n && rc == 0; i++)
		if ((c.col[i] = field_of(s, cols[i], strlen(cols[i]), err)) ==
		    -1)
			rc = -1;
	free(copy);
	if (rc == -1)
		return NULL;
	c.name = cdp_xstrndup(field, fl);
	c.method = cdp_xstrdup(method);
	s->cmps[s->ncmps] = c;
	return &s->cmps[s->ncmps++];
}

int
prob_add_compare(struct prob_spec *s, const char *arg, struct cdp_err *err)
{
	char *copy = cdp_xstrdup(arg), *items[PROB_MAX_CMP];
	int n, rc = 0;

	if ((n = cdp_cmp_split(copy, items, PROB_MAX_CMP)) == -1)
		rc = misuse(err, "--compare: empty item, unbalanced "
		    "parentheses or more than %d items", PROB_MAX_CMP);
	for (int i = 0; i < n && rc == 0; i++) {
		char *colon = strchr(items[i], ':');

		if (colon == NULL)
			rc = misuse(err, "--compare: %s: expected "
			    "FIELD:METHOD", items[i]);
		else if (add_cmp(s, items[i], (size_t)(colon - items[i]),
		    colon + 1, err) == NULL)
			rc = -1;
	}
	free(copy);
	return rc;
}

static int
settings_levels(struct cmp *c, const struct cdp_json_doc *d, json_t *item,
    struct cdp_err *err)
{
	json_t *levels = json_object_get(item, "levels"), *lv;
	size_t i;

	if (levels == NULL)
		return 0;
	if (!json_is_array(levels) || json_array_size(levels) !=
	    (size_t)c->cmp.nlev)
		return cdp_json_fail(err, EX_USAGE, d, levels, "\"levels\" "
		    "must be an array with one object per level of the "
		    "method");
	json_array_foreach(levels, i, lv) {
		json_t *m = json_object_get(lv, "m"), *u = json_object_get(lv,
		    "u");

		if (!json_is_number(m) || !json_is_number(u) ||
		    json_number_value(m) <= 0 || json_number_value(m) > 1 ||
		    json_number_value(u) <= 0 || json_number_value(u) > 1)
			return cdp_json_fail(err, EX_USAGE, d, lv, "each level "
			    "needs \"m\" and \"u\" in (0, 1]");
		c->m[i + 1] = json_number_value(m);
		c->u[i + 1] = json_number_value(u);
	}
	c->have_mu = true;
	return 0;
}

/* An error of a --block or --compare item at item's line. */
static int
item_fail(struct cdp_err *err, const struct cdp_json_doc *d,
    const json_t *item)
{
	struct cdp_err inner = *err;

	return cdp_json_fail(err, EX_USAGE, d, item, "%s", inner.msg);
}

static int
settings_blocks(struct prob_spec *s, const struct cdp_json_doc *d,
    json_t *root, struct cdp_err *err)
{
	json_t *v = json_object_get(root, "blocks"), *item;
	size_t i;

	/* --block on the command line replaces the file's rules. */
	if (v == NULL || s->block.n > 0)
		return 0;
	if (!json_is_array(v))
		return cdp_json_fail(err, EX_USAGE, d, v, "\"blocks\" must be "
		    "an array of strings");
	json_array_foreach(v, i, item) {
		if (!json_is_string(item))
			return cdp_json_fail(err, EX_USAGE, d, v, "\"blocks\" "
			    "must be an array of strings");
		if (prob_add_rule(s, &s->block, "--block",
		    json_string_value(item), err) == -1)
			return item_fail(err, d, item);
	}
	return 0;
}

static int
settings_compare(struct prob_spec *s, const struct cdp_json_doc *d,
    json_t *root, struct cdp_err *err)
{
	json_t *v = json_object_get(root, "compare"), *item;
	size_t i;

	if (!json_is_array(v))
		return cdp_json_fail_key(err, EX_USAGE, d, root, "compare",
		    "\"compare\" must be an array");
	json_array_foreach(v, i, item) {
		json_t *f = json_object_get(item, "field");
		json_t *m = json_object_get(item, "method");
		json_t *tf = json_object_get(item, "tf");
		struct cmp *c;

		if (json_is_string(item)) {
			if (prob_add_compare(s, json_string_value(item),
			    err) == -1)
				return item_fail(err, d, item);
			continue;
		}
		if (!json_is_string(f) || !json_is_string(m))
			return cdp_json_fail(err, EX_USAGE, d, item, "each "
			    "\"compare\" item is \"FIELD:METHOD\" or an object "
			    "with \"field\" and \"method\"");
		if ((c = add_cmp(s, json_string_value(f),
		    json_string_length(f), json_string_value(m), err)) == NULL)
			return item_fail(err, d, item);
		if (settings_levels(c, d, item, err) == -1)
			return -1;
		if (tf != NULL && !json_is_boolean(tf))
			return cdp_json_fail(err, EX_USAGE, d, tf, "\"tf\" "
			    "must be true or false");
		c->tf = json_is_true(tf);
	}
	return 0;
}

static int
settings_numbers(struct prob_spec *s, const struct cdp_json_doc *d,
    json_t *root, struct cdp_err *err)
{
	json_t *v;

	if ((v = json_object_get(root, "prior")) != NULL) {
		if (!json_is_number(v) || json_number_value(v) <= 0 ||
		    json_number_value(v) >= 1)
			return cdp_json_fail_key(err, EX_USAGE, d, root,
			    "prior", "\"prior\" must be a number in (0, 1)");
		s->prior = json_number_value(v);
	}
	if ((v = json_object_get(root, "threshold")) != NULL &&
	    !s->threshold_set) {
		if (!json_is_number(v) || json_number_value(v) < 0 ||
		    json_number_value(v) > 1)
			return cdp_json_fail_key(err, EX_USAGE, d, root,
			    "threshold", "\"threshold\" must be a number in "
			    "[0, 1]");
		s->threshold = json_number_value(v);
	}
	return 0;
}

int
prob_load_settings(struct prob_spec *s, const char *path,
    struct cdp_err *err)
{
	struct cdp_json_doc *d = cdp_json_doc_load(path, err);
	json_t *root;
	int rc = -1;

	if (d == NULL)
		return -1;
	root = cdp_json_doc_root(d);
	if (!json_is_object(root))
		cdp_json_fail(err, EX_USAGE, d, root, "expected a JSON object");
	else if (settings_blocks(s, d, root, err) == 0 &&
	    settings_compare(s, d, root, err) == 0 &&
	    settings_numbers(s, d, root, err) == 0)
		rc = 0;
	cdp_json_doc_free(d);
	return rc;
}

/* --tf F,...: the single-field comparisons of F weigh exact agreement
 * by the value's frequency. */
static int
apply_tf(struct prob_spec *s, struct cdp_err *err)
{
	char *copy = cdp_xstrdup(s->tf_list), *items[PROB_MAX_CMP];
	int n = cdp_split_list(copy, items, PROB_MAX_CMP), rc = 0;

	if (n == -1)
		rc = misuse(err, "--tf: empty item or more than %d items",
		    PROB_MAX_CMP);
	for (int i = 0; i < n && rc == 0; i++) {
		int c;

		for (c = 0; c < s->ncmps; c++)
			if (s->cmps[c].cmp.ncols == 1 &&
			    strcmp(s->cmps[c].name, items[i]) == 0)
				break;
		if (c == s->ncmps)
			rc = misuse(err, "--tf: \"%s\" is not a field "
			    "compared alone by --compare", items[i]);
		else
			s->cmps[c].tf = true;
	}
	free(copy);
	return rc;
}

int
prob_check(struct prob_spec *s, struct cdp_err *err)
{
	bool all = s->ncmps > 0;

	if (s->block.n == 0)
		return misuse(err, "--probabilistic needs --block (or "
		    "\"blocks\" in --settings)");
	if (s->ncmps == 0)
		return misuse(err, "--probabilistic needs --compare (or "
		    "--settings)");
	if (s->tf_list != NULL && apply_tf(s, err) == -1)
		return -1;
	/* m is fitted on the candidate rules unless told otherwise. */
	for (int i = 0, n = s->train.n == 0 ? s->block.n : 0; i < n; i++)
		if (prob_add_rule(s, &s->train, "--block", s->block.r[i].text,
		    err) == -1)
			return -1;
	for (int i = 0; i < s->ncmps; i++)
		all = all && s->cmps[i].have_mu;
	/* Parameters come whole from a settings file, or are all fitted. */
	if (!all || s->prior <= 0) {
		s->prior = -1;
		for (int i = 0; i < s->ncmps; i++)
			s->cmps[i].have_mu = false;
	}
	return 0;
}

static void
rules_free(struct rules *list)
{
	for (int i = 0; i < list->n; i++)
		cdp_block_rule_free(&list->r[i]);
	list->n = 0;
}

void
prob_spec_free(struct prob_spec *s)
{
	for (int i = 0; i < s->nfields; i++)
		free(s->fields[i]);
	rules_free(&s->block);
	rules_free(&s->train);
	rules_free(&s->prior_rules);
	for (int i = 0; i < s->ncmps; i++) {
		free(s->cmps[i].name);
		free(s->cmps[i].method);
	}
}
