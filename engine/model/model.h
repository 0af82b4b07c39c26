/* SPDX-License-Identifier: MIT */
/* The risk model: parsed from its INI file (parse.c), its features built as SQL over the working
 * store (features.c), its factors turned into points, scores, ranks and the visit list
 * (score.c), and its reasons written in words (reasons.c), the same way for a run and for
 * explain. Everything an analyst tunes lives in the model file; this folder only evaluates it. */
#ifndef PR_MODEL_H
#define PR_MODEL_H

#include <sqlite3.h>

#include "core/core.h"
#include "store/store.h"

#define PR_MODEL_MAX_FEATURES 64
#define PR_MODEL_MAX_FACTORS  64
#define PR_MODEL_MAX_NEEDS    16
#define PR_NAME_MAX	      48

typedef struct pr_feature {
	char name[PR_NAME_MAX];
	char *sql;  /* a query yielding (parcel_id, value), or NULL */
	char *expr; /* an expression over parcel columns and earlier features, or NULL */
	bool has_default;
	double default_value;
	bool uses_scores; /* reads table scores, from a first pass without such features */
	char *label;	  /* what it is, in words, for explain and for missing-data reasons */
	int line;
} pr_feature;

typedef struct pr_factor {
	char name[PR_NAME_MAX];
	char *value;  /* SQL expression over features */
	char *needs;  /* comma-separated names that must not be missing, as written */
	char *reason; /* template with {name} placeholders */
	double weight, from, saturate;
	bool has_weight, has_saturate;
	/* Points on top of the 0-100 scale: the weight is left out of the sum the score is scaled
	 * by, so a city whose data never gives the factor a value scores exactly as without it. */
	bool on_top;
	int line;
	/* needs resolved: indexes into the model's value names (pr_model_value_name) */
	int n_needs;
	int need[PR_MODEL_MAX_NEEDS];
} pr_factor;

typedef struct pr_model {
	char *path; /* "(built-in default)" or the file */
	char *text; /* the model file's content, kept in the output for explain */
	char *name;
	char sha256[65];
	int visit_list_size;
	int exclude_inspected_days;
	double class_medium, class_high, class_critical;
	double hotspot_cell_m;
	int hotspot_min_parcels; /* the public output leaves out cells of fewer parcels */
	int n_features, n_factors;
	pr_feature features[PR_MODEL_MAX_FEATURES];
	pr_factor factors[PR_MODEL_MAX_FACTORS];
} pr_model;

/* Loads a model file, or the built-in default model when path is NULL. The caller frees
 * *ret_model with pr_model_free(). */
int pr_model_load(pr_context *ctx, const char *path, pr_model **ret_model);
/* Accepts NULL. */
void pr_model_free(pr_model *model);
/* Parses a model from its text; label names it in errors. */
int pr_model_parse(pr_context *ctx, const char *label, const char *text, pr_model **ret_model);

/* ---- names and values ---------------------------------------------------------------------- */

/* The parcel columns a model may use besides its features, with their words. */
typedef struct pr_parcel_column {
	const char *name;
	const char *label;
} pr_parcel_column;
extern const pr_parcel_column pr_model_parcel_columns[];
extern const int pr_model_n_parcel_columns;

/* The values a factor's value, needs and reason may name, in this order: the parcel columns,
 * then the model's features. */
int pr_model_n_values(const pr_model *m);
const char *pr_model_value_name(const pr_model *m, int index);
/* The words for a feature or parcel column ("floor area"); name itself when it has none. */
const char *pr_model_label_of(const pr_model *m, const char *name);

/* Which sources each feature and factor reads, directly or through the features it names
 * (bit k: source k of enum pr_source_kind). A feature over table scores reads no source through
 * it: the first pass's scores already went without whatever source was absent. */
typedef struct pr_model_reads {
	unsigned feature[PR_MODEL_MAX_FEATURES];
	unsigned factor[PR_MODEL_MAX_FACTORS];
	uint64_t factor_features[PR_MODEL_MAX_FACTORS]; /* the features each factor's value
							   names (bit i: feature i) */
	uint64_t factors_unknown; /* factors whose value did not prepare when looked at: what
				     they read is not known (bit k: factor k) */
	/* The sources read once the first pass's features table is built: by the factors'
	 * values themselves, by the features over scores, and by the expression features when a
	 * second pass rebuilds the table; every source when a factor's reads are not known. */
	unsigned after_features;
} pr_model_reads;

/* Finds what every feature and factor reads, from the tables SQLite's authorizer sees while each
 * statement is prepared (not run) on store: an empty store will do. Statements that do not
 * prepare count as reading nothing; scoring reports them. */
int pr_model_find_reads(pr_context *ctx, const pr_model *m, pr_store *store,
			pr_model_reads *ret_reads);

/* One parcel's values, indexed like pr_model_value_name, NAN where missing; absent: the sources
 * left out of the sources file (bit k: source k), with reads telling which factors use them
 * (both 0 and NULL when every source was given). */
typedef struct pr_parcel_values {
	const pr_model *model;
	const double *values;
	unsigned absent;
	const pr_model_reads *reads;
} pr_parcel_values;

/* ---- reasons ------------------------------------------------------------------------------- */

/* A number as an inspector reads it: whole numbers without decimals, others with one; "?" for
 * NAN. */
void pr_model_format_value(double v, char *buf, size_t size);
/* Fills a reason template: {name} becomes the parcel's value of name, {name:singular:plural}
 * adds the right word ("1 dwelling", "3 dwellings"); {value} and {points} are the factor's. An
 * unknown name stays as written. */
int pr_model_render_reason(const char *tmpl, const pr_parcel_values *row, double value,
			   double points, pr_strbuf *out);
/* True when the template has a placeholder {name} or {name:...}. */
bool pr_model_reason_names(const char *tmpl, const char *name);
/* The first source factor k reads that the sources file left out, or -1. */
int pr_model_absent_source(const pr_parcel_values *row, int factor);
/* The first of the factor's needs missing from row, as a value index, or -1. */
int pr_model_missing_need(const pr_factor *fa, const pr_parcel_values *row);
/* Appends why factor k is not assessed for row: "not assessed (no complaints data)" for a
 * source it reads that the sources file left out, else "not assessed (no floor area on
 * record)" for its first missing need. Returns 1 when it is not assessed, 0 when it is (nothing
 * appended), PR_ENOMEM. */
int pr_model_not_assessed(const pr_parcel_values *row, int factor, pr_strbuf *out);
/* Appends, for every factor, ", (VALUE) AS "value of NAME"": the factors' values as columns of
 * a query over the features (the run) or over parcel_risk (explain). */
int pr_model_factor_value_columns(const pr_model *m, pr_strbuf *sql);
/* The name of factor k's value column in such a query. */
void pr_model_factor_value_column(const pr_factor *fa, char *buf, size_t size);

/* ---- scores -------------------------------------------------------------------------------- */

enum pr_risk_class { PR_CLASS_LOW = 0, PR_CLASS_MEDIUM, PR_CLASS_HIGH, PR_CLASS_CRITICAL };
extern const char *const pr_risk_class_names[4];

/* Scores per parcel (indexed like the parcels), as the model computed them. */
typedef struct pr_scores {
	size_t n;
	int n_features, n_factors;
	double *score;	/* 0–100 */
	uint32_t *rank; /* 1 = highest */
	uint8_t *risk_class;
	uint32_t *reason_ref;	  /* top three, joined with "; ": see pr_scores_reasons */
	double *points;		  /* n × n_factors */
	double *features;	  /* n × n_features, NAN when missing */
	double *data_coverage;	  /* share of factors whose data was present, 0–1 */
	int32_t *last_inspection; /* days since 1970, PR_DATE_NULL when never */
	uint8_t *visit;		  /* on the visit list */
	uint32_t *visit_rank;	  /* 1.. on the visit list, 0 when not on it */
	/* The reasons' text, each distinct text once: many parcels share theirs. */
	pr_text_pool reasons;
} pr_scores;

/* Parcel i's reasons ("" when none). */
static inline const char *pr_scores_reasons(const pr_scores *s, size_t i)
{
	const char *text = pr_text_pool_get(&s->reasons, s->reason_ref[i]);
	return text ? text : "";
}

/* Whether parcel p was inspected within the model's exclude_inspected_days before as_of (its
 * last inspection in s): the visit list does not propose it again. */
bool pr_model_recently_inspected(const pr_model *m, const pr_scores *s, int32_t as_of, size_t p);

/* How pr_model_score runs a model over a store. */
typedef struct pr_model_options {
	/* The longest any one statement of model SQL (a feature, the features table, a scoring
	 * pass) may run, in seconds; 0: no limit. Exceeding it is PR_ECONFIG naming the feature or
	 * factor, the limit and limit_origin (where it is set: the sources file, or NULL). */
	double time_limit_s;
	const char *limit_origin;
	/* Sources the sources file leaves out: not assessed, never zero. A feature reading one is
	 * missing for every parcel whatever its default; a factor reading one, directly or through
	 * its features, gives no points and says "not assessed (no SOURCE data)". */
	bool absent[PR_SRC_COUNT];
	/* Called once the first pass's features table is built, with the sources (bit k: source
	 * k) that nothing after it reads (pr_model_reads.after_features; never the parcels, nor
	 * the inspections, which the visit list reads): their tables in the store serve nothing
	 * from then on, and the caller may free their records. NULL: they stay. */
	void (*release)(void *user, unsigned sources);
	void *release_user;
} pr_model_options;

/* Runs the model's features and factors over the loaded working store (see store.h); options
 * NULL: no time limit, every source given. The caller frees ret_scores with pr_scores_free(). */
int pr_model_score(pr_context *ctx, const pr_model *model, pr_store *store, int32_t as_of,
		   size_t n_parcels, const pr_model_options *options, pr_scores *ret_scores);
void pr_scores_free(pr_scores *scores);

#endif
