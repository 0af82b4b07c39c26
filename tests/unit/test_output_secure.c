/* SPDX-License-Identifier: MIT */
/* secure_delete on the connections that write an output: rows written and then deleted leave
 * no trace in the file's bytes, with SQLite's own default turned off first so that only the
 * engine's setting can make it so; and a control without it, which must leave the trace. */
#include <stdlib.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <ogr_api.h>

#include "harness.h"
#include "output/output.h"

static pr_context *ctx;
static char dir[] = "/tmp/pr-unit-secure-XXXXXX";

static const char marker[] = "deleted-owner-Dupont-Jean-4f1c";

/* True when the file at path holds marker. */
static bool file_holds_marker(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return memmem(buf, n, marker, strlen(marker)) != NULL;
}

/* Writes many rows holding marker into a new table of db, then deletes them. */
static int write_and_delete(sqlite3 *db)
{
	char sql[256];
	snprintf(sql, sizeof sql,
		 "CREATE TABLE t(v TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
		 "FROM n WHERE i < 200) INSERT INTO t SELECT '%s' || i FROM n; DELETE FROM t;",
		 marker);
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int run_sqlite(const char *name, bool secure, char *path, size_t size)
{
	sqlite3 *db = NULL;
	snprintf(path, size, "%s/%s", dir, name);
	int r = sqlite3_open(path, &db) == SQLITE_OK ? 0 : -1;
	if (r == 0)
		r = sqlite3_exec(db, "PRAGMA secure_delete = OFF", NULL, NULL, NULL);
	if (r == 0 && secure)
		r = pr_output_secure_delete(ctx, db, path);
	if (r == 0)
		r = write_and_delete(db);
	sqlite3_close(db);
	return r;
}

static void test_sqlite_connection(void)
{
	char path[256];
	ASSERT_INT_EQ(run_sqlite("control.sqlite", false, path, sizeof path), 0);
	ASSERT_TRUE(file_holds_marker(path));
	ASSERT_INT_EQ(run_sqlite("secure.sqlite", true, path, sizeof path), 0);
	ASSERT_TRUE(!file_holds_marker(path));
}

static int run_gdal(const char *name, bool secure, char *path, size_t size)
{
	snprintf(path, size, "%s/%s", dir, name);
	GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GPKG"), path, 0, 0, 0, GDT_Unknown, NULL);
	if (!ds)
		return -1;
	int r = secure ? pr_output_secure_delete_gdal(ctx, ds, path) : 0;
	char sql[160];
	for (int i = 0; i < 200 && r == 0; i++) {
		snprintf(sql, sizeof sql, "INSERT INTO t VALUES ('%s%d')", marker, i);
		GDALDatasetExecuteSQL(ds, i ? sql : "CREATE TABLE t(v TEXT)", NULL, NULL);
	}
	GDALDatasetExecuteSQL(ds, "DELETE FROM t", NULL, NULL);
	GDALClose(ds);
	return r;
}

static void test_gdal_dataset(void)
{
	char path[256];
	ASSERT_INT_EQ(run_gdal("control.gpkg", false, path, sizeof path), 0);
	ASSERT_TRUE(file_holds_marker(path));
	ASSERT_INT_EQ(run_gdal("secure.gpkg", true, path, sizeof path), 0);
	ASSERT_TRUE(!file_holds_marker(path));
}

int main(void)
{
	if (pr_context_new(&ctx) < 0 || !mkdtemp(dir))
		return 1;
	/* What a SQLite built without secure delete by default does (Debian's has it on). */
	CPLSetConfigOption("OGR_SQLITE_PRAGMA", "secure_delete=OFF");
	RUN(test_sqlite_connection);
	RUN(test_gdal_dataset);
	static const char *const files[] = {"control.sqlite", "secure.sqlite", "control.gpkg",
					    "secure.gpkg"};
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		char path[256];
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
	pr_context_free(ctx);
	return HARNESS_EXIT();
}
