/* SPDX-License-Identifier: MIT */
/* The first half of a run, shared by run, check and backtest: every source read and joined to
 * the parcels, every row accounted for (run.c). */
#ifndef PR_INGEST_H
#define PR_INGEST_H

#include <ogr_srs_api.h>

#include "model/model.h"
#include "sources/sources.h"
#include "store/store.h"

typedef struct pr_ingest {
	OGRSpatialReferenceH work_srs;
	char work_crs[64];
	pr_parcels parcels;
	pr_records records[PR_SRC_COUNT]; /* [PR_SRC_PARCELS] unused: see parcels.rec */
	bool present[PR_SRC_COUNT];
	pr_rejects rejects;
	pr_rejects source_rejects[PR_SRC_COUNT]; /* per source while reading in parallel */
	pr_column_use use; /* what the model reads: nothing else is copied from the sources */
	uint64_t snapped[PR_SRC_COUNT];
	bool by_address[PR_SRC_COUNT];		  /* located through the address register */
	uint64_t address_levels[PR_SRC_COUNT][5]; /* records located by address, per match level */
	double seconds[PR_SRC_COUNT];		  /* reading and joining */
	double join_seconds[PR_SRC_COUNT]; /* of which joining (and, for addresses, indexing) */
	double index_seconds;
	size_t
	    memory_bytes[PR_SRC_COUNT]; /* held once joined: pr_parcels_bytes, pr_records_bytes */
} pr_ingest;

/* The model checked on an empty store (which also tells the fields to read, with also's when
 * not NULL), every source read and joined, and every row accounted for. On failure too the
 * caller frees in with pr_ingest_free(). */
int pr_ingest_sources(pr_context *ctx, const pr_sources *sources, const pr_model *model,
		      int32_t as_of, const pr_column_use *also, pr_ingest *in);
void pr_ingest_free(pr_ingest *in);
/* Lets go of what the outputs do not read once the records are scored and counted: the
 * records of every source but the parcels (their counts and summaries are in run_info by
 * then). The memory goes back to the system, for the output's page cache. (The parcels' flat
 * rings, which only the join reads, go when the joins are done.) */
void pr_ingest_release_for_output(pr_ingest *in);
/* The day a run scores the city as of: --as-of (o may be NULL), else the sources file's as_of,
 * else today. */
int pr_resolve_as_of(pr_context *ctx, const pr_sources *s, const pr_run_options *o, int32_t *ret);
/* How the model runs for these sources: under their time limit, without the sources they leave
 * out (not assessed, never zero). */
pr_model_options pr_sources_model_options(const pr_sources *sources);

#endif
