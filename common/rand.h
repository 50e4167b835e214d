/*
 * rand.h - reproducible random numbers: SplitMix64 (Steele, Lea and Flood,
 * 2014) from a seed the caller holds, the same sequence on every machine.
 * For sampling (cdp-merge's random pairs) and the bench generators, never
 * for secrets.
 */
#ifndef CDP_RAND_H
#define CDP_RAND_H

#include <stdint.h>

/* The next number of the sequence of *state (advanced). */
uint64_t cdp_rand_next(uint64_t *state);

/* A number in 0..n-1 (n > 0) from the sequence of *state; the slight
 * bias of the modulo does not matter for sampling. */
uint64_t cdp_rand_below(uint64_t *state, uint64_t n);

#endif
