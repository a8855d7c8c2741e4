/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace stand-in for the kernel's <linux/errno.h>: the system's UAPI
 * header of the same name (the E* numbers; glibc's <errno.h> includes it
 * too, so it must be passed on).
 */
#ifndef _KMP_USER_LINUX_ERRNO_H
#define _KMP_USER_LINUX_ERRNO_H

#include_next <linux/errno.h>

#endif /* _KMP_USER_LINUX_ERRNO_H */
