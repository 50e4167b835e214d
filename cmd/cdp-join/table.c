/*
 * table.c - cdp-join's keyed table: every record of the TABLE file (NDJSON
 * or CSV) whose key is given, its attached fields rendered once as JSON
 * text in an arena, and a map from each key (128-bit hash) to its entry.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <csv.h>

#include "diag.h"
#include "idvals.h"
#include "join.h"
#include "lines.h"
#include "record.h"
#include "xalloc.h"

/* What loading needs besides the table. */
struct load {
	struct table		*t;
	const struct join_opts	*opt;
	struct keyer		*k;
	const char		*name;	/* in messages */
	struct cdp_rec		 rec;
	struct cdp_recw		 w;
	struct cdp_buf		 names, fields;
	/* CSV */
	char			**hdr;
	size_t			 nhdr, ncell, hcap;
	struct cdp_buf		 row;	/* the row as a JSON object */
	long			 rowno;
	bool			 in_header;
	uint64_t		 last;	/* the entry just added */
};

static void
add_key(struct keys *out, const char *s, size_t n)
{
	struct cdp_key128 h = cdp_key128_of(s, n);

	for (int i = 0; i < out->n; i++)
		if (out->k[i].hi == h.hi && out->k[i].lo == h.lo)
			return;
	out->k[out->n++] = h;
}

/* Every value of an array key field, normalised. */
static int
array_keys(struct keyer *k, struct cdp_rec *rec, const struct cdp_keyfield *f,
    struct keys *out, const char **why)
{
	struct cdp_idvals it;
	const char *s, *reason;
	size_t n;
	int rc;

	cdp_idvals_start(&it, rec, f->name, f->nlen, false);
	while ((rc = cdp_idvals_next(&it, &k->tmp, &s, &n, &reason)) == 1) {
		cdp_trim(&s, &n);
		if (n == 0)
			continue;
		cdp_buf_reset(&k->val);
		if (f->norm == CDP_N_NONE ? cdp_buf_add(&k->val, s, n) :
		    cdp_norm_apply(&k->ctx, f->norm, s, n, &k->val,
		    &reason)) {
			rc = -1;
			break;
		}
		if (k->val.len == 0)
			continue;
		if (out->n == (int)(sizeof(out->k) / sizeof(out->k[0]))) {
			reason = "more than 64 key values";
			rc = -1;
			break;
		}
		add_key(out, k->val.p, k->val.len);
	}
	if (rc == -2)
		cdp_oom(0);
	if (rc == -1 && (*why = cdp_key_reason(&k->kr, f, reason)) == NULL)
		cdp_oom(0);
	return rc == -1 ? -1 : 0;
}

int
keys_of(struct keyer *k, struct cdp_rec *rec, const struct cdp_keyfield *f,
    int n, struct keys *out, const char **why)
{
	const struct cdp_field *fld;
	int rc;

	out->n = 0;
	if (n == 1 && (fld = cdp_rec_find(rec, f->name, f->nlen)) != NULL &&
	    fld->type == CDP_ARRAY)
		return array_keys(k, rec, f, out, why);
	if (n == 1)
		rc = cdp_key_field(&k->kr, rec, f, &k->val, why);
	else
		rc = cdp_key_make(&k->kr, rec, f, n, &k->val, why);
	if (rc == -2)
		cdp_oom(0);
	if (rc == 1 && n == 1)
		add_key(out, k->val.p, k->val.len);
	else if (rc == 1)
		add_key(out, k->kr.key.p, k->kr.key.len);
	return rc == -1 ? -1 : 0;
}

static bool
is(const char *k, size_t n, const char *name)
{
	return n == strlen(name) && memcmp(k, name, n) == 0;
}

/* Whether field name k[0..n) of a table record is attached. */
static bool
attached(const struct join_opts *opt, const char *k, size_t n)
{
	if (opt->nfields > 0) {
		for (int i = 0; i < opt->nfields; i++)
			if (is(k, n, opt->fields[i]))
				return true;
		return false;
	}
	if (is(k, n, "_src") || is(k, n, "_line"))
		return false;
	for (int i = 0; i < opt->nkey; i++)
		if (n == opt->tkey[i].nlen && memcmp(k, opt->tkey[i].name,
		    n) == 0)
			return false;
	return true;
}

/* The end of the JSON string whose opening quote is at p. */
static const char *
string_end(const char *p)
{
	for (p++; *p != '"'; p++)
		if (*p == '\\')
			p++;
	return p + 1;
}

/*
 * Field f of the record (name k[0..kn), unescaped) into the entry being
 * built: its JSON text through L->w, its name into L->names and its spans
 * into L->fields.
 */
static void
add_field(struct load *L, const struct cdp_field *f, const char *k, size_t kn)
{
	struct cdp_recw *w = &L->w;
	size_t plen = strlen(L->opt->prefix), at = w->b.len;
	struct field_at fa = { .koff = (uint32_t)L->names.len,
	    .klen = (uint32_t)(plen + kn) };
	const char *v;

	unsigned char c;

	if (cdp_buf_add(&L->names, L->opt->prefix, plen) == -1 ||
	    cdp_buf_add(&L->names, k, kn) == -1 ||
	    cdp_recw_field_as(w, L->names.p + fa.koff, fa.klen, &L->rec,
	    f) == -1)
		cdp_oom(0);
	c = fa.klen > 0 ? (unsigned char)L->names.p[fa.koff] : 0;
	L->t->lens |= UINT64_C(1) << (fa.klen & 63);
	L->t->firsts[c >> 6] |= UINT64_C(1) << (c & 63);
	/* After the separator, the quoted name and the colon. */
	v = string_end(w->b.p + at + 1) + 1;
	fa.voff = (uint32_t)(v - w->b.p - 1);	/* the '{' is not kept */
	fa.vlen = (uint32_t)(w->b.p + w->b.len - v);
	if (cdp_buf_add(&L->fields, &fa, sizeof(fa)) == -1)
		cdp_oom(0);
}

/* The record's attached fields as an entry at the end of the arena;
 * returns its offset. */
static uint64_t
add_entry(struct load *L)
{
	struct cdp_buf *a = &L->t->arena;
	struct cdp_rec *r = &L->rec;
	struct entry e;
	uint64_t off;

	cdp_recw_begin(&L->w);
	cdp_buf_reset(&L->names);
	cdp_buf_reset(&L->fields);
	if (L->opt->how == HOW_ANTI) {
		/* nothing attached */
	} else if (L->opt->nfields > 0) {
		/* In the order of --fields. */
		for (int i = 0; i < L->opt->nfields; i++) {
			const char *name = L->opt->fields[i];
			const struct cdp_field *f = cdp_rec_find(r, name,
			    strlen(name));

			if (f != NULL)
				add_field(L, f, name, strlen(name));
		}
	} else {
		for (size_t i = 0; i < r->n; i++) {
			const struct cdp_field *f = &r->f[i];
			struct cdp_buf *k = &L->k->msg;
			const char *kp = r->p + f->koff;
			size_t kn = f->klen;

			if (f->flags & CDP_F_KEYESC) {
				cdp_buf_reset(k);
				if (cdp_json_unescape(kp, kn, k) == -1)
					cdp_oom(0);
				kp = k->p;
				kn = k->len;
			}
			if (attached(L->opt, kp, kn))
				add_field(L, f, kp, kn);
		}
	}
	e = (struct entry){ .nf = (uint32_t)(L->fields.len /
	    sizeof(struct field_at)), .fraglen = L->w.b.len ?
	    (uint32_t)L->w.b.len - 1 : 0, .keyslen = (uint32_t)L->names.len };
	while (a->len % 4 != 0)
		if (cdp_buf_addc(a, 0) == -1)
			cdp_oom(0);
	off = a->len;
	if (cdp_buf_add(a, &e, sizeof(e)) == -1 ||
	    (e.fraglen > 0 && cdp_buf_add(a, L->w.b.p + 1, e.fraglen) == -1) ||
	    cdp_buf_add(a, L->names.p, L->names.len) == -1)
		cdp_oom(0);
	while (a->len % 4 != 0)
		if (cdp_buf_addc(a, 0) == -1)
			cdp_oom(0);
	if (cdp_buf_add(a, L->fields.p, L->fields.len) == -1)
		cdp_oom(0);
	return off;
}

/* One table record, the line p[0..n) of line lineno. */
static void
add_record(struct load *L, const char *p, size_t n, long lineno)
{
	struct table *t = L->t;
	struct cdp_err err;
	struct keys keys;
	const char *why;
	uint64_t off;

	if (cdp_rec_parse(&L->rec, p, n, &err) == -1) {
		if (err.code != EX_DATAERR)
			cdp_die_err(&err, NULL, 0);
		cdp_die(EX_DATAERR, L->name, lineno, "%s", err.msg);
	}
	if (keys_of(L->k, &L->rec, L->opt->tkey, L->opt->nkey, &keys,
	    &why) == -1)
		cdp_die(EX_DATAERR, L->name, lineno, "%s", why);
	t->records++;
	if (keys.n == 0) {
		t->unkeyed++;
		return;
	}
	/* An anti join attaches nothing: every key shares one empty
	 * entry, so the table costs only its keys. */
	if (L->opt->how != HOW_ANTI || t->arena.len == 0)
		L->last = add_entry(L);
	off = L->last;
	for (int i = 0; i < keys.n; i++) {
		int added;
		uint64_t *v = cdp_keymap_put(t->map, keys.k[i], off, &added);

		if (v == NULL)
			cdp_oom(0);
		if (added)
			t->keys++;
		else if (*v != AMBIG && *v != off) {
			/* Two records with one key: which one a stream record
			 * means cannot be told, so neither joins. */
			*v = AMBIG;
			t->ambiguous++;
		}
	}
}

static void
load_ndjson(struct load *L)
{
	struct cdp_lines *in;
	struct cdp_line l;
	struct cdp_err err;
	int rc;

	if ((in = cdp_lines_open(L->name, L->opt->common.max_record_bytes,
	    &err)) == NULL)
		cdp_die_err(&err, L->name, 0);
	while ((rc = cdp_lines_next(in, &l, &err)) == 1) {
		if (l.too_long)
			cdp_die(EX_DATAERR, L->name, l.lineno, "record longer "
			    "than --max-record-bytes");
		add_record(L, l.p, l.len, l.lineno);
	}
	if (rc == -1)
		cdp_die_err(&err, L->name, 0);
	cdp_lines_close(in);
}

/* libcsv: one cell of the current row. */
static void
on_cell(void *s, size_t n, void *data)
{
	struct load *L = data;

	if (!cdp_utf8_valid(s, n))
		cdp_die(EX_DATAERR, L->name, L->rowno + 1, "invalid UTF-8 in "
		    "column %zu", (L->in_header ? L->nhdr : L->ncell) + 1);
	if (L->in_header) {
		if (n == 0)
			cdp_die(EX_DATAERR, L->name, 1, "empty header name in "
			    "column %zu", L->nhdr + 1);
		for (size_t i = 0; i < L->nhdr; i++)
			if (strlen(L->hdr[i]) == n && memcmp(L->hdr[i], s,
			    n) == 0)
				cdp_die(EX_DATAERR, L->name, 1, "duplicate "
				    "header name in column %zu", L->nhdr + 1);
		if (L->nhdr == L->hcap) {
			L->hcap = L->hcap ? 2 * L->hcap : 16;
			L->hdr = cdp_xreallocarray(L->hdr, L->hcap,
			    sizeof(*L->hdr));
		}
		L->hdr[L->nhdr++] = cdp_xstrndup(s, n);
		return;
	}
	if (L->ncell >= L->nhdr)
		cdp_die(EX_DATAERR, L->name, L->rowno, "row has more fields "
		    "than the header");
	if (cdp_buf_addc(&L->row, L->ncell == 0 ? '{' : ',') == -1 ||
	    cdp_json_quote(&L->row, L->hdr[L->ncell],
	    strlen(L->hdr[L->ncell])) == -1 ||
	    cdp_buf_addc(&L->row, ':') == -1 ||
	    cdp_json_quote(&L->row, s, n) == -1)
		cdp_oom(0);
	L->ncell++;
}

/* libcsv: the end of a row. */
static void
on_row(int c, void *data)
{
	struct load *L = data;

	(void)c;
	L->rowno++;
	if (L->in_header) {
		L->in_header = false;
		return;
	}
	if (L->ncell != L->nhdr)
		cdp_die(EX_DATAERR, L->name, L->rowno, "row has %zu fields, "
		    "header has %zu", L->ncell, L->nhdr);
	if (cdp_buf_addc(&L->row, '}') == -1)
		cdp_oom(0);
	add_record(L, L->row.p, L->row.len, L->rowno);
	cdp_buf_reset(&L->row);
	L->ncell = 0;
}

/* A CSV table: the header row names the fields, every cell a string. */
static void
load_csv(struct load *L)
{
	struct csv_parser p;
	char buf[65536];
	bool first = true;
	ssize_t n;
	int fd;

	if ((fd = open(L->name, O_RDONLY)) == -1)
		cdp_die(EX_NOINPUT, L->name, 0, "cannot open: %s",
		    strerror(errno));
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
		cdp_oom(0);
	L->in_header = true;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		const char *b = buf;

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			cdp_die(EX_IOERR, L->name, 0, "read error: %s",
			    strerror(errno));
		/* A UTF-8 byte order mark, as spreadsheets write it. */
		if (first && n >= 3 && memcmp(b, "\xef\xbb\xbf", 3) == 0) {
			b += 3;
			n -= 3;
		}
		first = false;
		if (csv_parse(&p, b, (size_t)n, on_cell, on_row, L) !=
		    (size_t)n)
			cdp_die(EX_DATAERR, L->name, L->rowno + 1, "%s",
			    csv_strerror(csv_error(&p)));
	}
	if (csv_fini(&p, on_cell, on_row, L) != 0)
		cdp_die(EX_DATAERR, L->name, L->rowno + 1, "%s",
		    csv_strerror(csv_error(&p)));
	csv_free(&p);
	close(fd);
}

static bool
csv_name(const char *path)
{
	size_t n = strlen(path);

	return n > 4 && (strcmp(path + n - 4, ".csv") == 0 ||
	    strcmp(path + n - 4, ".CSV") == 0);
}

void
table_load(struct table *t, const struct join_opts *opt, struct keyer *k)
{
	struct load L = { .t = t, .opt = opt, .k = k, .name = opt->table };
	bool csv = opt->table_format == TF_CSV ||
	    (opt->table_format == TF_AUTO && csv_name(opt->table));

	*t = (struct table){ .map = cdp_keymap_new() };
	if (t->map == NULL)
		cdp_oom(0);
	if (csv)
		load_csv(&L);
	else
		load_ndjson(&L);
	for (size_t i = 0; i < L.nhdr; i++)
		free(L.hdr[i]);
	free(L.hdr);
	cdp_buf_free(&L.row);
	cdp_buf_free(&L.names);
	cdp_buf_free(&L.fields);
	cdp_rec_free(&L.rec);
	cdp_recw_free(&L.w);
}

void
table_free(struct table *t)
{
	cdp_keymap_free(t->map);
	cdp_buf_free(&t->arena);
}

const struct entry *
table_find(const struct table *t, const struct keys *k)
{
	for (int i = 0; i < k->n; i++) {
		const uint64_t *v = cdp_keymap_get(t->map, k->k[i]);

		if (v != NULL && *v != AMBIG)
			return (const struct entry *)(const void *)
			    (t->arena.p + *v);
	}
	return NULL;
}

const char *
entry_frag(const struct entry *e)
{
	return (const char *)(e + 1);
}

const char *
entry_names(const struct entry *e)
{
	return entry_frag(e) + e->fraglen;
}

const struct field_at *
entry_field(const struct entry *e, uint32_t i)
{
	size_t at = sizeof(*e) + e->fraglen + e->keyslen;

	at = (at + 3) & ~(size_t)3;
	return (const struct field_at *)(const void *)((const char *)e + at) +
	    i;
}
