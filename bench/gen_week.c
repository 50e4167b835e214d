/*
 * gen_week.c - a week of a shop's data from five sources, with the truth
 * of who is who: the input of tests/e2e (issue 15).  Deterministic (own
 * PRNG, integer arithmetic): the same options give the same bytes.
 *
 * Per day D (from 2026-03-02) in OUT/day-N/:
 *   crm-D.csv      the CRM export as German Excel writes it: a UTF-8 BOM,
 *                  ';' between fields, CRLF, German headers, dates as
 *                  dd.mm.yyyy, times as dd.mm.yyyy hh:mm local (Berlin),
 *                  decimal commas (1.234,56), Ja/Nein, countries as
 *                  people write them (UK, Deutschland, Polska, USA),
 *                  notes over several lines, keine/n/a/0000000000 in
 *                  empty optional cells, now and then a day that does
 *                  not exist (30.02.) -- a row to reject; day 1 every
 *                  customer, later days the new and changed
 *   web-D.ndjson   web events of cookies that log in (then with email),
 *                  some never; a share sent again the next day, a few
 *                  lines cut short by the collector; day 1 also brings
 *                  the history of the weeks before of some visitors
 *   pos-D.csv      shop tills of four countries: amounts as each prints
 *                  them (£1,234.50, 1.234,56 €, 12,50 zł, $12.50), the
 *                  loyalty card or the phone the customer gives, as
 *                  people there write it (national, or international
 *                  after a move), mistyped now and then, 0000000000 for
 *                  none; walk-ins without either; day 1 loads a month of
 *                  history, day 4 a late batch from ten days before
 *   consent-D.csv     preference-centre changes (yes/no per channel)
 *   email-D.ndjson    the email service's events, some delivered twice
 *                     (the same day or the next)
 *   truth-D.ndjson    {"file","line","person"} for every record above
 *   expect-D.ndjson   the abandoned carts planted to test re-entry (the
 *                     journey of examples/daily starts over after 3
 *                     days): {"person","cart","action","sent"[,"reason"]}
 * People move (country, time zone, phone written with its calling
 * code), change email (the CRM keeps their customer_id), share a
 * household phone, or are never identified.
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
#define DAY		INT64_C(86400)
#define HOUR		INT64_C(3600)

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

/* True with probability per_mille/1000. */
static int
chance(unsigned per_mille)
{
	return pick(1000) < per_mille;
}

struct country {
	const char	*code, *tz, *store, *cc;
	const char	*names[3];	/* as a German CRM clerk writes it */
	const char	*first[6], *last[6], *city[3], *domain;
};

static const struct country countries[] = {
	{ "GB", "Europe/London", "London Oxford St", "44",
	  { "GB", "UK", "United Kingdom" },
	  { "Oliver", "Amelia", "Siân", "George", "Niamh", "Harry" },
	  { "Taylor", "O'Brien, Jr", "Evans", "Patel", "Kelly", "Wilson" },
	  { "London", "Leeds", "Bristol" }, "example.co.uk" },
	{ "DE", "Europe/Berlin", "Berlin Mitte", "49",
	  { "DE", "Deutschland", "Germany" },
	  { "Jürgen", "Anna", "Lukas", "Käthe", "Jörg", "Lena" },
	  { "Müller", "Schmidt", "Weiß", "Schäfer", "Becker", "Hoffmann" },
	  { "Berlin", "München", "Köln" }, "example.de" },
	{ "PL", "Europe/Warsaw", "Kraków Rynek", "48",
	  { "PL", "Polska", "Poland" },
	  { "Łukasz", "Zofia", "Wojciech", "Małgorzata", "Piotr", "Anna" },
	  { "Nowak", "Kowalski", "Wiśniewska", "Wójcik", "Kamiński", "Zając" },
	  { "Kraków", "Warszawa", "Gdańsk" }, "example.pl" },
	{ "US", "America/New_York", "New York 5th Ave", "1",
	  { "US", "USA", "United States" },
	  { "James", "Mary", "Zoë", "Michael", "Renée", "Linda" },
	  { "Smith", "García", "Nguyen", "Johnson", "Miller", "Kelly" },
	  { "New York", "Boston", "Chicago" }, "example.com" },
};
#define NCOUNTRY	(sizeof(countries) / sizeof(countries[0]))

static const char *const notes[] = {
	"Ruft lieber abends an",
	"Reklamation 02/2026;\r\nErsatz geschickt",
	"Möchte \"keine\" Werbung per Post\r\nnur E-Mail",
	"VIP-Event 2025\r\nbegleitet von Partner;\r\nTisch 4",
};
#define NNOTE		(sizeof(notes) / sizeof(notes[0]))

struct person {
	unsigned	 c;		/* country */
	unsigned	 first, last, city, cname;
	int		 crm;		/* has a customer_id */
	int		 web, anon;	/* has a cookie; never logs in */
	int		 walkin;	/* buys at the till, never identified */
	int		 nophone;	/* the CRM has no phone (a placeholder) */
	int		 noemail;	/* the CRM has no email (a placeholder) */
	int		 card;		/* shows the loyalty card at the till */
	unsigned	 note;		/* 1 + note in the CRM, or 0 */
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
	int		 reentry_day;	/* abandons a cart on this day, the
					 * next, and four days after, 3 weeks
					 * after the last one; or 0 */
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

/* Lines of a day to be delivered again the next ("PERSON LINE\0"...). */
struct resend {
	char	*buf;
	size_t	 len, cap;
};

static void
day_date(char *buf, size_t n, int day)
{
	time_t tt = (time_t)(DAY0 + (int64_t)(day - 1) * DAY);
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, n, "%Y-%m-%d", &tm);
}

static void
open_file(struct file *o, int day, const char *stem, const char *ext,
    FILE *truth)
{
	char path[4400], date[16];

	day_date(date, sizeof(date), day);
	snprintf(o->name, sizeof(o->name), "%s-%s.%s", stem, date, ext);
	snprintf(path, sizeof(path), "%s/day-%d/%s", outdir, day, o->name);
	if ((o->f = fopen(path, "w")) == NULL)
		cdp_die(EX_CANTCREAT, path, 0, "cannot create");
	o->truth = truth;
	o->line = 0;
}

/* A record of `lines' lines of o belongs to person p (-1: an anonymous
 * one). */
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

/* t as German Excel writes a time in Berlin: dd.mm.yyyy hh:mm (CET,
 * UTC+1, in the weeks generated). */
static void
excel_time(char *buf, size_t n, int64_t t)
{
	time_t tt = (time_t)(t + HOUR);
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, n, "%d.%m.%Y %H:%M", &tm);
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
 * only bad phones are the ones made bad on purpose.  With intl, the same
 * number with its calling code, as someone abroad gives it.
 */
static void
phone(char *buf, size_t n, unsigned c, unsigned d, int landline, int intl)
{
	static const char *const pl_mobile[] = { "50", "51", "53", "57",
	    "60", "66", "69", "72", "73", "78", "79" };
	static const unsigned us_area[] = { 202, 212, 312, 415, 617, 713,
	    305, 404, 503, 612 };
	char nat[24];
	const char *digits = nat;

	switch (c) {
	case 0:
		if (landline)
			snprintf(nat, sizeof(nat), "020 7946 %04u", d % 10000);
		else
			snprintf(nat, sizeof(nat), "07%03u %06u",
			    100 + d / 1000000 % 300, d % 1000000);
		break;
	case 1:
		snprintf(nat, sizeof(nat), landline ? "030 %08u" :
		    "0151 %08u", 10000000 + d % 90000000);
		break;
	case 2:
		if (landline)
			snprintf(nat, sizeof(nat), "12 %03u %02u %02u",
			    d % 1000, d / 1000 % 100, d / 100000 % 100);
		else
			snprintf(nat, sizeof(nat), "%s%u %03u %03u",
			    pl_mobile[d / 1000000 % 11], d / 100000 % 10,
			    d / 1000 % 1000, d % 1000);
		break;
	default:
		snprintf(nat, sizeof(nat), "(%03u) %03u-%04u",
		    us_area[d / 10000000 % 10], 220 + d / 10000 % 700,
		    d % 10000);
		break;
	}
	if (!intl) {
		snprintf(buf, n, "%s", nat);
		return;
	}
	/* Abroad: the calling code, no trunk prefix, no parentheses. */
	if (*digits == '0')
		digits++;
	snprintf(buf, n, "+%s %s", countries[c].cc, digits);
	for (char *s = buf; *s; s++)
		if (*s == '(' || *s == ')' || *s == '-')
			*s = ' ';
}

/* An amount in cents as a till of country c prints it. */
static void
amount(char *buf, size_t n, unsigned c, unsigned cents)
{
	unsigned u = cents / 100, f = cents % 100;
	char num[32];

	/* Thousands grouped: point in DE, space in PL, comma else. */
	if (u >= 1000)
		snprintf(num, sizeof(num), "%u%s%03u%s%02u", u / 1000,
		    c == 1 ? "." : c == 2 ? " " : ",", u % 1000,
		    c == 1 || c == 2 ? "," : ".", f);
	else
		snprintf(num, sizeof(num), "%u%s%02u", u,
		    c == 1 || c == 2 ? "," : ".", f);
	switch (c) {
	case 0:
		snprintf(buf, n, "£%s", num);
		break;
	case 1:
		snprintf(buf, n, "%s €", num);
		break;
	case 2:
		snprintf(buf, n, "%s zł", num);
		break;
	default:
		snprintf(buf, n, "$%s", num);
		break;
	}
}

static void
make_people(void)
{
	people = cdp_xcalloc((size_t)npeople, sizeof(*people));
	for (int i = 0; i < npeople; i++) {
		struct person *p = &people[i];
		unsigned w = pick(100);

		p->c = w < 40 ? 0 : w < 65 ? 1 : w < 85 ? 2 : 3;
		p->first = pick(6);
		p->last = pick(6);
		p->city = pick(3);
		p->cname = pick(3);
		p->walkin = chance(60);
		p->crm = !p->walkin && chance(750);
		p->web = !p->walkin && chance(850);
		p->anon = p->web && !p->crm && chance(300);
		p->mobile = (unsigned)i * 7919u + pick(7);
		p->hh = -1;
		p->landline = (unsigned)i * 104729u;
		p->nophone = p->crm && chance(50);
		p->noemail = p->crm && !p->nophone && !p->web && chance(100);
		p->card = p->crm && (p->nophone || chance(400));
		p->note = p->crm && chance(80) ? 1 + pick(NNOTE) : 0;
		p->email_day = p->crm && chance(40) ? 2 + (int)pick(5) : 0;
		p->move_day = chance(40) ? 2 + (int)pick(5) : 0;
		p->move_to = pick(NCOUNTRY);
		p->signup_day = p->crm && chance(120) ? 2 + (int)pick(5) : 0;
		for (int k = 0; k < 3; k++)
			p->consent[k] = chance(700);
		p->consent_day = chance(80) ? 2 + (int)pick(5) : 0;
		/* Re-entry: known visitors who left a cart weeks ago and
		 * come back with one, whose email consent stays. */
		if (p->web && !p->anon && p->email_day == 0 && chance(40)) {
			p->reentry_day = 2 + (int)pick(2);
			p->consent[0] = 1;
			p->consent_day = 0;
		}
	}
	/* Households: two customers of one country share a landline. */
	for (int i = 0; i + 1 < npeople; i += 2)
		if (people[i].crm && people[i + 1].crm && !people[i].nophone &&
		    !people[i + 1].nophone && chance(30)) {
			people[i].hh = people[i + 1].hh = i;
			people[i + 1].c = people[i].c;
		}
}

/* A CSV cell: quoted when it holds the delimiter, a quote or a line
 * end. */
static void
csv_text(FILE *f, const char *s, char delim)
{
	if (strchr(s, delim) == NULL && strpbrk(s, "\"\r\n") == NULL) {
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

static long
lines_of(const char *s)
{
	long n = 1;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void
crm_row(struct file *o, int i, int day)
{
	static const char *const none[] = { "keine", "n/a", "0000000000",
	    "" };
	const struct person *p = &people[i];
	unsigned cn = country_now(p, day);
	const struct country *c = &countries[cn];
	char e[96], ph[40], up[32], ltv[32];
	int sd = p->signup_day > 0 ? p->signup_day : 1;
	int64_t signup = DAY0 + (int64_t)(sd - 1) * DAY -
	    (p->signup_day > 0 ? 0 : (int64_t)(30 + (i % 700)) * DAY);
	unsigned cents = (unsigned)(i * 7877 % 500000);
	time_t st = (time_t)signup;
	struct tm tm;
	const char *note = p->note ? notes[p->note - 1] : "";

	gmtime_r(&st, &tm);
	if (p->noemail)
		snprintf(e, sizeof(e), "%s", none[i % 2]);
	else
		email(e, sizeof(e), p, i, day, 1);
	if (p->nophone)
		snprintf(ph, sizeof(ph), "%s", none[i % 4]);
	else if (p->hh >= 0)
		phone(ph, sizeof(ph), p->c, people[p->hh].landline, 1,
		    cn != p->c);
	else
		/* After a move the clerk writes the calling code. */
		phone(ph, sizeof(ph), p->c, p->mobile, 0, cn != p->c);
	excel_time(up, sizeof(up), DAY0 + (int64_t)(day - 1) * DAY + HOUR);
	if (cents >= 100000)
		snprintf(ltv, sizeof(ltv), "%u.%03u,%02u", cents / 100000,
		    cents / 100 % 1000, cents % 100);
	else
		snprintf(ltv, sizeof(ltv), "%u,%02u", cents / 100, cents % 100);
	fprintf(o->f, "C%05d;", i);
	csv_text(o->f, countries[p->c].first[p->first], ';');
	fputc(';', o->f);
	csv_text(o->f, countries[p->c].last[p->last], ';');
	fprintf(o->f, ";%s;%s;%s;", e, ph, c->names[p->cname]);
	csv_text(o->f, c->city[p->city], ';');
	/* A mistyped day now and then (30.02.): a row to reject. */
	if (chance(10))
		fprintf(o->f, ";%s;30.02.%04d", c->tz, tm.tm_year + 1900);
	else
		fprintf(o->f, ";%s;%02d.%02d.%04d", c->tz, tm.tm_mday,
		    tm.tm_mon + 1, tm.tm_year + 1900);
	fprintf(o->f, ";%s;%s;", i % 11 == 0 ? "Ja" : "Nein", ltv);
	csv_text(o->f, note, ';');
	fprintf(o->f, ";%s\r\n", up);
	truth(o, i, lines_of(note));
}

static void
write_crm(int day, FILE *tr)
{
	struct file o;

	open_file(&o, day, "crm", "csv", tr);
	fputs("\xef\xbb\xbf" "Kundennr;Vorname;Nachname;E-Mail;Telefon;Land;"
	    "Stadt;Zeitzone;Kunde seit;VIP;Umsatz;Notiz;Geändert am\r\n", o.f);
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

/* Keep line (of person i) to deliver again the next day. */
static void
keep(struct resend *r, int i, const char *line)
{
	size_t need = strlen(line) + 16;

	if (r->len + need > r->cap) {
		r->cap = (r->len + need) * 2;
		r->buf = cdp_xreallocarray(r->buf, r->cap, 1);
	}
	r->len += (size_t)sprintf(r->buf + r->len, "%d %s", i, line) + 1;
}

/* Write yesterday's lines again, then forget them. */
static void
deliver_again(struct file *o, struct resend *old)
{
	for (size_t at = 0; at < old->len;) {
		size_t len = strlen(old->buf + at);
		const char *sp = strchr(old->buf + at, ' ');

		fputs(sp + 1, o->f);
		truth(o, atoi(old->buf + at), 1);
		at += len + 1;
	}
	old->len = 0;
}

/* One web event of person i at t; again: where to keep it to deliver
 * again (NULL: a planted event, delivered once and whole). */
static void
web_event(struct file *o, int i, int day, int64_t t, const char *type,
    long *seq, struct resend *again)
{
	const struct person *p = &people[i];
	char ts[32], e[96], line[512];
	int n;

	iso(ts, sizeof(ts), t);
	n = snprintf(line, sizeof(line), "{\"event_id\":\"w%d-%06ld\","
	    "\"ts\":\"%s\",\"cookie\":\"ck-%05d\",\"type\":\"%s\","
	    "\"page\":\"%s\"", day, *seq, ts, i, type, pages[pick(4)]);
	if (!p->anon && (strcmp(type, "login") == 0 ||
	    strcmp(type, "purchase") == 0)) {
		email(e, sizeof(e), p, i, day, pick(2));
		n += snprintf(line + n, sizeof(line) - (size_t)n,
		    ",\"email\":\"%s\"", e);
	}
	if (strcmp(type, "purchase") == 0)
		n += snprintf(line + n, sizeof(line) - (size_t)n,
		    ",\"price\":%u.%02u", 10 + pick(190), pick(100));
	snprintf(line + n, sizeof(line) - (size_t)n, "}\n");
	(*seq)++;
	/* The collector cuts a line short now and then. */
	if (again != NULL && chance(3)) {
		line[strlen(line) / 2] = '\0';
		fprintf(o->f, "%s\n", line);
		truth(o, i, 1);
		return;
	}
	fputs(line, o->f);
	truth(o, i, 1);
	if (again != NULL && chance(20))
		keep(again, i, line);
}

/* The planted carts of re-entry: one left three weeks ago (history of
 * day 1: too old to act on), one on reentry_day that gets its reminder,
 * one the next day (the email reminder is sent once per entry), and one
 * four days after, a new entry that gets it again. */
static void
reentry_web(struct file *o, int i, int day, long *seq, FILE *expect)
{
	const struct person *p = &people[i];
	int64_t t = DAY0 + (int64_t)(day - 1) * DAY + 9 * HOUR;
	char ts[32];
	const char *reason = NULL;

	if (day == 1) {
		t = DAY0 - 21 * DAY + 9 * HOUR;
		reason = "stale";
	} else if (day == p->reentry_day + 1)
		reason = "already_sent";
	else if (day != p->reentry_day && day != p->reentry_day + 4)
		return;
	web_event(o, i, day, t, "view", seq, NULL);
	web_event(o, i, day, t + 300, "login", seq, NULL);
	web_event(o, i, day, t + 600, "cart", seq, NULL);
	iso(ts, sizeof(ts), t + 600);
	fprintf(expect, "{\"person\":\"P%05d\",\"cart\":\"%s\",\"action\":"
	    "\"cart_email\",\"sent\":%s", i, ts, reason == NULL ? "true" :
	    "false");
	if (reason != NULL)
		fprintf(expect, ",\"reason\":\"%s\"", reason);
	fputs("}\n", expect);
}

static void
write_web(int day, FILE *tr, FILE *expect, struct resend *again)
{
	static const char *const flow[] = { "view", "login", "cart",
	    "purchase" };
	struct resend old = *again;
	struct file o;
	long seq = 0;

	open_file(&o, day, "web", "ndjson", tr);
	*again = (struct resend){ 0 };
	for (int i = 0; i < npeople; i++) {
		const struct person *p = &people[i];
		int n = p->web ? (int)pick((unsigned)events * 2 + 1) : 0;
		/* A visit that is more than a glance logs in. */
		if (n == 1 && chance(700))
			n = 2;
		int64_t t = DAY0 + (int64_t)(day - 1) * DAY + 6 * HOUR +
		    pick(14 * 3600);

		if (p->reentry_day > 0) {
			reentry_web(&o, i, day, &seq, expect);
			continue;
		}
		for (int k = 0; k < n; k++) {
			/* A cart left alone sometimes, bought sometimes. */
			const char *type = flow[k < 4 ? k : 0];

			/* The collector cuts its files at midnight. */
			if ((k == 3 && chance(400)) || t >= DAY0 +
			    (int64_t)day * DAY)
				break;
			web_event(&o, i, day, t, type, &seq, again);
			t += 300 + pick(3 * 3600);
		}
	}
	deliver_again(&o, &old);
	free(old.buf);
	close_file(&o);
}

static void
pos_row(struct file *o, int i, int64_t t, long *seq, int day)
{
	const struct person *p = &people[i];
	unsigned c = country_now(p, day), cents;
	char ts[32], ph[40] = "", card[16] = "", am[40];

	iso(ts, sizeof(ts), t);
	if (p->card)
		snprintf(card, sizeof(card), "C%05d", i);
	else if (p->crm && p->hh < 0) {
		/* The phone of the loyalty account, as given at the till:
		 * abroad with its calling code; mistyped now and then. */
		phone(ph, sizeof(ph), p->c, p->mobile, 0, c != p->c);
		if (chance(10))
			ph[strlen(ph) - 1] = '\0';
	} else if (chance(300))
		snprintf(ph, sizeof(ph), "0000000000");
	cents = 500 + pick(30000);
	if (chance(30))
		cents += 100000 + pick(200000);
	amount(am, sizeof(am), c, cents);
	fprintf(o->f, "R%08ld,%s,", (*seq)++, ts);
	csv_text(o->f, countries[c].store, ',');
	fprintf(o->f, ",%s,%s,%s,", countries[c].code, card, ph);
	csv_text(o->f, am, ',');
	fputs("\r\n", o->f);
	truth(o, p->walkin ? -1 : i, 1);
}

static void
write_pos(int day, FILE *tr)
{
	struct file o;
	long seq = (long)day * 100000;

	open_file(&o, day, "pos", "csv", tr);
	fputs("receipt_id,ts,store,store_country,loyalty_card,phone,amount\r\n",
	    o.f);
	o.line = 1;
	for (int i = 0; i < npeople; i++) {
		const struct person *p = &people[i];
		int64_t t = DAY0 + (int64_t)(day - 1) * DAY + 9 * HOUR +
		    pick(10 * 3600);
		/* Customers of the loyalty scheme come often, others
		 * rarely; the re-entry visitors shop online only. */
		int member = p->crm && p->hh < 0 && day >= p->signup_day;

		if (p->reentry_day > 0)
			continue;
		if (p->walkin ? chance(300) : chance(member ? 150 : 10))
			pos_row(&o, i, t, &seq, day);
		/* Day 4: a till that was offline uploads ten days late. */
		if (day == 4 && member && chance(60))
			pos_row(&o, i, t - 10 * DAY, &seq, day);
		/* The first night loads a month of history. */
		for (int b = 1; day == 1 && member && b <= 30; b++)
			if (chance(40))
				pos_row(&o, i, t - (int64_t)b * DAY, &seq, day);
	}
	close_file(&o);
}

static void
write_consent(int day, FILE *tr)
{
	struct file o;

	open_file(&o, day, "consent", "csv", tr);
	fputs("email,newsletter,sms,ads,changed_at\n", o.f);
	o.line = 1;
	for (int i = 0; i < npeople; i++) {
		struct person *p = &people[i];
		char ts[32], e[96];

		if (p->anon || p->walkin || p->noemail ||
		    !(day == 1 || day == p->consent_day))
			continue;
		if (day > 1)
			for (int k = 0; k < 3; k++)
				p->consent[k] = !p->consent[k];
		iso(ts, sizeof(ts), DAY0 + (int64_t)(day - 1) * DAY +
		    7 * HOUR + pick(12 * 3600));
		/* Day 1: every customer's preferences, as last changed
		 * (weeks or months ago). */
		if (day == 1)
			iso(ts, sizeof(ts), DAY0 - (int64_t)(30 + pick(400)) *
			    DAY - pick(86400));
		email(e, sizeof(e), p, i, day, 0);
		fprintf(o.f, "%s,%s,%s,%s,%s\n", e,
		    p->consent[0] ? "yes" : "no", p->consent[1] ? "yes" : "no",
		    p->consent[2] ? "yes" : "no", ts);
		truth(&o, i, 1);
	}
	close_file(&o);
}

static void
write_email(int day, FILE *tr, struct resend *again)
{
	static const char *const ev[] = { "delivered", "open", "click",
	    "bounce" };
	struct resend old = *again;
	struct file o;
	long seq = 0;

	open_file(&o, day, "email", "ndjson", tr);
	*again = (struct resend){ 0 };
	for (int i = 0; i < npeople; i++) {
		const struct person *p = &people[i];
		char ts[32], e[96], line[256];

		if (p->anon || p->walkin || p->noemail || !p->consent[0] ||
		    !chance(300))
			continue;
		iso(ts, sizeof(ts), DAY0 + (int64_t)(day - 1) * DAY +
		    10 * HOUR + pick(8 * 3600));
		email(e, sizeof(e), p, i, day, 0);
		snprintf(line, sizeof(line), "{\"message_id\":\"m%d-%05ld\","
		    "\"email\":\"%s\",\"ts\":\"%s\",\"event\":\"%s\"}\n", day,
		    seq++, e, ts, ev[pick(4)]);
		fputs(line, o.f);
		truth(&o, i, 1);
		/* A webhook retried: the same event twice, now or
		 * tomorrow. */
		if (chance(40)) {
			fputs(line, o.f);
			truth(&o, i, 1);
		} else if (chance(30))
			keep(again, i, line);
	}
	deliver_again(&o, &old);
	free(old.buf);
	close_file(&o);
}

static FILE *
day_file(int day, const char *stem)
{
	char path[4400], date[16];
	FILE *f;

	day_date(date, sizeof(date), day);
	snprintf(path, sizeof(path), "%s/day-%d/%s-%s.ndjson", outdir, day,
	    stem, date);
	if ((f = fopen(path, "w")) == NULL)
		cdp_die(EX_CANTCREAT, path, 0, "cannot create");
	return f;
}

static void
write_day(int day, struct resend *web, struct resend *mail)
{
	char path[4400];
	FILE *tr, *expect;

	snprintf(path, sizeof(path), "%s/day-%d", outdir, day);
	if (mkdir(path, 0777) == -1)
		cdp_die(EX_CANTCREAT, path, 0, "cannot create (exists?)");
	tr = day_file(day, "truth");
	expect = day_file(day, "expect");
	write_crm(day, tr);
	write_web(day, tr, expect, web);
	write_pos(day, tr);
	write_consent(day, tr);
	write_email(day, tr, mail);
	if (fclose(tr) != 0 || fclose(expect) != 0)
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
	struct resend web = { 0 }, mail = { 0 };
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
	make_people();
	for (int d = 1; d <= ndays; d++)
		write_day(d, &web, &mail);
	free(web.buf);
	free(mail.buf);
	free(people);
	return 0;
}
