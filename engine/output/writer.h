/* SPDX-License-Identifier: MIT */
/* What the writer of the layers (writer.c) shares with the formats that use it (gpkg.c,
 * postgis.c) and with the writers of each layer (layer_*.c): the table of layers, the open
 * dataset and how layers are made in it, and small helpers to create features and set values.
 * Not used outside engine/output/. */
#ifndef PR_OUTPUT_WRITER_H
#define PR_OUTPUT_WRITER_H

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "output/output.h"

/* What a field holds, for the audiences that may not see all of it (README "Personal data"). */
enum pr_field_kind {
	PR_FIELD_OPEN = 0, /* scores, counts, the parcel's own data: for every audience given the
			      layer */
	PR_FIELD_OWNER,	   /* an owner's name: pseudonymised for planners */
	PR_FIELD_PERSONAL, /* an address, a value read from a register: inspectors only */
	PR_FIELD_PUBLIC,   /* not written: nonzero on the rows the public may see */
};

/* What an audience gets of a layer: one column per audience in each layer's row. Zero, the
 * default, is nothing: a new layer reaches an audience only by saying so. */
enum pr_share {
	PR_SHARE_NONE = 0,
	PR_SHARE_NAMED,	       /* as written: names, addresses, values */
	PR_SHARE_PSEUDONYMOUS, /* owners pseudonymised, personal fields left out */
	PR_SHARE_PUBLIC,       /* owners and personal fields left out, only the public rows */
};

/* How the rows a layer's fill makes reach the file when its audience does not get all of them:
 * the fill writes into a layer of every field in memory, and each row is copied to the file's
 * layer through map (a field of the memory layer to the file's, -1: left out). */
typedef struct pr_writer_filter {
	OGRLayerH target;
	enum pr_share share;
	int *map;
	int n_fields;
	int public_field; /* the PR_FIELD_PUBLIC field, or -1 */
	int owner_fields[4], n_owner_fields;
	OGRFeatureH row;
} pr_writer_filter;

typedef struct pr_writer {
	pr_context *ctx;
	GDALDatasetH ds;
	OGRSpatialReferenceH srs;
	const char *path; /* what messages call the output: a file, or a schema and its database */
	/* How the format makes layers: the options every layer gets (among them one that leaves
	 * the spatial index out), whether fields name their field domain, and whether the styles
	 * go somewhere other than a layer_styles layer of the dataset (PostGIS: the database's own
	 * public.layer_styles). */
	char **layer_options;
	bool field_domains;
	bool styles_apart;
	int64_t *parcel_fids; /* the fid each parcel got in parcel_risk, for its spatial index */
	/* Layers with rows (pr_layer_def) are created empty, their rows inserted by the format
	 * after GDAL has closed the dataset (GeoPackage: pr_gpkg_insert_rows). */
	bool rows_later;
	const pr_output *out;
	pr_writer_filter *filter; /* NULL: the fill writes into the file's layer itself */
} pr_writer;

/* A field of a layer: name and type, and where needed a domain, a width or a subtype. */
typedef struct pr_field_spec {
	const char *name;
	OGRFieldType type;
	const char *domain;
	int width;
	OGRFieldSubType subtype;
	enum pr_field_kind kind;
} pr_field_spec;

/* One value of a row as a layer's rows function gives it, for either way of writing it. */
typedef struct pr_cell {
	enum { PR_CELL_NULL, PR_CELL_INT, PR_CELL_REAL, PR_CELL_TEXT, PR_CELL_DATE } kind;
	union {
		int64_t i;
		double d;
		const char *s; /* never NULL: NULL text is PR_CELL_NULL */
		int32_t days;  /* days since 1970 */
	} v;
} pr_cell;

/* What a layer's rows function calls for each row, in writing order: the row of parcel with its
 * n_cells cells, one per field of the layer (the fixed fields, then add_fields'). Nonzero
 * stops. */
typedef int (*pr_row_fn)(void *user, size_t parcel, const pr_cell *cells, size_t n_cells);

/* How a layer's spatial index is made: none, through GDAL once the layer is full, or bulk-loaded
 * (rtree.c) after GDAL has closed the file, copying the first GDAL-indexed layer's triggers. */
enum pr_layer_index { PR_INDEX_NONE, PR_INDEX_GDAL, PR_INDEX_BULK };

/* What the writer knows of a layer: one such row per layer, each beside its fill function in
 * layer_*.c, listed in writing order in pr_output_layers (writer.c). To add a layer, write its
 * file and add it to that list. */
typedef struct pr_layer_def {
	const char *name;
	OGRwkbGeometryType geometry; /* wkbNone for a table */
	const char *description;     /* for gpkg_contents */
	/* Writes a description that depends on the output instead; NULL: description. */
	void (*describe)(const pr_output *out, char *buf, size_t size);
	const pr_field_spec *fields; /* the fixed fields */
	size_t n_fields;
	/* Adds the fields that depend on the model or the sources; NULL when there are none. */
	int (*add_fields)(pr_writer *w, OGRLayerH layer, const pr_output *out);
	/* Writes the rows, inside a transaction the caller opens and commits. */
	int (*fill)(pr_writer *w, OGRLayerH layer, const pr_output *out);
	/* For a layer of one row per parcel with the parcel's geometry (parcel_risk): calls row
	 * for each, in writing order. A GeoPackage inserts such rows on its own SQLite connection
	 * once GDAL has closed the file (gpkg_rows.c): GDAL's feature API cost more than the rest
	 * of writing them. fill writes them elsewhere. NULL: fill only. */
	int (*rows)(const pr_output *out, pr_row_fn row, void *user);
	/* Whether this output has the layer; NULL: always. */
	bool (*wanted)(const pr_output *out);
	enum pr_layer_index index;
	const unsigned char *style;    /* its default QGIS style (QML), or NULL */
	const char *style_description; /* the style's description in layer_styles */
	bool after_indexes; /* written last, once the others are indexed (run_info's timings) */
	bool styles_table;  /* the layer_styles table, left out where styles_apart */
	enum pr_share share[PR_AUDIENCE_COUNT]; /* what each audience gets of it */
} pr_layer_def;

/* What out's audience gets of the layer: PR_SHARE_NONE when it is not written at all (also when
 * the output has no such layer: wanted). */
enum pr_share pr_layer_share(const pr_layer_def *def, const pr_output *out);

/* The QGIS styles built into the engine (data/styles/NAME.qml, embedded at build time). */
extern const unsigned char pr_style_parcel_risk[], pr_style_visit_list[], pr_style_owners[],
    pr_style_hotspots[];

#define PR_FIELDS(array) (array), (sizeof(array) / sizeof *(array))

extern const pr_layer_def pr_layer_parcel_risk, pr_layer_visit_list, pr_layer_owners,
    pr_layer_hotspots, pr_layer_changes, pr_layer_rejects, pr_layer_layer_styles, pr_layer_run_info;
/* Every layer, in writing order. */
extern const pr_layer_def *const pr_output_layers[];
extern const size_t pr_output_n_layers;

/* Creates and fills, in w->ds, the layers of one pass: those written before the indexes, or
 * those after them (after_indexes: run_info). Each layer of the first pass adds the time it took
 * to run_info. */
int pr_writer_write_layers(pr_writer *w, bool after_indexes);

int pr_writer_add_field(pr_writer *w, OGRLayerH layer, const pr_field_spec *spec);
/* Whether the audience given a layer with share gets a field of this kind as it is. */
bool pr_field_kept(enum pr_field_kind kind, enum pr_share share);
/* Whether the writer leaves def's rows to the format: rows_later, and an audience that gets
 * every row (a layer with rows has no public field). */
bool pr_writer_rows_later(const pr_writer *w, const pr_layer_def *def, enum pr_share share);
/* Sets field of feat to cell. */
void pr_set_cell(OGRFeatureH feat, int field, const pr_cell *cell);
/* Inserts the rows of the layers whose rows the writer left to it (pr_writer_rows_later) into
 * the GeoPackage db, open in a transaction on the file GDAL wrote and closed, through the
 * layer's rows function, and sets the counts and extent GDAL keeps; parcel_fids gets each
 * parcel's fid. Adds seconds.write_NAME to run_info. */
int pr_gpkg_insert_rows(pr_context *ctx, sqlite3 *db, const pr_output *out, int64_t *parcel_fids);
int pr_writer_create_feature(pr_writer *w, OGRLayerH layer, OGRFeatureH feat);
/* Sets a text field, or NULL when text is. */
void pr_set_text(OGRFeatureH feat, int field, const char *text);
/* Sets a date field from days since 1970, NULL for PR_DATE_NULL. */
void pr_set_date(OGRFeatureH feat, int field, int32_t days);
/* A parcel's text field, NULL when the sources do not map it or the parcel has none. */
const char *pr_parcel_text(const pr_parcels *p, int field, size_t i);

/* Parcels in rank order (the caller frees it), so that tables open with the riskiest first. */
uint32_t *pr_rank_order(const pr_scores *s);

#endif
