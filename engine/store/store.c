/* SPDX-License-Identifier: MIT */
/* The working store: an in-memory SpatiaLite database whose tables (vtab.c) serve the joined
 * records under the canonical names the model's SQL is written against. Dates read as ISO text
 * (YYYY-MM-DD), which compares correctly as text and works with SQLite's date functions. This
 * file opens and closes it, and keeps the one authorizer a connection can have: it refuses what
 * model SQL may not do and tells which tables and columns a statement reads. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <spatialite.h>

#include "store/store.h"

int pr_sql_exec(pr_context *ctx, sqlite3 *db, int status, const char *what, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		int r = pr_error(ctx, status, "%s: %s (in: %.200s)", what,
				 err ? err : sqlite3_errmsg(db), sql);
		sqlite3_free(err);
		return r;
	}
	return 0;
}

int pr_store_exec(pr_context *ctx, sqlite3 *db, const char *sql)
{
	return pr_sql_exec(ctx, db, PR_EINTERNAL, "working store", sql);
}

/* The authorizer's state: what it records, and what it refused last. */
struct pr_store_guard {
	pr_column_use *columns;
	pr_store_read_fn on_read;
	void *on_read_user;
	char refusal[200];
};

/* Functions model SQL may not call, and why. Model SQL is a query over the store: nothing in it
 * may reach the file system (SpatiaLite 5.0.1's import, export and BLOB file functions, which
 * SPATIALITE_SECURITY=relaxed registers; its zip, shapefile and PROJ database functions, which it
 * always registers), the network, code, SQL beyond the one statement the engine prepares, or
 * the process itself. The list was taken from pragma_function_list under both security modes;
 * test_model checks again that every function the relaxed mode adds is here. */
static const struct {
	const char *name;
	const char *why;
} refused_functions[] = {
    {"load_extension", "loads code"},
    {"fts3_tokenizer", "loads code"},
    {"readfile", "reads files"},
    {"writefile", "writes files"},
    {"edit", "runs an editor"},
    {"blobfromfile", "reads files"},
    {"blobtofile", "writes files"},
    {"exportdbf", "writes files"},
    {"exportdxf", "writes files"},
    {"exportgeojson", "writes files"},
    {"exportgeojson2", "writes files"},
    {"exportkml", "writes files"},
    {"exportshp", "writes files"},
    {"importdbf", "reads files"},
    {"importdxf", "reads files"},
    {"importdxffromdir", "reads files"},
    {"importgeojson", "reads files"},
    {"importshp", "reads files"},
    {"importxls", "reads files"},
    {"importzipdbf", "reads files"},
    {"importzipshp", "reads files"},
    {"zipfile_dbfn", "reads files"},
    {"zipfile_numdbf", "reads files"},
    {"zipfile_numshp", "reads files"},
    {"zipfile_shpn", "reads files"},
    {"proj_guesssridfromshp", "reads files"},
    {"proj_guesssridfromzipshp", "reads files"},
    {"proj_setdatabasepath", "reads files"},
    {"proj_getdatabasepath", "reads file paths"},
    {"xb_loadxml", "reads files or URLs"},
    {"xb_storexml", "writes files"},
    {"xb_create", "reads XML schemas from files or URLs"},
    {"xb_schemavalidate", "reads XML schemas from files or URLs"},
    {"importwfs", "reads URLs"},
    {"sqlproc_fromfile", "reads files"},
    {"sqlproc_setlogfile", "writes files"},
    {"eval", "runs other SQL"},
    {"sqlproc_execute", "runs other SQL"},
    {"sqlproc_executeloop", "runs other SQL"},
    {"storedproc_execute", "runs other SQL"},
    {"storedproc_executeloop", "runs other SQL"},
    {"pause", "suspends the process"},
};

/* Name families refused whole, should a later SpatiaLite add to them. */
static const char *const refused_prefixes[] = {"import", "export", "zipfile_"};

static const char *refusal_reason(const char *name)
{
	for (size_t i = 0; i < sizeof refused_functions / sizeof *refused_functions; i++)
		if (sqlite3_stricmp(name, refused_functions[i].name) == 0)
			return refused_functions[i].why;
	for (size_t i = 0; i < sizeof refused_prefixes / sizeof *refused_prefixes; i++)
		if (sqlite3_strnicmp(name, refused_prefixes[i], (int)strlen(refused_prefixes[i])) ==
		    0)
			return "reads or writes files";
	return NULL;
}

bool pr_store_function_refused(const char *name)
{
	return name && refusal_reason(name) != NULL;
}

/* Records what a statement reads; refuses the functions above, other databases, and virtual
 * tables other than the store's own (SpatiaLite's VirtualShape, VirtualText... read files). */
static int authorize(void *user, int action, const char *arg1, const char *arg2,
		     const char *database, const char *trigger)
{
	pr_store_guard *g = user;
	(void)database;
	(void)trigger;
	switch (action) {
	case SQLITE_FUNCTION: {
		const char *why = arg2 ? refusal_reason(arg2) : NULL;
		if (!why)
			return SQLITE_OK;
		snprintf(g->refusal, sizeof g->refusal,
			 "%s() is not allowed: it %s, and model SQL may only query the store", arg2,
			 why);
		return SQLITE_DENY;
	}
	case SQLITE_ATTACH:
	case SQLITE_DETACH:
		snprintf(g->refusal, sizeof g->refusal,
			 "ATTACH is not allowed: model SQL may only query the store");
		return SQLITE_DENY;
	case SQLITE_CREATE_VTABLE:
	case SQLITE_DROP_VTABLE:
		if (arg2 &&
		    (strcmp(arg2, PR_SOURCE_MODULE) == 0 || strcmp(arg2, PR_SCORES_MODULE) == 0))
			return SQLITE_OK;
		snprintf(g->refusal, sizeof g->refusal,
			 "virtual table module %s is not allowed: model SQL may only query the "
			 "store",
			 arg2 ? arg2 : "?");
		return SQLITE_DENY;
	case SQLITE_READ:
		break;
	default:
		return SQLITE_OK;
	}
	if (!arg1 || !arg2)
		return SQLITE_OK;
	if (g->on_read)
		g->on_read(g->on_read_user, arg1, arg2);
	for (int k = 0; k < PR_SRC_COUNT && g->columns; k++) {
		const pr_source_def *def = &pr_source_defs[k];
		if (strcmp(arg1, def->name) != 0)
			continue;
		for (int f = 0; f < def->n_fields; f++)
			if (strcmp(arg2, def->fields[f].name) == 0)
				g->columns->field[k][f] = true;
		if (strcmp(arg2, "x") == 0 || strcmp(arg2, "y") == 0)
			g->columns->xy[k] = true;
	}
	return SQLITE_OK;
}

int pr_store_open(pr_context *ctx, pr_store *store)
{
	memset(store, 0, sizeof *store);
	store->guard = calloc(1, sizeof *store->guard);
	if (!store->guard ||
	    /* One thread uses the store: without the connection's mutex, which serialised
	     * every sqlite3_column_* call and took a third of the scoring passes. */
	    sqlite3_open_v2(":memory:", &store->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		pr_store_close(store);
		return pr_error(ctx, PR_ENOMEM, "cannot open the working store");
	}
	/* Model SQL runs here: it may read the store, not reach other files. */
	sqlite3_limit(store->db, SQLITE_LIMIT_ATTACHED, 0);
	sqlite3_db_config(store->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	store->spatialite = spatialite_alloc_connection();
	spatialite_init_ex(store->db, store->spatialite, 0);
	/* auto_vacuum before any table: a table dropped gives its pages back (the model drops
	 * the first pass's feature tables once the features table holds them). */
	int r = pr_store_exec(
	    ctx, store->db,
	    "PRAGMA auto_vacuum=FULL; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
	    "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-262144;");
	if (r < 0) {
		pr_store_close(store);
		return r;
	}
	/* From here on every statement passes the guard, whatever SpatiaLite registered (its file
	 * functions exist when SPATIALITE_SECURITY=relaxed is in the environment). */
	sqlite3_set_authorizer(store->db, authorize, store->guard);
	return 0;
}

int pr_store_open_empty(pr_context *ctx, pr_store *store)
{
	/* No parcels and no records: every table exists, with its columns, and is empty. */
	static const pr_parcels none = {0};
	const pr_records *no_records[PR_SRC_COUNT] = {0};
	int r = pr_store_open(ctx, store);
	if (r == 0)
		r = pr_store_load(ctx, store, &none, no_records, PR_DATE_NULL);
	if (r < 0)
		pr_store_close(store);
	return r;
}

void pr_store_close(pr_store *store)
{
	if (store->db)
		sqlite3_close(store->db);
	if (store->spatialite)
		spatialite_cleanup_ex(store->spatialite);
	free(store->guard);
	free(store->scores);
	memset(store, 0, sizeof *store);
}

const char *pr_store_refusal(const pr_store *store)
{
	return store->guard && store->guard->refusal[0] ? store->guard->refusal : NULL;
}

void pr_store_clear_refusal(pr_store *store)
{
	if (store->guard)
		store->guard->refusal[0] = '\0';
}

void pr_store_watch_columns(pr_store *store, pr_column_use *use)
{
	store->guard->columns = use;
}

void pr_store_watch_reads(pr_store *store, pr_store_read_fn fn, void *user)
{
	store->guard->on_read = fn;
	store->guard->on_read_user = user;
}
