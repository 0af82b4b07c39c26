/* SPDX-License-Identifier: MIT */
/* The values of a row's canonical fields: taken raw from an OGR feature, then parsed into the
 * records' columns (text, numbers, dates) independently of the locale. A value that does not
 * parse makes its row a reject naming the field and the value. */
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

/* Parses a raw value into record i's canonical field f. Returns 1 when it parsed (or is
 * missing, which is missing data, not an error), 0 when the row must be rejected (reject
 * added). */
static int store_value(pr_records *rec, size_t i, int f, const pr_field_def *fd, const raw_value *v,
		       uint64_t row, pr_rejects *rejects, int *status)
{
	pr_column *col = &rec->cols[f];
	char buf[64];
	bool missing = v->kind == RAW_MISSING || (v->kind == RAW_TEXT && pr_blank(v->text));
	const char *text = missing ? "" : raw_text(v, buf, sizeof buf);
	bool ok = true;

	switch (fd->type) {
	case PR_FT_TEXT:
		col->text[i] = NULL;
		if (missing)
			return 1;
		col->text[i] = strndup(text, MAX_TEXT_LEN);
		if (!col->text[i]) {
			*status = PR_ENOMEM;
			return 0;
		}
		pr_trim(col->text[i]);
		return 1;
	case PR_FT_REAL:
	case PR_FT_INT: {
		double n = NAN;
		if (!missing && (v->kind == RAW_NUMBER || v->kind == RAW_INTEGER)) {
			n = v->kind == RAW_NUMBER ? v->number : (double)v->integer;
			/* Whole numbers where the field counts things, and in the text path's
			 * range. */
			ok = isfinite(n) &&
			     (fd->type == PR_FT_REAL || (n == floor(n) && fabs(n) <= 1000000000));
		} else if (!missing && fd->type == PR_FT_INT) {
			int64_t iv;
			ok = v->kind == RAW_TEXT &&
			     pr_parse_int64(text, -1000000000, 1000000000, &iv);
			n = (double)iv;
		} else if (!missing) {
			ok = v->kind == RAW_TEXT && pr_parse_double(text, &n);
		}
		if (!ok) {
			*status = pr_rejects_add(rejects, rec->source, row, PR_REJECT_BAD_NUMBER,
						 "%s '%.200s'", fd->name, text);
			return 0;
		}
		col->num[i] = n;
		return 1;
	}
	case PR_FT_DATE: {
		int32_t d = PR_DATE_NULL;
		if (!missing && v->kind == RAW_DATE) {
			ok = v->m >= 1 && v->m <= 12 && v->d >= 1 && v->d <= 31;
			d = ok ? pr_days_from_civil(v->y, v->m, v->d) : PR_DATE_NULL;
		} else if (!missing) {
			ok = v->kind == RAW_TEXT && pr_parse_date(text, &d);
		}
		if (!ok) {
			*status = pr_rejects_add(rejects, rec->source, row, PR_REJECT_BAD_DATE,
						 "%s '%.200s'", fd->name, text);
			return 0;
		}
		col->date[i] = d;
		return 1;
	}
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

void pr_raw_values_from_feature(const opened_source *o, OGRFeatureH feat, raw_value *values)
{
	for (int f = 0; f < PR_MAX_FIELDS; f++)
		if (o->field_index[f] >= 0)
			raw_from_feature(feat, o->field_index[f], o->field_type[f], &values[f]);
}

int pr_records_store_fields(pr_records *rec, size_t i, const opened_source *o,
			    const raw_value *values, uint64_t row, pr_rejects *rejects, int *status)
{
	const pr_source_def *def = &pr_source_defs[rec->source];
	for (int f = 0; f < def->n_fields; f++) {
		if (o->field_index[f] < 0)
			continue;
		if (!store_value(rec, i, f, &def->fields[f], &values[f], row, rejects, status)) {
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
