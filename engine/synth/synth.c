/* SPDX-License-Identifier: MIT */
/* The synthetic city behind `parcelrisk synth`: a grid of Brussels-like blocks of terraced lots,
 * with a population register, complaints and inspections in which slum parcels and their honest
 * look-alikes (student housing, large families, social housing, bars) are planted, plus the truth
 * and the malformed rows a test needs to score the engine. Everything is streamed out block by
 * block from one seeded random stream, so the same (parcels, seed) always gives the same bytes.
 * The Brussels-shaped registers write the same city as Brussels exports it, their wording drawn
 * from a stream of its own. This file is the entry point, pr_synth(); synth_internal.h lists the
 * files beside it. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <cpl_error.h>

#include "synth/synth_internal.h"

/* Creates dir and any missing parent folders. */
static int make_dirs(pr_context *ctx, const char *dir)
{
	char *path = strdup(dir);
	if (!path)
		return PR_ENOMEM;
	int r = 0;
	size_t len = strlen(path);
	for (size_t i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char saved = path[i];
		path[i] = '\0';
		if (mkdir(path, 0777) != 0 && errno != EEXIST) {
			r = pr_error(ctx, PR_ECANTCREAT, "cannot create %s: %s", path,
				     strerror(errno));
			goto done;
		}
		path[i] = saved;
	}
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		r = pr_error(ctx, PR_ECANTCREAT, "cannot create %s: not a folder", dir);
done:
	free(path);
	return r;
}

/* GDAL settings for this run only: a fixed date in gpkg_contents (for identical files) and no
 * fsync per transaction. The previous values are restored afterwards. */
static const char *const gdal_options[][2] = {
    {"OGR_CURRENT_DATE", "2026-11-01T00:00:00.000Z"},
    {"OGR_SQLITE_SYNCHRONOUS", "OFF"},
    {"OGR_SQLITE_CACHE", "64"},
};
#define GDAL_OPTION_COUNT (sizeof gdal_options / sizeof *gdal_options)

/* True when dir exists and holds anything: synth writes only into an empty or new folder
 * unless forced, so that it never replaces someone's real population.csv or sources.ini. */
static bool holds_files(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return false;
	bool any = false;
	for (struct dirent *e; !any && (e = readdir(d));)
		any = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return any;
}

int pr_synth(pr_context *ctx, const char *dir, const pr_synth_options *options)
{
	uint32_t parcels = options ? options->parcels : 0;
	uint64_t seed = options ? options->seed : 0;
	enum pr_synth_registers registers =
	    options ? options->registers : PR_SYNTH_REGISTERS_SIMPLE;
	enum pr_synth_complaints complaints =
	    options ? options->complaints : PR_SYNTH_COMPLAINTS_SIGNAL;
	int r = 0;
	synth *s = NULL;
	char *saved_options[GDAL_OPTION_COUNT] = {NULL};
	bool options_set = false;

	if (!dir || !*dir)
		return pr_error(ctx, PR_EUSAGE, "synth needs an output folder");
	if (parcels < PR_SYNTH_MIN_PARCELS || parcels > PR_SYNTH_MAX_PARCELS)
		return pr_error(ctx, PR_EUSAGE,
				"synth: parcels must be between %u and %u, not %" PRIu32,
				PR_SYNTH_MIN_PARCELS, PR_SYNTH_MAX_PARCELS, parcels);
	if (registers != PR_SYNTH_REGISTERS_SIMPLE && registers != PR_SYNTH_REGISTERS_BRUSSELS)
		return pr_error(ctx, PR_EUSAGE, "synth: unknown kind of registers %d",
				(int)registers);
	if (complaints != PR_SYNTH_COMPLAINTS_SIGNAL && complaints != PR_SYNTH_COMPLAINTS_NOISE)
		return pr_error(ctx, PR_EUSAGE, "synth: unknown kind of complaints %d",
				(int)complaints);
	if (!options->force && holds_files(dir))
		return pr_error(ctx, PR_EUSAGE,
				"synth: %s already holds files; synth writes into a new or empty "
				"folder (--force replaces the files it writes there)",
				dir);
	s = calloc(1, sizeof *s);
	if (!s)
		return pr_error(ctx, PR_ENOMEM, "out of memory");
	s->ctx = ctx;
	s->seed = seed;
	s->target = parcels;
	s->registers = registers;
	s->complaints = complaints;
	s->as_of = pr_days_from_civil(2026, 11, 1);
	s->boost = 300.0 / parcels < 1.0 ? 1.0 : 300.0 / parcels > 4.0 ? 4.0 : 300.0 / parcels;
	s->null_keys_left = 2;
	synth_init_owner_pools(s);
	s->tpl_x = CITY_CENTRE_X;
	s->tpl_y = CITY_CENTRE_Y;
	pr_rng_seed(&s->rng, seed);
	pr_rng_seed(&s->history_rng, seed ^ 0x686973746f7279ull);

	if ((r = make_dirs(ctx, dir)))
		goto done;
	s->gpkg_path = pr_path_relative_to(dir, "parcels.gpkg");
	/* The GPKG driver wants the .gpkg extension, so the temporary name keeps it. */
	s->gpkg_tmp_path = pr_path_relative_to(dir, "parcels.tmp.gpkg");
	if (!s->gpkg_path || !s->gpkg_tmp_path) {
		r = pr_error(ctx, PR_ENOMEM, "out of memory");
		goto done;
	}
	if (unlink(s->gpkg_path) != 0 && errno != ENOENT) {
		r = pr_error(ctx, PR_ECANTCREAT, "cannot remove %s: %s", s->gpkg_path,
			     strerror(errno));
		goto done;
	}
	if (registers == PR_SYNTH_REGISTERS_BRUSSELS) {
		s->to_cp1252 = iconv_open("CP1252", "UTF-8");
		if (s->to_cp1252 == (iconv_t)-1) {
			s->to_cp1252 = NULL;
			r = pr_error(ctx, PR_EINTERNAL, "iconv cannot convert UTF-8 to CP1252: %s",
				     strerror(errno));
			goto done;
		}
	}
	if ((r = synth_open_outputs(s, dir)) || (r = synth_make_reference_systems(s)) ||
	    (r = synth_plan_city(s)))
		goto done;
	if (registers == PR_SYNTH_REGISTERS_BRUSSELS && (r = synth_plan_streets(s)))
		goto done;

	for (size_t i = 0; i < GDAL_OPTION_COUNT; i++) {
		const char *old = CPLGetConfigOption(gdal_options[i][0], NULL);
		saved_options[i] = old ? CPLStrdup(old) : NULL;
	}
	for (size_t i = 0; i < GDAL_OPTION_COUNT; i++)
		CPLSetConfigOption(gdal_options[i][0], gdal_options[i][1]);
	options_set = true;
	CPLErrorReset();
	if ((r = synth_open_geopackage(s)))
		goto done;

	for (int64_t b = 0; !s->done; b++)
		if ((r = synth_emit_block(s, b)))
			goto done;
	pr_progress(ctx, "synth", s->parcels, s->target);

	if ((r = synth_finish_geopackage(s)))
		goto done;
	synth_flush_planted(s, OUT_POPULATION, true);
	synth_flush_planted(s, OUT_COMPLAINTS, true);
	synth_flush_planted(s, OUT_INSPECTIONS, true);
	synth_write_planted_rejects(s);
	if (registers == PR_SYNTH_REGISTERS_BRUSSELS)
		synth_write_twin_addresses(s);
	synth_write_sources_ini(s);
	for (int i = 0; i < OUT_COUNT; i++)
		if ((r = synth_close_output(s, &s->out[i])))
			goto done;
	if (s->overflows) {
		r = pr_error(ctx, PR_EINTERNAL,
			     "synth: %" PRIu64 " household rows or events beyond their bounds",
			     s->overflows);
		goto done;
	}
	if (s->encoding_failures) {
		r = pr_error(ctx, PR_EINTERNAL,
			     "synth: %" PRIu64 " rows hold characters CP1252 does not have",
			     s->encoding_failures);
		goto done;
	}
	if (rename(s->gpkg_tmp_path, s->gpkg_path) != 0) {
		r = pr_error(ctx, PR_ECANTCREAT, "cannot rename %s: %s", s->gpkg_tmp_path,
			     strerror(errno));
		goto done;
	}
	/* In output order, sources.ini last: it is what points at the rest. */
	for (int i = 0; i < OUT_COUNT; i++) {
		if (!s->out[i].path)
			continue; /* addresses.txt of the simple registers */
		if (rename(s->out[i].tmp_path, s->out[i].path) != 0) {
			r = pr_error(ctx, PR_ECANTCREAT, "cannot rename %s: %s", s->out[i].tmp_path,
				     strerror(errno));
			goto done;
		}
	}
	pr_log(ctx, PR_LOG_INFO,
	       "synth: %" PRIu64 " parcels and %" PRIu64 " roads, %" PRIu64
	       " population rows, %" PRIu64 " complaints, %" PRIu64 " inspections in %s",
	       s->parcels, s->kind_count[KIND_ROAD], s->out[OUT_POPULATION].rows,
	       s->out[OUT_COMPLAINTS].rows, s->out[OUT_INSPECTIONS].rows, dir);
	pr_log(
	    ctx, PR_LOG_INFO,
	    "synth: planted %" PRIu64 " slums (signals: crowded %" PRIu64 ", space %" PRIu64
	    ", turnover %" PRIu64 ", complained about %" PRIu64 ", referred %" PRIu64 "), %" PRIu64
	    " student, %" PRIu64 " large family, %" PRIu64 " social, %" PRIu64 " bar",
	    s->kind_count[KIND_SLUM], s->signal_count[0], s->signal_count[1], s->signal_count[2],
	    s->signal_count[3], s->signal_count[4], s->kind_count[KIND_STUDENT],
	    s->kind_count[KIND_LARGE_FAMILY], s->kind_count[KIND_SOCIAL], s->kind_count[KIND_BAR]);
	pr_log(ctx, PR_LOG_INFO,
	       "synth: slum owners: %" PRIu64 " slums of single-property owners, %" PRIu64
	       " slums and %" PRIu64 " ordinary rentals of %" PRIu64 " slum landlords",
	       s->slum_owners.single_owner_slums, s->slum_owners.landlord_slums,
	       s->slum_owners.landlord_rentals, s->slum_owners.landlords);
	pr_log(
	    ctx, PR_LOG_INFO,
	    "synth: history: %" PRIu64 " slums started before the five years; visits prompted by "
	    "a complaint %" PRIu64 ", an earlier finding %" PRIu64 ", a referral %" PRIu64
	    ", the owner's other parcels %" PRIu64 ", routine %" PRIu64 "; outcomes none %" PRIu64
	    ", minor %" PRIu64 ", major %" PRIu64 ", closure %" PRIu64 "; %" PRIu64
	    " visits to slums found %" PRIu64 " of them with major defects or closed; %" PRIu64
	    " households left on %" PRIu64 " closure orders, %" PRIu64 " slums let again%s",
	    s->history.slums_before, s->history.visits[0], s->history.visits[1],
	    s->history.visits[2], s->history.visits[3], s->history.visits[4],
	    s->history.outcomes[OUTCOME_NONE], s->history.outcomes[OUTCOME_MINOR],
	    s->history.outcomes[OUTCOME_MAJOR], s->history.outcomes[OUTCOME_CLOSURE],
	    s->history.slum_visits, s->history.slum_hits, s->history.departures,
	    s->history.closures, s->history.relets,
	    complaints == PR_SYNTH_COMPLAINTS_NOISE ? "; complaints at random (noise)" : "");
	pr_log(ctx, PR_LOG_INFO,
	       "synth: noise on ordinary homes: %" PRIu64 " short lets, %" PRIu64
	       " roommates, %" PRIu64 " unrecorded flats, %" PRIu64 " large households, %" PRIu64
	       " with tenant complaints, %" PRIu64 " visits finding major defects (%" PRIu64
	       " more at careless landlords), %" PRIu64 " complaints on student houses",
	       s->noise.short_lets, s->noise.roommates, s->noise.flats, s->noise.large_households,
	       s->noise.tenant_complaint_parcels, s->noise.bad_visits, s->noise.careless_findings,
	       s->noise.student_complaints);
	if (registers == PR_SYNTH_REGISTERS_BRUSSELS)
		pr_log(ctx, PR_LOG_INFO,
		       "synth: address register: %" PRIu64 " rows, %zu streets of up to %" PRId64
		       " blocks, house numbers up to %" PRIu32,
		       s->out[OUT_ADDRESSES].rows, s->street_count, s->segment_blocks,
		       s->max_number);

done:
	if (s->feature)
		OGR_F_Destroy(s->feature);
	if (s->ds)
		GDALClose(s->ds);
	if (options_set)
		for (size_t i = 0; i < GDAL_OPTION_COUNT; i++)
			CPLSetConfigOption(gdal_options[i][0], saved_options[i]);
	for (size_t i = 0; i < GDAL_OPTION_COUNT; i++)
		CPLFree(saved_options[i]);
	if (s->to_wgs84)
		OCTDestroyCoordinateTransformation(s->to_wgs84);
	if (s->srs_lambert)
		OSRRelease(s->srs_lambert);
	if (s->srs_wgs84)
		OSRRelease(s->srs_wgs84);
	if (s->to_cp1252)
		iconv_close(s->to_cp1252);
	synth_free_streets(s);
	for (int i = 0; i < OUT_COUNT; i++) {
		out_file *o = &s->out[i];
		if (o->f)
			fclose(o->f);
		if (r && o->tmp_path)
			unlink(o->tmp_path);
		free(o->path);
		free(o->tmp_path);
		free(o->buffer);
	}
	if (r && s->gpkg_tmp_path)
		unlink(s->gpkg_tmp_path);
	free(s->gpkg_path);
	free(s->gpkg_tmp_path);
	free(s->nb_level);
	free(s);
	return r;
}
