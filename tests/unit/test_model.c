/* SPDX-License-Identifier: MIT */
/* The risk model on hand-made stores whose values are known: each factor of the default model,
 * saturation and weights, missing data, reason rendering, class thresholds, the visit list's
 * exclusion of recently inspected parcels, one bad model file per kind of error, and what the
 * model may not do: run past its time limit, reach files through SpatiaLite, or score a source
 * left out of the sources file as zero. */
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "sources/records.h"
#include "model/model.h"
#include "store/store.h"

static pr_context *ctx;

/* A fixture: ordinary SQLite tables that the tests fill with SQL, then turned into the
 * engine's records and served by a working store, as a run would. */
typedef struct fixture {
	sqlite3 *db;
	pr_parcels parcels;
	pr_records rec[PR_SRC_COUNT];
	pr_store store;
	int32_t known_by; /* the store's (pr_store_load): PR_DATE_NULL unless a test sets it */
} fixture;

static int exec(fixture *fx, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(fx->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "fixture: %s (in %s)\n", err, sql);
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

/* n parcels P0..Pn-1 without attributes, and empty sources. */
static int fixture_open(fixture *fx, int n)
{
	memset(fx, 0, sizeof *fx);
	fx->known_by = PR_DATE_NULL;
	if (sqlite3_open(":memory:", &fx->db) != SQLITE_OK ||
	    exec(fx, "CREATE TABLE parcels (parcel_id INTEGER PRIMARY KEY, id TEXT, owner TEXT, "
		     "floor_area_m2 REAL, dwellings INTEGER, build_year INTEGER);"
		     "CREATE TABLE population (parcel_id, row, household, persons, registered, "
		     "\"left\", x, y, snapped);"
		     "CREATE TABLE population_box (parcel_id, row, box);"
		     "CREATE TABLE complaints (parcel_id, row, date, category, x, y, snapped);"
		     "CREATE TABLE inspections (parcel_id, row, date, outcome);") < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		char sql[120];
		snprintf(sql, sizeof sql, "INSERT INTO parcels (parcel_id, id) VALUES (%d, 'P%d')",
			 i, i);
		if (exec(fx, sql) < 0)
			return -1;
	}
	return 0;
}

/* Copies one fixture table into records: column k of the query is canonical field k - 2
 * (after parcel_id and row), parsed like the reading stage parses a source. */
static int fixture_records(fixture *fx, int source, const char *query, pr_records *rec)
{
	pr_source_conf conf = {0};
	for (int f = 0; f < pr_source_defs[source].n_fields; f++)
		conf.columns[f] = (char *)"fixture";
	pr_records_init(rec, source, &conf);
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(fx->db, query, -1, &st, NULL) != SQLITE_OK)
		return -1;
	int first = source == PR_SRC_PARCELS ? 1 : 2;
	while (sqlite3_step(st) == SQLITE_ROW) {
		size_t i = rec->n;
		if (pr_records_reserve(rec, i + 1) < 0)
			break;
		rec->parcel[i] = sqlite3_column_int(st, 0);
		rec->row[i] =
		    source == PR_SRC_PARCELS ? i + 1 : (uint64_t)sqlite3_column_int64(st, 1);
		if (rec->x)
			rec->x[i] = rec->y[i] = 0;
		rec->snapped[i] = 0;
		for (int f = 0; f < pr_source_defs[source].n_fields; f++) {
			pr_column *col = &rec->cols[f];
			int c = first + f;
			bool null = c >= sqlite3_column_count(st) ||
				    sqlite3_column_type(st, c) == SQLITE_NULL;
			const char *text = null ? NULL : (const char *)sqlite3_column_text(st, c);
			if (col->type == PR_FT_TEXT)
				(void)pr_text_pool_add(&col->pool, text, &col->text_ref[i]);
			else if (col->type == PR_FT_DATE)
				col->date[i] = text && pr_parse_date(text, &col->date[i])
						   ? col->date[i]
						   : PR_DATE_NULL;
			else
				col->num[i] = null ? NAN : sqlite3_column_double(st, c);
		}
		rec->n++;
		rec->rows_read++;
	}
	sqlite3_finalize(st);
	return 0;
}

/* The fixture as the engine's records, in a working store. */
static int fixture_store(fixture *fx)
{
	pr_parcels *p = &fx->parcels;
	if (fixture_records(fx, PR_SRC_PARCELS,
			    "SELECT parcel_id, id, owner, floor_area_m2, dwellings, build_year, "
			    "NULL FROM parcels ORDER BY parcel_id",
			    &p->rec) < 0)
		return -1;
	size_t n = p->rec.n ? p->rec.n : 1;
	p->area = calloc(n, sizeof *p->area);
	p->label_xy = calloc(2 * n, sizeof *p->label_xy);
	if (!p->area || !p->label_xy)
		return -1;
	for (size_t i = 0; i < p->rec.n; i++)
		p->area[i] = 100;
	static const char *const queries[PR_SRC_COUNT] = {
	    NULL,
	    "SELECT parcel_id, row, household, persons, registered, \"left\", NULL, NULL, box, "
	    "NULL FROM population LEFT JOIN population_box USING (parcel_id, row)",
	    "SELECT parcel_id, row, date, category FROM complaints",
	    "SELECT parcel_id, row, NULL, date, outcome FROM inspections",
	};
	const pr_records *recs[PR_SRC_COUNT] = {0};
	/* Sources without a query (the address register) are absent from the fixture. */
	for (int k = 1; k < PR_SRC_COUNT; k++) {
		if (!queries[k])
			continue;
		if (fixture_records(fx, k, queries[k], &fx->rec[k]) < 0)
			return -1;
		recs[k] = &fx->rec[k];
	}
	if (pr_store_open(ctx, &fx->store) < 0 ||
	    pr_store_load(ctx, &fx->store, &fx->parcels, recs, fx->known_by) < 0) {
		fprintf(stderr, "%s\n", pr_context_errmsg(ctx));
		return -1;
	}
	return 0;
}

static void fixture_close(fixture *fx)
{
	pr_store_close(&fx->store);
	pr_parcels_free(&fx->parcels);
	for (int k = 0; k < PR_SRC_COUNT; k++)
		pr_records_free(&fx->rec[k]);
	sqlite3_close(fx->db);
}

static int factor_index(const pr_model *m, const char *name)
{
	for (int k = 0; k < m->n_factors; k++)
		if (strcmp(m->factors[k].name, name) == 0)
			return k;
	return -1;
}

static int feature_index(const pr_model *m, const char *name)
{
	for (int k = 0; k < m->n_features; k++)
		if (strcmp(m->features[k].name, name) == 0)
			return k;
	return -1;
}

static double points(const pr_model *m, const pr_scores *s, int parcel, const char *factor)
{
	int k = factor_index(m, factor);
	return k < 0 ? NAN : s->points[(size_t)parcel * (size_t)m->n_factors + (size_t)k];
}

static double feature(const pr_model *m, const pr_scores *s, int parcel, const char *name)
{
	int k = feature_index(m, name);
	return k < 0 ? NAN : s->features[(size_t)parcel * (size_t)m->n_features + (size_t)k];
}

static int32_t as_of(void)
{
	return pr_days_from_civil(2026, 11, 1);
}

/* The default model on seven parcels, one per factor or two. */
static void test_default_model_factors(void)
{
	fixture fx = {0};
	pr_model *m = NULL;
	pr_scores s = {0};
	ASSERT_INT_EQ(fixture_open(&fx, 7), 0);
	ASSERT_INT_EQ(pr_model_load(ctx, NULL, &m), 0);
	/* P0: 6 households of 2 in 60 m², one dwelling, built 1900. */
	ASSERT_INT_EQ(exec(&fx, "UPDATE parcels SET floor_area_m2 = 60, dwellings = 1, "
				"build_year = 1900, owner = 'A' WHERE parcel_id = 0"),
		      0);
	for (int h = 0; h < 6; h++) {
		char sql[200];
		snprintf(
		    sql, sizeof sql,
		    "INSERT INTO population VALUES (0, %d, 'H%d', 2, '2020-01-01', NULL, 0, 0, "
		    "0)",
		    h + 1, h);
		ASSERT_INT_EQ(exec(&fx, sql), 0);
	}
	/* One household that left before the reference date does not count. */
	ASSERT_INT_EQ(exec(&fx, "INSERT INTO population VALUES (0, 99, 'HX', 3, '2019-01-01', "
				"'2021-01-01', 0, 0, 0)"),
		      0);
	/* P0's households live in boxes 1 to 3 (one written twice, one box long gone), and the
	 * one who left in 2021 gave box 9: beyond five years, not counted. */
	ASSERT_INT_EQ(exec(&fx, "INSERT INTO population_box SELECT parcel_id, row, CASE row % 3 "
				"WHEN 0 THEN '1' WHEN 1 THEN '2' ELSE '3' END FROM population "
				"WHERE parcel_id = 0 AND row < 99"),
		      0);
	ASSERT_INT_EQ(exec(&fx, "INSERT INTO population_box VALUES (0, 99, '9')"), 0);
	/* P1: nothing known about the building. */
	/* P2: two recent serious complaints, one older, three about noise; one dwelling. */
	ASSERT_INT_EQ(exec(&fx, "UPDATE parcels SET floor_area_m2 = 90, dwellings = 1, "
				"build_year = 1990 WHERE parcel_id = 2"),
		      0);
	ASSERT_INT_EQ(
	    exec(&fx, "INSERT INTO complaints VALUES (2, 1, '2026-06-01', 'humidity', 0, 0, 0),"
		      "(2, 2, '2026-09-01', 'insalubrity', 0, 0, 0),"
		      "(2, 3, '2025-05-01', 'electricity', 0, 0, 0),"
		      "(2, 4, '2026-09-01', 'noise', 0, 0, 0), (2, 5, '2026-09-02', 'noise', 0, 0, "
		      "0), (2, 6, '2026-09-03', 'noise', 0, 0, 0)"),
	    0);
	/* P3: a closure order a year ago; P5 has the same owner. */
	ASSERT_INT_EQ(exec(&fx, "UPDATE parcels SET owner = 'B' WHERE parcel_id IN (3, 5)"), 0);
	ASSERT_INT_EQ(exec(&fx, "INSERT INTO inspections (parcel_id, row, date, outcome) VALUES "
				"(3, 1, '2025-11-01', 'closure')"),
		      0);
	/* P4: a clean inspection a year ago after an old major one. */
	ASSERT_INT_EQ(exec(&fx, "INSERT INTO inspections (parcel_id, row, date, outcome) VALUES "
				"(4, 1, '2019-03-01', 'major'), "
				"(4, 2, '2025-10-01', 'minor')"),
		      0);
	/* P6: kots: six students of one person each in 200 m², one dwelling. */
	ASSERT_INT_EQ(exec(&fx, "UPDATE parcels SET floor_area_m2 = 200, dwellings = 1, "
				"build_year = 1960 WHERE parcel_id = 6"),
		      0);
	for (int h = 0; h < 6; h++) {
		char sql[200];
		snprintf(
		    sql, sizeof sql,
		    "INSERT INTO population VALUES (6, %d, 'S%d', 1, '2026-09-0%d', NULL, 0, 0, "
		    "0)",
		    h + 1, h, h + 1);
		ASSERT_INT_EQ(exec(&fx, sql), 0);
	}
	ASSERT_INT_EQ(fixture_store(&fx), 0);
	int r = pr_model_score(ctx, m, &fx.store, as_of(), 7, NULL, &s);
	if (r < 0)
		FAIL_AT("%s", pr_context_errmsg(ctx));
	ASSERT_INT_EQ(r, 0);

	/* P0: features and the two register factors at full weight. */
	ASSERT_DBL_NEAR(feature(m, &s, 0, "households"), 6, 0);
	ASSERT_DBL_NEAR(feature(m, &s, 0, "persons"), 12, 0);
	ASSERT_DBL_NEAR(feature(m, &s, 0, "norm_m2"), 8 + 120, 1e-9);
	ASSERT_DBL_NEAR(feature(m, &s, 0, "m2_per_person"), 5, 1e-9);
	ASSERT_DBL_NEAR(points(m, &s, 0, "subdivision"), 25, 1e-9);
	ASSERT_DBL_NEAR(points(m, &s, 0, "overcrowding"), 25, 1e-9);
	/* Three boxes for one dwelling: the boxes factor full, on top of the scale. */
	ASSERT_DBL_NEAR(feature(m, &s, 0, "boxes_5y"), 3, 0);
	ASSERT_DBL_NEAR(points(m, &s, 0, "boxes"), 15, 1e-9);
	ASSERT_CONTAINS(pr_scores_reasons(&s, 0),
			"3 boxes registered at in 5 years for 1 dwelling");
	/* 6 registrations in 24 months? No: all in 2020, so no turnover points. */
	ASSERT_DBL_NEAR(points(m, &s, 0, "turnover"), 0, 1e-9);
	/* Built 1900: 45 of the 60 years to saturation, of weight 5. */
	ASSERT_DBL_NEAR(points(m, &s, 0, "old_stock"), 5.0 * 45 / 60, 1e-9);
	ASSERT_CONTAINS(pr_scores_reasons(&s, 0), "6 households registered for 1 dwelling");
	ASSERT_CONTAINS(pr_scores_reasons(&s, 0),
			"5 m² per registered person (the norm for 12 people is 128 m²)");
	ASSERT_DBL_NEAR(s.data_coverage[0], 1, 1e-9);

	/* P1: missing data is not zero: no points, a note, and coverage below one. */
	ASSERT_DBL_NEAR(points(m, &s, 1, "overcrowding"), 0, 0);
	ASSERT_TRUE(isnan(feature(m, &s, 1, "norm_m2")));
	ASSERT_CONTAINS(pr_scores_reasons(&s, 1),
			"overcrowding not assessed (no floor area on record)");
	ASSERT_CONTAINS(pr_scores_reasons(&s, 1),
			"subdivision not assessed (no number of dwellings on record)");
	/* Coverage is over the factors of the scale: boxes is on top of it. */
	int scaled = 0;
	for (int k = 0; k < m->n_factors; k++)
		scaled += !m->factors[k].on_top;
	ASSERT_INT_EQ(scaled, m->n_factors - 1);
	ASSERT_DBL_NEAR(s.data_coverage[1], 6.0 / scaled, 1e-9);
	ASSERT_DBL_NEAR(s.score[1], 0, 0);

	/* P2: recency-weighted serious complaints (1 + 1 + 0.5), noise left out. */
	ASSERT_DBL_NEAR(feature(m, &s, 2, "serious_complaints_3y"), 3, 0);
	ASSERT_DBL_NEAR(feature(m, &s, 2, "serious_complaint_weight"), 2.5, 1e-9);
	ASSERT_DBL_NEAR(points(m, &s, 2, "complaints"), 20, 1e-9);
	ASSERT_CONTAINS(pr_scores_reasons(&s, 2), "3 complaints about insalubrity");

	/* P3: a closure counts twice: full points. P5: the owner's other parcel. */
	ASSERT_DBL_NEAR(points(m, &s, 3, "inspections"), 20, 1e-9);
	ASSERT_CONTAINS(pr_scores_reasons(&s, 3),
			"1 inspection with major defects or a closure order");
	ASSERT_DBL_NEAR(feature(m, &s, 5, "owner_flagged_parcels"), 1, 0);
	ASSERT_DBL_NEAR(feature(m, &s, 3, "owner_flagged_parcels"), 0, 0);
	ASSERT_DBL_NEAR(points(m, &s, 5, "portfolio_findings"), 5, 1e-9);
	ASSERT_CONTAINS(pr_scores_reasons(&s, 5), "owner has 1 other parcel with major defects");

	/* P4: the last inspection was clean: negative points; the old major one is too old. */
	ASSERT_DBL_NEAR(feature(m, &s, 4, "clean_inspection_2y"), 1, 0);
	ASSERT_DBL_NEAR(points(m, &s, 4, "clean_inspection"), -10, 1e-9);
	ASSERT_DBL_NEAR(points(m, &s, 4, "inspections"), 0, 0);
	ASSERT_DBL_NEAR(s.score[4], 0, 0); /* never below zero */

	/* P6: the student pattern takes back what subdivision and turnover gave. */
	ASSERT_DBL_NEAR(feature(m, &s, 6, "student_pattern"), 1, 0);
	ASSERT_DBL_NEAR(points(m, &s, 6, "subdivision"), 25, 1e-9);
	ASSERT_DBL_NEAR(points(m, &s, 6, "turnover"), 15, 1e-9); /* 6 per dwelling: full */
	ASSERT_DBL_NEAR(points(m, &s, 6, "student_housing"), -35, 1e-9);
	ASSERT_TRUE(s.score[6] < s.score[0] / 4);
	ASSERT_TRUE(s.rank[0] == 1);

	pr_scores_free(&s);
	pr_model_free(m);
	fixture_close(&fx);
}

static const char small_model[] =
    "[model]\nvisit_list_size = 3\nexclude_inspected_days = 90\n"
    "class_medium = 20\nclass_high = 50\nclass_critical = 80\n"
    "[feature v]\nsql = SELECT parcel_id, parcel_id * 1.0 FROM parcels\n"
    "[factor ramp]\nvalue = v\nfrom = 1\nsaturate = 3\nweight = 10\n"
    "reason = v is {v}, {points} points\n"
    "[factor flat]\nvalue = 1\nfrom = 0\nsaturate = 1\nweight = 30\nreason = always\n"
    "[factor minus]\nvalue = v >= 5\nfrom = 0\nsaturate = 1\nweight = -20\nreason = minus\n";

static void test_saturation_weights_classes(void)
{
	fixture fx = {0};
	pr_model *m = NULL;
	pr_scores s = {0};
	ASSERT_INT_EQ(fixture_open(&fx, 6), 0);
	ASSERT_INT_EQ(pr_model_parse(ctx, "small", small_model, &m), 0);
	ASSERT_INT_EQ(fixture_store(&fx), 0);
	ASSERT_INT_EQ(pr_model_score(ctx, m, &fx.store, as_of(), 6, NULL, &s), 0);
	/* ramp: v = 0 → 0; 2 → half of 10; 3 and 4 → saturated at 10. */
	ASSERT_DBL_NEAR(points(m, &s, 0, "ramp"), 0, 1e-12);
	ASSERT_DBL_NEAR(points(m, &s, 1, "ramp"), 0, 1e-12);
	ASSERT_DBL_NEAR(points(m, &s, 2, "ramp"), 5, 1e-12);
	ASSERT_DBL_NEAR(points(m, &s, 3, "ramp"), 10, 1e-12);
	ASSERT_DBL_NEAR(points(m, &s, 4, "ramp"), 10, 1e-12);
	/* Score = 100 × sum / sum of positive weights (40); the negative factor lowers it. */
	ASSERT_DBL_NEAR(s.score[0], 75, 1e-9);
	ASSERT_DBL_NEAR(s.score[2], 87.5, 1e-9);
	ASSERT_DBL_NEAR(s.score[4], 100, 1e-9);
	ASSERT_DBL_NEAR(s.score[5], 50, 1e-9);
	/* Classes: 75 high, 87.5 and 100 critical, 50 exactly at the high threshold. */
	ASSERT_INT_EQ(s.risk_class[0], PR_CLASS_HIGH);
	ASSERT_INT_EQ(s.risk_class[2], PR_CLASS_CRITICAL);
	ASSERT_INT_EQ(s.risk_class[5], PR_CLASS_HIGH);
	/* Ranks: highest first, ties by lowest id (P3 and P4 both 100). */
	ASSERT_INT_EQ(s.rank[3], 1);
	ASSERT_INT_EQ(s.rank[4], 2);
	ASSERT_INT_EQ(s.rank[2], 3);
	/* Reasons: the top factors by points, the parcel's own values, numbers as read. */
	ASSERT_STR_EQ(pr_scores_reasons(&s, 2), "always; v is 2, 5 points");
	pr_scores_free(&s);
	pr_model_free(m);
	fixture_close(&fx);
}

static void test_visit_list_exclusion(void)
{
	fixture fx = {0};
	pr_model *m = NULL;
	pr_scores s = {0};
	ASSERT_INT_EQ(fixture_open(&fx, 6), 0);
	ASSERT_INT_EQ(pr_model_parse(ctx, "small", small_model, &m), 0);
	/* P3 (rank 1) inspected 30 days ago: off the list. P4 (rank 2) 120 days ago: on it. */
	ASSERT_INT_EQ(exec(&fx, "INSERT INTO inspections (parcel_id, row, date, outcome) VALUES "
				"(3, 1, '2026-10-02', 'none'), "
				"(4, 1, '2026-07-04', 'minor')"),
		      0);
	ASSERT_INT_EQ(fixture_store(&fx), 0);
	ASSERT_INT_EQ(pr_model_score(ctx, m, &fx.store, as_of(), 6, NULL, &s), 0);
	ASSERT_INT_EQ(s.visit[3], 0);
	ASSERT_INT_EQ(s.visit_rank[4], 1);
	ASSERT_INT_EQ(s.visit_rank[2], 2);
	ASSERT_INT_EQ(s.visit_rank[0], 3);	   /* 75 */
	ASSERT_INT_EQ(s.visit[1] + s.visit[5], 0); /* the list holds 3 */
	char date[16];
	pr_format_date(s.last_inspection[4], date);
	ASSERT_STR_EQ(date, "2026-07-04");
	pr_scores_free(&s);
	pr_model_free(m);
	fixture_close(&fx);
}

/* Scores model text on n parcels P0..Pn-1 without records into *m and *s; 0 or -1. */
static int score_text(const char *label, const char *text, int n, pr_model **m, pr_scores *s)
{
	fixture fx = {0};
	int r = fixture_open(&fx, n) == 0 && fixture_store(&fx) == 0 ? 0 : -1;
	if (r == 0)
		r = pr_model_parse(ctx, label, text, m);
	if (r == 0)
		r = pr_model_score(ctx, *m, &fx.store, as_of(), (size_t)n, NULL, s);
	if (r < 0)
		fprintf(stderr, "%s: %s\n", label, pr_context_errmsg(ctx));
	fixture_close(&fx);
	return r < 0 ? -1 : 0;
}

/* A feature over the first pass's scores, used by an expression written in capitals, and a
 * factor naming features.base: the second pass must see the new values. */
static void test_two_passes(void)
{
	static const char text[] =
	    "[feature base]\nsql = SELECT parcel_id, parcel_id FROM parcels\n"
	    "[feature late]\nuses_scores = yes\nsql = SELECT parcel_id, score FROM scores\n"
	    "[feature e]\nexpr = LATE * 2\n"
	    "[factor f1]\nvalue = features.base\nfrom = 0\nsaturate = 5\nweight = 10\n"
	    "[factor f2]\nvalue = e\nfrom = 0\nsaturate = 200\nweight = 10\n";
	pr_model *m = NULL;
	pr_scores s = {0};
	ASSERT_INT_EQ(score_text("two.ini", text, 6, &m, &s), 0);
	/* P4: pass 1 gives f1 = 8 of 20 points: 40; then e = 80, f2 = 4 more: 60. */
	ASSERT_DBL_NEAR(feature(m, &s, 4, "late"), 40, 1e-9);
	ASSERT_DBL_NEAR(feature(m, &s, 4, "e"), 80, 1e-9);
	ASSERT_DBL_NEAR(s.score[4], 60, 1e-9);
	pr_scores_free(&s);
	pr_model_free(m);
}

/* The second pass scores again only the parcels its features over scores change: the result
 * must be the one of scoring every parcel again. The same model is scored both ways: as it is,
 * and with an expression feature over the late one added (no factor reads it), which makes the
 * second pass rebuild the features table and score every parcel again. Model a has a late
 * factor with points on some parcels, and a factor whose value reads no late feature but whose
 * reason names one; model b a factor that needs a late feature without a default, so that no
 * factor is assessed in the first pass and only some in the second; model c a factor with a
 * window function, which must see every parcel's row; model d a factor that reads a feature's
 * table itself, so that what it reads is not known before the features run. */
static void test_second_pass_parcels(void)
{
	static const char *const texts[] = {
	    "[feature base]\nsql = SELECT parcel_id, parcel_id FROM parcels\n"
	    "[feature hi_d]\nuses_scores = yes\ndefault = 0\n"
	    "sql = SELECT parcel_id, 1 FROM scores WHERE score >= 30\n"
	    "[factor f_base]\nvalue = base\nfrom = 0\nsaturate = 8\nweight = 10\n"
	    "[factor f_named]\nvalue = CASE WHEN base IN (0, 2) THEN 1 END\nfrom = 0\n"
	    "saturate = 1\nweight = 5\nreason = named {hi_d}\n"
	    "[factor f_late]\nvalue = hi_d\nfrom = 0\nsaturate = 1\nweight = 10\n"
	    "reason = {hi_d:flag:flags}\n",
	    "[feature base]\nsql = SELECT parcel_id, parcel_id FROM parcels\n"
	    "[feature hi]\nuses_scores = yes\n"
	    "sql = SELECT parcel_id, 1 FROM scores WHERE parcel_id >= 6\n"
	    "[factor f_base]\nvalue = base\nfrom = 0\nsaturate = 8\nweight = 10\n"
	    "[factor needy]\nvalue = base - 7\nneeds = hi\nfrom = 0\nsaturate = 1\nweight = 5\n",
	    "[feature base]\nsql = SELECT parcel_id, parcel_id FROM parcels\n"
	    "[feature hi_d]\nuses_scores = yes\ndefault = 0\n"
	    "sql = SELECT parcel_id, 1 FROM scores WHERE score >= 30\n"
	    "[factor f_base]\nvalue = base\nfrom = 0\nsaturate = 8\nweight = 10\n"
	    "[factor f_late]\nvalue = hi_d\nfrom = 0\nsaturate = 1\nweight = 10\n"
	    "[factor ranked]\nvalue = percent_rank() OVER (ORDER BY base % 3, base)\n"
	    "from = 0\nsaturate = 1\nweight = 5\n",
	    "[feature base]\nsql = SELECT parcel_id, parcel_id FROM parcels\n"
	    "[feature hi_d]\nuses_scores = yes\ndefault = 0\n"
	    "sql = SELECT parcel_id, 1 FROM scores WHERE score >= 30\n"
	    "[factor f_base]\nvalue = base\nfrom = 0\nsaturate = 8\nweight = 10\n"
	    "[factor mixed]\nvalue = (SELECT b.value FROM feat_base b "
	    "WHERE b.parcel_id = features.parcel_id) * hi_d\nfrom = 0\nsaturate = 8\n"
	    "weight = 10\n",
	};
	static const char *const late[] = {"hi_d", "hi", "hi_d", "hi_d"};
	enum { N = 9 };
	for (int t = 0; t < 4; t++) {
		char full_text[2048];
		snprintf(full_text, sizeof full_text, "%s[feature unused]\nexpr = %s * 0\n",
			 texts[t], late[t]);
		pr_model *m = NULL, *full_m = NULL;
		pr_scores s = {0}, full = {0};
		ASSERT_INT_EQ(score_text("second.ini", texts[t], N, &m, &s), 0);
		ASSERT_INT_EQ(score_text("full.ini", full_text, N, &full_m, &full), 0);
		int late_points = 0, kept = 0;
		for (int p = 0; p < N; p++) {
			ASSERT_DBL_NEAR(s.score[p], full.score[p], 1e-9);
			ASSERT_INT_EQ(s.risk_class[p], full.risk_class[p]);
			ASSERT_INT_EQ(s.rank[p], full.rank[p]);
			ASSERT_DBL_NEAR(s.data_coverage[p], full.data_coverage[p], 1e-9);
			ASSERT_STR_EQ(pr_scores_reasons(&s, (size_t)p),
				      pr_scores_reasons(&full, (size_t)p));
			for (int k = 0; k < m->n_factors; k++)
				ASSERT_DBL_NEAR(points(m, &s, p, m->factors[k].name),
						points(full_m, &full, p, m->factors[k].name), 1e-9);
			for (int f = 0; f < m->n_features; f++) {
				double a = feature(m, &s, p, m->features[f].name);
				double b = feature(full_m, &full, p, m->features[f].name);
				ASSERT_TRUE(isnan(a) ? isnan(b) : a == b);
			}
			late_points += points(m, &s, p, t == 3 ? "mixed" : "f_late") > 0;
			kept += t == 0 && points(m, &s, p, "f_named") == 0 &&
				points(m, &s, p, "f_late") == 0;
		}
		/* Both kinds of parcels are there: those the late factor gives points to (P6..P8,
		 * at 30 and more in the first pass, beside P2), and those it leaves as the first
		 * pass scored them. In b, P6..P8 are assessed, P6 and P7 without points. */
		if (t == 0) {
			ASSERT_TRUE(late_points > 0);
			ASSERT_TRUE(kept > 0);
			ASSERT_CONTAINS(pr_scores_reasons(&s, 0), "named 0");
		} else if (t == 1) {
			ASSERT_DBL_NEAR(s.data_coverage[7], 1, 1e-9);
			ASSERT_DBL_NEAR(s.data_coverage[1], 0.5, 1e-9);
		} else {
			ASSERT_TRUE(late_points > 0);
		}
		pr_scores_free(&s);
		pr_scores_free(&full);
		pr_model_free(m);
		pr_model_free(full_m);
	}
}

/* Ranks on many ties and scores in tenths: a permutation of 1..n, highest score first, ties by
 * lowest parcel id; the visit list takes the best-ranked parcels with points in that order. */
static void test_ranks(void)
{
	static const char text[] =
	    "[model]\nvisit_list_size = 40\n"
	    "[feature v]\nsql = SELECT parcel_id, (parcel_id * 37) % 101 "
	    "FROM parcels\n"
	    "[factor f]\nvalue = v\nfrom = 0\nsaturate = 1000\nweight = 10\n";
	enum { N = 300 };
	pr_model *m = NULL;
	pr_scores s = {0};
	ASSERT_INT_EQ(score_text("ranks.ini", text, N, &m, &s), 0);
	size_t at[N + 1] = {0}; /* the parcel at each rank */
	for (size_t p = 0; p < N; p++) {
		ASSERT_TRUE(s.rank[p] >= 1 && s.rank[p] <= N && at[s.rank[p]] == 0);
		at[s.rank[p]] = p + 1;
	}
	uint32_t visits = 0;
	for (size_t r = 1; r < N; r++) {
		size_t a = at[r] - 1, b = at[r + 1] - 1;
		ASSERT_TRUE(s.score[a] > s.score[b] || (s.score[a] == s.score[b] && a < b));
		if (s.visit[a])
			ASSERT_INT_EQ(s.visit_rank[a], ++visits);
	}
	ASSERT_INT_EQ(visits, 40);
	ASSERT_DBL_NEAR(s.score[1], 3.7, 1e-9); /* 37 of 1000: tenths, many in each unit */
	pr_scores_free(&s);
	pr_model_free(m);
}

/* The features table reads the SQL features' tables in parcel order (pr_feature_value): a
 * feature with rows for some parcels only, its default, its values' types (integer or real, as
 * the query made them), and a parcel asked for out of order (here an earlier one, by an
 * expression calling the function itself). */
static void test_feature_values(void)
{
	static const char text[] =
	    "[feature sparse]\nsql = SELECT parcel_id, parcel_id * 10 FROM parcels "
	    "WHERE parcel_id % 2 = 1\n"
	    "[feature sparse_d]\nsql = SELECT parcel_id, parcel_id * 10 FROM parcels "
	    "WHERE parcel_id % 2 = 1\ndefault = -1\n"
	    "[feature half]\nsql = SELECT parcel_id, parcel_id / 2.0 FROM parcels\n"
	    "[feature types]\nexpr = (typeof(sparse_d) = 'integer') + 2 * (typeof(half) = 'real')\n"
	    "[feature previous]\nexpr = pr_feature_value(0, parcel_id - 1)\n"
	    "[factor f]\nvalue = sparse_d\nfrom = 0\nsaturate = 100\nweight = 10\n";
	pr_model *m = NULL;
	pr_scores s = {0};
	ASSERT_INT_EQ(score_text("values.ini", text, 6, &m, &s), 0);
	for (int p = 0; p < 6; p++) {
		bool odd = p % 2 == 1;
		if (odd)
			ASSERT_DBL_NEAR(feature(m, &s, p, "sparse"), p * 10, 1e-9);
		else
			ASSERT_TRUE(isnan(feature(m, &s, p, "sparse")));
		ASSERT_DBL_NEAR(feature(m, &s, p, "sparse_d"), odd ? p * 10 : -1, 1e-9);
		ASSERT_DBL_NEAR(feature(m, &s, p, "half"), p / 2.0, 1e-9);
		ASSERT_DBL_NEAR(feature(m, &s, p, "types"), 3, 1e-9);
		/* The parcel before: a value where it is odd, none where it is even or absent. */
		if (p > 0 && !odd)
			ASSERT_DBL_NEAR(feature(m, &s, p, "previous"), (p - 1) * 10, 1e-9);
		else
			ASSERT_TRUE(isnan(feature(m, &s, p, "previous")));
	}
	pr_scores_free(&s);
	pr_model_free(m);
}

static long long count(fixture *fx, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long n = -1;
	if (sqlite3_prepare_v2(fx->store.db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else
		fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(fx->store.db));
	sqlite3_finalize(st);
	return n;
}

/* Whether the store's query plan for sql has a step naming what ("INDEX 1": plan 1 of a
 * virtual table). */
static bool planned(fixture *fx, const char *sql, const char *what)
{
	char explain[512];
	sqlite3_stmt *st = NULL;
	bool found = false;
	snprintf(explain, sizeof explain, "EXPLAIN QUERY PLAN %s", sql);
	if (sqlite3_prepare_v2(fx->store.db, explain, -1, &st, NULL) != SQLITE_OK)
		return false;
	while (sqlite3_step(st) == SQLITE_ROW)
		found = found || strstr((const char *)sqlite3_column_text(st, 3), what);
	sqlite3_finalize(st);
	return found;
}

/* The store's virtual tables answer like ordinary tables: lookups by parcel_id and by text
 * columns, with SQLite's own comparison rules (collations, numbers against text), rowids that
 * stay the same across plans, and no table scan per outer row on a text join. */
/* Table scores over a pass's arrays (pr_store_serve_scores): every parcel in order, lookups by
 * parcel_id as a number however it comes, joins, read-only, and served again with new arrays. */
static void test_scores_table(void)
{
	fixture fx = {0};
	double score[5] = {10, 55.5, 0, 90, 30};
	uint8_t cls[5] = {PR_CLASS_LOW, PR_CLASS_HIGH, PR_CLASS_LOW, PR_CLASS_CRITICAL,
			  PR_CLASS_MEDIUM};
	ASSERT_INT_EQ(fixture_open(&fx, 5), 0);
	ASSERT_INT_EQ(fixture_store(&fx), 0);
	ASSERT_INT_EQ(pr_store_serve_scores(ctx, &fx.store, 5, score, cls, pr_risk_class_names), 0);
	ASSERT_INT_EQ(count(&fx, "SELECT COUNT(*) FROM scores"), 5);
	ASSERT_INT_EQ(count(&fx, "SELECT SUM(score) * 10 FROM scores"), 1855);
	ASSERT_INT_EQ(count(&fx, "SELECT group_concat(parcel_id, '') FROM scores WHERE "
				 "risk_class IN ('high', 'critical')"),
		      13);
	ASSERT_INT_EQ(count(&fx, "SELECT score * 10 FROM scores WHERE parcel_id = 1"), 555);
	ASSERT_INT_EQ(count(&fx, "SELECT score FROM scores WHERE parcel_id = 3.0"), 90);
	ASSERT_INT_EQ(count(&fx, "SELECT COUNT(*) FROM scores WHERE parcel_id = 3.5 OR "
				 "parcel_id = 5 OR parcel_id = -1"),
		      0);
	ASSERT_INT_EQ(count(&fx, "SELECT COUNT(*) FROM parcels p JOIN scores s "
				 "ON s.parcel_id = p.parcel_id WHERE s.risk_class = 'low'"),
		      2);
	ASSERT_INT_EQ(count(&fx, "SELECT group_concat(parcel_id, '') FROM (SELECT parcel_id "
				 "FROM scores ORDER BY parcel_id DESC)"),
		      43210);
	ASSERT_INT_EQ(count(&fx, "SELECT group_concat(parcel_id, '') FROM (SELECT parcel_id "
				 "FROM scores ORDER BY score DESC)"),
		      31402);
	ASSERT_TRUE(planned(&fx, "SELECT score FROM scores WHERE parcel_id = 2", "INDEX 1"));
	ASSERT_TRUE(sqlite3_exec(fx.store.db, "DELETE FROM scores", NULL, NULL, NULL) != SQLITE_OK);
	/* Served again: the new arrays, the same table name. */
	double again[2] = {1, 2};
	ASSERT_INT_EQ(pr_store_serve_scores(ctx, &fx.store, 2, again, cls, pr_risk_class_names), 0);
	ASSERT_INT_EQ(count(&fx, "SELECT SUM(score) FROM scores"), 3);
	/* Let go (as scoring does once its arrays are the result): empty, reading nothing. */
	pr_store_unserve_scores(&fx.store);
	ASSERT_INT_EQ(count(&fx, "SELECT COUNT(*) FROM scores"), 0);
	fixture_close(&fx);
}

/* The population's fields, as in pr_source_defs. */
enum { POP_HOUSEHOLD, POP_PERSONS, POP_REGISTERED };

/* The whole population table as the store serves it, one text. */
static char *served_population(fixture *fx)
{
	sqlite3_stmt *st = NULL;
	char *text = NULL;
	if (sqlite3_prepare_v2(
		fx->store.db,
		"SELECT group_concat(parcel_id || ':' || row || ':' || "
		"COALESCE(household, '-') || ':' || COALESCE(persons, '-') || ':' || "
		"COALESCE(registered, '-'), ' ') FROM population",
		-1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		text = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return text;
}

/* pr_records_sort_by_parcel: records read in no order come out in parcel order, each parcel's
 * in the order they were read, every array moved alike; the store serves the sorted records
 * (without an order of its own) exactly as it served them unsorted. */
static void test_sort_by_parcel(void)
{
	enum { N = 60, PARCELS = 7 };
	fixture fx = {0};
	ASSERT_INT_EQ(fixture_open(&fx, PARCELS), 0);
	/* Parcels in no order, a household missing now and then, persons and dates too. */
	for (int i = 0; i < N; i++) {
		char sql[200], household[16] = "NULL";
		if (i % 4)
			snprintf(household, sizeof household, "'H%d'", 1000 - i);
		snprintf(sql, sizeof sql,
			 "INSERT INTO population VALUES (%d, %d, %s, %s, %s, NULL, 0, 0, 0)",
			 (i * 5 + 3) % PARCELS, i + 1, household, i % 3 ? "2" : "NULL",
			 i % 5 ? "'2020-01-01'" : "NULL");
		ASSERT_INT_EQ(exec(&fx, sql), 0);
	}
	ASSERT_INT_EQ(fixture_store(&fx), 0);
	pr_records *rec = &fx.rec[PR_SRC_POPULATION];
	ASSERT_INT_EQ(rec->n, N);
	char *before = served_population(&fx);
	ASSERT_TRUE(before != NULL);
	/* What each row held, by its row number, and the order it was read in. */
	int32_t parcel[N + 1];
	double persons[N + 1];
	int32_t registered[N + 1];
	char household[N + 1][16];
	for (size_t i = 0; i < rec->n; i++) {
		uint64_t row = rec->row[i];
		ASSERT_TRUE(row >= 1 && row <= N);
		parcel[row] = rec->parcel[i];
		persons[row] = rec->cols[POP_PERSONS].num[i];
		registered[row] = rec->cols[POP_REGISTERED].date[i];
		const char *h = pr_column_text(&rec->cols[POP_HOUSEHOLD], i);
		snprintf(household[row], sizeof household[row], "%s", h ? h : "-");
	}
	ASSERT_INT_EQ(pr_records_sort_by_parcel(ctx, rec, PARCELS), 0);
	ASSERT_INT_EQ(rec->n, N);
	for (size_t i = 0; i < rec->n; i++) {
		uint64_t row = rec->row[i];
		if (i > 0) {
			ASSERT_TRUE(rec->parcel[i - 1] <= rec->parcel[i]);
			/* Read in row order: a parcel's rows stay in it. */
			if (rec->parcel[i - 1] == rec->parcel[i])
				ASSERT_TRUE(rec->row[i - 1] < row);
		}
		ASSERT_INT_EQ(rec->parcel[i], parcel[row]);
		ASSERT_TRUE(isnan(persons[row]) ? isnan(rec->cols[POP_PERSONS].num[i])
						: rec->cols[POP_PERSONS].num[i] == persons[row]);
		ASSERT_INT_EQ(rec->cols[POP_REGISTERED].date[i], registered[row]);
		const char *h = pr_column_text(&rec->cols[POP_HOUSEHOLD], i);
		ASSERT_STR_EQ(h ? h : "-", household[row]);
	}
	/* A store over the sorted records serves the same rows in the same order. */
	pr_store_close(&fx.store);
	const pr_records *recs[PR_SRC_COUNT] = {[PR_SRC_POPULATION] = rec};
	ASSERT_INT_EQ(pr_store_open(ctx, &fx.store), 0);
	ASSERT_INT_EQ(pr_store_load(ctx, &fx.store, &fx.parcels, recs, PR_DATE_NULL), 0);
	char *after = served_population(&fx);
	ASSERT_TRUE(after != NULL);
	ASSERT_STR_EQ(after, before);
	/* Known by a day before any registration: in order, but the store must still leave out
	 * what was not known (the 12 rows without a date stay). */
	pr_store_close(&fx.store);
	ASSERT_INT_EQ(pr_store_open(ctx, &fx.store), 0);
	ASSERT_INT_EQ(
	    pr_store_load(ctx, &fx.store, &fx.parcels, recs, pr_days_from_civil(2019, 1, 1)), 0);
	ASSERT_INT_EQ(count(&fx, "SELECT COUNT(*) FROM population"), N / 5);
	free(before);
	free(after);
	fixture_close(&fx);
}

static void test_store_tables(void)
{
	fixture fx = {0};
	ASSERT_INT_EQ(fixture_open(&fx, 10), 0);
	ASSERT_INT_EQ(exec(&fx, "UPDATE parcels SET owner = 'ACME' WHERE parcel_id IN (1, 8);"
				"UPDATE parcels SET owner = 'acme' WHERE parcel_id = 3;"
				"UPDATE parcels SET id = '5' WHERE parcel_id = 5"),
		      0);
	for (int i = 0; i < 40; i++) {
		char sql[160];
		snprintf(sql, sizeof sql,
			 "INSERT INTO population VALUES (%d, %d, 'H%d', 1, '2020-01-01', NULL, 0, "
			 "0, 0)",
			 i % 10, i + 1, i % 7);
		ASSERT_INT_EQ(exec(&fx, sql), 0);
	}
	ASSERT_INT_EQ(fixture_store(&fx), 0);
	ASSERT_INT_EQ(count(&fx, "SELECT COUNT(*) FROM parcels WHERE owner = 'ACME'"), 2);
	ASSERT_INT_EQ(
	    count(&fx, "SELECT COUNT(*) FROM parcels WHERE owner = 'acme' COLLATE NOCASE"), 3);
	ASSERT_INT_EQ(count(&fx, "SELECT COUNT(*) FROM parcels WHERE owner = 'ACME' OR id = 'P1' "
				 "OR id = 'P0'"),
		      3);
	ASSERT_INT_EQ(count(&fx, "SELECT COUNT(*) FROM parcels WHERE id = 5"), 1);
	ASSERT_INT_EQ(count(&fx, "SELECT COUNT(*) FROM parcels WHERE id = X'35'"), 0);
	ASSERT_INT_EQ(count(&fx, "SELECT COUNT(*) FROM parcels WHERE parcel_id = '3'"), 1);
	ASSERT_INT_EQ(count(&fx, "SELECT COUNT(*) FROM population WHERE parcel_id = 3.0"), 4);
	ASSERT_INT_EQ(count(&fx, "SELECT COUNT(*) FROM population WHERE household = 'H3'"), 6);
	/* A self-join on household: 40 rows, households of 5 or 6. */
	ASSERT_INT_EQ(count(&fx, "SELECT COUNT(*) FROM population a JOIN population b "
				 "ON b.household = a.household"),
		      5 * 6 * 6 + 2 * 5 * 5);
	/* PLAN_TEXT + the household column: a lookup, not a scan. */
	ASSERT_TRUE(planned(&fx,
			    "SELECT COUNT(*) FROM population a JOIN population b "
			    "ON b.household = a.household",
			    "INDEX 4"));
	/* Read-only. */
	ASSERT_TRUE(sqlite3_exec(fx.store.db, "DELETE FROM parcels", NULL, NULL, NULL) !=
		    SQLITE_OK);
	fixture_close(&fx);
}

/* A model text must fail with PR_ECONFIG and a message holding needle. */
static void expect_bad_model(const char *text, const char *needle)
{
	fixture fx = {0};
	pr_model *m = NULL;
	pr_scores s = {0};
	if (fixture_open(&fx, 2) < 0 || fixture_store(&fx) < 0) {
		FAIL_AT("store");
		fixture_close(&fx);
		return;
	}
	int r = pr_model_parse(ctx, "bad.ini", text, &m);
	if (r == 0)
		r = pr_model_score(ctx, m, &fx.store, as_of(), 2, NULL, &s);
	if (r != PR_ECONFIG)
		FAIL_AT("status %d for a bad model, expected PR_ECONFIG (%s)", r,
			pr_context_errmsg(ctx));
	else if (!strstr(pr_context_errmsg(ctx), needle))
		FAIL_AT("'%s' lacks '%s'", pr_context_errmsg(ctx), needle);
	pr_scores_free(&s);
	pr_model_free(m);
	fixture_close(&fx);
}

static void test_bad_models(void)
{
	const char *factor = "[factor f]\nvalue = 1\nweight = 1\nsaturate = 1\n";
	char text[1024];
	/* SQL that does not run: the section and SQLite's message. */
	snprintf(text, sizeof text, "[feature x]\nsql = SELEC parcel_id FROM parcels\n%s", factor);
	expect_bad_model(
	    text, "bad.ini line 1 [feature x]: the sql does not run: near \"FROM\": syntax error");
	snprintf(text, sizeof text, "[feature x]\nsql = SELECT parcel_id, 1 FROM nowhere\n%s",
		 factor);
	expect_bad_model(text, "no such table: nowhere");
	/* A factor naming an unknown feature. */
	expect_bad_model("[factor f]\nvalue = nosuch * 2\nweight = 1\nsaturate = 1\n",
			 "bad.ini line 1 [factor f]: the value fails: no such column: nosuch");
	/* Missing keys. */
	expect_bad_model("[factor f]\nvalue = 1\nsaturate = 1\n",
			 "bad.ini line 1 [factor f]: missing key 'weight'");
	expect_bad_model("[factor f]\nvalue = 1\nweight = 1\n", "missing key 'saturate'");
	expect_bad_model("[factor f]\nweight = 1\nsaturate = 1\n", "missing key 'value'");
	expect_bad_model("[factor f]\nvalue = 1\nweight = 1\nsaturate = 1\n[factor g]\n",
			 "bad.ini line 5 [factor g]: missing key 'value'");
	/* Unknown keys and sections, bad numbers, bad names. */
	expect_bad_model("[factor f]\nvalue = 1\nweight = 1\nsaturate = 1\ncolour = red\n",
			 "line 5 [factor f]: unknown key 'colour'");
	expect_bad_model("[factors f]\nvalue = 1\n", "line 1: unknown section [factors f]");
	expect_bad_model("[factor f]\nvalue = 1\nweight = heavy\nsaturate = 1\n",
			 "line 3 [factor f]: weight 'heavy' is not a number");
	expect_bad_model("[factor F-1]\nvalue = 1\n", "'F-1' is not a valid name");
	/* Inconsistent settings. */
	expect_bad_model("[factor f]\nvalue = 1\nweight = 1\nfrom = 2\nsaturate = 2\n",
			 "saturate must differ from 'from'");
	expect_bad_model("[factor f]\nvalue = 1\nweight = 1\nsaturate = 1\nneeds = nothing\n",
			 "needs 'nothing', which is neither a feature nor a parcel column");
	snprintf(text, sizeof text, "[model]\nclass_medium = 60\nclass_high = 50\n%s", factor);
	expect_bad_model(text, "class thresholds must rise");
	snprintf(text, sizeof text,
		 "[feature x]\nsql = SELECT parcel_id, 1 FROM parcels\nexpr = "
		 "1\n%s",
		 factor);
	expect_bad_model(text, "give either sql");
	snprintf(text, sizeof text, "[feature x]\nsql = SELECT parcel_id, :when FROM parcels\n%s",
		 factor);
	expect_bad_model(text, "unknown parameter :when");
	snprintf(text, sizeof text,
		 "[feature x]\nsql = SELECT p.parcel_id, 1 FROM parcels p, parcels q\n%s", factor);
	expect_bad_model(text, "more than one row for a parcel");
	expect_bad_model("[model]\nname = empty\n", "has no [factor NAME] section");
	expect_bad_model("[feature abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvw]\nexpr = 1\n",
			 "section name longer than 49 characters");
	/* An indented [...] continues a value: here it is SQL that does not run, not a section. */
	snprintf(text, sizeof text,
		 "[feature x]\nsql = SELECT parcel_id,\n  [floor_area_m2] FROM "
		 "nowhere\n%s",
		 factor);
	expect_bad_model(text, "[feature x]: the sql does not run: no such table: nowhere");
	expect_bad_model("[factor f]\nvalue = 1\nweight = 1\nsaturate = 1\nweight = 2\n",
			 "line 5 [factor f]: key 'weight' is given twice");
	/* Names that SQL or the output would take otherwise. */
	snprintf(text, sizeof text, "[feature order]\nexpr = 1\n%s", factor);
	expect_bad_model(text, "bad.ini line 1 [feature order]: 'order' cannot name a feature");
	snprintf(text, sizeof text, "[feature rank]\nexpr = 1\n%s", factor);
	expect_bad_model(text, "'rank' cannot name a feature");
	/* One statement per value: nothing can run beside the engine's own SQL. */
	snprintf(text, sizeof text,
		 "[feature e]\nexpr = 1) AS z FROM parcels; CREATE TABLE t(x); SELECT (1\n%s",
		 factor);
	expect_bad_model(text, "[feature e]: the expr fails: more than one SQL statement");
	snprintf(text, sizeof text,
		 "[feature s]\nsql = SELECT parcel_id, 1 FROM parcels); DROP TABLE parcels; "
		 "SELECT (1\n%s",
		 factor);
	expect_bad_model(text, "[feature s]: the sql does not run: more than one SQL statement");
	expect_bad_model("[factor f]\nvalue = 1) FROM features; DELETE FROM parcels; SELECT (1\n"
			 "weight = 1\nsaturate = 1\n",
			 "[factor f]: the value fails: more than one SQL statement");
}

/* Model SQL that never ends, in a feature's query, in an expression and in a factor's value,
 * is stopped at the limit and the section running named; with no limit the same store scores
 * normally. Not a timing test: only that it stops, and with which message. */
#define ENDLESS                                                                                    \
	"(WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT max(n) FROM r)"

static void expect_stopped(const char *text, const char *needle)
{
	fixture fx = {0};
	pr_model *m = NULL;
	pr_scores s = {0};
	pr_model_options options = {.time_limit_s = 0.2, .limit_origin = "city.ini"};
	if (fixture_open(&fx, 3) < 0 || fixture_store(&fx) < 0 ||
	    pr_model_parse(ctx, "slow.ini", text, &m) < 0) {
		FAIL_AT("setup: %s", pr_context_errmsg(ctx));
	} else {
		int r = pr_model_score(ctx, m, &fx.store, as_of(), 3, &options, &s);
		if (r != PR_ECONFIG)
			FAIL_AT("status %d for endless SQL, expected PR_ECONFIG", r);
		else if (!strstr(pr_context_errmsg(ctx), needle))
			FAIL_AT("'%s' lacks '%s'", pr_context_errmsg(ctx), needle);
	}
	pr_scores_free(&s);
	pr_model_free(m);
	fixture_close(&fx);
}

/* A factor on_top adds its points without joining the scale: where it gives nothing the score
 * is the one without it; where it gives points they come on top, capped at 100. */
static void test_on_top(void)
{
	static const char base[] = "[factor f1]\nvalue = parcel_id\nfrom = 0\nsaturate = 10\n"
				   "weight = 10\n";
	static const char top[] = "[factor t]\nvalue = CASE WHEN parcel_id >= 4 THEN parcel_id END"
				  "\nfrom = 3\nsaturate = 5\nweight = 10\non_top = yes\n";
	char text[512];
	fixture fx = {0};
	pr_model *m = NULL;
	pr_scores s = {0};
	ASSERT_INT_EQ(fixture_open(&fx, 6), 0);
	ASSERT_INT_EQ(fixture_store(&fx), 0);
	snprintf(text, sizeof text, "%s%s", base, top);
	ASSERT_INT_EQ(pr_model_parse(ctx, "top.ini", text, &m), 0);
	int r = pr_model_score(ctx, m, &fx.store, as_of(), 6, NULL, &s);
	if (r < 0)
		FAIL_AT("%s", pr_context_errmsg(ctx));
	/* f1 alone: parcel_id / 10 of the scale; t adds (id - 3) / 2 of its 10 points. */
	ASSERT_DBL_NEAR(s.score[2], 20, 1e-9);
	ASSERT_DBL_NEAR(s.score[3], 30, 1e-9);
	ASSERT_DBL_NEAR(s.score[4], 40 + 50, 1e-9);
	ASSERT_DBL_NEAR(s.score[5], 100, 1e-9); /* 50 + 100, capped */
	pr_scores_free(&s);
	pr_model_free(m);
	fixture_close(&fx);
	/* The same factor without on_top joins the scale of 20 points. */
	snprintf(text, sizeof text, "%s%s", base, top);
	*strstr(text, "on_top = yes") = ';';
	ASSERT_INT_EQ(fixture_open(&fx, 6), 0);
	ASSERT_INT_EQ(fixture_store(&fx), 0);
	ASSERT_INT_EQ(pr_model_parse(ctx, "top.ini", text, &m), 0);
	ASSERT_INT_EQ(pr_model_score(ctx, m, &fx.store, as_of(), 6, NULL, &s), 0);
	ASSERT_DBL_NEAR(s.score[2], 10, 1e-9);
	ASSERT_DBL_NEAR(s.score[4], 45, 1e-9);
	pr_scores_free(&s);
	pr_model_free(m);
	fixture_close(&fx);
	expect_bad_model("[factor f]\nvalue = 1\nweight = 1\nsaturate = 1\non_top = maybe\n",
			 "bad.ini line 5 [factor f]: on_top 'maybe' is not yes or no");
}

static void test_time_limit(void)
{
	const char *factor = "[factor f]\nvalue = 1\nweight = 1\nsaturate = 1\n";
	char text[1024];
	snprintf(text, sizeof text,
		 "[feature ok]\nsql = SELECT parcel_id, 1 FROM parcels\n"
		 "[feature slow]\nsql = SELECT parcel_id, " ENDLESS " FROM parcels\n%s",
		 factor);
	expect_stopped(text, "slow.ini line 3 [feature slow]: stopped after 0.2 s "
			     "(time_limit_s in [run] of city.ini)");
	/* In the features table, the expression with a subquery is the one named. */
	snprintf(text, sizeof text, "[feature e]\nexpr = 2\n[feature slow]\nexpr = " ENDLESS "\n%s",
		 factor);
	expect_stopped(text, "slow.ini line 3 [feature slow]: stopped after 0.2 s");
	snprintf(text, sizeof text, "%s[factor g]\nvalue = " ENDLESS "\nweight = 1\nsaturate = 1\n",
		 factor);
	expect_stopped(text, "slow.ini line 5 [factor g]: stopped after 0.2 s");

	/* Under a limit, with every source given, the default model scores as without one. */
	fixture fx = {0};
	pr_model *m = NULL;
	pr_scores a = {0}, b = {0};
	pr_model_options options = {.time_limit_s = 600, .limit_origin = "city.ini"};
	ASSERT_INT_EQ(fixture_open(&fx, 4), 0);
	ASSERT_INT_EQ(
	    exec(&fx, "UPDATE parcels SET floor_area_m2 = 40, dwellings = 1;"
		      "INSERT INTO population VALUES (1, 1, 'H', 5, '2026-01-01', NULL, 0, "
		      "0, 0), (1, 2, 'I', 4, '2026-02-01', NULL, 0, 0, 0);"
		      "INSERT INTO complaints VALUES (2, 1, '2026-06-01', 'humidity', 0, 0, 0)"),
	    0);
	ASSERT_INT_EQ(fixture_store(&fx), 0);
	ASSERT_INT_EQ(pr_model_load(ctx, NULL, &m), 0);
	ASSERT_INT_EQ(pr_model_score(ctx, m, &fx.store, as_of(), 4, NULL, &a), 0);
	ASSERT_INT_EQ(pr_model_score(ctx, m, &fx.store, as_of(), 4, &options, &b), 0);
	for (int i = 0; i < 4; i++) {
		ASSERT_DBL_NEAR(a.score[i], b.score[i], 0);
		ASSERT_STR_EQ(pr_scores_reasons(&a, i), pr_scores_reasons(&b, i));
		ASSERT_DBL_NEAR(a.data_coverage[i], b.data_coverage[i], 0);
	}
	ASSERT_TRUE(a.score[1] > 0 && a.score[2] > 0);
	pr_scores_free(&a);
	pr_scores_free(&b);
	pr_model_free(m);
	fixture_close(&fx);
}

/* The function names a store registers, one per line, sorted (pragma_function_list). */
static char *function_names(const char *security)
{
	pr_store store = {0};
	sqlite3_stmt *st = NULL;
	pr_strbuf names = {0};
	setenv("SPATIALITE_SECURITY", security, 1);
	if (pr_store_open(ctx, &store) == 0 &&
	    sqlite3_prepare_v2(store.db,
			       "SELECT DISTINCT lower(name) FROM pragma_function_list ORDER BY 1",
			       -1, &st, NULL) == SQLITE_OK)
		while (sqlite3_step(st) == SQLITE_ROW)
			pr_strbuf_printf(&names, "\n%s\n", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	pr_store_close(&store);
	return names.data;
}

/* Whatever SPATIALITE_SECURITY says, model SQL cannot reach files: every function relaxed mode
 * adds is refused (found from SpatiaLite itself, so a newer one is checked too), so are those
 * strict mode keeps that read files, and a model naming one fails to check, naming the section
 * and the function, without running. */
static void test_sandbox(void)
{
	char *strict = function_names("strict");
	char *relaxed = function_names("relaxed");
	ASSERT_TRUE(strict && relaxed);
	/* Relaxed mode took effect: the test below is not vacuous. */
	ASSERT_TRUE(strstr(relaxed, "\nblobfromfile\n") && !strstr(strict, "\nblobfromfile\n"));
	int added = 0;
	for (char *line = strtok(relaxed, "\n"); line; line = strtok(NULL, "\n")) {
		char key[160];
		snprintf(key, sizeof key, "\n%s\n", line);
		if (strstr(strict, key))
			continue;
		added++;
		if (!pr_store_function_refused(line))
			FAIL_AT("relaxed mode's %s() is not refused", line);
	}
	ASSERT_TRUE(added >= 20);
	free(strict);
	free(relaxed);
	static const char *const always[] = {"load_extension",
					     "fts3_tokenizer",
					     "zipfile_numshp",
					     "Zipfile_ShpN",
					     "zipfile_numdbf",
					     "zipfile_dbfn",
					     "proj_setdatabasepath",
					     "sqlproc_execute",
					     "storedproc_execute",
					     "pause",
					     "BLOBTOFILE"};
	for (size_t i = 0; i < sizeof always / sizeof *always; i++)
		if (!pr_store_function_refused(always[i]))
			FAIL_AT("%s() is not refused", always[i]);
	ASSERT_TRUE(!pr_store_function_refused("st_area"));
	ASSERT_TRUE(!pr_store_function_refused("count"));

	/* The rest of the test runs as a site with relaxed mode in its environment would. */
	setenv("SPATIALITE_SECURITY", "relaxed", 1);
	char written[64];
	snprintf(written, sizeof written, "/tmp/pr-sandbox-%d", (int)getpid());
	const char *factor = "[factor f]\nvalue = 1\nweight = 1\nsaturate = 1\n";
	char text[1024];
	snprintf(text, sizeof text,
		 "[feature leak]\nsql = SELECT parcel_id, length(BlobFromFile('/etc/passwd')) "
		 "FROM parcels\n%s",
		 factor);
	expect_bad_model(text, "bad.ini line 1 [feature leak]: the sql does not run: "
			       "blobfromfile() is not allowed: it reads files");
	snprintf(
	    text, sizeof text,
	    "[feature dropped]\nsql = SELECT parcel_id, BlobToFile(X'41', '%s') FROM parcels\n%s",
	    written, factor);
	expect_bad_model(text, "[feature dropped]: the sql does not run: blobtofile() is not "
			       "allowed: it writes files");
	ASSERT_TRUE(access(written, F_OK) != 0);
	snprintf(text, sizeof text, "[feature e]\nexpr = length(bLoBfRoMfIlE('/etc/passwd'))\n%s",
		 factor);
	expect_bad_model(text, "[feature e]: the expr fails: blobfromfile() is not allowed");
	expect_bad_model("[factor f]\nvalue = load_extension('mod_spatialite')\nweight = 1\n"
			 "saturate = 1\n",
			 "[factor f]: the value fails: load_extension() is not allowed: it loads "
			 "code");
	snprintf(text, sizeof text,
		 "[feature x]\nsql = SELECT parcel_id, eval('SELECT 1') FROM "
		 "parcels\n%s",
		 factor);
	expect_bad_model(text, "eval() is not allowed: it runs other SQL");

	/* SpatiaLite's geometry functions stay: a feature may use them. */
	fixture fx = {0};
	pr_model *m = NULL;
	pr_scores s = {0};
	ASSERT_INT_EQ(fixture_open(&fx, 2), 0);
	ASSERT_INT_EQ(fixture_store(&fx), 0);
	ASSERT_INT_EQ(
	    pr_model_parse(ctx, "geo.ini",
			   "[feature g]\nsql = SELECT parcel_id, ST_X(MakePoint(3, 4)) "
			   "FROM parcels\n[factor f]\nvalue = g\nweight = 1\nsaturate = 3\n",
			   &m),
	    0);
	int r = pr_model_score(ctx, m, &fx.store, as_of(), 2, NULL, &s);
	if (r < 0)
		FAIL_AT("%s", pr_context_errmsg(ctx));
	ASSERT_DBL_NEAR(feature(m, &s, 1, "g"), 3, 0);
	/* Nor does the store attach files or create tables over them, whoever asks. */
	ASSERT_TRUE(sqlite3_exec(fx.store.db, "ATTACH 'x.db' AS x", NULL, NULL, NULL) != SQLITE_OK);
	ASSERT_TRUE(sqlite3_exec(fx.store.db,
				 "CREATE VIRTUAL TABLE pw USING VirtualText('/etc/passwd', "
				 "'UTF-8', 0, POINT, NONE, ':')",
				 NULL, NULL, NULL) != SQLITE_OK);
	ASSERT_CONTAINS(pr_store_refusal(&fx.store), "virtual table module VirtualText");
	pr_scores_free(&s);
	pr_model_free(m);
	fixture_close(&fx);
	unsetenv("SPATIALITE_SECURITY");
}

/* Which sources the default model's features and factors read, through expressions too. */
static void test_model_reads(void)
{
	pr_model *m = NULL;
	pr_store store = {0};
	pr_model_reads reads = {0};
	ASSERT_INT_EQ(pr_model_load(ctx, NULL, &m), 0);
	ASSERT_INT_EQ(pr_store_open_empty(ctx, &store), 0);
	ASSERT_INT_EQ(pr_model_find_reads(ctx, m, &store, &reads), 0);
	unsigned P = 1u << PR_SRC_PARCELS, R = 1u << PR_SRC_POPULATION;
	unsigned C = 1u << PR_SRC_COMPLAINTS, I = 1u << PR_SRC_INSPECTIONS;
	ASSERT_INT_EQ(reads.feature[feature_index(m, "households")], R);
	ASSERT_INT_EQ(reads.feature[feature_index(m, "serious_complaint_weight")], C);
	ASSERT_INT_EQ(reads.feature[feature_index(m, "owner_flagged_parcels")], P | I);
	/* Through scores, nothing: they went without what was left out. */
	ASSERT_INT_EQ(reads.feature[feature_index(m, "owner_high_risk_parcels")], P);
	/* Expressions: through the features they name. */
	ASSERT_INT_EQ(reads.feature[feature_index(m, "m2_per_person")], R);
	ASSERT_INT_EQ(reads.feature[feature_index(m, "student_pattern")], R);
	ASSERT_INT_EQ(reads.factor[factor_index(m, "complaints")], C);
	ASSERT_INT_EQ(reads.factor[factor_index(m, "student_housing")], R);
	ASSERT_INT_EQ(reads.factor[factor_index(m, "clean_inspection")], I);
	ASSERT_INT_EQ(reads.factor[factor_index(m, "old_stock")], 0);
	ASSERT_INT_EQ(reads.factor[factor_index(m, "portfolio_risk")], P);
	/* The stand-in tables are gone. */
	ASSERT_TRUE(sqlite3_exec(store.db, "SELECT * FROM features", NULL, NULL, NULL) !=
		    SQLITE_OK);
	pr_store_close(&store);
	pr_model_free(m);
}

static void note_release(void *user, unsigned sources)
{
	*(unsigned *)user |= sources;
}

/* Scores model text over 4 parcels with population rows (parcel i has i households) and the
 * release option; what was released goes to *released. */
static int score_releasing(const char *text, fixture *fx, pr_model **m, pr_scores *s,
			   unsigned *released)
{
	pr_model_options options = {.release = note_release, .release_user = released};
	*released = 0;
	if (fixture_open(fx, 4) < 0 ||
	    exec(fx, "INSERT INTO population (parcel_id, row, household, persons) VALUES "
		     "(1, 1, 'a', 1), (2, 2, 'b', 1), (2, 3, 'c', 1), (3, 4, 'd', 1), "
		     "(3, 5, 'e', 1), (3, 6, 'f', 1)") < 0 ||
	    fixture_store(fx) < 0 || pr_model_parse(ctx, "release.ini", text, m) < 0 ||
	    pr_model_score(ctx, *m, &fx->store, as_of(), 4, &options, s) < 0) {
		fprintf(stderr, "%s\n", pr_context_errmsg(ctx));
		return -1;
	}
	return 0;
}

/* Once the first pass's features are built, the records nothing after them reads go: their
 * tables then refuse to be read, naming the source. A factor, a feature over scores or (when
 * the second pass rebuilds the features table) an expression feature reading a source keeps
 * it; the parcels and the inspections (the visit list reads them) always stay. */
static void test_release_sources(void)
{
	static const char feature[] =
	    "[feature households]\nsql = SELECT parcel_id, COUNT(*) FROM population GROUP BY "
	    "parcel_id\ndefault = 0\n"
	    "[factor f]\nvalue = households\nfrom = 0\nsaturate = 3\nweight = 10\n";
	static const char factor[] =
	    "[factor f]\nvalue = (SELECT COUNT(*) FROM population p WHERE p.parcel_id = "
	    "features.parcel_id)\nfrom = 0\nsaturate = 3\nweight = 10\n";
	static const char late[] =
	    "[feature households]\nsql = SELECT parcel_id, COUNT(*) FROM population GROUP BY "
	    "parcel_id\n"
	    "[feature again]\nuses_scores = yes\nsql = SELECT s.parcel_id, COUNT(*) FROM scores s "
	    "JOIN population p USING (parcel_id) GROUP BY s.parcel_id\n"
	    "[factor f]\nvalue = households\nfrom = 0\nsaturate = 3\nweight = 10\n";
	unsigned P = 1u << PR_SRC_PARCELS, R = 1u << PR_SRC_POPULATION;
	unsigned I = 1u << PR_SRC_INSPECTIONS;
	const char *texts[] = {feature, factor, late};
	for (int t = 0; t < 3; t++) {
		fixture fx = {0};
		pr_model *m = NULL;
		pr_scores s = {0};
		unsigned released = 0;
		ASSERT_INT_EQ(score_releasing(texts[t], &fx, &m, &s, &released), 0);
		/* The same scores whatever went: parcel i has i of 3 households' points. */
		for (int i = 0; i < 4; i++)
			ASSERT_DBL_NEAR(s.score[i], 100.0 * i / 3, 0.05);
		ASSERT_INT_EQ(released & (P | I), 0);
		ASSERT_INT_EQ(released & R, t == 0 ? R : 0);
		char *err = NULL;
		int rc =
		    sqlite3_exec(fx.store.db, "SELECT COUNT(*) FROM population", NULL, NULL, &err);
		if (t == 0) {
			ASSERT_TRUE(rc != SQLITE_OK);
			ASSERT_CONTAINS(err ? err : "", "population was let go");
		} else {
			ASSERT_INT_EQ(rc, SQLITE_OK);
		}
		sqlite3_free(err);
		ASSERT_INT_EQ(
		    sqlite3_exec(fx.store.db, "SELECT COUNT(*) FROM parcels", NULL, NULL, NULL),
		    SQLITE_OK);
		pr_scores_free(&s);
		pr_model_free(m);
		fixture_close(&fx);
	}
}

/* The first pass's feature tables are dropped once the features table holds their values,
 * unless something after may read them: here a feature over scores names one. */
static void test_first_tables_dropped(void)
{
	static const char plain[] =
	    "[feature base]\nsql = SELECT parcel_id, parcel_id FROM parcels\n"
	    "[factor f]\nvalue = base\nfrom = 0\nsaturate = 3\nweight = 10\n";
	static const char named[] =
	    "[feature base]\nsql = SELECT parcel_id, parcel_id FROM parcels\n"
	    "[feature again]\nuses_scores = yes\nsql = SELECT b.parcel_id, b.value + s.score * 0 "
	    "FROM feat_base b JOIN scores s USING (parcel_id)\n"
	    "[factor f]\nvalue = again\nfrom = 0\nsaturate = 3\nweight = 10\n";
	const char *texts[] = {plain, named};
	/* An expression feature marked as over scores has no query for the drop to look in. */
	static const char expr_late[] =
	    "[feature base]\nsql = SELECT parcel_id, parcel_id FROM parcels\n"
	    "[feature e]\nuses_scores = yes\nexpr = 1\n"
	    "[factor f]\nvalue = base\nfrom = 0\nsaturate = 3\nweight = 10\n";
	{
		fixture fx = {0};
		pr_model *m = NULL;
		pr_scores s = {0};
		unsigned released = 0;
		(void)score_releasing(expr_late, &fx, &m, &s, &released);
		pr_scores_free(&s);
		pr_model_free(m);
		fixture_close(&fx);
	}
	for (int t = 0; t < 2; t++) {
		fixture fx = {0};
		pr_model *m = NULL;
		pr_scores s = {0};
		unsigned released = 0;
		ASSERT_INT_EQ(score_releasing(texts[t], &fx, &m, &s, &released), 0);
		ASSERT_DBL_NEAR(s.score[2], 100.0 * 2 / 3, 0.05);
		int rc = sqlite3_exec(fx.store.db, "SELECT * FROM feat_base", NULL, NULL, NULL);
		ASSERT_INT_EQ(rc == SQLITE_OK, t == 1);
		pr_scores_free(&s);
		pr_model_free(m);
		fixture_close(&fx);
	}
}

/* A source left out of the sources file is not assessed, never zero: its features are missing
 * whatever their default, and so are expressions over them; factors over them give no points,
 * even one with a negative weight that would make the unknown look clean, say so in the
 * reasons and lower data_coverage; factors over other sources are untouched. */
static void test_absent_source(void)
{
	static const char text[] =
	    "[feature complaints_n]\nsql = SELECT parcel_id, COUNT(*) FROM complaints GROUP BY "
	    "parcel_id\ndefault = 0\n"
	    "[feature quiet]\nexpr = CASE WHEN complaints_n = 0 THEN 1 ELSE 0 END\n"
	    "[feature size]\nsql = SELECT parcel_id, area_m2 FROM parcels\n"
	    "[factor complained]\nvalue = complaints_n\nsaturate = 1\nweight = 10\n"
	    "reason = {complaints_n} complaints\n"
	    "[factor no_complaints]\nvalue = quiet\nsaturate = 1\nweight = -10\n"
	    "reason = no complaints\n"
	    "[factor big]\nvalue = size\nsaturate = 100\nweight = 10\nreason = big\n";
	fixture fx = {0};
	pr_model *m = NULL;
	pr_scores given = {0}, left_out = {0};
	pr_model_options options = {0};
	options.absent[PR_SRC_COMPLAINTS] = true;
	ASSERT_INT_EQ(fixture_open(&fx, 3), 0);
	ASSERT_INT_EQ(exec(&fx, "INSERT INTO complaints VALUES (1, 1, '2026-06-01', 'humidity', "
				"0, 0, 0)"),
		      0);
	ASSERT_INT_EQ(fixture_store(&fx), 0);
	ASSERT_INT_EQ(pr_model_parse(ctx, "absent.ini", text, &m), 0);
	ASSERT_INT_EQ(pr_model_score(ctx, m, &fx.store, as_of(), 3, NULL, &given), 0);
	int r = pr_model_score(ctx, m, &fx.store, as_of(), 3, &options, &left_out);
	if (r < 0)
		FAIL_AT("%s", pr_context_errmsg(ctx));
	ASSERT_INT_EQ(r, 0);
	/* Given: P0 looks quiet (-10 of 20), P1 complained (+10). */
	ASSERT_DBL_NEAR(given.score[0], 0, 0);
	ASSERT_DBL_NEAR(given.score[1], 100, 0);
	ASSERT_DBL_NEAR(given.data_coverage[0], 1, 0);
	for (int i = 0; i < 3; i++) {
		ASSERT_TRUE(isnan(feature(m, &left_out, i, "complaints_n")));
		ASSERT_TRUE(isnan(feature(m, &left_out, i, "quiet")));
		ASSERT_DBL_NEAR(feature(m, &left_out, i, "size"), 100, 0);
		ASSERT_DBL_NEAR(points(m, &left_out, i, "complained"), 0, 0);
		ASSERT_DBL_NEAR(points(m, &left_out, i, "no_complaints"), 0, 0);
		ASSERT_DBL_NEAR(points(m, &left_out, i, "big"), 10, 0);
		ASSERT_DBL_NEAR(left_out.score[i], 50, 0);
		ASSERT_DBL_NEAR(left_out.data_coverage[i], 1.0 / 3, 1e-12);
		ASSERT_STR_EQ(
		    pr_scores_reasons(&left_out, i),
		    "big; complained not assessed (no complaints data); no_complaints not "
		    "assessed (no complaints data)");
	}
	pr_scores_free(&given);
	pr_scores_free(&left_out);
	pr_model_free(m);
	fixture_close(&fx);
}

int main(void)
{
	if (pr_context_new(&ctx) < 0)
		return 2;
	RUN(test_default_model_factors);
	RUN(test_saturation_weights_classes);
	RUN(test_visit_list_exclusion);
	RUN(test_store_tables);
	RUN(test_sort_by_parcel);
	RUN(test_scores_table);
	RUN(test_two_passes);
	RUN(test_second_pass_parcels);
	RUN(test_ranks);
	RUN(test_feature_values);
	RUN(test_on_top);
	RUN(test_bad_models);
	RUN(test_time_limit);
	RUN(test_sandbox);
	RUN(test_model_reads);
	RUN(test_release_sources);
	RUN(test_first_tables_dropped);
	RUN(test_absent_source);
	pr_context_free(ctx);
	return HARNESS_EXIT();
}
