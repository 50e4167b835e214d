/*
 * custtab.c - read transaction records into one compact entry per
 * customer (shared by rfm and clv), with the record account.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acct.h"
#include "idvals.h"
#include "diag.h"
#include "lines.h"
#include "norm.h"
#include "par.h"
#include "progress.h"
#include "record.h"
#include "score.h"
#include "timeval.h"
#include "xalloc.h"

/* What one pass over the inputs holds besides the table. */
struct load {
	struct custtab		*t;
	const struct score_opts	*opt;
	struct cdp_rec		 rec;
	struct cdp_buf		 s1, s2;	/* unescaped strings */
	struct cdp_buf		 why;
	struct cdp_buf		 key;		/* a customer's hash key */
	struct cdp_buf		 cur;		/* the record's currency */
	struct cdp_buf		 msg;		/* a reason being built */
	/* the fields naming an amount's currency: --currency (or
	 * AMOUNT_currency), then _currency */
	const char		*curnames[2];
	const struct rates	*rates;		/* --rates, or NULL */
	long			 cutoff;	/* last day kept, or LONG_MAX */
	long			 cal_end;	/* later days: the holdout */
	const char		*file;
	struct cdp_progress	 prog;
	off_t			 done;		/* bytes of finished inputs */
	/* the second pass (--annotate) */
	unsigned long long	 seen;		/* records read again */
	struct cdp_out		*out;
	struct cdp_recw		 w;
	const char *const	*owned;		/* --annotate: fields added */
	int			 nowned;
	void		       (*fields)(void *, struct cdp_recw *, size_t);
	void			*st;
	/* a parallel load: the block a thread is on, the lanes, and where
	 * each covariate value of this thread's dictionaries first came */
	struct cdp_par_block	*blk;
	int			 nlanes;
	struct vfirst {
		uint64_t	 seq;
		long		 line;
		bool		 num;
	}			*vf[MODEL_MAXCOV];
	size_t			 vcap[MODEL_MAXCOV];
};

static int
digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/*
 * The common forms 2025-03-04 and 2025-03-04T10:20:30Z are read here;
 * anything else goes through cdp_norm_datetime().
 */
int
parse_day(const char *s, size_t n, struct cdp_buf *tmp, long *day,
    const char **why)
{
	char d[11];

	if ((n == 10 || (n == 20 && s[10] == 'T' && s[13] == ':' &&
	    s[16] == ':' && s[19] == 'Z' && digits(s + 11, 2) &&
	    digits(s + 14, 2) && digits(s + 17, 2) &&
	    (s[11] - '0') * 10 + s[12] - '0' < 24 && s[14] < '6' &&
	    s[17] < '6')) && s[4] == '-' && s[7] == '-') {
		memcpy(d, s, 10);
		d[10] = '\0';
		if (cdp_parse_iso_date(d, day) == 0)
			return 0;
	}
	cdp_buf_reset(tmp);
	if (cdp_norm_datetime(s, n, CDP_DATE_AUTO, tmp, why) == -1)
		return -1;
	memcpy(d, tmp->p, 10);
	d[10] = '\0';
	if (cdp_parse_iso_date(d, day) == -1) {
		*why = "year out of range";
		return -1;
	}
	return 0;
}

/* The reason of a reject into b: why, after the field's name if any. */
static void
reason(struct cdp_buf *b, const char *field, const char *why)
{
	cdp_buf_reset(b);
	if (field != NULL) {
		cdp_buf_adds(b, "field ");
		cdp_json_quote(b, field, strlen(field));
		cdp_buf_adds(b, ": ");
	}
	if (cdp_buf_adds(b, why) == -1)
		cdp_oom(0);
}

/* A bad record: rejects file, or exit 65 with file:line. */
static void
reject(struct load *L, const struct cdp_line *l, const char *field,
    const char *why)
{
	struct cdp_err err;

	reason(&L->why, field, why);
	if (L->blk != NULL) {
		cdp_par_reject(L->blk, l->lineno, L->why.p, l->p, l->len);
		return;
	}
	if (cdp_acct_reject(&L->t->acct, L->file, l->lineno, L->why.p, l->p,
	    l->len, &err) == -1)
		cdp_die_err(&err, err.code == EX_DATAERR ? L->file : NULL,
		    l->lineno);
}

/* How many decimals the amount text s[0..n) has; -1 with an exponent. */
static int
decimals_of(const char *s, size_t n)
{
	const char *dot = memchr(s, '.', n);

	if (memchr(s, 'e', n) != NULL || memchr(s, 'E', n) != NULL)
		return -1;
	return dot != NULL ? (int)(n - (size_t)(dot + 1 - s)) : 0;
}

/* Note that an amount has d decimals (-1: an exponent, no rounding). */
static void
note_decimals(struct custtab *t, int d)
{
	if (t->decimals < 0)
		return;
	if (d < 0)
		t->decimals = -1;
	else if (d > t->decimals)
		t->decimals = d;
}

/* The amount of a transaction: a JSON number or a numeric string. */
static int
parse_amount(struct load *L, const struct cdp_field *f, double *v, int *dec,
    const char **why)
{
	const char *s;
	size_t n;

	if (f == NULL || f->type == CDP_NULL) {
		*why = "missing";
		return -1;
	}
	if (f->type == CDP_NUMBER) {
		if (cdp_rec_num(&L->rec, f, v) == -1) {
			*why = "number out of range";
			return -1;
		}
		*dec = decimals_of(L->rec.p + f->voff, f->vlen);
		note_decimals(L->t, *dec);
		return 0;
	}
	if (f->type != CDP_STRING ||
	    cdp_rec_str(&L->rec, f, &L->s2, &s, &n) == -1) {
		*why = "not a number";
		return -1;
	}
	cdp_buf_reset(&L->why);
	if (cdp_buf_add(&L->why, s, n) == -1)
		cdp_oom(0);
	if (cdp_parse_double(L->why.p, v) == -1) {
		*why = "not a number";
		return -1;
	}
	*dec = decimals_of(s, n);
	note_decimals(L->t, *dec);
	return 0;
}

/* The hash of customer id[0..n); key is scratch space. */
static struct cdp_key128
customer_key(struct cdp_buf *key, const char *id, size_t n, bool num)
{
	/* A number and a string with the same text are different ids. */
	cdp_buf_reset(key);
	if (cdp_buf_addc(key, num ? 'n' : 's') == -1 ||
	    cdp_buf_add(key, id, n) == -1)
		cdp_oom(0);
	return cdp_key128_of(key->p, key->len);
}

/* Room in t for cap customers (and their covariates' values). */
static void
customers_reserve(struct custtab *t, size_t cap)
{
	size_t k = (size_t)t->ncov;
	struct cust *p;

	if (cap <= t->cap)
		return;
	if ((p = realloc(t->c, cap * sizeof(*p))) == NULL)
		cdp_oom(0);
	t->c = p;
	if (k > 0) {
		uint32_t *v = realloc(t->cv, cap * k * sizeof(*v));
		int32_t *d;

		if (v == NULL)
			cdp_oom(0);
		t->cv = v;
		if ((d = realloc(t->cvday, cap * k * sizeof(*d))) == NULL)
			cdp_oom(0);
		t->cvday = d;
		memset(t->cv + t->cap * k, 0, (cap - t->cap) * k *
		    sizeof(*v));
	}
	t->cap = cap;
}

/* A new entry for customer id[0..n), not in t->map. */
static struct cust *
customer_new(struct custtab *t, const char *id, size_t n, bool num)
{
	struct cust *c;

	if (t->n == t->cap)
		customers_reserve(t, t->cap ? t->cap * 2 : 1024);
	c = &t->c[t->n++];
	*c = (struct cust){ .idoff = t->ids.len, .idlen = (uint32_t)n,
	    .idnum = num, .first = INT32_MAX, .last = INT32_MIN };
	if (cdp_buf_add(&t->ids, id, n) == -1)
		cdp_oom(0);
	return c;
}

/* The entry of customer id[0..n) of hash k, created on first sight. */
static struct cust *
customer_hashed(struct custtab *t, struct cdp_key128 k, const char *id,
    size_t n, bool num)
{
	uint64_t *slot;
	int added;

	if ((slot = cdp_keymap_put(t->map, k, t->n, &added)) == NULL)
		cdp_oom(0);
	if (!added)
		return &t->c[*slot];
	return customer_new(t, id, n, num);
}

/*
 * The (customer, day) pairs seen, for distinct purchase days: one 64-bit
 * key per pair, (index + 1) << 24 | (day + 2^23), in an open-addressing
 * table at most half full (16 bytes a pair where a general map of
 * 128-bit keys takes three times that, and 10 million transactions are
 * usual).  0 marks an empty slot.
 */
struct dayset {
	uint64_t	*slot;
	size_t		 mask;		/* slots - 1 */
	size_t		 n;
};

static uint64_t
mix(uint64_t k)
{
	/* splitmix64's finaliser: every bit of k reaches every bit */
	k ^= k >> 30;
	k *= UINT64_C(0xbf58476d1ce4e5b9);
	k ^= k >> 27;
	k *= UINT64_C(0x94d049bb133111eb);
	return k ^ (k >> 31);
}

static struct dayset *
dayset_new(void)
{
	struct dayset *s = cdp_xcalloc(1, sizeof(*s));

	s->mask = 1023;
	s->slot = cdp_xcalloc(s->mask + 1, sizeof(*s->slot));
	return s;
}

static void
dayset_free(struct dayset *s)
{
	if (s != NULL)
		free(s->slot);
	free(s);
}

/* Add key k; returns 1 when it was new, 0 when it was there. */
static int
dayset_add(struct dayset *s, uint64_t k)
{
	size_t i;

	if (4 * (s->n + 1) > 3 * (s->mask + 1)) {
		struct dayset big = { .mask = 2 * s->mask + 1 };

		big.slot = cdp_xcalloc(big.mask + 1, sizeof(*big.slot));
		for (size_t j = 0; j <= s->mask; j++) {
			if (s->slot[j] == 0)
				continue;
			for (i = mix(s->slot[j]) & big.mask; big.slot[i] != 0;
			    i = (i + 1) & big.mask)
				;
			big.slot[i] = s->slot[j];
		}
		free(s->slot);
		s->slot = big.slot;
		s->mask = big.mask;
	}
	for (i = mix(k) & s->mask; s->slot[i] != 0; i = (i + 1) & s->mask)
		if (s->slot[i] == k)
			return 0;
	s->slot[i] = k;
	s->n++;
	return 1;
}

/* The key of customer c of t on day (a 4-digit year's day or period). */
static uint64_t
daykey(const struct custtab *t, const struct cust *c, long day)
{
	return (uint64_t)(c - t->c + 1) << 24 | (uint64_t)(day + (1L << 23));
}

long
period_of(long day, int p)
{
	int y, m, d;

	switch (p) {
	case PERIOD_DAY:
		return day;
	case PERIOD_WEEK:
		/* 1970-01-01 was a Thursday: weeks from Monday the 5th */
		return day + 3 >= 0 ? (day + 3) / 7 : -((-day - 3 + 6) / 7);
	default:
		cdp_time_civil(day, &y, &m, &d);
		return p == PERIOD_MONTH ? (long)y * 12 + m - 1 : y;
	}
}

/* The entry of customer id[0..n), created on first sight. */
static struct cust *
customer(struct custtab *t, struct cdp_buf *key, const char *id, size_t n,
    bool num)
{
	return customer_hashed(t, customer_key(key, id, n, num), id, n, num);
}

/* Count a holdout transaction of day to c, by distinct day. */
static void
add_holdout(struct custtab *t, struct cust *c, long day)
{
	c->hold_days += (uint32_t)dayset_add(t->days, daykey(t, c, day));
	c->hold_n++;
}

/* Add one transaction of day (a period with bg-bb) and amount v to c. */
static void
add(struct custtab *t, struct cust *c, long day, double v)
{
	double s = c->sum + v;

	/* Neumaier's compensated sum: totals do not drift with order. */
	if ((c->sum >= 0 ? c->sum : -c->sum) >= (v >= 0 ? v : -v))
		c->comp += (c->sum - s) + v;
	else
		c->comp += (v - s) + c->sum;
	c->sum = s;
	c->n++;
	if (t->days != NULL) {
		c->days += (uint32_t)dayset_add(t->days, daykey(t, c, day));
		/* kept apart rather than subtracted from the total, so
		 * that 75.11 - 63.34 does not come out as 11.769999... */
		if (day < c->first && c->n > 1) {
			c->rest_sum += c->first_sum;
			c->first_sum = v;
		} else if (day < c->first) {
			c->first_sum = v;
		} else if (day == c->first) {
			c->first_sum += v;
		} else {
			c->rest_sum += v;
		}
	}
	if (day < c->first)
		c->first = (int32_t)day;
	if (day > c->last)
		c->last = (int32_t)day;
}

#define OVERFLOW	"the customer's total overflows a double"
#define MAXCUR		"more than 65535 currencies"

static uint32_t cov_value(struct covdict *d, const char *s, size_t n,
    bool num);

/* The id + 1 of currency text s[0..n) in t, added on first sight; 0 when
 * it is new and t has 65535 already (a customer's is a uint16_t). */
static uint16_t
currency_id(struct custtab *t, const char *s, size_t n)
{
	struct covdict *d = &t->curs;

	if (d->map == NULL && (d->map = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	if (d->n >= UINT16_MAX && cdp_keymap_get(d->map, cdp_key128_of(s,
	    n)) == NULL)
		return 0;
	return (uint16_t)(cov_value(d, s, n, false) + 1);
}

const char *
cust_currency(const struct custtab *t, const struct cust *c)
{
	return c->cur == 0 ? NULL : t->curs.text.p + t->curs.off[c->cur - 1];
}

/*
 * Customer c takes an amount in currency cur[0..n) (JSON text; n == 0:
 * the record names none, and its amount counts in the customer's one):
 * NULL, or the reason it cannot, built in b.  A customer's amounts are
 * added, so they must be in one currency.
 */
static const char *
take_currency(struct custtab *t, struct cust *c, const char *cur, size_t n,
    struct cdp_buf *b)
{
	uint16_t id;

	if (n == 0)
		return NULL;
	if ((id = currency_id(t, cur, n)) == 0)
		return MAXCUR;
	if (c->cur == 0 || c->cur == id) {
		c->cur = id;
		return NULL;
	}
	cdp_buf_reset(b);
	if (cdp_buf_addf(b, "amounts in %s and %s for one customer: score "
	    "each currency apart", cust_currency(t, c), t->curs.text.p +
	    t->curs.off[id - 1]) == -1)
		cdp_oom(0);
	return b->p;
}

/* Note the record just read (number acct.read) as rejected for an
 * overflowing total, so that --annotate's second pass leaves it out too. */
static void
overflowed(struct load *L)
{
	struct custtab *t = L->t;
	uint64_t n = t->acct.read;
	int added;

	if ((t->overflow == NULL && (t->overflow = cdp_keymap_new()) == NULL) ||
	    cdp_keymap_put(t->overflow, cdp_key128_of(&n, sizeof(n)), 0,
	    &added) == NULL)
		cdp_oom(0);
}

/* One transaction (or status record) read from a record. */
struct tx {
	const char	*id;
	size_t		 idlen;
	bool		 idnum;
	long		 day;
	double		 amount;
	int		 dec;		/* its decimals as written */
	bool		 hascur;	/* L->cur holds its currency */
	uint8_t		 curf;		/* named by L->curnames[curf] */
	int		 status;	/* TX_STATUS: STATUS_* */
	uint32_t	 cv[MODEL_MAXCOV];	/* covariate value ids */
};

enum { TX_OK, TX_SKIP, TX_BAD, TX_STATUS };

/* Whether the string field f of the parsed record is one of the
 * --cancelled values. */
static int
status_of(struct load *L, const struct cdp_field *f)
{
	const char *s;
	size_t n;

	if (cdp_rec_str(&L->rec, f, &L->s2, &s, &n) == -1)
		return STATUS_ACTIVE;
	for (int i = 0; i < L->opt->ncancelled; i++)
		if (strlen(L->opt->cancelled[i]) == n &&
		    memcmp(L->opt->cancelled[i], s, n) == 0)
			return STATUS_CANCELLED;
	return STATUS_ACTIVE;
}

/* The id of the covariate value text s[0..n) in d, added on first sight. */
static uint32_t
cov_value(struct covdict *d, const char *s, size_t n, bool num)
{
	struct cdp_key128 k = cdp_key128_of(s, n);
	uint64_t *slot;
	int added;

	if ((slot = cdp_keymap_put(d->map, k, d->n, &added)) == NULL)
		cdp_oom(0);
	if (!added)
		return (uint32_t)*slot;
	if (cdp_grow((void **)&d->off, &d->cap, d->n + 1, sizeof(*d->off))
	    == -1)
		cdp_oom(0);
	d->off[d->n] = d->text.len;
	if (cdp_buf_add(&d->text, s, n) == -1 || cdp_buf_addc(&d->text,
	    '\0') == -1)
		cdp_oom(0);
	d->numeric = (d->n == 0 || d->numeric) && num;
	return (uint32_t)d->n++;
}

/* The covariate values of the parsed record into tx; -1 with *field
 * and *why when one is missing or not a string or number. */
static int
covariates(struct load *L, struct tx *tx, const char **field,
    const char **why)
{
	const struct score_opts *o = L->opt;

	for (int k = 0; k < L->t->ncov; k++) {
		const struct cdp_field *f = cdp_rec_find(&L->rec, o->cov[k],
		    strlen(o->cov[k]));
		const char *s;
		size_t n;

		*field = o->cov[k];
		*why = f == NULL || f->type == CDP_NULL ? "missing" :
		    "not a string or number";
		if (f == NULL || f->type == CDP_NULL)
			return -1;
		if (f->type == CDP_NUMBER) {
			s = L->rec.p + f->voff;
			n = f->vlen;
		} else if (f->type != CDP_STRING || cdp_rec_str(&L->rec, f,
		    &L->s2, &s, &n) == -1) {
			return -1;
		}
		tx->cv[k] = cov_value(&L->t->dict[k], s, n,
		    f->type == CDP_NUMBER);
	}
	return 0;
}

/*
 * The currency of the parsed record's amount, as JSON text (a string
 * with its escapes undone, then quoted again, so that one currency has
 * one text) into L->cur: in --currency when given, else in
 * AMOUNT_currency (as cdp-ingest --types AMOUNT:money writes it), else
 * in _currency; tx->hascur false when none of them has a value.
 */
static void
currency_of(struct load *L, struct tx *tx)
{
	const struct cdp_field *f = NULL;
	const char *s;
	size_t n;
	int i;

	tx->hascur = false;
	/* Only amounts that are added up need one currency: rfm's
	 * monetary and clv's spend model; churn and clv --spend-model
	 * none count purchases alone. */
	if (L->opt->cmd != CMD_RFM && (L->opt->cmd != CMD_CLV ||
	    L->opt->spend == SPEND_NONE))
		return;
	for (i = 0; i < 2 && (f == NULL || f->type == CDP_NULL); i++) {
		if (i == 1 && L->opt->currency != NULL)
			return;
		f = cdp_rec_find(&L->rec, L->curnames[i],
		    strlen(L->curnames[i]));
	}
	if (f == NULL || f->type == CDP_NULL)
		return;
	cdp_buf_reset(&L->cur);
	if (f->type == CDP_STRING && cdp_rec_str(&L->rec, f, &L->s2, &s,
	    &n) == 0) {
		if (cdp_json_quote(&L->cur, s, n) == -1)
			cdp_oom(0);
	} else if (cdp_buf_add(&L->cur, L->rec.p + f->voff, f->vlen) == -1) {
		cdp_oom(0);
	}
	tx->hascur = true;
	tx->curf = (uint8_t)(i - 1);
}

/*
 * Read the id, time and amount of the parsed record.  Returns TX_OK,
 * TX_SKIP (no id: not a customer's transaction), TX_STATUS (a record of
 * the --status-field without an amount), or TX_BAD with the field in
 * *field and the reason in *why.
 */
/* "YYYY-MM-DD" of days since 1970-01-01; buf needs 11 bytes. */
void
day_text(long z, char *buf)
{
	int y, m, d;

	/* Dates come from 4-digit years (cdp_parse_iso_date). */
	cdp_time_civil(z, &y, &m, &d);
	if (y < 0 || y > 9999) {
		snprintf(buf, 11, "%04d-%02d-%02d", y, m, d);
		return;
	}
	/* digit by digit: two dates per customer, no printf */
	buf[0] = (char)('0' + y / 1000);
	buf[1] = (char)('0' + y / 100 % 10);
	buf[2] = (char)('0' + y / 10 % 10);
	buf[3] = (char)('0' + y % 10);
	buf[4] = '-';
	buf[5] = (char)('0' + m / 10);
	buf[6] = (char)('0' + m % 10);
	buf[7] = '-';
	buf[8] = (char)('0' + d / 10);
	buf[9] = (char)('0' + d % 10);
	buf[10] = '\0';
}

/*
 * --rates: an amount naming a currency into the base currency, which it
 * then names (one naming none counts in its customer's other amounts',
 * the base's).  -1 with the reason when the file has no rate for it.
 */
static int
convert(struct load *L, struct tx *tx, const char **field, const char **why)
{
	const char *base;
	double rate;
	size_t n;
	int dec, rc;

	if (!tx->hascur)
		return 0;
	if ((rc = rates_find(L->rates, L->cur.p, L->cur.len, tx->day, &rate,
	    &dec)) < 0) {
		char day[11];

		day_text(tx->day, day);
		cdp_buf_reset(&L->msg);
		if (cdp_buf_addf(&L->msg, "no rate for %s%s%s in the --rates "
		    "file", L->cur.p, rc == -2 ? " on " : "",
		    rc == -2 ? day : "") == -1)
			cdp_oom(0);
		*field = L->curnames[tx->curf];
		*why = L->msg.p;
		return -1;
	}
	tx->amount *= rate;
	/* a product has the decimals of both: rounded to them, the total
	 * is the sum of the products */
	note_decimals(L->t, tx->dec < 0 || dec < 0 ? -1 : tx->dec + dec);
	base = rates_base(L->rates, &n);
	cdp_buf_reset(&L->cur);
	if (cdp_buf_add(&L->cur, base, n) == -1)
		cdp_oom(0);
	return 0;
}

static int
transaction(struct load *L, const char *line, struct tx *tx,
    const char **field, const char **why)
{
	const struct score_opts *o = L->opt;
	const struct cdp_field *f, *st = NULL, *am;
	struct cdp_idvals it;
	const char *ts;
	size_t tn;

	size_t idlen = strlen(o->id);

	(void)line;
	f = cdp_rec_find(&L->rec, o->id, idlen);
	if (f == NULL || f->type == CDP_NULL)
		return TX_SKIP;
	*field = o->id;
	/* A string or number, or the first of an array of them (a
	 * profile's identifiers). */
	cdp_idvals_start(&it, &L->rec, o->id, idlen, false);
	switch (cdp_idvals_next(&it, &L->s1, &tx->id, &tx->idlen, why)) {
	case -2:
		cdp_oom(0);
		break;
	case -1:
		*why = "not a string or number";
		return TX_BAD;
	case 0:
		return TX_SKIP;
	}
	tx->idnum = !it.str;
	if (tx->idlen == 0)
		return TX_SKIP;
	*field = o->time;
	f = cdp_rec_find(&L->rec, o->time, strlen(o->time));
	*why = f == NULL || f->type == CDP_NULL ? "missing" : "not a date";
	if (f == NULL || f->type != CDP_STRING ||
	    cdp_rec_str(&L->rec, f, &L->s2, &ts, &tn) == -1 ||
	    parse_day(ts, tn, &L->why, &tx->day, why) == -1)
		return TX_BAD;
	am = cdp_rec_find(&L->rec, o->amount, strlen(o->amount));
	if (o->status != NULL)
		st = cdp_rec_find(&L->rec, o->status, strlen(o->status));
	/* a status without an amount says something of the customer but
	 * is no purchase */
	if (st != NULL && st->type == CDP_STRING && (am == NULL ||
	    am->type == CDP_NULL)) {
		tx->status = status_of(L, st);
		return TX_STATUS;
	}
	*field = o->amount;
	if (parse_amount(L, am, &tx->amount, &tx->dec, why) == -1)
		return TX_BAD;
	/* Gamma-Gamma's spend is positive: a refund would make a mean
	 * amount, and a value, below 0 */
	if (tx->amount < 0 && o->cmd == CMD_CLV && o->spend == SPEND_GAMMA) {
		*why = "below 0: Gamma-Gamma needs amounts of at least 0 "
		    "(--spend-model none leaves spend out)";
		return TX_BAD;
	}
	if (covariates(L, tx, field, why) == -1)
		return TX_BAD;
	currency_of(L, tx);
	if (L->rates != NULL && convert(L, tx, field, why) == -1)
		return TX_BAD;
	return TX_OK;
}

/* The first output field of --annotate that the parsed transaction
 * already has (it would be overwritten), or NULL; always NULL with
 * --replace. */
static const char *
collision(struct load *L)
{
	for (int j = 0; !L->opt->replace && j < L->nowned; j++)
		if (cdp_rec_find(&L->rec, L->owned[j],
		    strlen(L->owned[j])) != NULL)
			return L->owned[j];
	return NULL;
}

const char *
score_exists(struct cdp_buf *b, const char *name)
{
	cdp_buf_reset(b);
	if (cdp_buf_adds(b, "field ") == -1 ||
	    cdp_json_quote(b, name, strlen(name)) == -1 ||
	    cdp_buf_adds(b, " already exists") == -1)
		cdp_oom(0);
	return b->p;
}

bool
score_owned(const struct cdp_rec *rec, const struct cdp_field *f,
    const char *const *names, int n)
{
	for (int k = 0; k < n; k++)
		if (f->klen == strlen(names[k]) &&
		    memcmp(rec->p + f->koff, names[k], f->klen) == 0)
			return true;
	return false;
}

void
score_write(struct cdp_recw *w, struct cdp_out *out)
{
	struct cdp_err err;

	if (cdp_recw_end(w) == -1)
		cdp_oom(0);
	if (cdp_out_write(out, w->b.p, w->b.len, &err) == -1)
		cdp_die_err(&err, NULL, 0);
}

/* Status st of day to c: the latest day's counts, a cancellation
 * winning over any other status of the same day (so any order of the
 * records gives the same). */
static void
set_status(struct cust *c, long day, int st)
{
	if (c->status == STATUS_NONE || day > c->sday ||
	    (day == c->sday && st == STATUS_CANCELLED)) {
		c->status = (uint8_t)st;
		c->sday = (int32_t)day;
	}
}

/* Note a status record: the latest day's counts, a cancellation winning
 * over any other status of the same day. */
static void
note_status(struct load *L, const struct tx *tx)
{
	struct cust *c;

	if (tx->status == STATUS_CANCELLED)
		L->t->cancels++;
	if (tx->day > L->cutoff) {
		L->t->acct.dropped++;
		return;
	}
	c = customer(L->t, &L->key, tx->id, tx->idlen, tx->idnum);
	set_status(c, tx->day, tx->status);
	/* rfm acts on statuses; clv only checks them */
	if (L->opt->cmd == CMD_RFM)
		L->t->acct.written++;
	else
		L->t->acct.dropped++;
}

/* Keep the covariate values of the first day of customer c. */
static void
note_covariates(struct custtab *t, const struct cust *c, const struct tx *tx)
{
	size_t i = (size_t)(c - t->c);

	for (int k = 0; k < t->ncov; k++) {
		uint32_t *v = &t->cv[i * (size_t)t->ncov + (size_t)k];
		int32_t *d = &t->cvday[i * (size_t)t->ncov + (size_t)k];
		const char *txt = t->dict[k].text.p;

		if (*v == 0 || tx->day < *d || (tx->day == *d &&
		    strcmp(txt + t->dict[k].off[tx->cv[k]],
		    txt + t->dict[k].off[*v - 1]) < 0)) {
			*v = tx->cv[k] + 1;
			*d = (int32_t)tx->day;
		}
	}
}

/* Line l parsed into L->rec, or rejected (false). */
static bool
parsed(struct load *L, const struct cdp_line *l)
{
	struct cdp_err err;

	if (l->too_long) {
		reject(L, l, NULL, "record longer than --max-record-bytes");
		return false;
	}
	if (cdp_rec_parse(&L->rec, l->p, l->len, &err) == -1) {
		if (err.code != EX_DATAERR)
			cdp_die_err(&err, NULL, 0);
		reject(L, l, NULL, err.msg);
		return false;
	}
	return true;
}

static void
record(struct load *L, const struct cdp_line *l)
{
	struct custtab *t = L->t;
	struct tx tx = { 0 };
	struct cust *c;
	const char *field = NULL, *why;
	long day;
	int rc;

	t->acct.read++;
	if (!parsed(L, l))
		return;
	rc = transaction(L, l->p, &tx, &field, &why);
	if (rc == TX_OK && (field = collision(L)) != NULL) {
		reject(L, l, NULL, score_exists(&L->s1, field));
	} else if (rc == TX_BAD) {
		reject(L, l, field, why);
	} else if (rc == TX_STATUS) {
		note_status(L, &tx);
	} else if (rc == TX_SKIP || tx.day > L->cutoff) {
		t->acct.dropped++;
	} else {
		day = t->period >= 0 ? period_of(tx.day, t->period) : tx.day;
		c = customer(t, &L->key, tx.id, tx.idlen, tx.idnum);
		if (tx.day > L->cal_end) {
			add_holdout(t, c, day);
		} else if (!isfinite(c->sum + c->comp + tx.amount)) {
			/* A total no double holds is this record's fault
			 * (DESIGN: a non-finite result is bad data, not "out
			 * of memory"). */
			overflowed(L);
			reject(L, l, L->opt->amount, OVERFLOW);
			return;
		} else if ((why = take_currency(t, c, L->cur.p, tx.hascur ?
		    L->cur.len : 0, &L->msg)) != NULL) {
			/* left out of --annotate's second pass too */
			overflowed(L);
			reject(L, l, L->curnames[tx.curf], why);
			return;
		} else {
			add(t, c, day, tx.amount);
			note_covariates(t, c, &tx);
			if (tx.day > t->maxday)
				t->maxday = tx.day;
		}
		t->acct.written++;
	}
}

/*
 * The second pass: the record as it came with the customer's scores
 * appended, or unchanged when it is no scored customer's transaction.
 * The records the first pass rejected are left out; it counted them.
 */
static void
record_again(struct load *L, const struct cdp_line *l)
{
	struct custtab *t = L->t;
	struct cdp_err err;
	struct cdp_key128 k;
	struct tx tx;
	const char *field, *why;
	const struct cdp_field *own[SCORE_MAXOWNED];
	uint64_t *slot = NULL;
	int rc;

	if (++L->seen > t->acct.read)
		return;			/* caught after the pass */
	if (l->too_long || cdp_rec_parse(&L->rec, l->p, l->len, &err) == -1)
		return;
	if ((rc = transaction(L, l->p, &tx, &field, &why)) == TX_BAD ||
	    (rc == TX_OK && collision(L) != NULL))
		return;
	if (t->overflow != NULL) {
		uint64_t n = L->seen;

		if (cdp_keymap_get(t->overflow, cdp_key128_of(&n,
		    sizeof(n))) != NULL)
			return;
	}
	if (rc == TX_OK) {
		cdp_buf_reset(&L->key);
		if (cdp_buf_addc(&L->key, tx.idnum ? 'n' : 's') == -1 ||
		    cdp_buf_add(&L->key, tx.id, tx.idlen) == -1)
			cdp_oom(0);
		k = cdp_key128_of(L->key.p, L->key.len);
		slot = cdp_keymap_get(t->map, k);
	}
	if (slot == NULL || t->c[*slot].n == 0) {
		if (cdp_out_write(L->out, l->p, l->len, &err) == -1 ||
		    cdp_out_write(L->out, "\n", 1, &err) == -1)
			cdp_die_err(&err, NULL, 0);
		return;
	}
	/* an input field of a name the scores use gives way to them */
	for (int j = 0; j < L->nowned; j++)
		own[j] = cdp_rec_find(&L->rec, L->owned[j],
		    strlen(L->owned[j]));
	cdp_recw_begin(&L->w);
	for (size_t i = 0; i < L->rec.n; i++) {
		int j;

		for (j = 0; j < L->nowned && own[j] != &L->rec.f[i]; j++)
			;
		if (j == L->nowned &&
		    cdp_recw_field(&L->w, &L->rec, &L->rec.f[i]) == -1)
			cdp_oom(0);
	}
	L->fields(L->st, &L->w, *slot);
	if (cdp_recw_end(&L->w) == -1)
		cdp_oom(0);
	if (cdp_out_write(L->out, L->w.b.p, L->w.b.len, &err) == -1)
		cdp_die_err(&err, NULL, 0);
}

/* Read every line of in with one(). */
static void
read_lines(struct load *L, struct cdp_lines *in,
    void (*one)(struct load *, const struct cdp_line *))
{
	struct cdp_line l;
	struct cdp_err err;
	int rc;

	L->file = cdp_lines_name(in);
	while ((rc = cdp_lines_next(in, &l, &err)) == 1) {
		one(L, &l);
		cdp_progress_update(&L->prog, L->t->acct.read,
		    L->done + cdp_lines_offset(in));
	}
	if (rc == -1)
		cdp_die_err(&err, L->file, 0);
	L->done += cdp_lines_offset(in);
}

/*
 * Copy all of fd (named name) to a temporary file in $TMPDIR that is
 * unlinked at once, so that no exit, not even a fatal signal, leaves it
 * behind.  Returns the temporary file's descriptor, at offset 0.
 */
static int
spool(int fd, const char *name)
{
	const char *dir = getenv("TMPDIR");
	struct cdp_buf path = { 0 };
	char buf[65536];
	ssize_t n;
	int tmp;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	if (cdp_buf_addf(&path, "%s/cdp-score.XXXXXX", dir) == -1)
		cdp_oom(0);
	if ((tmp = mkstemp(path.p)) == -1)
		cdp_die(EX_CANTCREAT, dir, 0, "cannot create a temporary "
		    "file for --annotate: %s", strerror(errno));
	(void)unlink(path.p);
	cdp_buf_free(&path);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			cdp_die(EX_IOERR, name, 0, "read error: %s",
			    strerror(errno));
		for (ssize_t off = 0, w; off < n; off += w > 0 ? w : 0) {
			w = write(tmp, buf + off, (size_t)(n - off));
			if (w == -1 && errno != EINTR)
				cdp_die(EX_IOERR, dir, 0, "cannot write the "
				    "temporary file for --annotate: %s",
				    strerror(errno));
		}
	}
	if (lseek(tmp, 0, SEEK_SET) == -1)
		cdp_die(EX_IOERR, dir, 0, "temporary file: %s",
		    strerror(errno));
	return tmp;
}

/*
 * Open files[0..nfiles) for two passes: a regular file is read twice
 * from where it starts (standard input redirected from a file too),
 * anything else is spooled first.
 */
static void
open_inputs(struct custtab *t, char **files, int nfiles)
{
	bool stdin_seen = false;

	t->in = cdp_xcalloc((size_t)nfiles, sizeof(*t->in));
	for (int i = 0; i < nfiles; i++) {
		struct score_input *in = &t->in[i];
		bool std = strcmp(files[i], "-") == 0;
		struct stat st;
		int fd = STDIN_FILENO;

		in->name = std ? "<stdin>" : files[i];
		if (!std && (fd = open(files[i], O_RDONLY | O_CLOEXEC)) ==
		    -1)
			cdp_die(EX_NOINPUT, files[i], 0, "cannot open: %s",
			    strerror(errno));
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    (in->start = lseek(fd, 0, SEEK_CUR)) != -1) {
			/* as without --annotate, "-" again reads nothing */
			if (std && stdin_seen)
				in->start = st.st_size;
			stdin_seen |= std;
			in->fd = std ? dup(fd) : fd;
			if (in->fd == -1)
				cdp_die(EX_OSERR, NULL, 0, "dup: %s",
				    strerror(errno));
			continue;
		}
		in->start = 0;
		in->fd = spool(fd, in->name);
		if (!std)
			close(fd);
	}
	t->nin = nfiles;
}

/* One pass over the inputs of --annotate, each from its start. */
static void
read_inputs(struct load *L, void (*one)(struct load *,
    const struct cdp_line *))
{
	struct custtab *t = L->t;
	struct cdp_err err;

	for (int i = 0; i < t->nin; i++) {
		struct cdp_lines *in;

		if (lseek(t->in[i].fd, t->in[i].start, SEEK_SET) == -1)
			cdp_die(EX_IOERR, t->in[i].name, 0, "cannot read "
			    "again: %s", strerror(errno));
		if ((in = cdp_lines_open_fd(t->in[i].fd, t->in[i].name, NULL,
		    0, L->opt->common.max_record_bytes, &err)) == NULL)
			cdp_die_err(&err, t->in[i].name, 0);
		read_lines(L, in, one);
		cdp_lines_close(in);
	}
}

static void
load_file(struct load *L, const char *path)
{
	struct cdp_lines *in;
	struct cdp_err err;

	in = cdp_lines_open(path, L->opt->common.max_record_bytes, &err);
	if (in == NULL)
		cdp_die_err(&err, path, 0);
	read_lines(L, in, record);
	cdp_lines_close(in);
}

/* Customers seen only in the holdout are in no fit: their records
 * count as skipped, not used. */
static void
drop_holdout_only(struct custtab *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->c[i].n == 0) {
			t->acct.written -= t->c[i].hold_n;
			t->acct.dropped += t->c[i].hold_n;
		}
}

/* ---- a parallel load (par.h) ----
 *
 * Threads parse records and read their transactions; each goes to the
 * lane of its customer's hash, which adds it to its own table in input
 * order (the compensated sums, the first day's amount, the distinct
 * days, the status, the first day's covariate values come out as one
 * thread's).  The lanes' customers are disjoint: their tables are
 * joined at the end, numbered in the order they first came, and the
 * covariate values get their ids in that order too.
 */

enum { IT_ADD, IT_HOLD, IT_STATUS };

/* An item for a lane, followed by the id and, for IT_ADD with
 * --covariates, each value as a uint32_t length and its text. */
struct citem {
	struct cdp_key128	k;
	double			amount;
	long			line;
	size_t			off;	/* the record in the block */
	uint32_t		len;
	int32_t			day;	/* a period with bg-bb */
	int32_t			txday;	/* the day itself */
	uint32_t		idlen;
	uint32_t		curlen;	/* IT_ADD: its currency's text,
					   after the id; 0: none */
	uint8_t			idnum, kind, status, curf;
};

/* A lane's table, and where each of its customers first came (block,
 * line): the joined table numbers the customers in that order, as one
 * thread does, so that sums over customers add in the same order. */
struct ctable {
	struct custtab	 t;
	struct cfirst {
		uint64_t	seq;
		long		line;
		int		lane;
		size_t		i;
	}		*first;
	size_t		 cap;
	const char	*amount;	/* the field an overflow names */
	const char	*curnames[2];	/* load's */
	struct cdp_buf	 why, msg;
};

/* The text of value id of d, and its length. */
static const char *
dict_text(const struct covdict *d, size_t id, size_t *n)
{
	size_t end = id + 1 < d->n ? d->off[id + 1] : d->text.len;

	*n = end - d->off[id] - 1;
	return d->text.p + d->off[id];
}

/* Note where the values the record of line l added to this thread's
 * dictionaries (they held n0[k] before) first came. */
static void
note_values(struct load *L, const struct cdp_line *l, const size_t *n0)
{
	for (int k = 0; k < L->t->ncov; k++) {
		const struct cdp_field *f;

		if (L->t->dict[k].n == n0[k])
			continue;
		f = cdp_rec_find(&L->rec, L->opt->cov[k],
		    strlen(L->opt->cov[k]));
		cdp_xgrow((void **)&L->vf[k], &L->vcap[k], n0[k] + 1,
		    sizeof(*L->vf[k]));
		L->vf[k][n0[k]] = (struct vfirst){ L->blk->seq, l->lineno,
		    f->type == CDP_NUMBER };
	}
}

/* Item it of the record of line l, and what follows it, to its lane. */
static void
put_item(struct load *L, struct cdp_par_block *b, struct citem *it,
    const struct cdp_line *l, const struct tx *tx)
{
	struct cdp_buf *lb;

	it->k = customer_key(&L->key, tx->id, tx->idlen, tx->idnum);
	it->line = l->lineno;
	it->off = (size_t)(l->p - b->p);
	it->len = (uint32_t)l->len;
	it->txday = (int32_t)tx->day;
	it->idlen = (uint32_t)tx->idlen;
	it->idnum = tx->idnum;
	lb = &b->lane[it->k.hi % (uint64_t)L->nlanes];
	if (cdp_buf_add(lb, it, sizeof(*it)) == -1 ||
	    cdp_buf_add(lb, tx->id, tx->idlen) == -1 ||
	    (it->curlen > 0 && cdp_buf_add(lb, L->cur.p, it->curlen) == -1))
		cdp_oom(0);
	for (int k = 0; it->kind == IT_ADD && k < L->t->ncov; k++) {
		size_t n;
		const char *s = dict_text(&L->t->dict[k], tx->cv[k], &n);
		uint32_t n32 = (uint32_t)n;

		if (cdp_buf_add(lb, &n32, sizeof(n32)) == -1 ||
		    cdp_buf_add(lb, s, n) == -1)
			cdp_oom(0);
	}
}

static void
par_line(void *ctx, struct cdp_par_block *b, const struct cdp_line *l)
{
	struct load *L = ctx;
	struct citem it = { 0 };
	struct tx tx = { 0 };
	const char *field = NULL, *why;
	size_t n0[MODEL_MAXCOV];
	int rc;

	b->n.read++;
	if (!parsed(L, l))
		return;
	for (int k = 0; k < L->t->ncov; k++)
		n0[k] = L->t->dict[k].n;
	rc = transaction(L, l->p, &tx, &field, &why);
	note_values(L, l, n0);
	if (rc == TX_BAD) {
		reject(L, l, field, why);
		return;
	}
	if (rc == TX_STATUS) {
		/* as note_status() */
		if (tx.status == STATUS_CANCELLED)
			L->t->cancels++;
		if (tx.day > L->cutoff) {
			b->n.dropped++;
			return;
		}
		if (L->opt->cmd == CMD_RFM)
			b->n.written++;
		else
			b->n.dropped++;
		it.kind = IT_STATUS;
		it.status = (uint8_t)tx.status;
		it.day = (int32_t)tx.day;
		put_item(L, b, &it, l, &tx);
		return;
	}
	if (rc == TX_SKIP || tx.day > L->cutoff) {
		b->n.dropped++;
		return;
	}
	it.day = (int32_t)(L->t->period >= 0 ? period_of(tx.day,
	    L->t->period) : tx.day);
	it.amount = tx.amount;
	if (tx.day > L->cal_end) {
		b->n.written++;
		it.kind = IT_HOLD;
	} else {
		it.kind = IT_ADD;	/* its lane counts it */
		it.curlen = tx.hascur ? (uint32_t)L->cur.len : 0;
		it.curf = tx.curf;
	}
	put_item(L, b, &it, l, &tx);
}

static void
par_block(void *ctx, struct cdp_par_block *b)
{
	struct load *L = ctx;

	L->blk = b;
	L->file = b->file;
	cdp_par_lines(b, L->opt->common.max_record_bytes ?
	    L->opt->common.max_record_bytes : CDP_MAX_RECORD_BYTES, par_line,
	    L);
	L->blk = NULL;
}

/* A purchase of it (its currency and covariate values at *p) to c; false
 * with the reason in ct->why when the total overflows or the currency
 * differs, as record() finds. */
static bool
lane_add(struct ctable *ct, struct cust *c, const struct citem *it,
    const char **p)
{
	struct custtab *t = &ct->t;
	struct tx tx = { .day = it->txday };
	const char *cur = *p, *why;

	*p += it->curlen;
	for (int k = 0; k < t->ncov; k++) {
		uint32_t n;

		memcpy(&n, *p, sizeof(n));
		tx.cv[k] = cov_value(&t->dict[k], *p + sizeof(n), n, false);
		*p += sizeof(n) + n;
	}
	if (!isfinite(c->sum + c->comp + it->amount)) {
		reason(&ct->why, ct->amount, OVERFLOW);
		return false;
	}
	if ((why = take_currency(t, c, cur, it->curlen, &ct->msg)) != NULL) {
		reason(&ct->why, ct->curnames[it->curf], why);
		return false;
	}
	add(t, c, it->day, it->amount);
	note_covariates(t, c, &tx);
	if (it->txday > t->maxday)
		t->maxday = it->txday;
	return true;
}

/* The item at p of a lane and what follows it: the place after them. */
static const char *
item_next(const char *p, int ncov)
{
	struct citem it;

	memcpy(&it, p, sizeof(it));
	p += sizeof(it) + it.idlen + it.curlen;
	for (int k = 0; it.kind == IT_ADD && k < ncov; k++) {
		uint32_t n;

		memcpy(&n, p, sizeof(n));
		p += sizeof(n) + n;
	}
	return p;
}

/*
 * Items LANE_AHEAD ahead have their customer's slot of the map fetched
 * while the current one is added, and items half as far ahead (whose
 * slot has come by then) their customer's entry: with millions of
 * customers both are far larger than the cache, and each item would
 * wait for memory twice.
 */
#define LANE_AHEAD	16

/* Fetch the entry of the customer of the item at p, if it exists. */
static void
prefetch_customer(const struct custtab *t, const char *p)
{
	struct citem it;
	const uint64_t *slot;

	memcpy(&it, p, sizeof(it));
	if ((slot = cdp_keymap_get(t->map, it.k)) != NULL)
		__builtin_prefetch(&t->c[*slot]);
}

static void
par_lane(void *lctx, struct cdp_par_block *b, int lane)
{
	struct ctable *ct = lctx;
	struct custtab *t = &ct->t;
	const char *p = b->lane[lane].p, *end = p + b->lane[lane].len;
	const char *ahead = p, *half = p;
	struct citem it;
	struct cust *c;
	size_t n;

	for (int i = 0; i < LANE_AHEAD && ahead < end; i++) {
		memcpy(&it, ahead, sizeof(it));
		cdp_keymap_prefetch(t->map, it.k);
		ahead = item_next(ahead, t->ncov);
		if (i >= LANE_AHEAD / 2) {
			prefetch_customer(t, half);
			half = item_next(half, t->ncov);
		}
	}
	while (p < end) {
		if (ahead < end) {
			memcpy(&it, ahead, sizeof(it));
			cdp_keymap_prefetch(t->map, it.k);
			ahead = item_next(ahead, t->ncov);
		}
		if (half < end) {
			prefetch_customer(t, half);
			half = item_next(half, t->ncov);
		}
		memcpy(&it, p, sizeof(it));
		p += sizeof(it);
		n = t->n;
		c = customer_hashed(t, it.k, p, it.idlen, it.idnum);
		if (t->n > n) {
			cdp_xgrow((void **)&ct->first, &ct->cap, t->n,
			    sizeof(*ct->first));
			ct->first[n] = (struct cfirst){ b->seq, it.line, lane,
			    n };
		}
		p += it.idlen;
		if (it.kind == IT_STATUS) {
			set_status(c, it.day, it.status);
		} else if (it.kind == IT_HOLD) {
			add_holdout(t, c, it.day);
		} else if (lane_add(ct, c, &it, &p)) {
			b->lane_n[lane].written++;
		} else {
			cdp_par_lane_reject(b, lane, it.line, ct->why.p,
			    b->p + it.off, it.len);
		}
	}
}

static int
by_first(const void *a, const void *b)
{
	const struct cfirst *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* The covariate values of the threads' dictionaries into t's, in the
 * order they first came, as one thread numbers them. */
static void
join_values(struct custtab *t, const struct load *w, int threads)
{
	for (int k = 0; k < t->ncov; k++) {
		struct cfirst *all;
		size_t n = 0;

		for (int i = 0; i < threads; i++)
			n += w[i].t->dict[k].n;
		all = cdp_xcalloc(n + 1, sizeof(*all));
		n = 0;
		for (int i = 0; i < threads; i++)
			for (size_t j = 0; j < w[i].t->dict[k].n; j++)
				all[n++] = (struct cfirst){ w[i].vf[k][j].seq,
				    w[i].vf[k][j].line, i, j };
		qsort(all, n, sizeof(*all), by_first);
		for (size_t j = 0; j < n; j++) {
			const struct load *l = &w[all[j].lane];
			size_t len;
			const char *s = dict_text(&l->t->dict[k], all[j].i,
			    &len);

			(void)cov_value(&t->dict[k], s, len,
			    l->vf[k][all[j].i].num);
		}
		free(all);
	}
}

/*
 * The first sightings of the lanes lt[0..nlanes), n in all, into out[]
 * in by_first()'s order.  A lane folds its blocks in input order and a
 * block's items in line order (par.h), so each lane's are in that order
 * already, and merging them does what sorting them all did, in O(n).
 */
static void
merge_firsts(struct cfirst *out, size_t n, const struct ctable *lt,
    int nlanes)
{
	size_t pos[CDP_PAR_MAXTHREADS] = { 0 };

	for (size_t j = 0; j < n; j++) {
		int best = -1;

		for (int i = 0; i < nlanes; i++)
			if (pos[i] < lt[i].t.n && (best == -1 ||
			    by_first(&lt[i].first[pos[i]],
			    &lt[best].first[pos[best]]) < 0))
				best = i;
		out[j] = lt[best].first[pos[best]++];
	}
}

/*
 * The lanes' customers into t in the order they first came, with their
 * covariate values' ids in t's dictionaries.  The lanes' customers are
 * disjoint, and t is not looked up by id afterwards (--annotate, which
 * does, runs one thread): t->map stays empty, which spares a million
 * customers' hashing and inserting after the threads are done.
 */
static void
join_tables(struct custtab *t, struct ctable *lt, int nlanes)
{
	struct cfirst *all;
	size_t n = 0, ids = 0, nc = (size_t)t->ncov;

	for (int i = 0; i < nlanes; i++) {
		n += lt[i].t.n;
		ids += lt[i].t.ids.len;
		if (lt[i].t.maxday > t->maxday)
			t->maxday = lt[i].t.maxday;
	}
	all = cdp_xcalloc(n + 1, sizeof(*all));
	merge_firsts(all, n, lt, nlanes);
	customers_reserve(t, t->n + n);
	if (cdp_buf_reserve(&t->ids, ids) == -1)
		cdp_oom(0);
	for (size_t j = 0; j < n; j++) {
		const struct custtab *l = &lt[all[j].lane].t;
		size_t li = all[j].i;
		const struct cust *lc = &l->c[li];
		struct cust *c = customer_new(t, l->ids.p + lc->idoff,
		    lc->idlen, lc->idnum);
		size_t gi = (size_t)(c - t->c);
		uint64_t off = c->idoff;

		*c = *lc;
		c->idoff = off;
		c->cur = 0;
		if (lc->cur != 0) {
			const char *s = cust_currency(l, lc);

			if ((c->cur = currency_id(t, s, strlen(s))) == 0)
				cdp_die(EX_DATAERR, NULL, 0, "%s", MAXCUR);
		}
		for (size_t k = 0; k < nc; k++) {
			uint32_t v = l->cv[li * nc + k];
			size_t len;
			const char *s;

			t->cvday[gi * nc + k] = l->cvday[li * nc + k];
			if (v == 0)
				continue;
			s = dict_text(&l->dict[k], v - 1, &len);
			t->cv[gi * nc + k] = (uint32_t)*cdp_keymap_get(
			    t->dict[k].map, cdp_key128_of(s, len)) + 1;
		}
	}
	free(all);
}

/* A table for a thread or a lane, with t's settings. */
static void
table_like(struct custtab *to, const struct custtab *t, bool days)
{
	*to = (struct custtab){ .maxday = LONG_MIN, .period = t->period,
	    .ncov = t->ncov };
	if ((to->map = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	if (days && t->days != NULL)
		to->days = dayset_new();
	for (int k = 0; k < t->ncov; k++)
		if ((to->dict[k].map = cdp_keymap_new()) == NULL)
			cdp_oom(0);
}

static void
load_parallel(struct load *L, char **files, int nfiles, int threads,
    struct cdp_par_info *info)
{
	struct custtab *t = L->t;
	struct load *w = cdp_xcalloc((size_t)threads, sizeof(*w));
	struct ctable *lt = cdp_xcalloc((size_t)threads, sizeof(*lt));
	struct custtab *wt = cdp_xcalloc((size_t)threads, sizeof(*wt));
	void **wctx = cdp_xcalloc((size_t)threads, sizeof(*wctx));
	void **lctx = cdp_xcalloc((size_t)threads, sizeof(*lctx));
	struct cdp_par_prog prog = { .block = par_block, .ctx = wctx,
	    .nlanes = threads, .lane = par_lane, .lctx = lctx,
	    .block_lines = true };

	for (int i = 0; i < threads; i++) {
		table_like(&wt[i], t, false);
		table_like(&lt[i].t, t, true);
		lt[i].amount = L->opt->amount;
		lt[i].curnames[0] = L->curnames[0];
		lt[i].curnames[1] = L->curnames[1];
		w[i] = (struct load){ .t = &wt[i], .opt = L->opt,
		    .rates = L->rates,
		    .cutoff = L->cutoff, .cal_end = L->cal_end,
		    .nlanes = threads, .curnames = { L->curnames[0],
		    L->curnames[1] } };
		wctx[i] = &w[i];
		lctx[i] = &lt[i];
	}
	cdp_par_run(&prog, files, nfiles, threads, &L->opt->common, &t->acct,
	    info);
	join_values(t, w, threads);
	for (int i = 0; i < threads; i++) {
		/* the most decimals of an amount; none after an exponent */
		if (wt[i].decimals < 0 || t->decimals < 0)
			t->decimals = -1;
		else if (wt[i].decimals > t->decimals)
			t->decimals = wt[i].decimals;
		t->cancels += wt[i].cancels;
		cdp_rec_free(&w[i].rec);
		cdp_buf_free(&w[i].s1);
		cdp_buf_free(&w[i].s2);
		cdp_buf_free(&w[i].why);
		cdp_buf_free(&w[i].key);
		cdp_buf_free(&w[i].cur);
		cdp_buf_free(&w[i].msg);
		for (int k = 0; k < t->ncov; k++)
			free(w[i].vf[k]);
		custtab_free(&wt[i]);
	}
	join_tables(t, lt, threads);
	for (int i = 0; i < threads; i++) {
		custtab_free(&lt[i].t);
		free(lt[i].first);
		cdp_buf_free(&lt[i].why);
		cdp_buf_free(&lt[i].msg);
	}
	free(w);
	free(lt);
	free(wt);
	free(wctx);
	free(lctx);
}

void
custtab_load(struct custtab *t, const struct score_opts *opt, char **files,
    int nfiles, const char *const *owned, int nowned)
{
	struct load L = { .t = t, .opt = opt, .cutoff = LONG_MAX,
	    .cal_end = LONG_MAX, .owned = opt->annotate ? owned : NULL,
	    .nowned = opt->annotate ? nowned : 0 };
	struct cdp_err err;
	struct cdp_buf amtcur = { 0 };
	const char *bad;
	off_t total;
	int threads;

	*t = (struct custtab){ .maxday = LONG_MIN, .decimals = 0,
	    .period = -1 };
	if (opt->rates != NULL && (t->rates = rates_load(opt->rates,
	    &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	L.rates = t->rates;
	if (cdp_buf_addf(&amtcur, "%s_currency", opt->amount) == -1)
		cdp_oom(0);
	L.curnames[0] = opt->currency != NULL ? opt->currency : amtcur.p;
	L.curnames[1] = "_currency";
	if (opt->cmd == CMD_CLV || opt->cmd == CMD_CHURN) {
		if (opt->model == M_BGBB)
			t->period = opt->period;
		t->ncov = opt->ncov;
		for (int k = 0; k < t->ncov; k++)
			if ((t->dict[k].map = cdp_keymap_new()) == NULL)
				cdp_oom(0);
	}
	if (opt->cmd == CMD_RFM && opt->has_as_of)
		L.cutoff = opt->as_of;
	if (opt->cmd == CMD_CLV || opt->cmd == CMD_CHURN)
		L.cutoff = opt->has_cal_end ? opt->cal_end :
		    opt->has_as_of ? opt->as_of : LONG_MAX;
	if ((opt->cmd == CMD_CLV || opt->cmd == CMD_CHURN) &&
	    opt->has_holdout) {
		L.cal_end = opt->cal_end;
		L.cutoff = opt->holdout_end;
	}
	/* Every input must open before anything is written. */
	if (cdp_lines_inputs(&files, &nfiles, &total, &bad, &err) == -1)
		cdp_die_err(&err, bad, 0);
	if ((t->map = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	if (opt->cmd != CMD_RFM)
		t->days = dayset_new();
	if (cdp_acct_open(&t->acct, opt->common.rejects, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	t->acct.aggregating = true;
	if (opt->annotate)
		open_inputs(t, files, nfiles);
	threads = opt->annotate ? 1 : cdp_par_threads(&opt->common,
	    &t->par.asked);
	if (threads > 1)
		load_parallel(&L, files, nfiles, threads, &t->par);
	else {
		cdp_progress_start(&L.prog, opt->common.progress, total);
		if (opt->annotate)
			read_inputs(&L, record);
		else
			for (int i = 0; i < nfiles; i++)
				load_file(&L, files[i]);
		cdp_progress_end(&L.prog);
	}
	drop_holdout_only(t);
	dayset_free(t->days);
	t->days = NULL;
	cdp_rec_free(&L.rec);
	cdp_buf_free(&L.s1);
	cdp_buf_free(&L.s2);
	cdp_buf_free(&L.why);
	cdp_buf_free(&L.key);
	cdp_buf_free(&L.cur);
	cdp_buf_free(&L.msg);
	cdp_buf_free(&amtcur);
}

void
custtab_annotate(struct custtab *t, const struct score_opts *opt,
    struct cdp_out *out, const char *const *owned, int nowned,
    void (*fields)(void *st, struct cdp_recw *w, size_t i), void *st)
{
	struct cdp_buf amtcur = { 0 };
	struct load L = { .t = t, .opt = opt, .out = out, .owned = owned,
	    .nowned = nowned, .fields = fields, .st = st, .rates = t->rates };

	if (cdp_buf_addf(&amtcur, "%s_currency", opt->amount) == -1)
		cdp_oom(0);
	L.curnames[0] = opt->currency != NULL ? opt->currency : amtcur.p;
	L.curnames[1] = "_currency";

	if (nowned > SCORE_MAXOWNED)
		cdp_die(EX_SOFTWARE, NULL, 0, "internal: too many fields");
	/* one thread's load: every customer in t->map (join_tables) */
	assert(cdp_keymap_count(t->map) == t->n);
	read_inputs(&L, record_again);
	/* A file that grew or shrank in between has records unaccounted. */
	if (L.seen != t->acct.read)
		cdp_die(EX_DATAERR, NULL, 0, "the input changed between the "
		    "two passes of --annotate (%llu records, then %llu)",
		    t->acct.read, L.seen);
	cdp_rec_free(&L.rec);
	cdp_recw_free(&L.w);
	cdp_buf_free(&L.s1);
	cdp_buf_free(&L.s2);
	cdp_buf_free(&L.why);
	cdp_buf_free(&L.key);
	cdp_buf_free(&L.cur);
	cdp_buf_free(&amtcur);
}

void
custtab_free(struct custtab *t)
{
	for (int i = 0; i < t->nin; i++)
		close(t->in[i].fd);
	free(t->in);
	free(t->c);
	cdp_buf_free(&t->ids);
	cdp_keymap_free(t->map);
	dayset_free(t->days);
	for (int k = 0; k < t->ncov; k++) {
		cdp_keymap_free(t->dict[k].map);
		cdp_buf_free(&t->dict[k].text);
		free(t->dict[k].off);
	}
	cdp_keymap_free(t->curs.map);
	cdp_buf_free(&t->curs.text);
	free(t->curs.off);
	free(t->cv);
	free(t->cvday);
	cdp_keymap_free(t->overflow);
	rates_free(t->rates);
	*t = (struct custtab){ 0 };
}

double
custtab_round(const struct custtab *t, double v)
{
	/* exact: no pow() for every customer written */
	static const double p10[16] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6,
	    1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
	double scale, y;

	if (t->decimals < 0 || t->decimals > 15)
		return v;
	scale = p10[t->decimals];
	y = v * scale;
	if (!(fabs(y) < 0x1p52))
		return v;
	/* both exact: the quotient is the double nearest the decimal */
	return nearbyint(y) / scale;
}

double
cust_total(const struct custtab *t, const struct cust *c)
{
	return custtab_round(t, c->sum + c->comp);
}


int
score_by_id(const void *a, const void *b)
{
	const struct idref *x = a, *y = b;
	int d = memcmp(x->p, y->p, x->len < y->len ? x->len : y->len);

	if (d != 0)
		return d;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->num - y->num;
}

void
score_radix_sort(struct score_key *a, struct score_key *tmp, size_t n)
{
	size_t cnt[8][256];
	struct score_key *from = a, *to = tmp, *sw;

	/* least significant byte first, no pass for a byte all keys share */
	memset(cnt, 0, sizeof(cnt));
	for (size_t i = 0; i < n; i++)
		for (int d = 0; d < 8; d++)
			cnt[d][a[i].k >> (8 * d) & 0xff]++;
	for (int d = 0; d < 8; d++) {
		size_t sum = 0, c;

		if (n == 0 || cnt[d][from[0].k >> (8 * d) & 0xff] == n)
			continue;
		for (int x = 0; x < 256; x++) {
			c = cnt[d][x];
			cnt[d][x] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			to[cnt[d][from[i].k >> (8 * d) & 0xff]++] = from[i];
		sw = from;
		from = to;
		to = sw;
	}
	if (from != a)
		memcpy(a, from, n * sizeof(*a));
}

/* Bytes [off, off + 8) of id r as a big-endian number, 0 past its end:
 * keys in order are ids in order, equal keys need the bytes after. */
static uint64_t
id_chunk(const struct idref *r, size_t off)
{
	uint64_t k = 0;

	for (size_t i = off; i < off + 8; i++)
		k = k << 8 | (i < r->len ? (unsigned char)r->p[i] : 0);
	return k;
}

/*
 * r[0..m) in score_by_id's order: radix-sorted by 8 bytes at off, then
 * each run of equal keys by the next 8 (a short run, or one whose ids
 * all end within these bytes, by qsort).  k and tmp hold m keys each,
 * out m idrefs.  The ids are distinct, so the order is qsort's.
 */
static void
sort_ids(struct idref *r, size_t m, size_t off, struct score_key *k,
    struct score_key *tmp, struct idref *out)
{
	size_t i, j;

	if (m < 32) {
		qsort(r, m, sizeof(*r), score_by_id);
		return;
	}
	for (i = 0; i < m; i++)
		k[i] = (struct score_key){ id_chunk(&r[i], off), i };
	score_radix_sort(k, tmp, m);
	for (i = 0; i < m; i++)
		out[i] = r[k[i].ix];
	memcpy(r, out, m * sizeof(*r));
	for (i = 0; i < m; i = j) {
		bool longer = r[i].len > off + 8;

		for (j = i + 1; j < m && k[j].k == k[i].k; j++)
			longer |= r[j].len > off + 8;
		if (j - i == 1)
			continue;
		if (longer)
			sort_ids(r + i, j - i, off + 8, k + i, tmp + i,
			    out + i);
		else
			qsort(r + i, j - i, sizeof(*r), score_by_id);
	}
}

static size_t *
sorted_ids(const struct custtab *t, size_t *count)
{
	size_t n = t->n ? t->n : 1, m = 0;
	struct idref *r = cdp_xreallocarray(NULL, n, sizeof(*r));
	struct idref *tmp = cdp_xreallocarray(NULL, n, sizeof(*tmp));
	struct score_key *k = cdp_xreallocarray(NULL, n, 2 * sizeof(*k));
	size_t *ix = cdp_xreallocarray(NULL, n, sizeof(*ix));

	for (size_t i = 0; i < t->n; i++)
		if (t->c[i].n > 0)
			r[m++] = (struct idref){ t->ids.p + t->c[i].idoff,
			    t->c[i].idlen, i, t->c[i].idnum };
	sort_ids(r, m, 0, k, k + n, tmp);
	for (size_t i = 0; i < m; i++)
		ix[i] = r[i].ix;
	free(r);
	free(tmp);
	free(k);
	*count = m;
	return ix;
}

size_t *
custtab_sorted(const struct custtab *t, size_t *count)
{
	return sorted_ids(t, count);
}

void
custtab_finish(struct custtab *t, const struct score_opts *opt,
    unsigned long long output)
{
	struct cdp_err err;

	t->acct.extra[0].name = "output";
	t->acct.extra[0].n = output;
	cdp_par_account(&t->par, &t->acct);
	if (cdp_acct_close(&t->acct, opt->common.stats, &err) == -1)
		cdp_die_err(&err, NULL, 0);
}

/*
 * Writing: the output order cut into runs of WRITE_RUN customers; with
 * threads, as many runs as threads are formatted at once, each into its
 * own buffer, and written in order, so that the bytes are one thread's.
 */
#define WRITE_RUN	16384

struct wrun {
	const struct custtab	*t;
	const struct score_opts	*opt;
	const size_t		*order;
	size_t			 from, to;
	bool			(*keep)(void *, size_t);
	void			(*fields)(void *, struct cdp_recw *, size_t);
	void			*st;
	struct cdp_recw		 w;	/* w.b: the run's records */
	size_t			 m;	/* how many */
};

#define FORMAT_AHEAD	16

static void *
format_run(void *arg)
{
	struct wrun *j = arg;
	const char *idf = j->opt->id;
	/* the writer lives on this thread's stack while it writes: in j,
	 * next to another thread's run, every byte would contend for the
	 * cache line the two share */
	struct cdp_recw w = j->w;
	size_t m = 0;

	cdp_recw_begin(&w);
	for (size_t k = j->from; k < j->to; k++) {
		const struct cust *c = &j->t->c[j->order[k]];
		const char *id = j->t->ids.p + c->idoff;
		int rc;

		/* the output's order is the ids', not the table's: fetch a
		 * customer ahead, and the id of one half as far ahead, whose
		 * entry has come by then */
		if (k + FORMAT_AHEAD < j->to)
			__builtin_prefetch(&j->t->c[j->order[k +
			    FORMAT_AHEAD]]);
		if (k + FORMAT_AHEAD / 2 < j->to)
			__builtin_prefetch(j->t->ids.p + j->t->c[j->order[k +
			    FORMAT_AHEAD / 2]].idoff);
		if (j->keep != NULL && !j->keep(j->st, j->order[k]))
			continue;
		cdp_recw_next(&w);
		rc = c->idnum ? cdp_recw_raw(&w, idf, strlen(idf), id,
		    c->idlen) : cdp_recw_str(&w, idf, strlen(idf), id,
		    c->idlen);
		if (rc == -1)
			cdp_oom(0);
		j->fields(j->st, &w, j->order[k]);
		if (cdp_recw_end(&w) == -1)
			cdp_oom(0);
		m++;
	}
	j->w = w;
	j->m = m;
	return NULL;
}

/* A run's lines to out in pieces smaller than its buffer, so that it
 * writes blocks of its own size, as it does one record at a time (one
 * write(2) of megabytes would make an error in mid-output a rare event). */
static void
write_lines(struct cdp_out *out, const struct cdp_buf *lines)
{
	struct cdp_err err;
	size_t piece = (size_t)64 << 10;

	for (size_t off = 0; off < lines->len; off += piece)
		if (cdp_out_write(out, lines->p + off, lines->len - off < piece ?
		    lines->len - off : piece, &err) == -1)
			cdp_die_err(&err, NULL, 0);
}

/* The records of order[0..n) (freed here) to out. */
static size_t
write_runs(const struct custtab *t, const struct score_opts *opt,
    struct cdp_out *out, size_t *order, size_t n,
    bool (*keep)(void *, size_t),
    void (*fields)(void *, struct cdp_recw *, size_t), void *st,
    int threads)
{
	size_t m = 0;
	struct wrun *run = cdp_xcalloc((size_t)threads, sizeof(*run));
	pthread_t *th = cdp_xcalloc((size_t)threads, sizeof(*th));
	bool *started = cdp_xcalloc((size_t)threads, sizeof(*started));

	for (int i = 0; i < threads; i++)
		run[i] = (struct wrun){ .t = t, .opt = opt, .order = order,
		    .keep = keep, .fields = fields, .st = st };
	for (size_t at = 0; at < n;) {
		int used = 0;

		for (; used < threads && at < n; used++) {
			run[used].from = at;
			at = n - at > WRITE_RUN ? at + WRITE_RUN : n;
			run[used].to = at;
		}
		/* a thread that cannot start leaves its run to this one */
		for (int i = 1; i < used; i++)
			started[i] = pthread_create(&th[i], NULL, format_run,
			    &run[i]) == 0;
		format_run(&run[0]);
		for (int i = 1; i < used; i++) {
			if (started[i])
				pthread_join(th[i], NULL);
			else
				format_run(&run[i]);
		}
		for (int i = 0; i < used; i++) {
			write_lines(out, &run[i].w.b);
			m += run[i].m;
		}
	}
	for (int i = 0; i < threads; i++) {
		cdp_recw_free(&run[i].w);
	}
	free(run);
	free(th);
	free(started);
	free(order);
	return m;
}

size_t
custtab_write(const struct custtab *t, const struct score_opts *opt,
    struct cdp_out *out, bool (*keep)(void *, size_t),
    void (*fields)(void *, struct cdp_recw *, size_t), void *st)
{
	size_t n, *order = sorted_ids(t, &n);

	return write_runs(t, opt, out, order, n, keep, fields, st, 1);
}

size_t
custtab_write_threads(const struct custtab *t, const struct score_opts *opt,
    struct cdp_out *out, size_t *order, size_t n,
    void (*fields)(void *, struct cdp_recw *, size_t), void *st)
{
	return write_runs(t, opt, out, order, n, NULL, fields, st,
	    t->par.threads > 1 ? t->par.threads : 1);
}
