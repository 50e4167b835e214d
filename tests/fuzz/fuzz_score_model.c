/*
 * fuzz_score_model.c - cdp-score model's --model file loader
 * (model_load() of cmd/cdp-score/linear.c, linked).  The input is the
 * model file.  A refused file leaves nothing behind; a loaded model (its
 * invariants asserted by the loader) scores two fixed records, as the
 * stream would, and is freed whole.
 */
#include <math.h>

#include "record.h"

#include "../../cmd/cdp-score/score.h"

#include "fuzz.h"

static const char *const lines[] = {
	"{\"id\":1,\"visits\":4,\"age\":50,\"plan\":\"pro\",\"vip\":true,"
	    "\"x\":1.10,\"note\":\"caf\\u00e9\"}",
	"{\"id\":2,\"visits\":\"2\",\"plan\":\"basic\",\"vip\":false,"
	    "\"age\":null,\"score\":99}",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stream_scorer sc;
	struct cdp_err err;

	if (model_load(&sc, fuzz_path(data, size), &err) == -1) {
		fuzz_check_refusal(&err);
		FUZZ_CHECK(err.code == 65);
		return 0;
	}
	for (size_t k = 0; k < sizeof(lines) / sizeof(lines[0]); k++) {
		static struct cdp_rec rec;
		struct cdp_recw w = { 0 };
		const char *why = NULL;
		int rc;

		FUZZ_CHECK(cdp_rec_parse(&rec, lines[k], strlen(lines[k]),
		    &err) == 0);
		cdp_recw_begin(&w);
		rc = sc.score(sc.st, &rec, &w, &why);
		/* 0: left out (missing "skip"); -1: the record's fault. */
		FUZZ_CHECK(rc == 1 || rc == 0 || (rc == -1 && why != NULL));
		if (rc == 1) {
			struct cdp_rec out = { 0 };

			FUZZ_CHECK(cdp_recw_end(&w) == 0);
			FUZZ_CHECK(cdp_rec_parse(&out, w.b.p, w.b.len - 1,
			    &err) == 0);
			cdp_rec_free(&out);
		}
		cdp_recw_free(&w);
	}
	sc.free(sc.st);
	return 0;
}
