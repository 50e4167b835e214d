/*
 * norm_country.c - country names and codes to ISO 3166-1 alpha-2, from
 * the iso-codes package's JSON read at run time, plus the everyday names
 * it does not have ("UK", "Holland").  Lookup is a binary search over
 * match keys, so a call allocates nothing beyond its output.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "diag.h"
#include "norm.h"

/* One match key and its country; key points into the table's pool. */
struct country_key {
	const char	*key;
	size_t		 off;
	unsigned	 prio;		/* lower wins a clash */
	char		 a2[3];
};

struct cdp_countries {
	struct country_key	*v;
	size_t			 n;
	size_t			 cap;
	struct cdp_buf		 pool;
};

/* Key priorities: codes, then names, then official/common, then aliases. */
enum { PRIO_CODE, PRIO_NAME, PRIO_OTHER, PRIO_ALIAS };

/*
 * Everyday and native names that iso-codes 4.x lacks, as match keys.
 * Keep to names nobody would read as another country.
 */
static const struct {
	const char	*key;
	char		 a2[3];
} country_aliases[] = {
	{ "america", "US" },
	{ "belgie", "BE" },
	{ "belgique", "BE" },
	{ "brasil", "BR" },
	{ "britain", "GB" },
	{ "brunei", "BN" },
	{ "burma", "MM" },
	{ "cape verde", "CV" },
	{ "ceska republika", "CZ" },
	{ "cesko", "CZ" },
	{ "congo brazzaville", "CG" },
	{ "congo kinshasa", "CD" },
	{ "danmark", "DK" },
	{ "democratic republic of congo", "CD" },
	{ "deutschland", "DE" },
	{ "dr congo", "CD" },
	{ "drc", "CD" },
	{ "east timor", "TL" },
	{ "eesti", "EE" },
	{ "eire", "IE" },
	{ "el", "GR" },
	{ "ellada", "GR" },
	{ "england", "GB" },
	{ "espana", "ES" },
	{ "great britain", "GB" },
	{ "hellas", "GR" },
	{ "holland", "NL" },
	{ "hrvatska", "HR" },
	{ "italia", "IT" },
	{ "ivory coast", "CI" },
	{ "latvija", "LV" },
	{ "lietuva", "LT" },
	{ "macedonia", "MK" },
	{ "magyarorszag", "HU" },
	{ "micronesia", "FM" },
	{ "nederland", "NL" },
	{ "norge", "NO" },
	{ "northern ireland", "GB" },
	{ "osterreich", "AT" },
	{ "palestine", "PS" },
	{ "polska", "PL" },
	{ "republic of congo", "CG" },
	{ "russia", "RU" },
	{ "schweiz", "CH" },
	{ "scotland", "GB" },
	{ "slovenija", "SI" },
	{ "slovensko", "SK" },
	{ "suisse", "CH" },
	{ "suomi", "FI" },
	{ "sverige", "SE" },
	{ "svizzera", "CH" },
	{ "swaziland", "SZ" },
	{ "turkey", "TR" },
	{ "u k", "GB" },
	{ "u s", "US" },
	{ "u s a", "US" },
	{ "uae", "AE" },
	{ "uk", "GB" },
	{ "vatican", "VA" },
	{ "vatican city", "VA" },
	{ "wales", "GB" },
};

/* "the netherlands" and "netherlands" are one key. */
static size_t
skip_the(const char *k, size_t n)
{
	return n > 4 && memcmp(k, "the ", 4) == 0 ? 4 : 0;
}

/* Add key k (length n, already a match key) for a2. */
static int
add_key(struct cdp_countries *c, const char *k, size_t n, const char *a2,
    unsigned prio)
{
	struct country_key *v;
	size_t cap, skip = skip_the(k, n);

	if (n - skip == 0)
		return 0;
	if (c->n == c->cap) {
		cap = c->cap ? c->cap * 2 : 1024;
		if ((v = realloc(c->v, cap * sizeof(*v))) == NULL)
			return -1;
		c->v = v;
		c->cap = cap;
	}
	v = &c->v[c->n];
	v->off = c->pool.len;
	v->prio = prio;
	memcpy(v->a2, a2, 3);
	if (cdp_buf_add(&c->pool, k + skip, n - skip) == -1 ||
	    cdp_buf_addc(&c->pool, '\0') == -1)
		return -1;
	c->n++;
	return 0;
}

/* Add the match key of text s (length n) for a2. */
static int
add_text(struct cdp_countries *c, struct cdp_buf *tmp, const char *s,
    size_t n, const char *a2, unsigned prio)
{
	const char *why;

	cdp_buf_reset(tmp);
	if (cdp_norm_key(s, n, tmp, &why) == -1)
		return -1;
	return add_key(c, tmp->p, tmp->len, a2, prio);
}

/*
 * A name's variants: as written; without a parenthesised part ("Holy
 * See (Vatican City State)"); and turned round when iso-codes inverts it
 * ("Korea, Republic of" -> "Republic of Korea", "Virgin Islands,
 * British" -> "British Virgin Islands").
 */
static int
add_name(struct cdp_countries *c, struct cdp_buf *tmp, const char *s,
    const char *a2, unsigned prio)
{
	const char *comma, *paren, *tail, *why;
	size_t n = strlen(s), nt;

	if (add_text(c, tmp, s, n, a2, prio) == -1)
		return -1;
	if ((paren = strchr(s, '(')) != NULL && paren > s &&
	    add_text(c, tmp, s, (size_t)(paren - s), a2, prio) == -1)
		return -1;
	if ((comma = strrchr(s, ',')) == NULL || comma[1] != ' ')
		return 0;
	tail = comma + 2;
	nt = strlen(tail);
	if (strchr(tail, ' ') != NULL && !(nt > 3 &&
	    strcmp(tail + nt - 3, " of") == 0) && !(nt > 7 &&
	    strcmp(tail + nt - 7, " of the") == 0))
		return 0;
	/* Keys of both parts joined by a space make the key of the whole. */
	cdp_buf_reset(tmp);
	if (cdp_norm_key(tail, nt, tmp, &why) == -1 ||
	    cdp_buf_addc(tmp, ' ') == -1 ||
	    cdp_norm_key(s, (size_t)(comma - s), tmp, &why) == -1)
		return -1;
	return add_key(c, tmp->p, tmp->len, a2, prio);
}

static const char *
str_field(json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

/* Lower-case ASCII copy of a code into tmp, then add it. */
static int
add_code(struct cdp_countries *c, struct cdp_buf *tmp, const char *code,
    const char *a2)
{
	size_t i;

	if (code == NULL)
		return 0;
	cdp_buf_reset(tmp);
	for (i = 0; code[i] != '\0'; i++)
		if (cdp_buf_addc(tmp, code[i] >= 'A' && code[i] <= 'Z' ?
		    code[i] + ('a' - 'A') : code[i]) == -1)
			return -1;
	return add_key(c, tmp->p, tmp->len, a2, PRIO_CODE);
}

static int
add_entry(struct cdp_countries *c, struct cdp_buf *tmp, json_t *o)
{
	const char *a2 = str_field(o, "alpha_2"), *s;
	char up[3];

	if (a2 == NULL || strlen(a2) != 2)
		return 1;
	up[0] = (char)toupper((unsigned char)a2[0]);
	up[1] = (char)toupper((unsigned char)a2[1]);
	up[2] = '\0';
	if (add_code(c, tmp, a2, up) == -1 ||
	    add_code(c, tmp, str_field(o, "alpha_3"), up) == -1 ||
	    add_code(c, tmp, str_field(o, "numeric"), up) == -1)
		return -1;
	if ((s = str_field(o, "name")) != NULL &&
	    add_name(c, tmp, s, up, PRIO_NAME) == -1)
		return -1;
	if ((s = str_field(o, "official_name")) != NULL &&
	    add_name(c, tmp, s, up, PRIO_OTHER) == -1)
		return -1;
	if ((s = str_field(o, "common_name")) != NULL &&
	    add_name(c, tmp, s, up, PRIO_OTHER) == -1)
		return -1;
	return 0;
}

static int
key_cmp(const void *a, const void *b)
{
	const struct country_key *x = a, *y = b;
	int r;

	if ((r = strcmp(x->key, y->key)) != 0)
		return r;
	if (x->prio != y->prio)
		return x->prio < y->prio ? -1 : 1;
	return strcmp(x->a2, y->a2);
}

/* Sort the keys and keep the best country of each. */
static void
finish(struct cdp_countries *c)
{
	size_t i, k;

	for (i = 0; i < c->n; i++)
		c->v[i].key = c->pool.p + c->v[i].off;
	qsort(c->v, c->n, sizeof(*c->v), key_cmp);
	for (i = k = 0; i < c->n; i++)
		if (k == 0 || strcmp(c->v[k - 1].key, c->v[i].key) != 0)
			c->v[k++] = c->v[i];
	c->n = k;
}

static int
load_entries(struct cdp_countries *c, json_t *list, struct cdp_err *err)
{
	struct cdp_buf tmp = { 0 };
	size_t i, j;
	int r = 0;

	for (i = 0; i < json_array_size(list) && r == 0; i++)
		r = add_entry(c, &tmp, json_array_get(list, i));
	for (j = 0; j < sizeof(country_aliases) / sizeof(country_aliases[0]) &&
	    r == 0; j++)
		r = add_key(c, country_aliases[j].key,
		    strlen(country_aliases[j].key), country_aliases[j].a2,
		    PRIO_ALIAS);
	cdp_buf_free(&tmp);
	if (r == 1)
		cdp_err_set(err, EX_OSFILE, "an entry has no alpha_2 code");
	else if (r == -1)
		cdp_err_set(err, EX_OSERR, "out of memory");
	return r == 0 ? 0 : -1;
}

/*
 * Load the ISO 3166-1 table (see norm.h).  Returns a new table to free
 * with cdp_countries_free(), or NULL with err set: EX_OSFILE when the
 * file is missing or malformed, EX_OSERR when out of memory.
 */
struct cdp_countries *
cdp_countries_load(const char *path, struct cdp_err *err)
{
	struct cdp_countries *c;
	json_error_t jerr;
	json_t *root, *list;

	if (path == NULL)
		path = CDP_ISO3166_PATH;
	if ((root = json_load_file(path, 0, &jerr)) == NULL) {
		cdp_err_set(err, EX_OSFILE, "%s:%d: %s", path, jerr.line,
		    jerr.text);
		return NULL;
	}
	if (!json_is_array(list = json_object_get(root, "3166-1"))) {
		cdp_err_set(err, EX_OSFILE, "%s: no \"3166-1\" array", path);
		json_decref(root);
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		cdp_err_set(err, EX_OSERR, "out of memory");
		json_decref(root);
		return NULL;
	}
	if (load_entries(c, list, err) == -1) {
		if (err != NULL && err->code == EX_OSFILE) {
			size_t len = strlen(err->msg);

			snprintf(err->msg + len, sizeof(err->msg) - len,
			    " in %s", path);
		}
		cdp_countries_free(c);
		json_decref(root);
		return NULL;
	}
	json_decref(root);
	finish(c);
	return c;
}

/* Free the table; NULL is a no-op. */
void
cdp_countries_free(struct cdp_countries *c)
{
	if (c == NULL)
		return;
	free(c->v);
	cdp_buf_free(&c->pool);
	free(c);
}

static const struct country_key *
find(const struct cdp_countries *c, const char *key)
{
	size_t lo = 0, hi = c->n, mid;
	int r;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((r = strcmp(key, c->v[mid].key)) == 0)
			return &c->v[mid];
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/*
 * Country to alpha-2 (see norm.h), appended to out in capitals.  Numeric
 * codes may leave out leading zeros ("4" is Afghanistan, 004).  The key
 * is built in out's spare room, so nothing else is allocated.  On error
 * out is unchanged and *why is "empty country", "unknown country" or
 * "out of memory".
 */
int
cdp_norm_country(const struct cdp_countries *c, const char *s, size_t n,
    struct cdp_buf *out, const char **why)
{
	const struct country_key *k;
	size_t start = out->len, len, skip;
	char num[4], *key;

	if (cdp_norm_key(s, n, out, why) == -1)
		return -1;
	key = out->p + start;
	len = out->len - start;
	skip = skip_the(key, len);
	key += skip;
	len -= skip;
	if (len >= 1 && len <= 3 && strspn(key, "0123456789") == len) {
		memset(num, '0', 3);
		memcpy(num + 3 - len, key, len);
		num[3] = '\0';
		key = num;
	}
	k = len > 0 ? find(c, key) : NULL;
	out->len = start;
	out->p[start] = '\0';
	if (k == NULL) {
		*why = len > 0 ? "unknown country" : "empty country";
		return -1;
	}
	if (cdp_buf_add(out, k->a2, 2) == -1) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}
