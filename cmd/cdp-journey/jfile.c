/* jfile.c - read and check the journey file: stages in order, their
 * entry and exit conditions, and their actions. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "diag.h"
#include "jsonload.h"
#include "timeval.h"
#include "xalloc.h"
#include "journey.h"

const char *const j_channels[J_NCHAN] = { "email", "sms", "push", "ads" };

struct jctx {
	struct journey		*j;
	const struct cdp_json_doc *d;
	const char		*score;
	struct cdp_expr_opts	 eo;
	struct cdp_err		*err;
};

/* Names become keys of decisions and state: keep them plain. */
static int
name_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' ||
		    *s == '.'))
			return 0;
	return 1;
}

/* Compile the condition src (member key of o) as expression number
 * j->nex into *at.  Returns 0, or -1 with c->err. */
static int
add_expr(struct jctx *c, json_t *o, const char *key, const char *src,
    const char *what, int *at)
{
	struct cdp_expr_err err;
	struct cdp_expr *e;

	if (c->j->nex == J_MAXEXPR)
		return cdp_json_fail_key(c->err, EX_DATAERR, c->d, o, key,
		    "%s: more than %d conditions in one journey", what,
		    J_MAXEXPR);
	/* days_since() counts to --as-of, which is always given. */
	if ((e = cdp_expr_compile(src, strlen(src), &c->eo, &err)) == NULL) {
		if (err.line == 0)
			cdp_oom(0);
		return cdp_json_fail_key(c->err, EX_DATAERR, c->d, o, key,
		    "%s:%d:%d: %s", what, err.line, err.col, err.msg);
	}
	c->j->ex[c->j->nex] = e;
	*at = c->j->nex++;
	return 0;
}

/* The string member key of o into *s (NULL when absent and not
 * required).  Returns 0, or -1 with c->err. */
static int
opt_str(struct jctx *c, json_t *o, const char *key, const char *what,
    int required, const char **s)
{
	json_t *v = json_object_get(o, key);

	*s = NULL;
	if (v == NULL && !required)
		return 0;
	if (!json_is_string(v) || json_string_length(v) == 0)
		return cdp_json_fail_key(c->err, EX_DATAERR, c->d, o, key,
		    "%s: \"%s\" must be a non-empty string", what, key);
	*s = json_string_value(v);
	return 0;
}

/* A condition member key of o, compiled into *at (left as it is when
 * absent). */
static int
opt_expr(struct jctx *c, json_t *o, const char *key, const char *what,
    int *at)
{
	char buf[512];
	const char *s;

	if (opt_str(c, o, key, what, 0, &s) == -1)
		return -1;
	if (s == NULL)
		return 0;
	snprintf(buf, sizeof(buf), "%s \"%s\"", what, key);
	return add_expr(c, o, key, s, buf, at);
}

static int
opt_dur(struct jctx *c, json_t *o, const char *key, const char *what,
    double *d)
{
	const char *s;

	if (opt_str(c, o, key, what, 0, &s) == -1)
		return -1;
	if (s != NULL && cdp_duration_parse(s, d) == -1)
		return cdp_json_fail_key(c->err, EX_DATAERR, c->d, o, key,
		    "%s: \"%s\": bad duration (like 30m, 2h, 7d)", what, key);
	return 0;
}

static int
check_keys(struct jctx *c, json_t *o, const char *const *keys,
    const char *what)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v) {
		int ok = 0;

		for (const char *const *p = keys; *p; p++)
			ok |= strcmp(k, *p) == 0;
		if (!ok)
			return cdp_json_fail_key(c->err, EX_DATAERR, c->d, o,
			    k, "%s: unknown key \"%s\"", what, k);
	}
	return 0;
}

/* An object's "name" into *name: plain and new (defined is j_stage_of
 * or j_action_of). */
static int
load_name(struct jctx *c, json_t *o, const char *what, const char *kind, int (*defined)(const struct journey *, const char *),
    const char **name)
{
	if (!json_is_object(o))
		return cdp_json_fail(c->err, EX_DATAERR, c->d, o, "%s: not an "
		    "object", what);
	if (opt_str(c, o, "name", what, 1, name) == -1)
		return -1;
	if (!name_ok(*name))
		return cdp_json_fail_key(c->err, EX_DATAERR, c->d, o, "name",
		    "%s: name must be letters, digits, '_', '-' or '.'", what);
	if (defined(c->j, *name) >= 0)
		return cdp_json_fail_key(c->err, EX_DATAERR, c->d, o, "name",
		    "%s: %s \"%s\" defined twice", what, kind, *name);
	return 0;
}

/* An action's "channel", "template" and "priority". */
static int
load_delivery(struct jctx *c, json_t *o, const char *what,
    struct j_action *a)
{
	const char *s;
	json_t *pr;

	if (opt_str(c, o, "channel", what, 1, &s) == -1)
		return -1;
	for (int k = 0; k < J_NCHAN; k++)
		if (strcmp(s, j_channels[k]) == 0)
			a->channel = k;
	if (a->channel < 0)
		return cdp_json_fail_key(c->err, EX_DATAERR, c->d, o,
		    "channel", "%s: channel must be email, sms, push or ads",
		    what);
	if (opt_str(c, o, "template", what, 1, &s) == -1)
		return -1;
	a->tmpl = cdp_xstrdup(s);
	if ((pr = json_object_get(o, "priority")) != NULL) {
		if (!json_is_number(pr))
			return cdp_json_fail_key(c->err, EX_DATAERR, c->d, o,
			    "priority", "%s: \"priority\" must be a number",
			    what);
		a->priority = json_number_value(pr);
	}
	return 0;
}

/* An action's timing: "when", "wait", "unless" with "within", "repeat". */
static int
load_timing(struct jctx *c, json_t *o, const char *what, struct j_action *a)
{
	int unless = json_object_get(o, "unless") != NULL;

	if (unless != (json_object_get(o, "within") != NULL))
		return cdp_json_fail_key(c->err, EX_DATAERR, c->d, o, unless ?
		    "unless" : "within", "%s: \"%s\" needs \"%s\"", what,
		    unless ? "unless" : "within", unless ? "within" : "unless");
	a->repeat = -1;
	if (opt_expr(c, o, "when", what, &a->when) == -1 ||
	    opt_dur(c, o, "wait", what, &a->wait) == -1 ||
	    opt_expr(c, o, "unless", what, &a->unless) == -1 ||
	    opt_dur(c, o, "within", what, &a->within) == -1 ||
	    opt_dur(c, o, "repeat", what, &a->repeat) == -1)
		return -1;
	return 0;
}

static int
load_action(struct jctx *c, json_t *o, int stage, const char *swhat,
    size_t i)
{
	static const char *const keys[] = { "name", "channel", "template",
	    "priority", "when", "wait", "unless", "within", "repeat", NULL };
	struct journey *j = c->j;
	struct j_action *a = &j->act[j->nact];
	char what[256], buf[512];
	const char *s;

	snprintf(what, sizeof(what), "%s action %zu", swhat, i + 1);
	if (load_name(c, o, what, "action", j_action_of, &s) == -1)
		return -1;
	snprintf(what, sizeof(what), "%s action \"%s\"", swhat, s);
	if (check_keys(c, o, keys, what) == -1)
		return -1;
	/* Counted at once, so that j_free() frees it whatever comes. */
	*a = (struct j_action){ .name = cdp_xstrdup(s), .stage = stage,
	    .when = -1, .unless = -1, .score = -1, .channel = -1 };
	j->nact++;
	if (load_delivery(c, o, what, a) == -1 ||
	    load_timing(c, o, what, a) == -1)
		return -1;
	if (c->score == NULL)
		return 0;
	/* The action's own member of the score object. */
	snprintf(buf, sizeof(buf), "%s.\"%s\"", c->score, a->name);
	return add_expr(c, o, "name", buf, "--score", &a->score);
}

static int
load_stage(struct jctx *c, json_t *o, size_t i)
{
	static const char *const keys[] = { "name", "entry", "actions",
	    "exit", NULL };
	struct journey *j = c->j;
	struct j_stage *st = &j->st[j->nst];
	char what[160];
	const char *s;
	json_t *acts, *a;
	size_t k;

	snprintf(what, sizeof(what), "stage %zu", i + 1);
	if (load_name(c, o, what, "stage", j_stage_of, &s) == -1)
		return -1;
	snprintf(what, sizeof(what), "stage \"%s\"", s);
	if (check_keys(c, o, keys, what) == -1)
		return -1;
	*st = (struct j_stage){ .name = cdp_xstrdup(s), .entry = -1,
	    .exit = -1 };
	j->nst++;
	if (opt_expr(c, o, "entry", what, &st->entry) == -1 ||
	    opt_expr(c, o, "exit", what, &st->exit) == -1)
		return -1;
	if ((acts = json_object_get(o, "actions")) == NULL)
		return 0;
	if (!json_is_array(acts))
		return cdp_json_fail_key(c->err, EX_DATAERR, c->d, o,
		    "actions", "%s: \"actions\" must be a list", what);
	json_array_foreach(acts, k, a) {
		void *p = j->act;
		size_t cap = (size_t)j->nact;

		cdp_xgrow(&p, &cap, (size_t)j->nact + 1, sizeof(*j->act));
		j->act = p;
		if (load_action(c, a, j->nst - 1, what, k) == -1)
			return -1;
	}
	return 0;
}

/* The stages of the journey file's root into c->j. */
static int
load_stages(struct jctx *c, json_t *root)
{
	static const char *const keys[] = { "name", "stages", "description",
	    NULL };
	json_t *stages = root, *s;
	size_t i;

	if (json_is_object(root)) {
		if (check_keys(c, root, keys, "journey") == -1)
			return -1;
		stages = json_object_get(root, "stages");
	}
	if (!json_is_array(stages) || json_array_size(stages) == 0)
		return cdp_json_fail(c->err, EX_DATAERR, c->d, root, "expected "
		    "a non-empty list of stages (or an object with "
		    "\"stages\")");
	if (json_array_size(stages) > J_MAXEXPR)
		return cdp_json_fail(c->err, EX_DATAERR, c->d, stages, "more "
		    "than %d stages", J_MAXEXPR);
	c->j->st = cdp_xcalloc(json_array_size(stages), sizeof(*c->j->st));
	json_array_foreach(stages, i, s)
		if (load_stage(c, s, i) == -1)
			return -1;
	return 0;
}

int
j_load(struct journey *j, const char *path, const char *score, double as_of,
    struct cdp_err *err)
{
	struct jctx c = { .j = j, .score = score, .err = err,
	    .eo = { .has_as_of = true, .as_of = (long)floor(as_of / 86400) } };
	struct cdp_json_doc *d;
	int rc;

	*j = (struct journey){ 0 };
	if ((d = cdp_json_doc_load(path, err)) == NULL)
		return -1;
	c.d = d;
	if ((rc = load_stages(&c, cdp_json_doc_root(d))) == -1)
		j_free(j);
	cdp_json_doc_free(d);
	return rc;
}

void
j_free(struct journey *j)
{
	for (int i = 0; i < j->nst; i++)
		free(j->st[i].name);
	for (int i = 0; i < j->nact; i++) {
		free(j->act[i].name);
		free(j->act[i].tmpl);
	}
	for (int i = 0; i < j->nex; i++)
		cdp_expr_free(j->ex[i]);
	free(j->st);
	free(j->act);
	*j = (struct journey){ 0 };
}

int
j_stage_of(const struct journey *j, const char *name)
{
	for (int i = 0; i < j->nst; i++)
		if (strcmp(j->st[i].name, name) == 0)
			return i;
	return -1;
}

int
j_action_of(const struct journey *j, const char *name)
{
	for (int i = 0; i < j->nact; i++)
		if (strcmp(j->act[i].name, name) == 0)
			return i;
	return -1;
}
