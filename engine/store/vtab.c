/* SPDX-License-Identifier: MIT */
/* The working store's four tables as SQLite virtual tables over the records in memory: the
 * model's SQL reads the joined records where they already are, instead of a copy inserted row
 * by row (that copy was a seventh of a regional run and as much memory again). Rows come in
 * parcel order, which the tables declare, so GROUP BY parcel_id needs no sort; a parcel_id
 * equality is answered from an offset table, an equality on a text column from a sorted list
 * built when first asked. The tables are read-only. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store/store.h"

/* What a virtual table serves: one source's records, in parcel order. */
typedef struct source_table {
	sqlite3_vtab base;
	const pr_store_sources *data;
	int source;
	const pr_parcels *parcels;
	const pr_records *rec; /* NULL: the source is absent, the table is empty */
	size_t n;
	size_t *order; /* record index of each row, by parcel; NULL: the records' own order */
	size_t *start; /* first row of each parcel, n_parcels + 1 entries */
	size_t n_parcels;
	int32_t known_by;   /* see pr_store_load */
	int happened_field; /* the field dating the record (its first date field), or -1 */
	/* For each text column asked for by equality: its rows with a value, sorted by it (built
	 * when first asked). Indexed by column number. */
	size_t *sorted[PR_MAX_FIELDS + 2];
	size_t n_sorted[PR_MAX_FIELDS + 2];
} source_table;

typedef struct source_cursor {
	sqlite3_vtab_cursor base;
	size_t at, end;
	const size_t *map; /* rows through a sorted list (text lookups), else NULL */
	char date[16];
} source_cursor;

/* Plans of xBestIndex: a scan, a parcel_id lookup, or PLAN_TEXT + column: a text column's
 * equality through its sorted list. */
enum { PLAN_SCAN = 0, PLAN_PARCEL_ID = 1, PLAN_TEXT = 2 };

/* What the module is given when the store is loaded, and its tables. */
struct pr_store_sources {
	const pr_parcels *parcels;
	const pr_records *records[PR_SRC_COUNT];
	int32_t known_by; /* PR_DATE_NULL: everything */
	source_table *tables[PR_SRC_COUNT];
	unsigned released; /* bit k: source k's table serves nothing (pr_store_release_sources) */
};

/* Column numbers: parcel_id first; then row for records; then the canonical fields; then the
 * extra columns (area_m2, x, y for parcels; x, y, snapped for points). */
static int first_field(int source)
{
	return source == PR_SRC_PARCELS ? 1 : 2;
}

static const char *sql_type(enum pr_field_type t)
{
	return t == PR_FT_REAL ? "REAL" : t == PR_FT_INT ? "INTEGER" : "TEXT";
}

static int declare(sqlite3 *db, int source)
{
	const pr_source_def *def = &pr_source_defs[source];
	pr_strbuf sql = {0};
	pr_strbuf_printf(&sql, "CREATE TABLE x(parcel_id INTEGER%s",
			 source == PR_SRC_PARCELS ? "" : ", row INTEGER");
	for (int f = 0; f < def->n_fields; f++)
		pr_strbuf_printf(&sql, ", \"%s\" %s", def->fields[f].name,
				 sql_type(def->fields[f].type));
	if (source == PR_SRC_PARCELS)
		pr_strbuf_printf(&sql, ", area_m2 REAL, x REAL, y REAL)");
	else if (def->locate == PR_LOCATE_POINT)
		pr_strbuf_printf(&sql, ", x REAL, y REAL, snapped INTEGER)");
	else
		pr_strbuf_printf(&sql, ")");
	int rc = sql.data ? sqlite3_declare_vtab(db, sql.data) : SQLITE_NOMEM;
	pr_strbuf_free(&sql);
	return rc;
}

/* Whether record i was known on t->known_by (pr_store_load). */
static bool known(const source_table *t, size_t i)
{
	if (t->known_by == PR_DATE_NULL || t->happened_field < 0)
		return true;
	const pr_column *c = &t->rec->cols[t->happened_field];
	return !c->present || c->date[i] == PR_DATE_NULL || c->date[i] <= t->known_by;
}

/* Orders the records known by parcel (a counting sort, stable), notes where each parcel starts
 * and leaves t->n the number of rows. Records already in parcel order (pr_records_sort_by_parcel)
 * and all known are served where they lie, without an order. */
static int index_by_parcel(source_table *t)
{
	bool in_order = t->known_by == PR_DATE_NULL || t->happened_field < 0;
	for (size_t i = 1; i < t->n && in_order; i++)
		in_order = t->rec->parcel[i - 1] <= t->rec->parcel[i];
	t->start = calloc(t->n_parcels + 2, sizeof *t->start);
	if (!t->start)
		return SQLITE_NOMEM;
	for (size_t i = 0; i < t->n; i++)
		if (known(t, i))
			t->start[t->rec->parcel[i] + 1]++;
	for (size_t p = 0; p < t->n_parcels; p++)
		t->start[p + 1] += t->start[p];
	if (in_order)
		return SQLITE_OK;
	t->order = malloc((t->n ? t->n : 1) * sizeof *t->order);
	size_t *next = malloc((t->n_parcels + 1) * sizeof *next);
	if (!t->order || !next) {
		free(next);
		return SQLITE_NOMEM;
	}
	memcpy(next, t->start, (t->n_parcels + 1) * sizeof *next);
	for (size_t i = 0; i < t->n; i++)
		if (known(t, i))
			t->order[next[t->rec->parcel[i]]++] = i;
	free(next);
	t->n = t->start[t->n_parcels];
	return SQLITE_OK;
}

static int table_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
			 sqlite3_vtab **ret, char **err)
{
	pr_store_sources *data = aux;
	int source = -1;
	for (int k = 0; k < PR_SRC_COUNT && argc > 3; k++)
		if (strcmp(argv[3], pr_source_defs[k].name) == 0)
			source = k;
	if (source < 0) {
		*err = sqlite3_mprintf("pr_source: unknown source");
		return SQLITE_ERROR;
	}
	source_table *t = sqlite3_malloc(sizeof *t);
	if (!t)
		return SQLITE_NOMEM;
	memset(t, 0, sizeof *t);
	t->data = data;
	t->source = source;
	t->parcels = data->parcels;
	t->n_parcels = data->parcels->rec.n;
	t->rec = source == PR_SRC_PARCELS ? &data->parcels->rec : data->records[source];
	t->n = t->rec ? t->rec->n : 0;
	t->known_by = source == PR_SRC_PARCELS ? PR_DATE_NULL : data->known_by;
	t->happened_field = -1;
	for (int f = 0; f < pr_source_defs[source].n_fields && t->happened_field < 0; f++)
		if (pr_source_defs[source].fields[f].type == PR_FT_DATE)
			t->happened_field = f;
	/* A table SQLite connects again after its source was let go serves nothing. */
	if (data->released >> source & 1)
		t->n = 0;
	int rc = declare(db, source);
	if (rc == SQLITE_OK && source != PR_SRC_PARCELS && t->rec &&
	    !(data->released >> source & 1))
		rc = index_by_parcel(t);
	if (rc != SQLITE_OK) {
		free(t->order);
		free(t->start);
		sqlite3_free(t);
		return rc;
	}
	data->tables[source] = t;
	*ret = &t->base;
	return SQLITE_OK;
}

/* Frees what a table built over its records: the rows by parcel, the sorted lists. */
static void free_table_index(source_table *t)
{
	free(t->order);
	free(t->start);
	t->order = t->start = NULL;
	for (int c = 0; c < PR_MAX_FIELDS + 2; c++) {
		free(t->sorted[c]);
		t->sorted[c] = NULL;
	}
}

static int table_disconnect(sqlite3_vtab *vt)
{
	source_table *t = (source_table *)vt;
	pr_store_sources *data = (pr_store_sources *)t->data;
	if (data->tables[t->source] == t)
		data->tables[t->source] = NULL;
	free_table_index(t);
	sqlite3_free(t);
	return SQLITE_OK;
}

/* The text column behind column number col, or NULL when it is not one. */
static const pr_column *text_column(const source_table *t, int col)
{
	int f = col - first_field(t->source);
	if (!t->rec || f < 0 || f >= pr_source_defs[t->source].n_fields)
		return NULL;
	const pr_column *c = &t->rec->cols[f];
	return c->present && c->type == PR_FT_TEXT ? c : NULL;
}

/* A parcel_id equality is a lookup in any table. So is an equality on a text column (id,
 * owner, household, category...) compared bytewise: SQLite builds no automatic index on a
 * virtual table, and without one a join on such a column scans the table once per outer row.
 * Text lookups return candidates and let SQLite check them (omit = 0): its affinity rules then
 * decide, never ours. Rows come by parcel_id except through a text lookup. */
/* Whether the query asks for the rows by parcel_id ascending, the order both kinds of table
 * give them in. */
static bool by_parcel_id(const sqlite3_index_info *info)
{
	return info->nOrderBy == 1 && info->aOrderBy[0].iColumn == 0 && !info->aOrderBy[0].desc;
}

static int table_best_index(sqlite3_vtab *vt, sqlite3_index_info *info)
{
	source_table *t = (source_table *)vt;
	bool parcels = t->source == PR_SRC_PARCELS;
	int eq_id = -1, eq_text = -1, text_col = -1;
	for (int c = 0; c < info->nConstraint; c++) {
		const struct sqlite3_index_constraint *k = &info->aConstraint[c];
		if (!k->usable || k->op != SQLITE_INDEX_CONSTRAINT_EQ)
			continue;
		if (k->iColumn == 0) {
			eq_id = c;
		} else if (eq_text < 0 && text_column(t, k->iColumn)) {
			const char *coll = sqlite3_vtab_collation(info, c);
			if (!coll || sqlite3_stricmp(coll, "BINARY") == 0) {
				eq_text = c;
				text_col = k->iColumn;
			}
		}
	}
	double per_parcel = parcels ? 1 : (double)t->n / (t->n_parcels ? (double)t->n_parcels : 1);
	double search = log2((double)t->n + 2);
	if (eq_id >= 0) {
		info->idxNum = PLAN_PARCEL_ID;
		info->aConstraintUsage[eq_id].argvIndex = 1;
		info->aConstraintUsage[eq_id].omit = 1;
		info->estimatedCost = 2 + search + per_parcel;
		info->estimatedRows = (sqlite3_int64)ceil(per_parcel);
		if (parcels)
			info->idxFlags = SQLITE_INDEX_SCAN_UNIQUE;
	} else if (eq_text >= 0) {
		info->idxNum = PLAN_TEXT + text_col;
		info->aConstraintUsage[eq_text].argvIndex = 1;
		info->aConstraintUsage[eq_text].omit = 0;
		info->estimatedCost = 2 + search + 10;
		info->estimatedRows = 10;
	} else {
		info->idxNum = PLAN_SCAN;
		info->estimatedCost = (double)t->n + 10;
		info->estimatedRows = (sqlite3_int64)t->n;
	}
	if (info->idxNum < PLAN_TEXT && by_parcel_id(info))
		info->orderByConsumed = 1;
	return SQLITE_OK;
}

static int compare_text_rows(const void *a, const void *b, void *column)
{
	const pr_column *c = column;
	return strcmp(pr_column_text(c, *(const size_t *)a), pr_column_text(c, *(const size_t *)b));
}

/* The rows of text column col that hold a value, sorted by it. */
static int build_sorted(source_table *t, int col)
{
	const pr_column *c = text_column(t, col);
	size_t *list = malloc((t->n ? t->n : 1) * sizeof *list), n = 0;
	if (!list)
		return SQLITE_NOMEM;
	for (size_t k = 0; k < t->n; k++) {
		size_t i = t->order ? t->order[k] : k;
		if (pr_column_text(c, i))
			list[n++] = i;
	}
	qsort_r(list, n, sizeof *list, compare_text_rows, (void *)c);
	t->sorted[col] = list;
	t->n_sorted[col] = n;
	return SQLITE_OK;
}

/* The first position in col's sorted list whose text is >= value (> when after). */
static size_t lower_bound(const source_table *t, int col, const char *value, bool after)
{
	const pr_column *c = text_column(t, col);
	const size_t *list = t->sorted[col];
	size_t lo = 0, hi = t->n_sorted[col];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(pr_column_text(c, list[mid]), value);
		if (cmp < 0 || (after && cmp == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int cursor_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **ret)
{
	source_cursor *c = sqlite3_malloc(sizeof *c);
	if (!c)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof *c);
	*ret = &c->base;
	return SQLITE_OK;
}

static int cursor_close(sqlite3_vtab_cursor *cur)
{
	sqlite3_free(cur);
	return SQLITE_OK;
}

/* The parcel an equality on parcel_id names, if one below n: an id from another table may arrive
 * as 3 or 3.0; text or 3.5 names none. */
static bool parcel_of(sqlite3_value *v, size_t n, size_t *ret)
{
	int type = sqlite3_value_numeric_type(v);
	double d = sqlite3_value_double(v);
	sqlite3_int64 p = sqlite3_value_int64(v);
	*ret = (size_t)p;
	return (type == SQLITE_INTEGER || (type == SQLITE_FLOAT && d == floor(d))) && p >= 0 &&
	       (size_t)p < n;
}

static int cursor_filter(sqlite3_vtab_cursor *cur, int idx, const char *idx_str, int argc,
			 sqlite3_value **argv)
{
	source_cursor *c = (source_cursor *)cur;
	source_table *t = (source_table *)cur->pVtab;
	c->at = 0;
	c->end = t->n;
	c->map = NULL;
	if (t->data->released >> t->source & 1) {
		sqlite3_free(t->base.zErrMsg);
		t->base.zErrMsg = sqlite3_mprintf(
		    "table %s was let go once the features were built: nothing after them was "
		    "found to read it",
		    pr_source_defs[t->source].name);
		return SQLITE_ERROR;
	}
	if (idx == PLAN_PARCEL_ID) {
		size_t p;
		if (!parcel_of(argv[0], t->n_parcels, &p)) {
			c->end = 0;
		} else if (t->source == PR_SRC_PARCELS) {
			c->at = p;
			c->end = p + 1;
		} else if (t->rec) {
			c->at = t->start[p];
			c->end = t->start[p + 1];
		}
	} else if (idx >= PLAN_TEXT) {
		int col = idx - PLAN_TEXT;
		/* Only text can equal text bytewise; for anything else every row is a candidate
		 * and SQLite's own comparison decides. */
		if (sqlite3_value_type(argv[0]) == SQLITE_TEXT) {
			if (!t->sorted[col] && build_sorted(t, col) != SQLITE_OK)
				return SQLITE_NOMEM;
			const char *value = (const char *)sqlite3_value_text(argv[0]);
			c->map = t->sorted[col];
			c->at = value ? lower_bound(t, col, value, false) : 0;
			c->end = value ? lower_bound(t, col, value, true) : 0;
		}
	}
	return SQLITE_OK;
}

static int cursor_next(sqlite3_vtab_cursor *cur)
{
	((source_cursor *)cur)->at++;
	return SQLITE_OK;
}

static int cursor_eof(sqlite3_vtab_cursor *cur)
{
	source_cursor *c = (source_cursor *)cur;
	return c->at >= c->end;
}

/* The row's record index: the same whatever the plan, as SQLite's OR optimisation needs. */
static size_t row_index(const source_cursor *c, const source_table *t)
{
	return c->map					  ? c->map[c->at]
	       : t->source == PR_SRC_PARCELS || !t->order ? c->at
							  : t->order[c->at];
}

static int cursor_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *ret)
{
	*ret = (sqlite3_int64)row_index((source_cursor *)cur, (source_table *)cur->pVtab);
	return SQLITE_OK;
}

/* A field's value; a date after known_by (not PR_DATE_NULL) had not happened: NULL. */
static void result_field(sqlite3_context *ctx, const pr_column *col, size_t i, char *date,
			 int32_t known_by)
{
	if (!col->present) {
		sqlite3_result_null(ctx);
		return;
	}
	switch (col->type) {
	case PR_FT_TEXT: {
		const char *text = pr_column_text(col, i);
		if (text)
			sqlite3_result_text(ctx, text, -1, SQLITE_STATIC);
		else
			sqlite3_result_null(ctx);
		break;
	}
	case PR_FT_REAL:
		if (isnan(col->num[i]))
			sqlite3_result_null(ctx);
		else
			sqlite3_result_double(ctx, col->num[i]);
		break;
	case PR_FT_INT:
		if (isnan(col->num[i]))
			sqlite3_result_null(ctx);
		else
			sqlite3_result_int64(ctx, (sqlite3_int64)llround(col->num[i]));
		break;
	case PR_FT_DATE:
		if (col->date[i] == PR_DATE_NULL ||
		    (known_by != PR_DATE_NULL && col->date[i] > known_by)) {
			sqlite3_result_null(ctx);
		} else {
			const char *text = pr_date_text(col->date[i]);
			if (text) {
				sqlite3_result_text(ctx, text, 10, SQLITE_STATIC);
			} else {
				pr_format_date(col->date[i], date);
				sqlite3_result_text(ctx, date, 10, SQLITE_TRANSIENT);
			}
		}
		break;
	}
}

static int cursor_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
	source_cursor *c = (source_cursor *)cur;
	source_table *t = (source_table *)cur->pVtab;
	const pr_source_def *def = &pr_source_defs[t->source];
	bool parcels = t->source == PR_SRC_PARCELS;
	size_t i = row_index(c, t);
	int first = first_field(t->source);
	if (col == 0) {
		sqlite3_result_int64(ctx, parcels ? (sqlite3_int64)i : t->rec->parcel[i]);
	} else if (!parcels && col == 1) {
		sqlite3_result_int64(ctx, (sqlite3_int64)t->rec->row[i]);
	} else if (col < first + def->n_fields) {
		result_field(ctx, &t->rec->cols[col - first], i, c->date, t->known_by);
	} else {
		int extra = col - first - def->n_fields;
		if (parcels) {
			double v[3] = {t->parcels->area[i], t->parcels->label_xy[2 * i],
				       t->parcels->label_xy[2 * i + 1]};
			sqlite3_result_double(ctx, v[extra]);
		} else if (extra < 2) {
			/* Let go after the join when the model does not read them. */
			if (t->rec->x)
				sqlite3_result_double(ctx,
						      extra == 0 ? t->rec->x[i] : t->rec->y[i]);
			else
				sqlite3_result_null(ctx);
		} else {
			sqlite3_result_int(ctx, t->rec->snapped[i]);
		}
	}
	return SQLITE_OK;
}

static const sqlite3_module source_module = {
    .iVersion = 0,
    .xCreate = table_connect,
    .xConnect = table_connect,
    .xBestIndex = table_best_index,
    .xDisconnect = table_disconnect,
    .xDestroy = table_disconnect,
    .xOpen = cursor_open,
    .xClose = cursor_close,
    .xFilter = cursor_filter,
    .xNext = cursor_next,
    .xEof = cursor_eof,
    .xColumn = cursor_column,
    .xRowid = cursor_rowid,
};

int pr_store_load(pr_context *ctx, pr_store *store, const pr_parcels *parcels,
		  const pr_records *const records[PR_SRC_COUNT], int32_t known_by)
{
	sqlite3 *db = store->db;
	pr_store_sources *data = calloc(1, sizeof *data);
	if (!data)
		return PR_ENOMEM;
	data->parcels = parcels;
	data->known_by = known_by;
	for (int k = 0; k < PR_SRC_COUNT; k++)
		data->records[k] = k == PR_SRC_PARCELS ? NULL : records[k];
	/* The module owns data from here on, freed with the connection. */
	if (sqlite3_create_module_v2(db, PR_SOURCE_MODULE, &source_module, data, free) != SQLITE_OK)
		return pr_error(ctx, PR_EINTERNAL, "working store: %s", sqlite3_errmsg(db));
	store->sources = data;
	for (int k = 0; k < PR_SRC_COUNT; k++) {
		char sql[128];
		snprintf(sql, sizeof sql, "CREATE VIRTUAL TABLE %s USING " PR_SOURCE_MODULE "(%s)",
			 pr_source_defs[k].name, pr_source_defs[k].name);
		int r = pr_store_exec(ctx, db, sql);
		if (r < 0)
			return r;
	}
	return 0;
}

void pr_store_release_sources(pr_store *store, unsigned sources)
{
	pr_store_sources *data = store->sources;
	if (!data)
		return;
	data->released |= sources & ~(1u << PR_SRC_PARCELS);
	for (int k = 0; k < PR_SRC_COUNT; k++)
		if ((data->released >> k & 1) && data->tables[k])
			free_table_index(data->tables[k]);
}

/* ---- table scores --------------------------------------------------------------------------- */

/* A first pass's scores, served to the features of a second (pr_store_serve_scores): one row
 * per parcel, in parcel order, from the scores' own arrays. Filling a table with them took as
 * long as the second pass itself now does. The cursor is a source_cursor without a map. */
struct pr_store_scores {
	size_t n;
	const double *score;
	const uint8_t *risk_class;
	const char *const *class_names;
};

typedef struct scores_table {
	sqlite3_vtab base;
	const pr_store_scores *s;
} scores_table;

static int scores_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
			  sqlite3_vtab **ret, char **err)
{
	int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(parcel_id INTEGER, score REAL, "
					  "risk_class TEXT)");
	if (rc != SQLITE_OK)
		return rc;
	scores_table *t = sqlite3_malloc(sizeof *t);
	if (!t)
		return SQLITE_NOMEM;
	memset(t, 0, sizeof *t);
	t->s = aux;
	*ret = &t->base;
	return SQLITE_OK;
}

static int scores_disconnect(sqlite3_vtab *vt)
{
	sqlite3_free(vt);
	return SQLITE_OK;
}

static int scores_best_index(sqlite3_vtab *vt, sqlite3_index_info *info)
{
	const scores_table *t = (const scores_table *)vt;
	info->idxNum = PLAN_SCAN;
	info->estimatedCost = (double)t->s->n + 10;
	info->estimatedRows = (sqlite3_int64)t->s->n;
	for (int c = 0; c < info->nConstraint; c++) {
		const struct sqlite3_index_constraint *k = &info->aConstraint[c];
		if (k->usable && k->op == SQLITE_INDEX_CONSTRAINT_EQ && k->iColumn == 0) {
			info->idxNum = PLAN_PARCEL_ID;
			info->aConstraintUsage[c].argvIndex = 1;
			info->aConstraintUsage[c].omit = 1;
			info->estimatedCost = 2;
			info->estimatedRows = 1;
			info->idxFlags = SQLITE_INDEX_SCAN_UNIQUE;
			break;
		}
	}
	if (by_parcel_id(info))
		info->orderByConsumed = 1;
	return SQLITE_OK;
}

static int scores_filter(sqlite3_vtab_cursor *cur, int idx, const char *idx_str, int argc,
			 sqlite3_value **argv)
{
	source_cursor *c = (source_cursor *)cur;
	const pr_store_scores *s = ((const scores_table *)cur->pVtab)->s;
	size_t p;
	c->map = NULL;
	c->at = 0;
	c->end = s->n;
	if (idx == PLAN_PARCEL_ID) {
		bool known = parcel_of(argv[0], s->n, &p);
		c->at = known ? p : 0;
		c->end = known ? p + 1 : 0;
	}
	return SQLITE_OK;
}

static int scores_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
	size_t i = ((const source_cursor *)cur)->at;
	const pr_store_scores *s = ((const scores_table *)cur->pVtab)->s;
	if (col == 0)
		sqlite3_result_int64(ctx, (sqlite3_int64)i);
	else if (col == 1)
		sqlite3_result_double(ctx, s->score[i]);
	else
		sqlite3_result_text(ctx, s->class_names[s->risk_class[i]], -1, SQLITE_STATIC);
	return SQLITE_OK;
}

static int scores_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *ret)
{
	*ret = (sqlite3_int64)((const source_cursor *)cur)->at;
	return SQLITE_OK;
}

static const sqlite3_module scores_module = {
    .iVersion = 0,
    .xCreate = scores_connect,
    .xConnect = scores_connect,
    .xBestIndex = scores_best_index,
    .xDisconnect = scores_disconnect,
    .xDestroy = scores_disconnect,
    .xOpen = cursor_open,
    .xClose = cursor_close,
    .xFilter = scores_filter,
    .xNext = cursor_next,
    .xEof = cursor_eof,
    .xColumn = scores_column,
    .xRowid = scores_rowid,
};

int pr_store_serve_scores(pr_context *ctx, pr_store *store, size_t n, const double *score,
			  const uint8_t *risk_class, const char *const *class_names)
{
	if (!store->scores) {
		/* The module is the connection's from here on; store keeps what it serves. */
		store->scores = calloc(1, sizeof *store->scores);
		if (!store->scores)
			return PR_ENOMEM;
		if (sqlite3_create_module_v2(store->db, PR_SCORES_MODULE, &scores_module,
					     store->scores, NULL) != SQLITE_OK) {
			free(store->scores);
			store->scores = NULL;
			return pr_error(ctx, PR_EINTERNAL, "working store: %s",
					sqlite3_errmsg(store->db));
		}
	}
	int r = pr_store_exec(ctx, store->db, "DROP TABLE IF EXISTS scores");
	*store->scores = (pr_store_scores){n, score, risk_class, class_names};
	if (r == 0)
		r = pr_store_exec(ctx, store->db,
				  "CREATE VIRTUAL TABLE scores USING " PR_SCORES_MODULE);
	return r;
}

void pr_store_unserve_scores(pr_store *store)
{
	if (store->scores)
		*store->scores = (pr_store_scores){0};
}
