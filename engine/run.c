/* SPDX-License-Identifier: MIT */
/* The pipeline: sources → join → store and model → GeoPackage. pr_check runs the first half and
 * reports; pr_run runs it all. Each stage is timed, and run_info records what went in and how
 * many rows each source lost to rejects, so that rows read = joined + rejected is auditable. */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cpl_vsi.h>
#include <gdal.h>

#include "address/address.h"
#include "ingest.h"
#include "join/join.h"
#include "output/output.h"
#include "sources/records.h"
#include "model/model.h"
#include "store/store.h"

void pr_ingest_free(pr_ingest *in)
{
	if (in->work_srs)
		OSRRelease(in->work_srs);
	pr_parcels_free(&in->parcels);
	for (int k = 0; k < PR_SRC_COUNT; k++)
		pr_records_free(&in->records[k]);
	pr_rejects_free(&in->rejects);
	for (int k = 0; k < PR_SRC_COUNT; k++)
		pr_rejects_free(&in->source_rejects[k]);
	memset(in, 0, sizeof *in);
}

/* The model's release (pr_model_options): the records of the sources it names go. */
static void release_records(void *user, unsigned sources)
{
	pr_ingest *in = user;
	for (int k = PR_SRC_POPULATION; k < PR_SRC_COUNT; k++)
		if (sources >> k & 1)
			pr_records_free_rows(&in->records[k]);
	malloc_trim(0);
}

void pr_ingest_release_for_output(pr_ingest *in)
{
	for (int k = PR_SRC_POPULATION; k < PR_SRC_COUNT; k++)
		pr_records_free(&in->records[k]);
	malloc_trim(0);
}

/* What the records held once joined take, per source and per row: the figures that tell how
 * far a national run goes in a machine's memory (run_info has them as <source>.memory_bytes). */
static void log_memory(pr_context *ctx, pr_ingest *in)
{
	pr_strbuf line = {0};
	for (int k = 0; k < PR_SRC_COUNT; k++) {
		if (!in->present[k])
			continue;
		size_t n = k == PR_SRC_PARCELS ? in->parcels.rec.n : in->records[k].n;
		in->memory_bytes[k] = k == PR_SRC_PARCELS ? pr_parcels_bytes(&in->parcels)
							  : pr_records_bytes(&in->records[k]);
		pr_strbuf_printf(&line, "%s%s %.1f MB (%.0f B per %s)", line.len ? ", " : "",
				 pr_source_defs[k].name, in->memory_bytes[k] / 1e6,
				 n ? (double)in->memory_bytes[k] / (double)n : 0.0,
				 k == PR_SRC_PARCELS ? "parcel" : "record");
	}
	if (line.data)
		pr_log(ctx, PR_LOG_INFO, "memory: %s", line.data);
	pr_strbuf_free(&line);
}

/* The working CRS: the sources file's, else the parcels' own if it measures metres. */
static int working_srs(pr_context *ctx, const pr_sources *s, pr_ingest *in)
{
	if (s->crs) {
		in->work_srs = pr_srs_from_user(s->crs);
		if (!in->work_srs)
			return pr_error(ctx, PR_ECONFIG,
					"%s line %d [run]: crs '%s' is not a known CRS", s->file,
					s->crs_line, s->crs);
	} else {
		int r = pr_source_srs(ctx, s, PR_SRC_PARCELS, &in->work_srs);
		if (r < 0)
			return r;
		const char *why = pr_srs_not_metric(in->work_srs);
		if (why) {
			char label[64];
			pr_srs_label(in->work_srs, label, sizeof label);
			return pr_error(
			    ctx, PR_ECONFIG,
			    "%s: [run] gives no crs and the parcels' CRS (%s) %s; set crs = "
			    "a projected CRS in metres, such as EPSG:31370",
			    s->file, label, why);
		}
	}
	pr_srs_label(in->work_srs, in->work_crs, sizeof in->work_crs);
	return 0;
}

/* The reading tasks: source[t] is the source task t reads, parcels first, then every present
 * source in order. Each point source gets its own copy of the working CRS: a CRS object is
 * not thread-safe. */
typedef struct read_tasks {
	const pr_sources *sources;
	pr_ingest *in;
	int n;
	int source[PR_SRC_COUNT];
	OGRSpatialReferenceH srs[PR_SRC_COUNT];
} read_tasks;

static int read_source(pr_context *ctx, int task, void *user)
{
	read_tasks *rt = user;
	pr_ingest *in = rt->in;
	int k = rt->source[task];
	double t0 = pr_now();
	int r = k == PR_SRC_PARCELS
		    ? pr_read_parcels(ctx, rt->sources, in->work_srs, &in->parcels,
				      &in->source_rejects[k])
		    : pr_read_records(ctx, rt->sources, k, rt->srs[k], in->use.field[k],
				      &in->records[k], &in->source_rejects[k]);
	in->seconds[k] += pr_now() - t0;
	return r;
}

/* Reads every source at once (each is mostly parsing, and GDAL handles are per thread), then
 * builds the parcel index and joins each source to it. */
static int read_and_join(pr_context *ctx, const pr_sources *s, pr_ingest *in)
{
	pr_parcel_index *index = NULL;
	pr_address_norm *norm = NULL;
	pr_address_index *addresses = NULL;
	read_tasks rt = {.sources = s, .in = in};
	int r = working_srs(ctx, s, in);
	if (r < 0)
		return r;

	in->present[PR_SRC_PARCELS] = true;
	rt.source[rt.n++] = PR_SRC_PARCELS;
	for (int k = PR_SRC_POPULATION; k < PR_SRC_COUNT; k++) {
		if (!s->src[k].present)
			continue;
		/* Keys join records to parcels whether or not the model reads them; so do the
		 * register's fields and the address of a source located by address. */
		for (int f = 0; f < pr_source_defs[k].n_fields; f++)
			in->use.field[k][f] = in->use.field[k][f] ||
					      pr_source_defs[k].fields[f].required ||
					      k == PR_SRC_ADDRESSES;
		for (int a = 0; a < PR_ADDRESS_PARTS && s->src[k].by_address; a++)
			in->use.field[k][pr_source_defs[k].address_field[a]] = true;
		in->present[k] = true;
		in->by_address[k] = s->src[k].by_address;
		rt.srs[k] = OSRClone(in->work_srs);
		if (!rt.srs[k]) {
			r = PR_ENOMEM;
			goto done;
		}
		OSRSetAxisMappingStrategy(rt.srs[k], OAMS_TRADITIONAL_GIS_ORDER);
		rt.source[rt.n++] = k;
	}
	/* The first failure in source order is the one reported. */
	r = pr_parallel(ctx, rt.n, PR_PARALLEL_EACH, read_source, &rt);
	if (r < 0)
		goto done;
	pr_log(ctx, PR_LOG_INFO, "parcels: %llu rows, %zu parcels, %llu repaired (%.2f s)",
	       (unsigned long long)in->parcels.rec.rows_read, in->parcels.rec.n,
	       (unsigned long long)in->parcels.repaired, in->seconds[PR_SRC_PARCELS]);

	double t0 = pr_now();
	r = pr_parcel_index_build(ctx, &in->parcels, &index);
	if (r < 0)
		goto done;
	in->index_seconds = pr_now() - t0;

	/* The address register first: the sources located by address are joined through it. */
	static const int join_order[] = {PR_SRC_ADDRESSES, PR_SRC_POPULATION, PR_SRC_COMPLAINTS,
					 PR_SRC_INSPECTIONS};
	_Static_assert(sizeof join_order / sizeof *join_order == PR_SRC_COUNT - 1,
		       "every source but the parcels is joined");
	for (int j = 0; j < PR_SRC_COUNT - 1; j++) {
		int k = join_order[j];
		if (!in->present[k])
			continue;
		const pr_source_conf *c = &s->src[k];
		pr_rejects *rejects = &in->source_rejects[k];
		t0 = pr_now();
		if (k == PR_SRC_ADDRESSES) {
			r = pr_join_register(ctx, index, &in->parcels, &in->records[k], c->snap_m,
					     rejects);
			if (r == 0)
				r = pr_address_norm_new(ctx, &norm);
			if (r == 0)
				r = pr_address_index_from_register(ctx, norm, &in->records[k],
								   rejects, &addresses);
			if (r < 0)
				goto done;
		} else if (c->by_address) {
			r = pr_join_by_address(ctx, addresses, &in->records[k], rejects,
					       in->address_levels[k]);
			if (r < 0)
				goto done;
			uint64_t *l = in->address_levels[k];
			pr_log(ctx, PR_LOG_INFO,
			       "%s: located by address: %llu street+number+box+postcode, %llu "
			       "without the box, %llu without the suffix letter, %llu in another "
			       "postcode",
			       pr_source_defs[k].name, (unsigned long long)l[1],
			       (unsigned long long)l[2], (unsigned long long)l[3],
			       (unsigned long long)l[4]);
		} else if (pr_source_defs[k].locate == PR_LOCATE_POINT) {
			size_t before = rejects->n;
			r = pr_join_points(ctx, index, &in->records[k], c->snap_m, rejects);
			if (r < 0)
				goto done;
			for (size_t i = 0; i < in->records[k].n; i++)
				in->snapped[k] += in->records[k].snapped[i];
			char why[512];
			if (pr_join_diagnose(&in->parcels, &in->records[k], rejects->n - before,
					     why, sizeof why))
				pr_log(ctx, PR_LOG_WARNING, "%s", why);
		} else {
			r = pr_join_keys(ctx, &in->parcels, &in->records[k],
					 pr_source_defs[k].key_field, rejects);
			if (r < 0)
				goto done;
		}
		in->join_seconds[k] = pr_now() - t0;
		in->seconds[k] += in->join_seconds[k];
		pr_log(ctx, PR_LOG_INFO, "%s: %llu rows, %zu joined, %zu rejected (%.2f s)",
		       pr_source_defs[k].name, (unsigned long long)in->records[k].rows_read,
		       in->records[k].n, rejects->n, in->seconds[k]);
	}
	/* One rejects list, in source order. */
	for (int k = 0; k < PR_SRC_COUNT; k++) {
		pr_rejects *from = &in->source_rejects[k];
		if (from->n == 0)
			continue;
		r = pr_grow((void **)&in->rejects.items, &in->rejects.cap, in->rejects.n + from->n,
			    sizeof *in->rejects.items);
		if (r < 0)
			goto done;
		memcpy(in->rejects.items + in->rejects.n, from->items,
		       from->n * sizeof *from->items);
		in->rejects.n += from->n;
		free(from->items);
		memset(from, 0, sizeof *from);
	}
	/* Every record is joined, and none is added now. The records go in parcel order, the
	 * order the model reads them in. */
	t0 = pr_now();
	for (int k = 0; k < PR_SRC_COUNT; k++) {
		pr_records *rec = k == PR_SRC_PARCELS ? &in->parcels.rec : &in->records[k];
		pr_records_shrink(rec);
		if (k != PR_SRC_PARCELS && !in->use.xy[k]) {
			free(rec->x);
			free(rec->y);
			rec->x = rec->y = NULL;
		}
		if (k != PR_SRC_PARCELS)
			r = pr_records_sort_by_parcel(ctx, rec, in->parcels.rec.n);
		if (r < 0)
			goto done;
	}
	pr_log(ctx, PR_LOG_INFO, "records: in parcel order (%.2f s)", pr_now() - t0);
	/* Reading left the heap full of small freed blocks (each parcel's geometry on its way
	 * through GEOS): the pages they free go back to the system before the model runs. */
	malloc_trim(0);
	log_memory(ctx, in);
done:
	for (int k = 0; k < PR_SRC_COUNT; k++)
		if (rt.srs[k])
			OSRRelease(rt.srs[k]);
	pr_parcel_index_free(index);
	pr_address_index_free(addresses);
	pr_address_norm_free(norm);
	return r;
}

static uint64_t joined_of(const pr_ingest *in, int k)
{
	return k == PR_SRC_PARCELS ? in->parcels.rec.n : in->records[k].n;
}

static uint64_t read_of(const pr_ingest *in, int k)
{
	return k == PR_SRC_PARCELS ? in->parcels.rec.rows_read : in->records[k].rows_read;
}

/* A reason of one source's rejects: how many, and the first row rejected for it. */
typedef struct reason_count {
	const char *reason;
	uint64_t count;
	const pr_reject *example;
} reason_count;

/* The distinct reasons of source k's rejects in the order they first occur, at most max. */
static int count_reasons(const pr_ingest *in, int k, reason_count *out, int max)
{
	int n = 0;
	for (size_t i = 0; i < in->rejects.n; i++) {
		const pr_reject *rj = &in->rejects.items[i];
		if (rj->source != k)
			continue;
		int j = 0;
		while (j < n && strcmp(out[j].reason, rj->reason) != 0)
			j++;
		if (j == n) {
			if (n == max)
				continue;
			out[n++] = (reason_count){rj->reason, 0, rj};
		}
		out[j].count++;
	}
	return n;
}

/* The streets of a source's "unknown street" rejects ("street 'X' number ..."), most frequent
 * first, into the report: usually a missing abbreviation or a renamed street. */
static void list_unknown_streets(const pr_ingest *in, int k, pr_source_report *rep)
{
	enum { TOP = sizeof rep->unknown_streets / sizeof *rep->unknown_streets };
	pr_tally *streets = NULL;
	for (size_t i = 0; i < in->rejects.n; i++) {
		const pr_reject *rj = &in->rejects.items[i];
		if (rj->source != k || strcmp(rj->reason, PR_REJECT_UNKNOWN_STREET) != 0)
			continue;
		const char *open = rj->value ? strchr(rj->value, '\'') : NULL;
		const char *close = open ? strchr(open + 1, '\'') : NULL;
		if (!close)
			continue;
		char street[sizeof rep->unknown_streets[0].street];
		snprintf(street, sizeof street, "%.*s", (int)(close - open - 1), open + 1);
		if (pr_tally_add(&streets, street) < 0)
			break;
	}
	const char *words[TOP];
	uint64_t counts[TOP];
	int n = pr_tally_top(streets, TOP, words, counts);
	for (int j = 0; j < n; j++) {
		snprintf(rep->unknown_streets[j].street, sizeof rep->unknown_streets[j].street,
			 "%s", words[j]);
		rep->unknown_streets[j].count = counts[j];
	}
	rep->n_unknown_streets = n > 0 ? n : 0;
	pr_tally_free(streets);
}

static void fill_report(const pr_ingest *in, int k, pr_source_report *rep)
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
	rep->by_address = in->by_address[k];
	memcpy(rep->address_levels, in->address_levels[k], sizeof rep->address_levels);
	if (rep->by_address)
		list_unknown_streets(in, k, rep);
	reason_count reasons[sizeof rep->reasons / sizeof *rep->reasons];
	int n = count_reasons(in, k, reasons, (int)(sizeof reasons / sizeof *reasons));
	for (int j = 0; j < n; j++) {
		snprintf(rep->reasons[j].reason, sizeof rep->reasons[j].reason, "%s",
			 reasons[j].reason);
		rep->reasons[j].count = reasons[j].count;
	}
	rep->n_reasons = n;
}

/* Every source must account for all its rows; a mismatch is a bug, never a silent loss. */
static int check_balance(pr_context *ctx, const pr_ingest *in)
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

int pr_resolve_as_of(pr_context *ctx, const pr_sources *s, const pr_run_options *o, int32_t *ret)
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

pr_model_options pr_sources_model_options(const pr_sources *sources)
{
	pr_model_options o = {.time_limit_s = sources->time_limit_s, .limit_origin = sources->file};
	for (int k = 0; k < PR_SRC_COUNT; k++)
		o.absent[k] = !sources->src[k].present;
	return o;
}

/* Checks the model's SQL against an empty store before the long reading starts, so that a typo
 * in a feature fails in a second rather than after a national join. */
static int check_model(pr_context *ctx, const pr_model *model, const pr_sources *sources,
		       int32_t as_of, pr_column_use *use)
{
	pr_store store = {0};
	pr_scores scores = {0};
	pr_model_options options = pr_sources_model_options(sources);
	int r = pr_store_open_empty(ctx, &store);
	if (r < 0)
		return r;
	/* Preparing every statement on the empty store also tells which columns the model reads:
	 * only those are copied from the sources (personal data included). */
	pr_store_watch_columns(&store, use);
	/* A silent rehearsal: its progress and timings would only be noise. */
	pr_progress_fn progress = ctx->progress;
	pr_log_fn log = ctx->log;
	ctx->progress = NULL;
	ctx->log = NULL;
	r = pr_model_score(ctx, model, &store, as_of, 0, &options, &scores);
	ctx->progress = progress;
	ctx->log = log;
	pr_store_watch_columns(&store, NULL);
	pr_scores_free(&scores);
	pr_store_close(&store);
	return r;
}

static int compare_reason_count(const void *a, const void *b)
{
	const reason_count *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->reason, y->reason);
}

/* What a user should look at when (nearly) every row of a source fails the same way. */
static const char *likely_cause(const reason_count *top, const pr_source_conf *c)
{
	const char *reason = top->reason, *value = top->example->value ? top->example->value : "";
	const char *section = pr_source_defs[top->example->source].name;
	/* Causes that name the source's section or field are written here. */
	static __thread char why[384];
	if (strcmp(reason, PR_REJECT_BAD_ENCODING) == 0) {
		if (c->encoding)
			snprintf(why, sizeof why,
				 "the text does not convert from encoding %s: check the "
				 "encoding of [%s]",
				 c->encoding, section);
		else
			snprintf(
			    why, sizeof why,
			    "the text is not UTF-8: the file is likely in a Windows or Latin-1 "
			    "encoding; add encoding = CP1252 (or the file's encoding) to [%s]",
			    section);
		return why;
	}
	if (strcmp(reason, PR_REJECT_BAD_COORDINATES) == 0 ||
	    strcmp(reason, PR_REJECT_BAD_NUMBER) == 0) {
		if (strchr(value, ',') && c->decimal != ',') {
			snprintf(why, sizeof why,
				 "the numbers look written with a decimal comma, as a spreadsheet "
				 "exports them: add decimal = , to [%s]",
				 section);
			return why;
		}
		if (strchr(value, '.') && c->decimal == ',')
			return "the numbers hold a dot although the source says decimal = ,";
		if (strstr(value, "cannot be transformed"))
			return "the coordinates cannot be reprojected: check the source's crs";
		return "check that the mapped column holds numbers";
	}
	if (strcmp(reason, PR_REJECT_BAD_DATE) == 0) {
		static const char *const formats[] = {"DD/MM/YYYY", "MM/DD/YYYY", "YYYY/MM/DD"};
		snprintf(why, sizeof why,
			 "the dates are in a form the engine does not read (ISO 8601 YYYY-MM-DD or "
			 "%s, as date_format in [%s] says; it may also be MM/DD/YYYY or "
			 "YYYY/MM/DD)",
			 formats[c->date_format], section);
		return why;
	}
	if (strcmp(reason, PR_REJECT_OUT_OF_RANGE) == 0)
		return "the values lie outside the contract's plausible ranges: check that the "
		       "mapped column holds what its field means (for dates, also date_format: a "
		       "month-first date read day-first lands in another month)";
	if (strcmp(reason, PR_REJECT_UNKNOWN_VALUE) == 0) {
		/* The example names its field first: "outcome 'fermeture'". */
		int n = (int)strcspn(value, " ");
		snprintf(why, sizeof why,
			 "the values are not canonical words: map the site's words onto them in "
			 "[%s] with %.*s.<canonical> = word, word",
			 section, n, value);
		return why;
	}
	if (strcmp(reason, PR_REJECT_OUTSIDE) == 0)
		return c->crs ? "the points lie away from the parcels: check the source's crs "
				"and the x/y columns"
			      : "the points lie away from the parcels: the source may need a crs "
				"key, or x and y swapped";
	if (strcmp(reason, PR_REJECT_INVALID_GEOMETRY) == 0 && strstr(value, "transformed"))
		return "the parcels cannot be reprojected: the dataset may have no CRS, or the "
		       "wrong one (set crs in [parcels])";
	if (strcmp(reason, PR_REJECT_UNKNOWN_PARCEL) == 0)
		return "the keys do not match the parcels' ids: check the mapped key column and "
		       "the parcels' id column";
	if (strcmp(reason, PR_REJECT_UNKNOWN_STREET) == 0)
		return "the street names match none of the address register's: check the street "
		       "column, the register's name columns ([addresses] street), and whether "
		       "the names use abbreviations data/addresses/abbreviations.tsv lacks";
	if (strcmp(reason, PR_REJECT_UNKNOWN_ADDRESS) == 0)
		return "the streets are known but not the house numbers: check the number column, "
		       "and whether the register is the right one (its postcodes, its date)";
	return NULL;
}

/* The contract's reject budget: a source that lost more than its max_rejected share of rows,
 * or a run without a single usable parcel, fails (65) before anything is written, naming the
 * source, the share and its most frequent reasons, each with an example row. */
static int check_reject_budget(pr_context *ctx, const pr_sources *s, const pr_ingest *in)
{
	reason_count reasons[32];
	for (int k = 0; k < PR_SRC_COUNT; k++) {
		if (!in->present[k])
			continue;
		uint64_t rows = read_of(in, k);
		uint64_t rejected = pr_rejects_count(&in->rejects, k);
		double share = rows ? (double)rejected / (double)rows : 0;
		double allowed = pr_source_max_rejected(s, k);
		bool no_parcels = k == PR_SRC_PARCELS && joined_of(in, k) == 0;
		if (share <= allowed && !no_parcels)
			continue;
		int n = count_reasons(in, k, reasons, (int)(sizeof reasons / sizeof *reasons));
		qsort(reasons, (size_t)n, sizeof *reasons, compare_reason_count);
		pr_strbuf msg = {0};
		const char *name = pr_source_defs[k].name;
		if (no_parcels && rows == 0)
			pr_strbuf_printf(
			    &msg, "%s: %s holds no parcels%s%s%s", name, s->src[k].path,
			    s->src[k].where ? " that pass where '" : "",
			    s->src[k].where ? s->src[k].where : "", s->src[k].where ? "'" : "");
		else if (no_parcels)
			pr_strbuf_printf(&msg, "%s: none of the %llu rows of %s is a usable parcel",
					 name, (unsigned long long)rows, s->src[k].path);
		else
			pr_strbuf_printf(&msg,
					 "%s: %llu of %llu rows rejected (%.3g%%), more than "
					 "max_rejected %.3g%%",
					 name, (unsigned long long)rejected,
					 (unsigned long long)rows, 100 * share, 100 * allowed);
		for (int j = 0; j < n && j < 3; j++)
			pr_strbuf_printf(&msg, "%s %s: %llu (row %llu: %s)", j ? ";" : ":",
					 reasons[j].reason, (unsigned long long)reasons[j].count,
					 (unsigned long long)reasons[j].example->row,
					 reasons[j].example->value ? reasons[j].example->value
								   : "");
		/* A source lost (nearly) whole to one reason has one cause; say the likely one. */
		const char *cause = n > 0 && reasons[0].count * 10 >= rows * 9
					? likely_cause(&reasons[0], &s->src[k])
					: NULL;
		if (cause)
			pr_strbuf_printf(&msg, ". %s of %llu rows fail as '%s': %s",
					 reasons[0].count == rows ? "All" : "Nearly all",
					 (unsigned long long)rows, reasons[0].reason, cause);
		if (!no_parcels)
			pr_strbuf_printf(&msg,
					 ". Fix the input, or allow more with max_rejected in "
					 "[%s] or [run]",
					 name);
		int r = pr_error(ctx, PR_EDATA, "%s", msg.data ? msg.data : name);
		pr_strbuf_free(&msg);
		return r;
	}
	return 0;
}

int pr_ingest_sources(pr_context *ctx, const pr_sources *sources, const pr_model *model,
		      int32_t as_of, const pr_column_use *also, pr_ingest *in)
{
	int r = check_model(ctx, model, sources, as_of, &in->use);
	for (int k = 0; also && k < PR_SRC_COUNT; k++) {
		for (int f = 0; f < PR_MAX_FIELDS; f++)
			in->use.field[k][f] |= also->field[k][f];
		in->use.xy[k] |= also->xy[k];
	}
	if (r == 0)
		r = read_and_join(ctx, sources, in);
	if (r == 0)
		r = check_balance(ctx, in);
	if (r == 0)
		r = check_reject_budget(ctx, sources, in);
	return r;
}

int pr_check(pr_context *ctx, const pr_sources *sources, const pr_run_options *options,
	     pr_source_report *reports, int max_reports, int *ret_count)
{
	pr_ingest in = {0};
	pr_model *model = NULL;
	int32_t as_of;
	int r = pr_resolve_as_of(ctx, sources, options, &as_of);
	/* A key named for the planners' output is checked as a planners run would load it. */
	if (r == 0 && sources->pseudonym_key_file) {
		pr_pseudonym_key key = {0};
		r = pr_pseudonym_key_load(ctx, sources->pseudonym_key_file, &key);
		pr_pseudonym_key_free(&key);
	}
	if (r == 0)
		r = pr_model_load(ctx, options ? options->model_path : NULL, &model);
	if (r == 0)
		r = pr_ingest_sources(ctx, sources, model, as_of, NULL, &in);
	if (r == 0) {
		int n = 0;
		for (int k = 0; k < PR_SRC_COUNT && n < max_reports; k++)
			if (in.present[k])
				fill_report(&in, k, &reports[n++]);
		*ret_count = n;
	}
	pr_model_free(model);
	pr_ingest_free(&in);
	return r;
}

/* What the output was made from; the rows a public output keeps too (versions, the as-of date,
 * counts) are added with pr_kv_add_public. */
static int fill_run_info(const pr_sources *s, const pr_model *model, const pr_ingest *in,
			 int32_t as_of, enum pr_audience audience, double store_seconds,
			 double model_seconds, int threads, pr_kv_list *info)
{
	char buf[64], versions[512], sha[65];
	int r = 0;
	pr_format_date(as_of, buf);
	r |= pr_kv_add_public(info, "as_of", "%s", buf);
	r |= pr_kv_add_public(info, "audience", "%s", pr_audience_names[audience]);
	r |= pr_kv_add(info, "working_crs", "%s", in->work_crs);
	r |= pr_kv_add(info, "model", "%s", model->path);
	r |= pr_kv_add_public(info, "model_name", "%s", model->name ? model->name : "");
	r |= pr_kv_add(info, "model_sha256", "%s", model->sha256);
	r |= pr_kv_add(info, "model.visit_list_size", "%d", model->visit_list_size);
	r |= pr_kv_add(info, "model.exclude_inspected_days", "%d", model->exclude_inspected_days);
	r |= pr_kv_add(info, "model.class_thresholds", "%g %g %g", model->class_medium,
		       model->class_high, model->class_critical);
	r |= pr_kv_add(info, "model.ini", "%s", model->text ? model->text : "");
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
		r |= pr_kv_add_public(info, key, "%llu", (unsigned long long)read_of(in, k));
		snprintf(key, sizeof key, "%s.joined", name);
		r |= pr_kv_add_public(info, key, "%llu", (unsigned long long)joined_of(in, k));
		snprintf(key, sizeof key, "%s.rejected", name);
		r |= pr_kv_add_public(info, key, "%zu", pr_rejects_count(&in->rejects, k));
		if (s->src[k].by_address) {
			static const char *const levels[5] = {NULL, "street_number_box_postcode",
							      "without_box", "without_suffix",
							      "other_postcode"};
			for (int l = 1; l <= 4; l++) {
				snprintf(key, sizeof key, "%s.address.%s", name, levels[l]);
				r |= pr_kv_add(info, key, "%llu",
					       (unsigned long long)in->address_levels[k][l]);
			}
		} else if (pr_source_defs[k].locate == PR_LOCATE_POINT) {
			snprintf(key, sizeof key, "%s.snapped", name);
			r |= pr_kv_add(info, key, "%llu", (unsigned long long)in->snapped[k]);
		}
		snprintf(key, sizeof key, "%s.memory_bytes", name);
		r |= pr_kv_add(info, key, "%zu", in->memory_bytes[k]);
		snprintf(key, sizeof key, "%s.seconds", name);
		r |= pr_kv_add(info, key, "%.3f", in->seconds[k]);
		if (k != PR_SRC_PARCELS) {
			snprintf(key, sizeof key, "%s.join_seconds", name);
			r |= pr_kv_add(info, key, "%.3f", in->join_seconds[k]);
		}
	}
	r |= pr_kv_add(info, "parcels.repaired", "%llu", (unsigned long long)in->parcels.repaired);
	for (int k = PR_SRC_POPULATION; k < PR_SRC_COUNT; k++) {
		if (!in->present[k])
			continue;
		pr_strbuf used = {0};
		for (int f = 0; f < pr_source_defs[k].n_fields; f++)
			if (in->records[k].cols[f].present)
				pr_strbuf_printf(&used, "%s%s", used.len ? ", " : "",
						 pr_source_defs[k].fields[f].name);
		char key[64];
		snprintf(key, sizeof key, "%s.fields_read", pr_source_defs[k].name);
		r |= pr_kv_add(info, key, "%s", used.data ? used.data : "");
		pr_strbuf_free(&used);
		for (int f = 0; f < pr_source_defs[k].n_fields; f++) {
			if (!in->records[k].unmapped_summary[f])
				continue;
			snprintf(key, sizeof key, "%s.unmapped_%s", pr_source_defs[k].name,
				 pr_source_defs[k].fields[f].name);
			r |= pr_kv_add(info, key, "%s", in->records[k].unmapped_summary[f]);
		}
	}
	pr_versions(versions, sizeof versions);
	for (char *line = strtok(versions, "\n"); line; line = strtok(NULL, "\n")) {
		char *space = strchr(line, ' ');
		if (!space)
			continue;
		*space = '\0';
		char key[64];
		snprintf(key, sizeof key, "version.%s", line);
		r |= pr_kv_add_public(info, key, "%s", space + 1);
	}
	r |= pr_kv_add(info, "threads", "%d", threads);
	r |= pr_kv_add(info, "seconds.index", "%.3f", in->index_seconds);
	r |= pr_kv_add(info, "seconds.store", "%.3f", store_seconds);
	r |= pr_kv_add(info, "seconds.model", "%.3f", model_seconds);
	return r < 0 ? PR_ENOMEM : 0;
}

/* True when a and b name the same existing file, through links too. */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return a && b && stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* A PostGIS output names its schema, and only a PostGIS output does; the previous month is read
 * from a GeoPackage. A connection string ends the messages that name it: the password taken out
 * of it takes whatever follows it up to a space. */
static int check_output_target(pr_context *ctx, const pr_run_options *o, const char *out_path)
{
	const char *schema = o ? o->schema : NULL;
	if (o && pr_output_is_postgis(o->previous_path))
		return pr_error(
		    ctx, PR_EUSAGE,
		    "--previous: the previous month is read from a GeoPackage output only, not "
		    "from a database such as %s",
		    o->previous_path);
	if (!pr_output_is_postgis(out_path)) {
		if (schema)
			return pr_error(
			    ctx, PR_EUSAGE,
			    "--schema %s: a schema is for a PostGIS output (-o PG:...), "
			    "and -o %s is a file",
			    schema, out_path);
		return 0;
	}
	if (!schema)
		return pr_error(
		    ctx, PR_EUSAGE,
		    "a PostGIS output needs --schema NAME, the schema its layers are written to, "
		    "and none is given for -o %s",
		    out_path);
	return pr_postgis_check_schema(ctx, schema);
}

/* An output may not be one of the run's inputs (a source, the sources or model file, the
 * previous output) nor the other output: writing it would destroy what the run reads. A
 * database output is no file: it may hold a password, which messages leave out. */
static int check_output_paths(pr_context *ctx, const pr_sources *s, const pr_run_options *o,
			      const char *out_path)
{
	const struct {
		const char *option, *path;
	} outputs[] = {{"-o", out_path}, {"--visits-csv", o ? o->visits_csv_path : NULL}};
	for (size_t i = 0; i < sizeof outputs / sizeof *outputs; i++) {
		const char *out = outputs[i].path;
		if (!out || (i == 0 && pr_output_is_postgis(out)))
			continue;
		/* An output is a file: a password in its name would be written beside it (the
		 * lock and temporary files take the name) and shown in every message about it. */
		char *clean = pr_redact_credentials(out);
		if (!clean)
			return PR_ENOMEM;
		bool holds_password = strcmp(clean, out) != 0;
		free(clean);
		if (holds_password)
			return pr_error(ctx, PR_EUSAGE,
					"%s %s: an output is a file, and its name may not hold a "
					"password",
					outputs[i].option, out);
		const char *input = NULL;
		char what[64] = "";
		for (int k = 0; k < PR_SRC_COUNT && !input; k++)
			if (s->src[k].present && same_file(out, s->src[k].path)) {
				input = s->src[k].path;
				snprintf(what, sizeof what, "the [%s] source",
					 pr_source_defs[k].name);
			}
		if (!input && same_file(out, s->file)) {
			input = s->file;
			snprintf(what, sizeof what, "the sources file");
		}
		if (!input && o && same_file(out, o->model_path)) {
			input = o->model_path;
			snprintf(what, sizeof what, "the model file");
		}
		if (!input && o && same_file(out, o->previous_path)) {
			input = o->previous_path;
			snprintf(what, sizeof what, "the --previous output");
		}
		if (!input && i == 1 && same_file(out, out_path)) {
			input = out_path;
			snprintf(what, sizeof what, "the -o output");
		}
		if (input)
			return pr_error(ctx, PR_EUSAGE,
					"%s %s is %s (%s): refusing to overwrite it; write the "
					"output elsewhere",
					outputs[i].option, out, what, input);
	}
	if (o && o->visits_csv_path && strcmp(o->visits_csv_path, out_path) == 0)
		return pr_error(ctx, PR_EUSAGE, "--visits-csv and -o are the same file %s",
				out_path);
	return 0;
}

const char *const pr_audience_names[PR_AUDIENCE_COUNT] = {"inspectors", "planners", "public"};

/* What the audience asks of the run: planners a pseudonym key, loaded into *key; the visit list
 * and the changes table are for those who get the parcels. */
static int check_audience(pr_context *ctx, const pr_sources *s, const pr_run_options *o,
			  pr_pseudonym_key *key)
{
	enum pr_audience audience = o ? o->audience : PR_AUDIENCE_INSPECTORS;
	const char *name = pr_audience_names[audience];
	if (audience != PR_AUDIENCE_INSPECTORS && o->visits_csv_path)
		return pr_error(ctx, PR_EUSAGE,
				"--visits-csv: the visit list names owners and addresses, for "
				"inspectors only, not for --audience %s",
				name);
	if (audience == PR_AUDIENCE_PUBLIC && o->previous_path)
		return pr_error(ctx, PR_EUSAGE,
				"--previous: a public output holds hotspots only, it has no "
				"changes table");
	if (audience != PR_AUDIENCE_PLANNERS)
		return 0;
	if (!s->pseudonym_key_file)
		return pr_error(ctx, PR_ECONFIG,
				"%s: --audience planners pseudonymises owners with a key the "
				"sources file names in [run] pseudonym_key_file, and it names none "
				"(make one with: parcelrisk keygen FILE)",
				s->file);
	return pr_pseudonym_key_load(ctx, s->pseudonym_key_file, key);
}

/* The most memory the process has held, so that a run says itself how near it came to the
 * machine's limit (the kernel's high-water mark of resident memory, libraries and all). */
static void log_peak_memory(pr_context *ctx, size_t n_parcels)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return;
	double bytes = (double)ru.ru_maxrss * 1024;
	pr_log(ctx, PR_LOG_INFO, "memory: peak %.1f MB (%.0f B per parcel)", bytes / 1e6,
	       n_parcels ? bytes / (double)n_parcels : 0.0);
}

int pr_run(pr_context *ctx, const pr_sources *sources, const pr_run_options *options,
	   const char *out_path)
{
	pr_ingest in = {0};
	pr_model *model = NULL;
	pr_store store = {0};
	pr_scores scores = {0};
	pr_kv_list info = {0};
	uint32_t *counts[PR_SRC_COUNT] = {0};
	double store_seconds = 0, model_seconds = 0;
	pr_previous previous = {0};
	pr_pseudonym_key key = {0};
	enum pr_audience audience = options ? options->audience : PR_AUDIENCE_INSPECTORS;
	char *visits_tmp = NULL;
	double started = pr_now(), t;
	int32_t as_of;
	int lock_fd = -1;
	pr_postgis_target *postgis = NULL;
	int r;

	r = check_output_target(ctx, options, out_path);
	if (r == 0)
		r = check_output_paths(ctx, sources, options, out_path);
	if (r == 0)
		r = check_audience(ctx, sources, options, &key);
	if (r < 0)
		goto done;
	if (pr_output_is_postgis(out_path))
		r = pr_postgis_open(ctx, out_path, options->schema, &postgis);
	else
		r = pr_output_lock(ctx, out_path, &lock_fd);
	if (r < 0)
		goto done;
	r = pr_resolve_as_of(ctx, sources, options, &as_of);
	if (r < 0)
		goto done;
	if (options && options->previous_path) {
		r = pr_previous_load(ctx, options->previous_path, &previous);
		if (r < 0)
			goto done;
	}
	r = pr_model_load(ctx, options ? options->model_path : NULL, &model);
	if (r < 0)
		goto done;
	r = pr_ingest_sources(ctx, sources, model, as_of, NULL, &in);
	if (r < 0)
		goto done;
	if (!in.present[PR_SRC_INSPECTIONS] && model->exclude_inspected_days > 0)
		pr_log(ctx, PR_LOG_WARNING,
		       "no [inspections] in %s: the visit list cannot leave out parcels inspected "
		       "in the last %d days",
		       sources->file, model->exclude_inspected_days);

	t = pr_now();
	r = pr_store_open(ctx, &store);
	if (r < 0)
		goto done;
	const pr_records *recs[PR_SRC_COUNT] = {0};
	for (int k = PR_SRC_POPULATION; k < PR_SRC_COUNT; k++)
		recs[k] = in.present[k] ? &in.records[k] : NULL;
	r = pr_store_load(ctx, &store, &in.parcels, recs, PR_DATE_NULL);
	if (r < 0)
		goto done;
	store_seconds = pr_now() - t;

	/* Each parcel's records, counted now: the model may let a source's records go. */
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
	t = pr_now();
	pr_model_options model_opts = pr_sources_model_options(sources);
	model_opts.release = release_records;
	model_opts.release_user = &in;
	r = pr_model_score(ctx, model, &store, as_of, in.parcels.rec.n, &model_opts, &scores);
	if (r < 0)
		goto done;
	model_seconds = pr_now() - t;
	pr_log(ctx, PR_LOG_INFO, "model: %d features, %d factors (%.2f s)", model->n_features,
	       model->n_factors, model_seconds);
	r = fill_run_info(sources, model, &in, as_of, audience, store_seconds, model_seconds,
			  pr_thread_count(ctx), &info);
	if (r < 0)
		goto done;
	/* Nothing is held twice: what the write does not read goes before it starts. */
	pr_store_close(&store);
	pr_ingest_release_for_output(&in);

	t = pr_now();
	pr_output out = {.parcels = &in.parcels,
			 .scores = &scores,
			 .model = model,
			 .rejects = &in.rejects,
			 .run_info = &info,
			 .as_of = as_of,
			 .audience = audience,
			 .pseudonym_key = key.bytes ? &key : NULL};
	for (int k = 0; k < PR_SRC_COUNT; k++)
		out.records[k] = counts[k];
	if (previous.path) {
		out.previous = &previous;
		r = pr_kv_add(&info, "previous", "%s", previous.path);
		if (r == 0)
			r = pr_kv_add(&info, "previous.as_of", "%s", previous.as_of);
		if (r < 0)
			goto done;
	}
	/* The CSV first, under a temporary name, so that both files change or neither. */
	if (options && options->visits_csv_path) {
		r = pr_write_visits_csv(ctx, &out, options->visits_csv_path, &visits_tmp);
		if (r < 0)
			goto done;
	}
	r = postgis ? pr_write_postgis(ctx, &out, postgis) : pr_write_gpkg(ctx, &out, out_path);
	if (r == 0 && visits_tmp) {
		r = pr_output_commit(ctx, visits_tmp, options->visits_csv_path);
		if (r == 0) {
			free(visits_tmp);
			visits_tmp = NULL;
		}
	}
	if (r < 0)
		goto done;
	pr_log(ctx, PR_LOG_INFO, "write: %s%s%s%s (%.2f s); total %.2f s", out_path,
	       postgis ? " (schema " : "", postgis ? options->schema : "", postgis ? ")" : "",
	       pr_now() - t, pr_now() - started);
	log_peak_memory(ctx, in.parcels.rec.n);
done:
	for (int k = 0; k < PR_SRC_COUNT; k++)
		free(counts[k]);
	pr_previous_free(&previous);
	pr_pseudonym_key_free(&key);
	if (visits_tmp)
		unlink(visits_tmp);
	free(visits_tmp);
	pr_output_unlock(lock_fd);
	pr_postgis_close(postgis);
	pr_kv_free(&info);
	pr_scores_free(&scores);
	pr_store_close(&store);
	pr_model_free(model);
	pr_ingest_free(&in);
	return r;
}
