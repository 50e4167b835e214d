/* jfile.c - read and check the journey file: stages in order, their entry
 * and exit conditions and actions (alternatives that compete for a slot,
 * sequences of steps, weighted variants), and the journey-wide rules
 * (start, re-entry, exit, holdout).  Errors are returned, not exited on. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "diag.h"
#include "jsonload.h"
#include "journey.h"
#include "timeval.h"
#include "xalloc.h"

const char *const j_channels[J_NCHAN] = { "email", "sms", "push", "ads" };

struct jctx {
	struct journey	*j;
	const struct cdp_json_doc *d;
	const char	*score;
	struct cdp_expr_opts eo;
	struct cdp_err	*err;
	const char	*seqname[J_MAXEXPR];	/* borrowed from the tree */
	char		*what[J_MAXEXPR];	/* each rule's place */
	long		 line[J_MAXEXPR];
	bool		 rule[J_MAXEXPR];	/* a condition of the file */
};

/* The line of member key of object o (of o itself when key is NULL). */
static long
line_at(const struct jctx *c, const json_t *o, const char *key)
{
	return key != NULL ? cdp_json_key_line(c->d, o, key) :
	    cdp_json_line(c->d, o);
}

/* Set the error "PATH:LINE: message" for member key of o (o itself when
 * key is NULL); returns -1. */
static int
fail(struct jctx *c, const json_t *o, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail(struct jctx *c, const json_t *o, const char *key, const char *fmt, ...)
{
	char msg[224];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (key != NULL)
		return cdp_json_fail_key(c->err, EX_DATAERR, c->d, o, key, "%s",
		    msg);
	return cdp_json_fail(c->err, EX_DATAERR, c->d, o, "%s", msg);
}

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

/* Compile the condition v as expression number j->nex into *out. */
static int
add_expr(struct jctx *c, const json_t *o, const char *key, const char *src,
    const char *what, bool rule, int *out)
{
	struct cdp_expr_err err;
	struct cdp_expr *e;

	if (c->j->nex == J_MAXEXPR)
		return fail(c, o, key, "%s: more than %d conditions in one "
		    "journey", what, J_MAXEXPR);
	/* days_since() counts to --as-of, which is always given. */
	if ((e = cdp_expr_compile(src, strlen(src), &c->eo, &err)) == NULL) {
		if (err.line == 0)
			cdp_oom(0);
		return fail(c, o, key, "%s:%d:%d: %s", what, err.line,
		    err.col, err.msg);
	}
	c->rule[c->j->nex] = rule;
	if (rule)
		c->j->conds |= UINT64_C(1) << c->j->nex;
	c->what[c->j->nex] = cdp_xstrdup(what);
	c->line[c->j->nex] = line_at(c, o, key);
	c->j->ex[c->j->nex] = e;
	*out = c->j->nex++;
	return 0;
}

/* Member key of o as a non-empty string into *s (NULL when absent and
 * not required). */
static int
opt_str(struct jctx *c, const json_t *o, const char *key, const char *what,
    bool required, const char **s)
{
	json_t *v = json_object_get(o, key);

	*s = NULL;
	if (v == NULL && !required)
		return 0;
	if (!json_is_string(v) || json_string_length(v) == 0)
		return fail(c, o, v != NULL ? key : NULL, "%s: \"%s\" must be "
		    "a non-empty string", what, key);
	*s = json_string_value(v);
	return 0;
}

/* A condition member: compiled into *out, -1 when absent. */
static int
opt_cond(struct jctx *c, const json_t *o, const char *key, const char *what,
    int *out)
{
	char buf[320];
	const char *s;

	*out = -1;
	if (opt_str(c, o, key, what, false, &s) == -1)
		return -1;
	if (s == NULL)
		return 0;
	snprintf(buf, sizeof(buf), "%s \"%s\"", what, key);
	return add_expr(c, o, key, s, buf, true, out);
}

static int
opt_dur(struct jctx *c, const json_t *o, const char *key, const char *what,
    double dflt, double *out)
{
	const char *s;

	*out = dflt;
	if (opt_str(c, o, key, what, false, &s) == -1)
		return -1;
	if (s != NULL && cdp_duration_parse(s, out) == -1)
		return fail(c, o, key, "%s: \"%s\": bad duration (like 30m, "
		    "2h, 7d)", what, key);
	return 0;
}

/* A share: "10%", or a number from 0 to 1. */
static int
opt_share(struct jctx *c, const json_t *o, const char *key, const char *what,
    double *out)
{
	json_t *v = json_object_get(o, key);

	*out = 0;
	if (v == NULL)
		return 0;
	if (json_is_number(v))
		*out = json_number_value(v);
	else if (!json_is_string(v) ||
	    j_parse_share(json_string_value(v), out) == -1)
		return fail(c, o, key, "%s: \"%s\": not a share (like 10%% "
		    "or 0.1)", what, key);
	if (!(*out >= 0))
		return fail(c, o, key, "%s: \"%s\": a share is not negative",
		    what, key);
	if (*out > 1)
		return fail(c, o, key, "%s: \"%s\": share over 100%%", what,
		    key);
	return 0;
}

static int
check_keys(struct jctx *c, const json_t *o, const char *const *keys,
    const char *what)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)o, k, v) {
		int ok = 0;

		for (const char *const *p = keys; *p; p++)
			ok |= strcmp(k, *p) == 0;
		if (!ok)
			return fail(c, o, k, "%s: unknown key \"%s\"", what, k);
	}
	return 0;
}

/* The "name" of object o, plain (what names the place). */
static int
plain_name(struct jctx *c, const json_t *o, const char *what,
    const char **name)
{
	if (!json_is_object(o))
		return fail(c, o, NULL, "%s: not an object", what);
	if (opt_str(c, o, "name", what, true, name) == -1)
		return -1;
	if (!name_ok(*name))
		return fail(c, o, "name", "%s: name must be letters, digits, "
		    "'_', '-' or '.'", what);
	return 0;
}

/* A name of the journey: plain, and not yet used by an action or a
 * sequence (they share decisions and state). */
static int
new_name(struct jctx *c, const json_t *o, const char *what, const char *kind,
    const char **name)
{
	if (plain_name(c, o, what, name) == -1)
		return -1;
	for (int i = 0; i < c->j->nseq; i++)
		if (strcmp(c->seqname[i], *name) == 0)
			return fail(c, o, "name", "%s: \"%s\" is already a "
			    "sequence", what, *name);
	if (j_action_of(c->j, *name) >= 0)
		return fail(c, o, "name", "%s: %s \"%s\" defined twice", what,
		    kind, *name);
	return 0;
}

static int
channel_of(struct jctx *c, const json_t *o, const char *what, bool required,
    int *ch)
{
	const char *s;

	if (opt_str(c, o, "channel", what, required, &s) == -1)
		return -1;
	if (s == NULL)
		return 0;
	for (int k = 0; k < J_NCHAN; k++)
		if (strcmp(s, j_channels[k]) == 0) {
			*ch = k;
			return 0;
		}
	return fail(c, o, "channel", "%s: channel must be email, sms, push "
	    "or ads", what);
}

static int
load_variant(struct jctx *c, const json_t *o, struct j_action *a,
    const char *awhat, size_t i, double *sum)
{
	static const char *const keys[] = { "name", "weight", "template",
	    "channel", NULL };
	struct j_variant *v = &a->var[a->nvar];
	char what[320];
	const char *s;
	double w;

	snprintf(what, sizeof(what), "%s variant %zu", awhat, i + 1);
	if (plain_name(c, o, what, &s) == -1)
		return -1;
	for (int k = 0; k < a->nvar; k++)
		if (strcmp(a->var[k].name, s) == 0)
			return fail(c, o, "name", "%s: variant \"%s\" defined "
			    "twice", what, s);
	snprintf(what, sizeof(what), "%s variant \"%s\"", awhat, s);
	*v = (struct j_variant){ .name = cdp_xstrdup(s),
	    .channel = a->channel };
	a->nvar++;
	if (check_keys(c, o, keys, what) == -1)
		return -1;
	if (json_object_get(o, "weight") == NULL)
		return fail(c, o, NULL, "%s: \"weight\" is required (a share "
		    "like 50%%)", what);
	if (opt_share(c, o, "weight", what, &w) == -1)
		return -1;
	if (w <= 0)
		return fail(c, o, "weight", "%s: \"weight\" must be more than "
		    "0", what);
	*sum += w;
	v->share = w;
	v->upto = *sum;
	if (opt_str(c, o, "template", what, false, &s) == -1)
		return -1;
	v->tmpl = cdp_xstrdup(s != NULL ? s : a->tmpl);
	return channel_of(c, o, what, false, &v->channel);
}

static int
load_variants(struct jctx *c, const json_t *o, struct j_action *a,
    const char *what)
{
	json_t *vs = json_object_get(o, "variants"), *v;
	double sum = 0;
	size_t i;

	if (vs == NULL)
		return 0;
	if (!json_is_array(vs) || json_array_size(vs) == 0)
		return fail(c, o, "variants", "%s: \"variants\" must be a "
		    "non-empty list", what);
	a->var = cdp_xcalloc(json_array_size(vs), sizeof(*a->var));
	json_array_foreach(vs, i, v)
		if (load_variant(c, v, a, what, i, &sum) == -1)
			return -1;
	/* Shares are written with a few digits: allow for their rounding. */
	if (sum > 1 + 1e-9)
		return fail(c, o, "variants", "%s: variant shares add up to "
		    "%g%%, over 100%%", what, sum * 100);
	if (sum < 1 - 1e-9)
		return fail(c, o, "variants", "%s: variant shares add up to "
		    "%g%%, not 100%%", what, sum * 100);
	a->var[a->nvar - 1].upto = 1;
	return 0;
}

/* What an action and a step share: channel, template, waits, variants. */
static int
load_send(struct jctx *c, const json_t *o, struct j_action *a,
    const char *what, bool step)
{
	const char *s;

	if (channel_of(c, o, what, true, &a->channel) == -1 ||
	    opt_str(c, o, "template", what, true, &s) == -1)
		return -1;
	a->tmpl = cdp_xstrdup(s);
	if (opt_dur(c, o, "wait", what, 0, &a->wait) == -1 ||
	    opt_cond(c, o, "unless", what, &a->unless) == -1)
		return -1;
	/* A step's unless watches up to its send; an action says how long. */
	if (a->unless >= 0 && !step && json_object_get(o, "within") == NULL)
		return fail(c, o, "unless", "%s: \"unless\" needs \"within\"",
		    what);
	if (a->unless < 0 && json_object_get(o, "within") != NULL)
		return fail(c, o, "within", "%s: \"within\" needs \"unless\"",
		    what);
	if (opt_dur(c, o, "within", what, a->wait, &a->within) == -1 ||
	    opt_dur(c, o, "repeat", what, -1, &a->repeat) == -1)
		return -1;
	if (c->score != NULL) {
		char buf[320];

		/* The action's own member of the score object. */
		snprintf(buf, sizeof(buf), "%s.\"%s\"", c->score, a->name);
		if (add_expr(c, o, "name", buf, "--score", false,
		    &a->score) == -1)
			return -1;
	}
	return load_variants(c, o, a, what);
}

static struct j_action *
new_action(struct journey *j, const char *name, int stage)
{
	struct j_action *a;
	void *p = j->act;
	size_t cap = (size_t)j->nact;

	cdp_xgrow(&p, &cap, (size_t)j->nact + 1, sizeof(*j->act));
	j->act = p;
	a = &j->act[j->nact++];
	*a = (struct j_action){ .name = cdp_xstrdup(name), .stage = stage,
	    .when = -1, .unless = -1, .score = -1, .channel = -1, .seq = -1 };
	return a;
}

static int
load_step(struct jctx *c, const json_t *o, int stage, int when,
    const char *qwhat, size_t i)
{
	static const char *const keys[] = { "name", "channel", "template",
	    "wait", "unless", "within", "repeat", "variants", NULL };
	struct j_action *a;
	char what[320];
	const char *s;

	snprintf(what, sizeof(what), "%s step %zu", qwhat, i + 1);
	if (new_name(c, o, what, "action", &s) == -1)
		return -1;
	snprintf(what, sizeof(what), "%s step \"%s\"", qwhat, s);
	if (check_keys(c, o, keys, what) == -1)
		return -1;
	a = new_action(c->j, s, stage);
	a->when = when;
	a->seq = c->j->nseq - 1;
	return load_send(c, o, a, what, true);
}

/* A sequence: steps from one trigger, each sent on its own (they never
 * compete), each with its own wait and unless. */
static int
load_sequence(struct jctx *c, const json_t *o, int stage, const char *what)
{
	static const char *const keys[] = { "name", "when", "steps", NULL };
	json_t *steps = json_object_get(o, "steps"), *s;
	const char *name;
	char qwhat[256];
	size_t i;
	int when;

	if (new_name(c, o, what, "sequence", &name) == -1)
		return -1;
	snprintf(qwhat, sizeof(qwhat), "%s sequence \"%s\"", what, name);
	if (check_keys(c, o, keys, qwhat) == -1 ||
	    opt_cond(c, o, "when", qwhat, &when) == -1)
		return -1;
	if (!json_is_array(steps) || json_array_size(steps) == 0)
		return fail(c, o, "steps", "%s: \"steps\" must be a non-empty "
		    "list", qwhat);
	if (c->j->nseq == J_MAXEXPR)
		return fail(c, o, NULL, "%s: more than %d sequences", qwhat,
		    J_MAXEXPR);
	c->seqname[c->j->nseq++] = name;
	json_array_foreach(steps, i, s)
		if (load_step(c, s, stage, when, qwhat, i) == -1)
			return -1;
	return 0;
}

static int
load_action(struct jctx *c, const json_t *o, int stage, const char *swhat,
    size_t i)
{
	static const char *const keys[] = { "name", "channel", "template",
	    "priority", "when", "wait", "unless", "within", "repeat",
	    "variants", NULL };
	struct j_action *a;
	char what[320];
	const char *s;
	json_t *pr;

	snprintf(what, sizeof(what), "%s action %zu", swhat, i + 1);
	if (!json_is_object(o))
		return fail(c, o, NULL, "%s: not an object", what);
	if (json_object_get(o, "steps") != NULL)
		return load_sequence(c, o, stage, swhat);
	if (new_name(c, o, what, "action", &s) == -1)
		return -1;
	snprintf(what, sizeof(what), "%s action \"%s\"", swhat, s);
	if (check_keys(c, o, keys, what) == -1)
		return -1;
	a = new_action(c->j, s, stage);
	if ((pr = json_object_get(o, "priority")) != NULL) {
		if (!json_is_number(pr))
			return fail(c, o, "priority", "%s: \"priority\" must be "
			    "a number", what);
		a->priority = json_number_value(pr);
	}
	if (opt_cond(c, o, "when", what, &a->when) == -1)
		return -1;
	return load_send(c, o, a, what, false);
}

static int
load_stage(struct jctx *c, const json_t *o, size_t i)
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
	if (plain_name(c, o, what, &s) == -1)
		return -1;
	if (j_stage_of(j, s) >= 0)
		return fail(c, o, "name", "%s: stage \"%s\" defined twice",
		    what, s);
	snprintf(what, sizeof(what), "stage \"%s\"", s);
	if (check_keys(c, o, keys, what) == -1)
		return -1;
	*st = (struct j_stage){ .name = cdp_xstrdup(s), .entry = -1,
	    .exit = -1 };
	j->nst++;
	if (opt_cond(c, o, "entry", what, &st->entry) == -1 ||
	    opt_cond(c, o, "exit", what, &st->exit) == -1)
		return -1;
	if ((acts = json_object_get(o, "actions")) == NULL)
		return 0;
	if (!json_is_array(acts))
		return fail(c, o, "actions", "%s: \"actions\" must be a list",
		    what);
	json_array_foreach(acts, k, a)
		if (load_action(c, a, j->nst - 1, what, k) == -1)
			return -1;
	return 0;
}

/* "reentry": "never", or the least time between two entries. */
static int
load_reentry(struct jctx *c, const json_t *root)
{
	json_t *v = json_object_get(root, "reentry");
	const char *s;

	if (v == NULL)
		return 0;
	s = json_is_string(v) ? json_string_value(v) : "";
	if (strcmp(s, "never") == 0) {
		c->j->reentry = J_RE_NEVER;
		return 0;
	}
	if (cdp_duration_parse(s, &c->j->gap) == -1)
		return fail(c, root, "reentry", "journey: \"reentry\" must be "
		    "\"never\" or a duration (like 14d)");
	c->j->reentry = J_RE_GAP;
	return 0;
}

/* The journey-wide members of the object form. */
static int
load_top(struct jctx *c, const json_t *root)
{
	static const char *const keys[] = { "name", "description", "stages",
	    "start", "reentry", "exit", "holdout", "holdout_key", NULL };
	struct journey *j = c->j;
	const char *s;

	if (check_keys(c, root, keys, "journey") == -1 ||
	    opt_str(c, root, "name", "journey", false, &s) == -1)
		return -1;
	if (s != NULL) {
		if (!name_ok(s))
			return fail(c, root, "name", "journey: name must be "
			    "letters, digits, '_', '-' or '.'");
		free(j->name);
		j->name = cdp_xstrdup(s);
	}
	if (opt_str(c, root, "start", "journey", false, &s) == -1)
		return -1;
	if (s != NULL) {
		struct cdp_buf tmp = { 0 };
		int rc = j_parse_time(s, strlen(s), &tmp, &j->start);

		cdp_buf_free(&tmp);
		if (rc == -1)
			return fail(c, root, "start", "journey: \"start\": not a "
			    "date or datetime");
	}
	if (load_reentry(c, root) == -1 ||
	    opt_share(c, root, "holdout", "journey", &j->holdout) == -1 ||
	    opt_str(c, root, "holdout_key", "journey", false, &s) == -1)
		return -1;
	j->holdout_key = cdp_xstrdup(s != NULL ? s : j->name);
	return 0;
}

/* The file's base name without ".json": the name of a journey that has
 * none (decisions and hashes name it). */
static char *
base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b != NULL ? b + 1 : path;
	n = strlen(b);
	if (n > 5 && strcmp(b + n - 5, ".json") == 0)
		n -= 5;
	return cdp_xstrndup(b, n);
}

/* Add name[0..n) of rule e to the journey's fields, once. */
static void
add_field(struct jctx *c, int e, const char *name, size_t n)
{
	struct journey *j = c->j;
	void *p = j->fld;
	size_t cap = (size_t)j->nfld;

	for (int i = 0; i < j->nfld; i++)
		if (j->fld[i].len == n && memcmp(j->fld[i].name, name, n) == 0)
			return;
	cdp_xgrow(&p, &cap, cap + 1, sizeof(*j->fld));
	j->fld = p;
	j->fld[j->nfld++] = (struct j_field){ .name = cdp_xstrndup(name, n),
	    .len = n, .rule = cdp_xstrdup(c->what[e]), .line = c->line[e] };
}

static void
collect_fields(struct jctx *c)
{
	for (int e = 0; e < c->j->nex; e++) {
		const char *k;
		size_t n;
		int pos = 0;

		while (c->rule[e] &&
		    cdp_expr_field_next(c->j->ex[e], &pos, &k, &n))
			add_field(c, e, k, n);
	}
}

static int
load_root(struct jctx *c, const json_t *root)
{
	struct journey *j = c->j;
	const json_t *stages = root, *s;
	size_t i;

	if (json_is_object(root)) {
		stages = json_object_get(root, "stages");
		if (load_top(c, root) == -1)
			return -1;
	} else
		j->holdout_key = cdp_xstrdup(j->name);
	if (!json_is_array(stages) || json_array_size(stages) == 0)
		return fail(c, root, stages != root && stages != NULL ?
		    "stages" : NULL, "expected a non-empty list of stages (or "
		    "an object with \"stages\")");
	if (json_array_size(stages) > J_MAXEXPR)
		return fail(c, root, stages != root ? "stages" : NULL, "more "
		    "than %d stages", J_MAXEXPR);
	j->st = cdp_xcalloc(json_array_size(stages), sizeof(*j->st));
	json_array_foreach(stages, i, s)
		if (load_stage(c, s, i) == -1)
			return -1;
	if (json_is_object(root) &&
	    opt_cond(c, root, "exit", "journey", &j->exit) == -1)
		return -1;
	collect_fields(c);
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

	*j = (struct journey){ .exit = -1, .start = -INFINITY,
	    .name = base_name(path) };
	if ((d = cdp_json_doc_load(path, err)) == NULL) {
		j_free(j);
		return -1;
	}
	c.d = d;
	rc = load_root(&c, cdp_json_doc_root(d));
	for (int i = 0; i < j->nex; i++)
		free(c.what[i]);
	cdp_json_doc_free(d);
	if (rc == -1)
		j_free(j);
	return rc;
}

void
j_free(struct journey *j)
{
	for (int i = 0; i < j->nst; i++)
		free(j->st[i].name);
	for (int i = 0; i < j->nact; i++) {
		for (int k = 0; k < j->act[i].nvar; k++) {
			free(j->act[i].var[k].name);
			free(j->act[i].var[k].tmpl);
		}
		free(j->act[i].var);
		free(j->act[i].name);
		free(j->act[i].tmpl);
	}
	for (int i = 0; i < j->nex; i++)
		cdp_expr_free(j->ex[i]);
	for (int i = 0; i < j->nfld; i++) {
		free(j->fld[i].name);
		free(j->fld[i].rule);
	}
	free(j->fld);
	free(j->name);
	free(j->holdout_key);
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
