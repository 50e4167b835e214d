/*
 * agg_hll.c - HyperLogLog (Flajolet, Fusy, Gandouet, Meunier 2007) on
 * 64-bit hashes: the first HLL_P bits pick a register, which keeps the
 * largest rank (position of the first 1 bit) seen in the rest.  Registers
 * merge by taking the maximum, so shards combine exactly.
 */
#include <math.h>

#include "agg.h"

void
hll_add(uint8_t *reg, uint64_t h)
{
	uint32_t i = (uint32_t)(h >> (64 - HLL_P));
	uint64_t w = h << HLL_P;
	uint8_t rank = 1;

	/* 64 - HLL_P bits remain; an all-zero rest ranks past them all. */
	while (rank <= 64 - HLL_P && !(w & (UINT64_C(1) << 63))) {
		rank++;
		w <<= 1;
	}
	if (rank > reg[i])
		reg[i] = rank;
}

double
hll_estimate(const uint8_t *reg)
{
	double m = HLL_M, sum = 0, alpha = 0.7213 / (1 + 1.079 / m), e;
	unsigned zeros = 0;

	for (uint32_t i = 0; i < HLL_M; i++) {
		sum += ldexp(1, -reg[i]);
		zeros += reg[i] == 0;
	}
	e = alpha * m * m / sum;
	/* Small range: linear counting is more accurate while registers
	 * are still empty. */
	if (e <= 2.5 * m && zeros > 0)
		e = m * log(m / zeros);
	return e;
}
