/*
 * events_prof.h - what the per-profile event reports (funnel, cohort)
 * share: profiles numbered densely by their --by-profile value, the
 * expressions of the command line compiled with their error position,
 * and medians and durations for the result.
 */
#ifndef EVENTS_PROF_H
#define EVENTS_PROF_H

#include <stdint.h>

#include "expr.h"
#include "keymap.h"
#include "report.h"

/* Profiles seen so far: value of the profile field -> 0, 1, 2, ... */
struct evprof {
	struct cdp_keymap	*map;
	uint32_t		 n;
	struct cdp_buf		 key;	/* scratch: type byte + text */
	struct cdp_buf		 tmp;	/* scratch: unescaping */
};

void	evprof_init(struct evprof *p);
void	evprof_free(struct evprof *p);

/*
 * The number of the profile of rec (its field name, a non-empty string
 * or any other non-null value), assigned in order of first sight; *added
 * tells whether it is new.  Returns 1, or 0 when rec has no profile
 * (missing, null or "").  Exits 71 when out of memory.
 */
int	evprof_of(struct evprof *p, struct cdp_rec *rec, const char *name,
	    uint32_t *idx, int *added);

/* evprof_of() in two steps (threads find keys, lanes number them): the
 * key of rec's profile into p->key (1), or 0 when it has none; the
 * number of the profile whose key hashes to h. */
int	evprof_key(struct evprof *p, struct cdp_rec *rec, const char *name);
uint32_t evprof_index(struct evprof *p, struct cdp_key128 h, int *added);

/*
 * Compile src for option where (e.g. "--steps 2"): on a syntax error
 * print "cdp-report: WHERE:LINE:COL: MESSAGE" and exit 64.  ro's --as-of
 * enables days_since().
 */
struct cdp_expr *events_compile(const struct report_opts *ro,
	    const char *src, const char *where);

/* Calendar periods: UTC days, ISO weeks (Monday to Sunday), months. */
enum period { P_DAY, P_WEEK, P_MONTH };

/* a / b rounded down. */
long	events_floordiv(long a, long b);

/* The period number of day d (days since 1970-01-01): days, weeks since
 * Monday 1969-12-29, or months since year 0. */
int32_t	events_period(enum period u, long d);

/* The first day of period p. */
long	events_period_day(enum period u, int32_t p);

/* The label of period p, as day(), week() and month() write it, into b
 * (replacing its contents). */
void	events_period_label(enum period u, int32_t p, struct cdp_buf *b);

/* The median of v[0..n) (sorted here); NAN when n is 0. */
double	events_median(double *v, size_t n);

/* Seconds as a short human duration ("2d 3h", "45m 10s", "0s"), rounded
 * to whole seconds, appended to b. */
void	events_duration(double secs, struct cdp_buf *b);

#endif
