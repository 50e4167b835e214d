/*
 * agg.h - the parts group and profile share: a value taken from a record
 * (typed, ordered, hashed), compensated sums, a small set of 128-bit
 * hashes, HyperLogLog, and the hex text partial files carry.
 */
#ifndef AGG_H
#define AGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "keymap.h"
#include "record.h"

/*
 * A value.  The order of values (agg_cmp) is by type first: null < false
 * < true < numbers < strings < arrays < objects; numbers compare
 * numerically, by their exact values where the doubles are equal (so
 * keys and distinct counts never merge 20-digit ids), strings by their
 * UTF-8 bytes (memcmp, then the shorter
 * first), arrays and objects by their JSON text the same way.
 */
enum agg_vt { AV_NULL, AV_FALSE, AV_TRUE, AV_NUM, AV_STR, AV_ARR, AV_OBJ };

struct aval {
	uint8_t		 t;	/* enum agg_vt */
	double		 num;	/* AV_NUM */
	const char	*s;	/* AV_STR: unescaped; AV_ARR/OBJ: JSON;
				 * AV_NUM: the exact value (cdp_num_canon),
				 * or n == 0 when only the double is known */
	size_t		 n;
};

/*
 * The value of field f of r (NULL: missing, which reads as null); string
 * text may land in scratch.  Returns 0, or -1 when a number does not fit
 * a double.
 */
int	agg_val(const struct cdp_rec *r, const struct cdp_field *f,
	    struct cdp_buf *scratch, struct aval *v);

/*
 * The value of the element p[0..n) of an array field of r (p points into
 * r's line): as agg_val() reads a field.  Returns 0, or -1 when a number
 * does not fit a double.
 */
int	agg_elem_val(const struct cdp_rec *r, const char *p, size_t n,
	    struct cdp_buf *scratch, struct aval *v);

/* The value of JSON j (from a partial file); strings point into j. */
void	agg_val_json(const json_t *j, struct aval *v);

int	agg_cmp(const struct aval *a, const struct aval *b);

/* Append v's key bytes (type tag, length, payload) to b: equal values
 * have equal bytes, and agg_key_next() reads them back. */
int	agg_key_add(struct cdp_buf *b, const struct aval *v);

/* Read the value at *p (of key bytes) into v and move *p past it. */
void	agg_key_next(const char **p, struct aval *v);

/* The hash of v (by its key bytes); tmp is scratch. */
struct cdp_key128 agg_hash(const struct aval *v, struct cdp_buf *tmp);

/* Append v as JSON text. */
int	agg_json_add(struct cdp_buf *b, const struct aval *v);

/* Neumaier's compensated sum: the result is s + c. */
struct ksum {
	double	s, c;
};

static inline void
ksum_add(struct ksum *k, double x)
{
	double t = k->s + x;

	/* The low-order bits lost in t, from whichever term is larger. */
	if ((k->s >= 0 ? k->s : -k->s) >= (x >= 0 ? x : -x))
		k->c += (k->s - t) + x;
	else
		k->c += (x - t) + k->s;
	k->s = t;
}

/*
 * A set of 128-bit hashes with a 32-bit value each (open addressing,
 * linear probing, starts at 8 slots and doubles at 3/4 full).  A zeroed
 * struct is empty.  The hash {0, 0} is stored as {0, 1}: it marks empty
 * slots.
 */
struct hslot {
	uint64_t	lo, hi;
	uint32_t	val;
};

struct hset {
	struct hslot	*s;
	size_t		 cap, n;
};

/* Find k, adding it with val when absent (*added 1).  Returns its value
 * slot, or NULL when out of memory. */
uint32_t *hset_put(struct hset *h, struct cdp_key128 k, uint32_t val,
	    int *added);
uint32_t *hset_get(const struct hset *h, struct cdp_key128 k);
/* Remove k if present (backward shift, no tombstones). */
void	hset_del(struct hset *h, struct cdp_key128 k);
void	hset_free(struct hset *h);

/* HyperLogLog with 2^14 one-byte registers (Flajolet et al. 2007, with
 * the small-range correction by linear counting); standard error
 * 1.04 / sqrt(16384) = 0.81%. */
#define HLL_P	14
#define HLL_M	(1u << HLL_P)

void	hll_add(uint8_t *reg, uint64_t h);
double	hll_estimate(const uint8_t *reg);

/* Hex text of n bytes; and back (returns -1 on bad text or length). */
int	hex_add(struct cdp_buf *b, const void *p, size_t n);
int	hex_get(const char *s, size_t slen, void *p, size_t n);

/* A 128-bit hash as 32 hex digits (hi then lo, big-endian). */
int	key_hex_add(struct cdp_buf *b, struct cdp_key128 k);
int	key_hex_get(const char *s, size_t n, struct cdp_key128 *k);

#endif
