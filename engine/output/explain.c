/* SPDX-License-Identifier: MIT */
/* Explains one parcel's score from an output GeoPackage: its rank, score and class, its reasons,
 * the points of every factor and the features they came from. Reads the file with SQLite
 * directly (a GeoPackage is an SQLite database), read-only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/core.h"

/* The text of the named column of the current row, "" when NULL or absent. */
static const char *column_text(sqlite3_stmt *st, const char *name)
{
	for (int c = 0; c < sqlite3_column_count(st); c++)
		if (strcmp(sqlite3_column_name(st, c), name) == 0 &&
		    sqlite3_column_type(st, c) != SQLITE_NULL)
			return (const char *)sqlite3_column_text(st, c);
	return "";
}

int pr_explain(pr_context *ctx, const char *gpkg_path, const char *parcel_id, char **ret_text)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	pr_strbuf out = {0};
	int r = 0;

	if (sqlite3_open_v2(gpkg_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		r = pr_error(ctx, PR_ENOINPUT, "cannot open %s: %s", gpkg_path,
			     db ? sqlite3_errmsg(db) : "out of memory");
		goto done;
	}
	if (sqlite3_prepare_v2(db, "SELECT * FROM parcel_risk WHERE parcel_id = ?1", -1, &st,
			       NULL) != SQLITE_OK) {
		r = pr_error(ctx, PR_EDATA,
			     "%s is not a parcelrisk output (no parcel_risk layer): %s", gpkg_path,
			     sqlite3_errmsg(db));
		goto done;
	}
	char key[256];
	snprintf(key, sizeof key, "%s", parcel_id);
	pr_trim(key);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		r = pr_error(ctx, PR_ENOTFOUND, "%s: no parcel with id '%s' in parcel_risk",
			     gpkg_path, key);
		goto done;
	}
	int n = sqlite3_column_count(st);
	pr_strbuf_printf(&out, "parcel %s\n", key);
	pr_strbuf_printf(&out, "  rank   %s\n", column_text(st, "rank"));
	pr_strbuf_printf(&out, "  score  %s / 100\n", column_text(st, "score"));
	pr_strbuf_printf(&out, "  class  %s\n", column_text(st, "risk_class"));
	pr_strbuf_printf(&out, "  owner  %s\n", column_text(st, "owner"));
	pr_strbuf_printf(&out, "  last inspection  %s\n",
			 *column_text(st, "last_inspection") ? column_text(st, "last_inspection")
							     : "none on record");
	pr_strbuf_printf(&out, "  data coverage    %s\n", column_text(st, "data_coverage"));
	pr_strbuf_printf(&out, "\nreasons\n");
	char *reasons = strdup(column_text(st, "reasons"));
	if (!reasons) {
		r = PR_ENOMEM;
		goto done;
	}
	for (char *save = NULL, *rs = strtok_r(reasons, ";", &save); rs;
	     rs = strtok_r(NULL, ";", &save))
		pr_strbuf_printf(&out, "  - %s\n", pr_trim(rs));
	free(reasons);
	pr_strbuf_printf(&out, "\nfactors (points)\n");
	for (int c = 0; c < n; c++) {
		const char *name = sqlite3_column_name(st, c);
		if (strncmp(name, "c_", 2) == 0)
			pr_strbuf_printf(&out, "  %-28s %8.2f\n", name + 2,
					 sqlite3_column_double(st, c));
	}
	pr_strbuf_printf(&out, "\nfeatures and records\n");
	bool after_factors = false;
	for (int c = 0; c < n; c++) {
		const char *name = sqlite3_column_name(st, c);
		if (strncmp(name, "c_", 2) == 0) {
			after_factors = true;
			continue;
		}
		if (!after_factors)
			continue;
		const char *v = sqlite3_column_type(st, c) == SQLITE_NULL
				    ? "missing"
				    : (const char *)sqlite3_column_text(st, c);
		pr_strbuf_printf(&out, "  %-28s %s\n", name, v);
	}
	if (!out.data) {
		r = PR_ENOMEM;
		goto done;
	}
	*ret_text = out.data;
	out.data = NULL;
done:
	sqlite3_finalize(st);
	sqlite3_close(db);
	pr_strbuf_free(&out);
	return r;
}
