/* jsonload.c - strict loading of JSON settings files (see jsonload.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jsonload.h"

json_t *
cdp_json_load(const char *path, struct cdp_err *err)
{
	json_error_t jerr;
	json_t *root;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		cdp_err_set(err, errno == ENOMEM ? EX_OSERR : EX_NOINPUT,
		    "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	root = json_loadf(fp, JSON_REJECT_DUPLICATES, &jerr);
	if (ferror(fp) && root == NULL) {
		cdp_err_set(err, EX_IOERR, "%s: cannot read: %s", path,
		    strerror(errno));
		fclose(fp);
		return NULL;
	}
	fclose(fp);
	if (root != NULL)
		return root;
	if (json_error_code(&jerr) == json_error_out_of_memory)
		cdp_err_set(err, EX_OSERR, "out of memory");
	else if (jerr.line > 0)
		cdp_err_set(err, EX_DATAERR, "%s:%d:%d: %s", path, jerr.line,
		    jerr.column, jerr.text);
	else
		cdp_err_set(err, EX_DATAERR, "%s: %s", path, jerr.text);
	return NULL;
}
