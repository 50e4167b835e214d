/*
 * jsonload.h - the one loader of JSON settings files (rules, models,
 * settings, journeys): strict, and it returns errors instead of exiting.
 */
#ifndef CDP_JSONLOAD_H
#define CDP_JSONLOAD_H

#include <jansson.h>

#include "diag.h"

/*
 * Read path ("-" is not accepted: settings are files) as one JSON value,
 * strictly: duplicate object keys are refused, nothing may follow the
 * value.  Returns a new reference; or NULL with err set: EX_NOINPUT
 * "PATH: cannot open: REASON", EX_DATAERR "PATH:LINE:COLUMN: REASON" for
 * bad JSON, EX_OSERR on allocation failure.  The message names the file,
 * so report it with cdp_die_err(err, NULL, 0).
 */
json_t	*cdp_json_load(const char *path, struct cdp_err *err);

#endif
