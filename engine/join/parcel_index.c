/* SPDX-License-Identifier: MIT */
/* Point-to-parcel assignment. A packed R-tree over the parcels' boxes (core/packed_rtree.c)
 * finds candidates; a covers test on the rings of the parcels' WKB decides, with the
 * boundary counted as covered (GEOS's robust orientation settles points within rounding
 * distance of an edge). Points are sorted along a Morton curve first, which makes the tree walk
 * cache-friendly, and split over threads (pr_parallel) that each use their worker context's
 * GEOS handle. The tree was GEOS's STRtree until it cost a national run 8 s to build (a GEOS
 * rectangle per parcel, inserted one by one) and a point geometry per record to query. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/packed_rtree.h"
#include "join/join.h"
#include "sources/records.h"

/* Entries per node of the in-memory tree: small nodes test fewer boxes per point. */
#define INDEX_FANOUT 16

struct pr_parcel_index {
	pr_rtree tree; /* leaf ids: parcel indexes */
	const pr_parcels *parcels;
};

void pr_parcel_index_free(pr_parcel_index *index)
{
	if (!index)
		return;
	pr_rtree_free(&index->tree);
	free(index);
}

int pr_parcel_index_build(pr_context *ctx, const pr_parcels *parcels, pr_parcel_index **ret_index)
{
	size_t n = parcels->rec.n;
	pr_parcel_index *index = calloc(1, sizeof *index);
	pr_rtree_entry *leaves = malloc((n ? n : 1) * sizeof *leaves);
	if (!index || !leaves) {
		free(index);
		free(leaves);
		return pr_error(ctx, PR_ENOMEM, "parcel index: out of memory for %zu parcels", n);
	}
	index->parcels = parcels;
	for (size_t i = 0; i < n; i++) {
		const double *bb = parcels->bbox + 4 * i;
		leaves[i] = pr_rtree_leaf((int64_t)i, bb[0], bb[1], bb[2], bb[3]);
	}
	int r = pr_rtree_build(&index->tree, leaves, n, INDEX_FANOUT);
	if (r < 0) {
		pr_parcel_index_free(index);
		return pr_error(ctx, r, "parcel index: %s",
				r == PR_ENOMEM ? "out of memory" : "too many parcels");
	}
	*ret_index = index;
	return 0;
}

/* ---- the covers test --------------------------------------------------------------------- */

/* Sign of the orientation of p relative to segment a→b: +1 left, -1 right, 0 on the line. The
 * fast determinant is exact enough when it is far from zero; near zero GEOS decides with its
 * robust arithmetic, so a point on a shared edge is on it for both parcels. */
static int orientation(GEOSContextHandle_t h, double ax, double ay, double bx, double by, double px,
		       double py)
{
	double l = (bx - ax) * (py - ay);
	double r = (by - ay) * (px - ax);
	double det = l - r;
	double bound = 1e-12 * (fabs(l) + fabs(r));
	if (det > bound)
		return 1;
	if (det < -bound)
		return -1;
	/* -1, 0, 1, or 2 when GEOS failed: the caller treats 2 as an error. */
	return GEOSOrientationIndex_r(h, ax, ay, bx, by, px, py);
}

/* ---- a parcel's rings, read from its WKB ------------------------------------------------ */

/* The join reads each parcel's rings where its WKB holds them (parcels.c writes every parcel as
 * a little-endian 2-D ISO MultiPolygon), not from a copy of the coordinates: the copy was about
 * 100 B per parcel through the read and the joins, the largest part of the read's peak at 10M
 * parcels. */
typedef struct wkb_rings {
	const unsigned char *at, *end;
	uint32_t polygons; /* polygons after the current one */
	uint32_t rings;	   /* rings of the current polygon after the current one */
	bool bad;	   /* the WKB is not what parcels.c writes */
} wkb_rings;

static uint32_t le_u32(const unsigned char *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* Vertex k of a ring's coordinates (little-endian doubles, not aligned). */
static void vertex(const unsigned char *xy, size_t k, double *x, double *y)
{
	uint64_t u[2];
	memcpy(u, xy + 16 * k, sizeof u);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	u[0] = __builtin_bswap64(u[0]);
	u[1] = __builtin_bswap64(u[1]);
#endif
	memcpy(x, &u[0], sizeof *x);
	memcpy(y, &u[1], sizeof *y);
}

static void rings_init(wkb_rings *it, const pr_parcels *p, size_t i)
{
	size_t size;
	const unsigned char *wkb = pr_parcel_wkb(p, i, &size);
	*it = (wkb_rings){.at = wkb, .end = wkb + size};
	it->bad = size < 9 || wkb[0] != 1 || le_u32(wkb + 1) != 6;
	if (!it->bad) {
		it->polygons = le_u32(wkb + 5);
		it->at = wkb + 9;
	}
}

/* The next ring: its n vertices at *xy. False after the last (or on a WKB not as expected:
 * it->bad). */
static bool ring_next(wkb_rings *it, const unsigned char **xy, size_t *n)
{
	while (!it->bad && it->rings == 0) {
		if (it->polygons == 0)
			return false;
		if (it->end - it->at < 9 || it->at[0] != 1 || le_u32(it->at + 1) != 3) {
			it->bad = true;
			return false;
		}
		it->rings = le_u32(it->at + 5);
		it->polygons--;
		it->at += 9;
	}
	if (it->bad || it->end - it->at < 4)
		return it->bad = true, false;
	*n = le_u32(it->at);
	if ((size_t)(it->end - it->at - 4) / 16 < *n)
		return it->bad = true, false;
	*xy = it->at + 4;
	it->at += 4 + 16 * *n;
	it->rings--;
	return true;
}

/* The segments of a parcel's rings, one after the other. */
typedef struct segments {
	wkb_rings rings;
	const unsigned char *xy; /* the current ring's vertices */
	size_t n, k;		 /* how many; the segment's first */
	double x, y;		 /* vertex k + 1, the end of the last segment given */
} segments;

static void segments_init(segments *sg, const pr_parcels *p, size_t i)
{
	rings_init(&sg->rings, p, i);
	sg->n = sg->k = 0;
}

/* The next segment a→b; false after the last (or on a WKB not as expected: rings.bad). */
static bool segment_next(segments *sg, double *ax, double *ay, double *bx, double *by)
{
	if (sg->n && sg->k + 2 < sg->n) {
		sg->k++;
	} else {
		do {
			if (!ring_next(&sg->rings, &sg->xy, &sg->n))
				return false;
		} while (sg->n < 2);
		sg->k = 0;
		vertex(sg->xy, 0, &sg->x, &sg->y);
	}
	*ax = sg->x;
	*ay = sg->y;
	vertex(sg->xy, sg->k + 1, &sg->x, &sg->y);
	*bx = sg->x;
	*by = sg->y;
	return true;
}

/* 1: p is covered by parcel i (inside or on its boundary); 0: not; -1: GEOS failed, or the
 * parcel's WKB is not as expected. */
static int parcel_covers(const pr_parcels *p, size_t i, GEOSContextHandle_t h, double px, double py)
{
	const double *bb = p->bbox + 4 * i;
	if (px < bb[0] || px > bb[2] || py < bb[1] || py > bb[3])
		return 0;
	unsigned crossings = 0;
	segments sg;
	double ax, ay, bx, by;
	segments_init(&sg, p, i);
	while (segment_next(&sg, &ax, &ay, &bx, &by)) {
		bool up = ay <= py && by > py;
		bool down = ay > py && by <= py;
		bool in_box = px >= fmin(ax, bx) && px <= fmax(ax, bx) && py >= fmin(ay, by) &&
			      py <= fmax(ay, by);
		if (!up && !down && !in_box)
			continue;
		int o = orientation(h, ax, ay, bx, by, px, py);
		if (o == 2)
			return -1;
		if (o == 0 && in_box)
			return 1; /* on the boundary */
		if ((up && o > 0) || (down && o < 0))
			crossings++;
	}
	return sg.rings.bad ? -1 : (int)(crossings & 1);
}

static double segment_distance2(double ax, double ay, double bx, double by, double px, double py)
{
	double dx = bx - ax, dy = by - ay;
	double len2 = dx * dx + dy * dy;
	double t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
	t = t < 0 ? 0 : t > 1 ? 1 : t;
	double qx = ax + t * dx - px, qy = ay + t * dy - py;
	return qx * qx + qy * qy;
}

/* Distance from p to the boundary of parcel i (p is known to be outside it); NAN when the
 * parcel's WKB is not as expected. */
static double parcel_distance(const pr_parcels *p, size_t i, double px, double py)
{
	double best = INFINITY;
	segments sg;
	double ax, ay, bx, by;
	segments_init(&sg, p, i);
	while (segment_next(&sg, &ax, &ay, &bx, &by)) {
		double d = segment_distance2(ax, ay, bx, by, px, py);
		if (d < best)
			best = d;
	}
	return sg.rings.bad ? NAN : sqrt(best);
}

typedef struct candidates {
	int32_t *items;
	size_t n, cap;
	bool out_of_memory;
	bool geos_failed; /* GEOS's message is on the context of the handle used; or a parcel's
			     WKB was not as parcels.c writes it */
} candidates;

static bool collect(int64_t id, void *user)
{
	candidates *c = user;
	if (pr_grow((void **)&c->items, &c->cap, c->n + 1, sizeof *c->items) < 0) {
		c->out_of_memory = true;
		return false;
	}
	c->items[c->n++] = (int32_t)id;
	return true;
}

static int32_t assign_with(const pr_parcel_index *index, GEOSContextHandle_t h, candidates *c,
			   double x, double y, double snap_m, bool *ret_snapped)
{
	const pr_parcels *p = index->parcels;
	*ret_snapped = false;
	c->n = 0;
	pr_rtree_search(&index->tree, x, y, x, y, collect, c);
	if (c->out_of_memory)
		return -1;

	/* Covering parcels: the smallest by area wins, then the lowest id (= lowest index). */
	int32_t best = -1;
	for (size_t k = 0; k < c->n; k++) {
		int32_t i = c->items[k];
		int covers = parcel_covers(p, (size_t)i, h, x, y);
		if (covers < 0)
			c->geos_failed = true;
		if (covers <= 0)
			continue;
		if (best < 0 || p->area[i] < p->area[best] ||
		    (p->area[i] == p->area[best] && i < best))
			best = i;
	}
	if (best >= 0 || snap_m <= 0)
		return best;

	/* None covers: the nearest parcel within snap_m, ties by lowest id. */
	c->n = 0;
	pr_rtree_search(&index->tree, x - snap_m, y - snap_m, x + snap_m, y + snap_m, collect, c);
	if (c->out_of_memory)
		return -1;
	double best_d = INFINITY;
	for (size_t k = 0; k < c->n; k++) {
		int32_t i = c->items[k];
		double d = parcel_distance(p, (size_t)i, x, y);
		if (isnan(d))
			c->geos_failed = true;
		if (d <= snap_m && (d < best_d || (d == best_d && i < best))) {
			best = i;
			best_d = d;
		}
	}
	*ret_snapped = best >= 0;
	return best;
}

int32_t pr_parcel_index_assign(const pr_parcel_index *index, GEOSContextHandle_t h, double x,
			       double y, double snap_m, bool *ret_snapped)
{
	candidates c = {0};
	int32_t best = assign_with(index, h, &c, x, y, snap_m, ret_snapped);
	free(c.items);
	return c.out_of_memory || c.geos_failed ? -2 : best;
}

/* ---- many points, sorted and threaded ------------------------------------------------------ */

/* 16 bits of v spread to the even bits of 32. */
static uint32_t spread_bits(uint32_t v)
{
	uint32_t x = v & 0xffff;
	x = (x | (x << 8)) & 0x00FF00FFu;
	x = (x | (x << 4)) & 0x0F0F0F0Fu;
	x = (x | (x << 2)) & 0x33333333u;
	x = (x | (x << 1)) & 0x55555555u;
	return x;
}

/* One round of records in Morton order, cut into chunks of per records, one per task. */
typedef struct join_chunks {
	const pr_parcel_index *index;
	pr_records *rec;
	const uint64_t *order; /* the records' indexes in the low 32 bits */
	size_t base, end, per;
	double snap_m;
} join_chunks;

static int join_chunk(pr_context *ctx, int chunk, void *user)
{
	const join_chunks *jc = user;
	pr_records *rec = jc->rec;
	size_t start = jc->base + (size_t)chunk * jc->per;
	size_t end = start + jc->per < jc->end ? start + jc->per : jc->end;
	candidates c = {0};
	int r = 0;
	for (size_t k = start; k < end && r == 0; k++) {
		size_t i = (uint32_t)jc->order[k];
		bool snapped = false;
		rec->parcel[i] = assign_with(jc->index, ctx->geos, &c, rec->x[i], rec->y[i],
					     jc->snap_m, &snapped);
		rec->snapped[i] = snapped;
		if (c.out_of_memory)
			r = pr_error(ctx, PR_ENOMEM, "%s: the join ran out of memory",
				     pr_source_defs[rec->source].name);
		else if (c.geos_failed)
			r = pr_error_geos(
			    ctx, PR_EINTERNAL,
			    "%s: the join failed: GEOS (or a parcel's WKB) could not place row "
			    "%llu (x %.2f y %.2f)",
			    pr_source_defs[rec->source].name, (unsigned long long)rec->row[i],
			    rec->x[i], rec->y[i]);
	}
	free(c.items);
	return r;
}

int pr_join_points(pr_context *ctx, const pr_parcel_index *index, pr_records *rec, double snap_m,
		   pr_rejects *rejects)
{
	uint64_t *order = NULL, *tmp = NULL;
	int r = 0;
	size_t n = rec->n;
	if (n == 0)
		return 0;
	if (n > UINT32_MAX)
		return pr_error(ctx, PR_EDATA, "%s: more than %u records",
				pr_source_defs[rec->source].name, UINT32_MAX);

	/* Morton order of the records not placed yet (the address register's are mostly placed
	 * by their parcel key), on cells of 16 m or, across more than 1000 km, of 1/65535 of the
	 * extent: each axis in 16 bits, the key in 32, sorted by radix. */
	order = malloc(n * sizeof *order);
	tmp = malloc(n * sizeof *tmp);
	if (!order || !tmp) {
		r = pr_error(ctx, PR_ENOMEM, "%s: out of memory to order %zu records for the join",
			     pr_source_defs[rec->source].name, n);
		goto done;
	}
	double x0 = rec->extent[0], y0 = rec->extent[1];
	double span = fmax(rec->extent[2] - x0, rec->extent[3] - y0);
	double cell = span / 65535.0 > 16.0 ? span / 65535.0 : 16.0;
	size_t n_order = 0;
	for (size_t i = 0; i < n; i++) {
		if (rec->parcel[i] >= 0)
			continue;
		double cx = (rec->x[i] - x0) / cell, cy = (rec->y[i] - y0) / cell;
		uint32_t qx = cx >= 0 && cx <= 65535 ? (uint32_t)cx : cx > 65535 ? 65535 : 0;
		uint32_t qy = cy >= 0 && cy <= 65535 ? (uint32_t)cy : cy > 65535 ? 65535 : 0;
		uint32_t key = spread_bits(qx) | spread_bits(qy) << 1;
		order[n_order++] = (uint64_t)key << 32 | (uint32_t)i;
	}
	pr_sort_by_high_u32(order, tmp, n_order);
	free(tmp);
	tmp = NULL;

	int nthreads = n_order < 20000 ? 1 : pr_thread_count(ctx);
	/* Chunks in Morton order: each thread walks a compact area. Progress is reported per
	 * round of chunks so that the caller sees it move on long joins. */
	const size_t round = 262144;
	for (size_t base = 0; base < n_order; base += round) {
		size_t end = base + round < n_order ? base + round : n_order;
		size_t per = (end - base + (size_t)nthreads - 1) / (size_t)nthreads;
		join_chunks jc = {index, rec, order, base, end, per, snap_m};
		r = pr_parallel(ctx, (int)((end - base + per - 1) / per), PR_PARALLEL_POOL,
				join_chunk, &jc);
		if (r < 0)
			goto done;
		pr_progress(ctx, pr_source_defs[rec->source].join_stage, end, n_order);
	}
	if (n_order == 0)
		pr_progress(ctx, pr_source_defs[rec->source].join_stage, n, n);

	/* Reject what is outside, in row order, and compact. */
	size_t keep = 0;
	for (size_t i = 0; i < n; i++) {
		if (rec->parcel[i] < 0) {
			char x[40], y[40];
			r = pr_rejects_add(rejects, rec->source, rec->row[i], PR_REJECT_OUTSIDE,
					   "x %s y %s (no parcel within %g m)",
					   pr_format_coordinate(rec->x[i], x, sizeof x),
					   pr_format_coordinate(rec->y[i], y, sizeof y), snap_m);
			if (r < 0)
				goto done;
			continue;
		}
		if (keep != i)
			pr_records_move(rec, keep, i);
		keep++;
	}
	pr_records_truncate(rec, keep);
done:
	free(order);
	free(tmp);
	return r;
}

int32_t pr_parcels_find(const pr_parcels *parcels, const char *key)
{
	if (!key || !*key)
		return -1;
	/* Parcels are sorted by id, and every kept parcel has one. */
	const pr_column *ids = &parcels->rec.cols[PR_PARCEL_ID];
	size_t lo = 0, hi = parcels->rec.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(key, pr_column_text(ids, mid));
		if (c == 0)
			return (int32_t)mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

int pr_join_keys(pr_context *ctx, const pr_parcels *parcels, pr_records *rec, int key_field,
		 pr_rejects *rejects)
{
	size_t keep = 0;
	int r = 0;
	for (size_t i = 0; i < rec->n; i++) {
		const char *key = pr_column_text(&rec->cols[key_field], i);
		int32_t parcel = pr_parcels_find(parcels, key);
		if (parcel < 0) {
			r = pr_rejects_add(rejects, rec->source, rec->row[i],
					   PR_REJECT_UNKNOWN_PARCEL, "%s '%.200s'",
					   pr_source_defs[rec->source].fields[key_field].name,
					   key ? key : "");
			if (r < 0)
				return r;
			continue;
		}
		rec->parcel[i] = parcel;
		if (keep != i)
			pr_records_move(rec, keep, i);
		keep++;
	}
	pr_records_truncate(rec, keep);
	pr_progress(ctx, pr_source_defs[rec->source].name, rec->rows_read, rec->rows_read);
	return 0;
}

static bool overlaps(const double *a, const double *b)
{
	return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}

bool pr_join_diagnose(const pr_parcels *parcels, const pr_records *rec, uint64_t outside, char *buf,
		      size_t size)
{
	uint64_t total = rec->n + outside;
	if (total == 0 || outside * 20 <= total)
		return false;
	double share = 100.0 * (double)outside / (double)total;
	const double *pe = parcels->rec.extent;
	/* Of the sample read with x and y swapped, how many land among the parcels? */
	size_t swapped_in = 0;
	for (size_t k = 0; k < rec->n_swapped_sample; k++) {
		double x = rec->swapped_sample[2 * k], y = rec->swapped_sample[2 * k + 1];
		double pt[4] = {x, y, x, y};
		swapped_in += overlaps(pt, pe);
	}
	const char *cause;
	if (rec->n_swapped_sample > 0 && swapped_in * 2 > rec->n_swapped_sample)
		cause = "x and y look swapped: read the other way round, most of its points fall "
			"among the parcels";
	else if (!overlaps(rec->extent, pe))
		cause = "its points lie away from the parcels: check its crs";
	else
		cause = "check its crs and snap_m, and whether the parcels cover the whole area";
	snprintf(buf, size,
		 "%s: %.1f%% of the records (%llu of %llu) fall outside every parcel; %s (source "
		 "CRS %s)",
		 pr_source_defs[rec->source].name, share, (unsigned long long)outside,
		 (unsigned long long)total, cause, rec->crs_label);
	return true;
}
