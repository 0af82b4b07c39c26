/* SPDX-License-Identifier: MIT */
/* The working store and the model: an in-memory SpatiaLite database serving the joined records
 * under their canonical names (read-only tables parcels, population, complaints, inspections,
 * each with parcel_id), over which the model's SQL features run and its factors turn into
 * scores. */
#ifndef PR_STORE_H
#define PR_STORE_H

#include <sqlite3.h>

#include "sources/sources.h"

typedef struct pr_store {
	sqlite3 *db;
	void *spatialite; /* SpatiaLite's connection cache, released after the database */
} pr_store;

/* Opens an in-memory SpatiaLite database into store. Close with pr_store_close(). */
int pr_store_open(pr_context *ctx, pr_store *store);
/* Accepts a store that was never opened. */
void pr_store_close(pr_store *store);
/* Which canonical fields of the four tables the model reads. */
typedef struct pr_column_use {
	bool field[PR_SRC_COUNT][PR_MAX_FIELDS];
} pr_column_use;

/* Records into use every table column that statements prepared on db from now on read (an
 * SQLite authorizer); NULL stops recording. use must outlive the recording. */
void pr_store_watch_columns(sqlite3 *db, pr_column_use *use);

/* Creates the four tables over the records (read-only virtual tables, see vtab.c; empty for a
 * source the sources file does not name: records[k] NULL). parcels and records must outlive
 * the store. */
int pr_store_load(pr_context *ctx, sqlite3 *db, const pr_parcels *parcels,
		  const pr_records *const records[PR_SRC_COUNT]);
/* Runs statements without results on any SQLite database; on failure the context's error
 * says what (a file, "working store"), SQLite's message and the statement, and status is
 * returned. */
int pr_sql_exec(pr_context *ctx, sqlite3 *db, int status, const char *what, const char *sql);
/* pr_sql_exec on the working store. */
int pr_store_exec(pr_context *ctx, sqlite3 *db, const char *sql);

/* ---- the model ----------------------------------------------------------------------------- */

#define PR_MODEL_MAX_FEATURES 64
#define PR_MODEL_MAX_FACTORS  64
#define PR_NAME_MAX	      48

typedef struct pr_feature {
	char name[PR_NAME_MAX];
	char *sql;  /* a query yielding (parcel_id, value), or NULL */
	char *expr; /* an expression over parcel columns and earlier features, or NULL */
	bool has_default;
	double default_value;
	bool uses_scores; /* reads table scores, from a first pass without such features */
	char *label;	  /* what it is, in words, for explain and for missing-data reasons */
	int line;
} pr_feature;

typedef struct pr_factor {
	char name[PR_NAME_MAX];
	char *value;  /* SQL expression over features */
	char *needs;  /* comma-separated names that must not be missing */
	char *reason; /* template with {name} placeholders */
	double weight, from, saturate;
	bool has_weight, has_saturate;
	int line;
} pr_factor;

typedef struct pr_model {
	char *path; /* "(built-in default)" or the file */
	char *text; /* the model file's content, kept in the output for explain */
	char *name;
	char sha256[65];
	int visit_list_size;
	int exclude_inspected_days;
	double class_medium, class_high, class_critical;
	double hotspot_cell_m;
	int n_features, n_factors;
	pr_feature features[PR_MODEL_MAX_FEATURES];
	pr_factor factors[PR_MODEL_MAX_FACTORS];
} pr_model;

/* Loads a model file, or the built-in default model when path is NULL. */
int pr_model_load(pr_context *ctx, const char *path, pr_model **ret_model);
void pr_model_free(pr_model *model);
/* Parses a model from its text; label names it in errors. */
int pr_model_parse(pr_context *ctx, const char *label, const char *text, pr_model **ret_model);
/* Fills a reason template: {name} becomes the value of the row's column name ({value} and
 * {points} the factor's), numbers written as an inspector reads them. */
int pr_model_render_reason(const char *tmpl, sqlite3_stmt *row, int n_cols, double value,
			   double points, pr_strbuf *out);
/* A number as an inspector reads it: whole numbers without decimals, others with one; "?" for
 * NAN. */
void pr_model_format_value(double v, char *buf, size_t size);
/* The words for a feature or parcel column ("floor area"). */
const char *pr_model_label_of(const pr_model *m, const char *name);

enum pr_risk_class { PR_CLASS_LOW = 0, PR_CLASS_MEDIUM, PR_CLASS_HIGH, PR_CLASS_CRITICAL };
extern const char *const pr_risk_class_names[4];

/* Scores per parcel (indexed like the parcels), as the model computed them. */
typedef struct pr_scores {
	size_t n;
	int n_features, n_factors;
	double *score;	/* 0–100 */
	uint32_t *rank; /* 1 = highest */
	uint8_t *risk_class;
	char **reasons;		  /* top three, joined with "; " */
	double *points;		  /* n × n_factors */
	double *features;	  /* n × n_features, NAN when missing */
	double *data_coverage;	  /* share of factors whose data was present, 0–1 */
	char **missing;		  /* what was missing, or NULL */
	int32_t *last_inspection; /* days since 1970, PR_DATE_NULL when never */
	uint8_t *visit;		  /* on the visit list */
	uint32_t *visit_rank;	  /* 1.. on the visit list, 0 when not on it */
} pr_scores;

/* Runs the model's features and factors over the loaded store. */
int pr_model_score(pr_context *ctx, const pr_model *model, sqlite3 *db, int32_t as_of,
		   size_t n_parcels, pr_scores *ret_scores);
void pr_scores_free(pr_scores *scores);

#endif
