/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kmpctl: exact decimal arithmetic for IIO values.
 *
 * IIO attributes are decimal strings ("1183040", "0.001000", "-3.25");
 * kmpctl computes (raw + offset) * scale and the conversion to SI units on
 * them exactly, digit by digit, never in floating point.
 */
#ifndef _KMPCTL_DEC_H
#define _KMPCTL_DEC_H

#include <stdbool.h>
#include <stddef.h>

/* Significant digits a value may have: far more than any IIO value needs */
#define KDEC_DIGITS	120
/* Room for any formatted value: sign, digits, point and zeros */
#define KDEC_STR_MAX	(KDEC_DIGITS + 128)

/**
 * struct kdec - an exact decimal number: (-1)^neg * digits * 10^exp
 * @neg: below zero (never set for zero)
 * @exp: decimal exponent of the least significant digit
 * @n: number of digits in @d; 0 for zero
 * @d: digits, least significant first, no leading (high) zeros
 */
struct kdec {
	bool neg;
	int exp;
	unsigned int n;
	unsigned char d[KDEC_DIGITS];
};

/* "[-+]digits[.digits]" (or ".5", "5."); -EINVAL otherwise, -ERANGE if too long */
int kdec_parse(const char *s, struct kdec *x);
/* r = a + b; -ERANGE if the result needs more than KDEC_DIGITS digits */
int kdec_add(const struct kdec *a, const struct kdec *b, struct kdec *r);
/* r = a * b; -ERANGE likewise */
int kdec_mul(const struct kdec *a, const struct kdec *b, struct kdec *r);
/* x = x * 10^e */
void kdec_shift(struct kdec *x, int e);
/* Shortest exact decimal: "12.4", "-3.25", "1183040000000", "0" */
int kdec_format(const struct kdec *x, char *buf, size_t size);

#endif /* _KMPCTL_DEC_H */
