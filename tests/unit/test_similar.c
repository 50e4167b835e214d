/* test_similar.c - Jaro-Winkler, Levenshtein and UTF-8 decoding. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "similar.h"

/* Code points of s in b (reset first); returns their count. */
static size_t
cps(const char *s, struct cdp_buf *b)
{
	cdp_buf_reset(b);
	return (size_t)cdp_utf8_to_cps(s, strlen(s), b);
}

static double
jw(const char *x, const char *y)
{
	struct cdp_buf a = { 0 }, b = { 0 };
	size_t na = cps(x, &a), nb = cps(y, &b);
	double d = cdp_sim_jaro_winkler((const uint32_t *)a.p, na,
	    (const uint32_t *)b.p, nb);

	cdp_buf_free(&a);
	cdp_buf_free(&b);
	return d;
}

static size_t
lev(const char *x, const char *y, size_t max)
{
	struct cdp_buf a = { 0 }, b = { 0 };
	size_t na = cps(x, &a), nb = cps(y, &b);
	size_t d = cdp_sim_levenshtein((const uint32_t *)a.p, na,
	    (const uint32_t *)b.p, nb, max);

	cdp_buf_free(&a);
	cdp_buf_free(&b);
	return d;
}

#define CHECK_JW(x, y, want) CHECK(fabs(jw(x, y) - (want)) < 0.0005,	\
	"jw(%s, %s) = %.4f, want %.3f", x, y, jw(x, y), want)
#define CHECK_LEV(x, y, max, want) CHECK(lev(x, y, max) == (want),	\
	"lev(%s, %s) = %zu, want %zu", x, y, lev(x, y, max), (size_t)(want))

int
main(void)
{
	struct cdp_buf b = { 0 };
	char *big1, *big2;

	CHECK_JW("MARTHA", "MARHTA", 0.961);
	CHECK_JW("DWAYNE", "DUANE", 0.840);
	CHECK_JW("DIXON", "DICKSONX", 0.813);
	CHECK_JW("JELLYFISH", "SMELLYFISH", 0.896);
	CHECK_JW("abc", "abc", 1.0);
	CHECK_JW("abc", "xyz", 0.0);
	CHECK_JW("", "", 1.0);
	CHECK_JW("a", "", 0.0);
	CHECK_JW("zoë", "zoë", 1.0);
	CHECK(fabs(jw("MARTHA", "MARHTA") - jw("MARHTA", "MARTHA")) < 1e-12,
	    "jw is symmetric");

	CHECK_LEV("kitten", "sitting", SIZE_MAX, 3);
	CHECK_LEV("sitting", "kitten", SIZE_MAX, 3);
	CHECK_LEV("", "abc", SIZE_MAX, 3);
	CHECK_LEV("abc", "abc", SIZE_MAX, 0);
	CHECK_LEV("flaw", "lawn", SIZE_MAX, 2);
	CHECK_LEV("zoë", "zoe", SIZE_MAX, 1);
	CHECK_LEV("kitten", "sitting", 1, 2);	/* stopped early: max + 1 */
	CHECK_LEV("kitten", "sitting", 3, 3);
	CHECK_LEV("a", "abcdef", 2, 3);

	CHECK(cps("zoë", &b) == 3, "zoë has 3 code points");
	CHECK(((const uint32_t *)b.p)[2] == 0xeb, "ë is U+00EB");
	CHECK(cps("a\xff" "b", &b) == 3 && ((const uint32_t *)b.p)[1] ==
	    0xfffd, "an invalid byte is U+FFFD");
	CHECK(cps("\xf0\x9f\x98\x80", &b) == 1 && ((const uint32_t *)b.p)[0]
	    == 0x1f600, "a 4-byte sequence");
	CHECK(cps("\xed\xa0\x80", &b) == 3, "a surrogate is invalid");

	/* Longer than the stack arrays: the heap path. */
	big1 = malloc(601);
	big2 = malloc(601);
	memset(big1, 'a', 600);
	memset(big2, 'a', 600);
	big1[600] = big2[600] = '\0';
	big2[599] = 'b';
	CHECK_LEV(big1, big2, SIZE_MAX, 1);
	CHECK(jw(big1, big2) > 0.99, "long strings");
	free(big1);
	free(big2);
	cdp_buf_free(&b);
	return CHECK_DONE();
}
