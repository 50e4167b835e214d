/*
 * jsonload.h - the one loader of JSON settings files (rules, models,
 * settings, journeys): strict, it keeps the line of every value so that a
 * loader's own checks can say FILE:LINE, and it returns errors instead of
 * exiting.
 */
#ifndef CDP_JSONLOAD_H
#define CDP_JSONLOAD_H

#include <jansson.h>

#include "diag.h"

/*
 * Read path ("-" is not accepted: settings are files) as one JSON value,
 * strictly: duplicate object keys are refused, nothing may follow the
 * value.  Returns a new reference; or NULL with err set: EX_NOINPUT
 * "PATH: cannot open: REASON", EX_IOERR "PATH: cannot read: REASON",
 * EX_DATAERR "PATH:LINE:COLUMN: REASON" for bad JSON, EX_OSERR on
 * allocation failure.  The message names the file, so report it with
 * cdp_die_err(err, NULL, 0).
 */
json_t	*cdp_json_load(const char *path, struct cdp_err *err);

/*
 * A loaded settings file with the line where each of its values starts
 * (found by walking the text beside the tree: jansson keeps the keys of
 * an object in file order).  Opaque.
 */
struct cdp_json_doc;

/*
 * cdp_json_load() keeping the lines.  Returns a new doc (free it with
 * cdp_json_doc_free()), or NULL with err set as cdp_json_load() does.
 * path is borrowed: it must outlive the doc (messages name it).
 */
struct cdp_json_doc *cdp_json_doc_load(const char *path,
	    struct cdp_err *err);

/* The root value: borrowed, it lives as long as d. */
json_t	*cdp_json_doc_root(const struct cdp_json_doc *d);

/*
 * The line (from 1) where v starts in d's file; 0 when unknown: v is not
 * a value of d, or it is true, false or null, which jansson shares
 * between documents (name those through cdp_json_key_line()).
 */
long	 cdp_json_line(const struct cdp_json_doc *d, const json_t *v);

/* The line where member key of object obj starts; 0 when absent. */
long	 cdp_json_key_line(const struct cdp_json_doc *d, const json_t *obj,
	    const char *key);

/*
 * Set err to code and "PATH:LINE: message", LINE being where at starts
 * (left out when unknown), for a loader's own checks.  Returns -1, so a
 * loader can `return cdp_json_fail(...)`.
 */
int	 cdp_json_fail(struct cdp_err *err, int code,
	    const struct cdp_json_doc *d, const json_t *at, const char *fmt,
	    ...) __attribute__((format(printf, 5, 6)));

/* cdp_json_fail() at the line of member key of object obj. */
int	 cdp_json_fail_key(struct cdp_err *err, int code,
	    const struct cdp_json_doc *d, const json_t *obj, const char *key,
	    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Release d and its tree; NULL does nothing. */
void	 cdp_json_doc_free(struct cdp_json_doc *d);

#endif
