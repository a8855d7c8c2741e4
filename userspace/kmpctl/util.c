// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmpctl's leaf helpers: messages, numbers and names, exact decimals.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

const char *util_prog = "kmpctl";
int util_verbose;

static void vmsg(const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "%s: ", util_prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

#define VMSG(fmt) do { va_list ap; va_start(ap, fmt); vmsg(fmt, ap); \
			  va_end(ap); } while (0)

void util_err(const char *fmt, ...)
{
	VMSG(fmt);
}

void util_dbg(const char *fmt, ...)
{
	if (util_verbose)
		VMSG(fmt);
}

int util_usage(const char *fmt, ...)
{
	VMSG(fmt);
	fprintf(stderr, "Try '%s --help'.\n", util_prog);
	return 2;
}

const char *util_strerror(int err)
{
	return strerror(err < 0 ? -err : err);
}

int util_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	unsigned long v;
	char *end;

	s += 2 * hex;
	if (!*s || strchr("-+ ", *s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, hex ? 16 : 10);
	if (errno == ERANGE || (!errno && !*end && v > max))
		return -ERANGE;
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

static char loose(char c)
{
	if (c == '-' || c == '_')
		return ' ';
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

bool util_loose_eq(const char *a, const char *b, size_t blen)
{
	size_t i;

	for (i = 0; i < blen && a[i]; i++)
		if (loose(a[i]) != loose(b[i]))
			return false;
	return i == blen && !a[i];
}

void util_trim(char *s)
{
	size_t n = strlen(s);

	while (n && strchr(" \t\r\n", s[n - 1]))
		s[--n] = 0;
}

/* ---- exact decimals ------------------------------------------------------ */

#define FX_MAX_DIGITS	38

int fx_mul10(__int128 *m, int k)
{
	while (k-- > 0)
		if (__builtin_mul_overflow(*m, 10, m))
			return -ERANGE;
	return 0;
}

/* Trailing zeros into the exponent: one form per value */
static void fx_norm(struct fx *x)
{
	for (x->e = x->m ? x->e : 0; x->m && x->m % 10 == 0; x->e++)
		x->m /= 10;
}

int fx_parse(const char *s, struct fx *x)
{
	bool neg = false, point = false, any = false;
	int digits = 0, zeros = 0;

	x->m = 0;
	x->e = 0;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	for (; *s; s++) {
		if (*s == '.' && !point) {
			point = true;
			continue;
		}
		if (*s < '0' || *s > '9')
			return -EINVAL;
		any = true;
		if (point)
			x->e--;
		if (*s == '0') {
			zeros++;	/* kept back: trailing zeros cost nothing */
			continue;
		}
		if (x->m)
			digits += zeros;
		digits++;
		if (digits > FX_MAX_DIGITS || fx_mul10(&x->m, zeros))
			return -ERANGE;
		x->m = x->m * 10 + (*s - '0');
		zeros = 0;
	}
	if (!any)
		return -EINVAL;
	x->e += zeros;
	if (neg)
		x->m = -x->m;
	fx_norm(x);
	return 0;
}

void fx_from_int(long long v, struct fx *x)
{
	x->m = v;
	x->e = 0;
	fx_norm(x);
}

int fx_add(const struct fx *a, const struct fx *b, struct fx *r)
{
	struct fx p = *a, q = *b;

	if (p.e > q.e ? fx_mul10(&p.m, p.e - q.e) : fx_mul10(&q.m, q.e - p.e))
		return -ERANGE;
	r->e = p.e < q.e ? p.e : q.e;
	if (__builtin_add_overflow(p.m, q.m, &r->m))
		return -ERANGE;
	fx_norm(r);
	return 0;
}

int fx_mul(const struct fx *a, const struct fx *b, struct fx *r)
{
	if (__builtin_mul_overflow(a->m, b->m, &r->m))
		return -ERANGE;
	r->e = a->e + b->e;
	fx_norm(r);
	return 0;
}

int fx_format(const struct fx *x, char *buf, size_t size)
{
	char dig[48];
	unsigned __int128 u;
	int n = 0, len, pos = 0, i;
	struct fx y = *x;

	fx_norm(&y);
	u = y.m < 0 ? -(unsigned __int128)y.m : (unsigned __int128)y.m;
	do {
		dig[n++] = '0' + (int)(u % 10);
		u /= 10;
	} while (u);
	/* sign, digits, zeros after them or "0." and zeros before them */
	len = (y.m < 0) + n + (y.e > 0 ? y.e : 0) +
	      (y.e < 0 ? 1 + (-y.e >= n ? 1 - y.e - n : 0) : 0);
	if ((size_t)len + 1 > size)
		return -ENOSPC;
	if (y.m < 0)
		buf[pos++] = '-';
	if (y.e < 0 && -y.e >= n) {
		buf[pos++] = '0';
		buf[pos++] = '.';
		for (i = 0; i < -y.e - n; i++)
			buf[pos++] = '0';
	}
	for (i = n - 1; i >= 0; i--) {
		buf[pos++] = dig[i];
		if (y.e < 0 && i == -y.e && i)
			buf[pos++] = '.';
	}
	for (i = 0; i < y.e; i++)
		buf[pos++] = '0';
	buf[pos] = 0;
	return pos;
}
