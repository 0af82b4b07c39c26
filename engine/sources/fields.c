/* SPDX-License-Identifier: MIT */
/* The values of a row's canonical fields: taken raw from an OGR feature (or an Arrow batch,
 * arrow.c), then checked by one function per canonical type whatever the source's own type:
 * text is valid UTF-8 and, for a closed vocabulary, one of its words; numbers and dates parse
 * independently of the locale, days exist in the calendar, and every value lies in its field's
 * plausible range. A value that fails makes its row a reject naming the field and the value. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sources/read_internal.h"

/* The value as text, for a text field or a reject message. */
static const char *raw_text(const raw_value *v, char *buf, size_t size)
{
	switch (v->kind) {
	case RAW_TEXT:
		return v->text;
	case RAW_NUMBER:
		snprintf(buf, size, "%.15g", v->number);
		return buf;
	case RAW_INTEGER:
		snprintf(buf, size, "%" PRId64, v->integer);
		return buf;
	case RAW_DATE:
		snprintf(buf, size, "%04d-%02d-%02d", v->y, v->m, v->d);
		return buf;
	default:
		return "";
	}
}

/* Whether v lies in the field's plausible range (a date as YYYYMMDD). */
static bool in_range(const pr_field_def *fd, double v, int as_of_year)
{
	switch (fd->range) {
	case PR_RANGE_NONE:
		return true;
	case PR_RANGE_FIXED:
		return v >= fd->min && v <= fd->max;
	case PR_RANGE_AS_OF_YEAR:
		return v >= fd->min && v <= as_of_year + fd->max;
	}
	return true;
}

/* Text: valid UTF-8, at most MAX_TEXT_LEN bytes (cut on a character), trimmed, and one of the
 * field's words when its vocabulary is closed. */
static const char *check_text(const pr_field_def *fd, const char *text, pr_checked_value *ret)
{
	if (!pr_utf8_valid(text, strlen(text)))
		return PR_REJECT_BAD_ENCODING;
	size_t n = pr_utf8_cut(text, MAX_TEXT_LEN);
	memcpy(ret->text_buf, text, n);
	ret->text_buf[n] = '\0';
	pr_trim(ret->text_buf);
	ret->text = ret->text_buf;
	if (!fd->vocabulary)
		return NULL;
	/* ASCII folding for now; Unicode normalisation and a site's own words come with the
	 * vocabulary mappings of the sources file. */
	for (const char *const *word = fd->vocabulary; *word; word++)
		if (pr_ascii_equal_fold(ret->text_buf, *word)) {
			ret->text = *word;
			return NULL;
		}
	return PR_REJECT_UNKNOWN_VALUE;
}

/* A number: text parsed locale-independently, a typed number finite (and whole, within the
 * text path's bounds, where the field counts things), then in the field's range. */
static const char *check_number(const pr_field_def *fd, const raw_value *v, int as_of_year,
				double *ret)
{
	double n = NAN;
	bool ok = false;
	if (v->kind == RAW_NUMBER || v->kind == RAW_INTEGER) {
		n = v->kind == RAW_NUMBER ? v->number : (double)v->integer;
		ok = isfinite(n) &&
		     (fd->type == PR_FT_REAL || (n == floor(n) && fabs(n) <= 1000000000));
	} else if (v->kind == RAW_TEXT && fd->type == PR_FT_INT) {
		int64_t iv = 0;
		ok = pr_parse_int64(v->text, -1000000000, 1000000000, &iv);
		n = (double)iv;
	} else if (v->kind == RAW_TEXT) {
		ok = pr_parse_double(v->text, &n);
	}
	if (!ok)
		return PR_REJECT_BAD_NUMBER;
	if (!in_range(fd, n, as_of_year))
		return PR_REJECT_OUT_OF_RANGE;
	*ret = n;
	return NULL;
}

/* A date: text parsed as the text path reads dates, a typed date's year, month and day held to
 * the same calendar (GDAL passes 2023-02-30 through as it is), then in the field's range. */
static const char *check_date(const pr_field_def *fd, const raw_value *v, int as_of_year,
			      int32_t *ret)
{
	int y = 0, m = 0, d = 0;
	bool ok = false;
	if (v->kind == RAW_DATE) {
		y = v->y;
		m = v->m;
		d = v->d;
		ok = pr_valid_civil(y, m, d);
	} else if (v->kind == RAW_TEXT) {
		ok = pr_parse_civil(v->text, &y, &m, &d);
	}
	if (!ok)
		return PR_REJECT_BAD_DATE;
	if (!in_range(fd, y * 10000.0 + m * 100 + d, as_of_year))
		return PR_REJECT_OUT_OF_RANGE;
	*ret = pr_days_from_civil(y, m, d);
	return NULL;
}

const char *pr_value_check(const pr_field_def *fd, const raw_value *v, int as_of_year,
			   pr_checked_value *ret, char *shown, size_t size)
{
	const char *reason = NULL;
	char buf[64];
	ret->number = NAN;
	ret->date = PR_DATE_NULL;
	ret->text = NULL;
	/* Missing is missing data, not an error. */
	if (v->kind == RAW_MISSING || (v->kind == RAW_TEXT && pr_blank(v->text)))
		return NULL;
	switch (fd->type) {
	case PR_FT_TEXT:
		reason = check_text(fd, raw_text(v, buf, sizeof buf), ret);
		break;
	case PR_FT_REAL:
	case PR_FT_INT:
		reason = check_number(fd, v, as_of_year, &ret->number);
		break;
	case PR_FT_DATE:
		reason = check_date(fd, v, as_of_year, &ret->date);
		break;
	}
	if (reason && shown)
		pr_text_for_message(raw_text(v, buf, sizeof buf), shown, size);
	return reason;
}

/* Checks a raw value against field f and stores it in record i. Returns 1 when it is stored
 * (or missing), 0 when the row must be rejected (reject added, *status set). */
static int store_value(pr_records *rec, size_t i, int f, const pr_field_def *fd, const raw_value *v,
		       int as_of_year, uint64_t row, pr_rejects *rejects, int *status)
{
	pr_column *col = &rec->cols[f];
	pr_checked_value cv;
	/* 200 bytes of the value, as the messages have always shown. */
	char shown[201];
	const char *reason = pr_value_check(fd, v, as_of_year, &cv, shown, sizeof shown);
	if (reason) {
		*status =
		    pr_rejects_add(rejects, rec->source, row, reason, "%s '%s'", fd->name, shown);
		return 0;
	}
	switch (fd->type) {
	case PR_FT_TEXT:
		col->text[i] = NULL;
		if (!cv.text)
			return 1;
		col->text[i] = strdup(cv.text);
		if (!col->text[i]) {
			*status = PR_ENOMEM;
			return 0;
		}
		return 1;
	case PR_FT_REAL:
	case PR_FT_INT:
		col->num[i] = cv.number;
		return 1;
	case PR_FT_DATE:
		col->date[i] = cv.date;
		return 1;
	}
	return 1;
}

/* The raw value of field idx of an OGR feature. */
static void raw_from_feature(OGRFeatureH feat, int idx, OGRFieldType ftype, raw_value *v)
{
	memset(v, 0, sizeof *v);
	if (!OGR_F_IsFieldSetAndNotNull(feat, idx)) {
		v->kind = RAW_MISSING;
	} else if (ftype == OFTInteger || ftype == OFTInteger64) {
		v->kind = RAW_INTEGER;
		v->integer = OGR_F_GetFieldAsInteger64(feat, idx);
	} else if (ftype == OFTReal) {
		v->kind = RAW_NUMBER;
		v->number = OGR_F_GetFieldAsDouble(feat, idx);
	} else if (ftype == OFTDate || ftype == OFTDateTime) {
		int hh, mm, tz;
		float ss;
		v->kind = RAW_DATE;
		if (!OGR_F_GetFieldAsDateTimeEx(feat, idx, &v->y, &v->m, &v->d, &hh, &mm, &ss, &tz))
			v->m = 0; /* rejected as a bad date */
	} else {
		v->kind = RAW_TEXT;
		v->text = OGR_F_GetFieldAsString(feat, idx);
	}
}

void pr_raw_values_from_feature(opened_source *o, OGRFeatureH feat, raw_value *values)
{
	for (int f = 0; f < PR_MAX_FIELDS; f++)
		if (o->field_index[f] >= 0)
			raw_from_feature(feat, o->field_index[f], o->field_type[f], &values[f]);
	pr_raw_values_as_written(o, OGR_F_GetFID(feat), values);
}

void pr_raw_values_as_written(opened_source *o, int64_t fid, raw_value *values)
{
	if (o->n_watched == 0)
		return;
	for (int f = 0; f < PR_MAX_FIELDS; f++) {
		const char *text;
		if (o->field_index[f] < 0 || !pr_source_written(o, fid, o->field_index[f], &text))
			continue;
		memset(&values[f], 0, sizeof values[f]);
		values[f].kind = text ? RAW_TEXT : RAW_MISSING;
		values[f].text = text;
	}
}

int pr_records_store_fields(pr_records *rec, size_t i, const opened_source *o,
			    const raw_value *values, uint64_t row, pr_rejects *rejects, int *status)
{
	const pr_source_def *def = &pr_source_defs[rec->source];
	for (int f = 0; f < def->n_fields; f++) {
		if (o->field_index[f] < 0)
			continue;
		if (!store_value(rec, i, f, &def->fields[f], &values[f], o->as_of_year, row,
				 rejects, status)) {
			for (int g = 0; g < f; g++)
				if (rec->cols[g].present && rec->cols[g].type == PR_FT_TEXT) {
					free(rec->cols[g].text[i]);
					rec->cols[g].text[i] = NULL;
				}
			return 0;
		}
	}
	return 1;
}
