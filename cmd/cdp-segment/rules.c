/*
 * rules.c - cdp-segment's --rules file: named segments from a JSON list,
 * loaded into the options; errors are returned with FILE:LINE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "diag.h"
#include "jsonload.h"
#include "record.h"
#include "timeval.h"
#include "xalloc.h"
#include "segment.h"

struct cdp_expr *
seg_compile(const struct segment_opts *opt, const char *src, size_t len,
    struct cdp_expr_err *err)
{
	struct cdp_expr_opts eo = { .has_as_of = opt->common.as_of != NULL };

	if (eo.has_as_of)
		(void)cdp_parse_iso_date(opt->common.as_of, &eo.as_of);
	return cdp_expr_compile(src, len, &eo, err);
}

void
seg_add(struct segment_opts *opt, const char *name, struct cdp_expr *e)
{
	opt->segs = cdp_xreallocarray(opt->segs, (size_t)opt->nsegs + 1,
	    sizeof(*opt->segs));
	opt->segs[opt->nsegs++] = (struct seg){ .name = cdp_xstrdup(name),
	    .when = e };
}

/* One {"name": …, "when": …} of a rules file. */
static int
add_rule(struct segment_opts *opt, const struct cdp_json_doc *d, size_t i,
    json_t *r, struct cdp_err *err)
{
	json_t *name = json_object_get(r, "name");	/* borrowed */
	json_t *when = json_object_get(r, "when");	/* borrowed */
	struct cdp_expr_err eerr;
	struct cdp_expr *e;
	const char *key;
	json_t *v;

	if (!json_is_object(r))
		return cdp_json_fail(err, EX_DATAERR, d, r, "rule %zu: not an "
		    "object", i + 1);
	json_object_foreach(r, key, v)
		if (strcmp(key, "name") != 0 && strcmp(key, "when") != 0 &&
		    strcmp(key, "description") != 0)
			return cdp_json_fail_key(err, EX_DATAERR, d, r, key,
			    "rule %zu: unknown key \"%s\" (name, when, "
			    "description)", i + 1, key);
	if (!json_is_string(name) || json_string_length(name) == 0 ||
	    strlen(json_string_value(name)) != json_string_length(name))
		return cdp_json_fail_key(err, EX_DATAERR, d, r, "name",
		    "rule %zu: \"name\" must be a non-empty string", i + 1);
	if (!json_is_string(when))
		return cdp_json_fail_key(err, EX_DATAERR, d, r, "when",
		    "rule %zu: \"when\" must be a string", i + 1);
	if ((e = seg_compile(opt, json_string_value(when),
	    json_string_length(when), &eerr)) == NULL) {
		if (eerr.line == 0)
			cdp_oom(0);
		return cdp_json_fail(err, EX_DATAERR, d, when, "%s: when:%d:%d: "
		    "%s", json_string_value(name), eerr.line, eerr.col,
		    eerr.msg);
	}
	seg_add(opt, json_string_value(name), e);
	return 0;
}

int
seg_rules_load(struct segment_opts *opt, const char *path,
    struct cdp_err *err)
{
	struct cdp_json_doc *d;
	json_t *root, *r;
	size_t i;
	int rc = 0;

	if ((d = cdp_json_doc_load(path, err)) == NULL)
		return -1;
	root = cdp_json_doc_root(d);
	if (!json_is_array(root))
		rc = cdp_json_fail(err, EX_DATAERR, d, root, "expected a JSON "
		    "list of {\"name\": ..., \"when\": ...}");
	json_array_foreach(root, i, r)
		if (rc == 0)
			rc = add_rule(opt, d, i, r, err);
	cdp_json_doc_free(d);
	return rc;
}

/* A name that may become a file name: [A-Za-z0-9][A-Za-z0-9._-]*. */
static bool
file_name_ok(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
	    (*s >= '0' && *s <= '9')))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == strlen(s);
}

/* err set to fmt with the name in JSON quotes (control characters
 * escaped, so a name from a rules file cannot drive the terminal). */
static int
name_fail(struct cdp_err *err, const char *fmt, const char *name)
{
	struct cdp_buf q = { 0 };

	if (cdp_json_quote(&q, name, strlen(name)) == -1)
		cdp_oom(0);
	cdp_err_set(err, EX_USAGE, fmt, q.p);
	cdp_buf_free(&q);
	return -1;
}

int
seg_names_check(const struct segment_opts *opt, struct cdp_err *err)
{
	for (int i = 0; i <= opt->nsegs; i++) {
		const char *n = i < opt->nsegs ? opt->segs[i].name :
		    opt->else_name;

		if (n == NULL)
			continue;
		if (opt->split != NULL && !file_name_ok(n))
			return name_fail(err, "--split: segment name %s is not "
			    "a file name ([A-Za-z0-9][A-Za-z0-9._-]*)", n);
		for (int j = 0; j < i; j++)
			if (strcmp(opt->segs[j].name, n) == 0)
				return name_fail(err, "segment %s defined "
				    "twice", n);
	}
	return 0;
}
