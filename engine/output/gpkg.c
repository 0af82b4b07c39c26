/* SPDX-License-Identifier: MIT */
/* Writes the GeoPackage through GDAL: layers are created without a spatial index, filled inside
 * one transaction each, and indexed once at the end (the R-tree is the cost of bulk writing).
 * The file is written beside the target under a temporary name and renamed into place only when
 * complete, so a failed or killed run never leaves a half-written output. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <sqlite3.h>

#include "output/layers.h"

int pr_kv_add(pr_kv_list *list, const char *key, const char *fmt, ...)
{
	if (pr_grow((void **)&list->items, &list->cap, list->n + 1, sizeof *list->items) < 0)
		return PR_ENOMEM;
	pr_kv *kv = &list->items[list->n];
	char *value = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&value, fmt, ap);
	va_end(ap);
	kv->key = strdup(key);
	if (n < 0 || !kv->key) {
		free(kv->key);
		if (n >= 0)
			free(value);
		return PR_ENOMEM;
	}
	kv->value = value;
	list->n++;
	return 0;
}

void pr_kv_free(pr_kv_list *list)
{
	for (size_t i = 0; i < list->n; i++) {
		free(list->items[i].key);
		free(list->items[i].value);
	}
	free(list->items);
	memset(list, 0, sizeof *list);
}

typedef struct writer {
	pr_context *ctx;
	GDALDatasetH ds;
	OGRSpatialReferenceH srs;
	const char *path;
} writer;

/* A field of a layer: name and type, and where needed a domain, a width or a subtype. */
typedef struct field_spec {
	const char *name;
	OGRFieldType type;
	const char *domain;
	int width;
	OGRFieldSubType subtype;
} field_spec;

static int add_field(writer *w, OGRLayerH layer, const field_spec *spec)
{
	OGRFieldDefnH fd = OGR_Fld_Create(spec->name, spec->type);
	if (spec->domain)
		OGR_Fld_SetDomainName(fd, spec->domain);
	OGR_Fld_SetWidth(fd, spec->width);
	OGR_Fld_SetSubType(fd, spec->subtype);
	OGRErr err = OGR_L_CreateField(layer, fd, TRUE);
	OGR_Fld_Destroy(fd);
	if (err != OGRERR_NONE)
		return pr_error_gdal(w->ctx, PR_ECANTCREAT, "%s: cannot create field %s", w->path,
				     spec->name);
	return 0;
}

/* Creates a layer (without spatial index: it is built once the layer is full) and its fields. */
static int create_layer(writer *w, const char *name, OGRwkbGeometryType type,
			const char *description, const field_spec *fields, size_t n_fields,
			OGRLayerH *ret_layer)
{
	char **opts = NULL;
	opts = CSLSetNameValue(opts, "SPATIAL_INDEX", "NO");
	opts = CSLSetNameValue(opts, "DESCRIPTION", description);
	if (type != wkbNone)
		opts = CSLSetNameValue(opts, "GEOMETRY_NAME", "geom");
	OGRLayerH layer =
	    GDALDatasetCreateLayer(w->ds, name, type == wkbNone ? NULL : w->srs, type, opts);
	CSLDestroy(opts);
	if (!layer)
		return pr_error_gdal(w->ctx, PR_ECANTCREAT, "%s: cannot create layer %s", w->path,
				     name);
	for (size_t f = 0; f < n_fields; f++) {
		int r = add_field(w, layer, &fields[f]);
		if (r < 0)
			return r;
	}
	*ret_layer = layer;
	return 0;
}

static int begin(writer *w)
{
	if (GDALDatasetStartTransaction(w->ds, FALSE) != OGRERR_NONE)
		return pr_error_gdal(w->ctx, PR_ECANTCREAT, "%s: cannot start a transaction",
				     w->path);
	return 0;
}

static int commit(writer *w)
{
	if (GDALDatasetCommitTransaction(w->ds) != OGRERR_NONE)
		return pr_error_gdal(w->ctx, PR_ECANTCREAT, "%s: cannot commit", w->path);
	return 0;
}

static int create_feature(writer *w, OGRLayerH layer, OGRFeatureH feat)
{
	if (OGR_L_CreateFeature(layer, feat) != OGRERR_NONE)
		return pr_error_gdal(w->ctx, PR_ECANTCREAT, "%s: cannot write a feature of %s",
				     w->path, OGR_L_GetName(layer));
	return 0;
}

static int add_risk_class_domain(writer *w)
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

static void set_date(OGRFeatureH feat, int idx, int32_t days)
{
	if (days == PR_DATE_NULL) {
		OGR_F_SetFieldNull(feat, idx);
		return;
	}
	int y, m, d;
	pr_civil_from_days(days, &y, &m, &d);
	OGR_F_SetFieldDateTime(feat, idx, y, m, d, 0, 0, 0, 0);
}

static const char *const record_fields[PR_SRC_COUNT] = {
    NULL, "population_records", "complaints_records", "inspections_records"};

/* Parcels in rank order, so that the attribute table opens with the riskiest first. */
static uint32_t *rank_order(const pr_scores *s)
{
	uint32_t *order = malloc((s->n ? s->n : 1) * sizeof *order);
	if (!order)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		order[s->rank[i] - 1] = (uint32_t)i;
	return order;
}

/* Writes parcel_risk; the id each feature got goes to fids (in parcel order) for the index. */
static int write_parcel_risk(writer *w, const pr_output *out, const uint32_t *order, int64_t *fids)
{
	const pr_parcels *p = out->parcels;
	const pr_scores *s = out->scores;
	const pr_model *m = out->model;
	OGRLayerH layer = NULL;
	OGRFeatureH feat = NULL;
	int r;

	static const field_spec fixed[] = {
	    {"parcel_id", OFTString},
	    {"score", OFTReal},
	    {"risk_class", OFTString, "risk_class"},
	    {"rank", OFTInteger},
	    {"reasons", OFTString},
	    {"owner", OFTString},
	    {"data_coverage", OFTReal},
	    {"last_inspection", OFTDate},
	    {"floor_area_m2", OFTReal},
	    {"dwellings", OFTInteger},
	    {"build_year", OFTInteger},
	    {"area_m2", OFTReal},
	    {"address", OFTString},
	};
	r = create_layer(w, "parcel_risk", wkbMultiPolygon,
			 "Risk score of every parcel with its reasons, factor points and features",
			 fixed, sizeof fixed / sizeof *fixed, &layer);
	for (int k = 0; k < m->n_factors && !r; k++) {
		char name[PR_NAME_MAX + 4];
		snprintf(name, sizeof name, "c_%s", m->factors[k].name);
		r = add_field(w, layer, &(field_spec){name, OFTReal});
	}
	for (int f = 0; f < m->n_features && !r; f++)
		r = add_field(w, layer, &(field_spec){m->features[f].name, OFTReal});
	for (int k = 1; k < PR_SRC_COUNT && !r; k++)
		r = add_field(w, layer, &(field_spec){record_fields[k], OFTInteger});
	if (r < 0)
		return r;

	OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
	int first_parcel_column = OGR_FD_GetFieldIndex(defn, "last_inspection") + 1;
	int first_factor = first_parcel_column + 5;
	int first_feature = first_factor + m->n_factors;
	int first_count = first_feature + m->n_features;
	r = begin(w);
	if (r < 0)
		return r;
	feat = OGR_F_Create(defn);
	for (size_t k = 0; k < p->rec.n; k++) {
		size_t i = order ? order[k] : k;
		OGR_F_SetFID(feat, OGRNullFID);
		OGR_F_SetFieldString(feat, 0, p->rec.cols[PR_PARCEL_ID].text[i]);
		OGR_F_SetFieldDouble(feat, 1, s->score[i]);
		OGR_F_SetFieldString(feat, 2, pr_risk_class_names[s->risk_class[i]]);
		OGR_F_SetFieldInteger(feat, 3, (int)s->rank[i]);
		OGR_F_SetFieldString(feat, 4, s->reasons[i]);
		const char *owner = p->rec.cols[PR_PARCEL_OWNER].present
					? p->rec.cols[PR_PARCEL_OWNER].text[i]
					: NULL;
		if (owner)
			OGR_F_SetFieldString(feat, 5, owner);
		else
			OGR_F_SetFieldNull(feat, 5);
		OGR_F_SetFieldDouble(feat, 6, round(s->data_coverage[i] * 1000) / 1000);
		set_date(feat, 7, s->last_inspection[i]);
		for (int c = 0; c < 3; c++) {
			/* floor_area_m2, dwellings, build_year: canonical fields 2, 3, 4 */
			const pr_column *col = &p->rec.cols[2 + c];
			if (col->present && !isnan(col->num[i]))
				OGR_F_SetFieldDouble(feat, first_parcel_column + c, col->num[i]);
			else
				OGR_F_SetFieldNull(feat, first_parcel_column + c);
		}
		OGR_F_SetFieldDouble(feat, first_parcel_column + 3, round(p->area[i] * 100) / 100);
		const char *address = p->rec.cols[PR_PARCEL_ADDRESS].present
					  ? p->rec.cols[PR_PARCEL_ADDRESS].text[i]
					  : NULL;
		if (address)
			OGR_F_SetFieldString(feat, first_parcel_column + 4, address);
		else
			OGR_F_SetFieldNull(feat, first_parcel_column + 4);
		for (int c = 0; c < m->n_factors; c++)
			OGR_F_SetFieldDouble(
			    feat, first_factor + c,
			    round(s->points[i * (size_t)m->n_factors + (size_t)c] * 100) / 100);
		for (int f = 0; f < m->n_features; f++) {
			double v = s->features[i * (size_t)m->n_features + (size_t)f];
			if (isnan(v))
				OGR_F_SetFieldNull(feat, first_feature + f);
			else
				OGR_F_SetFieldDouble(feat, first_feature + f, v);
		}
		for (int src = 1; src < PR_SRC_COUNT; src++)
			OGR_F_SetFieldInteger(feat, first_count + src - 1,
					      out->records[src] ? (int)out->records[src][i] : 0);
		OGRGeometryH g = NULL;
		if (OGR_G_CreateFromWkbEx(p->wkb[i], w->srs, &g, p->wkb_size[i]) != OGRERR_NONE) {
			r = pr_error_gdal(w->ctx, PR_EINTERNAL, "cannot rebuild parcel %s",
					  p->rec.cols[PR_PARCEL_ID].text[i]);
			goto done;
		}
		OGR_F_SetGeometryDirectly(feat, g);
		r = create_feature(w, layer, feat);
		if (r < 0)
			goto done;
		fids[i] = OGR_F_GetFID(feat);
		if ((k & 0xffff) == 0xffff)
			pr_progress(w->ctx, "write", k + 1, p->rec.n);
	}
	r = commit(w);
done:
	if (feat)
		OGR_F_Destroy(feat);
	return r;
}

static int write_visit_list(writer *w, const pr_output *out, const uint32_t *order)
{
	const pr_parcels *p = out->parcels;
	const pr_scores *s = out->scores;
	OGRLayerH layer = NULL;
	OGRFeatureH feat = NULL;
	static const field_spec fields[] = {
	    {"rank", OFTInteger},   {"parcel_id", OFTString},
	    {"score", OFTReal},	    {"risk_class", OFTString, "risk_class"},
	    {"reasons", OFTString}, {"last_inspection", OFTDate},
	    {"owner", OFTString},   {"address", OFTString},
	};
	int r = create_layer(w, "visit_list", wkbPoint,
			     "Parcels proposed for next month's visits, best first, with reasons",
			     fields, sizeof fields / sizeof *fields, &layer);
	if (r < 0)
		return r;
	r = begin(w);
	if (r < 0)
		return r;
	feat = OGR_F_Create(OGR_L_GetLayerDefn(layer));
	for (size_t k = 0; k < p->rec.n; k++) {
		size_t i = order[k];
		if (!s->visit[i])
			continue;
		OGR_F_SetFID(feat, OGRNullFID);
		OGR_F_SetFieldInteger(feat, 0, (int)s->visit_rank[i]);
		OGR_F_SetFieldString(feat, 1, p->rec.cols[PR_PARCEL_ID].text[i]);
		OGR_F_SetFieldDouble(feat, 2, s->score[i]);
		OGR_F_SetFieldString(feat, 3, pr_risk_class_names[s->risk_class[i]]);
		OGR_F_SetFieldString(feat, 4, s->reasons[i]);
		set_date(feat, 5, s->last_inspection[i]);
		const char *owner = p->rec.cols[PR_PARCEL_OWNER].present
					? p->rec.cols[PR_PARCEL_OWNER].text[i]
					: NULL;
		if (owner)
			OGR_F_SetFieldString(feat, 6, owner);
		else
			OGR_F_SetFieldNull(feat, 6);
		const char *address = p->rec.cols[PR_PARCEL_ADDRESS].present
					  ? p->rec.cols[PR_PARCEL_ADDRESS].text[i]
					  : NULL;
		if (address)
			OGR_F_SetFieldString(feat, 7, address);
		else
			OGR_F_SetFieldNull(feat, 7);
		OGRGeometryH pt = OGR_G_CreateGeometry(wkbPoint);
		OGR_G_SetPoint_2D(pt, 0, p->label_xy[2 * i], p->label_xy[2 * i + 1]);
		OGR_F_SetGeometryDirectly(feat, pt);
		r = create_feature(w, layer, feat);
		if (r < 0)
			break;
	}
	OGR_F_Destroy(feat);
	return r < 0 ? r : commit(w);
}

typedef struct owner_entry {
	const char *owner;
	uint32_t parcel;
} owner_entry;

static int compare_owner_entry(const void *a, const void *b)
{
	const owner_entry *x = a, *y = b;
	int c = strcmp(x->owner, y->owner);
	return c ? c : (x->parcel > y->parcel) - (x->parcel < y->parcel);
}

static int compare_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x < y) - (x > y);
}

/* One row per owner of two parcels or more: counts, scores and the parcels' footprint. The
 * owner score is the mean of the owner's three highest parcel scores, so that a landlord with
 * several risky houses ranks above one with a single bad one. */
static int write_owners(writer *w, const pr_output *out)
{
	const pr_parcels *p = out->parcels;
	const pr_scores *s = out->scores;
	const pr_column *owners = &p->rec.cols[PR_PARCEL_OWNER];
	owner_entry *list = NULL;
	double *scores = NULL;
	OGRLayerH layer = NULL;
	OGRFeatureH feat = NULL;
	size_t n = 0;
	static const field_spec fields[] = {
	    {"owner", OFTString},   {"parcels", OFTInteger}, {"high_risk_parcels", OFTInteger},
	    {"max_score", OFTReal}, {"mean_score", OFTReal}, {"owner_score", OFTReal},
	};
	int r = create_layer(w, "owners", wkbMultiPolygon,
			     "Owners of two parcels or more: parcels, high-risk parcels, scores",
			     fields, sizeof fields / sizeof *fields, &layer);
	if (r < 0 || !owners->present)
		return r;
	list = malloc((p->rec.n ? p->rec.n : 1) * sizeof *list);
	scores = malloc((p->rec.n ? p->rec.n : 1) * sizeof *scores);
	if (!list || !scores) {
		r = PR_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < p->rec.n; i++)
		if (owners->text[i] && *owners->text[i])
			list[n++] = (owner_entry){owners->text[i], (uint32_t)i};
	qsort(list, n, sizeof *list, compare_owner_entry);
	r = begin(w);
	if (r < 0)
		goto done;
	feat = OGR_F_Create(OGR_L_GetLayerDefn(layer));
	for (size_t a = 0, b; a < n && r == 0; a = b) {
		for (b = a + 1; b < n && strcmp(list[b].owner, list[a].owner) == 0; b++)
			;
		size_t count = b - a;
		if (count < 2)
			continue;
		uint32_t high = 0;
		double sum = 0;
		OGRGeometryH footprint = OGR_G_CreateGeometry(wkbMultiPolygon);
		for (size_t k = a; k < b; k++) {
			uint32_t i = list[k].parcel;
			scores[k - a] = s->score[i];
			sum += s->score[i];
			high += s->risk_class[i] >= PR_CLASS_HIGH;
			OGRGeometryH g = NULL;
			if (OGR_G_CreateFromWkbEx(p->wkb[i], NULL, &g, p->wkb_size[i]) ==
			    OGRERR_NONE) {
				for (int j = 0; j < OGR_G_GetGeometryCount(g); j++)
					OGR_G_AddGeometry(footprint, OGR_G_GetGeometryRef(g, j));
				OGR_G_DestroyGeometry(g);
			}
		}
		qsort(scores, count, sizeof *scores, compare_desc);
		double top = 0;
		size_t n_top = count < 3 ? count : 3;
		for (size_t k = 0; k < n_top; k++)
			top += scores[k];
		OGR_F_SetFID(feat, OGRNullFID);
		OGR_F_SetFieldString(feat, 0, list[a].owner);
		OGR_F_SetFieldInteger(feat, 1, (int)count);
		OGR_F_SetFieldInteger(feat, 2, (int)high);
		OGR_F_SetFieldDouble(feat, 3, scores[0]);
		OGR_F_SetFieldDouble(feat, 4, round(sum / (double)count * 10) / 10);
		OGR_F_SetFieldDouble(feat, 5, round(top / (double)n_top * 10) / 10);
		OGR_G_AssignSpatialReference(footprint, w->srs);
		OGR_F_SetGeometryDirectly(feat, footprint);
		r = create_feature(w, layer, feat);
	}
	if (r == 0)
		r = commit(w);
done:
	if (feat)
		OGR_F_Destroy(feat);
	free(list);
	free(scores);
	return r;
}

static int write_hotspots(writer *w, const pr_output *out)
{
	OGRLayerH layer = NULL;
	char description[160];
	snprintf(description, sizeof description,
		 "Hexagons %g m across: parcels, mean score and high-risk parcels per cell",
		 out->model->hotspot_cell_m);
	static const field_spec fields[] = {
	    {"parcels", OFTInteger},
	    {"mean_score", OFTReal},
	    {"high_risk_parcels", OFTInteger},
	    {"max_score", OFTReal},
	};
	int r = create_layer(w, "hotspots", wkbPolygon, description, fields,
			     sizeof fields / sizeof *fields, &layer);
	if (!r)
		r = begin(w);
	if (!r)
		r = pr_layer_hotspots(w->ctx, layer, out);
	return r < 0 ? r : commit(w);
}

static int write_changes(writer *w, const pr_output *out)
{
	OGRLayerH layer = NULL;
	static const field_spec fields[] = {
	    {"parcel_id", OFTString},	   {"change", OFTString},
	    {"previous_score", OFTReal},   {"score", OFTReal},
	    {"previous_class", OFTString}, {"risk_class", OFTString},
	    {"previous_rank", OFTInteger}, {"rank", OFTInteger},
	    {"score_delta", OFTReal},
	};
	int r = create_layer(w, "changes", wkbNone,
			     "Changes since the previous output: score deltas, parcels entering or "
			     "leaving the high classes, new and gone parcels",
			     fields, sizeof fields / sizeof *fields, &layer);
	if (!r)
		r = begin(w);
	if (!r)
		r = pr_layer_changes(w->ctx, layer, out);
	return r < 0 ? r : commit(w);
}

static int write_rejects(writer *w, const pr_rejects *rj)
{
	OGRLayerH layer = NULL;
	static const field_spec fields[] = {
	    {"source", OFTString},
	    {"row", OFTInteger64},
	    {"reason", OFTString},
	    {"value", OFTString},
	};
	int r = create_layer(w, "rejects", wkbNone,
			     "Input rows that could not be used: source, row, reason and value",
			     fields, sizeof fields / sizeof *fields, &layer);
	if (!r)
		r = begin(w);
	if (r < 0)
		return r;
	OGRFeatureH feat = OGR_F_Create(OGR_L_GetLayerDefn(layer));
	for (size_t i = 0; i < rj->n && !r; i++) {
		const pr_reject *rec = &rj->items[i];
		OGR_F_SetFID(feat, OGRNullFID);
		OGR_F_SetFieldString(feat, 0, pr_source_defs[rec->source].name);
		OGR_F_SetFieldInteger64(feat, 1, (GIntBig)rec->row);
		OGR_F_SetFieldString(feat, 2, rec->reason);
		OGR_F_SetFieldString(feat, 3, rec->value);
		r = create_feature(w, layer, feat);
	}
	OGR_F_Destroy(feat);
	return r < 0 ? r : commit(w);
}

/* The QGIS styles built into the engine (data/styles/NAME.qml, embedded at build time). */
extern const unsigned char pr_style_parcel_risk[], pr_style_visit_list[], pr_style_owners[],
    pr_style_hotspots[];

/* Each spatial layer's default QGIS style, in the table QGIS reads styles from. The table is
 * created through GDAL, so it is registered in gpkg_contents like any attribute table. */
static int write_layer_styles(writer *w, int32_t as_of)
{
	static const struct {
		const char *table;
		const unsigned char *qml;
		const char *description;
	} styles[] = {
	    {"parcel_risk", pr_style_parcel_risk, "Parcels coloured by risk class"},
	    {"visit_list", pr_style_visit_list, "Visit list, labelled by rank"},
	    {"owners", pr_style_owners, "Owners' footprints by owner score"},
	    {"hotspots", pr_style_hotspots, "Hexagons shaded by mean score"},
	};
	/* The columns QGIS itself writes (its saveStyleToDatabase). */
	static const field_spec fields[] = {
	    {"f_table_catalog", OFTString, NULL, 256},
	    {"f_table_schema", OFTString, NULL, 256},
	    {"f_table_name", OFTString, NULL, 256},
	    {"f_geometry_column", OFTString, NULL, 256},
	    {"styleName", OFTString, NULL, 30},
	    {"styleQML", OFTString},
	    {"styleSLD", OFTString},
	    {"useAsDefault", OFTInteger, NULL, 0, OFSTBoolean},
	    {"description", OFTString},
	    {"owner", OFTString, NULL, 30},
	    {"ui", OFTString, NULL, 30},
	    {"update_time", OFTDateTime},
	};
	OGRLayerH layer = NULL;
	int r = create_layer(w, "layer_styles", wkbNone, "Default QGIS styles of the layers",
			     fields, sizeof fields / sizeof *fields, &layer);
	if (!r)
		r = begin(w);
	if (r < 0)
		return r;
	int y, m, d;
	pr_civil_from_days(as_of, &y, &m, &d);
	OGRFeatureH feat = OGR_F_Create(OGR_L_GetLayerDefn(layer));
	for (size_t i = 0; i < sizeof styles / sizeof *styles && !r; i++) {
		OGR_F_SetFID(feat, OGRNullFID);
		OGR_F_SetFieldString(feat, 0, "");
		OGR_F_SetFieldString(feat, 1, "");
		OGR_F_SetFieldString(feat, 2, styles[i].table);
		OGR_F_SetFieldString(feat, 3, "geom");
		OGR_F_SetFieldString(feat, 4, styles[i].table);
		OGR_F_SetFieldString(feat, 5, (const char *)styles[i].qml);
		OGR_F_SetFieldString(feat, 6, "");
		OGR_F_SetFieldInteger(feat, 7, 1);
		OGR_F_SetFieldString(feat, 8, styles[i].description);
		OGR_F_SetFieldString(feat, 9, "");
		OGR_F_SetFieldNull(feat, 10);
		OGR_F_SetFieldDateTime(feat, 11, y, m, d, 0, 0, 0, 100);
		r = create_feature(w, layer, feat);
	}
	OGR_F_Destroy(feat);
	return r < 0 ? r : commit(w);
}

static int write_run_info(writer *w, const pr_kv_list *info)
{
	OGRLayerH layer = NULL;
	static const field_spec fields[] = {{"key", OFTString}, {"value", OFTString}};
	int r =
	    create_layer(w, "run_info", wkbNone,
			 "How this file was made: as-of date, inputs, counts, versions, timings",
			 fields, 2, &layer);
	if (!r)
		r = begin(w);
	if (r < 0)
		return r;
	OGRFeatureH feat = OGR_F_Create(OGR_L_GetLayerDefn(layer));
	for (size_t i = 0; i < info->n && !r; i++) {
		OGR_F_SetFID(feat, OGRNullFID);
		OGR_F_SetFieldString(feat, 0, info->items[i].key);
		OGR_F_SetFieldString(feat, 1, info->items[i].value);
		r = create_feature(w, layer, feat);
	}
	OGR_F_Destroy(feat);
	return r < 0 ? r : commit(w);
}

static int build_spatial_index(writer *w, const char *table)
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

/* The spatial index of parcel_risk, bulk-loaded on a plain SQLite connection once GDAL has
 * closed the file; its time is added to run_info. */
static int index_parcel_risk(pr_context *ctx, const char *path, const pr_output *out,
			     const int64_t *fids)
{
	sqlite3 *db = NULL;
	double t0 = pr_now();
	int r = 0;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		r = pr_error(ctx, PR_ECANTCREAT, "cannot reopen %s: %s", path,
			     db ? sqlite3_errmsg(db) : "out of memory");
		goto done;
	}
	r = pr_sql_exec(ctx, db, PR_ECANTCREAT, path, "PRAGMA synchronous=OFF; BEGIN");
	if (r < 0)
		goto done;
	r = pr_gpkg_bulk_rtree(ctx, db, "parcel_risk", "visit_list", fids, out->parcels->bbox,
			       out->parcels->rec.n);
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
	writer w = {.ctx = ctx, .path = path};
	char *tmp = NULL;
	uint32_t *order = NULL;
	int64_t *fids = NULL;
	int r = 0;
	char stamp[32];
	int y, m, d;

	/* Same folder as the target, so that the final rename is atomic. */
	tmp = pr_output_temporary(path, "gpkg");
	order = rank_order(out->scores);
	fids = malloc((out->parcels->rec.n ? out->parcels->rec.n : 1) * sizeof *fids);
	if (!tmp || !order || !fids) {
		r = PR_ENOMEM;
		goto done;
	}
	/* Timestamps inside the file follow the as-of date, so that the same inputs give the
	 * same file. */
	pr_civil_from_days(out->as_of, &y, &m, &d);
	snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT00:00:00.000Z", y, m, d);
	CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", stamp);
	CPLSetThreadLocalConfigOption("OGR_SQLITE_SYNCHRONOUS", "OFF");
	CPLSetThreadLocalConfigOption("OGR_SQLITE_CACHE", "512");

	unlink(tmp);
	GDALDriverH drv = GDALGetDriverByName("GPKG");
	if (!drv) {
		r = pr_error(ctx, PR_EINTERNAL, "GDAL has no GPKG driver");
		goto done;
	}
	w.ds = GDALCreate(drv, tmp, 0, 0, 0, GDT_Unknown, NULL);
	if (!w.ds) {
		r = pr_error_gdal(ctx, PR_ECANTCREAT, "cannot create %s", tmp);
		goto done;
	}
	w.srs = out->parcels->srs_wkt ? OSRNewSpatialReference(out->parcels->srs_wkt) : NULL;
	double t0 = pr_now();
	r = add_risk_class_domain(&w);
	if (!r)
		r = write_parcel_risk(&w, out, NULL, fids);
	double t1 = pr_now();
	if (!r)
		r = write_visit_list(&w, out, order);
	if (!r)
		r = write_owners(&w, out);
	if (!r)
		r = write_hotspots(&w, out);
	if (!r && out->previous)
		r = write_changes(&w, out);
	if (!r)
		r = write_rejects(&w, out->rejects);
	if (!r)
		r = write_layer_styles(&w, out->as_of);
	double t2 = pr_now();
	/* The small layer's index through GDAL; it is the template of the large one's. */
	if (!r)
		r = build_spatial_index(&w, "visit_list");
	if (!r)
		r = build_spatial_index(&w, "owners");
	if (!r)
		r = build_spatial_index(&w, "hotspots");
	if (!r)
		r = pr_kv_add(out->run_info, "seconds.write_parcel_risk", "%.3f", t1 - t0);
	if (!r)
		r = pr_kv_add(out->run_info, "seconds.write_other_layers", "%.3f", t2 - t1);
	if (!r)
		r = write_run_info(&w, out->run_info);
	if (r < 0)
		goto done;
	GDALClose(w.ds);
	w.ds = NULL;
	if (CPLGetLastErrorType() >= CE_Failure) {
		r = pr_error_gdal(ctx, PR_ECANTCREAT, "cannot complete %s", tmp);
		goto done;
	}
	r = index_parcel_risk(ctx, tmp, out, fids);
	if (r < 0)
		goto done;
	r = pr_output_commit(ctx, tmp, path);
	if (r < 0)
		goto done;
done:
	if (w.ds)
		GDALClose(w.ds);
	if (w.srs)
		OSRRelease(w.srs);
	if (r < 0 && tmp)
		unlink(tmp);
	CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", NULL);
	CPLSetThreadLocalConfigOption("OGR_SQLITE_SYNCHRONOUS", NULL);
	CPLSetThreadLocalConfigOption("OGR_SQLITE_CACHE", NULL);
	free(tmp);
	free(order);
	free(fids);
	return r;
}
