/* SPDX-License-Identifier: MIT */
/* The public API of parcelrisk: everything a program needs to run the monthly job, generate a
 * synthetic city or inspect an output. If it is not in this file it is not an API. Functions that
 * can fail return 0 or a negative PR_E* status; the detail (file, row, value) is kept on the
 * context and read with pr_context_errmsg(). Library code never prints or exits. */
#ifndef PARCELRISK_H
#define PARCELRISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes: X(name, value, message) for each, the one list that makes both the enum and
 * the table behind pr_status_name and pr_status_message. */
#define PR_STATUS_LIST(X)                                                                          \
	X(PR_OK, 0, "success")                                                                     \
	X(PR_ENOMEM, -1, "out of memory")                                                          \
	/* the caller passed something invalid */                                                  \
	X(PR_EUSAGE, -2, "invalid usage")                                                          \
	/* an input's content is unusable as a whole */                                            \
	X(PR_EDATA, -3, "bad input data")                                                          \
	/* an input file or layer does not exist or cannot be opened */                            \
	X(PR_ENOINPUT, -4, "input missing")                                                        \
	/* an output cannot be created */                                                          \
	X(PR_ECANTCREAT, -5, "cannot create output")                                               \
	/* the sources or model file is wrong */                                                   \
	X(PR_ECONFIG, -6, "configuration error")                                                   \
	/* a dependency failed in an unexpected way */                                             \
	X(PR_EINTERNAL, -7, "internal error in a library")                                         \
	/* another run is writing the same output */                                               \
	X(PR_EBUSY, -8, "output in use by another run")                                            \
	/* a requested record (a parcel id) does not exist */                                      \
	X(PR_ENOTFOUND, -9, "not found")

enum pr_status {
#define PR_STATUS_ENUM(name, value, message) name = value,
	PR_STATUS_LIST(PR_STATUS_ENUM)
#undef PR_STATUS_ENUM
};

/* Static strings; never NULL, also for unknown statuses. */
const char *pr_status_name(int status);
const char *pr_status_message(int status);

/* The version of parcelrisk and of each library it is linked against, as one line per library
 * ("parcelrisk 0.1.0\nGDAL 3.6.2\n..."). Writes at most size bytes including the NUL. */
void pr_versions(char *buf, size_t size);

/* A copy of text without the credentials it may hold, for a message, a log or a file: the
 * "password=..." pairs of a connection string (as in GDAL's "PG:dbname=x password=y"; any case
 * of the key, "sslpassword" too, a value in quotes with its escaped quotes, anywhere in the text)
 * are removed, and the password of a URL's "user:password@" ("postgresql://u:p@host/db" becomes
 * "postgresql://u@host/db"). Text without credentials comes back unchanged. The engine applies
 * it to every message and every run_info value it makes; an embedder printing its own paths can
 * too. The caller frees the result with free(); NULL when text is NULL or memory runs out. */
char *pr_redact_credentials(const char *text);

/* ---- context ----------------------------------------------------------------------------- */

typedef struct pr_context pr_context;

/* Progress of a long stage: done out of total units (total 0 when unknown). */
typedef void (*pr_progress_fn)(void *user, const char *stage, uint64_t done, uint64_t total);

enum pr_log_level { PR_LOG_INFO = 0, PR_LOG_WARNING = 1 };
/* A message for the user: stage summaries (info) and data-quality warnings. */
typedef void (*pr_log_fn)(void *user, int level, const char *message);

/* Creates the context of one job: the GEOS handle of the calling thread (worker threads get
 * their own), the detail of the last failure, the progress and log callbacks and the thread
 * count. It also registers GDAL's drivers and keeps GDAL from printing, for the whole
 * process. PROJ is reached through GDAL, and each stage opens and closes its own SQLite
 * connections: the context holds neither. The caller frees it with pr_context_free(). */
int pr_context_new(pr_context **ret_ctx);
/* Accepts NULL. */
void pr_context_free(pr_context *ctx);
/* The detail of the last failure: a message naming file, line or row, and value. Owned by the
 * context, valid until the next call on it; "" when there is none. */
const char *pr_context_errmsg(const pr_context *ctx);
void pr_context_set_progress(pr_context *ctx, pr_progress_fn fn, void *user);
void pr_context_set_log(pr_context *ctx, pr_log_fn fn, void *user);
/* Worker threads for the spatial join and geometry work; 0 (the default) means one per core;
 * at most 64. */
void pr_context_set_threads(pr_context *ctx, int threads);

/* ---- sources file -------------------------------------------------------------------------- */

typedef struct pr_sources pr_sources;

/* Reads and validates a sources file (INI, see README). Paths in it are relative to its folder.
 * On success the caller frees *ret_sources with pr_sources_free(). */
int pr_sources_load(pr_context *ctx, const char *path, pr_sources **ret_sources);
/* Accepts NULL. */
void pr_sources_free(pr_sources *sources);

/* ---- the monthly job ----------------------------------------------------------------------- */

/* Who an output is for (README "Personal data"): inspectors get everything, planners the scores
 * with owners pseudonymised and no addresses, visit list or rejected values, the public the
 * hotspots of ten parcels or more. */
enum pr_audience {
	PR_AUDIENCE_INSPECTORS,
	PR_AUDIENCE_PLANNERS,
	PR_AUDIENCE_PUBLIC,
	PR_AUDIENCE_COUNT
};
/* "inspectors", "planners", "public". */
extern const char *const pr_audience_names[PR_AUDIENCE_COUNT];

typedef struct pr_run_options {
	const char *model_path;	     /* NULL: the default model built into the engine */
	const char *as_of;	     /* YYYY-MM-DD; NULL: the sources file's, else today */
	const char *previous_path;   /* NULL or an earlier GeoPackage, for the changes table */
	const char *visits_csv_path; /* NULL or where to write the visit list as CSV */
	enum pr_audience audience;   /* 0: inspectors */
	const char *schema;	     /* with a "PG:" out_path, and only then: the output schema */
} pr_run_options;

/* Reads the sources, joins them to parcels, scores every parcel and writes the GeoPackage at
 * out_path, atomically: a temporary file in the same folder renamed into place when complete.
 * While it runs it holds a lock on out_path (a hidden .NAME.lock file beside it): a second run
 * writing the same output fails with PR_EBUSY.
 * An out_path of GDAL's form "PG:connection" writes the same layers into a PostGIS database
 * instead, in the schema options->schema names (PR_EUSAGE without it, or with it for a file):
 * into a new schema first, swapped in for the previous one in one transaction, the layers'
 * styles in public.layer_styles; a second run on the same schema meanwhile fails with PR_EBUSY
 * (an advisory lock). The connection may hold a password: it is kept out of every message and
 * table. */
int pr_run(pr_context *ctx, const pr_sources *sources, const pr_run_options *options,
	   const char *out_path);

/* Per-source figures of a check or run. */
typedef struct pr_source_report {
	char name[32]; /* parcels, population, complaints, inspections, addresses */
	char crs[64];  /* the source's CRS, as an authority:code or a short name */
	uint64_t rows_read;
	uint64_t joined;   /* parcels kept, or records assigned to a parcel */
	uint64_t rejected; /* rows_read = joined + rejected */
	uint64_t snapped;  /* points assigned through snap_m rather than covering */
	uint64_t repaired; /* parcels: invalid geometries repaired */
	double extent[4];  /* minx, miny, maxx, maxy in the working CRS; all 0 when empty */
	int n_reasons;
	struct {
		char reason[32];
		uint64_t count;
	} reasons[12];
	/* A source located by address: records found at each match level (1: street, number,
	 * box and postcode; 2: without the box; 3: without the suffix letter; 4: in another
	 * postcode of the street), and the most frequent streets the register does not know. */
	bool by_address;
	uint64_t address_levels[5];
	int n_unknown_streets;
	struct {
		char street[64];
		uint64_t count;
	} unknown_streets[10];
} pr_source_report;

/* Validates configuration, the model and the inputs and joins them as pr_run would, writing
 * nothing. options (NULL: defaults) gives the model and as-of date, as for pr_run; its output
 * paths are ignored. On success fills up to max_reports entries of reports (owned by the caller)
 * and *ret_count. */
int pr_check(pr_context *ctx, const pr_sources *sources, const pr_run_options *options,
	     pr_source_report *reports, int max_reports, int *ret_count);

/* ---- pseudonym key -------------------------------------------------------------------------- */

/* Makes a new key file for the owners' pseudonyms ([run] pseudonym_key_file) at path: 32 bytes
 * from the kernel's random source (getrandom), written as 64 hex digits and a newline, in a new
 * file of mode 0600. Never replaces an existing file, nor writes through a link: PR_ECANTCREAT
 * when path exists (a new key changes every pseudonym) or cannot be created. */
int pr_keygen(pr_context *ctx, const char *path);

/* ---- synthetic city ------------------------------------------------------------------------ */

/* The smallest and largest city pr_synth() writes, in parcels (the largest: some ten gigabytes
 * of files). */
#define PR_SYNTH_MIN_PARCELS 10u
#define PR_SYNTH_MAX_PARCELS 20000000u

/* How the registers of the synthetic city are written. The city itself (parcels, households,
 * complaints, inspections, truth) is the same in both for the same parcels and seed. */
enum pr_synth_registers {
	/* population.csv located by x/y, complaints by lon/lat, canonical words, UTF-8 CSV */
	PR_SYNTH_REGISTERS_SIMPLE = 0,
	/* as Brussels exports them: an address register addresses.txt (pipe-separated UTF-8,
	 * one row per address or box, streets in French and Dutch), population.csv located by
	 * address as people type it, complaints and inspections in French and Dutch words, all
	 * three in CP1252 with ';', CRLF and DD/MM/YYYY; its sources.ini uses the second part of
	 * the sources-file contract (addresses, separators, encodings, vocabularies) */
	PR_SYNTH_REGISTERS_BRUSSELS = 1,
};

/* What the synthetic city's complaints say about its slums. The city itself (parcels, owners,
 * truth, when each slum started) is the same in both for the same parcels and seed; its history
 * (complaints, the visits they prompt and what those find, the departures closures cause)
 * differs. */
enum pr_synth_complaints {
	/* the tenants and neighbours of many slums complain far more than anyone else does */
	PR_SYNTH_COMPLAINTS_SIGNAL = 0,
	/* complaints fall on parcels at random, whatever their state, in the same volume and
	 * categories: a city whose complaints say nothing about slums */
	PR_SYNTH_COMPLAINTS_NOISE = 1,
};

/* What pr_synth() writes. */
typedef struct pr_synth_options {
	uint32_t parcels; /* PR_SYNTH_MIN_PARCELS..PR_SYNTH_MAX_PARCELS */
	uint64_t seed;
	bool force; /* write into a folder that already holds files, replacing synth's own */
	enum pr_synth_registers registers;   /* PR_SYNTH_REGISTERS_SIMPLE when left zero */
	enum pr_synth_complaints complaints; /* PR_SYNTH_COMPLAINTS_SIGNAL when left zero */
} pr_synth_options;

/* Writes a synthetic Brussels-like city into dir (created if missing): parcels.gpkg,
 * population.csv, complaints.csv, inspections.csv (five years of visits), truth.csv,
 * truth_history.csv (the day each slum started), planted_rejects.csv and sources.ini, and with
 * PR_SYNTH_REGISTERS_BRUSSELS also addresses.txt. The same (parcels, seed, registers,
 * complaints) always gives byte-identical files. PR_EUSAGE when parcels is outside
 * PR_SYNTH_MIN_PARCELS..PR_SYNTH_MAX_PARCELS, registers or complaints is not one of its enum,
 * or dir holds files and force is not set: a folder of real data is never overwritten by
 * accident. */
int pr_synth(pr_context *ctx, const char *dir, const pr_synth_options *options);

/* ---- reading an output --------------------------------------------------------------------- */

/* Writes the explanation of one parcel's score (rank, score, class, each factor's points and
 * reason) as text into a buffer the caller frees with free(). PR_ENOTFOUND for an unknown id. */
int pr_explain(pr_context *ctx, const char *gpkg_path, const char *parcel_id, char **ret_text);

/* ---- judging a ranking ---------------------------------------------------------------------- */

/* How well one ranking finds the slum parcels of a truth file, over residential parcels. */
typedef struct pr_evaluation {
	char name[40];	    /* "model", "most complaints", "most households (or registrations) per
			       dwelling" */
	uint32_t k;	    /* the visit-list size the precision is taken at */
	uint32_t ranked;    /* residential parcels ranked */
	uint32_t positives; /* slum parcels among them */
	uint32_t hits_at_k; /* slum parcels in the first k */
	uint32_t lookalikes_top20; /* student housing, large families, social housing, bars */
	double precision_at_k;
	double average_precision;
	uint32_t truth_not_in_output; /* residential truth parcels the output does not have */
	uint32_t slums_not_in_output; /* slums among them: counted as missed */
} pr_evaluation;

/* Evaluates the output at gpkg_path against truth_path (CSV: parcel, is_slum, kind; a parcel
 * listed twice is PR_EDATA). k = 0 takes the model's visit-list size. Truth parcels missing
 * from the output count as missed and are counted. Fills three evaluations: the model, then the
 * baselines. */
int pr_evaluate(pr_context *ctx, const char *gpkg_path, const char *truth_path, uint32_t k,
		pr_evaluation ret_evaluations[3]);

/* ---- learning from outcomes ---------------------------------------------------------------- */

/* One ranking judged by a backtest (pr_backtest): only the parcels inspected in the window can
 * be judged; the others are unknown, not misses. */
typedef struct pr_backtest_ranking {
	char name[32];		  /* "model", "complaints first" */
	uint32_t top_k_inspected; /* of its top k, parcels inspected in the window */
	uint32_t top_k_hits;	  /* of those, hits */
	double top_k_hit_rate;	  /* hits / inspected, 0 when none was inspected */
	double average_precision; /* of its order of the inspected parcels */
	uint32_t hits_found_late; /* hits in its top k the city found only after 90 days */
	double mean_days_late;	  /* their mean days after the date, 0 when none */
} pr_backtest_ranking;

typedef struct pr_backtest_result {
	char at[11], window_end[11]; /* YYYY-MM-DD */
	int months;
	uint32_t k;	      /* the model's visit-list size times the months */
	uint32_t parcels;     /* ranked */
	uint32_t inspected;   /* parcels inspected in the window */
	uint32_t hits;	      /* of those, with a major or closure outcome in it */
	double city_hit_rate; /* hits / inspected: what the city's own visits found */
	pr_backtest_ranking model, complaints;
} pr_backtest_result;

typedef struct pr_backtest_options {
	const char *model_path; /* NULL: the default model */
	const char *at;		/* YYYY-MM-DD: score with what was known then */
	int months;		/* the window judged after it; 0: 6 */
} pr_backtest_options;

/* Scores the city as of options->at with only the records dated on or before it (the store
 * shows nothing later, whatever the model's SQL), and judges the ranking, beside the
 * complaints-first one, against the inspections of the following months: a hit is a parcel
 * with a major or closure outcome in the window. */
int pr_backtest(pr_context *ctx, const pr_sources *sources, const pr_backtest_options *options,
		pr_backtest_result *ret);

typedef struct pr_fit_options {
	const char *model_path; /* NULL: the default model, the one whose weights are fitted */
	const char *at;		/* YYYY-MM-DD: the held-out date; the folds come before it */
	int folds;		/* rolling origins at 12, 24... months before at; 0: 3 */
	int months;		/* each fold's window; 0: 6 */
	const char *out_path;	/* the fitted model file, written atomically */
} pr_fit_options;

#define PR_FIT_MAX_FACTORS 64
typedef struct pr_fit_result {
	int folds;
	char fold_at[8][11];
	uint32_t fold_hits; /* hits over the folds' windows */
	int n_factors;
	char factor[PR_FIT_MAX_FACTORS][64];
	double default_weight[PR_FIT_MAX_FACTORS], fitted_weight[PR_FIT_MAX_FACTORS];
	double folds_ap_default, folds_ap_fitted; /* mean average precision over the folds */
	pr_backtest_result held_out_default, held_out_fitted; /* at options->at */
} pr_fit_result;

/* Tunes the model's factor weights (each between 0 and 3 times its default, its sign kept) by
 * coordinate search on the mean average precision of backtests at the rolling origins, then
 * backtests the fitted and the default model at options->at, which the fit never saw, and
 * writes the fitted model with a header of these figures. PR_EDATA, writing nothing, when the
 * folds hold fewer than 30 hits or the fitted model does worse than the default at the
 * held-out date; *ret is filled as far as the fit went either way. */
int pr_fit(pr_context *ctx, const pr_sources *sources, const pr_fit_options *options,
	   pr_fit_result *ret);

#ifdef __cplusplus
}
#endif
#endif
