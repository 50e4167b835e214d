/* jfile.c - read and check the journey file: stages in order, their
 * entry and exit conditions, and their actions. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "diag.h"
#include "xalloc.h"
#include "journey.h"

const char *const j_channels[J_NCHAN] = { "email", "sms", "push", "ads" };

struct jctx {
	struct journey	*j;
	const char	*path;
	const char	*score;
	struct cdp_expr_opts eo;
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

/* Compile the condition src as expression number j->nex. */
static int
add_expr(struct jctx *c, const char *src, const char *what)
{
	struct cdp_expr_err err;
	struct cdp_expr *e;

	if (c->j->nex == J_MAXEXPR)
		cdp_die(EX_DATAERR, c->path, 0, "%s: more than %d conditions "
		    "in one journey", what, J_MAXEXPR);
	/* days_since() counts to --as-of, which is always given. */
	if ((e = cdp_expr_compile(src, strlen(src), &c->eo, &err)) == NULL) {
		if (err.line == 0)
			cdp_oom(0);
		cdp_die(EX_DATAERR, c->path, 0, "%s:%d:%d: %s", what,
		    err.line, err.col, err.msg);
	}
	c->j->ex[c->j->nex] = e;
	return c->j->nex++;
}

static const char *
opt_str(struct jctx *c, json_t *o, const char *key, const char *what,
    int required)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL && !required)
		return NULL;
	if (!json_is_string(v) || json_string_length(v) == 0)
		cdp_die(EX_DATAERR, c->path, 0, "%s: \"%s\" must be a "
		    "non-empty string", what, key);
	return json_string_value(v);
}

static double
opt_dur(struct jctx *c, json_t *o, const char *key, const char *what,
    double dflt)
{
	const char *s = opt_str(c, o, key, what, 0);
	double d;

	if (s == NULL)
		return dflt;
	if (j_parse_duration(s, &d) == -1)
		cdp_die(EX_DATAERR, c->path, 0, "%s: \"%s\": bad duration "
		    "(like 30m, 2h, 7d)", what, key);
	return d;
}

static void
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
			cdp_die(EX_DATAERR, c->path, 0, "%s: unknown key "
			    "\"%s\"", what, k);
	}
}

static void
load_action(struct jctx *c, json_t *o, int stage, const char *swhat,
    size_t i)
{
	static const char *const keys[] = { "name", "channel", "template",
	    "priority", "when", "wait", "unless", "within", "repeat", NULL };
	struct journey *j = c->j;
	struct j_action *a = &j->act[j->nact];
	char what[256], buf[512];
	const char *s;
	json_t *pr;

	snprintf(what, sizeof(what), "%s action %zu", swhat, i + 1);
	if (!json_is_object(o))
		cdp_die(EX_DATAERR, c->path, 0, "%s: not an object", what);
	s = opt_str(c, o, "name", what, 1);
	if (!name_ok(s))
		cdp_die(EX_DATAERR, c->path, 0, "%s: name must be letters, "
		    "digits, '_', '-' or '.'", what);
	if (j_action_of(j, s) >= 0)
		cdp_die(EX_DATAERR, c->path, 0, "%s: action \"%s\" defined "
		    "twice", what, s);
	snprintf(what, sizeof(what), "%s action \"%s\"", swhat, s);
	check_keys(c, o, keys, what);
	*a = (struct j_action){ .name = cdp_xstrdup(s), .stage = stage,
	    .when = -1, .unless = -1, .score = -1, .channel = -1 };
	s = opt_str(c, o, "channel", what, 1);
	for (int k = 0; k < J_NCHAN; k++)
		if (strcmp(s, j_channels[k]) == 0)
			a->channel = k;
	if (a->channel < 0)
		cdp_die(EX_DATAERR, c->path, 0, "%s: channel must be email, "
		    "sms, push or ads", what);
	a->tmpl = cdp_xstrdup(opt_str(c, o, "template", what, 1));
	if ((pr = json_object_get(o, "priority")) != NULL) {
		if (!json_is_number(pr))
			cdp_die(EX_DATAERR, c->path, 0, "%s: \"priority\" "
			    "must be a number", what);
		a->priority = json_number_value(pr);
	}
	if ((s = opt_str(c, o, "when", what, 0)) != NULL) {
		snprintf(buf, sizeof(buf), "%s \"when\"", what);
		a->when = add_expr(c, s, buf);
	}
	a->wait = opt_dur(c, o, "wait", what, 0);
	if ((s = opt_str(c, o, "unless", what, 0)) != NULL) {
		snprintf(buf, sizeof(buf), "%s \"unless\"", what);
		a->unless = add_expr(c, s, buf);
		if (json_object_get(o, "within") == NULL)
			cdp_die(EX_DATAERR, c->path, 0, "%s: \"unless\" needs "
			    "\"within\"", what);
	} else if (json_object_get(o, "within") != NULL)
		cdp_die(EX_DATAERR, c->path, 0, "%s: \"within\" needs "
		    "\"unless\"", what);
	a->within = opt_dur(c, o, "within", what, 0);
	a->repeat = opt_dur(c, o, "repeat", what, -1);
	if (c->score != NULL) {
		/* The action's own member of the score object. */
		snprintf(buf, sizeof(buf), "%s.\"%s\"", c->score, a->name);
		a->score = add_expr(c, buf, "--score");
	}
	j->nact++;
}

static void
load_stage(struct jctx *c, json_t *o, size_t i)
{
	static const char *const keys[] = { "name", "entry", "actions",
	    "exit", NULL };
	struct journey *j = c->j;
	struct j_stage *st = &j->st[j->nst];
	char what[160], buf[256];
	const char *s;
	json_t *acts, *a;
	size_t k;

	snprintf(what, sizeof(what), "stage %zu", i + 1);
	if (!json_is_object(o))
		cdp_die(EX_DATAERR, c->path, 0, "%s: not an object", what);
	s = opt_str(c, o, "name", what, 1);
	if (!name_ok(s))
		cdp_die(EX_DATAERR, c->path, 0, "%s: name must be letters, "
		    "digits, '_', '-' or '.'", what);
	if (j_stage_of(j, s) >= 0)
		cdp_die(EX_DATAERR, c->path, 0, "%s: stage \"%s\" defined "
		    "twice", what, s);
	snprintf(what, sizeof(what), "stage \"%s\"", s);
	check_keys(c, o, keys, what);
	*st = (struct j_stage){ .name = cdp_xstrdup(s), .entry = -1,
	    .exit = -1 };
	j->nst++;
	if ((s = opt_str(c, o, "entry", what, 0)) != NULL) {
		snprintf(buf, sizeof(buf), "%s \"entry\"", what);
		st->entry = add_expr(c, s, buf);
	}
	if ((s = opt_str(c, o, "exit", what, 0)) != NULL) {
		snprintf(buf, sizeof(buf), "%s \"exit\"", what);
		st->exit = add_expr(c, s, buf);
	}
	if ((acts = json_object_get(o, "actions")) == NULL)
		return;
	if (!json_is_array(acts))
		cdp_die(EX_DATAERR, c->path, 0, "%s: \"actions\" must be a "
		    "list", what);
	json_array_foreach(acts, k, a) {
		void *p = j->act;
		size_t cap = (size_t)j->nact;

		cdp_xgrow(&p, &cap, (size_t)j->nact + 1,
		    sizeof(*j->act));
		j->act = p;
		load_action(c, a, j->nst - 1, what, k);
	}
}

void
j_load(struct journey *j, const char *path, const char *score, double as_of)
{
	struct jctx c = { .j = j, .path = path, .score = score,
	    .eo = { .has_as_of = true, .as_of = (long)floor(as_of / 86400) } };
	json_error_t jerr;
	json_t *root, *stages, *s;
	size_t i;
	FILE *fp;

	*j = (struct journey){ 0 };
	if ((fp = fopen(path, "r")) == NULL)
		cdp_die(EX_NOINPUT, path, 0, "cannot open: %s",
		    strerror(errno));
	root = json_loadf(fp, JSON_REJECT_DUPLICATES, &jerr);
	fclose(fp);
	if (root == NULL)
		cdp_die(EX_DATAERR, path, jerr.line, "%s", jerr.text);
	stages = json_is_object(root) ? json_object_get(root, "stages") : root;
	if (json_is_object(root)) {
		static const char *const keys[] = { "name", "stages",
		    "description", NULL };

		check_keys(&c, root, keys, "journey");
	}
	if (!json_is_array(stages) || json_array_size(stages) == 0)
		cdp_die(EX_DATAERR, path, 0, "expected a non-empty list of "
		    "stages (or an object with \"stages\")");
	if (json_array_size(stages) > J_MAXEXPR)
		cdp_die(EX_DATAERR, path, 0, "more than %d stages", J_MAXEXPR);
	j->st = cdp_xcalloc(json_array_size(stages), sizeof(*j->st));
	json_array_foreach(stages, i, s)
		load_stage(&c, s, i);
	json_decref(root);
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
