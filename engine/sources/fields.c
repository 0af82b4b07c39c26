/* SPDX-License-Identifier: MIT */
/* The values of a row's canonical fields: taken raw from an OGR feature (or an Arrow batch,
 * arrow.c), then checked by one function per canonical type whatever the source's own type:
 * text is valid UTF-8 and, for a closed vocabulary, one of its words; numbers and dates parse
 * independently of the locale, days exist in the calendar, and every value lies in its field's
 * plausible range. A value that fails makes its row a reject naming the field and the value. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address/address.h"
#include "sources/read_internal.h"

/* A UTF-8 source, a decimal point, DD/MM/YYYY, no mapping. */
static const pr_value_rules default_rules = {.decimal = '.'};

static bool is_utf8_name(const char *encoding)
{
	return pr_ascii_equal_fold(encoding, "UTF-8") || pr_ascii_equal_fold(encoding, "UTF8");
}

int pr_value_rules_open(pr_context *ctx, const pr_sources *s, int source, pr_value_rules *rules)
{
	const pr_source_conf *c = &s->src[source];
	*rules = default_rules;
	rules->decimal = c->decimal ? c->decimal : '.';
	rules->date_format = c->date_format;
	rules->norm = s->norm;
	if (c->encoding && !is_utf8_name(c->encoding)) {
		rules->to_utf8 = iconv_open("UTF-8", c->encoding);
		rules->recode = rules->to_utf8 != (iconv_t)-1;
		if (!rules->recode)
			return pr_error(ctx, PR_ECONFIG,
					"%s line %d [%s]: encoding '%s' is not one iconv knows",
					s->file, c->encoding_line, pr_source_defs[source].name,
					c->encoding);
	}
	return 0;
}

void pr_value_rules_close(pr_value_rules *rules)
{
	if (rules->recode)
		iconv_close(rules->to_utf8);
	rules->recode = false;
}

char *pr_value_to_utf8(const pr_value_rules *rules, const char *text)
{
	size_t len = strlen(text);
	if (!rules || !rules->recode) {
		if (!pr_utf8_valid(text, len)) {
			errno = EILSEQ;
			return NULL;
		}
		return strdup(text);
	}
	/* No single-byte or multi-byte encoding takes more than four UTF-8 bytes per byte. */
	size_t cap = 4 * len + 8;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	char *in = (char *)text, *o = out;
	size_t in_left = len, out_left = cap - 1;
	iconv(rules->to_utf8, NULL, NULL, NULL, NULL);
	if (iconv(rules->to_utf8, &in, &in_left, &o, &out_left) == (size_t)-1 ||
	    iconv(rules->to_utf8, NULL, NULL, &o, &out_left) == (size_t)-1) {
		free(out);
		errno = EILSEQ;
		return NULL;
	}
	*o = '\0';
	/* An encoding that makes a NUL (UTF-16 read wrongly) would cut the text short. */
	if ((size_t)(o - out) != strlen(out) || !pr_utf8_valid(out, (size_t)(o - out))) {
		free(out);
		errno = EILSEQ;
		return NULL;
	}
	return out;
}

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

/* Text: valid UTF-8, at most MAX_TEXT_LEN bytes (cut on a character), trimmed; where the field
 * has canonical words or the source maps words onto some, compared after the normalisation of
 * street names and stored as the canonical word. Other text is unknown to a closed vocabulary,
 * kept as written (and marked unmapped) by an open one. */
static const char *check_text(const pr_field_def *fd, const pr_value_rules *rules, const char *text,
			      pr_checked_value *ret)
{
	if (!pr_utf8_valid(text, strlen(text)))
		return PR_REJECT_BAD_ENCODING;
	size_t n = pr_utf8_cut(text, MAX_TEXT_LEN);
	memcpy(ret->text_buf, text, n);
	ret->text_buf[n] = '\0';
	pr_trim(ret->text_buf);
	ret->text = ret->text_buf;
	const pr_vocab_map *map = rules->vocab;
	if (!fd->vocabulary && (!map || map->n == 0))
		return NULL;
	const char *found = NULL;
	char *folded = pr_address_normalise(rules->norm, ret->text_buf);
	/* The canonical words are already in normal form (lower-case ASCII words the
	 * abbreviation table leaves alone: a unit test holds them to it). */
	for (const char *const *w = fd->vocabulary; w && *w && !found; w++)
		if (folded ? strcmp(folded, *w) == 0 : pr_ascii_equal_fold(ret->text_buf, *w))
			found = *w;
	for (size_t i = 0; folded && map && i < map->n && !found; i++)
		if (strcmp(folded, map->items[i].word) == 0)
			found = map->items[i].canonical;
	free(folded);
	if (found) {
		ret->text = found;
		return NULL;
	}
	if (fd->vocabulary && !fd->open_vocabulary)
		return PR_REJECT_UNKNOWN_VALUE;
	ret->unmapped = fd->open_vocabulary;
	return NULL;
}

/* A number: text parsed locale-independently, a typed number finite (and whole, within the
 * text path's bounds, where the field counts things), then in the field's range. */
static const char *check_number(const pr_field_def *fd, const pr_value_rules *rules,
				const raw_value *v, int as_of_year, double *ret)
{
	double n = NAN;
	bool ok = false;
	if (v->kind == RAW_NUMBER || v->kind == RAW_INTEGER) {
		n = v->kind == RAW_NUMBER ? v->number : (double)v->integer;
		ok = isfinite(n) &&
		     (fd->type == PR_FT_REAL || (n == floor(n) && fabs(n) <= 1000000000));
	} else if (v->kind == RAW_TEXT && fd->type == PR_FT_INT) {
		int64_t iv = 0;
		ok = pr_parse_int64_decimal(v->text, rules->decimal, -1000000000, 1000000000, &iv);
		n = (double)iv;
	} else if (v->kind == RAW_TEXT) {
		ok = pr_parse_double_decimal(v->text, rules->decimal, &n);
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
static const char *check_date(const pr_field_def *fd, const pr_value_rules *rules,
			      const raw_value *v, int as_of_year, int32_t *ret, int8_t *ret_order)
{
	int y = 0, m = 0, d = 0;
	bool ok = false;
	if (v->kind == RAW_DATE) {
		y = v->y;
		m = v->m;
		d = v->d;
		ok = pr_valid_civil(y, m, d);
	} else if (v->kind == RAW_TEXT) {
		ok = pr_parse_civil_as(v->text, rules->date_format, &y, &m, &d);
		/* Day-first and month-first dates read alike up to the 12th: note which. */
		if (ok && rules->date_format != PR_DATE_YMD && strchr(v->text, '/'))
			*ret_order = pr_date_order_ambiguous(v->text) ? 1 : 2;
	}
	if (!ok)
		return PR_REJECT_BAD_DATE;
	if (!in_range(fd, y * 10000.0 + m * 100 + d, as_of_year))
		return PR_REJECT_OUT_OF_RANGE;
	*ret = pr_days_from_civil(y, m, d);
	return NULL;
}

const char *pr_value_check(const pr_field_def *fd, const pr_value_rules *rules, const raw_value *v,
			   int as_of_year, pr_checked_value *ret, char *shown, size_t size)
{
	const char *reason = NULL;
	char buf[64];
	raw_value converted;
	char *utf8 = NULL;
	if (!rules)
		rules = &default_rules;
	ret->number = NAN;
	ret->date = PR_DATE_NULL;
	ret->text = NULL;
	ret->unmapped = false;
	ret->date_order = 0;
	/* Missing is missing data, not an error. */
	if (v->kind == RAW_MISSING || (v->kind == RAW_TEXT && pr_blank(v->text)))
		return NULL;
	/* Text in another encoding is read as UTF-8 before anything looks at it. */
	if (v->kind == RAW_TEXT && rules->recode) {
		utf8 = pr_value_to_utf8(rules, v->text);
		if (!utf8) {
			reason = PR_REJECT_BAD_ENCODING;
			goto done;
		}
		converted = *v;
		converted.text = utf8;
		v = &converted;
	}
	switch (fd->type) {
	case PR_FT_TEXT:
		reason = check_text(fd, rules, raw_text(v, buf, sizeof buf), ret);
		break;
	case PR_FT_REAL:
	case PR_FT_INT:
		reason = check_number(fd, rules, v, as_of_year, &ret->number);
		break;
	case PR_FT_DATE:
		reason = check_date(fd, rules, v, as_of_year, &ret->date, &ret->date_order);
		break;
	}
done:
	if (reason && shown)
		pr_text_for_message(raw_text(v, buf, sizeof buf), shown, size);
	free(utf8);
	return reason;
}

/* Checks a raw value against field f and stores it in record i. Returns 1 when it is stored
 * (or missing), 0 when the row must be rejected (reject added, *status set). */
static int store_value(pr_records *rec, size_t i, int f, const pr_field_def *fd,
		       const pr_value_rules *rules, const raw_value *v, int as_of_year,
		       uint64_t row, pr_rejects *rejects, int *status, pr_checked_value *ret_cv)
{
	pr_column *col = &rec->cols[f];
	pr_checked_value *cv = ret_cv;
	/* 200 bytes of the value, as the messages have always shown. */
	char shown[201];
	const char *reason = pr_value_check(fd, rules, v, as_of_year, cv, shown, sizeof shown);
	if (reason) {
		*status =
		    pr_rejects_add(rejects, rec->source, row, reason, "%s '%s'", fd->name, shown);
		return 0;
	}
	switch (fd->type) {
	case PR_FT_TEXT:
		*status = pr_text_pool_add(&col->pool, cv->text, &col->text_ref[i]);
		return *status == 0;
	case PR_FT_REAL:
	case PR_FT_INT:
		col->num[i] = cv->number;
		return 1;
	case PR_FT_DATE:
		col->date[i] = cv->date;
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
	bool unmapped[PR_MAX_FIELDS] = {0};
	int8_t date_order[PR_MAX_FIELDS] = {0};
	for (int f = 0; f < def->n_fields; f++) {
		if (o->field_index[f] < 0)
			continue;
		pr_value_rules rules = o->rules;
		rules.vocab = o->vocab ? &o->vocab[f] : NULL;
		pr_checked_value cv;
		if (!store_value(rec, i, f, &def->fields[f], &rules, &values[f], o->as_of_year, row,
				 rejects, status, &cv)) {
			for (int g = 0; g < f; g++)
				if (rec->cols[g].present && rec->cols[g].type == PR_FT_TEXT)
					rec->cols[g].text_ref[i] = 0;
			return 0;
		}
		unmapped[f] = cv.unmapped;
		date_order[f] = cv.date_order;
	}
	/* What the kept rows say about the source's words and dates (see pr_records). */
	for (int f = 0; f < def->n_fields; f++) {
		if (unmapped[f] &&
		    pr_tally_add(&rec->unmapped[f], pr_column_text(&rec->cols[f], i)) < 0) {
			*status = PR_ENOMEM;
			return 0;
		}
		if (date_order[f]) {
			rec->slashed_dates[f]++;
			rec->ambiguous_dates[f] += date_order[f] == 1;
		}
	}
	return 1;
}
