/*
 * decode.c - one decoding step (gunzip, unzstd, iconv to UTF-8) in a
 * thread that reads the input and writes the result into a pipe.
 */
#define _GNU_SOURCE	/* F_SETPIPE_SZ */
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "decode.h"

/* Bytes per read(2) and per output chunk; the fuzz harness shrinks it. */
#ifndef DECODE_BLOCK
#define DECODE_BLOCK	((size_t)256 << 10)
#endif
#define PIPE_BYTES	(1 << 20)	/* asked of the kernel, may be less */
#define BAD_BYTE	'\xff'		/* never valid UTF-8 */

struct decode {
	enum decode_kind kind;
	int		 in;		/* the input; not ours to close */
	char		*pre;		/* bytes read ahead from in */
	size_t		 prelen, prepos;
	int		 rfd, wfd;	/* the pipe */
	iconv_t		 cd;
	size_t		 unit;		/* bytes skipped past a bad sequence */
	pthread_t	 th;
	bool		 running;
	char		*ibuf, *obuf;
	atomic_llong	 consumed;
	atomic_bool	 failed;
	struct cdp_err	 err;		/* set by the thread before failed */
};

int
decode_magic(const char *pre, size_t n, enum decode_kind *kind)
{
	const unsigned char *p = (const unsigned char *)pre;

	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
		*kind = DECODE_GZIP;
		return 1;
	}
	if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f &&
	    p[3] == 0xfd) {
		*kind = DECODE_ZSTD;
		return 1;
	}
	return 0;
}

static int
step_fail(struct decode *d, int code, const char *msg)
{
	cdp_err_set(&d->err, code, "%s", msg);
	atomic_store(&d->failed, true);
	return -1;
}

/* Read-ahead bytes first, then the input: >0 bytes, 0 at its end, -1. */
static ssize_t
src_read(struct decode *d, char *buf, size_t cap)
{
	ssize_t n;

	if (d->prepos < d->prelen) {
		n = (ssize_t)(d->prelen - d->prepos < cap ?
		    d->prelen - d->prepos : cap);
		memcpy(buf, d->pre + d->prepos, (size_t)n);
		d->prepos += (size_t)n;
	} else {
		do
			n = read(d->in, buf, cap);
		while (n == -1 && errno == EINTR);
		if (n == -1) {
			cdp_err_set(&d->err, EX_IOERR, "cannot read: %s",
			    strerror(errno));
			atomic_store(&d->failed, true);
			return -1;
		}
	}
	atomic_fetch_add(&d->consumed, (long long)n);
	return n;
}

/* Hand n bytes to the reader: 0, 1 when it has gone (stop quietly). */
static int
sink(struct decode *d, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(d->wfd, p, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return 1;	/* EPIPE: the reader closed its end */
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
run_gzip(struct decode *d)
{
	z_stream z = { 0 };
	bool member_end = false;
	ssize_t n;
	int zr, rc = 0;
	size_t out;

	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return step_fail(d, EX_OSERR, "out of memory");
	for (;;) {
		if (z.avail_in == 0) {
			if ((n = src_read(d, d->ibuf, DECODE_BLOCK)) == -1) {
				rc = -1;
				break;
			}
			if (n == 0) {
				if (!member_end)
					rc = step_fail(d, EX_DATAERR,
					    "gzip: input cut short");
				break;
			}
			z.next_in = (Bytef *)d->ibuf;
			z.avail_in = (uInt)n;
		}
		/* Concatenated members (cat a.gz b.gz) are one stream. */
		if (member_end) {
			inflateReset(&z);
			member_end = false;
		}
		z.next_out = (Bytef *)d->obuf;
		z.avail_out = (uInt)DECODE_BLOCK;
		zr = inflate(&z, Z_NO_FLUSH);
		out = DECODE_BLOCK - z.avail_out;
		if (zr == Z_MEM_ERROR) {
			rc = step_fail(d, EX_OSERR, "out of memory");
			break;
		}
		if ((zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) ||
		    (zr == Z_BUF_ERROR && z.avail_in > 0 && out == 0)) {
			rc = step_fail(d, EX_DATAERR,
			    "gzip: invalid compressed data");
			break;
		}
		if (sink(d, d->obuf, out) != 0)
			break;
		member_end = zr == Z_STREAM_END;
	}
	inflateEnd(&z);
	return rc;
}

static int
run_zstd(struct decode *d)
{
	ZSTD_DStream *zs = ZSTD_createDStream();
	ZSTD_inBuffer in = { d->ibuf, 0, 0 };
	ZSTD_outBuffer out;
	size_t left = 0;	/* 0 when a frame has just ended */
	bool full = false;
	ssize_t n;
	int rc = 0;

	if (zs == NULL || ZSTD_isError(ZSTD_initDStream(zs))) {
		ZSTD_freeDStream(zs);
		return step_fail(d, EX_OSERR, "out of memory");
	}
	for (;;) {
		/* A full output buffer may hide more output: drain first. */
		if (in.pos == in.size && !full) {
			if ((n = src_read(d, d->ibuf, DECODE_BLOCK)) == -1) {
				rc = -1;
				break;
			}
			if (n == 0) {
				if (left != 0)
					rc = step_fail(d, EX_DATAERR,
					    "zstd: input cut short");
				break;
			}
			in.size = (size_t)n;
			in.pos = 0;
		}
		out = (ZSTD_outBuffer){ d->obuf, DECODE_BLOCK, 0 };
		left = ZSTD_decompressStream(zs, &out, &in);
		if (ZSTD_isError(left)) {
			rc = step_fail(d, ZSTD_getErrorCode(left) ==
			    ZSTD_error_memory_allocation ? EX_OSERR :
			    EX_DATAERR, "zstd: invalid compressed data");
			break;
		}
		full = out.pos == out.size;
		if (sink(d, d->obuf, out.pos) != 0)
			break;
	}
	ZSTD_freeDStream(zs);
	return rc;
}

/*
 * Convert ibuf[*at..*at + *left) into obuf and on to the reader.  At the
 * end of the input (eof) an incomplete sequence is bad; before it, it is
 * kept for the next block.  Returns 0, 1 when the reader has gone.
 */
static int
convert(struct decode *d, char **ip, size_t *ileft, bool eof)
{
	char *op;
	size_t oleft, skip;
	int e;

	while (*ileft > 0) {
		op = d->obuf;
		oleft = DECODE_BLOCK;
		e = iconv(d->cd, ip, ileft, &op, &oleft) == (size_t)-1 ?
		    errno : 0;
		if ((e == EILSEQ || (e == EINVAL && eof)) && oleft > 0) {
			*op++ = BAD_BYTE;
			oleft--;
			skip = *ileft < d->unit ? *ileft : d->unit;
			*ip += skip;
			*ileft -= skip;
			e = EILSEQ;
		}
		if (sink(d, d->obuf, DECODE_BLOCK - oleft) != 0)
			return 1;
		/* Done, or an incomplete sequence kept for the next block. */
		if (e != E2BIG && e != EILSEQ)
			break;
	}
	return 0;
}

static int
run_iconv(struct decode *d)
{
	size_t carry = 0, ileft, oleft;
	char *ip, *op;
	ssize_t n;

	for (;;) {
		n = src_read(d, d->ibuf + carry, DECODE_BLOCK - carry);
		if (n == -1)
			return -1;
		ip = d->ibuf;
		ileft = carry + (size_t)n;
		if (convert(d, &ip, &ileft, n == 0) != 0)
			return 0;
		carry = ileft;
		memmove(d->ibuf, ip, carry);
		if (n == 0)
			break;
	}
	/* The shift back to the initial state of a stateful encoding. */
	op = d->obuf;
	oleft = DECODE_BLOCK;
	iconv(d->cd, NULL, NULL, &op, &oleft);
	sink(d, d->obuf, DECODE_BLOCK - oleft);
	return 0;
}

static void *
step_main(void *arg)
{
	struct decode *d = arg;

	switch (d->kind) {
	case DECODE_GZIP:
		run_gzip(d);
		break;
	case DECODE_ZSTD:
		run_zstd(d);
		break;
	case DECODE_ICONV:
		run_iconv(d);
		break;
	}
	/* The reader sees the end of input only after failed is set. */
	close(d->wfd);
	d->wfd = -1;
	return NULL;
}

/* Bytes the encoding skips past a sequence it cannot decode. */
static size_t
unit_of(const char *from)
{
	if (strncasecmp(from, "UTF-16", 6) == 0 ||
	    strncasecmp(from, "UTF16", 5) == 0 ||
	    strncasecmp(from, "UCS-2", 5) == 0)
		return 2;
	if (strncasecmp(from, "UTF-32", 6) == 0 ||
	    strncasecmp(from, "UTF32", 5) == 0 ||
	    strncasecmp(from, "UCS-4", 5) == 0)
		return 4;
	return 1;
}

int
decode_encoding_known(const char *name)
{
	iconv_t cd = iconv_open("UTF-8", name);

	if (cd == (iconv_t)-1)
		return -1;
	iconv_close(cd);
	return 0;
}

static void
step_free(struct decode *d)
{
	if (d == NULL)
		return;
	if (d->rfd != -1)
		close(d->rfd);
	if (d->wfd != -1)
		close(d->wfd);
	if (d->cd != (iconv_t)-1)
		iconv_close(d->cd);
	free(d->pre);
	free(d->ibuf);
	free(d->obuf);
	free(d);
}

/* The pipe, and the thread that fills it.  0, or -1 with err set. */
static int
start_thread(struct decode *d, struct cdp_err *err)
{
	sigset_t all, old;
	int p[2], e;

	if (pipe(p) == -1) {
		cdp_err_set(err, EX_OSERR, "cannot make a pipe: %s",
		    strerror(errno));
		return -1;
	}
	d->rfd = p[0];
	d->wfd = p[1];
	fcntl(d->rfd, F_SETFD, FD_CLOEXEC);
	fcntl(d->wfd, F_SETFD, FD_CLOEXEC);
#ifdef F_SETPIPE_SZ
	/* A bigger pipe means fewer switches between the threads. */
	(void)fcntl(d->wfd, F_SETPIPE_SZ, PIPE_BYTES);
#endif
	/*
	 * Signals go to the main thread, and a write to a closed pipe is
	 * EPIPE in this one, never a SIGPIPE that would end the program.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	e = pthread_create(&d->th, NULL, step_main, d);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		cdp_err_set(err, EX_OSERR, "cannot start a thread: %s",
		    strerror(e));
		return -1;
	}
	return 0;
}

struct decode *
decode_start(enum decode_kind kind, int fd, const char *pre, size_t prelen,
    const char *from, struct cdp_err *err)
{
	struct decode *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		goto nomem;
	d->rfd = d->wfd = -1;
	d->cd = (iconv_t)-1;
	d->kind = kind;
	d->in = fd;
	d->unit = 1;
	if (kind == DECODE_ICONV) {
		if ((d->cd = iconv_open("UTF-8", from)) == (iconv_t)-1) {
			cdp_err_set(err, errno == EINVAL ? EX_USAGE : EX_OSERR,
			    "--encoding: iconv cannot read \"%s\"", from);
			step_free(d);
			return NULL;
		}
		d->unit = unit_of(from);
	}
	if ((d->pre = malloc(prelen ? prelen : 1)) == NULL ||
	    (d->ibuf = malloc(DECODE_BLOCK)) == NULL ||
	    (d->obuf = malloc(DECODE_BLOCK)) == NULL)
		goto nomem;
	if (prelen > 0)
		memcpy(d->pre, pre, prelen);
	d->prelen = prelen;
	if (start_thread(d, err) == -1) {
		step_free(d);
		return NULL;
	}
	d->running = true;
	return d;
nomem:
	cdp_err_set(err, EX_OSERR, "out of memory");
	step_free(d);
	return NULL;
}

int
decode_fd(const struct decode *d)
{
	return d->rfd;
}

off_t
decode_consumed(const struct decode *d)
{
	return (off_t)atomic_load(&((struct decode *)d)->consumed);
}

bool
decode_failed(const struct decode *d)
{
	return atomic_load_explicit(&((struct decode *)d)->failed,
	    memory_order_acquire);
}

int
decode_finish(struct decode *d, struct cdp_err *err)
{
	int rc = 0;

	if (d == NULL)
		return 0;
	/* A writer still blocked on a full pipe gets EPIPE and ends. */
	close(d->rfd);
	d->rfd = -1;
	if (d->running)
		pthread_join(d->th, NULL);
	if (atomic_load(&d->failed)) {
		*err = d->err;
		rc = -1;
	}
	step_free(d);
	return rc;
}
