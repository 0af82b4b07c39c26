/* SPDX-License-Identifier: MIT */
/* Reading a model file: [model] settings, [feature NAME] and [factor NAME] sections, checked as
 * they are read (names, numbers, keys) and as a whole (thresholds, needs, either sql or expr).
 * Every error names the file, the line and the section. The SQL itself is checked later, on an
 * empty store (score.c), because only SQLite can say whether it runs. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ini.h"
#include "model/model.h"
#include "sources/sources.h"

extern const unsigned char pr_model_default[];

const pr_parcel_column pr_model_parcel_columns[] = {
    {"floor_area_m2", "floor area"},
    {"dwellings", "number of dwellings"},
    {"build_year", "build year"},
    {"area_m2", "parcel area"},
};
const int pr_model_n_parcel_columns =
    (int)(sizeof pr_model_parcel_columns / sizeof *pr_model_parcel_columns);

int pr_model_n_values(const pr_model *m)
{
	return pr_model_n_parcel_columns + m->n_features;
}

const char *pr_model_value_name(const pr_model *m, int index)
{
	return index < pr_model_n_parcel_columns
		   ? pr_model_parcel_columns[index].name
		   : m->features[index - pr_model_n_parcel_columns].name;
}

/* The value index of name, or -1. */
static int value_index(const pr_model *m, const char *name)
{
	for (int i = 0; i < pr_model_n_values(m); i++)
		if (strcmp(name, pr_model_value_name(m, i)) == 0)
			return i;
	return -1;
}

const char *pr_model_label_of(const pr_model *m, const char *name)
{
	for (int i = 0; i < pr_model_n_parcel_columns; i++)
		if (strcmp(name, pr_model_parcel_columns[i].name) == 0)
			return pr_model_parcel_columns[i].label;
	for (int i = 0; i < m->n_features; i++)
		if (strcmp(name, m->features[i].name) == 0)
			return m->features[i].label ? m->features[i].label : m->features[i].name;
	return name;
}

void pr_model_free(pr_model *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->n_features; i++) {
		free(m->features[i].sql);
		free(m->features[i].expr);
		free(m->features[i].label);
	}
	for (int i = 0; i < m->n_factors; i++) {
		free(m->factors[i].value);
		free(m->factors[i].needs);
		free(m->factors[i].reason);
	}
	free(m->path);
	free(m->text);
	free(m->name);
	free(m);
}

/* Columns of parcel_risk besides the model's own, which a feature's name must not take. */
static const char *const output_columns[] = {
    "fid",     "geom",	"parcel_id",	 "score",	    "risk_class", "rank",
    "reasons", "owner", "data_coverage", "last_inspection", "address",
};

/* A name that can stand unquoted in SQL and as a column of parcel_risk. */
static bool usable_name(const char *name)
{
	if (sqlite3_keyword_check(name, (int)strlen(name)))
		return false;
	for (size_t i = 0; i < sizeof output_columns / sizeof *output_columns; i++)
		if (strcmp(name, output_columns[i]) == 0)
			return false;
	for (int k = 0; k < PR_SRC_COUNT; k++)
		if (pr_source_defs[k].records_column &&
		    strcmp(name, pr_source_defs[k].records_column) == 0)
			return false;
	return strncmp(name, "c_", 2) != 0 && strncmp(name, "value of", 8) != 0;
}

static bool is_identifier(const char *s)
{
	if (!*s || strlen(s) >= PR_NAME_MAX || !(islower((unsigned char)*s) || *s == '_'))
		return false;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_'))
			return false;
	return true;
}

typedef struct model_parse {
	pr_context *ctx;
	pr_model *m;
	const char *label;
} model_parse;

static int parse_yes_no(model_parse *mp, const pr_ini_pos *pos, const char *section,
			const char *name, const char *value, bool *ret)
{
	if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
		return pr_error(mp->ctx, PR_ECONFIG, "%s line %d [%s]: %s '%s' is not yes or no",
				mp->label, pos->line, section, name, value);
	*ret = strcmp(value, "yes") == 0;
	return 0;
}

static int parse_number(model_parse *mp, const pr_ini_pos *pos, const char *section,
			const char *name, const char *value, double min, double max, double *ret)
{
	double v;
	if (!pr_parse_double(value, &v) || v < min || v > max)
		return pr_error(mp->ctx, PR_ECONFIG,
				"%s line %d [%s]: %s '%s' is not a number between %g and %g",
				mp->label, pos->line, section, name, value, min, max);
	*ret = v;
	return 0;
}

static pr_feature *find_feature(pr_model *m, const char *name)
{
	for (int i = 0; i < m->n_features; i++)
		if (strcmp(m->features[i].name, name) == 0)
			return &m->features[i];
	return NULL;
}

static pr_factor *find_factor(pr_model *m, const char *name)
{
	for (int i = 0; i < m->n_factors; i++)
		if (strcmp(m->factors[i].name, name) == 0)
			return &m->factors[i];
	return NULL;
}

static int handle_model_key(void *user, const pr_ini_pos *pos, const char *section,
			    const char *name, const char *value)
{
	model_parse *mp = user;
	pr_model *m = mp->m;
	pr_context *ctx = mp->ctx;
	double v;
	int r;

	if (strcmp(section, "model") == 0) {
		if (!name)
			return 0;
		if (strcmp(name, "name") == 0)
			return pr_ini_set_string(ctx, mp->label, pos, section, name, value,
						 &m->name);
		struct {
			const char *key;
			double min, max;
			double *slot;
		} nums[] = {
		    {"class_medium", 0, 100, &m->class_medium},
		    {"class_high", 0, 100, &m->class_high},
		    {"class_critical", 0, 100, &m->class_critical},
		    {"hotspot_cell_m", 10, 100000, &m->hotspot_cell_m},
		};
		for (size_t i = 0; i < sizeof nums / sizeof *nums; i++)
			if (strcmp(name, nums[i].key) == 0)
				return parse_number(mp, pos, section, name, value, nums[i].min,
						    nums[i].max, nums[i].slot);
		if (strcmp(name, "visit_list_size") == 0) {
			r = parse_number(mp, pos, section, name, value, 1, 100000, &v);
			m->visit_list_size = (int)v;
			return r;
		}
		if (strcmp(name, "exclude_inspected_days") == 0) {
			r = parse_number(mp, pos, section, name, value, 0, 36500, &v);
			m->exclude_inspected_days = (int)v;
			return r;
		}
		if (strcmp(name, "hotspot_min_parcels") == 0) {
			r = parse_number(mp, pos, section, name, value, 1, 1000000, &v);
			m->hotspot_min_parcels = (int)v;
			return r;
		}
		return pr_error(
		    ctx, PR_ECONFIG,
		    "%s line %d [model]: unknown key '%s' (known: name, visit_list_size, "
		    "exclude_inspected_days, class_medium, class_high, class_critical, "
		    "hotspot_cell_m, hotspot_min_parcels)",
		    mp->label, pos->line, name);
	}

	bool is_feature = strncmp(section, "feature ", 8) == 0;
	bool is_factor = strncmp(section, "factor ", 7) == 0;
	if (!is_feature && !is_factor)
		return pr_error(ctx, PR_ECONFIG,
				"%s line %d: unknown section [%s] (known: [model], [feature NAME], "
				"[factor NAME])",
				mp->label, pos->line, section);
	const char *item = section + (is_feature ? 8 : 7);
	while (*item == ' ')
		item++;
	if (!is_identifier(item))
		return pr_error(
		    ctx, PR_ECONFIG,
		    "%s line %d [%s]: '%s' is not a valid name (lower-case letters, digits "
		    "and _, starting with a letter, at most %d characters)",
		    mp->label, pos->section_line, section, item, PR_NAME_MAX - 1);

	if (is_feature && !usable_name(item))
		return pr_error(ctx, PR_ECONFIG,
				"%s line %d [%s]: '%s' cannot name a feature (an SQL keyword, a "
				"column of parcel_risk, or starting with c_)",
				mp->label, pos->section_line, section, item);
	if (is_feature) {
		pr_feature *f = find_feature(m, item);
		if (!f) {
			if (m->n_features == PR_MODEL_MAX_FEATURES)
				return pr_error(ctx, PR_ECONFIG,
						"%s line %d: more than %d features", mp->label,
						pos->section_line, PR_MODEL_MAX_FEATURES);
			for (int i = 0; i < pr_model_n_parcel_columns; i++)
				if (strcmp(item, pr_model_parcel_columns[i].name) == 0)
					return pr_error(ctx, PR_ECONFIG,
							"%s line %d [%s]: '%s' is a parcel column; "
							"name the feature otherwise",
							mp->label, pos->section_line, section,
							item);
			f = &m->features[m->n_features++];
			snprintf(f->name, sizeof f->name, "%s", item);
			f->line = pos->section_line;
		}
		if (!name)
			return 0;
		if (strcmp(name, "sql") == 0)
			return pr_ini_set_string(ctx, mp->label, pos, section, name, value,
						 &f->sql);
		if (strcmp(name, "expr") == 0)
			return pr_ini_set_string(ctx, mp->label, pos, section, name, value,
						 &f->expr);
		if (strcmp(name, "label") == 0)
			return pr_ini_set_string(ctx, mp->label, pos, section, name, value,
						 &f->label);
		if (strcmp(name, "uses_scores") == 0)
			return parse_yes_no(mp, pos, section, name, value, &f->uses_scores);
		if (strcmp(name, "default") == 0) {
			f->has_default = true;
			return parse_number(mp, pos, section, name, value, -1e12, 1e12,
					    &f->default_value);
		}
		return pr_error(
		    ctx, PR_ECONFIG,
		    "%s line %d [%s]: unknown key '%s' (known: sql, expr, default, label, "
		    "uses_scores)",
		    mp->label, pos->line, section, name);
	}

	pr_factor *fa = find_factor(m, item);
	if (!fa) {
		if (m->n_factors == PR_MODEL_MAX_FACTORS)
			return pr_error(ctx, PR_ECONFIG, "%s line %d: more than %d factors",
					mp->label, pos->section_line, PR_MODEL_MAX_FACTORS);
		fa = &m->factors[m->n_factors++];
		snprintf(fa->name, sizeof fa->name, "%s", item);
		fa->line = pos->section_line;
	}
	if (!name)
		return 0;
	if (strcmp(name, "value") == 0)
		return pr_ini_set_string(ctx, mp->label, pos, section, name, value, &fa->value);
	if (strcmp(name, "needs") == 0)
		return pr_ini_set_string(ctx, mp->label, pos, section, name, value, &fa->needs);
	if (strcmp(name, "reason") == 0)
		return pr_ini_set_string(ctx, mp->label, pos, section, name, value, &fa->reason);
	if (strcmp(name, "weight") == 0) {
		fa->has_weight = true;
		return parse_number(mp, pos, section, name, value, -1000, 1000, &fa->weight);
	}
	if (strcmp(name, "from") == 0)
		return parse_number(mp, pos, section, name, value, -1e12, 1e12, &fa->from);
	if (strcmp(name, "on_top") == 0)
		return parse_yes_no(mp, pos, section, name, value, &fa->on_top);
	if (strcmp(name, "saturate") == 0) {
		fa->has_saturate = true;
		return parse_number(mp, pos, section, name, value, -1e12, 1e12, &fa->saturate);
	}
	return pr_error(ctx, PR_ECONFIG,
			"%s line %d [%s]: unknown key '%s' (known: value, needs, weight, from, "
			"saturate, on_top, reason)",
			mp->label, pos->line, section, name);
}

static int validate_model(pr_context *ctx, pr_model *m)
{
	const char *label = m->path;
	if (m->class_medium > m->class_high || m->class_high > m->class_critical)
		return pr_error(
		    ctx, PR_ECONFIG,
		    "%s [model]: class thresholds must rise: class_medium %g <= class_high "
		    "%g <= class_critical %g",
		    label, m->class_medium, m->class_high, m->class_critical);
	if (m->n_factors == 0)
		return pr_error(ctx, PR_ECONFIG, "%s: the model has no [factor NAME] section",
				label);
	for (int i = 0; i < m->n_features; i++) {
		pr_feature *f = &m->features[i];
		if (!f->sql == !f->expr)
			return pr_error(
			    ctx, PR_ECONFIG,
			    "%s line %d [feature %s]: give either sql (a query yielding "
			    "parcel_id and a value) or expr (an expression over other "
			    "features)",
			    label, f->line, f->name);
	}
	for (int i = 0; i < m->n_factors; i++) {
		pr_factor *fa = &m->factors[i];
		const char *missing = !fa->value	  ? "value"
				      : !fa->has_weight	  ? "weight"
				      : !fa->has_saturate ? "saturate"
							  : NULL;
		if (missing)
			return pr_error(ctx, PR_ECONFIG, "%s line %d [factor %s]: missing key '%s'",
					label, fa->line, fa->name, missing);
		if (fa->saturate == fa->from)
			return pr_error(
			    ctx, PR_ECONFIG,
			    "%s line %d [factor %s]: saturate must differ from 'from' (%g)", label,
			    fa->line, fa->name, fa->from);
		fa->n_needs = 0;
		if (fa->needs) {
			char *copy = strdup(fa->needs), *save = NULL;
			if (!copy)
				return PR_ENOMEM;
			int r = 0;
			for (char *tok = strtok_r(copy, ", ", &save); tok && r == 0;
			     tok = strtok_r(NULL, ", ", &save)) {
				int index = value_index(m, tok);
				if (index < 0)
					r = pr_error(ctx, PR_ECONFIG,
						     "%s line %d [factor %s]: needs '%s', which is "
						     "neither a feature nor a parcel column",
						     label, fa->line, fa->name, tok);
				else if (fa->n_needs == PR_MODEL_MAX_NEEDS)
					r = pr_error(ctx, PR_ECONFIG,
						     "%s line %d [factor %s]: needs more than %d "
						     "names",
						     label, fa->line, fa->name, PR_MODEL_MAX_NEEDS);
				else
					fa->need[fa->n_needs++] = index;
			}
			free(copy);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int pr_model_parse(pr_context *ctx, const char *label, const char *text, pr_model **ret_model)
{
	pr_model *m = NULL;
	FILE *f = NULL;
	size_t text_len = strlen(text);
	int r = 0;

	m = calloc(1, sizeof *m);
	if (!m)
		return PR_ENOMEM;
	m->visit_list_size = 80;
	m->exclude_inspected_days = 180;
	m->class_medium = 25;
	m->class_high = 50;
	m->class_critical = 75;
	m->hotspot_cell_m = 250;
	m->hotspot_min_parcels = 10;
	m->path = strdup(label);
	m->text = strdup(text);
	if (!m->path || !m->text) {
		r = PR_ENOMEM;
		goto done;
	}
	pr_sha256_hex(text, text_len, m->sha256);
	f = fmemopen(m->text, text_len ? text_len : 1, "r");
	if (!f) {
		r = PR_ENOMEM;
		goto done;
	}
	model_parse mp = {ctx, m, m->path};
	r = pr_ini_parse(ctx, m->path, f, handle_model_key, &mp);
	if (r < 0)
		goto done;
	r = validate_model(ctx, m);
	if (r < 0)
		goto done;
	*ret_model = m;
	m = NULL;
done:
	if (f)
		fclose(f);
	pr_model_free(m);
	return r;
}

int pr_model_load(pr_context *ctx, const char *path, pr_model **ret_model)
{
	if (!path)
		return pr_model_parse(ctx, "(built-in default model)",
				      (const char *)pr_model_default, ret_model);
	FILE *in = fopen(path, "rb");
	if (!in)
		return pr_error(ctx, PR_ENOINPUT, "cannot open model file %s: %s", path,
				strerror(errno));
	pr_strbuf sb = {0};
	char buf[65536];
	size_t got;
	int r = 0;
	while (r == 0 && (got = fread(buf, 1, sizeof buf, in)) > 0)
		r = pr_strbuf_append(&sb, buf, got);
	fclose(in);
	if (r == 0 && memchr(sb.data ? sb.data : "", 0, sb.len))
		r = pr_error(ctx, PR_ECONFIG, "%s: not a text file", path);
	if (r == 0)
		r = pr_model_parse(ctx, path, sb.data ? sb.data : "", ret_model);
	pr_strbuf_free(&sb);
	return r;
}
