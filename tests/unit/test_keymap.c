/* test_keymap.c - the 128-bit key map: insert, find, grow, count. */
#include <stdio.h>

#include "keymap.h"
#include "check.h"

int
main(void)
{
	struct cdp_keymap *m = cdp_keymap_new();
	char key[32];
	int added;

	CHECK(m != NULL, "new");
	for (int i = 0; i < 100000; i++) {
		int n = snprintf(key, sizeof(key), "k%d", i);
		uint64_t *v = cdp_keymap_put(m, cdp_key128_of(key, (size_t)n),
		    (uint64_t)i, &added);

		CHECK(v != NULL && added && *v == (uint64_t)i, "put %d", i);
	}
	CHECK(cdp_keymap_count(m) == 100000, "count");
	for (int i = 0; i < 100000; i += 7) {
		int n = snprintf(key, sizeof(key), "k%d", i);
		uint64_t *v = cdp_keymap_put(m, cdp_key128_of(key, (size_t)n),
		    999, &added);

		CHECK(v != NULL && !added && *v == (uint64_t)i, "again %d", i);
	}
	CHECK(cdp_keymap_get(m, cdp_key128_of("absent", 6)) == NULL, "absent");
	CHECK(*cdp_keymap_get(m, cdp_key128_of("k42", 3)) == 42, "get");
	/* The all-zero key is stored as another key, not as "empty". */
	CHECK(cdp_keymap_put(m, (struct cdp_key128){ 0, 0 }, 5, &added) &&
	    added, "zero key");
	CHECK(*cdp_keymap_get(m, (struct cdp_key128){ 0, 0 }) == 5, "zero");
	CHECK(cdp_keymap_bytes(m) >= 100001 * 24, "bytes");
	cdp_keymap_free(m);
	cdp_keymap_free(NULL);
	return CHECK_DONE();
}
