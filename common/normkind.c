/* normkind.c - normalisers by name, and a single entry point to them. */
#include <string.h>

#include "normkind.h"

static const struct {
	const char		*name;
	enum cdp_norm_kind	 kind;
} kinds[] = {
	{ "country", CDP_N_COUNTRY },
	{ "date", CDP_N_DATE },
	{ "datetime", CDP_N_DATETIME },
	{ "email", CDP_N_EMAIL },
	{ "email-canonical", CDP_N_EMAIL_CANON },
	{ "key", CDP_N_KEY },
	{ "name", CDP_N_NAME },
	{ "phone", CDP_N_PHONE },
};

int
cdp_norm_kind_parse(const char *s, enum cdp_norm_kind *out)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].name, s) == 0) {
			*out = kinds[i].kind;
			return 0;
		}
	return -1;
}

int
cdp_norm_item_parse(char *item, const char *opt, bool any_bare,
    char **name, enum cdp_norm_kind *kind, struct cdp_err *err)
{
	char *k = strrchr(item, ':');

	if (k != NULL)
		*k++ = '\0';
	*name = item;
	if (*item == '\0') {
		cdp_err_set(err, EX_USAGE, "%s: empty field name", opt);
		return -1;
	}
	if (k != NULL) {
		if (cdp_norm_kind_parse(k, kind) == -1) {
			cdp_err_set(err, EX_USAGE, "%s: unknown kind \"%s\"",
			    opt, k);
			return -1;
		}
		return 0;
	}
	if (cdp_norm_kind_parse(item, kind) == 0)
		return 0;
	if (any_bare) {
		*kind = CDP_N_NONE;
		return 0;
	}
	cdp_err_set(err, EX_USAGE, "%s: cannot tell the kind of \"%s\": "
	    "write %s:KIND", opt, item, item);
	return -1;
}

const char *
cdp_norm_kind_names(void)
{
	return "email, email-canonical, phone, name, key, date, datetime, "
	    "country";
}

int
cdp_norm_ctx_prepare(struct cdp_norm_ctx *ctx, enum cdp_norm_kind kind,
    struct cdp_err *err)
{
	if (kind != CDP_N_COUNTRY || ctx->countries != NULL)
		return 0;
	ctx->countries = cdp_countries_load(NULL, err);
	return ctx->countries == NULL ? -1 : 0;
}

void
cdp_norm_ctx_free(struct cdp_norm_ctx *ctx)
{
	cdp_countries_free(ctx->countries);
	ctx->countries = NULL;
}

int
cdp_norm_apply(const struct cdp_norm_ctx *ctx, enum cdp_norm_kind kind,
    const char *s, size_t n, struct cdp_buf *out, const char **why)
{
	switch (kind) {
	case CDP_N_EMAIL:
		return cdp_norm_email(s, n, 0, out, why);
	case CDP_N_EMAIL_CANON:
		return cdp_norm_email(s, n, CDP_EMAIL_CANONICAL, out, why);
	case CDP_N_PHONE:
		return cdp_norm_phone(s, n, ctx->default_country, out, why);
	case CDP_N_NAME:
		return cdp_norm_name(s, n, out, NULL, why);
	case CDP_N_KEY:
		return cdp_norm_key(s, n, out, why);
	case CDP_N_DATE:
		return cdp_norm_date(s, n, ctx->date_order, out, why);
	case CDP_N_DATETIME:
		return cdp_norm_datetime(s, n, ctx->date_order, out, why);
	case CDP_N_COUNTRY:
		return cdp_norm_country(ctx->countries, s, n, out, why);
	case CDP_N_NONE:
		break;
	}
	cdp_trim(&s, &n);
	if (cdp_buf_add(out, s, n) == -1) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}
