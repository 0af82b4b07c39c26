/* SPDX-License-Identifier: MIT */
/* The hotspots layer, for planners and the public: a hexagonal grid of parcel counts, mean
 * scores and high-risk counts. It shows neighbourhoods, not people. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "output/writer.h"

enum { F_PARCELS, F_MEAN_SCORE, F_HIGH_RISK, F_MAX_SCORE, F_PUBLIC };

static const pr_field_spec fields[] = {
    [F_PARCELS] = {"parcels", OFTInteger},
    [F_MEAN_SCORE] = {"mean_score", OFTReal},
    [F_HIGH_RISK] = {"high_risk_parcels", OFTInteger},
    [F_MAX_SCORE] = {"max_score", OFTReal},
    /* A cell of a few parcels comes close to showing a house: the public gets those of the
     * model's hotspot_min_parcels or more. */
    [F_PUBLIC] = {"public", OFTInteger, .kind = PR_FIELD_PUBLIC},
};

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

static int fill(pr_writer *w, OGRLayerH layer, const pr_output *out)
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
		OGR_F_SetFieldInteger(feat, F_PARCELS, (int)(b - a));
		OGR_F_SetFieldDouble(feat, F_MEAN_SCORE, round(sum / (double)(b - a) * 10) / 10);
		OGR_F_SetFieldInteger(feat, F_HIGH_RISK, (int)high);
		OGR_F_SetFieldDouble(feat, F_MAX_SCORE, max);
		OGR_F_SetFieldInteger(feat, F_PUBLIC,
				      b - a >= (size_t)out->model->hotspot_min_parcels);
		OGR_F_SetGeometryDirectly(feat, hexagon(cells[a].q, cells[a].r, R));
		r = pr_writer_create_feature(w, layer, feat);
	}
	if (feat)
		OGR_F_Destroy(feat);
	free(cells);
	return r;
}

static void describe(const pr_output *out, char *buf, size_t size)
{
	snprintf(buf, size,
		 "Hexagons %g m across: parcels, mean score and high-risk parcels per cell",
		 out->model->hotspot_cell_m);
}

const pr_layer_def pr_layer_hotspots = {
    .name = "hotspots",
    .geometry = wkbPolygon,
    .describe = describe,
    .fields = PR_FIELDS(fields),
    .fill = fill,
    .index = PR_INDEX_GDAL,
    .style = pr_style_hotspots,
    .style_description = "Hexagons shaded by mean score",
    .share = {PR_SHARE_NAMED, PR_SHARE_PSEUDONYMOUS, PR_SHARE_PUBLIC},
};
