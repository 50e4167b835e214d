/*
 * gen_events.c - deterministic generator of customer events for the
 * benchmarks: the same N events as NDJSON or as RFC 4180 CSV, byte for
 * byte the same on every machine (own PRNG, integer arithmetic only).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "opts.h"

#define DEFAULT_SEED	UINT64_C(0x6364706970650001)	/* "cdpipe" 1 */
#define EPOCH_START	INT64_C(1761955200)	/* 2025-11-01T00:00:00Z */
#define SPAN_SECONDS	INT64_C(31536000)	/* 365 days */
#define NSKU		5000
#define LINE_MAX_BYTES	1024

static const char usage_text[] =
    "usage: gen_events [-n count] [-f ndjson|csv|csv-de] [-s seed]\n"
    "                  [--people N] [--mix contact|ident]\n";

/* A UTF-8 display name and its ASCII fold, used to build email addresses. */
struct name {
	const char	*disp;
	const char	*ascii;
};

/*
 * Everything that makes a customer look like they live in one country.
 * Phone formats use '#' for the digits of the national significant
 * number: nsn digits, starting with one of the mobile (or, for the US,
 * area code) prefixes in lead, separated by spaces.
 */
struct country {
	const char		*code;
	const char		*en;
	const char		*native;
	const char		*lead;
	int			 nsn;
	const char *const	*fmt;
	const struct name	*first;
	size_t			 nfirst;
	const struct name	*last;
	size_t			 nlast;
	const char *const	*domain;
	size_t			 ndomain;
	unsigned		 weight;
};

#define N(a)	(sizeof(a) / sizeof((a)[0]))

static const char *const us_fmt[] = { "(###) ###-####", "###-###-####",
    "+1 ### ### ####", "###.###.####", "##########", "+1##########", NULL };
static const char *const gb_fmt[] = { "0#### ######", "+44 #### ######",
    "+44##########", "0##########", NULL };
static const char *const de_fmt[] = { "0### ########", "+49 ### ########",
    "+49 (0)### ########", "0###/########", NULL };
static const char *const fr_fmt[] = { "0# ## ## ## ##", "+33 # ## ## ## ##",
    "0#########", "+33 (0)# ## ## ## ##", "0#.##.##.##.##", NULL };
static const char *const es_fmt[] = { "### ## ## ##", "+34 ### ### ###",
    "#########", "0034 #########", NULL };
static const char *const pl_fmt[] = { "### ### ###", "+48 ### ### ###",
    "+48#########", "0048 ###-###-###", "###-###-###", NULL };
static const char *const se_fmt[] = { "0##-### ## ##", "+46 ## ### ## ##",
    "0#########", NULL };
static const char *const it_fmt[] = { "### ### ####", "+39 ### ### ####",
    "0039 ##########", "###-#######", NULL };

static const struct name us_first[] = { { "James", "james" },
    { "Mary", "mary" }, { "Michael", "michael" }, { "Jennifer", "jennifer" },
    { "David", "david" }, { "Linda", "linda" }, { "Zoë", "zoe" },
    { "Renée", "renee" }, { "Masha", "masha" }, { "Robert", "robert" } };
static const struct name us_last[] = { { "Smith", "smith" },
    { "Johnson", "johnson" }, { "Williams", "williams" },
    { "García", "garcia" }, { "O'Brien", "obrien" }, { "Kelly", "kelly" },
    { "Nguyen", "nguyen" }, { "Miller", "miller" } };
static const char *const us_dom[] = { "aol.com", "comcast.net",
    "yahoo.com" };

static const struct name gb_first[] = { { "Oliver", "oliver" },
    { "Amelia", "amelia" }, { "Harry", "harry" }, { "Isla", "isla" },
    { "Siân", "sian" }, { "Niamh", "niamh" }, { "George", "george" },
    { "Olivia", "olivia" } };
static const struct name gb_last[] = { { "Taylor", "taylor" },
    { "Davies", "davies" }, { "Evans", "evans" }, { "O'Connor", "oconnor" },
    { "Kelly", "kelly" }, { "Patel", "patel" }, { "Wilson", "wilson" } };
static const char *const gb_dom[] = { "btinternet.com", "yahoo.co.uk",
    "sky.com" };

static const struct name de_first[] = { { "Jürgen", "juergen" },
    { "Anna", "anna" }, { "Lukas", "lukas" }, { "Lena", "lena" },
    { "Jörg", "joerg" }, { "Sophie", "sophie" }, { "Käthe", "kaethe" },
    { "Maximilian", "maximilian" } };
static const struct name de_last[] = { { "Müller", "mueller" },
    { "Schmidt", "schmidt" }, { "Schneider", "schneider" },
    { "Weiß", "weiss" }, { "Schäfer", "schaefer" }, { "Becker", "becker" },
    { "Hoffmann", "hoffmann" } };
static const char *const de_dom[] = { "web.de", "gmx.de", "t-online.de" };

static const struct name fr_first[] = { { "François", "francois" },
    { "Élodie", "elodie" }, { "Chloé", "chloe" }, { "Hélène", "helene" },
    { "Jérôme", "jerome" }, { "Camille", "camille" }, { "Léa", "lea" },
    { "Noël", "noel" } };
static const struct name fr_last[] = { { "Martin", "martin" },
    { "Bernard", "bernard" }, { "Dubois", "dubois" },
    { "Lefèvre", "lefevre" }, { "Moreau", "moreau" },
    { "Rousseau", "rousseau" }, { "d'Arcy", "darcy" } };
static const char *const fr_dom[] = { "orange.fr", "free.fr",
    "laposte.net" };

static const struct name es_first[] = { { "José", "jose" },
    { "María", "maria" }, { "Lucía", "lucia" }, { "Álvaro", "alvaro" },
    { "Sofía", "sofia" }, { "Iñigo", "inigo" }, { "Carmen", "carmen" },
    { "Javier", "javier" } };
static const struct name es_last[] = { { "García", "garcia" },
    { "Fernández", "fernandez" }, { "González", "gonzalez" },
    { "Rodríguez", "rodriguez" }, { "López", "lopez" },
    { "Muñoz", "munoz" }, { "Sánchez", "sanchez" } };
static const char *const es_dom[] = { "telefonica.net", "yahoo.es" };

static const struct name pl_first[] = { { "Łukasz", "lukasz" },
    { "Małgorzata", "malgorzata" }, { "Katarzyna", "katarzyna" },
    { "Piotr", "piotr" }, { "Zofia", "zofia" }, { "Paweł", "pawel" },
    { "Michał", "michal" }, { "Agnieszka", "agnieszka" } };
static const struct name pl_last[] = { { "Nowak", "nowak" },
    { "Kowalski", "kowalski" }, { "Wiśniewski", "wisniewski" },
    { "Wójcik", "wojcik" }, { "Kamińska", "kaminska" },
    { "Zieliński", "zielinski" }, { "Łukasiewicz", "lukasiewicz" } };
static const char *const pl_dom[] = { "wp.pl", "o2.pl", "interia.pl",
    "onet.pl" };

static const struct name se_first[] = { { "Björn", "bjorn" },
    { "Åsa", "asa" }, { "Erik", "erik" }, { "Ingrid", "ingrid" },
    { "Lars", "lars" }, { "Märta", "marta" }, { "Linnéa", "linnea" } };
static const struct name se_last[] = { { "Andersson", "andersson" },
    { "Johansson", "johansson" }, { "Karlsson", "karlsson" },
    { "Söderberg", "soderberg" }, { "Åberg", "aberg" },
    { "Lindqvist", "lindqvist" } };
static const char *const se_dom[] = { "telia.com", "spray.se" };

static const struct name it_first[] = { { "Giuseppe", "giuseppe" },
    { "Francesca", "francesca" }, { "Niccolò", "niccolo" },
    { "Giulia", "giulia" }, { "Matteo", "matteo" }, { "Chiara", "chiara" },
    { "Luca", "luca" } };
static const struct name it_last[] = { { "Rossi", "rossi" },
    { "Russo", "russo" }, { "Ferrari", "ferrari" },
    { "Esposito", "esposito" }, { "Bianchi", "bianchi" },
    { "De Luca", "deluca" }, { "Colombo", "colombo" } };
static const char *const it_dom[] = { "libero.it", "alice.it",
    "tiscali.it" };

#define COUNTRY(c, en, nat, lead, nsn, p, w) \
	{ c, en, nat, lead, nsn, p##_fmt, p##_first, N(p##_first), \
	    p##_last, N(p##_last), p##_dom, N(p##_dom), w }

static const struct country countries[] = {
	COUNTRY("US", "United States", "USA", "2 3 4 5 6 7 8 9", 10, us, 30),
	COUNTRY("GB", "United Kingdom", "Great Britain", "74 75 77 78 79",
	    10, gb, 14),
	COUNTRY("DE", "Germany", "Deutschland",
	    "151 152 157 160 162 170 171 172 176", 11, de, 14),
	COUNTRY("FR", "France", "République française", "6 7", 9, fr, 12),
	COUNTRY("ES", "Spain", "España", "6", 9, es, 8),
	COUNTRY("PL", "Poland", "Polska", "50 51 53 57 60 66 69 72 78 79 88",
	    9, pl, 10),
	COUNTRY("SE", "Sweden", "Sverige", "70 72 73 76", 9, se, 5),
	COUNTRY("IT", "Italy", "Italia", "320 333 340 347 366 380 393",
	    10, it, 7),
};

static const char *const global_dom[] = { "gmail.com", "gmail.com",
    "gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com" };

/* Event types, weights in percent; product events name a SKU. */
static const struct {
	const char	*name;
	unsigned	 weight;
	bool		 product;
} types[] = {
	{ "view", 52, true }, { "cart", 13, true }, { "purchase", 7, true },
	{ "refund", 1, true }, { "search", 6, false }, { "signup", 2, false },
	{ "email_open", 12, false }, { "email_click", 7, false },
};

static const char *const channels[] = { "web", "web", "web", "web", "app",
    "app", "app", "ads", "ads", "sms", "store", "email" };
static const char *const devices[] = { "mobile", "mobile", "mobile",
    "mobile", "mobile", "desktop", "desktop", "desktop", "tablet" };
static const char *const campaigns[] = { "spring-sale", "black-friday",
    "newsletter-42", "retargeting", "summer-promo", "welcome-series",
    "winback-q3" };

/* One event, fields as text in the order they are written. */
struct event {
	char	event_id[24];
	char	ts[24];
	char	customer_id[16];
	char	cookie[24];	/* --mix ident only */
	char	email[96];
	char	phone[32];
	char	name[96];
	const char *country;
	const char *type;
	char	sku[16];
	char	qty[8];
	char	revenue[24];
	const char *channel;
	const char *device;
	const char *campaign;	/* "" when the event has none */
};

struct gen_opts {
	long		 count;
	long		 people;	/* --people, 0: count / 8 + 1 */
	bool		 ident;		/* --mix ident */
	bool		 csv;
	char		 delim;		/* ';' for csv-de, as German Excel */
	uint64_t	 seed;
};

/* A line under construction; sizes are bounded by struct event. */
struct line {
	char	p[LINE_MAX_BYTES];
	size_t	len;
};

/* splitmix64 (Steele, Lea, Flood 2014): a stream and a hash. */
static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t
next(uint64_t *state)
{
	*state += UINT64_C(0x9e3779b97f4a7c15);
	return mix64(*state);
}

/* Uniform in [0, n) by multiply-shift (Lemire); n < 2^32. */
static uint32_t
below(uint64_t r, uint32_t n)
{
	return (uint32_t)(((r >> 32) * n) >> 32);
}

/* Index in [0, n) with density falling linearly: a few are popular. */
static uint32_t
skewed(uint64_t *st, uint32_t n)
{
	uint32_t a = below(next(st), n), b = below(next(st), n);

	return a < b ? a : b;
}

static void
line_add(struct line *l, const char *s, size_t n)
{
	if (l->len + n > sizeof(l->p))
		cdp_die(EX_SOFTWARE, NULL, 0, "line buffer overflow");
	memcpy(l->p + l->len, s, n);
	l->len += n;
}

static void
line_adds(struct line *l, const char *s)
{
	line_add(l, s, strlen(s));
}

static void
line_addc(struct line *l, char c)
{
	line_add(l, &c, 1);
}

/* The decimal digits of v, at least width of them (zero-padded). */
static void
fmt_uint(char *dst, uint64_t v, int width)
{
	char tmp[24];
	int n = 0, i = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 || n < width);
	while (n > 0)
		dst[i++] = tmp[--n];
	dst[i] = '\0';
}

/* Days since 1970-01-01 to a civil date (Hinnant's algorithm). */
static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static void
format_ts(char *dst, int64_t t)
{
	int y, m, d;
	int64_t s = t % 86400;

	civil_from_days(t / 86400, &y, &m, &d);
	fmt_uint(dst, (uint64_t)y, 4);
	dst[4] = '-';
	fmt_uint(dst + 5, (uint64_t)m, 2);
	dst[7] = '-';
	fmt_uint(dst + 8, (uint64_t)d, 2);
	dst[10] = 'T';
	fmt_uint(dst + 11, (uint64_t)(s / 3600), 2);
	dst[13] = ':';
	fmt_uint(dst + 14, (uint64_t)(s / 60 % 60), 2);
	dst[16] = ':';
	fmt_uint(dst + 17, (uint64_t)(s % 60), 2);
	dst[19] = 'Z';
	dst[20] = '\0';
}

/* Cents as a number with two decimals: -4510 is "-45.10". */
static void
format_money(char *dst, int64_t cents)
{
	uint64_t a = (uint64_t)(cents < 0 ? -cents : cents);

	if (cents < 0)
		*dst++ = '-';
	fmt_uint(dst, a / 100, 1);
	dst += strlen(dst);
	*dst++ = '.';
	fmt_uint(dst, a % 100, 2);
}

static const struct country *
pick_country(uint64_t h)
{
	unsigned total = 0, r;
	size_t i;

	for (i = 0; i < N(countries); i++)
		total += countries[i].weight;
	r = below(h, total);
	for (i = 0; r >= countries[i].weight; i++)
		r -= countries[i].weight;
	return &countries[i];
}

/*
 * A customer's stable attributes come from a hash of their number, so
 * every event of customer c agrees on country, name, email and phone;
 * only the spelling varies from event to event.
 */
struct customer {
	const struct country	*c;
	const struct name	*first;
	const struct name	*last;
	char			 local[64];	/* email local part */
	const char		*domain;
	char			 nsn[16];	/* phone digits */
	unsigned		 fmt;		/* preferred phone format */
};

/* Copy a random word of the space-separated list to dst; its length. */
static unsigned
pick_prefix(char *dst, const char *list, uint64_t r)
{
	unsigned nw = 1, k, n = 0;
	const char *p;

	for (p = list; *p != '\0'; p++)
		nw += *p == ' ';
	for (k = below(r, nw), p = list; k > 0; p++)
		k -= *p == ' ';
	while (p[n] != '\0' && p[n] != ' ') {
		dst[n] = p[n];
		n++;
	}
	return n;
}

static void
make_customer(struct customer *cu, uint64_t seed, uint32_t id)
{
	uint64_t st = mix64(seed ^ ((uint64_t)id << 20));
	const struct country *c;
	const char *f, *l;
	unsigned nf, i;
	uint64_t r;

	c = cu->c = pick_country(next(&st));
	cu->first = &c->first[below(next(&st), (uint32_t)c->nfirst)];
	cu->last = &c->last[below(next(&st), (uint32_t)c->nlast)];
	f = cu->first->ascii;
	l = cu->last->ascii;
	r = next(&st);
	switch (below(r, 6)) {
	case 0:
		snprintf(cu->local, sizeof(cu->local), "%s.%s", f, l);
		break;
	case 1:
		snprintf(cu->local, sizeof(cu->local), "%s%s", f, l);
		break;
	case 2:
		snprintf(cu->local, sizeof(cu->local), "%c.%s", f[0], l);
		break;
	case 3:
		snprintf(cu->local, sizeof(cu->local), "%s_%s%02u", f, l,
		    (unsigned)(r & 0x3f) + 10);
		break;
	case 4:
		snprintf(cu->local, sizeof(cu->local), "%s%u", f,
		    1950u + (unsigned)(r & 0x3f));
		break;
	default:
		snprintf(cu->local, sizeof(cu->local), "%s.%s%u", l, f,
		    (unsigned)(r & 0xff));
		break;
	}
	r = next(&st);
	if (below(r, 10) < 6)
		cu->domain = global_dom[below(next(&st), N(global_dom))];
	else
		cu->domain = c->domain[below(next(&st),
		    (uint32_t)c->ndomain)];
	i = pick_prefix(cu->nsn, c->lead, next(&st));
	for (r = next(&st); i < (unsigned)c->nsn; i++, r /= 10)
		cu->nsn[i] = (char)('0' + r % 10);
	cu->nsn[i] = '\0';
	if (strcmp(c->code, "US") == 0 && cu->nsn[3] < '2')
		cu->nsn[3] += 2;	/* NANP: exchanges start with 2-9 */
	for (nf = 0; c->fmt[nf] != NULL; nf++)
		continue;
	cu->fmt = below(next(&st), nf);
}

/* The email as typed this time: mostly lower case, sometimes not. */
static void
spell_email(char *dst, size_t size, const struct customer *cu,
    uint64_t r)
{
	unsigned v = below(r, 100);
	const char *pad = v >= 97 ? " " : "";
	bool up = true;
	char *p;

	snprintf(dst, size, "%s%s@%s%s", pad, cu->local, cu->domain, pad);
	if (v < 72)
		return;
	for (p = dst; *p != '\0'; p++) {
		if (v < 80)		/* all capitals */
			*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		else if (up && *p >= 'a' && *p <= 'z')
			*p -= 32;	/* Capitalised.Parts@Domain.com */
		up = *p == '.' || *p == '_' || *p == '@' || *p == ' ';
	}
}

static void
spell_phone(char *dst, const struct customer *cu, uint64_t r)
{
	const char *const *fmt = cu->c->fmt;
	const char *f, *digit = cu->nsn;
	unsigned nf, k;

	for (nf = 0; fmt[nf] != NULL; nf++)
		continue;
	k = below(r, 10) < 8 ? cu->fmt : below(r, nf);
	for (f = fmt[k]; *f != '\0'; f++)
		*dst++ = *f == '#' ? *digit++ : *f;
	*dst = '\0';
}

/* Bytes in the UTF-8 character that starts s (valid UTF-8 assumed). */
static int
utf8_len(const char *s)
{
	unsigned char c = (unsigned char)*s;

	return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

/* The name as typed this time: "First Last", "Last, First", ... */
static void
spell_name(char *dst, size_t size, const struct customer *cu, uint64_t r)
{
	const char *f = cu->first->disp, *l = cu->last->disp;
	unsigned v = below(r, 100);

	if (v < 78)
		snprintf(dst, size, "%s %s", f, l);
	else if (v < 88)
		snprintf(dst, size, "%s, %s", l, f);
	else if (v < 93)
		snprintf(dst, size, "%.*s. %s", utf8_len(f), f, l);
	else if (v < 97)
		snprintf(dst, size, " %s  %s ", f, l);
	else if (v < 99)
		snprintf(dst, size, "%s", f);
	else
		snprintf(dst, size, "%s \"%c%c\" %s", f,
		    cu->first->ascii[0] - 32, cu->first->ascii[1], l);
}

static const char *
spell_country(const struct country *c, uint64_t r)
{
	static const char *const lower[] = { "us", "gb", "de", "fr", "es",
	    "pl", "se", "it" };
	unsigned v = below(r, 100);

	if (v < 84)
		return c->code;
	if (v < 92)
		return c->en;
	if (v < 96)
		return c->native;
	return lower[c - countries];
}

static const char *
pick_type(uint64_t r, bool *product)
{
	unsigned v = below(r, 100);
	size_t i;

	for (i = 0; v >= types[i].weight; i++)
		v -= types[i].weight;
	*product = types[i].product;
	return types[i].name;
}

/* The price of a product in cents, stable per SKU: 1.99 to 301.98. */
static int64_t
price(uint64_t seed, uint32_t sku)
{
	return 199 + (int64_t)(mix64(seed + sku) % 30000);
}

/*
 * Who the event names: orders, carts and sign-ups carry the contact
 * details; e-mail events only the address; views and searches are
 * anonymous unless the visitor is logged in, and then carry no phone.
 * Missing values are "".
 */
static void
make_contact(struct event *ev, const struct customer *cu, uint64_t *st)
{
	bool mail = strncmp(ev->type, "email", 5) == 0;
	bool web = strcmp(ev->type, "view") == 0 ||
	    strcmp(ev->type, "search") == 0;

	ev->email[0] = ev->phone[0] = ev->name[0] = '\0';
	if (web && below(next(st), 100) < 65)
		return;
	if (below(next(st), 1000) == 0) {	/* placeholders in the wild */
		strcpy(ev->email, "test@test.com");
		strcpy(ev->phone, "0000000000");
		return;
	}
	if (mail || below(next(st), 100) >= 4)
		spell_email(ev->email, sizeof(ev->email), cu, next(st));
	if (mail)
		return;
	if (!web && below(next(st), 100) >= 12)
		spell_phone(ev->phone, cu, next(st));
	spell_name(ev->name, sizeof(ev->name), cu, next(st));
}

#define NKIOSK	20	/* cookies of shared screens, --mix ident */

/*
 * --mix ident: who the event names, independent of its type, as the
 * identity benchmark wants it: a cookie always (one of the person's one
 * to three, or on 0.2% a shared screen's, seen with many people), the
 * email on 60% (a second address for 5% of people, on half their
 * events), the phone on 40%, the customer_id on 50%.
 */
static void
make_ident(struct event *ev, const struct customer *cu, uint64_t seed,
    uint32_t id, uint64_t *st)
{
	uint64_t h = mix64(seed ^ UINT64_C(0x636f6f6b6965) ^ id);
	uint32_t ncookie = 1 + below(h, 3);
	size_t n;

	ev->email[0] = ev->phone[0] = ev->name[0] = '\0';
	if (below(next(st), 1000) < 2)
		snprintf(ev->cookie, sizeof(ev->cookie), "ck-kiosk-%02u",
		    (unsigned)below(next(st), NKIOSK));
	else
		snprintf(ev->cookie, sizeof(ev->cookie), "ck-%016llx",
		    (unsigned long long)mix64(h + below(next(st), ncookie)));
	if (below(next(st), 100) < 60) {
		spell_email(ev->email, sizeof(ev->email), cu, next(st));
		n = strcspn(ev->email, "@");
		if (below(mix64(h), 100) < 5 && below(next(st), 2) == 0 &&
		    n + 5 < sizeof(ev->email)) {
			memmove(ev->email + n + 4, ev->email + n,
			    strlen(ev->email + n) + 1);
			memcpy(ev->email + n, ".alt", 4);
		}
	}
	if (below(next(st), 100) < 40)
		spell_phone(ev->phone, cu, next(st));
	if (below(next(st), 100) >= 50)
		ev->customer_id[0] = '\0';
	if (ev->email[0] != '\0' || ev->phone[0] != '\0')
		spell_name(ev->name, sizeof(ev->name), cu, next(st));
}

static void
make_event(struct event *ev, const struct gen_opts *o, uint64_t *st,
    long i)
{
	struct customer cu;
	uint32_t ncust = (uint32_t)(o->people > 0 ? o->people :
	    o->count / 8 + 1), id, sku;
	int64_t step = SPAN_SECONDS / o->count, t, cents = 0;
	long qty = 0;
	bool product;

	ev->cookie[0] = '\0';
	ev->event_id[0] = 'E';
	fmt_uint(ev->event_id + 1, (uint64_t)i + 1, 9);
	t = EPOCH_START + SPAN_SECONDS * i / o->count;
	if (step > 1)
		t += (int64_t)below(next(st), (uint32_t)step);
	format_ts(ev->ts, t);
	id = skewed(st, ncust);
	make_customer(&cu, o->seed, id);
	ev->customer_id[0] = 'C';
	fmt_uint(ev->customer_id + 1, id + 1, 7);
	ev->type = pick_type(next(st), &product);
	if (o->ident)
		make_ident(ev, &cu, o->seed, id, st);
	else
		make_contact(ev, &cu, st);
	ev->country = spell_country(cu.c, next(st));
	ev->sku[0] = '\0';
	if (product) {
		sku = skewed(st, NSKU);
		memcpy(ev->sku, "SKU-", 4);
		fmt_uint(ev->sku + 4, 10000 + sku, 5);
		qty = 1 + (long)(below(next(st), 100) < 70 ? 0 :
		    below(next(st), 4));
		cents = qty * price(o->seed, sku);
		if (strcmp(ev->type, "purchase") == 0 &&
		    below(next(st), 4) == 0)
			cents = cents * 85 / 100;	/* a discount */
		else if (strcmp(ev->type, "refund") == 0)
			cents = -cents;
		else if (strcmp(ev->type, "view") == 0)
			cents = qty = 0;
	}
	fmt_uint(ev->qty, (uint64_t)qty, 1);
	if (cents == 0)
		strcpy(ev->revenue, "0");
	else
		format_money(ev->revenue, cents);
	ev->channel = strncmp(ev->type, "email", 5) == 0 ? "email" :
	    channels[below(next(st), N(channels))];
	ev->device = devices[below(next(st), N(devices))];
	ev->campaign = below(next(st), 100) < 65 ? "" :
	    campaigns[below(next(st), N(campaigns))];
}

static void
put_json_str(struct line *l, const char *s)
{
	line_addc(l, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			line_addc(l, '\\');
		line_addc(l, *s);
	}
	line_addc(l, '"');
}

static void
put_json_field(struct line *l, const char *key, const char *val, bool str)
{
	if (l->len > 1)
		line_addc(l, ',');
	put_json_str(l, key);
	line_addc(l, ':');
	if (str)
		put_json_str(l, val);
	else
		line_adds(l, val);
}

/* props.campaign is absent when the event has none (CSV: empty cell). */
static void
write_ndjson(struct line *l, const struct event *ev)
{
	l->len = 0;
	line_addc(l, '{');
	put_json_field(l, "event_id", ev->event_id, true);
	put_json_field(l, "ts", ev->ts, true);
	put_json_field(l, "customer_id", ev->customer_id, true);
	if (ev->cookie[0] != '\0')
		put_json_field(l, "cookie", ev->cookie, true);
	put_json_field(l, "email", ev->email, true);
	put_json_field(l, "phone", ev->phone, true);
	put_json_field(l, "name", ev->name, true);
	put_json_field(l, "country", ev->country, true);
	put_json_field(l, "type", ev->type, true);
	put_json_field(l, "sku", ev->sku, true);
	put_json_field(l, "qty", ev->qty, false);
	put_json_field(l, "revenue", ev->revenue, false);
	put_json_field(l, "channel", ev->channel, true);
	line_adds(l, ",\"props\":{\"device\":");
	put_json_str(l, ev->device);
	if (ev->campaign[0] != '\0') {
		line_adds(l, ",\"campaign\":");
		put_json_str(l, ev->campaign);
	}
	line_adds(l, "}}\n");
}

/* RFC 4180: quote a field holding the delimiter, a quote, CR or LF. */
static void
put_csv_field(struct line *l, const char *s, char delim, bool last)
{
	const char special[] = { delim, '"', '\r', '\n', '\0' };

	if (strpbrk(s, special) == NULL) {
		line_adds(l, s);
	} else {
		line_addc(l, '"');
		for (; *s != '\0'; s++) {
			if (*s == '"')
				line_addc(l, '"');
			line_addc(l, *s);
		}
		line_addc(l, '"');
	}
	if (last)
		line_adds(l, "\r\n");
	else
		line_addc(l, delim);
}

static const char csv_header[] = "event_id,ts,customer_id,email,phone,"
    "name,country,type,sku,qty,revenue,channel,props_device,"
    "props_campaign\r\n";

/*
 * A CSV row; with ';' between fields it is written as German Excel does,
 * with a decimal comma in the revenue.
 */
static void
write_csv(struct line *l, const struct event *ev, char d)
{
	char revenue[sizeof(ev->revenue)];
	char *dot;

	strcpy(revenue, ev->revenue);
	if (d == ';' && (dot = strchr(revenue, '.')) != NULL)
		*dot = ',';
	l->len = 0;
	put_csv_field(l, ev->event_id, d, false);
	put_csv_field(l, ev->ts, d, false);
	put_csv_field(l, ev->customer_id, d, false);
	put_csv_field(l, ev->email, d, false);
	put_csv_field(l, ev->phone, d, false);
	put_csv_field(l, ev->name, d, false);
	put_csv_field(l, ev->country, d, false);
	put_csv_field(l, ev->type, d, false);
	put_csv_field(l, ev->sku, d, false);
	put_csv_field(l, ev->qty, d, false);
	put_csv_field(l, revenue, d, false);
	put_csv_field(l, ev->channel, d, false);
	put_csv_field(l, ev->device, d, false);
	put_csv_field(l, ev->campaign, d, true);
}

static int
parse_seed(const char *s, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	*out = strtoull(s, &end, 0);
	return *end == '\0' ? 0 : -1;
}

static void
parse_options(int argc, char *argv[], struct gen_opts *o)
{
	static const struct option longopts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "mix", required_argument, NULL, 'm' },
		{ "people", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	o->count = 1000;
	o->people = 0;
	o->ident = false;
	o->csv = false;
	o->delim = ',';
	o->seed = DEFAULT_SEED;
	while ((ch = getopt_long(argc, argv, "f:hn:s:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'f':
			if (strcmp(optarg, "csv") != 0 &&
			    strcmp(optarg, "csv-de") != 0 &&
			    strcmp(optarg, "ndjson") != 0)
				cdp_usage_die(usage_text, "bad format: %s",
				    optarg);
			o->csv = strcmp(optarg, "ndjson") != 0;
			o->delim = strcmp(optarg, "csv-de") == 0 ? ';' : ',';
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case 'm':
			if (strcmp(optarg, "contact") != 0 &&
			    strcmp(optarg, "ident") != 0)
				cdp_usage_die(usage_text, "bad mix: %s",
				    optarg);
			o->ident = strcmp(optarg, "ident") == 0;
			break;
		case 'p':
			if (cdp_parse_long(optarg, 1, 1000000000L,
			    &o->people) == -1)
				cdp_usage_die(usage_text, "bad people: %s",
				    optarg);
			break;
		case 'n':
			if (cdp_parse_long(optarg, 1, 1000000000L,
			    &o->count) == -1)
				cdp_usage_die(usage_text, "bad count: %s",
				    optarg);
			break;
		case 's':
			if (parse_seed(optarg, &o->seed) == -1)
				cdp_usage_die(usage_text, "bad seed: %s",
				    optarg);
			break;
		default:
			cdp_usage_die(usage_text, "unknown option");
		}
	}
	if (optind != argc)
		cdp_usage_die(usage_text, "unexpected argument: %s",
		    argv[optind]);
	if (o->ident && o->csv)
		cdp_usage_die(usage_text, "--mix ident writes NDJSON only");
}

int
main(int argc, char *argv[])
{
	static char obuf[1 << 20];
	struct gen_opts opt;
	struct event ev;
	struct line l;
	uint64_t st;
	long i;

	cdp_diag_init("gen_events");
	parse_options(argc, argv, &opt);
	if (setvbuf(stdout, obuf, _IOFBF, sizeof(obuf)) != 0)
		cdp_die(EX_OSERR, NULL, 0, "cannot buffer output");
	st = opt.seed;
	if (opt.csv && opt.delim == ';') {
		/* Excel's "CSV UTF-8": a byte order mark, then ';'. */
		fputs("\xef\xbb\xbf", stdout);
		for (const char *h = csv_header; *h != '\0'; h++)
			putchar(*h == ',' ? ';' : *h);
	} else if (opt.csv) {
		fputs(csv_header, stdout);
	}
	for (i = 0; i < opt.count; i++) {
		make_event(&ev, &opt, &st, i);
		if (opt.csv)
			write_csv(&l, &ev, opt.delim);
		else
			write_ndjson(&l, &ev);
		if (fwrite(l.p, 1, l.len, stdout) != l.len)
			break;
	}
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0)
		cdp_die(EX_IOERR, "<stdout>", 0, "write error");
	return 0;
}
