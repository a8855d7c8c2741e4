// SPDX-License-Identifier: GPL-2.0-only
/*
 * The tools' leaf helpers: messages, numbers and names, exact decimals.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kmp.h"
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

long long util_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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

int util_parse_register(const char *s, uint16_t *reg)
{
	unsigned long v;
	int ret = util_parse_uint(s, 0xffff, &v);

	if (ret != -EINVAL) {
		*reg = v;
		return ret;
	}
	for (v = 0; v <= 0xffff; v++) {
		const struct kmp_register *r = kmp_register(v);

		if (r && util_loose_eq(s, r->name, strlen(r->name))) {
			*reg = v;
			return 0;
		}
	}
	return -EINVAL;
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

/*
 * The MULTICAL 403's info code bits: its technical description, section
 * 7.7.1 "bit format" (Documentation/iio/kamstrup-kmp.rst, info_code, says
 * what is uncertain).  Other models use other bits; this is the 403's.
 */
static const char *const info_bits[16] = {
	"no voltage supply", "low battery", "external alarm",
	"t1 above measuring range or disconnected",
	"t2 above measuring range or disconnected",
	"t1 below measuring range or short-circuited",
	"t2 below measuring range or short-circuited",
	"invalid temperature difference", "V1: air",
	"V1: wrong flow direction", NULL, "V1 above qs for more than an hour",
	"pulse input A: leakage", "pulse input B: leakage",
	"pulse input A: external alarm", "pulse input B: external alarm",
};

int util_info_flags(uint32_t code, const char *sep, char *buf, size_t size)
{
	uint32_t other = code;
	size_t n = 0;
	int i;

	*buf = 0;
	for (i = 0; i < 16 && n < size; i++)
		if (code >> i & 1 && info_bits[i]) {
			other &= ~(1u << i);
			n += snprintf(buf + n, size - n, "%s%s", n ? sep : "",
				      info_bits[i]);
		}
	if (other && n < size)
		n += snprintf(buf + n, size - n, "%sother bits 0x%x",
			      n ? sep : "", other);
	return n < size ? (int)n : -ENOSPC;
}

int util_info_code(const struct kmp_value *v, uint32_t *code)
{
	const struct kmp_unit *u = kmp_unit(v->unit);

	/* as the driver's info_code */
	if (!u || u->quantity != KMP_QTY_NONE || kmp_value_negative(v) ||
	    kmp_value_exponent(v) || v->mantissa > UINT32_MAX)
		return -EBADMSG;
	*code = v->mantissa;
	return 0;
}

/* ---- exact decimals ------------------------------------------------------ */

/*
 * The magnitude is four 32-bit limbs, least significant first: plain C on
 * every target (32-bit ARM has no __int128), 38 decimal digits.
 */
#define FX_MAX_DIGITS	38

/* m = m * k + add; -ERANGE on overflow */
static int lmul_small(uint32_t *m, uint32_t k, uint32_t add)
{
	uint64_t t = add;
	int i;

	for (i = 0; i < 4; i++) {
		t += (uint64_t)m[i] * k;
		m[i] = t;
		t >>= 32;
	}
	return t ? -ERANGE : 0;
}

/* m = m / k; the remainder */
static uint32_t ldiv_small(uint32_t *m, uint32_t k)
{
	uint64_t r = 0;
	int i;

	for (i = 3; i >= 0; i--) {
		r = r << 32 | m[i];
		m[i] = r / k;
		r %= k;
	}
	return r;
}

static bool lzero(const uint32_t *m)
{
	return !(m[0] | m[1] | m[2] | m[3]);
}

static int lcmp(const uint32_t *a, const uint32_t *b)
{
	int i;

	for (i = 3; i >= 0; i--)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/* r = a + b (@sub: a - b, a >= b); -ERANGE on overflow */
static int laddsub(const uint32_t *a, const uint32_t *b, uint32_t *r, bool sub)
{
	int64_t t = 0;
	int i;

	for (i = 0; i < 4; i++) {
		t += (int64_t)a[i] + (sub ? -(int64_t)b[i] : b[i]);
		r[i] = t;
		t = t < 0 ? -1 : t >> 32;
	}
	return t ? -ERANGE : 0;
}

/* m = m * 10^k (nothing for k <= 0); -ERANGE on overflow */
static int fx_mul10(struct fx *x, int k)
{
	while (k-- > 0)
		if (lmul_small(x->m, 10, 0))
			return -ERANGE;
	return 0;
}

/* Trailing zeros into the exponent: one form per value */
static void fx_norm(struct fx *x)
{
	uint32_t t[4];

	if (lzero(x->m))
		x->e = x->neg = 0;
	for (memcpy(t, x->m, sizeof(t)); !lzero(x->m) && !ldiv_small(t, 10);
	     x->e++)
		memcpy(x->m, t, sizeof(t));
}

void fx_from_u64(uint64_t mag, bool neg, int e, struct fx *x)
{
	*x = (struct fx){ .neg = neg, .e = e,
			  .m = { (uint32_t)mag, (uint32_t)(mag >> 32) } };
	fx_norm(x);
}

void fx_from_int(long long v, struct fx *x)
{
	fx_from_u64(v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 0, x);
}

int fx_parse(const char *s, struct fx *x)
{
	bool point = false, any = false;
	int digits = 0, zeros = 0;

	memset(x, 0, sizeof(*x));
	if (*s == '-' || *s == '+')
		x->neg = *s++ == '-';
	for (; *s; s++) {
		if (*s == '.' && !point) {
			point = true;
			continue;
		}
		if (*s < '0' || *s > '9')
			return -EINVAL;
		any = true;
		x->e -= point;
		if (*s == '0') {
			zeros++;	/* kept back: trailing zeros cost nothing */
			continue;
		}
		digits += 1 + (lzero(x->m) ? 0 : zeros);
		if (digits > FX_MAX_DIGITS || fx_mul10(x, zeros) ||
		    lmul_small(x->m, 10, *s - '0'))
			return -ERANGE;
		zeros = 0;
	}
	x->e += zeros;
	fx_norm(x);
	return any ? 0 : -EINVAL;
}

int fx_add(const struct fx *a, const struct fx *b, struct fx *r)
{
	struct fx p = *a, q = *b;
	bool swap;

	if (p.e > q.e ? fx_mul10(&p, p.e - q.e) : fx_mul10(&q, q.e - p.e))
		return -ERANGE;
	r->e = p.e < q.e ? p.e : q.e;
	swap = p.neg != q.neg && lcmp(p.m, q.m) < 0;
	r->neg = swap ? q.neg : p.neg;
	if (laddsub(swap ? q.m : p.m, swap ? p.m : q.m, r->m, p.neg != q.neg))
		return -ERANGE;
	fx_norm(r);
	return 0;
}

int fx_mul(const struct fx *a, const struct fx *b, struct fx *r)
{
	uint64_t t[8] = { 0 }, c;
	int i, j;

	for (i = 0; i < 4; i++) {
		for (c = 0, j = 0; j < 4; j++) {
			c += t[i + j] + (uint64_t)a->m[i] * b->m[j];
			t[i + j] = (uint32_t)c;
			c >>= 32;
		}
		t[i + 4] = c;
	}
	if (t[4] | t[5] | t[6] | t[7])
		return -ERANGE;
	for (i = 0; i < 4; i++)
		r->m[i] = t[i];
	r->neg = a->neg != b->neg;
	r->e = a->e + b->e;
	fx_norm(r);
	return 0;
}

int fx_div_round(const struct fx *x, uint32_t d, int decimals, struct fx *r)
{
	int shift = x->e + decimals;	/* m * 10^shift / d, in 10^-decimals */
	uint32_t rem, top = 0;
	struct fx q = *x;

	if (!d || fx_mul10(&q, shift))
		return -ERANGE;
	for (; shift < 0; shift++)	/* the last is the first dropped digit */
		top = ldiv_small(q.m, 10);
	/* half away from zero: the remainder, or the dropped digits, decide */
	rem = ldiv_small(q.m, d);
	if (((uint64_t)rem * 2 >= d || ((uint64_t)rem * 2 + 1 == d && top >= 5)) &&
	    lmul_small(q.m, 1, 1))
		return -ERANGE;
	q.e = -decimals;
	*r = q;
	fx_norm(r);
	return 0;
}

int fx_format(const struct fx *x, char *buf, size_t size)
{
	char dig[48];
	int n = 0, len, pos = 0, i;
	struct fx y = *x;

	fx_norm(&y);
	do {
		dig[n++] = '0' + ldiv_small(y.m, 10);
	} while (!lzero(y.m));
	/* sign, digits, zeros after them or "0." and zeros before them */
	len = y.neg + n + (y.e > 0 ? y.e : 0) +
	      (y.e < 0 ? 1 + (-y.e >= n ? 1 - y.e - n : 0) : 0);
	if ((size_t)len + 1 > size)
		return -ENOSPC;
	if (y.neg)
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
