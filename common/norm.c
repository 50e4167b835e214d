/*
 * norm.c - text normalisers: email, match keys and person names.  Phone,
 * date and country live in norm_phone.c, norm_date.c and norm_country.c.
 * Unicode work goes through utf8proc into a code point array on the stack,
 * so a call allocates nothing beyond its output unless the text is long.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "buf.h"
#include "norm.h"

#define UCS_STACK	256	/* code points held without malloc */

/* Decoded text: v points at stack or at heap memory when it was long. */
struct ucs {
	utf8proc_int32_t	*v;
	size_t			 n;
	utf8proc_int32_t	 stack[UCS_STACK];
};

/* Code point classes used by keys and names. */
enum uclass {
	UC_SPACE,
	UC_CONTROL,
	UC_LETTER,
	UC_MARK,
	UC_DIGIT,
	UC_OTHER
};

/*
 * Letters with no Unicode decomposition that Latin-script names still
 * write with a plain letter ("Łukasz" is keyed "lukasz").  Applied after
 * case folding, so only lower-case forms are needed.
 */
static const struct {
	utf8proc_int32_t	 cp;
	char			 to[3];
} fold_table[] = {
	{ 0x00DF, "ss" },	/* ß */
	{ 0x00E6, "ae" },	/* æ */
	{ 0x00F0, "d" },	/* ð */
	{ 0x00F8, "o" },	/* ø */
	{ 0x00FE, "th" },	/* þ */
	{ 0x0111, "d" },	/* đ */
	{ 0x0127, "h" },	/* ħ */
	{ 0x0131, "i" },	/* ı */
	{ 0x0142, "l" },	/* ł */
	{ 0x0153, "oe" },	/* œ */
	{ 0x0167, "t" },	/* ŧ */
};

/* Email providers that ignore "+tag" in the local part. */
static const char *const plus_domains[] = {
	"gmail.com", "googlemail.com",
	"outlook.com", "hotmail.com", "live.com", "msn.com",
	"icloud.com", "me.com", "mac.com",
	"fastmail.com", "fastmail.fm",
	"protonmail.com", "protonmail.ch", "proton.me", "pm.me",
};

/*
 * Decode s into u->v with utf8proc options opt (decomposition, case
 * folding), composing afterwards when opt has UTF8PROC_COMPOSE.
 */
static int
ucs_load(struct ucs *u, const char *s, size_t n, utf8proc_option_t opt,
    const char **why)
{
	utf8proc_ssize_t r, r2;

	u->v = u->stack;
	u->n = 0;
	r = utf8proc_decompose((const utf8proc_uint8_t *)s,
	    (utf8proc_ssize_t)n, u->stack, UCS_STACK, opt);
	if (r > UCS_STACK) {
		if ((u->v = malloc((size_t)r * sizeof(*u->v))) == NULL) {
			u->v = u->stack;
			*why = "out of memory";
			return -1;
		}
		r2 = utf8proc_decompose((const utf8proc_uint8_t *)s,
		    (utf8proc_ssize_t)n, u->v, r, opt);
		r = r2 == r ? r : UTF8PROC_ERROR_OVERFLOW;
	}
	if (r >= 0 && (opt & UTF8PROC_COMPOSE))
		r = utf8proc_normalize_utf32(u->v, r,
		    opt & (UTF8PROC_COMPOSE | UTF8PROC_STABLE));
	if (r < 0) {
		*why = r == UTF8PROC_ERROR_NOMEM ? "out of memory" :
		    "invalid UTF-8";
		return -1;
	}
	u->n = (size_t)r;
	return 0;
}

static void
ucs_free(struct ucs *u)
{
	if (u->v != u->stack)
		free(u->v);
	u->v = u->stack;
	u->n = 0;
}

static bool
is_space_cp(utf8proc_int32_t c)
{
	if (c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85)
		return true;
	if (c < 0x80)
		return false;
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_ZS:
	case UTF8PROC_CATEGORY_ZL:
	case UTF8PROC_CATEGORY_ZP:
		return true;
	default:
		return false;
	}
}

static enum uclass
classify(utf8proc_int32_t c)
{
	if (c < 0x80) {
		if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
			return UC_LETTER;
		if (c >= '0' && c <= '9')
			return UC_DIGIT;
		if (c == ' ' || (c >= 0x09 && c <= 0x0D))
			return UC_SPACE;
		return c < 0x20 || c == 0x7F ? UC_CONTROL : UC_OTHER;
	}
	if (is_space_cp(c))
		return UC_SPACE;
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
		return UC_LETTER;
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ME:
		return UC_MARK;
	case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL:
	case UTF8PROC_CATEGORY_NO:
		return UC_DIGIT;
	case UTF8PROC_CATEGORY_CC:
		return UC_CONTROL;
	default:
		return UC_OTHER;
	}
}

/*
 * Accents are dropped from Latin, Greek, Cyrillic, Armenian, Hebrew and
 * Arabic letters, where they are optional in everyday writing.  In Indic,
 * Thai, kana and other scripts a combining mark is part of the spelling
 * (Hindi vowel signs, Japanese dakuten) and stays in the key.
 */
static bool
mark_is_accent(utf8proc_int32_t base)
{
	return base < 0x0780 ||
	    (base >= 0x1E00 && base <= 0x1FFF) ||
	    (base >= 0x2C60 && base <= 0x2C7F) ||
	    (base >= 0xA720 && base <= 0xA7FF) ||
	    (base >= 0xAB30 && base <= 0xAB6F);
}

static const char *
fold_lookup(utf8proc_int32_t c)
{
	size_t i;

	if (c < 0xDF || c > 0x167)
		return NULL;
	for (i = 0; i < sizeof(fold_table) / sizeof(fold_table[0]); i++)
		if (fold_table[i].cp == c)
			return fold_table[i].to;
	return NULL;
}

static int
key_ascii(const char *s, size_t n, struct cdp_buf *out)
{
	bool gap = false;
	size_t i, start;
	char *w;
	int c;

	if (cdp_buf_reserve(out, n) == -1)
		return -1;
	start = out->len;
	w = out->p + out->len;
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
			gap = true;
			continue;
		}
		if (gap && w > out->p + start)
			*w++ = ' ';
		gap = false;
		*w++ = (char)c;
	}
	*w = '\0';
	out->len = (size_t)(w - out->p);
	return 0;
}

/*
 * Turn NFKD case-folded code points into key code points in place:
 * accents dropped (see mark_is_accent()), anything but letters, digits
 * and kept marks made a space.  Returns the new length.
 */
static size_t
key_filter(utf8proc_int32_t *v, size_t n)
{
	utf8proc_int32_t base = 0;
	size_t i, k;

	for (i = k = 0; i < n; i++) {
		switch (classify(v[i])) {
		case UC_LETTER:
		case UC_DIGIT:
			base = v[i];
			v[k++] = v[i];
			break;
		case UC_MARK:
			if (base != 0 && !mark_is_accent(base))
				v[k++] = v[i];
			break;
		default:
			base = 0;
			v[k++] = ' ';
			break;
		}
	}
	return k;
}

static int
key_unicode(const char *s, size_t n, struct cdp_buf *out, const char **why)
{
	struct ucs u;
	utf8proc_ssize_t r;
	bool gap = false;
	size_t i, k, start;
	const char *f;
	char *w;

	if (ucs_load(&u, s, n, UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE |
	    UTF8PROC_CASEFOLD | UTF8PROC_IGNORE | UTF8PROC_STABLE, why) == -1)
		return -1;
	k = key_filter(u.v, u.n);
	r = utf8proc_normalize_utf32(u.v, (utf8proc_ssize_t)k,
	    UTF8PROC_COMPOSE | UTF8PROC_STABLE);
	/* Each code point takes at most 4 bytes, or 2 from fold_table. */
	if (r < 0 || cdp_buf_reserve(out, (size_t)r * 4) == -1) {
		ucs_free(&u);
		*why = r < 0 ? "invalid UTF-8" : "out of memory";
		return -1;
	}
	start = out->len;
	w = out->p + out->len;
	for (i = 0; i < (size_t)r; i++) {
		if (u.v[i] == ' ') {
			gap = true;
			continue;
		}
		if (gap && w > out->p + start)
			*w++ = ' ';
		gap = false;
		if ((f = fold_lookup(u.v[i])) != NULL) {
			while (*f != '\0')
				*w++ = *f++;
		} else
			w += utf8proc_encode_char(u.v[i],
			    (utf8proc_uint8_t *)w);
	}
	*w = '\0';
	out->len = (size_t)(w - out->p);
	ucs_free(&u);
	return 0;
}

static bool
is_ascii(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

/*
 * Match key of s (see norm.h): NFKC, case fold, accents stripped, fold
 * table, non-alphanumerics to single spaces, trimmed.  Appends to out; an
 * all-punctuation s appends nothing and still succeeds.  On error out is
 * left as it was.
 */
int
cdp_norm_key(const char *s, size_t n, struct cdp_buf *out, const char **why)
{
	size_t start = out->len;

	if (is_ascii(s, n)) {
		if (key_ascii(s, n, out) == 0)
			return 0;
		*why = "out of memory";
	} else if (key_unicode(s, n, out, why) == 0)
		return 0;
	out->len = start;
	if (out->cap > 0)
		out->p[start] = '\0';
	return -1;
}

void
cdp_trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || (**s >= '\t' && **s <= '\r'))) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && ((*s)[*n - 1] == ' ' ||
	    ((*s)[*n - 1] >= '\t' && (*s)[*n - 1] <= '\r')))
		(*n)--;
}

static int
email_lower(const char *s, size_t n, struct cdp_buf *out, const char **why)
{
	struct ucs u;
	size_t i, lo, hi;
	char *w;

	if (is_ascii(s, n)) {
		if (cdp_buf_reserve(out, n) == -1)
			goto oom;
		w = out->p + out->len;
		for (i = 0; i < n; i++)
			w[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ?
			    s[i] + ('a' - 'A') : s[i]);
		out->len += n;
		out->p[out->len] = '\0';
		return 0;
	}
	if (ucs_load(&u, s, n, UTF8PROC_COMPOSE | UTF8PROC_STABLE, why) == -1)
		return -1;
	/* Pasted addresses bring no-break spaces and invisible marks. */
	for (lo = 0; lo < u.n && is_space_cp(u.v[lo]); lo++)
		;
	for (hi = u.n; hi > lo && is_space_cp(u.v[hi - 1]); hi--)
		;
	for (i = lo; i < hi; i++)
		if (classify(u.v[i]) == UC_SPACE ||
		    classify(u.v[i]) == UC_CONTROL ||
		    utf8proc_category(u.v[i]) == UTF8PROC_CATEGORY_CF) {
			ucs_free(&u);
			*why = "not an email address";
			return -1;
		}
	if (cdp_buf_reserve(out, (hi - lo) * 4) == -1) {
		ucs_free(&u);
		goto oom;
	}
	w = out->p + out->len;
	for (i = lo; i < hi; i++)
		w += utf8proc_encode_char(utf8proc_tolower(u.v[i]),
		    (utf8proc_uint8_t *)w);
	*w = '\0';
	out->len = (size_t)(w - out->p);
	ucs_free(&u);
	return 0;
oom:
	*why = "out of memory";
	return -1;
}

/* Characters RFC 5322 allows in a local part only inside quotes. */
static bool
email_local_ok(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n > 64)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] <= ' ' || p[i] == 0x7F ||
		    strchr("()<>[]\\,;:\"@", p[i]) != NULL)
			return false;
	return true;
}

/* Dot-separated labels of letters, digits, hyphens or non-ASCII bytes. */
static bool
email_domain_ok(const char *p, size_t n)
{
	size_t i, label = 0, labels = 1;
	unsigned char c;

	if (n == 0 || n > 253)
		return false;
	for (i = 0; i < n; i++) {
		c = (unsigned char)p[i];
		if (c == '.') {
			if (label == 0 || p[i - 1] == '-')
				return false;
			label = 0;
			labels++;
		} else if (c == '-') {
			if (label++ == 0)
				return false;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c >= 0x80)
			label++;
		else
			return false;
	}
	return labels > 1 && label > 0 && p[n - 1] != '-';
}

static bool
in_list(const char *p, size_t n, const char *const *list, size_t nlist)
{
	size_t i;

	for (i = 0; i < nlist; i++)
		if (strlen(list[i]) == n && memcmp(p, list[i], n) == 0)
			return true;
	return false;
}

/*
 * Rewrite the lower-cased address at b->p + start (local part of length
 * nlocal) in the provider's canonical form.  Only ever shortens it.
 */
static void
email_canonical(struct cdp_buf *b, size_t start, size_t nlocal)
{
	char *p = b->p + start, *dom = p + nlocal + 1;
	size_t ndom = b->len - start - nlocal - 1, i, k;
	bool gmail;

	if (!in_list(dom, ndom, plus_domains,
	    sizeof(plus_domains) / sizeof(plus_domains[0])))
		return;
	gmail = (ndom == 9 && memcmp(dom, "gmail.com", 9) == 0) ||
	    (ndom == 14 && memcmp(dom, "googlemail.com", 14) == 0);
	for (i = k = 0; i < nlocal && p[i] != '+'; i++)
		if (!gmail || p[i] != '.')
			p[k++] = p[i];
	if (k == 0)
		return;	/* "+tag@..." alone: leave it as written */
	if (gmail) {
		memcpy(p + k, "@gmail.com", 10);
		b->len = start + k + 10;
	} else {
		memmove(p + k, p + nlocal, ndom + 1);
		b->len = start + k + 1 + ndom;
	}
	b->p[b->len] = '\0';
}

/*
 * Email (see norm.h): appends the trimmed, lower-cased address to out,
 * in canonical provider form with CDP_EMAIL_CANONICAL.  On error out is
 * left as it was and *why is "empty email", "invalid UTF-8", "not an
 * email address" or "out of memory".
 */
int
cdp_norm_email(const char *s, size_t n, unsigned flags, struct cdp_buf *out,
    const char **why)
{
	size_t start = out->len, len;
	const char *p, *at;

	cdp_trim(&s, &n);
	if (n == 0) {
		*why = "empty email";
		return -1;
	}
	if (email_lower(s, n, out, why) == -1)
		goto fail;
	p = out->p + start;
	len = out->len - start;
	if ((at = memchr(p, '@', len)) == NULL ||
	    !email_local_ok(p, (size_t)(at - p)) ||
	    !email_domain_ok(at + 1, len - (size_t)(at - p) - 1) ||
	    len > 254) {
		*why = "not an email address";
		goto fail;
	}
	if (flags & CDP_EMAIL_CANONICAL)
		email_canonical(out, start, (size_t)(at - p));
	return 0;
fail:
	out->len = start;
	if (out->cap > 0)
		out->p[start] = '\0';
	return -1;
}

/*
 * Letters are upper-case when they have a lower-case form and lower-case
 * when they have an upper-case form.  Letters of scripts without case are
 * neither, and so is "ß": text in capitals keeps it ("GROß"), and its
 * capital "ẞ" is rare.
 */
static bool
is_upper(utf8proc_int32_t c)
{
	if (c < 0x80)
		return c >= 'A' && c <= 'Z';
	return utf8proc_tolower(c) != c;
}

static bool
is_lower(utf8proc_int32_t c)
{
	if (c < 0x80)
		return c >= 'a' && c <= 'z';
	return c != 0xDF && utf8proc_toupper(c) != c &&
	    utf8proc_tolower(c) == c;
}

/* One run of letters, marks and digits inside a name. */
struct seg {
	size_t	start, end;
	bool	upper, lower;
};

static size_t
seg_next(const utf8proc_int32_t *v, size_t n, size_t i, struct seg *sg)
{
	enum uclass k;

	sg->start = i;
	sg->upper = sg->lower = false;
	for (; i < n; i++) {
		k = classify(v[i]);
		if (k != UC_LETTER && k != UC_MARK && k != UC_DIGIT)
			break;
		sg->upper |= is_upper(v[i]);
		sg->lower |= is_lower(v[i]);
	}
	sg->end = i;
	return i;
}

/* "II", "III", "IV" after the first word are regnal numbers, not words. */
static bool
seg_roman(const utf8proc_int32_t *v, const struct seg *sg)
{
	char t[4];
	size_t i, n = sg->end - sg->start;

	if (n < 2 || n > 3)
		return false;
	for (i = 0; i < n; i++) {
		if (v[sg->start + i] >= 0x80)
			return false;
		t[i] = (char)utf8proc_toupper(v[sg->start + i]);
	}
	t[n] = '\0';
	return strcmp(t, "II") == 0 || strcmp(t, "III") == 0 ||
	    strcmp(t, "IV") == 0;
}

/* Title case one segment in place: "MÜLLER" -> "Müller". */
static void
seg_title(utf8proc_int32_t *v, const struct seg *sg)
{
	size_t i;

	for (i = sg->start; i < sg->end; i++) {
		if (i == sg->start) {
			v[i] = v[i] == 0xDF ? v[i] : utf8proc_totitle(v[i]);
		} else if (v[i] == 0x03A3 && (i + 1 == sg->end ||
		    classify(v[i + 1]) != UC_LETTER)) {
			v[i] = 0x03C2;	/* Greek final sigma */
		} else
			v[i] = utf8proc_tolower(v[i]);
	}
}

/*
 * Scan the name: controls are an error, and it must hold a letter.
 * *mixed tells whether some segment mixes cases ("McDonald").
 */
static int
name_scan(const utf8proc_int32_t *v, size_t n, bool *mixed,
    const char **why)
{
	bool letter = false, text = false;
	struct seg sg;
	size_t i;

	*mixed = false;
	for (i = 0; i < n; ) {
		switch (classify(v[i])) {
		case UC_CONTROL:
			*why = "control character in name";
			return -1;
		case UC_LETTER:
		case UC_MARK:
		case UC_DIGIT:
			i = seg_next(v, n, i, &sg);
			*mixed |= sg.upper && sg.lower;
			for (; sg.start < sg.end; sg.start++)
				letter |= classify(v[sg.start]) == UC_LETTER;
			text = true;
			continue;
		case UC_SPACE:
			break;
		default:
			text = true;
			break;
		}
		i++;
	}
	if (!letter)
		*why = text ? "name has no letters" : "empty name";
	return letter ? 0 : -1;
}

/*
 * Case the segments of the name in place.  Words all in capitals become
 * title case; words all in lower case too, unless another word of the
 * name mixes cases: "Ludwig van Beethoven" was written with care and is
 * kept as it is.
 */
static void
name_case(utf8proc_int32_t *v, size_t n, bool mixed)
{
	bool first_word = true, seen = false;
	struct seg sg;
	size_t i, k;

	for (i = 0; i < n; ) {
		k = classify(v[i]);
		if (k == UC_SPACE) {
			first_word = first_word && !seen;
			i++;
			continue;
		}
		seen = true;
		if (k != UC_LETTER && k != UC_MARK && k != UC_DIGIT) {
			i++;
			continue;
		}
		i = seg_next(v, n, i, &sg);
		if (sg.upper == sg.lower || (sg.lower && mixed))
			continue;
		if (!first_word && seg_roman(v, &sg)) {
			for (k = sg.start; k < sg.end; k++)
				v[k] = utf8proc_toupper(v[k]);
		} else
			seg_title(v, &sg);
	}
}

static int
name_write(const utf8proc_int32_t *v, size_t n, struct cdp_buf *out)
{
	bool gap = false;
	size_t i, start;
	char *w;

	if (cdp_buf_reserve(out, n * 4) == -1)
		return -1;
	start = out->len;
	w = out->p + out->len;
	for (i = 0; i < n; i++) {
		if (is_space_cp(v[i])) {
			gap = true;
			continue;
		}
		if (gap && w > out->p + start)
			*w++ = ' ';
		gap = false;
		w += utf8proc_encode_char(v[i], (utf8proc_uint8_t *)w);
	}
	*w = '\0';
	out->len = (size_t)(w - out->p);
	return 0;
}

/*
 * Person name (see norm.h): appends the display form to display and the
 * match key (cdp_norm_key() of the name) to key; either may be NULL.  On
 * error both are left as they were and *why is "empty name", "name has
 * no letters", "control character in name", "invalid UTF-8" or "out of
 * memory".
 */
int
cdp_norm_name(const char *s, size_t n, struct cdp_buf *display,
    struct cdp_buf *key, const char **why)
{
	struct ucs u;
	utf8proc_ssize_t r;
	size_t dstart = display ? display->len : 0;
	bool mixed;

	if (ucs_load(&u, s, n, UTF8PROC_COMPOSE | UTF8PROC_STABLE, why) == -1)
		return -1;
	if (name_scan(u.v, u.n, &mixed, why) == -1)
		goto fail;
	if (display != NULL) {
		name_case(u.v, u.n, mixed);
		/* Lower case can compose where capitals could not: t + ̈ = ẗ. */
		r = utf8proc_normalize_utf32(u.v, (utf8proc_ssize_t)u.n,
		    UTF8PROC_COMPOSE | UTF8PROC_STABLE);
		if (r >= 0)
			u.n = (size_t)r;
		if (r < 0 || name_write(u.v, u.n, display) == -1) {
			*why = "out of memory";
			goto fail;
		}
	}
	if (key != NULL && cdp_norm_key(s, n, key, why) == -1) {
		if (display != NULL) {
			display->len = dstart;
			display->p[dstart] = '\0';
		}
		goto fail;
	}
	ucs_free(&u);
	return 0;
fail:
	ucs_free(&u);
	return -1;
}
