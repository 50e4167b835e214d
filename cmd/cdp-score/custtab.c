/*
 * custtab.c - read transaction records into one compact entry per
 * customer (shared by rfm and clv), with the record account.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acct.h"
#include "idvals.h"
#include "diag.h"
#include "lines.h"
#include "norm.h"
#include "par.h"
#include "progress.h"
#include "record.h"
#include "xalloc.h"
#include "score.h"

/* What one pass over the inputs holds besides the table. */
struct load {
	struct custtab		*t;
	const struct score_opts	*opt;
	struct cdp_rec		 rec;
	struct cdp_buf		 s1, s2;	/* unescaped strings */
	struct cdp_buf		 why;
	struct cdp_buf		 key;		/* a customer's hash key */
	long			 cutoff;	/* last day kept, or LONG_MAX */
	long			 cal_end;	/* later days: the holdout */
	const char		*file;
	struct cdp_progress	 prog;
	off_t			 done;		/* bytes of finished inputs */
	/* the second pass (--annotate) */
	unsigned long long	 seen;		/* records read again */
	struct cdp_out		*out;
	struct cdp_recw		 w;
	const char *const	*owned;
	int			 nowned;
	void		       (*fields)(void *, struct cdp_recw *, size_t);
	void			*st;
	/* a parallel load: the block a thread is on, and the lanes */
	struct cdp_par_block	*blk;
	int			 nlanes;
};

static int
digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/*
 * The common forms 2025-03-04 and 2025-03-04T10:20:30Z are read here;
 * anything else goes through cdp_norm_datetime().
 */
int
parse_day(const char *s, size_t n, struct cdp_buf *tmp, long *day,
    const char **why)
{
	char d[11];

	if ((n == 10 || (n == 20 && s[10] == 'T' && s[13] == ':' &&
	    s[16] == ':' && s[19] == 'Z' && digits(s + 11, 2) &&
	    digits(s + 14, 2) && digits(s + 17, 2) &&
	    (s[11] - '0') * 10 + s[12] - '0' < 24 && s[14] < '6' &&
	    s[17] < '6')) && s[4] == '-' && s[7] == '-') {
		memcpy(d, s, 10);
		d[10] = '\0';
		if (cdp_parse_iso_date(d, day) == 0)
			return 0;
	}
	cdp_buf_reset(tmp);
	if (cdp_norm_datetime(s, n, CDP_DATE_AUTO, tmp, why) == -1)
		return -1;
	memcpy(d, tmp->p, 10);
	d[10] = '\0';
	if (cdp_parse_iso_date(d, day) == -1) {
		*why = "year out of range";
		return -1;
	}
	return 0;
}

/* A bad record: rejects file, or exit 65 with file:line. */
static void
reject(struct load *L, const struct cdp_line *l, const char *field,
    const char *why)
{
	struct cdp_err err;

	cdp_buf_reset(&L->why);
	if (field != NULL) {
		cdp_buf_adds(&L->why, "field ");
		cdp_json_quote(&L->why, field, strlen(field));
		cdp_buf_adds(&L->why, ": ");
	}
	if (cdp_buf_adds(&L->why, why) == -1)
		cdp_oom(0);
	if (L->blk != NULL) {
		cdp_par_reject(L->blk, l->lineno, L->why.p, l->p, l->len);
		return;
	}
	if (cdp_acct_reject(&L->t->acct, L->file, l->lineno, L->why.p, l->p,
	    l->len, &err) == -1)
		cdp_die_err(&err, err.code == EX_DATAERR ? L->file : NULL,
		    l->lineno);
}

/* Note how many decimals the amount text s[0..n) has. */
static void
note_decimals(struct custtab *t, const char *s, size_t n)
{
	const char *dot = memchr(s, '.', n);
	int d = 0;

	if (t->decimals < 0)
		return;
	if (memchr(s, 'e', n) != NULL || memchr(s, 'E', n) != NULL) {
		t->decimals = -1;
		return;
	}
	if (dot != NULL)
		d = (int)(n - (size_t)(dot + 1 - s));
	if (d > t->decimals)
		t->decimals = d;
}

/* The amount of a transaction: a JSON number or a numeric string. */
static int
parse_amount(struct load *L, const struct cdp_field *f, double *v,
    const char **why)
{
	const char *s;
	size_t n;

	if (f == NULL || f->type == CDP_NULL) {
		*why = "missing";
		return -1;
	}
	if (f->type == CDP_NUMBER) {
		if (cdp_rec_num(&L->rec, f, v) == -1) {
			*why = "number out of range";
			return -1;
		}
		note_decimals(L->t, L->rec.p + f->voff, f->vlen);
		return 0;
	}
	if (f->type != CDP_STRING ||
	    cdp_rec_str(&L->rec, f, &L->s2, &s, &n) == -1) {
		*why = "not a number";
		return -1;
	}
	cdp_buf_reset(&L->why);
	if (cdp_buf_add(&L->why, s, n) == -1)
		cdp_oom(0);
	if (cdp_parse_double(L->why.p, v) == -1) {
		*why = "not a number";
		return -1;
	}
	note_decimals(L->t, s, n);
	return 0;
}

/* The hash of customer id[0..n); key is scratch space. */
static struct cdp_key128
customer_key(struct cdp_buf *key, const char *id, size_t n, bool num)
{
	/* A number and a string with the same text are different ids. */
	cdp_buf_reset(key);
	if (cdp_buf_addc(key, num ? 'n' : 's') == -1 ||
	    cdp_buf_add(key, id, n) == -1)
		cdp_oom(0);
	return cdp_key128_of(key->p, key->len);
}

/* The entry of customer id[0..n) of hash k, created on first sight. */
static struct cust *
customer_hashed(struct custtab *t, struct cdp_key128 k, const char *id,
    size_t n, bool num)
{
	uint64_t *slot;
	int added;
	struct cust *c;

	if ((slot = cdp_keymap_put(t->map, k, t->n, &added)) == NULL)
		cdp_oom(0);
	if (!added)
		return &t->c[*slot];
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		t->c = cdp_xreallocarray(t->c, cap, sizeof(*t->c));
		t->cap = cap;
	}
	c = &t->c[t->n++];
	*c = (struct cust){ .idoff = t->ids.len, .idlen = (uint32_t)n,
	    .idnum = num, .first = INT32_MAX, .last = INT32_MIN };
	if (cdp_buf_add(&t->ids, id, n) == -1)
		cdp_oom(0);
	return c;
}

/* The entry of customer id[0..n), created on first sight. */
static struct cust *
customer(struct custtab *t, struct cdp_buf *key, const char *id, size_t n,
    bool num)
{
	return customer_hashed(t, customer_key(key, id, n, num), id, n, num);
}

/* Count a holdout transaction of day to c, by distinct day. */
static void
add_holdout(struct custtab *t, struct cust *c, long day)
{
	int64_t kv[2] = { (int64_t)(c - t->c), day };
	int added;

	if (cdp_keymap_put(t->daymap, cdp_key128_of(kv, sizeof(kv)), 0,
	    &added) == NULL)
		cdp_oom(0);
	c->hold_days += added;
	c->hold_n++;
}

/* Add one transaction of day and amount v to c. */
static void
add(struct custtab *t, struct cust *c, long day, double v)
{
	double s = c->sum + v;

	/* Neumaier's compensated sum: totals do not drift with order. */
	if ((c->sum >= 0 ? c->sum : -c->sum) >= (v >= 0 ? v : -v))
		c->comp += (c->sum - s) + v;
	else
		c->comp += (v - s) + c->sum;
	c->sum = s;
	c->n++;
	if (t->daymap != NULL) {
		int64_t kv[2] = { (int64_t)(c - t->c), day };
		int added;

		if (cdp_keymap_put(t->daymap, cdp_key128_of(kv, sizeof(kv)),
		    0, &added) == NULL)
			cdp_oom(0);
		c->days += added;
		/* kept apart rather than subtracted from the total, so
		 * that 75.11 - 63.34 does not come out as 11.769999... */
		if (day < c->first && c->n > 1) {
			c->rest_sum += c->first_sum;
			c->first_sum = v;
		} else if (day < c->first) {
			c->first_sum = v;
		} else if (day == c->first) {
			c->first_sum += v;
		} else {
			c->rest_sum += v;
		}
	}
	if (day < c->first)
		c->first = (int32_t)day;
	if (day > c->last)
		c->last = (int32_t)day;
	if (day > t->maxday)
		t->maxday = day;
}

/* Note the record just read (number acct.read) as rejected for an
 * overflowing total, so that --annotate's second pass leaves it out too. */
static void
overflowed(struct load *L)
{
	struct custtab *t = L->t;
	uint64_t n = t->acct.read;
	int added;

	if ((t->overflow == NULL && (t->overflow = cdp_keymap_new()) == NULL) ||
	    cdp_keymap_put(t->overflow, cdp_key128_of(&n, sizeof(n)), 0,
	    &added) == NULL)
		cdp_oom(0);
}

/* One transaction read from a record. */
struct tx {
	const char	*id;
	size_t		 idlen;
	bool		 idnum;
	long		 day;
	double		 amount;
};

enum { TX_OK, TX_SKIP, TX_BAD };

/*
 * Read the id, time and amount of the parsed record.  Returns TX_OK,
 * TX_SKIP (no id: not a customer's transaction), or TX_BAD with the
 * field in *field and the reason in *why.
 */
static int
transaction(struct load *L, const char *line, struct tx *tx,
    const char **field, const char **why)
{
	const struct score_opts *o = L->opt;
	const struct cdp_field *f;
	struct cdp_idvals it;
	const char *ts;
	size_t tn;

	(void)line;
	f = cdp_rec_find(&L->rec, o->id, strlen(o->id));
	if (f == NULL || f->type == CDP_NULL)
		return TX_SKIP;
	*field = o->id;
	/* A string or number, or the first of an array of them (a
	 * profile's identifiers). */
	cdp_idvals_start(&it, &L->rec, o->id, strlen(o->id), false);
	switch (cdp_idvals_next(&it, &L->s1, &tx->id, &tx->idlen, why)) {
	case -2:
		cdp_oom(0);
		break;
	case -1:
		*why = "not a string or number";
		return TX_BAD;
	case 0:
		return TX_SKIP;
	}
	tx->idnum = !it.str;
	if (tx->idlen == 0)
		return TX_SKIP;
	*field = o->time;
	f = cdp_rec_find(&L->rec, o->time, strlen(o->time));
	*why = f == NULL || f->type == CDP_NULL ? "missing" : "not a date";
	if (f == NULL || f->type != CDP_STRING ||
	    cdp_rec_str(&L->rec, f, &L->s2, &ts, &tn) == -1 ||
	    parse_day(ts, tn, &L->why, &tx->day, why) == -1)
		return TX_BAD;
	*field = o->amount;
	if (parse_amount(L, cdp_rec_find(&L->rec, o->amount,
	    strlen(o->amount)), &tx->amount, why) == -1)
		return TX_BAD;
	return TX_OK;
}

/* Line l parsed into L->rec, or rejected (false). */
static bool
parsed(struct load *L, const struct cdp_line *l)
{
	struct cdp_err err;

	if (l->too_long) {
		reject(L, l, NULL, "record longer than --max-record-bytes");
		return false;
	}
	if (cdp_rec_parse(&L->rec, l->p, l->len, &err) == -1) {
		if (err.code != EX_DATAERR)
			cdp_die_err(&err, NULL, 0);
		reject(L, l, NULL, err.msg);
		return false;
	}
	return true;
}

static void
record(struct load *L, const struct cdp_line *l)
{
	struct tx tx;
	const char *field = NULL, *why;
	int rc;

	L->t->acct.read++;
	if (!parsed(L, l))
		return;
	rc = transaction(L, l->p, &tx, &field, &why);
	if (rc == TX_BAD) {
		reject(L, l, field, why);
	} else if (rc == TX_SKIP || tx.day > L->cutoff) {
		L->t->acct.dropped++;
	} else if (tx.day > L->cal_end) {
		add_holdout(L->t, customer(L->t, &L->key, tx.id, tx.idlen,
		    tx.idnum), tx.day);
		L->t->acct.written++;
	} else {
		struct cust *c = customer(L->t, &L->key, tx.id, tx.idlen,
		    tx.idnum);

		/* A total no double holds is this record's fault (DESIGN:
		 * a non-finite result is bad data, not "out of memory"). */
		if (!isfinite(c->sum + c->comp + tx.amount)) {
			overflowed(L);
			reject(L, l, field, "the customer's total overflows "
			    "a double");
			return;
		}
		add(L->t, c, tx.day, tx.amount);
		L->t->acct.written++;
	}
}

/*
 * The second pass: the record as it came with the customer's scores
 * appended, or unchanged when it is no scored customer's transaction.
 * The records the first pass rejected are left out; it counted them.
 */
static void
record_again(struct load *L, const struct cdp_line *l)
{
	struct custtab *t = L->t;
	struct cdp_err err;
	struct cdp_key128 k;
	struct tx tx;
	const char *field, *why;
	const struct cdp_field *own[SCORE_MAXOWNED];
	uint64_t *slot = NULL;
	int rc;

	if (++L->seen > t->acct.read)
		return;			/* caught after the pass */
	if (l->too_long || cdp_rec_parse(&L->rec, l->p, l->len, &err) == -1)
		return;
	if ((rc = transaction(L, l->p, &tx, &field, &why)) == TX_BAD)
		return;
	if (t->overflow != NULL) {
		uint64_t n = L->seen;

		if (cdp_keymap_get(t->overflow, cdp_key128_of(&n,
		    sizeof(n))) != NULL)
			return;
	}
	if (rc == TX_OK) {
		cdp_buf_reset(&L->key);
		if (cdp_buf_addc(&L->key, tx.idnum ? 'n' : 's') == -1 ||
		    cdp_buf_add(&L->key, tx.id, tx.idlen) == -1)
			cdp_oom(0);
		k = cdp_key128_of(L->key.p, L->key.len);
		slot = cdp_keymap_get(t->map, k);
	}
	if (slot == NULL || t->c[*slot].n == 0) {
		if (cdp_out_write(L->out, l->p, l->len, &err) == -1 ||
		    cdp_out_write(L->out, "\n", 1, &err) == -1)
			cdp_die_err(&err, NULL, 0);
		return;
	}
	/* an input field of a name the scores use gives way to them */
	for (int j = 0; j < L->nowned; j++)
		own[j] = cdp_rec_find(&L->rec, L->owned[j],
		    strlen(L->owned[j]));
	cdp_recw_begin(&L->w);
	for (size_t i = 0; i < L->rec.n; i++) {
		int j;

		for (j = 0; j < L->nowned && own[j] != &L->rec.f[i]; j++)
			;
		if (j == L->nowned &&
		    cdp_recw_field(&L->w, &L->rec, &L->rec.f[i]) == -1)
			cdp_oom(0);
	}
	L->fields(L->st, &L->w, *slot);
	if (cdp_recw_end(&L->w) == -1)
		cdp_oom(0);
	if (cdp_out_write(L->out, L->w.b.p, L->w.b.len, &err) == -1)
		cdp_die_err(&err, NULL, 0);
}

/* Read every line of in with one(). */
static void
read_lines(struct load *L, struct cdp_lines *in,
    void (*one)(struct load *, const struct cdp_line *))
{
	struct cdp_line l;
	struct cdp_err err;
	int rc;

	L->file = cdp_lines_name(in);
	while ((rc = cdp_lines_next(in, &l, &err)) == 1) {
		one(L, &l);
		cdp_progress_update(&L->prog, L->t->acct.read,
		    L->done + cdp_lines_offset(in));
	}
	if (rc == -1)
		cdp_die_err(&err, L->file, 0);
	L->done += cdp_lines_offset(in);
}

/*
 * Copy all of fd (named name) to a temporary file in $TMPDIR that is
 * unlinked at once, so that no exit, not even a fatal signal, leaves it
 * behind.  Returns the temporary file's descriptor, at offset 0.
 */
static int
spool(int fd, const char *name)
{
	const char *dir = getenv("TMPDIR");
	struct cdp_buf path = { 0 };
	char buf[65536];
	ssize_t n;
	int tmp;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	if (cdp_buf_addf(&path, "%s/cdp-score.XXXXXX", dir) == -1)
		cdp_oom(0);
	if ((tmp = mkstemp(path.p)) == -1)
		cdp_die(EX_CANTCREAT, dir, 0, "cannot create a temporary "
		    "file for --annotate: %s", strerror(errno));
	(void)unlink(path.p);
	cdp_buf_free(&path);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			cdp_die(EX_IOERR, name, 0, "read error: %s",
			    strerror(errno));
		for (ssize_t off = 0, w; off < n; off += w > 0 ? w : 0) {
			w = write(tmp, buf + off, (size_t)(n - off));
			if (w == -1 && errno != EINTR)
				cdp_die(EX_IOERR, dir, 0, "cannot write the "
				    "temporary file for --annotate: %s",
				    strerror(errno));
		}
	}
	if (lseek(tmp, 0, SEEK_SET) == -1)
		cdp_die(EX_IOERR, dir, 0, "temporary file: %s",
		    strerror(errno));
	return tmp;
}

/*
 * Open files[0..nfiles) for two passes: a regular file is read twice
 * from where it starts (standard input redirected from a file too),
 * anything else is spooled first.
 */
static void
open_inputs(struct custtab *t, char **files, int nfiles)
{
	bool stdin_seen = false;

	t->in = cdp_xcalloc((size_t)nfiles, sizeof(*t->in));
	for (int i = 0; i < nfiles; i++) {
		struct score_input *in = &t->in[i];
		bool std = strcmp(files[i], "-") == 0;
		struct stat st;
		int fd = STDIN_FILENO;

		in->name = std ? "<stdin>" : files[i];
		if (!std && (fd = open(files[i], O_RDONLY | O_CLOEXEC)) ==
		    -1)
			cdp_die(EX_NOINPUT, files[i], 0, "cannot open: %s",
			    strerror(errno));
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    (in->start = lseek(fd, 0, SEEK_CUR)) != -1) {
			/* as without --annotate, "-" again reads nothing */
			if (std && stdin_seen)
				in->start = st.st_size;
			stdin_seen |= std;
			in->fd = std ? dup(fd) : fd;
			if (in->fd == -1)
				cdp_die(EX_OSERR, NULL, 0, "dup: %s",
				    strerror(errno));
			continue;
		}
		in->start = 0;
		in->fd = spool(fd, in->name);
		if (!std)
			close(fd);
	}
	t->nin = nfiles;
}

/* One pass over the inputs of --annotate, each from its start. */
static void
read_inputs(struct load *L, void (*one)(struct load *,
    const struct cdp_line *))
{
	struct custtab *t = L->t;
	struct cdp_err err;

	for (int i = 0; i < t->nin; i++) {
		struct cdp_lines *in;

		if (lseek(t->in[i].fd, t->in[i].start, SEEK_SET) == -1)
			cdp_die(EX_IOERR, t->in[i].name, 0, "cannot read "
			    "again: %s", strerror(errno));
		if ((in = cdp_lines_open_fd(t->in[i].fd, t->in[i].name, NULL,
		    0, L->opt->common.max_record_bytes, &err)) == NULL)
			cdp_die_err(&err, t->in[i].name, 0);
		read_lines(L, in, one);
		cdp_lines_close(in);
	}
}

static void
load_file(struct load *L, const char *path)
{
	struct cdp_lines *in;
	struct cdp_err err;

	in = cdp_lines_open(path, L->opt->common.max_record_bytes, &err);
	if (in == NULL)
		cdp_die_err(&err, path, 0);
	read_lines(L, in, record);
	cdp_lines_close(in);
}

/* Customers seen only in the holdout are in no fit: their records
 * count as skipped, not used. */
static void
drop_holdout_only(struct custtab *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->c[i].n == 0) {
			t->acct.written -= t->c[i].hold_n;
			t->acct.dropped += t->c[i].hold_n;
		}
}

/* ---- a parallel load (par.h) ----
 *
 * Threads parse records and read their transactions; each goes to the
 * lane of its customer's hash, which adds it to its own table in input
 * order (the compensated sums, the first day's amount, the distinct
 * days come out as one thread's).  The lanes' customers are disjoint:
 * their tables are joined at the end.
 */

struct citem {
	struct cdp_key128	k;
	double			amount;
	long			line;
	int32_t			day;
	uint32_t		idlen;
	uint8_t			idnum, hold;
};

/* A lane's table, and where each of its customers first came (block,
 * line): the joined table numbers the customers in that order, as one
 * thread does, so that sums over customers add in the same order. */
struct ctable {
	struct custtab	 t;
	struct cfirst {
		uint64_t	seq;
		long		line;
		int		lane;
		size_t		i;
	}		*first;
	size_t		 cap;
};

static void
par_line(void *ctx, struct cdp_par_block *b, const struct cdp_line *l)
{
	struct load *L = ctx;
	struct citem it;
	struct cdp_buf *lb;
	struct tx tx;
	const char *field = NULL, *why;
	int rc;

	b->n.read++;
	if (!parsed(L, l))
		return;
	if ((rc = transaction(L, l->p, &tx, &field, &why)) == TX_BAD) {
		reject(L, l, field, why);
		return;
	}
	if (rc == TX_SKIP || tx.day > L->cutoff) {
		b->n.dropped++;
		return;
	}
	b->n.written++;
	it = (struct citem){ customer_key(&L->key, tx.id, tx.idlen,
	    tx.idnum), tx.amount, l->lineno, (int32_t)tx.day,
	    (uint32_t)tx.idlen, tx.idnum, tx.day > L->cal_end };
	lb = &b->lane[it.k.hi % (uint64_t)L->nlanes];
	if (cdp_buf_add(lb, &it, sizeof(it)) == -1 ||
	    cdp_buf_add(lb, tx.id, tx.idlen) == -1)
		cdp_oom(0);
}

static void
par_block(void *ctx, struct cdp_par_block *b)
{
	struct load *L = ctx;

	L->blk = b;
	L->file = b->file;
	cdp_par_lines(b, L->opt->common.max_record_bytes ?
	    L->opt->common.max_record_bytes : CDP_MAX_RECORD_BYTES, par_line,
	    L);
	L->blk = NULL;
}

static void
par_lane(void *lctx, struct cdp_par_block *b, int lane)
{
	struct ctable *ct = lctx;
	struct custtab *t = &ct->t;
	const char *p = b->lane[lane].p, *end = p + b->lane[lane].len;
	struct citem it;
	struct cust *c;
	size_t n;

	while (p < end) {
		memcpy(&it, p, sizeof(it));
		p += sizeof(it);
		n = t->n;
		c = customer_hashed(t, it.k, p, it.idlen, it.idnum);
		if (t->n > n) {
			cdp_xgrow((void **)&ct->first, &ct->cap, t->n,
			    sizeof(*ct->first));
			ct->first[n] = (struct cfirst){ b->seq, it.line, lane,
			    n };
		}
		p += it.idlen;
		if (it.hold)
			add_holdout(t, c, it.day);
		else
			add(t, c, it.day, it.amount);
	}
}

static int
by_first(const void *a, const void *b)
{
	const struct cfirst *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* The lanes' customers into t in the order they first came (key:
 * scratch). */
static void
join_tables(struct custtab *t, struct ctable *lt, int nlanes,
    struct cdp_buf *key)
{
	struct cfirst *all;
	size_t n = 0;

	for (int i = 0; i < nlanes; i++)
		n += lt[i].t.n;
	all = cdp_xcalloc(n + 1, sizeof(*all));
	n = 0;
	for (int i = 0; i < nlanes; i++) {
		memcpy(all + n, lt[i].first, lt[i].t.n * sizeof(*all));
		n += lt[i].t.n;
		if (lt[i].t.maxday > t->maxday)
			t->maxday = lt[i].t.maxday;
	}
	qsort(all, n, sizeof(*all), by_first);
	for (size_t k = 0; k < n; k++) {
		const struct custtab *l = &lt[all[k].lane].t;
		const struct cust *lc = &l->c[all[k].i];
		struct cust *c = customer(t, key, l->ids.p + lc->idoff,
		    lc->idlen, lc->idnum);
		uint64_t off = c->idoff;

		*c = *lc;
		c->idoff = off;
	}
	free(all);
}

static void
load_parallel(struct load *L, char **files, int nfiles, int threads,
    struct cdp_par_info *info)
{
	struct custtab *t = L->t;
	struct load *w = cdp_xcalloc((size_t)threads, sizeof(*w));
	struct ctable *lt = cdp_xcalloc((size_t)threads, sizeof(*lt));
	struct custtab *wt = cdp_xcalloc((size_t)threads, sizeof(*wt));
	void **wctx = cdp_xcalloc((size_t)threads, sizeof(*wctx));
	void **lctx = cdp_xcalloc((size_t)threads, sizeof(*lctx));
	struct cdp_par_prog prog = { .block = par_block, .ctx = wctx,
	    .nlanes = threads, .lane = par_lane, .lctx = lctx };

	for (int i = 0; i < threads; i++) {
		w[i] = (struct load){ .t = &wt[i], .opt = L->opt,
		    .cutoff = L->cutoff, .cal_end = L->cal_end,
		    .nlanes = threads };
		lt[i].t = (struct custtab){ .maxday = LONG_MIN };
		if ((lt[i].t.map = cdp_keymap_new()) == NULL ||
		    (t->daymap != NULL &&
		    (lt[i].t.daymap = cdp_keymap_new()) == NULL))
			cdp_oom(0);
		wctx[i] = &w[i];
		lctx[i] = &lt[i];
	}
	cdp_par_run(&prog, files, nfiles, threads, &L->opt->common, &t->acct,
	    info);
	for (int i = 0; i < threads; i++) {
		/* the most decimals of an amount; none after an exponent */
		if (wt[i].decimals < 0 || t->decimals < 0)
			t->decimals = -1;
		else if (wt[i].decimals > t->decimals)
			t->decimals = wt[i].decimals;
		cdp_rec_free(&w[i].rec);
		cdp_buf_free(&w[i].s1);
		cdp_buf_free(&w[i].s2);
		cdp_buf_free(&w[i].why);
		cdp_buf_free(&w[i].key);
	}
	join_tables(t, lt, threads, &L->key);
	for (int i = 0; i < threads; i++) {
		custtab_free(&lt[i].t);
		free(lt[i].first);
	}
	free(w);
	free(lt);
	free(wt);
	free(wctx);
	free(lctx);
}

void
custtab_load(struct custtab *t, const struct score_opts *opt, char **files,
    int nfiles)
{
	struct load L = { .t = t, .opt = opt, .cutoff = LONG_MAX,
	    .cal_end = LONG_MAX };
	struct cdp_err err;
	const char *bad;
	off_t total;
	int threads;

	*t = (struct custtab){ .maxday = LONG_MIN, .decimals = 0 };
	if (opt->cmd == CMD_RFM && opt->has_as_of)
		L.cutoff = opt->as_of;
	if (opt->cmd == CMD_CLV)
		L.cutoff = opt->has_cal_end ? opt->cal_end :
		    opt->has_as_of ? opt->as_of : LONG_MAX;
	if (opt->cmd == CMD_CLV && opt->has_holdout) {
		L.cal_end = opt->cal_end;
		L.cutoff = opt->holdout_end;
	}
	/* Every input must open before anything is written. */
	if (cdp_lines_inputs(&files, &nfiles, &total, &bad, &err) == -1)
		cdp_die_err(&err, bad, 0);
	if ((t->map = cdp_keymap_new()) == NULL ||
	    (opt->cmd == CMD_CLV && (t->daymap = cdp_keymap_new()) == NULL))
		cdp_oom(0);
	if (cdp_acct_open(&t->acct, opt->common.rejects, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	t->acct.aggregating = true;
	if (opt->annotate)
		open_inputs(t, files, nfiles);
	threads = opt->annotate ? 1 : cdp_par_threads(&opt->common,
	    &t->par.asked);
	if (threads > 1)
		load_parallel(&L, files, nfiles, threads, &t->par);
	else {
		cdp_progress_start(&L.prog, opt->common.progress, total);
		if (opt->annotate)
			read_inputs(&L, record);
		else
			for (int i = 0; i < nfiles; i++)
				load_file(&L, files[i]);
		cdp_progress_end(&L.prog);
	}
	drop_holdout_only(t);
	cdp_keymap_free(t->daymap);
	t->daymap = NULL;
	cdp_rec_free(&L.rec);
	cdp_buf_free(&L.s1);
	cdp_buf_free(&L.s2);
	cdp_buf_free(&L.why);
	cdp_buf_free(&L.key);
}

void
custtab_annotate(struct custtab *t, const struct score_opts *opt,
    struct cdp_out *out, const char *const *owned, int nowned,
    void (*fields)(void *st, struct cdp_recw *w, size_t i), void *st)
{
	struct load L = { .t = t, .opt = opt, .out = out, .owned = owned,
	    .nowned = nowned, .fields = fields, .st = st };

	if (nowned > SCORE_MAXOWNED)
		cdp_die(EX_SOFTWARE, NULL, 0, "internal: too many fields");
	read_inputs(&L, record_again);
	/* A file that grew or shrank in between has records unaccounted. */
	if (L.seen != t->acct.read)
		cdp_die(EX_DATAERR, NULL, 0, "the input changed between the "
		    "two passes of --annotate (%llu records, then %llu)",
		    t->acct.read, L.seen);
	cdp_rec_free(&L.rec);
	cdp_recw_free(&L.w);
	cdp_buf_free(&L.s1);
	cdp_buf_free(&L.s2);
	cdp_buf_free(&L.why);
	cdp_buf_free(&L.key);
}

void
custtab_free(struct custtab *t)
{
	for (int i = 0; i < t->nin; i++)
		close(t->in[i].fd);
	free(t->in);
	free(t->c);
	cdp_buf_free(&t->ids);
	cdp_keymap_free(t->map);
	cdp_keymap_free(t->daymap);
	cdp_keymap_free(t->overflow);
	*t = (struct custtab){ 0 };
}

double
custtab_round(const struct custtab *t, double v)
{
	double scale, y;

	if (t->decimals < 0 || t->decimals > 15)
		return v;
	scale = pow(10, t->decimals);
	y = v * scale;
	if (!(fabs(y) < 0x1p52))
		return v;
	/* both exact: the quotient is the double nearest the decimal */
	return nearbyint(y) / scale;
}

double
cust_total(const struct custtab *t, const struct cust *c)
{
	return custtab_round(t, c->sum + c->comp);
}

/* A customer's id for sorting. */
struct idref {
	const char	*p;
	size_t		 len;
	size_t		 ix;
	int		 num;
};

static int
by_id(const void *a, const void *b)
{
	const struct idref *x = a, *y = b;
	int d = memcmp(x->p, y->p, x->len < y->len ? x->len : y->len);

	if (d != 0)
		return d;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->num - y->num;
}

size_t *
custtab_sorted(const struct custtab *t, size_t *count)
{
	size_t n = t->n ? t->n : 1, m = 0;
	struct idref *r = cdp_xcalloc(n, sizeof(*r));
	size_t *ix = cdp_xcalloc(n, sizeof(*ix));

	for (size_t i = 0; i < t->n; i++)
		if (t->c[i].n > 0)
			r[m++] = (struct idref){ t->ids.p + t->c[i].idoff,
			    t->c[i].idlen, i, t->c[i].idnum };
	if (m > 1)
		qsort(r, m, sizeof(*r), by_id);
	for (size_t i = 0; i < m; i++)
		ix[i] = r[i].ix;
	free(r);
	*count = m;
	return ix;
}

void
custtab_finish(struct custtab *t, const struct score_opts *opt,
    unsigned long long output)
{
	struct cdp_err err;

	t->acct.extra[0].name = "output";
	t->acct.extra[0].n = output;
	cdp_par_account(&t->par, &t->acct);
	if (cdp_acct_close(&t->acct, opt->common.stats, &err) == -1)
		cdp_die_err(&err, NULL, 0);
}

size_t
custtab_write(const struct custtab *t, const struct score_opts *opt,
    struct cdp_out *out, bool (*keep)(void *, size_t),
    void (*fields)(void *, struct cdp_recw *, size_t), void *st)
{
	struct cdp_recw w = { 0 };
	struct cdp_err err;
	size_t n, m = 0, *order = custtab_sorted(t, &n);

	for (size_t k = 0; k < n; k++) {
		const struct cust *c = &t->c[order[k]];
		const char *id = t->ids.p + c->idoff;
		int rc;

		if (keep != NULL && !keep(st, order[k]))
			continue;
		cdp_recw_begin(&w);
		rc = c->idnum ? cdp_recw_raw(&w, opt->id, strlen(opt->id), id,
		    c->idlen) : cdp_recw_str(&w, opt->id, strlen(opt->id), id,
		    c->idlen);
		if (rc == -1)
			cdp_oom(0);
		fields(st, &w, order[k]);
		if (cdp_recw_end(&w) == -1)
			cdp_oom(0);
		if (cdp_out_write(out, w.b.p, w.b.len, &err) == -1)
			cdp_die_err(&err, NULL, 0);
		m++;
	}
	free(order);
	cdp_recw_free(&w);
	return m;
}
