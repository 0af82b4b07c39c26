/* SPDX-License-Identifier: MIT */
/* The writing stage: the GeoPackage deliverable (its layers are listed in writer.h's layer
 * table: parcel_risk, visit_list, owners, hotspots, changes, rejects, layer_styles, run_info)
 * and the visits CSV, written to temporary files beside the targets and renamed into place only
 * when complete; or the same layers in a schema of a PostGIS database, swapped in whole. */
#ifndef PR_OUTPUT_H
#define PR_OUTPUT_H

#include <sys/types.h>

#include <gdal.h>
#include <sqlite3.h>

#include "sources/sources.h"
#include "model/model.h"
#include "readback/readback.h"
#include "store/store.h"

typedef struct pr_kv {
	char *key;
	char *value;
	bool public; /* also in a public output: versions, the as-of date, counts */
} pr_kv;

typedef struct pr_kv_list {
	pr_kv *items;
	size_t n, cap;
} pr_kv_list;

int pr_kv_add(pr_kv_list *list, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same for a row the public output keeps too. */
int pr_kv_add_public(pr_kv_list *list, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void pr_kv_free(pr_kv_list *list);

/* Everything the GeoPackage shows, indexed like the parcels. */
typedef struct pr_output {
	const pr_parcels *parcels;
	const pr_scores *scores;
	const pr_model *model;
	const uint32_t *records[PR_SRC_COUNT]; /* per parcel, records joined; NULL: absent */
	const pr_rejects *rejects;
	pr_kv_list *run_info;	     /* the write timings are added to it before it is written */
	const pr_previous *previous; /* NULL: no changes table */
	int32_t as_of;
	enum pr_audience audience;
	const pr_pseudonym_key *pseudonym_key; /* planners: the key of the owners' pseudonyms */
} pr_output;

/* Builds the spatial index of table (geometry column geom) in one pass from its features' ids
 * and boxes (4 per feature: minx, miny, maxx, maxy), copying the virtual table, triggers and
 * extension row of template_table's index, which must exist. db is the GeoPackage, open in a
 * transaction. */
int pr_gpkg_bulk_rtree(pr_context *ctx, sqlite3 *db, const char *table, const char *template_table,
		       const int64_t *fids, const double *bbox, size_t n);

/* Writes the visit list as a spreadsheet-friendly CSV beside path, under a temporary name
 * returned in *ret_tmp (the caller frees it and moves the file into place with
 * pr_output_commit once the GeoPackage is in place too). */
int pr_write_visits_csv(pr_context *ctx, const pr_output *out, const char *path, char **ret_tmp);

/* Turns SQLite's secure_delete on for a connection that writes the output at path (a plain
 * SQLite one, or GDAL's dataset), for as long as it is open: what is deleted or moved while
 * writing is overwritten with zeros. PR_EINTERNAL when SQLite does not confirm it. */
int pr_output_secure_delete(pr_context *ctx, sqlite3 *db, const char *path);
int pr_output_secure_delete_gdal(pr_context *ctx, GDALDatasetH ds, const char *path);

/* The widest mode an output file gets: read and write for its owner, read for its group. */
#define PR_OUTPUT_MODE 0640

/* Narrows the process's umask so that the files created until pr_output_umask_restore() get
 * PR_OUTPUT_MODE at most (and never more than the umask gave). Returns the umask to restore.
 * The umask belongs to the process: a file another thread creates meanwhile gets a narrower
 * mode, never a wider one. */
mode_t pr_output_umask_narrow(void);
void pr_output_umask_restore(mode_t old);

/* Flushes tmp to disk, narrows its mode to PR_OUTPUT_MODE at most, renames it to path and flushes
 * the folder. */
int pr_output_commit(pr_context *ctx, const char *tmp, const char *path);

/* The hidden file ".NAME<suffix>" beside path (the caller frees it), and this process's
 * temporary for path: ".NAME.<pid>.tmp.<extension>", which a later run may remove once the
 * process is gone. */
char *pr_output_beside(const char *path, const char *suffix);
char *pr_output_temporary(const char *path, const char *extension);

/* Locks out_path for this run (see lock.c); *ret_fd is released with pr_output_unlock(). */
int pr_output_lock(pr_context *ctx, const char *out_path, int *ret_fd);
void pr_output_unlock(int fd);

int pr_write_gpkg(pr_context *ctx, const pr_output *out, const char *path);

/* ---- PostGIS (postgis.c) ---- */

/* A run's PostGIS output: a connection to the database, holding the run's lock on the schema. */
typedef struct pr_postgis_target pr_postgis_target;

/* True when an output names a database (GDAL's "PG:" connection string) rather than a file. */
bool pr_output_is_postgis(const char *out);

/* PR_EUSAGE, saying why, unless schema is a name an output schema may have: a plain lower-case
 * identifier of at most 40 characters, without "__" (kept for the runs' temporary schemas), not
 * public nor a system schema. */
int pr_postgis_check_schema(pr_context *ctx, const char *schema);

/* Connects to the database of connection (a "PG:" string) and takes this run's lock on schema:
 * a PostgreSQL advisory lock keyed on the name, held until pr_postgis_close() (or until the
 * process dies). PR_EBUSY when another run holds it; PR_ECANTCREAT when the database cannot be
 * reached, has no PostGIS, or holds a schema of that name that no run wrote (its comment says
 * so). Once locked, drops the temporary schemas a killed run left. The caller closes *ret_target
 * with pr_postgis_close(). */
int pr_postgis_open(pr_context *ctx, const char *connection, const char *schema,
		    pr_postgis_target **ret_target);

/* Writes the layers into a new schema of the target's database and swaps it in for the schema in
 * one transaction, with the layers' QGIS styles in public.layer_styles; the previous schema is
 * dropped in that transaction. On failure the new schema is dropped and the previous one is
 * left as it was. */
int pr_write_postgis(pr_context *ctx, const pr_output *out, pr_postgis_target *target);

/* Closes the connection, which releases the lock. Accepts NULL. */
void pr_postgis_close(pr_postgis_target *target);

#endif
