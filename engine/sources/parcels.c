/* SPDX-License-Identifier: MIT */
/* Reading the parcels: rows feature by feature (or through the Arrow stream, arrow.c), a batch
 * at a time through worker threads where GEOS repairs and measures each geometry, the results
 * appended to the parcels' arrays; then the parcels sorted by id with duplicates and unusable
 * geometries rejected: among them an area that is not finite and a parcel outside the working
 * CRS's area of use. The result does not depend on the number of threads. */
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
 * workers make of it (repaired polygons, area, box, a point on the surface). */
struct parcel_geom {
	unsigned char *wkb_in;
	size_t wkb_in_size;
	unsigned char *wkb; /* repaired MultiPolygon, ISO WKB */
	size_t wkb_size;
	double area, bbox[4], label[2];
	bool repaired;
	char *failure; /* why the geometry is unusable, or NULL */
};

static void parcel_geom_clear(parcel_geom *g)
{
	free(g->wkb_in);
	free(g->wkb);
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

/* Where a parcel can lie: the working CRS's area of use in its own coordinates, widened by a
 * margin. A parcel outside is not where the CRS says it is (coordinates of 1e300, axes swapped,
 * another CRS's numbers) and would capture points it has nothing to do with. */
struct area_of_use {
	bool known; /* false: the CRS has none, and only finiteness is checked */
	double box[4];
	char outside[96]; /* "outside the area of use of EPSG:31370" */
};

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

/* ---- the parcels' arrays, in read order, then by id ------------------------------------- */

/* Parcels go through the workers a batch at a time, and what they make of each is appended to
 * the parcels' arrays: beside those arrays, one batch's geometries are held, not every
 * parcel's. (Every parcel's, each in allocations of its own, put the read's peak on the 1M
 * city at 887 MB; by batches it is 678 MB.) */
#define PARCEL_BATCH 32768

struct parcel_failure {
	size_t index; /* the parcel's place in read order */
	char *why;
};

/* Resizes the per-parcel arrays to room for cap parcels (at least 1); on failure each keeps
 * what it had. */
static int resize_per_parcel(pr_parcels *p, size_t cap)
{
	cap = cap ? cap : 1;
	struct {
		void **at;
		size_t size;
	} arrays[] = {
	    {(void **)&p->area, cap * sizeof *p->area},
	    {(void **)&p->bbox, cap * 4 * sizeof *p->bbox},
	    {(void **)&p->label_xy, cap * 2 * sizeof *p->label_xy},
	    {(void **)&p->wkb_at, (cap + 1) * sizeof *p->wkb_at},
	};
	for (size_t k = 0; k < sizeof arrays / sizeof *arrays; k++) {
		void *to = realloc(*arrays[k].at, arrays[k].size);
		if (!to)
			return PR_ENOMEM;
		*arrays[k].at = to;
	}
	return 0;
}

/* Room in out's arrays for n parcels, with wkb bytes of WKB in all. The arrays grow by
 * doubling. */
static int reserve_geometry(parcel_reader *pr, size_t n, size_t wkb)
{
	pr_parcels *p = pr->out;
	if (n > pr->cap) {
		size_t cap = pr->cap ? pr->cap : 1024;
		while (cap < n)
			cap *= 2;
		if (resize_per_parcel(p, cap) < 0)
			return PR_ENOMEM;
		if (pr->cap == 0)
			p->wkb_at[0] = 0;
		pr->cap = cap;
	}
	return pr_grow((void **)&p->wkb, &pr->wkb_cap, wkb ? wkb : 1, 1);
}

/* Appends what the workers made of parcel i (the next one in read order) to out's arrays: an
 * unusable geometry as an empty one, its reason kept for finish_parcels. */
static int append_parcel(parcel_reader *pr, size_t i, parcel_geom *g)
{
	pr_parcels *p = pr->out;
	if (g->failure) {
		if (pr_grow((void **)&pr->failed, &pr->failed_cap, pr->n_failed + 1,
			    sizeof *pr->failed) < 0)
			return PR_ENOMEM;
		pr->failed[pr->n_failed++] = (parcel_failure){i, g->failure};
		g->failure = NULL;
		g->wkb_size = 0;
	} else {
		p->repaired += g->repaired;
	}
	if (reserve_geometry(pr, i + 1, p->wkb_at[i] + g->wkb_size) < 0)
		return PR_ENOMEM;
	p->area[i] = g->area;
	memcpy(p->bbox + 4 * i, g->bbox, sizeof g->bbox);
	memcpy(p->label_xy + 2 * i, g->label, sizeof g->label);
	if (g->wkb_size)
		memcpy(p->wkb + p->wkb_at[i], g->wkb, g->wkb_size);
	p->wkb_at[i + 1] = p->wkb_at[i] + g->wkb_size;
	return 0;
}

/* Sends the batch read since the last one through the workers and appends the results. */
static int flush_batch(parcel_reader *pr)
{
	size_t first = pr->batch_first, n = pr->out->rec.n - first;
	int r = n ? process_parcels(pr->ctx, pr->aou, pr->geoms, pr->out->rec.row + first, n) : 0;
	for (size_t b = 0; b < n && r == 0; b++)
		if (append_parcel(pr, first + b, &pr->geoms[b]) < 0)
			r = pr_error(pr->ctx, PR_ENOMEM,
				     "parcels: out of memory keeping %zu parcels' geometry",
				     first + b + 1);
	for (size_t b = 0; b < n; b++)
		parcel_geom_clear(&pr->geoms[b]);
	pr->batch_first = pr->out->rec.n;
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

/* Keeps the parcels keep names (n of them, in that order) in the geometry arrays, each array
 * copied once and its old copy freed before the next is made. */
static int select_geometry(pr_parcels *p, const uint32_t *keep, size_t n)
{
	if (pr_gather((void **)&p->area, keep, n, sizeof *p->area) < 0 ||
	    pr_gather((void **)&p->bbox, keep, n, 4 * sizeof *p->bbox) < 0 ||
	    pr_gather((void **)&p->label_xy, keep, n, 2 * sizeof *p->label_xy) < 0)
		return PR_ENOMEM;

	size_t bytes = 0;
	for (size_t k = 0; k < n; k++)
		bytes += p->wkb_at[keep[k] + 1] - p->wkb_at[keep[k]];
	unsigned char *wkb = malloc(bytes ? bytes : 1);
	size_t *wkb_at = malloc((n + 1) * sizeof *wkb_at);
	if (!wkb || !wkb_at) {
		free(wkb);
		free(wkb_at);
		return PR_ENOMEM;
	}
	wkb_at[0] = 0;
	for (size_t k = 0; k < n; k++) {
		size_t from = p->wkb_at[keep[k]], size = p->wkb_at[keep[k] + 1] - from;
		memcpy(wkb + wkb_at[k], p->wkb + from, size);
		wkb_at[k + 1] = wkb_at[k] + size;
	}
	free(p->wkb);
	free(p->wkb_at);
	p->wkb = wkb;
	p->wkb_at = wkb_at;
	return 0;
}

/* Gives back the geometry arrays' room beyond n parcels (they grow by doubling). Shrinking
 * cannot fail for want of memory in practice; if it does, the room stays. */
static void shrink_geometry(pr_parcels *p, size_t n)
{
	(void)resize_per_parcel(p, n);
	void *to = realloc(p->wkb, p->wkb_at[n] ? p->wkb_at[n] : 1);
	p->wkb = to ? to : p->wkb;
}

/* Rejects the unusable geometries (in row order), sorts the parcels by id and rejects every
 * duplicate after the first read. The arrays, in read order until now, then hold the parcels
 * kept, by id: as they are when the source was in id order with nothing rejected (cadastres
 * are often exported that way), else copied once in that order, an array at a time. */
static int finish_parcels(pr_context *ctx, parcel_reader *pr)
{
	pr_parcels *p = pr->out;
	parcel_order *order = NULL;
	uint32_t *keep = NULL;
	int r = 0;
	size_t n = p->rec.n, n_ok = 0, n_keep = 0, f = 0;
	const pr_source_def *def = &pr_source_defs[PR_SRC_PARCELS];

	if (n > INT32_MAX)
		return pr_error(ctx, PR_EDATA,
				"parcels: %zu parcels, more than the %d one run takes", n,
				INT32_MAX);
	order = malloc((n ? n : 1) * sizeof *order);
	keep = malloc((n ? n : 1) * sizeof *keep);
	if (!order || !keep) {
		r = pr_error(ctx, PR_ENOMEM, "parcels: out of memory sorting %zu parcels", n);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		if (f < pr->n_failed && pr->failed[f].index == i) {
			char id[101];
			r = pr_rejects_add(
			    pr->rejects, PR_SRC_PARCELS, p->rec.row[i], PR_REJECT_INVALID_GEOMETRY,
			    "id '%s': %s",
			    pr_text_for_message(pr_column_text(&p->rec.cols[PR_PARCEL_ID], i), id,
						sizeof id),
			    pr->failed[f].why);
			f++;
			if (r < 0)
				goto done;
			continue;
		}
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
	for (size_t k = 0; k < n_ok; k++) {
		if (k > 0 && strcmp(order[k].id, order[k - 1].id) == 0) {
			char id[201];
			r = pr_rejects_add(pr->rejects, PR_SRC_PARCELS, order[k].row,
					   PR_REJECT_DUPLICATE_ID,
					   "id '%s' (first seen on row %llu)",
					   pr_text_for_message(order[k].id, id, sizeof id),
					   (unsigned long long)order[k - 1].row);
			if (r < 0)
				goto done;
			continue;
		}
		keep[n_keep++] = (uint32_t)order[k].index;
	}
	free(order);
	order = NULL;

	bool in_place = n_keep == n;
	for (size_t k = 0; k < n_keep && in_place; k++)
		in_place = keep[k] == k;
	if (in_place) {
		pr_records_shrink(&p->rec);
		shrink_geometry(p, n);
	} else {
		r = pr_records_select(ctx, &p->rec, keep, n_keep);
		if (r == 0 && select_geometry(p, keep, n_keep) < 0)
			r = pr_error(ctx, PR_ENOMEM, "parcels: out of memory sorting %zu parcels",
				     n);
		if (r < 0)
			goto done;
	}
	bool empty = true;
	for (size_t j = 0; j < n_keep; j++) {
		p->rec.parcel[j] = (int32_t)j;
		p->rec.snapped[j] = 0;
		extent_add(p->rec.extent, &empty, p->bbox[4 * j], p->bbox[4 * j + 1]);
		extent_add(p->rec.extent, &empty, p->bbox[4 * j + 2], p->bbox[4 * j + 3]);
	}
	/* The ids' hash tables are done with. */
	for (int c = 0; c < def->n_fields; c++)
		pr_text_pool_freeze(&p->rec.cols[c].pool);
	malloc_trim(0);
done:
	free(order);
	free(keep);
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
	if (r < 0)
		return r;
	size_t i = out->rec.n;
	out->rec.row[i] = row;
	if (!pr_records_store_fields(&out->rec, i, pr->o, values, row, pr->rejects, &r))
		return r;
	const char *id = pr_column_text(&out->rec.cols[PR_PARCEL_ID], i);
	const char *why = NULL, *reason = PR_REJECT_INVALID_GEOMETRY;
	parcel_geom *pg = &pr->geoms[i - pr->batch_first];
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
		return out->rec.n - pr->batch_first == PARCEL_BATCH ? flush_batch(pr) : 0;
	}
	parcel_geom_clear(pg);
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
	    .ctx = ctx, .sources = sources, .o = &o, .aou = &aou, .out = out, .rejects = rejects};
	pr.geoms = calloc(PARCEL_BATCH, sizeof *pr.geoms);
	if (!pr.geoms || reserve_geometry(&pr, 1, 1) < 0) {
		r = pr_error(ctx, PR_ENOMEM, "parcels: out of memory");
		goto done;
	}

	/* Reading is sequential (GDAL); the geometry work that follows is spread over threads.
	 * GeoPackage layers are read through GDAL's Arrow stream: about three times faster than
	 * feature by feature (GDAL 3.6), and the geometry comes as WKB, ready for GEOS. */
	GIntBig count = OGR_L_GetFeatureCount(o.layer, FALSE);
	uint64_t total = count > 0 ? (uint64_t)count : 0;
	if (pr_records_reserve_counted(&out->rec, count))
		(void)reserve_geometry(&pr, (size_t)total, 1);
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
	r = flush_batch(&pr);
	pr_progress(ctx, "parcels", pr.row, pr.row);
	if (r == 0)
		r = finish_parcels(ctx, &pr);
done:
	for (size_t i = 0; pr.geoms && i < PARCEL_BATCH; i++)
		parcel_geom_clear(&pr.geoms[i]);
	free(pr.geoms);
	for (size_t i = 0; i < pr.n_failed; i++)
		free(pr.failed[i].why);
	free(pr.failed);
	pr_source_close(&o);
	return r;
}
