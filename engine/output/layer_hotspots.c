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

/* One hexagon with its parcels' counts, summed in parcel order. */
typedef struct cell {
	int64_t q, r;
	uint32_t parcels, high;
	double sum, max;
} cell;

static int compare_cell(const void *a, const void *b)
{
	const cell *x = a, *y = b;
	if (x->q != y->q)
		return x->q < y->q ? -1 : 1;
	return (x->r > y->r) - (x->r < y->r);
}

/* The cells met so far, found by their coordinates through an open-addressing table of cell
 * numbers (a power of two in size, at most half full). The parcels are summed into their cells
 * as they come, in one pass: sorting every parcel by cell took 6 s at 10M parcels. */
typedef struct cell_set {
	cell *cells;
	size_t n, cap;
	uint32_t *slot; /* cell number + 1, 0 for an empty slot */
	size_t n_slots;
} cell_set;

static size_t slot_of(const cell_set *set, int64_t q, int64_t r)
{
	int64_t key[2] = {q, r};
	size_t i = pr_hash_bytes(key, sizeof key) & (set->n_slots - 1);
	while (set->slot[i] &&
	       (set->cells[set->slot[i] - 1].q != q || set->cells[set->slot[i] - 1].r != r))
		i = (i + 1) & (set->n_slots - 1);
	return i;
}

/* The cell (q, r), added when new; NULL when out of memory. */
static cell *cell_at(cell_set *set, int64_t q, int64_t r)
{
	if (2 * (set->n + 1) > set->n_slots) {
		size_t n_slots = set->n_slots ? 2 * set->n_slots : 16;
		uint32_t *slot = calloc(n_slots, sizeof *slot);
		if (!slot)
			return NULL;
		free(set->slot);
		set->slot = slot;
		set->n_slots = n_slots;
		for (size_t c = 0; c < set->n; c++)
			set->slot[slot_of(set, set->cells[c].q, set->cells[c].r)] = (uint32_t)c + 1;
	}
	size_t i = slot_of(set, q, r);
	if (set->slot[i])
		return &set->cells[set->slot[i] - 1];
	if (set->n == set->cap) {
		size_t cap = set->cap ? 2 * set->cap : 16;
		cell *cells = realloc(set->cells, cap * sizeof *cells);
		if (!cells)
			return NULL;
		set->cells = cells;
		set->cap = cap;
	}
	set->cells[set->n] = (cell){.q = q, .r = r};
	set->slot[i] = (uint32_t)++set->n;
	return &set->cells[set->n - 1];
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
	cell_set set = {0};
	OGRFeatureH feat = NULL;
	int r = 0;
	for (size_t i = 0; i < p->rec.n && r == 0; i++) {
		int64_t q, hr;
		hex_of(p->label_xy[2 * i], p->label_xy[2 * i + 1], R, &q, &hr);
		cell *c = cell_at(&set, q, hr);
		if (!c) {
			r = PR_ENOMEM;
			break;
		}
		c->parcels++;
		c->sum += s->score[i];
		c->max = s->score[i] > c->max ? s->score[i] : c->max;
		c->high += s->risk_class[i] >= PR_CLASS_HIGH;
	}
	/* Rows in cell order, as a planner's table would list them. */
	if (set.n)
		qsort(set.cells, set.n, sizeof *set.cells, compare_cell);
	feat = r == 0 ? OGR_F_Create(OGR_L_GetLayerDefn(layer)) : NULL;
	for (size_t k = 0; k < set.n && r == 0; k++) {
		const cell *c = &set.cells[k];
		OGR_F_SetFID(feat, OGRNullFID);
		OGR_F_SetFieldInteger(feat, F_PARCELS, (int)c->parcels);
		OGR_F_SetFieldDouble(feat, F_MEAN_SCORE, round(c->sum / c->parcels * 10) / 10);
		OGR_F_SetFieldInteger(feat, F_HIGH_RISK, (int)c->high);
		OGR_F_SetFieldDouble(feat, F_MAX_SCORE, c->max);
		OGR_F_SetFieldInteger(feat, F_PUBLIC,
				      c->parcels >= (uint32_t)out->model->hotspot_min_parcels);
		OGR_F_SetGeometryDirectly(feat, hexagon(c->q, c->r, R));
		r = pr_writer_create_feature(w, layer, feat);
	}
	if (feat)
		OGR_F_Destroy(feat);
	free(set.cells);
	free(set.slot);
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
