/*
 * gen_people.c - deterministic generator of person records for the
 * probabilistic linkage benchmark: N records as NDJSON, a share of them
 * (-d, percent) corrupted copies of others, like FEBRL's generator: a
 * typo in a name, a day and month swapped, a missing value, a street
 * type abbreviated.  rec_id ("rec-K-org", "rec-K-dup-J") holds the truth
 * for scoring; nothing else tells copies apart.  Own PRNG, integer
 * arithmetic only: the same bytes on every machine.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "opts.h"

#include "gen.h"

#define DEFAULT_SEED	UINT64_C(0x6364706970650002)
#define N(a)		(sizeof(a) / sizeof((a)[0]))

static const char usage_text[] =
    "usage: gen_people [-n count] [-d duplicate-percent] [-s seed]\n";

static const char *const street_type[] = { "street", "road", "avenue",
    "place", "crescent", "drive", "lane", "close", "court", "parade" };
static const char *const street_abbr[] = { "st", "rd", "ave", "pl", "cres",
    "dr", "ln", "cl", "ct", "pde" };
static const char *const states[] = { "nsw", "vic", "qld", "wa", "sa",
    "tas", "act", "nt" };

/* A skewed pick from 0..n-1: small numbers are more common. */
static unsigned
skewed(uint64_t *s, unsigned n)
{
	unsigned a = below(s, n), b = below(s, n);

	return a < b ? a : b;
}

struct person {
	char	given[32], surname[40], street[64], suburb[40];
	char	postcode[8], state[8], dob[16], phone[16];
	unsigned number;
};

/* A name of 2 or 3 syllables from the number k. */
static void
name_of(unsigned k, char *out, size_t n)
{
	unsigned a = k % N(syl), b = k / N(syl) % N(syl), c = k / N(syl) /
	    N(syl) % (N(syl) + 1);

	snprintf(out, n, "%s%s%s", syl[a], syl[b], c == N(syl) ? "" :
	    syl[c]);
}

static void
person(uint64_t *s, struct person *p)
{
	unsigned y = 1930 + below(s, 76), m = 1 + below(s, 12), d = 1 +
	    below(s, 28);

	name_of(skewed(s, 20000), p->given, sizeof(p->given));
	name_of(skewed(s, 60000), p->surname, sizeof(p->surname));
	name_of(below(s, 30000), p->street, sizeof(p->street));
	p->number = 1 + skewed(s, 300);
	snprintf(p->street + strlen(p->street), sizeof(p->street) -
	    strlen(p->street), " %s", street_type[below(s, N(street_type))]);
	name_of(below(s, 8000), p->suburb, sizeof(p->suburb));
	snprintf(p->postcode, sizeof(p->postcode), "%04u", 800 + below(s,
	    9000));
	snprintf(p->state, sizeof(p->state), "%s", states[below(s,
	    N(states))]);
	snprintf(p->dob, sizeof(p->dob), "%04u-%02u-%02u", y, m, d);
	snprintf(p->phone, sizeof(p->phone), "04%08u", below(s, 100000000));
}

/* A copy of p with one to three changes. */
static void
corrupt(uint64_t *s, struct person *p)
{
	unsigned k = 1 + below(s, 3);

	while (k-- > 0) {
		char *sp;

		switch (below(s, 8)) {
		case 0:
			typo(s, p->given, sizeof(p->given), 0);
			break;
		case 1:
			typo(s, p->surname, sizeof(p->surname), 0);
			break;
		case 2:		/* day and month swapped, when it can be */
			if (p->dob[8] <= '1') {
				char t[2] = { p->dob[5], p->dob[6] };

				p->dob[5] = p->dob[8];
				p->dob[6] = p->dob[9];
				p->dob[8] = t[0];
				p->dob[9] = t[1];
			}
			break;
		case 3:
			p->postcode[below(s, 4)] = (char)('0' + below(s, 10));
			break;
		case 4:		/* a value left out */
			*(below(s, 2) ? p->given : p->phone) = '\0';
			break;
		case 5:
			if ((sp = strrchr(p->street, ' ')) != NULL)
				for (size_t t = 0; t < N(street_type); t++)
					if (strcmp(sp + 1, street_type[t]) == 0)
						snprintf(sp + 1, sizeof(p->street) -
						    (size_t)(sp + 1 - p->street),
						    "%s", street_abbr[t]);
			break;
		case 6:
			typo(s, p->street, sizeof(p->street), 0);
			break;
		default:
			typo(s, p->suburb, sizeof(p->suburb), 0);
			break;
		}
	}
}

static void
emit(struct cdp_buf *b, const struct person *p, unsigned id, int dup)
{
	int rc;

	cdp_buf_reset(b);
	rc = dup < 0 ? cdp_buf_addf(b, "{\"rec_id\":\"rec-%u-org\"", id) :
	    cdp_buf_addf(b, "{\"rec_id\":\"rec-%u-dup-%d\"", id, dup);
	rc |= cdp_buf_addf(b, ",\"given_name\":\"%s\",\"surname\":\"%s\","
	    "\"street_number\":%u,\"address\":\"%s\",\"suburb\":\"%s\","
	    "\"postcode\":\"%s\",\"state\":\"%s\",\"date_of_birth\":\"%s\","
	    "\"phone\":\"%s\"}\n", p->given, p->surname, p->number,
	    p->street, p->suburb, p->postcode, p->state, p->dob, p->phone);
	if (rc != 0)
		cdp_die(EX_OSERR, NULL, 0, "out of memory");
	if (fwrite(b->p, 1, b->len, stdout) != b->len)
		cdp_die(EX_IOERR, NULL, 0, "write error");
}

int
main(int argc, char *argv[])
{
	static char obuf[1 << 20];
	struct cdp_buf b = { 0 };
	long n = 100000, pct = 10, seed = 0;
	uint64_t s;
	unsigned orig, *dups;
	int ch;

	cdp_diag_init("gen_people");
	while ((ch = getopt(argc, argv, "n:d:s:")) != -1) {
		if ((ch == 'n' && cdp_parse_long(optarg, 1, 100000000, &n) ==
		    -1) || (ch == 'd' && cdp_parse_long(optarg, 0, 90,
		    &pct) == -1) || (ch == 's' && cdp_parse_long(optarg, 0,
		    0x7fffffffL, &seed) == -1) || ch == '?') {
			fputs(usage_text, stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		fputs(usage_text, stderr);
		return EX_USAGE;
	}
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	orig = (unsigned)(n - n * pct / 100);
	if ((dups = calloc(orig, sizeof(*dups))) == NULL)
		cdp_die(EX_OSERR, NULL, 0, "out of memory");
	/* Originals first; each copy re-creates its original from the
	 * original's own seed, so no person is kept in memory. */
	for (unsigned i = 0; i < orig; i++) {
		struct person p;

		s = DEFAULT_SEED + (uint64_t)seed * 0x100000000ULL + i;
		person(&s, &p);
		emit(&b, &p, i, -1);
	}
	s = DEFAULT_SEED ^ ((uint64_t)seed << 1 | 1);
	for (long t = orig; t < n; t++) {
		unsigned i = below(&s, orig);
		uint64_t ps = DEFAULT_SEED + (uint64_t)seed * 0x100000000ULL +
		    i;
		struct person p;

		person(&ps, &p);
		corrupt(&s, &p);
		emit(&b, &p, i, (int)dups[i]++);
	}
	free(dups);
	cdp_buf_free(&b);
	if (fflush(stdout) == EOF)
		cdp_die(EX_IOERR, NULL, 0, "write error");
	return 0;
}
