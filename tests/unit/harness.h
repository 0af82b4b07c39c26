/* SPDX-License-Identifier: MIT */
/* A tiny test harness: ASSERT_* macros that report file, line and values, and a runner that
 * counts failures. Each test is a function; main() lists them with RUN(). */
#ifndef PR_TEST_HARNESS_H
#define PR_TEST_HARNESS_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int harness_failures;
static int harness_current_failed;

#define FAIL_AT(...)                                                                               \
	do {                                                                                       \
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                    \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fputc('\n', stderr);                                                               \
		harness_current_failed = 1;                                                        \
	} while (0)

#define ASSERT_TRUE(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			FAIL_AT("expected true: %s", #cond);                                       \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define ASSERT_INT_EQ(a, b)                                                                        \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		if (a_ != b_) {                                                                    \
			FAIL_AT("%s == %s: %lld != %lld", #a, #b, a_, b_);                         \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define ASSERT_DBL_NEAR(a, b, eps)                                                                 \
	do {                                                                                       \
		double a_ = (a), b_ = (b);                                                         \
		if (!(fabs(a_ - b_) <= (eps))) {                                                   \
			FAIL_AT("%s ~ %s: %.17g != %.17g", #a, #b, a_, b_);                        \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define ASSERT_STR_EQ(a, b)                                                                        \
	do {                                                                                       \
		const char *a_ = (a), *b_ = (b);                                                   \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                           \
			FAIL_AT("%s == %s: '%s' != '%s'", #a, #b, a_ ? a_ : "(null)",              \
				b_ ? b_ : "(null)");                                               \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define ASSERT_CONTAINS(haystack, needle)                                                          \
	do {                                                                                       \
		const char *h_ = (haystack), *n_ = (needle);                                       \
		if (!h_ || !strstr(h_, n_)) {                                                      \
			FAIL_AT("'%s' does not contain '%s'", h_ ? h_ : "(null)", n_);             \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define RUN(test)                                                                                  \
	do {                                                                                       \
		harness_current_failed = 0;                                                        \
		test();                                                                            \
		printf("%s %s\n", harness_current_failed ? "FAIL" : "ok  ", #test);                \
		harness_failures += harness_current_failed;                                        \
	} while (0)

#define HARNESS_EXIT() (harness_failures ? 1 : 0)

#endif
