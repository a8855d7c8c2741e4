/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace stand-in for the kernel's <linux/kernel.h>: the system's UAPI
 * header of the same name, plus the helpers of the kernel's the protocol
 * core uses.
 */
#ifndef _KMP_USER_LINUX_KERNEL_H
#define _KMP_USER_LINUX_KERNEL_H

#include_next <linux/kernel.h>
#include <linux/types.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

static inline u32 lower_32_bits(u64 n)
{
	return (u32)n;
}

static inline u32 upper_32_bits(u64 n)
{
	return (u32)(n >> 32);
}

#endif /* _KMP_USER_LINUX_KERNEL_H */
