/* SPDX-License-Identifier: MIT */
/* Reads every source through GDAL (any vector format: GeoPackage, Shapefile, GeoJSON, FileGDB,
 * CSV with coordinate columns, a PostGIS connection), reprojects it into the working CRS and
 * parses its canonical fields. A row whose coordinate, number or date does not parse becomes a
 * reject naming the field and value; nothing is dropped without a reject. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_recordbatch.h>

#include "sources/records.h"

/* Bounds on what the input controls. */
#define MAX_TEXT_LEN	    1000
#define MAX_PARCEL_VERTICES 1000000

static bool is_csv_path(const char *path)
{
	size_t n = strlen(path);
	return n > 4 && strcasecmp(path + n - 4, ".csv") == 0;
}

/* A path that GDAL opens without it being a local file: a connection string or virtual file. */
static bool is_connection(const char *path)
{
	return strncmp(path, "/vsi", 4) == 0 || (strchr(path, ':') && path[0] != '/');
}

typedef struct opened_source {
	GDALDatasetH ds;
	OGRLayerH layer;
	OGRSpatialReferenceH srs;	 /* the source's CRS, GIS axis order; owned */
	OGRCoordinateTransformationH ct; /* NULL when already in the working CRS */
	int field_index[PR_MAX_FIELDS];
	OGRFieldType field_type[PR_MAX_FIELDS];
	int x_index, y_index;
	OGRFieldType x_type, y_type;
	const char *label; /* file name for messages */
} opened_source;

static void close_source(opened_source *o)
{
	if (o->ct)
		OCTDestroyCoordinateTransformation(o->ct);
	if (o->srs)
		OSRRelease(o->srs);
	if (o->ds)
		GDALClose(o->ds);
	memset(o, 0, sizeof *o);
}

static int column_index(pr_context *ctx, const pr_sources *s, const pr_source_conf *c,
			const char *section, const char *key, OGRFeatureDefnH defn,
			const char *column, int *ret_index)
{
	int idx = OGR_FD_GetFieldIndex(defn, column);
	if (idx >= 0) {
		*ret_index = idx;
		return 0;
	}
	pr_strbuf names = {0};
	for (int i = 0; i < OGR_FD_GetFieldCount(defn) && i < 40; i++)
		pr_strbuf_printf(&names, "%s%s", i ? ", " : "",
				 OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)));
	int r = pr_error(ctx, PR_ECONFIG,
			 "%s line %d [%s]: %s = %s, but %s has no column '%s' (its columns: %s)",
			 s->file, c->line, section, key, column, pr_basename(c->path), column,
			 names.data ? names.data : "none");
	pr_strbuf_free(&names);
	return r;
}

/* Opens the dataset and layer of a source, applies its filter, finds its columns and sets up the
 * transformation into the working CRS. */
static int open_source(pr_context *ctx, const pr_sources *s, int source,
		       OGRSpatialReferenceH work_srs, const bool *wanted, opened_source *o)
{
	const pr_source_conf *c = &s->src[source];
	const pr_source_def *def = &pr_source_defs[source];
	char **open_opts = NULL;
	int r = 0;

	memset(o, 0, sizeof *o);
	o->x_index = o->y_index = -1;
	o->label = pr_basename(c->path);
	for (int f = 0; f < PR_MAX_FIELDS; f++)
		o->field_index[f] = -1;

	struct stat st;
	if (!is_connection(c->path) && stat(c->path, &st) != 0)
		return pr_error(ctx, PR_ENOINPUT, "%s: input missing: %s (%s, [%s] path in %s)",
				def->name, c->path, strerror(errno), def->name, s->file);

	/* CSV coordinates are read as text columns and parsed here rather than through the
	 * driver's X_POSSIBLE_NAMES/Y_POSSIBLE_NAMES options: those type the columns as Real and
	 * turn an unparseable value ("abc", "4,35") into an empty field, so a row with a bad
	 * coordinate would pass for one without coordinates, and the value could not be named. */
	if (is_csv_path(c->path))
		open_opts = CSLAddString(open_opts, "AUTODETECT_TYPE=NO");
	o->ds = GDALOpenEx(c->path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL,
			   (const char *const *)open_opts, NULL);
	CSLDestroy(open_opts);
	if (!o->ds) {
		r = pr_error_gdal(ctx, is_connection(c->path) ? PR_ENOINPUT : PR_EDATA,
				  "%s: cannot open %s as a vector dataset", def->name, c->path);
		goto done;
	}
	o->layer =
	    c->layer ? GDALDatasetGetLayerByName(o->ds, c->layer) : GDALDatasetGetLayer(o->ds, 0);
	if (!o->layer) {
		pr_strbuf names = {0};
		for (int i = 0; i < GDALDatasetGetLayerCount(o->ds) && i < 20; i++)
			pr_strbuf_printf(&names, "%s%s", i ? ", " : "",
					 OGR_L_GetName(GDALDatasetGetLayer(o->ds, i)));
		r = pr_error(ctx, PR_ENOINPUT, "%s line %d [%s]: %s has no layer '%s' (layers: %s)",
			     s->file, c->line, def->name, c->path, c->layer ? c->layer : "",
			     names.data ? names.data : "none");
		pr_strbuf_free(&names);
		goto done;
	}
	if (c->where && OGR_L_SetAttributeFilter(o->layer, c->where) != OGRERR_NONE) {
		r = pr_error_gdal(ctx, PR_ECONFIG,
				  "%s line %d [%s]: where '%s' is not a valid filter", s->file,
				  c->line, def->name, c->where);
		goto done;
	}

	OGRFeatureDefnH defn = OGR_L_GetLayerDefn(o->layer);
	for (int f = 0; f < def->n_fields; f++)
		if (c->columns[f]) {
			r = column_index(ctx, s, c, def->name, def->fields[f].name, defn,
					 c->columns[f], &o->field_index[f]);
			if (r < 0)
				goto done;
			o->field_type[f] =
			    OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, o->field_index[f]));
			/* Checked to exist, but not read when the model does not use it. */
			if (wanted && !wanted[f])
				o->field_index[f] = -1;
		}
	if (c->x) {
		r = column_index(ctx, s, c, def->name, "x", defn, c->x, &o->x_index);
		if (r < 0)
			goto done;
		r = column_index(ctx, s, c, def->name, "y", defn, c->y, &o->y_index);
		if (r < 0)
			goto done;
		o->x_type = OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, o->x_index));
		o->y_type = OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, o->y_index));
	}

	/* Read only the columns the model can use: faster, and no personal data is copied
	 * beyond what is needed. */
	{
		char **ignored = NULL;
		for (int i = 0; i < OGR_FD_GetFieldCount(defn); i++) {
			bool used = i == o->x_index || i == o->y_index;
			for (int f = 0; f < def->n_fields; f++)
				used = used || i == o->field_index[f];
			/* Drivers other than SQL-based ones evaluate `where` on the read feature:
			 * a column it names must stay. */
			const char *name = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i));
			used = used || (c->where && strcasestr(c->where, name));
			if (!used)
				ignored = CSLAddString(
				    ignored, OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)));
		}
		if (def->locate == PR_LOCATE_KEY)
			ignored = CSLAddString(ignored, "OGR_GEOMETRY");
		if (def->locate == PR_LOCATE_POINT && c->x)
			ignored = CSLAddString(ignored, "OGR_GEOMETRY");
		OGR_L_SetIgnoredFields(o->layer, (const char **)ignored);
		CSLDestroy(ignored);
	}

	bool needs_crs = def->locate != PR_LOCATE_KEY;
	if (!needs_crs)
		goto done;
	if (c->crs) {
		o->srs = pr_srs_from_user(c->crs);
	} else {
		OGRSpatialReferenceH layer_srs = OGR_L_GetSpatialRef(o->layer);
		if (layer_srs && !c->x) {
			o->srs = OSRClone(layer_srs);
			OSRSetAxisMappingStrategy(o->srs, OAMS_TRADITIONAL_GIS_ORDER);
		}
	}
	if (!o->srs) {
		r = pr_error(ctx, PR_ECONFIG,
			     "%s line %d [%s]: %s does not say its CRS; add crs = ... to [%s] (for "
			     "example EPSG:31370, or EPSG:4326 for lon/lat)",
			     s->file, c->line, def->name, c->path, def->name);
		goto done;
	}
	if (work_srs && !OSRIsSame(o->srs, work_srs)) {
		o->ct = OCTNewCoordinateTransformation(o->srs, work_srs);
		if (!o->ct) {
			r = pr_error_gdal(ctx, PR_ECONFIG,
					  "%s line %d [%s]: cannot transform from its CRS to the "
					  "working CRS",
					  s->file, c->line, def->name);
			goto done;
		}
	}
done:
	if (r < 0)
		close_source(o);
	return r;
}

/* A field's value as a source gives it: missing, text, a number or a date. Both reading paths
 * (OGR features, Arrow batches) turn values into this, and one function parses it. */
typedef struct raw_value {
	enum { RAW_MISSING, RAW_TEXT, RAW_NUMBER, RAW_INTEGER, RAW_DATE } kind;
	const char *text; /* NUL-terminated */
	double number;
	int64_t integer; /* 64-bit ids and keys stay exact */
	int y, m, d;
} raw_value;

/* The value as text, for a text field or a reject message. */
static const char *raw_text(const raw_value *v, char *buf, size_t size)
{
	switch (v->kind) {
	case RAW_TEXT:
		return v->text;
	case RAW_NUMBER:
		snprintf(buf, size, "%.15g", v->number);
		return buf;
	case RAW_INTEGER:
		snprintf(buf, size, "%" PRId64, v->integer);
		return buf;
	case RAW_DATE:
		snprintf(buf, size, "%04d-%02d-%02d", v->y, v->m, v->d);
		return buf;
	default:
		return "";
	}
}

/* Parses a raw value into record i's canonical field f. Returns 1 when it parsed (or is
 * missing, which is missing data, not an error), 0 when the row must be rejected (reject
 * added). */
static int store_value(pr_records *rec, size_t i, int f, const pr_field_def *fd, const raw_value *v,
		       uint64_t row, pr_rejects *rejects, int *status)
{
	pr_column *col = &rec->cols[f];
	char buf[64];
	bool missing = v->kind == RAW_MISSING || (v->kind == RAW_TEXT && pr_blank(v->text));
	const char *text = missing ? "" : raw_text(v, buf, sizeof buf);
	bool ok = true;

	switch (fd->type) {
	case PR_FT_TEXT:
		col->text[i] = NULL;
		if (missing)
			return 1;
		col->text[i] = strndup(text, MAX_TEXT_LEN);
		if (!col->text[i]) {
			*status = PR_ENOMEM;
			return 0;
		}
		pr_trim(col->text[i]);
		return 1;
	case PR_FT_REAL:
	case PR_FT_INT: {
		double n = NAN;
		if (!missing && (v->kind == RAW_NUMBER || v->kind == RAW_INTEGER)) {
			n = v->kind == RAW_NUMBER ? v->number : (double)v->integer;
			/* Whole numbers where the field counts things, and in the text path's
			 * range. */
			ok = isfinite(n) &&
			     (fd->type == PR_FT_REAL || (n == floor(n) && fabs(n) <= 1000000000));
		} else if (!missing && fd->type == PR_FT_INT) {
			int64_t iv;
			ok = v->kind == RAW_TEXT &&
			     pr_parse_int64(text, -1000000000, 1000000000, &iv);
			n = (double)iv;
		} else if (!missing) {
			ok = v->kind == RAW_TEXT && pr_parse_double(text, &n);
		}
		if (!ok) {
			*status = pr_rejects_add(rejects, rec->source, row, PR_REJECT_BAD_NUMBER,
						 "%s '%.200s'", fd->name, text);
			return 0;
		}
		col->num[i] = n;
		return 1;
	}
	case PR_FT_DATE: {
		int32_t d = PR_DATE_NULL;
		if (!missing && v->kind == RAW_DATE) {
			ok = v->m >= 1 && v->m <= 12 && v->d >= 1 && v->d <= 31;
			d = ok ? pr_days_from_civil(v->y, v->m, v->d) : PR_DATE_NULL;
		} else if (!missing) {
			ok = v->kind == RAW_TEXT && pr_parse_date(text, &d);
		}
		if (!ok) {
			*status = pr_rejects_add(rejects, rec->source, row, PR_REJECT_BAD_DATE,
						 "%s '%.200s'", fd->name, text);
			return 0;
		}
		col->date[i] = d;
		return 1;
	}
	}
	return 1;
}

/* The raw value of field idx of an OGR feature. */
static void raw_from_feature(OGRFeatureH feat, int idx, OGRFieldType ftype, raw_value *v)
{
	memset(v, 0, sizeof *v);
	if (!OGR_F_IsFieldSetAndNotNull(feat, idx)) {
		v->kind = RAW_MISSING;
	} else if (ftype == OFTInteger || ftype == OFTInteger64) {
		v->kind = RAW_INTEGER;
		v->integer = OGR_F_GetFieldAsInteger64(feat, idx);
	} else if (ftype == OFTReal) {
		v->kind = RAW_NUMBER;
		v->number = OGR_F_GetFieldAsDouble(feat, idx);
	} else if (ftype == OFTDate || ftype == OFTDateTime) {
		int hh, mm, tz;
		float ss;
		v->kind = RAW_DATE;
		if (!OGR_F_GetFieldAsDateTimeEx(feat, idx, &v->y, &v->m, &v->d, &hh, &mm, &ss, &tz))
			v->m = 0; /* rejected as a bad date */
	} else {
		v->kind = RAW_TEXT;
		v->text = OGR_F_GetFieldAsString(feat, idx);
	}
}

/* The raw value of every canonical field the source maps (values[f] for field f). */
static void raw_values_from_feature(const opened_source *o, OGRFeatureH feat, raw_value *values)
{
	for (int f = 0; f < PR_MAX_FIELDS; f++)
		if (o->field_index[f] >= 0)
			raw_from_feature(feat, o->field_index[f], o->field_type[f], &values[f]);
}

/* Stores record i's canonical fields from their raw values (values[f] for each field f the
 * sources file maps). 1: kept; 0: rejected, with what the row had taken freed. */
static int store_fields(pr_records *rec, size_t i, const opened_source *o, const raw_value *values,
			uint64_t row, pr_rejects *rejects, int *status)
{
	const pr_source_def *def = &pr_source_defs[rec->source];
	for (int f = 0; f < def->n_fields; f++) {
		if (o->field_index[f] < 0)
			continue;
		if (!store_value(rec, i, f, &def->fields[f], &values[f], row, rejects, status)) {
			for (int g = 0; g < f; g++)
				if (rec->cols[g].present && rec->cols[g].type == PR_FT_TEXT) {
					free(rec->cols[g].text[i]);
					rec->cols[g].text[i] = NULL;
				}
			return 0;
		}
	}
	return 1;
}

/* The number a row goes by in rejects: its feature id when the source has one (a CSV's data
 * row from 1, a GeoPackage's fid), so that it stays the same with a `where` filter; else its
 * position in reading order. */
static uint64_t row_number(OGRFeatureH feat, uint64_t position)
{
	GIntBig fid = OGR_F_GetFID(feat);
	return fid >= 0 ? (uint64_t)fid : position;
}

/* Reads all canonical fields of a feature into record i. 1: kept; 0: rejected. */
static int read_fields(pr_records *rec, size_t i, const opened_source *o, OGRFeatureH feat,
		       uint64_t row, pr_rejects *rejects, int *status)
{
	raw_value values[PR_MAX_FIELDS];
	raw_values_from_feature(o, feat, values);
	return store_fields(rec, i, o, values, row, rejects, status);
}

static void extent_add(double *extent, bool *empty, double x, double y)
{
	if (*empty) {
		extent[0] = extent[2] = x;
		extent[1] = extent[3] = y;
		*empty = false;
		return;
	}
	extent[0] = fmin(extent[0], x);
	extent[1] = fmin(extent[1], y);
	extent[2] = fmax(extent[2], x);
	extent[3] = fmax(extent[3], y);
}

/* Transforms the coordinates of records [0, n) in place, in batches; records whose
 * transformation fails become "bad coordinates" rejects and are compacted away. */
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

/* The coordinates of a point source's feature, from its x/y columns or its geometry. Returns
 * NULL when they are usable, else the reject reason (with the value in buf). */
/* One coordinate column of a feature: 1 parsed, 0 empty, -1 unparseable. Numeric columns are
 * read as numbers; text is parsed strictly, without copying (this runs for every row). */
static int coordinate(OGRFeatureH feat, int idx, OGRFieldType type, double *ret)
{
	if (!OGR_F_IsFieldSetAndNotNull(feat, idx))
		return 0;
	if (type == OFTReal || type == OFTInteger || type == OFTInteger64) {
		*ret = OGR_F_GetFieldAsDouble(feat, idx);
		return isfinite(*ret) ? 1 : -1;
	}
	const char *text = OGR_F_GetFieldAsString(feat, idx);
	if (pr_blank(text))
		return 0;
	return pr_parse_double(text, ret) ? 1 : -1;
}

static const char *point_coordinates(const opened_source *o, OGRFeatureH feat, double *x, double *y,
				     char *buf, size_t size)
{
	if (o->x_index >= 0) {
		int cx = coordinate(feat, o->x_index, o->x_type, x);
		int cy = coordinate(feat, o->y_index, o->y_type, y);
		if (cx == 1 && cy == 1)
			return NULL;
		/* GDAL reuses one buffer for formatted numbers: copy each value out. */
		char sx[64], sy[64];
		snprintf(sx, sizeof sx, "%s", OGR_F_GetFieldAsString(feat, o->x_index));
		snprintf(sy, sizeof sy, "%s", OGR_F_GetFieldAsString(feat, o->y_index));
		snprintf(buf, size, "x '%.60s' y '%.60s'", sx, sy);
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
	r = open_source(ctx, sources, source, def->locate == PR_LOCATE_POINT ? work_srs : NULL,
			wanted, &o);
	if (r < 0)
		return r;
	if (o.srs)
		pr_srs_label(o.srs, out->crs_label, sizeof out->crs_label);
	if (def->locate == PR_LOCATE_POINT && o.x_index < 0 &&
	    wkbFlatten(OGR_L_GetGeomType(o.layer)) != wkbPoint &&
	    OGR_L_GetGeomType(o.layer) != wkbUnknown) {
		r = pr_error(ctx, PR_ECONFIG,
			     "%s line %d [%s]: %s holds %s geometries, not points; give x and y "
			     "columns",
			     sources->file, c->line, def->name, c->path,
			     OGRGeometryTypeToName(OGR_L_GetGeomType(o.layer)));
		goto done;
	}

	GIntBig total = OGR_L_GetFeatureCount(o.layer, FALSE);
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
		out->x[i] = out->y[i] = NAN;
		if (def->locate == PR_LOCATE_POINT) {
			char value[160];
			const char *why = point_coordinates(&o, feat, &out->x[i], &out->y[i], value,
							    sizeof value);
			if (why) {
				r = pr_rejects_add(rejects, source, out->row[i], why, "%s", value);
				if (r < 0)
					goto done;
				OGR_F_Destroy(feat);
				feat = NULL;
				continue;
			}
		}
		if (read_fields(out, i, &o, feat, out->row[i], rejects, &r))
			out->n++;
		if (r < 0)
			goto done;
		OGR_F_Destroy(feat);
		feat = NULL;
	}
	if (CPLGetLastErrorType() >= CE_Failure) {
		r = pr_error_gdal(ctx, PR_EDATA, "%s: reading %s failed after row %llu", def->name,
				  c->path, (unsigned long long)row);
		goto done;
	}
	pr_progress(ctx, def->name, row, row);
	if (def->locate == PR_LOCATE_POINT)
		r = transform_points(ctx, out, o.ct, rejects);
done:
	if (feat)
		OGR_F_Destroy(feat);
	close_source(&o);
	return r;
}

/* ---- parcels ------------------------------------------------------------------------------- */

/* One parcel's geometry on its way through the worker threads: the WKB as read, and what the
 * workers make of it (repaired polygons, area, box, a point on the surface, flat rings). */
typedef struct parcel_geom {
	unsigned char *wkb_in;
	size_t wkb_in_size;
	unsigned char *wkb; /* repaired MultiPolygon, ISO WKB */
	size_t wkb_size;
	double area, bbox[4], label[2];
	double *xy; /* every ring's vertices, one after the other */
	size_t n_xy;
	size_t *ring_sizes;
	size_t n_rings;
	bool repaired;
	bool out_of_memory; /* fails the run: not the parcel's fault */
	char *failure;	    /* why the geometry is unusable, or NULL */
} parcel_geom;

static void parcel_geom_clear(parcel_geom *g)
{
	free(g->wkb_in);
	free(g->wkb);
	free(g->xy);
	free(g->ring_sizes);
	free(g->failure);
	memset(g, 0, sizeof *g);
}

/* The polygons of a geometry (make-valid can add collapsed lines or points), as one
 * MultiPolygon owned by the caller, or NULL when there are none. */
static GEOSGeometry *polygonal_part(GEOSContextHandle_t h, const GEOSGeometry *src)
{
	int ng = GEOSGetNumGeometries_r(h, src);
	size_t cap = (size_t)(ng > 0 ? ng : 1) + 4, np = 0;
	GEOSGeometry **parts = malloc(cap * sizeof *parts);
	if (!parts)
		return NULL;
	for (int i = 0; i < ng; i++) {
		const GEOSGeometry *gi = GEOSGetGeometryN_r(h, src, i);
		int ti = GEOSGeomTypeId_r(h, gi);
		int nj = ti == GEOS_MULTIPOLYGON ? GEOSGetNumGeometries_r(h, gi) : 1;
		if (ti != GEOS_POLYGON && ti != GEOS_MULTIPOLYGON)
			continue;
		if (np + (size_t)nj > cap) {
			cap = np + (size_t)nj + 4;
			GEOSGeometry **more = realloc(parts, cap * sizeof *parts);
			if (!more)
				break;
			parts = more;
		}
		for (int j = 0; j < nj; j++) {
			const GEOSGeometry *pj =
			    ti == GEOS_POLYGON ? gi : GEOSGetGeometryN_r(h, gi, j);
			GEOSGeometry *copy = GEOSisEmpty_r(h, pj) ? NULL : GEOSGeom_clone_r(h, pj);
			if (copy)
				parts[np++] = copy;
		}
	}
	GEOSGeometry *multi = NULL;
	if (np > 0) {
		multi = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, (unsigned)np);
		if (!multi)
			for (size_t i = 0; i < np; i++)
				GEOSGeom_destroy_r(h, parts[i]);
	}
	free(parts);
	return multi;
}

/* Copies the rings of a MultiPolygon into g's flat arrays, for the covers test. */
static bool flatten_rings(GEOSContextHandle_t h, const GEOSGeometry *multi, parcel_geom *g)
{
	size_t rings = 0, coords = 0;
	int np = GEOSGetNumGeometries_r(h, multi);
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < np; i++) {
			const GEOSGeometry *poly = GEOSGetGeometryN_r(h, multi, i);
			int nholes = GEOSGetNumInteriorRings_r(h, poly);
			for (int k = -1; k < nholes; k++) {
				const GEOSGeometry *ring = k < 0
							       ? GEOSGetExteriorRing_r(h, poly)
							       : GEOSGetInteriorRingN_r(h, poly, k);
				const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(h, ring);
				unsigned int size = 0;
				if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &size) || size < 4)
					continue;
				if (pass == 0) {
					rings++;
					coords += size;
					continue;
				}
				if (!GEOSCoordSeq_copyToBuffer_r(h, seq, g->xy + 2 * g->n_xy, 0, 0))
					return false;
				g->ring_sizes[g->n_rings++] = size;
				g->n_xy += size;
			}
		}
		if (pass == 0) {
			g->xy = malloc((coords ? coords : 1) * 2 * sizeof *g->xy);
			g->ring_sizes = malloc((rings ? rings : 1) * sizeof *g->ring_sizes);
			if (!g->xy || !g->ring_sizes)
				return false;
		}
	}
	return true;
}

/* Turns a parcel's WKB into everything the join and the output need. On failure g->failure
 * says why (the parcel is then rejected as an invalid geometry). */
static void process_parcel(GEOSContextHandle_t h, GEOSWKBWriter *writer, parcel_geom *g)
{
	GEOSGeometry *geom = NULL, *valid = NULL, *multi = NULL, *label = NULL;
	const char *why = NULL;
	unsigned char *wkb = NULL;

	geom = GEOSGeomFromWKB_buf_r(h, g->wkb_in, g->wkb_in_size);
	if (!geom) {
		why = "unreadable geometry";
		goto done;
	}
	if (GEOSGetNumCoordinates_r(h, geom) > MAX_PARCEL_VERTICES) {
		why = "more than a million vertices";
		goto done;
	}
	char v = GEOSisValid_r(h, geom);
	if (v == 2) {
		why = "GEOS could not check the geometry";
		goto done;
	}
	if (!v) {
		valid = GEOSMakeValid_r(h, geom);
		if (!valid) {
			why = "self-intersecting and could not be repaired";
			goto done;
		}
		g->repaired = true;
	}
	multi = polygonal_part(h, valid ? valid : geom);
	if (!multi) {
		why = "no area after repair";
		goto done;
	}
	GEOSArea_r(h, multi, &g->area);
	GEOSGeom_getXMin_r(h, multi, &g->bbox[0]);
	GEOSGeom_getYMin_r(h, multi, &g->bbox[1]);
	GEOSGeom_getXMax_r(h, multi, &g->bbox[2]);
	GEOSGeom_getYMax_r(h, multi, &g->bbox[3]);
	label = GEOSPointOnSurface_r(h, multi);
	if (!label || !GEOSGeomGetX_r(h, label, &g->label[0]) ||
	    !GEOSGeomGetY_r(h, label, &g->label[1])) {
		g->label[0] = (g->bbox[0] + g->bbox[2]) / 2;
		g->label[1] = (g->bbox[1] + g->bbox[3]) / 2;
	}
	size_t size = 0;
	wkb = GEOSWKBWriter_write_r(h, writer, multi, &size);
	g->wkb = wkb ? malloc(size) : NULL;
	if (!g->wkb || !flatten_rings(h, multi, g)) {
		g->out_of_memory = true;
		why = "out of memory";
		goto done;
	}
	memcpy(g->wkb, wkb, size);
	g->wkb_size = size;
done:
	if (why)
		g->failure = strdup(why);
	if (wkb)
		GEOSFree_r(h, wkb);
	if (label)
		GEOSGeom_destroy_r(h, label);
	if (multi)
		GEOSGeom_destroy_r(h, multi);
	if (valid)
		GEOSGeom_destroy_r(h, valid);
	if (geom)
		GEOSGeom_destroy_r(h, geom);
	free(g->wkb_in);
	g->wkb_in = NULL;
}

typedef struct geom_job {
	parcel_geom *geoms;
	size_t start, end;
	int status;
} geom_job;

static void *geom_worker(void *arg)
{
	geom_job *job = arg;
	GEOSContextHandle_t h = GEOS_init_r();
	GEOSWKBWriter *writer = h ? GEOSWKBWriter_create_r(h) : NULL;
	if (!writer) {
		job->status = PR_ENOMEM;
	} else {
		GEOSWKBWriter_setOutputDimension_r(h, writer, 2);
		GEOSWKBWriter_setByteOrder_r(h, writer, GEOS_WKB_NDR);
		for (size_t i = job->start; i < job->end; i++)
			process_parcel(h, writer, &job->geoms[i]);
		GEOSWKBWriter_destroy_r(h, writer);
	}
	if (h)
		GEOS_finish_r(h);
	return NULL;
}

/* Processes every parcel's geometry, split over the context's threads. The result does not
 * depend on the number of threads: each parcel is handled on its own. */
static int process_parcels(pr_context *ctx, parcel_geom *geoms, size_t n)
{
	int nthreads = pr_thread_count(ctx);
	if (n < 5000)
		nthreads = 1;
	geom_job jobs[PR_MAX_THREADS];
	pthread_t threads[PR_MAX_THREADS];
	bool started[PR_MAX_THREADS] = {false};
	int r = 0;
	for (int t = 0; t < nthreads; t++) {
		jobs[t] = (geom_job){geoms, n * (size_t)t / (size_t)nthreads,
				     n * (size_t)(t + 1) / (size_t)nthreads, 0};
		if (t < nthreads - 1)
			started[t] = pthread_create(&threads[t], NULL, geom_worker, &jobs[t]) == 0;
		if (!started[t])
			geom_worker(&jobs[t]);
	}
	for (int t = 0; t < nthreads; t++) {
		if (started[t])
			pthread_join(threads[t], NULL);
		if (jobs[t].status < 0 && r == 0)
			r = jobs[t].status;
	}
	return r;
}

typedef struct parcel_order {
	const char *id;
	uint64_t row;
	size_t index;
} parcel_order;

static int compare_parcel_order(const void *a, const void *b)
{
	const parcel_order *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	if (c)
		return c;
	return x->row < y->row ? -1 : x->row > y->row;
}

/* Rejects the unusable geometries (in row order), sorts the parcels by id, rejects every
 * duplicate after the first read, and lays out the arrays of pr_parcels. */
static int finish_parcels(pr_context *ctx, pr_parcels *p, parcel_geom *geoms, pr_rejects *rejects)
{
	parcel_order *order = NULL;
	pr_parcels sorted = {0};
	int r = 0;
	size_t n = p->rec.n, n_ok = 0, n_xy = 0, n_rings = 0;
	const pr_source_def *def = &pr_source_defs[PR_SRC_PARCELS];

	order = malloc((n ? n : 1) * sizeof *order);
	if (!order)
		return PR_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (geoms[i].out_of_memory) {
			r = PR_ENOMEM;
			goto done;
		}
		if (geoms[i].failure) {
			r = pr_rejects_add(rejects, PR_SRC_PARCELS, p->rec.row[i],
					   PR_REJECT_INVALID_GEOMETRY, "id '%.100s': %s",
					   p->rec.cols[PR_PARCEL_ID].text[i], geoms[i].failure);
			if (r < 0)
				goto done;
			continue;
		}
		p->repaired += geoms[i].repaired; /* repaired and kept */
		order[n_ok++] = (parcel_order){p->rec.cols[PR_PARCEL_ID].text[i], p->rec.row[i], i};
	}
	qsort(order, n_ok, sizeof *order, compare_parcel_order);

	sorted.rec.source = PR_SRC_PARCELS;
	for (int f = 0; f < def->n_fields; f++) {
		sorted.rec.cols[f].type = p->rec.cols[f].type;
		sorted.rec.cols[f].present = p->rec.cols[f].present;
	}
	r = pr_records_reserve(&sorted.rec, n_ok ? n_ok : 1);
	if (r < 0)
		goto done;
	for (size_t k = 0; k < n_ok; k++) {
		n_xy += geoms[order[k].index].n_xy;
		n_rings += geoms[order[k].index].n_rings;
	}
	size_t cap = n_ok ? n_ok : 1;
	sorted.wkb = calloc(cap, sizeof *sorted.wkb);
	sorted.wkb_size = calloc(cap, sizeof *sorted.wkb_size);
	sorted.area = malloc(cap * sizeof *sorted.area);
	sorted.bbox = malloc(cap * 4 * sizeof *sorted.bbox);
	sorted.label_xy = malloc(cap * 2 * sizeof *sorted.label_xy);
	sorted.ring_first = malloc((n_ok + 1) * sizeof *sorted.ring_first);
	sorted.ring_start = malloc((n_rings + 1) * sizeof *sorted.ring_start);
	sorted.xy = malloc((n_xy ? n_xy : 1) * 2 * sizeof *sorted.xy);
	if (!sorted.wkb || !sorted.wkb_size || !sorted.area || !sorted.bbox || !sorted.label_xy ||
	    !sorted.ring_first || !sorted.ring_start || !sorted.xy) {
		r = PR_ENOMEM;
		goto done;
	}

	bool empty = true;
	for (size_t k = 0; k < n_ok; k++) {
		size_t i = order[k].index;
		parcel_geom *g = &geoms[i];
		if (k > 0 && strcmp(order[k].id, order[k - 1].id) == 0) {
			r = pr_rejects_add(rejects, PR_SRC_PARCELS, order[k].row,
					   PR_REJECT_DUPLICATE_ID,
					   "id '%.200s' (first seen on row %llu)", order[k].id,
					   (unsigned long long)order[k - 1].row);
			if (r < 0)
				goto done;
			continue;
		}
		size_t j = sorted.rec.n;
		sorted.rec.row[j] = p->rec.row[i];
		sorted.rec.parcel[j] = (int32_t)j;
		sorted.rec.snapped[j] = 0;
		for (int f = 0; f < def->n_fields; f++) {
			pr_column *from = &p->rec.cols[f], *to = &sorted.rec.cols[f];
			if (!from->present)
				continue;
			if (from->type == PR_FT_TEXT) {
				to->text[j] = from->text[i];
				from->text[i] = NULL;
			} else if (from->type == PR_FT_DATE) {
				to->date[j] = from->date[i];
			} else {
				to->num[j] = from->num[i];
			}
		}
		sorted.area[j] = g->area;
		memcpy(sorted.bbox + 4 * j, g->bbox, sizeof g->bbox);
		memcpy(sorted.label_xy + 2 * j, g->label, sizeof g->label);
		sorted.rec.x[j] = (g->bbox[0] + g->bbox[2]) / 2;
		sorted.rec.y[j] = (g->bbox[1] + g->bbox[3]) / 2;
		sorted.wkb[j] = g->wkb;
		sorted.wkb_size[j] = g->wkb_size;
		g->wkb = NULL;
		sorted.ring_first[j] = sorted.n_rings;
		memcpy(sorted.xy + 2 * sorted.n_xy, g->xy, g->n_xy * 2 * sizeof *g->xy);
		for (size_t q = 0; q < g->n_rings; q++) {
			sorted.ring_start[sorted.n_rings++] = sorted.n_xy;
			sorted.n_xy += g->ring_sizes[q];
		}
		sorted.ring_start[sorted.n_rings] = sorted.n_xy;
		extent_add(sorted.rec.extent, &empty, g->bbox[0], g->bbox[1]);
		extent_add(sorted.rec.extent, &empty, g->bbox[2], g->bbox[3]);
		sorted.rec.n++;
	}
	sorted.ring_first[sorted.rec.n] = sorted.n_rings;
	sorted.rec.rows_read = p->rec.rows_read;
	memcpy(sorted.rec.crs_label, p->rec.crs_label, sizeof sorted.rec.crs_label);
	sorted.repaired = p->repaired;
	sorted.srs_wkt = p->srs_wkt;
	p->srs_wkt = NULL;
	pr_parcels_free(p);
	*p = sorted;
	memset(&sorted, 0, sizeof sorted);
done:
	free(order);
	pr_parcels_free(&sorted);
	return r;
}

/* The WKB of a parcel's geometry as read, in the working CRS; NULL with a reason when it is not
 * a polygon or cannot be transformed. */
static unsigned char *parcel_wkb(OGRGeometryH g, OGRCoordinateTransformationH ct, size_t *ret_size,
				 const char **why)
{
	OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
	OGRGeometryH linear = NULL;
	if (t == wkbCurvePolygon || t == wkbMultiSurface) {
		linear = OGR_G_ForceToMultiPolygon(OGR_G_Clone(g));
		g = linear;
	} else if (t != wkbPolygon && t != wkbMultiPolygon) {
		*why = "not a polygon";
		return NULL;
	}
	unsigned char *wkb = NULL;
	if (ct && OGR_G_Transform(g, ct) != OGRERR_NONE) {
		*why = "cannot be transformed to the working CRS";
	} else {
		size_t n = (size_t)OGR_G_WkbSizeEx(g);
		wkb = malloc(n);
		if (wkb) {
			OGR_G_ExportToIsoWkb(g, wkbNDR, wkb);
			*ret_size = n;
		} else {
			*why = "out of memory";
		}
	}
	if (linear)
		OGR_G_DestroyGeometry(linear);
	return wkb;
}

/* The parcels being read: records, and each kept row's geometry on its way to the workers. */
typedef struct parcel_reader {
	pr_context *ctx;
	const opened_source *o;
	pr_parcels *out;
	pr_rejects *rejects;
	parcel_geom *geoms;
	size_t geoms_cap, geoms_used;
	uint64_t row;
} parcel_reader;

/* Polygon or MultiPolygon (2-D, Z, M or ZM; ISO or extended WKB): GEOS reads it as it is. */
static bool plain_polygon_wkb(const unsigned char *wkb, size_t size)
{
	if (size < 5 || wkb[0] > 1)
		return false;
	uint32_t t = wkb[0] == 1 ? (uint32_t)wkb[1] | (uint32_t)wkb[2] << 8 |
				       (uint32_t)wkb[3] << 16 | (uint32_t)wkb[4] << 24
				 : (uint32_t)wkb[4] | (uint32_t)wkb[3] << 8 |
				       (uint32_t)wkb[2] << 16 | (uint32_t)wkb[1] << 24;
	t &= 0x0fffffff; /* extended WKB flags */
	t %= 1000;	 /* ISO Z, M, ZM */
	return t == 3 || t == 6;
}

/* One row of the parcels source: its fields as raw values, its geometry as an OGR geometry
 * (g) or as WKB (wkb, wkb_size), either NULL when it has none. */
static int add_parcel(parcel_reader *pr, int64_t fid, const raw_value *values, OGRGeometryH g,
		      const unsigned char *wkb, size_t wkb_size)
{
	pr_parcels *out = pr->out;
	int r = 0;
	uint64_t row = fid >= 0 ? (uint64_t)fid : pr->row + 1;
	pr->row++;
	out->rec.rows_read++;
	r = pr_records_reserve(&out->rec, out->rec.n + 1);
	if (r == 0)
		r = pr_grow((void **)&pr->geoms, &pr->geoms_cap, out->rec.n + 1, sizeof *pr->geoms);
	if (r < 0)
		return r;
	size_t i = out->rec.n;
	out->rec.row[i] = row;
	if (!store_fields(&out->rec, i, pr->o, values, row, pr->rejects, &r))
		return r;
	const char *id = out->rec.cols[PR_PARCEL_ID].text[i];
	const char *why = NULL, *reason = PR_REJECT_INVALID_GEOMETRY;
	parcel_geom *pg = &pr->geoms[i];
	memset(pg, 0, sizeof *pg);
	pr->geoms_used = i + 1 > pr->geoms_used ? i + 1 : pr->geoms_used;
	OGRGeometryH parsed = NULL;
	if (!id || !*id) {
		reason = PR_REJECT_NO_ID;
		why = "id empty";
	} else if (wkb && plain_polygon_wkb(wkb, wkb_size) && !pr->o->ct) {
		/* The fast path: the source's WKB goes to GEOS as it is. */
		pg->wkb_in = malloc(wkb_size);
		pg->wkb_in_size = wkb_size;
		if (pg->wkb_in)
			memcpy(pg->wkb_in, wkb, wkb_size);
		else
			why = "out of memory";
	} else {
		if (wkb && OGR_G_CreateFromWkbEx(wkb, NULL, &parsed, wkb_size) == OGRERR_NONE)
			g = parsed;
		if (!g || OGR_G_IsEmpty(g))
			why = "no geometry";
		else
			pg->wkb_in = parcel_wkb(g, pr->o->ct, &pg->wkb_in_size, &why);
	}
	if (parsed)
		OGR_G_DestroyGeometry(parsed);
	if (!why) {
		out->rec.n++;
		return 0;
	}
	r = pr_rejects_add(pr->rejects, PR_SRC_PARCELS, row, reason, "id '%.100s': %s",
			   id ? id : "", why);
	for (int f = 0; f < PR_MAX_FIELDS; f++)
		if (out->rec.cols[f].present && out->rec.cols[f].type == PR_FT_TEXT) {
			free(out->rec.cols[f].text[i]);
			out->rec.cols[f].text[i] = NULL;
		}
	return r;
}

static int read_parcel_features(parcel_reader *pr, uint64_t total)
{
	OGRFeatureH feat;
	int r = 0;
	while (r == 0) {
		CPLErrorReset();
		feat = OGR_L_GetNextFeature(pr->o->layer);
		if (!feat)
			break;
		raw_value values[PR_MAX_FIELDS];
		raw_values_from_feature(pr->o, feat, values);
		r = add_parcel(pr, OGR_F_GetFID(feat), values, OGR_F_GetGeometryRef(feat), NULL, 0);
		OGR_F_Destroy(feat);
		if ((pr->row & 0x3fff) == 0)
			pr_progress(pr->ctx, "parcels", pr->row, total);
	}
	return r;
}

/* ---- the Arrow stream ---------------------------------------------------------------------- */

static bool arrow_valid(const struct ArrowArray *a, int64_t row)
{
	if (a->null_count == 0 || !a->buffers[0])
		return true;
	int64_t k = row + a->offset;
	return (((const uint8_t *)a->buffers[0])[k >> 3] >> (k & 7)) & 1;
}

/* The bytes of a (large) binary or string value. */
static const unsigned char *arrow_bytes(const struct ArrowSchema *sc, const struct ArrowArray *a,
					int64_t row, size_t *ret_size)
{
	int64_t k = row + a->offset, start, end;
	if (sc->format[0] == 'z' || sc->format[0] == 'u') {
		const int32_t *off = a->buffers[1];
		start = off[k];
		end = off[k + 1];
	} else {
		const int64_t *off = a->buffers[1];
		start = off[k];
		end = off[k + 1];
	}
	*ret_size = (size_t)(end - start);
	return (const unsigned char *)a->buffers[2] + start;
}

/* Whether the engine reads this Arrow type (strings, numbers, booleans, dates, timestamps). */
static bool arrow_type_known(const char *fmt)
{
	return strchr("uUcsilCSILfgb", fmt[0]) && fmt[1] == '\0'    ? true
	       : strcmp(fmt, "tdD") == 0 || strcmp(fmt, "tdm") == 0 ? true
								    : strncmp(fmt, "ts", 2) == 0;
}

/* The raw value of a row of an Arrow column; text is copied into buf. */
static void raw_from_arrow(const struct ArrowSchema *sc, const struct ArrowArray *a, int64_t row,
			   raw_value *v, char *buf, size_t size)
{
	memset(v, 0, sizeof *v);
	if (!arrow_valid(a, row)) {
		v->kind = RAW_MISSING;
		return;
	}
	const char *fmt = sc->format;
	int64_t k = row + a->offset;
	const void *data = a->buffers[1];
	int64_t days = 0;
	v->kind = RAW_NUMBER;
	switch (fmt[0]) {
	case 'u':
	case 'U': {
		size_t len;
		const unsigned char *text = arrow_bytes(sc, a, row, &len);
		len = len < size - 1 ? len : size - 1;
		memcpy(buf, text, len);
		buf[len] = '\0';
		v->kind = RAW_TEXT;
		v->text = buf;
		return;
	}
	case 'c':
		v->kind = RAW_INTEGER;
		v->integer = ((const int8_t *)data)[k];
		return;
	case 'C':
		v->kind = RAW_INTEGER;
		v->integer = ((const uint8_t *)data)[k];
		return;
	case 's':
		v->kind = RAW_INTEGER;
		v->integer = ((const int16_t *)data)[k];
		return;
	case 'S':
		v->kind = RAW_INTEGER;
		v->integer = ((const uint16_t *)data)[k];
		return;
	case 'i':
		v->kind = RAW_INTEGER;
		v->integer = ((const int32_t *)data)[k];
		return;
	case 'I':
		v->kind = RAW_INTEGER;
		v->integer = ((const uint32_t *)data)[k];
		return;
	case 'l':
		v->kind = RAW_INTEGER;
		v->integer = ((const int64_t *)data)[k];
		return;
	case 'L': {
		uint64_t u = ((const uint64_t *)data)[k];
		if (u <= INT64_MAX) {
			v->kind = RAW_INTEGER;
			v->integer = (int64_t)u;
		} else {
			v->number = (double)u;
		}
		return;
	}
	case 'f':
		v->number = ((const float *)data)[k];
		return;
	case 'g':
		v->number = ((const double *)data)[k];
		return;
	case 'b':
		v->number = (((const uint8_t *)data)[k >> 3] >> (k & 7)) & 1;
		return;
	case 't':
		if (strcmp(fmt, "tdD") == 0) {
			days = ((const int32_t *)data)[k];
		} else {
			int64_t t = ((const int64_t *)data)[k];
			int64_t per_day = fmt[1] == 'd'	  ? 86400000LL /* tdm: ms */
					  : fmt[2] == 's' ? 86400LL
					  : fmt[2] == 'm' ? 86400000LL
					  : fmt[2] == 'u' ? 86400000000LL
							  : 86400000000000LL;
			days = t >= 0 ? t / per_day : -((-t + per_day - 1) / per_day);
		}
		v->kind = RAW_DATE;
		pr_civil_from_days((int32_t)days, &v->y, &v->m, &v->d);
		return;
	}
	v->kind = RAW_MISSING;
}

static int64_t arrow_child(const struct ArrowSchema *schema, const char *name)
{
	for (int64_t c = 0; c < schema->n_children; c++)
		if (schema->children[c]->name && strcmp(schema->children[c]->name, name) == 0)
			return c;
	return -1;
}

/* Reads the parcels through the layer's Arrow stream. Returns 1 when the stream cannot serve
 * (a column type the engine does not read): nothing has been read then, and the caller reads
 * feature by feature. */
static int read_parcel_arrow(parcel_reader *pr, uint64_t total)
{
	struct ArrowArrayStream stream = {0};
	struct ArrowSchema schema = {0};
	struct ArrowArray batch = {0};
	char **opts = CSLSetNameValue(NULL, "INCLUDE_FID", "YES");
	int64_t cols[PR_MAX_FIELDS], geom_col, fid_col;
	char bufs[PR_MAX_FIELDS][MAX_TEXT_LEN + 1];
	int r = 1;
	bool ok = OGR_L_GetArrowStream(pr->o->layer, &stream, opts);
	CSLDestroy(opts);
	if (!ok)
		return 1;
	if (stream.get_schema(&stream, &schema) != 0)
		goto done;
	OGRFeatureDefnH defn = OGR_L_GetLayerDefn(pr->o->layer);
	const char *geom_name = OGR_L_GetGeometryColumn(pr->o->layer);
	geom_col = arrow_child(&schema, geom_name && *geom_name ? geom_name : "wkb_geometry");
	if (geom_col < 0 || !strchr("zZ", schema.children[geom_col]->format[0]))
		goto done;
	const char *fid_name = OGR_L_GetFIDColumn(pr->o->layer);
	fid_col = arrow_child(&schema, fid_name && *fid_name ? fid_name : "OGC_FID");
	if (fid_col >= 0 && strcmp(schema.children[fid_col]->format, "l") != 0)
		fid_col = -1;
	for (int f = 0; f < PR_MAX_FIELDS; f++) {
		cols[f] = -1;
		if (pr->o->field_index[f] < 0)
			continue;
		cols[f] = arrow_child(
		    &schema, OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, pr->o->field_index[f])));
		if (cols[f] < 0 || !arrow_type_known(schema.children[cols[f]]->format))
			goto done;
	}
	r = 0;
	int rc = 0;
	while (r == 0 && (rc = stream.get_next(&stream, &batch)) == 0 && batch.release) {
		const struct ArrowArray *geoms = batch.children[geom_col];
		const struct ArrowSchema *geom_schema = schema.children[geom_col];
		for (int64_t row = 0; row < batch.length && r == 0; row++) {
			raw_value values[PR_MAX_FIELDS];
			for (int f = 0; f < PR_MAX_FIELDS; f++)
				if (cols[f] >= 0)
					raw_from_arrow(schema.children[cols[f]],
						       batch.children[cols[f]], row, &values[f],
						       bufs[f], sizeof bufs[f]);
			size_t size = 0;
			const unsigned char *wkb = arrow_valid(geoms, row)
						       ? arrow_bytes(geom_schema, geoms, row, &size)
						       : NULL;
			const struct ArrowArray *fids =
			    fid_col >= 0 ? batch.children[fid_col] : NULL;
			int64_t fid = fids && arrow_valid(fids, row)
					  ? ((const int64_t *)fids->buffers[1])[row + fids->offset]
					  : -1;
			r = add_parcel(pr, fid, values, NULL, wkb, size);
			/* A row's own failure (say, its reprojection) is its reject, not the
			 * read's. */
			CPLErrorReset();
		}
		batch.release(&batch);
		pr_progress(pr->ctx, "parcels", pr->row, total);
	}
	if (r == 0 && rc != 0) {
		const char *why = stream.get_last_error ? stream.get_last_error(&stream) : NULL;
		r = pr_error(pr->ctx, PR_EDATA, "parcels: reading failed after row %llu: %s",
			     (unsigned long long)pr->row, why ? why : strerror(rc));
	}
done:
	if (batch.release)
		batch.release(&batch);
	if (schema.release)
		schema.release(&schema);
	if (stream.release)
		stream.release(&stream);
	return r;
}

int pr_read_parcels(pr_context *ctx, const pr_sources *sources, OGRSpatialReferenceH work_srs,
		    pr_parcels *out, pr_rejects *rejects)
{
	const pr_source_conf *c = &sources->src[PR_SRC_PARCELS];
	opened_source o;
	parcel_reader pr = {0};
	int r;

	memset(out, 0, sizeof *out);
	pr_records_init(&out->rec, PR_SRC_PARCELS, c);
	r = open_source(ctx, sources, PR_SRC_PARCELS, work_srs, NULL, &o);
	if (r < 0)
		return r;
	pr_srs_label(o.srs, out->rec.crs_label, sizeof out->rec.crs_label);
	{
		OGRSpatialReferenceH target = work_srs ? work_srs : o.srs;
		char *wkt = NULL;
		OSRExportToWkt(target, &wkt);
		out->srs_wkt = wkt ? strdup(wkt) : NULL;
		CPLFree(wkt);
	}
	pr = (parcel_reader){.ctx = ctx, .o = &o, .out = out, .rejects = rejects};

	/* Reading is sequential (GDAL); the geometry work that follows is spread over threads.
	 * GeoPackage layers are read through GDAL's Arrow stream: about three times faster than
	 * feature by feature (GDAL 3.6), and the geometry comes as WKB, ready for GEOS. */
	GIntBig count = OGR_L_GetFeatureCount(o.layer, FALSE);
	uint64_t total = count > 0 ? (uint64_t)count : 0;
	CPLErrorReset();
	OGR_L_ResetReading(o.layer);
	const char *driver = GDALGetDriverShortName(GDALGetDatasetDriver(o.ds));
	r = driver && strcmp(driver, "GPKG") == 0 ? read_parcel_arrow(&pr, total) : 1;
	if (r == 1) {
		OGR_L_ResetReading(o.layer);
		r = read_parcel_features(&pr, total);
	}
	if (r == 0 && CPLGetLastErrorType() >= CE_Failure)
		r = pr_error_gdal(ctx, PR_EDATA, "parcels: reading %s failed after row %llu",
				  c->path, (unsigned long long)pr.row);
	if (r < 0)
		goto done;
	pr_progress(ctx, "parcels", pr.row, pr.row);
	r = process_parcels(ctx, pr.geoms, out->rec.n);
	if (r == 0)
		r = finish_parcels(ctx, out, pr.geoms, rejects);
done:
	for (size_t i = 0; i < pr.geoms_used; i++)
		parcel_geom_clear(&pr.geoms[i]);
	free(pr.geoms);
	close_source(&o);
	return r;
}

int pr_source_srs(pr_context *ctx, const pr_sources *sources, int source,
		  OGRSpatialReferenceH *ret_srs)
{
	opened_source o;
	int r = open_source(ctx, sources, source, NULL, NULL, &o);
	if (r < 0)
		return r;
	*ret_srs = o.srs;
	o.srs = NULL;
	close_source(&o);
	return 0;
}
