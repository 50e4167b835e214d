/*
 * fuzz_segment_rules.c - cdp-segment's --rules file loader (load_rules()
 * and check_names() of cmd/cdp-segment/options.c, compiled in; its exits
 * caught by catch.h).  The first input byte picks --as-of (bit 0) and
 * --split (bit 1); the rest is the rules file.  A loaded file's segments
 * are then tested against a fixed record.
 */
#include "expr.h"
#include "record.h"

#include "catch.h"

#include "../../cmd/cdp-segment/options.c"

static const char	 line[] = "{\"age\":30,\"vip\":true,\"revenue\":350,"
    "\"country\":\"PL\",\"orders\":0,\"last_purchase\":\"2025-05-01\","
    "\"email\":\"a@example.com\",\"tags\":[\"x\"]}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct segment_opts opt = { 0 };
	struct cdp_rec *rec;
	const char *path, *why;
	uint8_t how;

	if (size == 0)
		return 0;
	how = data[0];
	if (how & 1)
		opt.common.as_of = "2025-06-01";
	if (how & 2)
		opt.split = "out";
	path = fuzz_path(data + 1, size - 1);
	if (setjmp(fuzz_jmp) != 0) {
		fuzz_check_refusal();
		free_options(&opt);
		fuzz_sweep();
		return 0;
	}
	load_rules(&opt, path);
	check_names(&opt);
	FUZZ_CHECK(fuzz_live.next == &fuzz_live);
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
