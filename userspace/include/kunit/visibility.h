/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace stand-in for the kernel's <kunit/visibility.h>: the protocol
 * core (drivers/iio/meter/kmp.c) is built unchanged into kmpctl, kmp-sim,
 * the unit tests and the fuzzer, where every symbol is simply global.
 */
#ifndef _KMP_USER_KUNIT_VISIBILITY_H
#define _KMP_USER_KUNIT_VISIBILITY_H

#define VISIBLE_IF_KUNIT
#define EXPORT_SYMBOL_IF_KUNIT(symbol)

#endif /* _KMP_USER_KUNIT_VISIBILITY_H */
