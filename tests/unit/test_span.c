/* test_span.c - walking validated value spans: elements, members (keys
 * written with escapes too), counts and the compact text. */
#include <string.h>

#include "span.h"
#include "check.h"

static int
is(const char *p, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(p, want, n) == 0;
}

int
main(void)
{
	static const char o[] = "{ \"a\" : [1, {\"b\": \"x\\\"}\"}] ,"
	    "\"k\\u0065y\":true, \"n\" :null,\"e\":{} }";
	static const char a[] = "[ 1 , \"x,]\" ,{\"k\": [2, 3]},[],null ]";
	struct cdp_buf tmp = { 0 }, b = { 0 };
	const char *p;
	size_t n;

	CHECK(cdp_span_member(o, sizeof(o) - 1, "a", 1, &tmp, &p, &n) == 1 &&
	    is(p, n, "[1, {\"b\": \"x\\\"}\"}]"), "member a");
	CHECK(cdp_span_member(o, sizeof(o) - 1, "key", 3, &tmp, &p, &n) == 1 &&
	    is(p, n, "true"), "member written with an escape");
	CHECK(cdp_span_member(o, sizeof(o) - 1, "e", 1, &tmp, &p, &n) == 1 &&
	    is(p, n, "{}"), "last member");
	CHECK(cdp_span_member(o, sizeof(o) - 1, "b", 1, &tmp, &p, &n) == 0,
	    "nested keys are not members");
	CHECK(cdp_span_member("{}", 2, "a", 1, &tmp, &p, &n) == 0, "empty");
	CHECK(cdp_span_index(a, sizeof(a) - 1, 2, &p, &n) == 1 &&
	    is(p, n, "{\"k\": [2, 3]}"), "element 2");
	CHECK(cdp_span_index(a, sizeof(a) - 1, 5, &p, &n) == 0, "element 5");
	CHECK(cdp_span_type(a) == CDP_ARRAY && cdp_span_type("-1") ==
	    CDP_NUMBER && cdp_span_type("\"\"") == CDP_STRING, "types");
	CHECK(cdp_span_count(a, sizeof(a) - 1) == 5, "5 elements");
	CHECK(cdp_span_count(o, sizeof(o) - 1) == 4, "4 members");
	CHECK(cdp_span_count("[ ]", 3) == 0 && cdp_span_count("{}", 2) == 0,
	    "none");
	CHECK(cdp_span_compact(o, sizeof(o) - 1, &b) == 0, "compact");
	CHECK_STR(b.p, "{\"a\":[1,{\"b\":\"x\\\"}\"}],\"k\\u0065y\":true,"
	    "\"n\":null,\"e\":{}}");
	CHECK(cdp_span_compact("[\"a b\", 1]", 10, &b) == 0, "compact");
	CHECK_STR(b.p, "[\"a b\",1]");
	cdp_buf_free(&tmp);
	cdp_buf_free(&b);
	return CHECK_DONE();
}
