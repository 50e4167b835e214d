/* test_keymap.c - the 128-bit key map: insert, find, grow, reserve,
 * count. */
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

	/* Reserved room: filling up to it moves nothing (the size stays),
	 * one more key grows the map as before, smaller asks change
	 * nothing, and the keys stay found. */
	m = cdp_keymap_new();
	CHECK(m != NULL && cdp_keymap_reserve(m, 50000) == 0, "reserve");
	size_t room = cdp_keymap_bytes(m);

	CHECK(room >= 50000 * 24 && room < 70000 * 24, "room %zu", room);
	for (int i = 0; i < 50000; i++) {
		int n = snprintf(key, sizeof(key), "r%d", i);

		CHECK(cdp_keymap_put(m, cdp_key128_of(key, (size_t)n),
		    (uint64_t)i, &added) != NULL && added, "fill %d", i);
	}
	CHECK(cdp_keymap_bytes(m) == room, "no growth below the room");
	CHECK(cdp_keymap_reserve(m, 10) == 0 && cdp_keymap_bytes(m) == room,
	    "a smaller reserve");
	CHECK(cdp_keymap_put(m, cdp_key128_of("one more", 8), 1, &added) &&
	    added && cdp_keymap_bytes(m) > room, "grows past the room");
	CHECK(cdp_keymap_reserve(m, 200000) == 0 &&
	    *cdp_keymap_get(m, cdp_key128_of("r4321", 5)) == 4321 &&
	    cdp_keymap_count(m) == 50001, "reserve keeps the keys");
	CHECK(cdp_keymap_reserve(m, SIZE_MAX / 2) == -1 &&
	    cdp_keymap_count(m) == 50001, "too large a reserve");
	cdp_keymap_free(m);
	return CHECK_DONE();
}
