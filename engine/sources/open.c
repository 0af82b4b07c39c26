/* SPDX-License-Identifier: MIT */
/* Opening a source through GDAL (any vector format: GeoPackage, Shapefile, GeoJSON, FileGDB,
 * CSV with coordinate columns, a PostGIS connection): its dataset and layer, its filter, the
 * columns of its canonical fields, the columns GDAL may skip, and its CRS with the
 * transformation into the working CRS. */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <cpl_string.h>

#include "sources/read_internal.h"

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

void pr_source_close(opened_source *o)
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

int pr_source_open(pr_context *ctx, const pr_sources *s, int source, OGRSpatialReferenceH work_srs,
		   const bool *wanted, opened_source *o)
{
	const pr_source_conf *c = &s->src[source];
	const pr_source_def *def = &pr_source_defs[source];
	char **open_opts = NULL;
	int r = 0;

	memset(o, 0, sizeof *o);
	o->x_index = o->y_index = -1;
	o->label = pr_basename(c->path);
	{
		int32_t as_of;
		int m, d;
		if (!s->as_of || !pr_parse_date(s->as_of, &as_of))
			as_of = pr_today();
		pr_civil_from_days(as_of, &o->as_of_year, &m, &d);
	}
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
		pr_source_close(o);
	return r;
}

int pr_source_srs(pr_context *ctx, const pr_sources *sources, int source,
		  OGRSpatialReferenceH *ret_srs)
{
	opened_source o;
	int r = pr_source_open(ctx, sources, source, NULL, NULL, &o);
	if (r < 0)
		return r;
	*ret_srs = o.srs;
	o.srs = NULL;
	pr_source_close(&o);
	return 0;
}
