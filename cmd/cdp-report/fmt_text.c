/*
 * fmt_text.c - the formats people read as text: an aligned table for the
 * terminal and GitHub-flavoured Markdown; also the cell text and the
 * sanitiser that the html writer shares (fmt.h).
 *
 * Values come from records nobody vetted, so a cell never reaches the
 * terminal raw: an escape sequence or a bidirectional override in a name
 * would otherwise repaint the screen or reorder the columns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "diag.h"
#include "xalloc.h"
#include "fmt.h"
#include "report.h"

/* Text between two columns of the table format. */
#define GAP	"  "

int
fmt_cell(const struct rtable *t, size_t row, int col, struct cdp_buf *b)
{
	const struct rcell *c = rtable_cell(t, row, col);
	const struct rcol *k = &t->cols[col];
	size_t len = b->len;

	if (c->type != RC_INT && c->type != RC_NUM)
		return rcell_text(t, row, col, b);
	if (report_fmt_num(b, k->ratio ? c->num * 100 : c->num,
	    c->type == RC_INT ? 0 : k->shown, k->key) == -1)
		return -1;
	/* A number that is not finite is left empty. */
	if ((k->percent || k->ratio) && b->len > len)
		return cdp_buf_addc(b, '%');
	return 0;
}

bool
fmt_numcol(const struct rtable *t, int col)
{
	bool any = false;

	for (size_t r = 0; r < t->nrows; r++) {
		const struct rcell *c = rtable_cell(t, r, col);

		if (c->type == RC_INT || c->type == RC_NUM)
			any = true;
		else if (c->type != RC_NULL)
			return false;
	}
	return any;
}

/* Characters shown escaped: they act on a terminal or reorder text. */
static bool
hostile(int32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
	    cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069);
}

static bool
alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

/*
 * Whether the ASCII character s[i] needs a backslash in a Markdown table
 * cell.  An underscore inside a word is literal in GFM (profile_id stays
 * readable); elsewhere it could start emphasis.
 */
static bool
md_active(const char *s, size_t n, size_t i)
{
	if (strchr("\\|*`<>[]~&", s[i]) != NULL)
		return true;
	if (s[i] != '_')
		return false;
	return !(i > 0 && i + 1 < n && alnum((unsigned char)s[i - 1]) &&
	    alnum((unsigned char)s[i + 1]));
}

long
fmt_safe(struct cdp_buf *b, const char *s, size_t n, bool md)
{
	static const char repl[] = "\xef\xbf\xbd";	/* U+FFFD */
	long w = 0;
	size_t i = 0;

	while (i < n) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(
		    (const utf8proc_uint8_t *)s + i,
		    (utf8proc_ssize_t)(n - i), &cp);
		char e[12];
		int m;

		if (k < 1) {
			/* One bad byte at a time: resynchronise after it. */
			if (cdp_buf_add(b, repl, 3) == -1)
				return -1;
			w++;
			i++;
			continue;
		}
		if (md && (cp == '\n' || cp == '\r' || cp == 0x2028 ||
		    cp == 0x2029)) {
			if (cp == '\r' && i + 1 < n && s[i + 1] == '\n')
				k++;
			if (cdp_buf_adds(b, "<br>") == -1)
				return -1;
			w += 4;
			i += (size_t)k;
			continue;
		}
		if (hostile(cp)) {
			if (cp == '\n')
				m = snprintf(e, sizeof(e), "\\n");
			else if (cp == '\r')
				m = snprintf(e, sizeof(e), "\\r");
			else if (cp == '\t')
				m = snprintf(e, sizeof(e), "\\t");
			else
				m = snprintf(e, sizeof(e), "\\u%04x",
				    (unsigned)cp);
			if (cdp_buf_add(b, e, (size_t)m) == -1)
				return -1;
			w += m;
			i += (size_t)k;
			continue;
		}
		if (md && k == 1 && md_active(s, n, i)) {
			if (cdp_buf_addc(b, '\\') == -1)
				return -1;
			w++;
		}
		if (cdp_buf_add(b, s + i, (size_t)k) == -1)
			return -1;
		m = utf8proc_charwidth(cp);
		if (m > 0)
			w += m;
		i += (size_t)k;
	}
	return w;
}

size_t
fmt_fit(const char *s, size_t n, size_t w, size_t *width)
{
	size_t i = 0, have = 0;

	while (i < n) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(
		    (const utf8proc_uint8_t *)s + i,
		    (utf8proc_ssize_t)(n - i), &cp);
		int cw;

		if (k < 1)
			break;
		cw = utf8proc_charwidth(cp);
		if (cw < 0)
			cw = 0;
		if (have + (size_t)cw > w)
			break;
		have += (size_t)cw;
		i += (size_t)k;
	}
	*width = have;
	return i;
}

/* One table's cells, sanitised, kept between measuring and printing. */
struct grid {
	struct cdp_buf	 text;	/* cells' safe text, in order */
	size_t		*off;	/* (nrows + 1) * ncols starts */
	size_t		*w;	/* display widths, same layout */
	size_t		*colw;	/* ncols column widths */
	bool		*num;	/* ncols: numeric column */
	size_t		 cap;
};

/* Header row 0, data rows 1..nrows. */
static void
grid_fill(struct grid *g, const struct rtable *t, bool md)
{
	size_t cells = (t->nrows + 1) * t->ncols;
	struct cdp_buf raw = { 0 };

	if (cells > g->cap) {
		free(g->off);
		free(g->w);
		g->off = cdp_xcalloc(cells, sizeof(*g->off));
		g->w = cdp_xcalloc(cells, sizeof(*g->w));
		g->cap = cells;
	}
	free(g->colw);
	free(g->num);
	g->colw = cdp_xcalloc(t->ncols + 1, sizeof(*g->colw));
	g->num = cdp_xcalloc(t->ncols + 1, sizeof(*g->num));
	cdp_buf_reset(&g->text);
	for (size_t c = 0; c < t->ncols; c++)
		g->num[c] = fmt_numcol(t, (int)c);
	for (size_t r = 0; r <= t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			size_t i = r * t->ncols + c;
			long w;

			cdp_buf_reset(&raw);
			if (r == 0 ? cdp_buf_adds(&raw, t->cols[c].name) == -1 :
			    fmt_cell(t, r - 1, (int)c, &raw) == -1)
				cdp_oom(0);
			g->off[i] = g->text.len;
			if ((w = fmt_safe(&g->text, raw.p != NULL ? raw.p : "",
			    raw.len, md)) == -1)
				cdp_oom(0);
			g->w[i] = (size_t)w;
			if (g->w[i] > g->colw[c])
				g->colw[c] = g->w[i];
		}
	cdp_buf_free(&raw);
}

static void
grid_free(struct grid *g)
{
	cdp_buf_free(&g->text);
	free(g->off);
	free(g->w);
	free(g->colw);
	free(g->num);
}

/* The safe text of grid cell i (i + 1 ends where the next begins). */
static void
grid_put(struct cdp_buf *b, const struct grid *g, size_t i, size_t cells)
{
	size_t end = i + 1 < cells ? g->off[i + 1] : g->text.len;

	if (cdp_buf_add(b, g->text.p + g->off[i], end - g->off[i]) == -1)
		cdp_oom(0);
}

static void
pad(struct cdp_buf *b, size_t n)
{
	while (n-- > 0)
		if (cdp_buf_addc(b, ' ') == -1)
			cdp_oom(0);
}

/* Drop the spaces that padding left at the end of the line being built. */
static void
endline(struct cdp_buf *b, size_t start)
{
	while (b->len > start && b->p[b->len - 1] == ' ')
		b->len--;
	if (cdp_buf_addc(b, '\n') == -1)
		cdp_oom(0);
}

/* A caption above the table: its title, else its name. */
static void
caption(struct cdp_buf *b, const struct rtable *t, const char *prefix)
{
	const char *s = t->title[0] != '\0' ? t->title : t->name;

	if (cdp_buf_adds(b, prefix) == -1 ||
	    fmt_safe(b, s, strlen(s), prefix[0] != '\0') == -1 ||
	    cdp_buf_addc(b, '\n') == -1)
		cdp_oom(0);
}

static int
flush(struct cdp_out *o, struct cdp_buf *b, struct cdp_err *err)
{
	int rc;

	/* An empty buffer may never have been allocated (p NULL). */
	if (b->len == 0)
		return 0;
	rc = cdp_out_write(o, b->p, b->len, err);

	cdp_buf_reset(b);
	return rc;
}

/* The end of a text writer: what b still holds out (unless rc is
 * already -1), b and g freed.  Returns rc or the flush's result. */
static int
finish(struct cdp_out *o, struct cdp_buf *b, struct grid *g, int rc,
    struct cdp_err *err)
{
	if (rc == 0)
		rc = flush(o, b, err);
	cdp_buf_free(b);
	grid_free(g);
	return rc;
}

int
fmt_table(struct cdp_out *o, const struct report_opts *ro,
    struct rtable *const *tables, size_t n, struct cdp_err *err)
{
	struct cdp_buf b = { 0 };
	struct grid g = { 0 };
	int rc = 0;

	(void)ro;
	for (size_t k = 0; k < n && rc == 0; k++) {
		const struct rtable *t = tables[k];
		size_t cells = (t->nrows + 1) * t->ncols, start;

		if (k > 0 && cdp_buf_addc(&b, '\n') == -1)
			cdp_oom(0);
		if (n > 1 || t->title[0] != '\0')
			caption(&b, t, "");
		if (t->ncols == 0)
			continue;
		grid_fill(&g, t, false);
		for (size_t r = 0; r <= t->nrows && rc == 0; r++) {
			start = b.len;
			for (size_t c = 0; c < t->ncols; c++) {
				size_t i = r * t->ncols + c;
				const struct rcell *cl = r == 0 ? NULL :
				    rtable_cell(t, r - 1, (int)c);
				bool right = cl != NULL ? (cl->type == RC_INT ||
				    cl->type == RC_NUM) : g.num[c];

				if (c > 0 && cdp_buf_adds(&b, GAP) == -1)
					cdp_oom(0);
				if (right)
					pad(&b, g.colw[c] - g.w[i]);
				grid_put(&b, &g, i, cells);
				if (!right)
					pad(&b, g.colw[c] - g.w[i]);
			}
			endline(&b, start);
			if (r == 0) {
				/* The rule under the header. */
				start = b.len;
				for (size_t c = 0; c < t->ncols; c++) {
					if (c > 0 &&
					    cdp_buf_adds(&b, GAP) == -1)
						cdp_oom(0);
					for (size_t j = 0; j < g.colw[c]; j++)
						if (cdp_buf_addc(&b, '-') == -1)
							cdp_oom(0);
				}
				endline(&b, start);
			}
			if (b.len > 65536)
				rc = flush(o, &b, err);
		}
	}
	return finish(o, &b, &g, rc, err);
}

/* The delimiter row under a Markdown header. */
static void
md_rule(struct cdp_buf *b, const struct grid *g, size_t ncols)
{
	if (cdp_buf_addc(b, '|') == -1)
		cdp_oom(0);
	for (size_t c = 0; c < ncols; c++) {
		if (cdp_buf_addc(b, ' ') == -1)
			cdp_oom(0);
		for (size_t j = 0; j < g->colw[c] - g->num[c]; j++)
			if (cdp_buf_addc(b, '-') == -1)
				cdp_oom(0);
		if (cdp_buf_adds(b, g->num[c] ? ": |" : " |") == -1)
			cdp_oom(0);
	}
	if (cdp_buf_addc(b, '\n') == -1)
		cdp_oom(0);
}

/*
 * GitHub-flavoured Markdown: one pipe table per table, padded so that the
 * source lines up too; numeric columns aligned right (---:).
 */
int
fmt_markdown(struct cdp_out *o, const struct report_opts *ro,
    struct rtable *const *tables, size_t n, struct cdp_err *err)
{
	struct cdp_buf b = { 0 };
	struct grid g = { 0 };
	int rc = 0;

	(void)ro;
	for (size_t k = 0; k < n && rc == 0; k++) {
		const struct rtable *t = tables[k];
		size_t cells = (t->nrows + 1) * t->ncols;

		if (k > 0 && cdp_buf_addc(&b, '\n') == -1)
			cdp_oom(0);
		if (n > 1 || t->title[0] != '\0') {
			caption(&b, t, "### ");
			if (t->ncols > 0 && cdp_buf_addc(&b, '\n') == -1)
				cdp_oom(0);
		}
		if (t->ncols == 0)
			continue;
		grid_fill(&g, t, true);
		for (size_t c = 0; c < t->ncols; c++)
			if (g.colw[c] < 3)
				g.colw[c] = 3;	/* room for "---" */
		for (size_t r = 0; r <= t->nrows && rc == 0; r++) {
			if (cdp_buf_addc(&b, '|') == -1)
				cdp_oom(0);
			for (size_t c = 0; c < t->ncols; c++) {
				size_t i = r * t->ncols + c;

				if (cdp_buf_addc(&b, ' ') == -1)
					cdp_oom(0);
				if (g.num[c])
					pad(&b, g.colw[c] - g.w[i]);
				grid_put(&b, &g, i, cells);
				if (!g.num[c])
					pad(&b, g.colw[c] - g.w[i]);
				if (cdp_buf_adds(&b, " |") == -1)
					cdp_oom(0);
			}
			if (cdp_buf_addc(&b, '\n') == -1)
				cdp_oom(0);
			if (r == 0)
				md_rule(&b, &g, t->ncols);
			if (b.len > 65536)
				rc = flush(o, &b, err);
		}
	}
	return finish(o, &b, &g, rc, err);
}
