/* SPDX-License-Identifier: MIT */
/* The model's features: each SQL feature runs into its own table feat_NAME (one value per
 * parcel), then one statement reads them in parcel order beside the parcel columns and layers
 * the expression features on top, into table features, one row per parcel in parcel order.
 * Features that read a first pass's scores run in a second pass. What each feature and factor
 * reads, down to the sources, is found here too: a feature over a source left out of the sources
 * file is missing, not its default. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/model_internal.h"
#include "store/store.h"

static int sql_error(pr_context *ctx, sqlite3 *db, const pr_model *m, int line, const char *section,
		     const char *what)
{
	return pr_error(ctx, PR_ECONFIG, "%s line %d [%s]: %s: %s", m->path, line, section, what,
			sqlite3_errmsg(db));
}

int pr_model_prepare_one(pr_store *store, const char *sql, sqlite3_stmt **ret)
{
	const char *tail = NULL;
	pr_store_clear_refusal(store);
	int rc = sqlite3_prepare_v2(store->db, sql, -1, ret, &tail);
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

const char *pr_model_prepare_message(pr_store *store, int rc)
{
	if (rc == SQLITE_MISUSE)
		return "more than one SQL statement (a ';' inside the value?)";
	return pr_store_refusal(store) ? pr_store_refusal(store) : sqlite3_errmsg(store->db);
}

bool pr_model_feature_absent(const pr_model_eval *ev, int i)
{
	return (ev->reads.feature[i] & ev->absent) != 0;
}

/* Runs one SQL feature into table feat_NAME(parcel_id, value). One that reads a source left
 * out is checked but not run: its table stays empty and the feature missing. */
static int run_sql_feature(pr_model_eval *ev, int i)
{
	pr_context *ctx = ev->ctx;
	const pr_model *m = ev->m;
	const pr_feature *f = &m->features[i];
	sqlite3 *db = ev->db;
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
	int rc = pr_model_prepare_one(ev->store, sql.data, &st);
	if (rc != SQLITE_OK) {
		r = pr_error(ctx, PR_ECONFIG, "%s line %d [%s]: the sql does not run: %s", m->path,
			     f->line, section, pr_model_prepare_message(ev->store, rc));
		goto done;
	}
	for (int p = 1; p <= sqlite3_bind_parameter_count(st); p++) {
		const char *pname = sqlite3_bind_parameter_name(st, p);
		if (!pname || strcmp(pname, ":as_of") != 0) {
			r = pr_error(
			    ctx, PR_ECONFIG,
			    "%s line %d [%s]: unknown parameter %s (the only one is :as_of)",
			    m->path, f->line, section, pname ? pname : "?");
			goto done;
		}
		sqlite3_bind_text(st, p, ev->as_of, -1, SQLITE_STATIC);
	}
	if (pr_model_feature_absent(ev, i))
		goto done;
	pr_model_limit_start(ev);
	rc = sqlite3_step(st);
	pr_model_limit_stop(ev);
	if (rc == SQLITE_CONSTRAINT) {
		r = pr_error(
		    ctx, PR_ECONFIG,
		    "%s line %d [%s]: the query yields more than one row for a parcel (GROUP "
		    "BY parcel_id?): %s",
		    m->path, f->line, section, sqlite3_errmsg(db));
		goto done;
	}
	if (rc != SQLITE_DONE) {
		char who[PR_NAME_MAX + 64];
		snprintf(who, sizeof who, "line %d [%s]", f->line, section);
		r = pr_model_limit_error(ev, rc, who);
		if (r == 0)
			r = sql_error(ctx, db, m, f->line, section, "the sql failed");
		goto done;
	}
done:
	sqlite3_finalize(st);
	pr_strbuf_free(&sql);
	return r;
}

/* ---- the feature tables read in parcel order ---------------------------------------------- */

/* The features table reads each feature table through pr_feature_value(k, parcel_id), not a
 * join: the parcels come in parcel order, so each table is read once from start to end, where
 * the join looked every parcel up in every table (at 10M parcels those lookups missed the cache
 * and were most of the table's 27 s). A parcel asked for behind the last one is looked up. */
#define FEATURE_VALUE_FN "pr_feature_value"

typedef struct feature_stream {
	sqlite3_stmt *scan;   /* parcel_id, value of feat_NAME in parcel order */
	sqlite3_stmt *lookup; /* value of feat_NAME for parcel ?1 */
	sqlite3_int64 last;   /* the parcel asked for last */
	sqlite3_int64 at;     /* the parcel of scan's current row */
	bool started, done;   /* scan has stepped; scan is past its last row */
} feature_stream;

typedef struct feature_streams {
	sqlite3 *db;
	const pr_model *m;
	feature_stream *s; /* one per feature of the model */
} feature_streams;

static int open_stream(feature_streams *fs, int k)
{
	feature_stream *st = &fs->s[k];
	char sql[PR_NAME_MAX + 96];
	snprintf(sql, sizeof sql, "SELECT parcel_id, value FROM feat_%s ORDER BY parcel_id",
		 fs->m->features[k].name);
	int rc = sqlite3_prepare_v2(fs->db, sql, -1, &st->scan, NULL);
	if (rc != SQLITE_OK)
		return rc;
	snprintf(sql, sizeof sql, "SELECT value FROM feat_%s WHERE parcel_id = ?1",
		 fs->m->features[k].name);
	return sqlite3_prepare_v2(fs->db, sql, -1, &st->lookup, NULL);
}

/* Looks parcel pid up in feature k's table, for a parcel asked for behind the scan. */
static void look_up(sqlite3_context *fctx, feature_stream *st, sqlite3_int64 pid)
{
	sqlite3_bind_int64(st->lookup, 1, pid);
	int rc = sqlite3_step(st->lookup);
	if (rc == SQLITE_ROW)
		sqlite3_result_value(fctx, sqlite3_column_value(st->lookup, 0));
	else if (rc == SQLITE_DONE)
		sqlite3_result_null(fctx);
	else
		sqlite3_result_error_code(fctx, rc);
	sqlite3_reset(st->lookup);
}

/* pr_feature_value(k, parcel_id): feature k's value in its table for the parcel, NULL when the
 * table has no row for it, like the LEFT JOIN it replaces. */
static void feature_value(sqlite3_context *fctx, int argc, sqlite3_value **argv)
{
	feature_streams *fs = sqlite3_user_data(fctx);
	int k = sqlite3_value_int(argv[0]);
	(void)argc;
	if (k < 0 || k >= fs->m->n_features || !fs->m->features[k].sql ||
	    sqlite3_value_type(argv[1]) != SQLITE_INTEGER) {
		sqlite3_result_error(fctx, FEATURE_VALUE_FN ": not a feature table and parcel", -1);
		return;
	}
	sqlite3_int64 pid = sqlite3_value_int64(argv[1]);
	feature_stream *st = &fs->s[k];
	if (!st->scan) {
		int rc = open_stream(fs, k);
		if (rc != SQLITE_OK) {
			sqlite3_result_error_code(fctx, rc);
			return;
		}
	}
	if (st->started && pid < st->last) {
		look_up(fctx, st, pid);
		return;
	}
	st->last = pid;
	while (!st->done && (!st->started || st->at < pid)) {
		int rc = sqlite3_step(st->scan);
		st->started = true;
		if (rc == SQLITE_DONE) {
			st->done = true;
		} else if (rc != SQLITE_ROW) {
			sqlite3_result_error_code(fctx, rc);
			return;
		} else {
			st->at = sqlite3_column_int64(st->scan, 0);
		}
	}
	if (!st->done && st->at == pid)
		sqlite3_result_value(fctx, sqlite3_column_value(st->scan, 1));
	else
		sqlite3_result_null(fctx);
}

static void close_streams(feature_streams *fs)
{
	for (int k = 0; fs->s && k < fs->m->n_features; k++) {
		sqlite3_finalize(fs->s[k].scan);
		sqlite3_finalize(fs->s[k].lookup);
	}
	free(fs->s);
	fs->s = NULL;
}

int pr_model_build_features(pr_model_eval *ev, int pass, bool queries_only)
{
	pr_context *ctx = ev->ctx;
	const pr_model *m = ev->m;
	sqlite3 *db = ev->db;
	pr_strbuf sql = {0}, timings = {0};
	feature_streams streams = {.db = db, .m = m};
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
			r = run_sql_feature(ev, i);
		if (pr_model_feature_absent(ev, i))
			pr_strbuf_printf(&timings, "%s%s not run (a source left out)",
					 timings.len ? ", " : "", f->name);
		else
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
	streams.s = calloc((size_t)(m->n_features ? m->n_features : 1), sizeof *streams.s);
	if (!streams.s ||
	    sqlite3_create_function_v2(db, FEATURE_VALUE_FN, 2, SQLITE_UTF8 | SQLITE_DIRECTONLY,
				       &streams, feature_value, NULL, NULL, NULL) != SQLITE_OK) {
		r = PR_ENOMEM;
		goto done;
	}

	/* One statement: the parcel columns and SQL features side by side, then each expression
	 * feature as a layer around the previous ones, so that it can use them by name. */
	pr_strbuf_printf(&sql, "SELECT p.parcel_id AS parcel_id");
	for (int i = 0; i < pr_model_n_parcel_columns; i++)
		pr_strbuf_printf(&sql, ", p.%s AS %s", pr_model_parcel_columns[i].name,
				 pr_model_parcel_columns[i].name);
	for (int i = 0; i < m->n_features; i++) {
		const pr_feature *f = &m->features[i];
		if (f->expr)
			continue;
		/* A source left out is not assessed: no default turns its absence into a value. */
		if ((f->uses_scores && pass == 1) || pr_model_feature_absent(ev, i))
			pr_strbuf_printf(&sql, ", NULL AS %s", f->name);
		else if (f->has_default)
			pr_strbuf_printf(
			    &sql, ", COALESCE(" FEATURE_VALUE_FN "(%d, p.parcel_id), %.17g) AS %s",
			    i, f->default_value, f->name);
		else
			pr_strbuf_printf(&sql, ", " FEATURE_VALUE_FN "(%d, p.parcel_id) AS %s", i,
					 f->name);
	}
	pr_strbuf_printf(&sql, " FROM parcels p");
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
		int rc = wrapped.data ? pr_model_prepare_one(ev->store, wrapped.data, &probe)
				      : SQLITE_NOMEM;
		bool bad = rc != SQLITE_OK;
		if (bad)
			r = pr_error(ctx, PR_ECONFIG, "%s line %d [feature %s]: the expr fails: %s",
				     m->path, f->line, f->name,
				     pr_model_prepare_message(ev->store, rc));
		sqlite3_finalize(probe);
		/* Checked as written, but missing when it uses a source left out. */
		if (!bad && pr_model_feature_absent(ev, i)) {
			wrapped.len = 0;
			pr_strbuf_printf(&wrapped, "SELECT *, NULL AS %s FROM (%s)", f->name,
					 sql.data);
		}
		pr_strbuf_free(&sql);
		sql = wrapped;
		if (bad)
			goto done;
	}
	pr_strbuf create = {0};
	pr_strbuf_printf(&create, "CREATE TABLE features AS %s ORDER BY parcel_id", sql.data);
	double t0 = pr_now();
	sqlite3_stmt *st = NULL;
	int rc = create.data ? pr_model_prepare_one(ev->store, create.data, &st) : SQLITE_NOMEM;
	if (rc == SQLITE_OK) {
		pr_model_limit_start(ev);
		rc = sqlite3_step(st);
		pr_model_limit_stop(ev);
	}
	if (rc == SQLITE_NOMEM) {
		r = PR_ENOMEM;
	} else if (rc != SQLITE_DONE) {
		/* What runs long here is an expression feature's subquery, if anything. */
		pr_strbuf who = {0};
		r = pr_model_name_sections(m, false, &who);
		if (r == 0)
			r = pr_model_limit_error(ev, rc, who.len ? who.data : "the features table");
		pr_strbuf_free(&who);
		if (r == 0)
			r = pr_error(ctx, PR_ECONFIG, "%s: the features table cannot be built: %s",
				     m->path, pr_model_prepare_message(ev->store, rc));
	}
	sqlite3_finalize(st);
	pr_strbuf_free(&create);
	if (r < 0)
		goto done;
	pr_log(ctx, PR_LOG_INFO, "model: features table built (%.2f s)", pr_now() - t0);
done:
	close_streams(&streams);
	sqlite3_create_function_v2(db, FEATURE_VALUE_FN, 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL,
				   NULL, NULL, NULL, NULL);
	pr_strbuf_free(&sql);
	return r;
}

int pr_model_drop_first_tables(pr_model_eval *ev)
{
	const pr_model *m = ev->m;
	if (ev->reads.factors_unknown || pr_model_expressions_use_late_features(m))
		return 0;
	pr_strbuf sql = {0};
	for (int i = 0; i < m->n_features; i++) {
		const pr_feature *f = &m->features[i];
		if (!f->sql || f->uses_scores)
			continue;
		char table[PR_NAME_MAX + 8];
		snprintf(table, sizeof table, "feat_%s", f->name);
		bool named = false;
		for (int k = 0; k < m->n_factors && !named; k++)
			named = pr_model_sql_has_word(m->factors[k].value, table);
		for (int j = 0; j < m->n_features && !named; j++)
			named = m->features[j].uses_scores &&
				pr_model_sql_has_word(m->features[j].sql ? m->features[j].sql
									 : m->features[j].expr,
						      table);
		if (!named)
			pr_strbuf_printf(&sql, "DROP TABLE %s;", table);
	}
	double t0 = pr_now();
	int r = sql.len ? pr_store_exec(ev->ctx, ev->db, sql.data) : 0;
	if (r == 0 && sql.len)
		pr_log(ev->ctx, PR_LOG_INFO,
		       "model: the first pass's feature tables dropped (%.2f s)", pr_now() - t0);
	pr_strbuf_free(&sql);
	return r;
}

bool pr_model_sql_has_word(const char *sql, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = strcasestr(sql, word); p; p = strcasestr(p + 1, word)) {
		bool start = p == sql || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
		bool end = !(isalnum((unsigned char)p[n]) || p[n] == '_');
		if (start && end)
			return true;
	}
	return false;
}

bool pr_model_expressions_use_late_features(const pr_model *m)
{
	for (int i = 0; i < m->n_features; i++)
		for (int j = 0; j < m->n_features && m->features[i].expr; j++)
			if (m->features[j].uses_scores &&
			    pr_model_sql_has_word(m->features[i].expr, m->features[j].name))
				return true;
	return false;
}

int pr_model_late_source(const pr_model_eval *ev, const char *filter, pr_strbuf *out)
{
	const pr_model *m = ev->m;
	pr_strbuf_printf(out, "(SELECT f.parcel_id AS parcel_id");
	for (int i = 0; i < pr_model_n_parcel_columns; i++)
		pr_strbuf_printf(out, ", f.%s AS %s", pr_model_parcel_columns[i].name,
				 pr_model_parcel_columns[i].name);
	for (int i = 0; i < m->n_features; i++) {
		const pr_feature *f = &m->features[i];
		if (!f->uses_scores)
			pr_strbuf_printf(out, ", f.%s AS %s", f->name, f->name);
		else if (pr_model_feature_absent(ev, i))
			pr_strbuf_printf(out, ", NULL AS %s", f->name);
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
	if (filter)
		pr_strbuf_printf(out, " WHERE %s", filter);
	/* Named features, so that a factor may write features.name as in the first pass. */
	pr_strbuf_printf(out, " ORDER BY f.rowid) AS features");
	return out->data ? 0 : PR_ENOMEM;
}

/* ---- what each feature and factor reads ---------------------------------------------------- */

/* The reads of the statement being prepared: sources by table, features by column of table
 * features (for expressions and factors: the features they name). */
typedef struct read_probe {
	const pr_model *m;
	unsigned sources;
	uint64_t features;
} read_probe;

static void record_read(void *user, const char *table, const char *column)
{
	read_probe *p = user;
	for (int k = 0; k < PR_SRC_COUNT; k++)
		if (sqlite3_stricmp(table, pr_source_defs[k].name) == 0)
			p->sources |= 1u << k;
	if (sqlite3_stricmp(table, "features") != 0)
		return;
	for (int i = 0; i < p->m->n_features; i++)
		if (sqlite3_stricmp(column, p->m->features[i].name) == 0)
			p->features |= UINT64_C(1) << i;
}

/* Prepares sql only to see what it reads; false when it does not prepare (then what it reads is
 * not known: a factor may read a feature's own table, which does not exist yet). */
static bool probe_reads(pr_store *store, read_probe *p, const char *sql)
{
	sqlite3_stmt *st = NULL;
	p->sources = 0;
	p->features = 0;
	int rc = sql ? pr_model_prepare_one(store, sql, &st) : SQLITE_NOMEM;
	sqlite3_finalize(st);
	return rc == SQLITE_OK;
}

/* The sources whose table sql names as a word (bit k: source k). */
static unsigned named_sources(const char *sql)
{
	unsigned named = 0;
	for (int k = 0; k < PR_SRC_COUNT && sql; k++)
		if (pr_model_sql_has_word(sql, pr_source_defs[k].name))
			named |= 1u << k;
	return named;
}

int pr_model_find_reads(pr_context *ctx, const pr_model *m, pr_store *store,
			pr_model_reads *ret_reads)
{
	pr_model_reads reads = {0};
	uint64_t uses[PR_MODEL_MAX_FEATURES] = {0};
	pr_strbuf sql = {0};
	read_probe probe = {m, 0, 0};
	int r = 0;

	/* Expressions and factors name the columns of table features, and a second-pass feature
	 * may read it and table scores: empty stand-ins in temp, which comes first in name lookups
	 * and is dropped after. */
	pr_strbuf_printf(&sql, "CREATE TEMP TABLE features (parcel_id INTEGER");
	for (int j = 0; j < pr_model_n_values(m); j++)
		pr_strbuf_printf(&sql, ", %s", pr_model_value_name(m, j));
	pr_strbuf_printf(&sql, "); CREATE TEMP TABLE scores (parcel_id INTEGER PRIMARY KEY, "
			       "score REAL, risk_class TEXT)");
	r = sql.data ? pr_store_exec(ctx, store->db, sql.data) : PR_ENOMEM;
	if (r < 0)
		goto done;
	pr_store_watch_reads(store, record_read, &probe);
	for (int i = 0; i < m->n_features; i++) {
		const pr_feature *f = &m->features[i];
		sql.len = 0;
		if (f->sql)
			pr_strbuf_printf(&sql, "SELECT * FROM (\n%s\n)", f->sql);
		else
			pr_strbuf_printf(&sql, "SELECT (\n%s\n) FROM features", f->expr);
		probe_reads(store, &probe, sql.data);
		reads.feature[i] = probe.sources;
		uses[i] = probe.features;
	}
	for (int k = 0; k < m->n_factors; k++) {
		sql.len = 0;
		pr_strbuf_printf(&sql, "SELECT (\n%s\n) FROM features", m->factors[k].value);
		if (!probe_reads(store, &probe, sql.data))
			reads.factors_unknown |= UINT64_C(1) << k;
		reads.factor[k] = probe.sources;
		reads.factor_features[k] = probe.features;
		reads.after_features |= probe.sources;
	}
	if (reads.factors_unknown)
		reads.after_features = (1u << PR_SRC_COUNT) - 1;
	pr_store_watch_reads(store, NULL, NULL);
	r = pr_store_exec(ctx, store->db, "DROP TABLE temp.features; DROP TABLE temp.scores");
	if (r < 0)
		goto done;

	/* Through the features they name, to a fixed point: expressions use earlier features,
	 * second-pass features any. */
	for (bool changed = true; changed;) {
		changed = false;
		for (int i = 0; i < m->n_features; i++)
			for (int j = 0; j < m->n_features; j++)
				if ((uses[i] >> j & 1) &&
				    (reads.feature[i] | reads.feature[j]) != reads.feature[i]) {
					reads.feature[i] |= reads.feature[j];
					changed = true;
				}
	}
	for (int k = 0; k < m->n_factors; k++)
		for (int j = 0; j < m->n_features; j++)
			if (reads.factor_features[k] >> j & 1)
				reads.factor[k] |= reads.feature[j];
	/* What runs after the first pass's features: besides what SQLite's authorizer saw, any
	 * source whose table is named there. (The authorizer is not told of every read: a table
	 * joined with USING on its only column read goes unseen.) */
	bool rebuild = pr_model_expressions_use_late_features(m);
	for (int i = 0; i < m->n_features; i++) {
		const pr_feature *f = &m->features[i];
		if (f->uses_scores || (rebuild && f->expr))
			reads.after_features |=
			    reads.feature[i] | named_sources(f->sql ? f->sql : f->expr);
	}
	for (int k = 0; k < m->n_factors; k++)
		reads.after_features |= named_sources(m->factors[k].value);
	*ret_reads = reads;
done:
	pr_store_watch_reads(store, NULL, NULL);
	pr_strbuf_free(&sql);
	return r;
}
