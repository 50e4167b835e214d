/*
 * keymap.c - open addressing with linear probing on 128-bit hashes.  The
 * capacity grows by a quarter at a time (not doubling) and is used up to
 * 80%, so a large map wastes little: memory is what the dedupe and merge
 * targets are measured in.
 */
#include <assert.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <xxhash.h>

#include "keymap.h"

/* A slot is empty when lo == 0 && hi == 0; the rare real key 0 is moved
 * to 1 (the map only ever sees hashes). */
struct slot {
	uint64_t	lo, hi, v;
};

struct cdp_keymap {
	struct slot	*s;
	size_t		 cap;	/* slots */
	size_t		 n;
};

/*
 * A table of 4 MB or more is mapped on its own and offered huge pages:
 * its slots are reached at random, one a key, so with small pages nearly
 * every look-up of a large map misses the TLB too (a third of
 * cdp-merge --apply-map's time went to the first load of a probe).
 * Where the system gives huge pages only on request (madvise), this is
 * the request; a refusal leaves small pages, as before.
 */
#define HUGE_TABLE	((size_t)4 << 20)

void *
cdp_table_new(size_t n, size_t size)
{
	size_t bytes;
	void *p;

	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	bytes = n * size;
	if (bytes < HUGE_TABLE)
		return calloc(n ? n : 1, size ? size : 1);
	/* Fresh anonymous pages are zero: no memset to touch them before
	 * the advice. */
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	(void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
	return p;
}

void
cdp_table_free(void *p, size_t n, size_t size)
{
	if (p == NULL)
		return;
	if (n * size < HUGE_TABLE)
		free(p);
	else
		(void)munmap(p, n * size);
}

static struct slot *
slots_new(size_t cap)
{
	return cdp_table_new(cap, sizeof(struct slot));
}

static void
slots_free(struct slot *s, size_t cap)
{
	cdp_table_free(s, cap, sizeof(struct slot));
}

struct cdp_key128
cdp_key128_of(const void *s, size_t n)
{
	XXH128_hash_t h = XXH3_128bits(s, n);
	struct cdp_key128 k = { h.low64, h.high64 };

	if (k.lo == 0 && k.hi == 0)
		k.lo = 1;
	return k;
}

struct cdp_keymap *
cdp_keymap_new(void)
{
	struct cdp_keymap *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	if ((m->s = slots_new(1024)) == NULL) {
		free(m);
		return NULL;
	}
	m->cap = 1024;
	return m;
}

void
cdp_keymap_free(struct cdp_keymap *m)
{
	if (m == NULL)
		return;
	slots_free(m->s, m->cap);
	free(m);
}

__extension__ typedef unsigned __int128 u128;	/* GCC and clang */

/*
 * The home slot of k: the hash scaled to [0, cap) by a multiplication
 * (the high half of hash * cap), which costs a few cycles where the
 * remainder by a capacity that is no power of two costs tens.
 */
static size_t
home(const struct cdp_keymap *m, struct cdp_key128 k)
{
	return (size_t)(((u128)(k.lo ^ k.hi) * m->cap) >> 64);
}

static struct slot *
probe(const struct cdp_keymap *m, struct cdp_key128 k)
{
	size_t i = home(m, k);

	/* A free slot ends every probe: the load stays under 80%. */
	assert(m->n < m->cap && (k.lo != 0 || k.hi != 0));
	for (;;) {
		struct slot *s = &m->s[i];

		if ((s->lo == k.lo && s->hi == k.hi) ||
		    (s->lo == 0 && s->hi == 0))
			return s;
		if (++i == m->cap)
			i = 0;
	}
}

/* Move every key into a table of cap slots (cap > m->n * 5 / 4). */
static int
rehash(struct cdp_keymap *m, size_t cap)
{
	struct cdp_keymap big = { .cap = cap, .n = m->n };

	if ((big.s = slots_new(big.cap)) == NULL)
		return -1;
	for (size_t i = 0; i < m->cap; i++)
		if (m->s[i].lo != 0 || m->s[i].hi != 0)
			*probe(&big, (struct cdp_key128){ m->s[i].lo,
			    m->s[i].hi }) = m->s[i];
	slots_free(m->s, m->cap);
	*m = big;
	assert(m->n * 5 <= m->cap * 4);
	return 0;
}

static int
grow(struct cdp_keymap *m)
{
	return rehash(m, m->cap + m->cap / 4);
}

int
cdp_keymap_reserve(struct cdp_keymap *m, size_t n)
{
	size_t cap;

	if (n > SIZE_MAX / 8 / sizeof(struct slot))
		return -1;
	cap = n + n / 4 + 1;
	return cap <= m->cap ? 0 : rehash(m, cap);
}

uint64_t *
cdp_keymap_put(struct cdp_keymap *m, struct cdp_key128 k, uint64_t v,
    int *added)
{
	struct slot *s;

	if (k.lo == 0 && k.hi == 0)
		k.lo = 1;
	/* Keep the load at 80% or under so probes stay short. */
	if ((m->n + 1) * 5 > m->cap * 4 && grow(m) == -1)
		return NULL;
	s = probe(m, k);
	*added = s->lo == 0 && s->hi == 0;
	if (*added) {
		s->lo = k.lo;
		s->hi = k.hi;
		s->v = v;
		m->n++;
	}
	assert(s->lo == k.lo && s->hi == k.hi);
	return &s->v;
}

uint64_t *
cdp_keymap_get(const struct cdp_keymap *m, struct cdp_key128 k)
{
	struct slot *s;

	if (k.lo == 0 && k.hi == 0)
		k.lo = 1;
	s = probe(m, k);
	return s->lo == 0 && s->hi == 0 ? NULL : &s->v;
}

void
cdp_keymap_prefetch(const struct cdp_keymap *m, struct cdp_key128 k)
{
	if (k.lo == 0 && k.hi == 0)
		k.lo = 1;
	__builtin_prefetch(&m->s[home(m, k)]);
}

size_t
cdp_keymap_count(const struct cdp_keymap *m)
{
	return m->n;
}

size_t
cdp_keymap_bytes(const struct cdp_keymap *m)
{
	return sizeof(*m) + m->cap * sizeof(struct slot);
}
