// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmpctl: exact decimal arithmetic for IIO values (see dec.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dec.h"

/* Drop high zeros and low zeros (moving them into the exponent) */
static void kdec_norm(struct kdec *x)
{
	unsigned int lo = 0;

	while (x->n && !x->d[x->n - 1])
		x->n--;
	while (lo < x->n && !x->d[lo])
		lo++;
	if (lo) {
		memmove(x->d, x->d + lo, x->n - lo);
		x->n -= lo;
		x->exp += lo;
	}
	if (!x->n) {
		x->neg = false;
		x->exp = 0;
	}
}

int kdec_parse(const char *s, struct kdec *x)
{
	const char *p, *digits, *point = NULL;
	unsigned int nd = 0;
	int frac = 0;

	memset(x, 0, sizeof(*x));
	if (*s == '-' || *s == '+')
		x->neg = *s++ == '-';
	digits = s;
	for (p = s; *p; p++) {
		if (*p == '.' && !point) {
			point = p;
		} else if (*p >= '0' && *p <= '9') {
			nd++;
			if (point)
				frac++;
		} else {
			return -EINVAL;
		}
	}
	if (!nd)
		return -EINVAL;
	/* Skip leading zeros so that they do not count against the room */
	while (*digits == '0' || (*digits == '.')) {
		if (*digits == '0')
			nd--;
		digits++;
	}
	if (nd > KDEC_DIGITS)
		return -ERANGE;
	x->exp = -frac;
	for (p = s + strlen(s); p > digits; ) {
		p--;
		if (*p != '.')
			x->d[x->n++] = *p - '0';
	}
	kdec_norm(x);
	return 0;
}

void kdec_shift(struct kdec *x, int e)
{
	if (x->n)
		x->exp += e;
}

/* |a| compared with |b|, both with the same exponent and normalised length */
static int mag_cmp(const unsigned char *a, unsigned int na,
		   const unsigned char *b, unsigned int nb)
{
	unsigned int i;

	if (na != nb)
		return na < nb ? -1 : 1;
	for (i = na; i-- > 0; )
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/*
 * Digits s[0..n) (least significant first, s[0] at 10^exp) into @out's
 * magnitude, without the zeros at either end; -ERANGE if they do not fit.
 */
static int kdec_store(struct kdec *out, const unsigned char *s,
		      unsigned int n, int exp)
{
	unsigned int i;

	while (n && !s[n - 1])
		n--;
	for (i = 0; i < n && !s[i]; i++)
		;
	if (n - i > KDEC_DIGITS)
		return -ERANGE;
	memcpy(out->d, s + i, n - i);
	out->n = n - i;
	out->exp = exp + i;
	return 0;
}

int kdec_add(const struct kdec *a, const struct kdec *b, struct kdec *r)
{
	unsigned char da[KDEC_DIGITS * 2], db[KDEC_DIGITS * 2];
	unsigned int na, nb, n, i;
	int exp, carry = 0;
	struct kdec out;

	if (!a->n) {
		*r = *b;
		return 0;
	}
	if (!b->n) {
		*r = *a;
		return 0;
	}
	/* Align both on the smaller exponent */
	exp = a->exp < b->exp ? a->exp : b->exp;
	if (a->n + (unsigned int)(a->exp - exp) > sizeof(da) ||
	    b->n + (unsigned int)(b->exp - exp) > sizeof(db))
		return -ERANGE;
	memset(da, 0, sizeof(da));
	memset(db, 0, sizeof(db));
	memcpy(da + (a->exp - exp), a->d, a->n);
	memcpy(db + (b->exp - exp), b->d, b->n);
	na = a->n + (a->exp - exp);
	nb = b->n + (b->exp - exp);
	n = (na > nb ? na : nb) + 1;
	if (n > sizeof(da))
		return -ERANGE;

	memset(&out, 0, sizeof(out));
	if (a->neg == b->neg) {
		unsigned char s[KDEC_DIGITS * 2 + 1];

		for (i = 0; i < n; i++) {
			int v = (i < sizeof(da) ? da[i] + db[i] : 0) + carry;

			s[i] = v % 10;
			carry = v / 10;
		}
		out.neg = a->neg;
		if (kdec_store(&out, s, n, exp))
			return -ERANGE;
	} else {
		const unsigned char *big = da, *small = db;
		unsigned int nbig = na, nsmall = nb;
		unsigned char s[KDEC_DIGITS * 2];
		int c, borrow = 0;

		while (na && !da[na - 1])
			na--;
		while (nb && !db[nb - 1])
			nb--;
		c = mag_cmp(da, na, db, nb);
		if (!c) {
			memset(r, 0, sizeof(*r));
			return 0;
		}
		out.neg = a->neg;
		nbig = na;
		nsmall = nb;
		if (c < 0) {
			big = db;
			small = da;
			nbig = nb;
			nsmall = na;
			out.neg = b->neg;
		}
		for (i = 0; i < nbig; i++) {
			int v = big[i] - (i < nsmall ? small[i] : 0) - borrow;

			borrow = v < 0;
			s[i] = v + (borrow ? 10 : 0);
		}
		if (kdec_store(&out, s, nbig, exp))
			return -ERANGE;
	}
	kdec_norm(&out);
	*r = out;
	return 0;
}

int kdec_mul(const struct kdec *a, const struct kdec *b, struct kdec *r)
{
	unsigned int acc[KDEC_DIGITS * 2 + 1];
	unsigned int i, j, n;
	struct kdec out;

	if (!a->n || !b->n) {
		memset(r, 0, sizeof(*r));
		return 0;
	}
	if (a->n + b->n > KDEC_DIGITS + 1)
		return -ERANGE;
	memset(acc, 0, sizeof(acc));
	for (i = 0; i < a->n; i++)
		for (j = 0; j < b->n; j++)
			acc[i + j] += a->d[i] * b->d[j];
	n = a->n + b->n;
	for (i = 0; i + 1 < n || acc[i] >= 10; i++) {
		acc[i + 1] += acc[i] / 10;
		acc[i] %= 10;
	}
	memset(&out, 0, sizeof(out));
	while (n && !acc[n - 1])
		n--;
	if (n > KDEC_DIGITS)
		return -ERANGE;
	for (i = 0; i < n; i++)
		out.d[i] = acc[i];
	out.n = n;
	out.exp = a->exp + b->exp;
	out.neg = a->neg != b->neg;
	kdec_norm(&out);
	*r = out;
	return 0;
}

int kdec_format(const struct kdec *x, char *buf, size_t size)
{
	char s[KDEC_STR_MAX + KDEC_DIGITS];
	size_t k = 0;
	int i, point;

	if (!x->n)
		return snprintf(buf, size, "0");
	if (x->exp > 100 || x->exp < -100 - (int)x->n)
		return -ERANGE;
	if (x->neg)
		s[k++] = '-';
	if (x->exp >= 0) {
		for (i = x->n; i-- > 0; )
			s[k++] = '0' + x->d[i];
		for (i = 0; i < x->exp; i++)
			s[k++] = '0';
	} else {
		point = x->n + x->exp;	/* digits before the point */
		if (point <= 0) {
			s[k++] = '0';
			s[k++] = '.';
			for (i = point; i < 0; i++)
				s[k++] = '0';
			for (i = x->n; i-- > 0; )
				s[k++] = '0' + x->d[i];
		} else {
			for (i = x->n; i-- > 0; ) {
				s[k++] = '0' + x->d[i];
				if (i == -x->exp)
					s[k++] = '.';
			}
		}
	}
	s[k] = 0;
	return snprintf(buf, size, "%s", s);
}
