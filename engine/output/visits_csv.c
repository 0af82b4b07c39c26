/* SPDX-License-Identifier: MIT */
/* The visit list as a CSV file for inspectors, written through GDAL's CSV driver: UTF-8 with a
 * byte-order mark and CRLF line ends, so that a spreadsheet opens it with the accents and
 * columns right; written under a temporary name that the run moves into place with the
 * GeoPackage. */
#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cpl_string.h>
#include <gdal.h>
#include <ogr_api.h>

#include "output/output.h"
#include "output/writer.h"

/* Removes temporaries of this CSV that a killed run left (their process is gone). */
static void remove_stale(const char *dir, const char *base)
{
	char *pattern = NULL;
	glob_t g;
	if (asprintf(&pattern, "%s/.%s.*.tmp.csv", dir, base) < 0)
		return;
	if (glob(pattern, GLOB_NOSORT, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			const char *pid_text = g.gl_pathv[i] + strlen(dir) + 2 + strlen(base) + 1;
			long pid = strtol(pid_text, NULL, 10);
			if (pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH)
				unlink(g.gl_pathv[i]);
		}
		globfree(&g);
	}
	free(pattern);
}

int pr_write_visits_csv(pr_context *ctx, const pr_output *out, const char *path, char **ret_tmp)
{
	const pr_parcels *p = out->parcels;
	const pr_scores *s = out->scores;
	GDALDatasetH ds = NULL;
	OGRFeatureH feat = NULL;
	char *tmp = NULL;
	char **opts = NULL;
	int r = 0;
	mode_t umask_before = 0;
	bool narrowed = false;
	bool with_address = p->rec.cols[PR_PARCEL_ADDRESS].present;

	char *dir = pr_dirname(path);
	tmp = pr_output_temporary(path, "csv");
	if (!dir || !tmp) {
		free(dir);
		free(tmp);
		return PR_ENOMEM;
	}
	remove_stale(dir, pr_basename(path));
	free(dir);
	/* The CSV driver creates the file when it writes the first row, or on closing: the
	 * narrower umask lasts until the dataset is closed. */
	umask_before = pr_output_umask_narrow();
	narrowed = true;
	GDALDriverH drv = GDALGetDriverByName("CSV");
	ds = drv ? GDALCreate(drv, tmp, 0, 0, 0, GDT_Unknown, NULL) : NULL;
	if (!ds) {
		r = pr_error_gdal(ctx, PR_ECANTCREAT, "cannot create %s", path);
		goto done;
	}
	opts = CSLSetNameValue(opts, "WRITE_BOM", "YES");
	opts = CSLSetNameValue(opts, "LINEFORMAT", "CRLF");
	OGRLayerH layer = GDALDatasetCreateLayer(ds, "visits", NULL, wkbNone, opts);
	if (!layer) {
		r = pr_error_gdal(ctx, PR_ECANTCREAT, "cannot create %s", path);
		goto done;
	}
	const struct {
		const char *name;
		OGRFieldType type;
		bool wanted;
	} fields[] = {{"rank", OFTInteger, true},	    {"parcel_id", OFTString, true},
		      {"address", OFTString, with_address}, {"score", OFTReal, true},
		      {"risk_class", OFTString, true},	    {"reasons", OFTString, true},
		      {"last_inspection", OFTString, true}, {"owner", OFTString, true}};
	for (size_t f = 0; f < sizeof fields / sizeof *fields; f++) {
		if (!fields[f].wanted)
			continue;
		OGRFieldDefnH fd = OGR_Fld_Create(fields[f].name, fields[f].type);
		OGRErr err = OGR_L_CreateField(layer, fd, TRUE);
		OGR_Fld_Destroy(fd);
		if (err != OGRERR_NONE) {
			r = pr_error_gdal(ctx, PR_ECANTCREAT, "cannot write %s", path);
			goto done;
		}
	}
	/* The list in visit order. */
	uint32_t *order = calloc(p->rec.n + 1, sizeof *order);
	if (!order) {
		r = PR_ENOMEM;
		goto done;
	}
	uint32_t n = 0;
	for (size_t i = 0; i < p->rec.n; i++)
		if (s->visit[i]) {
			order[s->visit_rank[i] - 1] = (uint32_t)i;
			n++;
		}
	feat = OGR_F_Create(OGR_L_GetLayerDefn(layer));
	for (uint32_t k = 0; k < n && r == 0; k++) {
		size_t i = order[k];
		int c = 0;
		char date[16] = "";
		if (s->last_inspection[i] != PR_DATE_NULL)
			pr_format_date(s->last_inspection[i], date);
		OGR_F_SetFieldInteger(feat, c++, (int)s->visit_rank[i]);
		OGR_F_SetFieldString(feat, c++, pr_parcel_text(p, PR_PARCEL_ID, i));
		const char *address = pr_parcel_text(p, PR_PARCEL_ADDRESS, i);
		if (with_address)
			OGR_F_SetFieldString(feat, c++, address ? address : "");
		OGR_F_SetFieldDouble(feat, c++, s->score[i]);
		OGR_F_SetFieldString(feat, c++, pr_risk_class_names[s->risk_class[i]]);
		OGR_F_SetFieldString(feat, c++, pr_scores_reasons(s, i));
		OGR_F_SetFieldString(feat, c++, date);
		const char *owner = pr_parcel_text(p, PR_PARCEL_OWNER, i);
		OGR_F_SetFieldString(feat, c++, owner ? owner : "");
		if (OGR_L_CreateFeature(layer, feat) != OGRERR_NONE)
			r = pr_error_gdal(ctx, PR_ECANTCREAT, "cannot write %s", path);
	}
	free(order);
	if (r < 0)
		goto done;
	CPLErrorReset();
	GDALClose(ds);
	ds = NULL;
	pr_output_umask_restore(umask_before);
	narrowed = false;
	if (CPLGetLastErrorType() >= CE_Failure) {
		r = pr_error_gdal(ctx, PR_ECANTCREAT, "cannot complete %s", tmp);
		goto done;
	}
	*ret_tmp = tmp;
	tmp = NULL;
done:
	if (feat)
		OGR_F_Destroy(feat);
	if (ds)
		GDALClose(ds);
	if (narrowed)
		pr_output_umask_restore(umask_before);
	if (r < 0 && tmp)
		unlink(tmp);
	CSLDestroy(opts);
	free(tmp);
	return r;
}
