/*
 * test_jsonload.c - the settings loader: strict JSON, errors returned with
 * FILE:LINE:COLUMN, and the line of every value for a loader's own checks.
 */
#include <stdio.h>
#include <stdlib.h>

#include "jsonload.h"
#include "check.h"

static const char *
file_of(const char *text)
{
	static char path[] = "/tmp/test_jsonload.XXXXXX";
	static int fd = -1;
	FILE *f;

	if (fd == -1 && (fd = mkstemp(path)) == -1)
		return NULL;
	if ((f = fopen(path, "w")) == NULL)
		return NULL;
	fputs(text, f);
	fclose(f);
	return path;
}

int
main(void)
{
	static const char text[] =
	    "{\n"
	    "  \"name\": \"a \\\"}{[\\\\\",\n"
	    "  \"list\": [1,\n"
	    "    {\"x\": true, \"y\":\n"
	    "      null},\n"
	    "    \"s\"\n"
	    "  ],\n"
	    "  \"n\": 2.5e1 }\n";
	struct cdp_json_doc *d;
	struct cdp_err err;
	const char *path = file_of(text);
	json_t *root, *list, *inner;
	char want[300];

	CHECK(path != NULL, "temporary file");
	d = cdp_json_doc_load(path, &err);
	CHECK(d != NULL, "load: %s", d == NULL ? err.msg : "");
	if (d == NULL)
		return CHECK_DONE();
	root = cdp_json_doc_root(d);
	list = json_object_get(root, "list");
	inner = json_array_get(list, 1);
	CHECK(cdp_json_line(d, root) == 1, "root");
	CHECK(cdp_json_line(d, json_object_get(root, "name")) == 2, "name");
	CHECK(cdp_json_line(d, list) == 3, "list");
	CHECK(cdp_json_line(d, json_array_get(list, 0)) == 3, "list[0]");
	CHECK(cdp_json_line(d, inner) == 4, "list[1]");
	CHECK(cdp_json_line(d, json_array_get(list, 2)) == 6, "list[2]");
	CHECK(cdp_json_line(d, json_object_get(root, "n")) == 8, "n");
	/* shared singletons are found through their parent */
	CHECK(cdp_json_line(d, json_object_get(inner, "y")) == 0, "null");
	CHECK(cdp_json_key_line(d, inner, "x") == 4, "x");
	CHECK(cdp_json_key_line(d, inner, "y") == 5, "y");
	CHECK(cdp_json_key_line(d, inner, "z") == 0, "absent key");
	CHECK(cdp_json_fail(&err, EX_DATAERR, d, inner, "bad %s", "it") == -1
	    && err.code == EX_DATAERR, "fail");
	snprintf(want, sizeof(want), "%s:4: bad it", path);
	CHECK_STR(err.msg, want);
	cdp_json_fail_key(&err, EX_USAGE, d, inner, "y", "no");
	snprintf(want, sizeof(want), "%s:5: no", path);
	CHECK_STR(err.msg, want);
	CHECK(err.code == EX_USAGE, "code");
	cdp_json_fail_key(&err, EX_DATAERR, d, inner, "z", "absent");
	snprintf(want, sizeof(want), "%s:4: absent", path);
	CHECK_STR(err.msg, want);
	cdp_json_fail(&err, EX_DATAERR, d, NULL, "somewhere");
	snprintf(want, sizeof(want), "%s: somewhere", path);
	CHECK_STR(err.msg, want);
	cdp_json_doc_free(d);
	cdp_json_doc_free(NULL);

	/* jansson takes a NUL byte after a number: the walk gets lost
	 * there and gives up, leaving those lines unknown */
	{
		static const char nul[] = "{\"a\": [1,\n 2\0], \"b\": 3}";
		FILE *f = fopen(path, "w");

		fwrite(nul, 1, sizeof(nul) - 1, f);
		fclose(f);
		d = cdp_json_doc_load(path, &err);
		CHECK(d != NULL, "NUL after a number");
		if (d != NULL) {
			root = cdp_json_doc_root(d);
			list = json_object_get(root, "a");
			CHECK(cdp_json_line(d, json_array_get(list, 1)) == 2,
			    "before the NUL");
			CHECK(cdp_json_line(d, json_object_get(root, "b")) ==
			    0, "after the NUL");
			cdp_json_doc_free(d);
		}
	}

	/* errors are returned, never exits */
	CHECK(cdp_json_doc_load(file_of("{\"a\":1,\n\"a\":2}"), &err) == NULL &&
	    err.code == EX_DATAERR, "duplicate key");
	snprintf(want, sizeof(want), "%s:2:3: duplicate object key near "
	    "'\"a\"'", path);
	CHECK_STR(err.msg, want);
	CHECK(cdp_json_load(file_of("[1] x"), &err) == NULL &&
	    err.code == EX_DATAERR, "trailing garbage");
	CHECK(cdp_json_load(file_of(""), &err) == NULL &&
	    err.code == EX_DATAERR, "empty file");
	CHECK(cdp_json_load("/nonexistent/x.json", &err) == NULL &&
	    err.code == EX_NOINPUT, "missing file");
	CHECK_STR(err.msg, "/nonexistent/x.json: cannot open: No such file "
	    "or directory");
	CHECK(cdp_json_load("/", &err) == NULL && err.code == EX_IOERR,
	    "a folder");
	remove(path);
	return CHECK_DONE();
}
