/* SPDX-License-Identifier: MIT */
/* What the model's own files share: one evaluation's state (the store, the time limit, the
 * sources left out), preparing one statement of model SQL, and building the features table
 * (features.c) that scoring (score.c) reads. Not used outside engine/model/. */
#ifndef PR_MODEL_INTERNAL_H
#define PR_MODEL_INTERNAL_H

#include "model/model.h"

/* One run of pr_model_score. */
typedef struct pr_model_eval {
	pr_context *ctx;
	const pr_model *m;
	pr_store *store;
	sqlite3 *db;
	char as_of[16];
	double time_limit_s; /* 0: none */
	const char *limit_origin;
	double started;	 /* when the statement of model SQL now running started; 0: none runs */
	bool stopped;	 /* the time limit stopped it */
	unsigned absent; /* sources left out, bit per source kind */
	pr_model_reads reads;
} pr_model_eval;

/* Prepares exactly one statement: model SQL is wrapped into the engine's own statements, and
 * text after the first one (a ";" and more) would run beside them. SQLITE_MISUSE for that. */
int pr_model_prepare_one(pr_store *store, const char *sql, sqlite3_stmt **ret);
/* The message for a statement that pr_model_prepare_one refused: the store's refusal (a
 * function that reaches files...), more than one statement, or SQLite's message. */
const char *pr_model_prepare_message(pr_store *store, int rc);

/* Times the statement of model SQL about to run against the limit, until
 * pr_model_limit_stop(). */
void pr_model_limit_start(pr_model_eval *ev);
void pr_model_limit_stop(pr_model_eval *ev);
/* When the limit stopped the statement (SQLITE_INTERRUPT), the error naming who was running
 * ("FILE line 12 [feature households]") and the limit; else 0. */
int pr_model_limit_error(pr_model_eval *ev, int rc, const char *who);
/* Names, for such an error, the expression features (factors: the factors) that a statement
 * over several of them evaluates: those holding a subquery, which alone can run long, else all
 * of them. Empty when there are none. */
int pr_model_name_sections(const pr_model *m, bool factors, pr_strbuf *out);

/* True when feature i reads a source the sources file left out: missing for every parcel. */
bool pr_model_feature_absent(const pr_model_eval *ev, int i);

/* Builds table features: parcel columns and every feature, one row per parcel. Pass 1 runs the
 * SQL features that do not read scores (those are NULL then); pass 2 runs the ones that do, over
 * the scores of pass 1, and rebuilds the table unless queries_only. */
int pr_model_build_features(pr_model_eval *ev, int pass, bool queries_only);
/* Drops the first pass's feature tables (feat_NAME) once the features table holds their
 * values, unless something after it may read them: a factor or a feature over scores naming
 * one, a factor whose reads are not known, or a second pass that rebuilds the features table.
 * With the store's auto_vacuum their pages go back (at 10M parcels about 470 MB). */
int pr_model_drop_first_tables(pr_model_eval *ev);
/* True when word is in sql as a whole word, in any case, as SQL names are case-insensitive: LATE
 * names late. (In a string or a comment too: a caller takes the cautious way then.) */
bool pr_model_sql_has_word(const char *sql, const char *word);
/* True when an expression feature names a feature that uses scores: the second pass must then
 * rebuild the features table. */
bool pr_model_expressions_use_late_features(const pr_model *m);
/* The second pass's rows without a rebuild: the features table with each score-based feature's
 * new values joined in, in parcel order; with filter (SQL over the table's columns as f.NAME,
 * or NULL) only the rows it holds for. */
int pr_model_late_source(const pr_model_eval *ev, const char *filter, pr_strbuf *out);

#endif
