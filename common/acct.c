/* acct.c - record accounting, rejects file, stats line. */
#include <stdio.h>
#include <string.h>

#include "acct.h"
#include "record.h"

int
cdp_acct_open(struct cdp_acct *a, const char *rejects_path,
    struct cdp_err *err)
{
	*a = (struct cdp_acct){ 0 };
	if (rejects_path == NULL)
		return 0;
	if ((a->rejects = cdp_out_open(rejects_path, err)) == NULL)
		return -1;
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
	int rc = cdp_out_close(a->rejects, err);

	a->rejects = NULL;
	cdp_buf_free(&a->line);
	if (rc == -1)
		return -1;
	if (!stats)
		return 0;
	if (a->aggregating)
		fprintf(stderr, "{\"read\":%llu,\"used\":%llu,"
		    "\"rejected\":%llu,\"skipped\":%llu", a->read,
		    a->written, a->rejected, a->dropped);
	else
		fprintf(stderr, "{\"read\":%llu,\"written\":%llu,"
		    "\"rejected\":%llu,\"dropped\":%llu", a->read,
		    a->written, a->rejected, a->dropped);
	if (a->merging)
		fprintf(stderr, ",\"merged\":%llu", a->merged);
	for (int i = 0; i < CDP_ACCT_MAXEXTRA && a->extra[i].name; i++)
		fprintf(stderr, ",\"%s\":%llu", a->extra[i].name,
		    a->extra[i].n);
	fputs("}\n", stderr);
	return 0;
}
