/* SPDX-License-Identifier: MIT */
/* What backtest.c shares with fit.c: the city read once, scored as of past dates with only what
 * was known then, and the inspections of the window after each date that judge a ranking. */
#ifndef PR_BACKTEST_H
#define PR_BACKTEST_H

#include "ingest.h"
#include "model/model.h"

/* The parcels inspected in a window (at, end] and their hits: a major or closure outcome. */
typedef struct pr_window {
	int32_t at, end;
	uint8_t *inspected; /* per parcel */
	int32_t
	    *first_hit; /* per parcel: the day of its first hit in the window, or PR_DATE_NULL */
	uint32_t inspected_n, hits;
} pr_window;

/* Reads and joins the sources once for backtests with model, reading the fields that judge a
 * ranking (inspection dates and outcomes, complaint dates) whatever the model reads; *data_as_of
 * is the sources' as-of date (or today). The caller frees in with pr_ingest_free(). */
int pr_backtest_ingest(pr_context *ctx, const pr_sources *sources, const pr_model *model,
		       pr_ingest *in, int32_t *data_as_of);
/* Scores the city as of at with what was known on that day (pr_store_load known_by). */
int pr_backtest_score(pr_context *ctx, const pr_sources *sources, const pr_ingest *in,
		      const pr_model *model, int32_t at, pr_scores *ret);
int pr_window_make(const pr_ingest *in, int32_t at, int months, pr_window *ret);
void pr_window_free(pr_window *w);
/* Average precision of order (n parcels, best first) over the window's inspected parcels. */
double pr_window_average_precision(const pr_window *w, const uint32_t *order, size_t n);
/* Judges the model's scores s and the complaints-first ranking at w->at into *ret. */
int pr_backtest_judge(const pr_ingest *in, const pr_model *model, const pr_scores *s,
		      const pr_window *w, int months, pr_backtest_result *ret);

/* Scores model at at on the city already read and judges it on the months after: the whole
 * backtest at one date. */
int pr_backtest_at(pr_context *ctx, const pr_sources *sources, const pr_ingest *in,
		   const pr_model *model, int32_t at, int months, pr_backtest_result *ret);

#endif
