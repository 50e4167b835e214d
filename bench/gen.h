/*
 * gen.h - what the person generators (gen_people, gen_persons) share:
 * the syllables of their names, draws from a fixed seed and the typos
 * they make.
 */
#ifndef BENCH_GEN_H
#define BENCH_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rand.h"

/* Names are built from syllables so that there are tens of thousands of
 * them, spread like real ones (a few common, most rare). */
static const char *const syl[] = {
	"an", "bel", "car", "dor", "el", "fin", "gar", "hal", "is", "jo",
	"ka", "lin", "mar", "nor", "ol", "per", "quin", "ros", "sam", "tor",
	"ul", "ven", "wil", "xan", "yor", "zel", "ber", "chi", "da", "mo",
	"ri", "son", "ley", "ton", "ski", "ner", "ett", "ia", "ow", "us"
};

static inline unsigned
below(uint64_t *s, unsigned n)
{
	return (unsigned)cdp_rand_below(s, n);
}

/*
 * One typo in w (room for cap bytes), at or after letter first:
 * substitute, delete, insert or swap a letter with the next.
 */
static inline void
typo(uint64_t *s, char *w, size_t cap, size_t first)
{
	size_t n = strlen(w), i;

	if (n < first + 2)
		return;
	i = first + below(s, (unsigned)(n - first - 1));
	switch (below(s, 4)) {
	case 0:
		w[i] = (char)('a' + below(s, 26));
		break;
	case 1:
		memmove(w + i, w + i + 1, n - i);
		break;
	case 2:
		if (n + 1 < cap) {
			memmove(w + i + 1, w + i, n - i + 1);
			w[i] = (char)('a' + below(s, 26));
		}
		break;
	default: {
		char t = w[i];

		w[i] = w[i + 1];
		w[i + 1] = t;
	}
	}
}

#endif
