/*
 * fuzz_segment_rules.c - cdp-segment's --rules file loader
 * (seg_rules_load() and seg_names_check() of cmd/cdp-segment/rules.c,
 * linked).  The first input byte picks --as-of (bit 0) and --split
 * (bit 1); the rest is the rules file.  A refused file leaves nothing
 * behind once the options are freed; a loaded file's segments are tested
 * against a fixed record.
 */
#include "expr.h"
#include "record.h"

#include "../../cmd/cdp-segment/segment.h"

#include "fuzz.h"

static const char	 line[] = "{\"age\":30,\"vip\":true,\"revenue\":350,"
    "\"country\":\"PL\",\"orders\":0,\"last_purchase\":\"2025-05-01\","
    "\"email\":\"a@example.com\",\"tags\":[\"x\"]}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct segment_opts opt = { 0 };
	struct cdp_rec *rec;
	struct cdp_err err;
	const char *path, *why;

	if (size == 0)
		return 0;
	if (data[0] & 1)
		opt.common.as_of = "2025-06-01";
	if (data[0] & 2)
		opt.split = "out";
	path = fuzz_path(data + 1, size - 1);
	if (seg_rules_load(&opt, path, &err) == -1 ||
	    seg_names_check(&opt, &err) == -1) {
		fuzz_check_refusal(&err);
		free_options(&opt);
		return 0;
	}
	rec = fuzz_record(line);
	for (int i = 0; i < opt.nsegs; i++) {
		const char *n = opt.segs[i].name;
		int rc;

		FUZZ_CHECK(n != NULL && n[0] != '\0' && opt.segs[i].when);
		/* --split names are file names inside the folder. */
		if (opt.split != NULL)
			FUZZ_CHECK(strchr(n, '/') == NULL && n[0] != '.' &&
			    strcmp(n, "..") != 0);
		for (int j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(opt.segs[j].name, n) != 0);
		rc = cdp_expr_test(opt.segs[i].when, rec, &why);
		FUZZ_CHECK(rc == 0 || rc == 1 || (rc == -1 && why != NULL));
	}
	free_options(&opt);
	return 0;
}
