/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The meter's side of KMP, for tests and the simulated meter: see
 * kmp-meter.c.
 */
#ifndef _KAMSTRUP_KMP_METER_H
#define _KAMSTRUP_KMP_METER_H

#include "../kmp.h"

int kmp_build_reply_registers(u8 *buf, size_t size, u8 addr,
			      const struct kmp_value *vals, unsigned int n);
int kmp_build_reply_type(u8 *buf, size_t size, u8 addr,
			 const struct kmp_type *type);
int kmp_build_reply_serial(u8 *buf, size_t size, u8 addr, u32 serial);
int kmp_decode_request(const struct kmp_frame *frame, u16 *regs,
		       unsigned int *n);
int kmp_value_from_string(const char *s, struct kmp_value *v);

#endif /* _KAMSTRUP_KMP_METER_H */
