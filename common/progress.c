/* progress.c - the progress bar. */
#include <stdio.h>
#include <unistd.h>

#include "diag.h"
#include "progress.h"

#define CHECK_EVERY	8192ULL

static double
seconds(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

void
cdp_progress_start(struct cdp_progress *p, int mode, off_t total)
{
	p->total = total;
	p->drawn = false;
	p->next = CHECK_EVERY;
	if (mode == 0)
		p->on = isatty(STDERR_FILENO) && total > CDP_PROGRESS_AUTO_BYTES;
	else
		p->on = mode > 0;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->last = p->start;
}

void
cdp_progress_update(struct cdp_progress *p, unsigned long long records,
    off_t bytes)
{
	struct timespec now;
	double el;
	char bar[21];

	if (!p->on || records < p->next)
		return;
	p->next = records + CHECK_EVERY;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (seconds(&p->last, &now) < 0.2)
		return;
	p->last = now;
	el = seconds(&p->start, &now);
	if (p->total > 0) {
		int pct = (int)(100.0 * (double)bytes / (double)p->total);
		int fill = pct / 5;

		if (pct > 100)
			pct = 100, fill = 20;
		for (int i = 0; i < 20; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[20] = '\0';
		fprintf(stderr, "\r%s: [%s] %3d%% %llu records %.1f MB/s ",
		    cdp_diag_prog(), bar, pct, records,
		    el > 0 ? (double)bytes / el / 1e6 : 0.0);
	} else {
		fprintf(stderr, "\r%s: %llu records %.1f MB/s ",
		    cdp_diag_prog(), records,
		    el > 0 ? (double)bytes / el / 1e6 : 0.0);
	}
	p->drawn = true;
}

void
cdp_progress_end(struct cdp_progress *p)
{
	if (p->drawn)
		fputs("\r\033[K", stderr);
	p->drawn = false;
}
