/* normkind.c - normalisers by name, and a single entry point to them. */
#include <string.h>

#include "normkind.h"

static int
norm_email(const struct cdp_norm_ctx *ctx, const char *s, size_t n,
    struct cdp_buf *out, const char **why)
{
	(void)ctx;
	return cdp_norm_email(s, n, 0, out, why);
}

static int
norm_email_canonical(const struct cdp_norm_ctx *ctx, const char *s,
    size_t n, struct cdp_buf *out, const char **why)
{
	(void)ctx;
	return cdp_norm_email(s, n, CDP_EMAIL_CANONICAL, out, why);
}

static int
norm_phone(const struct cdp_norm_ctx *ctx, const char *s, size_t n,
    struct cdp_buf *out, const char **why)
{
	return cdp_norm_phone(s, n, ctx->default_country, out, why);
}

static int
norm_name(const struct cdp_norm_ctx *ctx, const char *s, size_t n,
    struct cdp_buf *out, const char **why)
{
	(void)ctx;
	return cdp_norm_name(s, n, out, NULL, why);
}

static int
norm_key(const struct cdp_norm_ctx *ctx, const char *s, size_t n,
    struct cdp_buf *out, const char **why)
{
	(void)ctx;
	return cdp_norm_key(s, n, out, why);
}

static int
norm_date(const struct cdp_norm_ctx *ctx, const char *s, size_t n,
    struct cdp_buf *out, const char **why)
{
	return cdp_norm_date(s, n, ctx->date_order, out, why);
}

static int
norm_datetime(const struct cdp_norm_ctx *ctx, const char *s, size_t n,
    struct cdp_buf *out, const char **why)
{
	return cdp_norm_datetime(s, n, ctx->date_order, out, why);
}

static int
norm_country(const struct cdp_norm_ctx *ctx, const char *s, size_t n,
    struct cdp_buf *out, const char **why)
{
	return cdp_norm_country(ctx->countries, s, n, out, why);
}

#define ROW_(id, name, fn)	[CDP_N_##id] = { name, fn },
static const struct {
	const char	*name;
	int		(*fn)(const struct cdp_norm_ctx *, const char *,
			    size_t, struct cdp_buf *, const char **);
} kinds[CDP_N_COUNT] = {
	CDP_NORM_KINDS(ROW_)
};
#undef ROW_

int
cdp_norm_kind_parse(const char *s, enum cdp_norm_kind *out)
{
	for (int i = CDP_N_NONE + 1; i < CDP_N_COUNT; i++)
		if (strcmp(kinds[i].name, s) == 0) {
			*out = (enum cdp_norm_kind)i;
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
#define NAME_(id, name, fn)	", " name
	static const char list[] = CDP_NORM_KINDS(NAME_);
#undef NAME_

	return &list[2];	/* past the first ", " */
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
	if (kind > CDP_N_NONE && kind < CDP_N_COUNT)
		return kinds[kind].fn(ctx, s, n, out, why);
	cdp_trim(&s, &n);
	if (cdp_buf_add(out, s, n) == -1) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}
