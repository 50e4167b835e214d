/* acct.c - record accounting, rejects file, stats line. */
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acct.h"
#include "record.h"

/* Where the stats line goes and the run's name: from the command line,
 * for the end of the run. */
static const char *stats_file, *stats_run_id;

/* Whether path is the null device (--rejects /dev/null: the bad
 * records are counted, their lines never formatted, 4% of cdp-merge's
 * time on identifier-rich input). */
static bool
is_null_device(const char *path)
{
	struct stat a, b;

	return stat(path, &a) == 0 && S_ISCHR(a.st_mode) &&
	    stat("/dev/null", &b) == 0 && S_ISCHR(b.st_mode) &&
	    a.st_rdev == b.st_rdev;
}

int
cdp_acct_open(struct cdp_acct *a, const char *rejects_path,
    struct cdp_err *err)
{
	const char *id = getenv("CDP_RUN_ID");

	*a = (struct cdp_acct){ 0 };
	/* A bad run id in the environment is refused before the run, not
	 * when its stats are due. */
	if (stats_run_id == NULL && id != NULL && !cdp_stats_run_id_ok(id)) {
		cdp_err_set(err, EX_USAGE, "CDP_RUN_ID: 1 to 128 letters, "
		    "digits and . _ : + @ / -");
		return -1;
	}
	if (rejects_path == NULL)
		return 0;
	if ((a->rejects = cdp_out_open(rejects_path, err)) == NULL)
		return -1;
	a->discard = is_null_device(rejects_path);
	return 0;
}

int
cdp_acct_reject_line(struct cdp_buf *b, const char *src, long line,
    const char *reason, const char *raw, size_t rawlen)
{
	if (cdp_buf_adds(b, "{\"_error\":") == -1 ||
	    cdp_json_quote(b, reason, strlen(reason)) == -1 ||
	    cdp_buf_adds(b, ",\"_src\":") == -1 ||
	    (src ? cdp_json_quote(b, src, strlen(src)) :
	    cdp_buf_adds(b, "null")) == -1 ||
	    cdp_buf_addf(b, ",\"_line\":%ld,\"raw\":", line) == -1 ||
	    cdp_json_quote(b, raw, rawlen) == -1 ||
	    cdp_buf_adds(b, "}\n") == -1)
		return -1;
	return 0;
}

int
cdp_acct_reject(struct cdp_acct *a, const char *src, long line,
    const char *reason, const char *raw, size_t rawlen, struct cdp_err *err)
{
	struct cdp_buf *b = &a->line;

	if (a->rejects == NULL) {
		cdp_err_set(err, EX_DATAERR, "%s", reason);
		return -1;
	}
	a->rejected++;
	if (a->discard)
		return 0;
	cdp_buf_reset(b);
	if (cdp_acct_reject_line(b, src, line, reason, raw, rawlen) == -1) {
		cdp_err_set(err, EX_OSERR, "out of memory");
		return -1;
	}
	return cdp_out_write(a->rejects, b->p, b->len, err);
}

int
cdp_acct_close(struct cdp_acct *a, bool stats, struct cdp_err *err)
{
	struct cdp_buf *b = &a->line;
	int rc = cdp_out_close(a->rejects, err);

	a->rejects = NULL;
	if (rc == 0 && stats) {
		cdp_buf_reset(b);
		if (a->aggregating)
			rc = cdp_buf_addf(b, "{\"read\":%llu,\"used\":%llu,"
			    "\"rejected\":%llu,\"skipped\":%llu", a->read,
			    a->written, a->rejected, a->dropped);
		else
			rc = cdp_buf_addf(b, "{\"read\":%llu,\"written\":%llu,"
			    "\"rejected\":%llu,\"dropped\":%llu", a->read,
			    a->written, a->rejected, a->dropped);
		if (rc == 0 && a->merging)
			rc = cdp_buf_addf(b, ",\"merged\":%llu", a->merged);
		for (int i = 0; rc == 0 && i < CDP_ACCT_MAXEXTRA &&
		    a->extra[i].name; i++)
			rc = cdp_buf_addf(b, ",\"%s\":%llu", a->extra[i].name,
			    a->extra[i].n);
		if (rc == -1)
			cdp_err_set(err, EX_OSERR, "out of memory");
		else
			rc = cdp_stats_emit(b, err);
	}
	cdp_buf_free(b);
	return rc;
}

void
cdp_stats_config(const char *file, const char *run_id)
{
	stats_file = file;
	stats_run_id = run_id;
}

bool
cdp_stats_run_id_ok(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') ||
		    (id[i] >= 'A' && id[i] <= 'Z') ||
		    (id[i] >= '0' && id[i] <= '9') ||
		    strchr("._:+@/-", id[i]) != NULL))
			return false;
	return true;
}

/* Part 3 of the schema (acct.h): the run's keys. */
static int
run_keys(struct cdp_buf *b, struct cdp_err *err)
{
	const char *id = stats_run_id ? stats_run_id : getenv("CDP_RUN_ID");
	struct timespec wall, mono, now;
	struct rusage ru;
	struct tm tm;
	char when[32];
	long rss = 0;

	if (id != NULL && !cdp_stats_run_id_ok(id)) {
		cdp_err_set(err, EX_USAGE, "CDP_RUN_ID: 1 to 128 letters, "
		    "digits and . _ : + @ / -");
		return -1;
	}
	cdp_diag_started(&wall, &mono);
	clock_gettime(CLOCK_MONOTONIC, &now);
	gmtime_r(&wall.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		rss = ru.ru_maxrss;
	if (cdp_buf_adds(b, ",\"program\":") == -1 ||
	    cdp_json_quote(b, cdp_diag_prog(), strlen(cdp_diag_prog())) == -1 ||
	    cdp_buf_adds(b, ",\"run_id\":") == -1 ||
	    (id ? cdp_json_quote(b, id, strlen(id)) :
	    cdp_buf_adds(b, "null")) == -1 ||
	    cdp_buf_addf(b, ",\"started\":\"%s\",\"elapsed_s\":%.3f,"
	    "\"max_rss_kb\":%ld}\n", when,
	    (double)(now.tv_sec - mono.tv_sec) +
	    (double)(now.tv_nsec - mono.tv_nsec) / 1e9, rss) == -1) {
		cdp_err_set(err, EX_OSERR, "out of memory");
		return -1;
	}
	return 0;
}

int
cdp_stats_emit(struct cdp_buf *line, struct cdp_err *err)
{
	int fd;
	ssize_t w;

	if (run_keys(line, err) == -1)
		return -1;
	if (stats_file == NULL) {
		fputs(line->p, stderr);
		return 0;
	}
	/* One write with O_APPEND: lines of programs sharing the log do not
	 * interleave. */
	if ((fd = open(stats_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0666)) == -1) {
		cdp_err_set(err, EX_CANTCREAT, "%s: cannot open: %s",
		    stats_file, strerror(errno));
		return -1;
	}
	do
		w = write(fd, line->p, line->len);
	while (w == -1 && errno == EINTR);
	if (w == (ssize_t)line->len)
		w = close(fd) == 0 ? w : -1;
	else
		close(fd);
	if (w != (ssize_t)line->len) {
		cdp_err_set(err, EX_IOERR, "%s: write error: %s", stats_file,
		    w == -1 ? strerror(errno) : "short write");
		return -1;
	}
	return 0;
}
