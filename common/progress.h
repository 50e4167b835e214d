/*
 * progress.h - a one-line progress bar on stderr for long runs: records,
 * MB/s and percent of the input.
 */
#ifndef CDP_PROGRESS_H
#define CDP_PROGRESS_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

/* Inputs larger than this turn the bar on by itself on a terminal. */
#define CDP_PROGRESS_AUTO_BYTES	((off_t)64 << 20)

struct cdp_progress {
	bool			on;
	bool			drawn;
	off_t			total;	/* bytes, or -1 when unknown */
	unsigned long long	next;	/* record count of the next clock look */
	struct timespec		start;
	struct timespec		last;
};

/*
 * Decide whether to draw: mode 1 always, -1 never, 0 automatic (stderr is
 * a terminal and total, the input size in bytes, is known and above
 * CDP_PROGRESS_AUTO_BYTES).
 */
void	cdp_progress_start(struct cdp_progress *p, int mode, off_t total);

/*
 * Report records and bytes done so far.  Cheap: it looks at the clock
 * only every few thousand records and redraws at most five times a
 * second.
 */
void	cdp_progress_update(struct cdp_progress *p, unsigned long long records,
	    off_t bytes);

/* Erase the bar (when drawn) at the end of the run. */
void	cdp_progress_end(struct cdp_progress *p);

#endif
