/* SPDX-License-Identifier: MIT */
/* The parcelrisk command: parses arguments, shows progress and messages on the terminal, and
 * maps the library's statuses to sysexits exit codes. It is the only code that prints or exits. */
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "parcelrisk/parcelrisk.h"

static const char usage_text[] =
    "usage: parcelrisk COMMAND [OPTIONS]\n"
    "\n"
    "Ranks cadastral parcels by the risk of slum landlording, from the population register,\n"
    "complaints and inspections, and writes styled GeoPackage layers and a visit list.\n"
    "\n"
    "commands:\n"
    "  run SOURCES.ini [-o OUT.gpkg | -o PG:CONNECTION --schema NAME] [--model MODEL.ini]\n"
    "                  [--as-of YYYY-MM-DD] [--previous PREV.gpkg] [--visits-csv FILE]\n"
    "                  [--threads N] [--quiet] [--audience inspectors|planners|public]\n"
    "                        the monthly job (default output: parcelrisk.gpkg); planners get\n"
    "                        owners pseudonymised and no addresses or visit list, the public\n"
    "                        the hotspots only; -o PG:... writes the same layers into a new\n"
    "                        schema of a PostGIS database and swaps it in for NAME in one\n"
    "                        transaction\n"
    "  check SOURCES.ini [--model MODEL.ini]\n"
    "                        validate the configuration, the model and the inputs, as run\n"
    "                        would; writes nothing\n"
    "  synth DIR [--parcels N] [--seed S] [--registers simple|brussels]\n"
    "            [--complaints signal|noise] [--force]\n"
    "                        write a synthetic city with planted cases, five years of\n"
    "                        inspections and its sources.ini into a new or empty folder\n"
    "                        (--force: one that holds files); --registers brussels writes\n"
    "                        the same city as Brussels exports it: an address register, the\n"
    "                        population located by address, CP1252 with ';', French and\n"
    "                        Dutch words; --complaints noise spreads the complaints over\n"
    "                        parcels at random, whatever their state\n"
    "  explain OUT.gpkg PARCEL_ID\n"
    "                        the score of one parcel, factor by factor\n"
    "  backtest SOURCES.ini --at YYYY-MM-DD [--months N] [--model MODEL.ini] [--csv FILE]\n"
    "                        score the city with only what was known on that date, and judge\n"
    "                        the ranking against the inspections of the months after it\n"
    "                        (default 6), beside the complaints-first ranking\n"
    "  fit SOURCES.ini --at YYYY-MM-DD -o FITTED.ini [--folds N] [--months N]\n"
    "      [--model MODEL.ini]\n"
    "                        tune the model's weights to the backtests of N (default 3)\n"
    "                        dates a year apart before that date, and write the fitted model\n"
    "                        if it does better than the default at the date itself\n"
    "  evaluate OUT.gpkg TRUTH.csv [--k N]\n"
    "                        precision at k and average precision of the ranking against a\n"
    "                        truth file (parcel, is_slum, kind), beside two baselines\n"
    "  keygen FILE           make a key for the owners' pseudonyms (the sources file's\n"
    "                        [run] pseudonym_key_file): 32 random bytes in a new file of\n"
    "                        mode 0600; never replaces a file (a new key changes every\n"
    "                        pseudonym)\n"
    "  --version             versions of parcelrisk and its libraries\n"
    "  --help                this text\n"
    "\n"
    "exit codes: 0 ok, 64 usage, 65 bad input data, 66 input missing, 73 cannot create output,\n"
    "75 output in use by another run, 78 configuration error\n";

static int exit_code(int status)
{
	switch (status) {
	case PR_OK:
		return EX_OK;
	case PR_EUSAGE:
		return EX_USAGE;
	case PR_EDATA:
	case PR_ENOTFOUND:
		return EX_DATAERR;
	case PR_ENOINPUT:
		return EX_NOINPUT;
	case PR_ECANTCREAT:
		return EX_CANTCREAT;
	case PR_ECONFIG:
		return EX_CONFIG;
	case PR_EBUSY:
		return EX_TEMPFAIL;
	case PR_ENOMEM:
		return EX_OSERR;
	default:
		return EX_SOFTWARE;
	}
}

typedef struct terminal {
	bool quiet;
	bool tty;
	struct {
		char stage[24];
		int percent; /* last shown */
	} stages[16];
	int n_stages;
	char line_stage[24]; /* the stage whose dots the terminal line is showing, or "" */
} terminal;

/* Ends a terminal progress line left open, before other output. */
static void close_line(terminal *t)
{
	if (t->line_stage[0]) {
		fputc('\n', stderr);
		t->line_stage[0] = '\0';
	}
}

/* Progress. On a terminal, GDAL's way: "parcels (250000) 0...10...20 ... 100 - done." per
 * stage; stages read side by side take turns, each resuming on a new line. In a log (batch
 * runs), a plain line every quarter. Nothing with --quiet. */
static void on_progress(void *user, const char *stage, uint64_t done, uint64_t total)
{
	terminal *t = user;
	if (t->quiet || total == 0)
		return;
	int i = 0;
	while (i < t->n_stages && strcmp(t->stages[i].stage, stage) != 0)
		i++;
	if (i == t->n_stages) {
		if (i == (int)(sizeof t->stages / sizeof *t->stages))
			return;
		snprintf(t->stages[i].stage, sizeof t->stages[i].stage, "%s", stage);
		t->stages[i].percent = -100;
		t->n_stages++;
	}
	int percent = (int)(done * 100 / total);
	int step = t->tty ? 10 : 25;
	int last = t->stages[i].percent;
	if (percent < last + step && !(percent == 100 && last < 100))
		return;
	int shown = percent == 100 ? 100 : percent - percent % step;
	t->stages[i].percent = shown;
	if (!t->tty) {
		fprintf(stderr, "progress: %-12s %3d%%  %" PRIu64 "/%" PRIu64 "\n", stage, percent,
			done, total);
		return;
	}
	if (strcmp(t->line_stage, stage) != 0) {
		close_line(t);
		fprintf(stderr, "%-16s (%" PRIu64 ") ", stage, total);
		snprintf(t->line_stage, sizeof t->line_stage, "%s", stage);
		last = last < 0 ? -step : last;
		fprintf(stderr, last < 0 ? "" : "%d", last < 0 ? 0 : last);
	}
	for (int p = (last < 0 ? 0 : last + step); p <= shown; p += step)
		fprintf(stderr, p == 0 && last < 0 ? "%d" : "...%d", p);
	if (shown == 100) {
		fputs(" - done.\n", stderr);
		t->line_stage[0] = '\0';
	}
	fflush(stderr);
}

static void on_log(void *user, int level, const char *message)
{
	terminal *t = user;
	if (t->quiet)
		return;
	close_line(t);
	fprintf(stderr, "%s%s\n", level >= PR_LOG_WARNING ? "warning: " : "", message);
}

static int fail(pr_context *ctx, terminal *t, int status)
{
	close_line(t);
	const char *msg = pr_context_errmsg(ctx);
	fprintf(stderr, "parcelrisk: %s\n", *msg ? msg : pr_status_message(status));
	return exit_code(status);
}

/* Prints text and a newline, without the credentials it may hold (a path echoed back from the
 * command line can be a connection string). */
static void put_line(FILE *f, const char *text)
{
	char *clean = pr_redact_credentials(text);
	fprintf(f, "%s\n", clean ? clean : "(out of memory)");
	free(clean);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&text, fmt, ap);
	va_end(ap);
	fprintf(stderr, "parcelrisk: ");
	put_line(stderr, n < 0 ? "invalid usage" : text);
	fprintf(stderr, "Try 'parcelrisk --help'.\n");
	free(text);
	return EX_USAGE;
}

/* The option getopt stopped at (it prints nothing itself: opterr is 0). */
static int unknown_option(const char *cmd, char **argv)
{
	return usage_error("%s: unknown option or missing value '%s'", cmd, argv[optind - 1]);
}

static bool parse_count(const char *s, unsigned long long max, unsigned long long *ret)
{
	char *end = NULL;
	if (!s || !*s || *s == '-')
		return false;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end || v > max)
		return false;
	*ret = v;
	return true;
}

static int cmd_run(pr_context *ctx, terminal *t, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"model", required_argument, NULL, 'm'},
	    {"as-of", required_argument, NULL, 'a'},
	    {"previous", required_argument, NULL, 'p'},
	    {"threads", required_argument, NULL, 't'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"visits-csv", required_argument, NULL, 'v'},
	    {"audience", required_argument, NULL, 'A'},
	    {"schema", required_argument, NULL, 's'},
	    {NULL, 0, NULL, 0},
	};
	pr_run_options o = {0};
	const char *out = "parcelrisk.gpkg";
	bool audience_known;
	int c;
	unsigned long long threads;
	while ((c = getopt_long(argc, argv, "o:q", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'm':
			o.model_path = optarg;
			break;
		case 'a':
			o.as_of = optarg;
			break;
		case 'p':
			o.previous_path = optarg;
			break;
		case 't':
			if (!parse_count(optarg, 64, &threads))
				return usage_error("--threads '%s' is not a number from 0 to 64",
						   optarg);
			pr_context_set_threads(ctx, (int)threads);
			break;
		case 'q':
			t->quiet = true;
			break;
		case 'v':
			o.visits_csv_path = optarg;
			break;
		case 's':
			o.schema = optarg;
			break;
		case 'A':
			audience_known = false;
			for (int a = 0; a < PR_AUDIENCE_COUNT && !audience_known; a++)
				if (strcmp(optarg, pr_audience_names[a]) == 0) {
					o.audience = (enum pr_audience)a;
					audience_known = true;
				}
			if (!audience_known)
				return usage_error("--audience '%s' is not inspectors, planners or "
						   "public",
						   optarg);
			break;
		default:
			return unknown_option("run", argv);
		}
	}
	if (optind + 1 != argc)
		return usage_error("%s", "run takes one SOURCES.ini");
	pr_sources *sources = NULL;
	int r = pr_sources_load(ctx, argv[optind], &sources);
	if (r == 0)
		r = pr_run(ctx, sources, &o, out);
	pr_sources_free(sources);
	if (r < 0)
		return fail(ctx, t, r);
	if (!t->quiet)
		put_line(stdout, out);
	return 0;
}

static int cmd_check(pr_context *ctx, terminal *t, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"model", required_argument, NULL, 'm'},
	    {NULL, 0, NULL, 0},
	};
	pr_run_options o = {0};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'm')
			return unknown_option("check", argv);
		o.model_path = optarg;
	}
	if (optind + 1 != argc)
		return usage_error("%s", "check takes one SOURCES.ini");
	pr_sources *sources = NULL;
	pr_source_report reports[8];
	int n = 0;
	int r = pr_sources_load(ctx, argv[optind], &sources);
	if (r == 0)
		r = pr_check(ctx, sources, &o, reports, 8, &n);
	pr_sources_free(sources);
	if (r < 0)
		return fail(ctx, t, r);
	char *line = NULL;
	if (asprintf(&line, "%s: configuration and inputs are usable", argv[optind]) < 0)
		return fail(ctx, t, PR_ENOMEM);
	put_line(stdout, line);
	free(line);
	for (int i = 0; i < n; i++) {
		const pr_source_report *rep = &reports[i];
		printf("\n[%s]\n  crs:       %s\n  rows:      %" PRIu64 "\n  joined:    %" PRIu64,
		       rep->name, rep->crs, rep->rows_read, rep->joined);
		if (rep->snapped)
			printf(" (%" PRIu64 " snapped to a nearby parcel)", rep->snapped);
		printf("\n  rejected:  %" PRIu64 "\n", rep->rejected);
		for (int j = 0; j < rep->n_reasons; j++)
			printf("    %-22s %" PRIu64 "\n", rep->reasons[j].reason,
			       rep->reasons[j].count);
		if (rep->by_address) {
			static const char *const levels[5] = {
			    NULL, "street, number, box, postcode", "without the box",
			    "without the suffix letter", "in another postcode"};
			printf("  located by address:\n");
			for (int l = 1; l <= 4; l++)
				printf("    %-30s %" PRIu64 "\n", levels[l],
				       rep->address_levels[l]);
			if (rep->n_unknown_streets)
				printf("  most frequent unknown streets (a missing abbreviation? a "
				       "renamed street?):\n");
			for (int j = 0; j < rep->n_unknown_streets; j++)
				printf("    %-40s %" PRIu64 "\n", rep->unknown_streets[j].street,
				       rep->unknown_streets[j].count);
		}
		if (rep->repaired)
			printf("  repaired:  %" PRIu64 " invalid geometries\n", rep->repaired);
		if (rep->extent[0] != 0 || rep->extent[2] != 0)
			printf("  extent:    %.1f %.1f %.1f %.1f\n", rep->extent[0], rep->extent[1],
			       rep->extent[2], rep->extent[3]);
	}
	return 0;
}

static int cmd_synth(pr_context *ctx, terminal *t, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"parcels", required_argument, NULL, 'n'},
	    {"seed", required_argument, NULL, 's'},
	    {"force", no_argument, NULL, 'f'},
	    {"registers", required_argument, NULL, 'r'},
	    {"complaints", required_argument, NULL, 'c'},
	    {NULL, 0, NULL, 0},
	};
	unsigned long long parcels = 2000, seed = 1;
	bool force = false;
	enum pr_synth_registers registers = PR_SYNTH_REGISTERS_SIMPLE;
	enum pr_synth_complaints complaints = PR_SYNTH_COMPLAINTS_SIGNAL;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (!parse_count(optarg, PR_SYNTH_MAX_PARCELS, &parcels) ||
			    parcels < PR_SYNTH_MIN_PARCELS)
				return usage_error("--parcels '%s' is not a number from %u to %u",
						   optarg, PR_SYNTH_MIN_PARCELS,
						   PR_SYNTH_MAX_PARCELS);
			break;
		case 's':
			if (!parse_count(optarg, UINT64_MAX, &seed))
				return usage_error("--seed '%s' is not a whole number", optarg);
			break;
		case 'f':
			force = true;
			break;
		case 'r':
			if (strcmp(optarg, "simple") == 0)
				registers = PR_SYNTH_REGISTERS_SIMPLE;
			else if (strcmp(optarg, "brussels") == 0)
				registers = PR_SYNTH_REGISTERS_BRUSSELS;
			else
				return usage_error("--registers '%s' is not simple or brussels",
						   optarg);
			break;
		case 'c':
			if (strcmp(optarg, "signal") == 0)
				complaints = PR_SYNTH_COMPLAINTS_SIGNAL;
			else if (strcmp(optarg, "noise") == 0)
				complaints = PR_SYNTH_COMPLAINTS_NOISE;
			else
				return usage_error("--complaints '%s' is not signal or noise",
						   optarg);
			break;
		default:
			return unknown_option("synth", argv);
		}
	}
	if (optind + 1 != argc)
		return usage_error("%s", "synth takes one DIR");
	pr_synth_options so = {.parcels = (uint32_t)parcels,
			       .seed = (uint64_t)seed,
			       .force = force,
			       .registers = registers,
			       .complaints = complaints};
	int r = pr_synth(ctx, argv[optind], &so);
	if (r < 0)
		return fail(ctx, t, r);
	char *path = NULL;
	if (asprintf(&path, "%s/sources.ini", argv[optind]) < 0)
		return fail(ctx, t, PR_ENOMEM);
	put_line(stdout, path);
	free(path);
	return 0;
}

static int cmd_explain(pr_context *ctx, terminal *t, int argc, char **argv)
{
	if (argc != 3)
		return usage_error("%s", "explain takes OUT.gpkg and a PARCEL_ID");
	char *text = NULL;
	int r = pr_explain(ctx, argv[1], argv[2], &text);
	if (r < 0)
		return fail(ctx, t, r);
	fputs(text, stdout);
	free(text);
	return 0;
}

static int cmd_evaluate(pr_context *ctx, terminal *t, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"k", required_argument, NULL, 'k'},
	    {NULL, 0, NULL, 0},
	};
	unsigned long long k = 0;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'k')
			return unknown_option("evaluate", argv);
		if (!parse_count(optarg, 1000000, &k) || k == 0)
			return usage_error("evaluate: --k takes a number from 1 to 1000000");
	}
	if (optind + 2 != argc)
		return usage_error("evaluate takes OUT.gpkg and TRUTH.csv");
	pr_evaluation ev[3];
	int r = pr_evaluate(ctx, argv[optind], argv[optind + 1], (uint32_t)k, ev);
	if (r < 0)
		return fail(ctx, t, r);
	printf("%-30s %8s %12s %10s %12s\n", "ranking", "k", "precision@k", "avg prec",
	       "look-alikes in top 20");
	for (int i = 0; i < 3; i++)
		printf("%-30s %8u %12.3f %10.3f %12u\n", ev[i].name, ev[i].k, ev[i].precision_at_k,
		       ev[i].average_precision, ev[i].lookalikes_top20);
	double best_baseline = ev[1].average_precision > ev[2].average_precision
				   ? ev[1].average_precision
				   : ev[2].average_precision;
	printf("\n%u residential parcels ranked, %u slum parcels among them; average precision "
	       "%.2fx the better baseline\n",
	       ev[0].ranked, ev[0].positives,
	       best_baseline > 0 ? ev[0].average_precision / best_baseline : 0.0);
	if (ev[0].truth_not_in_output)
		printf("%u parcels of the truth file are not in the output (%u of them slums, "
		       "counted as missed)\n",
		       ev[0].truth_not_in_output, ev[0].slums_not_in_output);
	return 0;
}

static void print_backtest(FILE *f, const pr_backtest_result *b)
{
	const pr_backtest_ranking *r[2] = {&b->model, &b->complaints};
	fprintf(f,
		"backtest at %s: ranked with what was known then, judged on the %d months to %s\n",
		b->at, b->months, b->window_end);
	fprintf(f,
		"  inspected in the window: %u parcels of %u; %u hits (major or closure): the "
		"city's own visits found %.1f%%\n",
		b->inspected, b->parcels, b->hits, 100 * b->city_hit_rate);
	fprintf(f, "  %-44s %12s %18s\n", "", r[0]->name, r[1]->name);
	fprintf(f, "  %-44s %12u %18u\n", "top k (the visit list times the months)", b->k, b->k);
	fprintf(f, "  %-44s %12u %18u\n", "  of them inspected in the window",
		r[0]->top_k_inspected, r[1]->top_k_inspected);
	fprintf(f, "  %-44s %12u %18u\n", "  hits among those", r[0]->top_k_hits, r[1]->top_k_hits);
	fprintf(f, "  %-44s %11.1f%% %17.1f%%\n", "  hit rate of the inspected",
		100 * r[0]->top_k_hit_rate, 100 * r[1]->top_k_hit_rate);
	fprintf(f, "  %-44s %12u %18u\n", "  hits the city found only after 90 days",
		r[0]->hits_found_late, r[1]->hits_found_late);
	fprintf(f, "  %-44s %12.0f %18.0f\n", "    on average, days after the date",
		r[0]->mean_days_late, r[1]->mean_days_late);
	fprintf(f, "  %-44s %12.3f %18.3f\n", "average precision over the inspected parcels",
		r[0]->average_precision, r[1]->average_precision);
	fprintf(
	    f,
	    "Only inspected parcels can be judged: of the model's top %u, %u were not inspected in "
	    "the window; they are unknown, not misses. Past visits were chosen mostly from "
	    "complaints, which favours the complaints-first ranking.\n",
	    b->k, b->k - r[0]->top_k_inspected);
}

static int write_backtest_csv(pr_context *ctx, const char *path, const pr_backtest_result *b)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "parcelrisk: cannot create %s\n", path);
		return EX_CANTCREAT;
	}
	const pr_backtest_ranking *m = &b->model, *c = &b->complaints;
	fprintf(f, "measure,model,complaints_first\n");
	fprintf(f, "at,%s,%s\nwindow_end,%s,%s\n", b->at, b->at, b->window_end, b->window_end);
	fprintf(f, "parcels,%u,%u\ninspected,%u,%u\nhits,%u,%u\n", b->parcels, b->parcels,
		b->inspected, b->inspected, b->hits, b->hits);
	fprintf(f, "city_hit_rate,%.4f,%.4f\nk,%u,%u\n", b->city_hit_rate, b->city_hit_rate, b->k,
		b->k);
	fprintf(f, "top_k_inspected,%u,%u\ntop_k_hits,%u,%u\ntop_k_hit_rate,%.4f,%.4f\n",
		m->top_k_inspected, c->top_k_inspected, m->top_k_hits, c->top_k_hits,
		m->top_k_hit_rate, c->top_k_hit_rate);
	fprintf(f, "average_precision,%.4f,%.4f\nhits_found_late,%u,%u\nmean_days_late,%.1f,%.1f\n",
		m->average_precision, c->average_precision, m->hits_found_late, c->hits_found_late,
		m->mean_days_late, c->mean_days_late);
	if (fclose(f) != 0) {
		fprintf(stderr, "parcelrisk: cannot write %s\n", path);
		return EX_CANTCREAT;
	}
	(void)ctx;
	return 0;
}

static int cmd_backtest(pr_context *ctx, terminal *t, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"at", required_argument, NULL, 'a'},    {"months", required_argument, NULL, 'n'},
	    {"model", required_argument, NULL, 'm'}, {"csv", required_argument, NULL, 'c'},
	    {"quiet", no_argument, NULL, 'q'},	     {NULL, 0, NULL, 0},
	};
	pr_backtest_options o = {0};
	const char *csv = NULL;
	unsigned long long months;
	int c;
	while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			o.at = optarg;
			break;
		case 'n':
			if (!parse_count(optarg, 120, &months) || months == 0)
				return usage_error("--months '%s' is not a number from 1 to 120",
						   optarg);
			o.months = (int)months;
			break;
		case 'm':
			o.model_path = optarg;
			break;
		case 'c':
			csv = optarg;
			break;
		case 'q':
			t->quiet = true;
			break;
		default:
			return unknown_option("backtest", argv);
		}
	}
	if (optind + 1 != argc)
		return usage_error("%s", "backtest takes one SOURCES.ini");
	if (!o.at)
		return usage_error("%s",
				   "backtest needs --at YYYY-MM-DD, the date to score the city at");
	pr_sources *sources = NULL;
	pr_backtest_result b;
	int r = pr_sources_load(ctx, argv[optind], &sources);
	if (r == 0)
		r = pr_backtest(ctx, sources, &o, &b);
	pr_sources_free(sources);
	if (r < 0)
		return fail(ctx, t, r);
	print_backtest(stdout, &b);
	return csv ? write_backtest_csv(ctx, csv, &b) : 0;
}

static int cmd_fit(pr_context *ctx, terminal *t, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"at", required_argument, NULL, 'a'},
	    {"folds", required_argument, NULL, 'f'},
	    {"months", required_argument, NULL, 'n'},
	    {"model", required_argument, NULL, 'm'},
	    {"output", required_argument, NULL, 'o'},
	    {"quiet", no_argument, NULL, 'q'},
	    {NULL, 0, NULL, 0},
	};
	pr_fit_options o = {0};
	unsigned long long v;
	int c;
	while ((c = getopt_long(argc, argv, "o:q", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			o.at = optarg;
			break;
		case 'f':
			if (!parse_count(optarg, 8, &v) || v == 0)
				return usage_error("--folds '%s' is not a number from 1 to 8",
						   optarg);
			o.folds = (int)v;
			break;
		case 'n':
			if (!parse_count(optarg, 12, &v) || v == 0)
				return usage_error("--months '%s' is not a number from 1 to 12",
						   optarg);
			o.months = (int)v;
			break;
		case 'm':
			o.model_path = optarg;
			break;
		case 'o':
			o.out_path = optarg;
			break;
		case 'q':
			t->quiet = true;
			break;
		default:
			return unknown_option("fit", argv);
		}
	}
	if (optind + 1 != argc)
		return usage_error("%s", "fit takes one SOURCES.ini");
	if (!o.at || !o.out_path)
		return usage_error("%s", "fit needs --at YYYY-MM-DD and -o FITTED.ini");
	pr_sources *sources = NULL;
	pr_fit_result *res = calloc(1, sizeof *res);
	if (!res)
		return EX_OSERR;
	int r = pr_sources_load(ctx, argv[optind], &sources);
	if (r == 0)
		r = pr_fit(ctx, sources, &o, res);
	pr_sources_free(sources);
	if (res->n_factors && res->folds_ap_fitted > 0) {
		printf("fit at %s: %d folds (", o.at, res->folds);
		for (int i = 0; i < res->folds; i++)
			printf("%s%s", i ? ", " : "", res->fold_at[i]);
		printf("), %u hits in their windows\n", res->fold_hits);
		printf("  %-28s %10s %10s\n", "factor", "default", "fitted");
		for (int k = 0; k < res->n_factors; k++)
			printf("  %-28s %10g %10g\n", res->factor[k], res->default_weight[k],
			       res->fitted_weight[k]);
		printf("  mean average precision over the folds: %.3f -> %.3f\n",
		       res->folds_ap_default, res->folds_ap_fitted);
	}
	if (res->held_out_fitted.parcels) {
		printf("\nheld out (never seen by the fit), default weights:\n");
		print_backtest(stdout, &res->held_out_default);
		printf("\nheld out, fitted weights:\n");
		print_backtest(stdout, &res->held_out_fitted);
	}
	free(res);
	if (r < 0)
		return fail(ctx, t, r);
	printf("\nwrote %s\n", o.out_path);
	return 0;
}

static int cmd_keygen(pr_context *ctx, terminal *t, int argc, char **argv)
{
	if (argc != 2 || (argv[1][0] == '-' && argv[1][1]))
		return usage_error("%s", "keygen takes one FILE");
	int r = pr_keygen(ctx, argv[1]);
	if (r < 0)
		return fail(ctx, t, r);
	put_line(stdout, argv[1]);
	fprintf(stderr, "Keep this key private and backed up: lose it and next month's "
			"pseudonyms change; leak it and names can be tested against them.\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("%s", "no command given");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		char buf[512];
		pr_versions(buf, sizeof buf);
		fputs(buf, stdout);
		return 0;
	}
	/* "parcelrisk run --help" is a request for help, not an unknown option. */
	for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage_text, stdout);
			return 0;
		}
	/* Option errors are reported once, by the command, naming the option. */
	opterr = 0;
	pr_context *ctx = NULL;
	if (pr_context_new(&ctx) < 0) {
		fprintf(stderr, "parcelrisk: cannot initialise (out of memory)\n");
		return EX_OSERR;
	}
	terminal t = {.tty = isatty(STDERR_FILENO)};
	pr_context_set_progress(ctx, on_progress, &t);
	pr_context_set_log(ctx, on_log, &t);
	int code;
	const char *cmd = argv[1];
	argv[1] = argv[0];
	if (strcmp(cmd, "run") == 0)
		code = cmd_run(ctx, &t, argc - 1, argv + 1);
	else if (strcmp(cmd, "check") == 0)
		code = cmd_check(ctx, &t, argc - 1, argv + 1);
	else if (strcmp(cmd, "synth") == 0)
		code = cmd_synth(ctx, &t, argc - 1, argv + 1);
	else if (strcmp(cmd, "explain") == 0)
		code = cmd_explain(ctx, &t, argc - 1, argv + 1);
	else if (strcmp(cmd, "evaluate") == 0)
		code = cmd_evaluate(ctx, &t, argc - 1, argv + 1);
	else if (strcmp(cmd, "backtest") == 0)
		code = cmd_backtest(ctx, &t, argc - 1, argv + 1);
	else if (strcmp(cmd, "fit") == 0)
		code = cmd_fit(ctx, &t, argc - 1, argv + 1);
	else if (strcmp(cmd, "keygen") == 0)
		code = cmd_keygen(ctx, &t, argc - 1, argv + 1);
	else
		code = usage_error("unknown command '%s'", cmd);
	pr_context_free(ctx);
	return code;
}
