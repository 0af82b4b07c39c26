/* SPDX-License-Identifier: MIT */
/* Unit tests of the value parsers: numbers independent of the locale, ISO 8601 and DD/MM/YYYY
 * dates checked against the calendar. */
#include <locale.h>

#include "core/core.h"
#include "harness.h"

static void test_numbers(void)
{
	double v = 0;
	ASSERT_TRUE(pr_parse_double("148123.25", &v));
	ASSERT_DBL_NEAR(v, 148123.25, 0);
	ASSERT_TRUE(pr_parse_double("  -4.5e2 ", &v));
	ASSERT_DBL_NEAR(v, -450, 0);
	ASSERT_TRUE(!pr_parse_double("4,35", &v));
	ASSERT_TRUE(!pr_parse_double("abc", &v));
	ASSERT_TRUE(!pr_parse_double("", &v));
	ASSERT_TRUE(!pr_parse_double("nan", &v));
	ASSERT_TRUE(!pr_parse_double("inf", &v));
	ASSERT_TRUE(!pr_parse_double("1e999", &v));
	ASSERT_TRUE(!pr_parse_double("12 34", &v));
}

static void test_numbers_ignore_locale(void)
{
	/* A locale with a decimal comma must not change how "4.5" parses. */
	if (!setlocale(LC_NUMERIC, "fr_BE.UTF-8") && !setlocale(LC_NUMERIC, "de_DE.UTF-8")) {
		printf("  (no comma locale installed; parsing checked in the C locale)\n");
	}
	double v = 0;
	ASSERT_TRUE(pr_parse_double("4.5", &v));
	ASSERT_DBL_NEAR(v, 4.5, 0);
	setlocale(LC_NUMERIC, "C");
}

static void test_integers(void)
{
	int64_t v = 0;
	ASSERT_TRUE(pr_parse_int64("7", 0, 100, &v));
	ASSERT_INT_EQ(v, 7);
	ASSERT_TRUE(pr_parse_int64("3.0", 0, 100, &v));
	ASSERT_INT_EQ(v, 3);
	ASSERT_TRUE(!pr_parse_int64("3.5", 0, 100, &v));
	ASSERT_TRUE(!pr_parse_int64("three", 0, 100, &v));
	ASSERT_TRUE(!pr_parse_int64("101", 0, 100, &v));
}

static void test_dates(void)
{
	int32_t d = 0;
	char buf[16];
	ASSERT_TRUE(pr_parse_date("2026-11-01", &d));
	pr_format_date(d, buf);
	ASSERT_STR_EQ(buf, "2026-11-01");
	ASSERT_INT_EQ(d, pr_days_from_civil(2026, 11, 1));
	ASSERT_TRUE(pr_parse_date("1970-01-01", &d));
	ASSERT_INT_EQ(d, 0);
	ASSERT_TRUE(pr_parse_date("01/03/2024", &d));
	ASSERT_INT_EQ(d, pr_days_from_civil(2024, 3, 1));
	ASSERT_TRUE(pr_parse_date("2024-02-29", &d));
	ASSERT_TRUE(pr_parse_date("2024-02-29T13:45:10Z", &d));
	ASSERT_INT_EQ(d, pr_days_from_civil(2024, 2, 29));
	ASSERT_TRUE(pr_parse_date("2024-02-29 13:45", &d));
	ASSERT_TRUE(pr_parse_date("2024-02-29T13:45:10.250+01:00", &d));
	ASSERT_TRUE(!pr_parse_date("2023-02-29", &d));
	ASSERT_TRUE(!pr_parse_date("2023-02-30", &d));
	ASSERT_TRUE(!pr_parse_date("31/02/2024", &d));
	ASSERT_TRUE(!pr_parse_date("2025-13-01", &d));
	ASSERT_TRUE(!pr_parse_date("2024-1-5", &d));
	ASSERT_TRUE(!pr_parse_date("2024-01-05T25:00", &d));
	ASSERT_TRUE(!pr_parse_date("yesterday", &d));
	ASSERT_TRUE(!pr_parse_date("", &d));
}

static void test_civil_round_trip(void)
{
	for (int32_t d = -50000; d < 100000; d += 37) {
		int y, m, dd;
		pr_civil_from_days(d, &y, &m, &dd);
		ASSERT_INT_EQ(pr_days_from_civil(y, m, dd), d);
	}
}

static void test_trim(void)
{
	char s[] = "  21004A0123/00B000 \t";
	ASSERT_STR_EQ(pr_trim(s), "21004A0123/00B000");
	ASSERT_TRUE(pr_blank(" \t"));
	ASSERT_TRUE(!pr_blank(" x "));
}

int main(void)
{
	RUN(test_numbers);
	RUN(test_numbers_ignore_locale);
	RUN(test_integers);
	RUN(test_dates);
	RUN(test_civil_round_trip);
	RUN(test_trim);
	return HARNESS_EXIT();
}
