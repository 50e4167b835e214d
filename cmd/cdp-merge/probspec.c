/*
 * probspec.c - cdp-merge --probabilistic's blocking rules and
 * comparisons, from --block, --compare and --settings FILE.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "compare.h"
#include "diag.h"
#include "opts.h"
#include "prob.h"
#include "xalloc.h"

/* The number of field name s[0..n) in s->fields, added when new. */
static int
field_of(struct prob_spec *s, const char *name, size_t n, const char *usage)
{
	for (int i = 0; i < s->nfields; i++)
		if (strlen(s->fields[i]) == n && memcmp(s->fields[i], name,
		    n) == 0)
			return i;
	if (s->nfields == PROB_MAX_FIELDS)
		cdp_usage_die(usage, "more than %d fields in --block and "
		    "--compare", PROB_MAX_FIELDS);
	s->fields[s->nfields] = cdp_xstrndup(name, n);
	return s->nfields++;
}

void
prob_add_rule(struct prob_spec *s, struct rules *list, const char *opt,
    const char *arg, const char *usage)
{
	struct cdp_block_rule *r;
	struct cdp_err err;

	if (list->n == PROB_MAX_RULES)
		cdp_usage_die(usage, "%s: more than %d rules", opt,
		    PROB_MAX_RULES);
	r = &list->r[list->n];
	if (cdp_block_rule_parse(r, arg, &err) == -1)
		cdp_usage_die(usage, "%s: %s", opt, err.msg);
	list->n++;
	for (int i = 0; i < r->nkeys; i++)
		r->keys[i].col = field_of(s, r->keys[i].field,
		    strlen(r->keys[i].field), usage);
}

/* One comparison: fields "F" or "F1+F2" (a copy is made), METHOD. */
static struct cmp *
add_cmp(struct prob_spec *s, const char *field, size_t fl, const char *method,
    const char *usage)
{
	char *name = cdp_xstrndup(field, fl), *copy = cdp_xstrndup(field, fl);
	char *cols[CDP_CMP_MAX_COLS];
	struct cdp_err err;
	struct cmp *c;
	int n;

	if ((n = cdp_cmp_fields(copy, cols)) == -1)
		cdp_usage_die(usage, "--compare: expected FIELD:METHOD or "
		    "FIELD+FIELD:METHOD");
	for (int i = 0; i < s->ncmps; i++)
		if (strcmp(s->cmps[i].name, name) == 0)
			cdp_usage_die(usage, "--compare: \"%s\" given twice",
			    name);
	if (s->ncmps == PROB_MAX_CMP)
		cdp_usage_die(usage, "--compare: more than %d comparisons",
		    PROB_MAX_CMP);
	c = &s->cmps[s->ncmps++];
	*c = (struct cmp){ .name = name };
	if (cdp_cmp_parse(&c->cmp, method, &err) == -1)
		cdp_usage_die(usage, "--compare: %s: %s", name, err.msg);
	c->method = cdp_xstrdup(method);
	if (c->cmp.ncols != n)
		cdp_usage_die(usage, "--compare: %s: %s compares %d field%s",
		    name, method, c->cmp.ncols, c->cmp.ncols > 1 ? "s" : "");
	for (int i = 0; i < n; i++)
		c->col[i] = field_of(s, cols[i], strlen(cols[i]), usage);
	free(copy);
	return c;
}

void
prob_add_compare(struct prob_spec *s, const char *arg, const char *usage)
{
	char *copy = cdp_xstrdup(arg), *items[PROB_MAX_CMP];
	int n;

	if ((n = cdp_cmp_split(copy, items, PROB_MAX_CMP)) == -1)
		cdp_usage_die(usage, "--compare: empty item, unbalanced "
		    "parentheses or more than %d items", PROB_MAX_CMP);
	for (int i = 0; i < n; i++) {
		char *colon = strchr(items[i], ':');

		if (colon == NULL)
			cdp_usage_die(usage, "--compare: %s: expected "
			    "FIELD:METHOD", items[i]);
		add_cmp(s, items[i], (size_t)(colon - items[i]), colon + 1,
		    usage);
	}
	free(copy);
}

_Noreturn static void
bad_settings(const char *path, const char *usage, const char *why)
{
	cdp_usage_die(usage, "--settings: %s: %s", path, why);
}

static void
settings_levels(struct cmp *c, json_t *levels, const char *path,
    const char *usage)
{
	size_t i;
	json_t *lv;

	if (levels == NULL)
		return;
	if (!json_is_array(levels) || json_array_size(levels) !=
	    (size_t)c->cmp.nlev)
		bad_settings(path, usage, "\"levels\" must be an array with "
		    "one object per level of the method");
	json_array_foreach(levels, i, lv) {
		json_t *m = json_object_get(lv, "m"), *u = json_object_get(lv,
		    "u");

		if (!json_is_number(m) || !json_is_number(u) ||
		    json_number_value(m) <= 0 || json_number_value(m) > 1 ||
		    json_number_value(u) <= 0 || json_number_value(u) > 1)
			bad_settings(path, usage, "each level needs \"m\" and "
			    "\"u\" in (0, 1]");
		c->m[i + 1] = json_number_value(m);
		c->u[i + 1] = json_number_value(u);
	}
	c->have_mu = true;
}

void
prob_load_settings(struct prob_spec *s, const char *path, const char *usage)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr), *v, *item;
	size_t i;

	if (root == NULL) {
		if (jerr.line <= 0)
			cdp_usage_die(usage, "--settings: %s: cannot read: %s",
			    path, jerr.text);
		cdp_usage_die(usage, "--settings: %s:%d: %s", path, jerr.line,
		    jerr.text);
	}
	if (!json_is_object(root))
		bad_settings(path, usage, "expected a JSON object");
	/* --block on the command line replaces the file's rules. */
	if ((v = json_object_get(root, "blocks")) != NULL && s->block.n == 0) {
		if (!json_is_array(v))
			bad_settings(path, usage, "\"blocks\" must be an array "
			    "of strings");
		json_array_foreach(v, i, item) {
			if (!json_is_string(item))
				bad_settings(path, usage, "\"blocks\" must be "
				    "an array of strings");
			prob_add_rule(s, &s->block, "--block",
			    json_string_value(item), usage);
		}
	}
	if ((v = json_object_get(root, "compare")) == NULL || !json_is_array(v))
		bad_settings(path, usage, "\"compare\" must be an array");
	json_array_foreach(v, i, item) {
		json_t *f = json_object_get(item, "field");
		json_t *m = json_object_get(item, "method"), *tf;
		struct cmp *c;

		if (json_is_string(item)) {
			prob_add_compare(s, json_string_value(item), usage);
			continue;
		}
		if (!json_is_string(f) || !json_is_string(m))
			bad_settings(path, usage, "each \"compare\" item is "
			    "\"FIELD:METHOD\" or an object with \"field\" and "
			    "\"method\"");
		c = add_cmp(s, json_string_value(f), strlen(json_string_value(
		    f)), json_string_value(m), usage);
		settings_levels(c, json_object_get(item, "levels"), path,
		    usage);
		if ((tf = json_object_get(item, "tf")) != NULL &&
		    !json_is_boolean(tf))
			bad_settings(path, usage, "\"tf\" must be true or "
			    "false");
		c->tf = json_is_true(tf);
	}
	if ((v = json_object_get(root, "prior")) != NULL) {
		if (!json_is_number(v) || json_number_value(v) <= 0 ||
		    json_number_value(v) >= 1)
			bad_settings(path, usage, "\"prior\" must be a number "
			    "in (0, 1)");
		s->prior = json_number_value(v);
	}
	if ((v = json_object_get(root, "threshold")) != NULL &&
	    !s->threshold_set) {
		if (!json_is_number(v) || json_number_value(v) < 0 ||
		    json_number_value(v) > 1)
			bad_settings(path, usage, "\"threshold\" must be a "
			    "number in [0, 1]");
		s->threshold = json_number_value(v);
	}
	json_decref(root);
}

/* --tf F,...: the single-field comparisons of F weigh exact agreement
 * by the value's frequency. */
static void
apply_tf(struct prob_spec *s, const char *usage)
{
	char *copy = cdp_xstrdup(s->tf_list), *items[PROB_MAX_CMP];
	int n = cdp_split_list(copy, items, PROB_MAX_CMP);

	if (n == -1)
		cdp_usage_die(usage, "--tf: empty item or more than %d items",
		    PROB_MAX_CMP);
	for (int i = 0; i < n; i++) {
		int c;

		for (c = 0; c < s->ncmps; c++)
			if (s->cmps[c].cmp.ncols == 1 &&
			    strcmp(s->cmps[c].name, items[i]) == 0)
				break;
		if (c == s->ncmps)
			cdp_usage_die(usage, "--tf: \"%s\" is not a field "
			    "compared alone by --compare", items[i]);
		s->cmps[c].tf = true;
	}
	free(copy);
}

void
prob_check(struct prob_spec *s, const char *usage)
{
	bool all = s->ncmps > 0;

	if (s->block.n == 0)
		cdp_usage_die(usage, "--probabilistic needs --block (or "
		    "\"blocks\" in --settings)");
	if (s->ncmps == 0)
		cdp_usage_die(usage, "--probabilistic needs --compare (or "
		    "--settings)");
	if (s->tf_list != NULL)
		apply_tf(s, usage);
	/* m is fitted on the candidate rules unless told otherwise. */
	for (int i = 0, n = s->train.n == 0 ? s->block.n : 0; i < n; i++)
		prob_add_rule(s, &s->train, "--block", s->block.r[i].text,
		    usage);
	for (int i = 0; i < s->ncmps; i++)
		all = all && s->cmps[i].have_mu;
	/* Parameters come whole from a settings file, or are all fitted. */
	if (!all || s->prior <= 0) {
		s->prior = -1;
		for (int i = 0; i < s->ncmps; i++)
			s->cmps[i].have_mu = false;
	}
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
