/* SPDX-License-Identifier: MIT */
/* Opening a source through GDAL (any vector format: GeoPackage, Shapefile, GeoJSON, FileGDB,
 * CSV with coordinate columns, a PostGIS connection): its dataset and layer, its filter, the
 * columns of its canonical fields, the columns GDAL may skip, and its CRS with the
 * transformation into the working CRS. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <cpl_csv.h>
#include <cpl_string.h>
#include <sqlite3.h>

#include "sources/read_internal.h"

/* GDAL's CSV driver's own limit on a line (its MAX_LINE_SIZE open option's default). */
#define CSV_MAX_LINE 10000000

static bool is_csv_path(const char *path)
{
	size_t n = strlen(path);
	return n > 4 && strcasecmp(path + n - 4, ".csv") == 0;
}

/* A path that GDAL opens without it being a local file: a connection string or virtual file. */
static bool is_connection(const char *path)
{
	return strncmp(path, "/vsi", 4) == 0 || (strchr(path, ':') && path[0] != '/');
}

/* What messages call a source: its file name, or a connection string whole. A "file name" cut
 * from a connection string at its last slash could start inside a quoted password, where the
 * redaction of messages could no longer see it is one. */
static const char *source_name(const char *path)
{
	return strncmp(path, "/vsi", 4) != 0 && is_connection(path) ? path : pr_basename(path);
}

void pr_source_close(opened_source *o)
{
	char *copy_path = o->copy_path;
	pr_value_rules_close(&o->rules);
	if (o->csv_fp)
		VSIFCloseL(o->csv_fp);
	CSLDestroy(o->csv_record);
	for (size_t i = 0; i < o->n_written; i++) {
		for (int k = 0; k < o->n_watched; k++)
			free(o->written[i].text[k]);
		free(o->written[i].text);
	}
	free(o->written);
	if (o->ct)
		OCTDestroyCoordinateTransformation(o->ct);
	if (o->srs)
		OSRRelease(o->srs);
	if (o->ds)
		GDALClose(o->ds);
	if (copy_path) {
		VSIUnlink(copy_path);
		free(copy_path);
	}
	memset(o, 0, sizeof *o);
}

/* Interrupts the SQLite statement GDAL runs for a filter once the deadline is past. */
static int past_deadline(void *user)
{
	opened_source *o = user;
	if (pr_now() <= o->limit.deadline)
		return 0;
	o->limit.expired = true;
	return 1;
}

/* Puts the source's SQL under the time limit where GDAL runs it in SQLite (GeoPackage, SQLite,
 * SpatiaLite): a where filter is SQL there, and a recursive one would never end. Other drivers
 * evaluate where themselves, in time linear in the rows. */
static void limit_time(const pr_sources *s, opened_source *o)
{
	sqlite3 *db = GDALGetInternalHandle(o->ds, "SQLITE_HANDLE");
	o->limit.deadline = pr_now() + s->time_limit_s;
	if (db)
		sqlite3_progress_handler(db, 10000, past_deadline, o);
}

int pr_source_read_failed(pr_context *ctx, const pr_sources *s, int source, const opened_source *o,
			  uint64_t rows)
{
	const pr_source_conf *c = &s->src[source];
	const char *name = pr_source_defs[source].name;
	if (o->limit.expired)
		return pr_error(ctx, PR_ECONFIG,
				"%s line %d [%s]: reading %s stopped after %g s (time_limit_s in "
				"[run]): where '%s' takes too long",
				s->file, c->line, name, c->path, s->time_limit_s,
				c->where ? c->where : "");
	if (c->where)
		return pr_error_gdal(ctx, PR_ECONFIG,
				     "%s line %d [%s]: reading %s with where '%s' failed after row "
				     "%llu",
				     s->file, c->line, name, c->path, c->where,
				     (unsigned long long)rows);
	return pr_error_gdal(ctx, PR_EDATA, "%s: reading %s failed after row %llu", name, c->path,
			     (unsigned long long)rows);
}

static int compare_written_fid(const void *a, const void *b)
{
	const written_row *x = a, *y = b;
	return x->fid < y->fid ? -1 : x->fid > y->fid;
}

bool pr_source_written(opened_source *o, int64_t fid, int idx, const char **ret)
{
	int w = -1;
	for (int k = 0; k < o->n_watched; k++)
		if (o->watched[k] == idx)
			w = k;
	if (w < 0)
		return false;
	if (o->csv_fp) {
		/* GDAL numbers a CSV's records from 1 and skips blank lines: so does this. */
		while (o->csv_fid < fid) {
			char **record = CSVReadParseLine3L(
			    o->csv_fp, CSV_MAX_LINE, o->csv_delimiter, true, false, false, true);
			if (!record)
				break;
			if (!record[0]) {
				CSLDestroy(record);
				continue;
			}
			CSLDestroy(o->csv_record);
			o->csv_record = record;
			o->csv_fid++;
		}
		if (o->csv_fid != fid)
			return false;
		*ret = idx < CSLCount(o->csv_record) ? o->csv_record[idx] : NULL;
		return true;
	}
	written_row key = {.fid = fid};
	const written_row *row =
	    o->n_written ? bsearch(&key, o->written, o->n_written, sizeof key, compare_written_fid)
			 : NULL;
	if (!row)
		return false;
	*ret = row->text[w];
	return true;
}

/* A CSV whose columns a .csvt typed: GDAL turns 2026-13-45 or 'abc' into an empty field and 3.5
 * into 3, so the file is read again alongside, with GDAL's own CSV line reader (the driver's
 * separator detection, quoting and record numbering), and its values are checked as the text
 * they are. When the header does not read the same as the layer's fields, the typed values are
 * checked as they are. */
static int read_csv_alongside(pr_context *ctx, opened_source *o, const char *path,
			      OGRFeatureDefnH defn)
{
	o->csv_fp = VSIFOpenL(path, "rb");
	if (!o->csv_fp)
		return pr_error(ctx, PR_EDATA, "%s: cannot read %s again for its text", o->label,
				path);
	const char *line = CPLReadLineL(o->csv_fp);
	o->csv_delimiter[0] = line ? CSVDetectSeperator(line) : ',';
	VSIRewindL(o->csv_fp);
	char **header =
	    CSVReadParseLine3L(o->csv_fp, CSV_MAX_LINE, o->csv_delimiter, true, false, false, true);
	bool same = header && CSLCount(header) == OGR_FD_GetFieldCount(defn);
	for (int i = 0; same && header[i]; i++)
		same = strcmp(header[i], OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i))) == 0;
	CSLDestroy(header);
	if (!same) {
		VSIFCloseL(o->csv_fp);
		o->csv_fp = NULL;
		o->n_watched = 0;
	}
	return 0;
}

/* Appends s to sql as an SQL identifier; 0 or PR_ENOMEM. */
static int sql_identifier(pr_strbuf *sql, const char *s)
{
	int r = pr_strbuf_append(sql, "\"", 1);
	for (; *s && r == 0; s++)
		r = *s == '"' ? pr_strbuf_append(sql, "\"\"", 2) : pr_strbuf_append(sql, s, 1);
	return r == 0 ? pr_strbuf_append(sql, "\"", 1) : r;
}

/* The SQL condition under which a stored value of column name (of OGR type type) may not be what
 * GDAL's typed value shows: another storage class than the column's (GDAL reads 'abc' in an
 * INTEGER column as 0, '4,35' in a REAL one as 4), or for a date, text that is not a real day
 * (2023-02-30 comes through as it is, 2026-13-45 as no date at all). SQLite's date() keeps
 * 2024-02-31; julianday() carries it over into March, so the round trip tells. */
static int written_condition(pr_strbuf *sql, const char *name, OGRFieldType type)
{
	pr_strbuf col = {0};
	int r = sql_identifier(&col, name);
	if (r < 0)
		return r;
	if (type == OFTInteger || type == OFTInteger64)
		r = pr_strbuf_printf(sql, "typeof(%s) NOT IN ('integer', 'null')", col.data);
	else if (type == OFTReal)
		r = pr_strbuf_printf(sql, "typeof(%s) NOT IN ('integer', 'real', 'null')",
				     col.data);
	else if (type == OFTDate || type == OFTDateTime)
		r = pr_strbuf_printf(sql,
				     "(%s IS NOT NULL AND (typeof(%s) <> 'text' OR "
				     "date(julianday(%s)) IS NOT substr(%s, 1, 10)))",
				     col.data, col.data, col.data, col.data);
	else
		r = pr_strbuf_printf(sql, "%s IS NOT NULL", col.data);
	pr_strbuf_free(&col);
	return r;
}

/* A GeoPackage or SQLite table: one query, in SQLite's own SQL, finds the rows whose stored
 * value in a watched column is not faithfully typed, with the text as stored. Clean tables give
 * none, and every other row's typed value is checked as it is. */
static int find_written_rows(pr_context *ctx, opened_source *o, OGRFeatureDefnH defn)
{
	pr_strbuf sql = {0};
	OGRLayerH result = NULL;
	OGRFeatureH feat = NULL;
	size_t cap = 0;
	const char *fid = OGR_L_GetFIDColumn(o->layer);
	int r = pr_strbuf_printf(&sql, "SELECT CAST(");
	if (r == 0)
		r = fid && *fid ? sql_identifier(&sql, fid) : pr_strbuf_printf(&sql, "rowid");
	if (r == 0)
		r = pr_strbuf_printf(&sql, " AS INTEGER)");
	for (int k = 0; k < o->n_watched && r == 0; k++) {
		r = pr_strbuf_printf(&sql, ", CAST(");
		if (r == 0)
			r = sql_identifier(
			    &sql, OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, o->watched[k])));
		if (r == 0)
			r = pr_strbuf_printf(&sql, " AS TEXT)");
	}
	if (r == 0)
		r = pr_strbuf_printf(&sql, " FROM ");
	if (r == 0)
		r = sql_identifier(&sql, OGR_L_GetName(o->layer));
	for (int k = 0; k < o->n_watched && r == 0; k++) {
		OGRFieldDefnH fd = OGR_FD_GetFieldDefn(defn, o->watched[k]);
		r = pr_strbuf_printf(&sql, k ? " OR " : " WHERE ");
		if (r == 0)
			r = written_condition(&sql, OGR_Fld_GetNameRef(fd), OGR_Fld_GetType(fd));
	}
	if (r < 0)
		goto done;
	result = GDALDatasetExecuteSQL(o->ds, sql.data, NULL, NULL);
	if (!result) {
		r = pr_error_gdal(ctx, PR_EDATA, "%s: cannot read the stored values of %s",
				  o->label, OGR_L_GetName(o->layer));
		goto done;
	}
	while ((feat = OGR_L_GetNextFeature(result))) {
		r = pr_grow((void **)&o->written, &cap, o->n_written + 1, sizeof *o->written);
		if (r < 0)
			goto done;
		written_row *row = &o->written[o->n_written];
		row->fid = OGR_F_GetFieldAsInteger64(feat, 0);
		row->text = calloc((size_t)o->n_watched, sizeof *row->text);
		if (!row->text) {
			r = PR_ENOMEM;
			goto done;
		}
		o->n_written++;
		for (int k = 0; k < o->n_watched; k++)
			if (OGR_F_IsFieldSetAndNotNull(feat, k + 1)) {
				row->text[k] = strdup(OGR_F_GetFieldAsString(feat, k + 1));
				if (!row->text[k]) {
					r = PR_ENOMEM;
					goto done;
				}
			}
		OGR_F_Destroy(feat);
		feat = NULL;
	}
	if (o->n_written > 1)
		qsort(o->written, o->n_written, sizeof *o->written, compare_written_fid);
done:
	if (feat)
		OGR_F_Destroy(feat);
	if (result)
		GDALDatasetReleaseResultSet(o->ds, result);
	pr_strbuf_free(&sql);
	return r;
}

/* The columns GDAL typed among those read, and how to get their text as written: a CSV read
 * alongside, a GeoPackage's unfaithful rows. Other formats keep their types (PostGIS refuses
 * 2023-02-30 and 'abc' in typed columns itself), and their typed values are checked as they
 * are. */
static int watch_typed_columns(pr_context *ctx, opened_source *o, const char *path,
			       OGRFeatureDefnH defn)
{
	for (int f = 0; f < PR_MAX_FIELDS; f++)
		if (o->field_index[f] >= 0 && o->field_type[f] != OFTString)
			o->watched[o->n_watched++] = o->field_index[f];
	if (o->x_index >= 0 && o->x_type != OFTString)
		o->watched[o->n_watched++] = o->x_index;
	if (o->y_index >= 0 && o->y_type != OFTString)
		o->watched[o->n_watched++] = o->y_index;
	if (o->n_watched == 0)
		return 0;
	const char *driver = GDALGetDriverShortName(GDALGetDatasetDriver(o->ds));
	if (strcmp(driver, "CSV") == 0)
		return read_csv_alongside(ctx, o, path, defn);
	if (strcmp(driver, "GPKG") == 0 || strcmp(driver, "SQLite") == 0)
		return find_written_rows(ctx, o, defn);
	o->n_watched = 0;
	return 0;
}

/* A header's column name in UTF-8 for comparing and messages: converted from the source's
 * encoding (a config's date_départ finds a CP1252 header), else as it is. Into buf. */
static const char *column_name(const opened_source *o, const char *name, char *buf, size_t size)
{
	char *utf8 = o->rules.recode ? pr_value_to_utf8(&o->rules, name) : NULL;
	pr_text_for_message(utf8 ? utf8 : name, buf, size);
	free(utf8);
	return buf;
}

typedef struct named_column {
	const char *name;
	int index;
} named_column;

static int compare_named_column(const void *a, const void *b)
{
	const named_column *x = a, *y = b;
	int c = strcasecmp(x->name, y->name);
	return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* A header that names a column twice is a configuration error: GDAL finds a column by the first
 * of its names (case-insensitively), and leaving the other out of the read leaves out both, so
 * what is read would depend on the header's order. Every column counts, mapped or not. */
static int check_unique_columns(pr_context *ctx, const pr_sources *s, const pr_source_conf *c,
				const char *section, const opened_source *o, OGRFeatureDefnH defn)
{
	int n = OGR_FD_GetFieldCount(defn), r = 0;
	if (n < 2)
		return 0;
	named_column *cols = malloc((size_t)n * sizeof *cols);
	if (!cols)
		return PR_ENOMEM;
	for (int i = 0; i < n; i++)
		cols[i] = (named_column){OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)), i};
	qsort(cols, (size_t)n, sizeof *cols, compare_named_column);
	/* Of the names given twice, the one whose second column comes first (within a name,
	 * columns are sorted by position, so that is its group's second). */
	int dup = -1;
	for (int i = 1; i < n; i++)
		if (strcasecmp(cols[i].name, cols[i - 1].name) == 0 &&
		    (dup < 0 || cols[i].index < cols[dup].index))
			dup = i;
	if (dup >= 0) {
		char name[256];
		r = pr_error(
		    ctx, PR_ECONFIG,
		    "%s: the header names column '%s' twice (columns %d and %d); rename one "
		    "([%s] in %s line %d)",
		    source_name(c->path), column_name(o, cols[dup - 1].name, name, sizeof name),
		    cols[dup - 1].index + 1, cols[dup].index + 1, section, s->file, c->line);
	}
	free(cols);
	return r;
}

/* The column a key of the sources file names, compared as GDAL compares names (ASCII case
 * ignored) with the header read in the source's encoding. */
static int column_index(pr_context *ctx, const pr_sources *s, const pr_source_conf *c,
			const char *section, const char *key, const opened_source *o,
			OGRFeatureDefnH defn, const char *column, int *ret_index)
{
	int n = OGR_FD_GetFieldCount(defn);
	char name[256];
	if (!o->rules.recode) {
		int idx = OGR_FD_GetFieldIndex(defn, column);
		if (idx >= 0) {
			*ret_index = idx;
			return 0;
		}
	} else {
		for (int i = 0; i < n; i++)
			if (pr_ascii_equal_fold(
				column_name(o, OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)),
					    name, sizeof name),
				column)) {
				*ret_index = i;
				return 0;
			}
	}
	pr_strbuf names = {0};
	for (int i = 0; i < n && i < 40; i++)
		pr_strbuf_printf(&names, "%s%s", i ? ", " : "",
				 column_name(o, OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)),
					     name, sizeof name));
	/* A header that is not UTF-8 says why a name with accents is not found. */
	bool not_utf8 = false;
	for (int i = 0; i < n && !o->rules.recode; i++) {
		const char *h = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i));
		not_utf8 = not_utf8 || !pr_utf8_valid(h, strlen(h));
	}
	int r = pr_error(ctx, PR_ECONFIG,
			 "%s line %d [%s]: %s = %s, but %s has no column '%s' (its columns: %s)%s",
			 s->file, c->line, section, key, column, source_name(c->path), column,
			 names.data ? names.data : "none",
			 not_utf8 ? "; its header is not UTF-8: add encoding = CP1252 (or the "
				    "file's encoding)"
				  : "");
	pr_strbuf_free(&names);
	return r;
}

/* The separator's name in messages. */
static const char *separator_name(char ch)
{
	switch (ch) {
	case '\t':
		return "tab";
	case ',':
		return ",";
	case ';':
		return ";";
	case '|':
		return "|";
	case ' ':
		return "space";
	default:
		return "?";
	}
}

/* GDAL 3.6's CSV driver cannot open pipe-separated text at all (the address register comes so).
 * Its records are read with GDAL's own CSV line reader (quotes, separators and line ends inside
 * quotes honoured) into an in-memory comma-separated copy, quoted by GDAL's CSV escaping, that
 * GDAL then opens like any CSV: every other check of the source stays the same. Row n is the
 * file's n-th record after the header; blank lines are not records. */
static int copy_pipe_separated(pr_context *ctx, const pr_sources *s, int source, opened_source *o)
{
	const pr_source_conf *c = &s->src[source];
	static int copies;
	char path[96];
	snprintf(path, sizeof path, "/vsimem/parcelrisk/%d-%d-%s.csv", source,
		 __atomic_add_fetch(&copies, 1, __ATOMIC_RELAXED), pr_source_defs[source].name);
	VSILFILE *in = VSIFOpenL(c->path, "rb");
	VSILFILE *out = in ? VSIFOpenL(path, "wb") : NULL;
	int r = 0;
	if (!in || !out) {
		r = pr_error(ctx, in ? PR_ENOMEM : PR_ENOINPUT, "%s: cannot read %s",
			     pr_source_defs[source].name, c->path);
		goto done;
	}
	o->copy_path = strdup(path);
	if (!o->copy_path) {
		r = PR_ENOMEM;
		goto done;
	}
	char **record;
	while (r == 0 && (record = CSVReadParseLine3L(in, 0, "|", true, false, false, true))) {
		int n = CSLCount(record);
		bool blank = n == 0 || (n == 1 && !*record[0]);
		for (int i = 0; i < n && !blank && r == 0; i++) {
			char *quoted = CPLEscapeString(record[i], -1, CPLES_CSV);
			if (!quoted || (i && VSIFWriteL(",", 1, 1, out) != 1) ||
			    VSIFWriteL(quoted, 1, strlen(quoted), out) != strlen(quoted))
				r = PR_ENOMEM;
			CPLFree(quoted);
		}
		if (!blank && r == 0 && VSIFWriteL("\n", 1, 1, out) != 1)
			r = PR_ENOMEM;
		CSLDestroy(record);
	}
	if (r < 0)
		pr_error(ctx, r, "%s: out of memory copying %s", pr_source_defs[source].name,
			 c->path);
done:
	if (in)
		VSIFCloseL(in);
	if (out)
		VSIFCloseL(out);
	return r;
}

/* A source whose separator the sources file gives and GDAL detects (, ; tab): GDAL splits the
 * file on what it detects in the header line, so that must be what the file is said to use. */
static int check_separator(pr_context *ctx, const pr_sources *s, int source, opened_source *o)
{
	const pr_source_conf *c = &s->src[source];
	const char *driver = GDALGetDriverShortName(GDALGetDatasetDriver(o->ds));
	if (strcmp(driver, "CSV") != 0)
		return pr_error(ctx, PR_ECONFIG,
				"%s line %d [%s]: separator '%s' is given, but %s is not delimited "
				"text (GDAL reads it as %s)",
				s->file, c->separator_line, pr_source_defs[source].name,
				separator_name(c->separator), source_name(c->path), driver);
	VSILFILE *fp = VSIFOpenL(c->path, "rb");
	const char *line = fp ? CPLReadLineL(fp) : NULL;
	/* A .tsv is split on tabs whatever its header holds. */
	size_t n = strlen(c->path);
	char detected = n > 4 && strcasecmp(c->path + n - 4, ".tsv") == 0 ? '\t'
			: line						  ? CSVDetectSeperator(line)
									  : ',';
	if (fp)
		VSIFCloseL(fp);
	if (detected == c->separator)
		return 0;
	return pr_error(ctx, PR_ECONFIG,
			"%s line %d [%s]: separator '%s' is given, but GDAL reads the header of %s "
			"as separated by '%s': the file does not use the separator the sources "
			"file gives",
			s->file, c->separator_line, pr_source_defs[source].name,
			separator_name(c->separator), source_name(c->path),
			separator_name(detected));
}

int pr_source_open(pr_context *ctx, const pr_sources *s, int source, OGRSpatialReferenceH work_srs,
		   const bool *wanted, opened_source *o)
{
	const pr_source_conf *c = &s->src[source];
	const pr_source_def *def = &pr_source_defs[source];
	char **open_opts = NULL;
	int r = 0;

	memset(o, 0, sizeof *o);
	o->x_index = o->y_index = -1;
	o->label = source_name(c->path);
	{
		int32_t as_of;
		int m, d;
		if (!s->as_of || !pr_parse_date(s->as_of, &as_of))
			as_of = pr_today();
		pr_civil_from_days(as_of, &o->as_of_year, &m, &d);
	}
	for (int f = 0; f < PR_MAX_FIELDS; f++)
		o->field_index[f] = -1;
	o->vocab = c->vocab;
	r = pr_value_rules_open(ctx, s, source, &o->rules);
	if (r < 0)
		return r;

	struct stat st;
	if (!is_connection(c->path) && stat(c->path, &st) != 0) {
		r = pr_error(ctx, PR_ENOINPUT, "%s: input missing: %s (%s, [%s] path in %s)",
			     def->name, c->path, strerror(errno), def->name, s->file);
		goto done;
	}

	const char *open_path = c->path;
	if (c->separator == '|') {
		r = copy_pipe_separated(ctx, s, source, o);
		if (r < 0)
			goto done;
		open_path = o->copy_path;
	}
	/* CSV coordinates are read as text columns and parsed here rather than through the
	 * driver's X_POSSIBLE_NAMES/Y_POSSIBLE_NAMES options: those type the columns as Real and
	 * turn an unparseable value ("abc", "4,35") into an empty field, so a row with a bad
	 * coordinate would pass for one without coordinates, and the value could not be named. */
	if (is_csv_path(open_path))
		open_opts = CSLAddString(open_opts, "AUTODETECT_TYPE=NO");
	/* A PostGIS source runs its where filter on the server: the server bounds its time. */
	if (strncmp(c->path, "PG:", 3) == 0) {
		char prelude[96];
		snprintf(prelude, sizeof prelude, "PRELUDE_STATEMENTS=SET statement_timeout = %.0f",
			 s->time_limit_s * 1000);
		open_opts = CSLAddString(open_opts, prelude);
	}
	/* GeoJSON has no date type: GDAL guesses one from strings that look like dates, and a
	 * date it cannot read would be lost. The text is kept and checked as text. */
	{
		GDALDriverH guess = GDALIdentifyDriverEx(c->path, GDAL_OF_VECTOR, NULL, NULL);
		if (guess && strcmp(GDALGetDriverShortName(guess), "GeoJSON") == 0)
			open_opts = CSLAddString(open_opts, "DATE_AS_STRING=YES");
	}
	o->ds = GDALOpenEx(open_path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL,
			   (const char *const *)open_opts, NULL);
	CSLDestroy(open_opts);
	if (!o->ds) {
		r = pr_error_gdal(ctx, is_connection(c->path) ? PR_ENOINPUT : PR_EDATA,
				  "%s: cannot open %s as a vector dataset", def->name, c->path);
		goto done;
	}
	o->layer =
	    c->layer ? GDALDatasetGetLayerByName(o->ds, c->layer) : GDALDatasetGetLayer(o->ds, 0);
	if (!o->layer) {
		pr_strbuf names = {0};
		for (int i = 0; i < GDALDatasetGetLayerCount(o->ds) && i < 20; i++)
			pr_strbuf_printf(&names, "%s%s", i ? ", " : "",
					 OGR_L_GetName(GDALDatasetGetLayer(o->ds, i)));
		r = pr_error(ctx, PR_ENOINPUT, "%s line %d [%s]: %s has no layer '%s' (layers: %s)",
			     s->file, c->line, def->name, c->path, c->layer ? c->layer : "",
			     names.data ? names.data : "none");
		pr_strbuf_free(&names);
		goto done;
	}
	limit_time(s, o);
	if (c->where && OGR_L_SetAttributeFilter(o->layer, c->where) != OGRERR_NONE) {
		r = pr_error_gdal(ctx, PR_ECONFIG,
				  "%s line %d [%s]: where '%s' is not a valid filter", s->file,
				  c->line, def->name, c->where);
		goto done;
	}
	if (c->where) {
		/* SQL-based drivers only run the filter when reading: read one feature now, so
		 * that a misspelt column is named here rather than as a failed read. */
		CPLErrorReset();
		OGRFeatureH first = OGR_L_GetNextFeature(o->layer);
		if (!first && CPLGetLastErrorType() >= CE_Failure) {
			r = pr_source_read_failed(ctx, s, source, o, 0);
			goto done;
		}
		OGR_F_Destroy(first);
		OGR_L_ResetReading(o->layer);
	}

	if (c->separator && c->separator != '|') {
		r = check_separator(ctx, s, source, o);
		if (r < 0)
			goto done;
	}
	OGRFeatureDefnH defn = OGR_L_GetLayerDefn(o->layer);
	r = check_unique_columns(ctx, s, c, def->name, o, defn);
	if (r < 0)
		goto done;
	for (int f = 0; f < def->n_fields; f++)
		if (c->columns[f]) {
			r = column_index(ctx, s, c, def->name, def->fields[f].name, o, defn,
					 c->columns[f], &o->field_index[f]);
			if (r < 0)
				goto done;
			o->field_type[f] =
			    OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, o->field_index[f]));
			/* Checked to exist, but not read when the model does not use it. */
			if (wanted && !wanted[f])
				o->field_index[f] = -1;
		}
	if (c->x) {
		r = column_index(ctx, s, c, def->name, "x", o, defn, c->x, &o->x_index);
		if (r < 0)
			goto done;
		r = column_index(ctx, s, c, def->name, "y", o, defn, c->y, &o->y_index);
		if (r < 0)
			goto done;
		o->x_type = OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, o->x_index));
		o->y_type = OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, o->y_index));
	}

	r = watch_typed_columns(ctx, o, c->path, defn);
	if (r < 0)
		goto done;

	/* Read only the columns the model can use: faster, and no personal data is copied
	 * beyond what is needed. */
	{
		char **ignored = NULL;
		for (int i = 0; i < OGR_FD_GetFieldCount(defn); i++) {
			bool used = i == o->x_index || i == o->y_index;
			for (int f = 0; f < def->n_fields; f++)
				used = used || i == o->field_index[f];
			/* Drivers other than SQL-based ones evaluate `where` on the read feature:
			 * a column it names must stay. */
			const char *name = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i));
			used = used || (c->where && strcasestr(c->where, name));
			if (!used)
				ignored = CSLAddString(
				    ignored, OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)));
		}
		if (def->locate == PR_LOCATE_KEY || c->by_address ||
		    (def->locate == PR_LOCATE_POINT && c->x))
			ignored = CSLAddString(ignored, "OGR_GEOMETRY");
		OGR_L_SetIgnoredFields(o->layer, (const char **)ignored);
		CSLDestroy(ignored);
	}

	bool needs_crs = def->locate != PR_LOCATE_KEY && !c->by_address;
	if (!needs_crs)
		goto done;
	if (c->crs) {
		o->srs = pr_srs_from_user(c->crs);
	} else {
		OGRSpatialReferenceH layer_srs = OGR_L_GetSpatialRef(o->layer);
		if (layer_srs && !c->x) {
			o->srs = OSRClone(layer_srs);
			OSRSetAxisMappingStrategy(o->srs, OAMS_TRADITIONAL_GIS_ORDER);
		}
	}
	if (!o->srs) {
		r = pr_error(ctx, PR_ECONFIG,
			     "%s line %d [%s]: %s does not say its CRS; add crs = ... to [%s] (for "
			     "example EPSG:31370, or EPSG:4326 for lon/lat)",
			     s->file, c->line, def->name, c->path, def->name);
		goto done;
	}
	if (work_srs && !OSRIsSame(o->srs, work_srs)) {
		o->ct = OCTNewCoordinateTransformation(o->srs, work_srs);
		if (!o->ct) {
			r = pr_error_gdal(ctx, PR_ECONFIG,
					  "%s line %d [%s]: cannot transform from its CRS to the "
					  "working CRS",
					  s->file, c->line, def->name);
			goto done;
		}
	}
done:
	if (r < 0)
		pr_source_close(o);
	return r;
}

int pr_source_srs(pr_context *ctx, const pr_sources *sources, int source,
		  OGRSpatialReferenceH *ret_srs)
{
	opened_source o;
	int r = pr_source_open(ctx, sources, source, NULL, NULL, &o);
	if (r < 0)
		return r;
	*ret_srs = o.srs;
	o.srs = NULL;
	pr_source_close(&o);
	return 0;
}
