/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A userspace stand-in for <kunit/test.h>: just what the core's KUnit suite
 * uses, so that tests/kunit/kmp_kunit.c runs unchanged as a normal program
 * under AddressSanitizer and UBSan.  Output follows KTAP.
 */
#ifndef _KUNIT_SHIM_TEST_H
#define _KUNIT_SHIM_TEST_H

#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include "kmp-shim.h"

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
};

#define KUNIT_CASE(fn) { .run_case = fn, .name = #fn }

/* Suites are collected in a linker section, as the kernel does */
#define kunit_test_suite(suite)						\
	static struct kunit_suite *kunit_shim_ptr_##suite		\
	__attribute__((used, section("kunit_shim_suites"))) = &suite

void kunit_shim_fail(struct kunit *test, const char *file, int line,
		     const char *what, long long a, long long b);
void kunit_shim_fail_str(struct kunit *test, const char *file, int line,
			 const char *what, const char *a, const char *b);

#define KUNIT_SHIM_BIN(test, left, op, right, fatal) do {		\
		long long _l = (long long)(left);			\
		long long _r = (long long)(right);			\
		if (!(_l op _r)) {					\
			kunit_shim_fail(test, __FILE__, __LINE__,	\
					#left " " #op " " #right, _l, _r); \
			if (fatal)					\
				longjmp((test)->abort, 1);		\
		}							\
	} while (0)

#define KUNIT_SHIM_STR(test, left, right, fatal) do {			\
		const char *_l = (left), *_r = (right);			\
		if (!_l || !_r || strcmp(_l, _r)) {			\
			kunit_shim_fail_str(test, __FILE__, __LINE__,	\
					    #left " == " #right, _l, _r); \
			if (fatal)					\
				longjmp((test)->abort, 1);		\
		}							\
	} while (0)

#define KUNIT_EXPECT_EQ(t, a, b) KUNIT_SHIM_BIN(t, a, ==, b, 0)
#define KUNIT_EXPECT_NE(t, a, b) KUNIT_SHIM_BIN(t, a, !=, b, 0)
#define KUNIT_EXPECT_LT(t, a, b) KUNIT_SHIM_BIN(t, a, <, b, 0)
#define KUNIT_EXPECT_LE(t, a, b) KUNIT_SHIM_BIN(t, a, <=, b, 0)
#define KUNIT_EXPECT_GT(t, a, b) KUNIT_SHIM_BIN(t, a, >, b, 0)
#define KUNIT_EXPECT_GE(t, a, b) KUNIT_SHIM_BIN(t, a, >=, b, 0)
#define KUNIT_EXPECT_TRUE(t, c) KUNIT_SHIM_BIN(t, !!(c), ==, 1, 0)
#define KUNIT_EXPECT_FALSE(t, c) KUNIT_SHIM_BIN(t, !!(c), ==, 0, 0)
#define KUNIT_EXPECT_NULL(t, p) KUNIT_SHIM_BIN(t, (p) == NULL, ==, 1, 0)
#define KUNIT_EXPECT_NOT_NULL(t, p) KUNIT_SHIM_BIN(t, (p) != NULL, ==, 1, 0)
#define KUNIT_EXPECT_STREQ(t, a, b) KUNIT_SHIM_STR(t, a, b, 0)

#define KUNIT_ASSERT_EQ(t, a, b) KUNIT_SHIM_BIN(t, a, ==, b, 1)
#define KUNIT_ASSERT_NE(t, a, b) KUNIT_SHIM_BIN(t, a, !=, b, 1)
#define KUNIT_ASSERT_LT(t, a, b) KUNIT_SHIM_BIN(t, a, <, b, 1)
#define KUNIT_ASSERT_LE(t, a, b) KUNIT_SHIM_BIN(t, a, <=, b, 1)
#define KUNIT_ASSERT_GT(t, a, b) KUNIT_SHIM_BIN(t, a, >, b, 1)
#define KUNIT_ASSERT_GE(t, a, b) KUNIT_SHIM_BIN(t, a, >=, b, 1)
#define KUNIT_ASSERT_TRUE(t, c) KUNIT_SHIM_BIN(t, !!(c), ==, 1, 1)
#define KUNIT_ASSERT_FALSE(t, c) KUNIT_SHIM_BIN(t, !!(c), ==, 0, 1)
#define KUNIT_ASSERT_NOT_NULL(t, p) KUNIT_SHIM_BIN(t, (p) != NULL, ==, 1, 1)

#endif /* _KUNIT_SHIM_TEST_H */
