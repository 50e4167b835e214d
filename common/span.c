/* span.c - walking validated JSON value spans in place; see span.h. */
#include <string.h>

#include "span.h"

static const char *
ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* p at the opening quote; returns the byte after the closing one. */
static const char *
skip_str(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return end;
}

/* Past the value at p. */
static const char *
skip_val(const char *p, const char *end)
{
	int depth = 0;

	if (*p != '{' && *p != '[' && *p != '"') {
		while (p < end && strchr(",]} \t\r\n", *p) == NULL)
			p++;
		return p;
	}
	while (p < end) {
		if (*p == '"') {
			p = skip_str(p, end);
			if (depth == 0)
				return p;
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if ((*p == '}' || *p == ']') && --depth == 0)
			return p + 1;
		p++;
	}
	return end;
}

enum cdp_type
cdp_span_type(const char *p)
{
	switch (*p) {
	case '"': return CDP_STRING;
	case '{': return CDP_OBJECT;
	case '[': return CDP_ARRAY;
	case 't': return CDP_TRUE;
	case 'f': return CDP_FALSE;
	case 'n': return CDP_NULL;
	default: return CDP_NUMBER;
	}
}

int
cdp_span_next(const char *a, size_t n, size_t *pos, const char **p,
    size_t *len)
{
	const char *end = a + n, *q = ws(a + (*pos ? *pos : 1), end);

	if (q < end && *q == ',')
		q = ws(q + 1, end);
	if (q >= end || *q == ']')
		return 0;
	*p = q;
	*len = (size_t)(skip_val(q, end) - q);
	*pos = (size_t)(q + *len - a);
	return 1;
}

int
cdp_span_index(const char *a, size_t n, long idx, const char **p,
    size_t *len)
{
	size_t pos = 0;

	for (long i = 0; cdp_span_next(a, n, &pos, p, len); i++)
		if (i == idx)
			return 1;
	return 0;
}

int
cdp_span_member(const char *o, size_t n, const char *key, size_t klen,
    struct cdp_buf *tmp, const char **p, size_t *len)
{
	const char *end = o + n, *q = ws(o + 1, end), *k, *ke;

	while (q < end && *q == '"') {
		int hit;

		k = q + 1;
		ke = skip_str(q, end) - 1;
		if (memchr(k, '\\', (size_t)(ke - k)) == NULL) {
			hit = (size_t)(ke - k) == klen &&
			    memcmp(k, key, klen) == 0;
		} else {
			cdp_buf_reset(tmp);
			if (cdp_json_unescape(k, (size_t)(ke - k), tmp) == -1)
				return -1;
			hit = tmp->len == klen && memcmp(tmp->p, key,
			    klen) == 0;
		}
		q = ws(ws(ke + 1, end) + 1, end);	/* past ':' */
		if (hit) {
			*p = q;
			*len = (size_t)(skip_val(q, end) - q);
			return 1;
		}
		q = ws(skip_val(q, end), end);
		if (q >= end || *q != ',')
			break;
		q = ws(q + 1, end);
	}
	return 0;
}

size_t
cdp_span_count(const char *s, size_t n)
{
	const char *end = s + n, *p = ws(s + 1, end);
	size_t count = 0;

	while (p < end && *p != ']' && *p != '}') {
		count++;
		if (*s == '{')		/* past the key and ':' */
			p = ws(ws(skip_str(p, end), end) + 1, end);
		p = ws(skip_val(p, end), end);
		if (p < end && *p == ',')
			p = ws(p + 1, end);
	}
	return count;
}

int
cdp_span_compact(const char *s, size_t n, struct cdp_buf *b)
{
	int in = 0;

	cdp_buf_reset(b);
	if (cdp_buf_reserve(b, n) == -1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (in) {
			if (c == '\\')
				b->p[b->len++] = s[i++];
			else if (c == '"')
				in = 0;
		} else if (c == '"')
			in = 1;
		else if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		b->p[b->len++] = s[i];
	}
	b->p[b->len] = '\0';
	return 0;
}
