/*
 * gen_persons.c - deterministic generator of hard person records with the
 * truth, for identity resolution: 1 to 5 records per person, given name
 * and surname swapped on some, a share of every field left empty (-e,
 * percent, 30), names and cities drawn from Zipf laws (a few very common:
 * three George Davies in London are three people), typos in names and in
 * dates of birth
 * (a digit changed, often into a date that does not exist; day and month
 * swapped); with -f, households: that share of the people live with the
 * one before (surname, address and phone in common).  person_id holds the
 * truth; nothing else tells people apart.
 * Records come shuffled.  Own PRNG, integer arithmetic only: the same
 * bytes on every machine.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "opts.h"
#include "xalloc.h"

#include "gen.h"

#define DEFAULT_SEED	UINT64_C(0x6364706970650017)
#define N(a)		(sizeof(a) / sizeof((a)[0]))

static const char usage_text[] =
    "usage: gen_persons [-n persons] [-e empty-percent] [-f family-percent]"
    " [-s seed]\n";

/* The most common names first; syllable names follow, rarer and rarer. */
static const char *const given_top[] = {
	"george", "mary", "john", "sarah", "james", "emma", "david", "olivia",
	"thomas", "sophie", "william", "lucy", "daniel", "grace", "michael",
	"hannah", "peter", "jessica", "paul", "emily", "mark", "chloe",
	"andrew", "laura", "richard", "anna", "robert", "rachel", "joseph",
	"amy", "matthew", "ellie", "christopher", "katie", "jack", "megan",
	"harry", "rebecca", "samuel", "charlotte"
};
static const char *const surname_top[] = {
	"smith", "jones", "williams", "taylor", "davies", "brown", "wilson",
	"evans", "thomas", "johnson", "roberts", "walker", "wright",
	"robinson", "thompson", "white", "hughes", "edwards", "green", "hall",
	"wood", "harris", "lewis", "martin", "jackson", "clarke", "clark",
	"turner", "hill", "scott", "cooper", "morris", "ward", "moore", "king",
	"watson", "baker", "harrison", "morgan", "patel"
};
static const char *const city_top[] = {
	"london", "birmingham", "manchester", "leeds", "glasgow", "sheffield",
	"bradford", "liverpool", "edinburgh", "bristol", "cardiff", "leicester",
	"coventry", "nottingham", "newcastle", "belfast", "brighton", "hull",
	"plymouth", "stoke", "wolverhampton", "derby", "swansea", "southampton",
	"salford", "aberdeen", "westminster", "portsmouth", "york",
	"peterborough", "dundee", "lancaster", "oxford", "newport", "preston",
	"norwich", "cambridge", "exeter", "bath", "chester"
};
static const char *const street_type[] = { "street", "road", "avenue",
    "lane", "close", "drive" };
static const char *const street_abbr[] = { "st", "rd", "ave", "ln", "cl",
    "dr" };
static const char *const domains[] = { "gmail.com", "hotmail.co.uk",
    "yahoo.co.uk", "outlook.com", "btinternet.com", "icloud.com",
    "sky.com", "aol.com" };

#define GIVEN_N		3000
#define SURNAME_N	30000
#define CITY_N		400

/* True with probability pct percent. */
static int
chance(uint64_t *s, unsigned pct)
{
	return below(s, 100) < pct;
}

/* Cumulative Zipf weights (exponent 1) of ranks 0..n-1, in integers. */
static uint64_t *
zipf(unsigned n)
{
	uint64_t *c = cdp_xreallocarray(NULL, n, sizeof(*c)), sum = 0;

	for (unsigned r = 0; r < n; r++)
		c[r] = sum += UINT64_C(1000000000) / (r + 1);
	return c;
}

/* A rank drawn from cumulative weights c[0..n). */
static unsigned
draw(uint64_t *s, const uint64_t *c, unsigned n)
{
	uint64_t x = cdp_rand_below(s, c[n - 1]);
	unsigned lo = 0, hi = n - 1;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (c[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Name number k: a common one, or two or three syllables (salt makes
 * given names, surnames and places differ). */
static void
name_of(unsigned k, const char *const *top, size_t ntop, unsigned salt,
    char *out, size_t n)
{
	unsigned a, b, c;

	if (k < ntop) {
		snprintf(out, n, "%s", top[k]);
		return;
	}
	k = k * 2654435761u + salt;
	a = k % N(syl);
	b = k / N(syl) % N(syl);
	c = k / N(syl) / N(syl) % (N(syl) + 1);
	snprintf(out, n, "%s%s%s", syl[a], syl[b], c == N(syl) ? "" : syl[c]);
}

struct person {
	char		given[40], surname[40], dob[16], city[32];
	char		postcode[12], street[48], email[96], phone[16];
	unsigned	number;
};

struct gen {
	uint64_t	 s;
	uint64_t	*zg, *zs, *zc;
	unsigned	 empty;	/* percent */
	unsigned	 family;	/* percent */
};

/* Person number id; with home, of the household of home. */
static void
new_person(struct gen *g, struct person *p, const struct person *home,
    unsigned id)
{
	unsigned city;

	name_of(draw(&g->s, g->zg, GIVEN_N), given_top, N(given_top), 17,
	    p->given, sizeof(p->given));
	snprintf(p->dob, sizeof(p->dob), "%04u-%02u-%02u", 1930 +
	    below(&g->s, 76), 1 + below(&g->s, 12), 1 + below(&g->s, 28));
	if (home != NULL) {
		memcpy(p->surname, home->surname, sizeof(p->surname));
		memcpy(p->city, home->city, sizeof(p->city));
		memcpy(p->postcode, home->postcode, sizeof(p->postcode));
		memcpy(p->street, home->street, sizeof(p->street));
		memcpy(p->phone, home->phone, sizeof(p->phone));
		p->number = home->number;
	} else {
		name_of(draw(&g->s, g->zs, SURNAME_N), surname_top,
		    N(surname_top), 101, p->surname, sizeof(p->surname));
		city = draw(&g->s, g->zc, CITY_N);
		name_of(city, city_top, N(city_top), 7, p->city,
		    sizeof(p->city));
		snprintf(p->postcode, sizeof(p->postcode), "%c%c%u %u%c%c",
		    'a' + city % 26, 'a' + city / 26 % 26, 1 + below(&g->s,
		    40), below(&g->s, 10), 'a' + below(&g->s, 26), 'a' +
		    below(&g->s, 26));
		name_of(below(&g->s, 20000), NULL, 0, 31, p->street,
		    sizeof(p->street));
		snprintf(p->street + strlen(p->street), sizeof(p->street) -
		    strlen(p->street), " %s", street_type[below(&g->s,
		    N(street_type))]);
		p->number = 1 + below(&g->s, 300);
		snprintf(p->phone, sizeof(p->phone), "07%09u", below(&g->s,
		    1000000000));
	}
	/* An address is one person's: the number makes it unique. */
	snprintf(p->email, sizeof(p->email), "%s.%s%u@%s", p->given,
	    p->surname, id, domains[below(&g->s, N(domains))]);
}

/* A date of birth mistyped: a digit changed, or day and month swapped. */
static void
dob_typo(uint64_t *s, char *d)
{
	static const int digit[] = { 2, 3, 5, 6, 8, 9 };

	if (chance(s, 40) && d[8] <= '1') {
		char t[2] = { d[5], d[6] };

		d[5] = d[8];
		d[6] = d[9];
		d[8] = t[0];
		d[9] = t[1];
		return;
	}
	d[digit[below(s, N(digit))]] = (char)('0' + below(s, 10));
}

/* A record of p: its values, some changed, some left out. */
static void
record(struct gen *g, const struct person *p, struct person *r)
{
	char *sp;

	*r = *p;
	if (chance(&g->s, 8)) {
		memcpy(r->given, p->surname, sizeof(r->given));
		memcpy(r->surname, p->given, sizeof(r->surname));
	}
	if (chance(&g->s, 8))
		typo(&g->s, r->given, sizeof(r->given), 1);
	if (chance(&g->s, 8))
		typo(&g->s, r->surname, sizeof(r->surname), 1);
	if (chance(&g->s, 10))
		dob_typo(&g->s, r->dob);
	if (chance(&g->s, 3))
		typo(&g->s, r->city, sizeof(r->city), 1);
	if (chance(&g->s, 5))
		r->postcode[below(&g->s, 3)] = (char)('a' + below(&g->s, 26));
	if (chance(&g->s, 10) && (sp = strrchr(r->street, ' ')) != NULL)
		for (size_t t = 0; t < N(street_type); t++)
			if (strcmp(sp + 1, street_type[t]) == 0)
				snprintf(sp + 1, sizeof(r->street) -
				    (size_t)(sp + 1 - r->street), "%s",
				    street_abbr[t]);
	if (chance(&g->s, 5))
		typo(&g->s, r->street, sizeof(r->street), 1);
	if (chance(&g->s, 3))
		typo(&g->s, r->email, sizeof(r->email), 1);
	if (chance(&g->s, 3))
		r->phone[2 + below(&g->s, 9)] = (char)('0' + below(&g->s, 10));
}

/* A value, or nothing for an empty field (-e percent of them). */
static int
field(struct gen *g, struct cdp_buf *b, const char *name, const char *v)
{
	if (chance(&g->s, g->empty) || *v == '\0')
		return 0;
	return cdp_buf_addf(b, ",\"%s\":\"%s\"", name, v);
}

static void
emit(struct gen *g, struct cdp_buf *b, const struct person *r, unsigned id)
{
	char num[16];
	int rc;

	snprintf(num, sizeof(num), "%u", r->number);
	rc = cdp_buf_addf(b, "{\"person_id\":\"P%07u\"", id);
	rc |= field(g, b, "given_name", r->given);
	rc |= field(g, b, "surname", r->surname);
	rc |= field(g, b, "date_of_birth", r->dob);
	rc |= field(g, b, "city", r->city);
	rc |= field(g, b, "postcode", r->postcode);
	rc |= field(g, b, "street_number", num);
	rc |= field(g, b, "street", r->street);
	rc |= field(g, b, "email", r->email);
	rc |= field(g, b, "phone", r->phone);
	rc |= cdp_buf_adds(b, "}\n");
	if (rc != 0)
		cdp_oom(0);
}

int
main(int argc, char *argv[])
{
	struct gen g = { .s = DEFAULT_SEED, .empty = 30 };
	struct cdp_buf all = { 0 };
	struct person home = { 0 }, p, r;
	uint64_t *off = NULL;
	size_t n = 0, cap = 0, *order;
	long persons = 10000, v;
	int ch;

	cdp_diag_init("gen_persons");
	while ((ch = getopt(argc, argv, "e:f:n:s:")) != -1) {
		if (ch == 'n' && cdp_parse_long(optarg, 1, 100000000, &v) == 0)
			persons = v;
		else if (ch == 'e' && cdp_parse_long(optarg, 0, 100, &v) == 0)
			g.empty = (unsigned)v;
		else if (ch == 'f' && cdp_parse_long(optarg, 0, 100, &v) == 0)
			g.family = (unsigned)v;
		else if (ch == 's' && cdp_parse_long(optarg, 0, 0x7fffffffL,
		    &v) == 0)
			g.s = (uint64_t)v;
		else
			cdp_die(EX_USAGE, NULL, 0, "%s", usage_text);
	}
	g.zg = zipf(GIVEN_N);
	g.zs = zipf(SURNAME_N);
	g.zc = zipf(CITY_N);
	for (long id = 1; id <= persons; id++) {
		unsigned k = 1 + below(&g.s, 5);

		new_person(&g, &p, id > 1 && chance(&g.s, g.family) ? &home :
		    NULL, (unsigned)id);
		home = p;
		while (k-- > 0) {
			if (cdp_grow((void **)&off, &cap, n + 2,
			    sizeof(*off)) == -1)
				cdp_oom(0);
			off[n++] = all.len;
			record(&g, &p, &r);
			emit(&g, &all, &r, (unsigned)id);
		}
	}
	off[n] = all.len;
	/* Shuffled (Fisher-Yates), so that order tells nothing. */
	order = cdp_xreallocarray(NULL, n, sizeof(*order));
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	for (size_t i = n; i > 1; i--) {
		size_t j = below(&g.s, (unsigned)i), t = order[i - 1];

		order[i - 1] = order[j];
		order[j] = t;
	}
	for (size_t i = 0; i < n; i++)
		fwrite(all.p + off[order[i]], 1, off[order[i] + 1] -
		    off[order[i]], stdout);
	if (fflush(stdout) == EOF || ferror(stdout))
		cdp_die(EX_IOERR, NULL, 0, "write error");
	free(off);
	free(order);
	free(g.zg);
	free(g.zs);
	free(g.zc);
	cdp_buf_free(&all);
	return 0;
}
