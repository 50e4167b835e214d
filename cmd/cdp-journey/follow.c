/* follow.c - cdp-journey --follow: read events as they arrive and, at
 * every tick, decide the profiles that have new events or a decision
 * coming due, by the batch's rules (one tick is one run of the batch over
 * the new events, so a replay decides as one batch run does); write each
 * decision to the log first (fsync), then to standard output; checkpoint
 * the state now and then, and after a crash emit nothing twice. */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "acct.h"
#include "diag.h"
#include "journey.h"
#include "lines.h"
#include "xalloc.h"

/* An event waiting for the clock: its time and input order. */
struct held {
	struct j_event	e;
	uint64_t	seq;
};

struct fl {
	struct j_run	*r;
	struct dec	*d;
	int		 in;		/* input descriptor */
	const char	*name;		/* for messages */
	char		*buf;		/* input bytes not yet a whole line */
	size_t		 len, cap;
	long		 lineno;
	bool		 eof, skipping;	/* skipping: the rest of a long line */
	struct held	*h;		/* a min-heap by (time, order) */
	size_t		 nh, caph;
	uint64_t	 seq;
	/* The timers: the profiles with a decision due at next[], in a
	 * min-heap by it; at[] is each one's place there (NOT_IN). */
	uint32_t	*tm;
	size_t		 ntm, captm;
	double		*next;
	uint32_t	*at;
	size_t		 nnext;
	struct j_event	*tev;		/* the events of the tick */
	size_t		 ntev, captev;
	uint32_t	*aff;		/* the profiles of the tick */
	size_t		 naff, capaff;
	uint32_t	 tick;
	double		 maxt;		/* the latest event time read */
	unsigned long long pending;	/* decisions pending, all profiles */
	unsigned long long since;	/* events since the checkpoint */
	double		 ckpt_wall, stats_wall;
	pid_t		 writer;	/* a checkpoint being written, or 0 */
	int		 log, rej;	/* the log and the rejects, appended */
	long long	 logsize;
	struct cdp_keymap *replay;	/* log lines after the checkpoint */
	unsigned long long nreplay;
	struct cdp_out	*out;
	struct cdp_buf	 ob, lb, tmp;
	struct cdp_rec	 rec;
};

static volatile sig_atomic_t stop, want_stats;

static void
on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void
on_usr1(int sig)
{
	(void)sig;
	want_stats = 1;
}

/* SIGTERM and SIGINT end the loop cleanly, SIGUSR1 asks for the stats
 * line; none restarts a poll() or read() (common/out installs its own
 * handlers at each open: call this again after one). */
static void
signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
}

static double
wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- the two heaps ------------------------------------------------------ */

static bool
held_before(const struct held *a, const struct held *b)
{
	return a->e.t < b->e.t || (a->e.t == b->e.t && a->seq < b->seq);
}

static void
held_push(struct fl *f, const struct j_event *e)
{
	size_t i = f->nh;

	cdp_xgrow((void **)&f->h, &f->caph, f->nh + 1, sizeof(*f->h));
	f->h[f->nh++] = (struct held){ *e, f->seq++ };
	for (; i > 0 && held_before(&f->h[i], &f->h[(i - 1) / 2]);
	    i = (i - 1) / 2) {
		struct held x = f->h[i];

		f->h[i] = f->h[(i - 1) / 2];
		f->h[(i - 1) / 2] = x;
	}
}

static struct j_event
held_pop(struct fl *f)
{
	struct j_event top = f->h[0].e;
	size_t i = 0;

	f->h[0] = f->h[--f->nh];
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		struct held x;

		if (l < f->nh && held_before(&f->h[l], &f->h[m]))
			m = l;
		if (l + 1 < f->nh && held_before(&f->h[l + 1], &f->h[m]))
			m = l + 1;
		if (m == i)
			return top;
		x = f->h[i];
		f->h[i] = f->h[m];
		f->h[m] = x;
		i = m;
	}
}

#define NOT_IN	UINT32_MAX

static void
tm_swap(struct fl *f, size_t i, size_t k)
{
	uint32_t x = f->tm[i];

	f->tm[i] = f->tm[k];
	f->tm[k] = x;
	f->at[f->tm[i]] = (uint32_t)i;
	f->at[f->tm[k]] = (uint32_t)k;
}

static void
tm_up(struct fl *f, size_t i)
{
	for (; i > 0 && f->next[f->tm[i]] < f->next[f->tm[(i - 1) / 2]];
	    i = (i - 1) / 2)
		tm_swap(f, i, (i - 1) / 2);
}

static void
tm_down(struct fl *f, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < f->ntm && f->next[f->tm[l]] < f->next[f->tm[m]])
			m = l;
		if (l + 1 < f->ntm && f->next[f->tm[l + 1]] <
		    f->next[f->tm[m]])
			m = l + 1;
		if (m == i)
			return;
		tm_swap(f, i, m);
		i = m;
	}
}

/* Profile prof has its next decision due at t (INFINITY: none). */
static void
timer_set(struct fl *f, uint32_t prof, double t)
{
	size_t i = f->at[prof];

	f->next[prof] = t;
	if (i == NOT_IN && isinf(t))
		return;
	if (i == NOT_IN) {
		cdp_xgrow((void **)&f->tm, &f->captm, f->ntm + 1,
		    sizeof(*f->tm));
		i = f->ntm++;
		f->tm[i] = prof;
		f->at[prof] = (uint32_t)i;
	} else if (isinf(t)) {
		/* The last one takes its place, then finds its own. */
		tm_swap(f, i, f->ntm - 1);
		f->ntm--;
		f->at[prof] = NOT_IN;
		if (i == f->ntm)
			return;
	}
	tm_up(f, i);
	tm_down(f, i);
}

/* --- per profile -------------------------------------------------------- */

/* The per-profile arrays cover every profile read so far (a new
 * profile's ev0, the tick it is in, is 0: none). */
static void
cover(struct fl *f)
{
	size_t n = f->r->nprof, cap = f->nnext;

	if (n <= f->nnext)
		return;
	cdp_xgrow((void **)&f->next, &cap, n, sizeof(*f->next));
	cap = f->nnext;
	cdp_xgrow((void **)&f->at, &cap, n, sizeof(*f->at));
	for (size_t i = f->nnext; i < cap; i++) {
		f->next[i] = INFINITY;
		f->at[i] = NOT_IN;
	}
	f->nnext = cap;
}

/* Profile prof is in this tick (ev0: the tick; nev: its place). */
static void
affect(struct fl *f, uint32_t prof)
{
	struct j_profile *p = &f->r->prof[prof];

	if (p->ev0 == f->tick)
		return;
	p->ev0 = f->tick;
	p->nev = (uint32_t)f->naff;
	cdp_xgrow((void **)&f->aff, &f->capaff, f->naff + 1,
	    sizeof(*f->aff));
	f->aff[f->naff++] = prof;
}

/* The tick's events by profile, keeping their order (time, input). */
static void
group_events(struct fl *f)
{
	struct j_event *tmp;
	size_t *at;

	if (f->ntev < 2)
		return;
	/* A counting sort by the profiles' places in the tick, stable. */
	at = cdp_xcalloc(f->naff + 1, sizeof(*at));
	tmp = cdp_xcalloc(f->ntev, sizeof(*tmp));
	for (size_t i = 0; i < f->ntev; i++)
		at[f->r->prof[f->tev[i].prof].nev + 1]++;
	for (size_t i = 1; i <= f->naff; i++)
		at[i] += at[i - 1];
	for (size_t i = 0; i < f->ntev; i++)
		tmp[at[f->r->prof[f->tev[i].prof].nev]++] = f->tev[i];
	memcpy(f->tev, tmp, f->ntev * sizeof(*tmp));
	free(tmp);
	free(at);
}

/* --- output ------------------------------------------------------------- */

static void
write_all(int fd, const char *p, size_t n, const char *what)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			cdp_die(EX_IOERR, what, 0, "write error: %s",
			    strerror(errno));
		p += w;
		n -= (size_t)w;
	}
}

/* A line of the log that an earlier run (killed after its checkpoint)
 * wrote already: the same decision, made again, is not emitted again. */
static bool
replayed(struct fl *f, const char *p, size_t n)
{
	uint64_t *v;

	if (f->nreplay == 0 || (v = cdp_keymap_get(f->replay,
	    cdp_key128_of(p, n))) == NULL || *v == 0)
		return false;
	(*v)--;
	f->nreplay--;
	return true;
}

/*
 * The tick's decisions: every one to the log (synced to disk unless
 * --fsync never), then the sends to standard output, so that what the
 * sender got is always in the log.  A decision the log had already (made
 * before a crash) is left out of both.
 */
static void
emit(struct fl *f)
{
	struct cdp_keymap *gone = NULL;
	struct cdp_err err;
	const char *p, *end, *nl;
	uint64_t *v;
	int added;

	for (p = f->lb.p, end = p + f->lb.len; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (replayed(f, p, (size_t)(nl - p))) {
			/* Its send is left out too (the same text). */
			if ((gone == NULL && (gone = cdp_keymap_new()) == NULL) ||
			    (v = cdp_keymap_put(gone, cdp_key128_of(p,
			    (size_t)(nl - p)), 0, &added)) == NULL)
				cdp_oom(0);
			(*v)++;
			continue;
		}
		write_all(f->log, p, (size_t)(nl - p) + 1, f->r->opt->log);
		f->logsize += (nl - p) + 1;
	}
	if (f->lb.len > 0 && f->r->opt->fsync && fdatasync(f->log) == -1)
		cdp_die(EX_IOERR, f->r->opt->log, 0, "fsync: %s",
		    strerror(errno));
	for (p = f->ob.p, end = p + f->ob.len; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (gone != NULL && (v = cdp_keymap_get(gone,
		    cdp_key128_of(p, (size_t)(nl - p)))) != NULL && *v > 0) {
			(*v)--;
			continue;
		}
		if (cdp_out_write(f->out, p, (size_t)(nl - p) + 1, &err) == -1)
			cdp_die_err(&err, NULL, 0);
	}
	cdp_buf_reset(&f->lb);
	cdp_buf_reset(&f->ob);
	cdp_keymap_free(gone);
}

/* --- checkpoints and restarts --------------------------------------------- */

/*
 * Write the whole state (atomically, as a batch run does, but with the
 * profiles in the order they came: no memory for a sort) with the
 * checkpoint line first: the tick's time and the log's size, so that a
 * restart knows which log lines came after it.
 */
static void
write_state(struct fl *f)
{
	struct j_run *r = f->r;
	const char *path = r->opt->state_out ? r->opt->state_out :
	    r->opt->state;
	struct cdp_out *st;
	struct cdp_err err;

	if ((st = cdp_out_open(path, &err)) == NULL)
		cdp_die_err(&err, path, 0);
	signals();
	cdp_buf_reset(&f->tmp);
	if (cdp_buf_adds(&f->tmp, "{\"checkpoint\":{\"as_of\":\"") == -1)
		cdp_oom(0);
	j_fmt_time(&f->tmp, r->as_of);
	if (cdp_buf_addf(&f->tmp, "\",\"log_bytes\":%lld}}\n",
	    r->ckpt_log) == -1)
		cdp_oom(0);
	for (size_t i = 0; i <= r->nprof; i++) {
		if (i < r->nprof && r->prof[i].state >= 0)
			(void)j_state_line(f->d, (uint32_t)i, &f->tmp);
		if (f->tmp.len > 65536 || i == r->nprof) {
			if (cdp_out_write(st, f->tmp.p, f->tmp.len, &err) == -1)
				cdp_die_err(&err, NULL, 0);
			cdp_buf_reset(&f->tmp);
		}
	}
	if (cdp_out_close(st, &err) == -1)
		cdp_die_err(&err, NULL, 0);
}

/* Wait for the checkpoint being written (block: wait for it, else only
 * look); a failed one stops the program. */
static void
reap(struct fl *f, bool block)
{
	int status;
	pid_t pid;

	if (f->writer == 0)
		return;
	while ((pid = waitpid(f->writer, &status, block ? 0 : WNOHANG)) ==
	    -1 && errno == EINTR)
		;
	if (pid == 0)
		return;
	f->writer = 0;
	if (pid == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		cdp_die(EX_IOERR, NULL, 0, "the checkpoint was not written");
}

/*
 * Checkpoint the state.  While events flow (final: false) a child
 * process writes it from a copy of memory, so that decisions never wait
 * for the disk; at the end it is written here.  While decisions of the
 * log are still to be made again, the log past the old checkpoint is not
 * all in this state: its size stays.  The memory of replaced states is
 * given back first.
 */
static void
checkpoint(struct fl *f, bool final)
{
	reap(f, final);
	if (f->writer != 0)
		return;		/* the last one is still being written */
	if (f->nreplay == 0)
		f->r->ckpt_log = f->logsize;
	j_pool_compact(f->r);
	f->since = 0;
	f->ckpt_wall = wall_now();
	if (!final) {
		if ((f->writer = fork()) == -1)
			cdp_die(EX_OSERR, NULL, 0, "fork: %s", strerror(errno));
		if (f->writer > 0)
			return;
		write_state(f);
		_exit(0);
	}
	write_state(f);
}

/*
 * Open the log for appending and read what it holds after the state's
 * checkpoint (decisions an earlier run made and then lost with its
 * state): those are left out when they are made again.  A last line
 * without its newline was never finished, nor sent: it goes.
 */
static void
open_log(struct fl *f)
{
	const char *path = f->r->opt->log;
	long long from, end;
	char *text, *p, *nl;

	if ((f->log = open(path, O_RDWR | O_CREAT | O_APPEND, 0666)) == -1)
		cdp_die(EX_CANTCREAT, path, 0, "cannot open: %s",
		    strerror(errno));
	if (f->r->ckpt_log < 0)
		f->r->ckpt_log = 0;
	from = f->r->ckpt_log;
	if ((end = lseek(f->log, 0, SEEK_END)) < from)
		cdp_die(EX_DATAERR, path, 0, "shorter than the state's "
		    "checkpoint says (%lld bytes)", from);
	text = cdp_xmalloc((size_t)(end - from) + 1);
	if (pread(f->log, text, (size_t)(end - from), from) != end - from)
		cdp_die(EX_IOERR, path, 0, "read error: %s", strerror(errno));
	if ((f->replay = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	for (p = text; (nl = memchr(p, '\n', (size_t)(text + (end - from) -
	    p))) != NULL; p = nl + 1) {
		int added;
		uint64_t *v = cdp_keymap_put(f->replay,
		    cdp_key128_of(p, (size_t)(nl - p)), 0, &added);

		if (v == NULL)
			cdp_oom(0);
		(*v)++;
		f->nreplay++;
	}
	f->logsize = from + (p - text);
	if (f->logsize < end && ftruncate(f->log, f->logsize) == -1)
		cdp_die(EX_IOERR, path, 0, "cannot cut its unfinished last "
		    "line: %s", strerror(errno));
	free(text);
}

/* The profiles of the state with a decision pending wait on a timer. */
static void
restart_timers(struct fl *f)
{
	struct j_run *r = f->r;

	cover(f);
	for (size_t i = 0; i < r->nprof; i++)
		if (r->prof[i].state >= 0 && r->ps[r->prof[i].state].npend > 0) {
			cdp_buf_reset(&f->tmp);
			timer_set(f, (uint32_t)i, j_state_line(f->d,
			    (uint32_t)i, &f->tmp));
			f->pending += r->ps[r->prof[i].state].npend;
		}
}

/* --- reading ------------------------------------------------------------ */

static void
reject(struct fl *f, const char *why, const char *p, size_t n)
{
	struct j_run *r = f->r;

	r->acct.rejected++;
	if (f->rej < 0) {
		/* The stream cannot be read again: say it and go on. */
		cdp_warn(f->name, f->lineno, "%s", why);
		return;
	}
	cdp_buf_reset(&f->tmp);
	if (cdp_acct_reject_line(&f->tmp, f->name, f->lineno, why, p, n) ==
	    -1)
		cdp_oom(0);
	write_all(f->rej, f->tmp.p, f->tmp.len, r->opt->common.rejects);
}

static void
one_line(struct fl *f, const char *p, size_t n)
{
	struct j_run *r = f->r;
	struct cdp_err err;
	const char *why;
	int rc;

	f->lineno++;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (strspn(p, " \t\r") >= n)
		return;
	r->acct.read++;
	if (cdp_rec_parse(&f->rec, p, n, &err) == -1) {
		if (err.code != EX_DATAERR)
			cdp_die_err(&err, NULL, 0);
		reject(f, err.msg, p, n);
		return;
	}
	if ((rc = j_record(r, &f->rec, &why)) == -1)
		reject(f, why, p, n);
	else if (rc == 1)
		r->acct.dropped++;
	else
		r->acct.written++;
}

/* What read() gave, as whole lines; a line longer than the cap is bad,
 * and what follows it up to its end is skipped. */
static void
lines(struct fl *f)
{
	size_t max = f->r->opt->common.max_record_bytes;
	char *p = f->buf, *end = f->buf + f->len, *nl;

	if (max == 0)
		max = CDP_MAX_RECORD_BYTES;
	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (f->skipping) {
			f->skipping = false;
			f->lineno++;
		} else
			one_line(f, p, (size_t)(nl - p));
		p = nl + 1;
	}
	if (f->eof && p < end && !f->skipping)
		one_line(f, p, (size_t)(end - p));
	else if ((size_t)(end - p) > max && !f->skipping) {
		f->lineno++;
		f->r->acct.read++;
		reject(f, "record too long", p, 256);
		f->lineno--;
		f->skipping = true;
	}
	if (f->skipping || f->eof)
		p = end;
	f->len = (size_t)(end - p);
	memmove(f->buf, p, f->len);
}

/* Read what is there; false at the end of the input. */
static bool
fill(struct fl *f)
{
	ssize_t n;

	cdp_xgrow((void **)&f->buf, &f->cap, f->len + 65536 + 1, 1);
	n = read(f->in, f->buf + f->len, f->cap - f->len - 1);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n == -1)
		cdp_die(EX_IOERR, f->name, 0, "read error: %s",
		    strerror(errno));
	f->len += (size_t)n;
	f->eof = n == 0;
	lines(f);
	return !f->eof;
}

/* The events read are held for the clock (the deferred ones judged with
 * their profiles' fields first). */
static void
hold(struct fl *f)
{
	struct j_run *r = f->r;

	j_judge_deferred(r);
	for (size_t i = 0; i < r->nev; i++) {
		if (r->ev[i].t > f->maxt)
			f->maxt = r->ev[i].t;
		held_push(f, &r->ev[i]);
	}
	f->since += r->nev;
	r->nev = 0;
	cover(f);
}

/* --- ticks -------------------------------------------------------------- */

/* Now: the wall clock, or the latest event time read, less the lateness
 * allowed; an event at exactly that time may still come, so the tick
 * stops just before it.  At the end of the input, the last event's time
 * (or --as-of).  Never back. */
static double
clock_now(const struct fl *f, bool end)
{
	const struct journey_opts *o = f->r->opt;
	double t;

	if (!o->wall && end)
		t = o->as_of_given ? fmax(o->as_of, f->maxt) : f->maxt;
	else
		t = nextafter((o->wall ? wall_now() : f->maxt) - o->lateness,
		    -INFINITY);
	return fmax(t, f->r->as_of);
}

/* Decide every profile with new events or a decision due by now. */
static void
tick(struct fl *f, bool end)
{
	struct j_run *r = f->r;
	size_t e0 = 0;

	r->as_of = clock_now(f, end);
	f->tick++;
	f->naff = f->ntev = 0;
	while (f->nh > 0 && f->h[0].e.t <= r->as_of) {
		cdp_xgrow((void **)&f->tev, &f->captev, f->ntev + 1,
		    sizeof(*f->tev));
		f->tev[f->ntev] = held_pop(f);
		affect(f, f->tev[f->ntev++].prof);
	}
	group_events(f);
	while (f->ntm > 0 && f->next[f->tm[0]] <= r->as_of) {
		affect(f, f->tm[0]);
		timer_set(f, f->tm[0], INFINITY);
	}
	/* The events are grouped in the order of f->aff. */
	for (size_t i = 0; i < f->naff; i++) {
		uint32_t prof = f->aff[i];
		const struct j_profile *p = &r->prof[prof];
		unsigned long long before = p->state >= 0 ?
		    r->ps[p->state].npend : 0;
		size_t ne = 0;

		while (e0 + ne < f->ntev && f->tev[e0 + ne].prof == prof)
			ne++;
		timer_set(f, prof, j_decide_one(f->d, prof, f->tev + e0, ne,
		    &f->ob, &f->lb));
		e0 += ne;
		f->pending += r->ps[p->state].npend - before;
	}
	emit(f);
	if (f->pending > r->opt->max_pending) {
		checkpoint(f, true);
		cdp_die(EX_OSERR, NULL, 0, "more than %lu decisions pending "
		    "(--max-pending); the state is saved", r->opt->max_pending);
	}
}

/* --- the loop ----------------------------------------------------------- */

/* The stats line: the account, then the live counts (on SIGUSR1, every
 * --stats-every, and at the end with --stats), then the run's keys, to
 * stderr or the --stats-file as every program's. */
static void
stats_line(struct fl *f)
{
	struct j_run *r = f->r;
	struct cdp_buf b = { 0 };
	struct cdp_err err;

	memset(r->nstage, 0, sizeof(r->nstage));
	for (size_t i = 0; i < r->nprof; i++)
		r->nstage[(r->prof[i].state >= 0 ?
		    r->ps[r->prof[i].state].stage : -1) + 1]++;

	if (cdp_buf_addf(&b, "{\"read\":%llu,\"used\":%llu,\"rejected\":%llu,"
	    "\"skipped\":%llu,\"pending\":%llu,\"timers\":%zu,\"held\":%zu",
	    r->acct.read, r->acct.written, r->acct.rejected, r->acct.dropped,
	    f->pending, f->ntm, f->nh) == -1)
		cdp_oom(0);
	j_stats_tail(r, &b);
	if (cdp_stats_emit(&b, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	cdp_buf_free(&b);
	f->stats_wall = wall_now();
}

/* How long poll() may wait: until the next timer or held event by the
 * wall clock, the next checkpoint or stats line; -1: for input only. */
static int
timeout_ms(const struct fl *f)
{
	const struct journey_opts *o = f->r->opt;
	double now = wall_now(), until = INFINITY;

	if (o->wall && f->ntm > 0)
		until = fmin(until, f->next[f->tm[0]]);
	if (o->wall && f->nh > 0)
		until = fmin(until, f->h[0].e.t);
	if (f->since > 0)
		until = fmin(until, f->ckpt_wall + o->ckpt_interval);
	if (o->stats_every > 0)
		until = fmin(until, f->stats_wall + o->stats_every);
	if (isinf(until))
		return -1;
	if (until <= now)
		return 0;
	return (int)fmin(ceil((until - now) * 1000), 3600e3);
}

static void
open_input(struct fl *f, char **files, int nfiles)
{
	const struct journey_opts *o = f->r->opt;

	f->in = STDIN_FILENO;
	f->name = "<stdin>";
	if (nfiles == 1 && strcmp(files[0], "-") != 0) {
		f->name = files[0];
		if ((f->in = open(files[0], O_RDONLY)) == -1)
			cdp_die(EX_NOINPUT, files[0], 0, "cannot open: %s",
			    strerror(errno));
	}
	f->rej = -1;
	if (o->common.rejects != NULL && (f->rej = open(o->common.rejects,
	    O_WRONLY | O_CREAT | O_APPEND, 0666)) == -1)
		cdp_die(EX_CANTCREAT, o->common.rejects, 0, "cannot open: %s",
		    strerror(errno));
}

static void
setup(struct fl *f, struct j_run *r, char **files, int nfiles)
{
	struct cdp_err err;

	*f = (struct fl){ .r = r, .maxt = -INFINITY };
#ifdef M_MMAP_THRESHOLD
	/*
	 * A process that lives for days with arrays that keep growing:
	 * glibc's moving threshold would put big ones on the heap, where
	 * what each growth leaves behind is never given back (30 MB of
	 * 200 for a million profiles).  Large blocks stay mapped.
	 */
	(void)mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
	j_input_init(r);
	f->d = j_dec_new(r, true);
	open_input(f, files, nfiles);
	open_log(f);
	if ((f->out = cdp_out_open(NULL, &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	cdp_out_line_mode(f->out, true);
	signals();
	/* Events the last checkpoint's tick had: late, if they come again. */
	if (r->ckpt_as_of > r->as_of)
		r->as_of = r->ckpt_as_of;
	r->horizon = INFINITY;
	restart_timers(f);
	f->ckpt_wall = f->stats_wall = wall_now();
}

static void
teardown(struct fl *f)
{
	struct cdp_err err;

	if (cdp_out_close(f->out, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	if (close(f->log) == -1)
		cdp_die(EX_IOERR, f->r->opt->log, 0, "close: %s",
		    strerror(errno));
	if (f->rej >= 0 && (fsync(f->rej) == -1 || close(f->rej) == -1))
		cdp_die(EX_IOERR, f->r->opt->common.rejects, 0, "close: %s",
		    strerror(errno));
	if (f->in != STDIN_FILENO)
		close(f->in);
	if (f->r->opt->common.stats)
		stats_line(f);
	j_dec_free(f->d);
	cdp_keymap_free(f->replay);
	cdp_rec_free(&f->rec);
	cdp_buf_free(&f->ob);
	cdp_buf_free(&f->lb);
	cdp_buf_free(&f->tmp);
	free(f->buf);
	free(f->h);
	free(f->tm);
	free(f->at);
	free(f->next);
	free(f->tev);
	free(f->aff);
}

/*
 * Until the input ends or a signal stops it: wait for input or a timer,
 * read what came, tick.  At the end every event read is decided (the
 * clock goes to the last event's time, or --as-of if later) and the
 * state is checkpointed.
 */
void
j_follow(struct j_run *r, char **files, int nfiles)
{
	const struct journey_opts *o = r->opt;
	struct pollfd pfd;
	struct fl f;
	bool more = true;

	setup(&f, r, files, nfiles);
	pfd = (struct pollfd){ .fd = f.in, .events = POLLIN };
	while (more && !stop) {
		int rc = poll(&pfd, 1, timeout_ms(&f));

		if (rc == -1 && errno != EINTR)
			cdp_die(EX_IOERR, f.name, 0, "poll: %s",
			    strerror(errno));
		if (rc > 0)
			more = fill(&f);
		hold(&f);
		tick(&f, !more);
		if (want_stats || (o->stats_every > 0 &&
		    wall_now() >= f.stats_wall + o->stats_every)) {
			want_stats = 0;
			stats_line(&f);
		}
		if (f.since >= o->ckpt_every ||
		    (f.since > 0 && wall_now() >= f.ckpt_wall +
		    o->ckpt_interval))
			checkpoint(&f, false);
	}
	if (more) {
		/* Stopped by a signal: what was read is decided as at the
		 * end of the input. */
		hold(&f);
		tick(&f, true);
	}
	checkpoint(&f, true);
	teardown(&f);
}
