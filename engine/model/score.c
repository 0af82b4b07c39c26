/* SPDX-License-Identifier: MIT */
/* Scoring: every factor's value turned into points (weight × the share of the way from `from`
 * to `saturate`), the sum scaled to 0–100, risk classes, ranks (highest first, ties by lowest
 * parcel id), the three reasons that weigh most, and the visit list. Missing data gives no
 * points and a note, never a zero; so does a source left out of the sources file. A model whose
 * features read scores is scored twice, the second time only where those features change the
 * result. Every statement of model SQL runs under the time limit kept here. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"
#include "sources/sources.h"
#include "store/store.h"

void pr_scores_free(pr_scores *s)
{
	if (!s)
		return;
	pr_text_pool_free(&s->reasons);
	free(s->score);
	free(s->rank);
	free(s->risk_class);
	free(s->reason_ref);
	free(s->points);
	free(s->features);
	free(s->data_coverage);
	free(s->last_inspection);
	free(s->visit);
	free(s->visit_rank);
	memset(s, 0, sizeof *s);
}

/* Scores are kept in tenths from 0 to 100: this many values. */
#define SCORE_TENTHS 1001

/* Ranks every parcel (highest score first, ties by lowest parcel id) into s->rank, and the
 * parcels in rank order into order. A counting sort over the possible scores: linear, where a
 * comparison sort of 10M parcels took 3 s, and stable, so that ties keep parcel order. */
static void rank_parcels(pr_scores *s, uint32_t *order)
{
	size_t next[SCORE_TENTHS + 1] = {0};
	/* Bucket 0 holds the highest score; a score out of range (none is) counts as 0. */
	for (size_t i = 0; i < s->n; i++) {
		long t = lround(s->score[i] * 10);
		s->rank[i] = (uint32_t)(SCORE_TENTHS - 1 - (t >= 0 && t < SCORE_TENTHS ? t : 0));
		next[s->rank[i] + 1]++;
	}
	for (int b = 1; b <= SCORE_TENTHS; b++)
		next[b] += next[b - 1];
	for (size_t i = 0; i < s->n; i++) {
		size_t at = next[s->rank[i]]++;
		order[at] = (uint32_t)i;
		s->rank[i] = (uint32_t)(at + 1);
	}
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
	s->reason_ref = calloc(k, sizeof *s->reason_ref);
	s->points = calloc(k * (size_t)(n_factors ? n_factors : 1), sizeof *s->points);
	s->features = calloc(k * (size_t)(n_features ? n_features : 1), sizeof *s->features);
	s->data_coverage = calloc(k, sizeof *s->data_coverage);
	s->last_inspection = calloc(k, sizeof *s->last_inspection);
	s->visit = calloc(k, sizeof *s->visit);
	s->visit_rank = calloc(k, sizeof *s->visit_rank);
	if (!s->score || !s->rank || !s->risk_class || !s->reason_ref || !s->points ||
	    !s->features || !s->data_coverage || !s->last_inspection || !s->visit || !s->visit_rank)
		return PR_ENOMEM;
	return 0;
}

/* The scoring query's columns: parcel_id, then the model's values (pr_model_value_name: parcel
 * columns and features), then each factor's value. */
#define COL_FIRST_VALUE 1

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

/* How one scoring pass runs. A model with features over scores is scored twice; unless an
 * expression feature uses such a feature, the second pass scores again only the parcels whose
 * result it can change (see late_changes). */
typedef struct score_pass {
	bool with_reasons;
	uint64_t late;	  /* the factors a second pass can change (late_factors) */
	uint8_t *rescore; /* per parcel: the first pass sets 1 where a late factor was not
			     assessed; late_changes where the second pass changes the result */
	bool only_marked; /* score only the parcels rescore marks */
	size_t n_parcels;
} score_pass;

/* Column c of row as a model value: NAN for NULL. */
static double value_at(sqlite3_stmt *row, int c)
{
	return sqlite3_column_type(row, c) == SQLITE_NULL ? NAN : sqlite3_column_double(row, c);
}

/* Factor fa's points for its value in column c of row: weight × the share of the way from
 * `from` to `saturate`; 0 for NULL. */
static double points_of(const pr_factor *fa, sqlite3_stmt *row, int c)
{
	double v = value_at(row, c);
	if (isnan(v))
		return 0;
	double t = (v - fa->from) / (fa->saturate - fa->from);
	t = t < 0 ? 0 : t > 1 ? 1 : t;
	return fa->weight * t;
}

/* Scores one parcel from its row of the scoring query; values is room for its model values. */
static int score_parcel(const pr_model_eval *ev, sqlite3_stmt *row, size_t i, double max_points,
			const score_pass *pass, double *values, pr_scores *s)
{
	const pr_model *m = ev->m;
	factor_points fp[PR_MODEL_MAX_FACTORS];
	pr_strbuf missing = {0}, absent = {0}, reasons = {0};
	int covered = 0, scaled = 0, n_fp = 0, r = 0;
	double total = 0;
	int n_values = pr_model_n_values(m);
	int first_factor = COL_FIRST_VALUE + n_values;
	pr_parcel_values parcel = {m, values, ev->absent, &ev->reads};

	for (int j = 0; j < n_values; j++)
		values[j] = value_at(row, COL_FIRST_VALUE + j);
	memcpy(&s->features[i * (size_t)m->n_features], values + pr_model_n_parcel_columns,
	       (size_t)m->n_features * sizeof *values);
	for (int k = 0; k < m->n_factors; k++) {
		const pr_factor *fa = &m->factors[k];
		/* A source left out and a missing need both mean no points, whatever the sign of
		 * the weight: a factor that lowers the score must not make the unknown look clean.
		 */
		bool left_out = pr_model_absent_source(&parcel, k) >= 0;
		bool assessed = !left_out && pr_model_missing_need(fa, &parcel) < 0;
		if (!assessed) {
			size_t from = missing.len + (missing.len ? 2 : 0);
			pr_strbuf_printf(&missing, "%s%s ", missing.len ? "; " : "", fa->name);
			pr_model_not_assessed(&parcel, k, &missing);
			if (left_out && missing.data)
				pr_strbuf_printf(&absent, "%s%s", absent.len ? "; " : "",
						 missing.data + from);
		}
		if (!assessed && pass->rescore && (pass->late >> k & 1))
			pass->rescore[i] = 1;
		/* A factor on top is outside the scale and outside the coverage alike. */
		covered += assessed && !fa->on_top;
		scaled += !fa->on_top;
		double points = assessed ? points_of(fa, row, first_factor + k) : 0;
		s->points[i * (size_t)m->n_factors + (size_t)k] = points;
		total += points;
		if (points > 0)
			fp[n_fp++] = (factor_points){points, k};
	}
	qsort(fp, (size_t)n_fp, sizeof *fp, compare_points);
	for (int j = 0; j < n_fp && j < 3 && pass->with_reasons; j++) {
		const pr_factor *fa = &m->factors[fp[j].factor];
		int c = first_factor + fp[j].factor;
		if (reasons.len)
			pr_strbuf_append(&reasons, "; ", 2);
		r = pr_model_render_reason(fa->reason ? fa->reason : fa->name, &parcel,
					   sqlite3_column_double(row, c), fp[j].points, &reasons);
		if (r < 0)
			goto done;
	}
	/* What could not be assessed follows when fewer than three reasons weigh; a source left
	 * out always does, on every parcel: the score went without it. */
	const pr_strbuf *notes = n_fp < 3 ? &missing : &absent;
	if (notes->len) {
		if (reasons.len)
			pr_strbuf_append(&reasons, "; ", 2);
		pr_strbuf_append(&reasons, notes->data, notes->len);
	}
	double score = max_points > 0 ? 100.0 * total / max_points : 0;
	score = score < 0 ? 0 : score > 100 ? 100 : score;
	s->score[i] = round(score * 10) / 10;
	s->risk_class[i] = s->score[i] >= m->class_critical ? PR_CLASS_CRITICAL
			   : s->score[i] >= m->class_high   ? PR_CLASS_HIGH
			   : s->score[i] >= m->class_medium ? PR_CLASS_MEDIUM
							    : PR_CLASS_LOW;
	s->data_coverage[i] = scaled ? (double)covered / scaled : 1;
	r = pr_text_pool_add(&s->reasons, reasons.data, &s->reason_ref[i]);
done:
	pr_strbuf_free(&missing);
	pr_strbuf_free(&absent);
	pr_strbuf_free(&reasons);
	return r;
}

bool pr_model_recently_inspected(const pr_model *m, const pr_scores *s, int32_t as_of, size_t p)
{
	return s->last_inspection[p] != PR_DATE_NULL &&
	       as_of - s->last_inspection[p] <= m->exclude_inspected_days;
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

/* The error for a scoring statement that stopped with rc. */
static int scoring_error(pr_model_eval *ev, int rc)
{
	pr_strbuf who = {0};
	int r = pr_model_name_sections(ev->m, true, &who);
	if (r == 0)
		r = pr_model_limit_error(ev, rc, who.len ? who.data : "scoring");
	pr_strbuf_free(&who);
	if (r == 0)
		r = pr_error(ev->ctx, PR_ECONFIG, "%s: the factors failed: %s", ev->m->path,
			     pr_model_prepare_message(ev->store, rc));
	return r;
}

/* Evaluates every factor for every parcel of source into s: every parcel, or with
 * pass->only_marked those pass->rescore marks (the source must give just those). */
static int score_all(pr_model_eval *ev, const char *source, size_t n_parcels,
		     const score_pass *pass, pr_scores *s)
{
	pr_context *ctx = ev->ctx;
	const pr_model *m = ev->m;
	pr_strbuf sql = {0};
	sqlite3_stmt *st = NULL;
	double *values = NULL;
	char *msg = NULL;
	int r = 0;

	pr_strbuf_printf(&sql, "SELECT parcel_id");
	for (int j = 0; j < pr_model_n_values(m); j++)
		pr_strbuf_printf(&sql, ", %s", pr_model_value_name(m, j));
	pr_model_factor_value_columns(m, &sql);
	/* features was filled in parcel_id order: its rowid order is that order, without a sort;
	 * every row is checked below. */
	pr_strbuf_printf(&sql, " FROM %s", source);
	if (!sql.data) {
		r = PR_ENOMEM;
		goto done;
	}
	int rc = pr_model_prepare_one(ev->store, sql.data, &st);
	if (rc != SQLITE_OK) {
		/* Find the factor at fault, to name its section; the probes overwrite the
		 * connection's message, so keep it. */
		msg = strdup(pr_model_prepare_message(ev->store, rc));
		for (int k = 0; k < m->n_factors; k++) {
			pr_strbuf one = {0};
			sqlite3_stmt *probe = NULL;
			pr_strbuf_printf(&one, "SELECT (\n%s\n) FROM features",
					 m->factors[k].value);
			rc = pr_model_prepare_one(ev->store, one.data, &probe);
			bool bad = rc != SQLITE_OK;
			if (bad)
				r = pr_error(ctx, PR_ECONFIG,
					     "%s line %d [factor %s]: the value fails: %s", m->path,
					     m->factors[k].line, m->factors[k].name,
					     pr_model_prepare_message(ev->store, rc));
			sqlite3_finalize(probe);
			pr_strbuf_free(&one);
			if (bad)
				goto done;
		}
		r = pr_error(ctx, PR_ECONFIG, "%s: the factors do not run: %s", m->path,
			     msg ? msg : "out of memory");
		goto done;
	}
	double max_points = 0;
	for (int k = 0; k < m->n_factors; k++)
		if (m->factors[k].weight > 0 && !m->factors[k].on_top)
			max_points += m->factors[k].weight;
	values = malloc((size_t)pr_model_n_values(m) * sizeof *values);
	if (!values) {
		r = PR_ENOMEM;
		goto done;
	}
	size_t i = 0, rows = 0;
	pr_model_limit_start(ev);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		while (pass->only_marked && i < n_parcels && !pass->rescore[i])
			i++;
		if (i >= n_parcels || sqlite3_column_int64(st, 0) != (sqlite3_int64)i) {
			r = pr_error(ctx, PR_EINTERNAL, "scored rows out of parcel order at %zu",
				     i);
			goto done;
		}
		r = score_parcel(ev, st, i, max_points, pass, values, s);
		if (r < 0)
			goto done;
		i++;
		if ((++rows & 0xffff) == 0)
			pr_progress(ctx, "scores", i, n_parcels);
	}
	pr_model_limit_stop(ev);
	while (pass->only_marked && i < n_parcels && !pass->rescore[i])
		i++;
	if (rc != SQLITE_DONE) {
		r = scoring_error(ev, rc);
		goto done;
	}
	if (i != n_parcels)
		r = pr_error(ctx, PR_EINTERNAL, "scored %zu parcels of %zu", i, n_parcels);
done:
	pr_model_limit_stop(ev);
	sqlite3_finalize(st);
	pr_strbuf_free(&sql);
	free(values);
	free(msg);
	return r;
}

/* ---- the second pass ---------------------------------------------------------------------- */

/* The factors a second pass can change: those whose value, needs or reason name a feature over
 * scores, and those whose reads are not known (a value that reads a feature's table itself did
 * not prepare before the features ran). (An expression feature naming one changes everything:
 * then every parcel is scored again.) */
static uint64_t late_factors(const pr_model_eval *ev)
{
	const pr_model *m = ev->m;
	uint64_t late_features = 0, late = ev->reads.factors_unknown;
	for (int i = 0; i < m->n_features; i++)
		if (m->features[i].uses_scores)
			late_features |= UINT64_C(1) << i;
	for (int k = 0; k < m->n_factors; k++) {
		const pr_factor *fa = &m->factors[k];
		bool reads = (ev->reads.factor_features[k] & late_features) != 0;
		for (int j = 0; j < fa->n_needs; j++) {
			int f = fa->need[j] - pr_model_n_parcel_columns;
			reads = reads || (f >= 0 && m->features[f].uses_scores);
		}
		for (int f = 0; f < m->n_features && fa->reason; f++)
			reads = reads || (m->features[f].uses_scores &&
					  pr_model_reason_names(fa->reason, m->features[f].name));
		if (reads)
			late |= UINT64_C(1) << k;
	}
	return late;
}

/* Marks in pass->rescore the parcels the second pass must score again, from source (every
 * parcel, in order, with the features over scores): those where a late factor was not assessed
 * in the first pass (marked then) or has points in either pass. Elsewhere the first pass's
 * result stands: the other factors' values, needs and reasons name nothing that changed, and
 * the late factors gave no points, no reason and no note either time. (A factor not assessed
 * now was not assessed then either: its needs missing now were missing then, those over scores
 * being NULL in the first pass.) The features over scores go into s for every parcel. */
static int late_changes(pr_model_eval *ev, const char *source, score_pass *pass, pr_scores *s,
			size_t *ret_marked)
{
	const pr_model *m = ev->m;
	int n_values = pr_model_n_values(m), first = pr_model_n_parcel_columns;
	pr_strbuf sql = {0};
	sqlite3_stmt *st = NULL;
	double *values = malloc((size_t)n_values * sizeof *values);
	int *column = malloc((size_t)n_values * sizeof *column); /* of value j, or -1 */
	size_t i = 0, marked = 0;
	int r = 0, n_columns = 1;
	if (!values || !column) {
		r = PR_ENOMEM;
		goto done;
	}
	/* The values read: the features over scores and the late factors' needs. */
	for (int j = 0; j < n_values; j++)
		column[j] = j >= first && m->features[j - first].uses_scores ? 0 : -1;
	for (int k = 0; k < m->n_factors; k++)
		for (int j = 0; (pass->late >> k & 1) && j < m->factors[k].n_needs; j++)
			column[m->factors[k].need[j]] = 0;
	pr_strbuf_printf(&sql, "SELECT parcel_id");
	for (int j = 0; j < n_values; j++)
		if (column[j] == 0) {
			column[j] = n_columns++;
			pr_strbuf_printf(&sql, ", %s", pr_model_value_name(m, j));
		}
	for (int k = 0; k < m->n_factors; k++)
		if (pass->late >> k & 1)
			pr_strbuf_printf(&sql, ", (\n%s\n)", m->factors[k].value);
	pr_strbuf_printf(&sql, " FROM %s", source);
	int rc = sql.data ? pr_model_prepare_one(ev->store, sql.data, &st) : SQLITE_NOMEM;
	if (rc != SQLITE_OK) {
		r = rc == SQLITE_NOMEM
			? PR_ENOMEM
			: pr_error(ev->ctx, PR_ECONFIG, "%s: the factors do not run: %s", m->path,
				   pr_model_prepare_message(ev->store, rc));
		goto done;
	}
	pr_parcel_values parcel = {m, values, ev->absent, &ev->reads};
	pr_model_limit_start(ev);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (i >= pass->n_parcels || sqlite3_column_int64(st, 0) != (sqlite3_int64)i) {
			r = pr_error(ev->ctx, PR_EINTERNAL,
				     "second pass: rows out of parcel order at %zu", i);
			goto done;
		}
		for (int j = 0; j < n_values; j++)
			values[j] = column[j] < 0 ? NAN : value_at(st, column[j]);
		for (int f = 0; f < m->n_features; f++)
			if (m->features[f].uses_scores)
				s->features[i * (size_t)m->n_features + (size_t)f] =
				    values[first + f];
		bool again = pass->rescore[i];
		for (int k = 0, c = n_columns; k < m->n_factors; k++) {
			if (!(pass->late >> k & 1))
				continue;
			const pr_factor *fa = &m->factors[k];
			bool assessed = pr_model_absent_source(&parcel, k) < 0 &&
					pr_model_missing_need(fa, &parcel) < 0;
			double points = assessed ? points_of(fa, st, c) : 0;
			again = again || points != 0 ||
				s->points[i * (size_t)m->n_factors + (size_t)k] != 0;
			c++;
		}
		pass->rescore[i] = again;
		marked += again;
		i++;
	}
	pr_model_limit_stop(ev);
	if (rc != SQLITE_DONE)
		r = scoring_error(ev, rc);
	else if (i != pass->n_parcels)
		r = pr_error(ev->ctx, PR_EINTERNAL, "second pass: %zu parcels of %zu", i,
			     pass->n_parcels);
	*ret_marked = marked;
done:
	pr_model_limit_stop(ev);
	sqlite3_finalize(st);
	pr_strbuf_free(&sql);
	free(values);
	free(column);
	return r;
}

/* rescore(parcel_id): whether the second pass scores the parcel again. */
#define RESCORE_FN "pr_rescore"

static void rescore_value(sqlite3_context *fctx, int argc, sqlite3_value **argv)
{
	const score_pass *pass = sqlite3_user_data(fctx);
	sqlite3_int64 pid = sqlite3_value_int64(argv[0]);
	(void)argc;
	sqlite3_result_int(fctx, pid >= 0 && (size_t)pid < pass->n_parcels && pass->rescore[pid]);
}

/* The second pass, after the features over scores ran. With rebuild, over the rebuilt features
 * table, every parcel; with every (a reason) over the features table with the features over
 * scores joined in, every parcel, the rows sorted back into parcel order (a window puts them in
 * its own); else over the same, the parcels it changes, which it marks first. *ret_marked: how
 * many parcels it scored. */
static int second_pass(pr_model_eval *ev, bool rebuild, const char *every, score_pass *pass,
		       pr_scores *s, size_t *ret_marked)
{
	pr_strbuf source = {0};
	int r = 0;
	pass->with_reasons = true;
	*ret_marked = pass->n_parcels;
	if (rebuild)
		return score_all(ev, "features ORDER BY rowid", pass->n_parcels, pass, s);
	if (every) {
		r = pr_model_late_source(ev, NULL, &source);
		if (r == 0 && pr_strbuf_printf(&source, " ORDER BY parcel_id") < 0)
			r = PR_ENOMEM;
		if (r == 0)
			r = score_all(ev, source.data, pass->n_parcels, pass, s);
		pr_strbuf_free(&source);
		return r;
	}
	r = pr_model_late_source(ev, NULL, &source);
	if (r == 0)
		r = late_changes(ev, source.data, pass, s, ret_marked);
	source.len = 0;
	if (r == 0)
		r = pr_model_late_source(ev, RESCORE_FN "(f.parcel_id)", &source);
	if (r == 0 &&
	    sqlite3_create_function_v2(ev->db, RESCORE_FN, 1, SQLITE_UTF8 | SQLITE_DIRECTONLY, pass,
				       rescore_value, NULL, NULL, NULL) != SQLITE_OK)
		r = pr_error(ev->ctx, PR_EINTERNAL, "working store: %s", sqlite3_errmsg(ev->db));
	pass->only_marked = true;
	if (r == 0)
		r = score_all(ev, source.data, pass->n_parcels, pass, s);
	sqlite3_create_function_v2(ev->db, RESCORE_FN, 1, SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL,
				   NULL, NULL, NULL, NULL);
	pr_strbuf_free(&source);
	return r;
}

/* ---- the time limit ------------------------------------------------------------------------ */

/* SQLite calls the progress handler every this many virtual machine instructions: a clock read
 * per some tens of microseconds of work, too rare to cost anything, often enough to stop a
 * runaway query within a fraction of a second of its limit. */
#define LIMIT_CHECK_STEPS 10000

static int limit_handler(void *user)
{
	pr_model_eval *ev = user;
	if (ev->started <= 0 || pr_now() - ev->started <= ev->time_limit_s)
		return 0;
	ev->stopped = true;
	return 1;
}

void pr_model_limit_start(pr_model_eval *ev)
{
	ev->started = pr_now();
	ev->stopped = false;
}

void pr_model_limit_stop(pr_model_eval *ev)
{
	ev->started = 0;
}

int pr_model_limit_error(pr_model_eval *ev, int rc, const char *who)
{
	if (rc != SQLITE_INTERRUPT || !ev->stopped)
		return 0;
	if (ev->limit_origin)
		return pr_error(ev->ctx, PR_ECONFIG,
				"%s %s: stopped after %g s (time_limit_s in [run] of %s)",
				ev->m->path, who, ev->time_limit_s, ev->limit_origin);
	return pr_error(ev->ctx, PR_ECONFIG, "%s %s: stopped after %g s (time_limit_s)",
			ev->m->path, who, ev->time_limit_s);
}

int pr_model_name_sections(const pr_model *m, bool factors, pr_strbuf *out)
{
	int n = factors ? m->n_factors : m->n_features;
	for (int pass = 0; pass < 2 && out->len == 0; pass++) {
		for (int i = 0; i < n; i++) {
			const char *sql = factors ? m->factors[i].value : m->features[i].expr;
			if (!sql || (pass == 0 && !strcasestr(sql, "select")))
				continue;
			if (pr_strbuf_printf(out, "%sline %d [%s %s]", out->len ? " or " : "",
					     factors ? m->factors[i].line : m->features[i].line,
					     factors ? "factor" : "feature",
					     factors ? m->factors[i].name : m->features[i].name) <
			    0)
				return PR_ENOMEM;
		}
	}
	return 0;
}

/* Says once, at the start of a run, which features and factors go without a source. */
static void log_absent(pr_model_eval *ev)
{
	for (int k = 0; k < PR_SRC_COUNT; k++) {
		if (!(ev->absent >> k & 1))
			continue;
		pr_strbuf factors = {0};
		for (int j = 0; j < ev->m->n_factors; j++)
			if (ev->reads.factor[j] >> k & 1)
				pr_strbuf_printf(&factors, "%s%s", factors.len ? ", " : "",
						 ev->m->factors[j].name);
		if (factors.len)
			pr_log(ev->ctx, PR_LOG_WARNING,
			       "model: no [%s] in the sources file: not assessed: %s",
			       pr_source_defs[k].name, factors.data);
		pr_strbuf_free(&factors);
	}
}

/* Lets go the records nothing reads once the first pass's features table is built: at 10M
 * parcels the population register alone held a gigabyte through the scoring passes, the
 * largest the run's memory gets. The inspections stay for the visit list. */
static void release_sources(pr_model_eval *ev, const pr_model_options *options)
{
	unsigned keep = ev->reads.after_features | 1u << PR_SRC_PARCELS | 1u << PR_SRC_INSPECTIONS;
	/* A source left out has no records to let go. */
	unsigned go = ((1u << PR_SRC_COUNT) - 1) & ~keep & ~ev->absent;
	if (!go)
		return;
	pr_store_release_sources(ev->store, go);
	options->release(options->release_user, go);
	pr_strbuf names = {0};
	for (int k = 0; k < PR_SRC_COUNT; k++)
		if (go >> k & 1)
			pr_strbuf_printf(&names, "%s%s", names.len ? ", " : "",
					 pr_source_defs[k].name);
	if (names.data)
		pr_log(ev->ctx, PR_LOG_INFO, "model: nothing after the features reads %s: let go",
		       names.data);
	pr_strbuf_free(&names);
}

int pr_model_score(pr_context *ctx, const pr_model *m, pr_store *store, int32_t as_of,
		   size_t n_parcels, const pr_model_options *options, pr_scores *ret_scores)
{
	pr_scores s = {0};
	uint32_t *order = NULL; /* the parcels in rank order */
	pr_model_eval ev = {.ctx = ctx, .m = m, .store = store, .db = store->db};
	sqlite3 *db = store->db;
	int r;

	pr_format_date(as_of, ev.as_of);
	if (options) {
		ev.time_limit_s = options->time_limit_s;
		ev.limit_origin = options->limit_origin;
		for (int k = 0; k < PR_SRC_COUNT; k++)
			ev.absent |= options->absent[k] ? 1u << k : 0;
	}
	r = allocate_scores(&s, n_parcels, m->n_features, m->n_factors);
	if (r == 0)
		r = pr_model_find_reads(ctx, m, store, &ev.reads);
	if (r < 0)
		goto done;
	log_absent(&ev);
	if (ev.time_limit_s > 0)
		sqlite3_progress_handler(db, LIMIT_CHECK_STEPS, limit_handler, &ev);
	r = pr_model_build_features(&ev, 1, false);
	if (r == 0)
		r = pr_model_drop_first_tables(&ev);
	if (r == 0 && options && options->release)
		release_sources(&ev, options);
	bool two_passes = false;
	for (int i = 0; i < m->n_features; i++)
		two_passes = two_passes || m->features[i].uses_scores;
	/* Unless an expression feature uses a score-based one, the features table stays: the
	 * second pass reads it with the new columns joined in, and scores again only the parcels
	 * they change. Else it is rebuilt and every parcel scored again. So is every parcel when a
	 * factor's value has a window function (OVER): it reads the other parcels' rows, and a
	 * second pass over some parcels would see only those. Then the reasons of the first pass
	 * would be thrown away, so it skips them. */
	bool rebuild = two_passes && pr_model_expressions_use_late_features(m);
	const char *every = rebuild ? "an expression feature uses a feature over scores" : NULL;
	for (int k = 0; k < m->n_factors && two_passes && !every; k++)
		if (pr_model_sql_has_word(m->factors[k].value, "over"))
			every = "a factor's value has a window function";
	score_pass pass = {.with_reasons = !every, .n_parcels = n_parcels};
	if (r == 0 && two_passes && !every) {
		pass.late = late_factors(&ev);
		pass.rescore = calloc(n_parcels ? n_parcels : 1, 1);
		if (!pass.rescore)
			r = PR_ENOMEM;
	}
	double t0 = pr_now();
	if (r == 0)
		r = score_all(&ev, "features ORDER BY rowid", n_parcels, &pass, &s);
	double first_s = pr_now() - t0;
	if (r == 0 && two_passes) {
		size_t again = 0;
		r = pr_store_serve_scores(ctx, store, n_parcels, s.score, s.risk_class,
					  pr_risk_class_names);
		if (r == 0)
			r = pr_model_build_features(&ev, 2, !rebuild);
		t0 = pr_now();
		if (r == 0)
			r = second_pass(&ev, rebuild, every, &pass, &s, &again);
		if (r == 0)
			pr_log(ctx, PR_LOG_INFO,
			       "model: scored in two passes (%.2f s, %.2f s); the second scored "
			       "%zu of %zu parcels again (%s)",
			       first_s, pr_now() - t0, again, n_parcels,
			       every ? every : "those its features over scores change");
	} else if (r == 0) {
		pr_log(ctx, PR_LOG_INFO, "model: scored (%.2f s)", first_s);
	}
	free(pass.rescore);
	/* Table scores read the first pass's arrays, which are the result's now. */
	pr_store_unserve_scores(store);
	if (r < 0)
		goto done;

	order = malloc((n_parcels ? n_parcels : 1) * sizeof *order);
	if (!order) {
		r = PR_ENOMEM;
		goto done;
	}
	rank_parcels(&s, order);

	/* Visit list: the best-ranked parcels with points, less those inspected recently. A
	 * score of 0 (after rounding) is no reason to visit: the list stops there. */
	r = last_inspections(ctx, db, ev.as_of, &s);
	if (r < 0)
		goto done;
	uint32_t on_list = 0;
	for (size_t j = 0; j < n_parcels && on_list < (uint32_t)m->visit_list_size; j++) {
		size_t p = order[j];
		if (s.score[p] <= 0)
			break;
		if (pr_model_recently_inspected(m, &s, as_of, p))
			continue;
		s.visit[p] = 1;
		s.visit_rank[p] = ++on_list;
	}
	pr_progress(ctx, "scores", n_parcels, n_parcels);
	*ret_scores = s;
	memset(&s, 0, sizeof s);
done:
	sqlite3_progress_handler(db, 0, NULL, NULL);
	free(order);
	pr_scores_free(&s);
	return r;
}
