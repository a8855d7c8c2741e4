// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmp-sim: the meter profile file.
 *
 * A profile is a text file, one statement per line; '#' starts a comment
 * that runs to the end of the line; blank lines are ignored; words are
 * separated by blanks.  Numbers are decimal, or hexadecimal with "0x".
 *
 *   address ADDR                 the meter's address, 0..255 (default 0x3f)
 *   type TYPE [revision REV]     GetType answer: TYPE 0..0xffff; REV either
 *                                a letter and a number ("F1" = 0x0601, "A0",
 *                                "Z255") or a number 0..0xffff (0 = none);
 *                                default: type 0, revision 0
 *   serial SERIAL                GetSerialNo answer, 0..4294967295
 *                                (default 0)
 *   REG UNIT VALUE [len=N]       a register the meter knows:
 *       REG    register id 0..0xffff, each at most once
 *       UNIT   unit code 0..64, or its name, case-insensitive, as the core's
 *              kmp_unit() table spells it (Wh kWh MWh GWh J kJ MJ GJ ... kW
 *              ... C K l m3 l/h m3/h ... h ... bar ...); blanks in a name are
 *              left out ("m3x10" for "m3 x 10"); "°C" is accepted for C and
 *              "m³" for m3
 *       VALUE  decimal, "[-]digits[.digits][e[+|-]digits]", parsed by
 *              kmp_value_from_string() (kmp-meter.c): the digits given are the
 *              mantissa and the decimal point the exponent, so "12.40" is
 *              sent as 1240 * 10^-2 and "-3.25" as SiEx 0xc2, mantissa 325
 *       len=N  mantissa length in bytes, 1..8 (default 4, as real meters
 *              send); the mantissa must fit it
 *
 * Example:
 *   address 0x3f
 *   type 0x0034 revision F1
 *   serial 12345678
 *   0x003c GJ 1234.567          # heat energy, 1234.567 GJ
 *   0x0056 C -3.50 len=2        # temperature 1, -3.50 °C
 *
 * Errors are reported as "FILE:LINE: message" on stderr.
 *
 * Copyright (C) 2026 The kamstrup-kmp authors
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kmp-sim.h"

/**
 * sim_parse_uint() - parse a decimal or 0x-hexadecimal number
 * @s: the text, all of it
 * @max: largest value accepted
 * @out: the value
 *
 * Return: 0, or -1 if @s is not a number or is above @max.
 */
int sim_parse_uint(const char *s, unsigned long long max,
		   unsigned long long *out)
{
	unsigned long long v;
	char *end;
	int base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!isxdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Compares unit names case-insensitively, leaving blanks out of both. */
static bool unit_name_eq(const char *a, const char *b)
{
	for (;;) {
		while (*a == ' ')
			a++;
		while (*b == ' ')
			b++;
		if (!*a || !*b)
			return !*a && !*b;
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
		a++;
		b++;
	}
}

/**
 * sim_parse_unit() - a unit code from its number or its name
 * @s: "22", "0x16", "kW", "°C", ...
 * @code: the unit code
 *
 * Return: 0, or -1 for an unknown unit.
 */
int sim_parse_unit(const char *s, unsigned int *code)
{
	unsigned long long v;
	unsigned int c;

	if (!sim_parse_uint(s, KMP_UNIT_MAX, &v)) {
		*code = v;
		return 0;
	}
	if (!strcmp(s, "°C") || !strcasecmp(s, "degC")) {
		s = "C";
	} else if (!strcmp(s, "m³")) {
		s = "m3";
	} else if (!strcmp(s, "m³/h")) {
		s = "m3/h";
	}
	for (c = 0; c <= KMP_UNIT_MAX; c++) {
		const struct kmp_unit *u = kmp_unit(c);

		if (u && u->name && u->name[0] && unit_name_eq(s, u->name)) {
			*code = c;
			return 0;
		}
	}
	return -1;
}

static int perr(const char *path, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", path, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* "F1" -> 0x0601; a number as it is. */
static int parse_revision(const char *s, u16 *rev)
{
	unsigned long long v;

	if (isalpha((unsigned char)s[0])) {
		if (toupper((unsigned char)s[0]) > 'Z' ||
		    !isdigit((unsigned char)s[1]) ||
		    sim_parse_uint(s + 1, 255, &v))
			return -1;
		*rev = (toupper((unsigned char)s[0]) - 'A' + 1) << 8 | v;
		return 0;
	}
	if (sim_parse_uint(s, 0xffff, &v))
		return -1;
	*rev = v;
	return 0;
}

const struct sim_reg *sim_profile_find(const struct sim_profile *p, u16 reg)
{
	size_t i;

	for (i = 0; i < p->nregs; i++)
		if (p->regs[i].v.reg == reg)
			return &p->regs[i];
	return NULL;
}

static int parse_register(const char *path, int line, struct sim_profile *p,
			  char **w, int nw)
{
	unsigned long long reg, len = 0;
	unsigned int unit;
	struct kmp_value v = { 0 };
	const struct sim_reg *dup;
	struct sim_reg *r;
	bool len_given = false;
	int i, ret;

	if (sim_parse_uint(w[0], 0xffff, &reg))
		return perr(path, line, "unknown statement or bad register id '%s'",
			    w[0]);
	if (nw < 3)
		return perr(path, line, "register line needs REG UNIT VALUE [len=N]");
	if (sim_parse_unit(w[1], &unit))
		return perr(path, line, "unknown unit '%s' (a name of the unit table or a code 0..%d)",
			    w[1], KMP_UNIT_MAX);
	ret = kmp_value_from_string(w[2], &v);
	if (ret == -ERANGE)
		return perr(path, line, "value '%s' out of range (mantissa beyond 64 bits or exponent beyond +-63)",
			    w[2]);
	if (ret)
		return perr(path, line, "malformed value '%s'", w[2]);
	for (i = 3; i < nw; i++) {
		if (!strncmp(w[i], "len=", 4) &&
		    !sim_parse_uint(w[i] + 4, KMP_MAX_MANTISSA, &len) && len >= 1) {
			len_given = true;
			continue;
		}
		return perr(path, line, "unknown option '%s' (only len=1..%d)",
			    w[i], KMP_MAX_MANTISSA);
	}
	if (!len_given)
		len = SIM_DEFAULT_LEN;
	if (v.len > len)
		return perr(path, line, "value '%s' needs a %u-byte mantissa, more than len=%llu%s",
			    w[2], v.len, len, len_given ? "" : " (the default)");
	dup = sim_profile_find(p, reg);
	if (dup)
		return perr(path, line, "register 0x%04llx already given on line %d",
			    reg, dup->line);

	r = realloc(p->regs, (p->nregs + 1) * sizeof(*p->regs));
	if (!r)
		return perr(path, line, "out of memory");
	p->regs = r;
	r = &p->regs[p->nregs++];
	v.reg = reg;
	v.unit = unit;
	v.len = len;
	v.present = true;
	r->v = v;
	r->line = line;
	return 0;
}

static int parse_line(const char *path, int line, struct sim_profile *p,
		      char **w, int nw)
{
	unsigned long long v;

	if (!strcmp(w[0], "address")) {
		if (nw != 2 || sim_parse_uint(w[1], 0xff, &v))
			return perr(path, line, "expected 'address 0..255'");
		p->addr = v;
		return 0;
	}
	if (!strcmp(w[0], "type")) {
		if ((nw != 2 && nw != 4) || sim_parse_uint(w[1], 0xffff, &v) ||
		    (nw == 4 && strcmp(w[2], "revision")))
			return perr(path, line, "expected 'type 0..0xffff [revision F1|0..0xffff]'");
		p->type.type = v;
		p->type.revision = 0;
		if (nw == 4 && parse_revision(w[3], &p->type.revision))
			return perr(path, line, "bad revision '%s' (a letter A..Z and 0..255, e.g. F1, or a number 0..0xffff)",
				    w[3]);
		return 0;
	}
	if (!strcmp(w[0], "serial")) {
		if (nw != 2 || sim_parse_uint(w[1], 0xffffffffULL, &v))
			return perr(path, line, "expected 'serial 0..4294967295'");
		p->serial = v;
		return 0;
	}
	return parse_register(path, line, p, w, nw);
}

/**
 * sim_profile_load() - read a profile file
 * @path: the file; NULL for the built-in MULTICAL 403 profile
 * @p: filled in; free with sim_profile_free()
 *
 * Return: 0, or -1 after printing "FILE:LINE: message" to stderr.
 */
int sim_profile_load(const char *path, struct sim_profile *p)
{
	char *buf = NULL, *w[16], *s, *save;
	size_t cap = 0;
	int line = 0, nw, ret = 0;
	FILE *f;

	memset(p, 0, sizeof(*p));
	p->addr = KMP_ADDR_HEAT;

	if (!path) {
		/* the built-in MULTICAL 403 (multical403.profile, compiled in) */
		path = "(built-in multical403.profile)";
		f = fmemopen((void *)sim_builtin_profile,
			     strlen(sim_builtin_profile), "r");
	} else {
		f = fopen(path, "r");
	}
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	while (getline(&buf, &cap, f) >= 0) {
		line++;
		s = strchr(buf, '#');
		if (s)
			*s = '\0';
		nw = 0;
		for (s = strtok_r(buf, " \t\r\n", &save); s;
		     s = strtok_r(NULL, " \t\r\n", &save)) {
			if (nw == (int)ARRAY_SIZE(w)) {
				ret = perr(path, line, "too many words");
				goto out;
			}
			w[nw++] = s;
		}
		if (!nw)
			continue;
		ret = parse_line(path, line, p, w, nw);
		if (ret)
			goto out;
	}
	if (ferror(f))
		ret = perr(path, line, "read error");
out:
	free(buf);
	fclose(f);
	if (ret)
		sim_profile_free(p);
	return ret;
}

void sim_profile_free(struct sim_profile *p)
{
	free(p->regs);
	p->regs = NULL;
	p->nregs = 0;
}
