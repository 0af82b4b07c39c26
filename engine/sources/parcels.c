/* SPDX-License-Identifier: MIT */
/* Reading the parcels: rows feature by feature (or through the Arrow stream, arrow.c), each
 * geometry repaired and measured by GEOS in worker threads, then the parcels sorted by id with
 * duplicates and unusable geometries rejected: among them an area that is not finite and a
 * parcel outside the working CRS's area of use. The result does not depend on the number of
 * threads. */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>
#include <cpl_error.h>

#include "sources/read_internal.h"

/* Bounds on what the input controls. */
#define MAX_PARCEL_VERTICES 1000000

/* One parcel's geometry on its way through the worker threads: the WKB as read, and what the
 * workers make of it (repaired polygons, area, box, a point on the surface, flat rings). */
struct parcel_geom {
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
	char *failure; /* why the geometry is unusable, or NULL */
};

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
 * MultiPolygon owned by the caller in *ret_multi, NULL when there are none. Fails (detail on
 * ctx) only when memory or GEOS does: a part is never dropped silently. */
static int polygonal_part(pr_context *ctx, uint64_t row, const GEOSGeometry *src,
			  GEOSGeometry **ret_multi)
{
	GEOSContextHandle_t h = ctx->geos;
	int ng = GEOSGetNumGeometries_r(h, src);
	size_t cap = (size_t)(ng > 0 ? ng : 1) + 4, np = 0;
	GEOSGeometry **parts = malloc(cap * sizeof *parts);
	GEOSGeometry *multi = NULL;
	int r = 0;
	if (!parts)
		return pr_error(ctx, PR_ENOMEM, "parcels: row %llu: out of memory",
				(unsigned long long)row);
	for (int i = 0; i < ng; i++) {
		const GEOSGeometry *gi = GEOSGetGeometryN_r(h, src, i);
		int ti = GEOSGeomTypeId_r(h, gi);
		int nj = ti == GEOS_MULTIPOLYGON ? GEOSGetNumGeometries_r(h, gi) : 1;
		if (ti != GEOS_POLYGON && ti != GEOS_MULTIPOLYGON)
			continue;
		if (np + (size_t)nj > cap) {
			cap = np + (size_t)nj + 4;
			GEOSGeometry **more = realloc(parts, cap * sizeof *parts);
			if (!more) {
				r = pr_error(ctx, PR_ENOMEM, "parcels: row %llu: out of memory",
					     (unsigned long long)row);
				goto done;
			}
			parts = more;
		}
		for (int j = 0; j < nj; j++) {
			const GEOSGeometry *pj =
			    ti == GEOS_POLYGON ? gi : GEOSGetGeometryN_r(h, gi, j);
			if (GEOSisEmpty_r(h, pj))
				continue;
			GEOSGeometry *copy = GEOSGeom_clone_r(h, pj);
			if (!copy) {
				r = pr_error_geos(
				    ctx, PR_ENOMEM,
				    "parcels: row %llu: GEOS could not copy a polygon",
				    (unsigned long long)row);
				goto done;
			}
			parts[np++] = copy;
		}
	}
	if (np > 0) {
		multi = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, (unsigned)np);
		if (!multi) {
			r = pr_error_geos(ctx, PR_ENOMEM,
					  "parcels: row %llu: GEOS could not make a MultiPolygon",
					  (unsigned long long)row);
			goto done;
		}
		np = 0; /* taken over by multi */
	}
	*ret_multi = multi;
done:
	for (size_t i = 0; i < np; i++)
		GEOSGeom_destroy_r(h, parts[i]);
	free(parts);
	return r;
}

/* Copies the rings of a MultiPolygon into g's flat arrays, for the covers test. */
static int flatten_rings(pr_context *ctx, uint64_t row, const GEOSGeometry *multi, parcel_geom *g)
{
	GEOSContextHandle_t h = ctx->geos;
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
				if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &size))
					return pr_error_geos(
					    ctx, PR_ENOMEM,
					    "parcels: row %llu: GEOS could not read a ring",
					    (unsigned long long)row);
				if (size < 4)
					continue;
				if (pass == 0) {
					rings++;
					coords += size;
					continue;
				}
				if (!GEOSCoordSeq_copyToBuffer_r(h, seq, g->xy + 2 * g->n_xy, 0, 0))
					return pr_error_geos(
					    ctx, PR_ENOMEM,
					    "parcels: row %llu: GEOS could not copy a ring",
					    (unsigned long long)row);
				g->ring_sizes[g->n_rings++] = size;
				g->n_xy += size;
			}
		}
		if (pass == 0) {
			g->xy = malloc((coords ? coords : 1) * 2 * sizeof *g->xy);
			g->ring_sizes = malloc((rings ? rings : 1) * sizeof *g->ring_sizes);
			if (!g->xy || !g->ring_sizes)
				return pr_error(ctx, PR_ENOMEM, "parcels: row %llu: out of memory",
						(unsigned long long)row);
		}
	}
	return 0;
}

/* Where a parcel can lie: the working CRS's area of use in its own coordinates, widened by a
 * margin. A parcel outside is not where the CRS says it is (coordinates of 1e300, axes swapped,
 * another CRS's numbers) and would capture points it has nothing to do with. */
typedef struct area_of_use {
	bool known; /* false: the CRS has none, and only finiteness is checked */
	double box[4];
	char outside[96]; /* "outside the area of use of EPSG:31370" */
} area_of_use;

/* The area of use (PROJ gives it in degrees, longitude first) transformed into srs, densified
 * along its edges; an area across the antimeridian as its two halves. The margin, a tenth of
 * the box each side, keeps parcels that lie just past the published bounds. */
static void find_area_of_use(OGRSpatialReferenceH srs, area_of_use *aou)
{
	double west, south, east, north;
	OGRSpatialReferenceH degrees = NULL;
	OGRCoordinateTransformationH ct = NULL;
	memset(aou, 0, sizeof *aou);
	if (!OSRGetAreaOfUse(srs, &west, &south, &east, &north, NULL))
		goto done;
	degrees = OSRNewSpatialReference(NULL);
	if (!degrees || OSRImportFromEPSG(degrees, 4326) != OGRERR_NONE)
		goto done;
	OSRSetAxisMappingStrategy(degrees, OAMS_TRADITIONAL_GIS_ORDER);
	ct = OCTNewCoordinateTransformation(degrees, srs);
	if (!ct)
		goto done;
	double halves[2][4] = {{west, south, east, north}, {-180, south, east, north}};
	int n = 1;
	if (west > east) {
		halves[0][2] = 180;
		n = 2;
	}
	for (int k = 0; k < n; k++) {
		double b[4];
		if (!OCTTransformBounds(ct, halves[k][0], halves[k][1], halves[k][2], halves[k][3],
					&b[0], &b[1], &b[2], &b[3], 21) ||
		    !isfinite(b[0]) || !isfinite(b[1]) || !isfinite(b[2]) || !isfinite(b[3])) {
			aou->known = false;
			goto done;
		}
		for (int j = 0; j < 2; j++) {
			aou->box[j] = k ? fmin(aou->box[j], b[j]) : b[j];
			aou->box[j + 2] = k ? fmax(aou->box[j + 2], b[j + 2]) : b[j + 2];
		}
		aou->known = true;
	}
	double mx = (aou->box[2] - aou->box[0]) / 10, my = (aou->box[3] - aou->box[1]) / 10;
	aou->box[0] -= mx;
	aou->box[1] -= my;
	aou->box[2] += mx;
	aou->box[3] += my;
	char label[64];
	pr_srs_label(srs, label, sizeof label);
	snprintf(aou->outside, sizeof aou->outside, "outside the area of use of %s", label);
done:
	/* A transformation that failed leaves its message: not a reading error. */
	CPLErrorReset();
	if (ct)
		OCTDestroyCoordinateTransformation(ct);
	if (degrees)
		OSRRelease(degrees);
}

/* Turns a parcel's WKB into everything the join and the output need, with the worker's GEOS
 * handle. When the geometry is unusable g->failure says why (the parcel is then rejected as
 * an invalid geometry) and 0 is returned: a negative status (detail on ctx) means memory or
 * GEOS failed, which fails the run. */
static int process_parcel(pr_context *ctx, GEOSWKBWriter *writer, const area_of_use *aou,
			  uint64_t row, parcel_geom *g)
{
	GEOSContextHandle_t h = ctx->geos;
	GEOSGeometry *geom = NULL, *valid = NULL, *multi = NULL, *label = NULL;
	const char *why = NULL;
	unsigned char *wkb = NULL;
	int r = 0;

	/* An earlier parcel's rejected geometry leaves its GEOS message: not this one's. */
	ctx->geos_msg[0] = '\0';
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
	r = polygonal_part(ctx, row, valid ? valid : geom, &multi);
	if (r < 0)
		goto done;
	if (!multi) {
		why = "no area after repair";
		goto done;
	}
	GEOSArea_r(h, multi, &g->area);
	GEOSGeom_getXMin_r(h, multi, &g->bbox[0]);
	GEOSGeom_getYMin_r(h, multi, &g->bbox[1]);
	GEOSGeom_getXMax_r(h, multi, &g->bbox[2]);
	GEOSGeom_getYMax_r(h, multi, &g->bbox[3]);
	/* An area of Inf would outweigh every other parcel in the join and the model. */
	if (!isfinite(g->area) || !isfinite(g->bbox[0]) || !isfinite(g->bbox[1]) ||
	    !isfinite(g->bbox[2]) || !isfinite(g->bbox[3])) {
		why = "area not finite";
		goto done;
	}
	if (aou->known && (g->bbox[0] < aou->box[0] || g->bbox[1] < aou->box[1] ||
			   g->bbox[2] > aou->box[2] || g->bbox[3] > aou->box[3])) {
		why = aou->outside;
		goto done;
	}
	label = GEOSPointOnSurface_r(h, multi);
	if (!label || !GEOSGeomGetX_r(h, label, &g->label[0]) ||
	    !GEOSGeomGetY_r(h, label, &g->label[1])) {
		g->label[0] = (g->bbox[0] + g->bbox[2]) / 2;
		g->label[1] = (g->bbox[1] + g->bbox[3]) / 2;
	}
	size_t size = 0;
	wkb = GEOSWKBWriter_write_r(h, writer, multi, &size);
	if (!wkb) {
		r = pr_error_geos(ctx, PR_ENOMEM, "parcels: row %llu: GEOS could not write WKB",
				  (unsigned long long)row);
		goto done;
	}
	g->wkb = malloc(size);
	if (!g->wkb) {
		r = pr_error(ctx, PR_ENOMEM, "parcels: row %llu: out of memory",
			     (unsigned long long)row);
		goto done;
	}
	memcpy(g->wkb, wkb, size);
	g->wkb_size = size;
	r = flatten_rings(ctx, row, multi, g);
done:
	if (why) {
		g->failure = strdup(why);
		if (!g->failure)
			r = pr_error(ctx, PR_ENOMEM, "parcels: row %llu: out of memory",
				     (unsigned long long)row);
	}
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
	return r;
}

/* The parcels' geometries, cut into one contiguous chunk per task. */
typedef struct geom_chunks {
	const area_of_use *aou;
	parcel_geom *geoms;
	const uint64_t *rows; /* each parcel's row, for messages */
	size_t n;
	int n_chunks;
} geom_chunks;

static int process_chunk(pr_context *ctx, int chunk, void *user)
{
	const geom_chunks *gc = user;
	size_t start = gc->n * (size_t)chunk / (size_t)gc->n_chunks;
	size_t end = gc->n * (size_t)(chunk + 1) / (size_t)gc->n_chunks;
	GEOSWKBWriter *writer = GEOSWKBWriter_create_r(ctx->geos);
	int r = 0;
	if (!writer)
		return pr_error_geos(ctx, PR_ENOMEM, "parcels: GEOS could not create a WKB writer");
	GEOSWKBWriter_setOutputDimension_r(ctx->geos, writer, 2);
	GEOSWKBWriter_setByteOrder_r(ctx->geos, writer, GEOS_WKB_NDR);
	for (size_t i = start; i < end && r == 0; i++)
		r = process_parcel(ctx, writer, gc->aou, gc->rows[i], &gc->geoms[i]);
	GEOSWKBWriter_destroy_r(ctx->geos, writer);
	return r;
}

/* Processes every parcel's geometry, split over the context's threads. The result does not
 * depend on the number of threads: each parcel is handled on its own. */
static int process_parcels(pr_context *ctx, const area_of_use *aou, parcel_geom *geoms,
			   const uint64_t *rows, size_t n)
{
	geom_chunks gc = {aou, geoms, rows, n, n < 5000 ? 1 : pr_thread_count(ctx)};
	return pr_parallel(ctx, gc.n_chunks, PR_PARALLEL_POOL, process_chunk, &gc);
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

/* How often finish_parcels gives freed pages back: every 512k parcels. */
#define TRIM_EVERY_MASK ((1u << 19) - 1)

/* Rejects the unusable geometries (in row order), sorts the parcels by id, rejects every
 * duplicate after the first read, and lays out the arrays of pr_parcels. */
static int finish_parcels(pr_context *ctx, pr_parcels *p, parcel_geom *geoms, pr_rejects *rejects)
{
	parcel_order *order = NULL;
	pr_parcels sorted = {0};
	int r = 0;
	size_t n = p->rec.n, n_ok = 0, n_xy = 0, n_rings = 0, wkb_end = 0;
	const pr_source_def *def = &pr_source_defs[PR_SRC_PARCELS];

	/* The geometry as read is freed: its pages go back before the sorted copy is made. */
	malloc_trim(0);
	order = malloc((n ? n : 1) * sizeof *order);
	if (!order)
		return PR_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (geoms[i].failure) {
			char id[101];
			r = pr_rejects_add(
			    rejects, PR_SRC_PARCELS, p->rec.row[i], PR_REJECT_INVALID_GEOMETRY,
			    "id '%s': %s",
			    pr_text_for_message(pr_column_text(&p->rec.cols[PR_PARCEL_ID], i), id,
						sizeof id),
			    geoms[i].failure);
			if (r < 0)
				goto done;
			continue;
		}
		p->repaired += geoms[i].repaired; /* repaired and kept */
		order[n_ok++] =
		    (parcel_order){pr_column_text(&p->rec.cols[PR_PARCEL_ID], i), p->rec.row[i], i};
	}
	/* Cadastres are often exported in id order: then a pass that checks it is the sort. */
	size_t sorted_to = 1;
	while (sorted_to < n_ok &&
	       compare_parcel_order(&order[sorted_to - 1], &order[sorted_to]) <= 0)
		sorted_to++;
	if (sorted_to < n_ok)
		qsort(order, n_ok, sizeof *order, compare_parcel_order);

	sorted.rec.source = PR_SRC_PARCELS;
	for (int f = 0; f < def->n_fields; f++) {
		sorted.rec.cols[f].type = p->rec.cols[f].type;
		sorted.rec.cols[f].present = p->rec.cols[f].present;
	}
	r = pr_records_reserve(&sorted.rec, n_ok ? n_ok : 1);
	if (r < 0)
		goto done;
	size_t wkb_bytes = 0;
	for (size_t k = 0; k < n_ok; k++) {
		n_xy += geoms[order[k].index].n_xy;
		n_rings += geoms[order[k].index].n_rings;
		wkb_bytes += geoms[order[k].index].wkb_size;
	}
	size_t cap = n_ok ? n_ok : 1;
	sorted.wkb = malloc(wkb_bytes ? wkb_bytes : 1);
	sorted.wkb_at = malloc((n_ok + 1) * sizeof *sorted.wkb_at);
	sorted.area = malloc(cap * sizeof *sorted.area);
	sorted.bbox = malloc(cap * 4 * sizeof *sorted.bbox);
	sorted.label_xy = malloc(cap * 2 * sizeof *sorted.label_xy);
	sorted.ring_first = malloc((n_ok + 1) * sizeof *sorted.ring_first);
	sorted.ring_start = malloc((n_rings + 1) * sizeof *sorted.ring_start);
	sorted.xy = malloc((n_xy ? n_xy : 1) * 2 * sizeof *sorted.xy);
	if (!sorted.wkb || !sorted.wkb_at || !sorted.area || !sorted.bbox || !sorted.label_xy ||
	    !sorted.ring_first || !sorted.ring_start || !sorted.xy) {
		r = PR_ENOMEM;
		goto done;
	}

	bool empty = true;
	for (size_t k = 0; k < n_ok; k++) {
		size_t i = order[k].index;
		parcel_geom *g = &geoms[i];
		if (k > 0 && strcmp(order[k].id, order[k - 1].id) == 0) {
			char id[201];
			r = pr_rejects_add(rejects, PR_SRC_PARCELS, order[k].row,
					   PR_REJECT_DUPLICATE_ID,
					   "id '%s' (first seen on row %llu)",
					   pr_text_for_message(order[k].id, id, sizeof id),
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
				to->text_ref[j] = from->text_ref[i];
			} else if (from->type == PR_FT_DATE) {
				to->date[j] = from->date[i];
			} else {
				to->num[j] = from->num[i];
			}
		}
		sorted.area[j] = g->area;
		memcpy(sorted.bbox + 4 * j, g->bbox, sizeof g->bbox);
		memcpy(sorted.label_xy + 2 * j, g->label, sizeof g->label);
		memcpy(sorted.wkb + wkb_end, g->wkb, g->wkb_size);
		sorted.wkb_at[j] = wkb_end;
		wkb_end += g->wkb_size;
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
		/* Each parcel is in the sorted arrays now: its own copy goes, and the pages that
		 * frees go back to the system every 512k parcels, so that the two copies are never
		 * both whole (at most 512k parcels' worth is freed and not yet given back). A trim
		 * costs about what was freed since the last one: 0.05-0.2 s per 128k parcels
		 * measured on the 1M city, linear in all. */
		parcel_geom_clear(g);
		if ((k & TRIM_EVERY_MASK) == TRIM_EVERY_MASK)
			malloc_trim(0);
	}
	malloc_trim(0);
	sorted.ring_first[sorted.rec.n] = sorted.n_rings;
	sorted.wkb_at[sorted.rec.n] = wkb_end;
	/* The text the references point into goes with them; its hash tables are done. */
	for (int f = 0; f < def->n_fields; f++) {
		sorted.rec.cols[f].pool = p->rec.cols[f].pool;
		memset(&p->rec.cols[f].pool, 0, sizeof p->rec.cols[f].pool);
		pr_text_pool_freeze(&sorted.rec.cols[f].pool);
	}
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

int pr_parcel_reader_add(parcel_reader *pr, int64_t fid, const raw_value *values, OGRGeometryH g,
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
	if (!pr_records_store_fields(&out->rec, i, pr->o, values, row, pr->rejects, &r))
		return r;
	const char *id = pr_column_text(&out->rec.cols[PR_PARCEL_ID], i);
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
	char shown[101];
	r = pr_rejects_add(pr->rejects, PR_SRC_PARCELS, row, reason, "id '%s': %s",
			   pr_text_for_message(id, shown, sizeof shown), why);
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
		pr_raw_values_from_feature(pr->o, feat, values);
		r = pr_parcel_reader_add(pr, OGR_F_GetFID(feat), values, OGR_F_GetGeometryRef(feat),
					 NULL, 0);
		OGR_F_Destroy(feat);
		if ((pr->row & 0x3fff) == 0)
			pr_progress(pr->ctx, "parcels", pr->row, total);
	}
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
	r = pr_source_open(ctx, sources, PR_SRC_PARCELS, work_srs, NULL, &o);
	if (r < 0)
		return r;
	pr_srs_label(o.srs, out->rec.crs_label, sizeof out->rec.crs_label);
	area_of_use aou;
	find_area_of_use(work_srs ? work_srs : o.srs, &aou);
	{
		OGRSpatialReferenceH target = work_srs ? work_srs : o.srs;
		char *wkt = NULL;
		OSRExportToWkt(target, &wkt);
		out->srs_wkt = wkt ? strdup(wkt) : NULL;
		CPLFree(wkt);
	}
	pr = (parcel_reader){
	    .ctx = ctx, .sources = sources, .o = &o, .out = out, .rejects = rejects};

	/* Reading is sequential (GDAL); the geometry work that follows is spread over threads.
	 * GeoPackage layers are read through GDAL's Arrow stream: about three times faster than
	 * feature by feature (GDAL 3.6), and the geometry comes as WKB, ready for GEOS. */
	GIntBig count = OGR_L_GetFeatureCount(o.layer, FALSE);
	uint64_t total = count > 0 ? (uint64_t)count : 0;
	if (pr_records_reserve_counted(&out->rec, count))
		(void)pr_grow((void **)&pr.geoms, &pr.geoms_cap, (size_t)total, sizeof *pr.geoms);
	CPLErrorReset();
	OGR_L_ResetReading(o.layer);
	const char *driver = GDALGetDriverShortName(GDALGetDatasetDriver(o.ds));
	r = driver && strcmp(driver, "GPKG") == 0 ? pr_read_parcels_arrow(&pr, total) : 1;
	if (r == 1) {
		OGR_L_ResetReading(o.layer);
		r = read_parcel_features(&pr, total);
	}
	if (r == 0 && CPLGetLastErrorType() >= CE_Failure)
		r = pr_source_read_failed(ctx, sources, PR_SRC_PARCELS, &o, pr.row);
	if (r < 0)
		goto done;
	pr_progress(ctx, "parcels", pr.row, pr.row);
	r = process_parcels(ctx, &aou, pr.geoms, out->rec.row, out->rec.n);
	if (r == 0)
		r = finish_parcels(ctx, out, pr.geoms, rejects);
done:
	for (size_t i = 0; i < pr.geoms_used; i++)
		parcel_geom_clear(&pr.geoms[i]);
	free(pr.geoms);
	pr_source_close(&o);
	return r;
}
