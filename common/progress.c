/* progress.c - the progress bar, progress lines and the memory guard. */
#include <sys/resource.h>

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "progress.h"
#include "xalloc.h"

#define CHECK_EVERY	8192ULL

/*
 * Process-wide settings of the command line, and the records seen so far
 * for the out-of-memory message, which has no other way to find them.
 */
static int lines_every;			/* seconds; 0: draw a bar */
static size_t mem_max;			/* bytes; 0: no limit */
/*
 * The latest count reported; a worker thread that runs out of memory reads
 * it while the reader stores it, hence atomic (relaxed: a count, no order).
 */
static _Atomic unsigned long long mem_records;
static const char *oom_hint;		/* cdp_oom_hint() */

static double
seconds(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

void
cdp_progress_lines(int secs)
{
	lines_every = secs;
}

void
cdp_oom_hint(const char *hint)
{
	oom_hint = hint;
}

const char *
cdp_oom_hint_text(void)
{
	return oom_hint != NULL ? oom_hint :
	    "partition the input first, see cdp-partition(1)";
}

/* "1.5 GB", "512 MB", "64 KB": a size for messages. */
static void
fmt_size(char *buf, size_t n, size_t bytes)
{
	if (bytes >= ((size_t)1 << 30))
		snprintf(buf, n, "%.1f GB", (double)bytes / (1 << 30));
	else if (bytes >= ((size_t)1 << 20))
		snprintf(buf, n, "%.1f MB", (double)bytes / (1 << 20));
	else
		snprintf(buf, n, "%.1f KB", (double)bytes / (1 << 10));
}

void
cdp_mem_context(char *buf, size_t n)
{
	unsigned long long records = atomic_load_explicit(&mem_records,
	    memory_order_relaxed);
	char lim[32];

	buf[0] = '\0';
	if (records > 0 && mem_max > 0) {
		fmt_size(lim, sizeof(lim), mem_max);
		snprintf(buf, n, " after %llu records (--max-memory %s)",
		    records, lim);
	} else if (records > 0) {
		snprintf(buf, n, " after %llu records", records);
	} else if (mem_max > 0) {
		fmt_size(lim, sizeof(lim), mem_max);
		snprintf(buf, n, " (--max-memory %s)", lim);
	}
}

/* The peak resident size so far, in bytes (0 when unknown). */
static size_t
peak_rss(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1 || ru.ru_maxrss < 0)
		return 0;
	return (size_t)ru.ru_maxrss * 1024;	/* Linux: kilobytes */
}

/* Sanitizer builds map terabytes of shadow memory: no address-space cap. */
#if defined(__SANITIZE_ADDRESS__)
#define CDP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CDP_ASAN 1
#endif
#endif

#ifndef CDP_ASAN
/* The address space in use now (VmSize), in bytes; 0 when unknown. */
static size_t
vm_size(void)
{
	unsigned long pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu", &pages) != 1)
		pages = 0;
	fclose(f);
	return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}
#endif

/* Stop when the peak resident size passed the limit. */
static void
mem_check(void)
{
	size_t rss;
	char lim[32], used[32];

	if (mem_max == 0 || (rss = peak_rss()) <= mem_max)
		return;
	fmt_size(lim, sizeof(lim), mem_max);
	fmt_size(used, sizeof(used), rss);
	cdp_die(EX_OSERR, NULL, 0, "memory limit reached: %s used, "
	    "--max-memory %s, after %llu records; %s", used, lim,
	    atomic_load_explicit(&mem_records, memory_order_relaxed),
	    cdp_oom_hint_text());
}

void
cdp_mem_limit(size_t limit)
{
#ifndef CDP_ASAN
	struct rlimit rl;
	size_t base = vm_size();
#endif

	mem_max = limit;
	if (limit == 0)
		return;
	/* A program that starts above the limit stops at once. */
	mem_check();
#ifndef CDP_ASAN
	/*
	 * One large allocation between two checks must fail too, before the
	 * machine swaps: cap the address space at what is mapped now plus
	 * the limit.  malloc() then returns NULL and the program's
	 * out-of-memory exit (71) names the limit through cdp_mem_context().
	 */
	if (base > 0 && base < (size_t)-1 - limit &&
	    getrlimit(RLIMIT_AS, &rl) == 0 && (rl.rlim_max == RLIM_INFINITY ||
	    (rlim_t)(base + limit) <= rl.rlim_max)) {
		rl.rlim_cur = (rlim_t)(base + limit);
		(void)setrlimit(RLIMIT_AS, &rl);
	}
#endif
}

void
cdp_progress_start(struct cdp_progress *p, int mode, off_t total)
{
	p->total = total;
	p->drawn = false;
	p->next = CHECK_EVERY;
	if (mode == 0)
		p->on = isatty(STDERR_FILENO) && total > CDP_PROGRESS_AUTO_BYTES;
	else
		p->on = mode > 0;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->last = p->start;
}

/* "prog: progress: N records, P%, X MB/s, T s" for logs. */
static void
put_line(const struct cdp_progress *p, unsigned long long records,
    off_t bytes, double el)
{
	char pct[16] = "";

	if (p->total > 0)
		snprintf(pct, sizeof(pct), " %d%%,", (int)(100.0 *
		    (double)bytes / (double)p->total));
	fprintf(stderr, "%s: progress: %llu records,%s %.1f MB/s, %.0f s\n",
	    cdp_diag_prog(), records, pct,
	    el > 0 ? (double)bytes / el / 1e6 : 0.0, el);
}

void
cdp_progress_update(struct cdp_progress *p, unsigned long long records,
    off_t bytes)
{
	struct timespec now;
	double el;
	char bar[21];

	atomic_store_explicit(&mem_records, records, memory_order_relaxed);
	if (records < p->next)
		return;
	p->next = records + CHECK_EVERY;
	mem_check();
	if (!p->on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (seconds(&p->last, &now) < (lines_every > 0 ? lines_every : 0.2))
		return;
	p->last = now;
	el = seconds(&p->start, &now);
	if (lines_every > 0) {
		put_line(p, records, bytes, el);
		return;
	}
	if (p->total > 0) {
		int pct = (int)(100.0 * (double)bytes / (double)p->total);
		int fill = pct / 5;

		if (pct > 100)
			pct = 100, fill = 20;
		for (int i = 0; i < 20; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[20] = '\0';
		fprintf(stderr, "\r%s: [%s] %3d%% %llu records %.1f MB/s ",
		    cdp_diag_prog(), bar, pct, records,
		    el > 0 ? (double)bytes / el / 1e6 : 0.0);
	} else {
		fprintf(stderr, "\r%s: %llu records %.1f MB/s ",
		    cdp_diag_prog(), records,
		    el > 0 ? (double)bytes / el / 1e6 : 0.0);
	}
	p->drawn = true;
}

void
cdp_progress_end(struct cdp_progress *p)
{
	if (p->drawn)
		fputs("\r\033[K", stderr);
	p->drawn = false;
}
