/*
 * fuzz_record.c - the NDJSON record layer: cdp_rec_parse() on any bytes,
 * then for an accepted record every accessor, a round trip through the
 * record writer whose output must parse again to the same fields (their
 * value bytes unchanged), and the exact forms of every number.
 */
#include <math.h>
#include <string.h>

#include "buf.h"
#include "record.h"

#include "fuzz.h"

static struct cdp_rec	 rec, back;
static struct cdp_recw	 w, w2;
static struct cdp_buf	 key, s1, s2, c1, c2, c3;

/*
 * A number's exact forms (issue 22.5): its canonical text is the same
 * through cdp_num_key() and cdp_num_canon_json(), and orders like the
 * doubles wherever they differ.
 */
static void
number_forms(const struct cdp_field *f, const struct cdp_field *prev)
{
	const char *t = rec.p + f->voff;
	double x, y;

	cdp_buf_reset(&c1);
	cdp_buf_reset(&c2);
	cdp_buf_reset(&c3);
	FUZZ_CHECK(cdp_num_canon(t, f->vlen, &c1) == 0 && c1.len > 0);
	FUZZ_CHECK(cdp_num_canon_cmp(c1.p, c1.len, c1.p, c1.len) == 0);
	FUZZ_CHECK(cdp_num_key(t, f->vlen, &c2) == 0);
	FUZZ_CHECK(cdp_num_canon(c2.p, c2.len, &c3) == 0);
	FUZZ_CHECK(c3.len == c1.len && memcmp(c3.p, c1.p, c1.len) == 0);
	cdp_buf_reset(&c2);
	cdp_buf_reset(&c3);
	FUZZ_CHECK(cdp_num_canon_json(c1.p, c1.len, &c2) == 0);
	FUZZ_CHECK(cdp_num_canon(c2.p, c2.len, &c3) == 0);
	FUZZ_CHECK(c3.len == c1.len && memcmp(c3.p, c1.p, c1.len) == 0);
	if (prev == NULL || cdp_rec_num(&rec, f, &x) == -1 ||
	    cdp_rec_num(&rec, prev, &y) == -1 || x == y)
		return;
	cdp_buf_reset(&c2);
	FUZZ_CHECK(cdp_num_canon(rec.p + prev->voff, prev->vlen, &c2) == 0);
	FUZZ_CHECK((x < y) == (cdp_num_canon_cmp(c1.p, c1.len, c2.p,
	    c2.len) < 0));
}

/* The field of b under f's unescaped key must hold the same value. */
static void
same_field(const struct cdp_field *f)
{
	const struct cdp_field *g;
	const char *a, *b;
	size_t an, bn;
	double x, y;

	cdp_buf_reset(&key);
	FUZZ_CHECK(cdp_json_unescape(rec.p + f->koff, f->klen, &key) == 0);
	/* Lookup by the unescaped key finds the field itself. */
	FUZZ_CHECK(cdp_rec_find(&rec, key.p, key.len) == f);
	g = cdp_rec_find(&back, key.p, key.len);
	FUZZ_CHECK(g != NULL);
	FUZZ_CHECK(g->type == f->type);
	/* Copied byte for byte, nested whitespace included (issue 22.6),
	 * unless a line break would split the record. */
	if (memchr(rec.p + f->voff, '\n', f->vlen) == NULL &&
	    memchr(rec.p + f->voff, '\r', f->vlen) == NULL)
		FUZZ_CHECK(g->vlen == f->vlen && memcmp(back.p + g->voff,
		    rec.p + f->voff, f->vlen) == 0);
	else
		FUZZ_CHECK(memchr(back.p + g->voff, '\n', g->vlen) == NULL &&
		    memchr(back.p + g->voff, '\r', g->vlen) == NULL);
	switch (f->type) {
	case CDP_STRING:
		FUZZ_CHECK(cdp_rec_str(&rec, f, &s1, &a, &an) == 0);
		FUZZ_CHECK(cdp_rec_str(&back, g, &s2, &b, &bn) == 0);
		FUZZ_CHECK(an == bn && memcmp(a, b, an) == 0);
		FUZZ_CHECK(cdp_utf8_valid(a, an));
		break;
	case CDP_NUMBER:
		if (cdp_rec_num(&rec, f, &x) == 0) {
			FUZZ_CHECK(isfinite(x));
			FUZZ_CHECK(cdp_rec_num(&back, g, &y) == 0);
			FUZZ_CHECK(x == y);
		}
		break;
	default:
		FUZZ_CHECK(cdp_rec_str(&rec, f, &s1, &a, &an) == -1);
		break;
	}
}

/* Rewrite the record with the program-owned writers: quoted strings and
 * formatted numbers must read back to the values they came from. */
static void
rewrite_owned(void)
{
	const char *a, *b;
	size_t an, bn, i;
	double x, y;

	cdp_recw_begin(&w2);
	for (i = 0; i < rec.n; i++) {
		const struct cdp_field *f = &rec.f[i];

		cdp_buf_reset(&key);
		FUZZ_CHECK(cdp_json_unescape(rec.p + f->koff, f->klen,
		    &key) == 0);
		if (f->type == CDP_STRING) {
			FUZZ_CHECK(cdp_rec_str(&rec, f, &s1, &a, &an) == 0);
			FUZZ_CHECK(cdp_recw_str(&w2, key.p, key.len, a,
			    an) == 0);
		} else if (f->type == CDP_NUMBER &&
		    cdp_rec_num(&rec, f, &x) == 0) {
			FUZZ_CHECK(cdp_recw_num(&w2, key.p, key.len, x) == 0);
		} else
			FUZZ_CHECK(cdp_recw_field_as(&w2, key.p, key.len,
			    &rec, f) == 0);
	}
	FUZZ_CHECK(cdp_recw_end(&w2) == 0);
	FUZZ_CHECK(w2.b.len > 0 && w2.b.p[w2.b.len - 1] == '\n');
	FUZZ_CHECK(cdp_rec_parse(&back, w2.b.p, w2.b.len - 1, NULL) == 0);
	FUZZ_CHECK(back.n == rec.n);
	for (i = 0; i < rec.n; i++) {
		const struct cdp_field *f = &rec.f[i], *g = &back.f[i];

		FUZZ_CHECK(g->type == f->type);
		if (f->type == CDP_STRING) {
			FUZZ_CHECK(cdp_rec_str(&rec, f, &s1, &a, &an) == 0);
			FUZZ_CHECK(cdp_rec_str(&back, g, &s2, &b, &bn) == 0);
			FUZZ_CHECK(an == bn && memcmp(a, b, an) == 0);
		} else if (f->type == CDP_NUMBER &&
		    cdp_rec_num(&rec, f, &x) == 0) {
			FUZZ_CHECK(cdp_rec_num(&back, g, &y) == 0);
			FUZZ_CHECK(x == y);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cdp_err err;
	size_t i;
	char num[32];
	double d;

	/* Any bytes: quoting always gives valid UTF-8 inside quotes. */
	cdp_buf_reset(&s1);
	FUZZ_CHECK(cdp_json_quote(&s1, (const char *)data, size) == 0);
	FUZZ_CHECK(s1.len >= 2 && cdp_utf8_valid(s1.p, s1.len));
	if (size == sizeof(d)) {
		memcpy(&d, data, sizeof(d));
		if (isfinite(d)) {
			int n = cdp_fmt_double(num, d);

			FUZZ_CHECK(n > 0 && n < (int)sizeof(num));
			num[n] = '\0';
			FUZZ_CHECK(strtod(num, NULL) == d);
		}
	}

	if (cdp_rec_parse(&rec, (const char *)data, size, &err) == -1) {
		FUZZ_CHECK(err.msg[0] != '\0');
		return 0;
	}
	FUZZ_CHECK(cdp_utf8_valid((const char *)data, size));

	/* Copy every field untouched; the copy parses to the same fields
	 * and copying the copy changes nothing. */
	cdp_recw_begin(&w);
	for (i = 0; i < rec.n; i++)
		FUZZ_CHECK(cdp_recw_field(&w, &rec, &rec.f[i]) == 0);
	FUZZ_CHECK(cdp_recw_end(&w) == 0);
	FUZZ_CHECK(w.b.len > 0 && w.b.p[w.b.len - 1] == '\n');
	FUZZ_CHECK(cdp_rec_parse(&back, w.b.p, w.b.len - 1, &err) == 0);
	FUZZ_CHECK(back.n == rec.n);
	for (i = 0; i < rec.n; i++)
		same_field(&rec.f[i]);
	{
		const struct cdp_field *prev = NULL;

		for (i = 0; i < rec.n; i++)
			if (rec.f[i].type == CDP_NUMBER) {
				number_forms(&rec.f[i], prev);
				prev = &rec.f[i];
			}
	}
	rewrite_owned();
	return 0;
}
