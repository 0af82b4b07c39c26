/* SPDX-License-Identifier: MIT */
/* Fuzz target: the value parsers (numbers, whole numbers, dates) and the one check every source
 * value goes through (pr_value_check), on arbitrary bytes, against every canonical field. Dates
 * that parse must format back to a real calendar day; an accepted value must be in its field's
 * range, valid UTF-8 and, for a closed vocabulary, one of its words; a rejected one's shown value
 * must be valid UTF-8; and a value that parses as text must get the same verdict when it arrives
 * typed (a date's year, month and day; a number), which is what "one validation path" means,
 * with every date format and decimal mark a source may declare. */
#include <math.h>
#include <string.h>

#include "core/core.h"
#include "sources/read_internal.h"
#include "standalone.h"

static bool is_reason(const char *r)
{
	static const char *const reasons[] = {PR_REJECT_BAD_DATE, PR_REJECT_BAD_NUMBER,
					      PR_REJECT_OUT_OF_RANGE, PR_REJECT_UNKNOWN_VALUE,
					      PR_REJECT_BAD_ENCODING};
	for (size_t i = 0; i < sizeof reasons / sizeof *reasons; i++)
		if (strcmp(r, reasons[i]) == 0)
			return true;
	return false;
}

/* The verdict on one value; aborts when an invariant breaks. */
static const char *check_one(const pr_field_def *fd, const pr_value_rules *rules,
			     const raw_value *v, int as_of_year)
{
	pr_checked_value cv;
	char shown[201];
	const char *reason = pr_value_check(fd, rules, v, as_of_year, &cv, shown, sizeof shown);
	if (reason) {
		if (!is_reason(reason) || !pr_utf8_valid(shown, strlen(shown)))
			abort();
		return reason;
	}
	switch (fd->type) {
	case PR_FT_TEXT:
		if (!cv.text)
			break;
		if (!pr_utf8_valid(cv.text, strlen(cv.text)) || strlen(cv.text) > MAX_TEXT_LEN)
			abort();
		if (fd->vocabulary && !fd->open_vocabulary) {
			bool found = false;
			for (const char *const *w = fd->vocabulary; *w; w++)
				found = found || strcmp(cv.text, *w) == 0;
			if (!found)
				abort();
		}
		break;
	case PR_FT_REAL:
	case PR_FT_INT:
		if (isnan(cv.number))
			break;
		if (!isfinite(cv.number) ||
		    (fd->type == PR_FT_INT && cv.number != floor(cv.number)))
			abort();
		if (fd->range == PR_RANGE_FIXED && (cv.number < fd->min || cv.number > fd->max))
			abort();
		if (fd->range == PR_RANGE_AS_OF_YEAR &&
		    (cv.number < fd->min || cv.number > as_of_year + fd->max))
			abort();
		break;
	case PR_FT_DATE: {
		if (cv.date == PR_DATE_NULL)
			break;
		int y, m, d;
		pr_civil_from_days(cv.date, &y, &m, &d);
		double ymd = y * 10000.0 + m * 100 + d;
		if (!pr_valid_civil(y, m, d) ||
		    (fd->range == PR_RANGE_FIXED && (ymd < fd->min || ymd > fd->max)))
			abort();
		break;
	}
	}
	return "ok";
}

/* Every canonical field, the input as text and, where it parses, as a typed value, read with
 * the rules of a source (a date format, a decimal mark). */
static void check_fields(const char *text, int as_of_year, const pr_value_rules *rules)
{
	raw_value as_text = {.kind = RAW_TEXT, .text = text};
	enum pr_date_format format = rules ? rules->date_format : PR_DATE_DMY;
	char decimal = rules ? rules->decimal : '.';
	for (int k = 0; k < PR_SRC_COUNT; k++)
		for (int f = 0; f < pr_source_defs[k].n_fields; f++) {
			const pr_field_def *fd = &pr_source_defs[k].fields[f];
			const char *verdict = check_one(fd, rules, &as_text, as_of_year);
			if (pr_blank(text))
				continue;
			int y, m, d;
			int64_t i;
			double n;
			if (fd->type == PR_FT_DATE && pr_parse_civil_as(text, format, &y, &m, &d)) {
				raw_value typed = {.kind = RAW_DATE, .y = y, .m = m, .d = d};
				if (strcmp(check_one(fd, rules, &typed, as_of_year), verdict) != 0)
					abort();
			}
			if (fd->type == PR_FT_INT &&
			    pr_parse_int64_decimal(text, decimal, -1000000000, 1000000000, &i)) {
				raw_value typed = {.kind = RAW_INTEGER, .integer = i};
				if (strcmp(check_one(fd, rules, &typed, as_of_year), verdict) != 0)
					abort();
			}
			if (fd->type == PR_FT_REAL && pr_parse_double_decimal(text, decimal, &n)) {
				raw_value typed = {.kind = RAW_NUMBER, .number = n};
				if (strcmp(check_one(fd, rules, &typed, as_of_year), verdict) != 0)
					abort();
			}
		}
}

/* The date formats and the decimal comma: what parses is a real day, the same day ISO-written;
 * a number with a decimal comma is the number with a point, and never holds a point. */
static void check_formats(const char *text)
{
	static const enum pr_date_format formats[] = {PR_DATE_DMY, PR_DATE_MDY, PR_DATE_YMD};
	for (size_t i = 0; i < sizeof formats / sizeof *formats; i++) {
		int y, m, d;
		if (!pr_parse_civil_as(text, formats[i], &y, &m, &d))
			continue;
		if (!pr_valid_civil(y, m, d))
			abort();
		char iso[16];
		int y2, m2, d2;
		snprintf(iso, sizeof iso, "%04d-%02d-%02d", y, m, d);
		if (!pr_parse_civil_as(iso, formats[i], &y2, &m2, &d2) || y2 != y || m2 != m ||
		    d2 != d)
			abort();
		/* An order-ambiguous date reads as a day the other way round too. */
		if (formats[i] != PR_DATE_YMD && pr_date_order_ambiguous(text) &&
		    !pr_valid_civil(y, d, m))
			abort();
		pr_value_rules rules = {.decimal = '.', .date_format = formats[i]};
		check_fields(text, 2026, &rules);
	}
	double v, w;
	if (pr_parse_double_decimal(text, ',', &v)) {
		char point[256];
		snprintf(point, sizeof point, "%s", text);
		if (strchr(point, '.'))
			abort();
		for (char *p = point; *p; p++)
			if (*p == ',')
				*p = '.';
		if (!pr_parse_double(point, &w) || w != v)
			abort();
		pr_value_rules rules = {.decimal = ','};
		check_fields(text, 2026, &rules);
	}
}

/* Typed values from raw bytes: dates GDAL may pass through (2023-02-30, month 13), numbers of
 * every size, both held to the checks whatever they are. */
static void check_typed(const uint8_t *data, size_t size, int as_of_year)
{
	if (size < 8)
		return;
	int16_t y;
	int8_t m, d;
	memcpy(&y, data, sizeof y);
	memcpy(&m, data + 2, 1);
	memcpy(&d, data + 3, 1);
	raw_value date = {.kind = RAW_DATE, .y = y, .m = m, .d = d};
	double n;
	int64_t i;
	memcpy(&n, data, sizeof n);
	memcpy(&i, data, sizeof i);
	raw_value number = {.kind = RAW_NUMBER, .number = n};
	raw_value integer = {.kind = RAW_INTEGER, .integer = i};
	for (int k = 0; k < PR_SRC_COUNT; k++)
		for (int f = 0; f < pr_source_defs[k].n_fields; f++) {
			const pr_field_def *fd = &pr_source_defs[k].fields[f];
			check_one(fd, NULL, &date, as_of_year);
			check_one(fd, NULL, &number, as_of_year);
			check_one(fd, NULL, &integer, as_of_year);
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[256];
	size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
	memcpy(text, data, n);
	text[n] = '\0';
	double d;
	int64_t i;
	int32_t days;
	pr_parse_double(text, &d);
	pr_parse_int64(text, -1000000000, 1000000000, &i);
	if (pr_parse_date(text, &days)) {
		char back[16];
		int32_t again;
		pr_format_date(days, back);
		if (!pr_parse_date(back, &again) || again != days)
			abort();
	}
	int y, m, dd;
	if (pr_parse_civil(text, &y, &m, &dd) && !pr_valid_civil(y, m, dd))
		abort();
	char copy[256];
	memcpy(copy, text, n + 1);
	pr_trim(copy);

	/* Text made safe for a message is valid UTF-8 and fits, whatever the bytes. */
	char shown[32];
	pr_text_for_message(text, shown, sizeof shown);
	if (strlen(shown) >= sizeof shown || !pr_utf8_valid(shown, strlen(shown)))
		abort();
	if (pr_utf8_valid(text, strlen(text)) &&
	    !pr_utf8_valid(text, pr_utf8_cut(text, size % (strlen(text) + 1))))
		abort();

	check_fields(text, 2026, NULL);
	check_fields(text, 1990 + (int)(size % 50), NULL);
	check_formats(text);
	check_typed(data, size, 2026);
	return 0;
}
