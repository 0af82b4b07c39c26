/* SPDX-License-Identifier: MIT */
/* The pipeline: sources → join → store and model → GeoPackage. pr_check runs the first half and
 * reports; pr_run runs it all. Each stage is timed, and run_info records what went in and how
 * many rows each source lost to rejects, so that rows read = joined + rejected is auditable. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cpl_vsi.h>
#include <gdal.h>

#include "join/join.h"
#include "output/output.h"
#include "sources/records.h"
#include "store/store.h"

typedef struct stage_timer {
	struct timespec start;
} stage_timer;

static void timer_start(stage_timer *t)
{
	clock_gettime(CLOCK_MONOTONIC, &t->start);
}

static double timer_seconds(const stage_timer *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->start.tv_sec) +
	       (double)(now.tv_nsec - t->start.tv_nsec) / 1e9;
}

/* What the reading and joining stages produce. */
typedef struct ingest {
	OGRSpatialReferenceH work_srs;
	char work_crs[64];
	pr_parcels parcels;
	pr_records records[PR_SRC_COUNT]; /* [PR_SRC_PARCELS] unused: see parcels.rec */
	bool present[PR_SRC_COUNT];
	pr_rejects rejects;
	uint64_t snapped[PR_SRC_COUNT];
	double seconds[PR_SRC_COUNT];
	double index_seconds;
} ingest;

static void ingest_free(ingest *in)
{
	if (in->work_srs)
		OSRRelease(in->work_srs);
	pr_parcels_free(&in->parcels);
	for (int k = 0; k < PR_SRC_COUNT; k++)
		pr_records_free(&in->records[k]);
	pr_rejects_free(&in->rejects);
	memset(in, 0, sizeof *in);
}

static int read_and_join(pr_context *ctx, const pr_sources *s, ingest *in)
{
	pr_parcel_index *index = NULL;
	stage_timer t;
	int r;

	if (s->crs) {
		in->work_srs = pr_srs_from_user(s->crs);
		if (!in->work_srs)
			return pr_error(ctx, PR_ECONFIG,
					"%s line %d [run]: crs '%s' is not a known CRS", s->file,
					s->crs_line, s->crs);
	}
	timer_start(&t);
	r = pr_read_parcels(ctx, s, in->work_srs, &in->parcels, &in->rejects);
	if (r < 0)
		goto done;
	if (!in->work_srs) {
		/* No working CRS given: the parcels' own, if it is fit to measure metres in. */
		in->work_srs =
		    in->parcels.srs_wkt ? OSRNewSpatialReference(in->parcels.srs_wkt) : NULL;
		if (in->work_srs)
			OSRSetAxisMappingStrategy(in->work_srs, OAMS_TRADITIONAL_GIS_ORDER);
		const char *why = in->work_srs ? pr_srs_not_metric(in->work_srs) : "is unknown";
		if (why) {
			r = pr_error(
			    ctx, PR_ECONFIG,
			    "%s: [run] gives no crs and the parcels' CRS (%s) %s; set crs = "
			    "a projected CRS in metres, such as EPSG:31370",
			    s->file, in->parcels.rec.crs_label, why);
			goto done;
		}
	}
	pr_srs_label(in->work_srs, in->work_crs, sizeof in->work_crs);
	in->present[PR_SRC_PARCELS] = true;
	in->seconds[PR_SRC_PARCELS] = timer_seconds(&t);
	pr_log(ctx, PR_LOG_INFO, "parcels: %llu rows, %zu parcels, %llu repaired (%.2f s)",
	       (unsigned long long)in->parcels.rec.rows_read, in->parcels.rec.n,
	       (unsigned long long)in->parcels.repaired, in->seconds[PR_SRC_PARCELS]);

	timer_start(&t);
	r = pr_parcel_index_build(ctx, &in->parcels, &index);
	if (r < 0)
		goto done;
	in->index_seconds = timer_seconds(&t);

	for (int k = PR_SRC_POPULATION; k < PR_SRC_COUNT; k++) {
		const pr_source_conf *c = &s->src[k];
		if (!c->present)
			continue;
		in->present[k] = true;
		timer_start(&t);
		size_t rejects_before = in->rejects.n;
		r = pr_read_records(ctx, s, k, in->work_srs, &in->records[k], &in->rejects);
		if (r < 0)
			goto done;
		if (pr_source_defs[k].points) {
			size_t before = in->rejects.n;
			r = pr_join_points(ctx, index, &in->records[k], c->snap_m, &in->rejects);
			if (r < 0)
				goto done;
			for (size_t i = 0; i < in->records[k].n; i++)
				in->snapped[k] += in->records[k].snapped[i];
			char why[512];
			if (pr_join_diagnose(&in->parcels, &in->records[k], in->rejects.n - before,
					     why, sizeof why))
				pr_log(ctx, PR_LOG_WARNING, "%s", why);
		} else {
			r = pr_join_keys(ctx, &in->parcels, &in->records[k], 0, &in->rejects);
			if (r < 0)
				goto done;
		}
		in->seconds[k] = timer_seconds(&t);
		pr_log(ctx, PR_LOG_INFO, "%s: %llu rows, %zu joined, %zu rejected (%.2f s)",
		       pr_source_defs[k].name, (unsigned long long)in->records[k].rows_read,
		       in->records[k].n, in->rejects.n - rejects_before, in->seconds[k]);
	}
done:
	pr_parcel_index_free(index);
	return r;
}

static uint64_t joined_of(const ingest *in, int k)
{
	return k == PR_SRC_PARCELS ? in->parcels.rec.n : in->records[k].n;
}

static uint64_t read_of(const ingest *in, int k)
{
	return k == PR_SRC_PARCELS ? in->parcels.rec.rows_read : in->records[k].rows_read;
}

static void fill_report(const pr_sources *s, const ingest *in, int k, pr_source_report *rep)
{
	memset(rep, 0, sizeof *rep);
	const pr_records *rec = k == PR_SRC_PARCELS ? &in->parcels.rec : &in->records[k];
	snprintf(rep->name, sizeof rep->name, "%s", pr_source_defs[k].name);
	snprintf(rep->crs, sizeof rep->crs, "%s", rec->crs_label[0] ? rec->crs_label : "-");
	rep->rows_read = read_of(in, k);
	rep->joined = joined_of(in, k);
	rep->rejected = pr_rejects_count(&in->rejects, k);
	rep->snapped = in->snapped[k];
	rep->repaired = k == PR_SRC_PARCELS ? in->parcels.repaired : 0;
	memcpy(rep->extent, rec->extent, sizeof rep->extent);
	for (size_t i = 0; i < in->rejects.n; i++) {
		const pr_reject *rj = &in->rejects.items[i];
		if (rj->source != k)
			continue;
		int j = 0;
		while (j < rep->n_reasons && strcmp(rep->reasons[j].reason, rj->reason) != 0)
			j++;
		if (j == rep->n_reasons) {
			if (j == (int)(sizeof rep->reasons / sizeof *rep->reasons))
				continue;
			snprintf(rep->reasons[j].reason, sizeof rep->reasons[j].reason, "%s",
				 rj->reason);
			rep->n_reasons++;
		}
		rep->reasons[j].count++;
	}
	(void)s;
}

/* Every source must account for all its rows; a mismatch is a bug, never a silent loss. */
static int check_balance(pr_context *ctx, const ingest *in)
{
	for (int k = 0; k < PR_SRC_COUNT; k++) {
		if (!in->present[k])
			continue;
		uint64_t rejected = pr_rejects_count(&in->rejects, k);
		if (read_of(in, k) != joined_of(in, k) + rejected)
			return pr_error(ctx, PR_EINTERNAL,
					"%s: %llu rows read but %llu joined and %llu rejected",
					pr_source_defs[k].name, (unsigned long long)read_of(in, k),
					(unsigned long long)joined_of(in, k),
					(unsigned long long)rejected);
	}
	return 0;
}

static int resolve_as_of(pr_context *ctx, const pr_sources *s, const pr_run_options *o,
			 int32_t *ret)
{
	if (o && o->as_of) {
		if (!pr_parse_date(o->as_of, ret))
			return pr_error(ctx, PR_EUSAGE, "--as-of '%s' is not a date (YYYY-MM-DD)",
					o->as_of);
		return 0;
	}
	if (s->as_of && pr_parse_date(s->as_of, ret))
		return 0;
	*ret = pr_today();
	return 0;
}

/* Checks the model's SQL against an empty store before the long reading starts, so that a typo
 * in a feature fails in a second rather than after a national join. */
static int check_model(pr_context *ctx, const pr_model *model, int32_t as_of)
{
	pr_store store = {0};
	pr_parcels empty = {0};
	pr_scores scores = {0};
	const pr_records *none[PR_SRC_COUNT] = {0};
	int r = pr_store_open(ctx, &store);
	if (r < 0)
		return r;
	for (int f = 0; f < pr_source_defs[PR_SRC_PARCELS].n_fields; f++)
		empty.rec.cols[f].present = false;
	r = pr_store_load(ctx, store.db, &empty, none);
	if (r == 0)
		r = pr_model_score(ctx, model, store.db, as_of, 0, &scores);
	pr_scores_free(&scores);
	pr_store_close(&store);
	return r;
}

int pr_check(pr_context *ctx, const pr_sources *sources, pr_source_report *reports, int max_reports,
	     int *ret_count)
{
	ingest in = {0};
	pr_model *model = NULL;
	int32_t as_of;
	int r = resolve_as_of(ctx, sources, NULL, &as_of);
	if (r == 0)
		r = pr_model_load(ctx, NULL, &model);
	if (r == 0)
		r = check_model(ctx, model, as_of);
	if (r == 0)
		r = read_and_join(ctx, sources, &in);
	if (r == 0)
		r = check_balance(ctx, &in);
	if (r == 0) {
		int n = 0;
		for (int k = 0; k < PR_SRC_COUNT && n < max_reports; k++)
			if (in.present[k])
				fill_report(sources, &in, k, &reports[n++]);
		*ret_count = n;
	}
	pr_model_free(model);
	ingest_free(&in);
	return r;
}

static int fill_run_info(const pr_sources *s, const pr_model *model, const ingest *in,
			 int32_t as_of, const double *stage_seconds, int threads, pr_kv_list *info)
{
	char buf[64], versions[512], sha[65];
	int r = 0;
	pr_format_date(as_of, buf);
	r |= pr_kv_add(info, "as_of", "%s", buf);
	r |= pr_kv_add(info, "working_crs", "%s", in->work_crs);
	r |= pr_kv_add(info, "model", "%s", model->path);
	r |= pr_kv_add(info, "model_name", "%s", model->name ? model->name : "");
	r |= pr_kv_add(info, "model_sha256", "%s", model->sha256);
	if (!pr_sha256_file(s->file, sha))
		snprintf(sha, sizeof sha, "-");
	r |= pr_kv_add(info, "sources", "%s", s->file);
	r |= pr_kv_add(info, "sources_sha256", "%s", sha);
	for (int k = 0; k < PR_SRC_COUNT; k++) {
		if (!in->present[k])
			continue;
		const char *name = pr_source_defs[k].name;
		char key[96];
		struct stat st;
		snprintf(key, sizeof key, "%s.path", name);
		r |= pr_kv_add(info, key, "%s", s->src[k].path);
		snprintf(key, sizeof key, "%s.bytes", name);
		r |= pr_kv_add(info, key, "%lld",
			       stat(s->src[k].path, &st) == 0 ? (long long)st.st_size : -1LL);
		snprintf(key, sizeof key, "%s.rows_read", name);
		r |= pr_kv_add(info, key, "%llu", (unsigned long long)read_of(in, k));
		snprintf(key, sizeof key, "%s.joined", name);
		r |= pr_kv_add(info, key, "%llu", (unsigned long long)joined_of(in, k));
		snprintf(key, sizeof key, "%s.rejected", name);
		r |= pr_kv_add(info, key, "%zu", pr_rejects_count(&in->rejects, k));
		if (pr_source_defs[k].points) {
			snprintf(key, sizeof key, "%s.snapped", name);
			r |= pr_kv_add(info, key, "%llu", (unsigned long long)in->snapped[k]);
		}
		snprintf(key, sizeof key, "%s.seconds", name);
		r |= pr_kv_add(info, key, "%.3f", in->seconds[k]);
	}
	r |= pr_kv_add(info, "parcels.repaired", "%llu", (unsigned long long)in->parcels.repaired);
	pr_versions(versions, sizeof versions);
	for (char *line = strtok(versions, "\n"); line; line = strtok(NULL, "\n")) {
		char *space = strchr(line, ' ');
		if (!space)
			continue;
		*space = '\0';
		char key[64];
		snprintf(key, sizeof key, "version.%s", line);
		r |= pr_kv_add(info, key, "%s", space + 1);
	}
	r |= pr_kv_add(info, "threads", "%d", threads);
	r |= pr_kv_add(info, "seconds.index", "%.3f", in->index_seconds);
	r |= pr_kv_add(info, "seconds.store", "%.3f", stage_seconds[0]);
	r |= pr_kv_add(info, "seconds.model", "%.3f", stage_seconds[1]);
	return r < 0 ? PR_ENOMEM : 0;
}

int pr_run(pr_context *ctx, const pr_sources *sources, const pr_run_options *options,
	   const char *out_path)
{
	ingest in = {0};
	pr_model *model = NULL;
	pr_store store = {0};
	pr_scores scores = {0};
	pr_kv_list info = {0};
	uint32_t *counts[PR_SRC_COUNT] = {0};
	double stage_seconds[3] = {0};
	stage_timer total, t;
	int32_t as_of;
	int r;

	timer_start(&total);
	r = resolve_as_of(ctx, sources, options, &as_of);
	if (r < 0)
		goto done;
	r = pr_model_load(ctx, options ? options->model_path : NULL, &model);
	if (r < 0)
		goto done;
	r = check_model(ctx, model, as_of);
	if (r < 0)
		goto done;
	r = read_and_join(ctx, sources, &in);
	if (r < 0)
		goto done;
	r = check_balance(ctx, &in);
	if (r < 0)
		goto done;

	timer_start(&t);
	r = pr_store_open(ctx, &store);
	if (r < 0)
		goto done;
	const pr_records *recs[PR_SRC_COUNT] = {0};
	for (int k = PR_SRC_POPULATION; k < PR_SRC_COUNT; k++)
		recs[k] = in.present[k] ? &in.records[k] : NULL;
	r = pr_store_load(ctx, store.db, &in.parcels, recs);
	if (r < 0)
		goto done;
	stage_seconds[0] = timer_seconds(&t);

	timer_start(&t);
	r = pr_model_score(ctx, model, store.db, as_of, in.parcels.rec.n, &scores);
	if (r < 0)
		goto done;
	stage_seconds[1] = timer_seconds(&t);
	pr_log(ctx, PR_LOG_INFO, "model: %d features, %d factors (%.2f s)", model->n_features,
	       model->n_factors, stage_seconds[1]);

	for (int k = PR_SRC_POPULATION; k < PR_SRC_COUNT; k++) {
		if (!in.present[k])
			continue;
		counts[k] = calloc(in.parcels.rec.n ? in.parcels.rec.n : 1, sizeof *counts[k]);
		if (!counts[k]) {
			r = PR_ENOMEM;
			goto done;
		}
		for (size_t i = 0; i < in.records[k].n; i++)
			counts[k][in.records[k].parcel[i]]++;
	}
	r = fill_run_info(sources, model, &in, as_of, stage_seconds, pr_thread_count(ctx), &info);
	if (r < 0)
		goto done;

	timer_start(&t);
	pr_output out = {.parcels = &in.parcels,
			 .scores = &scores,
			 .model = model,
			 .rejects = &in.rejects,
			 .run_info = &info,
			 .as_of = as_of};
	for (int k = 0; k < PR_SRC_COUNT; k++)
		out.records[k] = counts[k];
	r = pr_write_gpkg(ctx, &out, out_path);
	if (r < 0)
		goto done;
	pr_log(ctx, PR_LOG_INFO, "write: %s (%.2f s); total %.2f s", out_path, timer_seconds(&t),
	       timer_seconds(&total));
done:
	for (int k = 0; k < PR_SRC_COUNT; k++)
		free(counts[k]);
	pr_kv_free(&info);
	pr_scores_free(&scores);
	pr_store_close(&store);
	pr_model_free(model);
	ingest_free(&in);
	return r;
}
