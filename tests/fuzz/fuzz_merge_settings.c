/*
 * fuzz_merge_settings.c - cdp-merge --probabilistic's --settings file
 * (prob_load_settings() and prob_check() of cmd/cdp-merge/probspec.c,
 * compiled in; its exits caught by catch.h; blocks and comparisons
 * parsed by common/block and common/compare).  The first input byte says
 * whether the command line also gave --block zip (bit 0) and --threshold
 * 0.5 (bit 1), which win over the file; the rest is the settings file.
 * A loaded file must be freed whole by prob_spec_free().
 */
#include "catch.h"
#include "xalloc.h"

static char *
fuzz_xstrndup(const char *s, size_t n)
{
	char *p = fuzz_malloc(n + 1);

	if (p == NULL)
		abort();
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static char *
fuzz_xstrdup(const char *s)
{
	return fuzz_xstrndup(s, strlen(s));
}

/* Its allocations are tracked too: a loader that dies holds copies of
 * its arguments that only exit() would free. */
#define malloc		fuzz_malloc
#define free		fuzz_free
#define cdp_xstrdup	fuzz_xstrdup
#define cdp_xstrndup	fuzz_xstrndup
#include "../../cmd/cdp-merge/probspec.c"
#undef malloc
#undef free
#undef cdp_xstrdup
#undef cdp_xstrndup

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Static: it must keep what the loader put there across the
	 * longjmp of a refusal, whose names come from common/ (not tracked)
	 * and are freed by prob_spec_free(). */
	static struct prob_spec s;
	const char *path;

	if (size == 0)
		return 0;
	s = (struct prob_spec){ .prior = -1, .threshold = 0.9 };
	path = fuzz_path(data + 1, size - 1);
	if (setjmp(fuzz_jmp) != 0) {
		fuzz_check_refusal();
		FUZZ_CHECK(fuzz_code == 64);	/* documented: exits 64 */
		prob_spec_free(&s);
		fuzz_sweep();
		return 0;
	}
	if (data[0] & 1)
		prob_add_block(&s, "zip", "usage");
	if (data[0] & 2) {
		s.threshold = 0.5;
		s.threshold_set = true;
	}
	prob_load_settings(&s, path, "usage");
	prob_check(&s, "usage");
	FUZZ_CHECK(s.nrules >= 1 && s.nrules <= PROB_MAX_RULES);
	FUZZ_CHECK(s.ncmps >= 1 && s.ncmps <= PROB_MAX_CMP);
	FUZZ_CHECK(s.nfields >= 1 && s.nfields <= PROB_MAX_FIELDS);
	FUZZ_CHECK(s.threshold >= 0 && s.threshold <= 1);
	FUZZ_CHECK(!(data[0] & 2) || s.threshold == 0.5);
	FUZZ_CHECK(s.prior == -1 || (s.prior > 0 && s.prior < 1));
	for (int i = 0; i < s.nrules; i++) {
		FUZZ_CHECK(s.rules[i].nkeys >= 1 &&
		    s.rules[i].nkeys <= CDP_BLOCK_MAX_KEYS);
		for (int k = 0; k < s.rules[i].nkeys; k++)
			FUZZ_CHECK(s.rules[i].keys[k].col >= 0 &&
			    s.rules[i].keys[k].col < s.nfields);
	}
	/* --block zip on the command line replaces the file's blocks. */
	if (data[0] & 1)
		FUZZ_CHECK(s.nrules == 1 &&
		    strcmp(s.fields[s.rules[0].keys[0].col], "zip") == 0);
	for (int i = 0; i < s.ncmps; i++) {
		const struct cmp *c = &s.cmps[i];

		FUZZ_CHECK(c->field >= 0 && c->field < s.nfields);
		FUZZ_CHECK(c->cmp.nlev >= 2 && c->cmp.nlev <= PROB_MAX_LEVELS);
		FUZZ_CHECK(c->method != NULL);
		/* Parameters come whole or not at all. */
		FUZZ_CHECK(c->have_mu == (s.prior > 0));
		for (int l = 1; c->have_mu && l <= c->cmp.nlev; l++)
			FUZZ_CHECK(c->m[l] > 0 && c->m[l] <= 1 &&
			    c->u[l] > 0 && c->u[l] <= 1);
	}
	prob_spec_free(&s);
	FUZZ_CHECK(fuzz_live.next == &fuzz_live);
	return 0;
}
