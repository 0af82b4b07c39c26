/* SPDX-License-Identifier: MIT */
/* The reading stage: the sources file (which file holds each source and which of its columns are
 * the canonical fields) and the records read from each source through GDAL, reprojected into the
 * working CRS, with every unusable row kept as a reject. */
#ifndef PR_SOURCES_H
#define PR_SOURCES_H

#include <ogr_srs_api.h>

#include "core/core.h"

/* The source kinds, in the order they are read, joined, stored and reported. Everything the
 * engine knows about a kind is its row of pr_source_defs (config.c): to add a source kind, add
 * it here and give it a row there. */
enum pr_source_kind {
	PR_SRC_PARCELS = 0,
	PR_SRC_POPULATION,
	PR_SRC_COMPLAINTS,
	PR_SRC_INSPECTIONS,
	PR_SRC_ADDRESSES, /* the address register: joined first, it locates records by address */
	PR_SRC_COUNT
};

enum pr_field_type { PR_FT_TEXT, PR_FT_REAL, PR_FT_INT, PR_FT_DATE };

#define PR_MAX_FIELDS 8

/* The canonical fields C code reads by position (the model reads all of them by name): their
 * index in pr_source_defs[...].fields and in pr_records.cols. */
enum pr_parcel_field {
	PR_PARCEL_ID = 0,
	PR_PARCEL_OWNER,
	PR_PARCEL_FLOOR_AREA,
	PR_PARCEL_DWELLINGS,
	PR_PARCEL_BUILD_YEAR,
	PR_PARCEL_ADDRESS,
	PR_PARCEL_FIELD_COUNT
};
enum pr_inspection_field { PR_INSPECTION_PARCEL = 0, PR_INSPECTION_DATE, PR_INSPECTION_OUTCOME };
/* The address register's fields: up to four names of the street (one per language column),
 * the house number, box, postcode, and the address's parcel key. */
enum pr_register_field {
	PR_REGISTER_STREET = 0, /* then PR_REGISTER_STREET + 1 .. + 3 */
	PR_REGISTER_NUMBER = 4,
	PR_REGISTER_BOX,
	PR_REGISTER_POSTCODE,
	PR_REGISTER_PARCEL,
};
#define PR_REGISTER_STREETS 4
/* A point source may be located by address instead of x/y: its address fields are these
 * names, at positions the source kind's row gives (pr_source_def.address_field). */
enum pr_address_part { PR_ADDRESS_STREET, PR_ADDRESS_NUMBER, PR_ADDRESS_BOX, PR_ADDRESS_POSTCODE };
#define PR_ADDRESS_PARTS 4

/* How a field's plausible range is bounded (the contract's "Failing loudly"). */
enum pr_range {
	PR_RANGE_NONE = 0,
	PR_RANGE_FIXED,	     /* from min to max */
	PR_RANGE_AS_OF_YEAR, /* from min to the as-of year plus max */
};

/* A canonical field of a source: the name the model uses, how its values parse, and which values
 * are plausible. Every value, text or typed, goes through the checks of its field's type (see
 * pr_value_check): a value outside the range, or a word outside a closed vocabulary, rejects its
 * row. */
typedef struct pr_field_def {
	const char *name;
	enum pr_field_type type;
	bool required;
	enum pr_range range;
	/* Numbers: the value itself; dates: the day as YYYYMMDD (18000101). */
	double min, max;
	/* The canonical words of a text field, lower case, NULL-terminated (NULL: none). A value
	 * is compared with them, and with the words the sources file maps onto them
	 * (`<field>.<canonical> = word, word`), after the normalisation of street names, and
	 * stored as the canonical word. A closed vocabulary rejects any other value as
	 * `unknown value`; an open one keeps it as written and counts it. Any text field may be
	 * mapped; only a closed vocabulary limits the canonical words of its mappings. */
	const char *const *vocabulary;
	/* How many columns the field's key may list ("street = name_fr, name_nl"): they fill this
	 * field and the ones after it. 0 or 1: one column. */
	int columns;
	bool open_vocabulary;
} pr_field_def;

/* How the records of a source find their parcel. */
enum pr_locate {
	PR_LOCATE_SELF,	 /* the parcels themselves */
	PR_LOCATE_POINT, /* by location: x, y (or the layer's points), crs and snap_m */
	PR_LOCATE_KEY,	 /* by the parcel key in field key_field */
};

typedef struct pr_source_def {
	const char *name; /* its section, its table in the store, its name in rejects and logs */
	enum pr_locate locate;
	int key_field;		    /* PR_LOCATE_KEY: the field holding the parcel key */
	const char *key_label;	    /* words for its required key field, in errors */
	const char *join_stage;	    /* progress name of its join (a static string), or NULL */
	const char *records_column; /* parcel_risk's count of its records, or NULL */
	/* PR_LOCATE_POINT sources that may be located by address instead: the fields holding
	 * street, number, box and postcode (enum pr_address_part); -1 when it cannot be. */
	int address_field[PR_ADDRESS_PARTS];
	int n_fields;
	pr_field_def fields[PR_MAX_FIELDS];
} pr_source_def;

/* The canonical sources and their fields, indexed by enum pr_source_kind. */
extern const pr_source_def pr_source_defs[PR_SRC_COUNT];

/* The source kind whose section is name, or -1. */
int pr_source_by_name(const char *name);

/* A site's words for a text field's canonical values: `<field>.<canonical> = word, word`. */
typedef struct pr_vocab_word {
	char *word;	 /* normalised as street names are */
	char *canonical; /* as the sources file writes it */
} pr_vocab_word;

typedef struct pr_vocab_map {
	pr_vocab_word *items;
	size_t n, cap;
} pr_vocab_map;

typedef struct pr_source_conf {
	bool present;
	int line;    /* line of the section header in the sources file */
	char *path;  /* as resolved against the sources file's folder */
	char *layer; /* NULL: the dataset's first layer */
	char *where; /* NULL or an OGR attribute filter */
	char *crs;   /* NULL: read from the dataset */
	int crs_line;
	double snap_m;	     /* points only */
	char *x, *y;	     /* points only: coordinate columns; NULL: the layer's geometry */
	bool by_address;     /* points only: located through the address register, not x/y */
	double max_rejected; /* share of rows that may be rejected, 0–1; < 0: [run]'s */
	char *columns[PR_MAX_FIELDS]; /* source column of each canonical field, or NULL */
	/* How the source writes its text (the contract's "Reading real exports"). */
	char separator; /* ',', ';', '|' or '\t'; 0: as GDAL detects it */
	char *encoding; /* an iconv name; NULL: UTF-8 */
	char decimal;	/* '.' or ',' */
	enum pr_date_format date_format;
	bool date_format_set; /* written in the sources file, not the default */
	int separator_line, encoding_line;
	pr_vocab_map vocab[PR_MAX_FIELDS]; /* each text field's mapped words */
} pr_source_conf;

struct pr_sources {
	char *file; /* the sources file as given */
	char *dir;  /* its folder */
	char *crs;  /* the working CRS as written; NULL: the parcels' CRS */
	int crs_line;
	char *as_of; /* as written in [run], or NULL */
	int as_of_line;
	double max_rejected; /* [run]: the share of a source's rows that may be rejected, 0–1 */
	double time_limit_s; /* [run]: how long model SQL and where filters may run */
	/* [run]: the owners' pseudonym key file, resolved against the sources file's folder;
	 * NULL when not given. Not read when the sources are loaded. */
	char *pseudonym_key_file;
	pr_source_conf src[PR_SRC_COUNT];
	/* The normalisation of street names and vocabulary values (engine/address/), made once
	 * per loaded sources file and shared by everything that reads them. */
	struct pr_address_norm *norm;
};

#define PR_DEFAULT_MAX_REJECTED 0.05
#define PR_DEFAULT_TIME_LIMIT_S 600

/* The share of source k's rows that may be rejected before a run fails: its own max_rejected,
 * else [run]'s, else 5%. */
double pr_source_max_rejected(const pr_sources *sources, int source);

/* Builds an SRS from user input (EPSG:31370, a WKT, a PROJ string) with GIS axis order
 * (x = easting or longitude). NULL when it cannot be understood. The caller releases it with
 * OSRRelease(). */
OGRSpatialReferenceH pr_srs_from_user(const char *text);
/* Checks that srs is projected with metres as its unit; on failure returns a static message
 * saying why ("is geographic (degrees)", "uses US survey feet"), else NULL. */
const char *pr_srs_not_metric(OGRSpatialReferenceH srs);
/* A short name for an SRS: "EPSG:31370" when it has one, else its name. */
void pr_srs_label(OGRSpatialReferenceH srs, char *buf, size_t size);

/* ---- records ------------------------------------------------------------------------------- */

/* A fixed vocabulary: the reasons a row can be rejected for. */
#define PR_REJECT_NO_COORDINATES   "no coordinates"
#define PR_REJECT_BAD_COORDINATES  "bad coordinates"
#define PR_REJECT_BAD_DATE	   "bad date"
#define PR_REJECT_BAD_NUMBER	   "bad number"
#define PR_REJECT_OUTSIDE	   "outside every parcel"
#define PR_REJECT_UNKNOWN_PARCEL   "unknown parcel id"
#define PR_REJECT_NO_ID		   "parcel without id"
#define PR_REJECT_DUPLICATE_ID	   "duplicate parcel id"
#define PR_REJECT_INVALID_GEOMETRY "invalid geometry"
#define PR_REJECT_OUT_OF_RANGE	   "out of range"
#define PR_REJECT_UNKNOWN_VALUE	   "unknown value"
#define PR_REJECT_BAD_ENCODING	   "bad text encoding"
/* Records located by address (engine/address/): */
#define PR_REJECT_AMBIGUOUS_ADDRESS "ambiguous address"
#define PR_REJECT_UNKNOWN_STREET    "unknown street"
#define PR_REJECT_UNKNOWN_ADDRESS   "unknown address"
#define PR_REJECT_NO_STREET	    "no street name" /* a register row without a usable name */

typedef struct pr_reject {
	int source;   /* enum pr_source_kind */
	uint64_t row; /* 1-based, in reading order (for a CSV: the data rows, header excluded) */
	const char *reason;
	char *value; /* "field 'value'", owned */
} pr_reject;

typedef struct pr_rejects {
	pr_reject *items;
	size_t n, cap;
} pr_rejects;

int pr_rejects_add(pr_rejects *rj, int source, uint64_t row, const char *reason, const char *fmt,
		   ...) __attribute__((format(printf, 5, 6)));
void pr_rejects_free(pr_rejects *rj);

/* One column of canonical values. Numbers are NAN when missing; dates are days since 1970 or
 * PR_DATE_NULL; text is NULL when missing. */
#define PR_DATE_NULL   INT32_MIN
#define PR_SWAP_SAMPLE 64
typedef struct pr_column {
	enum pr_field_type type;
	bool present; /* mapped in the sources file */
	double *num;
	int32_t *date;
	uint32_t *text_ref; /* each row's text in pool (pr_column_text) */
	pr_text_pool pool;
} pr_column;

/* Row i's text in a text column, or NULL when missing or when the column is not read. */
static inline const char *pr_column_text(const pr_column *c, size_t i)
{
	return c->text_ref ? pr_text_pool_get(&c->pool, c->text_ref[i]) : NULL;
}

/* Distinct words with their counts: the values of an open vocabulary that no mapping names. */
typedef struct pr_tally pr_tally;
/* Counts word once more (copying it), creating *tally on first use; 0 or PR_ENOMEM. Past
 * 100,000 distinct words, new ones are counted together. */
int pr_tally_add(pr_tally **tally, const char *word);
/* The at most max most frequent words (ties: by word) into ret_words (owned by the tally) and
 * ret_counts, each of max entries; returns how many, or PR_ENOMEM. */
int pr_tally_top(const pr_tally *tally, int max, const char **ret_words, uint64_t *ret_counts);
/* "word (count), word (count)", most frequent first (ties: by word), at most max words; NULL
 * when the tally is empty or memory ran out. The caller frees it. */
char *pr_tally_summary(const pr_tally *tally, int max);
void pr_tally_free(pr_tally *tally);

/* The records of one source that parsed: coordinates (points), the row each came from and
 * its canonical fields; parcel is the joined parcel's index, or -1 while unknown. */
typedef struct pr_records {
	int source;
	size_t n, cap;
	uint64_t *row;
	double *x, *y; /* sources located by points only, else NULL */
	int32_t *parcel;
	uint8_t *snapped;
	pr_column cols[PR_MAX_FIELDS];
	uint64_t rows_read;
	char crs_label[64];
	double extent[4];
	/* Up to PR_SWAP_SAMPLE points transformed with x and y swapped (see pr_join_diagnose). */
	double swapped_sample[2 * PR_SWAP_SAMPLE];
	size_t n_swapped_sample;
	/* Of the kept rows, per field: the values of an open vocabulary that no mapping names
	 * (kept as written), and a summary of them for run_info (see pr_tally_summary, at most
	 * PR_UNMAPPED_LISTED words); the dates written with slashes, and how many of them read
	 * as a day both day-first and month-first. */
	pr_tally *unmapped[PR_MAX_FIELDS];
	char *unmapped_summary[PR_MAX_FIELDS];
	uint64_t slashed_dates[PR_MAX_FIELDS], ambiguous_dates[PR_MAX_FIELDS];
	/* The address register's rows kept without a usable point (x and y NaN) because their
	 * parcel key may place them: the rejects they become if it does not, in row order.
	 * pr_join_register settles them. */
	pr_rejects pending;
} pr_records;

#define PR_UNMAPPED_LISTED 20

void pr_records_free(pr_records *rec);
/* Frees the rows (every array and the text) and keeps what describes them: how many were read
 * and kept, the fields present, the unmapped words and dates. */
void pr_records_free_rows(pr_records *rec);
/* The bytes rec's arrays and text take (as allocated, room to grow included). */
size_t pr_records_bytes(const pr_records *rec);

/* Parcels: their records (id, owner, ...) plus geometry in the working CRS, sorted by id so
 * that "lowest id" is "lowest index". */
typedef struct pr_parcels {
	pr_records rec;
	/* Repaired geometry as ISO WKB MultiPolygon (little-endian, 2-D), one after the other:
	 * parcel i's is wkb[wkb_at[i] .. wkb_at[i+1]) (see pr_parcel_wkb). The join's covers test
	 * reads its rings there. */
	unsigned char *wkb;
	size_t *wkb_at;
	double *area;
	double *bbox;	  /* 4 per parcel: minx, miny, maxx, maxy */
	double *label_xy; /* 2 per parcel: a point on the surface */
	uint64_t repaired;
	char *srs_wkt; /* the working CRS as WKT */
} pr_parcels;

void pr_parcels_free(pr_parcels *p);
/* Parcel i's geometry as WKB, its size in *ret_size. */
static inline const unsigned char *pr_parcel_wkb(const pr_parcels *p, size_t i, size_t *ret_size)
{
	*ret_size = p->wkb_at[i + 1] - p->wkb_at[i];
	return p->wkb + p->wkb_at[i];
}
/* The bytes the parcels take: their records, geometry (WKB) and per-parcel figures. */
size_t pr_parcels_bytes(const pr_parcels *p);

/* Reads the parcels source into out (which the caller frees with pr_parcels_free), rejecting
 * rows without id, with a duplicate id or an unusable geometry. */
int pr_read_parcels(pr_context *ctx, const pr_sources *sources, OGRSpatialReferenceH work_srs,
		    pr_parcels *out, pr_rejects *rejects);

/* The CRS a source's coordinates are in (its crs key, else the dataset's), with GIS axis
 * order; the caller releases it with OSRRelease(). */
int pr_source_srs(pr_context *ctx, const pr_sources *sources, int source,
		  OGRSpatialReferenceH *ret_srs);

/* Reads a point or key source into out (freed with pr_records_free). wanted (NULL: all) says
 * which canonical fields to read: a field the model does not use is checked to exist but not
 * copied. */
int pr_read_records(pr_context *ctx, const pr_sources *sources, int source,
		    OGRSpatialReferenceH work_srs, const bool *wanted, pr_records *out,
		    pr_rejects *rejects);

#endif
