/* SPDX-License-Identifier: MIT */
/* What the files of the reading stage share and nobody else sees: a source opened through GDAL,
 * a field's value as the source gives it, and the parcels on their way from the reader (feature
 * by feature in parcels.c, or through the Arrow stream in arrow.c) to the geometry workers. */
#ifndef PR_READ_INTERNAL_H
#define PR_READ_INTERNAL_H

#include <iconv.h>
#include <math.h>

#include <cpl_vsi.h>
#include <gdal.h>
#include <ogr_api.h>

#include "sources/records.h"

/* Bounds on what the input controls. */
#define MAX_TEXT_LEN 1000

/* ---- opening a source (open.c) ------------------------------------------------------------- */

/* A row of a GeoPackage or SQLite table whose stored values GDAL's typed ones may not show: the
 * text of each watched column as stored (NULL: SQL NULL). */
typedef struct written_row {
	int64_t fid;
	char **text; /* n_watched of them */
} written_row;

#define MAX_WATCHED (PR_MAX_FIELDS + 2)

/* How a source writes its values, from its section of the sources file: what pr_value_check
 * needs besides the field. */
typedef struct pr_value_rules {
	bool recode;	 /* the source has an encoding other than UTF-8 */
	iconv_t to_utf8; /* from that encoding, when recode */
	char decimal;	 /* '.' or ',' */
	enum pr_date_format date_format;
	const struct pr_address_norm *norm; /* vocabulary values are compared normalised */
	const pr_vocab_map *vocab;	    /* the field's mapped words; NULL: none */
} pr_value_rules;

typedef struct opened_source {
	GDALDatasetH ds;
	OGRLayerH layer;
	/* A pipe-separated source: the in-memory comma-separated copy GDAL opens, removed on
	 * close; NULL otherwise. */
	char *copy_path;
	OGRSpatialReferenceH srs;	 /* the source's CRS, GIS axis order; owned */
	OGRCoordinateTransformationH ct; /* NULL when already in the working CRS */
	int field_index[PR_MAX_FIELDS];
	OGRFieldType field_type[PR_MAX_FIELDS];
	int x_index, y_index;
	OGRFieldType x_type, y_type;
	const char *label; /* file name for messages */
	/* The source's encoding, decimal mark, date format and vocabularies (vocab set per
	 * field by whoever checks a value). */
	pr_value_rules rules;
	const pr_vocab_map *vocab; /* the section's mapped words, one map per field */
	/* The time limit of the source's SQL (a where filter run by SQLite inside GDAL). */
	struct {
		double deadline; /* pr_now() after which the SQL is interrupted */
		bool expired;
	} limit;
	/* The year that bounds build years: [run] as_of's, else this year's. (--as-of is resolved
	 * by the run after the sources file and does not reach the reading stage.) */
	int as_of_year;
	/* The text as written of the columns GDAL typed (a .csvt, a GeoPackage's INTEGER, REAL,
	 * DATE or DATETIME), where the typed value can lose it: GDAL reads 'abc' in an INTEGER
	 * column as 0 and 2026-13-45 as no date at all. watched are their OGR field indexes. */
	int watched[MAX_WATCHED];
	int n_watched;
	/* A CSV: the file read again alongside GDAL with its own CSV line reader, the record of
	 * feature id csv_fid in csv_record, so every value is checked as the text it is. */
	VSILFILE *csv_fp;
	char csv_delimiter[2];
	char **csv_record;
	int64_t csv_fid;
	/* A GeoPackage or SQLite table: the rows whose stored value is not of its column's type
	 * or not a real day, sorted by fid; every other row's typed values are faithful. */
	written_row *written;
	size_t n_written;
} opened_source;

/* Opens the dataset and layer of a source, applies its filter, finds its columns and sets up the
 * transformation into work_srs (NULL: none). wanted (NULL: all) says which canonical fields are
 * read; the others are checked to exist, then skipped. On success the caller closes o with
 * pr_source_close(); on failure o is left closed. */
int pr_source_open(pr_context *ctx, const pr_sources *s, int source, OGRSpatialReferenceH work_srs,
		   const bool *wanted, opened_source *o);
/* Releases what pr_source_open() opened; accepts a closed source. */
void pr_source_close(opened_source *o);
/* The error for a read of source o that GDAL failed after row rows: the where filter and GDAL's
 * message when a filter is set, the time limit when it stopped the read. */
int pr_source_read_failed(pr_context *ctx, const pr_sources *s, int source, const opened_source *o,
			  uint64_t rows);
/* The text as written of column idx (an OGR field index) in the row with feature id fid, when
 * GDAL typed the column and its typed value may not show it: true, with *ret the text (NULL when
 * the cell is NULL or absent). False when the typed value is the one to check. A CSV is read
 * alongside GDAL: ask for rows in increasing fid order. */
bool pr_source_written(opened_source *o, int64_t fid, int idx, const char **ret);

/* ---- field values (fields.c) --------------------------------------------------------------- */

/* A field's value as a source gives it: missing, text, a number or a date. Both reading paths
 * (OGR features, Arrow batches) turn values into this, and one function parses it. */
typedef struct raw_value {
	enum { RAW_MISSING, RAW_TEXT, RAW_NUMBER, RAW_INTEGER, RAW_DATE } kind;
	const char *text; /* NUL-terminated */
	double number;
	int64_t integer; /* 64-bit ids and keys stay exact */
	int y, m, d;
} raw_value;

/* A value that passed its field's checks. */
typedef struct pr_checked_value {
	double number;	  /* PR_FT_REAL, PR_FT_INT; NAN when missing */
	int32_t date;	  /* PR_FT_DATE: days since 1970; PR_DATE_NULL when missing */
	const char *text; /* PR_FT_TEXT: into text_buf or the field's vocabulary; NULL: missing */
	char text_buf[MAX_TEXT_LEN + 1];
	bool unmapped; /* text of an open vocabulary that is none of its words, kept as written */
	/* A date written with slashes in day-month order or month-day order: 1 when it reads as
	 * a day either way (neither part above 12), 2 when only one way; 0 otherwise. */
	int8_t date_order;
} pr_checked_value;

/* The one check of a value against its canonical field, whatever the source's type: text is
 * first converted from the source's encoding into UTF-8 (a value that does not convert, or
 * that is not UTF-8 without an encoding, is `bad text encoding`), then parsed with the source's
 * decimal mark and date format, and a typed value is held to the same rules (a real day, a
 * finite number, a whole one where the field counts things); then the field's plausible range
 * and vocabulary (the source's mapped words included). rules NULL: UTF-8, '.', DD/MM/YYYY, no
 * mapping. as_of_year bounds build years. Returns NULL when the value is usable (a missing value
 * is: it is missing data), else the reject reason (PR_REJECT_*) with the value as the source
 * gives it in shown (size bytes), safe for a message. */
const char *pr_value_check(const pr_field_def *fd, const pr_value_rules *rules, const raw_value *v,
			   int as_of_year, pr_checked_value *ret, char *shown, size_t size);
/* Sets up rules from a source's section (rules->to_utf8 open when it has an encoding; release
 * with pr_value_rules_close). 0, or PR_ECONFIG when iconv does not know the encoding. */
int pr_value_rules_open(pr_context *ctx, const pr_sources *s, int source, pr_value_rules *rules);
void pr_value_rules_close(pr_value_rules *rules);
/* Converts text from the rules' encoding into UTF-8 in a buffer the caller frees (NULL when it
 * does not convert, or when it is not valid UTF-8 and the rules have no encoding; errno ENOMEM
 * when memory ran out). */
char *pr_value_to_utf8(const pr_value_rules *rules, const char *text);

/* The raw value of every canonical field the source maps (values[f] for field f). Text points
 * into feat, valid while it lives. */
void pr_raw_values_from_feature(opened_source *o, OGRFeatureH feat, raw_value *values);
/* Replaces the raw values of the row with feature id fid by the text as written wherever the
 * source has it (pr_source_written): both reading paths call it after taking typed values. */
void pr_raw_values_as_written(opened_source *o, int64_t fid, raw_value *values);

/* Stores record i's canonical fields from their raw values (values[f] for each field f the
 * sources file maps). 1: kept; 0: rejected, with what the row had taken freed. */
int pr_records_store_fields(pr_records *rec, size_t i, const opened_source *o,
			    const raw_value *values, uint64_t row, pr_rejects *rejects,
			    int *status);

/* Widens extent (minx, miny, maxx, maxy) to hold x, y; *empty is true until the first point. */
static inline void extent_add(double *extent, bool *empty, double x, double y)
{
	if (*empty) {
		extent[0] = extent[2] = x;
		extent[1] = extent[3] = y;
		*empty = false;
		return;
	}
	extent[0] = fmin(extent[0], x);
	extent[1] = fmin(extent[1], y);
	extent[2] = fmax(extent[2], x);
	extent[3] = fmax(extent[3], y);
}

/* ---- parcels (parcels.c, arrow.c) ---------------------------------------------------------- */

/* One parcel's geometry on its way to the workers, where a CRS's area of use ends, and a
 * parcel whose geometry the workers found unusable (defined in parcels.c). */
typedef struct parcel_geom parcel_geom;
typedef struct area_of_use area_of_use;
typedef struct parcel_failure parcel_failure;

/* The parcels being read: records, and the kept rows' geometry. Rows go to the workers a batch
 * at a time (geoms: parcels batch_first .. out->rec.n); what they make of each is appended to
 * out's arrays in read order, which have room for cap parcels and wkb_cap bytes of WKB. */
typedef struct parcel_reader {
	pr_context *ctx;
	const pr_sources *sources;
	opened_source *o;
	const area_of_use *aou;
	pr_parcels *out;
	pr_rejects *rejects;
	parcel_geom *geoms;
	size_t batch_first;
	size_t cap, wkb_cap;
	parcel_failure *failed; /* in read order */
	size_t n_failed, failed_cap;
	uint64_t row;
} parcel_reader;

/* One row of the parcels source: its fields as raw values, its geometry as an OGR geometry
 * (g) or as WKB (wkb, wkb_size), either NULL when it has none. */
int pr_parcel_reader_add(parcel_reader *pr, int64_t fid, const raw_value *values, OGRGeometryH g,
			 const unsigned char *wkb, size_t wkb_size);

/* Reads the parcels through the layer's Arrow stream. Returns 1 when the stream cannot serve
 * (a column type the engine does not read): nothing has been read then, and the caller reads
 * feature by feature. */
int pr_read_parcels_arrow(parcel_reader *pr, uint64_t total);

#endif
