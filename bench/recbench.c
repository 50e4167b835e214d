/*
 * recbench.c - speed of the record layer's validate-and-index pass:
 * reads FILE with cdp_lines and runs cdp_rec_parse() on every line.
 *
 * usage: recbench FILE		("-" is standard input)
 * prints one line: records N bytes N seconds S MB/s X cpu C simd LEVEL
 * (MB = 10^6 bytes; C the CPU seconds, which other work on a shared
 * machine disturbs less than the wall time S; LEVEL the instructions
 * used, see CDP_SIMD in cdpipe(7))
 */
#include <stdio.h>
#include <time.h>

#include "diag.h"
#include "lines.h"
#include "record.h"

static double
now(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char *argv[])
{
	struct cdp_rec rec = { 0 };
	struct cdp_lines *l;
	struct cdp_line ln;
	struct cdp_err err;
	long long records = 0;
	double t0, c0, secs, cpu;
	off_t bytes;
	int rc;

	cdp_diag_init("recbench");
	if (argc != 2)
		cdp_die(EX_USAGE, NULL, 0, "usage: recbench FILE");
	t0 = now(CLOCK_MONOTONIC);
	c0 = now(CLOCK_PROCESS_CPUTIME_ID);
	if ((l = cdp_lines_open(argv[1], 0, &err)) == NULL)
		cdp_die_err(&err, argv[1], 0);
	while ((rc = cdp_lines_next(l, &ln, &err)) == 1) {
		if (ln.too_long)
			cdp_die(EX_DATAERR, cdp_lines_name(l), ln.lineno,
			    "line longer than %zu bytes", CDP_MAX_RECORD_BYTES);
		if (cdp_rec_parse(&rec, ln.p, ln.len, &err) == -1)
			cdp_die_err(&err, cdp_lines_name(l), ln.lineno);
		records++;
	}
	if (rc == -1)
		cdp_die_err(&err, cdp_lines_name(l), 0);
	secs = now(CLOCK_MONOTONIC) - t0;
	cpu = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
	bytes = cdp_lines_offset(l);
	cdp_lines_close(l);
	cdp_rec_free(&rec);
	printf("records %lld bytes %lld seconds %.3f MB/s %.1f cpu %.3f "
	    "simd %s\n", records, (long long)bytes, secs, secs > 0 ?
	    (double)bytes / 1e6 / secs : 0, cpu,
	    cdp_simd_name(cdp_simd_best()));
	if (fflush(stdout) == EOF || ferror(stdout))
		cdp_die(EX_IOERR, NULL, 0, "write error");
	return 0;
}
