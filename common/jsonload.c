/* jsonload.c - strict loading of JSON settings files (see jsonload.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jsonload.h"

/* Where one value starts: its parent and its index there (file order). */
struct pos {
	const json_t	*v, *parent;
	size_t		 idx;
	long		 line;
};

struct cdp_json_doc {
	const char	*path;
	json_t		*root;
	struct pos	*pos;
	size_t		 npos, cap;
};

/* The text of path into b.  Returns 0, or -1 with err set. */
static int
slurp(const char *path, struct cdp_buf *b, struct cdp_err *err)
{
	FILE *fp;
	size_t n;

	if ((fp = fopen(path, "r")) == NULL) {
		cdp_err_set(err, errno == ENOMEM ? EX_OSERR : EX_NOINPUT,
		    "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	do {
		if (cdp_buf_reserve(b, 65536) == -1) {
			fclose(fp);
			cdp_err_set(err, EX_OSERR, "out of memory");
			return -1;
		}
		n = fread(b->p + b->len, 1, b->cap - b->len - 1, fp);
		b->len += n;
	} while (n > 0);
	if (ferror(fp)) {
		cdp_err_set(err, EX_IOERR, "%s: cannot read: %s", path,
		    strerror(errno));
		fclose(fp);
		return -1;
	}
	fclose(fp);
	return 0;
}

/* Parse the text of b as one strict JSON value: a new reference or NULL. */
static json_t *
parse(const char *path, const struct cdp_buf *b, struct cdp_err *err)
{
	json_error_t jerr;
	json_t *root;

	root = json_loadb(b->len > 0 ? b->p : "", b->len,
	    JSON_REJECT_DUPLICATES, &jerr);
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

json_t *
cdp_json_load(const char *path, struct cdp_err *err)
{
	struct cdp_buf b = { 0 };
	json_t *root = NULL;

	if (slurp(path, &b, err) == 0)
		root = parse(path, &b, err);
	cdp_buf_free(&b);
	return root;
}

/* --- the walk of the text beside the tree ------------------------------ */

struct walk {
	struct cdp_json_doc	*d;
	const char		*p, *end;
	long			 line;
};

static void
space(struct walk *w)
{
	while (w->p < w->end && (*w->p == ' ' || *w->p == '\t' ||
	    *w->p == '\n' || *w->p == '\r')) {
		if (*w->p == '\n')
			w->line++;
		w->p++;
	}
}

/* Past the string at w->p (JSON strings hold no raw newline). */
static void
skip_string(struct walk *w)
{
	for (w->p++; w->p < w->end && *w->p != '"'; w->p++)
		if (*w->p == '\\' && w->p + 1 < w->end)
			w->p++;
	if (w->p < w->end)
		w->p++;
}

/*
 * Past the punctuation c after optional space; -1 when the text is not
 * what the tree says (jansson reads a few things, such as a NUL byte
 * after a number, more leniently than this walk): the lines of the values
 * after that point stay unknown.
 */
static int
expect(struct walk *w, char c)
{
	space(w);
	if (w->p >= w->end || *w->p != c)
		return -1;
	w->p++;
	return 0;
}

/* Returns 0; 1 when lost (see expect()); -1 out of memory. */
static int
walk(struct walk *w, const json_t *v, const json_t *parent, size_t idx)
{
	struct cdp_json_doc *d = w->d;
	const char *key;
	json_t *m;
	size_t i = 0;
	int rc;

	space(w);
	if (cdp_grow((void **)&d->pos, &d->cap, d->npos + 1,
	    sizeof(*d->pos)) == -1)
		return -1;
	d->pos[d->npos++] = (struct pos){ v, parent, idx, w->line };
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		w->p++;
		json_object_foreach((json_t *)v, key, m) {
			if (i > 0 && expect(w, ',') == -1)
				return 1;
			space(w);
			skip_string(w);
			if (expect(w, ':') == -1)
				return 1;
			if ((rc = walk(w, m, v, i++)) != 0)
				return rc;
		}
		return expect(w, '}') == -1;
	case JSON_ARRAY:
		w->p++;
		json_array_foreach(v, i, m) {
			if (i > 0 && expect(w, ',') == -1)
				return 1;
			if ((rc = walk(w, m, v, i)) != 0)
				return rc;
		}
		return expect(w, ']') == -1;
	case JSON_STRING:
		skip_string(w);
		return 0;
	default:
		while (w->p < w->end && strchr("+-.0123456789Eaeflnrstu",
		    *w->p) != NULL && *w->p != '\0')
			w->p++;
		return 0;
	}
}

struct cdp_json_doc *
cdp_json_doc_load(const char *path, struct cdp_err *err)
{
	struct cdp_json_doc *d;
	struct cdp_buf b = { 0 };
	struct walk w;

	if ((d = calloc(1, sizeof(*d))) == NULL) {
		cdp_err_set(err, EX_OSERR, "out of memory");
		return NULL;
	}
	d->path = path;
	if (slurp(path, &b, err) == -1 ||
	    (d->root = parse(path, &b, err)) == NULL)
		goto fail;
	w = (struct walk){ d, b.p, b.p + b.len, 1 };
	if (walk(&w, d->root, NULL, 0) == -1) {	/* lost (1) is fine */
		cdp_err_set(err, EX_OSERR, "out of memory");
		goto fail;
	}
	cdp_buf_free(&b);
	return d;
fail:
	cdp_buf_free(&b);
	cdp_json_doc_free(d);
	return NULL;
}

json_t *
cdp_json_doc_root(const struct cdp_json_doc *d)
{
	return d->root;
}

long
cdp_json_line(const struct cdp_json_doc *d, const json_t *v)
{
	if (v == NULL || json_is_true(v) || json_is_false(v) ||
	    json_is_null(v))
		return 0;
	for (size_t i = 0; i < d->npos; i++)
		if (d->pos[i].v == v)
			return d->pos[i].line;
	return 0;
}

long
cdp_json_key_line(const struct cdp_json_doc *d, const json_t *obj,
    const char *key)
{
	const char *k;
	json_t *m;
	size_t idx = 0;

	json_object_foreach((json_t *)obj, k, m) {
		if (strcmp(k, key) == 0)
			break;
		idx++;
	}
	if (k == NULL)
		return 0;
	for (size_t i = 0; i < d->npos; i++)
		if (d->pos[i].parent == obj && d->pos[i].idx == idx)
			return d->pos[i].line;
	return 0;
}

static int
fail_at(struct cdp_err *err, int code, const struct cdp_json_doc *d,
    long line, const char *fmt, va_list ap)
{
	char msg[sizeof(err->msg)];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (line > 0)
		cdp_err_set(err, code, "%s:%ld: %s", d->path, line, msg);
	else
		cdp_err_set(err, code, "%s: %s", d->path, msg);
	return -1;
}

int
cdp_json_fail(struct cdp_err *err, int code, const struct cdp_json_doc *d,
    const json_t *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail_at(err, code, d, cdp_json_line(d, at), fmt, ap);
	va_end(ap);
	return -1;
}

int
cdp_json_fail_key(struct cdp_err *err, int code,
    const struct cdp_json_doc *d, const json_t *obj, const char *key,
    const char *fmt, ...)
{
	long line = cdp_json_key_line(d, obj, key);
	va_list ap;

	if (line == 0)
		line = cdp_json_line(d, obj);
	va_start(ap, fmt);
	fail_at(err, code, d, line, fmt, ap);
	va_end(ap);
	return -1;
}

void
cdp_json_doc_free(struct cdp_json_doc *d)
{
	if (d == NULL)
		return;
	json_decref(d->root);
	free(d->pos);
	free(d);
}
