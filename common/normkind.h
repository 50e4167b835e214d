/*
 * normkind.h - normalisers by name ("email", "phone", ...), as the
 * --normalize option of every program spells them, and one call that
 * runs any of them.
 */
#ifndef CDP_NORMKIND_H
#define CDP_NORMKIND_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "diag.h"
#include "norm.h"

/*
 * The normalisers, one row each: the enum constant's suffix, the name
 * --normalize spells, and the function that runs it (normkind.c, with
 * the signature of cdp_norm_apply()).  Adding a normaliser is a row here,
 * its function, a test and the man pages: the enum, the name lookup, the
 * list in messages and the KIND line of every --help come from the rows.
 */
#define CDP_NORM_KINDS(X)						\
	X(EMAIL,	"email",		norm_email)		\
	X(EMAIL_CANON,	"email-canonical",	norm_email_canonical)	\
	X(PHONE,	"phone",		norm_phone)		\
	X(NAME,		"name",			norm_name)		\
	X(KEY,		"key",			norm_key)		\
	X(DATE,		"date",			norm_date)		\
	X(DATETIME,	"datetime",		norm_datetime)		\
	X(COUNTRY,	"country",		norm_country)

#define CDP_NORM_ENUM_(id, name, fn)	CDP_N_##id,
enum cdp_norm_kind {
	CDP_N_NONE,		/* no normaliser: the value trimmed */
	CDP_NORM_KINDS(CDP_NORM_ENUM_)
	CDP_N_COUNT
};
#undef CDP_NORM_ENUM_

/* The KIND line of --help, after the --normalize option's own lines. */
#define CDP_NORM_WORD_(id, name, fn)	" " name
#define CDP_NORM_KINDS_USAGE						\
	"      KIND:" CDP_NORM_KINDS(CDP_NORM_WORD_) "\n"

/* What the normalisers need besides the value. */
struct cdp_norm_ctx {
	const char		*default_country;	/* --default-country */
	enum cdp_date_order	 date_order;		/* --date-format */
	struct cdp_countries	*countries;		/* loaded on demand */
};

/*
 * The kind named s ("email", "email-canonical", "phone", "name", "key",
 * "date", "datetime", "country").  Returns 0, or -1 for an unknown name.
 */
int	cdp_norm_kind_parse(const char *s, enum cdp_norm_kind *out);

/*
 * Parse one item "F[:KIND]" of option opt ("--normalize", "--hash"; used
 * in messages) in place: the last ':' of item becomes a NUL, so a field
 * name may itself hold colons.  A bare F must be a kind name ("email" is
 * field email normalised as email) unless any_bare is set: then a bare F
 * that names no kind gets CDP_N_NONE.  Returns 0 with *name pointing into
 * item (which the caller owns) and *kind set.  Returns -1 with err set
 * (EX_USAGE, the whole message, such as "--normalize: empty field name")
 * for an empty F, an unknown KIND or a bare F that names no kind; *name
 * and *kind are then unspecified.  Print it with cdp_usage_die(usage,
 * "%s", err->msg).
 */
int	cdp_norm_item_parse(char *item, const char *opt, bool any_bare,
	    char **name, enum cdp_norm_kind *kind, struct cdp_err *err);

/* The list of kind names for messages: "email, email-canonical, ...". */
const char *cdp_norm_kind_names(void);

/*
 * Load what kind needs into ctx (the country table for CDP_N_COUNTRY).
 * Returns 0, or -1 with err set.
 */
int	cdp_norm_ctx_prepare(struct cdp_norm_ctx *ctx, enum cdp_norm_kind kind,
	    struct cdp_err *err);

/* Free what cdp_norm_ctx_prepare() loaded. */
void	cdp_norm_ctx_free(struct cdp_norm_ctx *ctx);

/*
 * Append the value s[0..n) normalised by kind to out, as the cdp_norm_*
 * functions do (CDP_N_NAME gives the display value).  Returns 0, or -1
 * with *why a static reason.
 */
int	cdp_norm_apply(const struct cdp_norm_ctx *ctx, enum cdp_norm_kind kind,
	    const char *s, size_t n, struct cdp_buf *out, const char **why);

#endif
