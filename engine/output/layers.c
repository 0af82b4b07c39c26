/* SPDX-License-Identifier: MIT */
/* The aggregated and comparative layers of the GeoPackage: hotspots (a hexagonal grid of mean
 * scores and high-risk counts, for planners: it shows neighbourhoods, not people) and changes
 * (what moved since a previous month's output: score deltas, parcels entering or leaving the
 * high classes, new and gone parcels). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ogr_api.h>
#include <sqlite3.h>

#include "output/layers.h"

/* ---- hotspots ------------------------------------------------------------------------------ */

typedef struct cell_entry {
	int64_t q, r;
	uint32_t parcel;
} cell_entry;

static int compare_cell(const void *a, const void *b)
{
	const cell_entry *x = a, *y = b;
	if (x->q != y->q)
		return x->q < y->q ? -1 : 1;
	if (x->r != y->r)
		return x->r < y->r ? -1 : 1;
	return (x->parcel > y->parcel) - (x->parcel < y->parcel);
}

/* The axial coordinates of the pointy-top hexagon (circumradius R) holding (x, y). */
static void hex_of(double x, double y, double R, int64_t *ret_q, int64_t *ret_r)
{
	double fq = (sqrt(3.0) / 3.0 * x - y / 3.0) / R;
	double fr = (2.0 / 3.0 * y) / R;
	double fs = -fq - fr;
	double q = round(fq), r = round(fr), s = round(fs);
	double dq = fabs(q - fq), dr = fabs(r - fr), ds = fabs(s - fs);
	if (dq > dr && dq > ds)
		q = -r - s;
	else if (dr > ds)
		r = -q - s;
	*ret_q = (int64_t)q;
	*ret_r = (int64_t)r;
}

static OGRGeometryH hexagon(int64_t q, int64_t r, double R)
{
	double cx = R * sqrt(3.0) * ((double)q + (double)r / 2.0);
	double cy = R * 1.5 * (double)r;
	OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
	for (int i = 0; i <= 6; i++) {
		double a = (30.0 + 60.0 * (i % 6)) * M_PI / 180.0;
		OGR_G_AddPoint_2D(ring, round((cx + R * cos(a)) * 100) / 100,
				  round((cy + R * sin(a)) * 100) / 100);
	}
	OGRGeometryH poly = OGR_G_CreateGeometry(wkbPolygon);
	OGR_G_AddGeometryDirectly(poly, ring);
	return poly;
}

int pr_layer_hotspots(pr_context *ctx, OGRLayerH layer, const pr_output *out)
{
	const pr_parcels *p = out->parcels;
	const pr_scores *s = out->scores;
	/* cell size = width across flats = sqrt(3) R */
	double R = out->model->hotspot_cell_m / sqrt(3.0);
	cell_entry *cells = malloc((p->rec.n ? p->rec.n : 1) * sizeof *cells);
	OGRFeatureH feat = NULL;
	int r = 0;
	if (!cells)
		return PR_ENOMEM;
	for (size_t i = 0; i < p->rec.n; i++) {
		cells[i].parcel = (uint32_t)i;
		hex_of(p->label_xy[2 * i], p->label_xy[2 * i + 1], R, &cells[i].q, &cells[i].r);
	}
	qsort(cells, p->rec.n, sizeof *cells, compare_cell);
	feat = OGR_F_Create(OGR_L_GetLayerDefn(layer));
	for (size_t a = 0, b; a < p->rec.n && r == 0; a = b) {
		uint32_t high = 0;
		double sum = 0, max = 0;
		for (b = a; b < p->rec.n && cells[b].q == cells[a].q && cells[b].r == cells[a].r;
		     b++) {
			double score = s->score[cells[b].parcel];
			sum += score;
			max = score > max ? score : max;
			high += s->risk_class[cells[b].parcel] >= PR_CLASS_HIGH;
		}
		OGR_F_SetFID(feat, OGRNullFID);
		OGR_F_SetFieldInteger(feat, 0, (int)(b - a));
		OGR_F_SetFieldDouble(feat, 1, round(sum / (double)(b - a) * 10) / 10);
		OGR_F_SetFieldInteger(feat, 2, (int)high);
		OGR_F_SetFieldDouble(feat, 3, max);
		OGR_F_SetGeometryDirectly(feat, hexagon(cells[a].q, cells[a].r, R));
		if (OGR_L_CreateFeature(layer, feat) != OGRERR_NONE)
			r = pr_error_gdal(ctx, PR_ECANTCREAT, "cannot write a hotspot cell");
	}
	if (feat)
		OGR_F_Destroy(feat);
	free(cells);
	return r;
}

/* ---- changes ------------------------------------------------------------------------------- */

typedef struct previous_parcel {
	char *id;
	double score;
	int rank;
	char risk_class[16];
} previous_parcel;

static int compare_previous(const void *a, const void *b)
{
	return strcmp(((const previous_parcel *)a)->id, ((const previous_parcel *)b)->id);
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
		previous_parcel *e = &prev.items[prev.n];
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

static bool is_high(const char *risk_class)
{
	return strcmp(risk_class, "high") == 0 || strcmp(risk_class, "critical") == 0;
}

/* Writes one row; previous may be NULL (a new parcel), current -1 (a parcel gone). */
static int change_row(pr_context *ctx, OGRLayerH layer, OGRFeatureH feat, const pr_output *out,
		      const previous_parcel *prev, long current)
{
	const pr_scores *s = out->scores;
	const char *cur_class = current >= 0 ? pr_risk_class_names[s->risk_class[current]] : "";
	double cur_score = current >= 0 ? s->score[current] : 0;
	const char *change;
	if (!prev)
		change = "new";
	else if (current < 0)
		change = "gone";
	else if (is_high(cur_class) && !is_high(prev->risk_class))
		change = "entered high";
	else if (!is_high(cur_class) && is_high(prev->risk_class))
		change = "left high";
	else if (fabs(cur_score - prev->score) < 0.05 && strcmp(cur_class, prev->risk_class) == 0)
		return 0; /* unchanged: not listed */
	else
		change = cur_score > prev->score ? "score up" : "score down";
	OGR_F_SetFID(feat, OGRNullFID);
	OGR_F_SetFieldString(feat, 0,
			     prev ? prev->id : out->parcels->rec.cols[PR_PARCEL_ID].text[current]);
	OGR_F_SetFieldString(feat, 1, change);
	if (prev) {
		OGR_F_SetFieldDouble(feat, 2, prev->score);
		OGR_F_SetFieldString(feat, 4, prev->risk_class);
		OGR_F_SetFieldInteger(feat, 6, prev->rank);
	} else {
		OGR_F_SetFieldNull(feat, 2);
		OGR_F_SetFieldNull(feat, 4);
		OGR_F_SetFieldNull(feat, 6);
	}
	if (current >= 0) {
		OGR_F_SetFieldDouble(feat, 3, cur_score);
		OGR_F_SetFieldString(feat, 5, cur_class);
		OGR_F_SetFieldInteger(feat, 7, (int)s->rank[current]);
	} else {
		OGR_F_SetFieldNull(feat, 3);
		OGR_F_SetFieldNull(feat, 5);
		OGR_F_SetFieldNull(feat, 7);
	}
	if (prev && current >= 0)
		OGR_F_SetFieldDouble(feat, 8, round((cur_score - prev->score) * 10) / 10);
	else
		OGR_F_SetFieldNull(feat, 8);
	if (OGR_L_CreateFeature(layer, feat) != OGRERR_NONE)
		return pr_error_gdal(ctx, PR_ECANTCREAT, "cannot write a change row");
	return 0;
}

int pr_layer_changes(pr_context *ctx, OGRLayerH layer, const pr_output *out)
{
	const pr_previous *prev = out->previous;
	const pr_parcels *p = out->parcels;
	OGRFeatureH feat = OGR_F_Create(OGR_L_GetLayerDefn(layer));
	int r = 0;
	/* Both lists are sorted by parcel id: one merge walk. */
	size_t a = 0, b = 0;
	while (r == 0 && (a < prev->n || b < p->rec.n)) {
		int c = a == prev->n ? 1
			: b == p->rec.n
			    ? -1
			    : strcmp(prev->items[a].id, p->rec.cols[PR_PARCEL_ID].text[b]);
		if (c < 0)
			r = change_row(ctx, layer, feat, out, &prev->items[a++], -1);
		else if (c > 0)
			r = change_row(ctx, layer, feat, out, NULL, (long)b++);
		else
			r = change_row(ctx, layer, feat, out, &prev->items[a++], (long)b++);
	}
	OGR_F_Destroy(feat);
	return r;
}
