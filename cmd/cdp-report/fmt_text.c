/* fmt_text.c - the table and markdown formats (being written). */
#include "diag.h"
#include "report.h"

int
fmt_table(struct cdp_out *o, struct rtable *const *t, size_t n,
    struct cdp_err *err)
{
	(void)o; (void)t; (void)n;
	cdp_err_set(err, EX_SOFTWARE, "--format table: not built yet");
	return -1;
}

int
fmt_markdown(struct cdp_out *o, struct rtable *const *t, size_t n,
    struct cdp_err *err)
{
	(void)o; (void)t; (void)n;
	cdp_err_set(err, EX_SOFTWARE, "--format markdown: not built yet");
	return -1;
}
