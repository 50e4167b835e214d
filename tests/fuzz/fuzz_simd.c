/*
 * fuzz_simd.c - the vector paths against the scalar reference on any
 * bytes: the token masks, UTF-8 validation and byte counts of every
 * level the CPU runs agree with SCALAR, and cdp_rec_parse() at each
 * level accepts the same lines with the same reason and the same index,
 * after the last input and again after itself (the same keys).
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "record.h"
#include "simd.h"

#include "fuzz.h"

static struct cdp_jsonmask	 ref, m;
static struct cdp_rec		 rec[CDP_SIMD_AVX512 + 1];

static void
same_masks(int level, const char *p, size_t n)
{
	int want = cdp_jsonmask_build(CDP_SIMD_SCALAR, p, n, &ref);
	int got = cdp_jsonmask_build((enum cdp_simd)level, p, n, &m);

	FUZZ_CHECK(got == want);
	if (got != 0)
		return;
	FUZZ_CHECK(m.nw == ref.nw && m.any_bs == ref.any_bs &&
	    m.any_hi == ref.any_hi);
	for (size_t i = 0; i < m.nw; i++)
		FUZZ_CHECK(m.tok[i] == ref.tok[i] && m.bs[i] == ref.bs[i]);
}

/* Every level parses p as SCALAR does; with classify, its masks, UTF-8
 * check and byte count agree too. */
static void
parse_levels(const char *p, size_t size, int top, bool classify)
{
	struct cdp_err e0 = { 0 }, e = { 0 };
	int want;

	want = cdp_rec_parse(&rec[0], p, size, &e0);
	for (int l = CDP_SIMD_SSE2; l <= top; l++) {
		if (classify) {
			same_masks(l, p, size);
			FUZZ_CHECK(cdp_simd_utf8((enum cdp_simd)l, p, size) ==
			    cdp_simd_utf8(CDP_SIMD_SCALAR, p, size));
			FUZZ_CHECK(cdp_simd_count((enum cdp_simd)l, p, size,
			    '"') == cdp_simd_count(CDP_SIMD_SCALAR, p, size,
			    '"'));
		}
		FUZZ_CHECK(cdp_rec_parse(&rec[l], p, size, &e) == want);
		if (want != 0) {
			FUZZ_CHECK(strcmp(e.msg, e0.msg) == 0);
			continue;
		}
		FUZZ_CHECK(rec[l].n == rec[0].n);
		for (size_t i = 0; i < rec[0].n; i++)
			FUZZ_CHECK(memcmp(&rec[l].f[i], &rec[0].f[i],
			    offsetof(struct cdp_field, flags) + 1) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	int top = (int)cdp_simd_cpu();

	for (int l = CDP_SIMD_SCALAR; l <= top; l++)
		cdp_rec_use(&rec[l], (enum cdp_simd)l);
	/* twice: the second time after a line with the same keys, whose
	 * walk compares them as patterns (the first, after the last
	 * input's keys) */
	for (int pass = 0; pass < 2; pass++)
		parse_levels(p, size, top, pass == 0);
	return 0;
}
