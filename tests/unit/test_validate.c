/* SPDX-License-Identifier: MIT */
/* Unit tests of the one check every source value goes through (pr_value_check): the same rules
 * for text and for typed values, the plausible ranges at their boundaries, the calendar, the
 * closed vocabulary of outcomes and the UTF-8 check, each with the reject reason and the value
 * shown as the source has it. */
#include "address/address.h"
#include "harness.h"
#include "sources/read_internal.h"

#define AS_OF_YEAR 2026

static const pr_field_def *field(int source, const char *name)
{
	const pr_source_def *def = &pr_source_defs[source];
	for (int f = 0; f < def->n_fields; f++)
		if (strcmp(def->fields[f].name, name) == 0)
			return &def->fields[f];
	return NULL;
}

static raw_value text(const char *s)
{
	return (raw_value){.kind = RAW_TEXT, .text = s};
}

static raw_value integer(int64_t i)
{
	return (raw_value){.kind = RAW_INTEGER, .integer = i};
}

static raw_value number(double n)
{
	return (raw_value){.kind = RAW_NUMBER, .number = n};
}

static raw_value date(int y, int m, int d)
{
	return (raw_value){.kind = RAW_DATE, .y = y, .m = m, .d = d};
}

static pr_checked_value checked;
static char shown[201];

/* The reason a value is rejected for, or "ok". */
static const char *check(const pr_field_def *fd, raw_value v)
{
	shown[0] = '\0';
	const char *reason =
	    pr_value_check(fd, NULL, &v, AS_OF_YEAR, &checked, shown, sizeof shown);
	return reason ? reason : "ok";
}

static void test_persons(void)
{
	const pr_field_def *persons = field(PR_SRC_POPULATION, "persons");
	ASSERT_TRUE(persons);
	/* Text and typed values meet the same bounds. */
	ASSERT_STR_EQ(check(persons, text("0")), PR_REJECT_OUT_OF_RANGE);
	ASSERT_STR_EQ(shown, "0");
	ASSERT_STR_EQ(check(persons, text("1")), "ok");
	ASSERT_DBL_NEAR(checked.number, 1, 0);
	ASSERT_STR_EQ(check(persons, text("99")), "ok");
	ASSERT_STR_EQ(check(persons, text("100")), PR_REJECT_OUT_OF_RANGE);
	ASSERT_STR_EQ(check(persons, text("-3")), PR_REJECT_OUT_OF_RANGE);
	ASSERT_STR_EQ(shown, "-3");
	ASSERT_STR_EQ(check(persons, text("1000000000")), PR_REJECT_OUT_OF_RANGE);
	ASSERT_STR_EQ(check(persons, integer(0)), PR_REJECT_OUT_OF_RANGE);
	ASSERT_STR_EQ(check(persons, integer(1)), "ok");
	ASSERT_STR_EQ(check(persons, integer(99)), "ok");
	ASSERT_STR_EQ(check(persons, integer(100)), PR_REJECT_OUT_OF_RANGE);
	ASSERT_STR_EQ(shown, "100");
	ASSERT_STR_EQ(check(persons, number(99.0)), "ok");
	ASSERT_STR_EQ(check(persons, number(1e308)), PR_REJECT_BAD_NUMBER);
	ASSERT_STR_EQ(shown, "1e+308");
	/* Not a number at all: the value as written, not ''. */
	ASSERT_STR_EQ(check(persons, text("abc")), PR_REJECT_BAD_NUMBER);
	ASSERT_STR_EQ(shown, "abc");
	ASSERT_STR_EQ(check(persons, text("3.5")), PR_REJECT_BAD_NUMBER);
	ASSERT_STR_EQ(check(persons, number(3.5)), PR_REJECT_BAD_NUMBER);
	ASSERT_STR_EQ(shown, "3.5");
	ASSERT_STR_EQ(check(persons, text("3.0")), "ok");
	/* Missing is missing data, not a reject. */
	ASSERT_STR_EQ(check(persons, text("  ")), "ok");
	ASSERT_TRUE(isnan(checked.number));
	ASSERT_STR_EQ(check(persons, (raw_value){.kind = RAW_MISSING}), "ok");
}

static void test_parcel_numbers(void)
{
	const pr_field_def *dwellings = field(PR_SRC_PARCELS, "dwellings");
	const pr_field_def *area = field(PR_SRC_PARCELS, "floor_area_m2");
	const pr_field_def *built = field(PR_SRC_PARCELS, "build_year");
	ASSERT_TRUE(dwellings && area && built);
	ASSERT_STR_EQ(check(dwellings, integer(-1)), PR_REJECT_OUT_OF_RANGE);
	ASSERT_STR_EQ(check(dwellings, integer(0)), "ok");
	ASSERT_STR_EQ(check(dwellings, text("10000")), "ok");
	ASSERT_STR_EQ(check(dwellings, integer(10001)), PR_REJECT_OUT_OF_RANGE);

	ASSERT_STR_EQ(check(area, number(0.5)), PR_REJECT_OUT_OF_RANGE);
	ASSERT_STR_EQ(shown, "0.5");
	ASSERT_STR_EQ(check(area, text("1")), "ok");
	ASSERT_STR_EQ(check(area, number(1000000)), "ok");
	ASSERT_STR_EQ(check(area, text("1000000.5")), PR_REJECT_OUT_OF_RANGE);
	ASSERT_STR_EQ(check(area, number(INFINITY)), PR_REJECT_BAD_NUMBER);
	ASSERT_STR_EQ(check(area, number(NAN)), PR_REJECT_BAD_NUMBER);
	ASSERT_STR_EQ(check(area, text("4,35")), PR_REJECT_BAD_NUMBER);

	/* From the year 1000 to five years after the as-of year. */
	ASSERT_STR_EQ(check(built, integer(999)), PR_REJECT_OUT_OF_RANGE);
	ASSERT_STR_EQ(check(built, text("1000")), "ok");
	ASSERT_STR_EQ(check(built, integer(AS_OF_YEAR + 5)), "ok");
	ASSERT_STR_EQ(check(built, integer(AS_OF_YEAR + 6)), PR_REJECT_OUT_OF_RANGE);
	ASSERT_STR_EQ(shown, "2032");
}

/* Every date field has the same range, from text and from a typed date alike. */
static void test_date_ranges(void)
{
	for (int k = 0; k < PR_SRC_COUNT; k++)
		for (int f = 0; f < pr_source_defs[k].n_fields; f++) {
			const pr_field_def *fd = &pr_source_defs[k].fields[f];
			if (fd->type != PR_FT_DATE)
				continue;
			ASSERT_STR_EQ(check(fd, text("1799-12-31")), PR_REJECT_OUT_OF_RANGE);
			ASSERT_STR_EQ(shown, "1799-12-31");
			ASSERT_STR_EQ(check(fd, text("1800-01-01")), "ok");
			ASSERT_INT_EQ(checked.date, pr_days_from_civil(1800, 1, 1));
			ASSERT_STR_EQ(check(fd, text("31/12/2100")), "ok");
			ASSERT_STR_EQ(check(fd, text("2101-01-01")), PR_REJECT_OUT_OF_RANGE);
			ASSERT_STR_EQ(check(fd, date(1799, 12, 31)), PR_REJECT_OUT_OF_RANGE);
			ASSERT_STR_EQ(check(fd, date(1800, 1, 1)), "ok");
			ASSERT_STR_EQ(check(fd, date(2100, 12, 31)), "ok");
			ASSERT_STR_EQ(check(fd, date(2101, 1, 1)), PR_REJECT_OUT_OF_RANGE);
			ASSERT_STR_EQ(shown, "2101-01-01");
		}
}

static void test_calendar(void)
{
	const pr_field_def *registered = field(PR_SRC_POPULATION, "registered");
	ASSERT_TRUE(registered);
	ASSERT_STR_EQ(check(registered, text("2023-02-29")), PR_REJECT_BAD_DATE);
	ASSERT_STR_EQ(check(registered, text("2024-02-29")), "ok");
	ASSERT_INT_EQ(checked.date, pr_days_from_civil(2024, 2, 29));
	/* A typed date is held to the same calendar: GDAL passes these through as they are. */
	ASSERT_STR_EQ(check(registered, date(2023, 2, 29)), PR_REJECT_BAD_DATE);
	ASSERT_STR_EQ(check(registered, date(2024, 2, 29)), "ok");
	ASSERT_STR_EQ(check(registered, date(2023, 2, 30)), PR_REJECT_BAD_DATE);
	ASSERT_STR_EQ(shown, "2023-02-30");
	ASSERT_STR_EQ(check(registered, date(2024, 2, 31)), PR_REJECT_BAD_DATE);
	ASSERT_STR_EQ(check(registered, date(2026, 13, 45)), PR_REJECT_BAD_DATE);
	ASSERT_STR_EQ(check(registered, date(0, 0, 0)), PR_REJECT_BAD_DATE);
	ASSERT_STR_EQ(check(registered, text("2026-13-45")), PR_REJECT_BAD_DATE);
	ASSERT_STR_EQ(shown, "2026-13-45");
	ASSERT_STR_EQ(check(registered, text("2024-02-29T23:59:59+01:00")), "ok");
	ASSERT_STR_EQ(check(registered, integer(20240229)), PR_REJECT_BAD_DATE);
	ASSERT_STR_EQ(shown, "20240229");
}

static void test_vocabulary(void)
{
	const pr_field_def *outcome = field(PR_SRC_INSPECTIONS, "outcome");
	ASSERT_TRUE(outcome && outcome->vocabulary);
	/* Categories stay open. */
	ASSERT_TRUE(outcome->open_vocabulary == false);
	ASSERT_TRUE(field(PR_SRC_COMPLAINTS, "category")->open_vocabulary);
	ASSERT_STR_EQ(check(outcome, text("Major")), "ok");
	ASSERT_STR_EQ(checked.text, "major");
	ASSERT_STR_EQ(check(outcome, text("  CLOSURE ")), "ok");
	ASSERT_STR_EQ(checked.text, "closure");
	ASSERT_STR_EQ(check(outcome, text("none")), "ok");
	ASSERT_STR_EQ(check(outcome, text("minor")), "ok");
	ASSERT_STR_EQ(check(outcome, text("fermeture")), PR_REJECT_UNKNOWN_VALUE);
	ASSERT_STR_EQ(shown, "fermeture");
	ASSERT_STR_EQ(check(outcome, text("majors")), PR_REJECT_UNKNOWN_VALUE);
	ASSERT_STR_EQ(check(outcome, integer(1)), PR_REJECT_UNKNOWN_VALUE);
	/* Compared after the normalisation of street names: accents and case folded. */
	ASSERT_STR_EQ(check(outcome, text("M\xC3\x80JOR")), "ok");
	ASSERT_STR_EQ(checked.text, "major");
	ASSERT_STR_EQ(check(outcome, text("")), "ok");
	ASSERT_TRUE(checked.text == NULL);
}

static void test_encoding(void)
{
	const pr_field_def *category = field(PR_SRC_COMPLAINTS, "category");
	const pr_field_def *outcome = field(PR_SRC_INSPECTIONS, "outcome");
	ASSERT_STR_EQ(check(category, text("insalubrit\xC3\xA9")), "ok");
	ASSERT_STR_EQ(checked.text, "insalubrit\xC3\xA9");
	/* A latin-1 é: rejected, shown escaped so the message is valid UTF-8. */
	ASSERT_STR_EQ(check(category, text("insalubrit\xE9")), PR_REJECT_BAD_ENCODING);
	ASSERT_STR_EQ(shown, "insalubrit\\xE9");
	ASSERT_STR_EQ(check(category, text("\xC0\xAF")), PR_REJECT_BAD_ENCODING);
	ASSERT_STR_EQ(shown, "\\xC0\\xAF");
	ASSERT_STR_EQ(check(category, text("\xE0\x80\xAF")), PR_REJECT_BAD_ENCODING);
	ASSERT_STR_EQ(check(category, text("\xED\xA0\x80")), PR_REJECT_BAD_ENCODING);
	ASSERT_STR_EQ(check(category, text("\xF4\x90\x80\x80")), PR_REJECT_BAD_ENCODING);
	ASSERT_STR_EQ(check(category, text("\xC3")), PR_REJECT_BAD_ENCODING);
	/* The encoding is checked before the vocabulary. */
	ASSERT_STR_EQ(check(outcome, text("maj\xF6r")), PR_REJECT_BAD_ENCODING);
	/* Every text field, keys included. */
	ASSERT_STR_EQ(check(field(PR_SRC_PARCELS, "id"), text("21004\xA0")),
		      PR_REJECT_BAD_ENCODING);
	/* Numbers and dates with such bytes do not parse, and are shown escaped. */
	ASSERT_STR_EQ(check(field(PR_SRC_POPULATION, "persons"), text("3\xFF")),
		      PR_REJECT_BAD_NUMBER);
	ASSERT_STR_EQ(shown, "3\\xFF");
}

static void test_long_text(void)
{
	/* Text is kept up to 1000 bytes, cut on a character: é across the 1000th byte goes. */
	char long_text[1100];
	memset(long_text, 'a', 999);
	memcpy(long_text + 999, "\xC3\xA9tail", 7);
	const pr_field_def *owner = field(PR_SRC_PARCELS, "owner");
	ASSERT_STR_EQ(check(owner, text(long_text)), "ok");
	ASSERT_INT_EQ(strlen(checked.text), 999);
	ASSERT_TRUE(pr_utf8_valid(checked.text, strlen(checked.text)));
	/* A reject shows 200 bytes of the value at most. */
	memset(long_text, 'x', 1099);
	long_text[1099] = '\0';
	ASSERT_STR_EQ(check(field(PR_SRC_POPULATION, "persons"), text(long_text)),
		      PR_REJECT_BAD_NUMBER);
	ASSERT_INT_EQ(strlen(shown), 200);
}

/* The reason with a source's rules, or "ok". */
static const char *check_with(const pr_field_def *fd, const pr_value_rules *rules, raw_value v)
{
	shown[0] = '\0';
	const char *reason =
	    pr_value_check(fd, rules, &v, AS_OF_YEAR, &checked, shown, sizeof shown);
	return reason ? reason : "ok";
}

/* A source's encoding, decimal mark, date format and mapped words, through the one check. */
static void test_source_rules(void)
{
	pr_context *ctx = NULL;
	pr_address_norm *norm = NULL;
	ASSERT_INT_EQ(pr_context_new(&ctx), 0);
	ASSERT_INT_EQ(pr_address_norm_new(ctx, &norm), 0);
	const pr_field_def *category = field(PR_SRC_COMPLAINTS, "category");
	const pr_field_def *outcome = field(PR_SRC_INSPECTIONS, "outcome");
	const pr_field_def *date = field(PR_SRC_COMPLAINTS, "date");
	const pr_field_def *floor = field(PR_SRC_PARCELS, "floor_area_m2");
	const pr_field_def *persons = field(PR_SRC_POPULATION, "persons");

	/* The canonical words are already in normal form, so they compare as they are. */
	for (const pr_field_def *fd = category; fd; fd = fd == category ? outcome : NULL)
		for (const char *const *w = fd->vocabulary; *w; w++) {
			char *folded = pr_address_normalise(norm, *w);
			ASSERT_STR_EQ(folded, *w);
			free(folded);
		}

	pr_vocab_word words[] = {{"humidite", "humidity"},
				 {"vocht", "humidity"},
				 {"odeurs", "smell"},
				 {"fermeture", "closure"}};
	pr_vocab_map map = {.items = words, .n = 4};
	pr_value_rules rules = {
	    .decimal = ',', .date_format = PR_DATE_MDY, .norm = norm, .vocab = &map};
	rules.to_utf8 = iconv_open("UTF-8", "CP1252");
	rules.recode = rules.to_utf8 != (iconv_t)-1;
	ASSERT_TRUE(rules.recode);

	/* CP1252 is read as UTF-8 first: "Humidité", then mapped. */
	ASSERT_STR_EQ(check_with(category, &rules, text("Humidit\xE9")), "ok");
	ASSERT_STR_EQ(checked.text, "humidity");
	ASSERT_TRUE(!checked.unmapped);
	ASSERT_STR_EQ(check_with(category, &rules, text(" VOCHT ")), "ok");
	ASSERT_STR_EQ(checked.text, "humidity");
	/* A canonical word is itself; an open field keeps other words as written. */
	ASSERT_STR_EQ(check_with(category, &rules, text("Noise")), "ok");
	ASSERT_STR_EQ(checked.text, "noise");
	ASSERT_STR_EQ(check_with(category, &rules,
				 text(" D\xE9"
				      "chets ")),
		      "ok");
	ASSERT_STR_EQ(checked.text, "D\xC3\xA9"
				    "chets");
	ASSERT_TRUE(checked.unmapped);
	/* A canonical word of an open field's mapping that is not in its list is allowed. */
	ASSERT_STR_EQ(check_with(category, &rules, text("Odeurs")), "ok");
	ASSERT_STR_EQ(checked.text, "smell");
	/* A byte CP1252 leaves undefined does not convert. */
	ASSERT_STR_EQ(check_with(category, &rules, text("bruit\x81")), PR_REJECT_BAD_ENCODING);
	ASSERT_STR_EQ(shown, "bruit\\x81");
	/* The mapping feeds the closed vocabulary; unmapped words stay unknown. */
	pr_value_rules closed = rules;
	ASSERT_STR_EQ(check_with(outcome, &closed, text("Fermeture")), "ok");
	ASSERT_STR_EQ(checked.text, "closure");
	ASSERT_STR_EQ(check_with(outcome, NULL, text("fermeture")), PR_REJECT_UNKNOWN_VALUE);
	ASSERT_STR_EQ(check_with(outcome, &closed, text("\xE0 revoir")), PR_REJECT_UNKNOWN_VALUE);
	ASSERT_STR_EQ(shown, "\xC3\xA0 revoir");

	/* Decimal commas in numbers; a dot or both marks is a bad number. */
	ASSERT_STR_EQ(check_with(floor, &rules, text("1234,5")), "ok");
	ASSERT_DBL_NEAR(checked.number, 1234.5, 0);
	ASSERT_STR_EQ(check_with(floor, &rules, text("1.234,5")), PR_REJECT_BAD_NUMBER);
	ASSERT_STR_EQ(check_with(floor, &rules, text("1234.5")), PR_REJECT_BAD_NUMBER);
	ASSERT_STR_EQ(check_with(persons, &rules, text("3,0")), "ok");
	ASSERT_STR_EQ(check_with(floor, NULL, text("1234,5")), PR_REJECT_BAD_NUMBER);
	/* Typed numbers are what they are. */
	ASSERT_STR_EQ(check_with(floor, &rules, number(1234.5)), "ok");

	/* MM/DD/YYYY strictly; ISO always; the order of slashed dates noted. */
	ASSERT_STR_EQ(check_with(date, &rules, text("03/25/2024")), "ok");
	ASSERT_INT_EQ(checked.date, pr_days_from_civil(2024, 3, 25));
	ASSERT_INT_EQ(checked.date_order, 2);
	ASSERT_STR_EQ(check_with(date, &rules, text("03/05/2024")), "ok");
	ASSERT_INT_EQ(checked.date, pr_days_from_civil(2024, 3, 5));
	ASSERT_INT_EQ(checked.date_order, 1);
	ASSERT_STR_EQ(check_with(date, &rules, text("25/03/2024")), PR_REJECT_BAD_DATE);
	ASSERT_STR_EQ(check_with(date, &rules, text("2024-03-25")), "ok");
	ASSERT_INT_EQ(checked.date_order, 0);
	ASSERT_STR_EQ(check_with(date, &rules, text("03/25/24")), PR_REJECT_BAD_DATE);
	rules.date_format = PR_DATE_YMD;
	ASSERT_STR_EQ(check_with(date, &rules, text("2024/03/05")), "ok");
	ASSERT_INT_EQ(checked.date, pr_days_from_civil(2024, 3, 5));
	ASSERT_INT_EQ(checked.date_order, 0);
	ASSERT_STR_EQ(check_with(date, &rules, text("2024/02/30")), PR_REJECT_BAD_DATE);
	ASSERT_STR_EQ(check_with(date, &rules, text("1799/12/31")), PR_REJECT_OUT_OF_RANGE);

	iconv_close(rules.to_utf8);
	pr_address_norm_free(norm);
	pr_context_free(ctx);
}

static void test_tally(void)
{
	pr_tally *t = NULL;
	ASSERT_TRUE(pr_tally_summary(NULL, 20) == NULL);
	const char *words[] = {"odeurs", "feu", "odeurs", "brand", "feu", "odeurs"};
	for (size_t i = 0; i < sizeof words / sizeof *words; i++)
		ASSERT_INT_EQ(pr_tally_add(&t, words[i]), 0);
	char *summary = pr_tally_summary(t, 20);
	ASSERT_STR_EQ(summary, "odeurs (3), feu (2), brand (1)");
	free(summary);
	summary = pr_tally_summary(t, 2);
	ASSERT_STR_EQ(summary, "odeurs (3), feu (2)");
	free(summary);
	/* Many distinct words grow the table. */
	char word[32];
	for (int i = 0; i < 1000; i++) {
		snprintf(word, sizeof word, "w%04d", i);
		ASSERT_INT_EQ(pr_tally_add(&t, word), 0);
	}
	summary = pr_tally_summary(t, 4);
	ASSERT_STR_EQ(summary, "odeurs (3), feu (2), brand (1), w0000 (1)");
	free(summary);
	pr_tally_free(t);
}

int main(void)
{
	RUN(test_source_rules);
	RUN(test_tally);
	RUN(test_persons);
	RUN(test_parcel_numbers);
	RUN(test_date_ranges);
	RUN(test_calendar);
	RUN(test_vocabulary);
	RUN(test_encoding);
	RUN(test_long_text);
	return HARNESS_EXIT();
}
