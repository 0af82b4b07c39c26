/* SPDX-License-Identifier: MIT */
/* Writes the GeoPackage: the layers through writer.c, each created without a spatial index and
 * indexed once at the end (the R-tree is the cost of bulk writing; parcel_risk's is bulk-loaded,
 * rtree.c), and what is the GeoPackage's own: the risk_class field domain, secure_delete and
 * mode 0640 (secure.c). The file is written beside the target under a temporary name and renamed
 * into place only when complete, so a failed or killed run never leaves a half-written output. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <sqlite3.h>

#include "output/writer.h"

static int add_risk_class_domain(pr_writer *w)
{
	OGRCodedValue values[5] = {
	    {(char *)"low", (char *)"Low"},
	    {(char *)"medium", (char *)"Medium"},
	    {(char *)"high", (char *)"High"},
	    {(char *)"critical", (char *)"Critical"},
	    {NULL, NULL},
	};
	OGRFieldDomainH dom = OGR_CodedFldDomain_Create(
	    "risk_class", "Risk class of a parcel, from its score and the model's thresholds",
	    OFTString, OFSTNone, values);
	if (!dom)
		return pr_error_gdal(w->ctx, PR_ECANTCREAT, "%s: cannot create field domain",
				     w->path);
	char *failure = NULL;
	bool ok = GDALDatasetAddFieldDomain(w->ds, dom, &failure);
	OGR_FldDomain_Destroy(dom);
	if (!ok) {
		int r = pr_error(w->ctx, PR_ECANTCREAT, "%s: cannot add field domain: %s", w->path,
				 failure ? failure : "unknown reason");
		CPLFree(failure);
		return r;
	}
	CPLFree(failure);
	return 0;
}

static int build_spatial_index(pr_writer *w, const char *table)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT CreateSpatialIndex('%s', 'geom')", table);
	CPLErrorReset();
	OGRLayerH res = GDALDatasetExecuteSQL(w->ds, sql, NULL, NULL);
	if (res)
		GDALDatasetReleaseResultSet(w->ds, res);
	if (CPLGetLastErrorType() >= CE_Failure)
		return pr_error_gdal(w->ctx, PR_ECANTCREAT, "%s: cannot index %s", w->path, table);
	return 0;
}

/* Removes a failed run's temporary GeoPackage and what SQLite keeps beside it. */
static void remove_temporary(const char *tmp)
{
	static const char *const suffixes[] = {"", "-journal", "-wal", "-shm"};
	for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
		char path[4096];
		if (snprintf(path, sizeof path, "%s%s", tmp, suffixes[i]) < (int)sizeof path)
			unlink(path);
	}
}

/* On a plain SQLite connection once GDAL has closed the file, in one transaction: the rows GDAL
 * left to it (parcel_risk's: gpkg_rows.c), then the bulk-loaded spatial indexes, each copying
 * the triggers of template's GDAL-made index; the times are added to run_info. */
static int bulk_writes(pr_context *ctx, const char *path, const pr_output *out, int64_t *fids,
		       const char *template)
{
	sqlite3 *db = NULL;
	double t0 = 0;
	int r = 0;
	/* One thread uses the connection: without SQLite's mutex on every call (14% of writing
	 * parcel_risk's rows with it). */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		r = pr_error(ctx, PR_ECANTCREAT, "cannot reopen %s: %s", path,
			     db ? sqlite3_errmsg(db) : "out of memory");
		goto done;
	}
	r = pr_output_secure_delete(ctx, db, path);
	if (r == 0)
		/* The same 128 MB page cache GDAL wrote with (SQLite's own 2 MB spilled the index's
		 * tables to the file while they were filled: 1M parcels 0.85 -> 0.63 s). */
		r = pr_sql_exec(ctx, db, PR_ECANTCREAT, path,
				"PRAGMA synchronous=OFF; PRAGMA cache_size=-131072; BEGIN");
	if (r == 0)
		r = pr_gpkg_insert_rows(ctx, db, out, fids);
	t0 = pr_now();
	for (size_t i = 0; i < pr_output_n_layers && r == 0; i++) {
		const pr_layer_def *def = pr_output_layers[i];
		if (def->index != PR_INDEX_BULK || pr_layer_share(def, out) == PR_SHARE_NONE)
			continue;
		if (!template)
			r = pr_error(ctx, PR_EINTERNAL, "%s: no layer indexed through GDAL to copy",
				     path);
		else
			r = pr_gpkg_bulk_rtree(ctx, db, def->name, template, fids,
					       out->parcels->bbox, out->parcels->rec.n);
	}
	if (r < 0)
		goto done;
	char sql[160];
	snprintf(sql, sizeof sql,
		 "INSERT INTO run_info (key, value) VALUES ('seconds.spatial_index', '%.3f'); "
		 "COMMIT",
		 pr_now() - t0);
	r = pr_sql_exec(ctx, db, PR_ECANTCREAT, path, sql);
done:
	sqlite3_close(db);
	return r;
}

int pr_write_gpkg(pr_context *ctx, const pr_output *out, const char *path)
{
	pr_writer w = {
	    .ctx = ctx, .path = path, .out = out, .field_domains = true, .rows_later = true};
	char *tmp = NULL;
	const char *template = NULL;
	int r = 0;
	char stamp[32];
	int y, m, d;

	/* Same folder as the target, so that the final rename is atomic. */
	tmp = pr_output_temporary(path, "gpkg");
	w.parcel_fids =
	    malloc((out->parcels->rec.n ? out->parcels->rec.n : 1) * sizeof *w.parcel_fids);
	w.layer_options = CSLSetNameValue(NULL, "SPATIAL_INDEX", "NO");
	if (!tmp || !w.parcel_fids || !w.layer_options) {
		r = PR_ENOMEM;
		goto done;
	}
	/* Timestamps inside the file follow the as-of date, so that the same inputs give the
	 * same file. */
	pr_civil_from_days(out->as_of, &y, &m, &d);
	snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT00:00:00.000Z", y, m, d);
	CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", stamp);
	CPLSetThreadLocalConfigOption("OGR_SQLITE_SYNCHRONOUS", "OFF");
	/* The file's page cache, in MB: the layers are written in order, so a larger cache only
	 * holds pages already written (512 MB measured no faster on the 1M city, and was the
	 * largest single block of memory at the write). */
	CPLSetThreadLocalConfigOption("OGR_SQLITE_CACHE", "128");
	/* From the moment GDAL opens the file, before it writes its own tables; set again and
	 * checked once it is open (pr_output_secure_delete_gdal). */
	CPLSetThreadLocalConfigOption("OGR_SQLITE_PRAGMA", "secure_delete=ON");

	unlink(tmp);
	GDALDriverH drv = GDALGetDriverByName("GPKG");
	if (!drv) {
		r = pr_error(ctx, PR_EINTERNAL, "GDAL has no GPKG driver");
		goto done;
	}
	/* SQLite creates the file (and later its journal with the file's mode). */
	mode_t umask_before = pr_output_umask_narrow();
	w.ds = GDALCreate(drv, tmp, 0, 0, 0, GDT_Unknown, NULL);
	pr_output_umask_restore(umask_before);
	if (!w.ds) {
		r = pr_error_gdal(ctx, PR_ECANTCREAT, "cannot create %s", tmp);
		goto done;
	}
	r = pr_output_secure_delete_gdal(ctx, w.ds, tmp);
	if (r < 0)
		goto done;
	w.srs = out->parcels->srs_wkt ? OSRNewSpatialReference(out->parcels->srs_wkt) : NULL;
	r = add_risk_class_domain(&w);
	if (!r)
		r = pr_writer_write_layers(&w, false);
	/* The small layers' indexes through GDAL; the first is the template of the bulk ones. */
	for (size_t i = 0; i < pr_output_n_layers && !r; i++) {
		const pr_layer_def *def = pr_output_layers[i];
		if (def->index != PR_INDEX_GDAL || pr_layer_share(def, out) == PR_SHARE_NONE)
			continue;
		r = build_spatial_index(&w, def->name);
		if (!template)
			template = def->name;
	}
	if (!r)
		r = pr_writer_write_layers(&w, true);
	if (r < 0)
		goto done;
	GDALClose(w.ds);
	w.ds = NULL;
	if (CPLGetLastErrorType() >= CE_Failure) {
		r = pr_error_gdal(ctx, PR_ECANTCREAT, "cannot complete %s", tmp);
		goto done;
	}
	bool bulk = false;
	for (size_t i = 0; i < pr_output_n_layers; i++) {
		enum pr_share share = pr_layer_share(pr_output_layers[i], out);
		bulk |= (pr_output_layers[i]->index == PR_INDEX_BULK && share != PR_SHARE_NONE) ||
			pr_writer_rows_later(&w, pr_output_layers[i], share);
	}
	r = bulk ? bulk_writes(ctx, tmp, out, w.parcel_fids, template) : 0;
	if (r < 0)
		goto done;
	r = pr_output_commit(ctx, tmp, path);
done:
	if (w.ds)
		GDALClose(w.ds);
	if (w.srs)
		OSRRelease(w.srs);
	if (r < 0 && tmp)
		remove_temporary(tmp);
	CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", NULL);
	CPLSetThreadLocalConfigOption("OGR_SQLITE_SYNCHRONOUS", NULL);
	CPLSetThreadLocalConfigOption("OGR_SQLITE_CACHE", NULL);
	CPLSetThreadLocalConfigOption("OGR_SQLITE_PRAGMA", NULL);
	free(tmp);
	free(w.parcel_fids);
	CSLDestroy(w.layer_options);
	return r;
}
