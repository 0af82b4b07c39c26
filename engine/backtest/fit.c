/* SPDX-License-Identifier: MIT */
/* Fitting the model's weights to the city's own outcomes: backtests at rolling origins before
 * the date (12, 24, 36... months), a coordinate search on each factor's weight (its sign kept,
 * from 0 to 3 times its default, in quarters) for the best mean average precision over them,
 * then the fitted and the default model backtested at the date itself, which the search never
 * saw. The model stays readable: the same features and factors, only the weights move.
 *
 * The search ranks the parcels inspected in each window by the engine's score (the points
 * over the positive weights of the scale, 0 to 100) recomputed from each factor's share of its
 * points, so one step costs a pass over a few hundred parcels. Features that read a first
 * scoring pass (uses_scores) keep their values under the default weights while it searches;
 * the held-out backtest scores the fitted model through the engine itself. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backtest/backtest.h"
#include "output/output.h"

/* Fewer hits over the folds than this is too few outcomes to learn weights from. */
#define FIT_MIN_HITS   30
#define FIT_STEPS      13 /* multipliers 0, 0.25, ... 3 */
#define FIT_MAX_PASSES 6
/* A weight moves only for at least this much more mean average precision: smaller gains are
 * the folds' noise, and fitting them would not hold at a later date. */
#define FIT_MIN_GAIN  0.002
#define FIT_MAX_FOLDS 8

/* One fold: the parcels inspected in its window, with each factor's share of its points. */
typedef struct fold {
	size_t n;      /* inspected parcels */
	double *share; /* n × factors: points / weight under the default weights */
	uint8_t *hit;  /* n */
	uint32_t *tie; /* n: the default model's rank, to order equal scores */
	uint32_t hits;
} fold;

typedef struct scored {
	double score;
	uint32_t tie;
	uint8_t hit;
} scored;

static int compare_scored(const void *a, const void *b)
{
	const scored *x = a, *y = b;
	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return (x->tie > y->tie) - (x->tie < y->tie);
}

/* The average precision of the fold's order under weights w (work: room for f->n). */
static double fold_ap(const fold *f, const pr_model *m, const double *w, scored *work)
{
	double scale = 0;
	for (int k = 0; k < m->n_factors; k++)
		if (w[k] > 0 && !m->factors[k].on_top)
			scale += w[k];
	for (size_t j = 0; j < f->n; j++) {
		double total = 0;
		for (int k = 0; k < m->n_factors; k++)
			total += w[k] * f->share[j * (size_t)m->n_factors + (size_t)k];
		double score = scale > 0 ? 100 * total / scale : 0;
		work[j] = (scored){score < 0 ? 0 : score > 100 ? 100 : score, f->tie[j], f->hit[j]};
	}
	qsort(work, f->n, sizeof *work, compare_scored);
	double sum = 0;
	uint32_t found = 0;
	for (size_t j = 0; j < f->n; j++)
		if (work[j].hit)
			sum += (double)++found / (double)(j + 1);
	return f->hits ? sum / f->hits : 0;
}

static double mean_ap(const fold *folds, int n, const pr_model *m, const double *w, scored *work)
{
	double sum = 0;
	int counted = 0;
	for (int i = 0; i < n; i++)
		if (folds[i].hits) {
			sum += fold_ap(&folds[i], m, w, work);
			counted++;
		}
	return counted ? sum / counted : 0;
}

static int make_fold(const pr_model *m, const pr_scores *s, const pr_window *w, fold *f)
{
	size_t n = s->n, nf = (size_t)m->n_factors;
	f->n = w->inspected_n;
	f->hits = w->hits;
	f->share = calloc((f->n ? f->n : 1) * (nf ? nf : 1), sizeof *f->share);
	f->hit = calloc(f->n ? f->n : 1, 1);
	f->tie = calloc(f->n ? f->n : 1, sizeof *f->tie);
	if (!f->share || !f->hit || !f->tie)
		return PR_ENOMEM;
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		if (!w->inspected[i])
			continue;
		for (size_t k = 0; k < nf; k++) {
			double weight = m->factors[k].weight;
			f->share[j * nf + k] = weight != 0 ? s->points[i * nf + k] / weight : 0;
		}
		f->hit[j] = w->first_hit[i] != PR_DATE_NULL;
		f->tie[j] = s->rank[i];
		j++;
	}
	return 0;
}

static void free_fold(fold *f)
{
	free(f->share);
	free(f->hit);
	free(f->tie);
}

/* The model text with each factor's weight line set to w, and header before it. */
static char *fitted_text(const pr_model *m, const double *w, const char *header)
{
	pr_strbuf out = {0};
	pr_strbuf_printf(&out, "%s", header);
	const char *p = m->text;
	int factor = -1;
	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) + 1 : strlen(p);
		const char *t = p;
		while (t < p + len && (*t == ' ' || *t == '\t'))
			t++;
		char name[65]; /* longer than any factor name (PR_NAME_MAX): sscanf below */
		if (*t == '[') {
			factor = -1;
			if (sscanf(t, "[factor %64[^]]]", name) == 1)
				for (int k = 0; k < m->n_factors; k++)
					if (strcmp(m->factors[k].name, name) == 0)
						factor = k;
		}
		bool weight_line =
		    factor >= 0 && (size_t)(p + len - t) > 6 && strncmp(t, "weight", 6) == 0;
		if (weight_line) {
			const char *eq = t + 6;
			while (eq < p + len && (*eq == ' ' || *eq == '\t'))
				eq++;
			weight_line = *eq == '=';
		}
		if (weight_line) {
			/* Keep a comment the line carries. */
			const char *comment = memchr(t, ';', len - (size_t)(t - p));
			pr_strbuf_printf(&out, "weight = %g", w[factor]);
			if (comment)
				pr_strbuf_printf(&out, "   %.*s", (int)(p + len - comment),
						 comment);
			else
				pr_strbuf_printf(&out, "\n");
		} else {
			pr_strbuf_append(&out, p, len);
		}
		p += len;
	}
	if (out.data && out.len && out.data[out.len - 1] != '\n')
		pr_strbuf_printf(&out, "\n");
	return out.data;
}

static int write_model(pr_context *ctx, const char *path, const char *text)
{
	char *tmp = pr_output_temporary(path, "ini");
	if (!tmp)
		return PR_ENOMEM;
	FILE *f = fopen(tmp, "w");
	int r = 0;
	if (!f)
		r = pr_error(ctx, PR_ECANTCREAT, "cannot create %s", tmp);
	else if (fputs(text, f) < 0 || fclose(f) != 0) {
		f = NULL;
		r = pr_error(ctx, PR_ECANTCREAT, "cannot write %s", tmp);
	} else {
		f = NULL;
		r = pr_output_commit(ctx, tmp, path);
	}
	if (f)
		fclose(f);
	if (r < 0)
		remove(tmp);
	free(tmp);
	return r;
}

static char *header_text(const pr_fit_result *res, const pr_model *m, int months)
{
	pr_strbuf h = {0};
	const pr_backtest_result *d = &res->held_out_default, *f = &res->held_out_fitted;
	pr_strbuf_printf(&h,
			 "; Fitted by parcelrisk fit: the weights of %s tuned to the city's own "
			 "inspection outcomes\n; (signs kept, each from 0 to 3 times its "
			 "default), features and factors unchanged.\n; Folds:",
			 m->name ? m->name : "the model");
	for (int i = 0; i < res->folds; i++)
		pr_strbuf_printf(&h, "%s %s", i ? "," : "", res->fold_at[i]);
	pr_strbuf_printf(
	    &h,
	    ", each judged on the %d months after it: %u hits.\n"
	    "; Mean average precision over the folds: %.3f with the default "
	    "weights, %.3f fitted.\n"
	    "; Held out at %s (never seen by the fit), judged to %s:\n"
	    ";   average precision %.3f -> %.3f;\n"
	    ";   top %u: %u of %u inspected were hits (%.1f%%) -> %u of %u (%.1f%%);\n"
	    ";   the city's own visits found %.1f%%.\n; Weights (default -> fitted):\n",
	    months, res->fold_hits, res->folds_ap_default, res->folds_ap_fitted, d->at,
	    d->window_end, d->model.average_precision, f->model.average_precision, d->k,
	    d->model.top_k_hits, d->model.top_k_inspected, 100 * d->model.top_k_hit_rate,
	    f->model.top_k_hits, f->model.top_k_inspected, 100 * f->model.top_k_hit_rate,
	    100 * d->city_hit_rate);
	for (int k = 0; k < res->n_factors; k++)
		pr_strbuf_printf(&h, ";   %s %g -> %g\n", res->factor[k], res->default_weight[k],
				 res->fitted_weight[k]);
	pr_strbuf_printf(&h, "\n");
	return h.data;
}

/* The coordinate search: each factor in turn takes the multiplier of its default that gives
 * the best mean average precision, until a pass changes nothing. */
static void search(const fold *folds, int n_folds, const pr_model *m, double *w, scored *work)
{
	double best = mean_ap(folds, n_folds, m, w, work);
	for (int pass = 0; pass < FIT_MAX_PASSES; pass++) {
		bool moved = false;
		for (int k = 0; k < m->n_factors; k++) {
			double base = m->factors[k].weight, keep = w[k];
			if (base == 0)
				continue;
			for (int step = 0; step < FIT_STEPS; step++) {
				w[k] = step ? base * step * 0.25 : 0; /* never -0 */
				double ap = mean_ap(folds, n_folds, m, w, work);
				/* Strictly better only: among equals the weight stays. */
				if (ap > best + FIT_MIN_GAIN) {
					best = ap;
					keep = w[k];
					moved = true;
				}
			}
			w[k] = keep;
		}
		if (!moved)
			break;
	}
}

int pr_fit(pr_context *ctx, const pr_sources *sources, const pr_fit_options *options,
	   pr_fit_result *res)
{
	pr_ingest in = {0};
	pr_model *model = NULL, *fitted = NULL;
	fold folds[FIT_MAX_FOLDS] = {0};
	double *w = NULL;
	scored *work = NULL;
	char *text = NULL, *header = NULL;
	int32_t at, data_as_of;
	int months = options->months ? options->months : 6;
	int n_folds = options->folds ? options->folds : 3;
	int r = 0;
	memset(res, 0, sizeof *res);
	if (!options->at || !pr_parse_date(options->at, &at))
		return pr_error(ctx, PR_EUSAGE, "--at '%s' is not a date (YYYY-MM-DD)",
				options->at ? options->at : "");
	if (n_folds < 1 || n_folds > FIT_MAX_FOLDS)
		return pr_error(ctx, PR_EUSAGE, "--folds %d: from 1 to %d", n_folds, FIT_MAX_FOLDS);
	r = pr_model_load(ctx, options->model_path, &model);
	if (r == 0 && model->n_factors > PR_FIT_MAX_FACTORS)
		r = pr_error(ctx, PR_ECONFIG, "%s: more than %d factors to fit", model->path,
			     PR_FIT_MAX_FACTORS);
	if (r == 0)
		r = pr_backtest_ingest(ctx, sources, model, &in, &data_as_of);
	if (r < 0)
		goto done;
	res->folds = n_folds;
	res->n_factors = model->n_factors;
	for (int k = 0; k < model->n_factors; k++) {
		snprintf(res->factor[k], sizeof res->factor[k], "%s", model->factors[k].name);
		res->default_weight[k] = res->fitted_weight[k] = model->factors[k].weight;
	}
	size_t most = 1;
	for (int i = 0; i < n_folds && r == 0; i++) {
		int32_t origin = pr_add_months(at, -12 * (i + 1));
		pr_scores s = {0};
		pr_window win = {0};
		pr_format_date(origin, res->fold_at[i]);
		pr_log(ctx, PR_LOG_INFO, "fit: fold %d of %d at %s", i + 1, n_folds,
		       res->fold_at[i]);
		r = pr_backtest_score(ctx, sources, &in, model, origin, &s);
		if (r == 0)
			r = pr_window_make(&in, origin, months, &win);
		if (r == 0)
			r = make_fold(model, &s, &win, &folds[i]);
		res->fold_hits += win.hits;
		most = folds[i].n > most ? folds[i].n : most;
		pr_window_free(&win);
		pr_scores_free(&s);
	}
	if (r < 0)
		goto done;
	if (res->fold_hits < FIT_MIN_HITS) {
		r = pr_error(
		    ctx, PR_EDATA,
		    "fit: the %d folds' windows hold %u hits (inspections finding major "
		    "defects or a closure), fewer than the %d needed to learn weights from; "
		    "keep the default weights, or fit at a later date or with more folds",
		    n_folds, res->fold_hits, FIT_MIN_HITS);
		goto done;
	}
	w = malloc((size_t)model->n_factors * sizeof *w);
	work = malloc(most * sizeof *work);
	if (!w || !work) {
		r = PR_ENOMEM;
		goto done;
	}
	for (int k = 0; k < model->n_factors; k++)
		w[k] = model->factors[k].weight;
	res->folds_ap_default = mean_ap(folds, n_folds, model, w, work);
	search(folds, n_folds, model, w, work);
	res->folds_ap_fitted = mean_ap(folds, n_folds, model, w, work);
	for (int k = 0; k < model->n_factors; k++)
		res->fitted_weight[k] = w[k];

	text = fitted_text(model, w, "");
	if (!text) {
		r = PR_ENOMEM;
		goto done;
	}
	r = pr_model_parse(ctx, options->out_path, text, &fitted);
	if (r == 0)
		r = pr_backtest_at(ctx, sources, &in, model, at, months, &res->held_out_default);
	if (r == 0)
		r = pr_backtest_at(ctx, sources, &in, fitted, at, months, &res->held_out_fitted);
	if (r < 0)
		goto done;
	if (res->held_out_fitted.model.average_precision <
	    res->held_out_default.model.average_precision - 1e-9) {
		r = pr_error(ctx, PR_EDATA,
			     "fit: the fitted weights do worse than the default at %s, which the "
			     "fit did not see (average precision %.3f against %.3f): keep the "
			     "default model; nothing written",
			     res->held_out_default.at, res->held_out_fitted.model.average_precision,
			     res->held_out_default.model.average_precision);
		goto done;
	}
	header = header_text(res, model, months);
	free(text);
	text = header ? fitted_text(model, w, header) : NULL;
	r = text ? write_model(ctx, options->out_path, text) : PR_ENOMEM;
done:
	for (int i = 0; i < FIT_MAX_FOLDS; i++)
		free_fold(&folds[i]);
	free(w);
	free(work);
	free(text);
	free(header);
	pr_model_free(fitted);
	pr_model_free(model);
	pr_ingest_free(&in);
	return r;
}
