/*
 * fuzz_expr.c - the expression language: the input up to its first NUL
 * byte is compiled (with --as-of set when the first byte is odd), the
 * rest parsed as a record and, when it is one, the expression evaluated
 * and tested against it.
 */
#include <string.h>

#include "expr.h"
#include "record.h"

#include "fuzz.h"

static struct cdp_rec	 rec;
static const char	 empty[] = "{}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sep = memchr(data, '\0', size);
	struct cdp_expr_opts opts = { .has_as_of = size > 0 && data[0] & 1,
	    .as_of = 20000 };
	struct cdp_expr_err eerr;
	struct cdp_err err;
	struct cdp_expr *e;
	struct cdp_val v;
	const char *why, *rp;
	size_t elen, rlen;
	int rc, t;

	elen = sep != NULL ? (size_t)(sep - data) : size;
	memset(&eerr, 0, sizeof(eerr));
	if ((e = cdp_expr_compile((const char *)data, elen, &opts,
	    &eerr)) == NULL) {
		FUZZ_CHECK(eerr.msg[0] != '\0');
		FUZZ_CHECK(memchr(eerr.msg, '\0', sizeof(eerr.msg)) != NULL);
		FUZZ_CHECK(eerr.line >= 1 && eerr.col >= 1);
		return 0;
	}
	if (sep != NULL) {
		rp = (const char *)sep + 1;
		rlen = size - elen - 1;
	} else {
		rp = empty;
		rlen = sizeof(empty) - 1;
	}
	if (cdp_rec_parse(&rec, rp, rlen, &err) == 0) {
		why = NULL;
		rc = cdp_expr_eval(e, &rec, &v, &why);
		FUZZ_CHECK(rc == 0 || (rc == -1 && why != NULL));
		if (rc == 0 && v.type == CDP_V_STR)
			FUZZ_CHECK(v.n == 0 || v.s != NULL);
		/* A test is the evaluation read as a condition. */
		t = cdp_expr_test(e, &rec, &why);
		if (rc == -1)
			FUZZ_CHECK(t == -1);
		else
			FUZZ_CHECK(t == (v.type == CDP_V_BOOL && v.b));
	}
	cdp_expr_free(e);
	return 0;
}
