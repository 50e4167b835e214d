/*
 * run.c - cdp-export's loop: per record, test consent, read and
 * normalise each column's value, hash it, and write one CSV row or NDJSON
 * line.  Every buffer is reused from record to record.
 */
#include <string.h>

#include "acct.h"
#include "diag.h"
#include "each.h"
#include "export.h"
#include "hash.h"
#include "idvals.h"
#include "lines.h"
#include "norm.h"
#include "out.h"
#include "xalloc.h"

struct run {
	struct export_opts	*opt;
	struct norm_env		 env;
	struct cdp_out		*out;
	struct cdp_sha		*sha;
	struct cdp_acct		 acct;
	struct cdp_buf		 line;
	unsigned long long	 no_consent;
	unsigned long long	 no_identifier;
	unsigned long long	 bad_values;
};

/* A value read from a record: a type and text. */
struct val {
	enum cell_type	 type;	/* C_EMPTY when missing or null */
	const char	*s;
	size_t		 n;
	char		 num[32];	/* a nested number, formatted */
};

/* A top-level field of rec as a value; strings unescaped into b. */
static void
top_value(struct cdp_rec *rec, const struct cdp_field *f, struct cdp_buf *b,
    struct val *v)
{
	v->s = rec->p + f->voff;
	v->n = f->vlen;
	switch (f->type) {
	case CDP_NULL:
		v->type = C_EMPTY;
		break;
	case CDP_STRING:
		v->type = C_TEXT;
		if (cdp_rec_str(rec, f, b, &v->s, &v->n) == -1)
			cdp_oom(0);
		break;
	case CDP_NUMBER:
		v->type = C_NUM;
		break;
	default:
		v->type = C_JSON;
		break;
	}
}

/*
 * The value at source sr in rec.  Returns 0, or -1 with *why set when
 * the record cannot be evaluated (a nested number out of range).
 */
static int
fetch(const struct src *sr, struct cdp_rec *rec, struct cdp_buf *b,
    struct val *v, const char **why)
{
	const struct cdp_field *f;
	struct cdp_val ev;
	int len;

	v->type = C_EMPTY;
	if (sr->expr == NULL) {
		if ((f = cdp_rec_find(rec, sr->path, strlen(sr->path))) != NULL)
			top_value(rec, f, b, v);
		return 0;
	}
	if (cdp_expr_eval(sr->expr, rec, &ev, why) == -1)
		return -1;
	v->s = ev.s;
	v->n = ev.n;
	switch (ev.type) {
	case CDP_V_NULL:
		break;
	case CDP_V_STR:
		v->type = C_TEXT;
		break;
	case CDP_V_NUM:
		if ((len = cdp_fmt_double(v->num, ev.num)) < 0) {
			*why = "number out of range";
			return -1;
		}
		v->type = C_NUM;
		v->s = v->num;
		v->n = (size_t)len;
		break;
	case CDP_V_BOOL:
		v->type = C_JSON;
		v->s = ev.b ? "true" : "false";
		v->n = strlen(v->s);
		break;
	case CDP_V_ARR:
	case CDP_V_OBJ:
		v->type = C_JSON;
		break;
	}
	return 0;
}

/* Is the consent value true?  Only JSON true counts. */
static int
consented(struct run *r, struct cdp_rec *rec, const char **why)
{
	const struct cdp_field *f;
	struct cdp_val ev;
	const struct src *sr = &r->opt->consent;

	if (sr->expr == NULL) {
		f = cdp_rec_find(rec, sr->path, strlen(sr->path));
		return f != NULL && f->type == CDP_TRUE;
	}
	if (cdp_expr_eval(sr->expr, rec, &ev, why) == -1)
		return -1;
	return ev.type == CDP_V_BOOL && ev.b;
}

/* Copy v into c as it is (a plain column, or --no-hash of a kind-less
 * generic column holding a number, object or flag). */
static void
cell_as_is(struct col *c, const struct val *v)
{
	const char *s = v->s;
	size_t n = v->n;

	cdp_buf_reset(&c->out);
	if (v->type == C_TEXT)
		cdp_trim(&s, &n);
	if (cdp_buf_add(&c->out, s, n) == -1)
		cdp_oom(0);
	c->type = n > 0 ? v->type : C_EMPTY;
}

/* Hash c->out in place: the lower-case hex SHA-256. */
static void
hash_cell(struct run *r, struct col *c)
{
	char hex[CDP_HASH_HEXLEN + 1];

	if (cdp_sha_hex(r->sha, c->out.p, c->out.len, hex) == -1)
		cdp_die(EX_SOFTWARE, NULL, 0, "hashing failed");
	cdp_buf_reset(&c->out);
	if (cdp_buf_add(&c->out, hex, CDP_HASH_HEXLEN) == -1)
		cdp_oom(0);
	c->type = C_SAFE;
}

/* A hash made earlier (cdp-ingest --hash) goes out as it is, in lower
 * case, so that a pipeline that hashed at ingest still exports; with
 * --no-hash too, as there is no clear value left to write. */
static bool
prehashed(struct col *c, const struct val *v)
{
	const char *s = v->s;
	size_t n = v->n;

	cdp_trim(&s, &n);
	if (!c->hashable || v->type != C_TEXT || !is_sha256_hex(s, n))
		return false;
	cdp_buf_reset(&c->out);
	if (cdp_buf_add(&c->out, s, n) == -1)
		cdp_oom(0);
	for (size_t i = 0; i < n; i++)
		if (c->out.p[i] >= 'A' && c->out.p[i] <= 'F')
			c->out.p[i] = (char)(c->out.p[i] - 'A' + 'a');
	c->type = C_SAFE;
	return true;
}

/* Fill column c from v; a value that does not normalise is left out and
 * counted. */
static void
fill(struct run *r, struct col *c, const struct val *v)
{
	const char *why;

	if (v->type == C_EMPTY) {
		c->type = C_EMPTY;
		return;
	}
	if (prehashed(c, v))
		return;
	if (c->kind == K_GENERIC && c->norm == CDP_N_NONE && !c->hash) {
		cell_as_is(c, v);
		return;
	}
	if ((v->type != C_TEXT && v->type != C_NUM) ||
	    normalise(&r->env, c, v->s, v->n, &why) == -1) {
		if (v->type != C_TEXT || v->n > 0)
			r->bad_values++;
		c->type = C_EMPTY;
		return;
	}
	if (c->hash)
		hash_cell(r, c);
}

/*
 * Fill column c from an array of identifiers (a profile's, from
 * `cdp-merge --rule F=all`): the first value that normalises.  Counted
 * as one bad value when there are values and none normalises.
 */
static void
fill_list(struct run *r, struct col *c, struct cdp_rec *rec)
{
	unsigned long long bad = r->bad_values;
	struct cdp_idvals it;
	const char *why;
	struct val v;
	int rc;

	c->type = C_EMPTY;
	cdp_idvals_start(&it, rec, c->src.path, strlen(c->src.path), false);
	while ((rc = cdp_idvals_next(&it, &c->raw, &v.s, &v.n, &why)) == 1) {
		v.type = it.str ? C_TEXT : C_NUM;
		fill(r, c, &v);
		if (c->type != C_EMPTY) {
			r->bad_values = bad;
			return;
		}
	}
	if (rc == -2)
		cdp_oom(0);
	/* An array of other things is a value that does not normalise. */
	r->bad_values = bad + (r->bad_values > bad || rc == -1);
}

static bool
has(const struct export_opts *opt, enum col_kind k)
{
	for (size_t i = 0; i < opt->ncols; i++)
		if (opt->cols[i].kind == k && opt->cols[i].type != C_EMPTY)
			return true;
	return false;
}

/*
 * Can the platform match this row?  An email or a phone, or the
 * name-and-address key (Google: first and last name, country and zip;
 * Meta: first and last name and zip).  Generic: any value at all.
 */
static bool
identifiable(const struct export_opts *opt)
{
	if (opt->platform == P_GENERIC) {
		for (size_t i = 0; i < opt->ncols; i++)
			if (opt->cols[i].type != C_EMPTY)
				return true;
		return false;
	}
	if (has(opt, K_EMAIL) || has(opt, K_PHONE))
		return true;
	return has(opt, K_FIRST_NAME) && has(opt, K_LAST_NAME) &&
	    has(opt, K_ZIP) && (opt->platform == P_META || has(opt, K_COUNTRY));
}

/*
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line
 * break; free text that a spreadsheet would run as a formula (starting
 * with = + - @, tab or CR) gets a leading apostrophe inside quotes.
 */
static void
csv_cell(struct cdp_buf *b, const char *s, size_t n, bool text)
{
	bool formula = text && n > 0 && strchr("=+-@\t\r", s[0]) != NULL;
	bool quote = formula || memchr(s, ',', n) || memchr(s, '"', n) ||
	    memchr(s, '\n', n) || memchr(s, '\r', n);
	int rc = 0;

	if (!quote) {
		if (cdp_buf_add(b, s, n) == -1)
			cdp_oom(0);
		return;
	}
	rc |= cdp_buf_addc(b, '"');
	if (formula)
		rc |= cdp_buf_addc(b, '\'');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			rc |= cdp_buf_addc(b, '"');
		rc |= cdp_buf_addc(b, s[i]);
	}
	if ((rc | cdp_buf_addc(b, '"')) != 0)
		cdp_oom(0);
}

static void
put_line(struct run *r)
{
	struct cdp_err err;

	if (cdp_out_write(r->out, r->line.p, r->line.len, &err) == -1)
		cdp_die_err(&err, NULL, 0);
}

static void
write_csv(struct run *r)
{
	struct export_opts *opt = r->opt;

	cdp_buf_reset(&r->line);
	for (size_t i = 0; i < opt->ncols; i++) {
		const struct col *c = &opt->cols[i];

		if (i > 0 && cdp_buf_addc(&r->line, ',') == -1)
			cdp_oom(0);
		if (c->type != C_EMPTY)
			csv_cell(&r->line, c->out.p, c->out.len,
			    c->type == C_TEXT);
	}
	if (cdp_buf_addc(&r->line, '\n') == -1)
		cdp_oom(0);
	put_line(r);
}

static void
write_ndjson(struct run *r)
{
	struct export_opts *opt = r->opt;
	struct cdp_recw w = { .b = r->line };
	int rc = 0;

	cdp_recw_begin(&w);
	for (size_t i = 0; i < opt->ncols; i++) {
		const struct col *c = &opt->cols[i];
		size_t kl = strlen(c->header);

		if (c->type == C_TEXT || c->type == C_SAFE)
			rc |= cdp_recw_str(&w, c->header, kl, c->out.p,
			    c->out.len);
		else if (c->type != C_EMPTY)
			rc |= cdp_recw_raw(&w, c->header, kl, c->out.p,
			    c->out.len);
	}
	if ((rc | cdp_recw_end(&w)) != 0)
		cdp_oom(0);
	r->line = w.b;
	put_line(r);
}

static int
one(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct run *r = ctx;
	struct export_opts *opt = r->opt;
	struct val v;
	int ok;

	(void)at;
	if (opt->consent.path != NULL) {
		if ((ok = consented(r, rec, why)) == -1)
			return -1;
		if (!ok) {
			r->no_consent++;
			return 1;
		}
	}
	for (size_t i = 0; i < opt->ncols; i++) {
		struct col *c = &opt->cols[i];

		cdp_buf_reset(&c->raw);
		if (fetch(&c->src, rec, &c->raw, &v, why) == -1)
			return -1;
		if (c->src.expr == NULL && v.type == C_JSON && *v.s == '[' &&
		    (c->kind != K_GENERIC || c->norm != CDP_N_NONE || c->hash))
			fill_list(r, c, rec);
		else
			fill(r, c, &v);
	}
	if (!identifiable(opt)) {
		r->no_identifier++;
		return 1;
	}
	if (opt->format == F_CSV)
		write_csv(r);
	else
		write_ndjson(r);
	return 0;
}

/* Check the inputs, open the output and write the CSV header. */
static void
start(struct run *r, char **files, int nfiles)
{
	struct export_opts *opt = r->opt;
	struct cdp_err err;
	const char *bad = NULL;
	off_t total;

	if (nfiles > 0 && cdp_lines_check(files, nfiles, &total, &bad,
	    &err) == -1 && bad != NULL)
		cdp_die_err(&err, bad, 0);
	if ((r->sha = cdp_sha_new()) == NULL)
		cdp_die(EX_SOFTWARE, NULL, 0, "cannot set up SHA-256");
	r->env.platform = opt->platform;
	r->env.ctx.default_country = opt->common.default_country;
	if (opt->need_countries && cdp_norm_ctx_prepare(&r->env.ctx,
	    CDP_N_COUNTRY, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	if (cdp_acct_open(&r->acct, opt->common.rejects, &err) == -1 ||
	    (r->out = cdp_out_open(opt->common.output, &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	cdp_out_line_mode(r->out, opt->common.unbuffered);
	if (r->acct.rejects != NULL)
		cdp_out_line_mode(r->acct.rejects, opt->common.unbuffered);
	if (opt->format != F_CSV)
		return;
	cdp_buf_reset(&r->line);
	for (size_t i = 0; i < opt->ncols; i++) {
		if (i > 0 && cdp_buf_addc(&r->line, ',') == -1)
			cdp_oom(0);
		csv_cell(&r->line, opt->cols[i].header,
		    strlen(opt->cols[i].header), true);
	}
	if (cdp_buf_addc(&r->line, '\n') == -1)
		cdp_oom(0);
	put_line(r);
}

int
export_run(struct export_opts *opt, char **files, int nfiles)
{
	struct run r = { .opt = opt };
	struct cdp_err err;

	start(&r, files, nfiles);
	cdp_each(files, nfiles, &opt->common, &r.acct, one, &r);
	if (cdp_out_close(r.out, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	r.acct.extra[0].name = "no_consent";
	r.acct.extra[0].n = r.no_consent;
	r.acct.extra[1].name = "no_identifier";
	r.acct.extra[1].n = r.no_identifier;
	r.acct.extra[2].name = "bad_values";
	r.acct.extra[2].n = r.bad_values;
	if (cdp_acct_close(&r.acct, opt->common.stats, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	cdp_norm_ctx_free(&r.env.ctx);
	cdp_sha_free(r.sha);
	cdp_buf_free(&r.line);
	return 0;
}
