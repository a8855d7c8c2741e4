/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace stand-in for the kernel's <linux/limits.h>: the system's UAPI
 * header of the same name (PATH_MAX, ...), plus the kernel's type limits.
 */
#ifndef _KMP_USER_LINUX_LIMITS_H
#define _KMP_USER_LINUX_LIMITS_H

#include_next <linux/limits.h>

#include <stdint.h>

#define U8_MAX	UINT8_MAX
#define S8_MIN	INT8_MIN
#define S8_MAX	INT8_MAX
#define U16_MAX	UINT16_MAX
#define S16_MIN	INT16_MIN
#define S16_MAX	INT16_MAX
#define U32_MAX	UINT32_MAX
#define S32_MIN	INT32_MIN
#define S32_MAX	INT32_MAX
#define U64_MAX	UINT64_MAX
#define S64_MIN	INT64_MIN
#define S64_MAX	INT64_MAX

#endif /* _KMP_USER_LINUX_LIMITS_H */
