/* SPDX-License-Identifier: MIT */
/* Reading the records of a point or key source feature by feature: each row's coordinates
 * (from x/y columns or the layer's points) and canonical fields, then every point transformed
 * into the working CRS. A row whose coordinates or values are unusable becomes a reject. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_error.h>

#include "sources/read_internal.h"

/* The number a row goes by in rejects: its feature id when the source has one (a CSV's data
 * row from 1, a GeoPackage's fid), so that it stays the same with a `where` filter; else its
 * position in reading order. */
static uint64_t row_number(OGRFeatureH feat, uint64_t position)
{
	GIntBig fid = OGR_F_GetFID(feat);
	return fid >= 0 ? (uint64_t)fid : position;
}

/* Reads all canonical fields of a feature into record i. 1: kept; 0: rejected. */
static int read_fields(pr_records *rec, size_t i, opened_source *o, OGRFeatureH feat, uint64_t row,
		       pr_rejects *rejects, int *status)
{
	raw_value values[PR_MAX_FIELDS];
	pr_raw_values_from_feature(o, feat, values);
	return pr_records_store_fields(rec, i, o, values, row, rejects, status);
}

/* Whether a feature gives a parcel key (not blank). */
static bool key_given(opened_source *o, OGRFeatureH feat, int key_field)
{
	raw_value values[PR_MAX_FIELDS];
	pr_raw_values_from_feature(o, feat, values);
	const raw_value *key = &values[key_field];
	return key->kind != RAW_MISSING && !(key->kind == RAW_TEXT && pr_blank(key->text));
}

/* Transforms the coordinates of records [0, n) in place, in batches; records whose
 * transformation fails become "bad coordinates" rejects and are compacted away. Records read
 * without a point (NaN, waiting for their parcel key) are kept as they are. */
static int transform_points(pr_context *ctx, pr_records *rec, OGRCoordinateTransformationH ct,
			    pr_rejects *rejects)
{
	int r = 0;
	int *ok = NULL;
	double *ox = NULL, *oy = NULL;
	if (rec->n == 0)
		return 0;
	if (ct) {
		ok = malloc(rec->n * sizeof *ok);
		ox = malloc(rec->n * sizeof *ox);
		oy = malloc(rec->n * sizeof *oy);
		if (!ok || !ox || !oy) {
			r = PR_ENOMEM;
			goto done;
		}
		memcpy(ox, rec->x, rec->n * sizeof *ox);
		memcpy(oy, rec->y, rec->n * sizeof *oy);
		const size_t batch = 65536;
		for (size_t start = 0; start < rec->n; start += batch) {
			size_t cnt = rec->n - start < batch ? rec->n - start : batch;
			if (!OCTTransformEx(ct, (int)cnt, rec->x + start, rec->y + start, NULL,
					    ok + start)) {
				/* Partial failure: the per-point flags say which. */
				CPLErrorReset();
			}
			pr_progress(ctx, "reproject", start + cnt, rec->n);
		}
	}
	/* A sample with x and y swapped before transforming, for pr_join_diagnose to tell a swap
	 * from a wrong CRS when many points fall outside. */
	{
		size_t step = rec->n / PR_SWAP_SAMPLE + 1, n = 0;
		int sample_ok[PR_SWAP_SAMPLE];
		for (size_t i = 0; i < rec->n && n < PR_SWAP_SAMPLE; i += step, n++) {
			rec->swapped_sample[2 * n] = oy ? oy[i] : rec->y[i];
			rec->swapped_sample[2 * n + 1] = ox ? ox[i] : rec->x[i];
		}
		double sx[PR_SWAP_SAMPLE], sy[PR_SWAP_SAMPLE];
		for (size_t k = 0; k < n; k++) {
			sx[k] = rec->swapped_sample[2 * k];
			sy[k] = rec->swapped_sample[2 * k + 1];
		}
		if (ct && n && !OCTTransformEx(ct, (int)n, sx, sy, NULL, sample_ok))
			CPLErrorReset();
		rec->n_swapped_sample = 0;
		for (size_t k = 0; k < n; k++)
			if ((!ct || sample_ok[k]) && isfinite(sx[k]) && isfinite(sy[k])) {
				rec->swapped_sample[2 * rec->n_swapped_sample] = sx[k];
				rec->swapped_sample[2 * rec->n_swapped_sample + 1] = sy[k];
				rec->n_swapped_sample++;
			}
	}
	size_t keep = 0;
	bool empty = true;
	for (size_t i = 0; i < rec->n; i++) {
		/* Only a row waiting for its key was read without a point. */
		if (!isfinite(ox ? ox[i] : rec->x[i])) {
			rec->x[i] = rec->y[i] = NAN;
			if (keep != i)
				pr_records_move(rec, keep, i);
			keep++;
			continue;
		}
		bool good = (!ok || ok[i]) && isfinite(rec->x[i]) && isfinite(rec->y[i]);
		if (!good) {
			r = pr_rejects_add(
			    rejects, rec->source, rec->row[i], PR_REJECT_BAD_COORDINATES,
			    "x '%.17g' y '%.17g' cannot be transformed to the working CRS",
			    ox ? ox[i] : rec->x[i], oy ? oy[i] : rec->y[i]);
			if (r < 0)
				goto done;
			continue;
		}
		extent_add(rec->extent, &empty, rec->x[i], rec->y[i]);
		if (keep != i)
			pr_records_move(rec, keep, i);
		keep++;
	}
	pr_records_truncate(rec, keep);
done:
	free(ok);
	free(ox);
	free(oy);
	return r;
}

/* The text of a coordinate column as the source has it: as written when GDAL typed the column
 * and may have lost it, else GDAL's (which reuses one buffer for formatted numbers: copy it). */
static const char *coordinate_text(opened_source *o, OGRFeatureH feat, int idx, bool *ret_missing)
{
	const char *text;
	if (pr_source_written(o, OGR_F_GetFID(feat), idx, &text)) {
		*ret_missing = !text;
		return text ? text : "";
	}
	*ret_missing = !OGR_F_IsFieldSetAndNotNull(feat, idx);
	return OGR_F_GetFieldAsString(feat, idx);
}

/* One coordinate column of a feature: 1 parsed, 0 empty, -1 unparseable. Numeric columns are
 * read as numbers; text is parsed strictly, without copying (this runs for every row). */
static int coordinate(opened_source *o, OGRFeatureH feat, int idx, OGRFieldType type, double *ret)
{
	bool missing;
	const char *written;
	if (!pr_source_written(o, OGR_F_GetFID(feat), idx, &written) &&
	    (type == OFTReal || type == OFTInteger || type == OFTInteger64)) {
		if (!OGR_F_IsFieldSetAndNotNull(feat, idx))
			return 0;
		*ret = OGR_F_GetFieldAsDouble(feat, idx);
		return isfinite(*ret) ? 1 : -1;
	}
	const char *text = coordinate_text(o, feat, idx, &missing);
	if (missing || pr_blank(text))
		return 0;
	return pr_parse_double_decimal(text, o->rules.decimal, ret) ? 1 : -1;
}

/* The coordinates of a point source's feature, from its x/y columns or its geometry. Returns
 * NULL when they are usable, else the reject reason (with the value in buf). */
static const char *point_coordinates(opened_source *o, OGRFeatureH feat, double *x, double *y,
				     char *buf, size_t size)
{
	if (o->x_index >= 0) {
		int cx = coordinate(o, feat, o->x_index, o->x_type, x);
		int cy = coordinate(o, feat, o->y_index, o->y_type, y);
		if (cx == 1 && cy == 1)
			return NULL;
		char sx[61], sy[61];
		bool missing;
		pr_text_for_message(coordinate_text(o, feat, o->x_index, &missing), sx, sizeof sx);
		pr_text_for_message(coordinate_text(o, feat, o->y_index, &missing), sy, sizeof sy);
		snprintf(buf, size, "x '%s' y '%s'", sx, sy);
		return cx == 0 && cy == 0 ? PR_REJECT_NO_COORDINATES : PR_REJECT_BAD_COORDINATES;
	}
	OGRGeometryH g = OGR_F_GetGeometryRef(feat);
	if (!g || OGR_G_IsEmpty(g)) {
		snprintf(buf, size, "no geometry");
		return PR_REJECT_NO_COORDINATES;
	}
	if (wkbFlatten(OGR_G_GetGeometryType(g)) != wkbPoint) {
		snprintf(buf, size, "a %s, not a point", OGR_G_GetGeometryName(g));
		return PR_REJECT_BAD_COORDINATES;
	}
	*x = OGR_G_GetX(g, 0);
	*y = OGR_G_GetY(g, 0);
	if (isfinite(*x) && isfinite(*y))
		return NULL;
	snprintf(buf, size, "x '%.17g' y '%.17g'", *x, *y);
	return PR_REJECT_BAD_COORDINATES;
}

/* What the kept rows say that no single row does: the values of an open vocabulary that no
 * mapping names (logged, and summarised for run_info), and date columns whose every slashed
 * date reads as a day in either order, where the sources file's date_format decides alone. */
static int report_values(pr_context *ctx, const pr_sources *sources, int source, pr_records *out)
{
	const pr_source_conf *c = &sources->src[source];
	const pr_source_def *def = &pr_source_defs[source];
	static const char *const formats[] = {[PR_DATE_DMY] = "DD/MM/YYYY",
					      [PR_DATE_MDY] = "MM/DD/YYYY",
					      [PR_DATE_YMD] = "YYYY/MM/DD"};
	for (int f = 0; f < def->n_fields; f++) {
		if (out->unmapped[f]) {
			out->unmapped_summary[f] =
			    pr_tally_summary(out->unmapped[f], PR_UNMAPPED_LISTED);
			if (!out->unmapped_summary[f])
				return PR_ENOMEM;
			pr_log(ctx, PR_LOG_INFO,
			       "%s: %s values that no %s.<canonical> mapping names, kept as "
			       "written: %s",
			       def->name, def->fields[f].name, def->fields[f].name,
			       out->unmapped_summary[f]);
		}
		if (out->slashed_dates[f] && out->ambiguous_dates[f] == out->slashed_dates[f])
			pr_log(ctx, PR_LOG_WARNING,
			       "%s: every date of column '%s' (%llu rows) reads as a day both "
			       "day-first and month-first (none has a day above 12), so the order "
			       "cannot be told from the data: read as %s (date_format%s in %s line "
			       "%d); check it against the export",
			       def->name, c->columns[f], (unsigned long long)out->slashed_dates[f],
			       formats[c->date_format], c->date_format_set ? "" : ", the default",
			       sources->file, c->line);
	}
	return 0;
}

int pr_read_records(pr_context *ctx, const pr_sources *sources, int source,
		    OGRSpatialReferenceH work_srs, const bool *wanted, pr_records *out,
		    pr_rejects *rejects)
{
	const pr_source_conf *c = &sources->src[source];
	const pr_source_def *def = &pr_source_defs[source];
	opened_source o;
	OGRFeatureH feat = NULL;
	int r;

	pr_records_init(out, source, c);
	for (int f = 0; f < PR_MAX_FIELDS && wanted; f++)
		out->cols[f].present = out->cols[f].present && wanted[f];
	/* Located by coordinates, or (by_address) through the address register later. */
	bool points = def->locate == PR_LOCATE_POINT && !c->by_address;
	/* The address register's rows go to the parcel their key names before their point: a
	 * row with a key is kept without a usable point until the join knows whether the key
	 * names a parcel. */
	bool key_first = points && source == PR_SRC_ADDRESSES && out->cols[def->key_field].present;
	r = pr_source_open(ctx, sources, source, points ? work_srs : NULL, wanted, &o);
	if (r < 0)
		return r;
	if (o.srs)
		pr_srs_label(o.srs, out->crs_label, sizeof out->crs_label);
	if (points && o.x_index < 0 && wkbFlatten(OGR_L_GetGeomType(o.layer)) != wkbPoint &&
	    OGR_L_GetGeomType(o.layer) != wkbUnknown) {
		r = pr_error(ctx, PR_ECONFIG,
			     "%s line %d [%s]: %s holds %s geometries, not points; give x and y "
			     "columns",
			     sources->file, c->line, def->name, c->path,
			     OGRGeometryTypeToName(OGR_L_GetGeomType(o.layer)));
		goto done;
	}

	GIntBig total = OGR_L_GetFeatureCount(o.layer, FALSE);
	(void)pr_records_reserve_counted(out, total);
	uint64_t row = 0;
	CPLErrorReset();
	OGR_L_ResetReading(o.layer);
	for (;;) {
		/* GDAL's error state then tells whether the read itself failed, not an earlier
		 * row's transformation. */
		CPLErrorReset();
		feat = OGR_L_GetNextFeature(o.layer);
		if (!feat)
			break;
		row++;
		out->rows_read++;
		if ((row & 0xffff) == 0)
			pr_progress(ctx, def->name, row, total > 0 ? (uint64_t)total : 0);
		r = pr_records_reserve(out, out->n + 1);
		if (r < 0)
			goto done;
		size_t i = out->n;
		out->row[i] = row_number(feat, row);
		out->parcel[i] = -1;
		out->snapped[i] = 0;
		if (out->x)
			out->x[i] = out->y[i] = NAN;
		char value[160];
		const char *why = NULL;
		if (points) {
			why = point_coordinates(&o, feat, &out->x[i], &out->y[i], value,
						sizeof value);
			if (why && !(key_first && key_given(&o, feat, def->key_field))) {
				r = pr_rejects_add(rejects, source, out->row[i], why, "%s", value);
				if (r < 0)
					goto done;
				OGR_F_Destroy(feat);
				feat = NULL;
				continue;
			}
		}
		if (read_fields(out, i, &o, feat, out->row[i], rejects, &r)) {
			if (why) {
				out->x[i] = out->y[i] = NAN;
				r = pr_rejects_add(&out->pending, source, out->row[i], why, "%s",
						   value);
			}
			out->n++;
		}
		if (r < 0)
			goto done;
		OGR_F_Destroy(feat);
		feat = NULL;
	}
	if (CPLGetLastErrorType() >= CE_Failure) {
		r = pr_source_read_failed(ctx, sources, source, &o, row);
		goto done;
	}
	pr_progress(ctx, def->name, row, row);
	r = report_values(ctx, sources, source, out);
	for (int f = 0; f < PR_MAX_FIELDS; f++)
		pr_text_pool_freeze(&out->cols[f].pool);
	if (r == 0 && points)
		r = transform_points(ctx, out, o.ct, rejects);
done:
	if (feat)
		OGR_F_Destroy(feat);
	pr_source_close(&o);
	return r;
}
