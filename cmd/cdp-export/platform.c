/*
 * platform.c - the columns each platform's audience file has, and how a
 * value is normalised for each before it is hashed (the rules and their
 * sources are in man/cdp-export.1).
 */
#include <string.h>

#include <utf8proc.h>

#include "export.h"
#include "norm.h"

struct pcol {
	const char	*name;		/* --fields name, default input key */
	const char	*header;
	enum col_kind	 kind;
	bool		 hash;
};

/* Google Ads Customer Match: Country and Zip are sent in clear. */
static const struct pcol google[] = {
	{ "email", "Email", K_EMAIL, true },
	{ "phone", "Phone", K_PHONE, true },
	{ "first_name", "First Name", K_FIRST_NAME, true },
	{ "last_name", "Last Name", K_LAST_NAME, true },
	{ "country", "Country", K_COUNTRY, false },
	{ "zip", "Zip", K_ZIP, false },
	{ NULL, NULL, K_GENERIC, false }
};

/* Meta customer file custom audiences: every key is hashed. */
static const struct pcol meta[] = {
	{ "email", "EMAIL", K_EMAIL, true },
	{ "phone", "PHONE", K_PHONE, true },
	{ "first_name", "FN", K_FIRST_NAME, true },
	{ "last_name", "LN", K_LAST_NAME, true },
	{ "city", "CT", K_CITY, true },
	{ "state", "ST", K_STATE, true },
	{ "zip", "ZIP", K_ZIP, true },
	{ "country", "COUNTRY", K_COUNTRY, true },
	{ NULL, NULL, K_GENERIC, false }
};

static const struct pcol *
table(enum platform p)
{
	return p == P_GOOGLE ? google : p == P_META ? meta : NULL;
}

int
platform_col(enum platform p, const char *name, const char **header,
    enum col_kind *kind, bool *hash)
{
	const struct pcol *t = table(p);

	for (; t != NULL && t->name != NULL; t++)
		if (strcmp(t->name, name) == 0) {
			*header = t->header;
			*kind = t->kind;
			*hash = t->hash;
			return 0;
		}
	return -1;
}

const char *
platform_col_names(enum platform p)
{
	return p == P_GOOGLE ?
	    "email, phone, first_name, last_name, country, zip" :
	    "email, phone, first_name, last_name, city, state, zip, country";
}

bool
is_sha256_hex(const char *s, size_t n)
{
	if (n != 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return true;
}

/*
 * Lower-case s[0..n) code point by code point into out; with
 * letters_only, everything but letters (spaces, punctuation, digits) is
 * left out, as Meta asks of names, cities and states.  Returns 0, or -1
 * on invalid UTF-8, an empty result or allocation failure.
 */
static int
lower_text(const char *s, size_t n, bool letters_only, struct cdp_buf *out,
    const char **why)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_uint8_t enc[4];
	utf8proc_int32_t cp;
	utf8proc_ssize_t k;

	while (n > 0) {
		if ((k = utf8proc_iterate(p, (utf8proc_ssize_t)n, &cp)) < 0) {
			*why = "invalid UTF-8";
			return -1;
		}
		p += k;
		n -= (size_t)k;
		if (letters_only && (utf8proc_category(cp) <
		    UTF8PROC_CATEGORY_LU || utf8proc_category(cp) >
		    UTF8PROC_CATEGORY_LO))
			continue;
		k = utf8proc_encode_char(utf8proc_tolower(cp), enc);
		if (cdp_buf_add(out, enc, (size_t)k) == -1) {
			*why = "out of memory";
			return -1;
		}
	}
	if (out->len == 0) {
		*why = "no letters";
		return -1;
	}
	return 0;
}

/* Lower-case ASCII letters of out->p[from..] in place. */
static void
lower_ascii(struct cdp_buf *b, size_t from)
{
	for (size_t i = from; i < b->len; i++)
		if (b->p[i] >= 'A' && b->p[i] <= 'Z')
			b->p[i] = (char)(b->p[i] - 'A' + 'a');
}

/*
 * Meta's ZIP: lower case with no spaces; a US ZIP+4 ("12345-6789") keeps
 * its first five digits, as Meta asks for US codes.
 */
static int
meta_zip(const char *s, size_t n, struct cdp_buf *out, const char **why)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' &&
		    cdp_buf_addc(out, s[i]) == -1) {
			*why = "out of memory";
			return -1;
		}
	lower_ascii(out, 0);
	if (out->len == 10 && out->p[5] == '-' &&
	    strspn(out->p, "0123456789") == 5 &&
	    strspn(out->p + 6, "0123456789") == 4)
		out->len = 5, out->p[5] = '\0';
	if (out->len == 0) {
		*why = "empty";
		return -1;
	}
	return 0;
}

/* The platform-specific rules, for columns other than K_GENERIC. */
static int
norm_kind(const struct norm_env *env, struct col *c, const char *s,
    size_t n, const char **why)
{
	bool meta_rules = env->platform == P_META;
	struct cdp_buf *o = &c->out;

	c->type = C_TEXT;
	switch (c->kind) {
	case K_EMAIL:
		return cdp_norm_email(s, n, 0, o, why);
	case K_PHONE:
		if (cdp_norm_phone(s, n, env->ctx.default_country, o,
		    why) == -1)
			return -1;
		/* Meta wants the digits with the country code, no '+'. */
		if (meta_rules) {
			memmove(o->p, o->p + 1, o->len);
			o->len--;
		}
		c->type = C_SAFE;
		return 0;
	case K_FIRST_NAME:
	case K_LAST_NAME:
	case K_CITY:
	case K_STATE:
		return lower_text(s, n, meta_rules, o, why);
	case K_COUNTRY:
		if (cdp_norm_country(env->ctx.countries, s, n, o, why) == -1)
			return -1;
		if (meta_rules)
			lower_ascii(o, 0);
		c->type = C_SAFE;
		return 0;
	case K_ZIP:
		if (meta_rules)
			return meta_zip(s, n, o, why);
		break;
	case K_GENERIC:
		break;
	}
	if (cdp_buf_add(o, s, n) == -1) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}

int
normalise(const struct norm_env *env, struct col *c, const char *s,
    size_t n, const char **why)
{
	cdp_buf_reset(&c->out);
	cdp_trim(&s, &n);
	if (n == 0) {
		*why = "empty";
		return -1;
	}
	if (c->kind != K_GENERIC)
		return norm_kind(env, c, s, n, why);
	c->type = c->norm == CDP_N_PHONE || c->norm == CDP_N_COUNTRY ||
	    c->norm == CDP_N_DATE || c->norm == CDP_N_DATETIME ?
	    C_SAFE : C_TEXT;
	return cdp_norm_apply(&env->ctx, c->norm, s, n, &c->out, why);
}
