/*
 * profiles.c - cdp-merge --profiles: group the spilled records by person
 * (a counting sort of record numbers), read each person's records back
 * and build one record by the survivorship rules.  Every tie is broken
 * by the values' JSON text, so the input order never changes a profile.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "idvals.h"
#include "merge.h"
#include "norm.h"
#include "prior.h"
#include "profiles.h"
#include "record.h"
#include "xalloc.h"

/* One field of one record of the profile being built. */
struct ent {
	const char	*k, *v;	/* key (unescaped) and value (compact JSON) */
	const char	*raw;	/* the value as written, for the output */
	uint32_t	 koff, klen, voff, vlen, roff, rlen;
	uint32_t	 rec;	/* the record, 0.. in the profile */
	uint32_t	 seq;	/* order of appearance */
	uint8_t		 type;
};

/* The entries of one key: ents[s..e) after sorting. */
struct grp {
	size_t		 s, e;
	uint32_t	 first;
};

/* A source name (_src up to its first '/', or one of _sources). */
struct name {
	uint32_t	 off, len;
	const char	*p;
};

/* The names of one record of the profile: names[s..e). */
struct range {
	uint32_t	 s, e;
};

/* --all-ids: one identifier value (JSON text) of --ids field number
 * field. */
struct idv {
	uint32_t	 field, off, len;
	const char	*p;
};

struct pwork {
	struct index		*ix;
	const struct merge_opts	*opt;
	int			 fd;
	const uint64_t		*roff;
	uint64_t		 end;
	struct cdp_out		*out;
	struct cdp_acct		*acct;
	struct cdp_buf		 line, arena, all;
	struct cdp_rec		 rec;
	struct cdp_recw		 w;
	struct ent		*ents;
	size_t			 nents, ecap;
	struct grp		*grps;
	size_t			 ngrps, gcap;
	struct range		*srcs;	/* per record of the profile */
	struct name		*names;
	size_t			 nnames, namecap;
	struct idv		*idv;
	size_t			 nidv, idvcap;
	uint64_t		 records;	/* _records of the profile */
	bool			 counted;	/* the record had _records */
	uint32_t		*recv;	/* per record: entry of the time field */
	const struct ent	**cand;
	size_t			 rcap, ccap;
	const struct ent	**pick;	/* per group: the value it keeps */
	bool			*own;	/* per group: it has a --rule */
	size_t			 pcap, ocap;
	char			 id[PROFILE_ID_SIZE];
};

/* Read record k of the spill file into pw->line. */
static void
read_record(struct pwork *pw, size_t k)
{
	uint64_t from = pw->roff[k];
	uint64_t to = k + 1 < pw->ix->nrecs ? pw->roff[k + 1] : pw->end;
	size_t n = (size_t)(to - from - 1), done = 0;

	cdp_buf_reset(&pw->line);
	if (cdp_buf_reserve(&pw->line, n) == -1)
		cdp_oom(0);
	while (done < n) {
		ssize_t got = pread(pw->fd, pw->line.p + done, n - done,
		    (off_t)(from + done));

		if (got == -1 && errno == EINTR)
			continue;
		if (got <= 0)
			cdp_die(EX_IOERR, NULL, 0, "temporary file: read "
			    "error");
		done += (size_t)got;
	}
	pw->line.len = n;
}

/* Append value text s[0..n) without whitespace outside strings, and a
 * NUL (not counted) so that numbers can go through strtod. */
static void
add_compact(struct cdp_buf *b, const char *s, size_t n, bool space)
{
	bool in_str = false;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (in_str) {
			if (c == '\\' && i + 1 < n) {
				cdp_buf_addc(b, c);
				c = s[++i];
			} else if (c == '"') {
				in_str = false;
			}
		} else if (space && strchr(" \t\r\n", c) != NULL) {
			continue;
		} else if (c == '"') {
			in_str = true;
		}
		if (cdp_buf_addc(b, c) == -1)
			cdp_oom(0);
	}
	if (cdp_buf_addc(b, '\0') == -1)
		cdp_oom(0);
}

static bool
is_key(const char *k, size_t n, const char *name)
{
	return n == strlen(name) && memcmp(k, name, n) == 0;
}

/* Fields the profile writes itself. */
static bool
owned(const char *k, size_t n)
{
	return is_key(k, n, "_line") || is_key(k, n, "profile_id") ||
	    is_key(k, n, "_ids");
}

/* Add name s[0..n) to the names of the record being read. */
static void
add_name(struct pwork *pw, const char *s, size_t n)
{
	uint32_t off = (uint32_t)pw->arena.len;

	if (cdp_buf_add(&pw->arena, s, n) == -1)
		cdp_oom(0);
	cdp_xgrow((void **)&pw->names, &pw->namecap, pw->nnames + 1,
	    sizeof(*pw->names));
	pw->names[pw->nnames++] = (struct name){ .off = off,
	    .len = (uint32_t)n };
}

/* The bookkeeping fields an earlier run wrote (_src, _sources,
 * _records): read into the profile's own.  Returns true when f is one. */
static bool
bookkeeping(struct pwork *pw, uint32_t koff, uint32_t kn,
    const struct cdp_field *f)
{
	struct cdp_rec *r = &pw->rec;
	const char *s, *why, *slash, *k = pw->arena.p + koff;
	size_t n;
	double d;

	if (!is_key(k, kn, "_src") && !is_key(k, kn, "_sources") &&
	    !is_key(k, kn, "_records"))
		return false;
	pw->arena.len = koff;	/* the key is not kept */
	if (is_key(k, kn, "_src")) {
		if (f->type != CDP_STRING || cdp_rec_str(r, f, &pw->all, &s,
		    &n) == -1)
			return true;
		/* "crm/crm-2026-03-01.csv" is source crm. */
		if ((slash = memchr(s, '/', n)) != NULL)
			n = (size_t)(slash - s);
		add_name(pw, s, n);
		return true;
	}
	if (is_key(k, kn, "_sources")) {
		struct cdp_idvals it;

		if (pw->opt->replace)
			return true;
		cdp_idvals_start(&it, r, "_sources", 8, false);
		while (cdp_idvals_next(&it, &pw->all, &s, &n, &why) == 1)
			add_name(pw, s, n);
		return true;
	}
	if (is_key(k, kn, "_records")) {
		/* pass 1 checked it: a whole number from 1 */
		if (!pw->opt->replace && cdp_rec_num(r, f, &d) == 0) {
			pw->records += (uint64_t)d;
			pw->counted = true;
		}
	}
	return true;
}

/* --all-ids: the identifier values of record r into pw->idv. */
static void
load_ids(struct pwork *pw)
{
	for (int i = 0; i < pw->opt->nids; i++) {
		const struct idfield *idf = &pw->opt->ids[i];
		struct cdp_idvals it;
		const char *s, *why;
		size_t n;
		int rc;

		cdp_idvals_start(&it, &pw->rec, idf->name, idf->nlen, true);
		while ((rc = cdp_idvals_next(&it, &pw->all, &s, &n,
		    &why)) == 1) {
			uint32_t off = (uint32_t)pw->arena.len;

			cdp_trim(&s, &n);
			if (n == 0)
				continue;
			if ((it.str ? cdp_json_quote(&pw->arena, s, n) :
			    cdp_buf_add(&pw->arena, s, n)) == -1)
				cdp_oom(0);
			cdp_xgrow((void **)&pw->idv, &pw->idvcap, pw->nidv + 1,
			    sizeof(*pw->idv));
			pw->idv[pw->nidv++] = (struct idv){ .field =
			    (uint32_t)i, .off = off,
			    .len = (uint32_t)(pw->arena.len - off) };
		}
		if (rc == -2)
			cdp_oom(0);
	}
}

static bool
is_id(const struct merge_opts *opt, const char *k, size_t n)
{
	for (int i = 0; i < opt->nids; i++)
		if (is_key(k, n, opt->ids[i].name))
			return true;
	return false;
}

static void
add_ent(struct pwork *pw, uint32_t koff, uint32_t klen, uint32_t voff,
    uint32_t i, uint8_t type)
{
	cdp_xgrow((void **)&pw->ents, &pw->ecap, pw->nents + 1,
	    sizeof(*pw->ents));
	pw->ents[pw->nents] = (struct ent){ .koff = koff, .klen = klen,
	    .voff = voff, .vlen = (uint32_t)(pw->arena.len - voff - 1),
	    .roff = voff, .rlen = (uint32_t)(pw->arena.len - voff - 1),
	    .rec = i, .seq = (uint32_t)pw->nents, .type = type };
	pw->nents++;
}

/* An identifier field holding an array: one entry per value, so that a
 * profile merged again picks one of them or lists them flat. */
static void
id_array(struct pwork *pw, uint32_t koff, uint32_t klen, uint32_t i)
{
	struct cdp_idvals it;
	const char *s, *why;
	char *k = cdp_xstrndup(pw->arena.p + koff, klen);
	size_t n;

	cdp_idvals_start(&it, &pw->rec, k, klen, false);
	while (cdp_idvals_next(&it, &pw->all, &s, &n, &why) == 1) {
		uint32_t voff = (uint32_t)pw->arena.len;
		bool str = it.str;

		if ((str ? cdp_json_quote(&pw->arena, s, n) :
		    cdp_buf_add(&pw->arena, s, n)) == -1 ||
		    cdp_buf_addc(&pw->arena, '\0') == -1)
			cdp_oom(0);
		add_ent(pw, koff, klen, voff, i, str ? CDP_STRING :
		    CDP_NUMBER);
	}
	free(k);
}

/* The fields of the parsed record (number i of the profile) into ents. */
static void
load_fields(struct pwork *pw, uint32_t i)
{
	struct cdp_rec *r = &pw->rec;

	pw->counted = false;
	pw->srcs[i].s = (uint32_t)pw->nnames;
	for (size_t j = 0; j < r->n; j++) {
		const struct cdp_field *f = &r->f[j];
		uint32_t koff = (uint32_t)pw->arena.len, voff;
		int rc = (f->flags & CDP_F_KEYESC) ?
		    cdp_json_unescape(r->p + f->koff, f->klen, &pw->arena) :
		    cdp_buf_add(&pw->arena, r->p + f->koff, f->klen);
		uint32_t klen = (uint32_t)(pw->arena.len - koff);

		if (rc == -1)
			cdp_oom(0);
		if (bookkeeping(pw, koff, klen, f))
			continue;
		if (owned(pw->arena.p + koff, klen)) {
			pw->arena.len = koff;
			continue;
		}
		if (f->type == CDP_ARRAY && is_id(pw->opt, pw->arena.p + koff,
		    klen)) {
			id_array(pw, koff, klen, i);
			continue;
		}
		voff = (uint32_t)pw->arena.len;
		add_compact(&pw->arena, r->p + f->voff, f->vlen,
		    f->flags & CDP_F_SPACE);
		add_ent(pw, koff, klen, voff, i, f->type);
		/* Values compare compact; the one chosen is written as its
		 * record wrote it (byte for byte, DESIGN). */
		if (f->flags & CDP_F_SPACE) {
			pw->ents[pw->nents - 1].roff = (uint32_t)pw->arena.len;
			pw->ents[pw->nents - 1].rlen = f->vlen;
			if (cdp_buf_add(&pw->arena, r->p + f->voff,
			    f->vlen) == -1)
				cdp_oom(0);
		}
	}
	pw->srcs[i].e = (uint32_t)pw->nnames;
	if (!pw->counted)
		pw->records++;
	if (pw->opt->all_ids)
		load_ids(pw);
}

static int
cmp_bytes(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	return c != 0 ? c : (an > bn) - (an < bn);
}

static int
cmp_key_seq(const void *x, const void *y)
{
	const struct ent *a = x, *b = y;
	int c = cmp_bytes(a->k, a->klen, b->k, b->klen);

	return c != 0 ? c : (a->seq > b->seq) - (a->seq < b->seq);
}

static int
cmp_value(const void *x, const void *y)
{
	const struct ent *a = *(const struct ent *const *)x;
	const struct ent *b = *(const struct ent *const *)y;

	return cmp_bytes(a->v, a->vlen, b->v, b->vlen);
}

static int
cmp_first(const void *x, const void *y)
{
	const struct grp *a = x, *b = y;

	return (a->first > b->first) - (a->first < b->first);
}

static int
cmp_name(const void *x, const void *y)
{
	const struct name *a = x, *b = y;

	return cmp_bytes(a->p, a->len, b->p, b->len);
}

static int
cmp_idv(const void *x, const void *y)
{
	const struct idv *a = x, *b = y;

	if (a->field != b->field)
		return (a->field > b->field) - (a->field < b->field);
	return cmp_bytes(a->p, a->len, b->p, b->len);
}

/* Sort the entries by key and cut them into groups, in order of each
 * key's first appearance. */
static void
group(struct pwork *pw, size_t nrecs)
{
	(void)nrecs;
	for (size_t i = 0; i < pw->nnames; i++)
		pw->names[i].p = pw->arena.p + pw->names[i].off;
	for (size_t i = 0; i < pw->nidv; i++)
		pw->idv[i].p = pw->arena.p + pw->idv[i].off;
	for (size_t i = 0; i < pw->nents; i++) {
		pw->ents[i].k = pw->arena.p + pw->ents[i].koff;
		pw->ents[i].v = pw->arena.p + pw->ents[i].voff;
		pw->ents[i].raw = pw->arena.p + pw->ents[i].roff;
	}
	pw->ngrps = 0;
	if (pw->nents == 0)
		return;	/* records of cdp-merge's own fields alone */
	qsort(pw->ents, pw->nents, sizeof(*pw->ents), cmp_key_seq);
	for (size_t i = 0; i < pw->nents; i++) {
		struct grp *g;

		if (i > 0 && cmp_bytes(pw->ents[i].k, pw->ents[i].klen,
		    pw->ents[i - 1].k, pw->ents[i - 1].klen) == 0) {
			pw->grps[pw->ngrps - 1].e = i + 1;
			continue;
		}
		cdp_xgrow((void **)&pw->grps, &pw->gcap, pw->ngrps + 1,
		    sizeof(*pw->grps));
		g = &pw->grps[pw->ngrps++];
		*g = (struct grp){ i, i + 1, pw->ents[i].seq };
	}
	qsort(pw->grps, pw->ngrps, sizeof(*pw->grps), cmp_first);
}

/* The group's values that say something (not null, not ""), or all of
 * them when none does; into pw->cand, sorted by value.  Returns count. */
static size_t
candidates(struct pwork *pw, const struct grp *g)
{
	size_t n = 0;

	cdp_xgrow((void **)&pw->cand, &pw->ccap, g->e - g->s,
	    sizeof(*pw->cand));
	for (size_t i = g->s; i < g->e; i++)
		if (pw->ents[i].type != CDP_NULL && !(pw->ents[i].type ==
		    CDP_STRING && pw->ents[i].vlen == 2))
			pw->cand[n++] = &pw->ents[i];
	if (n == 0)
		for (size_t i = g->s; i < g->e; i++)
			pw->cand[n++] = &pw->ents[i];
	qsort(pw->cand, n, sizeof(*pw->cand), cmp_value);
	return n;
}

static const struct rule *
rule_for(const struct merge_opts *opt, const char *k, size_t n,
    struct rule *dflt)
{
	for (int i = 0; i < opt->nrules; i++)
		if (cmp_bytes(opt->rules[i].field, opt->rules[i].flen, k,
		    n) == 0)
			return &opt->rules[i];
	/* Identifiers too: one value every program reads (--all-ids for
	 * the rest). */
	dflt->kind = R_MOST_FREQUENT;
	return dflt;
}

/* The most common value; ties go to the smallest (cand is sorted). */
static const struct ent *
most_frequent(struct pwork *pw, size_t n)
{
	size_t best = 0, bestn = 0;

	for (size_t i = 0, run; i < n; i += run) {
		for (run = 1; i + run < n && cmp_value(&pw->cand[i],
		    &pw->cand[i + run]) == 0; run++)
			;
		if (run > bestn) {
			best = i;
			bestn = run;
		}
	}
	return pw->cand[best];
}

/* Compare two time values: numbers as numbers, the rest as text. */
static int
cmp_time(const struct ent *a, const struct ent *b)
{
	if (a->type == CDP_NUMBER && b->type == CDP_NUMBER) {
		double x = strtod(a->v, NULL), y = strtod(b->v, NULL);

		return (x > y) - (x < y);
	}
	return cmp_bytes(a->v, a->vlen, b->v, b->vlen);
}

/* The value of the record with the latest time field; records without
 * it come last; ties go to the smallest value (cand is sorted). */
static const struct ent *
most_recent(struct pwork *pw, size_t n, const struct rule *r,
    size_t nrecs)
{
	const struct ent *best = NULL, *bt = NULL;

	for (size_t i = 0; i < nrecs; i++)
		pw->recv[i] = UINT32_MAX;
	for (size_t g = 0; g < pw->ngrps; g++) {
		const struct grp *t = &pw->grps[g];

		if (cmp_bytes(pw->ents[t->s].k, pw->ents[t->s].klen, r->arg,
		    r->alen) != 0)
			continue;
		for (size_t i = t->s; i < t->e; i++)
			pw->recv[pw->ents[i].rec] = (uint32_t)i;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t e = pw->recv[pw->cand[i]->rec];
		const struct ent *t = e == UINT32_MAX ? NULL : &pw->ents[e];

		if (best == NULL || (t != NULL && (bt == NULL ||
		    cmp_time(t, bt) > 0))) {
			best = pw->cand[i];
			bt = t;
		}
	}
	return best;
}

/* The best place of any of the record's sources in the rule's list. */
static int
rank(const struct pwork *pw, const struct rule *r, uint32_t rec)
{
	const struct range *g = &pw->srcs[rec];
	int best = r->nsrcs;

	for (uint32_t j = g->s; j < g->e; j++)
		for (int i = 0; i < best; i++)
			if (cmp_bytes(r->srcs[i], strlen(r->srcs[i]),
			    pw->names[j].p, pw->names[j].len) == 0)
				best = i;
	return best;
}

/* The one value a rule keeps (not for R_ALL). */
static const struct ent *
choose(struct pwork *pw, const struct rule *r, size_t n, size_t nrecs)
{
	const struct ent *best = pw->cand[0];

	switch (r->kind) {
	case R_MOST_FREQUENT:
		return most_frequent(pw, n);
	case R_MOST_RECENT:
		return most_recent(pw, n, r, nrecs);
	case R_SOURCE_PRIORITY:
		for (size_t i = 1; i < n; i++)
			if (rank(pw, r, pw->cand[i]->rec) <
			    rank(pw, r, best->rec))
				best = pw->cand[i];
		return best;
	case R_LONGEST:
		for (size_t i = 1; i < n; i++)
			if (pw->cand[i]->vlen > best->vlen)
				best = pw->cand[i];
		return best;
	case R_ALL:
		break;
	}
	return best;
}

/* The distinct values, sorted, as a JSON array in pw->all. */
static void
all_values(struct pwork *pw, size_t n)
{
	cdp_buf_reset(&pw->all);
	cdp_buf_addc(&pw->all, '[');
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && cmp_value(&pw->cand[i - 1], &pw->cand[i]) == 0)
			continue;
		if (pw->all.len > 1)
			cdp_buf_addc(&pw->all, ',');
		if (cdp_buf_add(&pw->all, pw->cand[i]->raw,
		    pw->cand[i]->rlen) == -1)
			cdp_oom(0);
	}
	if (cdp_buf_addc(&pw->all, ']') == -1)
		cdp_oom(0);
}

/* The distinct source names, sorted, as a JSON array in pw->all (the
 * per-record ranges are of no use after this). */
static void
sources(struct pwork *pw)
{
	if (pw->nnames > 0)
		qsort(pw->names, pw->nnames, sizeof(*pw->names), cmp_name);
	cdp_buf_reset(&pw->all);
	cdp_buf_addc(&pw->all, '[');
	for (size_t i = 0; i < pw->nnames; i++) {
		if (i > 0 && cmp_name(&pw->names[i - 1], &pw->names[i]) == 0)
			continue;
		if (pw->all.len > 1)
			cdp_buf_addc(&pw->all, ',');
		if (cdp_json_quote(&pw->all, pw->names[i].p,
		    pw->names[i].len) == -1)
			cdp_oom(0);
	}
	if (cdp_buf_addc(&pw->all, ']') == -1)
		cdp_oom(0);
}

/* --all-ids: {"FIELD":[values, distinct, sorted],...} in pw->all, the
 * fields in --ids order. */
static void
all_ids(struct pwork *pw)
{
	const struct merge_opts *opt = pw->opt;
	int rc = 0;

	if (pw->nidv > 0)
		qsort(pw->idv, pw->nidv, sizeof(*pw->idv), cmp_idv);
	cdp_buf_reset(&pw->all);
	rc |= cdp_buf_addc(&pw->all, '{');
	for (size_t i = 0; i < pw->nidv; i++) {
		const struct idv *v = &pw->idv[i];
		bool first = i == 0 || pw->idv[i - 1].field != v->field;

		if (!first && cmp_idv(&pw->idv[i - 1], v) == 0)
			continue;
		if (first && i > 0)
			rc |= cdp_buf_adds(&pw->all, "],");
		if (first)
			rc |= cdp_json_quote(&pw->all, opt->ids[v->field].name,
			    opt->ids[v->field].nlen) |
			    cdp_buf_adds(&pw->all, ":[");
		else
			rc |= cdp_buf_addc(&pw->all, ',');
		rc |= cdp_buf_add(&pw->all, v->p, v->len);
	}
	if (pw->nidv > 0)
		rc |= cdp_buf_addc(&pw->all, ']');
	if ((rc | cdp_buf_addc(&pw->all, '}')) != 0)
		cdp_oom(0);
}

/* The group of key k[0..n), or -1. */
static ssize_t
group_of(const struct pwork *pw, const char *k, size_t n)
{
	for (size_t g = 0; g < pw->ngrps; g++) {
		const struct ent *e = &pw->ents[pw->grps[g].s];

		if (cmp_bytes(e->k, e->klen, k, n) == 0)
			return (ssize_t)g;
	}
	return -1;
}

/*
 * An amount and its currency stay together: the group of F_currency
 * (cdp-ingest --types F:money) without a rule of its own keeps the value
 * of the record whose F was kept, null when that record has none.  pick
 * holds each group's value (NULL: all values, for R_ALL).
 */
static void
currencies(struct pwork *pw)
{
	static const struct ent null_ent = { .k = "", .v = "null",
	    .raw = "null", .vlen = 4, .rlen = 4, .type = CDP_NULL };
	static const char suffix[] = "_currency";
	const size_t sl = sizeof(suffix) - 1;

	for (size_t g = 0; g < pw->ngrps; g++) {
		const struct ent *e = &pw->ents[pw->grps[g].s];
		ssize_t base;

		if (pw->own[g] || e->klen <= sl || memcmp(e->k + e->klen - sl,
		    suffix, sl) != 0 || (base = group_of(pw, e->k,
		    e->klen - sl)) < 0 || pw->pick[base] == NULL)
			continue;
		pw->pick[g] = &null_ent;
		for (size_t i = pw->grps[g].s; i < pw->grps[g].e; i++)
			if (pw->ents[i].rec == pw->pick[base]->rec)
				pw->pick[g] = &pw->ents[i];
	}
}

static void
write_profile(struct pwork *pw, size_t nrecs)
{
	struct cdp_recw *w = &pw->w;
	struct cdp_err err;
	int rc;

	group(pw, nrecs);
	cdp_xgrow((void **)&pw->pick, &pw->pcap, pw->ngrps + 1,
	    sizeof(*pw->pick));
	cdp_xgrow((void **)&pw->own, &pw->ocap, pw->ngrps + 1,
	    sizeof(*pw->own));
	for (size_t g = 0; g < pw->ngrps; g++) {
		const struct ent *e = &pw->ents[pw->grps[g].s];
		struct rule dflt;
		const struct rule *r = rule_for(pw->opt, e->k, e->klen,
		    &dflt);
		size_t n;

		pw->own[g] = r != &dflt;
		pw->pick[g] = NULL;
		if (r->kind != R_ALL) {
			n = candidates(pw, &pw->grps[g]);
			pw->pick[g] = choose(pw, r, n, nrecs);
		}
	}
	currencies(pw);
	cdp_recw_begin(w);
	rc = cdp_recw_str(w, "profile_id", 10, pw->id, strlen(pw->id));
	for (size_t g = 0; g < pw->ngrps && rc == 0; g++) {
		const struct ent *e = &pw->ents[pw->grps[g].s];

		if (pw->pick[g] == NULL) {
			all_values(pw, candidates(pw, &pw->grps[g]));
			rc = cdp_recw_raw(w, e->k, e->klen, pw->all.p,
			    pw->all.len);
		} else
			rc = cdp_recw_raw(w, e->k, e->klen, pw->pick[g]->raw,
			    pw->pick[g]->rlen);
	}
	if (pw->opt->all_ids) {
		all_ids(pw);
		if (rc == 0)
			rc = cdp_recw_raw(w, "_ids", 4, pw->all.p,
			    pw->all.len);
	}
	sources(pw);
	if (rc == -1 || cdp_recw_raw(w, "_sources", 8, pw->all.p,
	    pw->all.len) == -1 ||
	    cdp_recw_int(w, "_records", 8, (long long)pw->records) == -1 ||
	    cdp_recw_end(w) == -1)
		cdp_oom(0);
	if (cdp_out_write(pw->out, w->b.p, w->b.len, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	pw->acct->written++;
	pw->acct->merged += nrecs - 1;
}

/* One person: records recs[0..n) of the index. */
static void
build(struct pwork *pw, const uint32_t *recs, size_t n)
{
	struct cdp_err err;

	cdp_buf_reset(&pw->arena);
	pw->nents = pw->nnames = pw->nidv = 0;
	pw->records = 0;
	if (n > pw->rcap) {
		size_t cap = pw->rcap;

		cdp_xgrow((void **)&pw->srcs, &pw->rcap, n, sizeof(*pw->srcs));
		cdp_xgrow((void **)&pw->recv, &cap, n, sizeof(*pw->recv));
	}
	for (size_t i = 0; i < n; i++) {
		read_record(pw, recs[i]);
		if (cdp_rec_parse(&pw->rec, pw->line.p, pw->line.len,
		    &err) == -1)
			cdp_die(EX_SOFTWARE, NULL, 0, "temporary file: %s",
			    err.msg);
		if (i == 0)
			index_profile(pw->ix, recs[0], &pw->rec,
			    prior_carried(pw->ix, recs[0]), pw->id);
		load_fields(pw, (uint32_t)i);
	}
	write_profile(pw, n);
}

/*
 * Number the profiles in order of their first record, then list the
 * records of each (a stable counting sort: input order within one).
 */
static uint32_t *
by_profile(struct index *ix, uint32_t **startp, size_t *np)
{
	size_t n = ix->nrecs, nodes = ix->nelem ? ix->nelem : 1, p = 0;
	uint32_t *num = cdp_xreallocarray(NULL, n ? n : 1, sizeof(*num));
	uint32_t *of_root = cdp_xreallocarray(NULL, nodes, sizeof(*of_root));
	uint32_t *of_carry = cdp_xreallocarray(NULL, ix->prior.n ?
	    ix->prior.n : 1, sizeof(*of_carry));
	uint32_t *start, *order = cdp_xreallocarray(NULL, n ? n : 1,
	    sizeof(*order));

	memset(of_root, 0xff, nodes * sizeof(*of_root));
	memset(of_carry, 0xff, (ix->prior.n ? ix->prior.n : 1) *
	    sizeof(*of_carry));
	for (size_t k = 0; k < n; k++) {
		uint32_t r = index_root(ix, k), c = prior_carried_num(ix, k);

		/* Unlinked records that carry one profile_id stay one. */
		if (r == NO_NODE && c != NO_NODE && of_carry[c] != UINT32_MAX)
			num[k] = of_carry[c];
		else if (r == NO_NODE && c != NO_NODE)
			num[k] = of_carry[c] = (uint32_t)p++;
		else if (r == NO_NODE)
			num[k] = (uint32_t)p++;
		else if (of_root[r] == UINT32_MAX)
			num[k] = of_root[r] = (uint32_t)p++;
		else
			num[k] = of_root[r];
	}
	start = cdp_xcalloc(p + 1, sizeof(*start));
	for (size_t k = 0; k < n; k++)
		start[num[k] + 1]++;
	for (size_t i = 0; i < p; i++)
		start[i + 1] += start[i];
	for (size_t k = 0; k < n; k++)
		order[start[num[k]]++] = (uint32_t)k;
	/* start[i] now ends profile i: shift back to starts. */
	memmove(start + 1, start, p * sizeof(*start));
	start[0] = 0;
	free(num);
	free(of_root);
	free(of_carry);
	*startp = start;
	*np = p;
	return order;
}

void
profiles_write(struct index *ix, int fd, const uint64_t *roff,
    uint64_t end, struct cdp_out *out, struct cdp_acct *acct)
{
	struct pwork pw = { .ix = ix, .opt = ix->opt, .fd = fd,
	    .roff = roff, .end = end, .out = out, .acct = acct };
	uint32_t *start, *order;
	size_t np;

	order = by_profile(ix, &start, &np);
	for (size_t i = 0; i < np; i++)
		build(&pw, order + start[i], start[i + 1] - start[i]);
	free(order);
	free(start);
	free(pw.ents);
	free(pw.grps);
	free(pw.srcs);
	free(pw.names);
	free(pw.idv);
	free(pw.recv);
	free(pw.cand);
	free(pw.pick);
	free(pw.own);
	cdp_buf_free(&pw.line);
	cdp_buf_free(&pw.arena);
	cdp_buf_free(&pw.all);
	cdp_rec_free(&pw.rec);
	cdp_recw_free(&pw.w);
}
