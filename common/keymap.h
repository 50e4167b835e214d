/*
 * keymap.h - a compact hash map from 128-bit XXH3 hashes of keys to
 * 64-bit values.  Keys themselves are never stored: at 2^-128 per pair a
 * collision is not a practical concern, and memory stays at 24 bytes a
 * slot whatever the key length.
 */
#ifndef CDP_KEYMAP_H
#define CDP_KEYMAP_H

#include <stddef.h>
#include <stdint.h>

struct cdp_key128 {
	uint64_t	lo, hi;
};

struct cdp_keymap;

/* The XXH3 128-bit hash of s[0..n). */
struct cdp_key128 cdp_key128_of(const void *s, size_t n);

/* A new empty map, or NULL when out of memory. */
struct cdp_keymap *cdp_keymap_new(void);

/* Free the map; NULL is a no-op. */
void	cdp_keymap_free(struct cdp_keymap *m);

/*
 * Find k, inserting it with value v when absent.  Returns a pointer to
 * the stored value (valid until the next insertion) and sets *added to
 * 1 when k was new, 0 when it was there; NULL when out of memory.
 */
uint64_t *cdp_keymap_put(struct cdp_keymap *m, struct cdp_key128 k,
	    uint64_t v, int *added);

/*
 * Make room for n keys in all at once, so that filling the map to n
 * rehashes nothing (growth by a quarter rehashes every key four times
 * or so on the way).  For a caller that knows, or can bound, how many
 * keys come.  Returns 0, or -1 when out of memory (the map unchanged).
 */
int	cdp_keymap_reserve(struct cdp_keymap *m, size_t n);

/* The value stored for k, or NULL. */
uint64_t *cdp_keymap_get(const struct cdp_keymap *m, struct cdp_key128 k);

/*
 * A hint that k will be looked up soon: starts loading its slot into the
 * cache, so that a loop over many keys can ask a few keys ahead and not
 * wait for memory at each (a map of millions of keys is far larger than
 * the cache).  Changes nothing; an insertion in between only wastes it.
 */
void	cdp_keymap_prefetch(const struct cdp_keymap *m, struct cdp_key128 k);

/* The number of keys stored. */
size_t	cdp_keymap_count(const struct cdp_keymap *m);

/* Bytes of memory the map holds (for --stats and benchmarks). */
size_t	cdp_keymap_bytes(const struct cdp_keymap *m);

/*
 * Zeroed memory for n elements of size bytes, for a large hash table
 * (this map's, or a program's own): from 4 MB, mapped on its own and
 * offered huge pages, as random look-ups miss the TLB less on them.
 * NULL when out of memory.  Free with cdp_table_free() and the same n
 * and size; NULL is a no-op.
 */
void	*cdp_table_new(size_t n, size_t size);
void	 cdp_table_free(void *p, size_t n, size_t size);

#endif
