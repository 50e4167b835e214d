/* fmt_html.c - the html format (being written). */
#include "diag.h"
#include "report.h"

int
fmt_html(struct cdp_out *o, const struct report_opts *ro,
    struct rtable *const *t, size_t n, struct cdp_err *err)
{
	(void)o; (void)ro; (void)t; (void)n;
	cdp_err_set(err, EX_SOFTWARE, "--format html: not built yet");
	return -1;
}
