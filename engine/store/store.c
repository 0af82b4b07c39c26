/* SPDX-License-Identifier: MIT */
/* The working store: an in-memory SpatiaLite database whose tables (vtab.c) serve the joined
 * records under the canonical names the model's SQL is written against. Dates read as ISO text
 * (YYYY-MM-DD), which compares correctly as text and works with SQLite's date functions. This
 * file opens and closes it, and watches which columns the model reads. */
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

int pr_store_open(pr_context *ctx, pr_store *store)
{
	memset(store, 0, sizeof *store);
	if (sqlite3_open_v2(":memory:", &store->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK) {
		pr_store_close(store);
		return pr_error(ctx, PR_ENOMEM, "cannot open the working store");
	}
	/* Model SQL runs here: it may read the store, not reach other files. */
	sqlite3_limit(store->db, SQLITE_LIMIT_ATTACHED, 0);
	store->spatialite = spatialite_alloc_connection();
	spatialite_init_ex(store->db, store->spatialite, 0);
	int r = pr_store_exec(ctx, store->db,
			      "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
			      "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-262144;");
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
	memset(store, 0, sizeof *store);
}

/* The authorizer behind pr_store_watch_columns: every column a statement reads. */
static int record_read(void *user, int action, const char *table, const char *column,
		       const char *database, const char *trigger)
{
	pr_column_use *use = user;
	if (action != SQLITE_READ || !table || !column)
		return SQLITE_OK;
	for (int k = 0; k < PR_SRC_COUNT; k++) {
		const pr_source_def *def = &pr_source_defs[k];
		if (strcmp(table, def->name) != 0)
			continue;
		for (int f = 0; f < def->n_fields; f++)
			if (strcmp(column, def->fields[f].name) == 0)
				use->field[k][f] = true;
	}
	return SQLITE_OK;
}

void pr_store_watch_columns(sqlite3 *db, pr_column_use *use)
{
	sqlite3_set_authorizer(db, use ? record_read : NULL, use);
}
