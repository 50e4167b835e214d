/*
 * live.c - the live-stream benchmark of cdp-journey --follow (issue 24).
 * "live gen RATE SECONDS [PROFILES]" writes the consent records of
 * PROFILES profiles (100000), then RATE events a second for SECONDS,
 * each stamped with the wall clock as it is written; one in ten is a
 * "go" that live.json answers at once (action now) and again 2 s later
 * (action later).  "live lat" reads the decisions and prints, per action,
 * how long after its send_at each one came out: count, median, 99th
 * percentile and largest, in milliseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"
#include "timeval.h"
#include "xalloc.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
gen(long rate, long seconds, long profiles)
{
	double t0, t;
	long sent = 0, total = rate * seconds;

	for (long i = 0; i < profiles; i++)
		printf("{\"profile_id\":\"p%ld\",\"consent\":{\"email\":true}}\n",
		    i);
	fflush(stdout);
	t0 = now();
	while (sent < total) {
		struct timespec ms = { 0, 1000000 };
		long due = (long)((now() - t0) * rate);

		for (; sent < due && sent < total; sent++) {
			t = now();
			printf("{\"profile_id\":\"p%ld\",\"ts\":%.3f,\"event\":"
			    "\"%s\"}\n", (sent * 7919) % profiles, t,
			    sent % 10 == 0 ? "go" : "view");
		}
		fflush(stdout);
		nanosleep(&ms, NULL);
	}
	return 0;
}

struct series {
	char	 name[32];
	double	*v;
	size_t	 n, cap;
};

static int
cmp_d(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

/* The text of "key":"..." in line into out (size n); 0 when absent. */
static int
field(const char *line, const char *key, char *out, size_t n)
{
	const char *p = strstr(line, key), *e;

	if (p == NULL || (e = strchr(p + strlen(key), '"')) == NULL ||
	    (size_t)(e - p - strlen(key)) >= n)
		return 0;
	memcpy(out, p + strlen(key), (size_t)(e - p - strlen(key)));
	out[e - p - strlen(key)] = '\0';
	return 1;
}

static int
lat(void)
{
	struct series s[8] = { 0 };
	struct cdp_buf tmp = { 0 };
	char line[4096], act[32], at[64];
	const char *why;
	int ns = 0;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		double got = now(), t;
		int k;

		if (!field(line, "\"action\":\"", act, sizeof(act)) ||
		    !field(line, "\"send_at\":\"", at, sizeof(at)) ||
		    cdp_time_parse(at, strlen(at), &tmp, &t, &why) == -1)
			continue;
		for (k = 0; k < ns && strcmp(s[k].name, act) != 0; k++)
			;
		if (k == ns && ns == 8)
			continue;
		if (k == ns)
			snprintf(s[ns++].name, sizeof(s[0].name), "%s", act);
		if (cdp_grow((void **)&s[k].v, &s[k].cap, s[k].n + 1,
		    sizeof(double)) == -1)
			cdp_oom(0);
		s[k].v[s[k].n++] = (got - t) * 1000;
	}
	for (int k = 0; k < ns; k++) {
		qsort(s[k].v, s[k].n, sizeof(double), cmp_d);
		printf("%-8s %8zu decisions  median %7.1f ms  p99 %7.1f ms  "
		    "max %7.1f ms\n", s[k].name, s[k].n, s[k].v[s[k].n / 2],
		    s[k].v[s[k].n * 99 / 100], s[k].v[s[k].n - 1]);
		free(s[k].v);
	}
	cdp_buf_free(&tmp);
	return 0;
}

int
main(int argc, char *argv[])
{
	cdp_diag_init("live");
	if (argc >= 4 && strcmp(argv[1], "gen") == 0)
		return gen(atol(argv[2]), atol(argv[3]),
		    argc > 4 ? atol(argv[4]) : 100000);
	if (argc == 2 && strcmp(argv[1], "lat") == 0)
		return lat();
	fprintf(stderr, "usage: live gen RATE SECONDS [PROFILES] | live lat\n");
	return 64;
}
