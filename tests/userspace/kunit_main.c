// SPDX-License-Identifier: GPL-2.0-only
/*
 * Runs the KUnit suites linked into this program (see kunit/test.h) and
 * prints KTAP, then a closing "N passed, N failed" line.  Exit status 1 if
 * any test case failed.
 */
#include <stdarg.h>
#include <stdio.h>

#include "kunit/test.h"

extern struct kunit_suite *__start_kunit_shim_suites[];
extern struct kunit_suite *__stop_kunit_shim_suites[];

const char *kunit_shim_msg(const char *fmt, ...)
{
	static char buf[512];
	va_list ap;

	if (!*fmt)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return buf;
}

static void kunit_shim_print_msg(const char *msg)
{
	if (msg)
		printf("    %s\n", msg);
}

void kunit_shim_fail(struct kunit *test, const char *file, int line,
		     const char *what, long long a, long long b,
		     const char *msg)
{
	test->failures++;
	printf("    # %s: EXPECTATION FAILED at %s:%d\n    Expected %s, but\n"
	       "        left == %lld (0x%llx)\n        right == %lld (0x%llx)\n",
	       test->name, file, line, what, a, (unsigned long long)a, b,
	       (unsigned long long)b);
	kunit_shim_print_msg(msg);
}

void kunit_shim_fail_str(struct kunit *test, const char *file, int line,
			 const char *what, const char *a, const char *b,
			 const char *msg)
{
	test->failures++;
	printf("    # %s: EXPECTATION FAILED at %s:%d\n    Expected %s, but\n"
	       "        left == \"%s\"\n        right == \"%s\"\n",
	       test->name, file, line, what, a ? a : "(null)", b ? b : "(null)");
	kunit_shim_print_msg(msg);
}

static void kunit_shim_run(struct kunit_suite *s, struct kunit *test,
			   struct kunit_case *c)
{
	if (s->init && s->init(test)) {
		test->failures++;
		printf("    # %s: suite init failed\n", test->name);
		return;
	}
	if (!setjmp(test->abort))
		c->run_case(test);
	if (s->exit)
		s->exit(test);
}

int main(void)
{
	struct kunit_suite **s;
	int passed = 0, failed = 0, nsuites = 0;

	nsuites = __stop_kunit_shim_suites - __start_kunit_shim_suites;
	printf("KTAP version 1\n1..%d\n", nsuites);
	for (s = __start_kunit_shim_suites; s < __stop_kunit_shim_suites; s++) {
		struct kunit_case *c;
		int n = 0, i = 0, suite_failed = 0;

		for (c = (*s)->test_cases; c->run_case; c++)
			n++;
		printf("    KTAP version 1\n    # Subtest: %s\n    1..%d\n",
		       (*s)->name, n);
		for (c = (*s)->test_cases; c->run_case; c++) {
			struct kunit test = { .name = c->name };

			kunit_shim_run(*s, &test, c);
			i++;
			printf("    %s %d %s\n", test.failures ? "not ok" : "ok",
			       i, c->name);
			if (test.failures) {
				failed++;
				suite_failed = 1;
			} else {
				passed++;
			}
		}
		printf("%s %d %s\n", suite_failed ? "not ok" : "ok",
		       (int)(s - __start_kunit_shim_suites) + 1, (*s)->name);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
