/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace stand-in for the kernel's <linux/string.h>: the C library's
 * <string.h> (and the system's UAPI header of the same name).
 */
#ifndef _KMP_USER_LINUX_STRING_H
#define _KMP_USER_LINUX_STRING_H

#include_next <linux/string.h>
#include <string.h>

#endif /* _KMP_USER_LINUX_STRING_H */
