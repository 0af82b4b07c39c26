/* SPDX-License-Identifier: MIT */
/* Loads the joined records into the working store, an in-memory SpatiaLite database, under the
 * canonical names the model's SQL is written against. Dates are stored as ISO text
 * (YYYY-MM-DD), which compares correctly as text and works with SQLite's date functions. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <spatialite.h>

#include "store/store.h"

int pr_store_exec(pr_context *ctx, sqlite3 *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		int r = pr_error(ctx, PR_EINTERNAL, "working store: %s (in: %.200s)",
				 err ? err : sqlite3_errmsg(db), sql);
		sqlite3_free(err);
		return r;
	}
	return 0;
}

int pr_store_open(pr_context *ctx, pr_store *store)
{
	memset(store, 0, sizeof *store);
	if (sqlite3_open_v2(":memory:", &store->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK) {
		pr_store_close(store);
		return pr_error(ctx, PR_ENOMEM, "cannot open the working store");
	}
	/* Model SQL runs here: it may read the store, not reach other files. */
	sqlite3_limit(store->db, SQLITE_LIMIT_ATTACHED, 0);
	store->spatialite = spatialite_alloc_connection();
	spatialite_init_ex(store->db, store->spatialite, 0);
	int r = pr_store_exec(ctx, store->db,
			      "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
			      "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-262144;");
	if (r < 0)
		pr_store_close(store);
	return r;
}

void pr_store_close(pr_store *store)
{
	if (store->db)
		sqlite3_close(store->db);
	if (store->spatialite)
		spatialite_cleanup_ex(store->spatialite);
	memset(store, 0, sizeof *store);
}

static int prepare(pr_context *ctx, sqlite3 *db, const char *sql, sqlite3_stmt **ret)
{
	if (sqlite3_prepare_v2(db, sql, -1, ret, NULL) != SQLITE_OK)
		return pr_error(ctx, PR_EINTERNAL, "working store: %s (in: %.200s)",
				sqlite3_errmsg(db), sql);
	return 0;
}

/* Binds record i's value of col; date text goes into buf, which must live until the step. */
static void bind_value(sqlite3_stmt *st, int pos, const pr_column *col, size_t i, char *buf)
{
	switch (col->type) {
	case PR_FT_TEXT:
		if (col->text[i])
			sqlite3_bind_text(st, pos, col->text[i], -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, pos);
		break;
	case PR_FT_REAL:
		if (isnan(col->num[i]))
			sqlite3_bind_null(st, pos);
		else
			sqlite3_bind_double(st, pos, col->num[i]);
		break;
	case PR_FT_INT:
		if (isnan(col->num[i]))
			sqlite3_bind_null(st, pos);
		else
			sqlite3_bind_int64(st, pos, (sqlite3_int64)llround(col->num[i]));
		break;
	case PR_FT_DATE:
		if (col->date[i] == PR_DATE_NULL) {
			sqlite3_bind_null(st, pos);
		} else {
			pr_format_date(col->date[i], buf);
			sqlite3_bind_text(st, pos, buf, 10, SQLITE_STATIC);
		}
		break;
	}
}

static const char *sql_type(enum pr_field_type t)
{
	switch (t) {
	case PR_FT_REAL:
		return "REAL";
	case PR_FT_INT:
		return "INTEGER";
	default:
		return "TEXT";
	}
}

/* The records' indexes ordered by parcel, then by reading order (a counting sort). */
static size_t *parcel_order(const pr_records *rec, size_t n_parcels)
{
	size_t *start = calloc(n_parcels + 1, sizeof *start);
	size_t *order = malloc((rec->n ? rec->n : 1) * sizeof *order);
	if (!start || !order) {
		free(start);
		free(order);
		return NULL;
	}
	for (size_t i = 0; i < rec->n; i++)
		start[rec->parcel[i] + 1]++;
	for (size_t p = 0; p < n_parcels; p++)
		start[p + 1] += start[p];
	for (size_t i = 0; i < rec->n; i++)
		order[start[rec->parcel[i]]++] = i;
	free(start);
	return order;
}

/* Creates the table of one source with parcel_id and every canonical field (NULL where the
 * sources file maps no column), then inserts its records in one transaction. */
static int load_source(pr_context *ctx, sqlite3 *db, int source, const pr_records *rec,
		       const pr_parcels *parcels, bool with_xy)
{
	const pr_source_def *def = &pr_source_defs[source];
	pr_strbuf create = {0}, insert = {0};
	sqlite3_stmt *st = NULL;
	size_t *order = NULL;
	int r = 0;
	bool is_parcels = source == PR_SRC_PARCELS;

	pr_strbuf_printf(&create, "CREATE TABLE %s (parcel_id INTEGER%s", def->name,
			 is_parcels ? " PRIMARY KEY" : " NOT NULL, row INTEGER NOT NULL");
	pr_strbuf_printf(&insert, "INSERT INTO %s VALUES (?%s", def->name, is_parcels ? "" : ", ?");
	for (int f = 0; f < def->n_fields; f++) {
		pr_strbuf_printf(&create, ", \"%s\" %s", def->fields[f].name,
				 sql_type(def->fields[f].type));
		pr_strbuf_printf(&insert, ", ?");
	}
	if (is_parcels) {
		pr_strbuf_printf(&create, ", area_m2 REAL, x REAL, y REAL");
		pr_strbuf_printf(&insert, ", ?, ?, ?");
	} else if (def->points) {
		pr_strbuf_printf(&create, ", x REAL, y REAL, snapped INTEGER");
		pr_strbuf_printf(&insert, ", ?, ?, ?");
	}
	/* Records are clustered by parcel: the key orders the table, so the model's GROUP BY
	 * parcel_id reads it in order without a separate index or a sort. */
	pr_strbuf_printf(&create,
			 is_parcels ? ")" : ", PRIMARY KEY (parcel_id, row)) WITHOUT ROWID");
	pr_strbuf_printf(&insert, ")");
	if (!create.data || !insert.data) {
		r = PR_ENOMEM;
		goto done;
	}
	r = pr_store_exec(ctx, db, create.data);
	if (r < 0 || !rec)
		goto done;
	r = prepare(ctx, db, insert.data, &st);
	if (r < 0)
		goto done;
	r = pr_store_exec(ctx, db, "BEGIN");
	if (r < 0)
		goto done;
	if (!is_parcels) {
		order = parcel_order(rec, parcels->rec.n);
		if (!order) {
			r = PR_ENOMEM;
			goto done;
		}
	}
	char dates[PR_MAX_FIELDS][16];
	for (size_t k = 0; k < rec->n; k++) {
		size_t i = order ? order[k] : k;
		int pos = 1;
		sqlite3_bind_int64(st, pos++, is_parcels ? (sqlite3_int64)i : rec->parcel[i]);
		if (!is_parcels)
			sqlite3_bind_int64(st, pos++, (sqlite3_int64)rec->row[i]);
		for (int f = 0; f < def->n_fields; f++) {
			if (rec->cols[f].present)
				bind_value(st, pos, &rec->cols[f], i, dates[f]);
			else
				sqlite3_bind_null(st, pos);
			pos++;
		}
		if (is_parcels) {
			sqlite3_bind_double(st, pos++, parcels->area[i]);
			sqlite3_bind_double(st, pos++, parcels->label_xy[2 * i]);
			sqlite3_bind_double(st, pos++, parcels->label_xy[2 * i + 1]);
		} else if (def->points && with_xy) {
			sqlite3_bind_double(st, pos++, rec->x[i]);
			sqlite3_bind_double(st, pos++, rec->y[i]);
			sqlite3_bind_int(st, pos++, rec->snapped[i]);
		} else if (def->points) {
			for (int c = 0; c < 3; c++)
				sqlite3_bind_null(st, pos++);
		}
		if (sqlite3_step(st) != SQLITE_DONE) {
			r = pr_error(ctx, PR_EINTERNAL, "working store: loading %s: %s", def->name,
				     sqlite3_errmsg(db));
			goto done;
		}
		sqlite3_reset(st);
		if ((k & 0x3ffff) == 0x3ffff)
			pr_progress(ctx, "store", k + 1, rec->n);
	}
	r = pr_store_exec(ctx, db, "COMMIT");
	if (r < 0)
		goto done;
done:
	free(order);
	sqlite3_finalize(st);
	pr_strbuf_free(&create);
	pr_strbuf_free(&insert);
	return r;
}

int pr_store_load(pr_context *ctx, sqlite3 *db, const pr_parcels *parcels,
		  const pr_records *const records[PR_SRC_COUNT], const pr_column_use *use)
{
	for (int k = 0; k < PR_SRC_COUNT; k++) {
		const pr_records *rec = k == PR_SRC_PARCELS ? &parcels->rec : records[k];
		int r = load_source(ctx, db, k, rec, parcels, !use || use->xy[k]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The authorizer behind pr_store_watch_columns: every column a statement reads. */
static int record_read(void *user, int action, const char *table, const char *column,
		       const char *database, const char *trigger)
{
	pr_column_use *use = user;
	if (action != SQLITE_READ || !table || !column)
		return SQLITE_OK;
	for (int k = 0; k < PR_SRC_COUNT; k++) {
		const pr_source_def *def = &pr_source_defs[k];
		if (strcmp(table, def->name) != 0)
			continue;
		for (int f = 0; f < def->n_fields; f++)
			if (strcmp(column, def->fields[f].name) == 0)
				use->field[k][f] = true;
		if (strcmp(column, "x") == 0 || strcmp(column, "y") == 0 ||
		    strcmp(column, "snapped") == 0)
			use->xy[k] = true;
	}
	return SQLITE_OK;
}

void pr_store_watch_columns(sqlite3 *db, pr_column_use *use)
{
	sqlite3_set_authorizer(db, use ? record_read : NULL, use);
}
