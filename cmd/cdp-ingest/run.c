/*
 * run.c - cdp-ingest's main loop: open each input, tell its format, turn
 * its rows or objects into cells, apply the plan and write records.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csvin.h"
#include "diag.h"
#include "ingest.h"
#include "jsonin.h"
#include "keymap.h"
#include "lines.h"
#include "progress.h"
#include "xalloc.h"

#define SNIFF_BYTES	4096

/* Everything one run holds. */
struct run {
	const struct ingest_opts *opt;
	struct cdp_out		*out;
	struct cdp_acct		 acct;
	struct plan_work	 work;
	struct cdp_recw		 w;
	struct cdp_rec		 rec;
	struct cdp_buf		 keys;	/* unescaped keys of a JSON record */
	struct cdp_buf		 raw;	/* a CSV row as text, for rejects */
	struct cell		*cells;
	size_t			 ncap;
	struct cdp_progress	 prog;
	off_t			 done;	/* bytes of the inputs finished */
	bool			 plan;	/* anything to apply per field */
	/* the current input */
	const char		*file;	/* name in messages */
	const char		*src;	/* _src value */
	size_t			 srclen;
};

static void
die_err(const struct cdp_err *err, const char *file, long line)
{
	cdp_die_err(err, file, line);
}

static struct cell *
cells_for(struct run *r, size_t n)
{
	if (n > r->ncap) {
		size_t cap = n < 64 ? 64 : n;
		r->cells = cdp_xreallocarray(r->cells, cap, sizeof(*r->cells));
		r->ncap = cap;
	}
	return r->cells;
}

static bool
is_provenance(const char *k, size_t n)
{
	return (n == 4 && memcmp(k, "_src", 4) == 0) ||
	    (n == 5 && memcmp(k, "_line", 5) == 0);
}

/* A bad record: to the rejects file, or the end of the run. */
static void
reject(struct run *r, long line, const char *why, const char *raw,
    size_t rawlen)
{
	struct cdp_err err;

	r->acct.read++;
	if (cdp_acct_reject(&r->acct, r->src, line, why, raw, rawlen,
	    &err) == -1)
		die_err(&err, err.code == EX_DATAERR ? r->file : NULL, line);
}

/*
 * Apply the plan to cells[0..n) and write the record.  Returns 0, or -1
 * with the reason in *why when the record is bad (not yet counted).
 */
static int
emit(struct run *r, struct cell *cells, size_t n, long line,
    const char **why)
{
	struct cdp_recw *w = &r->w;
	struct cdp_err err;
	int rc = 0;

	if (r->plan && plan_apply(r->opt, &r->work, cells, &n, why) == -1)
		return -1;
	r->acct.read++;
	cdp_recw_begin(w);
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct cell *c = &cells[i];
		const char *v = c->v ? c->v : r->work.vals.p + c->off;

		if (c->f != NULL && !c->renamed)
			rc = cdp_recw_field(w, &r->rec, c->f);
		else if (c->f != NULL)
			rc = cdp_recw_field_as(w, c->key, c->klen, &r->rec,
			    c->f);
		else if (c->raw)
			rc = cdp_recw_raw(w, c->key, c->klen, v, c->vlen);
		else
			rc = cdp_recw_str(w, c->key, c->klen, v, c->vlen);
	}
	if (rc == -1 ||
	    cdp_recw_str(w, "_src", 4, r->src, r->srclen) == -1 ||
	    cdp_recw_int(w, "_line", 5, line) == -1 || cdp_recw_end(w) == -1)
		cdp_oom(0);
	if (cdp_out_write(r->out, w->b.p, w->b.len, &err) == -1)
		die_err(&err, NULL, 0);
	r->acct.written++;
	return 0;
}

/* Duplicate output keys after --map; returns the key or NULL. */
static const struct cell *
dup_key(const struct cell *cells, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!cells[i].renamed)
			continue;
		for (size_t j = 0; j < n; j++)
			if (j != i && cells[j].klen == cells[i].klen &&
			    memcmp(cells[j].key, cells[i].key,
			    cells[i].klen) == 0)
				return &cells[i];
	}
	return NULL;
}

/* One JSON object (an NDJSON line or an array element). */
static void
json_record(struct run *r, const struct cdp_line *l)
{
	struct cdp_err err;
	const struct cell *d;
	struct cell *cells;
	const char *why;
	size_t n = 0;

	if (l->too_long) {
		reject(r, l->lineno, "record longer than --max-record-bytes",
		    l->p, l->len);
		return;
	}
	if (cdp_rec_parse(&r->rec, l->p, l->len, &err) == -1) {
		if (err.code != EX_DATAERR)
			die_err(&err, NULL, 0);
		reject(r, l->lineno, err.msg, l->p, l->len);
		return;
	}
	cells = cells_for(r, r->rec.n);
	cdp_buf_reset(&r->keys);
	/* Room for every unescaped key up front: cells point into it. */
	if (cdp_buf_reserve(&r->keys, l->len) == -1)
		cdp_oom(0);
	for (size_t i = 0; i < r->rec.n; i++) {
		const struct cdp_field *f = &r->rec.f[i];
		const char *k = l->p + f->koff, *k0;
		size_t kl = f->klen, at = r->keys.len;

		if (f->flags & CDP_F_KEYESC) {
			if (cdp_json_unescape(k, kl, &r->keys) == -1)
				cdp_oom(0);
			k = r->keys.p + at;
			kl = r->keys.len - at;
		}
		if (is_provenance(k, kl))
			continue;
		k0 = k;
		plan_rename(r->opt, &k, &kl);
		cells[n++] = (struct cell){ .key = k, .klen = kl, .f = f,
		    .renamed = k != k0,
		    .spec = r->plan ? plan_spec(r->opt, k, kl) : NULL };
	}
	r->work.rec = &r->rec;
	if (r->opt->nrenames > 0 && (d = dup_key(cells, n)) != NULL) {
		cdp_buf_reset(&r->raw);
		cdp_buf_adds(&r->raw, "field appears twice after --map: ");
		cdp_json_quote(&r->raw, d->key, d->klen);
		reject(r, l->lineno, r->raw.p, l->p, l->len);
		return;
	}
	if (emit(r, cells, n, l->lineno, &why) == -1)
		reject(r, l->lineno, why, l->p, l->len);
}

static void
progress(struct run *r, off_t at)
{
	cdp_progress_update(&r->prog, r->acct.read, r->done + at);
}

static void
read_ndjson(struct run *r, int fd, const char *pre, size_t prelen)
{
	struct cdp_lines *in;
	struct cdp_line l;
	struct cdp_err err;
	int rc;

	in = cdp_lines_open_fd(fd, r->file, pre, prelen,
	    r->opt->common.max_record_bytes, &err);
	if (in == NULL)
		die_err(&err, r->file, 0);
	while ((rc = cdp_lines_next(in, &l, &err)) == 1) {
		json_record(r, &l);
		progress(r, cdp_lines_offset(in));
	}
	if (rc == -1)
		die_err(&err, r->file, 0);
	r->done += cdp_lines_offset(in);
	cdp_lines_close(in);
}

static void
read_json(struct run *r, int fd, const char *pre, size_t prelen)
{
	struct jsonin *in;
	struct cdp_line l;
	struct cdp_err err;
	int rc;

	in = jsonin_open(fd, r->file, pre, prelen,
	    r->opt->common.max_record_bytes ? r->opt->common.max_record_bytes :
	    CDP_MAX_RECORD_BYTES, &err);
	if (in == NULL)
		die_err(&err, r->file, 0);
	while ((rc = jsonin_next(in, &l, &err)) == 1) {
		json_record(r, &l);
		progress(r, jsonin_offset(in));
	}
	if (rc == -1)
		die_err(&err, r->file, err.code == EX_DATAERR ?
		    jsonin_errline(in) : 0);
	r->done += jsonin_offset(in);
	jsonin_close(in);
}

/* A CSV column: its output name and plan. */
struct column {
	const char		*key;
	size_t			 klen;
	const struct fspec	*spec;
	bool			 skip;	/* _src or _line: replaced */
};

/*
 * Check the header row and work out each column's output name.  Names
 * are copied to hdr (sized once, so the pointers stay valid).  Exits 65
 * on an empty or duplicate name: no record could be right after that.
 */
/*
 * The first column of the names in seen with c's name, adding c as column
 * j when it is new (then j is returned).  By 128-bit hash, so a header of
 * 100,000 columns is checked in linear time.
 */
static size_t
first_named(struct cdp_keymap *seen, const struct column *c, size_t j)
{
	int added;
	uint64_t *v = cdp_keymap_put(seen, cdp_key128_of(c->key, c->klen),
	    (uint64_t)j, &added);

	if (v == NULL)
		cdp_oom(0);
	return (size_t)*v;
}

static struct column *
read_header(struct run *r, const struct csv_row *row, struct cdp_buf *hdr)
{
	struct column *cols;
	struct cdp_keymap *seen;
	size_t total = 0, i;

	if (row->bad != NULL)
		cdp_die(EX_DATAERR, r->file, row->line, "header: %s", row->bad);
	if ((seen = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	for (size_t j = 0; j < row->n; j++)
		total += row->len[j];
	if (cdp_buf_reserve(hdr, total) == -1)
		cdp_oom(0);
	cols = cdp_xcalloc(row->n, sizeof(*cols));
	for (size_t j = 0; j < row->n; j++) {
		struct column *c = &cols[j];

		if (row->len[j] == 0)
			cdp_die(EX_DATAERR, r->file, row->line,
			    "empty header name in column %zu", j + 1);
		if (!cdp_utf8_valid(row->f[j], row->len[j]))
			cdp_die(EX_DATAERR, r->file, row->line,
			    "invalid UTF-8 in header column %zu", j + 1);
		c->key = hdr->p + hdr->len;
		c->klen = row->len[j];
		cdp_buf_add(hdr, row->f[j], row->len[j]);
		if ((i = first_named(seen, c, j)) != j)
			cdp_die(EX_DATAERR, r->file, row->line,
			    "duplicate header name \"%.*s\" in columns %zu "
			    "and %zu", (int)c->klen, c->key, i + 1, j + 1);
	}
	cdp_keymap_free(seen);
	if ((seen = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	for (size_t j = 0; j < row->n; j++) {
		struct column *c = &cols[j];

		c->skip = is_provenance(c->key, c->klen);
		plan_rename(r->opt, &c->key, &c->klen);
		c->spec = plan_spec(r->opt, c->key, c->klen);
		if (!c->skip && first_named(seen, c, j) != j)
			cdp_die(EX_DATAERR, r->file, row->line,
			    "--map: two columns named \"%.*s\"", (int)c->klen,
			    c->key);
	}
	cdp_keymap_free(seen);
	return cols;
}

/* A bad CSV row, written back as CSV text for the rejects file. */
static void
reject_row(struct run *r, const struct csvin *in, const struct csv_row *row,
    const char *why)
{
	cdp_buf_reset(&r->raw);
	if (csvin_raw(in, row, &r->raw) == -1)
		cdp_oom(0);
	reject(r, row->line, why, r->raw.p ? r->raw.p : "", r->raw.len);
}

static void
csv_row(struct run *r, const struct csvin *in, const struct csv_row *row,
    const struct column *cols, size_t ncols)
{
	struct cell *cells = cells_for(r, ncols);
	const char *why;
	size_t n = 0;

	if (row->bad != NULL) {
		reject_row(r, in, row, row->bad);
		return;
	}
	if (row->n != ncols) {
		cdp_buf_reset(&r->work.msg);
		cdp_buf_addf(&r->work.msg, "row has %zu fields, header has %zu",
		    row->n, ncols);
		reject_row(r, in, row, r->work.msg.p ? r->work.msg.p :
		    "ragged row");
		return;
	}
	for (size_t j = 0; j < ncols; j++) {
		if (cols[j].skip)
			continue;
		if (!cdp_utf8_valid(row->f[j], row->len[j])) {
			cdp_buf_reset(&r->work.msg);
			cdp_buf_adds(&r->work.msg, "field ");
			cdp_json_quote(&r->work.msg, cols[j].key, cols[j].klen);
			cdp_buf_adds(&r->work.msg, ": invalid UTF-8");
			reject_row(r, in, row, r->work.msg.p);
			return;
		}
		cells[n++] = (struct cell){ .key = cols[j].key,
		    .klen = cols[j].klen, .v = row->f[j], .vlen = row->len[j],
		    .spec = cols[j].spec };
	}
	if (emit(r, cells, n, row->line, &why) == -1)
		reject_row(r, in, row, why);
}

static void
read_csv(struct run *r, int fd, const char *pre, size_t prelen, char delim)
{
	struct csvin *in;
	struct csv_row row;
	struct cdp_err err;
	struct cdp_buf hdr = { 0 };
	struct column *cols = NULL;
	size_t ncols = 0;
	int rc;

	in = csvin_open(fd, r->file, pre, prelen, delim, r->opt->trim,
	    r->opt->common.max_record_bytes ? r->opt->common.max_record_bytes :
	    CDP_MAX_RECORD_BYTES, &err);
	if (in == NULL)
		die_err(&err, r->file, 0);
	while ((rc = csvin_next(in, &row, &err)) == 1) {
		if (cols == NULL) {
			cols = read_header(r, &row, &hdr);
			ncols = row.n;
			continue;
		}
		csv_row(r, in, &row, cols, ncols);
		progress(r, csvin_offset(in));
	}
	if (rc == -1)
		die_err(&err, r->file, 0);
	r->done += csvin_offset(in);
	csvin_close(in);
	free(cols);
	cdp_buf_free(&hdr);
}

/* The format a file name suggests; FMT_AUTO when it says nothing. */
static enum in_format
by_name(const char *path, bool *json_ext)
{
	static const struct {
		const char	*ext;
		enum in_format	 fmt;
	} exts[] = {
		{ ".csv", FMT_CSV }, { ".tsv", FMT_TSV }, { ".tab", FMT_TSV },
		{ ".ndjson", FMT_NDJSON }, { ".jsonl", FMT_NDJSON },
		{ ".ldjson", FMT_NDJSON },
	};
	const char *dot = strrchr(path, '.');

	*json_ext = dot != NULL && strcasecmp(dot, ".json") == 0;
	for (size_t i = 0; dot && i < sizeof(exts) / sizeof(exts[0]); i++)
		if (strcasecmp(dot, exts[i].ext) == 0)
			return exts[i].fmt;
	return FMT_AUTO;
}

/* Tell the format from the first bytes: '[' JSON array, '{' NDJSON, a
 * first line with more tabs than commas TSV, else CSV. */
static enum in_format
sniff(const char *p, size_t n)
{
	size_t i = 0, tabs = 0, commas = 0;

	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < n && strchr(" \t\r\n", p[i]) != NULL && p[i] != '\0')
		i++;
	if (i < n && p[i] == '[')
		return FMT_JSON;
	if (i < n && p[i] == '{')
		return FMT_NDJSON;
	for (; i < n && p[i] != '\n'; i++) {
		tabs += p[i] == '\t';
		commas += p[i] == ',';
	}
	return tabs > commas ? FMT_TSV : FMT_CSV;
}

/* Read up to a full line (or SNIFF_BYTES) for sniff(). */
static size_t
read_prefix(struct run *r, int fd, char *buf)
{
	size_t n = 0;

	while (n < SNIFF_BYTES && memchr(buf, '\n', n) == NULL) {
		ssize_t k = read(fd, buf + n, SNIFF_BYTES - n);

		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1)
			cdp_die(EX_IOERR, r->file, 0, "read error: %s",
			    strerror(errno));
		if (k == 0)
			break;
		n += (size_t)k;
	}
	return n;
}

static int
open_input(const char *path, const char **name)
{
	struct stat st;
	int fd;

	if (strcmp(path, "-") == 0) {
		*name = "<stdin>";
		return STDIN_FILENO;
	}
	*name = path;
	if ((fd = open(path, O_RDONLY)) == -1)
		cdp_die(EX_NOINPUT, path, 0, "cannot open: %s",
		    strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
		cdp_die(EX_NOINPUT, path, 0, "is a directory");
	return fd;
}

static void
ingest_file(struct run *r, const char *path, const char *source)
{
	enum in_format fmt = r->opt->format;
	char pre[SNIFF_BYTES];
	size_t prelen = 0;
	bool json_ext = false;
	int fd = open_input(path, &r->file);
	const char *base = strrchr(path, '/');

	r->src = source ? source :
	    strcmp(path, "-") == 0 ? "stdin" : base ? base + 1 : path;
	r->srclen = strlen(r->src);
	if (fmt == FMT_AUTO && strcmp(path, "-") != 0)
		fmt = by_name(path, &json_ext);
	if (fmt == FMT_AUTO) {
		prelen = read_prefix(r, fd, pre);
		fmt = sniff(pre, prelen);
		if (json_ext && fmt != FMT_NDJSON)
			fmt = FMT_JSON;
	}
	switch (fmt) {
	case FMT_NDJSON:
		read_ndjson(r, fd, pre, prelen);
		break;
	case FMT_JSON:
		read_json(r, fd, pre, prelen);
		break;
	case FMT_TSV:
		read_csv(r, fd, pre, prelen, '\t');
		break;
	default:
		read_csv(r, fd, pre, prelen, ',');
		break;
	}
	if (fd != STDIN_FILENO)
		close(fd);
}

int
ingest_run(const struct ingest_opts *opt, char **files, int nfiles)
{
	struct run r = { .opt = opt };
	struct cdp_err err;
	const char *bad;
	off_t total;

	/* Every input must open before anything is written. */
	if (cdp_lines_inputs(&files, &nfiles, &total, &bad, &err) == -1)
		cdp_die_err(&err, bad, 0);
	r.plan = opt->nspecs > 0 || opt->nrequire > 0 ||
	    opt->empty != EMPTY_STRING;
	plan_work_init(&r.work, opt);
	if ((r.out = cdp_out_open(opt->common.output, &err)) == NULL ||
	    cdp_acct_open(&r.acct, opt->common.rejects, &err) == -1)
		die_err(&err, NULL, 0);
	cdp_out_line_mode(r.out, opt->common.unbuffered);
	if (r.acct.rejects != NULL)
		cdp_out_line_mode(r.acct.rejects, opt->common.unbuffered);
	cdp_progress_start(&r.prog, opt->common.progress, total);
	for (int i = 0; i < nfiles; i++)
		ingest_file(&r, files[i], opt->nsources == 0 ? NULL :
		    opt->sources[opt->nsources == 1 ? 0 : i]);
	cdp_progress_end(&r.prog);
	if (cdp_out_close(r.out, &err) == -1)
		die_err(&err, NULL, 0);
	r.out = NULL;
	if (cdp_acct_close(&r.acct, opt->common.stats, &err) == -1)
		die_err(&err, NULL, 0);
	plan_work_free(&r.work);
	cdp_rec_free(&r.rec);
	cdp_recw_free(&r.w);
	cdp_buf_free(&r.keys);
	cdp_buf_free(&r.raw);
	free(r.cells);
	return 0;
}
