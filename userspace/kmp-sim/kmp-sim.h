/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kmp-sim: a simulated Kamstrup heat meter speaking KMP.
 *
 * Copyright (C) 2026 The kamstrup-kmp authors
 */
#ifndef _KMP_SIM_H
#define _KMP_SIM_H

#include <stdio.h>

#include "kmp.h"
#include "kmp-meter.h"	/* replies as a meter builds them */

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* Default mantissa length of a register entry, as real meters send */
#define SIM_DEFAULT_LEN	4

/**
 * struct sim_reg - one register of the simulated meter
 * @v: the entry as it is sent (reg, unit, siex, len, mantissa)
 * @line: line of the profile it comes from
 */
struct sim_reg {
	struct kmp_value v;
	int line;
};

/**
 * struct sim_profile - what the simulated meter knows
 * @addr: the meter's address (requests to another address are ignored)
 * @type: GetType answer
 * @serial: GetSerialNo answer
 * @regs: registers, in profile order
 * @nregs: number of registers
 */
struct sim_profile {
	u8 addr;
	struct kmp_type type;
	u32 serial;
	struct sim_reg *regs;
	size_t nregs;
};

/* userspace/kmp-sim/multical403.profile, as a string (generated at build) */
extern const char sim_builtin_profile[];

int sim_profile_load(const char *path, struct sim_profile *p);
void sim_profile_free(struct sim_profile *p);
const struct sim_reg *sim_profile_find(const struct sim_profile *p, u16 reg);

int sim_parse_uint(const char *s, unsigned long long max,
		   unsigned long long *out);
int sim_parse_unit(const char *s, unsigned int *code);

#endif /* _KMP_SIM_H */
