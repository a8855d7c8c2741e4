/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tools' leaf helpers: messages, exit statuses, parsing of numbers
 * and names, exact decimals, the info code's flags.  Used by kmpctl,
 * kmp-mqtt, kmp-decode and the rest of userspace/lib; includes nothing of
 * any of them (util.c only the core, for register names).
 */
#ifndef _KMPCTL_UTIL_H
#define _KMPCTL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* Exit statuses */
#define KMPCTL_EXIT_OK		0	/* every value asked for was read */
#define KMPCTL_EXIT_FAIL	1	/* a value could not be read, bad frame */
#define KMPCTL_EXIT_USAGE	2	/* bad command line */

/* Messages on stderr, "PROG: " first (PROG: util_prog, default "kmpctl") */
extern const char *util_prog;
extern int util_verbose;
void util_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* ... only with -v */
void util_dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A usage error: the message, a hint to --help; returns 2 */
int util_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *util_strerror(int err);
/* CLOCK_MONOTONIC in ms */
long long util_now_ms(void);

/* Unsigned number, hex with 0x, else decimal, the whole string; 0/-errno */
int util_parse_uint(const char *s, unsigned long max, unsigned long *out);
/* A register: hex, decimal or a name of the core's table; -ERANGE, -EINVAL */
int util_parse_register(const char *s, uint16_t *reg);
/* "heat-energy", "Heat_Energy" match "heat energy" (the first @blen bytes of @b) */
bool util_loose_eq(const char *a, const char *b, size_t blen);
/* Trailing whitespace removed */
void util_trim(char *s);

/*
 * A heat meter's info code (register 0x0063, the driver's info_code) as
 * the MULTICAL 403's flag names, @sep between them, other bits as one hex
 * mask ("other bits 0x400"); "" for 0.  The length, or -ENOSPC.
 */
int util_info_flags(uint32_t code, const char *sep, char *buf, size_t size);
/* Room for every bit set, with a 4-byte @sep and 4 more */
#define UTIL_INFO_FLAGS_MAX	512
struct kmp_value;
/* The info code register's value, a whole number, no unit: 0 or -EBADMSG */
int util_info_code(const struct kmp_value *v, uint32_t *code);

/*
 * struct fx - an exact decimal number, (-1)^@neg * @m * 10^@e, @m in four
 * 32-bit limbs (least significant first): 38 significant digits on any
 * target.  Any value a meter sends (a 64-bit mantissa, 10^-63..10^63), any
 * IIO attribute (an s64 raw, a scale or offset with 9 decimals) and their
 * products fit; anything beyond is -ERANGE, never rounded silently.
 */
struct fx {
	bool neg;
	uint32_t m[4];
	int e;
};

/* "[-+]digits[.digits]"; -EINVAL, or -ERANGE beyond 38 digits */
int fx_parse(const char *s, struct fx *x);
void fx_from_int(long long v, struct fx *x);
void fx_from_u64(uint64_t mag, bool neg, int e, struct fx *x);
/* r = a + b, r = a * b; -ERANGE on overflow */
int fx_add(const struct fx *a, const struct fx *b, struct fx *r);
int fx_mul(const struct fx *a, const struct fx *b, struct fx *r);
/* x / d, rounded half away from zero to @decimals places; -ERANGE */
int fx_div_round(const struct fx *x, uint32_t d, int decimals, struct fx *r);
/* Shortest exact decimal: "12.4", "-3.25", "1183040000000", "0" */
int fx_format(const struct fx *x, char *buf, size_t size);

#endif /* _KMPCTL_UTIL_H */
