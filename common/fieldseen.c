/*
 * fieldseen.c - the fields a user named that no record held, and the
 * spellings seen instead (fieldseen.h).
 */
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "fieldseen.h"
#include "similar.h"
#include "span.h"
#include "xalloc.h"

#define MAX_KEYS	4096	/* distinct record keys compared, at most */
#define MAX_FOLD	64	/* longer names are not compared */
#define NEAR_FIRST	10000	/* records all looked at for spellings */
#define NEAR_EVERY	64	/* then one in so many */

void
cdp_fieldseen_init(struct cdp_fieldseen *fs, bool ids)
{
	*fs = (struct cdp_fieldseen){ .ids = ids };
}

void
cdp_fieldseen_add(struct cdp_fieldseen *fs, const char *name, size_t nlen)
{
	for (int i = 0; i < fs->n; i++)
		if (fs->f[i].nlen == nlen && memcmp(fs->f[i].name, name,
		    nlen) == 0)
			return;
	if (fs->n == fs->cap) {
		fs->cap = fs->cap ? fs->cap * 2 : 8;
		fs->f = cdp_xreallocarray(fs->f, (size_t)fs->cap,
		    sizeof(*fs->f));
	}
	fs->f[fs->n++] = (struct cdp_fieldseen_f){ .name = name,
	    .nlen = nlen };
	fs->unseen++;
}

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* s[0..n) lowercased without _ - . and spaces, as code points into out;
 * its length, or -1 when too long. */
static int
fold(const char *s, size_t n, uint32_t out[MAX_FOLD])
{
	int k = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '_' || c == '-' || c == '.' || c == ' ')
			continue;
		if (k == MAX_FOLD)
			return -1;
		out[k++] = lower(c);
	}
	return k;
}

/* Whether key k[0..kn) (JSON key text) looks like field name: the same
 * letters in another case or with separators, or one letter off. */
static bool
looks_like(const char *k, size_t kn, const char *name, size_t nlen)
{
	uint32_t a[MAX_FOLD], b[MAX_FOLD];
	int na = fold(k, kn, a), nb = fold(name, nlen, b);

	if (na <= 0 || nb <= 0)
		return false;
	if (na == nb && memcmp(a, b, (size_t)na * sizeof(*a)) == 0)
		return true;
	return nb >= 4 && na >= 4 &&
	    cdp_sim_levenshtein(a, (size_t)na, b, (size_t)nb, 1) <= 1;
}

static void
add_near(struct cdp_fieldseen_f *f, const char *k, size_t kn)
{
	for (int i = 0; i < f->nnear; i++)
		if (strlen(f->near[i]) == kn && memcmp(f->near[i], k, kn) == 0)
			return;
	if (f->nnear < CDP_FIELDSEEN_NEAR)
		f->near[f->nnear++] = cdp_xstrndup(k, kn);
}

/* Whether rec's `_ids` object has member name. */
static bool
in_ids(struct cdp_rec *rec, const char *name, size_t nlen)
{
	const struct cdp_field *f = cdp_rec_find(rec, "_ids", 4);
	struct cdp_buf tmp = { 0 };
	const char *v;
	size_t vn;
	bool on;

	if (f == NULL || f->type != CDP_OBJECT)
		return false;
	on = cdp_span_member(rec->p + f->voff, f->vlen, name, nlen, &tmp, &v,
	    &vn) == 1;
	cdp_buf_free(&tmp);
	return on;
}

/* Keys of rec not compared before against the fields still unseen. */
static void
near_keys(struct cdp_fieldseen *fs, struct cdp_rec *rec)
{
	if (fs->keys == NULL && (fs->keys = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	for (size_t j = 0; j < rec->n && fs->nkeys < MAX_KEYS; j++) {
		const char *k = rec->p + rec->f[j].koff;
		size_t kn = rec->f[j].klen;
		int added;

		if (cdp_keymap_put(fs->keys, cdp_key128_of(k, kn), 0,
		    &added) == NULL)
			cdp_oom(0);
		if (!added)
			continue;
		fs->nkeys++;
		for (int i = 0; i < fs->n; i++)
			if (!fs->f[i].seen && looks_like(k, kn, fs->f[i].name,
			    fs->f[i].nlen))
				add_near(&fs->f[i], k, kn);
	}
}

void
cdp_fieldseen_record(struct cdp_fieldseen *fs, struct cdp_rec *rec)
{
	fs->records++;
	if (fs->unseen == 0)
		return;
	for (int i = 0; i < fs->n; i++) {
		struct cdp_fieldseen_f *f = &fs->f[i];

		if (!f->seen && (cdp_rec_find(rec, f->name, f->nlen) != NULL ||
		    (fs->ids && in_ids(rec, f->name, f->nlen)))) {
			f->seen = true;
			fs->unseen--;
		}
	}
	/* Other spellings are a hint: looked for in the first records,
	 * then in one record of NEAR_EVERY, so that a field rightly absent
	 * costs little. */
	if (fs->unseen > 0 && fs->nkeys < MAX_KEYS &&
	    (fs->records <= NEAR_FIRST || fs->records % NEAR_EVERY == 0))
		near_keys(fs, rec);
}

void
cdp_fieldseen_merge(struct cdp_fieldseen *fs, const struct cdp_fieldseen *from)
{
	fs->records += from->records;
	for (int i = 0; i < fs->n && i < from->n; i++) {
		struct cdp_fieldseen_f *f = &fs->f[i];

		if (from->f[i].seen && !f->seen) {
			f->seen = true;
			fs->unseen--;
		}
		for (int j = 0; j < from->f[i].nnear; j++)
			add_near(f, from->f[i].near[j],
			    strlen(from->f[i].near[j]));
	}
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether every spelling of f differs from its name in case only. */
static bool
case_only(const struct cdp_fieldseen_f *f)
{
	for (int i = 0; i < f->nnear; i++) {
		if (strlen(f->near[i]) != f->nlen)
			return false;
		for (size_t c = 0; c < f->nlen; c++)
			if (lower((unsigned char)f->near[i][c]) !=
			    lower((unsigned char)f->name[c]))
				return false;
	}
	return true;
}

/* " (fields seen ...: "A", "B")" for f into b, or nothing. */
static void
hint_of(const struct cdp_fieldseen_f *f, struct cdp_buf *b)
{
	char *near[CDP_FIELDSEEN_NEAR];
	int n = f->nnear;

	if (n == 0)
		return;
	memcpy(near, f->near, (size_t)n * sizeof(*near));
	qsort(near, (size_t)n, sizeof(*near), by_name);
	if (n > 3)
		n = 3;
	if (cdp_buf_addf(b, " (%s: ", case_only(f) ?
	    "fields seen with that name in another case" :
	    "fields seen with a similar name") == -1)
		cdp_oom(0);
	for (int i = 0; i < n; i++)
		if (cdp_buf_addf(b, "%s\"%s\"", i > 0 ? ", " : "",
		    near[i]) == -1)
			cdp_oom(0);
	if (cdp_buf_addf(b, ")") == -1)
		cdp_oom(0);
}

static void
warn_field(const struct cdp_fieldseen_f *f)
{
	struct cdp_buf b = { 0 };

	if (cdp_buf_addf(&b, "warning: no record has the field \"%.*s\"",
	    (int)f->nlen, f->name) == -1)
		cdp_oom(0);
	hint_of(f, &b);
	if (cdp_buf_add(&b, "", 1) == -1)
		cdp_oom(0);
	cdp_warn(NULL, 0, "%s", b.p);
	cdp_buf_free(&b);
}

void
cdp_fieldseen_hint(const struct cdp_fieldseen *fs, const char *name,
    struct cdp_buf *out)
{
	size_t nlen = strlen(name);

	cdp_buf_reset(out);
	for (int i = 0; i < fs->n; i++)
		if (fs->f[i].nlen == nlen && memcmp(fs->f[i].name, name,
		    nlen) == 0 && !fs->f[i].seen)
			hint_of(&fs->f[i], out);
	if (cdp_buf_add(out, "", 1) == -1)
		cdp_oom(0);
}

bool
cdp_fieldseen_report(const struct cdp_fieldseen *fs, bool all_needed)
{
	if (fs->records == 0 || fs->unseen == 0)
		return false;
	for (int i = 0; i < fs->n; i++)
		if (!fs->f[i].seen)
			warn_field(&fs->f[i]);
	return all_needed || fs->unseen == fs->n;
}

char *
cdp_fieldseen_names(const struct cdp_fieldseen *fs)
{
	struct cdp_buf b = { 0 };

	for (int i = 0; i < fs->n; i++)
		if (cdp_buf_addf(&b, "%s%.*s", i > 0 ? ", " : "",
		    (int)fs->f[i].nlen, fs->f[i].name) == -1)
			cdp_oom(0);
	if (cdp_buf_add(&b, "", 1) == -1)
		cdp_oom(0);
	return b.p;
}

void
cdp_fieldseen_free(struct cdp_fieldseen *fs)
{
	for (int i = 0; i < fs->n; i++)
		for (int j = 0; j < fs->f[i].nnear; j++)
			free(fs->f[i].near[j]);
	free(fs->f);
	cdp_keymap_free(fs->keys);
	*fs = (struct cdp_fieldseen){ 0 };
}
