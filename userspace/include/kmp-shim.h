/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The few kernel types and helpers the KMP protocol core uses, for building
 * drivers/iio/meter/kmp.c unchanged in userspace (kmpctl, kmp-sim, tests,
 * fuzzer).  Nothing here is protocol logic.
 */
#ifndef _KMP_SHIM_H
#define _KMP_SHIM_H

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/iio/types.h>	/* enum iio_chan_type (UAPI) */

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#ifndef S64_MAX
#define S64_MAX INT64_MAX
#endif
#ifndef U64_MAX
#define U64_MAX UINT64_MAX
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* Value formats of read_raw(), as in the kernel's include/linux/iio/types.h */
#define IIO_VAL_INT 1
#define IIO_VAL_INT_PLUS_MICRO 2
#define IIO_VAL_INT_PLUS_NANO 3
#define IIO_VAL_INT_64 6

#define EXPORT_SYMBOL_GPL(sym)
#define MODULE_LICENSE(s)
#define MODULE_DESCRIPTION(s)
#define MODULE_AUTHOR(s)

static inline u64 div_u64_rem(u64 dividend, u32 divisor, u32 *remainder)
{
	*remainder = (u32)(dividend % divisor);
	return dividend / divisor;
}

static inline u32 lower_32_bits(u64 n)
{
	return (u32)n;
}

static inline u32 upper_32_bits(u64 n)
{
	return (u32)(n >> 32);
}

/* CRC-16/ITU-T (polynomial 0x1021, MSB first), as lib/crc-itu-t.c */
static inline u16 crc_itu_t(u16 crc, const u8 *buffer, size_t len)
{
	while (len--) {
		int i;

		crc ^= (u16)(*buffer++ << 8);
		for (i = 0; i < 8; i++)
			crc = (crc & 0x8000) ? (u16)((crc << 1) ^ 0x1021) :
					       (u16)(crc << 1);
	}
	return crc;
}

#endif /* _KMP_SHIM_H */
