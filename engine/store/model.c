/* SPDX-License-Identifier: MIT */
/* The risk model: features are SQL over the working store (one value per parcel), factors turn
 * a feature expression into points (weight, saturation, a reason template), and the score is
 * the sum of points scaled to 0–100. Everything an analyst tunes lives in the model file; this
 * file only evaluates it. Missing data gives no points and a note, never a zero. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/ini.h"
#include "store/store.h"

extern const unsigned char pr_model_default[];

const char *const pr_risk_class_names[4] = {"low", "medium", "high", "critical"};

/* Parcel columns that factors and templates may use besides features, with their words. */
static const struct {
	const char *name;
	const char *label;
} parcel_columns[] = {
    {"floor_area_m2", "floor area"},
    {"dwellings", "number of dwellings"},
    {"build_year", "build year"},
    {"area_m2", "parcel area"},
};
#define N_PARCEL_COLUMNS ((int)(sizeof parcel_columns / sizeof *parcel_columns))

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

/* Columns of parcel_risk that a feature's name must not take. */
static const char *const output_columns[] = {
    "fid",
    "geom",
    "parcel_id",
    "score",
    "risk_class",
    "rank",
    "reasons",
    "owner",
    "data_coverage",
    "last_inspection",
    "address",
    "population_records",
    "complaints_records",
    "inspections_records",
};

/* A name that can stand unquoted in SQL and as a column of parcel_risk. */
static bool usable_name(const char *name)
{
	if (sqlite3_keyword_check(name, (int)strlen(name)))
		return false;
	for (size_t i = 0; i < sizeof output_columns / sizeof *output_columns; i++)
		if (strcmp(name, output_columns[i]) == 0)
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
		return pr_error(
		    ctx, PR_ECONFIG,
		    "%s line %d [model]: unknown key '%s' (known: name, visit_list_size, "
		    "exclude_inspected_days, class_medium, class_high, class_critical, "
		    "hotspot_cell_m)",
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
			for (int i = 0; i < N_PARCEL_COLUMNS; i++)
				if (strcmp(item, parcel_columns[i].name) == 0)
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
		if (strcmp(name, "uses_scores") == 0) {
			if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
				return pr_error(
				    ctx, PR_ECONFIG,
				    "%s line %d [%s]: uses_scores '%s' is not yes or no", mp->label,
				    pos->line, section, value);
			f->uses_scores = strcmp(value, "yes") == 0;
			return 0;
		}
		if (strcmp(name, "default") == 0) {
			f->has_default = true;
			return parse_number(mp, pos, section, name, value, -1e12, 1e12,
					    &f->default_value);
		}
		return pr_error(
		    ctx, PR_ECONFIG,
		    "%s line %d [%s]: unknown key '%s' (known: sql, expr, default, label)",
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
	if (strcmp(name, "saturate") == 0) {
		fa->has_saturate = true;
		return parse_number(mp, pos, section, name, value, -1e12, 1e12, &fa->saturate);
	}
	return pr_error(ctx, PR_ECONFIG,
			"%s line %d [%s]: unknown key '%s' (known: value, needs, weight, from, "
			"saturate, reason)",
			mp->label, pos->line, section, name);
}

/* True when name is a parcel column or a feature. */
static bool known_name(const pr_model *m, const char *name)
{
	for (int i = 0; i < N_PARCEL_COLUMNS; i++)
		if (strcmp(name, parcel_columns[i].name) == 0)
			return true;
	for (int i = 0; i < m->n_features; i++)
		if (strcmp(name, m->features[i].name) == 0)
			return true;
	return false;
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
		if (fa->needs) {
			char *copy = strdup(fa->needs);
			if (!copy)
				return PR_ENOMEM;
			int r = 0;
			for (char *tok = strtok(copy, ", "); tok; tok = strtok(NULL, ", "))
				if (!known_name(m, tok)) {
					r = pr_error(ctx, PR_ECONFIG,
						     "%s line %d [factor %s]: needs '%s', which is "
						     "neither a feature nor a parcel column",
						     label, fa->line, fa->name, tok);
					break;
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

/* ---- evaluation ---------------------------------------------------------------------------- */

void pr_scores_free(pr_scores *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		if (s->reasons)
			free(s->reasons[i]);
		if (s->missing)
			free(s->missing[i]);
	}
	free(s->score);
	free(s->rank);
	free(s->risk_class);
	free(s->reasons);
	free(s->points);
	free(s->features);
	free(s->data_coverage);
	free(s->missing);
	free(s->last_inspection);
	free(s->visit);
	free(s->visit_rank);
	memset(s, 0, sizeof *s);
}

static int sql_error(pr_context *ctx, sqlite3 *db, const pr_model *m, int line, const char *section,
		     const char *what)
{
	return pr_error(ctx, PR_ECONFIG, "%s line %d [%s]: %s: %s", m->path, line, section, what,
			sqlite3_errmsg(db));
}

/* Prepares exactly one statement: model SQL is wrapped into the engine's own statements, and
 * text after the first one (a ";" and more) would run beside them. SQLITE_MISUSE for that. */
static int prepare_one(sqlite3 *db, const char *sql, sqlite3_stmt **ret)
{
	const char *tail = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, ret, &tail);
	if (rc != SQLITE_OK)
		return rc;
	while (tail &&
	       (*tail == ' ' || *tail == '\n' || *tail == '\t' || *tail == '\r' || *tail == ';'))
		tail++;
	if (tail && *tail) {
		sqlite3_finalize(*ret);
		*ret = NULL;
		return SQLITE_MISUSE;
	}
	return SQLITE_OK;
}

/* The message for a statement that prepare_one refused. */
static const char *prepare_message(sqlite3 *db, int rc)
{
	return rc == SQLITE_MISUSE ? "more than one SQL statement (a ';' inside the value?)"
				   : sqlite3_errmsg(db);
}

/* Runs one SQL feature into table feat_NAME(parcel_id, value). */
static int run_sql_feature(pr_context *ctx, const pr_model *m, const pr_feature *f, sqlite3 *db,
			   const char *as_of)
{
	char section[PR_NAME_MAX + 16];
	snprintf(section, sizeof section, "feature %s", f->name);
	pr_strbuf sql = {0};
	sqlite3_stmt *st = NULL;
	int r = 0;

	pr_strbuf_printf(&sql, "CREATE TABLE feat_%s (parcel_id INTEGER PRIMARY KEY, value)",
			 f->name);
	r = pr_store_exec(ctx, db, sql.data);
	if (r < 0)
		goto done;
	sql.len = 0;
	pr_strbuf_printf(&sql, "INSERT INTO feat_%s (parcel_id, value) SELECT * FROM (\n%s\n)",
			 f->name, f->sql);
	int rc = prepare_one(db, sql.data, &st);
	if (rc != SQLITE_OK) {
		r = pr_error(ctx, PR_ECONFIG, "%s line %d [%s]: the sql does not run: %s", m->path,
			     f->line, section, prepare_message(db, rc));
		goto done;
	}
	for (int i = 1; i <= sqlite3_bind_parameter_count(st); i++) {
		const char *pname = sqlite3_bind_parameter_name(st, i);
		if (!pname || strcmp(pname, ":as_of") != 0) {
			r = pr_error(
			    ctx, PR_ECONFIG,
			    "%s line %d [%s]: unknown parameter %s (the only one is :as_of)",
			    m->path, f->line, section, pname ? pname : "?");
			goto done;
		}
		sqlite3_bind_text(st, i, as_of, -1, SQLITE_STATIC);
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT) {
		r = pr_error(
		    ctx, PR_ECONFIG,
		    "%s line %d [%s]: the query yields more than one row for a parcel (GROUP "
		    "BY parcel_id?): %s",
		    m->path, f->line, section, sqlite3_errmsg(db));
		goto done;
	}
	if (rc != SQLITE_DONE) {
		r = sql_error(ctx, db, m, f->line, section, "the sql failed");
		goto done;
	}
done:
	sqlite3_finalize(st);
	pr_strbuf_free(&sql);
	return r;
}

/* Builds table features: parcel columns and every feature, one row per parcel. */
/* Pass 1 runs the SQL features that do not read scores (those are NULL then); pass 2 runs
 * the ones that do, over the scores of pass 1, and rebuilds the table. */
static int build_features(pr_context *ctx, const pr_model *m, sqlite3 *db, const char *as_of,
			  int pass, bool queries_only)
{
	pr_strbuf sql = {0}, timings = {0};
	int r = 0;
	uint64_t queries = 0, done_queries = 0;
	for (int i = 0; i < m->n_features; i++)
		queries += m->features[i].sql && m->features[i].uses_scores == (pass == 2);
	for (int i = 0; i < m->n_features && r == 0; i++) {
		const pr_feature *f = &m->features[i];
		if (!f->sql || f->uses_scores != (pass == 2))
			continue;
		char drop[96];
		snprintf(drop, sizeof drop, "DROP TABLE IF EXISTS feat_%s", f->name);
		r = pr_store_exec(ctx, db, drop);
		double t0 = pr_now();
		if (r == 0)
			r = run_sql_feature(ctx, m, f, db, as_of);
		pr_strbuf_printf(&timings, "%s%s %.2f s", timings.len ? ", " : "", f->name,
				 pr_now() - t0);
		pr_progress(ctx, pass == 1 ? "features" : "late features", ++done_queries, queries);
	}
	/* What each query cost, in one line: the first place to look when a model is slow. */
	if (timings.len)
		pr_log(ctx, PR_LOG_INFO, "model: features (pass %d): %s", pass, timings.data);
	pr_strbuf_free(&timings);
	if (r < 0 || queries_only)
		goto done;
	r = pr_store_exec(ctx, db, "DROP TABLE IF EXISTS features");
	if (r < 0)
		goto done;

	/* One statement: the parcel columns and SQL features joined, then each expression
	 * feature as a layer around the previous ones, so that it can use them by name. */
	pr_strbuf_printf(&sql, "SELECT p.parcel_id AS parcel_id");
	for (int i = 0; i < N_PARCEL_COLUMNS; i++)
		pr_strbuf_printf(&sql, ", p.%s AS %s", parcel_columns[i].name,
				 parcel_columns[i].name);
	for (int i = 0; i < m->n_features; i++) {
		const pr_feature *f = &m->features[i];
		if (f->expr)
			continue;
		if (f->uses_scores && pass == 1)
			pr_strbuf_printf(&sql, ", NULL AS %s", f->name);
		else if (f->has_default)
			pr_strbuf_printf(&sql, ", COALESCE(t%d.value, %.17g) AS %s", i,
					 f->default_value, f->name);
		else
			pr_strbuf_printf(&sql, ", t%d.value AS %s", i, f->name);
	}
	pr_strbuf_printf(&sql, " FROM parcels p");
	for (int i = 0; i < m->n_features; i++)
		if (m->features[i].sql && (pass == 2 || !m->features[i].uses_scores))
			pr_strbuf_printf(&sql,
					 " LEFT JOIN feat_%s t%d ON t%d.parcel_id = p.parcel_id",
					 m->features[i].name, i, i);
	for (int i = 0; i < m->n_features; i++) {
		const pr_feature *f = &m->features[i];
		if (!f->expr)
			continue;
		pr_strbuf wrapped = {0};
		if (f->has_default)
			pr_strbuf_printf(&wrapped,
					 "SELECT *, COALESCE((\n%s\n), %.17g) AS %s FROM (%s)",
					 f->expr, f->default_value, f->name, sql.data);
		else
			pr_strbuf_printf(&wrapped, "SELECT *, (\n%s\n) AS %s FROM (%s)", f->expr,
					 f->name, sql.data);
		/* Check each layer as it is added, to name the feature at fault. */
		sqlite3_stmt *probe = NULL;
		int rc = wrapped.data ? prepare_one(db, wrapped.data, &probe) : SQLITE_NOMEM;
		bool bad = rc != SQLITE_OK;
		if (bad)
			r = pr_error(ctx, PR_ECONFIG, "%s line %d [feature %s]: the expr fails: %s",
				     m->path, f->line, f->name, prepare_message(db, rc));
		sqlite3_finalize(probe);
		pr_strbuf_free(&sql);
		sql = wrapped;
		if (bad)
			goto done;
	}
	pr_strbuf create = {0};
	pr_strbuf_printf(&create, "CREATE TABLE features AS %s ORDER BY parcel_id", sql.data);
	double t0 = pr_now();
	sqlite3_stmt *st = NULL;
	if (!create.data)
		r = PR_ENOMEM;
	else if (prepare_one(db, create.data, &st) != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE)
		r = pr_error(ctx, PR_ECONFIG, "%s: the features table cannot be built: %s", m->path,
			     sqlite3_errmsg(db));
	sqlite3_finalize(st);
	pr_strbuf_free(&create);
	if (r < 0)
		goto done;
	pr_log(ctx, PR_LOG_INFO, "model: features table built (%.2f s)", pr_now() - t0);
done:
	pr_strbuf_free(&sql);
	return r;
}

/* Formats a value for a reason: whole numbers without decimals, others with one. */
void pr_model_format_value(double v, char *buf, size_t size)
{
	if (isnan(v))
		snprintf(buf, size, "?");
	else if (fabs(v - round(v)) < 0.05)
		snprintf(buf, size, "%.0f", round(v) == 0 ? 0.0 : round(v));
	else
		snprintf(buf, size, "%.1f", v);
}

/* Fills a reason template: {name} becomes the value of that column for this parcel. */
int pr_model_render_reason(const char *tmpl, sqlite3_stmt *row, int n_cols, double value,
			   double points, pr_strbuf *out)
{
	for (const char *p = tmpl; *p;) {
		const char *open = strchr(p, '{');
		const char *close = open ? strchr(open, '}') : NULL;
		if (!open || !close)
			return pr_strbuf_append(out, p, strlen(p));
		if (pr_strbuf_append(out, p, (size_t)(open - p)) < 0)
			return PR_ENOMEM;
		/* {name} or {name:singular:plural}, the latter giving "1 dwelling", "3 dwellings".
		 */
		char spec[3 * PR_NAME_MAX + 1];
		size_t len = (size_t)(close - open - 1);
		if (len >= sizeof spec)
			len = sizeof spec - 1;
		memcpy(spec, open + 1, len);
		spec[len] = '\0';
		char *singular = strchr(spec, ':');
		char *plural = singular ? strchr(singular + 1, ':') : NULL;
		if (singular)
			*singular++ = '\0';
		if (plural)
			*plural++ = '\0';
		double v = NAN;
		bool found = false;
		if (strcmp(spec, "value") == 0) {
			v = value;
			found = true;
		} else if (strcmp(spec, "points") == 0) {
			v = points;
			found = true;
		}
		for (int c = 0; c < n_cols && !found; c++)
			if (strcmp(sqlite3_column_name(row, c), spec) == 0) {
				found = true;
				v = sqlite3_column_type(row, c) == SQLITE_NULL
					? NAN
					: sqlite3_column_double(row, c);
			}
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

const char *pr_model_label_of(const pr_model *m, const char *name)
{
	for (int i = 0; i < N_PARCEL_COLUMNS; i++)
		if (strcmp(name, parcel_columns[i].name) == 0)
			return parcel_columns[i].label;
	for (int i = 0; i < m->n_features; i++)
		if (strcmp(name, m->features[i].name) == 0)
			return m->features[i].label ? m->features[i].label : m->features[i].name;
	return name;
}

typedef struct rank_entry {
	double score;
	uint32_t index;
} rank_entry;

static int compare_rank(const void *a, const void *b)
{
	const rank_entry *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int allocate_scores(pr_scores *s, size_t n, int n_features, int n_factors)
{
	size_t k = n ? n : 1;
	s->n = n;
	s->n_features = n_features;
	s->n_factors = n_factors;
	s->score = calloc(k, sizeof *s->score);
	s->rank = calloc(k, sizeof *s->rank);
	s->risk_class = calloc(k, sizeof *s->risk_class);
	s->reasons = calloc(k, sizeof *s->reasons);
	s->points = calloc(k * (size_t)(n_factors ? n_factors : 1), sizeof *s->points);
	s->features = calloc(k * (size_t)(n_features ? n_features : 1), sizeof *s->features);
	s->data_coverage = calloc(k, sizeof *s->data_coverage);
	s->missing = calloc(k, sizeof *s->missing);
	s->last_inspection = calloc(k, sizeof *s->last_inspection);
	s->visit = calloc(k, sizeof *s->visit);
	s->visit_rank = calloc(k, sizeof *s->visit_rank);
	if (!s->score || !s->rank || !s->risk_class || !s->reasons || !s->points || !s->features ||
	    !s->data_coverage || !s->missing || !s->last_inspection || !s->visit || !s->visit_rank)
		return PR_ENOMEM;
	return 0;
}

/* Column positions in the scoring query: parcel_id, parcel columns, features, factor values. */
#define COL_FIRST_FEATURE (1 + N_PARCEL_COLUMNS)

typedef struct factor_needs {
	int n;
	int cols[16];
} factor_needs;

static int resolve_needs(const pr_model *m, const pr_factor *fa, factor_needs *needs)
{
	needs->n = 0;
	if (!fa->needs)
		return 0;
	char *copy = strdup(fa->needs);
	if (!copy)
		return PR_ENOMEM;
	for (char *tok = strtok(copy, ", "); tok && needs->n < 16; tok = strtok(NULL, ", ")) {
		int col = -1;
		for (int i = 0; i < N_PARCEL_COLUMNS; i++)
			if (strcmp(tok, parcel_columns[i].name) == 0)
				col = 1 + i;
		for (int i = 0; i < m->n_features; i++)
			if (strcmp(tok, m->features[i].name) == 0)
				col = COL_FIRST_FEATURE + i;
		if (col >= 0)
			needs->cols[needs->n++] = col;
	}
	free(copy);
	return 0;
}

typedef struct factor_points {
	double points;
	int factor;
} factor_points;

static int compare_points(const void *a, const void *b)
{
	const factor_points *x = a, *y = b;
	if (x->points != y->points)
		return x->points > y->points ? -1 : 1;
	return x->factor - y->factor;
}

/* Scores one parcel from its row of the scoring query. */
static int score_parcel(const pr_model *m, const factor_needs *needs, sqlite3_stmt *row, int n_cols,
			size_t i, double max_points, bool with_reasons, pr_scores *s)
{
	factor_points fp[PR_MODEL_MAX_FACTORS];
	pr_strbuf missing = {0}, reasons = {0};
	int covered = 0, n_fp = 0, r = 0;
	double total = 0;
	int first_value = COL_FIRST_FEATURE + m->n_features;

	for (int f = 0; f < m->n_features; f++) {
		int c = COL_FIRST_FEATURE + f;
		s->features[i * (size_t)m->n_features + (size_t)f] =
		    sqlite3_column_type(row, c) == SQLITE_NULL ? NAN
							       : sqlite3_column_double(row, c);
	}
	for (int k = 0; k < m->n_factors; k++) {
		const pr_factor *fa = &m->factors[k];
		bool have = true;
		for (int j = 0; j < needs[k].n; j++) {
			int c = needs[k].cols[j];
			if (sqlite3_column_type(row, c) == SQLITE_NULL) {
				if (have)
					pr_strbuf_printf(
					    &missing, "%s%s not assessed (no %s on record)",
					    missing.len ? "; " : "", fa->name,
					    pr_model_label_of(m, sqlite3_column_name(row, c)));
				have = false;
			}
		}
		covered += have;
		double points = 0;
		int c = first_value + k;
		if (have && sqlite3_column_type(row, c) != SQLITE_NULL) {
			double v = sqlite3_column_double(row, c);
			double t = (v - fa->from) / (fa->saturate - fa->from);
			t = t < 0 ? 0 : t > 1 ? 1 : t;
			points = fa->weight * t;
		}
		s->points[i * (size_t)m->n_factors + (size_t)k] = points;
		total += points;
		if (points > 0)
			fp[n_fp++] = (factor_points){points, k};
	}
	qsort(fp, (size_t)n_fp, sizeof *fp, compare_points);
	for (int j = 0; j < n_fp && j < 3 && with_reasons; j++) {
		const pr_factor *fa = &m->factors[fp[j].factor];
		int c = first_value + fp[j].factor;
		if (reasons.len)
			pr_strbuf_append(&reasons, "; ", 2);
		r = pr_model_render_reason(fa->reason ? fa->reason : fa->name, row, n_cols,
					   sqlite3_column_double(row, c), fp[j].points, &reasons);
		if (r < 0)
			goto done;
	}
	if (n_fp < 3 && missing.len) {
		if (reasons.len)
			pr_strbuf_append(&reasons, "; ", 2);
		pr_strbuf_append(&reasons, missing.data, missing.len);
	}
	double score = max_points > 0 ? 100.0 * total / max_points : 0;
	score = score < 0 ? 0 : score > 100 ? 100 : score;
	s->score[i] = round(score * 10) / 10;
	s->risk_class[i] = s->score[i] >= m->class_critical ? PR_CLASS_CRITICAL
			   : s->score[i] >= m->class_high   ? PR_CLASS_HIGH
			   : s->score[i] >= m->class_medium ? PR_CLASS_MEDIUM
							    : PR_CLASS_LOW;
	s->data_coverage[i] = m->n_factors ? (double)covered / m->n_factors : 1;
	s->reasons[i] = reasons.data ? reasons.data : strdup("");
	reasons.data = NULL;
	s->missing[i] = missing.data;
	missing.data = NULL;
	if (!s->reasons[i])
		r = PR_ENOMEM;
done:
	pr_strbuf_free(&missing);
	pr_strbuf_free(&reasons);
	return r;
}

/* The last inspection of every parcel on or before as_of. */
static int last_inspections(pr_context *ctx, sqlite3 *db, const char *as_of, pr_scores *s)
{
	sqlite3_stmt *st = NULL;
	for (size_t i = 0; i < s->n; i++)
		s->last_inspection[i] = PR_DATE_NULL;
	const char *sql = "SELECT parcel_id, MAX(date) FROM inspections WHERE date <= ?1 "
			  "GROUP BY parcel_id";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return pr_error(ctx, PR_EINTERNAL, "working store: %s", sqlite3_errmsg(db));
	sqlite3_bind_text(st, 1, as_of, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 pid = sqlite3_column_int64(st, 0);
		const char *d = (const char *)sqlite3_column_text(st, 1);
		int32_t days;
		if (pid >= 0 && (size_t)pid < s->n && d && pr_parse_date(d, &days))
			s->last_inspection[pid] = days;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return pr_error(ctx, PR_EINTERNAL, "working store: %s", sqlite3_errmsg(db));
	return 0;
}

/* Evaluates every factor for every parcel from the features table into s. */
static int score_all(pr_context *ctx, const pr_model *m, sqlite3 *db, const char *source,
		     size_t n_parcels, bool with_reasons, pr_scores *s)
{
	pr_strbuf sql = {0};
	sqlite3_stmt *st = NULL;
	factor_needs needs[PR_MODEL_MAX_FACTORS];
	int r = 0;

	pr_strbuf_printf(&sql, "SELECT parcel_id");
	for (int i = 0; i < N_PARCEL_COLUMNS; i++)
		pr_strbuf_printf(&sql, ", %s", parcel_columns[i].name);
	for (int i = 0; i < m->n_features; i++)
		pr_strbuf_printf(&sql, ", %s", m->features[i].name);
	for (int k = 0; k < m->n_factors; k++)
		pr_strbuf_printf(&sql, ", (\n%s\n) AS \"value of %s\"", m->factors[k].value,
				 m->factors[k].name);
	/* features was filled in parcel_id order: its rowid order is that order, without a sort;
	 * every row is checked below. */
	pr_strbuf_printf(&sql, " FROM %s", source);
	if (!sql.data) {
		r = PR_ENOMEM;
		goto done;
	}
	if (prepare_one(db, sql.data, &st) != SQLITE_OK) {
		/* Find the factor at fault, to name its section. */
		const char *msg = sqlite3_errmsg(db);
		for (int k = 0; k < m->n_factors; k++) {
			pr_strbuf one = {0};
			sqlite3_stmt *probe = NULL;
			pr_strbuf_printf(&one, "SELECT (\n%s\n) FROM features",
					 m->factors[k].value);
			int rc = prepare_one(db, one.data, &probe);
			bool bad = rc != SQLITE_OK;
			if (bad)
				r = pr_error(ctx, PR_ECONFIG,
					     "%s line %d [factor %s]: the value fails: %s", m->path,
					     m->factors[k].line, m->factors[k].name,
					     prepare_message(db, rc));
			sqlite3_finalize(probe);
			pr_strbuf_free(&one);
			if (bad)
				goto done;
		}
		r = pr_error(ctx, PR_ECONFIG, "%s: the factors do not run: %s", m->path, msg);
		goto done;
	}
	double max_points = 0;
	for (int k = 0; k < m->n_factors; k++) {
		r = resolve_needs(m, &m->factors[k], &needs[k]);
		if (r < 0)
			goto done;
		if (m->factors[k].weight > 0)
			max_points += m->factors[k].weight;
	}
	int n_cols = sqlite3_column_count(st);
	size_t i = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (i >= n_parcels || sqlite3_column_int64(st, 0) != (sqlite3_int64)i) {
			r = pr_error(ctx, PR_EINTERNAL, "scored rows out of parcel order at %zu",
				     i);
			goto done;
		}
		free(s->reasons[i]);
		free(s->missing[i]);
		s->reasons[i] = s->missing[i] = NULL;
		r = score_parcel(m, needs, st, n_cols, i, max_points, with_reasons, s);
		if (r < 0)
			goto done;
		i++;
		if ((i & 0xffff) == 0)
			pr_progress(ctx, "scores", i, n_parcels);
	}
	if (rc != SQLITE_DONE) {
		r = pr_error(ctx, PR_ECONFIG, "%s: the factors failed: %s", m->path,
			     sqlite3_errmsg(db));
		goto done;
	}
	if (i != n_parcels)
		r = pr_error(ctx, PR_EINTERNAL, "scored %zu parcels of %zu", i, n_parcels);
done:
	sqlite3_finalize(st);
	pr_strbuf_free(&sql);
	return r;
}

/* True when an expression feature names a feature that uses scores (as a whole word). */
static bool expressions_use_late_features(const pr_model *m)
{
	for (int i = 0; i < m->n_features; i++) {
		if (!m->features[i].expr)
			continue;
		for (int j = 0; j < m->n_features; j++) {
			if (!m->features[j].uses_scores)
				continue;
			/* SQL names are case-insensitive: LATE names late. */
			size_t n = strlen(m->features[j].name);
			for (const char *p = strcasestr(m->features[i].expr, m->features[j].name);
			     p; p = strcasestr(p + 1, m->features[j].name)) {
				bool start = p == m->features[i].expr ||
					     !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
				bool end = !(isalnum((unsigned char)p[n]) || p[n] == '_');
				if (start && end)
					return true;
			}
		}
	}
	return false;
}

/* The second pass's rows: the features table with each score-based feature's new values
 * joined in, in parcel order. */
static int late_source(const pr_model *m, pr_strbuf *out)
{
	pr_strbuf_printf(out, "(SELECT f.parcel_id AS parcel_id");
	for (int i = 0; i < N_PARCEL_COLUMNS; i++)
		pr_strbuf_printf(out, ", f.%s AS %s", parcel_columns[i].name,
				 parcel_columns[i].name);
	for (int i = 0; i < m->n_features; i++) {
		const pr_feature *f = &m->features[i];
		if (!f->uses_scores)
			pr_strbuf_printf(out, ", f.%s AS %s", f->name, f->name);
		else if (f->has_default)
			pr_strbuf_printf(out, ", COALESCE(t%d.value, %.17g) AS %s", i,
					 f->default_value, f->name);
		else
			pr_strbuf_printf(out, ", t%d.value AS %s", i, f->name);
	}
	pr_strbuf_printf(out, " FROM features f");
	for (int i = 0; i < m->n_features; i++)
		if (m->features[i].uses_scores)
			pr_strbuf_printf(out,
					 " LEFT JOIN feat_%s t%d ON t%d.parcel_id = f.parcel_id",
					 m->features[i].name, i, i);
	/* Named features, so that a factor may write features.name as in the first pass. */
	pr_strbuf_printf(out, " ORDER BY f.rowid) AS features");
	return out->data ? 0 : PR_ENOMEM;
}

/* Table scores (parcel_id, score, risk_class) of a first pass, for features that use it. */
static int store_scores(pr_context *ctx, sqlite3 *db, const pr_scores *s)
{
	sqlite3_stmt *st = NULL;
	int r = pr_store_exec(ctx, db,
			      "DROP TABLE IF EXISTS scores; CREATE TABLE scores (parcel_id INTEGER "
			      "PRIMARY KEY, score REAL, risk_class TEXT); BEGIN");
	if (r < 0)
		return r;
	if (sqlite3_prepare_v2(db, "INSERT INTO scores VALUES (?1, ?2, ?3)", -1, &st, NULL) !=
	    SQLITE_OK)
		return pr_error(ctx, PR_EINTERNAL, "working store: %s", sqlite3_errmsg(db));
	for (size_t i = 0; i < s->n; i++) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
		sqlite3_bind_double(st, 2, s->score[i]);
		sqlite3_bind_text(st, 3, pr_risk_class_names[s->risk_class[i]], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			r = pr_error(ctx, PR_EINTERNAL, "working store: %s", sqlite3_errmsg(db));
			break;
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return r < 0 ? r : pr_store_exec(ctx, db, "COMMIT");
}

int pr_model_score(pr_context *ctx, const pr_model *m, sqlite3 *db, int32_t as_of, size_t n_parcels,
		   pr_scores *ret_scores)
{
	pr_scores s = {0};
	rank_entry *ranks = NULL;
	char as_of_text[16];
	int r;

	pr_format_date(as_of, as_of_text);
	r = allocate_scores(&s, n_parcels, m->n_features, m->n_factors);
	if (r == 0)
		r = build_features(ctx, m, db, as_of_text, 1, false);
	bool two_passes = false;
	for (int i = 0; i < m->n_features; i++)
		two_passes = two_passes || m->features[i].uses_scores;
	/* The reasons of a first pass would be thrown away: skip them. */
	if (r == 0)
		r = score_all(ctx, m, db, "features ORDER BY rowid", n_parcels, !two_passes, &s);
	if (r == 0 && two_passes) {
		/* Unless an expression feature uses a score-based one, the features table stays:
		 * the second pass reads it with the new columns joined in. */
		bool rebuild = expressions_use_late_features(m);
		pr_strbuf source = {0};
		r = store_scores(ctx, db, &s);
		if (r == 0)
			r = build_features(ctx, m, db, as_of_text, 2, !rebuild);
		if (r == 0 && !rebuild)
			r = late_source(m, &source);
		if (r == 0)
			r = score_all(ctx, m, db, rebuild ? "features ORDER BY rowid" : source.data,
				      n_parcels, true, &s);
		pr_strbuf_free(&source);
	}
	if (r < 0)
		goto done;

	/* Ranks: highest score first, ties by lowest parcel id. */
	ranks = malloc((n_parcels ? n_parcels : 1) * sizeof *ranks);
	if (!ranks) {
		r = PR_ENOMEM;
		goto done;
	}
	for (size_t j = 0; j < n_parcels; j++)
		ranks[j] = (rank_entry){s.score[j], (uint32_t)j};
	qsort(ranks, n_parcels, sizeof *ranks, compare_rank);
	for (size_t j = 0; j < n_parcels; j++)
		s.rank[ranks[j].index] = (uint32_t)(j + 1);

	/* Visit list: the best-ranked parcels with points, less those inspected recently. */
	r = last_inspections(ctx, db, as_of_text, &s);
	if (r < 0)
		goto done;
	uint32_t on_list = 0;
	for (size_t j = 0; j < n_parcels && on_list < (uint32_t)m->visit_list_size; j++) {
		size_t p = ranks[j].index;
		if (s.score[p] <= 0)
			break;
		int32_t last = s.last_inspection[p];
		if (last != PR_DATE_NULL && as_of - last <= m->exclude_inspected_days)
			continue;
		s.visit[p] = 1;
		s.visit_rank[p] = ++on_list;
	}
	pr_progress(ctx, "scores", n_parcels, n_parcels);
	*ret_scores = s;
	memset(&s, 0, sizeof s);
done:
	free(ranks);
	pr_scores_free(&s);
	return r;
}
