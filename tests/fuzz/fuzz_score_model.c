/*
 * fuzz_score_model.c - cdp-score model's --model file loader
 * (model_load() of cmd/cdp-score/linear.c, compiled in with stream.c,
 * which it links against; its exits caught by catch.h).  The input is the
 * model file.  A loaded model scores two fixed records through
 * model_score(), as the stream would.
 */
#include "record.h"

#include "catch.h"

#define oom	stream_oom
#define record	stream_record
#include "../../cmd/cdp-score/stream.c"
#undef oom
#undef record
#include "../../cmd/cdp-score/linear.c"

static const char *const lines[] = {
	"{\"id\":1,\"visits\":4,\"age\":50,\"plan\":\"pro\",\"vip\":true,"
	    "\"x\":1.10,\"note\":\"caf\\u00e9\"}",
	"{\"id\":2,\"visits\":\"2\",\"plan\":\"basic\",\"vip\":false,"
	    "\"age\":null,\"score\":99}",
};

static void
release(struct model *m)
{
	free(m->t);
	json_decref(m->root);
	cdp_buf_free(&m->s);
	cdp_buf_free(&m->why);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model m = { 0 };
	const char *path = fuzz_path(data, size);

	if (setjmp(fuzz_jmp) != 0) {
		fuzz_check_refusal();
		release(&m);
		fuzz_sweep();
		return 0;
	}
	model_load(&m, path);
	FUZZ_CHECK(isfinite(m.intercept));
	for (size_t i = 0; i < m.n; i++) {
		FUZZ_CHECK(m.t[i].field != NULL && m.t[i].field[0] != '\0');
		FUZZ_CHECK(m.t[i].onehot || isfinite(m.t[i].w));
		FUZZ_CHECK(isfinite(m.t[i].mean) && m.t[i].sd > 0);
	}
	for (size_t k = 0; k < sizeof(lines) / sizeof(lines[0]); k++) {
		static struct cdp_rec rec;
		struct cdp_recw w = { 0 };
		struct cdp_err err;
		const char *why = NULL;
		int rc;

		FUZZ_CHECK(cdp_rec_parse(&rec, lines[k], strlen(lines[k]),
		    &err) == 0);
		cdp_recw_begin(&w);
		rc = model_score(&m, &rec, &w, &why);
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
	release(&m);
	FUZZ_CHECK(fuzz_live.next == &fuzz_live);
	return 0;
}
