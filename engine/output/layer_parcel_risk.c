/* SPDX-License-Identifier: MIT */
/* The parcel_risk layer, for planners in QGIS: every parcel with its score, class, rank, reasons,
 * the parcel's own data, each factor's points, the model's features and the records joined to
 * it. Written in rank order, so that its attribute table opens with the riskiest parcel first;
 * its spatial index is bulk-loaded afterwards (rtree.c) from the fids kept here. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "output/writer.h"

/* The fixed fields, in order; the model's and the sources' follow (add_fields). */
enum {
	F_PARCEL_ID,
	F_SCORE,
	F_RISK_CLASS,
	F_RANK,
	F_REASONS,
	F_OWNER,
	F_DATA_COVERAGE,
	F_LAST_INSPECTION,
	F_FLOOR_AREA,
	F_DWELLINGS,
	F_BUILD_YEAR,
	F_AREA,
	F_ADDRESS,
	F_FIRST_FACTOR /* then one c_<factor> per factor, the features, the records counts */
};

static const pr_field_spec fields[] = {
    [F_PARCEL_ID] = {"parcel_id", OFTString},
    [F_SCORE] = {"score", OFTReal},
    [F_RISK_CLASS] = {"risk_class", OFTString, "risk_class"},
    [F_RANK] = {"rank", OFTInteger},
    [F_REASONS] = {"reasons", OFTString},
    [F_OWNER] = {"owner", OFTString, .kind = PR_FIELD_OWNER},
    [F_DATA_COVERAGE] = {"data_coverage", OFTReal},
    [F_LAST_INSPECTION] = {"last_inspection", OFTDate},
    [F_FLOOR_AREA] = {"floor_area_m2", OFTReal},
    [F_DWELLINGS] = {"dwellings", OFTInteger},
    [F_BUILD_YEAR] = {"build_year", OFTInteger},
    [F_AREA] = {"area_m2", OFTReal},
    [F_ADDRESS] = {"address", OFTString, .kind = PR_FIELD_PERSONAL},
};

/* The parcel's numeric fields, in the order of F_FLOOR_AREA.. F_BUILD_YEAR. */
static const int numeric_fields[] = {PR_PARCEL_FLOOR_AREA, PR_PARCEL_DWELLINGS,
				     PR_PARCEL_BUILD_YEAR};

static int add_fields(pr_writer *w, OGRLayerH layer, const pr_output *out)
{
	const pr_model *m = out->model;
	int r = 0;
	for (int k = 0; k < m->n_factors && !r; k++) {
		char name[PR_NAME_MAX + 4];
		snprintf(name, sizeof name, "c_%s", m->factors[k].name);
		r = pr_writer_add_field(w, layer, &(pr_field_spec){name, OFTReal});
	}
	for (int f = 0; f < m->n_features && !r; f++)
		r = pr_writer_add_field(w, layer, &(pr_field_spec){m->features[f].name, OFTReal});
	for (int k = 0; k < PR_SRC_COUNT && !r; k++)
		if (pr_source_defs[k].records_column)
			r = pr_writer_add_field(
			    w, layer,
			    &(pr_field_spec){pr_source_defs[k].records_column, OFTInteger});
	return r;
}

/* Rank order is a random walk over the parcels' arrays: at 10M parcels, waiting for memory was
 * a tenth of the write. The values of the parcel AHEAD rows on are asked for early (the arrays),
 * and what they point to (its text, its geometry) half as far ahead, once they have arrived. */
#define AHEAD 16

static void prefetch_arrays(const pr_output *out, size_t i)
{
	const pr_parcels *p = out->parcels;
	const pr_scores *s = out->scores;
	size_t nf = (size_t)out->model->n_factors, nx = (size_t)out->model->n_features;
	__builtin_prefetch(&s->score[i]);
	__builtin_prefetch(&s->risk_class[i]);
	__builtin_prefetch(&s->rank[i]);
	__builtin_prefetch(&s->reason_ref[i]);
	__builtin_prefetch(&s->data_coverage[i]);
	__builtin_prefetch(&s->last_inspection[i]);
	for (size_t b = 0; b < nf * sizeof(double); b += 64)
		__builtin_prefetch((const char *)&s->points[i * nf] + b);
	for (size_t b = 0; b < nx * sizeof(double); b += 64)
		__builtin_prefetch((const char *)&s->features[i * nx] + b);
	__builtin_prefetch(&p->area[i]);
	__builtin_prefetch(&p->wkb_at[i]);
	for (int f = 0; f < PR_PARCEL_FIELD_COUNT; f++) {
		const pr_column *col = &p->rec.cols[f];
		if (col->text_ref)
			__builtin_prefetch(&col->text_ref[i]);
		else if (col->num)
			__builtin_prefetch(&col->num[i]);
	}
	for (int src = 0; src < PR_SRC_COUNT; src++)
		if (out->records[src])
			__builtin_prefetch(&out->records[src][i]);
}

static void prefetch_data(const pr_output *out, size_t i)
{
	const pr_parcels *p = out->parcels;
	__builtin_prefetch(pr_scores_reasons(out->scores, i));
	for (int f = 0; f < PR_PARCEL_FIELD_COUNT; f++) {
		const char *text = pr_column_text(&p->rec.cols[f], i);
		if (text)
			__builtin_prefetch(text);
	}
	size_t size;
	const unsigned char *wkb = pr_parcel_wkb(p, i, &size);
	for (size_t b = 0; b < size && b < 512; b += 64)
		__builtin_prefetch(wkb + b);
}

/* Parcel i's cells, one per field of the layer (room for F_FIRST_FACTOR + factors + features
 * + counts). */
static void parcel_cells(const pr_output *out, size_t i, pr_cell *cells)
{
	const pr_parcels *p = out->parcels;
	const pr_scores *s = out->scores;
	const pr_model *m = out->model;
	const char *text;
#define TEXT(t) ((text = (t)) ? (pr_cell){PR_CELL_TEXT, {.s = text}} : (pr_cell){PR_CELL_NULL})
#define REAL(x) ((pr_cell){PR_CELL_REAL, {.d = (x)}})
#define INT(x)	((pr_cell){PR_CELL_INT, {.i = (x)}})
	cells[F_PARCEL_ID] = TEXT(pr_parcel_text(p, PR_PARCEL_ID, i));
	cells[F_SCORE] = REAL(s->score[i]);
	cells[F_RISK_CLASS] = TEXT(pr_risk_class_names[s->risk_class[i]]);
	cells[F_RANK] = INT(s->rank[i]);
	cells[F_REASONS] = TEXT(pr_scores_reasons(s, i));
	cells[F_OWNER] = TEXT(pr_parcel_text(p, PR_PARCEL_OWNER, i));
	cells[F_DATA_COVERAGE] = REAL(round(s->data_coverage[i] * 1000) / 1000);
	cells[F_LAST_INSPECTION] = s->last_inspection[i] == PR_DATE_NULL
				       ? (pr_cell){PR_CELL_NULL}
				       : (pr_cell){PR_CELL_DATE, {.days = s->last_inspection[i]}};
	for (int c = 0; c < 3; c++) {
		const pr_column *col = &p->rec.cols[numeric_fields[c]];
		cells[F_FLOOR_AREA + c] = col->present && !isnan(col->num[i])
					      ? REAL(col->num[i])
					      : (pr_cell){PR_CELL_NULL};
	}
	cells[F_AREA] = REAL(round(p->area[i] * 100) / 100);
	cells[F_ADDRESS] = TEXT(pr_parcel_text(p, PR_PARCEL_ADDRESS, i));
	/* + 0.0 turns -0 (no points from a factor of negative weight) into 0: SQLite stores
	 * both as 0, PostgreSQL keeps the sign, and QGIS would show "-0". */
	pr_cell *c = cells + F_FIRST_FACTOR;
	for (int k = 0; k < m->n_factors; k++)
		*c++ =
		    REAL(round(s->points[i * (size_t)m->n_factors + (size_t)k] * 100) / 100 + 0.0);
	for (int f = 0; f < m->n_features; f++) {
		double v = s->features[i * (size_t)m->n_features + (size_t)f];
		*c++ = isnan(v) ? (pr_cell){PR_CELL_NULL} : REAL(v + 0.0);
	}
	/* A source left out of the sources file has no count: unknown, not zero. */
	for (int src = 0; src < PR_SRC_COUNT; src++)
		if (pr_source_defs[src].records_column)
			*c++ =
			    out->records[src] ? INT(out->records[src][i]) : (pr_cell){PR_CELL_NULL};
#undef TEXT
#undef REAL
#undef INT
}

/* Calls row for every parcel, in rank order. */
static int rows(const pr_output *out, pr_row_fn row, void *user)
{
	const pr_parcels *p = out->parcels;
	const pr_model *m = out->model;
	uint32_t *order = pr_rank_order(out->scores);
	size_t n_cells =
	    F_FIRST_FACTOR + (size_t)m->n_factors + (size_t)m->n_features + PR_SRC_COUNT;
	pr_cell *cells = malloc(n_cells * sizeof *cells);
	int r = 0;
	if (!order || !cells) {
		r = PR_ENOMEM;
		goto done;
	}
	for (size_t k = 0; k < p->rec.n && r == 0; k++) {
		if (k + AHEAD < p->rec.n)
			prefetch_arrays(out, order[k + AHEAD]);
		if (k + AHEAD / 2 < p->rec.n)
			prefetch_data(out, order[k + AHEAD / 2]);
		parcel_cells(out, order[k], cells);
		r = row(user, order[k], cells, n_cells);
	}
done:
	free(order);
	free(cells);
	return r;
}

/* Writing rows through GDAL: the layer, the feature reused for every row, and how many. */
typedef struct feature_rows {
	pr_writer *w;
	OGRLayerH layer;
	OGRFeatureH feat;
	int n_fields;
	size_t written;
} feature_rows;

static int feature_row(void *user, size_t i, const pr_cell *cells, size_t n_cells)
{
	feature_rows *fr = user;
	pr_writer *w = fr->w;
	const pr_parcels *p = w->out->parcels;
	OGR_F_SetFID(fr->feat, OGRNullFID);
	for (int f = 0; f < fr->n_fields && (size_t)f < n_cells; f++)
		pr_set_cell(fr->feat, f, &cells[f]);
	OGRGeometryH g = NULL;
	size_t wkb_size;
	const unsigned char *wkb = pr_parcel_wkb(p, i, &wkb_size);
	if (OGR_G_CreateFromWkbEx(wkb, w->srs, &g, wkb_size) != OGRERR_NONE)
		return pr_error_gdal(w->ctx, PR_EINTERNAL, "cannot rebuild parcel %s",
				     pr_parcel_text(p, PR_PARCEL_ID, i));
	OGR_F_SetGeometryDirectly(fr->feat, g);
	int r = pr_writer_create_feature(w, fr->layer, fr->feat);
	if (r < 0)
		return r;
	w->parcel_fids[i] = OGR_F_GetFID(fr->feat);
	if ((++fr->written & 0xffff) == 0)
		pr_progress(w->ctx, "write", fr->written, p->rec.n);
	return 0;
}

static int fill(pr_writer *w, OGRLayerH layer, const pr_output *out)
{
	OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
	feature_rows fr = {w, layer, OGR_F_Create(defn), OGR_FD_GetFieldCount(defn), 0};
	if (!fr.feat)
		return PR_ENOMEM;
	int r = rows(out, feature_row, &fr);
	OGR_F_Destroy(fr.feat);
	return r;
}

const pr_layer_def pr_layer_parcel_risk = {
    .name = "parcel_risk",
    .geometry = wkbMultiPolygon,
    .description = "Risk score of every parcel with its reasons, factor points and features",
    .fields = PR_FIELDS(fields),
    .add_fields = add_fields,
    .fill = fill,
    .rows = rows,
    .index = PR_INDEX_BULK,
    .style = pr_style_parcel_risk,
    .style_description = "Parcels coloured by risk class",
    .share = {PR_SHARE_NAMED, PR_SHARE_PSEUDONYMOUS, PR_SHARE_NONE},
};
