/* SPDX-License-Identifier: MIT */
/* The assignment rule on a hand-made cadastre with real messiness: a multipolygon, a bow-tie,
 * a parcel without id, a duplicate id, a sub-lot inside a lot, a road removed by `where`, a
 * parcel with a hole, a key with spaces, points on a shared edge and 9.9 m / 10.1 m away. Each
 * case asserts the exact parcel assigned. */
#include <stdlib.h>
#include <unistd.h>

#include "core/packed_rtree.h"
#include "harness.h"
#include "join/join.h"
#include "sources/records.h"

static pr_context *ctx;
static pr_sources *sources;
static pr_parcels parcels;
static pr_rejects rejects;
static pr_parcel_index *index_;

static int setup(void)
{
	static char dir[] = "/tmp/pr-test-assign-XXXXXX";
	char path[512], fixture[512];
	if (!mkdtemp(dir) || !getcwd(fixture, sizeof fixture - 64))
		return -1;
	strcat(fixture, "/tests/fixtures/messy_parcels.geojson");
	snprintf(path, sizeof path, "%s/sources.ini", dir);
	FILE *f = fopen(path, "w");
	fprintf(f,
		"[run]\ncrs = EPSG:31370\n[parcels]\npath = %s\nwhere = use <> 'road'\nid = "
		"capakey\n",
		fixture);
	fclose(f);
	if (pr_context_new(&ctx) < 0 || pr_sources_load(ctx, path, &sources) < 0)
		return -1;
	unlink(path);
	rmdir(dir);
	OGRSpatialReferenceH srs = pr_srs_from_user("EPSG:31370");
	int r = pr_read_parcels(ctx, sources, srs, &parcels, &rejects);
	OSRRelease(srs);
	if (r < 0) {
		fprintf(stderr, "%s\n", pr_context_errmsg(ctx));
		return -1;
	}
	return pr_parcel_index_build(ctx, &parcels, &index_);
}

static const char *assigned(double x, double y, double snap_m)
{
	bool snapped;
	int32_t i = pr_parcel_index_assign(index_, ctx->geos, x, y, snap_m, &snapped);
	return i < 0 ? "(none)" : pr_column_text(&parcels.rec.cols[0], (size_t)i);
}

static void test_parcels_read(void)
{
	/* 17 features, 1 road filtered out: 16 rows read; rejected: no id, the second P02, and
	 * three unusable geometries (a collapsed ring, a point, none). */
	ASSERT_INT_EQ(parcels.rec.rows_read, 16);
	ASSERT_INT_EQ(parcels.rec.n, 11);
	ASSERT_INT_EQ(rejects.n, 5);
	int invalid = 0;
	for (size_t i = 0; i < rejects.n; i++)
		if (strcmp(rejects.items[i].reason, PR_REJECT_INVALID_GEOMETRY) == 0) {
			invalid++;
			ASSERT_TRUE(rejects.items[i].row >= 14 && rejects.items[i].row <= 16);
		}
	ASSERT_INT_EQ(invalid, 3);
	ASSERT_INT_EQ(parcels.repaired, 1); /* the bow-tie */
	/* Rows go by their feature id, which GeoJSON counts from 0 and a `where` filter leaves
	 * alone (the road, feature 7, is filtered out). */
	bool saw_no_id = false, saw_duplicate = false;
	for (size_t i = 0; i < rejects.n; i++) {
		if (strcmp(rejects.items[i].reason, PR_REJECT_NO_ID) == 0) {
			saw_no_id = true;
			ASSERT_INT_EQ(rejects.items[i].row, 4);
		}
		if (strcmp(rejects.items[i].reason, PR_REJECT_DUPLICATE_ID) == 0) {
			saw_duplicate = true;
			ASSERT_INT_EQ(rejects.items[i].row, 9); /* the second P02 */
			ASSERT_CONTAINS(rejects.items[i].value, "first seen on row 1");
		}
	}
	ASSERT_TRUE(saw_no_id && saw_duplicate);
}

static void test_inside(void)
{
	ASSERT_STR_EQ(assigned(5, 5, 0), "P01");
	ASSERT_STR_EQ(assigned(15, 5, 0), "P02");
	/* The first P02 is kept: the duplicate's area stays outside every parcel. */
	ASSERT_STR_EQ(assigned(205, 5, 0), "(none)");
}

static void test_multipolygon(void)
{
	ASSERT_STR_EQ(assigned(35, 5, 0), "P03");
	ASSERT_STR_EQ(assigned(55, 5, 0), "P03");
	ASSERT_STR_EQ(assigned(45, 5, 0), "(none)");
}

static void test_bow_tie(void)
{
	ASSERT_STR_EQ(assigned(72, 5, 0), "P04");
	ASSERT_STR_EQ(assigned(78, 5, 0), "P04");
	ASSERT_STR_EQ(assigned(75, 8, 0), "(none)");
	ASSERT_STR_EQ(assigned(75, 5, 0), "P04"); /* the crossing point itself */
}

static void test_shared_edge(void)
{
	/* On the edge between P01 and P02 (equal areas): both cover it, the lowest id wins. */
	ASSERT_STR_EQ(assigned(10, 5, 0), "P01");
	ASSERT_STR_EQ(assigned(10, 10, 0), "P01");
	/* On an outer edge and a vertex: covered (boundary included). */
	ASSERT_STR_EQ(assigned(20, 5, 0), "P02");
	ASSERT_STR_EQ(assigned(20, 0, 0), "P02");
}

static void test_diagonal_edge(void)
{
	/* P10 is a triangle whose hypotenuse runs from (410,0) to (400,10) inside square P11:
	 * a point on that diagonal is covered by both; P10 is smaller. */
	ASSERT_STR_EQ(assigned(405, 5, 0), "P10");
	ASSERT_STR_EQ(assigned(401, 1, 0), "P10");
	ASSERT_STR_EQ(assigned(408, 8, 0), "P11");
}

static void test_sub_lot(void)
{
	ASSERT_STR_EQ(assigned(15, 35, 0), "P06"); /* smaller wins */
	ASSERT_STR_EQ(assigned(10, 35, 0), "P06"); /* on the sub-lot's edge, inside the lot */
	ASSERT_STR_EQ(assigned(5, 25, 0), "P05");
}

static void test_equal_overlap_lowest_id(void)
{
	/* P08 (written " P08 " in the source: trimmed) and P09 are the same square. */
	ASSERT_STR_EQ(assigned(305, 5, 0), "P08");
}

static void test_road_removed_by_where(void)
{
	/* The road polygon is filtered out: a point on it is outside, then snaps to the nearest. */
	ASSERT_STR_EQ(assigned(5, 12, 0), "(none)");
	ASSERT_STR_EQ(assigned(5, 12, 10), "P01");
	ASSERT_STR_EQ(assigned(5, 18, 10), "P05");
}

static void test_snap_distance(void)
{
	ASSERT_STR_EQ(assigned(5, -9.9, 10), "P01");
	ASSERT_STR_EQ(assigned(5, -10.1, 10), "(none)");
	ASSERT_STR_EQ(assigned(5, -10, 10), "P01"); /* exactly snap_m: within */
	/* Equidistant from P01 and P02 (the corner at 10,0): lowest id. */
	ASSERT_STR_EQ(assigned(10, -3, 10), "P01");
}

static void test_hole(void)
{
	ASSERT_STR_EQ(assigned(130, 10, 0), "(none)");
	ASSERT_STR_EQ(assigned(130, 10, 10), "P07");
	ASSERT_STR_EQ(assigned(125, 10, 0), "P07"); /* on the hole's edge */
	ASSERT_STR_EQ(assigned(122, 10, 0), "P07");
}

/* Writes one point of the fixture (in EPSG:31370) to a CSV in another CRS, as PROJ transforms
 * it, reads it back through the sources machinery and joins it. Returns the parcel id. */
static const char *assigned_via_csv(double x, double y, const char *crs, double snap_m)
{
	static char id[32];
	char dir[] = "/tmp/pr-test-csv-XXXXXX";
	char csv[512], ini[512];
	pr_context *c = NULL;
	pr_sources *s = NULL;
	pr_records rec = {0};
	pr_rejects rj = {0};
	OGRSpatialReferenceH work = pr_srs_from_user("EPSG:31370");
	OGRSpatialReferenceH other = pr_srs_from_user(crs);
	OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(work, other);
	snprintf(id, sizeof id, "(error)");
	if (!mkdtemp(dir) || !ct || !OCTTransform(ct, 1, &x, &y, NULL))
		goto done;
	snprintf(csv, sizeof csv, "%s/points.csv", dir);
	snprintf(ini, sizeof ini, "%s/sources.ini", dir);
	FILE *f = fopen(csv, "w");
	fprintf(f, "lon,lat,received,category\n%.10f,%.10f,2026-01-01,noise\n", x, y);
	fclose(f);
	f = fopen(ini, "w");
	fprintf(f,
		"[parcels]\npath = %s\nid = capakey\n[complaints]\npath = points.csv\nx = lon\ny = "
		"lat\ncrs = %s\nsnap_m = %g\ndate = received\n",
		sources->src[PR_SRC_PARCELS].path, crs, snap_m);
	fclose(f);
	if (pr_context_new(&c) < 0 || pr_sources_load(c, ini, &s) < 0 ||
	    pr_read_records(c, s, PR_SRC_COMPLAINTS, work, NULL, &rec, &rj) < 0 ||
	    pr_join_points(c, index_, &rec, snap_m, &rj) < 0) {
		fprintf(stderr, "%s\n", pr_context_errmsg(c));
		goto done;
	}
	snprintf(id, sizeof id, "%s",
		 rec.n == 1 ? pr_column_text(&parcels.rec.cols[0], (size_t)rec.parcel[0])
			    : "(none)");
done:
	unlink(csv);
	unlink(ini);
	rmdir(dir);
	pr_records_free(&rec);
	pr_rejects_free(&rj);
	pr_sources_free(s);
	pr_context_free(c);
	if (ct)
		OCTDestroyCoordinateTransformation(ct);
	OSRRelease(work);
	OSRRelease(other);
	return id;
}

static void test_lon_lat_csv(void)
{
	/* lon/lat written in that order (x = longitude) is never axis-swapped. */
	ASSERT_STR_EQ(assigned_via_csv(5, 5, "EPSG:4326", 0), "P01");
	ASSERT_STR_EQ(assigned_via_csv(15, 35, "EPSG:4326", 0), "P06");
	ASSERT_STR_EQ(assigned_via_csv(5, -9.9, "EPSG:4326", 10), "P01");
	ASSERT_STR_EQ(assigned_via_csv(5, -10.1, "EPSG:4326", 10), "(none)");
}

static void test_us_feet_csv(void)
{
	/* EPSG:2249 measures in US survey feet: snap_m stays in metres of the working CRS. */
	ASSERT_STR_EQ(assigned_via_csv(15, 5, "EPSG:2249", 0), "P02");
	ASSERT_STR_EQ(assigned_via_csv(55, 5, "EPSG:2249", 0), "P03");
	ASSERT_STR_EQ(assigned_via_csv(5, -9.9, "EPSG:2249", 10), "P01");
	ASSERT_STR_EQ(assigned_via_csv(5, -10.1, "EPSG:2249", 10), "(none)");
}

static void test_lambert_2008_csv(void)
{
	ASSERT_STR_EQ(assigned_via_csv(78, 5, "EPSG:3812", 0), "P04");
}

/* ---- many parcels, in batches ------------------------------------------------------------ */

/* Parcel k of the batches test: a 10 m square on a grid of 300 columns. */
#define BATCH_PARCELS 80000
static void square_of(size_t k, double *x0, double *y0)
{
	*x0 = 100000 + 20.0 * (double)(k % 300);
	*y0 = 150000 + 20.0 * (double)(k / 300);
}

/* More parcels than one batch of the workers holds, written out of id order, with duplicate
 * ids and geometries outside the CRS's area of use scattered over the batches: every parcel
 * kept must come out with its own geometry, by id, and every other row rejected with its row. */
static void test_parcels_in_batches(void)
{
	char dir[] = "/tmp/pr-test-batches-XXXXXX", csv[512], ini[512];
	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(csv, sizeof csv, "%s/parcels.csv", dir);
	snprintf(ini, sizeof ini, "%s/sources.ini", dir);
	FILE *f = fopen(csv, "w");
	ASSERT_TRUE(f != NULL);
	fprintf(f, "capakey,WKT\n");
	uint64_t *first_row = calloc(BATCH_PARCELS, sizeof *first_row);
	uint8_t *planted = calloc(2 * BATCH_PARCELS, 1); /* by row: 1 duplicate, 2 outside */
	uint64_t row = 0, n_duplicates = 0, n_outside = 0;
	for (size_t i = 0; i < BATCH_PARCELS; i++) {
		size_t k = (i * 48271) % BATCH_PARCELS; /* a permutation: 48271 is prime */
		double x0, y0;
		square_of(k, &x0, &y0);
		fprintf(
		    f, "P%06zu,\"POLYGON ((%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f))\"\n",
		    k, x0, y0, x0 + 10, y0, x0 + 10, y0 + 10, x0, y0 + 10, x0, y0);
		first_row[k] = ++row;
		if (i % 9973 == 9972) { /* the same id again, elsewhere */
			fprintf(f, "P%06zu,\"POLYGON ((0 0,5 0,5 5,0 5,0 0))\"\n", k);
			planted[++row] = 1;
			n_duplicates++;
		}
		if (i % 7919 == 7918) { /* a parcel 1e8 m away */
			fprintf(f, "X%06zu,\"POLYGON ((1e8 0,1e8 10,1.0001e8 10,1e8 0))\"\n", k);
			planted[++row] = 2;
			n_outside++;
		}
	}
	fclose(f);
	f = fopen(ini, "w");
	fprintf(f, "[run]\ncrs = EPSG:31370\n[parcels]\npath = parcels.csv\nid = capakey\ncrs = "
		   "EPSG:31370\n");
	fclose(f);

	pr_context *c = NULL;
	pr_sources *s = NULL;
	pr_parcels p = {0};
	pr_rejects rj = {0};
	pr_parcel_index *ix = NULL;
	OGRSpatialReferenceH srs = pr_srs_from_user("EPSG:31370");
	int r = pr_context_new(&c);
	if (r == 0)
		r = pr_sources_load(c, ini, &s);
	if (r == 0)
		r = pr_read_parcels(c, s, srs, &p, &rj);
	if (r == 0)
		r = pr_parcel_index_build(c, &p, &ix);
	if (r < 0)
		fprintf(stderr, "%s\n", pr_context_errmsg(c));
	ASSERT_INT_EQ(r, 0);
	ASSERT_INT_EQ(p.rec.rows_read, row);
	ASSERT_INT_EQ(p.rec.n, BATCH_PARCELS);
	ASSERT_INT_EQ(rj.n, n_duplicates + n_outside);
	for (size_t i = 0; i < rj.n; i++) {
		const pr_reject *j = &rj.items[i];
		ASSERT_TRUE(j->row < 2 * BATCH_PARCELS && planted[j->row]);
		ASSERT_STR_EQ(j->reason, planted[j->row] == 1 ? PR_REJECT_DUPLICATE_ID
							      : PR_REJECT_INVALID_GEOMETRY);
	}
	size_t bad = 0;
	for (size_t j = 0; j < p.rec.n && r == 0; j++) {
		const char *id = pr_column_text(&p.rec.cols[PR_PARCEL_ID], j);
		size_t k = (size_t)strtoul(id + 1, NULL, 10);
		double x0, y0, wkb_x, wkb_y;
		square_of(k, &x0, &y0);
		size_t size;
		const unsigned char *wkb = pr_parcel_wkb(&p, j, &size);
		/* MultiPolygon of one polygon of one ring: the first vertex after 22 bytes. */
		memcpy(&wkb_x, wkb + 22, sizeof wkb_x);
		memcpy(&wkb_y, wkb + 30, sizeof wkb_y);
		bool ok = k == j && p.rec.row[j] == first_row[k] && p.rec.parcel[j] == (int32_t)j &&
			  p.area[j] == 100 && p.bbox[4 * j] == x0 && p.bbox[4 * j + 1] == y0 &&
			  p.bbox[4 * j + 2] == x0 + 10 && p.bbox[4 * j + 3] == y0 + 10 &&
			  size == 102 && wkb_x == x0 && wkb_y == y0 && p.label_xy[2 * j] > x0 &&
			  p.label_xy[2 * j] < x0 + 10;
		bool snapped;
		ok = ok &&
		     pr_parcel_index_assign(ix, c->geos, x0 + 5, y0 + 5, 0, &snapped) == (int32_t)j;
		if (!ok && bad++ < 5)
			fprintf(stderr, "  parcel %zu (%s, row %llu) is not its own\n", j, id,
				(unsigned long long)p.rec.row[j]);
	}
	ASSERT_INT_EQ(bad, 0);
	ASSERT_INT_EQ(p.wkb_at[p.rec.n], 102 * BATCH_PARCELS);
	pr_parcel_index_free(ix);
	pr_parcels_free(&p);
	pr_rejects_free(&rj);
	pr_sources_free(s);
	pr_context_free(c);
	OSRRelease(srs);
	free(first_row);
	free(planted);
	unlink(csv);
	unlink(ini);
	rmdir(dir);
}

/* ---- the packed R-tree the index searches ------------------------------------------------- */

/* A fixed pseudo-random sequence in [0, 1). */
static double next_random(uint64_t *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(*state >> 11) / 9007199254740992.0;
}

static bool meets(const double *b, const double *q)
{
	return b[0] <= q[2] && b[2] >= q[0] && b[1] <= q[3] && b[3] >= q[1];
}

typedef struct hits {
	int64_t *ids;
	size_t n, cap, stop_after;
} hits;

static bool collect_hit(int64_t id, void *user)
{
	hits *h = user;
	if (h->n < h->cap)
		h->ids[h->n] = id;
	h->n++;
	return h->stop_after == 0 || h->n < h->stop_after;
}

/* Boxes of every size, many touching or overlapping, some degenerate (points and lines),
 * around Belgian Lambert coordinates, where floats are about 1.6 cm apart. */
static double *random_boxes(size_t n, uint64_t seed)
{
	double *b = malloc(n * 4 * sizeof *b);
	for (size_t i = 0; i < n; i++) {
		double x = 150000 + 2000 * next_random(&seed),
		       y = 170000 + 1500 * next_random(&seed);
		double w =
		    next_random(&seed) < 0.1 ? 0 : 60 * next_random(&seed) * next_random(&seed);
		double h =
		    next_random(&seed) < 0.1 ? 0 : 60 * next_random(&seed) * next_random(&seed);
		/* Every other box on an eighth of a metre, exact in floats: edges meet exactly. */
		if (i % 2)
			x = round(x * 8) / 8, y = round(y * 8) / 8, w = round(w * 8) / 8,
			h = round(h * 8) / 8;
		b[4 * i] = x, b[4 * i + 1] = y, b[4 * i + 2] = x + w, b[4 * i + 3] = y + h;
	}
	return b;
}

static void test_rtree_search_finds_every_box(void)
{
	const size_t n = 5000;
	double *b = random_boxes(n, 7);
	const int fanouts[] = {2, 4, 16, 51};
	for (size_t f = 0; f < sizeof fanouts / sizeof *fanouts; f++) {
		pr_rtree t;
		pr_rtree_entry *leaves = malloc(n * sizeof *leaves);
		for (size_t i = 0; i < n; i++)
			leaves[i] = pr_rtree_leaf((int64_t)i, b[4 * i], b[4 * i + 1], b[4 * i + 2],
						  b[4 * i + 3]);
		ASSERT_INT_EQ(pr_rtree_build(&t, leaves, n, fanouts[f]), 0);
		ASSERT_TRUE(t.size[t.n_levels - 1] <= (size_t)fanouts[f]);
		int64_t ids[n];
		char seen[n];
		uint64_t seed = 11;
		for (int k = 0; k < 3000; k++) {
			double q[4];
			if (k % 3 == 0) { /* a point; every other one a box's corner */
				size_t i = (size_t)(next_random(&seed) * n);
				q[0] = q[2] =
				    k % 2 ? b[4 * i + 2] : 150000 + 2000 * next_random(&seed);
				q[1] = q[3] =
				    k % 2 ? b[4 * i + 3] : 170000 + 1500 * next_random(&seed);
			} else {
				double d = 20 * next_random(&seed);
				q[0] = 150000 + 2000 * next_random(&seed) - d;
				q[1] = 170000 + 1500 * next_random(&seed) - d;
				q[2] = q[0] + 2 * d, q[3] = q[1] + 2 * d;
			}
			hits h = {ids, 0, n, 0};
			pr_rtree_search(&t, q[0], q[1], q[2], q[3], collect_hit, &h);
			ASSERT_TRUE(h.n <= n);
			memset(seen, 0, n);
			for (size_t j = 0; j < h.n; j++) {
				ASSERT_TRUE(ids[j] >= 0 && ids[j] < (int64_t)n);
				ASSERT_TRUE(!seen[ids[j]]); /* once only */
				seen[ids[j]] = 1;
				/* A box found meets the query but for float rounding (about 1 cm).
				 */
				double wider[4] = {q[0] - 0.05, q[1] - 0.05, q[2] + 0.05,
						   q[3] + 0.05};
				ASSERT_TRUE(meets(b + 4 * ids[j], wider));
			}
			for (size_t i = 0; i < n; i++)
				if (meets(b + 4 * i, q) && !seen[i]) {
					FAIL_AT("fanout %d query %d: box %zu meets it, not found",
						fanouts[f], k, i);
					pr_rtree_free(&t);
					free(b);
					return;
				}
		}
		/* A visit that asks to stop stops the search; NaN meets nothing. */
		hits h = {ids, 0, n, 3};
		pr_rtree_search(&t, 0, 0, 1e9, 1e9, collect_hit, &h);
		ASSERT_INT_EQ(h.n, 3);
		h = (hits){ids, 0, n, 0};
		pr_rtree_search(&t, NAN, 170000, NAN, 171000, collect_hit, &h);
		ASSERT_INT_EQ(h.n, 0);
		pr_rtree_free(&t);
	}
	free(b);
}

/* Every node's box holds its entries, no node holds more than fanout, every leaf is under
 * exactly one node; and on a regular grid the nodes of each level tile it (their areas add up
 * to about the grid's: 1.05 and 1.31 times here), where groups cut across two STR slices span
 * both slices' height (3 times the grid's). */
static void test_rtree_structure(void)
{
	const size_t side = 100, n = side * side;
	pr_rtree t;
	pr_rtree_entry *leaves = malloc(n * sizeof *leaves);
	for (size_t i = 0; i < n; i++) {
		double x = (double)(i % side), y = (double)(i / side);
		leaves[i] = pr_rtree_leaf((int64_t)i, x, y, x + 1, y + 1);
	}
	ASSERT_INT_EQ(pr_rtree_build(&t, leaves, n, 16), 0);
	ASSERT_TRUE(t.n_levels >= 3);
	for (int lv = 1; lv < t.n_levels; lv++) {
		size_t covered = 0;
		double area = 0;
		/* Entry ids of a level are its groups: each once, and the groups follow each
		 * other without gap or overlap. */
		char *seen = calloc(t.size[lv], 1);
		for (size_t k = 0; k < t.size[lv]; k++) {
			const pr_rtree_entry *e = &t.level[lv][k];
			ASSERT_TRUE(e->id >= 0 && (size_t)e->id < t.size[lv] && !seen[e->id]);
			seen[e->id] = 1;
			size_t id = (size_t)e->id, first, end, a, b;
			pr_rtree_group(&t, lv, id, &first, &end);
			if (id + 1 < t.size[lv]) {
				pr_rtree_group(&t, lv, id + 1, &a, &b);
				ASSERT_INT_EQ(a, end);
			} else {
				ASSERT_INT_EQ(end, t.size[lv - 1]);
			}
			if (id == 0)
				ASSERT_INT_EQ(first, 0);
			ASSERT_TRUE(end > first && end - first <= 16);
			covered += end - first;
			for (size_t j = first; j < end; j++) {
				const float *c = t.level[lv - 1][j].box;
				ASSERT_TRUE(e->box[0] <= c[0] && e->box[1] >= c[1] &&
					    e->box[2] <= c[2] && e->box[3] >= c[3]);
			}
			area += ((double)e->box[1] - e->box[0]) * ((double)e->box[3] - e->box[2]);
		}
		free(seen);
		ASSERT_INT_EQ(covered, t.size[lv - 1]);
		if (area > 1.5 * (double)n) {
			FAIL_AT("level %d: nodes cover %.0f for a grid of %zu", lv, area, n);
			break;
		}
	}
	pr_rtree_free(&t);
}

/* The sizes at the edges: no box, one, a root just full (fanout) and one more; every box found
 * by a search over all, and the top level never over fanout. */
static void test_rtree_small_sizes(void)
{
	const size_t sizes[] = {0, 1, 2, 16, 17, 16 * 16, 16 * 16 + 1};
	for (size_t z = 0; z < sizeof sizes / sizeof *sizes; z++) {
		size_t n = sizes[z];
		double *b = random_boxes(n ? n : 1, 5 + n);
		pr_rtree t;
		pr_rtree_entry *leaves = malloc((n ? n : 1) * sizeof *leaves);
		for (size_t i = 0; i < n; i++)
			leaves[i] = pr_rtree_leaf((int64_t)i, b[4 * i], b[4 * i + 1], b[4 * i + 2],
						  b[4 * i + 3]);
		free(b);
		ASSERT_INT_EQ(pr_rtree_build(&t, leaves, n, 16), 0);
		ASSERT_TRUE(t.size[t.n_levels - 1] <= 16);
		ASSERT_INT_EQ(t.n_levels, n <= 16 ? 1 : n <= 256 ? 2 : 3);
		int64_t ids[300];
		hits h = {ids, 0, 300, 0};
		pr_rtree_search(&t, -1e9, -1e9, 1e9, 1e9, collect_hit, &h);
		ASSERT_INT_EQ(h.n, n);
		uint64_t sum = 0;
		for (size_t j = 0; j < h.n; j++)
			sum += (uint64_t)ids[j];
		ASSERT_INT_EQ(sum, n ? n * (n - 1) / 2 : 0);
		pr_rtree_free(&t);
	}
}

int main(void)
{
	if (setup() < 0) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	RUN(test_parcels_read);
	RUN(test_inside);
	RUN(test_multipolygon);
	RUN(test_bow_tie);
	RUN(test_shared_edge);
	RUN(test_diagonal_edge);
	RUN(test_sub_lot);
	RUN(test_equal_overlap_lowest_id);
	RUN(test_road_removed_by_where);
	RUN(test_snap_distance);
	RUN(test_hole);
	RUN(test_lon_lat_csv);
	RUN(test_us_feet_csv);
	RUN(test_lambert_2008_csv);
	RUN(test_parcels_in_batches);
	RUN(test_rtree_search_finds_every_box);
	RUN(test_rtree_structure);
	RUN(test_rtree_small_sizes);
	pr_parcel_index_free(index_);
	pr_parcels_free(&parcels);
	pr_rejects_free(&rejects);
	pr_sources_free(sources);
	pr_context_free(ctx);
	return HARNESS_EXIT();
}
