/*
 * progress.h - progress on stderr for long runs (a one-line bar on a
 * terminal, or one line every few seconds for logs: records, MB/s and
 * percent of the input), and the --max-memory guard that the same
 * periodic look at the clock checks.
 */
#ifndef CDP_PROGRESS_H
#define CDP_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
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
 * --progress=lines[:SECONDS]: every later bar is drawn as a plain line
 * "prog: progress: N records, P%, X MB/s, T s" every seconds seconds
 * (no \r, for logs).  Process-wide, like cdp_out_line_mode().
 */
void	cdp_progress_lines(int seconds);

/*
 * Decide whether to draw: mode 1 always, -1 never, 0 automatic (stderr is
 * a terminal and total, the input size in bytes, is known and above
 * CDP_PROGRESS_AUTO_BYTES).
 */
void	cdp_progress_start(struct cdp_progress *p, int mode, off_t total);

/*
 * Report records and bytes done so far.  Cheap: it looks at the clock
 * only every few thousand records and redraws at most five times a
 * second (lines: once per their interval).  At each look it also checks
 * the memory limit (cdp_mem_limit()).
 */
void	cdp_progress_update(struct cdp_progress *p, unsigned long long records,
	    off_t bytes);

/* Erase the bar (when drawn) at the end of the run. */
void	cdp_progress_end(struct cdp_progress *p);

/*
 * --max-memory: from now on the run stops with status 71 once its peak
 * resident memory passes limit bytes (checked every few thousand
 * records), or when an allocation fails because the address space was
 * capped at the current size plus limit (not in sanitizer builds, whose
 * shadow memory needs the whole space).  The message names the limit,
 * the records read so far and a hint ("partition the input first, see
 * cdp-partition(1)", or the program's own, cdp_oom_hint()).  0: no limit.
 */
void	cdp_mem_limit(size_t limit);

/*
 * Append " after N records (--max-memory SIZE)" (as much as is known)
 * to buf of size n: the context of an out-of-memory message.
 */
void	cdp_mem_context(char *buf, size_t n);

/*
 * A hint printed after the out-of-memory message (cdp_oom()) and the
 * --max-memory one, such as "partition the input first, see
 * cdp-partition(1)" (the default); a static string or NULL for the
 * default.  cdp_oom_hint_text() is the hint to print.
 */
void	cdp_oom_hint(const char *hint);
const char *cdp_oom_hint_text(void);

#endif
