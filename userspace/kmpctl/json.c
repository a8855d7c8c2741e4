// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmpctl: a strict JSON (RFC 8259) checker.
 *
 * `kmpctl --selftest-json FILE` checks that FILE holds exactly one JSON
 * text; `--selftest-json-lines FILE` that each non-empty line holds one
 * (JSON Lines, what `watch --json` prints).  Not in --help: it exists so
 * that the end-to-end tests can check kmpctl's --json output inside a guest
 * that has no python.  tests/tools checks the checker against python's
 * json module on valid and invalid documents.
 *
 * Strict: no trailing commas, no comments, no single quotes, no leading
 * zeros or '+', no NaN/Infinity, no control characters in strings, valid
 * escapes and \u sequences, valid UTF-8 (RFC 3629), nesting at
 * most 256 deep, nothing but whitespace after the value.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmpctl.h"

#define JSON_MAX_DEPTH	256
#define JSON_MAX_SIZE	(16 << 20)

struct json_parser {
	const unsigned char *p, *end, *start;
	const char *error;
	int depth;
};

static void ws(struct json_parser *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
				 *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static bool fail(struct json_parser *j, const char *msg)
{
	if (!j->error)
		j->error = msg;
	return false;
}

static bool lit(struct json_parser *j, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n))
		return fail(j, "invalid literal");
	j->p += n;
	return true;
}

static int hex4(const unsigned char *p)
{
	int v = 0, i;

	for (i = 0; i < 4; i++) {
		int c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* One UTF-8 sequence (RFC 3629: no overlongs, no surrogates, <= U+10FFFF) */
static bool utf8(struct json_parser *j)
{
	const unsigned char *p = j->p;
	unsigned int c = *p, n, cp, i;

	if (c < 0x80) {
		j->p++;
		return true;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 1;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 2;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 3;
		cp = c & 0x07;
	} else {
		return fail(j, "invalid UTF-8");
	}
	if ((size_t)(j->end - p) <= n)
		return fail(j, "truncated UTF-8");
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return fail(j, "invalid UTF-8");
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return fail(j, "invalid UTF-8");
	j->p += n + 1;
	return true;
}

static bool string(struct json_parser *j)
{
	j->p++;	/* '"' */
	while (j->p < j->end) {
		unsigned char c = *j->p;

		if (c == '"') {
			j->p++;
			return true;
		}
		if (c < 0x20)
			return fail(j, "control character in string");
		if (c != '\\') {
			if (!utf8(j))
				return false;
			continue;
		}
		if (j->end - j->p < 2)
			break;
		c = j->p[1];
		if (strchr("\"\\/bfnrt", c) && c) {
			j->p += 2;
			continue;
		}
		if (c != 'u')
			return fail(j, "invalid escape");
		if (j->end - j->p < 6)
			break;
		/* Any \uXXXX: the grammar allows lone surrogates too */
		if (hex4(j->p + 2) < 0)
			return fail(j, "invalid \\u escape");
		j->p += 6;
	}
	return fail(j, "unterminated string");
}

static bool digits(struct json_parser *j)
{
	const unsigned char *s = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > s || fail(j, "digit expected");
}

static bool number(struct json_parser *j)
{
	if (*j->p == '-')
		j->p++;
	if (j->p >= j->end)
		return fail(j, "digit expected");
	if (*j->p == '0') {
		j->p++;
		if (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			return fail(j, "leading zero");
	} else if (!digits(j)) {
		return false;
	}
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (!digits(j))
			return false;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (!digits(j))
			return false;
	}
	return true;
}

static bool value(struct json_parser *j);

static bool container(struct json_parser *j, unsigned char close, bool object)
{
	bool first = true;

	if (++j->depth > JSON_MAX_DEPTH)
		return fail(j, "nested too deep");
	j->p++;
	ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return true;
	}
	for (;;) {
		if (!first) {
			ws(j);
			if (j->p < j->end && *j->p == close) {
				j->p++;
				j->depth--;
				return true;
			}
			if (j->p >= j->end || *j->p != ',')
				return fail(j, object ? "',' or '}' expected" :
						       "',' or ']' expected");
			j->p++;
		}
		first = false;
		ws(j);
		if (object) {
			if (j->p >= j->end || *j->p != '"')
				return fail(j, "member name expected");
			if (!string(j))
				return false;
			ws(j);
			if (j->p >= j->end || *j->p != ':')
				return fail(j, "':' expected");
			j->p++;
			ws(j);
		}
		if (!value(j))
			return false;
	}
}

static bool value(struct json_parser *j)
{
	if (j->p >= j->end)
		return fail(j, "value expected");
	switch (*j->p) {
	case '{':
		return container(j, '}', true);
	case '[':
		return container(j, ']', false);
	case '"':
		return string(j);
	case 't':
		return lit(j, "true");
	case 'f':
		return lit(j, "false");
	case 'n':
		return lit(j, "null");
	default:
		if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
			return number(j);
		return fail(j, "value expected");
	}
}

/* One JSON text in [s, end); NULL if valid, else the error */
static const char *json_check(const unsigned char *s, const unsigned char *end,
			      size_t *offset)
{
	struct json_parser j = { .p = s, .end = end, .start = s };

	ws(&j);
	if (value(&j)) {
		ws(&j);
		if (j.p != j.end)
			fail(&j, "text after the value");
	}
	*offset = j.p - s;
	return j.error;
}

int kmpctl_json_check_file(const char *path, bool lines)
{
	unsigned char *buf;
	size_t len = 0, off, line = 1, texts = 0;
	const char *err;
	FILE *f = fopen(path, "rb");

	if (!f) {
		kmpctl_err("%s: %s", path, strerror(errno));
		return KMPCTL_EXIT_FAIL;
	}
	buf = malloc(JSON_MAX_SIZE);
	if (!buf) {
		fclose(f);
		return KMPCTL_EXIT_FAIL;
	}
	len = fread(buf, 1, JSON_MAX_SIZE, f);
	if (ferror(f) || len == JSON_MAX_SIZE) {
		kmpctl_err("%s: cannot read, or larger than %d bytes", path,
			   JSON_MAX_SIZE);
		fclose(f);
		free(buf);
		return KMPCTL_EXIT_FAIL;
	}
	fclose(f);

	if (!lines) {
		err = json_check(buf, buf + len, &off);
		if (err) {
			kmpctl_err("%s: offset %zu: %s", path, off, err);
			free(buf);
			return KMPCTL_EXIT_FAIL;
		}
		free(buf);
		printf("%s: valid JSON\n", path);
		return KMPCTL_EXIT_OK;
	}

	for (off = 0; off < len; line++) {
		unsigned char *nl = memchr(buf + off, '\n', len - off);
		size_t e = nl ? (size_t)(nl - buf) : len, at, k;
		bool blank = true;

		for (k = off; k < e; k++)
			if (buf[k] != ' ' && buf[k] != '\t' && buf[k] != '\r')
				blank = false;
		if (!blank) {
			err = json_check(buf + off, buf + e, &at);
			if (err) {
				kmpctl_err("%s: line %zu, column %zu: %s", path,
					   line, at + 1, err);
				free(buf);
				return KMPCTL_EXIT_FAIL;
			}
			texts++;
		}
		off = e + 1;
	}
	free(buf);
	if (!texts) {
		kmpctl_err("%s: no JSON text", path);
		return KMPCTL_EXIT_FAIL;
	}
	printf("%s: %zu valid JSON lines\n", path, texts);
	return KMPCTL_EXIT_OK;
}
