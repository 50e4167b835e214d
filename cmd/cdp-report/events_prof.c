/* events_prof.c - profiles, expressions and durations shared by funnel
 * and cohort; see events_prof.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "xalloc.h"
#include "events_prof.h"
#include "timeval.h"

void
evprof_init(struct evprof *p)
{
	*p = (struct evprof){ .map = cdp_keymap_new() };
	if (p->map == NULL)
		cdp_oom(0);
}

void
evprof_free(struct evprof *p)
{
	cdp_keymap_free(p->map);
	cdp_buf_free(&p->key);
	cdp_buf_free(&p->tmp);
	*p = (struct evprof){ 0 };
}

int
evprof_key(struct evprof *p, struct cdp_rec *rec, const char *name)
{
	const struct cdp_field *f = cdp_rec_find(rec, name, strlen(name));
	const char *s;
	size_t n;

	if (f == NULL || f->type == CDP_NULL)
		return 0;
	cdp_buf_reset(&p->key);
	/* The type byte keeps the string "7" apart from the number 7. */
	if (cdp_buf_addc(&p->key, '0' + f->type) == -1)
		cdp_oom(0);
	if (f->type == CDP_STRING) {
		if (cdp_rec_str(rec, f, &p->tmp, &s, &n) == -1)
			cdp_oom(0);
		if (n == 0)
			return 0;
	} else {
		s = rec->p + f->voff;
		n = f->vlen;
	}
	if (cdp_buf_add(&p->key, s, n) == -1)
		cdp_oom(0);
	return 1;
}

uint32_t
evprof_index(struct evprof *p, struct cdp_key128 h, int *added)
{
	uint64_t *v;

	if ((v = cdp_keymap_put(p->map, h, p->n, added)) == NULL)
		cdp_oom(0);
	if (*added) {
		if (p->n == UINT32_MAX)
			cdp_die(EX_SOFTWARE, NULL, 0, "more than %u profiles",
			    UINT32_MAX - 1);
		p->n++;
	}
	return (uint32_t)*v;
}

int
evprof_of(struct evprof *p, struct cdp_rec *rec, const char *name,
    uint32_t *idx, int *added)
{
	if (evprof_key(p, rec, name) == 0)
		return 0;
	*idx = evprof_index(p, cdp_key128_of(p->key.p, p->key.len), added);
	return 1;
}

struct cdp_expr *
events_compile(const struct report_opts *ro, const char *src,
    const char *where)
{
	struct cdp_expr_opts eo = { .has_as_of = ro->common.as_of != NULL };
	struct cdp_expr_err err;
	struct cdp_expr *e;

	if (eo.has_as_of)
		(void)cdp_parse_iso_date(ro->common.as_of, &eo.as_of);
	if ((e = cdp_expr_compile(src, strlen(src), &eo, &err)) != NULL)
		return e;
	if (err.line == 0)
		cdp_oom(0);
	cdp_die(EX_USAGE, NULL, 0, "%s:%d:%d: %s", where, err.line, err.col,
	    err.msg);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double
events_median(double *v, size_t n)
{
	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	if (n % 2 == 1)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2;
}

void
events_duration(double secs, struct cdp_buf *b)
{
	static const struct {
		char		unit;
		long long	secs;
	} units[] = { { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 },
	    { 's', 1 } };
	long long s = llround(secs);
	int shown = 0;

	if (s < 0) {
		if (cdp_buf_addc(b, '-') == -1)
			cdp_oom(0);
		s = -s;
	}
	/* The two largest units that are not zero, like "2d 3h": enough to
	 * read a funnel's pace, short enough for a table cell. */
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		long long q = s / units[i].secs;

		if (q == 0 && !(shown == 0 && units[i].unit == 's'))
			continue;
		if (shown > 0 && cdp_buf_addc(b, ' ') == -1)
			cdp_oom(0);
		if (cdp_buf_addf(b, "%lld%c", q, units[i].unit) == -1)
			cdp_oom(0);
		s -= q * units[i].secs;
		if (++shown == 2)
			break;
	}
}

/* ---- calendar periods ---- */

long
events_floordiv(long a, long b)
{
	return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

int32_t
events_period(enum period u, long d)
{
	int y, m, dd;

	switch (u) {
	case P_DAY:
		return (int32_t)d;
	case P_WEEK:
		return (int32_t)events_floordiv(d + 3, 7);
	default:
		cdp_time_civil(d, &y, &m, &dd);
		return (int32_t)(y * 12 + m - 1);
	}
}

void
events_period_label(enum period u, int32_t p, struct cdp_buf *b)
{
	int y, m, d;
	int rc;

	cdp_buf_reset(b);
	switch (u) {
	case P_DAY:
		cdp_time_civil(p, &y, &m, &d);
		rc = cdp_buf_addf(b, "%04d-%02d-%02d", y, m, d);
		break;
	case P_WEEK:
		/* Week p starts on Monday, day 7p - 3. */
		cdp_time_isoweek((long)p * 7 - 3, &y, &m);
		rc = cdp_buf_addf(b, "%04d-W%02d", y, m);
		break;
	default:
		rc = cdp_buf_addf(b, "%04ld-%02ld", events_floordiv(p, 12),
		    p - events_floordiv(p, 12) * 12 + 1);
		break;
	}
	if (rc == -1)
		cdp_oom(0);
}

long
events_period_day(enum period u, int32_t p)
{
	long y;

	switch (u) {
	case P_DAY:
		return p;
	case P_WEEK:
		return (long)p * 7 - 3;
	default:
		y = events_floordiv(p, 12);
		return cdp_time_days(y, (int)(p - y * 12 + 1), 1);
	}
}
