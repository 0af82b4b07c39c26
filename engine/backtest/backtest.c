/* SPDX-License-Identifier: MIT */
/* The backtest: "if we had visited this list then, what would we have found?" The city is read
 * once; the model scores it as of a past date through a store that shows only what was known
 * that day; the inspections of the following months judge the ranking. Only inspected parcels
 * can be judged: a parcel of the list nobody inspected is unknown, not a miss. Beside the
 * model stands the complaints-first ranking, the way most cities choose their visits. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backtest/backtest.h"

/* Days after the date past which a hit the list holds counts as found late by the city. */
#define FOUND_LATE_DAYS 90
/* The complaints-first ranking counts the complaints of this many days before the date. */
#define COMPLAINT_DAYS 365

int pr_backtest_ingest(pr_context *ctx, const pr_sources *sources, const pr_model *model,
		       pr_ingest *in, int32_t *data_as_of)
{
	/* Every date is read, whatever the model reads: the store hides what came after the
	 * backtest's date by them (pr_store_load known_by). And the outcomes, to judge by. */
	pr_column_use judge = {0};
	for (int k = PR_SRC_POPULATION; k < PR_SRC_COUNT; k++)
		for (int f = 0; f < pr_source_defs[k].n_fields; f++)
			judge.field[k][f] = pr_source_defs[k].fields[f].type == PR_FT_DATE;
	judge.field[PR_SRC_INSPECTIONS][PR_INSPECTION_OUTCOME] = true;
	int r = pr_resolve_as_of(ctx, sources, NULL, data_as_of);
	if (r == 0)
		r = pr_ingest_sources(ctx, sources, model, *data_as_of, &judge, in);
	if (r == 0 && !in->present[PR_SRC_INSPECTIONS])
		r = pr_error(ctx, PR_ECONFIG,
			     "%s: a backtest judges the ranking by the inspections that followed, "
			     "and the sources file has no [inspections]",
			     sources->file);
	if (r == 0 && !in->records[PR_SRC_INSPECTIONS].cols[PR_INSPECTION_OUTCOME].present)
		r = pr_error(ctx, PR_ECONFIG,
			     "%s: [inspections] maps no outcome: a backtest needs it to tell a "
			     "finding (major, closure) from a clean visit",
			     sources->file);
	return r;
}

int pr_backtest_score(pr_context *ctx, const pr_sources *sources, const pr_ingest *in,
		      const pr_model *model, int32_t at, pr_scores *ret)
{
	pr_store store = {0};
	const pr_records *recs[PR_SRC_COUNT] = {0};
	for (int k = PR_SRC_POPULATION; k < PR_SRC_COUNT; k++)
		recs[k] = in->present[k] ? &in->records[k] : NULL;
	int r = pr_store_open(ctx, &store);
	if (r == 0)
		r = pr_store_load(ctx, &store, &in->parcels, recs, at);
	if (r == 0) {
		pr_model_options o = pr_sources_model_options(sources);
		r = pr_model_score(ctx, model, &store, at, in->parcels.rec.n, &o, ret);
	}
	pr_store_close(&store);
	return r;
}

int pr_window_make(const pr_ingest *in, int32_t at, int months, pr_window *w)
{
	size_t n = in->parcels.rec.n;
	memset(w, 0, sizeof *w);
	w->at = at;
	w->end = pr_add_months(at, months);
	w->inspected = calloc(n ? n : 1, 1);
	w->first_hit = malloc((n ? n : 1) * sizeof *w->first_hit);
	if (!w->inspected || !w->first_hit)
		return PR_ENOMEM;
	for (size_t i = 0; i < n; i++)
		w->first_hit[i] = PR_DATE_NULL;
	const pr_records *rec = &in->records[PR_SRC_INSPECTIONS];
	const pr_column *date = &rec->cols[PR_INSPECTION_DATE];
	const pr_column *outcome = &rec->cols[PR_INSPECTION_OUTCOME];
	for (size_t j = 0; j < rec->n; j++) {
		int32_t d = date->present ? date->date[j] : PR_DATE_NULL;
		if (d == PR_DATE_NULL || d <= at || d > w->end)
			continue;
		uint32_t p = rec->parcel[j];
		w->inspected[p] = 1;
		const char *o = pr_column_text(outcome, j);
		if (o && (strcmp(o, "major") == 0 || strcmp(o, "closure") == 0) &&
		    (w->first_hit[p] == PR_DATE_NULL || d < w->first_hit[p]))
			w->first_hit[p] = d;
	}
	for (size_t i = 0; i < n; i++) {
		w->inspected_n += w->inspected[i];
		w->hits += w->first_hit[i] != PR_DATE_NULL;
	}
	return 0;
}

void pr_window_free(pr_window *w)
{
	free(w->inspected);
	free(w->first_hit);
	memset(w, 0, sizeof *w);
}

double pr_window_average_precision(const pr_window *w, const uint32_t *order, size_t n)
{
	double sum = 0;
	uint32_t seen = 0, found = 0;
	for (size_t j = 0; j < n; j++) {
		uint32_t p = order[j];
		if (!w->inspected[p])
			continue;
		seen++;
		if (w->first_hit[p] != PR_DATE_NULL) {
			found++;
			sum += (double)found / seen;
		}
	}
	return w->hits ? sum / w->hits : 0;
}

/* The top k of order among the eligible parcels, judged on the window. */
static void judge_top_k(const pr_window *w, const uint32_t *order, size_t n,
			const uint8_t *eligible, uint32_t k, pr_backtest_ranking *r)
{
	uint32_t taken = 0;
	double late_days = 0;
	for (size_t j = 0; j < n && taken < k; j++) {
		uint32_t p = order[j];
		if (!eligible[p])
			continue;
		taken++;
		if (!w->inspected[p])
			continue;
		r->top_k_inspected++;
		if (w->first_hit[p] == PR_DATE_NULL)
			continue;
		r->top_k_hits++;
		if (w->first_hit[p] - w->at > FOUND_LATE_DAYS) {
			r->hits_found_late++;
			late_days += w->first_hit[p] - w->at;
		}
	}
	r->top_k_hit_rate = r->top_k_inspected ? (double)r->top_k_hits / r->top_k_inspected : 0;
	r->mean_days_late = r->hits_found_late ? late_days / r->hits_found_late : 0;
	r->average_precision = pr_window_average_precision(w, order, n);
}

/* Complaints in the year before the date, per parcel, and the latest one's day. */
typedef struct complaint_rank {
	uint32_t parcel, count;
	int32_t latest;
} complaint_rank;

static int compare_complaints(const void *a, const void *b)
{
	const complaint_rank *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	if (x->latest != y->latest)
		return x->latest < y->latest ? 1 : -1;
	return (x->parcel > y->parcel) - (x->parcel < y->parcel);
}

int pr_backtest_judge(const pr_ingest *in, const pr_model *model, const pr_scores *s,
		      const pr_window *w, int months, pr_backtest_result *ret)
{
	size_t n = in->parcels.rec.n;
	uint32_t *order = malloc((n ? n : 1) * sizeof *order);
	uint8_t *eligible = calloc(n ? n : 1, 1);
	complaint_rank *cr = calloc(n ? n : 1, sizeof *cr);
	int r = 0;
	if (!order || !eligible || !cr) {
		r = PR_ENOMEM;
		goto done;
	}
	memset(ret, 0, sizeof *ret);
	pr_format_date(w->at, ret->at);
	pr_format_date(w->end, ret->window_end);
	ret->months = months;
	ret->k = (uint32_t)model->visit_list_size * (uint32_t)months;
	ret->parcels = (uint32_t)n;
	ret->inspected = w->inspected_n;
	ret->hits = w->hits;
	ret->city_hit_rate = w->inspected_n ? (double)w->hits / w->inspected_n : 0;

	/* The model: rank order; a score of 0 is no reason to visit. In either ranking recently
	 * inspected parcels are not proposed again, as on the visit list. */
	for (size_t i = 0; i < n; i++) {
		order[s->rank[i] - 1] = (uint32_t)i;
		eligible[i] = s->score[i] > 0 && !pr_model_recently_inspected(model, s, w->at, i);
	}
	snprintf(ret->model.name, sizeof ret->model.name, "model");
	judge_top_k(w, order, n, eligible, ret->k, &ret->model);

	/* Complaints first: most complaints in the year before, the latest first among equals. */
	const pr_records *c =
	    in->present[PR_SRC_COMPLAINTS] ? &in->records[PR_SRC_COMPLAINTS] : NULL;
	for (size_t i = 0; i < n; i++)
		cr[i] = (complaint_rank){(uint32_t)i, 0, PR_DATE_NULL};
	for (size_t j = 0; c && j < c->n; j++) {
		int32_t d = c->cols[0].date[j];
		if (d == PR_DATE_NULL || d > w->at || w->at - d >= COMPLAINT_DAYS)
			continue;
		complaint_rank *e = &cr[c->parcel[j]];
		e->count++;
		e->latest = e->latest == PR_DATE_NULL || d > e->latest ? d : e->latest;
	}
	qsort(cr, n, sizeof *cr, compare_complaints);
	for (size_t j = 0; j < n; j++) {
		order[j] = cr[j].parcel;
		eligible[cr[j].parcel] =
		    cr[j].count > 0 && !pr_model_recently_inspected(model, s, w->at, cr[j].parcel);
	}
	snprintf(ret->complaints.name, sizeof ret->complaints.name, "complaints first");
	judge_top_k(w, order, n, eligible, ret->k, &ret->complaints);
done:
	free(order);
	free(eligible);
	free(cr);
	return r;
}

int pr_backtest_at(pr_context *ctx, const pr_sources *sources, const pr_ingest *in,
		   const pr_model *model, int32_t at, int months, pr_backtest_result *ret)
{
	pr_scores s = {0};
	pr_window w = {0};
	int r = pr_backtest_score(ctx, sources, in, model, at, &s);
	if (r == 0)
		r = pr_window_make(in, at, months, &w);
	if (r == 0)
		r = pr_backtest_judge(in, model, &s, &w, months, ret);
	pr_window_free(&w);
	pr_scores_free(&s);
	return r;
}

int pr_backtest(pr_context *ctx, const pr_sources *sources, const pr_backtest_options *options,
		pr_backtest_result *ret)
{
	pr_ingest in = {0};
	pr_model *model = NULL;
	int32_t at, data_as_of;
	int months = options->months ? options->months : 6;
	int r = 0;
	if (!options->at || !pr_parse_date(options->at, &at))
		return pr_error(ctx, PR_EUSAGE, "--at '%s' is not a date (YYYY-MM-DD)",
				options->at ? options->at : "");
	r = pr_model_load(ctx, options->model_path, &model);
	if (r == 0)
		r = pr_backtest_ingest(ctx, sources, model, &in, &data_as_of);
	if (r == 0 && pr_add_months(at, months) > data_as_of) {
		char end[16], as_of[16];
		pr_format_date(pr_add_months(at, months), end);
		pr_format_date(data_as_of, as_of);
		pr_log(ctx, PR_LOG_WARNING,
		       "the window ends on %s, after the sources' as-of date %s: inspections not "
		       "yet on record count as not made",
		       end, as_of);
	}
	if (r == 0)
		r = pr_backtest_at(ctx, sources, &in, model, at, months, ret);
	pr_model_free(model);
	pr_ingest_free(&in);
	return r;
}
