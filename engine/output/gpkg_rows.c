/* SPDX-License-Identifier: MIT */
/* The rows of the GeoPackage's per-parcel layers (parcel_risk), inserted on a plain SQLite
 * connection once GDAL has created the layer and closed the file. Through GDAL's feature API
 * each row was a feature object filled field by field, its geometry parsed from WKB into
 * objects and written back to WKB: more than the rest of the write. Here each row's cells are
 * bound to one prepared INSERT and the geometry goes as it is held, behind the GeoPackage
 * header. What GDAL keeps beside the rows is set here too: the count in gpkg_ogr_contents and
 * the extent in gpkg_contents. The file is the same as GDAL writes (scripts/same-output). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/writer.h"

/* The insert of one layer's rows: the statement, the cells it takes (cell[c] for parameter
 * c + 3, after fid and geom), which of them are an owner to pseudonymise, and the geometry
 * blob's room. */
typedef struct row_insert {
	pr_context *ctx;
	const pr_output *out;
	const char *table;
	sqlite3_stmt *st;
	int *cell;
	bool *pseudonymise;
	int n_columns;
	int32_t srs_id;
	unsigned char *blob;
	size_t blob_cap;
	int64_t *fids;
	size_t written;
	bool reported; /* a failure's message is on ctx */
} row_insert;

static void put_u32(unsigned char *at, uint32_t v)
{
	for (int k = 0; k < 4; k++)
		at[k] = (unsigned char)(v >> (8 * k));
}

static void put_f64(unsigned char *at, double v)
{
	uint64_t u;
	memcpy(&u, &v, sizeof u);
	for (int k = 0; k < 8; k++)
		at[k] = (unsigned char)(u >> (8 * k));
}

/* The GeoPackage geometry of parcel i: the header (byte 0: GeoPackage version 1; flags:
 * little-endian, an xy envelope) and the parcel's WKB, as GDAL writes them. */
static int geometry_blob(row_insert *ri, size_t i, size_t *ret_size)
{
	const pr_parcels *p = ri->out->parcels;
	size_t wkb_size;
	const unsigned char *wkb = pr_parcel_wkb(p, i, &wkb_size);
	size_t size = 8 + 32 + wkb_size;
	if (pr_grow((void **)&ri->blob, &ri->blob_cap, size, 1) < 0)
		return PR_ENOMEM;
	unsigned char *b = ri->blob;
	b[0] = 'G';
	b[1] = 'P';
	b[2] = 0;
	b[3] = 1 | 1 << 1; /* little-endian; envelope minx, maxx, miny, maxy */
	put_u32(b + 4, (uint32_t)ri->srs_id);
	const double *box = p->bbox + 4 * i, envelope[4] = {box[0], box[2], box[1], box[3]};
	for (int k = 0; k < 4; k++)
		put_f64(b + 8 + 8 * k, envelope[k]);
	memcpy(b + 40, wkb, wkb_size);
	*ret_size = size;
	return 0;
}

/* Binds cell to parameter param; text of the caller's own (transient) is copied. */
static int bind_cell(sqlite3_stmt *st, int param, const pr_cell *cell, bool transient)
{
	char date[16];
	switch (cell->kind) {
	case PR_CELL_NULL:
		return sqlite3_bind_null(st, param);
	case PR_CELL_INT:
		return sqlite3_bind_int64(st, param, cell->v.i);
	case PR_CELL_REAL:
		return sqlite3_bind_double(st, param, cell->v.d);
	case PR_CELL_TEXT:
		return sqlite3_bind_text(st, param, cell->v.s, -1,
					 transient ? SQLITE_TRANSIENT : SQLITE_STATIC);
	case PR_CELL_DATE:
		pr_format_date(cell->v.days, date);
		return sqlite3_bind_text(st, param, date, -1, SQLITE_TRANSIENT);
	}
	return SQLITE_MISUSE;
}

static int insert_row(void *user, size_t i, const pr_cell *cells, size_t n_cells)
{
	row_insert *ri = user;
	sqlite3_stmt *st = ri->st;
	char pseudonym[PR_PSEUDONYM_SIZE];
	size_t size;
	ri->reported = true;
	if (geometry_blob(ri, i, &size) < 0)
		return pr_error(ri->ctx, PR_ENOMEM, "%s: out of memory", ri->table);
	for (int c = 0; c < ri->n_columns; c++)
		if ((size_t)ri->cell[c] >= n_cells)
			return pr_error(ri->ctx, PR_EINTERNAL,
					"%s: the table GDAL made has more columns than the layer's "
					"%zu fields",
					ri->table, n_cells);
	int64_t fid = (int64_t)ri->written + 1;
	int rc = sqlite3_bind_int64(st, 1, fid);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_blob(st, 2, ri->blob, (int)size, SQLITE_STATIC);
	for (int c = 0; c < ri->n_columns && rc == SQLITE_OK; c++) {
		const pr_cell *cell = &cells[ri->cell[c]];
		pr_cell shown = *cell;
		bool own = ri->pseudonymise[c] && cell->kind == PR_CELL_TEXT;
		if (own) {
			if (pr_pseudonym(ri->out->pseudonym_key, cell->v.s, pseudonym) < 0)
				return pr_error(ri->ctx, PR_ENOMEM, "%s: out of memory", ri->table);
			/* A name that folds to nothing has no pseudonym: NULL, as the filter
			 * writes it (writer.c). */
			shown = pseudonym[0] ? (pr_cell){PR_CELL_TEXT, {.s = pseudonym}}
					     : (pr_cell){PR_CELL_NULL};
		}
		rc = bind_cell(st, c + 3, &shown, own);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return pr_error(ri->ctx, PR_ECANTCREAT, "%s: cannot write parcel %s: %s", ri->table,
				pr_parcel_text(ri->out->parcels, PR_PARCEL_ID, i),
				sqlite3_errmsg(sqlite3_db_handle(st)));
	ri->reported = false;
	ri->fids[i] = fid;
	if ((++ri->written & 0xffff) == 0)
		pr_progress(ri->ctx, "write", ri->written, ri->out->parcels->rec.n);
	return 0;
}

/* Reads an integer of the GeoPackage's own tables: sql with the table bound to ?1. */
static int query_int(sqlite3 *db, const char *sql, const char *table, int64_t *ret)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ret = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* Prepares the insert of def's rows into the table GDAL made for share: its columns after fid
 * and geom are the fields share keeps, in the layer's order (writer.c, create_layer). */
static int prepare_insert(sqlite3 *db, const pr_layer_def *def, enum pr_share share, row_insert *ri)
{
	pr_context *ctx = ri->ctx;
	pr_strbuf sql = {0}, names = {0};
	sqlite3_stmt *info = NULL;
	int r = 0, n_table = 0;
	pr_strbuf_printf(&sql, "SELECT name FROM pragma_table_info(?1) ORDER BY cid");
	int rc = sqlite3_prepare_v2(db, sql.data, -1, &info, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(info, 1, def->name, -1, SQLITE_STATIC);
	while (rc == SQLITE_OK && (rc = sqlite3_step(info)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(info, 0);
		rc = pr_strbuf_printf(&names, "%s\"%s\"", names.len ? ", " : "", name ? name : "") <
			     0
			 ? SQLITE_NOMEM
			 : SQLITE_OK;
		n_table++;
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(info);
	/* fid and geom, then the fixed fields kept, then add_fields' (all open). */
	size_t fixed_kept = 0;
	for (size_t f = 0; f < def->n_fields; f++)
		fixed_kept += pr_field_kept(def->fields[f].kind, share);
	ri->n_columns = n_table - 2;
	if (rc != SQLITE_OK || !names.data || n_table < 2 + (int)fixed_kept) {
		r = pr_error(ctx, PR_EINTERNAL, "%s: the layer GDAL made has %d columns", def->name,
			     n_table);
		goto done;
	}
	ri->cell = malloc((size_t)ri->n_columns * sizeof *ri->cell);
	ri->pseudonymise = calloc((size_t)ri->n_columns, sizeof *ri->pseudonymise);
	if (!ri->cell || !ri->pseudonymise) {
		r = PR_ENOMEM;
		goto done;
	}
	int c = 0;
	for (size_t f = 0; f < def->n_fields; f++) {
		enum pr_field_kind kind = def->fields[f].kind;
		if (!pr_field_kept(kind, share))
			continue;
		ri->pseudonymise[c] = kind == PR_FIELD_OWNER && share == PR_SHARE_PSEUDONYMOUS;
		ri->cell[c++] = (int)f;
	}
	for (int extra = 0; c < ri->n_columns; extra++)
		ri->cell[c++] = (int)def->n_fields + extra;
	sql.len = 0;
	pr_strbuf_printf(&sql, "INSERT INTO \"%s\" (%s) VALUES (?", def->name, names.data);
	for (int k = 1; k < n_table; k++)
		pr_strbuf_append(&sql, ", ?", 3);
	pr_strbuf_append(&sql, ")", 1);
	if (!sql.data) {
		r = PR_ENOMEM;
		goto done;
	}
	if (sqlite3_prepare_v2(db, sql.data, -1, &ri->st, NULL) != SQLITE_OK)
		r = pr_error(ctx, PR_ECANTCREAT, "%s: cannot insert rows: %s", def->name,
			     sqlite3_errmsg(db));
done:
	pr_strbuf_free(&sql);
	pr_strbuf_free(&names);
	return r;
}

/* The triggers GDAL keeps the count of table's rows with (an UPDATE of gpkg_ogr_contents per
 * row), set aside while the rows go in, as GDAL does when it writes: their SQL, to make them
 * again after. */
static int drop_count_triggers(pr_context *ctx, sqlite3 *db, const char *table, pr_strbuf *sql)
{
	sqlite3_stmt *st = NULL;
	pr_strbuf drop = {0};
	int rc = sqlite3_prepare_v2(
	    db,
	    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND "
	    "lower(tbl_name) = lower(?1) AND name LIKE 'trigger_%_feature_count_%' "
	    "ORDER BY rowid",
	    -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		rc = SQLITE_OK;
		if (pr_strbuf_printf(&drop, "DROP TRIGGER \"%s\";", sqlite3_column_text(st, 0)) <
			0 ||
		    pr_strbuf_printf(sql, "%s;", sqlite3_column_text(st, 1)) < 0)
			rc = SQLITE_NOMEM;
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(st);
	int r = rc != SQLITE_OK ? pr_error(ctx, PR_ECANTCREAT, "%s: %s", table, sqlite3_errmsg(db))
		: drop.len	? pr_sql_exec(ctx, db, PR_ECANTCREAT, table, drop.data)
				: 0;
	pr_strbuf_free(&drop);
	return r;
}

/* Sets what GDAL keeps beside table's rows: their count, and their extent (the parcels'). */
static int set_contents(pr_context *ctx, sqlite3 *db, const char *table, const pr_parcels *p)
{
	char sql[512];
	snprintf(sql, sizeof sql,
		 "UPDATE gpkg_ogr_contents SET feature_count = %zu "
		 "WHERE lower(table_name) = lower('%s')",
		 p->rec.n, table);
	int r = pr_sql_exec(ctx, db, PR_ECANTCREAT, table, sql);
	if (r < 0 || p->rec.n == 0)
		return r;
	snprintf(sql, sizeof sql,
		 "UPDATE gpkg_contents SET min_x = %.17g, min_y = %.17g, max_x = %.17g, "
		 "max_y = %.17g WHERE lower(table_name) = lower('%s')",
		 p->rec.extent[0], p->rec.extent[1], p->rec.extent[2], p->rec.extent[3], table);
	return pr_sql_exec(ctx, db, PR_ECANTCREAT, table, sql);
}

int pr_gpkg_insert_rows(pr_context *ctx, sqlite3 *db, const pr_output *out, int64_t *parcel_fids)
{
	pr_writer w = {.ctx = ctx, .out = out, .rows_later = true};
	int r = 0;
	for (size_t l = 0; l < pr_output_n_layers && r == 0; l++) {
		const pr_layer_def *def = pr_output_layers[l];
		enum pr_share share = pr_layer_share(def, out);
		if (!pr_writer_rows_later(&w, def, share))
			continue;
		double t0 = pr_now();
		row_insert ri = {.ctx = ctx, .out = out, .table = def->name, .fids = parcel_fids};
		int64_t srs_id = 0;
		if (query_int(db,
			      "SELECT srs_id FROM gpkg_geometry_columns "
			      "WHERE lower(table_name) = lower(?1)",
			      def->name, &srs_id) < 0)
			r = pr_error(ctx, PR_EINTERNAL,
				     "%s: no row in gpkg_geometry_columns (SQLite: %s)", def->name,
				     sqlite3_errmsg(db));
		ri.srs_id = (int32_t)srs_id;
		pr_strbuf triggers = {0};
		if (r == 0)
			r = drop_count_triggers(ctx, db, def->name, &triggers);
		if (r == 0)
			r = prepare_insert(db, def, share, &ri);
		if (r == 0)
			r = def->rows(out, insert_row, &ri);
		if (r == 0)
			r = set_contents(ctx, db, def->name, out->parcels);
		if (r == 0 && triggers.len)
			r = pr_sql_exec(ctx, db, PR_ECANTCREAT, def->name, triggers.data);
		pr_strbuf_free(&triggers);
		sqlite3_finalize(ri.st);
		free(ri.cell);
		free(ri.pseudonymise);
		free(ri.blob);
		if (r == PR_ENOMEM && !ri.reported)
			r = pr_error(ctx, PR_ENOMEM, "%s: out of memory writing its rows",
				     def->name);
		if (r < 0)
			break;
		char sql[160];
		snprintf(sql, sizeof sql,
			 "INSERT INTO run_info (key, value) VALUES ('seconds.write_%s', '%.3f')",
			 def->name, pr_now() - t0);
		r = pr_sql_exec(ctx, db, PR_ECANTCREAT, def->name, sql);
	}
	return r;
}
