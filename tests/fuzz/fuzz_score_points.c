/*
 * fuzz_score_points.c - cdp-score points' --rules file loader
 * (rules_load() of cmd/cdp-score/points.c, compiled in with the parts it
 * links against: stream.c, custtab.c; its exits caught by catch.h).  The first input byte
 * picks --as-of (bit 0); the rest is the rules file.  Loaded rules score
 * a fixed record through points_score(), as the stream would.
 */
#include "expr.h"
#include "record.h"

#include "catch.h"

/* Their file-local helpers share names: each gets its own. */
#define oom	stream_oom
#define record	stream_record
#include "../../cmd/cdp-score/stream.c"
#undef oom
#undef record
#define oom	custtab_oom
#include "../../cmd/cdp-score/custtab.c"
#undef oom
#include "../../cmd/cdp-score/points.c"

static const char	 line[] = "{\"id\":1,\"page\":\"pricing\","
    "\"event\":\"open\",\"employees\":900,\"email\":\"a@rival.com\","
    "\"ts\":\"2025-03-01T10:00:00Z\",\"points\":3}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct score_opts opt = { 0 };
	struct rules R = { 0 };
	struct cdp_recw w = { 0 };
	const char *path, *why = NULL;
	int rc;

	if (size == 0)
		return 0;
	opt.has_as_of = data[0] & 1;
	opt.as_of = 20240;			/* 2025-06-01 */
	R.opt = &opt;
	path = fuzz_path(data + 1, size - 1);
	if (setjmp(fuzz_jmp) != 0) {
		fuzz_check_refusal();
		/* A rule whose "when" did not compile has its name already. */
		if (R.r != NULL)
			free(R.r[R.n].name);
		rules_free(&R);
		fuzz_sweep();
		return 0;
	}
	rules_load(&R, path);
	FUZZ_CHECK(fuzz_live.next == &fuzz_live);
	for (size_t i = 0; i < R.n; i++) {
		FUZZ_CHECK(R.r[i].name[0] != '\0' && R.r[i].when != NULL);
		FUZZ_CHECK(isfinite(R.r[i].points));
	}
	FUZZ_CHECK(R.decay_field == NULL || opt.has_as_of);
	cdp_recw_begin(&w);
	rc = points_score(&R, fuzz_record(line), &w, &why);
	FUZZ_CHECK(rc == 1 || (rc == -1 && why != NULL));
	if (rc == 1) {
		struct cdp_rec out = { 0 };
		struct cdp_err err;

		FUZZ_CHECK(cdp_recw_end(&w) == 0);
		/* What it adds is a valid record. */
		FUZZ_CHECK(cdp_rec_parse(&out, w.b.p, w.b.len - 1, &err) == 0);
		cdp_rec_free(&out);
	}
	cdp_recw_free(&w);
	rules_free(&R);
	return 0;
}
