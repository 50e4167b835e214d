/*
 * fuzz_merge_settings.c - cdp-merge --probabilistic's --settings file
 * (prob_load_settings() and prob_check() of cmd/cdp-merge/probspec.c,
 * linked).  The first input byte says whether the command line also gave
 * --block zip (bit 0) and --threshold 0.5 (bit 1), which win over the
 * file; the rest is the settings file.  A refused file leaves nothing
 * behind once the spec is freed; a loaded file must be freed whole by
 * prob_spec_free().
 */
#include <string.h>

#include "../../cmd/cdp-merge/prob.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prob_spec s = { .prior = -1, .threshold = 0.9 };
	struct cdp_err err;

	if (size == 0)
		return 0;
	if (data[0] & 1)
		FUZZ_CHECK(prob_add_rule(&s, &s.block, "--block", "zip",
		    &err) == 0);
	if (data[0] & 2) {
		s.threshold = 0.5;
		s.threshold_set = true;
	}
	if (prob_load_settings(&s, fuzz_path(data + 1, size - 1),
	    &err) == -1 || prob_check(&s, &err) == -1) {
		/* bad JSON 65, a bad setting 64: cdp-merge exits 64 */
		fuzz_check_refusal(&err);
		prob_spec_free(&s);
		return 0;
	}
	FUZZ_CHECK(s.block.n >= 1 && s.block.n <= PROB_MAX_RULES);
	FUZZ_CHECK(s.train.n == s.block.n);
	FUZZ_CHECK(s.ncmps >= 1 && s.ncmps <= PROB_MAX_CMP);
	FUZZ_CHECK(s.nfields >= 1 && s.nfields <= PROB_MAX_FIELDS);
	FUZZ_CHECK(s.threshold >= 0 && s.threshold <= 1);
	FUZZ_CHECK(!(data[0] & 2) || s.threshold == 0.5);
	FUZZ_CHECK(s.prior == -1 || (s.prior > 0 && s.prior < 1));
	for (int i = 0; i < s.block.n; i++) {
		FUZZ_CHECK(s.block.r[i].nkeys >= 1 &&
		    s.block.r[i].nkeys <= CDP_BLOCK_MAX_KEYS);
		for (int k = 0; k < s.block.r[i].nkeys; k++)
			FUZZ_CHECK(s.block.r[i].keys[k].col >= 0 &&
			    s.block.r[i].keys[k].col < s.nfields);
	}
	/* --block zip on the command line replaces the file's blocks. */
	if (data[0] & 1)
		FUZZ_CHECK(s.block.n == 1 &&
		    strcmp(s.fields[s.block.r[0].keys[0].col], "zip") == 0);
	for (int i = 0; i < s.ncmps; i++) {
		const struct cmp *c = &s.cmps[i];

		for (int k = 0; k < c->cmp.ncols; k++)
			FUZZ_CHECK(c->col[k] >= 0 && c->col[k] < s.nfields);
		FUZZ_CHECK(c->cmp.nlev >= 2 && c->cmp.nlev <= PROB_MAX_LEVELS);
		FUZZ_CHECK(c->method != NULL && c->name != NULL);
		/* Parameters come whole or not at all. */
		FUZZ_CHECK(c->have_mu == (s.prior > 0));
		for (int l = 1; c->have_mu && l <= c->cmp.nlev; l++)
			FUZZ_CHECK(c->m[l] > 0 && c->m[l] <= 1 &&
			    c->u[l] > 0 && c->u[l] <= 1);
	}
	prob_spec_free(&s);
	return 0;
}
