/*
 * fuzz_journey.c - cdp-journey's --journey file loader (j_load() of
 * cmd/cdp-journey/jfile.c with jtime.c, compiled in; its exits caught by
 * catch.h, its allocations tracked so that a refused file leaks nothing
 * and j_free() must free a loaded one whole).  The first input byte says
 * whether --score nba is given (bit 0); the rest is the journey.  Every
 * condition of a loaded journey is then tested on a fixed event.
 */
#include "expr.h"

#include "catch.h"

#define malloc	fuzz_malloc
#define calloc	fuzz_calloc
#define strdup	fuzz_strdup
#define free	fuzz_free
#include "../../cmd/cdp-journey/jfile.c"
#undef malloc
#undef calloc
#undef strdup
#undef free
#include "../../cmd/cdp-journey/jtime.c"

static const char	 line[] = "{\"profile_id\":\"p1\",\"ts\":"
    "\"2026-03-01T10:00:00Z\",\"event\":\"cart\",\"revenue\":12.5,"
    "\"nba\":{\"welcome\":1,\"cart_email\":0.5},\"consent\":{\"email\":true}}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct journey j = { 0 };
	struct cdp_err err;
	struct cdp_rec *rec;
	const char *path, *why;

	if (size == 0)
		return 0;
	path = fuzz_path(data + 1, size - 1);
	if (setjmp(fuzz_jmp) != 0) {
		fuzz_check_refusal();
		FUZZ_CHECK(fuzz_code == 65);
		/* The conditions (common/expr) and the actions array
		 * (cdp_grow) are not tracked; the rest is swept. */
		for (int i = 0; i < j.nex; i++)
			cdp_expr_free(j.ex[i]);
		free(j.act);
		fuzz_sweep();
		return 0;
	}
	if (j_load(&j, path, data[0] & 1 ? "nba" : NULL, 1772359200.0,
	    &err) == -1) {
		/* A refused file is a data error, and all of it is freed. */
		FUZZ_CHECK(err.code == 65);
		j_free(&j);
		fuzz_sweep();
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
	FUZZ_CHECK(fuzz_live.next == &fuzz_live);
	return 0;
}
