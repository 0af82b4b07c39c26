/* SPDX-License-Identifier: MIT */
/* Private header of the synthetic city: the state one pr_synth() run carries from block to block,
 * the shapes of lots and parcels, and the functions the files of engine/synth/ share. The random
 * draws and the writers of output lines are inline here, as they run for every row. */
#ifndef PR_SYNTH_INTERNAL_H
#define PR_SYNTH_INTERNAL_H

#include <iconv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "core/core.h"
#include "sources/sources.h"

/* All lengths are whole centimetres, so that neighbouring lots share exactly the same
 * coordinates and every output prints without rounding surprises. */
#define CITY_CENTRE_X 14800000 /* Brussels in EPSG:31370 */
#define CITY_CENTRE_Y 17000000

/* A cell of the grid is one block plus half of the streets around it (see city.c). */
#define CELL_W 11900
#define CELL_H 9900

/* A stream of random numbers (rng.c). */
typedef struct pr_rng {
	uint64_t s[4];
} pr_rng;

void pr_rng_seed(pr_rng *rng, uint64_t seed);
uint64_t pr_rng_next(pr_rng *rng);
/* Uniform in [0, 1). */
double pr_rng_uniform(pr_rng *rng);
/* Uniform integer in [lo, hi]. */
int64_t pr_rng_range(pr_rng *rng, int64_t lo, int64_t hi);
bool pr_rng_chance(pr_rng *rng, double p);
/* An index in [0, n) drawn with the given weights. */
int pr_rng_weighted(pr_rng *rng, const int *weights, int n);

enum kind {
	KIND_NORMAL,
	KIND_COMMERCIAL,
	KIND_SLUM,
	KIND_STUDENT,
	KIND_LARGE_FAMILY,
	KIND_SOCIAL,
	KIND_BAR,
	KIND_ROAD,
};

/* The five ways a slum parcel shows in the data from the day it became one; each planted slum
 * shows two to four of them. */
enum signal {
	SIGNAL_CROWDED = 1 << 0,    /* many more households than dwellings */
	SIGNAL_SPACE = 1 << 1,	    /* far less floor area per person than the norm */
	SIGNAL_TURNOVER = 1 << 2,   /* short stays, one tenant after another */
	SIGNAL_COMPLAINTS = 1 << 3, /* its tenants or neighbours complain about it, often */
	SIGNAL_INSPECTION = 1 << 4, /* the police or social services refer it to the inspectorate */
};
#define SIGNAL_COUNT 5

/* Complaint categories; the first four are about the dwelling itself (serious). */
enum category {
	CAT_INSALUBRITY,
	CAT_OVERCROWDING,
	CAT_HUMIDITY,
	CAT_ELECTRICITY,
	CAT_NOISE,
	CAT_WASTE,
	CAT_OTHER,
	CAT_COUNT,
};
#define CAT_SERIOUS_LAST CAT_ELECTRICITY

enum outcome { OUTCOME_NONE, OUTCOME_MINOR, OUTCOME_MAJOR, OUTCOME_CLOSURE, OUTCOME_COUNT };

/* The history: five years of inspections before the as-of date, complaints from half a year
 * earlier so that the first visits of the five years have theirs too. */
#define HISTORY_DAYS	      1826
#define COMPLAINT_LEAD_DAYS   183
#define SLUM_MAX_HOUSEHOLDS   16
#define CLOSURES_MAX	      8
#define PARCEL_HOUSEHOLDS_MAX 2048 /* rows of one parcel; social housing and slums need most */

enum side { SIDE_S = 1, SIDE_E = 2, SIDE_N = 4, SIDE_W = 8 };

enum output {
	OUT_POPULATION,
	OUT_COMPLAINTS,
	OUT_INSPECTIONS,
	OUT_TRUTH,
	OUT_HISTORY, /* truth_history.csv: the day each slum started */
	OUT_REJECTS,
	OUT_ADDRESSES, /* the address register, with PR_SYNTH_REGISTERS_BRUSSELS only */
	OUT_SOURCES,
	OUT_COUNT,
};

/* A malformed row to plant in one of the CSVs (see the planted_* templates in text_files.c). */
typedef struct planted_row {
	int output;
	uint64_t at;
	int variant;
	const char *reason;
	uint64_t row; /* the data row it was written at; 0 until then */
} planted_row;
#define PLANTED_MAX 10 /* rows in the longest template of text_files.c */

enum planted_variant {
	PLANT_NO_COORDINATES,
	PLANT_BAD_COORDINATES,
	PLANT_BAD_DATE,
	PLANT_BAD_NUMBER,
	PLANT_UNKNOWN_ID,
	/* Brussels-shaped registers only */
	PLANT_UNKNOWN_STREET,	 /* a street the address register does not have */
	PLANT_UNKNOWN_ADDRESS,	 /* a known street, a house number it does not have */
	PLANT_AMBIGUOUS_ADDRESS, /* the address the register holds on two parcels */
	PLANT_UNKNOWN_VALUE,	 /* an inspection outcome outside the vocabulary */
};

typedef struct out_file {
	char *path;
	char *tmp_path;
	FILE *f;
	char *buffer;
	uint64_t rows; /* data rows written, planted ones included */
} out_file;

typedef struct rect {
	int64_t x0, y0, x1, y1;
} rect;

/* Where a lot stands in the Brussels-shaped city's street network (addresses.c): its street,
 * one of the streets of this city, and its house number. */
typedef struct street_address {
	int32_t street; /* index into synth.streets; -1 for a lot without a street front */
	uint32_t number;
	char suffix;	      /* 'A' for a house numbered like "13A", else '\0' */
	bool next_has_suffix; /* the next lot's number is this one with a letter */
} street_address;

/* A street of the Brussels-shaped city: a name of the vocabulary in addresses.c, maybe with a
 * qualifier ("Petite rue ...", "Kleine ...straat"), unique within its commune's postcode. */
typedef struct street {
	uint16_t name;
	uint8_t qualifier;
	uint8_t commune;
	uint32_t round; /* 0, or more when the names ran out: the numbers then start higher */
} street;

/* One parcel's shape: one rectangle, or two for a multipolygon; front is the set of sides that
 * face a street (none for interior parcels and roads). */
typedef struct lot_shape {
	rect r[2];
	int nrect;
	int front;
	bool interior;
} lot_shape;

/* A pool of open portfolios: each new parcel goes to one of a few owners at random until that
 * owner's drawn portfolio size is used up, so portfolios stay local without being contiguous.
 * In the pool of ordinary landlords a share of the owners are careless: bad landlords, not slum
 * landlords. In the pool of slum landlords each portfolio mixes slums with ordinary rentals, its
 * mix drawn with the landlord and dealt out in random order. */
#define POOL_SLOTS 4
typedef struct owner_pool {
	char name[POOL_SLOTS][40];
	int left[POOL_SLOTS];
	int slums[POOL_SLOTS]; /* slums among the parcels left (slum landlords only) */
	bool careless[POOL_SLOTS];
	/* The day of the first major or closure finding at one of the owner's parcels, or
	 * PR_DATE_NULL: the inspectorate then visits the owner's other parcels too. */
	int32_t flagged[POOL_SLOTS];
	int slots;
	int min_size, max_size;
	double careless_share;
	bool mixed; /* portfolios of slums and ordinary rentals */
} owner_pool;

/* Who owns slums. About a third of slum parcels belong to an individual owning nothing else, as
 * most owners do, so no portfolio points at them. The rest belong to slum landlords with 3-15
 * parcels, of which 35-40% are ordinary rentals (let like any other home, with the same noise)
 * and the rest slums, so a slum landlord's other parcels are not all alike either. */
#define SLUM_SINGLE_OWNER_SHARE	    0.35
#define SLUM_LANDLORD_ORDINARY_MIN  0.35
#define SLUM_LANDLORD_ORDINARY_MAX  0.40
#define SLUM_LANDLORD_ORDINARY_MEAN ((SLUM_LANDLORD_ORDINARY_MIN + SLUM_LANDLORD_ORDINARY_MAX) / 2)

typedef struct parcel {
	lot_shape lot;
	int kind;
	int level; /* deprivation of its neighbourhood, 0 (affluent) to 3 */
	int signals;
	bool has_key;
	char key[24];
	char owner[40];
	const char *use;
	int dwellings;
	int floor_m2;
	int build_year;
	bool floor_null, dwellings_null;
	int64_t addr_x, addr_y; /* the address point, where its households are registered */
	int addr_side;		/* the side of the lot the address point is on */
	street_address address; /* Brussels-shaped registers only */
	int32_t earliest;	/* no registration before this day */
	bool careless_owner;	/* owned by a careless landlord of the pool */
	bool slum_landlord;	/* owned by a slum landlord, chosen with its kind */
	owner_pool *pool;	/* the pool of its owner's portfolio, or NULL */
	int pool_slot;
	/* A slum: the day slum conditions started (PR_DATE_NULL for any other parcel), and its
	 * rooms as let from then on: one tenant household after another in each of its slots,
	 * each of slot_persons, staying about mean_stay days. */
	int32_t slum_since;
	int slots;
	uint8_t slot_persons[SLUM_MAX_HOUSEHOLDS];
	int32_t mean_stay;
	/* Its closure orders: the day of the order, the day its households left, and for a slum
	 * the day its landlord let it again (PR_DATE_NULL: not before the as-of date). */
	struct {
		int32_t ordered, left, relet;
		bool slum; /* the order closed the slum, not the home it was before */
	} closures[CLOSURES_MAX];
	int n_closures;
} parcel;

/* A household registered on the parcel being written, kept until its history is known: a
 * closure order sends it away. */
typedef struct household_row {
	int32_t registered, left;
	uint8_t persons;
	bool day_first; /* a clerk typed its dates day first (simple registers) */
} household_row;

typedef struct synth {
	pr_context *ctx;
	pr_rng rng;
	uint64_t seed;
	uint32_t target;
	enum pr_synth_registers registers;
	enum pr_synth_complaints complaints;
	double boost; /* makes the rare kinds show up in very small cities too */
	int32_t as_of;

	out_file out[OUT_COUNT];
	planted_row planted[PLANTED_MAX];
	size_t planted_count;

	/* Templates for planted rows: the latest valid values written. */
	int64_t tpl_x, tpl_y;
	double tpl_lon, tpl_lat;
	char tpl_key[24];

	char *gpkg_path, *gpkg_tmp_path;
	GDALDatasetH ds;
	OGRLayerH layer;
	OGRFeatureH feature;
	OGRSpatialReferenceH srs_lambert, srs_wgs84;
	OGRCoordinateTransformationH to_wgs84;

	int64_t ncols, nrows_estimate;
	int64_t x0, y0;
	int nb_cols, nb_rows;
	uint8_t *nb_level;
	double slum_per_weight; /* slum probability of a perimeter lot per unit of level weight */

	uint32_t key_counter[19][26];
	uint64_t parcels; /* non-road parcels written */
	uint64_t households;
	uint32_t owners, companies;
	int null_keys_left;
	bool done;

	owner_pool landlords, slum_landlords;
	uint64_t kind_count[8];
	uint64_t signal_count[SIGNAL_COUNT];
	/* The noise planted on ordinary homes, for the log. */
	struct {
		uint64_t short_lets, roommates, flats, large_households;
		uint64_t tenant_complaint_parcels, student_complaints;
		uint64_t bad_visits, careless_findings;
	} noise;
	/* How slums are owned, for the log. */
	struct {
		uint64_t single_owner_slums, landlords, landlord_slums, landlord_rentals;
	} slum_owners;

	/* The history (history.c): its own random stream, so that the parcels, their owners and
	 * when each slum started are the same whatever the complaints say. */
	pr_rng history_rng;
	household_row households_buffer[PARCEL_HOUSEHOLDS_MAX];
	size_t buffered;
	uint64_t overflows; /* rows or events beyond a bound: a bug, reported at the end */
	struct {
		uint64_t visits[5]; /* by enum visit_reason in history.c */
		uint64_t outcomes[OUTCOME_COUNT];
		uint64_t slum_visits, slum_hits, closures, departures, relets;
		uint64_t slums_before; /* slums that started before the five years */
	} history;

	/* Brussels-shaped registers only (addresses.c, typed_rows.c). The wording of their rows
	 * is drawn from text_rng, never from rng, so that the city stays the simple variant's. */
	pr_rng text_rng;
	iconv_t to_cp1252;
	uint64_t encoding_failures;
	int64_t segment_blocks;	 /* blocks along one street before it takes another name */
	uint32_t max_number;	 /* the highest house number a street can have */
	uint32_t number_span;	 /* a power of ten above max_number: numbers of a round */
	int32_t *segment_street; /* per street segment: its street + 1, 0 while unnamed */
	size_t segment_cap;
	street *streets;
	size_t street_count, street_cap;
	uint32_t commune_streets[22]; /* streets named so far in each commune's postcode */
	street_address tpl_address;
	/* The first two parcels with an address: the register holds one made-up address on both. */
	struct {
		street_address address;
		int64_t x, y;
		char key[24];
	} twin[2];
	int twins;
} synth;

/* The weight of each deprivation level (0, affluent, to 3) in a perimeter lot's chance of being a
 * slum. */
extern const double synth_slum_level_weight[4];

/* ---- random draws -------------------------------------------------------------------------- */

static inline int64_t rand_range(synth *s, int64_t lo, int64_t hi)
{
	return pr_rng_range(&s->rng, lo, hi);
}

static inline bool rand_chance(synth *s, double p)
{
	return pr_rng_chance(&s->rng, p);
}

static inline int rand_weighted(synth *s, const int *weights, int n)
{
	return pr_rng_weighted(&s->rng, weights, n);
}

/* ---- lines of the CSV outputs -------------------------------------------------------------- */

/* A line of output built by hand: faster than snprintf for millions of rows, and independent of
 * the locale by construction. Rows are short; anything past the buffer is dropped. */
typedef struct line {
	char data[512];
	size_t len;
} line;

static inline void put_mem(line *l, const char *s, size_t n)
{
	if (l->len + n >= sizeof l->data)
		return;
	memcpy(l->data + l->len, s, n);
	l->len += n;
}

static inline void put_str(line *l, const char *s)
{
	put_mem(l, s, strlen(s));
}

static inline void put_char(line *l, char c)
{
	put_mem(l, &c, 1);
}

static inline void put_uint(line *l, uint64_t v, int width)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < width)
		tmp[n++] = '0';
	char out[24];
	for (int i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	put_mem(l, out, (size_t)n);
}

/* v / 10^decimals with exactly that many decimals, point as the decimal separator. */
static inline void put_fixed_with(line *l, int64_t v, int decimals, char point)
{
	uint64_t scale = 1;
	for (int i = 0; i < decimals; i++)
		scale *= 10;
	if (v < 0) {
		put_char(l, '-');
		v = -v;
	}
	put_uint(l, (uint64_t)v / scale, 1);
	put_char(l, point);
	put_uint(l, (uint64_t)v % scale, decimals);
}

static inline void put_fixed(line *l, int64_t v, int decimals)
{
	put_fixed_with(l, v, decimals, '.');
}

static inline void put_date(line *l, int32_t days, bool day_first)
{
	int y, m, d;
	pr_civil_from_days(days, &y, &m, &d);
	if (day_first) {
		put_uint(l, (uint64_t)d, 2);
		put_char(l, '/');
		put_uint(l, (uint64_t)m, 2);
		put_char(l, '/');
		put_uint(l, (uint64_t)y, 4);
	} else {
		char buf[16];
		pr_format_date(days, buf);
		put_str(l, buf);
	}
}

static inline void emit_line(synth *s, int output, const line *l)
{
	fwrite(l->data, 1, l->len, s->out[output].f);
	s->out[output].rows++;
}

/* ---- city.c: the grid, its neighbourhoods, and the lots, roads and parks of each block ----- */

/* Sizes the grid of blocks and draws the deprivation level of each neighbourhood. */
int synth_plan_city(synth *s);
/* Lays out block b (numbered row by row) and writes all of its parcels; sets s->done when the
 * city has its parcels. */
int synth_emit_block(synth *s, int64_t b);
/* The length of one side of a lot's rectangle. */
int synth_side_length(const rect *r, int side);
/* A point along one side of a lot's rectangle, inside the lot or out in the street. */
void synth_side_point(const rect *r, int side, int64_t along, int64_t inward, int64_t *ret_x,
		      int64_t *ret_y);
/* One of the sides in front, at random. */
int synth_pick_front(synth *s, int front);

/* ---- parcel.c: one parcel or road, from its lot to its rows -------------------------------- */

/* Draws the parcel on lot and writes all of its rows, or sets s->done instead once the city has
 * its parcels. Corner lots take social housing, bars and shops more often; level is the
 * neighbourhood's deprivation and neighbourhood numbers it for the parcel's key. */
int synth_emit_parcel(synth *s, const lot_shape *lot, bool corner, int level, int neighbourhood);
/* Writes a road's right-of-way: a parcel with a key and no owner, never counted as a parcel. */
int synth_emit_road(synth *s, const rect *r, int neighbourhood);

/* ---- owners.c: individual owners, companies and the pools of landlords --------------------- */

/* Sets up the pools of ordinary and of slum landlords. */
void synth_init_owner_pools(synth *s);
/* Gives the parcel an owner fitting its kind, unless a slum landlord already owns it. */
void synth_choose_owner(synth *s, parcel *p);
/* Gives the parcel a slum landlord from pool; true when it is one of the landlord's slums. */
bool synth_slum_landlord_owner(synth *s, owner_pool *pool, parcel *p);

/* ---- households.c: dwellings and the population register ----------------------------------- */

/* Draws the parcel's dwellings and floor area and the households registered on it, kept in
 * s->households_buffer; for a slum, also the day it started and how its rooms are let. */
void synth_plan_households(synth *s, parcel *p);
/* Once the parcel's history is written: sends away the households of each closure order, lets
 * a slum's rooms from the day it started (history stream), and writes the households. */
void synth_settle_households(synth *s, parcel *p);

/* ---- history.c: five years of complaints and inspections ----------------------------------- */

/* Lives the parcel's history forward: writes its complaints and inspections and notes its
 * closure orders in p. */
int synth_write_parcel_history(synth *s, parcel *p);

/* ---- events.c: complaint and inspection rows ----------------------------------------------- */

/* A complaint of category about p, geocoded onto the street in front of it. rng draws where. */
int synth_write_complaint(synth *s, pr_rng *rng, const parcel *p, int32_t received, int category);
/* An inspection of p; rng draws the odd key typed with spaces. */
void synth_write_inspection(synth *s, pr_rng *rng, const parcel *p, int32_t date, int outcome);
/* Writes the complaints about the park that fills block. */
int synth_write_park_complaints(synth *s, const rect *block);

/* ---- text_files.c: the CSV files, the planted malformed rows and the sources file ---------- */

/* Opens the text files in dir as temporaries, each with its header. */
int synth_open_outputs(synth *s, const char *dir);
/* Closes one of them, reporting any write error. */
int synth_close_output(synth *s, out_file *o);
/* Writes the planted rows of output due before its next row, or all that are left at_end. */
void synth_flush_planted(synth *s, int output, bool at_end);
/* Adds the parcel to truth.csv, and a slum to truth_history.csv, unless it has no key. */
void synth_write_truth(synth *s, const parcel *p);
/* planted_rejects.csv and sources.ini, written once everything else is. */
void synth_write_planted_rejects(synth *s);
int synth_write_sources_ini(synth *s);

/* ---- addresses.c: streets, house numbers and addresses.txt (Brussels-shaped registers) ---- */

/* Sizes the street network: how many blocks one street runs, the highest house number. */
int synth_plan_streets(synth *s);
/* Names the street p's address point faces (the first lot on it names it) and numbers the lot.
 * No draw from s->rng. */
int synth_locate_address(synth *s, parcel *p);
/* The street's name in French (0), Dutch (1) or German (2, often empty) into buf. */
void synth_street_name(const synth *s, int32_t index, int language, char *buf, size_t size);
/* The postcode of a street's commune. */
uint32_t synth_street_postcode(const synth *s, int32_t index);
/* A house number no lot on a's street has: which = 0 is in no register row, which = 1 is the
 * one synth_write_twin_addresses() gives two parcels. */
uint32_t synth_unused_number(const synth *s, const street_address *a, int which);
/* "13" or "13A" into l. */
void synth_put_house_number(line *l, const street_address *a);
/* The French address "Rue de la Loi 13A", or an empty string for a lot without one. */
void synth_address_text(const synth *s, const parcel *p, char *buf, size_t size);
/* The boxes of a subdivided house are numbered 1, 2, 3... or, in a few, lettered A, B, C. */
bool synth_boxes_lettered(const synth *s, const parcel *p);
/* Writes the rows of p's address to addresses.txt: one per box when it has several dwellings. */
void synth_write_address_rows(synth *s, const parcel *p);
/* The made-up address the register holds on two parcels, written once everything else is. */
void synth_write_twin_addresses(synth *s);
/* Frees the street tables. */
void synth_free_streets(synth *s);

/* ---- typed_rows.c: rows as Brussels exports hold them (Brussels-shaped registers) ---------- */

/* Writes l to output in CP1252 with CRLF; header says whether it is the header line. */
void synth_emit_cp1252(synth *s, int output, const line *l, bool header);
/* A street written as people type it: either language, abbreviated, in any case. True when
 * it came out in Dutch. */
bool synth_put_typed_street(synth *s, line *l, int32_t index);
/* A word of a vocabulary as clerks type it: mostly as is, sometimes capitalised or without
 * accents. */
void synth_put_typed_word(synth *s, line *l, const char *word);
/* One household row of population.csv, located by address. */
void synth_write_typed_household(synth *s, const parcel *p, int persons, int32_t registered,
				 int32_t left);

/* ---- parcels_gpkg.c: parcels.gpkg ---------------------------------------------------------- */

/* EPSG:31370 for the parcels and the transformation to EPSG:4326 for the complaints. */
int synth_make_reference_systems(synth *s);
/* Creates the temporary GeoPackage with its parcels layer and starts one transaction. */
int synth_open_geopackage(synth *s);
/* Adds the parcel to the layer. */
int synth_write_feature(synth *s, const parcel *p);
/* Commits, builds the spatial index and closes the file. */
int synth_finish_geopackage(synth *s);

#endif
