/*
 * gen_week.c - a week of a shop's data from five sources, with the truth
 * of who is who: the input of tests/e2e (issue 15).  Deterministic (own
 * PRNG, integer arithmetic): the same options give the same bytes.
 *
 * Per day D (from 2026-03-02) in OUT/day-N/:
 *   crm-D.csv      the CRM export as Excel writes it (UTF-8 BOM, CRLF,
 *                  quoted names, dd/mm/yyyy dates, national phones);
 *                  day 1 every customer, later days the new and changed
 *   web-D.ndjson   web events of cookies that log in (then with email),
 *                  some never; a share sent again the next day
 *   pos-D.csv      shop tills of four countries, customers' phones as
 *                  people give them there, walk-ins without any; day 4
 *                  brings a late batch from ten days before
 *   consent-D.ndjson  preference-centre snapshots (email, sms, ads)
 *   email-D.ndjson    the email service's events
 *   truth-D.ndjson    {"file","line","person"} for every record above
 * People move (city, time zone), change email (the CRM keeps their
 * customer_id), share a household phone, or are never identified.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "diag.h"
#include "opts.h"
#include "xalloc.h"

#define DAYS_MAX	31
#define DAY0		INT64_C(1772409600)	/* 2026-03-02T00:00:00Z */

static const char usage_text[] =
    "usage: gen_week -o DIR [-p people] [-d days] [-e events] [-s seed]\n";

static uint64_t rng;

/* splitmix64: the same sequence on every machine. */
static uint64_t
next(void)
{
	uint64_t z = (rng += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static unsigned
pick(unsigned n)
{
	return (unsigned)(next() % n);
}

/* True with probability pct/1000. */
static int
chance(unsigned per_mille)
{
	return pick(1000) < per_mille;
}

struct country {
	const char	*code, *tz, *store;
	const char	*first[6], *last[6], *city[3], *domain;
};

static const struct country countries[] = {
	{ "GB", "Europe/London", "London Oxford St",
	  { "Oliver", "Amelia", "Siân", "George", "Niamh", "Harry" },
	  { "Taylor", "O'Brien, Jr", "Evans", "Patel", "Kelly", "Wilson" },
	  { "London", "Leeds", "Bristol" }, "example.co.uk" },
	{ "DE", "Europe/Berlin", "Berlin Mitte",
	  { "Jürgen", "Anna", "Lukas", "Käthe", "Jörg", "Lena" },
	  { "Müller", "Schmidt", "Weiß", "Schäfer", "Becker", "Hoffmann" },
	  { "Berlin", "München", "Köln" }, "example.de" },
	{ "PL", "Europe/Warsaw", "Kraków Rynek",
	  { "Łukasz", "Zofia", "Wojciech", "Małgorzata", "Piotr", "Anna" },
	  { "Nowak", "Kowalski", "Wiśniewska", "Wójcik", "Kamiński", "Zając" },
	  { "Kraków", "Warszawa", "Gdańsk" }, "example.pl" },
	{ "US", "America/New_York", "New York 5th Ave",
	  { "James", "Mary", "Zoë", "Michael", "Renée", "Linda" },
	  { "Smith", "García", "Nguyen", "Johnson", "Miller", "Kelly" },
	  { "New York", "Boston", "Chicago" }, "example.com" },
};
#define NCOUNTRY	(sizeof(countries) / sizeof(countries[0]))

struct person {
	unsigned	 c;		/* country */
	unsigned	 first, last, city;
	int		 crm;		/* has a customer_id */
	int		 web, anon;	/* has a cookie; never logs in */
	int		 walkin;	/* buys at the till, never identified */
	unsigned	 mobile;	/* digits of the national number */
	int		 hh;		/* household head sharing a landline,
					 * -1 for none */
	unsigned	 landline;
	int		 email_day;	/* changes email on this day, or 0 */
	int		 move_day;	/* moves on this day, or 0 */
	unsigned	 move_to;	/* new country */
	int		 signup_day;	/* new customer on this day, or 0 */
	int		 consent[3];	/* email, sms, ads */
	int		 consent_day;	/* changes preferences, or 0 */
};

static struct person *people;
static int npeople, ndays, events = 3;
static char outdir[4096];

/* One output file of a day, and its truth lines. */
struct file {
	FILE	*f, *truth;
	char	 name[64];
	long	 line;
};

static void
open_file(struct file *o, int day, const char *stem, const char *ext,
    FILE *truth)
{
	char path[4400], date[16];
	int64_t t = DAY0 + (int64_t)(day - 1) * 86400;
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	snprintf(o->name, sizeof(o->name), "%s-%s.%s", stem, date, ext);
	snprintf(path, sizeof(path), "%s/day-%d/%s", outdir, day, o->name);
	if ((o->f = fopen(path, "w")) == NULL)
		cdp_die(EX_CANTCREAT, path, 0, "cannot create");
	o->truth = truth;
	o->line = 0;
}

/* A record at line(s) of o belongs to person p (-1: an anonymous one). */
static void
truth(struct file *o, int p, long lines)
{
	o->line++;
	if (p >= 0)
		fprintf(o->truth, "{\"file\":\"%s\",\"line\":%ld,\"person\":"
		    "\"P%05d\"}\n", o->name, o->line, p);
	else
		fprintf(o->truth, "{\"file\":\"%s\",\"line\":%ld,\"person\":"
		    "\"A%s-%ld\"}\n", o->name, o->line, o->name, o->line);
	o->line += lines - 1;
}

static void
close_file(struct file *o)
{
	if (fclose(o->f) != 0)
		cdp_die(EX_IOERR, o->name, 0, "write error");
}

static void
iso(char *buf, size_t n, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static unsigned
country_now(const struct person *p, int day)
{
	return p->move_day > 0 && day >= p->move_day ? p->move_to : p->c;
}

/* The person's email on a day, as the person types it (case varies). */
static void
email(char *buf, size_t n, const struct person *p, int i, int day, int cased)
{
	const struct country *c = &countries[p->c];
	int second = p->email_day > 0 && day >= p->email_day;
	const char *f = second ? "mail" : "me";

	snprintf(buf, n, cased ? "P%05d.%s@%s" : "p%05d.%s@%s", i, f,
	    c->domain);
}

/*
 * A national number as people in its country write it, always in a range
 * its numbering plan assigns (libphonenumber's metadata), so that the
 * only bad phones are the ones made bad on purpose.
 */
static void
phone(char *buf, size_t n, unsigned c, unsigned d, int landline)
{
	static const char *const pl_mobile[] = { "50", "51", "53", "57",
	    "60", "66", "69", "72", "73", "78", "79" };
	static const unsigned us_area[] = { 202, 212, 312, 415, 617, 713,
	    305, 404, 503, 612 };

	switch (c) {
	case 0:
		if (landline)
			snprintf(buf, n, "020 7946 %04u", d % 10000);
		else
			snprintf(buf, n, "07%03u %06u", 100 + d / 1000000 % 300,
			    d % 1000000);
		break;
	case 1:
		snprintf(buf, n, landline ? "030 %08u" : "0151 %08u",
		    10000000 + d % 90000000);
		break;
	case 2:
		if (landline)
			snprintf(buf, n, "12 %03u %02u %02u", d % 1000,
			    d / 1000 % 100, d / 100000 % 100);
		else
			snprintf(buf, n, "%s%u %03u %03u",
			    pl_mobile[d / 1000000 % 11], d / 100000 % 10,
			    d / 1000 % 1000, d % 1000);
		break;
	default:
		snprintf(buf, n, "(%03u) %03u-%04u", us_area[d / 10000000 % 10],
		    220 + d / 10000 % 700, d % 10000);
		break;
	}
}

static void
make_people(void)
{
	people = calloc((size_t)npeople, sizeof(*people));
	if (people == NULL)
		cdp_oom(0);
	for (int i = 0; i < npeople; i++) {
		struct person *p = &people[i];
		unsigned w = pick(100);

		p->c = w < 40 ? 0 : w < 65 ? 1 : w < 85 ? 2 : 3;
		p->first = pick(6);
		p->last = pick(6);
		p->city = pick(3);
		p->walkin = chance(60);
		p->crm = !p->walkin && chance(750);
		p->web = !p->walkin && chance(850);
		p->anon = p->web && !p->crm && chance(300);
		p->mobile = (unsigned)i * 7919u + pick(7);
		p->hh = -1;
		p->landline = (unsigned)i * 104729u;
		p->email_day = p->crm && chance(40) ? 2 + (int)pick(5) : 0;
		p->move_day = chance(40) ? 2 + (int)pick(5) : 0;
		p->move_to = pick(NCOUNTRY);
		p->signup_day = p->crm && chance(120) ? 2 + (int)pick(5) : 0;
		for (int k = 0; k < 3; k++)
			p->consent[k] = chance(700);
		p->consent_day = chance(80) ? 2 + (int)pick(5) : 0;
	}
	/* Households: two customers of one country share a landline. */
	for (int i = 0; i + 1 < npeople; i += 2)
		if (people[i].crm && people[i + 1].crm && chance(30)) {
			people[i].hh = people[i + 1].hh = i;
			people[i + 1].c = people[i].c;
		}
}

static void
csv_text(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void
crm_row(struct file *o, int i, int day)
{
	const struct person *p = &people[i];
	const struct country *c = &countries[country_now(p, day)];
	char e[96], ph[40], up[32];
	int sd = p->signup_day > 0 ? p->signup_day : 1;
	int64_t signup = DAY0 + (int64_t)(sd - 1) * 86400 -
	    (p->signup_day > 0 ? 0 : (int64_t)(30 + (i % 700)) * 86400);
	time_t st = (time_t)signup;
	struct tm tm;

	gmtime_r(&st, &tm);
	email(e, sizeof(e), p, i, day, 1);
	if (p->hh >= 0)
		phone(ph, sizeof(ph), p->c, people[p->hh].landline, 1);
	else
		phone(ph, sizeof(ph), p->c, p->mobile, 0);
	iso(up, sizeof(up), DAY0 + (int64_t)(day - 1) * 86400 + 3600);
	fprintf(o->f, "C%05d,", i);
	csv_text(o->f, countries[p->c].first[p->first]);
	fputc(',', o->f);
	csv_text(o->f, countries[p->c].last[p->last]);
	fprintf(o->f, ",%s,%s,%s,", e, ph, c->code);
	csv_text(o->f, c->city[p->city]);
	fprintf(o->f, ",%s,%02d/%02d/%04d,%s,%s\r\n", c->tz, tm.tm_mday,
	    tm.tm_mon + 1, tm.tm_year + 1900, i % 11 == 0 ? "yes" : "no", up);
	truth(o, i, 1);
}

static void
write_crm(int day, FILE *tr)
{
	struct file o;

	open_file(&o, day, "crm", "csv", tr);
	fputs("\xef\xbb\xbf" "customer_id,first_name,last_name,email,phone,"
	    "country,city,tz,signup_date,vip,updated_at\r\n", o.f);
	o.line = 1;
	for (int i = 0; i < npeople; i++) {
		const struct person *p = &people[i];

		if (!p->crm)
			continue;
		if ((day == 1 && p->signup_day == 0) || day == p->signup_day ||
		    (day > 1 && (day == p->email_day || day == p->move_day)))
			crm_row(&o, i, day);
	}
	close_file(&o);
}

static const char *const pages[] = { "/", "/shoes", "/bags", "/sale" };

/* One web event of person i (or anonymous cookie a) at t. */
static void
web_event(struct file *o, int i, int day, int64_t t, const char *type,
    long *seq, int again)
{
	const struct person *p = &people[i];
	char ts[32], e[96];

	iso(ts, sizeof(ts), t);
	fprintf(o->f, "{\"event_id\":\"w%d-%06ld\",\"ts\":\"%s\",\"cookie\":"
	    "\"ck-%05d\",\"type\":\"%s\",\"page\":\"%s\"", again ? day - 1 :
	    day, *seq, ts, i, type, pages[pick(4)]);
	if (!p->anon && (strcmp(type, "login") == 0 ||
	    strcmp(type, "purchase") == 0)) {
		email(e, sizeof(e), p, i, day, pick(2));
		fprintf(o->f, ",\"email\":\"%s\"", e);
	}
	if (strcmp(type, "purchase") == 0)
		fprintf(o->f, ",\"price\":%u.%02u", 10 + pick(190), pick(100));
	fputs("}\n", o->f);
	truth(o, i, 1);
	(*seq)++;
}

static void
write_web(int day, FILE *tr, char *resend, size_t cap, size_t *nresend)
{
	static const char *const flow[] = { "view", "login", "cart",
	    "purchase" };
	size_t nold = *nresend;
	char *old = NULL;
	struct file o;
	long seq = 0;

	open_file(&o, day, "web", "ndjson", tr);
	/* Yesterday's events sent again (at-least-once delivery). */
	if (nold > 0) {
		if ((old = malloc(nold)) == NULL)
			cdp_oom(nold);
		memcpy(old, resend, nold);
	}
	*nresend = 0;
	for (int i = 0; i < npeople; i++) {
		const struct person *p = &people[i];
		int n = p->web ? (int)pick((unsigned)events * 2 + 1) : 0;
		/* A visit that is more than a glance logs in. */
		if (n == 1 && chance(700))
			n = 2;
		int64_t t = DAY0 + (int64_t)(day - 1) * 86400 + 6 * 3600 +
		    pick(14 * 3600);

		for (int k = 0; k < n; k++) {
			/* A cart left alone sometimes, bought sometimes. */
			const char *type = flow[k < 4 ? k : 0];

			if (k == 3 && chance(400))
				break;
			web_event(&o, i, day, t, type, &seq, 0);
			t += 300 + pick(3 * 3600);
		}
	}
	for (size_t at = 0; at < nold;) {
		size_t len = strlen(old + at);
		int i = atoi(old + at);

		fputs(strchr(old + at, '{'), o.f);
		truth(&o, i, 1);
		at += len + 1;
	}
	close_file(&o);
	free(old);
	/* A share of today's lines will come again tomorrow. */
	{
		char path[4400], line[1024];
		FILE *f;
		long n = 0;

		snprintf(path, sizeof(path), "%s/day-%d/%s", outdir, day,
		    o.name);
		if ((f = fopen(path, "r")) == NULL)
			cdp_die(EX_NOINPUT, path, 0, "cannot read back");
		while (fgets(line, sizeof(line), f) != NULL) {
			const char *ck = strstr(line, "\"ck-");
			int len;

			if (++n > seq || !chance(20) || ck == NULL)
				continue;
			len = snprintf(resend + *nresend, cap - *nresend,
			    "%d %s", atoi(ck + 4), line);
			if (len < 0 || (size_t)len + 1 >= cap - *nresend)
				break;
			*nresend += (size_t)len + 1;
		}
		fclose(f);
	}
}

static void
pos_row(struct file *o, int i, int64_t t, long *seq, int nophone)
{
	const struct person *p = &people[i];
	unsigned c = p->c;
	char ts[32], ph[40] = "";

	iso(ts, sizeof(ts), t);
	if (!nophone)
		phone(ph, sizeof(ph), c, p->mobile, 0);
	fprintf(o->f, "R%08ld,%s,", (*seq)++, ts);
	csv_text(o->f, countries[c].store);
	fprintf(o->f, ",%s,%s,%u.%02u\r\n", countries[c].code, ph,
	    5 + pick(300), pick(100));
	truth(o, p->walkin ? -1 : i, 1);
}

static void
write_pos(int day, FILE *tr)
{
	struct file o;
	long seq = (long)day * 100000;

	open_file(&o, day, "pos", "csv", tr);
	fputs("receipt_id,ts,store,store_country,phone,amount\r\n", o.f);
	o.line = 1;
	for (int i = 0; i < npeople; i++) {
		const struct person *p = &people[i];
		int64_t t = DAY0 + (int64_t)(day - 1) * 86400 + 9 * 3600 +
		    pick(10 * 3600);

		/* Customers give the phone of their loyalty account; others
		 * rarely come, and give nothing. */
		int card = p->crm && p->hh < 0 && day >= p->signup_day;

		if (p->walkin ? chance(300) : chance(card ? 150 : 10))
			pos_row(&o, i, t, &seq, !card);
		/* Day 4: a till that was offline uploads ten days late. */
		if (day == 4 && card && chance(60))
			pos_row(&o, i, t - 10 * 86400, &seq, 0);
		/* The first night loads a month of history. */
		for (int b = 1; day == 1 && card && b <= 30; b++)
			if (chance(40))
				pos_row(&o, i, t - (int64_t)b * 86400, &seq, 0);
	}
	close_file(&o);
}

static void
write_consent(int day, FILE *tr)
{
	struct file o;

	open_file(&o, day, "consent", "ndjson", tr);
	for (int i = 0; i < npeople; i++) {
		struct person *p = &people[i];
		char ts[32], e[96];

		if (p->anon || p->walkin || !(day == 1 || day == p->consent_day))
			continue;
		if (day > 1)
			for (int k = 0; k < 3; k++)
				p->consent[k] = !p->consent[k];
		iso(ts, sizeof(ts), DAY0 + (int64_t)(day - 1) * 86400 +
		    7 * 3600 + pick(12 * 3600));
		email(e, sizeof(e), p, i, day, 0);
		fprintf(o.f, "{\"email\":\"%s\",\"ts\":\"%s\",\"consent\":"
		    "{\"email\":%s,\"sms\":%s,\"ads\":%s}}\n", e, ts,
		    p->consent[0] ? "true" : "false",
		    p->consent[1] ? "true" : "false",
		    p->consent[2] ? "true" : "false");
		truth(&o, i, 1);
	}
	close_file(&o);
}

static void
write_email(int day, FILE *tr)
{
	static const char *const ev[] = { "delivered", "open", "click",
	    "bounce" };
	struct file o;
	long seq = 0;

	open_file(&o, day, "email", "ndjson", tr);
	for (int i = 0; i < npeople; i++) {
		const struct person *p = &people[i];
		char ts[32], e[96];

		if (p->anon || p->walkin || !p->consent[0] || !chance(300))
			continue;
		iso(ts, sizeof(ts), DAY0 + (int64_t)(day - 1) * 86400 +
		    10 * 3600 + pick(8 * 3600));
		email(e, sizeof(e), p, i, day, 0);
		fprintf(o.f, "{\"message_id\":\"m%d-%05ld\",\"email\":\"%s\","
		    "\"ts\":\"%s\",\"event\":\"%s\"}\n", day, seq++, e, ts,
		    ev[pick(4)]);
		truth(&o, i, 1);
	}
	close_file(&o);
}

static void
write_day(int day, char *resend, size_t cap, size_t *nresend)
{
	char path[4400], date[16];
	time_t tt = (time_t)(DAY0 + (int64_t)(day - 1) * 86400);
	struct tm tm;
	FILE *tr;

	snprintf(path, sizeof(path), "%s/day-%d", outdir, day);
	if (mkdir(path, 0777) == -1)
		cdp_die(EX_CANTCREAT, path, 0, "cannot create (exists?)");
	gmtime_r(&tt, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	snprintf(path, sizeof(path), "%s/day-%d/truth-%s.ndjson", outdir, day,
	    date);
	if ((tr = fopen(path, "w")) == NULL)
		cdp_die(EX_CANTCREAT, path, 0, "cannot create");
	write_crm(day, tr);
	write_web(day, tr, resend, cap, nresend);
	write_pos(day, tr);
	write_consent(day, tr);
	write_email(day, tr);
	if (fclose(tr) != 0)
		cdp_die(EX_IOERR, path, 0, "write error");
}

static long
number(const char *s, long min, long max)
{
	long v;

	if (cdp_parse_long(s, min, max, &v) == -1)
		cdp_die(EX_USAGE, NULL, 0, "bad number \"%s\"", s);
	return v;
}

int
main(int argc, char *argv[])
{
	size_t cap = (size_t)1 << 26, nresend = 0;
	char *resend;
	const char *out = NULL;
	int ch;

	cdp_diag_init("gen_week");
	npeople = 300;
	ndays = 7;
	rng = UINT64_C(0x6364706970650007);
	while ((ch = getopt(argc, argv, "d:e:o:p:s:")) != -1) {
		switch (ch) {
		case 'd':
			ndays = (int)number(optarg, 1, DAYS_MAX);
			break;
		case 'e':
			events = (int)number(optarg, 1, 100);
			break;
		case 'o':
			out = optarg;
			break;
		case 'p':
			npeople = (int)number(optarg, 2, 10000000);
			break;
		case 's':
			rng = (uint64_t)number(optarg, 0, 0x7fffffffL);
			break;
		default:
			fputs(usage_text, stderr);
			return EX_USAGE;
		}
	}
	if (out == NULL || optind != argc) {
		fputs(usage_text, stderr);
		return EX_USAGE;
	}
	snprintf(outdir, sizeof(outdir), "%s", out);
	if (mkdir(outdir, 0777) == -1)
		cdp_die(EX_CANTCREAT, outdir, 0, "cannot create (exists?)");
	if ((resend = malloc(cap)) == NULL)
		cdp_oom(cap);
	make_people();
	for (int d = 1; d <= ndays; d++)
		write_day(d, resend, cap, &nresend);
	free(resend);
	free(people);
	return 0;
}
