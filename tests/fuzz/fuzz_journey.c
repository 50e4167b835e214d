/*
 * fuzz_journey.c - cdp-journey's --journey file loader (j_load() of
 * cmd/cdp-journey/jfile.c, linked).  The first input byte says whether
 * --score nba is given (bit 0); the rest is the journey.  A refused file
 * is bad data (65) and leaves nothing behind; every condition of a loaded
 * journey is tested on a fixed event, and j_free() must free it whole.
 */
#include <math.h>

#include "expr.h"

#include "../../cmd/cdp-journey/journey.h"

#include "fuzz.h"

/* Names become keys of decisions and state: plain. */
static int
name_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_-.") == strlen(s);
}

static const char	 line[] = "{\"profile_id\":\"p1\",\"ts\":"
    "\"2026-03-01T10:00:00Z\",\"event\":\"cart\",\"revenue\":12.5,"
    "\"nba\":{\"welcome\":1,\"cart_email\":0.5},\"consent\":{\"email\":true}}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct journey j = { 0 };
	struct cdp_rec *rec;
	struct cdp_err err;
	const char *why;

	if (size == 0)
		return 0;
	if (j_load(&j, fuzz_path(data + 1, size - 1), data[0] & 1 ? "nba" :
	    NULL, 1772359200.0, &err) == -1) {
		fuzz_check_refusal(&err);
		FUZZ_CHECK(err.code == 65);
		FUZZ_CHECK(j.nst == 0 && j.nact == 0 && j.nex == 0);
		return 0;
	}
	FUZZ_CHECK(j.nst >= 1 && j.nex <= J_MAXEXPR);
	for (int i = 0; i < j.nst; i++) {
		FUZZ_CHECK(name_ok(j.st[i].name));
		FUZZ_CHECK(j_stage_of(&j, j.st[i].name) == i);
		FUZZ_CHECK(j.st[i].entry >= -1 && j.st[i].entry < j.nex);
		FUZZ_CHECK(j.st[i].exit >= -1 && j.st[i].exit < j.nex);
	}
	for (int i = 0; i < j.nact; i++) {
		const struct j_action *a = &j.act[i];

		FUZZ_CHECK(name_ok(a->name) && j_action_of(&j, a->name) == i);
		FUZZ_CHECK(a->tmpl != NULL);
		FUZZ_CHECK(a->channel >= 0 && a->channel < J_NCHAN);
		FUZZ_CHECK(a->stage >= 0 && a->stage < j.nst);
		FUZZ_CHECK(a->when >= -1 && a->when < j.nex);
		FUZZ_CHECK(a->unless >= -1 && a->unless < j.nex);
		FUZZ_CHECK((a->score == -1) == !(data[0] & 1));
		FUZZ_CHECK(a->wait >= 0 && a->within >= 0 &&
		    isfinite(a->wait) && isfinite(a->within));
	}
	rec = fuzz_record(line);
	for (int i = 0; i < j.nex; i++) {
		int rc = cdp_expr_test(j.ex[i], rec, &why);

		FUZZ_CHECK(rc == 0 || rc == 1 || (rc == -1 && why != NULL));
	}
	j_free(&j);
	return 0;
}
