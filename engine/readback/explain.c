/* SPDX-License-Identifier: MIT */
/* Explains one parcel's score from an output GeoPackage: rank, score and class, then every
 * factor with its value, points and reason, and the features behind them. The model is read
 * from the file itself (run_info keeps its text), so the explanation is the one the run used,
 * whatever model files have changed since; so are the sources the run went without (run_info
 * names only those it read). Reads with SQLite directly, read-only. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "model/model.h"
#include "readback/readback.h"
#include "sources/sources.h"
#include "store/store.h"

/* The text of the named column of the current row, "" when NULL or absent. */
static const char *column_text(sqlite3_stmt *st, const char *name)
{
	for (int c = 0; c < sqlite3_column_count(st); c++)
		if (strcmp(sqlite3_column_name(st, c), name) == 0 &&
		    sqlite3_column_type(st, c) != SQLITE_NULL)
			return (const char *)sqlite3_column_text(st, c);
	return "";
}

static int column_index(sqlite3_stmt *st, const char *name)
{
	for (int c = 0; c < sqlite3_column_count(st); c++)
		if (strcmp(sqlite3_column_name(st, c), name) == 0)
			return c;
	return -1;
}

/* A value the run recorded in run_info, NULL when there is none. The caller frees it. */
static char *recorded(sqlite3 *db, const char *key)
{
	sqlite3_stmt *st = NULL;
	char *text = NULL;
	if (sqlite3_prepare_v2(db, "SELECT value FROM run_info WHERE key = ?1", -1, &st, NULL) ==
		SQLITE_OK &&
	    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		text = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return text;
}

/* The sources the run went without: those run_info does not describe. An output whose
 * run_info describes no source at all (not one of ours, or older) counts as having had them
 * all. */
static unsigned absent_sources(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	unsigned present = 0;
	if (sqlite3_prepare_v2(db, "SELECT key FROM run_info", -1, &st, NULL) != SQLITE_OK)
		return 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		const char *dot = key ? strchr(key, '.') : NULL;
		if (!dot || (strcmp(dot, ".path") != 0 && strcmp(dot, ".rows_read") != 0))
			continue;
		for (int k = 0; k < PR_SRC_COUNT; k++)
			if (strncmp(key, pr_source_defs[k].name, (size_t)(dot - key)) == 0 &&
			    pr_source_defs[k].name[dot - key] == '\0')
				present |= 1u << k;
	}
	sqlite3_finalize(st);
	if (!(present >> PR_SRC_PARCELS & 1))
		return 0;
	return ~present & ((1u << PR_SRC_COUNT) - 1);
}

/* What each factor reads, as the run found it: on an empty store. */
static int model_reads(pr_context *ctx, const pr_model *model, pr_model_reads *ret)
{
	pr_store store = {0};
	int r = pr_store_open_empty(ctx, &store);
	if (r == 0)
		r = pr_model_find_reads(ctx, model, &store, ret);
	pr_store_close(&store);
	return r;
}

int pr_explain(pr_context *ctx, const char *gpkg_path, const char *parcel_id, char **ret_text)
{
	pr_model_reads reads = {0};
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	pr_model *model = NULL;
	char *model_text = NULL, *audience = NULL;
	double *values = NULL;
	pr_strbuf out = {0}, sql = {0};
	int r = 0;

	if (sqlite3_open_v2(gpkg_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		r = pr_error(ctx, PR_ENOINPUT, "cannot open %s: %s", gpkg_path,
			     db ? sqlite3_errmsg(db) : "out of memory");
		goto done;
	}
	/* An output for planners or the public does not hold the parcel's personal detail: say so
	 * rather than show what is not there as unknown. Outputs without an audience are older
	 * ones, all for inspectors. */
	audience = recorded(db, "audience");
	if (audience && strcmp(audience, "public") == 0) {
		r = pr_error(ctx, PR_EDATA,
			     "%s is an output for the public (run_info audience): it holds "
			     "hotspots and no parcel, so no parcel can be explained from it; "
			     "explain the inspectors' or planners' output of the same run",
			     gpkg_path);
		goto done;
	}
	bool planners = audience && strcmp(audience, "planners") == 0;
	model_text = recorded(db, "model.ini");
	if (!model_text) {
		r = pr_error(ctx, PR_EDATA, "%s is not a parcelrisk output (run_info has no model)",
			     gpkg_path);
		goto done;
	}
	r = pr_model_parse(ctx, "the model recorded in the output", model_text, &model);
	if (r < 0)
		goto done;
	unsigned absent = absent_sources(db);
	if (absent) {
		r = model_reads(ctx, model, &reads);
		if (r < 0)
			goto done;
	}

	/* The parcel's row, with every factor's value evaluated on it. */
	pr_strbuf_printf(&sql, "SELECT *");
	pr_model_factor_value_columns(model, &sql);
	pr_strbuf_printf(&sql, ", (SELECT COUNT(*) FROM parcel_risk) AS parcels_ranked "
			       "FROM parcel_risk WHERE parcel_id = ?1");
	if (!sql.data) {
		r = PR_ENOMEM;
		goto done;
	}
	if (sqlite3_prepare_v2(db, sql.data, -1, &st, NULL) != SQLITE_OK) {
		r = pr_error(ctx, PR_EDATA, "%s: cannot evaluate the recorded model: %s", gpkg_path,
			     sqlite3_errmsg(db));
		goto done;
	}
	char key[256];
	snprintf(key, sizeof key, "%s", parcel_id);
	pr_trim(key);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		r = pr_error(ctx, PR_ENOTFOUND, "%s: no parcel with id '%s' in parcel_risk",
			     gpkg_path, key);
		goto done;
	}
	/* The parcel's values by name, as the run scored them. */
	values = malloc((size_t)pr_model_n_values(model) * sizeof *values);
	if (!values) {
		r = PR_ENOMEM;
		goto done;
	}
	for (int j = 0; j < pr_model_n_values(model); j++) {
		int c = column_index(st, pr_model_value_name(model, j));
		values[j] = c < 0 || sqlite3_column_type(st, c) == SQLITE_NULL
				? NAN
				: sqlite3_column_double(st, c);
	}
	pr_parcel_values parcel = {model, values, absent, &reads};
	const char *last = column_text(st, "last_inspection");
	pr_strbuf_printf(&out, "parcel %s\n", key);
	pr_strbuf_printf(&out, "  rank %s of %s, score %s / 100, class %s\n",
			 column_text(st, "rank"), column_text(st, "parcels_ranked"),
			 column_text(st, "score"), column_text(st, "risk_class"));
	if (planners)
		pr_strbuf_printf(
		    &out,
		    "  owner: %s (a pseudonym: this output is for planners; the name, "
		    "the address and the records are in the inspectors' output only)\n",
		    *column_text(st, "owner") ? column_text(st, "owner") : "unknown");
	else
		pr_strbuf_printf(&out, "  owner: %s\n",
				 *column_text(st, "owner") ? column_text(st, "owner") : "unknown");
	pr_strbuf_printf(&out, "  last inspection: %s\n",
			 *last				    ? last
			 : absent >> PR_SRC_INSPECTIONS & 1 ? "unknown (no inspections data)"
							    : "none on record");
	pr_strbuf_printf(&out, "  data coverage: %.0f%% of the factors could be assessed\n",
			 100 * sqlite3_column_double(st, column_index(st, "data_coverage")));
	pr_strbuf_printf(&out, "  reasons: %s\n",
			 *column_text(st, "reasons") ? column_text(st, "reasons")
						     : "none: no factor gives points");

	pr_strbuf_printf(&out, "\nfactors%-20s %10s %8s %8s  reason\n", "", "value", "weight",
			 "points");
	for (int k = 0; k < model->n_factors; k++) {
		const pr_factor *fa = &model->factors[k];
		char name[PR_NAME_MAX + 8], value_col[PR_NAME_MAX + 16];
		snprintf(name, sizeof name, "c_%s", fa->name);
		pr_model_factor_value_column(fa, value_col, sizeof value_col);
		int vc = column_index(st, value_col), pc = column_index(st, name);
		bool has_value = vc >= 0 && sqlite3_column_type(st, vc) != SQLITE_NULL;
		double value = has_value ? sqlite3_column_double(st, vc) : NAN;
		double points = pc >= 0 ? sqlite3_column_double(st, pc) : 0;
		char value_text[32];
		if (has_value)
			snprintf(value_text, sizeof value_text, "%.2f", value);
		else
			snprintf(value_text, sizeof value_text, "-");
		pr_strbuf_printf(&out, "  %-25s %10s %8g %8.2f  ", fa->name, value_text, fa->weight,
				 points);
		int not_assessed = pr_model_not_assessed(&parcel, k, &out);
		if (not_assessed < 0) {
			r = not_assessed;
			goto done;
		} else if (not_assessed) {
			pr_strbuf_printf(&out, "\n");
		} else if (points != 0 && fa->reason) {
			r = pr_model_render_reason(fa->reason, &parcel, value, points, &out);
			if (r < 0)
				goto done;
			pr_strbuf_printf(&out, "\n");
		} else {
			pr_strbuf_printf(&out, "no points\n");
		}
	}

	pr_strbuf_printf(&out, "\nfeatures\n");
	for (int f = 0; f < model->n_features; f++) {
		const pr_feature *fe = &model->features[f];
		int c = column_index(st, fe->name);
		char v[32] = "missing";
		if (c >= 0 && sqlite3_column_type(st, c) != SQLITE_NULL)
			pr_model_format_value(sqlite3_column_double(st, c), v, sizeof v);
		pr_strbuf_printf(&out, "  %-28s %-10s %s\n", fe->name, v,
				 fe->label ? fe->label : "");
	}
	pr_strbuf_printf(&out, "\nparcel data\n");
	for (int i = 0; i < pr_model_n_parcel_columns; i++) {
		const char *name = pr_model_parcel_columns[i].name;
		const char *v = column_text(st, name);
		pr_strbuf_printf(&out, "  %-28s %s\n", name, *v ? v : "missing");
	}
	for (int k = 0; k < PR_SRC_COUNT; k++) {
		const char *name = pr_source_defs[k].records_column;
		const char *v = name ? column_text(st, name) : NULL;
		/* The count of a source left out is no count at all, whatever the column holds. */
		if (v && absent >> k & 1)
			pr_strbuf_printf(&out, "  %-28s unknown (no %s data)\n", name,
					 pr_source_defs[k].name);
		else if (v)
			pr_strbuf_printf(&out, "  %-28s %s\n", name, *v ? v : "missing");
	}
	if (!out.data) {
		r = PR_ENOMEM;
		goto done;
	}
	*ret_text = out.data;
	out.data = NULL;
done:
	sqlite3_finalize(st);
	sqlite3_close(db);
	pr_model_free(model);
	free(model_text);
	free(audience);
	free(values);
	pr_strbuf_free(&out);
	pr_strbuf_free(&sql);
	return r;
}
