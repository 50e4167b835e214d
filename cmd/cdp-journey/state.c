/* state.c - read the state file of the previous run: per profile its
 * stage and when it last entered the journey, how far its events were
 * decided, its consent and zone, what was sent when, and the actions
 * still waiting to be decided; with an id map, the states of profiles
 * that joined others are folded into theirs. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "diag.h"
#include "journey.h"
#include "xalloc.h"

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

void
j_pool_push(struct j_run *r, double v)
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

/* "consent_timed": {"email": ["2026-03-01T10:00:00Z", false], ...}, the
 * latest consent an event stated before, per channel. */
static void
consent_timed(struct sctx *c, json_t *v, struct j_pstate *ps)
{
	const char *k;
	json_t *x;
	int n;

	ps->ct0 = J_NONE;
	if (v != NULL && !json_is_object(v))
		bad(c, "consent_timed is not an object");
	if (json_object_size(v) == 0)
		return;
	ps->ct0 = (uint32_t)c->r->npool;
	for (n = 0; n < J_NCHAN; n++) {
		j_pool_push(c->r, -INFINITY);
		j_pool_push(c->r, 0);
	}
	json_object_foreach(v, k, x) {
		for (n = 0; n < J_NCHAN && strcmp(k, j_channels[n]) != 0; n++)
			;
		if (n == J_NCHAN || !json_is_array(x) ||
		    json_array_size(x) != 2 ||
		    !json_is_boolean(json_array_get(x, 1)))
			bad(c, "consent_timed: expected a channel's [time, "
			    "true|false]");
		c->r->pool[ps->ct0 + 2 * n] = time_val(c, json_array_get(x, 0),
		    "consent_timed time");
		c->r->pool[ps->ct0 + 2 * n + 1] =
		    json_is_true(json_array_get(x, 1)) ? 1 : 2;
	}
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
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_string(v) ||
		    (n = j_stage_of(j, json_string_value(v))) < 0)
			bad(c, "unknown stage");
		ps->stage = (int8_t)n;
	}
	if ((v = json_object_get(o, "cursor")) != NULL && !json_is_null(v))
		ps->cursor = time_val(c, v, "cursor is not a time");
	if ((v = json_object_get(o, "entered")) != NULL && !json_is_null(v))
		ps->entered = time_val(c, v, "entered is not a time");
	v = json_object_get(o, "sent");
	if (v != NULL && !json_is_object(v))
		bad(c, "sent is not an object");
	ps->sent0 = json_object_size(v) > 0 ? (uint32_t)c->r->npool : J_NONE;
	for (int a = 0; ps->sent0 != J_NONE && a < j->nact; a++)
		j_pool_push(c->r, NAN);
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
			j_pool_push(c->r, n);
			j_pool_push(c->r, time_val(c, t, "channel send time"));
			if (ps->nch++ == UINT16_MAX)
				bad(c, "more channel sends than kept");
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
		j_pool_push(c->r, n);
		j_pool_push(c->r, time_val(c, json_object_get(x, "trigger"),
		    "pending trigger"));
		/* The entry it belongs to (a file of an older cdp-journey
		 * has none: its entries go back to the beginning). */
		a = json_object_get(x, "entered");
		j_pool_push(c->r, a == NULL ? -INFINITY :
		    time_val(c, a, "pending entry"));
		/* When its group is decided, if later than its own due. */
		a = json_object_get(x, "decide_at");
		j_pool_push(c->r, a == NULL ? -INFINITY :
		    time_val(c, a, "pending decide_at"));
		if (ps->npend++ == UINT16_MAX)
			bad(c, "more pending actions than kept");
	}
	consent_timed(c, json_object_get(o, "consent_timed"), ps);
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

/* The first line of a --follow checkpoint: {"checkpoint":{"as_of":TIME,
 * "log_bytes":N}}, the time of the last tick and how long the decision
 * log was then. */
static void
checkpoint(struct sctx *c, json_t *o)
{
	json_t *v = json_object_get(o, "checkpoint"), *n;

	if (c->line != 1 || json_object_size(o) != 1 || !json_is_object(v))
		bad(c, "checkpoint is not the first line, or not an object");
	c->r->ckpt_as_of = time_val(c, json_object_get(v, "as_of"),
	    "checkpoint as_of");
	n = json_object_get(v, "log_bytes");
	if (!json_is_integer(n) || json_integer_value(n) < 0)
		bad(c, "checkpoint log_bytes");
	c->r->ckpt_log = json_integer_value(n);
}

/* A profile's state object o (its line in c) into the run. */
static void
add_state(struct sctx *c, json_t *o)
{
	struct j_run *r = c->r;
	json_t *id = json_object_get(o, "profile_id");
	struct j_profile *p;
	uint32_t idx;

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
	    .entered = -INFINITY };
	one_state(c, o, &r->ps[r->nps], p);
	r->nps++;
}

/* The state object of line s (NULL: a checkpoint line, taken). */
static json_t *
one_line(struct sctx *c, const char *s)
{
	json_error_t jerr;
	json_t *o;

	if ((o = json_loads(s, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		cdp_die(EX_DATAERR, c->path, c->line, "bad state: %s",
		    jerr.text);
	if (!json_is_object(o))
		bad(c, "not an object");
	if (json_object_get(o, "checkpoint") != NULL) {
		checkpoint(c, o);
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * The id map of cdp-merge --id-map: {"from":OLD,"to":NEW} a line, as an
 * object OLD -> NEW.  Any fault stops the program: 66 when it cannot be
 * read, 65 with the line when a line is not such an object or names an
 * OLD twice.
 */
static json_t *
idmap_load(const char *path)
{
	json_t *map = json_object();
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long lineno = 0;
	FILE *fp;

	if (map == NULL)
		cdp_oom(0);
	if ((fp = fopen(path, "r")) == NULL)
		cdp_die(EX_NOINPUT, path, 0, "cannot open: %s",
		    strerror(errno));
	while ((n = getline(&line, &cap, fp)) != -1) {
		json_t *o, *from, *to;

		lineno++;
		if (strspn(line, " \t\r\n") == (size_t)n)
			continue;
		o = json_loads(line, JSON_REJECT_DUPLICATES, NULL);
		from = json_object_get(o, "from");
		to = json_object_get(o, "to");
		if (!json_is_string(from) || !json_is_string(to) ||
		    json_string_length(from) == 0 ||
		    json_string_length(to) == 0)
			cdp_die(EX_DATAERR, path, lineno, "bad id map: "
			    "expected {\"from\":ID,\"to\":ID}");
		if (json_object_get(map, json_string_value(from)) != NULL)
			cdp_die(EX_DATAERR, path, lineno, "bad id map: "
			    "\"from\" given twice");
		if (json_object_set(map, json_string_value(from), to) == -1)
			cdp_oom(0);
		json_decref(o);
	}
	if (ferror(fp))
		cdp_die(EX_IOERR, path, 0, "read error: %s", strerror(errno));
	free(line);
	fclose(fp);
	return map;
}

/* Where id went, following joins of joins (NULL: nowhere). */
static const char *
idmap_final(json_t *map, const char *id)
{
	const char *to = NULL;

	for (int hops = 0; hops < 64; hops++) {
		json_t *t = json_object_get(map, id);

		if (t == NULL || strcmp(json_string_value(t), id) == 0)
			break;
		to = id = json_string_value(t);
	}
	return to;
}

/* Is time text a later than time text b?  (Bad texts are left for
 * one_state to report.) */
static bool
later(struct sctx *c, const json_t *a, const json_t *b)
{
	double ta, tb;

	return json_is_string(a) && json_is_string(b) &&
	    j_parse_time(json_string_value(a), json_string_length(a),
	    &c->r->tmp, &ta) == 0 && j_parse_time(json_string_value(b),
	    json_string_length(b), &c->r->tmp, &tb) == 0 && ta > tb;
}

/* to.key, made an object or array (empty) when to has none. */
static json_t *
member(json_t *to, const char *key, bool array)
{
	json_t *v = json_object_get(to, key);

	if (v == NULL || json_is_null(v)) {
		v = array ? json_array() : json_object();
		if (v == NULL || json_object_set_new(to, key, v) == -1)
			cdp_oom(0);
	}
	return v;
}

/* Sort a JSON array of times in place, earliest first (insertion: a
 * profile's sends in the cap window are few). */
static void
sort_times(struct sctx *c, json_t *a)
{
	for (size_t i = 1; i < json_array_size(a); i++)
		for (size_t k = i; k > 0 && later(c, json_array_get(a, k - 1),
		    json_array_get(a, k)); k--) {
			json_t *x = json_incref(json_array_get(a, k));

			json_array_remove(a, k);
			json_array_insert_new(a, k - 1, x);
		}
}

/*
 * Fold the state of a profile that joined another (from) into the
 * other's (to): the survivor keeps its stage, cursor, entry and zone;
 * each action's last send is the later of the two, the channels' sends
 * and the pending actions are both, the consent events' latest per
 * channel wins, and untimed consent and a zone that to lacks come from
 * from.
 */
static void
fold(struct sctx *c, json_t *to, json_t *from)
{
	const char *k;
	json_t *v, *x, *mine;

	if (json_is_object(v = json_object_get(from, "sent"))) {
		mine = member(to, "sent", false);
		json_object_foreach(v, k, x) {
			json_t *t = json_object_get(mine, k);

			if (t == NULL || later(c, x, t))
				json_object_set(mine, k, x);
		}
	}
	if (json_is_object(v = json_object_get(from, "channels"))) {
		mine = member(to, "channels", false);
		json_object_foreach(v, k, x) {
			json_t *list = json_object_get(mine, k);

			if (!json_is_array(list)) {
				json_object_set(mine, k, x);
				continue;
			}
			json_array_extend(list, x);
			sort_times(c, list);
		}
	}
	if (json_is_array(v = json_object_get(from, "pending")))
		json_array_extend(member(to, "pending", true), v);
	if (json_is_object(v = json_object_get(from, "consent_timed"))) {
		mine = member(to, "consent_timed", false);
		json_object_foreach(v, k, x) {
			json_t *t = json_object_get(mine, k);

			if (t == NULL || later(c, json_array_get(x, 0),
			    json_array_get(t, 0)))
				json_object_set(mine, k, x);
		}
	}
	if (json_is_object(v = json_object_get(from, "consent"))) {
		mine = member(to, "consent", false);
		json_object_foreach(v, k, x)
			if (json_object_get(mine, k) == NULL)
				json_object_set(mine, k, x);
	}
	if ((v = json_object_get(from, "tz")) != NULL &&
	    json_object_get(to, "tz") == NULL)
		json_object_set(to, "tz", v);
}

/* One state object and the line it was read from. */
struct sline {
	json_t	*o;
	long	 line;
};

/* Fold the states of the ids that map says joined others into theirs
 * (the state of an id that joined one without a state becomes its). */
static void
fold_all(struct sctx *c, struct sline *v, size_t n, json_t *map)
{
	json_t *at = json_object();	/* id -> index in v */

	if (at == NULL)
		cdp_oom(0);
	for (size_t i = 0; i < n; i++) {
		json_t *id = json_object_get(v[i].o, "profile_id");

		if (json_is_string(id) && json_object_get(at,
		    json_string_value(id)) == NULL)
			json_object_set_new(at, json_string_value(id),
			    json_integer((json_int_t)i));
	}
	for (size_t i = 0; i < n; i++) {
		json_t *id = json_object_get(v[i].o, "profile_id"), *k;
		const char *to;

		if (!json_is_string(id) || (to = idmap_final(map,
		    json_string_value(id))) == NULL)
			continue;
		if ((k = json_object_get(at, to)) == NULL) {
			json_object_set_new(at, to, json_integer(
			    (json_int_t)i));
			json_object_del(at, json_string_value(id));
			json_object_set_new(v[i].o, "profile_id",
			    json_string(to));
			continue;
		}
		c->line = v[i].line;
		fold(c, v[json_integer_value(k)].o, v[i].o);
		json_decref(v[i].o);
		v[i].o = NULL;
	}
	json_decref(at);
}

/* The ids a map names, as the keys of an object: those that went and
 * where they went in the end. */
static json_t *
idmap_ids(json_t *map)
{
	json_t *ids = json_object(), *x;
	const char *k;

	if (ids == NULL)
		cdp_oom(0);
	json_object_foreach(map, k, x) {
		json_object_set(ids, k, json_true());
		json_object_set(ids, idmap_final(map, k), json_true());
	}
	return ids;
}

/* Load path when it exists; a missing file is a first run.  Any fault
 * stops the program (65) before anything is written.  The states of the
 * ids an id map names are kept as trees until they are folded; the
 * others go into the run as they are read. */
void
j_state_load(struct j_run *r, const char *path, const char *id_map)
{
	struct sctx c = { .r = r, .path = path };
	json_t *map = id_map != NULL ? idmap_load(id_map) : NULL, *o, *id;
	json_t *named = map != NULL ? idmap_ids(map) : NULL;
	struct sline *v = NULL;
	size_t nv = 0, capv = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT) {
			json_decref(map);
			json_decref(named);
			return;
		}
		cdp_die(EX_NOINPUT, path, 0, "cannot open: %s",
		    strerror(errno));
	}
	while ((n = getline(&line, &cap, fp)) != -1) {
		c.line++;
		if (strspn(line, " \t\r\n") == (size_t)n)
			continue;
		if (memchr(line, '\0', (size_t)n) != NULL)
			bad(&c, "NUL byte");
		if ((o = one_line(&c, line)) == NULL)
			continue;
		id = json_object_get(o, "profile_id");
		if (named == NULL || !json_is_string(id) ||
		    json_object_get(named, json_string_value(id)) == NULL) {
			add_state(&c, o);
			json_decref(o);
			continue;
		}
		cdp_xgrow((void **)&v, &capv, nv + 1, sizeof(*v));
		v[nv++] = (struct sline){ o, c.line };
	}
	if (ferror(fp))
		cdp_die(EX_IOERR, path, 0, "read error: %s", strerror(errno));
	free(line);
	fclose(fp);
	if (map != NULL)
		fold_all(&c, v, nv, map);
	for (size_t i = 0; i < nv; i++)
		if (v[i].o != NULL) {
			c.line = v[i].line;
			add_state(&c, v[i].o);
			json_decref(v[i].o);
		}
	free(v);
	json_decref(map);
	json_decref(named);
}

/* Copy n numbers from old at *off to the end of the pool; *off follows. */
static void
move_range(struct j_run *r, const double *old, uint32_t *off, size_t n)
{
	size_t at = r->npool;

	if (*off == J_NONE)
		return;
	for (size_t i = 0; i < n; i++)
		j_pool_push(r, old[*off + i]);
	*off = (uint32_t)at;
}

void
j_pool_compact(struct j_run *r)
{
	double *old = r->pool;
	size_t live = 0;

	for (size_t i = 0; i < r->nps; i++) {
		const struct j_pstate *ps = &r->ps[i];

		live += (ps->sent0 != J_NONE ? (size_t)r->j.nact : 0) +
		    2 * (size_t)ps->nch + 4 * (size_t)ps->npend +
		    (ps->ct0 != J_NONE ? 2 * J_NCHAN : 0);
	}
	/* Little to give back: not worth a second pool for a while. */
	if (r->npool < live + live / 2 + 4096)
		return;

	r->pool = NULL;
	r->npool = r->cappool = 0;
	for (size_t i = 0; i < r->nps; i++) {
		struct j_pstate *ps = &r->ps[i];

		move_range(r, old, &ps->sent0, (size_t)r->j.nact);
		move_range(r, old, &ps->ch0, 2 * (size_t)ps->nch);
		move_range(r, old, &ps->pend0, 4 * (size_t)ps->npend);
		move_range(r, old, &ps->ct0, 2 * J_NCHAN);
	}
	free(old);
}
