/* SPDX-License-Identifier: MIT */
/* Judges a ranking the way published targeting systems are judged: precision at k (k = a
 * month of visits) and average precision over residential parcels, against a truth file, for
 * the model and for two baselines computed from the same output (most complaints first; most
 * households per dwelling first, or registrations per dwelling when the model has no households
 * feature). The truth file is read through GDAL's CSV driver. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gdal.h>
#include <ogr_api.h>
#include <sqlite3.h>

#include "core/core.h"
#include "parcelrisk/parcelrisk.h"

typedef struct truth_entry {
	char *parcel;
	uint64_t row;
	bool slum;
	bool lookalike;
	bool residential;
	bool ranked; /* found in the output's ranking */
} truth_entry;

typedef struct truth {
	truth_entry *items;
	size_t n, cap;
} truth;

static int compare_truth(const void *a, const void *b)
{
	return strcmp(((const truth_entry *)a)->parcel, ((const truth_entry *)b)->parcel);
}

/* By parcel, then row: the first listing of a parcel first. */
static int compare_truth_rows(const void *a, const void *b)
{
	const truth_entry *x = a, *y = b;
	int c = strcmp(x->parcel, y->parcel);
	return c ? c : (x->row > y->row) - (x->row < y->row);
}

static void truth_free(truth *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->items[i].parcel);
	free(t->items);
	memset(t, 0, sizeof *t);
}

/* Kinds that are not dwellings are left out; these look like slums to a naive model. */
static const char *const lookalike_kinds[] = {"student", "large_family", "social", "bar"};
static const char *const non_residential_kinds[] = {"commercial", "road"};

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(s, list[i]) == 0)
			return true;
	return false;
}

static int read_truth(pr_context *ctx, const char *path, truth *t)
{
	const char *const open_opts[] = {"AUTODETECT_TYPE=NO", NULL};
	GDALDatasetH ds =
	    GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, open_opts, NULL);
	OGRFeatureH feat = NULL;
	int r = 0;
	if (!ds)
		return pr_error_gdal(ctx, PR_ENOINPUT, "cannot open truth file %s", path);
	OGRLayerH layer = GDALDatasetGetLayer(ds, 0);
	OGRFeatureDefnH defn = layer ? OGR_L_GetLayerDefn(layer) : NULL;
	int i_parcel = defn ? OGR_FD_GetFieldIndex(defn, "parcel") : -1;
	int i_slum = defn ? OGR_FD_GetFieldIndex(defn, "is_slum") : -1;
	int i_kind = defn ? OGR_FD_GetFieldIndex(defn, "kind") : -1;
	if (i_parcel < 0 || i_slum < 0) {
		r = pr_error(ctx, PR_EDATA,
			     "%s: a truth file needs columns parcel and is_slum (and kind)", path);
		goto done;
	}
	uint64_t row = 0;
	while ((feat = OGR_L_GetNextFeature(layer))) {
		row++;
		const char *parcel = OGR_F_GetFieldAsString(feat, i_parcel);
		const char *slum = OGR_F_GetFieldAsString(feat, i_slum);
		const char *kind = i_kind >= 0 ? OGR_F_GetFieldAsString(feat, i_kind) : "";
		int64_t flag;
		if (!pr_parse_int64(slum, 0, 1, &flag)) {
			r = pr_error(ctx, PR_EDATA, "%s row %llu: is_slum '%s' is not 0 or 1", path,
				     (unsigned long long)row, slum);
			goto done;
		}
		r = pr_grow((void **)&t->items, &t->cap, t->n + 1, sizeof *t->items);
		if (r < 0)
			goto done;
		truth_entry *e = &t->items[t->n];
		e->parcel = strdup(parcel);
		if (!e->parcel) {
			r = PR_ENOMEM;
			goto done;
		}
		pr_trim(e->parcel);
		e->row = row;
		e->ranked = false;
		e->slum = flag == 1;
		e->lookalike = in_list(kind, lookalike_kinds, 4);
		e->residential = !in_list(kind, non_residential_kinds, 2);
		t->n++;
		OGR_F_Destroy(feat);
		feat = NULL;
	}
	qsort(t->items, t->n, sizeof *t->items, compare_truth_rows);
	/* A parcel listed twice would be counted twice as a slum and found once: refuse it. */
	for (size_t i = 1; i < t->n; i++)
		if (strcmp(t->items[i].parcel, t->items[i - 1].parcel) == 0) {
			r = pr_error(ctx, PR_EDATA,
				     "%s rows %llu and %llu: parcel '%s' is listed twice", path,
				     (unsigned long long)t->items[i - 1].row,
				     (unsigned long long)t->items[i].row, t->items[i].parcel);
			goto done;
		}
done:
	if (feat)
		OGR_F_Destroy(feat);
	GDALClose(ds);
	return r;
}

/* True when table has a column of that name. */
static bool has_column(sqlite3 *db, const char *table, const char *column)
{
	sqlite3_stmt *st = NULL;
	bool found = false;
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT 1 FROM pragma_table_info('%s') WHERE name = ?1", table);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, column, -1, SQLITE_STATIC);
		found = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	return found;
}

/* Walks a ranking query (parcel ids, best first) and computes the figures over the residential
 * parcels the truth file knows. */
static int judge(pr_context *ctx, sqlite3 *db, const char *sql, const truth *t, uint32_t k,
		 pr_evaluation *ev)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return pr_error(ctx, PR_EDATA, "not a parcelrisk output: %s", sqlite3_errmsg(db));
	uint32_t seen = 0, hits = 0, total_slums = 0;
	double sum_precision = 0;
	ev->k = k;
	for (size_t i = 0; i < t->n; i++)
		total_slums += t->items[i].residential && t->items[i].slum;
	while (sqlite3_step(st) == SQLITE_ROW) {
		truth_entry key = {.parcel = (char *)sqlite3_column_text(st, 0)};
		truth_entry *e =
		    key.parcel ? bsearch(&key, t->items, t->n, sizeof *t->items, compare_truth)
			       : NULL;
		if (!e || !e->residential)
			continue;
		e->ranked = true;
		seen++;
		if (e->slum) {
			hits++;
			sum_precision += (double)hits / seen;
		}
		if (seen == k)
			ev->hits_at_k = hits;
		if (seen <= 20 && e->lookalike)
			ev->lookalikes_top20++;
	}
	sqlite3_finalize(st);
	if (seen < k)
		ev->hits_at_k = hits;
	ev->ranked = seen;
	ev->positives = total_slums;
	ev->precision_at_k = k ? (double)ev->hits_at_k / (seen < k ? (seen ? seen : 1) : k) : 0;
	ev->average_precision = total_slums ? sum_precision / total_slums : 0;
	return 0;
}

int pr_evaluate(pr_context *ctx, const char *gpkg_path, const char *truth_path, uint32_t k,
		pr_evaluation ret_evaluations[3])
{
	truth t = {0};
	sqlite3 *db = NULL;
	pr_evaluation ev[3];
	int r;

	memset(ev, 0, sizeof ev);
	if (sqlite3_open_v2(gpkg_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		r = pr_error(ctx, PR_ENOINPUT, "cannot open %s: %s", gpkg_path,
			     db ? sqlite3_errmsg(db) : "out of memory");
		goto done;
	}
	if (k == 0) {
		/* The model's visit-list size, as the run recorded it. */
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(
			db, "SELECT value FROM run_info WHERE key = 'model.visit_list_size'", -1,
			&st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			k = (uint32_t)sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		if (k == 0)
			k = 80;
	}
	r = read_truth(ctx, truth_path, &t);
	if (r < 0)
		goto done;
	/* The baselines read the output's own columns: complaints_records and dwellings are in
	 * every output; households is a feature of the default model, so with another model the
	 * second baseline counts every registration on record (population_records) instead, and
	 * its name says so. */
	bool households = has_column(db, "parcel_risk", "households");
	const char *per_dwelling = households ? "households" : "population_records";
	char per_dwelling_sql[256];
	snprintf(per_dwelling_sql, sizeof per_dwelling_sql,
		 "SELECT parcel_id FROM parcel_risk ORDER BY CASE WHEN dwellings > 0 THEN 1.0 * "
		 "%s / dwellings END DESC NULLS LAST, parcel_id",
		 per_dwelling);
	const struct {
		const char *name;
		const char *sql;
	} rankings[3] = {
	    {"model", "SELECT parcel_id FROM parcel_risk ORDER BY rank"},
	    {"most complaints", "SELECT parcel_id FROM parcel_risk ORDER BY complaints_records "
				"DESC, parcel_id"},
	    {households ? "most households per dwelling" : "most registrations per dwelling",
	     per_dwelling_sql},
	};
	for (int i = 0; i < 3; i++) {
		snprintf(ev[i].name, sizeof ev[i].name, "%s", rankings[i].name);
		r = judge(ctx, db, rankings[i].sql, &t, k, &ev[i]);
		if (r < 0)
			goto done;
	}
	/* Truth parcels the output does not have (rejected inputs, another city) count as missed,
	 * and the figures say how many there are. */
	for (size_t i = 0; i < t.n; i++)
		if (t.items[i].residential && !t.items[i].ranked) {
			ev[0].truth_not_in_output++;
			ev[0].slums_not_in_output += t.items[i].slum;
		}
	for (int i = 1; i < 3; i++) {
		ev[i].truth_not_in_output = ev[0].truth_not_in_output;
		ev[i].slums_not_in_output = ev[0].slums_not_in_output;
	}
	memcpy(ret_evaluations, ev, sizeof ev);
done:
	sqlite3_close(db);
	truth_free(&t);
	return r;
}
