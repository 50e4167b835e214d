/*
 * rfm.c - cdp-score rfm: recency, frequency and monetary value per
 * customer, quintile scores 1-5, the RFM cell and a named segment.
 */
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "out.h"
#include "record.h"
#include "xalloc.h"
#include "score.h"

/*
 * Segments by recency score (rows R = 5..1) and the frequency-monetary
 * score FM = round-half-up((F + M) / 2) (columns 1..5).  The man page
 * prints this table; keep the two in step.
 */
/* A key as cdp_recw_qplain() and the like take it: quoted, and its length. */
#define QK(k)	"\"" k "\"", sizeof(k) + 1

static const char *const segments[5][5] = {
	{ "New Customers", "Potential Loyalist", "Potential Loyalist",
	  "Champions", "Champions" },
	{ "Promising", "Potential Loyalist", "Potential Loyalist",
	  "Loyal Customers", "Champions" },
	{ "About To Sleep", "About To Sleep", "Need Attention",
	  "Loyal Customers", "Loyal Customers" },
	{ "Hibernating", "Hibernating", "At Risk", "At Risk",
	  "Can't Lose Them" },
	{ "Lost", "Lost", "At Risk", "Can't Lose Them", "Can't Lose Them" },
};

/* A value as a key whose unsigned order is the values' order (both
 * zeros the same key). */
static uint64_t
order_key(double d)
{
	uint64_t u;

	if (d == 0)
		d = 0;
	memcpy(&u, &d, sizeof(u));
	return u >> 63 ? ~u : u | 1ULL << 63;
}

/*
 * Quintile scores of v[0..n) into score[], by mid-rank: with k customers
 * strictly below a value and c customers at it, the value's percentile is
 * (k + c/2) / n and its score 1 + floor(5 (2k + c) / 2n), which is 1..5.
 * Equal values therefore share a score whatever the input order, and
 * turning the order around turns score s into 6 - s (away from the
 * quintile boundaries).
 */
/*
 * The same scores by counting, without a sort, when every value is an
 * integer and they span at most 4n + 1024 of them (recency in days and
 * frequency always do): cnt[] holds how many customers have each value,
 * then the scores of the values in turn.  false leaves score[] alone.
 */
static bool
quintiles_counted(const double *v, size_t n, unsigned char *score)
{
	double lo, hi;
	size_t span, k = 0, *cnt;
	unsigned char *at;

	if (n == 0)
		return true;
	lo = hi = v[0];
	for (size_t i = 0; i < n; i++) {
		if (v[i] != floor(v[i]) || fabs(v[i]) > 4503599627370496.0)
			return false;
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	if (hi - lo > 4.0 * (double)n + 1024)
		return false;
	span = (size_t)(hi - lo) + 1;
	cnt = cdp_xcalloc(span, sizeof(*cnt));
	at = cdp_xmalloc(span);
	for (size_t i = 0; i < n; i++)
		cnt[(size_t)(v[i] - lo)]++;
	for (size_t x = 0; x < span; x++) {
		at[x] = (unsigned char)(1 + (5 * (2 * k + cnt[x])) / (2 * n));
		k += cnt[x];
	}
	for (size_t i = 0; i < n; i++)
		score[i] = at[(size_t)(v[i] - lo)];
	free(cnt);
	free(at);
	return true;
}

static void
quintiles(const double *v, size_t n, unsigned char *score,
    struct score_key *tmp)
{
	if (quintiles_counted(v, n, score))
		return;
	for (size_t i = 0; i < n; i++)
		tmp[i] = (struct score_key){ order_key(v[i]), i };
	score_radix_sort(tmp, tmp + n, n);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && tmp[j].k == tmp[i].k; j++)
			;
		for (size_t q = i; q < j; q++)
			score[tmp[q].ix] = (unsigned char)(1 +
			    (5 * (2 * i + (j - i))) / (2 * n));
	}
}

/* The three scores of every customer. */
struct scores {
	unsigned char	*r, *f, *m;
};

/* The three scores of every customer with transactions (those with none,
 * seen only in status records or left out, get no rank). */
static void
score_all(const struct custtab *t, long as_of, struct scores *s)
{
	double *v = cdp_xcalloc(t->n, sizeof(*v));
	struct score_key *tmp = cdp_xcalloc(t->n, 2 * sizeof(*tmp));
	size_t *ix = cdp_xcalloc(t->n, sizeof(*ix)), m = 0;
	unsigned char *sc = cdp_xcalloc(t->n, 1), *dst[3];

	s->r = cdp_xcalloc(t->n, 1);
	s->f = cdp_xcalloc(t->n, 1);
	s->m = cdp_xcalloc(t->n, 1);
	dst[0] = s->r;
	dst[1] = s->f;
	dst[2] = s->m;
	for (size_t i = 0; i < t->n; i++)
		if (t->c[i].n > 0)
			ix[m++] = i;
	for (int k = 0; k < 3; k++) {
		for (size_t j = 0; j < m; j++) {
			const struct cust *c = &t->c[ix[j]];

			/* recent is good: score the negated recency */
			v[j] = k == 0 ? -(double)(as_of - c->last) : k == 1 ?
			    c->n : cust_total(t, c);
		}
		quintiles(v, m, sc, tmp);
		for (size_t j = 0; j < m; j++)
			dst[k][ix[j]] = sc[j];
	}
	free(v);
	free(tmp);
	free(ix);
	free(sc);
}

/*
 * --exclude-cancelled: a customer whose last status is cancelled leaves
 * the ranking and the output, and their transactions count as skipped.
 */
static void
exclude_cancelled(struct custtab *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct cust *c = &t->c[i];

		if (c->status != STATUS_CANCELLED || c->n == 0)
			continue;
		t->acct.written -= c->n;
		t->acct.dropped += c->n;
		c->n = 0;
	}
}

/* The fields rfm writes after the id, in order: all prefixed, so that
 * they collide with no other program's (an input field of such a name
 * is a bad record for --annotate unless --replace). */
static const char *const rfm_fields[] = { "rfm_first", "rfm_last",
	"rfm_recency", "rfm_frequency", "rfm_monetary", "rfm_monetary_mean",
	"rfm_currency", "rfm_r", "rfm_f", "rfm_m", "rfm_cell", "rfm_segment", "rfm_status" };
/* the fields of a run: rfm_status only with --status-field */
#define NRFM(opt)	((int)(sizeof(rfm_fields) / sizeof(rfm_fields[0])) - \
			    ((opt)->status == NULL))

/* What the fields of a customer are computed from. */
struct rfm_run {
	const struct custtab	*t;
	const struct scores	*s;
	long			 as_of;
	bool			 status;	/* --status-field */
};

/* Append the scores of customer i to w (a callback of --annotate). */
static void
add_fields(void *st, struct cdp_recw *w, size_t i)
{
	const struct rfm_run *run = st;
	const struct custtab *t = run->t;
	const struct scores *s = run->s;
	const struct cust *c = &t->c[i];
	double total = cust_total(t, c);
	char first[11], last[11], cell[4];
	int fm = (s->f[i] + s->m[i] + 1) / 2;
	bool gone = c->status == STATUS_CANCELLED;
	/* a customer who left is no "At Risk": they are marked */
	const char *seg = run->status && gone ? "Cancelled" :
	    segments[5 - s->r[i]][fm - 1];
	const char *cur = cust_currency(t, c);

	day_text(c->first, first);
	day_text(c->last, last);
	cell[0] = (char)('0' + s->r[i]);
	cell[1] = (char)('0' + s->f[i]);
	cell[2] = (char)('0' + s->m[i]);
	cell[3] = '\0';
	/* Every value but the currency is printable ASCII without quotes
	 * or backslashes (dates, digits, the names above): the keys are
	 * written quoted and the strings as they are, on every customer. */
	if (cdp_recw_qplain(w, QK("rfm_first"), first, 10) == -1 ||
	    cdp_recw_qplain(w, QK("rfm_last"), last, 10) == -1 ||
	    cdp_recw_qint(w, QK("rfm_recency"), run->as_of - c->last) == -1 ||
	    cdp_recw_qint(w, QK("rfm_frequency"), c->n) == -1 ||
	    cdp_recw_qnum(w, QK("rfm_monetary"), total) == -1 ||
	    cdp_recw_qnum(w, QK("rfm_monetary_mean"), total / c->n) == -1 ||
	    (cur != NULL && cdp_recw_qraw(w, QK("rfm_currency"), cur,
	    strlen(cur)) == -1) ||
	    cdp_recw_qint(w, QK("rfm_r"), s->r[i]) == -1 ||
	    cdp_recw_qint(w, QK("rfm_f"), s->f[i]) == -1 ||
	    cdp_recw_qint(w, QK("rfm_m"), s->m[i]) == -1 ||
	    cdp_recw_qplain(w, QK("rfm_cell"), cell, 3) == -1 ||
	    cdp_recw_qplain(w, QK("rfm_segment"), seg, strlen(seg)) == -1 ||
	    (run->status && cdp_recw_qplain(w, QK("rfm_status"), gone ?
	    "cancelled" : "active", gone ? 9 : 6) == -1))
		cdp_oom(0);
}

/* The output order (custtab_sorted()) of a table. */
struct order_job {
	const struct custtab	*t;
	size_t			*ix, n;
};

static void *
order_main(void *arg)
{
	struct order_job *j = arg;

	j->ix = custtab_sorted(j->t, &j->n);
	return NULL;
}

int
rfm_run(const struct score_opts *opt, char **files, int nfiles)
{
	struct custtab t;
	struct scores s;
	struct rfm_run run = { .t = &t, .s = &s,
	    .status = opt->status != NULL };
	struct cdp_out *out;
	struct cdp_err err;
	unsigned long long n;

	if ((out = cdp_out_open(opt->common.output, &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	custtab_load(&t, opt, files, nfiles, rfm_fields, NRFM(opt));
	if (opt->exclude_cancelled)
		exclude_cancelled(&t);
	run.as_of = opt->has_as_of ? opt->as_of : t.maxday;
	if (opt->annotate) {
		score_all(&t, run.as_of, &s);
		custtab_annotate(&t, opt, out, rfm_fields, NRFM(opt),
		    add_fields, &run);
		n = t.acct.read - t.acct.rejected;
	} else {
		/* with threads, the output order is sorted on one while
		 * the scores are computed (a thread that cannot start
		 * leaves the sort to this one) */
		struct order_job oj = { .t = &t };
		pthread_t th;
		bool ahead = t.par.threads > 1 &&
		    pthread_create(&th, NULL, order_main, &oj) == 0;

		score_all(&t, run.as_of, &s);
		if (ahead)
			pthread_join(th, NULL);
		else
			order_main(&oj);
		n = custtab_write_threads(&t, opt, out, oj.ix, oj.n,
		    add_fields, &run);
	}
	if (cdp_out_close(out, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	custtab_finish(&t, opt, n);
	free(s.r);
	free(s.f);
	free(s.m);
	custtab_free(&t);
	return 0;
}
