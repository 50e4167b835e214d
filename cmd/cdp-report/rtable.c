/* rtable.c - the result table of a report; see report.h. */
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "xalloc.h"
#include "report.h"

static char *
dup(const char *s)
{
	return cdp_xstrdup(s != NULL ? s : "");
}

void
rtable_init(struct rtable *t, const char *name, const char *title)
{
	*t = (struct rtable){ .name = dup(name), .title = dup(title),
	    .label = 0, .value = 1, .lo = -1, .hi = -1, .heat_first = 1,
	    .heat_scale = -1, .aux = -1 };
}

int
rtable_col(struct rtable *t, const char *name, int digits)
{
	t->cols = cdp_xreallocarray(t->cols, t->ncols + 1, sizeof(*t->cols));
	t->cols[t->ncols] = (struct rcol){ .name = dup(name),
	    .digits = digits, .shown = digits };
	return (int)t->ncols++;
}

int
rtable_find(const struct rtable *t, const char *name)
{
	for (size_t c = 0; c < t->ncols; c++)
		if (strcmp(t->cols[c].name, name) == 0)
			return (int)c;
	return -1;
}

size_t
rtable_row(struct rtable *t)
{
	size_t need = (t->nrows + 1) * t->ncols;

	cdp_xgrow((void **)&t->cells, &t->cap, need, sizeof(*t->cells));
	memset(&t->cells[t->nrows * t->ncols], 0,
	    t->ncols * sizeof(*t->cells));
	return t->nrows++;
}

static struct rcell *
cell(struct rtable *t, size_t row, int col)
{
	return &t->cells[row * t->ncols + (size_t)col];
}

static void
text(struct rtable *t, size_t row, int col, int type, const char *s,
    size_t n)
{
	struct rcell *c = cell(t, row, col);

	c->type = (uint8_t)type;
	c->off = t->text.len;
	c->len = n;
	if (cdp_buf_add(&t->text, s, n) == -1 ||
	    cdp_buf_addc(&t->text, '\0') == -1)
		cdp_oom(0);
}

void
rtable_str(struct rtable *t, size_t row, int col, const char *s, size_t n)
{
	text(t, row, col, RC_STR, s, n);
}

void
rtable_json(struct rtable *t, size_t row, int col, const char *s, size_t n)
{
	text(t, row, col, RC_JSON, s, n);
}

void
rtable_num(struct rtable *t, size_t row, int col, double v)
{
	*cell(t, row, col) = (struct rcell){ .type = RC_NUM, .num = v };
}

void
rtable_int(struct rtable *t, size_t row, int col, double v)
{
	*cell(t, row, col) = (struct rcell){ .type = RC_INT, .num = v };
}

const char *
rtable_text(const struct rtable *t, const struct rcell *c)
{
	return t->text.p + c->off;
}

void
rtable_free(struct rtable *t)
{
	for (size_t i = 0; i < t->ncols; i++)
		free(t->cols[i].name);
	free(t->cols);
	free(t->cells);
	free(t->name);
	free(t->title);
	cdp_buf_free(&t->text);
	*t = (struct rtable){ 0 };
}
