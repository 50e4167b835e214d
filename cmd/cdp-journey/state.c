/* state.c - read the state file of the previous run: per profile its
 * stage, how far its events were decided, its consent and zone, what was
 * sent when, and the actions still waiting on their "unless" window. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "diag.h"
#include "xalloc.h"
#include "journey.h"

struct sctx {
	struct j_run	*r;
	const char	*path;
	long		 line;
};

_Noreturn static void
bad(struct sctx *c, const char *what)
{
	cdp_die(EX_DATAERR, c->path, c->line, "bad state: %s", what);
}

static void
push(struct j_run *r, double v)
{
	cdp_xgrow((void **)&r->pool, &r->cappool, r->npool + 1,
	    sizeof(double));
	r->pool[r->npool++] = v;
}

static double
time_val(struct sctx *c, json_t *v, const char *what)
{
	double t;

	if (!json_is_string(v) || j_parse_time(json_string_value(v),
	    json_string_length(v), &c->r->tmp, &t) == -1)
		bad(c, what);
	return t;
}

static void
one_state(struct sctx *c, json_t *o, struct j_pstate *ps,
    struct j_profile *p)
{
	const struct journey *j = &c->r->j;
	const char *k;
	json_t *v, *x;
	size_t i;
	int n;

	v = json_object_get(o, "stage");
	if (v != NULL && !json_is_null(v) && (!json_is_string(v) ||
	    (ps->stage = j_stage_of(j, json_string_value(v))) < 0))
		bad(c, "unknown stage");
	if ((v = json_object_get(o, "cursor")) != NULL && !json_is_null(v))
		ps->cursor = time_val(c, v, "cursor is not a time");
	ps->sent0 = (uint32_t)c->r->npool;
	for (int a = 0; a < j->nact; a++)
		push(c->r, NAN);
	v = json_object_get(o, "sent");
	if (v != NULL && !json_is_object(v))
		bad(c, "sent is not an object");
	json_object_foreach(v, k, x) {
		if ((n = j_action_of(j, k)) < 0)
			bad(c, "unknown action in sent");
		c->r->pool[ps->sent0 + n] = time_val(c, x, "sent time");
	}
	ps->ch0 = (uint32_t)c->r->npool;
	v = json_object_get(o, "channels");
	if (v != NULL && !json_is_object(v))
		bad(c, "channels is not an object");
	json_object_foreach(v, k, x) {
		json_t *t;

		for (n = 0; n < J_NCHAN && strcmp(k, j_channels[n]) != 0; n++)
			;
		if (n == J_NCHAN || !json_is_array(x))
			bad(c, "unknown channel or not a list");
		json_array_foreach(x, i, t) {
			push(c->r, n);
			push(c->r, time_val(c, t, "channel send time"));
			ps->nch++;
		}
	}
	ps->pend0 = (uint32_t)c->r->npool;
	v = json_object_get(o, "pending");
	if (v != NULL && !json_is_array(v))
		bad(c, "pending is not a list");
	json_array_foreach(v, i, x) {
		json_t *a = json_object_get(x, "action");

		if (!json_is_string(a) ||
		    (n = j_action_of(j, json_string_value(a))) < 0)
			bad(c, "unknown action in pending");
		push(c->r, n);
		push(c->r, time_val(c, json_object_get(x, "trigger"),
		    "pending trigger"));
		ps->npend++;
	}
	if ((v = json_object_get(o, "consent")) != NULL) {
		if (!json_is_object(v))
			bad(c, "consent is not an object");
		for (n = 0; n < J_NCHAN; n++)
			if ((x = json_object_get(v, j_channels[n])) != NULL)
				p->consent[n] = json_is_true(x) ? 1 : 2;
	}
	if ((v = json_object_get(o, "tz")) != NULL) {
		if (!json_is_string(v) || !j_tz_valid(json_string_value(v)))
			bad(c, "unknown time zone");
		for (i = 0; i < c->r->ntz; i++)
			if (strcmp(c->r->tzname[i], json_string_value(v)) == 0)
				break;
		if (i == c->r->ntz) {
			cdp_xgrow((void **)&c->r->tzname, &c->r->captz,
			    c->r->ntz + 1, sizeof(char *));
			c->r->tzname[i] = cdp_xstrdup(json_string_value(v));
			c->r->ntz++;
		}
		p->tz = (int32_t)i;
	}
}

static void
one_line(struct sctx *c, const char *s)
{
	struct j_run *r = c->r;
	json_error_t jerr;
	json_t *o, *id;
	struct j_profile *p;
	uint32_t idx;

	if ((o = json_loads(s, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		cdp_die(EX_DATAERR, c->path, c->line, "bad state: %s",
		    jerr.text);
	if (!json_is_object(o))
		bad(c, "not an object");
	id = json_object_get(o, "profile_id");
	if (json_is_string(id) && json_string_length(id) > 0)
		idx = j_profile_of(r, json_string_value(id),
		    json_string_length(id), true);
	else if (json_is_integer(id)) {
		char num[32];
		int n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(id));

		idx = j_profile_of(r, num, (size_t)n, false);
	} else
		bad(c, "no profile_id");
	p = &r->prof[idx];
	if (p->state >= 0)
		bad(c, "profile listed twice");
	cdp_xgrow((void **)&r->ps, &r->capps, r->nps + 1,
	    sizeof(*r->ps));
	p->state = (int32_t)r->nps;
	r->ps[r->nps] = (struct j_pstate){ .stage = -1, .cursor = -INFINITY,
	    .line = c->line };
	one_state(c, o, &r->ps[r->nps], p);
	r->nps++;
	json_decref(o);
}

/* Load path when it exists; a missing file is a first run.  Any fault
 * stops the program (65) before anything is written. */
void
j_state_load(struct j_run *r, const char *path)
{
	struct sctx c = { .r = r, .path = path };
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return;
		cdp_die(EX_NOINPUT, path, 0, "cannot open: %s",
		    strerror(errno));
	}
	while ((n = getline(&line, &cap, fp)) != -1) {
		c.line++;
		if (strspn(line, " \t\r\n") == (size_t)n)
			continue;
		if (memchr(line, '\0', (size_t)n) != NULL)
			bad(&c, "NUL byte");
		one_line(&c, line);
	}
	if (ferror(fp))
		cdp_die(EX_IOERR, path, 0, "read error: %s", strerror(errno));
	free(line);
	fclose(fp);
}
