/*
 * fuzz_score_points.c - cdp-score points' --rules file loader
 * (points_load() of cmd/cdp-score/points.c, linked).  The first input
 * byte picks --as-of (bit 0); the rest is the rules file.  A refused file
 * leaves nothing behind; loaded rules (their invariants asserted by the
 * loader) score a fixed record, as the stream would, and are freed whole.
 */
#include <math.h>

#include "record.h"

#include "../../cmd/cdp-score/score.h"

#include "fuzz.h"

static const char	 line[] = "{\"id\":1,\"page\":\"pricing\","
    "\"event\":\"open\",\"employees\":900,\"email\":\"a@rival.com\","
    "\"ts\":\"2025-03-01T10:00:00Z\",\"points\":3}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct score_opts opt = { 0 };
	struct stream_scorer sc;
	struct cdp_recw w = { 0 };
	struct cdp_err err;
	const char *why = NULL;
	int rc;

	if (size == 0)
		return 0;
	opt.has_as_of = data[0] & 1;
	opt.as_of = 20240;			/* 2025-06-01 */
	if (points_load(&sc, &opt, fuzz_path(data + 1, size - 1),
	    &err) == -1) {
		fuzz_check_refusal(&err);
		return 0;
	}
	cdp_recw_begin(&w);
	rc = sc.score(sc.st, fuzz_record(line), &w, &why);
	FUZZ_CHECK(rc == 1 || (rc == -1 && why != NULL));
	if (rc == 1) {
		struct cdp_rec out = { 0 };

		FUZZ_CHECK(cdp_recw_end(&w) == 0);
		/* What it adds is a valid record. */
		FUZZ_CHECK(cdp_rec_parse(&out, w.b.p, w.b.len - 1, &err) == 0);
		cdp_rec_free(&out);
	}
	cdp_recw_free(&w);
	sc.free(sc.st);
	return 0;
}
