/* SPDX-License-Identifier: MIT */
/* The working store: an in-memory SpatiaLite database serving the joined records under their
 * canonical names (read-only tables parcels, population, complaints, inspections, each with
 * parcel_id), over which the model's SQL runs (engine/model/). Its authorizer keeps that SQL
 * inside the store (no files, no code, no other SQL) and tells what each statement reads. */
#ifndef PR_STORE_H
#define PR_STORE_H

#include <sqlite3.h>

#include "sources/sources.h"

typedef struct pr_store_guard pr_store_guard;
typedef struct pr_store_scores pr_store_scores;
typedef struct pr_store_sources pr_store_sources;

typedef struct pr_store {
	sqlite3 *db;
	void *spatialite;	   /* SpatiaLite's connection cache, released after the database */
	pr_store_guard *guard;	   /* the authorizer's state (store.c) */
	pr_store_scores *scores;   /* what table scores serves, once served (vtab.c) */
	pr_store_sources *sources; /* what the sources' tables serve, once loaded (vtab.c) */
} pr_store;

/* The virtual table modules of the store: the sources' tables, table scores. */
#define PR_SOURCE_MODULE "pr_source"
#define PR_SCORES_MODULE "pr_scores"

/* Opens an in-memory SpatiaLite database into store, with the authorizer that refuses what
 * model SQL may not do (see pr_store_function_refused). Close with pr_store_close(). */
int pr_store_open(pr_context *ctx, pr_store *store);
/* Opens a store whose four tables are empty: for checking a model's SQL before any input is
 * read, and for finding what it reads. Close with pr_store_close(). */
int pr_store_open_empty(pr_context *ctx, pr_store *store);
/* Accepts a store that was never opened. */
void pr_store_close(pr_store *store);

/* True for an SQL function that model SQL may not call, compared without regard to case:
 * whatever reads or writes files or lists folders (SpatiaLite's import, export, BLOB and zip
 * functions, which SPATIALITE_SECURITY=relaxed enables), loads code, runs other SQL (eval,
 * stored procedures) or suspends the process. Statements naming one fail to prepare. */
bool pr_store_function_refused(const char *name);
/* Why the authorizer refused the last statement prepared on store ("BlobFromFile() is not
 * allowed: ..."), or NULL when it refused nothing since pr_store_clear_refusal(). */
const char *pr_store_refusal(const pr_store *store);
void pr_store_clear_refusal(pr_store *store);

/* Which canonical fields of the four tables the model reads, and whether it reads a point
 * source's x and y (nothing else needs them once the records are joined). */
typedef struct pr_column_use {
	bool field[PR_SRC_COUNT][PR_MAX_FIELDS];
	bool xy[PR_SRC_COUNT];
} pr_column_use;

/* Records into use every column of the four tables that statements prepared on store from now
 * on read; NULL stops recording. use must outlive the recording. */
void pr_store_watch_columns(pr_store *store, pr_column_use *use);

/* Called for every table column a statement being prepared reads (column "" when it reads the
 * table without naming a column, as COUNT(*) does). */
typedef void (*pr_store_read_fn)(void *user, const char *table, const char *column);
/* Calls fn for the reads of every statement prepared on store from now on; NULL stops. This
 * and pr_store_watch_columns record independently of each other. */
void pr_store_watch_reads(pr_store *store, pr_store_read_fn fn, void *user);

/* Creates the four tables over the records (read-only virtual tables, see vtab.c; empty for a
 * source the sources file does not name: records[k] NULL). parcels and records must outlive
 * the store. With known_by a day (not PR_DATE_NULL) the tables show only what was known on
 * that day: a record whose first date field (registered, a complaint's or an inspection's
 * date) is later is left out, and its later date fields ("left") after that day read as NULL,
 * for they had not happened. The backtest scores a past date so, whatever the model's SQL. A
 * record without that date counts as known; so do all of a source whose date was not read, so
 * the backtest reads every date field. */
int pr_store_load(pr_context *ctx, pr_store *store, const pr_parcels *parcels,
		  const pr_records *const records[PR_SRC_COUNT], int32_t known_by);
/* From now on the tables of sources (bit k: source k; never the parcels) serve nothing: a
 * statement reading one fails, naming it. Their records may then be freed. */
void pr_store_release_sources(pr_store *store, unsigned sources);
/* Serves n parcels' scores as table scores (parcel_id INTEGER, score REAL, risk_class TEXT), for
 * the features of a second pass: read-only, in parcel order, a parcel_id equality a lookup; the
 * risk_class of parcel i is class_names[risk_class[i]]. The arrays are read where they are: they
 * must stay until the store is closed or scores are served again, which replaces the table. */
int pr_store_serve_scores(pr_context *ctx, pr_store *store, size_t n, const double *score,
			  const uint8_t *risk_class, const char *const *class_names);
/* Table scores, if served, reads no array from now on: it is empty. */
void pr_store_unserve_scores(pr_store *store);
/* Runs statements without results on any SQLite database; on failure the context's error
 * says what (a file, "working store"), SQLite's message and the statement, and status is
 * returned. */
int pr_sql_exec(pr_context *ctx, sqlite3 *db, int status, const char *what, const char *sql);
/* pr_sql_exec on the working store. */
int pr_store_exec(pr_context *ctx, sqlite3 *db, const char *sql);

#endif
