/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace stand-in for the kernel's <linux/module.h>, for the KUnit
 * suites run as programs (see kunit/test.h): module information is
 * dropped.
 */
#ifndef _KUNIT_SHIM_LINUX_MODULE_H
#define _KUNIT_SHIM_LINUX_MODULE_H

#include_next <linux/module.h>	/* the system's UAPI header */
#include <linux/export.h>

#define MODULE_LICENSE(s)
#define MODULE_DESCRIPTION(s)
#define MODULE_AUTHOR(s)
#define MODULE_IMPORT_NS(ns)

#endif /* _KUNIT_SHIM_LINUX_MODULE_H */
