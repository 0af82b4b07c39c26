/* SPDX-License-Identifier: MIT */
/* Unit tests of the value parsers: numbers independent of the locale, ISO 8601 and DD/MM/YYYY
 * dates checked against the calendar, the UTF-8 check and text made safe for messages. */
#include <locale.h>
#include <stdio.h>

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

static void test_civil(void)
{
	int y = 0, m = 0, d = 0;
	/* Any four-digit year parses; whether it is plausible is the field's rule. */
	ASSERT_TRUE(pr_parse_civil("1799-12-31", &y, &m, &d));
	ASSERT_INT_EQ(y * 10000 + m * 100 + d, 17991231);
	ASSERT_TRUE(pr_parse_civil("01/01/2101", &y, &m, &d));
	ASSERT_INT_EQ(y * 10000 + m * 100 + d, 21010101);
	ASSERT_TRUE(pr_parse_civil("0999-06-01T10:00", &y, &m, &d));
	ASSERT_TRUE(!pr_parse_civil("2023-02-29", &y, &m, &d));
	ASSERT_TRUE(pr_parse_civil("2024-02-29", &y, &m, &d));
	ASSERT_TRUE(!pr_parse_civil("2026-13-45", &y, &m, &d));
	ASSERT_TRUE(!pr_parse_civil("2024-04-31", &y, &m, &d));
	/* pr_parse_date keeps its bounds for the dates users give. */
	int32_t days;
	ASSERT_TRUE(!pr_parse_date("1799-12-31", &days));
	ASSERT_TRUE(pr_parse_date("2200-12-31", &days));
	ASSERT_TRUE(!pr_parse_date("2201-01-01", &days));

	ASSERT_TRUE(pr_valid_civil(2024, 2, 29));
	ASSERT_TRUE(!pr_valid_civil(2023, 2, 29));
	ASSERT_TRUE(pr_valid_civil(2000, 2, 29));
	ASSERT_TRUE(!pr_valid_civil(1900, 2, 29));
	ASSERT_TRUE(!pr_valid_civil(2024, 2, 31));
	ASSERT_TRUE(!pr_valid_civil(2026, 13, 45));
	ASSERT_TRUE(!pr_valid_civil(2026, 0, 1));
	ASSERT_TRUE(!pr_valid_civil(2026, 1, 0));
	ASSERT_TRUE(!pr_valid_civil(10000, 1, 1));
	ASSERT_TRUE(!pr_valid_civil(-1, 1, 1));
}

#define VALID(s) pr_utf8_valid((s), sizeof(s) - 1)

static void test_utf8(void)
{
	ASSERT_TRUE(VALID(""));
	ASSERT_TRUE(VALID("insalubrit\xC3\xA9")); /* é */
	ASSERT_TRUE(VALID("\xE2\x82\xAC"));	  /* € */
	ASSERT_TRUE(VALID("\xF0\x9F\x8F\xA0"));	  /* U+1F3E0 */
	ASSERT_TRUE(VALID("\xEF\xBF\xBF"));	  /* U+FFFF */
	ASSERT_TRUE(VALID("\xF4\x8F\xBF\xBF"));	  /* U+10FFFF, the last */
	ASSERT_TRUE(VALID("\xED\x9F\xBF"));	  /* U+D7FF, before the surrogates */
	ASSERT_TRUE(!VALID("insalubrit\xE9"));	  /* latin-1 é */
	ASSERT_TRUE(!VALID("\x80"));		  /* a lone continuation byte */
	ASSERT_TRUE(!VALID("\xC3"));		  /* cut short */
	ASSERT_TRUE(!VALID("\xE2\x82"));	  /* cut short */
	ASSERT_TRUE(!VALID("\xC3x"));		  /* not continued */
	ASSERT_TRUE(!VALID("\xC0\xAF"));	  /* overlong '/' */
	ASSERT_TRUE(!VALID("\xC1\xBF"));	  /* overlong */
	ASSERT_TRUE(!VALID("\xE0\x80\xAF"));	  /* overlong, three bytes */
	ASSERT_TRUE(!VALID("\xE0\x9F\xBF"));	  /* overlong U+07FF */
	ASSERT_TRUE(!VALID("\xF0\x80\x80\xAF"));  /* overlong, four bytes */
	ASSERT_TRUE(!VALID("\xF0\x8F\xBF\xBF"));  /* overlong U+FFFF */
	ASSERT_TRUE(!VALID("\xED\xA0\x80"));	  /* U+D800, a surrogate */
	ASSERT_TRUE(!VALID("\xED\xBF\xBF"));	  /* U+DFFF, a surrogate */
	ASSERT_TRUE(!VALID("\xF4\x90\x80\x80"));  /* U+110000 */
	ASSERT_TRUE(!VALID("\xF5\x80\x80\x80"));  /* no such lead byte */
	ASSERT_TRUE(!VALID("\xFE"));
	ASSERT_TRUE(!VALID("\xFF"));
	ASSERT_TRUE(!VALID("\xED\xA0\x80\xED\xB0\x80")); /* CESU-8 pair */
}

static void test_text_for_message(void)
{
	char buf[16];
	ASSERT_STR_EQ(pr_text_for_message("caf\xE9", buf, sizeof buf), "caf\\xE9");
	ASSERT_TRUE(pr_utf8_valid(buf, strlen(buf)));
	ASSERT_STR_EQ(pr_text_for_message("caf\xC3\xA9", buf, sizeof buf), "caf\xC3\xA9");
	ASSERT_STR_EQ(pr_text_for_message(NULL, buf, sizeof buf), "");
	/* Cut to fit, never inside a character or an escape. */
	ASSERT_STR_EQ(pr_text_for_message("abcdefghijklm\xC3\xA9", buf, sizeof buf),
		      "abcdefghijklm\xC3\xA9");
	ASSERT_STR_EQ(pr_text_for_message("abcdefghijklmn\xC3\xA9", buf, sizeof buf),
		      "abcdefghijklmn");
	ASSERT_STR_EQ(pr_text_for_message("abcdefghijkl\xFF", buf, sizeof buf), "abcdefghijkl");
	ASSERT_STR_EQ(pr_text_for_message("abcdefghijk\xFF", buf, sizeof buf), "abcdefghijk\\xFF");
	/* A surrogate's bytes are escaped one by one. */
	ASSERT_STR_EQ(pr_text_for_message("\xED\xA0\x80", buf, sizeof buf), "\\xED\\xA0\\x80");

	ASSERT_INT_EQ(pr_utf8_cut("ab\xC3\xA9", 3), 2);
	ASSERT_INT_EQ(pr_utf8_cut("ab\xC3\xA9", 4), 4);
	ASSERT_INT_EQ(pr_utf8_cut("ab\xC3\xA9", 99), 4);
	ASSERT_INT_EQ(pr_utf8_cut("\xF0\x9F\x8F\xA0x", 3), 0);
}

static void test_fold_and_coordinates(void)
{
	ASSERT_TRUE(pr_ascii_equal_fold("Major", "major"));
	ASSERT_TRUE(pr_ascii_equal_fold("CLOSURE", "closure"));
	ASSERT_TRUE(!pr_ascii_equal_fold("majors", "major"));
	ASSERT_TRUE(!pr_ascii_equal_fold("\xC3\x89", "\xC3\xA9")); /* É is not folded yet */
	char buf[40];
	ASSERT_STR_EQ(pr_format_coordinate(147321.1, buf, sizeof buf), "147321.10");
	ASSERT_STR_EQ(pr_format_coordinate(-0.005, buf, sizeof buf), "-0.01");
	ASSERT_STR_EQ(pr_format_coordinate(1e308, buf, sizeof buf), "1e+308");
	ASSERT_STR_EQ(pr_format_coordinate(-1.5e300, buf, sizeof buf), "-1.5000000000000001e+300");
	ASSERT_STR_EQ(pr_format_coordinate(INFINITY, buf, sizeof buf), "inf");
}

static void test_decimal_comma(void)
{
	double v = 0;
	int64_t i = 0;
	ASSERT_TRUE(pr_parse_double_decimal("4,3326790", ',', &v));
	ASSERT_DBL_NEAR(v, 4.332679, 1e-12);
	ASSERT_TRUE(pr_parse_double_decimal(" 1234,5 ", ',', &v));
	ASSERT_DBL_NEAR(v, 1234.5, 0);
	ASSERT_TRUE(pr_parse_double_decimal("-12", ',', &v));
	ASSERT_DBL_NEAR(v, -12, 0);
	/* A dot may be a thousands separator: refused, as is a second comma. */
	ASSERT_TRUE(!pr_parse_double_decimal("1.234,5", ',', &v));
	ASSERT_TRUE(!pr_parse_double_decimal("1234.5", ',', &v));
	ASSERT_TRUE(!pr_parse_double_decimal("1,2,3", ',', &v));
	ASSERT_TRUE(!pr_parse_double_decimal(",", ',', &v));
	/* Without decimal = , nothing changes: 4,35 is not a number. */
	ASSERT_TRUE(!pr_parse_double_decimal("4,35", '.', &v));
	ASSERT_TRUE(pr_parse_double_decimal("4.35", '.', &v));
	ASSERT_TRUE(pr_parse_int64_decimal("3,0", ',', 0, 10, &i));
	ASSERT_INT_EQ(i, 3);
	ASSERT_TRUE(!pr_parse_int64_decimal("3,5", ',', 0, 10, &i));
	ASSERT_TRUE(!pr_parse_int64_decimal("3.0", ',', 0, 10, &i));
	ASSERT_TRUE(!pr_parse_int64_decimal("3,0", '.', 0, 10, &i));
}

static void test_date_formats(void)
{
	int y = 0, m = 0, d = 0;
	ASSERT_TRUE(pr_parse_civil_as("05/03/2024", PR_DATE_DMY, &y, &m, &d));
	ASSERT_TRUE(y == 2024 && m == 3 && d == 5);
	ASSERT_TRUE(pr_parse_civil_as("05/03/2024", PR_DATE_MDY, &y, &m, &d));
	ASSERT_TRUE(y == 2024 && m == 5 && d == 3);
	ASSERT_TRUE(pr_parse_civil_as(" 2024/03/05 ", PR_DATE_YMD, &y, &m, &d));
	ASSERT_TRUE(y == 2024 && m == 3 && d == 5);
	/* ISO is read whatever the format. */
	ASSERT_TRUE(pr_parse_civil_as("2024-03-05", PR_DATE_MDY, &y, &m, &d));
	ASSERT_TRUE(m == 3 && d == 5);
	ASSERT_TRUE(pr_parse_civil_as("2024-03-05T10:00Z", PR_DATE_YMD, &y, &m, &d));
	/* Strictly the form said, a real day, four-digit years. */
	ASSERT_TRUE(!pr_parse_civil_as("25/03/2024", PR_DATE_MDY, &y, &m, &d));
	ASSERT_TRUE(!pr_parse_civil_as("03/25/2024", PR_DATE_DMY, &y, &m, &d));
	ASSERT_TRUE(pr_parse_civil_as("03/25/2024", PR_DATE_MDY, &y, &m, &d));
	ASSERT_TRUE(!pr_parse_civil_as("02/30/2024", PR_DATE_MDY, &y, &m, &d));
	ASSERT_TRUE(pr_parse_civil_as("02/29/2024", PR_DATE_MDY, &y, &m, &d));
	ASSERT_TRUE(!pr_parse_civil_as("02/29/2023", PR_DATE_MDY, &y, &m, &d));
	ASSERT_TRUE(!pr_parse_civil_as("2024/02/30", PR_DATE_YMD, &y, &m, &d));
	ASSERT_TRUE(!pr_parse_civil_as("05/03/24", PR_DATE_DMY, &y, &m, &d));
	ASSERT_TRUE(!pr_parse_civil_as("05/03/24", PR_DATE_MDY, &y, &m, &d));
	ASSERT_TRUE(!pr_parse_civil_as("24/03/05", PR_DATE_YMD, &y, &m, &d));
	ASSERT_TRUE(!pr_parse_civil_as("05/03/2024", PR_DATE_YMD, &y, &m, &d));
	ASSERT_TRUE(!pr_parse_civil_as("2024/03/05", PR_DATE_DMY, &y, &m, &d));
	ASSERT_TRUE(!pr_parse_civil_as("5/3/2024", PR_DATE_DMY, &y, &m, &d));
	ASSERT_TRUE(!pr_parse_civil_as("05/03/2024 10:00", PR_DATE_DMY, &y, &m, &d));
	/* The default is unchanged. */
	ASSERT_TRUE(pr_parse_civil("05/03/2024", &y, &m, &d));
	ASSERT_TRUE(m == 3 && d == 5);
	/* Which slashed dates cannot tell their order. */
	ASSERT_TRUE(pr_date_order_ambiguous("05/03/2024"));
	ASSERT_TRUE(pr_date_order_ambiguous("12/12/2024"));
	ASSERT_TRUE(!pr_date_order_ambiguous("13/03/2024"));
	ASSERT_TRUE(!pr_date_order_ambiguous("03/13/2024"));
	ASSERT_TRUE(!pr_date_order_ambiguous("2024-03-05"));
	ASSERT_TRUE(!pr_date_order_ambiguous("2024/03/05"));
}

/* Text stored once: repeated values share their bytes, a reference survives the pool growing,
 * a column of distinct values stops looking for copies, and freezing keeps every value. */
static void test_text_pool(void)
{
	pr_text_pool pool = {0};
	uint32_t none = 1, a = 0, b = 0, a2 = 0, empty = 0;
	ASSERT_INT_EQ(pr_text_pool_add(&pool, NULL, &none), 0);
	ASSERT_INT_EQ(none, 0);
	ASSERT_TRUE(pr_text_pool_get(&pool, none) == NULL);
	ASSERT_INT_EQ(pr_text_pool_add(&pool, "Jansen NV", &a), 0);
	ASSERT_INT_EQ(pr_text_pool_add(&pool, "Peeters", &b), 0);
	ASSERT_INT_EQ(pr_text_pool_add(&pool, "Jansen NV", &a2), 0);
	ASSERT_INT_EQ(pr_text_pool_add(&pool, "", &empty), 0);
	ASSERT_TRUE(a != 0 && b != 0 && empty != 0 && a != b && a != empty);
	ASSERT_INT_EQ(a2, a);
	ASSERT_INT_EQ(pool.distinct, 3);
	/* A prefix is another value. */
	uint32_t prefix = 0;
	ASSERT_INT_EQ(pr_text_pool_add(&pool, "Jansen", &prefix), 0);
	ASSERT_TRUE(prefix != a);
	/* Few distinct values among many: the pool keeps looking and grows little. */
	char word[32];
	for (int i = 0; i < 200000; i++) {
		snprintf(word, sizeof word, "category %d", i % 50);
		uint32_t ref;
		ASSERT_INT_EQ(pr_text_pool_add(&pool, word, &ref), 0);
	}
	ASSERT_TRUE(!pool.plain);
	ASSERT_INT_EQ(pool.distinct, 54);
	ASSERT_STR_EQ(pr_text_pool_get(&pool, a), "Jansen NV");
	ASSERT_STR_EQ(pr_text_pool_get(&pool, empty), "");
	pr_text_pool_freeze(&pool);
	ASSERT_STR_EQ(pr_text_pool_get(&pool, b), "Peeters");
	pr_text_pool_free(&pool);

	/* Ids, all distinct: past the first judgement the hash table goes, every value stays. */
	static uint32_t refs[100000];
	for (int i = 0; i < 100000; i++) {
		snprintf(word, sizeof word, "62001A%06d", i);
		ASSERT_INT_EQ(pr_text_pool_add(&pool, word, &refs[i]), 0);
	}
	ASSERT_TRUE(pool.plain && pool.slots == NULL);
	for (int i = 0; i < 100000; i += 997) {
		snprintf(word, sizeof word, "62001A%06d", i);
		ASSERT_STR_EQ(pr_text_pool_get(&pool, refs[i]), word);
	}
	pr_text_pool_free(&pool);
}

/* The table of date texts gives what formatting gives, over its whole range and not beyond. */
static void test_date_text(void)
{
	char buf[11];
	int32_t first = pr_days_from_civil(1800, 1, 1), end = pr_days_from_civil(2200, 1, 1);
	for (int32_t d = first; d < end; d += 97) {
		pr_format_date(d, buf);
		ASSERT_STR_EQ(pr_date_text(d), buf);
	}
	ASSERT_STR_EQ(pr_date_text(first), "1800-01-01");
	ASSERT_STR_EQ(pr_date_text(0), "1970-01-01");
	ASSERT_STR_EQ(pr_date_text(pr_days_from_civil(2024, 2, 29)), "2024-02-29");
	ASSERT_STR_EQ(pr_date_text(end - 1), "2199-12-31");
	ASSERT_TRUE(pr_date_text(end) == NULL);
	ASSERT_TRUE(pr_date_text(first - 1) == NULL);
}

/* The radix sort against a plain comparison: keys in order, equal keys in their first order,
 * nothing lost; with keys over a small range (high bytes shared, their passes skipped) and over
 * the whole range; and float keys ordered as the floats. */
static void test_sort_by_high_u32(void)
{
	enum { N = 20000 };
	static uint64_t a[N], tmp[N];
	uint64_t state = 3;
	const uint32_t ranges[] = {0, 40, 70000, UINT32_MAX};
	for (size_t r = 0; r < sizeof ranges / sizeof *ranges; r++) {
		for (size_t i = 0; i < N; i++) {
			state = state * 6364136223846793005ULL + 1442695040888963407ULL;
			uint32_t key = ranges[r] ? (uint32_t)(state >> 32) % ranges[r] : 7;
			if (ranges[r] == UINT32_MAX)
				key = (uint32_t)(state >> 32);
			a[i] = (uint64_t)key << 32 | (uint32_t)i;
		}
		pr_sort_by_high_u32(a, tmp, N);
		static char seen[N];
		memset(seen, 0, sizeof seen);
		for (size_t i = 0; i < N; i++) {
			uint32_t at = (uint32_t)a[i];
			ASSERT_TRUE(at < N && !seen[at]);
			seen[at] = 1;
			if (i > 0) {
				ASSERT_TRUE(a[i - 1] >> 32 <= a[i] >> 32);
				if (a[i - 1] >> 32 == a[i] >> 32)
					ASSERT_TRUE((uint32_t)a[i - 1] < at);
			}
		}
	}
	const float f[] = {-INFINITY, -3e38f, -2.5f, -1e-40f, -0.0f,   0.0f,
			   1e-40f,    1.0f,   2.5f,  3e38f,   INFINITY};
	for (size_t i = 1; i < sizeof f / sizeof *f; i++)
		ASSERT_TRUE(pr_float_sort_key(f[i - 1]) < pr_float_sort_key(f[i]));
	ASSERT_TRUE(pr_float_sort_key(NAN) > pr_float_sort_key(INFINITY));
	ASSERT_TRUE(pr_float_sort_key(-NAN) < pr_float_sort_key(-INFINITY));
}

int main(void)
{
	RUN(test_decimal_comma);
	RUN(test_date_formats);
	RUN(test_numbers);
	RUN(test_numbers_ignore_locale);
	RUN(test_integers);
	RUN(test_dates);
	RUN(test_civil_round_trip);
	RUN(test_trim);
	RUN(test_civil);
	RUN(test_utf8);
	RUN(test_text_for_message);
	RUN(test_fold_and_coordinates);
	RUN(test_text_pool);
	RUN(test_date_text);
	RUN(test_sort_by_high_u32);
	return HARNESS_EXIT();
}
