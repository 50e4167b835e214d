/*
 * formats.c - cdp-report's --format: the table of formats (REPORT_FORMATS
 * in report.h), the choice by name or by the -o file's extension, and
 * report_write(), which hands the tables to the chosen writer.
 */
#include <string.h>

#include "diag.h"
#include "out.h"
#include "xalloc.h"
#include "report.h"

#define ROW_(name, exts, write)	{ #name, exts, write },
static const struct report_format formats[] = {
	REPORT_FORMATS(ROW_)
};
#undef ROW_

#define NFORMATS	(sizeof(formats) / sizeof(formats[0]))

const struct report_format *
report_format_named(const char *name)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (strcmp(formats[i].name, name) == 0)
			return &formats[i];
	return NULL;
}

const struct report_format *
report_format_of_file(const char *path)
{
	const char *dot = strrchr(path, '.');
	size_t n;

	if (dot == NULL || dot == path || strchr(dot, '/') != NULL)
		return NULL;
	n = strlen(dot);
	for (size_t i = 0; i < NFORMATS; i++)
		for (const char *e = formats[i].exts; *e != '\0'; e +=
		    strcspn(e, " ")) {
			e += strspn(e, " ");
			if (strncmp(e, dot, n) == 0 && (e[n] == ' ' ||
			    e[n] == '\0'))
				return &formats[i];
		}
	return NULL;
}

void
report_format_list(struct cdp_buf *b)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (cdp_buf_addf(b, "%s%s", i == 0 ? "" : i + 1 < NFORMATS ?
		    ", " : " or ", formats[i].name) == -1)
			cdp_oom(0);
}

void
report_write(const struct report_opts *ro, struct rtable *const *tables,
    size_t n)
{
	struct cdp_out *o;
	struct cdp_err err;

	if ((o = cdp_out_open(ro->common.output, &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	for (size_t i = 0; i < n; i++)
		rtable_resolve(tables[i], ro->precision);
	if (ro->format->write(o, ro, tables, n, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	if (cdp_out_close(o, &err) == -1)
		cdp_die_err(&err, NULL, 0);
}
