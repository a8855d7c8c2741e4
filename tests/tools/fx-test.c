// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fixed-point decimals of userspace/lib/util.c against the
 * protocol core's formatter: every value a meter can send must come out
 * exactly.  For mantissas from 0 to 2^64 - 1 (the edges and a spread in
 * between), both signs and every exponent -63..63, the struct fx made from
 * the fields (as kmp-mqtt makes it) and the one parsed from
 * kmp_value_to_string() (as kmpctl parses the driver's strings) must be
 * equal, and fx_format() must print the core's string without its trailing
 * zeros.  Then IIO's side: an s64 raw times a scale with 9 decimals plus
 * an offset, against long multiplication done here digit by digit.
 *
 *   build/fx-test        prints "N passed, N failed"
 *
 * (The IIO part's reference needs __int128; fx itself is plain C and the
 * meter part runs on 32-bit targets too.)
 */
#include <stdio.h>
#include <string.h>

#include "kmp.h"
#include "util.h"

static unsigned long passed, failed;

/* the same value: both normalised, as every fx_* result is */
static bool fx_eq(const struct fx *a, const struct fx *b)
{
	return a->neg == b->neg && a->e == b->e &&
	       !memcmp(a->m, b->m, sizeof(a->m));
}

static void check(bool ok, const char *what, const char *detail)
{
	if (ok) {
		passed++;
		return;
	}
	if (failed++ < 20)
		printf("not ok - %s: %s\n", what, detail);
}

/* The core's string without trailing fraction zeros (and a bare point) */
static void trim_zeros(char *s)
{
	size_t n = strlen(s);

	if (!strchr(s, '.'))
		return;
	while (s[n - 1] == '0')
		s[--n] = 0;
	if (s[n - 1] == '.')
		s[--n] = 0;
	if (!strcmp(s, "-0"))
		strcpy(s, "0");
}

static void one_value(u64 m, bool neg, int exp)
{
	struct kmp_value v = { .reg = 0x3c, .unit = 8, .len = 8,
			       .present = true, .mantissa = m };
	char core[KMP_VALUE_STR_MAX], mine[128], detail[512];
	struct fx a, b;

	v.siex = (neg ? KMP_SIEX_NEG_MANTISSA : 0) |
		 (exp < 0 ? KMP_SIEX_NEG_EXPONENT : 0) | (exp < 0 ? -exp : exp);
	if (kmp_value_to_string(&v, core, sizeof(core)) < 0) {
		check(false, "core", "kmp_value_to_string failed");
		return;
	}
	fx_from_u64(m, neg, kmp_value_exponent(&v), &a);
	snprintf(detail, sizeof(detail), "%llu e%d %s: core '%s'",
		 (unsigned long long)m, exp, neg ? "-" : "+", core);
	check(!fx_parse(core, &b), "fx_parse of the core's string", detail);
	check(fx_eq(&a, &b), "fields == parsed string", detail);
	fx_format(&a, mine, sizeof(mine));
	trim_zeros(core);
	snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
		 ", fx '%s'", mine);
	check(!strcmp(core, mine), "fx_format == the core's digits", detail);
}

#ifdef __SIZEOF_INT128__	/* the reference needs it; fx does not */
/* (raw + offset) * scale by hand: digits of |raw * 10^9 + off9| * scale9 */
static void one_iio(long long raw, long long scale9, long long off9)
{
	char rs[64], ss[64], os[64], got[128], want[128], detail[600];
	struct fx r, s, o, sum, v;
	__int128 t = (__int128)raw * 1000000000 + off9, p;
	unsigned __int128 u;
	char d[80];
	int n = 0, i, pos = 0;

	snprintf(rs, sizeof(rs), "%lld", raw);
	snprintf(ss, sizeof(ss), "%lld.%09lld", scale9 / 1000000000,
		 scale9 % 1000000000);
	snprintf(os, sizeof(os), "%s%lld.%09lld", off9 < 0 ? "-" : "",
		 (off9 < 0 ? -off9 : off9) / 1000000000,
		 (off9 < 0 ? -off9 : off9) % 1000000000);
	p = t * scale9;		/* value * 10^18 */
	u = p < 0 ? -(unsigned __int128)p : (unsigned __int128)p;
	do {
		d[n++] = '0' + (int)(u % 10);
		u /= 10;
	} while (u || n < 19);
	if (p < 0)
		want[pos++] = '-';
	for (i = n - 1; i >= 0; i--) {
		want[pos++] = d[i];
		if (i == 18)
			want[pos++] = '.';
	}
	want[pos] = 0;
	trim_zeros(want);
	fx_parse(rs, &r);
	fx_parse(ss, &s);
	fx_parse(os, &o);
	if (fx_add(&r, &o, &sum) || fx_mul(&sum, &s, &v))
		strcpy(got, "ERANGE");
	else
		fx_format(&v, got, sizeof(got));
	snprintf(detail, sizeof(detail), "(%s + %s) * %s: '%s', expected '%s'",
		 rs, os, ss, got, want);
	check(!strcmp(got, want), "IIO (raw + offset) * scale", detail);
}
#endif

int main(void)
{
	static const u64 edge[] = {
		0, 1, 9, 10, 99, 100, 255, 256, 65535, 999999, 1000000,
		4294967295ULL, 4294967296ULL, 999999999999ULL,
		9999999999999999999ULL, 10000000000000000000ULL,
		18446744073709551615ULL,
	};
	u64 x = 0x9e3779b97f4a7c15ULL;
	unsigned int i, k;
	int e;

	for (e = -63; e <= 63; e++) {
		for (i = 0; i < sizeof(edge) / sizeof(edge[0]); i++) {
			one_value(edge[i], false, e);
			one_value(edge[i], true, e);
		}
		for (k = 0; k < 200; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			one_value(x >> (k % 64), k & 1, e);
		}
	}
#ifdef __SIZEOF_INT128__
	static const long long raws[] = {
		0, 1, -1, 1183040000000LL, -3250, 9223372036854775807LL,
		-9223372036854775807LL - 1, 1875560000, 130,
	};
	static const long long scales[] = {
		1000000000, 1000000, 1, 10000000, 999999999, 9876543210LL,
	};
	for (i = 0; i < sizeof(raws) / sizeof(raws[0]); i++)
		for (k = 0; k < sizeof(scales) / sizeof(scales[0]); k++) {
			one_iio(raws[i], scales[k], 0);
			one_iio(raws[i], scales[k], 500000000);
			one_iio(raws[i], scales[k], -273150000000LL);
		}
#endif
	printf("%lu passed, %lu failed\n", passed, failed);
	return failed != 0;
}
