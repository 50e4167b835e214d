/*
 * acct.h - the account of every record (read = written + rejected +
 * dropped + merged), the --rejects file and the --stats line.
 */
#ifndef CDP_ACCT_H
#define CDP_ACCT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "diag.h"
#include "out.h"

#define CDP_ACCT_MAXEXTRA	32	/* cdp-ingest: one per field (bad_values.F) */

struct cdp_acct {
	unsigned long long	read;
	unsigned long long	written;
	unsigned long long	rejected;
	unsigned long long	dropped;
	unsigned long long	merged;
	bool			merging;	/* print "merged" (dedupe, merge) */
	/* A program that aggregates (score, report) writes rows, not
	 * records: "written" is printed as "used" (records that went into
	 * the result) and "dropped" as "skipped" (left out on purpose). */
	bool			aggregating;
	/* Further counts a program reports after the account, such as
	 * dedupe's records without a key: set name, count n. */
	struct {
		const char		*name;
		unsigned long long	 n;
	}			extra[CDP_ACCT_MAXEXTRA];
	struct cdp_out		*rejects;	/* NULL: first bad record stops */
	struct cdp_buf		 line;		/* private: a rejects line */
	bool			 discard;	/* private: rejects to /dev/null */
};

/*
 * Start the account; with rejects_path non-NULL open that file (atomic,
 * like -o).  When it names the null device, cdp_acct_reject() only
 * counts: nothing would be kept of the lines it formats.  Returns 0, or
 * -1 with err set.
 */
int	cdp_acct_open(struct cdp_acct *a, const char *rejects_path,
	    struct cdp_err *err);

/*
 * A bad record from file (messages) / src (the _src name) at line.  With a
 * rejects file: write {"_error":reason,"_src":src,"_line":line,"raw":raw}
 * there, count it and return 0 (or -1 with err set on a write error).
 * Without one: return -1 with err set to EX_DATAERR and reason, so the
 * caller stops with cdp_die_err(err, file, line).  raw may be any bytes
 * (made valid JSON text); src may be NULL.
 */
int	cdp_acct_reject(struct cdp_acct *a, const char *src, long line,
	    const char *reason, const char *raw, size_t rawlen,
	    struct cdp_err *err);

/*
 * Append the rejects line of that bad record to b (for a program that
 * writes its rejects itself, as cdp-journey --follow appends them to a
 * file as they come).  Returns 0, or -1 when memory runs out.
 */
int	cdp_acct_reject_line(struct cdp_buf *b, const char *src, long line,
	    const char *reason, const char *raw, size_t rawlen);

/*
 * Finish: close the rejects file (renamed into place) and, with stats,
 * print {"read":…,"written":…,"rejected":…,"dropped":…} with "merged"
 * when a->merging, then the named extra counts, then the run's keys
 * (cdp_stats_emit()).  Returns 0, or -1 with err set.
 */
int	cdp_acct_close(struct cdp_acct *a, bool stats, struct cdp_err *err);

/*
 * The --stats schema, one flat JSON object per run, in this order:
 *   1. the account: "read", then "written"/"used", "rejected",
 *      "dropped"/"skipped" (and "merged");
 *   2. the program's own counts (dedupe "unkeyed", segment "segment.NAME",
 *      ...), each named in its man page;
 *   3. the run's keys, the same in every program, always last:
 *      "program" (the program's name), "run_id" (--run-id or $CDP_RUN_ID,
 *      else null), "started" (UTC, ISO 8601 to the second), "elapsed_s"
 *      (seconds, 3 decimals) and "max_rss_kb" (peak resident memory).
 * Parts 1 and 2 are the same for the same input; part 3 is not.
 *
 * cdp_stats_emit() takes line, the object so far without its closing
 * brace ("{\"read\":3,..."), appends part 3 and "}\n", and writes it to
 * stderr, or appends it to the --stats-file in one write(2) (so that
 * several programs can share one log).  line is left holding the whole
 * line.  Returns 0, or -1 with err set (EX_OSERR, EX_CANTCREAT or
 * EX_IOERR for the stats file).
 */
int	cdp_stats_emit(struct cdp_buf *line, struct cdp_err *err);

/*
 * The stats file (NULL: stderr) and run id (NULL: $CDP_RUN_ID) given on
 * the command line; cdp_opt_common() calls it.  Borrowed strings.
 */
void	cdp_stats_config(const char *file, const char *run_id);

/* True when id is a valid run id: 1 to 128 of [A-Za-z0-9._:+@/-]. */
bool	cdp_stats_run_id_ok(const char *id);

#endif
