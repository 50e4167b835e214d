/*
 * fuzz_norm.c - every normaliser of common/norm.h.  The first input byte
 * picks the normaliser (and the date order or phone default country);
 * the rest is the value.  A success gives valid UTF-8 that normalises to
 * itself again (idempotence), a failure a static reason.
 */
#include <stdbool.h>
#include <string.h>

#include "buf.h"
#include "norm.h"
#include "record.h"

#include "fuzz.h"

static struct cdp_countries	*countries;
static struct cdp_buf		 o1, o2, k1;

static const char *const phone_cc[] = { NULL, "PL", "US", "GB", "DE",
    "FR", "RU", "IN" };
static const enum cdp_date_order orders[] = { CDP_DATE_AUTO,
    CDP_DATE_DMY, CDP_DATE_MDY, CDP_DATE_YMD };

/* Run normaliser kind on s[0..n) into out; 0 or -1 with *why. */
static int
norm(unsigned kind, unsigned arg, const char *s, size_t n,
    struct cdp_buf *out, struct cdp_buf *key, const char **why)
{
	switch (kind) {
	case 0:
		return cdp_norm_email(s, n, arg & 1 ? CDP_EMAIL_CANONICAL : 0,
		    out, why);
	case 1:
		return cdp_norm_phone(s, n, phone_cc[arg % 8], out, why);
	case 2:
		return cdp_norm_name(s, n, out, key, why);
	case 3:
		return cdp_norm_key(s, n, out, why);
	case 4:
		return cdp_norm_date(s, n, orders[arg % 4], out, why);
	case 5:
		return cdp_norm_datetime(s, n, orders[arg % 4], out, why);
	default:
		return cdp_norm_country(countries, s, n, out, why);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cdp_err err;
	const char *why, *s;
	unsigned kind, arg;
	size_t n;

	if (countries == NULL &&
	    (countries = cdp_countries_load(NULL, &err)) == NULL) {
		fprintf(stderr, "fuzz_norm: %s\n", err.msg);
		abort();
	}
	if (size < 1)
		return 0;
	kind = data[0] % 7;
	arg = data[0] / 7;
	s = (const char *)data + 1;
	n = size - 1;

	cdp_buf_reset(&o1);
	cdp_buf_reset(&k1);
	why = NULL;
	if (norm(kind, arg, s, n, &o1, &k1, &why) == -1) {
		FUZZ_CHECK(why != NULL && why[0] != '\0');
		return 0;
	}
	FUZZ_CHECK(cdp_utf8_valid(o1.p != NULL ? o1.p : "", o1.len));
	FUZZ_CHECK(cdp_utf8_valid(k1.p != NULL ? k1.p : "", k1.len));

	/* What a normaliser writes, it accepts again unchanged (the
	 * name's key and the canonical email aside: they are lossy on
	 * purpose, though still stable). */
	cdp_buf_reset(&o2);
	why = NULL;
	FUZZ_CHECK(norm(kind, arg, o1.p != NULL ? o1.p : "", o1.len, &o2,
	    NULL, &why) == 0);
	FUZZ_CHECK(o2.len == o1.len && memcmp(o1.p, o2.p, o1.len) == 0);
	return 0;
}
