/* SPDX-License-Identifier: MIT */
/* What every output gets, whatever its audience: SQLite's secure_delete on each connection that
 * writes a GeoPackage, so that rows deleted or moved while writing (SQLite moves cells between
 * pages as its b-trees grow) are overwritten with zeros instead of lingering in free space; and
 * a file mode of 0640 at most, from the moment the file is created. */
#include <stdio.h>
#include <sys/stat.h>

#include <cpl_error.h>
#include <ogr_api.h>

#include "output/output.h"

/* Debian's SQLite is built with secure_delete on by default; said explicitly, the guarantee
 * depends neither on how SQLite was built nor on GDAL's OGR_SQLITE_PRAGMA. The pragma answers
 * with the setting it leaves, which is checked. */
static const char secure_delete_sql[] = "PRAGMA secure_delete = ON";

int pr_output_secure_delete(pr_context *ctx, sqlite3 *db, const char *path)
{
	sqlite3_stmt *st = NULL;
	int on = -1;
	if (sqlite3_prepare_v2(db, secure_delete_sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		on = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (on != 1)
		return pr_error(ctx, PR_EINTERNAL, "%s: SQLite did not turn secure_delete on: %s",
				path, sqlite3_errmsg(db));
	return 0;
}

int pr_output_secure_delete_gdal(pr_context *ctx, GDALDatasetH ds, const char *path)
{
	CPLErrorReset();
	OGRLayerH res = GDALDatasetExecuteSQL(ds, secure_delete_sql, NULL, NULL);
	OGRFeatureH feat = res ? OGR_L_GetNextFeature(res) : NULL;
	int on = feat ? OGR_F_GetFieldAsInteger(feat, 0) : -1;
	OGR_F_Destroy(feat);
	if (res)
		GDALDatasetReleaseResultSet(ds, res);
	if (on != 1)
		return pr_error_gdal(ctx, PR_EINTERNAL, "%s: SQLite did not turn secure_delete on",
				     path);
	return 0;
}

/* The files are created by SQLite and GDAL's CSV driver, with 0644 or 0666 less the umask, and
 * GDAL's GeoPackage driver refuses a file made beforehand with the right mode: narrowing the
 * umask while they create them is what leaves no moment in which others may open the file.
 * umask(077) first, so that the umask is never wider than both, even between the two calls. */
mode_t pr_output_umask_narrow(void)
{
	mode_t old = umask(077);
	umask(old | (0777 & ~PR_OUTPUT_MODE));
	return old;
}

void pr_output_umask_restore(mode_t old)
{
	umask(old);
}
