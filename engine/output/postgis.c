/* SPDX-License-Identifier: MIT */
/* Writes the output into a PostGIS database (run -o PG:... --schema NAME) for planners who share
 * one: the same layers as the GeoPackage, through writer.c and GDAL's PostgreSQL driver, into a
 * new schema NAME__new_<pid>, which one transaction then swaps in for NAME (the previous month's
 * NAME is dropped) together with the layers' QGIS styles in public.layer_styles. Readers of the
 * database see the previous month whole until that commit, and the new one whole after it; a
 * killed run leaves the previous NAME as it was, and its temporary schema is dropped by the next
 * run. One run at a time per schema: an advisory lock keyed on the name, held by the connection
 * for the whole run, so that a killed run's lock goes with its connection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cpl_string.h>

#include "output/writer.h"

/* Schemas are marked with a comment that starts so: only such schemas are ever replaced or
 * dropped, never one the database held before (a schema of sources, say). */
#define SCHEMA_MARK "parcelrisk output"

/* Longest name: its temporary, NAME__new_ and a pid, must fit PostgreSQL's 63 bytes. */
#define SCHEMA_NAME_MAX 40

struct pr_postgis_target {
	GDALDatasetH ds;
	char schema[SCHEMA_NAME_MAX + 1];
	char temporary[64];
	char *label; /* the connection without its password, and the schema: for messages */
};

bool pr_output_is_postgis(const char *out)
{
	return out && strncmp(out, "PG:", 3) == 0;
}

int pr_postgis_check_schema(pr_context *ctx, const char *schema)
{
	size_t n = strlen(schema);
	bool plain = n > 0 && n <= SCHEMA_NAME_MAX &&
		     (schema[0] == '_' || (schema[0] >= 'a' && schema[0] <= 'z'));
	for (size_t i = 0; i < n && plain; i++)
		plain = schema[i] == '_' || (schema[i] >= 'a' && schema[i] <= 'z') ||
			(schema[i] >= '0' && schema[i] <= '9');
	if (!plain)
		return pr_error(ctx, PR_EUSAGE,
				"--schema '%s' is not a plain name: lower-case letters, digits and "
				"'_', starting with a letter or '_', at most %d characters",
				schema, SCHEMA_NAME_MAX);
	/* "__" is kept for the run's own schemas (NAME__new_<pid>), so that no output's name is
	 * another output's temporary. */
	if (strstr(schema, "__"))
		return pr_error(
		    ctx, PR_EUSAGE,
		    "--schema '%s': a name may not hold '__' (the runs' temporary schemas "
		    "are named NAME__new_<pid>)",
		    schema);
	if (strncmp(schema, "pg_", 3) == 0 || strcmp(schema, "public") == 0 ||
	    strcmp(schema, "information_schema") == 0)
		return pr_error(
		    ctx, PR_EUSAGE,
		    "--schema %s: the output replaces the whole schema at each run; name "
		    "a schema of its own",
		    schema);
	return 0;
}

/* Runs SQL on the target's connection (GDAL passes a statement that is not a query to the
 * server as it is; several may be separated by ';'). */
static int exec_sql(pr_context *ctx, pr_postgis_target *t, const char *sql, const char *what)
{
	CPLErrorReset();
	OGRLayerH res = GDALDatasetExecuteSQL(t->ds, sql, NULL, NULL);
	if (res)
		GDALDatasetReleaseResultSet(t->ds, res);
	if (CPLGetLastErrorType() >= CE_Failure)
		return pr_error_gdal(ctx, PR_ECANTCREAT, "%s: cannot %s", t->label, what);
	return 0;
}

/* The first column of the first row of a query, as text into buf ("" for none or NULL). */
static int query_value(pr_context *ctx, pr_postgis_target *t, const char *sql, const char *what,
		       char *buf, size_t size)
{
	CPLErrorReset();
	buf[0] = '\0';
	OGRLayerH res = GDALDatasetExecuteSQL(t->ds, sql, NULL, NULL);
	OGRFeatureH feat = res ? OGR_L_GetNextFeature(res) : NULL;
	if (feat && OGR_F_IsFieldSetAndNotNull(feat, 0))
		snprintf(buf, size, "%s", OGR_F_GetFieldAsString(feat, 0));
	OGR_F_Destroy(feat);
	if (res)
		GDALDatasetReleaseResultSet(t->ds, res);
	if (!res || CPLGetLastErrorType() >= CE_Failure)
		return pr_error_gdal(ctx, PR_ECANTCREAT, "%s: cannot %s", t->label, what);
	return 0;
}

/* An existing schema NAME must be one a run wrote (its comment says so): the swap drops it. */
static int check_schema_is_ours(pr_context *ctx, pr_postgis_target *t)
{
	char sql[256], whose[16];
	snprintf(sql, sizeof sql,
		 "SELECT CASE WHEN obj_description(oid, 'pg_namespace') LIKE '" SCHEMA_MARK
		 "%%' THEN 'ours' ELSE 'theirs' END FROM pg_namespace WHERE nspname = '%s'",
		 t->schema);
	int r = query_value(ctx, t, sql, "look for the schema", whose, sizeof whose);
	if (r == 0 && strcmp(whose, "theirs") == 0)
		return pr_error(
		    ctx, PR_ECANTCREAT,
		    "%s: the schema exists and was not written by parcelrisk (its comment "
		    "does not start with '" SCHEMA_MARK "'); a run replaces the whole "
		    "schema, so it refuses to: name another schema",
		    t->label);
	return r;
}

int pr_postgis_open(pr_context *ctx, const char *connection, const char *schema,
		    pr_postgis_target **ret_target)
{
	pr_postgis_target *t = calloc(1, sizeof *t);
	char *clean = pr_redact_credentials(connection);
	char sql[512], value[32];
	int r = 0;
	if (!t || !clean || asprintf(&t->label, "%s (schema %s)", clean, schema) < 0) {
		if (t)
			t->label = NULL;
		r = PR_ENOMEM;
		goto done;
	}
	r = pr_postgis_check_schema(ctx, schema);
	if (r < 0)
		goto done;
	snprintf(t->schema, sizeof t->schema, "%s", schema);
	snprintf(t->temporary, sizeof t->temporary, "%s__new_%ld", schema, (long)getpid());
	const char *const drivers[] = {"PostgreSQL", NULL};
	CPLErrorReset();
	t->ds = GDALOpenEx(connection, GDAL_OF_VECTOR | GDAL_OF_UPDATE, drivers, NULL, NULL);
	if (!t->ds) {
		r = pr_error_gdal(ctx, PR_ECANTCREAT, "cannot connect to the output database %s",
				  t->label);
		goto done;
	}
	r = query_value(ctx, t, "SELECT count(*) FROM pg_extension WHERE extname = 'postgis'",
			"look for PostGIS", value, sizeof value);
	if (r == 0 && strcmp(value, "0") == 0)
		r = pr_error(ctx, PR_ECANTCREAT,
			     "%s: the database has no PostGIS (CREATE EXTENSION postgis)",
			     t->label);
	if (r < 0)
		goto done;
	/* Per database, as schema names are; held by this connection until it closes. */
	snprintf(sql, sizeof sql,
		 "SELECT pg_try_advisory_lock(hashtextextended('" SCHEMA_MARK " %s', 0))::int",
		 t->schema);
	r = query_value(ctx, t, sql, "take the schema's lock", value, sizeof value);
	if (r < 0)
		goto done;
	if (strcmp(value, "1") != 0) {
		r = pr_error(ctx, PR_EBUSY,
			     "another parcelrisk run is writing %s; wait for it to finish or "
			     "write another schema with --schema",
			     t->label);
		goto done;
	}
	r = check_schema_is_ours(ctx, t);
	if (r < 0)
		goto done;
	/* Holding the lock, no other run writes this schema: the temporary schemas a killed run
	 * left are dropped (only those marked as a run's). */
	snprintf(sql, sizeof sql,
		 "DO $$DECLARE s name; BEGIN FOR s IN SELECT nspname FROM pg_namespace WHERE "
		 "nspname ~ '^%s__new_[0-9]+$' AND obj_description(oid, 'pg_namespace') LIKE "
		 "'" SCHEMA_MARK "%%' LOOP EXECUTE format('DROP SCHEMA %%I CASCADE', s); END LOOP; "
		 "END$$",
		 t->schema);
	r = exec_sql(ctx, t, sql, "drop the temporary schemas of an earlier run");
done:
	free(clean);
	if (r < 0) {
		pr_postgis_close(t);
		return r;
	}
	*ret_target = t;
	return 0;
}

void pr_postgis_close(pr_postgis_target *t)
{
	if (!t)
		return;
	if (t->ds)
		GDALClose(t->ds); /* the lock goes with the connection */
	free(t->label);
	free(t);
}

/* A text as an SQL literal that does not depend on standard_conforming_strings. */
static int append_literal(pr_strbuf *sb, const char *text)
{
	int r = pr_strbuf_append(sb, "E'", 2);
	for (const char *p = text; *p && r == 0; p++)
		r = *p == '\''	 ? pr_strbuf_append(sb, "''", 2)
		    : *p == '\\' ? pr_strbuf_append(sb, "\\\\", 2)
				 : pr_strbuf_append(sb, p, 1);
	return r == 0 ? pr_strbuf_append(sb, "'", 1) : r;
}

/* The QGIS table of styles, as QGIS itself creates it when it saves a style to the database. */
static const char layer_styles_sql[] =
    "CREATE TABLE IF NOT EXISTS public.layer_styles (id SERIAL PRIMARY KEY, "
    "f_table_catalog varchar, f_table_schema varchar, f_table_name varchar, "
    "f_geometry_column varchar, stylename text, styleqml xml, stylesld xml, "
    "useasdefault boolean, description text, owner varchar(63) DEFAULT CURRENT_USER, ui xml, "
    "update_time timestamp DEFAULT CURRENT_TIMESTAMP, type varchar, r_raster_column varchar)";

/* The statements that replace the schema's rows in public.layer_styles by one row per styled
 * layer of this output, naming the schema as it will be once swapped in. QGIS finds a layer's
 * default style by database (f_table_catalog), schema, table and geometry column. */
static int styles_sql(const pr_postgis_target *t, const pr_output *out, pr_strbuf *sb)
{
	char as_of[16];
	pr_format_date(out->as_of, as_of);
	int r = pr_strbuf_printf(sb,
				 "DELETE FROM public.layer_styles WHERE f_table_catalog = "
				 "current_database() AND f_table_schema = '%s'",
				 t->schema);
	bool first = true;
	for (size_t i = 0; i < pr_output_n_layers && r == 0; i++) {
		const pr_layer_def *def = pr_output_layers[i];
		if (!def->style || pr_layer_share(def, out) == PR_SHARE_NONE)
			continue;
		r = pr_strbuf_printf(
		    sb, "%s(current_database(), '%s', '%s', 'geom', '%s', XMLPARSE(DOCUMENT ",
		    first ? "; INSERT INTO public.layer_styles (f_table_catalog, f_table_schema, "
			    "f_table_name, f_geometry_column, stylename, styleqml, stylesld, "
			    "useasdefault, description, owner, ui, update_time) VALUES "
			  : ", ",
		    t->schema, def->name, def->name);
		if (r == 0)
			r = append_literal(sb, (const char *)def->style);
		if (r == 0)
			r = pr_strbuf_append(sb, "), NULL, true, ", 15);
		if (r == 0)
			r = append_literal(sb, def->style_description);
		if (r == 0)
			r = pr_strbuf_printf(sb, ", current_user, NULL, '%s')", as_of);
		first = false;
	}
	return r < 0 ? PR_ENOMEM : 0;
}

/* What others were granted on the previous schema and on its tables, granted on the new schema
 * and its tables of the same names: a reader given USAGE and SELECT keeps them month after
 * month. */
static int grants_sql(const pr_postgis_target *t, pr_strbuf *sb)
{
	int r = pr_strbuf_printf(
	    sb,
	    "DO $$DECLARE g record; BEGIN "
	    "FOR g IN SELECT NULL::name AS relname, a.privilege_type, a.grantee, a.is_grantable "
	    "FROM pg_namespace n, aclexplode(n.nspacl) a "
	    "WHERE n.nspname = '%s' AND a.grantee <> n.nspowner "
	    "UNION ALL SELECT c.relname, a.privilege_type, a.grantee, a.is_grantable "
	    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a "
	    "WHERE n.nspname = '%s' AND c.relkind = 'r' AND a.grantee <> c.relowner "
	    "AND EXISTS (SELECT 1 FROM pg_class c2 JOIN pg_namespace n2 "
	    "ON n2.oid = c2.relnamespace WHERE n2.nspname = '%s' AND c2.relname = c.relname) "
	    "LOOP EXECUTE format('GRANT %%s ON %%s TO %%s%%s', g.privilege_type, "
	    "CASE WHEN g.relname IS NULL THEN format('SCHEMA %%I', '%s') "
	    "ELSE format('TABLE %%I.%%I', '%s', g.relname) END, "
	    "CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(g.grantee)) "
	    "END, CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END); "
	    "END LOOP; END$$",
	    t->schema, t->schema, t->temporary, t->temporary, t->temporary);
	return r < 0 ? PR_ENOMEM : 0;
}

/* In one transaction: the styles, the grants, the previous schema dropped and the new one
 * renamed into its place. On any failure the transaction is rolled back (closing GDAL's
 * connection inside a transaction would commit it). */
static int swap_in(pr_context *ctx, pr_postgis_target *t, const pr_output *out)
{
	pr_strbuf styles = {0}, grants = {0};
	char drop[128], rename[192];
	bool begun = false;
	int r = styles_sql(t, out, &styles);
	if (r == 0)
		r = grants_sql(t, &grants);
	if (r < 0)
		goto done;
	snprintf(drop, sizeof drop, "DROP SCHEMA IF EXISTS \"%s\" CASCADE", t->schema);
	snprintf(rename, sizeof rename, "ALTER SCHEMA \"%s\" RENAME TO \"%s\"", t->temporary,
		 t->schema);
	if (GDALDatasetStartTransaction(t->ds, FALSE) != OGRERR_NONE) {
		r = pr_error_gdal(ctx, PR_ECANTCREAT, "%s: cannot start the swap's transaction",
				  t->label);
		goto done;
	}
	begun = true;
	/* The styles first: the previous schema's tables are locked from its drop to the commit,
	 * which should come soon after. */
	r = exec_sql(ctx, t, layer_styles_sql, "create public.layer_styles");
	if (r == 0)
		r = exec_sql(ctx, t, styles.data, "write the styles into public.layer_styles");
	if (r == 0)
		r = exec_sql(ctx, t, grants.data, "grant what the previous schema granted");
	if (r == 0)
		r = check_schema_is_ours(ctx, t);
	if (r == 0)
		r = exec_sql(ctx, t, drop, "drop the previous schema");
	if (r == 0)
		r = exec_sql(ctx, t, rename, "rename the new schema into place");
	if (r == 0 && GDALDatasetCommitTransaction(t->ds) != OGRERR_NONE)
		r = pr_error_gdal(ctx, PR_ECANTCREAT, "%s: cannot commit the swap", t->label);
	begun = r < 0;
done:
	if (begun)
		GDALDatasetRollbackTransaction(t->ds);
	pr_strbuf_free(&styles);
	pr_strbuf_free(&grants);
	return r;
}

/* The spatial indexes, built once the layers are full, and the tables' statistics (QGIS reads
 * estimated extents from them); the time goes to run_info. */
static int index_layers(pr_writer *w, pr_postgis_target *t)
{
	double t0 = pr_now();
	int r = 0;
	for (size_t i = 0; i < pr_output_n_layers && r == 0; i++) {
		const pr_layer_def *def = pr_output_layers[i];
		if (def->index == PR_INDEX_NONE || pr_layer_share(def, w->out) == PR_SHARE_NONE)
			continue;
		char sql[256];
		snprintf(sql, sizeof sql,
			 "CREATE INDEX \"%s_geom_geom_idx\" ON \"%s\".\"%s\" USING GIST (geom); "
			 "ANALYZE \"%s\".\"%s\"",
			 def->name, t->temporary, def->name, t->temporary, def->name);
		r = exec_sql(w->ctx, t, sql, "index the layers");
	}
	if (r == 0)
		r = pr_kv_add(w->out->run_info, "seconds.spatial_index", "%.3f", pr_now() - t0);
	return r;
}

int pr_write_postgis(pr_context *ctx, const pr_output *out, pr_postgis_target *t)
{
	pr_writer w = {.ctx = ctx, .ds = t->ds, .path = t->label, .out = out, .styles_apart = true};
	char sql[384], as_of[16];
	bool created = false;
	int r;

	w.parcel_fids =
	    malloc((out->parcels->rec.n ? out->parcels->rec.n : 1) * sizeof *w.parcel_fids);
	w.layer_options = CSLSetNameValue(NULL, "SPATIAL_INDEX", "NONE");
	w.layer_options = CSLSetNameValue(w.layer_options, "SCHEMA", t->temporary);
	w.layer_options = CSLSetNameValue(w.layer_options, "FID", "fid");
	if (!w.parcel_fids || !w.layer_options) {
		r = PR_ENOMEM;
		goto done;
	}
	pr_format_date(out->as_of, as_of);
	snprintf(sql, sizeof sql,
		 "CREATE SCHEMA \"%s\"; COMMENT ON SCHEMA \"%s\" IS '" SCHEMA_MARK
		 " as of %s for %s; replaced whole by each run'",
		 t->temporary, t->temporary, as_of, pr_audience_names[out->audience]);
	r = exec_sql(ctx, t, sql, "create the new schema");
	if (r < 0)
		goto done;
	created = true;
	w.srs = out->parcels->srs_wkt ? OSRNewSpatialReference(out->parcels->srs_wkt) : NULL;
	r = pr_writer_write_layers(&w, false);
	if (r == 0)
		r = index_layers(&w, t);
	if (r == 0)
		r = pr_writer_write_layers(&w, true);
	if (r == 0)
		r = swap_in(ctx, t, out);
	if (r == 0)
		created = false;
done:
	/* A failed run drops what it wrote (the message of its failure is kept); a killed one
	 * leaves it to the next run. */
	if (created) {
		snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS \"%s\" CASCADE", t->temporary);
		OGRLayerH res = GDALDatasetExecuteSQL(t->ds, sql, NULL, NULL);
		if (res)
			GDALDatasetReleaseResultSet(t->ds, res);
	}
	if (w.srs)
		OSRRelease(w.srs);
	free(w.parcel_fids);
	CSLDestroy(w.layer_options);
	return r;
}
