/*
 * test_compare.c - common/compare (methods, levels, names, shorthands),
 * common/block (rules, keys, candidate pairs once over the rules), the
 * NYSIIS keys of common/phonetic and common/rand.
 */
#include <stdint.h>
#include <stdlib.h>

#include "block.h"
#include "check.h"
#include "compare.h"
#include "phonetic.h"
#include "rand.h"

static struct cdp_cmp_scratch scratch;

/* The level of x and y under method text m (-1 when m does not parse). */
static int
level(const char *m, const char *x, const char *y)
{
	struct cdp_cmp c;
	struct cdp_err err;

	if (cdp_cmp_parse(&c, m, &err) == -1)
		return -1;
	return cdp_cmp_level(&c, &(struct cdp_cmp_val){ x, strlen(x) },
	    &(struct cdp_cmp_val){ y, strlen(y) }, &scratch);
}

/* The names of every level of m, space-separated, into out. */
static const char *
names(const char *m, struct cdp_buf *out)
{
	struct cdp_cmp c;
	struct cdp_err err;

	cdp_buf_reset(out);
	if (cdp_cmp_parse(&c, m, &err) == -1)
		return "(bad)";
	for (int l = 0; l <= c.nlev; l++) {
		if (l > 0)
			cdp_buf_addc(out, ' ');
		cdp_cmp_level_name(&c, l, out);
	}
	return out->p;
}

#define CHECK_LEVEL(m, x, y, want) CHECK(level(m, x, y) == (want),	\
	"%s: level(%s, %s) = %d, want %d", m, x, y, level(m, x, y), want)

static void
methods(void)
{
	struct cdp_buf b = { 0 };
	struct cdp_cmp c;
	struct cdp_err err;

	CHECK_STR(names("exact", &b), "null exact else");
	CHECK_STR(names("jw", &b), "null exact jw>=0.94 jw>=0.88 else");
	CHECK_STR(names("jw(0.9)", &b), "null exact jw>=0.9 else");
	CHECK_STR(names("lev", &b), "null exact lev<=1 lev<=2 else");
	CHECK_STR(names("date", &b), "null exact day_month_swapped "
	    "digits_lev<=1 days<=30 else");
	CHECK_STR(names("date(7)", &b), "null exact day_month_swapped "
	    "digits_lev<=1 days<=7 else");
	CHECK_STR(names("num(0.5)", &b), "null exact diff<=0.5 else");
	CHECK_STR(names("num(1,10)", &b), "null exact diff<=1 diff<=10 else");
	CHECK_STR(names("soundex", &b), "null exact soundex else");
	CHECK_STR(names("nysiis", &b), "null exact nysiis else");
	CHECK_STR(names("jw_nysiis", &b), "null exact jw_nysiis>=0.9 else");
	CHECK_STR(names("name_swap", &b), "null exact swapped jw>=0.92 "
	    "one_equal_other_missing one_equal_other_differs one_jw>=0.92 "
	    "else");
	CHECK_STR(names("geo(1,10)", &b), "null exact km<=1 km<=10 else");
	/* Methods joined by | : their levels one after the other. */
	CHECK_STR(names("jw(0.94)|nysiis|lev(2)", &b), "null exact jw>=0.94 "
	    "nysiis lev<=2 else");
	CHECK_STR(names("jw>=0.9|soundex", &b), "null exact jw>=0.9 soundex "
	    "else");
	/* cdp-dedupe's conditions are shorthands of the same methods. */
	CHECK_STR(names("jw>=0.92", &b), "null exact jw>=0.92 else");
	CHECK_STR(names("lev<=2", &b), "null exact lev<=2 else");
	CHECK_STR(names("lev<=0", &b), "null exact else");
	CHECK_STR(names("jw(0.9,0.8,0.7,0.6)", &b),
	    "null exact jw>=0.9 jw>=0.8 jw>=0.7 jw>=0.6 else");

	for (const char **m = (const char *[]){ "metaphone", "jw(0.8,0.9)",
	    "jw(1.5)", "jw()", "jw(0.9", "lev(0)", "lev(1.5)", "lev(2,1)",
	    "num", "num()", "num(2,1)", "date(1,2)", "date(0)", "exact()",
	    "jw(0.9,0.8,0.7,0.6,0.5)", "jw>=x", "lev<=-1", "", "soundex()",
	    "geo", "geo(-1)", "name_swap(0.9,0.8)", "jw|", "|jw",
	    "jw|name_swap", "jw|lev|num(1)|soundex|nysiis",
	    "jw(0.9,0.8,0.7)|lev(1,2,3)", NULL }; *m != NULL; m++)
		CHECK(cdp_cmp_parse(&c, *m, &err) == -1, "%s is refused", *m);
	cdp_cmp_parse(&c, "metaphone", &err);
	CHECK_STR(err.msg, "expected exact, jw(T1,T2,...), lev(K1,K2,...), "
	    "soundex, nysiis, jw_nysiis(T1,...), name_swap(T), date(DAYS), "
	    "num(TOL1,...) or geo(KM1,...)");
	CHECK(err.code == EX_USAGE, "a usage error");
	cdp_cmp_parse(&c, "jw|name_swap", &err);
	CHECK_STR(err.msg, "methods joined by | must read as many fields");

	CHECK_LEVEL("jw", "", "martha", 0);
	CHECK_LEVEL("jw", "martha", "", 0);
	CHECK_LEVEL("jw", "martha", "martha", 1);
	CHECK_LEVEL("jw", "martha", "marhta", 2);	/* 0.961 */
	CHECK_LEVEL("jw", "dwayne", "duane", 4);	/* 0.840 */
	CHECK_LEVEL("jw(0.84)", "dwayne", "duane", 2);	/* at the bound */
	CHECK_LEVEL("lev", "kitten", "sitten", 2);
	CHECK_LEVEL("lev", "kitten", "sittin", 3);
	CHECK_LEVEL("lev", "kitten", "sitting", 4);
	CHECK_LEVEL("lev", "zoë", "zoe", 2);	/* code points, not bytes */
	CHECK_LEVEL("exact", "a", "b", 2);
	CHECK_LEVEL("date", "1990-03-04", "19900304", 1);
	CHECK_LEVEL("date", "1990-03-04", "1990-04-03", 2);
	/* One digit off, even into a date that does not exist. */
	CHECK_LEVEL("date", "1990-03-04", "1990-03-07", 3);
	CHECK_LEVEL("date", "1980-02-21", "1980-02-31", 3);
	CHECK_LEVEL("date", "1990-03-04", "1990-03-28", 4);
	CHECK_LEVEL("date", "1990-03-31", "1990-04-02", 4);
	CHECK_LEVEL("date(1)", "1990-03-31", "1990-04-12", 5);
	CHECK_LEVEL("date", "1990-03-04", "not a date", 5);
	CHECK_LEVEL("date", "1990-02-30", "1991-02-28", 5);
	CHECK_LEVEL("num(1,10)", "5", "10", 3);
	CHECK_LEVEL("soundex", "Smith", "Smyth", 2);
	CHECK_LEVEL("soundex", "Smith", "Jones", 3);
	CHECK_LEVEL("nysiis", "John", "Jan", 2);
	CHECK_LEVEL("nysiis", "Brian", "Brown", 2);
	CHECK_LEVEL("nysiis", "Smith", "Schmidt", 3);
	CHECK_LEVEL("jw(0.95)|nysiis", "john", "jan", 3);
	CHECK_LEVEL("jw(0.95)|nysiis", "martha", "marhta", 2);
	CHECK_LEVEL("jw(0.95)|nysiis", "john", "peter", 4);
	CHECK_LEVEL("num(0.5)", "1.0", "1", 1);
	CHECK_LEVEL("num(0.5)", "1", "1.5", 2);
	CHECK_LEVEL("num(0.5)", "1", "1.6", 3);
	CHECK_LEVEL("num(0.5)", "1", "x", 3);

	cdp_cmp_parse(&c, "jw", &err);
	CHECK(!cdp_cmp_agrees(&c, 0) && cdp_cmp_agrees(&c, 1) &&
	    cdp_cmp_agrees(&c, 3) && !cdp_cmp_agrees(&c, 4),
	    "agreement: every level but null and else");
	/* The order a fitted model must keep. */
	CHECK(cdp_cmp_closer(&c, 2, 3) && cdp_cmp_closer(&c, 1, 4) &&
	    cdp_cmp_closer(&c, 3, 4) && !cdp_cmp_closer(&c, 1, 2) &&
	    !cdp_cmp_closer(&c, 3, 2), "jw: thresholds ordered, exact not");
	cdp_cmp_parse(&c, "date", &err);
	CHECK(!cdp_cmp_closer(&c, 2, 3) && cdp_cmp_closer(&c, 3, 5),
	    "date: alternatives, all closer than else");
	cdp_cmp_parse(&c, "jw(0.9)|nysiis", &err);
	CHECK(!cdp_cmp_closer(&c, 2, 3) && cdp_cmp_closer(&c, 2, 4),
	    "joined methods: alternatives");
	CHECK(cdp_cmp_textual(&c), "jw compares text");
	cdp_cmp_parse(&c, "date", &err);
	CHECK(!cdp_cmp_textual(&c), "date does not");
	cdp_buf_free(&b);
}

/* The level of two-field values (x1, x2) and (y1, y2) under m. */
static int
level2(const char *m, const char *x1, const char *x2, const char *y1,
    const char *y2)
{
	struct cdp_cmp c;
	struct cdp_err err;
	struct cdp_cmp_val a[2] = { { x1, strlen(x1) }, { x2, strlen(x2) } };
	struct cdp_cmp_val b[2] = { { y1, strlen(y1) }, { y2, strlen(y2) } };

	if (cdp_cmp_parse(&c, m, &err) == -1 || c.ncols != 2)
		return -1;
	return cdp_cmp_level(&c, a, b, &scratch);
}

#define CHECK_LEVEL2(m, x1, x2, y1, y2, want) CHECK(level2(m, x1, x2, y1, \
	y2) == (want), "%s: level(%s %s, %s %s) = %d, want %d", m, x1, x2,   \
	y1, y2, level2(m, x1, x2, y1, y2), want)

static void
two_fields(void)
{
	CHECK_LEVEL2("name_swap", "john", "smith", "john", "smith", 1);
	CHECK_LEVEL2("name_swap", "john", "smith", "smith", "john", 2);
	CHECK_LEVEL2("name_swap", "jon", "smith", "smith", "john", 3);
	CHECK_LEVEL2("name_swap", "john", "", "john", "smith", 4);
	CHECK_LEVEL2("name_swap", "mary", "smith", "john", "smith", 5);
	CHECK_LEVEL2("name_swap", "jon", "", "peter", "john", 6);
	CHECK_LEVEL2("name_swap", "mary", "jones", "john", "smith", 7);
	CHECK_LEVEL2("name_swap", "", "", "john", "smith", 0);
	/* London to Paris is 344 km; a tenth of a degree of latitude 11. */
	CHECK_LEVEL2("geo(1,20,400)", "51.5074", "-0.1278", "48.8566",
	    "2.3522", 4);
	CHECK_LEVEL2("geo(1,20,400)", "51.5", "-0.1", "51.6", "-0.1", 3);
	CHECK_LEVEL2("geo(1,20,400)", "51.5", "-0.1", "51.5", "-0.10", 1);
	CHECK_LEVEL2("geo(1,20)", "51.5", "-0.1", "", "-0.1", 0);
	CHECK_LEVEL2("geo(1,20)", "51.5", "-0.1", "95", "-0.1", 4);
	CHECK_LEVEL2("geo(1,20)", "51.5", "-0.1", "x", "-0.1", 4);
}

static void
phonetic(void)
{
	/* Taft's rules; no cut to six letters. */
	static const char *const cases[][2] = {
		{ "John", "JAN" }, { "Jan", "JAN" }, { "Bonnie", "BANY" },
		{ "Alexandra", "ALAXANDR" }, { "Knight", "NAGT" },
		{ "Mackenzie", "MCANSY" }, { "Bishop", "BASAP" },
		{ "Carlson", "CARLSAN" }, { "Chapman", "CAPNAN" },
		{ "Franklin", "FRANCLAN" }, { "Greene", "GRAN" },
		{ "Lawrence", "LARANC" }, { "Lynch", "LYNC" },
		{ "McDonald", "MCDANALD" }, { "Mclaughlin", "MCLAGLAN" },
		{ "Richards", "RACARD" }, { "Silva", "SALV" },
		{ "Watkins", "WATCAN" }, { "Wheeler", "WALAR" },
		{ "Phillips", "FALAP" }, { "Schmidt", "SNAD" },
		{ "o'brien", "OBRAN" }, { "Evans", "EVAN" }
	};
	char out[CDP_NYSIIS_SIZE];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cdp_nysiis(cases[i][0], strlen(cases[i][0]), out);
		CHECK_STR(out, cases[i][1]);
	}
	CHECK(cdp_nysiis("42", 2, out) == -1 && out[0] == '\0',
	    "no letter, no key");
}

static void
split(void)
{
	char s1[] = "jw(0.9,0.8),lev(1),exact", s2[] = "a,,b", s3[] = "f(a",
	    s4[] = "a)b(", *items[4];

	CHECK(cdp_cmp_split(s1, items, 4) == 3, "three items");
	CHECK_STR(items[0], "jw(0.9,0.8)");
	CHECK_STR(items[2], "exact");
	CHECK(cdp_cmp_split(s2, items, 4) == -1, "empty item");
	CHECK(cdp_cmp_split(s3, items, 4) == -1, "unbalanced");
	CHECK(cdp_cmp_split(s4, items, 4) == -1, "closed before opened");
	CHECK(cdp_cmp_field_ok("given_name", 10), "a field name");
	CHECK(!cdp_cmp_field_ok("a b", 3) && !cdp_cmp_field_ok("", 0) &&
	    !cdp_cmp_field_ok("f(x)", 4) && !cdp_cmp_field_ok("a+b", 3),
	    "not field names");
	{
		char f1[] = "given_name+surname", f2[] = "a+b+c", f3[] = "a+",
		    *cols[2];

		CHECK(cdp_cmp_fields(f1, cols) == 2, "two fields");
		CHECK_STR(cols[1], "surname");
		CHECK(cdp_cmp_fields(f2, cols) == -1, "three fields");
		CHECK(cdp_cmp_fields(f3, cols) == -1, "an empty field");
	}
}

/* The key of one-key rule text over value v, or a zero key. */
static bool
key1(const char *text, const char *v, struct cdp_key128 *k)
{
	struct cdp_block_rule r;
	struct cdp_buf b = { 0 };
	struct cdp_err err;
	struct cdp_cmp_val val = { v, strlen(v) };
	bool has;

	if (cdp_block_rule_parse(&r, text, &err) == -1)
		return false;
	has = cdp_block_key(&r, &val, &b, k);
	cdp_block_rule_free(&r);
	cdp_buf_free(&b);
	return has;
}

static bool
same_key(const char *t1, const char *v1, const char *t2, const char *v2)
{
	struct cdp_key128 a, b;

	return key1(t1, v1, &a) && key1(t2, v2, &b) && a.lo == b.lo &&
	    a.hi == b.hi;
}

static void
rules(void)
{
	struct cdp_block_rule r;
	struct cdp_err err;
	struct cdp_key128 k;

	CHECK(cdp_block_rule_parse(&r, "prefix(name,2),soundex(s),year(d),z",
	    &err) == 0, "a rule of four keys");
	CHECK(r.nkeys == 4 && r.keys[0].fn == CDP_BLOCK_PREFIX &&
	    r.keys[0].n == 2 && r.keys[1].fn == CDP_BLOCK_SOUNDEX &&
	    r.keys[2].fn == CDP_BLOCK_YEAR && r.keys[3].fn == CDP_BLOCK_VALUE,
	    "its keys");
	CHECK_STR(r.keys[0].field, "name");
	CHECK_STR(r.text, "prefix(name,2),soundex(s),year(d),z");
	cdp_block_rule_free(&r);
	for (const char **t = (const char *[]){ "prefix(name)",
	    "prefix(name,0)", "prefix(name,101)", "soundex()", "a,,b",
	    "lower(name)", "a b", "", "a,b,c,d,e,f,g,h,i", NULL }; *t != NULL;
	    t++)
		CHECK(cdp_block_rule_parse(&r, *t, &err) == -1 &&
		    err.code == EX_USAGE, "%s is refused", *t);
	cdp_block_rule_parse(&r, "prefix(name,0)", &err);
	CHECK_STR(err.msg, "prefix(name,0): N must be a whole number from 1 "
	    "to 100");

	CHECK(same_key("prefix(n,2)", "zoë", "prefix(n,2)", "zoëy"),
	    "prefix in code points");
	CHECK(!same_key("prefix(n,2)", "zoë", "prefix(n,2)", "zeë"),
	    "different prefixes");
	CHECK(same_key("soundex(n)", "Smith", "soundex(n)", "Smyth"),
	    "soundex");
	CHECK(same_key("nysiis(n)", "Brian", "nysiis(n)", "Brown"),
	    "nysiis");
	CHECK(same_key("year(d)", "1990-03-04", "year(d)", "19901231"),
	    "year");
	CHECK(!key1("year(d)", "03/04/1990", &k), "no year: no block");
	CHECK(!key1("soundex(n)", "42", &k), "no letter: no block");
	CHECK(!key1("n", "", &k), "empty: no block");
}

struct got {
	uint64_t	pairs[64];
	int		n;
};

static void
collect(void *ctx, uint32_t i, uint32_t j)
{
	struct got *g = ctx;

	g->pairs[g->n++] = (uint64_t)i << 32 | j;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void
blocker(void)
{
	struct cdp_block_rule r[2];
	struct cdp_err err;
	struct cdp_blocker *b;
	struct got g = { .n = 0 };
	/* rule 0 zip: {0,1,2} {3,4}; rule 1 name: {0,1} {2,3} {4,5,6,7} */
	const int zip[] = { 1, 1, 1, 2, 2, -1, -1, -1 };
	const int name[] = { 1, 1, 2, 2, 3, 3, 3, 3 };
	const uint64_t want[] = { 0x1, 0x2, 0x100000002, 0x200000003,
	    0x300000004 };

	cdp_block_rule_parse(&r[0], "zip", &err);
	cdp_block_rule_parse(&r[1], "name", &err);
	b = cdp_blocker_new(r, 2, 3);
	for (uint32_t k = 0; k < 8; k++) {
		if (zip[k] >= 0)
			cdp_blocker_add(b, 0, k, cdp_key128_of(&zip[k],
			    sizeof(int)));
		cdp_blocker_add(b, 1, k, cdp_key128_of(&name[k],
		    sizeof(int)));
	}
	cdp_blocker_close(b, 8);
	cdp_blocker_pairs(b, collect, &g);
	/* {0,1} again under rule 1 is not given twice; {4..7} is over 3. */
	CHECK(g.n == 5, "5 pairs, got %d", g.n);
	qsort(g.pairs, (size_t)g.n, sizeof(g.pairs[0]), cmp_u64);
	for (int i = 0; i < 5 && g.n == 5; i++)
		CHECK(g.pairs[i] == want[i], "pair %d is %llx", i,
		    (unsigned long long)g.pairs[i]);
	CHECK(cdp_blocker_oversized(b) == 1, "one block over --max-block");
	cdp_blocker_free(b);
	cdp_block_rule_free(&r[0]);
	cdp_block_rule_free(&r[1]);
}

static void
random_numbers(void)
{
	uint64_t st = 0;

	/* SplitMix64's published sequence from seed 0. */
	CHECK(cdp_rand_next(&st) == UINT64_C(0xe220a8397b1dcdaf), "first");
	CHECK(cdp_rand_next(&st) == UINT64_C(0x6e789e6aa1b965f4), "second");
	for (int i = 0; i < 1000; i++)
		CHECK(cdp_rand_below(&st, 7) < 7, "below 7");
}

int
main(void)
{
	random_numbers();
	methods();
	two_fields();
	phonetic();
	split();
	rules();
	blocker();
	cdp_cmp_scratch_free(&scratch);
	return CHECK_DONE();
}
