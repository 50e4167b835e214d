/*
 * probspec.c - cdp-merge --probabilistic's blocking rules and
 * comparisons, from --block, --compare and --settings FILE.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "diag.h"
#include "jsonload.h"
#include "merge.h"
#include "opts.h"
#include "xalloc.h"
#include "prob.h"

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

/*
 * Split s at the commas outside parentheses into items[] (NUL-terminated
 * in place).  Returns the count, or -1 on an empty item, unbalanced
 * parentheses or more than max.
 */
static int
split_top(char *s, char **items, int max)
{
	int n = 0, depth = 0;
	char *start = s;

	for (char *p = s;; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && --depth < 0)
			return -1;
		if ((*p == ',' && depth == 0) || *p == '\0') {
			bool end = *p == '\0';

			if (p == start || n == max)
				return -1;
			*p = '\0';
			items[n++] = start;
			start = p + 1;
			if (end)
				break;
		}
	}
	return depth == 0 ? n : -1;
}

static bool
name_ok(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strchr("(),: ", s[i]) != NULL)
			return false;
	return true;
}

/* "fn(" at the start of s: the text between the parentheses. */
static bool
call(const char *s, const char *fn, const char **args, size_t *alen)
{
	size_t fl = strlen(fn), n = strlen(s);

	if (strncmp(s, fn, fl) != 0 || s[fl] != '(' || n < fl + 2 ||
	    s[n - 1] != ')')
		return false;
	*args = s + fl + 1;
	*alen = n - fl - 2;
	return true;
}

static int
parse_key(struct prob_spec *s, struct bkey *k, const char *item,
    struct cdp_err *err)
{
	const char *a, *comma;
	size_t an;
	long v;

	if (call(item, "prefix", &a, &an)) {
		char num[32];

		comma = memchr(a, ',', an);
		if (comma == NULL || !name_ok(a, (size_t)(comma - a)) ||
		    (size_t)(a + an - comma - 1) >= sizeof(num))
			return misuse(err, "--block: %s: expected "
			    "prefix(FIELD,N)", item);
		memcpy(num, comma + 1, (size_t)(a + an - comma - 1));
		num[a + an - comma - 1] = '\0';
		if (cdp_parse_long(num, 1, 100, &v) == -1)
			return misuse(err, "--block: %s: N must be a whole "
			    "number from 1 to 100", item);
		k->fn = K_PREFIX;
		k->n = (int)v;
		k->field = field_of(s, a, (size_t)(comma - a), err);
		return k->field == -1 ? -1 : 0;
	}
	if (call(item, "soundex", &a, &an))
		k->fn = K_SOUNDEX;
	else if (call(item, "year", &a, &an))
		k->fn = K_YEAR;
	else {
		a = item;
		an = strlen(item);
		k->fn = K_VALUE;
	}
	if (!name_ok(a, an))
		return misuse(err, "--block: %s: expected FIELD, "
		    "prefix(FIELD,N), soundex(FIELD) or year(FIELD)", item);
	k->field = field_of(s, a, an, err);
	return k->field == -1 ? -1 : 0;
}

int
prob_add_block(struct prob_spec *s, const char *arg, struct cdp_err *err)
{
	char *copy, *items[PROB_MAX_KEYS];
	struct brule *r;
	int n, rc = 0;

	if (s->nrules == PROB_MAX_RULES)
		return misuse(err, "--block: more than %d rules",
		    PROB_MAX_RULES);
	copy = cdp_xstrdup(arg);
	if ((n = split_top(copy, items, PROB_MAX_KEYS)) == -1) {
		free(copy);
		return misuse(err, "--block: empty key, unbalanced "
		    "parentheses or more than %d keys", PROB_MAX_KEYS);
	}
	r = &s->rules[s->nrules++];
	r->text = cdp_xstrdup(arg);
	for (r->nkeys = 0; r->nkeys < n && rc == 0; r->nkeys++)
		rc = parse_key(s, &r->keys[r->nkeys], items[r->nkeys], err);
	free(copy);
	return rc;
}

/* The thresholds "a,b,..." of a method into c->t; -1 when bad. */
static int
thresholds(struct cmp *c, const char *a, size_t an, double lo, double hi)
{
	char buf[128], *items[PROB_MAX_LEVELS];
	int n;

	if (an >= sizeof(buf))
		return -1;
	memcpy(buf, a, an);
	buf[an] = '\0';
	if ((n = cdp_split_list(buf, items, PROB_MAX_LEVELS - 2)) == -1)
		return -1;
	for (int i = 0; i < n; i++) {
		if (cdp_parse_double(items[i], &c->t[i]) == -1 ||
		    c->t[i] < lo || c->t[i] > hi)
			return -1;
		/* Levels go from the closest to the farthest. */
		if (i > 0 && (c->kind == C_JW ? c->t[i] >= c->t[i - 1] :
		    c->t[i] <= c->t[i - 1]))
			return -1;
	}
	c->nt = n;
	return 0;
}

/* Parse METHOD of one comparison; -1 when it is not one. */
static int
parse_method(struct cmp *c, const char *m)
{
	const char *a;
	size_t an;

	c->nt = 0;
	if (strcmp(m, "exact") == 0) {
		c->kind = C_EXACT;
		c->nlev = 2;
		return 0;
	}
	if (strcmp(m, "jw") == 0 || call(m, "jw", &a, &an)) {
		c->kind = C_JW;
		if (m[2] == '\0') {
			c->t[0] = 0.94;
			c->t[1] = 0.88;
			c->nt = 2;
		} else if (thresholds(c, a, an, 0, 1) == -1)
			return -1;
	} else if (strcmp(m, "lev") == 0 || call(m, "lev", &a, &an)) {
		c->kind = C_LEV;
		if (m[3] == '\0') {
			c->t[0] = 1;
			c->t[1] = 2;
			c->nt = 2;
		} else if (thresholds(c, a, an, 1, 1000) == -1)
			return -1;
		for (int i = 0; i < c->nt; i++)
			if (c->t[i] != (double)(long)c->t[i])
				return -1;
	} else if (strcmp(m, "date") == 0 || call(m, "date", &a, &an)) {
		c->kind = C_DATE;
		c->t[0] = 30;
		c->nt = 1;
		if (m[4] != '\0' && (thresholds(c, a, an, 1, 100000) == -1 ||
		    c->nt != 1))
			return -1;
		c->nlev = 5;
		return 0;
	} else if (call(m, "num", &a, &an)) {
		c->kind = C_NUM;
		if (thresholds(c, a, an, 0, 1e300) == -1 || c->nt != 1)
			return -1;
		c->nlev = 3;
		return 0;
	} else {
		return -1;
	}
	c->nlev = c->nt + 2;
	return 0;
}

/* The comparison of field[0..fl) by method, added to s; NULL with err
 * when it is not one. */
static struct cmp *
add_cmp(struct prob_spec *s, const char *field, size_t fl, const char *method,
    struct cdp_err *err)
{
	struct cmp c = { 0 };

	if (!name_ok(field, fl)) {
		misuse(err, "--compare: expected FIELD:METHOD");
		return NULL;
	}
	if ((c.field = field_of(s, field, fl, err)) == -1)
		return NULL;
	for (int i = 0; i < s->ncmps; i++)
		if (s->cmps[i].field == c.field) {
			misuse(err, "--compare: \"%s\" given twice",
			    s->fields[c.field]);
			return NULL;
		}
	if (s->ncmps == PROB_MAX_CMP) {
		misuse(err, "--compare: more than %d fields", PROB_MAX_CMP);
		return NULL;
	}
	if (parse_method(&c, method) == -1) {
		misuse(err, "--compare: %s: expected exact, jw(T1,T2,...), "
		    "lev(K1,K2,...), date(DAYS) or num(TOL)",
		    s->fields[c.field]);
		return NULL;
	}
	c.method = cdp_xstrdup(method);
	s->cmps[s->ncmps] = c;
	return &s->cmps[s->ncmps++];
}

int
prob_add_compare(struct prob_spec *s, const char *arg, struct cdp_err *err)
{
	char *copy = cdp_xstrdup(arg), *items[PROB_MAX_CMP];
	int n, rc = 0;

	if ((n = split_top(copy, items, PROB_MAX_CMP)) == -1)
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
	    (size_t)c->nlev)
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
	if (v == NULL || s->nrules > 0)
		return 0;
	if (!json_is_array(v))
		return cdp_json_fail(err, EX_USAGE, d, v, "\"blocks\" must be "
		    "an array of strings");
	json_array_foreach(v, i, item) {
		if (!json_is_string(item))
			return cdp_json_fail(err, EX_USAGE, d, v, "\"blocks\" "
			    "must be an array of strings");
		if (prob_add_block(s, json_string_value(item), err) == -1)
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

int
prob_check(struct prob_spec *s, struct cdp_err *err)
{
	bool all = s->ncmps > 0;

	if (s->nrules == 0)
		return misuse(err, "--probabilistic needs --block (or "
		    "\"blocks\" in --settings)");
	if (s->ncmps == 0)
		return misuse(err, "--probabilistic needs --compare (or "
		    "--settings)");
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

void
prob_spec_free(struct prob_spec *s)
{
	for (int i = 0; i < s->nfields; i++)
		free(s->fields[i]);
	for (int i = 0; i < s->nrules; i++)
		free(s->rules[i].text);
	for (int i = 0; i < s->ncmps; i++)
		free(s->cmps[i].method);
}
