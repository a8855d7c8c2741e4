/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace stand-in for the kernel-internal <linux/types.h>: the system's
 * UAPI header of the same name (__u8 ... __u64, which the ioctl header
 * include/uapi/linux/kamstrup-kmp.h needs), plus the kernel's short type
 * names and bool, for building the protocol core in userspace.
 */
#ifndef _KMP_USER_LINUX_TYPES_H
#define _KMP_USER_LINUX_TYPES_H

#include_next <linux/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#endif /* _KMP_USER_LINUX_TYPES_H */
