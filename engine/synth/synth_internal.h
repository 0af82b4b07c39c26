/* SPDX-License-Identifier: MIT */
/* Private header of the synthetic city: the state one pr_synth() run carries from block to block,
 * the shapes of lots and parcels, and the functions the files of engine/synth/ share. The random
 * draws and the writers of output lines are inline here, as they run for every row. */
#ifndef PR_SYNTH_INTERNAL_H
#define PR_SYNTH_INTERNAL_H

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

/* The five ways a slum parcel shows in the data; each planted slum shows two to four of them. */
enum signal {
	SIGNAL_CROWDED = 1 << 0,    /* many more households than dwellings */
	SIGNAL_SPACE = 1 << 1,	    /* far less floor area per person than the norm */
	SIGNAL_TURNOVER = 1 << 2,   /* many short registrations in the last 24 months */
	SIGNAL_COMPLAINTS = 1 << 3, /* recent serious complaints */
	SIGNAL_INSPECTION = 1 << 4, /* a major or closure inspection in the last five years */
};
#define SIGNAL_COUNT 5

enum side { SIDE_S = 1, SIDE_E = 2, SIDE_N = 4, SIDE_W = 8 };

enum output {
	OUT_POPULATION,
	OUT_COMPLAINTS,
	OUT_INSPECTIONS,
	OUT_TRUTH,
	OUT_REJECTS,
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
	int32_t earliest;	/* no registration before this day */
	int32_t last_serious;	/* date of its latest serious complaint, or PR_DATE_NULL */
	bool careless_owner;	/* owned by a careless landlord of the pool */
	bool slum_landlord;	/* owned by a slum landlord, chosen with its kind */
} parcel;

typedef struct synth {
	pr_context *ctx;
	pr_rng rng;
	uint64_t seed;
	uint32_t target;
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
	int total = 0;
	for (int i = 0; i < n; i++)
		total += weights[i];
	int64_t u = rand_range(s, 0, total - 1);
	for (int i = 0; i < n; i++) {
		if (u < weights[i])
			return i;
		u -= weights[i];
	}
	return n - 1;
}

/* ---- lines of the CSV outputs -------------------------------------------------------------- */

/* A line of output built by hand: faster than snprintf for millions of rows, and independent of
 * the locale by construction. Rows are short; anything past the buffer is dropped. */
typedef struct line {
	char data[256];
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

/* v / 10^decimals with exactly that many decimals. */
static inline void put_fixed(line *l, int64_t v, int decimals)
{
	uint64_t scale = 1;
	for (int i = 0; i < decimals; i++)
		scale *= 10;
	if (v < 0) {
		put_char(l, '-');
		v = -v;
	}
	put_uint(l, (uint64_t)v / scale, 1);
	put_char(l, '.');
	put_uint(l, (uint64_t)v % scale, decimals);
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
bool synth_slum_landlord_owner(synth *s, owner_pool *pool, char *ret_owner);

/* ---- households.c: dwellings and the population register ----------------------------------- */

/* Draws the parcel's dwellings and floor area and writes the households registered on it. */
void synth_plan_households(synth *s, parcel *p);

/* ---- events.c: complaints and inspections -------------------------------------------------- */

/* Writes the complaints about the parcel and notes the date of its latest serious one. */
int synth_write_parcel_complaints(synth *s, parcel *p);
/* Writes the parcel's inspections, after its complaints (which some of them follow up). */
void synth_write_parcel_inspections(synth *s, parcel *p);
/* Writes the complaints about the park that fills block. */
int synth_write_park_complaints(synth *s, const rect *block);

/* ---- text_files.c: the CSV files, the planted malformed rows and the sources file ---------- */

/* Opens the text files in dir as temporaries, each with its header. */
int synth_open_outputs(synth *s, const char *dir);
/* Closes one of them, reporting any write error. */
int synth_close_output(synth *s, out_file *o);
/* Writes the planted rows of output due before its next row, or all that are left at_end. */
void synth_flush_planted(synth *s, int output, bool at_end);
/* Adds the parcel to truth.csv, unless it has no key. */
void synth_write_truth(synth *s, const parcel *p);
/* planted_rejects.csv and sources.ini, written once everything else is. */
void synth_write_planted_rejects(synth *s);
int synth_write_sources_ini(synth *s);

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
