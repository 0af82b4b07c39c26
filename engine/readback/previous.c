/* SPDX-License-Identifier: MIT */
/* A previous month's output, read back for the changes table of a monthly run: each parcel's id,
 * score, rank and class, sorted by id, and the as-of date it was made for. Read with SQLite
 * directly, read-only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "readback/readback.h"

static int compare_previous(const void *a, const void *b)
{
	return strcmp(((const pr_previous_parcel *)a)->id, ((const pr_previous_parcel *)b)->id);
}

void pr_previous_free(pr_previous *prev)
{
	if (!prev)
		return;
	for (size_t i = 0; i < prev->n; i++)
		free(prev->items[i].id);
	free(prev->items);
	free(prev->path);
	memset(prev, 0, sizeof *prev);
}

int pr_previous_load(pr_context *ctx, const char *path, pr_previous *ret)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	pr_previous prev = {0};
	size_t cap = 0;
	int r = 0;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		r = pr_error(ctx, PR_ENOINPUT, "--previous %s cannot be opened: %s", path,
			     db ? sqlite3_errmsg(db) : "out of memory");
		goto done;
	}
	if (sqlite3_prepare_v2(db, "SELECT parcel_id, score, rank, risk_class FROM parcel_risk", -1,
			       &st, NULL) != SQLITE_OK) {
		r = pr_error(ctx, PR_ENOINPUT, "--previous %s is not a parcelrisk output: %s", path,
			     sqlite3_errmsg(db));
		goto done;
	}
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (pr_grow((void **)&prev.items, &cap, prev.n + 1, sizeof *prev.items) < 0) {
			r = PR_ENOMEM;
			goto done;
		}
		pr_previous_parcel *e = &prev.items[prev.n];
		const char *id = (const char *)sqlite3_column_text(st, 0);
		const char *cls = (const char *)sqlite3_column_text(st, 3);
		e->id = strdup(id ? id : "");
		if (!e->id) {
			r = PR_ENOMEM;
			goto done;
		}
		e->score = sqlite3_column_double(st, 1);
		e->rank = sqlite3_column_int(st, 2);
		snprintf(e->risk_class, sizeof e->risk_class, "%s", cls ? cls : "");
		prev.n++;
	}
	if (rc != SQLITE_DONE) {
		r = pr_error(ctx, PR_EDATA, "--previous %s: reading parcel_risk failed: %s", path,
			     sqlite3_errmsg(db));
		goto done;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT value FROM run_info WHERE key = 'as_of'", -1, &st,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(prev.as_of, sizeof prev.as_of, "%s", sqlite3_column_text(st, 0));
	qsort(prev.items, prev.n, sizeof *prev.items, compare_previous);
	prev.path = strdup(path);
	if (!prev.path)
		r = PR_ENOMEM;
done:
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (r == 0) {
		*ret = prev;
		memset(&prev, 0, sizeof prev);
	}
	pr_previous_free(&prev);
	return r;
}
