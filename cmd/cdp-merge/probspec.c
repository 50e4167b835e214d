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
prob_add_block(struct prob_spec *s, const char *arg, const char *usage)
{
	struct cdp_block_rule *r;
	struct cdp_err err;

	if (s->nrules == PROB_MAX_RULES)
		cdp_usage_die(usage, "--block: more than %d rules",
		    PROB_MAX_RULES);
	r = &s->rules[s->nrules];
	if (cdp_block_rule_parse(r, arg, &err) == -1)
		cdp_usage_die(usage, "--block: %s", err.msg);
	s->nrules++;
	for (int i = 0; i < r->nkeys; i++)
		r->keys[i].col = field_of(s, r->keys[i].field,
		    strlen(r->keys[i].field), usage);
}

static struct cmp *
add_cmp(struct prob_spec *s, const char *field, size_t fl, const char *method,
    const char *usage)
{
	struct cdp_err err;
	struct cmp *c;
	int f;

	if (!cdp_cmp_field_ok(field, fl))
		cdp_usage_die(usage, "--compare: expected FIELD:METHOD");
	f = field_of(s, field, fl, usage);
	for (int i = 0; i < s->ncmps; i++)
		if (s->cmps[i].field == f)
			cdp_usage_die(usage, "--compare: \"%s\" given twice",
			    s->fields[f]);
	if (s->ncmps == PROB_MAX_CMP)
		cdp_usage_die(usage, "--compare: more than %d fields",
		    PROB_MAX_CMP);
	c = &s->cmps[s->ncmps++];
	*c = (struct cmp){ .field = f };
	if (cdp_cmp_parse(&c->cmp, method, &err) == -1)
		cdp_usage_die(usage, "--compare: %s: %s", s->fields[f],
		    err.msg);
	c->method = cdp_xstrdup(method);
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
	if ((v = json_object_get(root, "blocks")) != NULL && s->nrules == 0) {
		if (!json_is_array(v))
			bad_settings(path, usage, "\"blocks\" must be an array "
			    "of strings");
		json_array_foreach(v, i, item) {
			if (!json_is_string(item))
				bad_settings(path, usage, "\"blocks\" must be "
				    "an array of strings");
			prob_add_block(s, json_string_value(item), usage);
		}
	}
	if ((v = json_object_get(root, "compare")) == NULL || !json_is_array(v))
		bad_settings(path, usage, "\"compare\" must be an array");
	json_array_foreach(v, i, item) {
		json_t *f = json_object_get(item, "field");
		json_t *m = json_object_get(item, "method");
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

void
prob_check(struct prob_spec *s, const char *usage)
{
	bool all = s->ncmps > 0;

	if (s->nrules == 0)
		cdp_usage_die(usage, "--probabilistic needs --block (or "
		    "\"blocks\" in --settings)");
	if (s->ncmps == 0)
		cdp_usage_die(usage, "--probabilistic needs --compare (or "
		    "--settings)");
	for (int i = 0; i < s->ncmps; i++)
		all = all && s->cmps[i].have_mu;
	/* Parameters come whole from a settings file, or are all fitted. */
	if (!all || s->prior <= 0) {
		s->prior = -1;
		for (int i = 0; i < s->ncmps; i++)
			s->cmps[i].have_mu = false;
	}
}

void
prob_spec_free(struct prob_spec *s)
{
	for (int i = 0; i < s->nfields; i++)
		free(s->fields[i]);
	for (int i = 0; i < s->nrules; i++)
		cdp_block_rule_free(&s->rules[i]);
	for (int i = 0; i < s->ncmps; i++)
		free(s->cmps[i].method);
}
