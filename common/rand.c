/* rand.c - SplitMix64: a Weyl sequence through a 64-bit finaliser. */
#include "rand.h"

uint64_t
cdp_rand_next(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint64_t
cdp_rand_below(uint64_t *state, uint64_t n)
{
	return cdp_rand_next(state) % n;
}
