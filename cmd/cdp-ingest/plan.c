/*
 * plan.c - applies cdp-ingest's per-record plan: --only, --set,
 * --default, --map-values, the value steps under --on-bad-value, money's
 * currency field, --require and --empty; and keeps the tallies behind
 * --stats and the warning about names no record has.
 */
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "hash.h"
#include "keymap.h"
#include "money.h"
#include "steps.h"
#include "times.h"
#include "xalloc.h"

#define MATCH_LIMIT	1000000		/* backtracking steps per match */
#define DEPTH_LIMIT	10000		/* backtracking memory, in KiB */

const struct fspec *
plan_spec(const struct ingest_opts *opt, struct plan_work *w,
    const char *key, size_t klen)
{
	for (int i = 0; i < opt->nspecs; i++)
		if (opt->specs[i].nlen == klen &&
		    memcmp(opt->specs[i].name, key, klen) == 0) {
			w->seen_spec[i] = true;
			return &opt->specs[i];
		}
	return NULL;
}

void
plan_rename(const struct ingest_opts *opt, struct plan_work *w,
    const char **key, size_t *klen, bool *nested)
{
	*nested = false;
	for (int i = 0; i < opt->nrenames; i++)
		if (opt->renames[i].flen == *klen &&
		    memcmp(opt->renames[i].from, *key, *klen) == 0) {
			w->seen_rename[i] = true;
			*key = opt->renames[i].to;
			*klen = opt->renames[i].tlen;
			*nested = opt->renames[i].nested;
			return;
		}
}

static bool
needs_country(const struct fspec *s)
{
	return s->norm == CDP_N_COUNTRY || s->hash_norm == CDP_N_COUNTRY;
}

static bool
needs_codes(const struct fspec *s)
{
	return s->type == T_MONEY;
}

static bool
needs_regex(const struct fspec *s)
{
	return s->re != NULL;
}

/* "bad_values.NAME" with NAME escaped as a JSON string's contents. */
static char *
stats_key(const char *name, size_t n)
{
	struct cdp_buf b = { 0 };
	char *k;

	if (cdp_buf_adds(&b, "bad_values.") == -1 ||
	    cdp_json_quote(&b, name, n) == -1)
		cdp_oom(0);
	/* Drop the quotes cdp_json_quote() put around the name. */
	memmove(b.p + 11, b.p + 12, b.len - 12);
	b.p[b.len - 2] = '\0';
	k = cdp_xstrdup(b.p);
	cdp_buf_free(&b);
	return k;
}

/* The tallies: seen names, and bad values per field for --stats. */
static void
tallies_init(struct plan_work *w, const struct ingest_opts *opt)
{
	size_t n = (size_t)opt->nspecs;

	w->nspecs = opt->nspecs;
	w->nrequire = opt->nrequire;
	w->seen_spec = cdp_xcalloc(n + 1, sizeof(*w->seen_spec));
	w->seen_rename = cdp_xcalloc((size_t)opt->nrenames + 1,
	    sizeof(*w->seen_rename));
	w->seen_require = cdp_xcalloc((size_t)opt->nrequire + 1,
	    sizeof(*w->seen_require));
	for (int g = 0; g < opt->nrequire; g++) {
		size_t k = 0;

		while (opt->require[g][k] != NULL)
			k++;
		w->seen_require[g] = cdp_xcalloc(k + 1, sizeof(bool));
	}
	w->bad = cdp_xcalloc(n + 1, sizeof(*w->bad));
	w->bad_key = cdp_xcalloc(n + 1, sizeof(*w->bad_key));
	for (size_t i = 0; i < n; i++) {
		const struct fspec *s = &opt->specs[i];
		enum bad_mode m = s->on_bad != BAD_DEFAULT ? s->on_bad :
		    opt->on_bad;

		if (m != BAD_NULL && m != BAD_KEEP)
			continue;
		w->bad_key[i] = stats_key(s->name, s->nlen);
	}
}

static void
tables_init(struct plan_work *w, const struct ingest_opts *opt)
{
	struct cdp_err err;

	if ((any_spec(opt, needs_country) || opt->country_field != NULL) &&
	    cdp_norm_ctx_prepare(&w->ctx, CDP_N_COUNTRY, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	if (any_spec(opt, needs_codes) &&
	    (w->codes = money_load(NULL, &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	if (opt->default_currency != NULL &&
	    !money_known(w->codes, opt->default_currency))
		cdp_die(EX_USAGE, NULL, 0, "--default-currency: \"%s\" is "
		    "not an ISO 4217 code", opt->default_currency);
	if (opt->tz != NULL && tz_use(opt->tz) == -1)
		cdp_oom(0);
	if (opt->country_field != NULL && cdp_buf_addf(&w->country_msg,
	    "--country-field \"%s\" is not a country", opt->country_field) ==
	    -1)
		cdp_oom(0);
}

void
plan_work_init(struct plan_work *w, const struct ingest_opts *opt)
{
	struct cdp_err err;

	*w = (struct plan_work){ 0 };
	w->ctx.default_country = opt->common.default_country;
	w->ctx.date_order = opt->common.date_order;
	tables_init(w, opt);
	tallies_init(w, opt);
	if (opt->hash_key_file != NULL &&
	    cdp_hash_key_load(opt->hash_key_file, &w->key, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	if (any_spec(opt, needs_regex)) {
		w->md = pcre2_match_data_create(1, NULL);
		w->mctx = pcre2_match_context_create(NULL);
		if (w->md == NULL || w->mctx == NULL)
			cdp_oom(0);
		pcre2_set_match_limit(w->mctx, MATCH_LIMIT);
		pcre2_set_depth_limit(w->mctx, DEPTH_LIMIT);
		pcre2_set_heap_limit(w->mctx, DEPTH_LIMIT);
	}
}

void
plan_work_free(struct plan_work *w)
{
	cdp_buf_free(&w->vals);
	cdp_buf_free(&w->tmp);
	cdp_buf_free(&w->tmp2);
	cdp_buf_free(&w->tmp3);
	cdp_buf_free(&w->key);
	cdp_buf_free(&w->msg);
	cdp_sha_free(w->sha);
	cdp_buf_free(&w->warn);
	cdp_buf_free(&w->country_msg);
	cdp_norm_ctx_free(&w->ctx);
	pcre2_match_data_free(w->md);
	pcre2_match_context_free(w->mctx);
	money_free(w->codes);
	cdp_keymap_free(w->phones);
	free(w->a);
	free(w->b);
	free(w->seen_spec);
	free(w->seen_rename);
	for (int g = 0; g < w->nrequire; g++)
		free(w->seen_require[g]);
	free(w->seen_require);
	for (int i = 0; i < w->nspecs; i++)
		free(w->bad_key[i]);
	free(w->bad_key);
	free(w->bad);
}

static bool
is_empty(const struct plan_work *w, const struct cell *c)
{
	if (c->f == NULL)
		return c->vlen == 0 || (c->raw && c->vlen == 4 &&
		    memcmp(c->v ? c->v : w->vals.p + c->off, "null", 4) == 0);
	return c->f->type == CDP_NULL ||
	    (c->f->type == CDP_STRING && c->f->vlen == 2);
}

/* --empty for a CSV cell; returns false when the cell is to be dropped. */
static bool
empty_cell(const struct ingest_opts *opt, struct cell *c)
{
	if (opt->empty == EMPTY_OMIT)
		return false;
	if (opt->empty == EMPTY_NULL ||
	    (c->spec != NULL && c->spec->type > T_STRING)) {
		c->v = "null";
		c->vlen = 4;
		c->raw = true;
	}
	return true;
}

static long
find_cell(const struct cell *c, size_t n, const char *key, size_t klen)
{
	for (size_t i = 0; i < n; i++)
		if (c[i].klen == klen && memcmp(c[i].key, key, klen) == 0)
			return (long)i;
	return -1;
}

static const char *
exists(struct plan_work *w, const char *key, size_t klen)
{
	cdp_buf_reset(&w->msg);
	if (cdp_buf_adds(&w->msg, "field ") == -1 ||
	    cdp_json_quote(&w->msg, key, klen) == -1 ||
	    cdp_buf_adds(&w->msg, " already exists") == -1)
		return "out of memory";
	return w->msg.p;
}

static struct cell
made_cell(const struct ingest_opts *opt, struct plan_work *w,
    const struct setval *s)
{
	return (struct cell){ .key = s->name, .klen = s->nlen, .v = s->val,
	    .vlen = s->vlen, .spec = plan_spec(opt, w, s->name, s->nlen) };
}

/* --set: a field every record gets; one already there is a collision. */
static int
add_sets(const struct ingest_opts *opt, struct plan_work *w, size_t *na,
    const char **why)
{
	for (int i = 0; i < opt->nsets; i++) {
		const struct setval *s = &opt->sets[i];
		long j = find_cell(w->a, *na, s->name, s->nlen);

		if (j >= 0 && !opt->replace) {
			*why = exists(w, s->name, s->nlen);
			return -1;
		}
		w->a[j >= 0 ? (size_t)j : (*na)++] = made_cell(opt, w, s);
	}
	return 0;
}

/* --default: the value of a field that is missing or empty. */
static void
add_defaults(const struct ingest_opts *opt, struct plan_work *w, size_t *na)
{
	for (int i = 0; i < opt->ndefaults; i++) {
		const struct setval *s = &opt->defaults[i];
		long j = find_cell(w->a, *na, s->name, s->nlen);

		if (j < 0)
			w->a[(*na)++] = made_cell(opt, w, s);
		else if (is_empty(w, &w->a[j]))
			w->a[j] = made_cell(opt, w, s);
	}
}

/* --map-values: a whole value (trimmed) replaced by its mapping. */
static void
map_value(struct plan_work *w, struct cell *c)
{
	const struct fspec *s = c->spec;
	struct val v;

	if (cell_value(w, c, &v) == -1)
		return;
	cdp_trim(&v.s, &v.n);
	for (size_t i = 0; i < s->nvmap; i++) {
		const struct vmap *m = &s->vmap[i];

		if (m->flen != v.n || memcmp(m->from, v.s, v.n) != 0)
			continue;
		c->f = NULL;
		c->v = m->to != NULL ? m->to : "null";
		c->vlen = m->to != NULL ? m->tlen : 4;
		c->raw = m->to == NULL;
		return;
	}
}

/* The record's --country-field, as alpha-2, for its phone numbers. */
static void
record_country(const struct ingest_opts *opt, struct plan_work *w,
    size_t na)
{
	size_t klen = strlen(opt->country_field);
	long i = find_cell(w->a, na, opt->country_field, klen);
	const char *why;
	struct val v;

	w->country[0] = '\0';
	w->country_why = NULL;
	if (i < 0)
		return;
	w->seen_country = true;
	if (is_empty(w, &w->a[i]))
		return;
	cdp_buf_reset(&w->tmp3);
	if (cell_value(w, &w->a[i], &v) == -1 ||
	    cdp_norm_country(w->ctx.countries, v.s, v.n, &w->tmp3,
	    &why) == -1) {
		w->country_why = w->country_msg.p;
		return;
	}
	memcpy(w->country, w->tmp3.p, 2);
	w->country[2] = '\0';
}

/* --on-bad-value: 0 when the value is made null or kept, -1 to reject. */
static int
bad_value(const struct ingest_opts *opt, struct plan_work *w, struct cell *c,
    const char *why)
{
	enum bad_mode m = c->spec->on_bad != BAD_DEFAULT ? c->spec->on_bad :
	    opt->on_bad;

	if (m != BAD_NULL && m != BAD_KEEP)
		return -1;
	w->bad[c->spec - opt->specs]++;
	w->bad_total++;
	if (opt->rejects_warnings) {
		if (cdp_buf_adds(&w->warn, why) == -1 ||
		    cdp_buf_adds(&w->warn, m == BAD_NULL ? " (made null)" :
		    " (kept)") == -1 || cdp_buf_addc(&w->warn, '\0') == -1)
			cdp_oom(0);
		w->nwarn++;
	}
	if (m == BAD_NULL)
		*c = (struct cell){ .key = c->key, .klen = c->klen,
		    .qkey = c->qkey, .qklen = c->qklen, .v = "null", .vlen = 4, .raw = true, .nested = c->nested,
		    .spec = c->spec };
	return 0;
}

/* The currency of an amount, as field NAME_currency after it. */
static void
add_currency(const struct ingest_opts *opt, struct plan_work *w,
    const struct cell *c, size_t *nb)
{
	size_t off = w->vals.len;

	if (cdp_buf_add(&w->vals, w->cur, 3) == -1)
		cdp_oom(0);
	/* Its spec only notes the name as seen (for --only F_currency). */
	w->b[(*nb)++] = (struct cell){ .key = c->spec->cur_key,
	    .klen = c->spec->cur_klen, .off = off, .vlen = 3,
	    .nested = c->nested, .made = true,
	    .spec = plan_spec(opt, w, c->spec->cur_key, c->spec->cur_klen) };
}

static int
value_steps(const struct ingest_opts *opt, struct plan_work *w,
    struct cell *c, size_t *nb, const char **why)
{
	if (steps_run(opt, w, c, why) == -1)
		return bad_value(opt, w, c, *why);
	w->b[(*nb)++] = *c;
	if (w->cur[0] != '\0')
		add_currency(opt, w, c, nb);
	return 1;
}

/*
 * A field made here (a currency, the parent of a path) beside an input
 * field of that name: the input's goes with --replace, else the record
 * is bad.
 */
static int
collisions(const struct ingest_opts *opt, struct plan_work *w, size_t *nb,
    const char **why)
{
	struct cell *b = w->b;
	const char *key, *dot;
	size_t klen, j;

	for (size_t i = 0; i < *nb; i++) {
		if (!b[i].nested && !b[i].made)
			continue;
		key = b[i].key;
		dot = b[i].nested ? memchr(key, '.', b[i].klen) : NULL;
		klen = dot != NULL ? (size_t)(dot - key) : b[i].klen;
		for (j = 0; j < *nb; j++)
			if (j != i && !b[j].nested && b[j].klen == klen &&
			    memcmp(b[j].key, key, klen) == 0 &&
			    (b[i].nested || !b[j].made))
				break;
		if (j == *nb)
			continue;
		if (!opt->replace) {
			*why = exists(w, key, klen);
			return -1;
		}
		memmove(&b[j], &b[j + 1], (*nb - j - 1) * sizeof(*b));
		(*nb)--;
		if (j < i)
			i--;
	}
	return 0;
}

static int
check_require(const struct ingest_opts *opt, struct plan_work *w,
    const struct cell *cells, size_t n, const char **why)
{
	for (int g = 0; g < opt->nrequire; g++) {
		bool found = false;
		long i;

		for (size_t k = 0; opt->require[g][k] != NULL; k++) {
			i = find_cell(cells, n, opt->require[g][k],
			    strlen(opt->require[g][k]));
			if (i < 0)
				continue;
			w->seen_require[g][k] = true;
			found |= !is_empty(w, &cells[i]);
		}
		if (!found) {
			cdp_buf_reset(&w->msg);
			cdp_buf_adds(&w->msg, opt->require[g][1] == NULL ?
			    "missing required field " :
			    "none of the required fields ");
			for (const char **name = opt->require[g]; *name;
			    name++) {
				if (name != opt->require[g])
					cdp_buf_addc(&w->msg, '|');
				cdp_buf_adds(&w->msg, *name);
			}
			if (opt->require[g][1] != NULL)
				cdp_buf_adds(&w->msg, " is present");
			*why = w->msg.p ? w->msg.p : "out of memory";
			return -1;
		}
	}
	return 0;
}

/* The fields of the record, after --only, --set and --default, in w->a. */
static int
gather(const struct ingest_opts *opt, struct plan_work *w,
    const struct cell *cells, size_t n, size_t *na, const char **why)
{
	size_t extra = (size_t)opt->nsets + (size_t)opt->ndefaults;

	if (cdp_grow((void **)&w->a, &w->acap, n + extra, sizeof(*w->a)) ==
	    -1 || cdp_grow((void **)&w->b, &w->bcap, 2 * (n + extra),
	    sizeof(*w->b)) == -1)
		cdp_oom(0);
	*na = 0;
	for (size_t i = 0; i < n; i++)
		if (!opt->only || (cells[i].spec != NULL &&
		    cells[i].spec->keep))
			w->a[(*na)++] = cells[i];
	if (add_sets(opt, w, na, why) == -1)
		return -1;
	add_defaults(opt, w, na);
	if (opt->country_field != NULL)
		record_country(opt, w, *na);
	return 0;
}

int
plan_apply(const struct ingest_opts *opt, struct plan_work *w,
    struct cell *cells, size_t n, struct cell **out, size_t *nout,
    const char **why)
{
	size_t na, nb = 0;
	struct cell c;
	int rc;

	cdp_buf_reset(&w->vals);
	cdp_buf_reset(&w->warn);
	w->nwarn = 0;
	if (gather(opt, w, cells, n, &na, why) == -1)
		return -1;
	for (size_t i = 0; i < na; i++) {
		c = w->a[i];
		if (c.spec != NULL && c.spec->nvmap > 0)
			map_value(w, &c);
		if (is_empty(w, &c)) {
			if (c.f == NULL && !empty_cell(opt, &c))
				continue;
		} else if (steps_any(c.spec)) {
			if ((rc = value_steps(opt, w, &c, &nb, why)) == -1)
				return -1;
			if (rc == 1)
				continue;
		}
		w->b[nb++] = c;
	}
	if (collisions(opt, w, &nb, why) == -1 ||
	    check_require(opt, w, w->b, nb, why) == -1)
		return -1;
	*out = w->b;
	*nout = nb;
	return 0;
}

int
cell_json(const struct cell *c, const struct cdp_rec *rec, const char *vals,
    struct cdp_buf *b)
{
	const char *v = c->v ? c->v : vals + c->off;

	if (c->f != NULL)
		return cdp_buf_add(b, rec->p + c->f->voff, c->f->vlen);
	if (c->raw)
		return cdp_buf_add(b, v, c->vlen);
	return cdp_json_quote(b, v, c->vlen);
}

/* The first option that names spec s, for the warning. */
static const char *
named_by(const struct fspec *s)
{
	static const struct {
		unsigned	 bit;
		const char	*opt;
	} names[] = {
		{ NAMED_TYPES, "--types" }, { NAMED_NORMALIZE, "--normalize" },
		{ NAMED_HASH, "--hash" }, { NAMED_MATCH, "--match" },
		{ NAMED_ONLY, "--only" }, { NAMED_ON_BAD, "--on-bad-value" },
		{ NAMED_DECIMAL, "--decimal-comma" },
		{ NAMED_MAP_VALUES, "--map-values" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (s->named & names[i].bit)
			return names[i].opt;
	return "an option";
}

static void
unseen(const struct ingest_opts *opt, const char *o, const char *name,
    int *n)
{
	if (opt->strict)
		cdp_warn(NULL, 0, "%s names field \"%s\", which no record has",
		    o, name);
	else
		cdp_warn(NULL, 0, "warning: %s names field \"%s\", which no "
		    "record has", o, name);
	(*n)++;
}

void
plan_check_names(const struct ingest_opts *opt, const struct plan_work *w)
{
	int n = 0;

	for (int i = 0; i < opt->nspecs; i++)
		if (!w->seen_spec[i])
			unseen(opt, named_by(&opt->specs[i]),
			    opt->specs[i].name, &n);
	for (int i = 0; i < opt->nrenames; i++)
		if (!w->seen_rename[i])
			unseen(opt, "--map", opt->renames[i].from, &n);
	for (int g = 0; g < opt->nrequire; g++)
		for (size_t k = 0; opt->require[g][k] != NULL; k++)
			if (!w->seen_require[g][k])
				unseen(opt, "--require", opt->require[g][k],
				    &n);
	if (opt->country_field != NULL && !w->seen_country)
		unseen(opt, "--country-field", opt->country_field, &n);
	if (n > 0 && opt->strict)
		cdp_die(EX_DATAERR, NULL, 0, "--strict: %d name%s of no field",
		    n, n > 1 ? "s" : "");
}

void
plan_stats(const struct ingest_opts *opt, const struct plan_work *w,
    struct cdp_acct *acct)
{
	bool any = false;
	int k = 0;

	for (int i = 0; i < opt->nspecs; i++)
		any |= w->bad_key[i] != NULL && steps_any(&opt->specs[i]);
	while (k < CDP_ACCT_MAXEXTRA && acct->extra[k].name != NULL)
		k++;
	if (!any || k == CDP_ACCT_MAXEXTRA)
		return;
	acct->extra[k].name = "bad_values";
	acct->extra[k++].n = w->bad_total;
	for (int i = 0; i < opt->nspecs && k < CDP_ACCT_MAXEXTRA; i++)
		if (w->bad_key[i] != NULL && steps_any(&opt->specs[i])) {
			acct->extra[k].name = w->bad_key[i];
			acct->extra[k++].n = w->bad[i];
		}
}
