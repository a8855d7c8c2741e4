/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A userspace stand-in for <kunit/test.h>: what the protocol core's KUnit
 * suite (drivers/iio/meter/tests/kmp-test.c) uses, so that it runs
 * unchanged as a normal program under AddressSanitizer and UBSan
 * (kunit_main.c prints KTAP).  The kernel headers the core includes come
 * from userspace/include; <linux/module.h> from tests/userspace/linux.
 *
 * Supported: KUNIT_CASE, kunit_test_suite(s), struct kunit_suite's name
 * and test_cases, and the EXPECT and ASSERT macros for EQ, NE, LT, LE, GT,
 * GE, TRUE, FALSE, NULL, NOT_NULL, PTR_EQ, PTR_NE, STREQ, STRNEQ and
 * MEMEQ, each also with _MSG; KUNIT_FAIL.  Values are compared as long
 * long, which holds every integer the suite compares.
 */
#ifndef _KUNIT_SHIM_TEST_H
#define _KUNIT_SHIM_TEST_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* What the kernel's <kunit/test.h> brings along, from userspace/include */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/string.h>
#include <linux/types.h>

struct kunit {
	const char *name;
	int failures;
	jmp_buf abort;
};

struct kunit_case {
	void (*run_case)(struct kunit *test);
	const char *name;
};

struct kunit_suite {
	const char *name;
	struct kunit_case *test_cases;
	int (*init)(struct kunit *test);
	void (*exit)(struct kunit *test);
};

#define KUNIT_CASE(fn) { .run_case = fn, .name = #fn }

/* Suites are collected in a linker section, as the kernel does */
#define KUNIT_SHIM_CAT2(a, b) a##b
#define KUNIT_SHIM_CAT(a, b) KUNIT_SHIM_CAT2(a, b)
#define kunit_test_suites(...)						\
	static struct kunit_suite *KUNIT_SHIM_CAT(kunit_shim_suites_,	\
						  __COUNTER__)[]	\
	__attribute__((used, section("kunit_shim_suites"),		\
		       aligned(sizeof(void *)))) = { __VA_ARGS__ }
#define kunit_test_suite(suite) kunit_test_suites(&suite)

void kunit_shim_fail(struct kunit *test, const char *file, int line,
		     const char *what, long long a, long long b,
		     const char *msg);
void kunit_shim_fail_str(struct kunit *test, const char *file, int line,
			 const char *what, const char *a, const char *b,
			 const char *msg);
/* The message of a _MSG macro, formatted into a static buffer */
const char *kunit_shim_msg(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* "" without a message: NULL then (the warning about "" is not wanted) */
#pragma GCC diagnostic ignored "-Wformat-zero-length"
#define KUNIT_SHIM_MSG(...) kunit_shim_msg("" __VA_ARGS__)

#define KUNIT_SHIM_BIN(test, left, op, right, fatal, ...) do {		\
		long long _l = (long long)(left);			\
		long long _r = (long long)(right);			\
		if (!(_l op _r)) {					\
			kunit_shim_fail(test, __FILE__, __LINE__,	\
					#left " " #op " " #right, _l, _r, \
					KUNIT_SHIM_MSG(__VA_ARGS__));	\
			if (fatal)					\
				longjmp((test)->abort, 1);		\
		}							\
	} while (0)

#define KUNIT_SHIM_PTR(test, left, op, right, fatal, ...) do {		\
		const void *_l = (left), *_r = (right);			\
		if (!(_l op _r)) {					\
			kunit_shim_fail(test, __FILE__, __LINE__,	\
					#left " " #op " " #right,	\
					(long long)(size_t)_l,		\
					(long long)(size_t)_r,		\
					KUNIT_SHIM_MSG(__VA_ARGS__));	\
			if (fatal)					\
				longjmp((test)->abort, 1);		\
		}							\
	} while (0)

#define KUNIT_SHIM_STR(test, left, right, op, fatal, ...) do {		\
		const char *_l = (left), *_r = (right);			\
		if (!_l || !_r || !(strcmp(_l, _r) op 0)) {		\
			kunit_shim_fail_str(test, __FILE__, __LINE__,	\
					    #left " " #op " " #right,	\
					    _l, _r,			\
					    KUNIT_SHIM_MSG(__VA_ARGS__)); \
			if (fatal)					\
				longjmp((test)->abort, 1);		\
		}							\
	} while (0)

#define KUNIT_SHIM_MEM(test, left, right, size, fatal, ...) do {	\
		if (memcmp((left), (right), (size))) {			\
			kunit_shim_fail(test, __FILE__, __LINE__,	\
					"memcmp(" #left ", " #right ", " \
					#size ") == 0", 1, 0,		\
					KUNIT_SHIM_MSG(__VA_ARGS__));	\
			if (fatal)					\
				longjmp((test)->abort, 1);		\
		}							\
	} while (0)

#define KUNIT_FAIL(t, ...)						\
	kunit_shim_fail(t, __FILE__, __LINE__, "KUNIT_FAIL", 0, 0,	\
			KUNIT_SHIM_MSG(__VA_ARGS__))

#define KUNIT_EXPECT_EQ(t, a, b) KUNIT_SHIM_BIN(t, a, ==, b, 0)
#define KUNIT_EXPECT_NE(t, a, b) KUNIT_SHIM_BIN(t, a, !=, b, 0)
#define KUNIT_EXPECT_LT(t, a, b) KUNIT_SHIM_BIN(t, a, <, b, 0)
#define KUNIT_EXPECT_LE(t, a, b) KUNIT_SHIM_BIN(t, a, <=, b, 0)
#define KUNIT_EXPECT_GT(t, a, b) KUNIT_SHIM_BIN(t, a, >, b, 0)
#define KUNIT_EXPECT_GE(t, a, b) KUNIT_SHIM_BIN(t, a, >=, b, 0)
#define KUNIT_EXPECT_TRUE(t, c) KUNIT_SHIM_BIN(t, !!(c), ==, 1, 0)
#define KUNIT_EXPECT_FALSE(t, c) KUNIT_SHIM_BIN(t, !!(c), ==, 0, 0)
#define KUNIT_EXPECT_NULL(t, p) KUNIT_SHIM_PTR(t, p, ==, NULL, 0)
#define KUNIT_EXPECT_NOT_NULL(t, p) KUNIT_SHIM_PTR(t, p, !=, NULL, 0)
#define KUNIT_EXPECT_PTR_EQ(t, a, b) KUNIT_SHIM_PTR(t, a, ==, b, 0)
#define KUNIT_EXPECT_PTR_NE(t, a, b) KUNIT_SHIM_PTR(t, a, !=, b, 0)
#define KUNIT_EXPECT_STREQ(t, a, b) KUNIT_SHIM_STR(t, a, b, ==, 0)
#define KUNIT_EXPECT_STRNEQ(t, a, b) KUNIT_SHIM_STR(t, a, b, !=, 0)
#define KUNIT_EXPECT_MEMEQ(t, a, b, n) KUNIT_SHIM_MEM(t, a, b, n, 0)

#define KUNIT_EXPECT_EQ_MSG(t, a, b, ...) KUNIT_SHIM_BIN(t, a, ==, b, 0, __VA_ARGS__)
#define KUNIT_EXPECT_NE_MSG(t, a, b, ...) KUNIT_SHIM_BIN(t, a, !=, b, 0, __VA_ARGS__)
#define KUNIT_EXPECT_LT_MSG(t, a, b, ...) KUNIT_SHIM_BIN(t, a, <, b, 0, __VA_ARGS__)
#define KUNIT_EXPECT_LE_MSG(t, a, b, ...) KUNIT_SHIM_BIN(t, a, <=, b, 0, __VA_ARGS__)
#define KUNIT_EXPECT_GT_MSG(t, a, b, ...) KUNIT_SHIM_BIN(t, a, >, b, 0, __VA_ARGS__)
#define KUNIT_EXPECT_GE_MSG(t, a, b, ...) KUNIT_SHIM_BIN(t, a, >=, b, 0, __VA_ARGS__)
#define KUNIT_EXPECT_TRUE_MSG(t, c, ...) KUNIT_SHIM_BIN(t, !!(c), ==, 1, 0, __VA_ARGS__)
#define KUNIT_EXPECT_FALSE_MSG(t, c, ...) KUNIT_SHIM_BIN(t, !!(c), ==, 0, 0, __VA_ARGS__)
#define KUNIT_EXPECT_NULL_MSG(t, p, ...) KUNIT_SHIM_PTR(t, p, ==, NULL, 0, __VA_ARGS__)
#define KUNIT_EXPECT_NOT_NULL_MSG(t, p, ...) KUNIT_SHIM_PTR(t, p, !=, NULL, 0, __VA_ARGS__)
#define KUNIT_EXPECT_PTR_EQ_MSG(t, a, b, ...) KUNIT_SHIM_PTR(t, a, ==, b, 0, __VA_ARGS__)
#define KUNIT_EXPECT_PTR_NE_MSG(t, a, b, ...) KUNIT_SHIM_PTR(t, a, !=, b, 0, __VA_ARGS__)
#define KUNIT_EXPECT_STREQ_MSG(t, a, b, ...) KUNIT_SHIM_STR(t, a, b, ==, 0, __VA_ARGS__)
#define KUNIT_EXPECT_STRNEQ_MSG(t, a, b, ...) KUNIT_SHIM_STR(t, a, b, !=, 0, __VA_ARGS__)
#define KUNIT_EXPECT_MEMEQ_MSG(t, a, b, n, ...) KUNIT_SHIM_MEM(t, a, b, n, 0, __VA_ARGS__)

#define KUNIT_ASSERT_EQ(t, a, b) KUNIT_SHIM_BIN(t, a, ==, b, 1)
#define KUNIT_ASSERT_NE(t, a, b) KUNIT_SHIM_BIN(t, a, !=, b, 1)
#define KUNIT_ASSERT_LT(t, a, b) KUNIT_SHIM_BIN(t, a, <, b, 1)
#define KUNIT_ASSERT_LE(t, a, b) KUNIT_SHIM_BIN(t, a, <=, b, 1)
#define KUNIT_ASSERT_GT(t, a, b) KUNIT_SHIM_BIN(t, a, >, b, 1)
#define KUNIT_ASSERT_GE(t, a, b) KUNIT_SHIM_BIN(t, a, >=, b, 1)
#define KUNIT_ASSERT_TRUE(t, c) KUNIT_SHIM_BIN(t, !!(c), ==, 1, 1)
#define KUNIT_ASSERT_FALSE(t, c) KUNIT_SHIM_BIN(t, !!(c), ==, 0, 1)
#define KUNIT_ASSERT_NULL(t, p) KUNIT_SHIM_PTR(t, p, ==, NULL, 1)
#define KUNIT_ASSERT_NOT_NULL(t, p) KUNIT_SHIM_PTR(t, p, !=, NULL, 1)
#define KUNIT_ASSERT_PTR_EQ(t, a, b) KUNIT_SHIM_PTR(t, a, ==, b, 1)
#define KUNIT_ASSERT_PTR_NE(t, a, b) KUNIT_SHIM_PTR(t, a, !=, b, 1)
#define KUNIT_ASSERT_STREQ(t, a, b) KUNIT_SHIM_STR(t, a, b, ==, 1)
#define KUNIT_ASSERT_STRNEQ(t, a, b) KUNIT_SHIM_STR(t, a, b, !=, 1)
#define KUNIT_ASSERT_MEMEQ(t, a, b, n) KUNIT_SHIM_MEM(t, a, b, n, 1)

#define KUNIT_ASSERT_EQ_MSG(t, a, b, ...) KUNIT_SHIM_BIN(t, a, ==, b, 1, __VA_ARGS__)
#define KUNIT_ASSERT_NE_MSG(t, a, b, ...) KUNIT_SHIM_BIN(t, a, !=, b, 1, __VA_ARGS__)
#define KUNIT_ASSERT_LT_MSG(t, a, b, ...) KUNIT_SHIM_BIN(t, a, <, b, 1, __VA_ARGS__)
#define KUNIT_ASSERT_LE_MSG(t, a, b, ...) KUNIT_SHIM_BIN(t, a, <=, b, 1, __VA_ARGS__)
#define KUNIT_ASSERT_GT_MSG(t, a, b, ...) KUNIT_SHIM_BIN(t, a, >, b, 1, __VA_ARGS__)
#define KUNIT_ASSERT_GE_MSG(t, a, b, ...) KUNIT_SHIM_BIN(t, a, >=, b, 1, __VA_ARGS__)
#define KUNIT_ASSERT_TRUE_MSG(t, c, ...) KUNIT_SHIM_BIN(t, !!(c), ==, 1, 1, __VA_ARGS__)
#define KUNIT_ASSERT_FALSE_MSG(t, c, ...) KUNIT_SHIM_BIN(t, !!(c), ==, 0, 1, __VA_ARGS__)
#define KUNIT_ASSERT_NULL_MSG(t, p, ...) KUNIT_SHIM_PTR(t, p, ==, NULL, 1, __VA_ARGS__)
#define KUNIT_ASSERT_NOT_NULL_MSG(t, p, ...) KUNIT_SHIM_PTR(t, p, !=, NULL, 1, __VA_ARGS__)
#define KUNIT_ASSERT_STREQ_MSG(t, a, b, ...) KUNIT_SHIM_STR(t, a, b, ==, 1, __VA_ARGS__)

#endif /* _KUNIT_SHIM_TEST_H */
