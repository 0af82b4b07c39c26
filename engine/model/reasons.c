/* SPDX-License-Identifier: MIT */
/* Reasons in words, for a run's reasons column and for explain alike: a factor's template
 * filled with the parcel's own values, numbers written as an inspector reads them, and the note
 * for a factor that could not be assessed (a source left out, a need missing). Both callers
 * hand over the parcel's values by name (pr_parcel_values), so the wording cannot drift apart. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model/model.h"
#include "sources/sources.h"

const char *const pr_risk_class_names[4] = {"low", "medium", "high", "critical"};

void pr_model_format_value(double v, char *buf, size_t size)
{
	if (isnan(v))
		snprintf(buf, size, "?");
	else if (fabs(v - round(v)) < 0.05)
		snprintf(buf, size, "%.0f", round(v) == 0 ? 0.0 : round(v));
	else
		snprintf(buf, size, "%.1f", v);
}

/* The value of name for this parcel: false when name is not a value of the model. */
static bool lookup(const pr_parcel_values *row, const char *name, double *ret)
{
	int n = pr_model_n_values(row->model);
	for (int i = 0; i < n; i++)
		if (strcmp(pr_model_value_name(row->model, i), name) == 0) {
			*ret = row->values[i];
			return true;
		}
	return false;
}

/* The placeholder that opens at open and closes at close, into spec (3 * PR_NAME_MAX + 1
 * bytes, cut there): {name} or {name:singular:plural}, the latter giving "1 dwelling", "3
 * dwellings". Returns the length kept. */
static size_t placeholder(const char *open, const char *close, char *spec)
{
	size_t len = (size_t)(close - open - 1);
	if (len > 3 * PR_NAME_MAX)
		len = 3 * PR_NAME_MAX;
	memcpy(spec, open + 1, len);
	spec[len] = '\0';
	return len;
}

bool pr_model_reason_names(const char *tmpl, const char *name)
{
	/* The placeholders pr_model_render_reason fills, found the same way. */
	const char *open, *close;
	for (const char *p = tmpl; (open = strchr(p, '{')) && (close = strchr(open, '}'));
	     p = close + 1) {
		char spec[3 * PR_NAME_MAX + 1];
		placeholder(open, close, spec);
		spec[strcspn(spec, ":")] = '\0';
		if (strcmp(spec, name) == 0)
			return true;
	}
	return false;
}

int pr_model_render_reason(const char *tmpl, const pr_parcel_values *row, double value,
			   double points, pr_strbuf *out)
{
	for (const char *p = tmpl; *p;) {
		const char *open = strchr(p, '{');
		const char *close = open ? strchr(open, '}') : NULL;
		if (!open || !close)
			return pr_strbuf_append(out, p, strlen(p));
		if (pr_strbuf_append(out, p, (size_t)(open - p)) < 0)
			return PR_ENOMEM;
		char spec[3 * PR_NAME_MAX + 1];
		size_t len = placeholder(open, close, spec);
		char *singular = strchr(spec, ':');
		char *plural = singular ? strchr(singular + 1, ':') : NULL;
		if (singular)
			*singular++ = '\0';
		if (plural)
			*plural++ = '\0';
		double v = NAN;
		bool found = true;
		if (strcmp(spec, "value") == 0)
			v = value;
		else if (strcmp(spec, "points") == 0)
			v = points;
		else
			found = lookup(row, spec, &v);
		char buf[3 * PR_NAME_MAX + 48];
		if (!found) {
			snprintf(buf, sizeof buf, "{%.*s}", (int)len, open + 1);
		} else {
			pr_model_format_value(v, buf, 32);
			if (singular)
				snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " %s",
					 fabs(v - 1) < 0.05 || !plural ? singular : plural);
		}
		if (pr_strbuf_append(out, buf, strlen(buf)) < 0)
			return PR_ENOMEM;
		p = close + 1;
	}
	return 0;
}

int pr_model_absent_source(const pr_parcel_values *row, int factor)
{
	unsigned left_out = row->reads ? row->reads->factor[factor] & row->absent : 0;
	for (int k = 0; k < PR_SRC_COUNT; k++)
		if (left_out >> k & 1)
			return k;
	return -1;
}

int pr_model_missing_need(const pr_factor *fa, const pr_parcel_values *row)
{
	for (int j = 0; j < fa->n_needs; j++)
		if (isnan(row->values[fa->need[j]]))
			return fa->need[j];
	return -1;
}

int pr_model_not_assessed(const pr_parcel_values *row, int factor, pr_strbuf *out)
{
	const pr_model *m = row->model;
	/* "no complaints data", not "no complaints on record": the register may hold none,
	 * here nobody looked. */
	int source = pr_model_absent_source(row, factor);
	if (source >= 0)
		return pr_strbuf_printf(out, "not assessed (no %s data)",
					pr_source_defs[source].name) < 0
			   ? PR_ENOMEM
			   : 1;
	int need = pr_model_missing_need(&m->factors[factor], row);
	if (need < 0)
		return 0;
	return pr_strbuf_printf(out, "not assessed (no %s on record)",
				pr_model_label_of(m, pr_model_value_name(m, need))) < 0
		   ? PR_ENOMEM
		   : 1;
}

void pr_model_factor_value_column(const pr_factor *fa, char *buf, size_t size)
{
	snprintf(buf, size, "value of %s", fa->name);
}

int pr_model_factor_value_columns(const pr_model *m, pr_strbuf *sql)
{
	for (int k = 0; k < m->n_factors; k++) {
		char column[PR_NAME_MAX + 16];
		pr_model_factor_value_column(&m->factors[k], column, sizeof column);
		if (pr_strbuf_printf(sql, ", (\n%s\n) AS \"%s\"", m->factors[k].value, column) < 0)
			return PR_ENOMEM;
	}
	return 0;
}
