/* SPDX-License-Identifier: MIT */
/* The synthetic city behind `parcelrisk synth`: a grid of Brussels-like blocks of terraced lots,
 * with a population register, complaints and inspections in which slum parcels and their honest
 * look-alikes (student housing, large families, social housing, bars) are planted, plus the truth
 * and the malformed rows a test needs to score the engine. Everything is streamed out block by
 * block from one seeded random stream, so the same (parcels, seed) always gives the same bytes. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "core/core.h"
#include "sources/sources.h"

#define SYNTH_MIN_PARCELS 10u

/* All lengths are whole centimetres, so that neighbouring lots share exactly the same
 * coordinates and every output prints without rounding surprises. A cell is one block plus half
 * of the streets around it; blocks of 96-104 m x 76-84 m jittered by 1 m leave streets of
 * 13-25 m, so a point 3-6 m in front of a lot is always nearer to it than to the opposite block. */
#define CELL_W		     11900
#define CELL_H		     9900
#define CITY_CENTRE_X	     14800000 /* Brussels in EPSG:31370 */
#define CITY_CENTRE_Y	     17000000
#define PARCELS_PER_BLOCK    25.5 /* measured mean, used only to shape the grid */
#define PARK_SHARE	     0.04
#define NEIGHBOURHOOD_BLOCKS 4 /* a neighbourhood is 4 x 4 blocks */

#define STDIO_BUFFER (1u << 20)

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

static const char *const kind_names[] = {
    "normal", "commercial", "slum", "student", "large_family", "social", "bar", "road",
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

static const char *const category_names[] = {
    "insalubrity", "overcrowding", "humidity", "electricity", "noise", "waste", "other",
};

/* Background complaints are mostly about nuisances; tenants' complaints (humidity above all)
 * happen everywhere now and then, which is what makes complaints alone a weak signal. Homes draw
 * nuisances here and their tenants' complaints apart (see write_tenant_complaints); shops and
 * workshops draw both from one mix. */
static const int background_category_weights[CAT_COUNT] = {3, 1, 12, 2, 35, 25, 22};
static const int nuisance_category_weights[CAT_COUNT] = {0, 0, 0, 0, 35, 25, 22};
static const int serious_category_weights[CAT_COUNT] = {35, 20, 30, 15, 0, 0, 0};
static const int park_category_weights[CAT_COUNT] = {0, 0, 0, 0, 40, 40, 20};

enum outcome { OUTCOME_NONE, OUTCOME_MINOR, OUTCOME_MAJOR, OUTCOME_CLOSURE };
static const char *const outcome_names[] = {"none", "minor", "major", "closure"};
static const int complaint_outcome_weights[] = {45, 40, 12, 3};
static const int routine_outcome_weights[] = {55, 35, 8, 2};

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

static const char *const output_names[] = {
    "population.csv", "complaints.csv",	     "inspections.csv",
    "truth.csv",      "planted_rejects.csv", "sources.ini",
};

static const char *const output_headers[] = {
    "x,y,household,persons,registered,left\n",
    "lon,lat,received,category\n",
    "capakey,inspected,outcome\n",
    "parcel,is_slum,kind\n",
    "source,row,reason\n",
    "",
};

enum planted_variant {
	PLANT_NO_COORDINATES,
	PLANT_BAD_COORDINATES,
	PLANT_BAD_DATE,
	PLANT_BAD_NUMBER,
	PLANT_UNKNOWN_ID,
};

/* The malformed rows planted in each CSV, at fixed data rows (1 = the first line after the
 * header); a file shorter than that gets them at its end. */
typedef struct planted_row {
	int output;
	uint64_t at;
	int variant;
	const char *reason;
	uint64_t row; /* the data row it was written at; 0 until then */
} planted_row;

static const planted_row planted_rows_template[] = {
    {OUT_POPULATION, 5, PLANT_NO_COORDINATES, "no coordinates", 0},
    {OUT_POPULATION, 12, PLANT_BAD_COORDINATES, "bad coordinates", 0},
    {OUT_POPULATION, 20, PLANT_BAD_DATE, "bad date", 0},
    {OUT_POPULATION, 33, PLANT_BAD_NUMBER, "bad number", 0},
    {OUT_COMPLAINTS, 4, PLANT_NO_COORDINATES, "no coordinates", 0},
    {OUT_COMPLAINTS, 9, PLANT_BAD_DATE, "bad date", 0},
    {OUT_INSPECTIONS, 2, PLANT_UNKNOWN_ID, "unknown parcel id", 0},
    {OUT_INSPECTIONS, 3, PLANT_BAD_DATE, "bad date", 0},
};
#define PLANTED_COUNT (sizeof planted_rows_template / sizeof *planted_rows_template)

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
	bool inspected;
	bool careless_owner; /* owned by a careless landlord of the pool */
	bool slum_landlord;  /* owned by a slum landlord, chosen with its kind */
} parcel;

typedef struct synth {
	pr_context *ctx;
	pr_rng rng;
	uint64_t seed;
	uint32_t target;
	double boost; /* makes the rare kinds show up in very small cities too */
	int32_t as_of;

	out_file out[OUT_COUNT];
	planted_row planted[PLANTED_COUNT];

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

static const double slum_level_weight[4] = {0.05, 0.4, 3.0, 6.0};

/* ---- small helpers ------------------------------------------------------------------------- */

static int64_t rand_range(synth *s, int64_t lo, int64_t hi)
{
	return pr_rng_range(&s->rng, lo, hi);
}

static bool rand_chance(synth *s, double p)
{
	return pr_rng_chance(&s->rng, p);
}

static int rand_weighted(synth *s, const int *weights, int n)
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

static int32_t clamp_date(int32_t d, int32_t lo, int32_t hi)
{
	return d < lo ? lo : d > hi ? hi : d;
}

/* The Brussels Housing Code's minimum living area for a number of people. */
static int norm_area_m2(int persons)
{
	return persons <= 0 ? 0 : 18 + 10 * (persons - 1);
}

/* A line of output built by hand: faster than snprintf for millions of rows, and independent of
 * the locale by construction. Rows are short; anything past the buffer is dropped. */
typedef struct line {
	char data[256];
	size_t len;
} line;

static void put_mem(line *l, const char *s, size_t n)
{
	if (l->len + n >= sizeof l->data)
		return;
	memcpy(l->data + l->len, s, n);
	l->len += n;
}

static void put_str(line *l, const char *s)
{
	put_mem(l, s, strlen(s));
}

static void put_char(line *l, char c)
{
	put_mem(l, &c, 1);
}

static void put_uint(line *l, uint64_t v, int width)
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
static void put_fixed(line *l, int64_t v, int decimals)
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

static void put_date(line *l, int32_t days, bool day_first)
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

static void emit_line(synth *s, int output, const line *l)
{
	fwrite(l->data, 1, l->len, s->out[output].f);
	s->out[output].rows++;
}

/* ---- files --------------------------------------------------------------------------------- */

static int make_dirs(pr_context *ctx, const char *dir)
{
	char *path = strdup(dir);
	if (!path)
		return PR_ENOMEM;
	int r = 0;
	size_t len = strlen(path);
	for (size_t i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char saved = path[i];
		path[i] = '\0';
		if (mkdir(path, 0777) != 0 && errno != EEXIST) {
			r = pr_error(ctx, PR_ECANTCREAT, "cannot create %s: %s", path,
				     strerror(errno));
			goto done;
		}
		path[i] = saved;
	}
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		r = pr_error(ctx, PR_ECANTCREAT, "cannot create %s: not a folder", dir);
done:
	free(path);
	return r;
}

static char *join_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static int open_outputs(synth *s, const char *dir)
{
	for (int i = 0; i < OUT_COUNT; i++) {
		out_file *o = &s->out[i];
		o->path = join_path(dir, output_names[i]);
		size_t n = o->path ? strlen(o->path) + 5 : 0;
		o->tmp_path = o->path ? malloc(n) : NULL;
		o->buffer = malloc(STDIO_BUFFER);
		if (!o->path || !o->tmp_path || !o->buffer)
			return pr_error(s->ctx, PR_ENOMEM, "out of memory");
		snprintf(o->tmp_path, n, "%s.tmp", o->path);
		o->f = fopen(o->tmp_path, "wb");
		if (!o->f)
			return pr_error(s->ctx, PR_ECANTCREAT, "cannot create %s: %s", o->tmp_path,
					strerror(errno));
		setvbuf(o->f, o->buffer, _IOFBF, STDIO_BUFFER);
		fputs(output_headers[i], o->f);
	}
	return 0;
}

static int close_output(synth *s, out_file *o)
{
	if (!o->f)
		return 0;
	bool failed = ferror(o->f) != 0;
	int saved = errno;
	if (fclose(o->f) != 0) {
		failed = true;
		saved = errno;
	}
	o->f = NULL;
	if (failed)
		return pr_error(s->ctx, PR_ECANTCREAT, "cannot write %s: %s", o->tmp_path,
				strerror(saved ? saved : EIO));
	return 0;
}

/* ---- planted malformed rows ---------------------------------------------------------------- */

static void write_planted(synth *s, planted_row *p)
{
	line l = {.len = 0};
	switch (p->output) {
	case OUT_POPULATION:
		if (p->variant == PLANT_NO_COORDINATES) {
			put_str(&l, ",");
		} else {
			if (p->variant == PLANT_BAD_COORDINATES)
				put_str(&l, "abc");
			else
				put_fixed(&l, s->tpl_x, 2);
			put_char(&l, ',');
			put_fixed(&l, s->tpl_y, 2);
		}
		put_str(&l, ",H");
		put_uint(&l, ++s->households, 9);
		put_str(&l, p->variant == PLANT_BAD_NUMBER ? ",three," : ",2,");
		if (p->variant == PLANT_BAD_DATE)
			put_str(&l, "2023-02-30");
		else
			put_date(&l, s->as_of - 400, false);
		put_str(&l, ",\n");
		break;
	case OUT_COMPLAINTS:
		if (p->variant == PLANT_NO_COORDINATES) {
			put_str(&l, ",");
		} else {
			put_fixed(&l, llround(s->tpl_lon * 1e7), 7);
			put_char(&l, ',');
			put_fixed(&l, llround(s->tpl_lat * 1e7), 7);
		}
		put_char(&l, ',');
		if (p->variant == PLANT_BAD_DATE)
			put_str(&l, "2025-13-01");
		else
			put_date(&l, s->as_of - 200, false);
		put_str(&l, ",noise\n");
		break;
	default: /* OUT_INSPECTIONS */
		if (p->variant == PLANT_UNKNOWN_ID) {
			/* Division 21999 is never used for real parcels. */
			put_str(&l, "21999Z9999/99Z999,");
			put_date(&l, s->as_of - 600, false);
			put_str(&l, ",minor\n");
		} else {
			put_str(&l, s->tpl_key);
			put_str(&l, ",31/02/2024,none\n");
		}
		break;
	}
	emit_line(s, p->output, &l);
	p->row = s->out[p->output].rows;
}

/* Writes the planted rows of output that are due before its next row, or all remaining ones at
 * the end of the file. */
static void flush_planted(synth *s, int output, bool at_end)
{
	bool again = true;
	while (again) {
		again = false;
		for (size_t i = 0; i < PLANTED_COUNT; i++) {
			planted_row *p = &s->planted[i];
			if (p->output != output || p->row != 0)
				continue;
			if (at_end || p->at == s->out[output].rows + 1) {
				write_planted(s, p);
				again = true;
			}
		}
	}
}

/* ---- rows of the CSV sources --------------------------------------------------------------- */

static void write_household(synth *s, const parcel *p, int persons, int32_t registered,
			    int32_t left)
{
	s->tpl_x = p->addr_x;
	s->tpl_y = p->addr_y;
	flush_planted(s, OUT_POPULATION, false);
	/* Clerks of some communes type dates day first. */
	bool day_first = rand_chance(s, 0.05);
	line l = {.len = 0};
	put_fixed(&l, p->addr_x, 2);
	put_char(&l, ',');
	put_fixed(&l, p->addr_y, 2);
	put_str(&l, ",H");
	put_uint(&l, ++s->households, 9);
	put_char(&l, ',');
	put_uint(&l, (uint64_t)persons, 1);
	put_char(&l, ',');
	put_date(&l, registered, day_first);
	put_char(&l, ',');
	if (left != PR_DATE_NULL)
		put_date(&l, left, day_first);
	put_char(&l, '\n');
	emit_line(s, OUT_POPULATION, &l);
}

static int write_complaint_at(synth *s, int64_t x, int64_t y, int32_t received, int category)
{
	double lon = (double)x / 100.0, lat = (double)y / 100.0;
	if (!OCTTransform(s->to_wgs84, 1, &lon, &lat, NULL))
		return pr_error_gdal(s->ctx, PR_EINTERNAL,
				     "cannot reproject a complaint point to EPSG:4326");
	s->tpl_lon = lon;
	s->tpl_lat = lat;
	flush_planted(s, OUT_COMPLAINTS, false);
	line l = {.len = 0};
	put_fixed(&l, llround(lon * 1e7), 7);
	put_char(&l, ',');
	put_fixed(&l, llround(lat * 1e7), 7);
	put_char(&l, ',');
	put_date(&l, received, false);
	put_char(&l, ',');
	put_str(&l, category_names[category]);
	put_char(&l, '\n');
	emit_line(s, OUT_COMPLAINTS, &l);
	return 0;
}

static int side_length(const rect *r, int side)
{
	return (int)(side & (SIDE_S | SIDE_N) ? r->x1 - r->x0 : r->y1 - r->y0);
}

/* A point `along` from the low end of a side of r, `inward` into the lot (negative: out into the
 * street). */
static void side_point(const rect *r, int side, int64_t along, int64_t inward, int64_t *ret_x,
		       int64_t *ret_y)
{
	switch (side) {
	case SIDE_S:
		*ret_x = r->x0 + along;
		*ret_y = r->y0 + inward;
		break;
	case SIDE_N:
		*ret_x = r->x0 + along;
		*ret_y = r->y1 - inward;
		break;
	case SIDE_W:
		*ret_x = r->x0 + inward;
		*ret_y = r->y0 + along;
		break;
	default:
		*ret_x = r->x1 - inward;
		*ret_y = r->y0 + along;
		break;
	}
}

static int pick_front(synth *s, int front)
{
	int sides[4], n = 0;
	for (int bit = 1; bit <= SIDE_W; bit <<= 1)
		if (front & bit)
			sides[n++] = bit;
	return sides[rand_range(s, 0, n - 1)];
}

/* Complaints are geocoded onto the street: 3-6 m in front of the lot and at least 2 m from its
 * side boundaries, so the lot is the nearest parcel by a margin of 30 cm or more (well above
 * the centimetre of rounding in lon/lat) and nothing covers the point. */
static int write_complaint(synth *s, const parcel *p, int32_t received, int category)
{
	const rect *r = &p->lot.r[0];
	int side = pick_front(s, p->lot.front);
	int len = side_length(r, side);
	int64_t x, y;
	int margin = len / 4 > 200 ? len / 4 : 200;
	side_point(r, side, rand_range(s, margin, len - margin), -rand_range(s, 300, 600), &x, &y);
	return write_complaint_at(s, x, y, received, category);
}

static void write_inspection(synth *s, const parcel *p, int32_t date, int outcome)
{
	flush_planted(s, OUT_INSPECTIONS, false);
	/* A few keys come with stray spaces, as exported from spreadsheets; the first one always
	 * does, so that even a tiny city tests the trimming. */
	bool padded = s->out[OUT_INSPECTIONS].rows == 0 || rand_chance(s, 0.005);
	line l = {.len = 0};
	if (padded)
		put_char(&l, ' ');
	put_str(&l, p->key);
	if (padded)
		put_char(&l, ' ');
	put_char(&l, ',');
	put_date(&l, date, false);
	put_char(&l, ',');
	put_str(&l, outcome_names[outcome]);
	put_char(&l, '\n');
	emit_line(s, OUT_INSPECTIONS, &l);
}

/* ---- households ---------------------------------------------------------------------------- */

/* Noise on ordinary homes. Real registers are not clean: without it, every parcel showing a slum
 * signal would be a slum and any model would look perfect. Each rate is a plausible share for a
 * Brussels-like city, not a value picked to make the default model look good or bad. */
#define NOISE_SHORT_LETS      0.05 /* parcels whose dwellings see 2-4 registrations in 24 months */
#define NOISE_ROOMMATES	      0.03 /* one-dwelling houses with 2-3 households, mostly singles */
#define NOISE_FLATS	      0.01 /* one-dwelling houses now 4 flats, cadastre not updated */
#define NOISE_LARGE_HOUSEHOLD 0.03 /* dwellings (not parcels) with 5-7 persons in a small flat */
#define NOISE_EXTRA_HOUSEHOLD 0.04 /* dwellings with an adult child registered on their own */

/* How one dwelling's registrations are drawn. */
enum tenancy_flag {
	TENANCY_SOCIAL = 1 << 0,     /* social housing: longer stays, larger households */
	TENANCY_OCCUPIED = 1 << 1,   /* never vacant */
	TENANCY_SHORT_LETS = 1 << 2, /* 2-4 households in turn over the last 24 months */
};

/* A draw in [0, 1) skewed towards 0 (the lower of two uniform draws): for intensities where the
 * mild cases are the most common and the extreme ones rare. */
static double rand_skewed(synth *s)
{
	double a = pr_rng_uniform(&s->rng);
	double b = pr_rng_uniform(&s->rng);
	return a < b ? a : b;
}

/* How long a household stays: a few years mostly, some decades. */
static int32_t draw_stay_days(synth *s)
{
	int bucket = rand_weighted(s, (const int[]){25, 45, 30}, 3);
	if (bucket == 0)
		return (int32_t)rand_range(s, 60, 1095);
	if (bucket == 1)
		return (int32_t)rand_range(s, 1095, 4380);
	return (int32_t)rand_range(s, 4380, 12775);
}

/* Persons of a household fitting in area_m2 by the Housing Code. */
static const int normal_person_weights[] = {35, 30, 15, 13, 7};
static int draw_persons(synth *s, int area_m2, bool social)
{
	static const int social_weights[] = {25, 22, 18, 15, 12, 8};
	int persons = social ? 1 + rand_weighted(s, social_weights, 6)
			     : 1 + rand_weighted(s, normal_person_weights, 5);
	while (persons > 1 && norm_area_m2(persons) * 100 > area_m2 * 95)
		persons--;
	return persons;
}

/* A household of five to seven: a family that grew or took relatives in. */
static int draw_large_household(synth *s)
{
	return 5 + rand_weighted(s, (const int[]){60, 28, 12}, 3);
}

/* Short lets and young renters: two to four households in turn over the last 24 months (within
 * 700 days, clear of the edge of the model's window), the last one still there. */
static void write_short_lets(synth *s, const parcel *p, int persons)
{
	int n = (int)rand_range(s, 2, 4);
	int32_t starts[4];
	for (int i = 0; i < n; i++) {
		int32_t d = s->as_of - (int32_t)rand_range(s, 20, 700);
		int k = i;
		for (; k > 0 && starts[k - 1] > d; k--)
			starts[k] = starts[k - 1];
		starts[k] = d;
	}
	for (int i = 0; i < n; i++) {
		bool current = i == n - 1;
		int32_t left = PR_DATE_NULL;
		if (!current) {
			left = starts[i + 1] - (int32_t)rand_range(s, 0, 20);
			if (left <= starts[i])
				left = starts[i] + 1;
		}
		int size = current ? persons : rand_chance(s, 0.3) ? 2 : 1;
		if (starts[i] >= p->earliest)
			write_household(s, p, size, starts[i], left);
	}
}

/* One dwelling's registrations: its current household (unless vacant) and maybe the one before,
 * or a run of short lets. persons is the current household's size, 0 to draw one that fits the
 * area. Stays are long; social housing tenants stay longer still. */
static void write_dwelling_history(synth *s, const parcel *p, int area_m2, int persons, int flags)
{
	bool social = flags & TENANCY_SOCIAL;
	int32_t last = s->as_of - 1;
	int32_t since;
	if (persons <= 0)
		persons = draw_persons(s, area_m2, social);
	if (flags & TENANCY_SHORT_LETS) {
		write_short_lets(s, p, persons);
		return;
	}
	if ((flags & TENANCY_OCCUPIED) || rand_chance(s, social ? 0.96 : 0.93)) {
		int32_t stay = draw_stay_days(s);
		if (social)
			stay += (int32_t)rand_range(s, 0, 2000);
		since = clamp_date(s->as_of - stay, p->earliest, last);
		write_household(s, p, persons, since, PR_DATE_NULL);
		if (rand_chance(s, NOISE_EXTRA_HOUSEHOLD))
			write_household(s, p, 1, (int32_t)rand_range(s, since, last), PR_DATE_NULL);
	} else {
		since = s->as_of - (int32_t)rand_range(s, 0, 400);
	}
	if (rand_chance(s, social ? 0.3 : 0.35)) {
		int32_t left = since - (int32_t)rand_range(s, 0, 90);
		int32_t registered = left - (int32_t)rand_range(s, 180, 3000);
		if (registered >= p->earliest && left > registered && left <= last)
			write_household(s, p, draw_persons(s, area_m2, social), registered, left);
	}
}

/* An ordinary home, with the noise of a real register: short lets, roommates or flats the
 * cadastre never heard of (one dwelling on record, floor area still adequate), and large
 * households in flats a little below the Housing Code's norm for them. */
static void plan_normal(synth *s, parcel *p)
{
	static const int dwelling_weights[] = {40, 26, 15, 10, 5, 4};
	p->dwellings = 1 + rand_weighted(s, dwelling_weights, 6);
	p->floor_m2 = 0;
	bool affluent = p->level == 0;
	int flags = 0;
	if (rand_chance(s, NOISE_SHORT_LETS)) {
		flags |= TENANCY_SHORT_LETS;
		s->noise.short_lets++;
	}
	if (p->dwellings == 1) {
		double u = pr_rng_uniform(&s->rng);
		if (u < NOISE_FLATS) {
			s->noise.flats++;
			for (int i = 0; i < 4; i++) {
				int area = (int)rand_range(s, 45, 100);
				p->floor_m2 += area;
				write_dwelling_history(s, p, area, 0, flags);
			}
			return;
		}
		if (u < NOISE_FLATS + NOISE_ROOMMATES) {
			s->noise.roommates++;
			int n = (int)rand_range(s, 2, 3);
			int area =
			    (int)(affluent ? rand_range(s, 90, 300) : rand_range(s, 65, 200));
			int total = 0;
			for (int i = 0; i < n; i++) {
				int persons = rand_chance(s, 0.8) ? 1 : 2;
				total += persons;
				write_dwelling_history(s, p, area, persons,
						       flags | TENANCY_OCCUPIED);
			}
			/* House-shares are roomy: 10-60% above the norm for everyone. */
			int least = norm_area_m2(total) * (int)rand_range(s, 110, 160) / 100;
			p->floor_m2 = area > least ? area : least;
			return;
		}
	}
	for (int i = 0; i < p->dwellings; i++) {
		int area;
		if (p->dwellings == 1)
			area = (int)(affluent ? rand_range(s, 90, 300) : rand_range(s, 65, 200));
		else
			area = (int)(affluent ? rand_range(s, 60, 140) : rand_range(s, 45, 115));
		int persons = 0;
		if (rand_chance(s, NOISE_LARGE_HOUSEHOLD)) {
			/* A small flat for them: 75-110% of the norm, mildly overcrowded at worst.
			 */
			s->noise.large_households++;
			persons = draw_large_household(s);
			area = norm_area_m2(persons) * (int)rand_range(s, 75, 110) / 100;
		}
		p->floor_m2 += area;
		write_dwelling_history(s, p, area, persons,
				       flags | (persons ? TENANCY_OCCUPIED : 0));
	}
}

static void plan_bar(synth *s, parcel *p)
{
	p->dwellings = (int)rand_range(s, 1, 2);
	p->floor_m2 = 0;
	for (int i = 0; i < p->dwellings; i++) {
		int area = (int)rand_range(s, 45, 100);
		p->floor_m2 += area;
		write_dwelling_history(s, p, area, 0, 0);
	}
}

/* Social housing: long stays, and the same share of large households as elsewhere, in flats of
 * the block's standard size. */
static void plan_social(synth *s, parcel *p)
{
	p->dwellings = (int)rand_range(s, 12, 48);
	p->floor_m2 = 0;
	for (int i = 0; i < p->dwellings; i++) {
		int area = (int)rand_range(s, 50, 95);
		int persons = 0;
		if (rand_chance(s, NOISE_LARGE_HOUSEHOLD)) {
			s->noise.large_households++;
			persons = draw_large_household(s);
		}
		p->floor_m2 += area;
		write_dwelling_history(s, p, area, persons,
				       TENANCY_SOCIAL | (persons ? TENANCY_OCCUPIED : 0));
	}
}

static void plan_large_family(synth *s, parcel *p)
{
	p->dwellings = 1;
	p->floor_m2 = (int)rand_range(s, 90, 170);
	int32_t since =
	    clamp_date(s->as_of - (int32_t)rand_range(s, 730, 5500), p->earliest, s->as_of - 1);
	write_household(s, p, (int)rand_range(s, 7, 10), since, PR_DATE_NULL);
	if (rand_chance(s, 0.3)) {
		int32_t left = since - (int32_t)rand_range(s, 0, 60);
		int32_t registered = left - (int32_t)rand_range(s, 365, 4000);
		if (registered >= p->earliest)
			write_household(s, p, (int)rand_range(s, 1, 4), registered, left);
	}
}

/* Kots: a town house let room by room to students, one student per room and a new one almost
 * every academic year (mid-September to early July). The cadastre records the house as one or
 * two dwellings, so the register shows many one-person households per dwelling and high
 * turnover — exactly what illegal subdivision looks like — but each student has the room the
 * student norm asks for (12 m²), and hardly anybody complains. */
static void plan_student(synth *s, parcel *p)
{
	int y, m, d;
	pr_civil_from_days(s->as_of, &y, &m, &d);
	p->dwellings = rand_chance(s, 0.7) ? 1 : 2;
	int rooms = (int)rand_range(s, 6, 12);
	p->floor_m2 = rooms * (int)rand_range(s, 14, 20) + (int)rand_range(s, 20, 40);
	for (int i = 0; i < rooms; i++) {
		int current_year = y - rand_weighted(s, (const int[]){60, 30, 10}, 3);
		if (rand_chance(s, 0.9)) {
			int32_t since =
			    pr_days_from_civil(current_year, 9, 1) + (int32_t)rand_range(s, 0, 40);
			write_household(s, p, 1, clamp_date(since, p->earliest, s->as_of - 1),
					PR_DATE_NULL);
		}
		for (int year = current_year - 1; year >= y - 4; year--) {
			if (!rand_chance(s, 0.8))
				continue;
			int32_t registered =
			    pr_days_from_civil(year, 9, 1) + (int32_t)rand_range(s, 0, 40);
			int32_t left =
			    pr_days_from_civil(year + 1, 6, 15) + (int32_t)rand_range(s, 0, 30);
			if (registered >= p->earliest)
				write_household(s, p, 1, registered, left);
		}
	}
}

#define SLUM_MAX_HOUSEHOLDS 16

/* A slum parcel: one to three dwellings on record, and a random two to four of the five signals
 * (never all), each at an intensity from mild, where it overlaps the noise on ordinary homes, to
 * extreme. The signals it does not show are drawn as on an ordinary home, noise included. */
static void plan_slum(synth *s, parcel *p)
{
	int order[SIGNAL_COUNT] = {0, 1, 2, 3, 4};
	for (int i = SIGNAL_COUNT - 1; i > 0; i--) {
		int j = (int)rand_range(s, 0, i);
		int t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	int n_signals = (int)rand_range(s, 2, 4);
	p->signals = 0;
	for (int i = 0; i < n_signals; i++)
		p->signals |= 1 << order[i];
	for (int i = 0; i < SIGNAL_COUNT; i++)
		if (p->signals & (1 << i))
			s->signal_count[i]++;
	bool crowded = p->signals & SIGNAL_CROWDED;
	bool space = p->signals & SIGNAL_SPACE;
	bool turnover = p->signals & SIGNAL_TURNOVER;

	int dwellings = 1 + rand_weighted(s, (const int[]){55, 35, 10}, 3);
	p->dwellings = dwellings;

	/* Subdivision: from 3 households per dwelling on record (a house let as three rooms) to 9,
	 * the mild end the most common. Without it, households as on an ordinary home. */
	int households;
	if (crowded) {
		int per_dwelling_x10 = 30 + (int)(60.0 * rand_skewed(s));
		households = (dwellings * per_dwelling_x10 + 5) / 10;
		if (households > SLUM_MAX_HOUSEHOLDS)
			households = SLUM_MAX_HOUSEHOLDS;
	} else {
		households = dwellings;
		if (dwellings == 1) {
			double u = pr_rng_uniform(&s->rng);
			if (u < NOISE_FLATS)
				households = 4;
			else if (u < NOISE_FLATS + NOISE_ROOMMATES)
				households = (int)rand_range(s, 2, 3);
		}
	}

	/* Persons and floor area. Overcrowding: from slightly (0.8 times the Housing Code's norm
	 * area) to severely (0.35 times) below the norm, the mild end the most common. The norm of
	 * P persons in D dwellings is D * 18 + (P - D) * 10 m². */
	int persons[SLUM_MAX_HOUSEHOLDS];
	int total = 0;
	int floor_m2;
	int share_x100 = 80 - (int)(45.0 * rand_skewed(s));
	if (space && crowded) {
		/* Rooms let to single adults and families in a house of ordinary size: as many
		 * people as it takes to reach that density, at most four per household. */
		floor_m2 = (int)rand_range(s, 50, 130);
		total = (floor_m2 * 100 / share_x100 - 8 * dwellings + 9) / 10;
		if (total < households + 1)
			total = households + 1;
		if (total > 4 * households)
			total = 4 * households;
		for (int i = 0; i < households; i++)
			persons[i] = 1;
		for (int extra = total - households; extra > 0; extra--) {
			int i;
			do
				i = (int)rand_range(s, 0, households - 1);
			while (persons[i] >= 4);
			persons[i]++;
		}
		floor_m2 = (8 * dwellings + 10 * total) * share_x100 / 100;
	} else if (space) {
		/* Families of three to eight in a flat far too small for them. */
		for (int i = 0; i < households; i++) {
			persons[i] = (int)rand_range(s, 3, 8);
			total += persons[i];
		}
		floor_m2 = (8 * dwellings + 10 * total) * share_x100 / 100;
	} else {
		for (int i = 0; i < households; i++) {
			persons[i] = crowded ? 1 + rand_weighted(s, (const int[]){60, 28, 12}, 3)
					     : 1 + rand_weighted(s, normal_person_weights, 5);
			total += persons[i];
		}
		int norm = 8 * dwellings + 10 * total;
		floor_m2 = (int)rand_range(s, 60, 140);
		if (!crowded && rand_chance(s, NOISE_LARGE_HOUSEHOLD * dwellings)) {
			/* The large household in a small flat of ordinary homes. */
			total -= persons[0];
			persons[0] = draw_large_household(s);
			total += persons[0];
			floor_m2 = (8 * dwellings + 10 * total) * (int)rand_range(s, 75, 110) / 100;
		} else {
			int least = norm * (int)rand_range(s, 105, 140) / 100;
			if (floor_m2 < least)
				floor_m2 = least;
		}
	}
	p->floor_m2 = floor_m2;

	/* Turnover: 1.5 to 7.5 short stays per dwelling in the last 24 months on top of the current
	 * households, most of whom arrived recently. Without it, the dwellings' main households
	 * come and go as on an ordinary home (short lets included) and the extra ones have been
	 * there for years. */
	int32_t last = s->as_of - 1;
	int flags = TENANCY_OCCUPIED;
	if (!turnover && rand_chance(s, NOISE_SHORT_LETS))
		flags |= TENANCY_SHORT_LETS;
	for (int i = 0; i < households; i++) {
		if (!turnover && i < dwellings) {
			write_dwelling_history(s, p, 100, persons[i], flags);
			continue;
		}
		int32_t since = turnover && rand_chance(s, 0.75)
				    ? s->as_of - (int32_t)rand_range(s, 15, 420)
				    : s->as_of - (int32_t)rand_range(s, 800, 3650);
		write_household(s, p, persons[i], clamp_date(since, p->earliest, last),
				PR_DATE_NULL);
	}
	if (turnover) {
		int per_dwelling_x10 = 15 + (int)(60.0 * rand_skewed(s));
		int past = (dwellings * per_dwelling_x10 + 5) / 10;
		for (int i = 0; i < past; i++) {
			int32_t registered = s->as_of - (int32_t)rand_range(s, 60, 700);
			int32_t left = registered + (int32_t)rand_range(s, 20, 200);
			if (left > last)
				left = last;
			write_household(s, p, (int)rand_range(s, 1, 3), registered, left);
		}
	}
}

/* ---- complaints and inspections of one parcel ---------------------------------------------- */

/* Tenants of ordinary homes complain about their dwelling now and then, humidity above all: in
 * the last three years about 3.5% of houses get one such complaint and 0.5% two (social
 * housing: 2% of its dwellings one each), and 2.5% of houses have an older one (3-5 years). */
#define TENANT_ONE_COMPLAINT	   0.035
#define TENANT_TWO_COMPLAINTS	   0.005
#define TENANT_SOCIAL_PER_DWELLING 0.02
#define TENANT_OLDER_COMPLAINT	   0.025
#define STUDENT_NOISE_COMPLAINT	   0.10 /* neighbours of kots: one noise complaint */
#define STUDENT_HUMIDITY_COMPLAINT 0.03 /* kots: one humidity complaint */
static const int tenant_category_weights[CAT_COUNT] = {25, 3, 57, 15, 0, 0, 0};

static int write_serious_complaint(synth *s, parcel *p, int32_t received, const int *weights)
{
	int r = write_complaint(s, p, received, rand_weighted(s, weights, CAT_COUNT));
	if (!r && (p->last_serious == PR_DATE_NULL || received > p->last_serious))
		p->last_serious = received;
	return r;
}

static int write_tenant_complaints(synth *s, parcel *p)
{
	int r = 0;
	int recent = 0;
	if (p->kind == KIND_SOCIAL) {
		for (int i = 0; i < p->dwellings; i++)
			recent += rand_chance(s, TENANT_SOCIAL_PER_DWELLING);
	} else {
		double u = pr_rng_uniform(&s->rng);
		if (u < TENANT_TWO_COMPLAINTS)
			recent = 2;
		else if (u < TENANT_TWO_COMPLAINTS + TENANT_ONE_COMPLAINT)
			recent = 1;
	}
	if (recent)
		s->noise.tenant_complaint_parcels++;
	for (int i = 0; i < recent && !r; i++)
		r = write_serious_complaint(s, p, s->as_of - (int32_t)rand_range(s, 1, 1095),
					    tenant_category_weights);
	if (!r && rand_chance(s, TENANT_OLDER_COMPLAINT))
		r = write_serious_complaint(s, p, s->as_of - (int32_t)rand_range(s, 1100, 1826),
					    tenant_category_weights);
	return r;
}

static int write_parcel_complaints(synth *s, parcel *p)
{
	int r = 0;
	p->last_serious = PR_DATE_NULL;
	if (!p->lot.front)
		return 0;
	if (p->kind == KIND_STUDENT) {
		if (rand_chance(s, STUDENT_NOISE_COMPLAINT)) {
			s->noise.student_complaints++;
			if ((r = write_complaint(s, p, s->as_of - (int32_t)rand_range(s, 1, 1095),
						 CAT_NOISE)))
				return r;
		}
		if (rand_chance(s, STUDENT_HUMIDITY_COMPLAINT)) {
			s->noise.student_complaints++;
			if ((r = write_serious_complaint(
				 s, p, s->as_of - (int32_t)rand_range(s, 1, 1095),
				 (const int[CAT_COUNT]){[CAT_HUMIDITY] = 1})))
				return r;
		}
		return 0;
	}
	/* Neighbours' nuisances: geometric with a mean of about 0.37 complaints per home. Shops and
	 * workshops draw from all categories, as complaints about the flats above them land there.
	 */
	bool commercial = p->kind == KIND_COMMERCIAL;
	double mean = commercial ? 0.3 : 0.37;
	double q = mean / (1.0 + mean);
	while (rand_chance(s, q)) {
		int category = rand_weighted(
		    s, commercial ? background_category_weights : nuisance_category_weights,
		    CAT_COUNT);
		int32_t received = s->as_of - (int32_t)rand_range(s, 1, 1826);
		if ((r = write_complaint(s, p, received, category)))
			return r;
		if (category <= CAT_ELECTRICITY &&
		    (p->last_serious == PR_DATE_NULL || received > p->last_serious))
			p->last_serious = received;
	}
	if (commercial)
		return 0;
	if (p->kind == KIND_BAR) {
		int n = (int)rand_range(s, 3, 8);
		for (int i = 0; i < n; i++) {
			int category = rand_chance(s, 0.9) ? CAT_NOISE : CAT_WASTE;
			if ((r = write_complaint(s, p, s->as_of - (int32_t)rand_range(s, 1, 1095),
						 category)))
				return r;
		}
	}
	if (p->kind == KIND_SLUM && (p->signals & SIGNAL_COMPLAINTS)) {
		/* One complaint (perhaps two years old) to four recent ones. */
		int n = 1 + rand_weighted(s, (const int[]){40, 30, 20, 10}, 4);
		for (int i = 0; i < n && !r; i++) {
			int32_t age = rand_chance(s, 0.65) ? (int32_t)rand_range(s, 1, 365)
							   : (int32_t)rand_range(s, 366, 1460);
			r = write_serious_complaint(s, p, s->as_of - age, serious_category_weights);
		}
		return r;
	}
	return write_tenant_complaints(s, p);
}

/* Past visits found in the inspectorate's files on ordinary homes: 2% of them had one in the last
 * six years, a quarter of which found major defects (0.5% of homes; complaint-driven and routine
 * visits add about 0.2%). A quarter of the landlords who let several houses are careless (bad
 * but not slum landlords): 40% of their houses had a visit with major defects, which makes
 * about 10% of all houses in such portfolios. */
#define PAST_VISIT		  0.02
#define CARELESS_LANDLORD_SHARE	  0.25
#define CARELESS_LANDLORD_FINDING 0.4
static const int past_visit_outcome_weights[] = {40, 35, 25, 0};

static void write_parcel_inspections(synth *s, parcel *p)
{
	if (!p->has_key || !p->lot.front)
		return;
	if (p->kind == KIND_SLUM && (p->signals & SIGNAL_INSPECTION)) {
		/* One finding of major defects, a closure order, or a second bad visit before. */
		int32_t date = s->as_of - (int32_t)rand_range(s, 270, 1750);
		if (rand_chance(s, 0.3))
			write_inspection(s, p, date - (int32_t)rand_range(s, 365, 1100),
					 OUTCOME_MINOR);
		if (rand_chance(s, 0.15))
			write_inspection(s, p, date - (int32_t)rand_range(s, 120, 700),
					 OUTCOME_MAJOR);
		write_inspection(s, p, date,
				 rand_chance(s, 0.65) ? OUTCOME_MAJOR : OUTCOME_CLOSURE);
		return;
	}
	/* Complaint-driven visits follow a serious complaint by weeks to months. */
	if (p->last_serious != PR_DATE_NULL && rand_chance(s, 0.2 * s->boost)) {
		int32_t date = p->last_serious + (int32_t)rand_range(s, 20, 180);
		if (date < s->as_of)
			write_inspection(s, p, date,
					 rand_weighted(s, complaint_outcome_weights, 4));
	}
	if (rand_chance(s, 0.015 * s->boost))
		write_inspection(s, p, s->as_of - (int32_t)rand_range(s, 30, 3650),
				 rand_weighted(s, routine_outcome_weights, 4));
	if (p->kind == KIND_COMMERCIAL || p->kind == KIND_STUDENT || p->kind == KIND_BAR)
		return;
	if (rand_chance(s, PAST_VISIT)) {
		int outcome = rand_weighted(s, past_visit_outcome_weights, 4);
		write_inspection(s, p, s->as_of - (int32_t)rand_range(s, 30, 2190), outcome);
		if (outcome >= OUTCOME_MAJOR)
			s->noise.bad_visits++;
	}
	if (p->careless_owner && rand_chance(s, CARELESS_LANDLORD_FINDING)) {
		write_inspection(s, p, s->as_of - (int32_t)rand_range(s, 30, 2190), OUTCOME_MAJOR);
		s->noise.careless_findings++;
	}
}

/* ---- parcels ------------------------------------------------------------------------------- */

static void make_key(synth *s, int neighbourhood, char *ret_key)
{
	int division = neighbourhood % 19;
	int section = (neighbourhood / 19) % 26;
	uint32_t n = s->key_counter[division][section]++;
	line l = {.len = 0};
	put_uint(&l, (uint64_t)(21001 + division), 5);
	put_char(&l, (char)('A' + section));
	put_uint(&l, n % 9999 + 1, 4);
	put_char(&l, '/');
	put_uint(&l, n / 9999, 2);
	put_char(&l, "ABCDEFGHK"[rand_range(s, 0, 8)]);
	put_uint(&l, rand_chance(s, 0.9) ? 0 : (uint64_t)rand_range(s, 1, 20), 3);
	l.data[l.len] = '\0';
	memcpy(ret_key, l.data, l.len + 1);
}

static void make_individual(synth *s, char *ret_owner)
{
	line l = {.len = 0};
	put_str(&l, "Owner ");
	put_uint(&l, ++s->owners, 7);
	l.data[l.len] = '\0';
	memcpy(ret_owner, l.data, l.len + 1);
}

static void make_company(const char *prefix, uint32_t number, int width, char *ret_owner)
{
	line l = {.len = 0};
	put_str(&l, prefix);
	put_uint(&l, number, width);
	l.data[l.len] = '\0';
	memcpy(ret_owner, l.data, l.len + 1);
}

static void make_landlord(synth *s, char *ret_owner)
{
	if (rand_chance(s, 0.7))
		make_individual(s, ret_owner);
	else
		make_company("SRL Immo ", ++s->companies, 4, ret_owner);
}

/* One of the pool's open portfolios, at random; a used-up one is replaced by a new owner first. */
static int pool_slot(synth *s, owner_pool *pool)
{
	int i = (int)rand_range(s, 0, pool->slots - 1);
	if (pool->left[i] > 0)
		return i;
	make_landlord(s, pool->name[i]);
	int size = (int)rand_range(s, pool->min_size, pool->max_size);
	pool->left[i] = size;
	pool->careless[i] = pool->careless_share > 0.0 && rand_chance(s, pool->careless_share);
	if (pool->mixed) {
		/* Rounded at random, so that the share holds on average for small portfolios too;
		 * with at least three parcels and at most 40% rentals, one is always a slum. */
		double share = SLUM_LANDLORD_ORDINARY_MIN +
			       (SLUM_LANDLORD_ORDINARY_MAX - SLUM_LANDLORD_ORDINARY_MIN) *
				   pr_rng_uniform(&s->rng);
		int rentals = (int)(size * share + pr_rng_uniform(&s->rng));
		pool->slums[i] = size - rentals;
		s->slum_owners.landlords++;
	}
	return i;
}

/* Gives the parcel an owner from the pool; returns whether that owner is careless. */
static bool pool_owner(synth *s, owner_pool *pool, char *ret_owner)
{
	int i = pool_slot(s, pool);
	pool->left[i]--;
	strcpy(ret_owner, pool->name[i]);
	return pool->careless[i];
}

/* Gives the parcel a slum landlord from the pool; returns whether it is one of the landlord's
 * slums rather than one of the ordinary rentals. */
static bool slum_landlord_owner(synth *s, owner_pool *pool, char *ret_owner)
{
	int i = pool_slot(s, pool);
	bool slum = rand_range(s, 1, pool->left[i]) <= pool->slums[i];
	if (slum)
		pool->slums[i]--;
	pool->left[i]--;
	strcpy(ret_owner, pool->name[i]);
	return slum;
}

static void choose_owner(synth *s, parcel *p)
{
	if (p->slum_landlord)
		return;
	switch (p->kind) {
	case KIND_SLUM:
		make_individual(s, p->owner);
		break;
	case KIND_SOCIAL:
		make_company("SISP Habitat ", (uint32_t)rand_range(s, 1, 8), 2, p->owner);
		break;
	case KIND_BAR:
		/* Breweries own many cafés: a legitimate portfolio with noise complaints. */
		if (rand_chance(s, 0.4))
			make_company("SA Brasserie ", (uint32_t)rand_range(s, 1, 5), 2, p->owner);
		else
			make_individual(s, p->owner);
		break;
	case KIND_COMMERCIAL:
		if (rand_chance(s, 0.6))
			make_company("SRL Immo ", ++s->companies, 4, p->owner);
		else
			make_individual(s, p->owner);
		break;
	case KIND_STUDENT:
		if (rand_chance(s, 0.6))
			pool_owner(s, &s->landlords, p->owner);
		else
			make_individual(s, p->owner);
		break;
	default:
		if (rand_chance(s, p->kind == KIND_LARGE_FAMILY ? 0.3 : 0.15))
			p->careless_owner = pool_owner(s, &s->landlords, p->owner);
		else
			make_individual(s, p->owner);
		break;
	}
}

/* The parcel's kind, and its owner when that is a slum landlord. */
static int choose_kind(synth *s, parcel *p, bool corner)
{
	if (p->lot.interior)
		return KIND_COMMERCIAL;
	int level = p->level;
	double b = s->boost;
	/* Slums owned by single-property owners, then slum landlords' parcels: as many as make
	 * their slums the rest of p_slum, their ordinary rentals taken from ordinary homes. */
	double p_slum = s->slum_per_weight * slum_level_weight[level];
	double p_single = p_slum * SLUM_SINGLE_OWNER_SHARE;
	double p_landlord =
	    p_slum * (1.0 - SLUM_SINGLE_OWNER_SHARE) / (1.0 - SLUM_LANDLORD_ORDINARY_MEAN);
	double p_social = corner ? 0.035 * b * (const double[]){0.3, 1.0, 1.5, 1.5}[level] : 0.0;
	double p_bar = (corner ? 0.04 : 0.004) * b;
	double p_student = 0.008 * b * (const double[]){1.0, 1.6, 0.8, 0.4}[level];
	double p_family = 0.008 * b * (const double[]){0.5, 1.0, 1.6, 2.0}[level];
	double p_commercial = corner ? 0.15 : 0.05;
	double u = pr_rng_uniform(&s->rng);
	if ((u -= p_single) < 0) {
		s->slum_owners.single_owner_slums++;
		return KIND_SLUM;
	}
	if ((u -= p_landlord) < 0) {
		p->slum_landlord = true;
		if (slum_landlord_owner(s, &s->slum_landlords, p->owner)) {
			s->slum_owners.landlord_slums++;
			return KIND_SLUM;
		}
		s->slum_owners.landlord_rentals++;
		return KIND_NORMAL;
	}
	if ((u -= p_social) < 0)
		return KIND_SOCIAL;
	if ((u -= p_bar) < 0)
		return KIND_BAR;
	if ((u -= p_student) < 0)
		return KIND_STUDENT;
	if ((u -= p_family) < 0)
		return KIND_LARGE_FAMILY;
	if ((u -= p_commercial) < 0)
		return KIND_COMMERCIAL;
	return KIND_NORMAL;
}

static int draw_build_year(synth *s, const parcel *p)
{
	static const int lo[4] = {1880, 1865, 1855, 1850};
	static const int hi[4] = {2020, 2010, 1990, 1975};
	int a, b;
	switch (p->kind) {
	case KIND_SLUM:
		return (int)rand_range(s, 1865, 1935);
	case KIND_SOCIAL:
		return (int)rand_range(s, 1955, 2018);
	case KIND_STUDENT:
		return (int)rand_range(s, 1880, 2015);
	default:
		a = lo[p->level];
		b = hi[p->level];
		return a + (int)((rand_range(s, 0, b - a) + rand_range(s, 0, b - a)) / 2);
	}
}

static size_t wkb_put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
	return 4;
}

static size_t wkb_put_double(uint8_t *p, double d)
{
	uint64_t v;
	memcpy(&v, &d, sizeof v);
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
	return 8;
}

/* The lot as a little-endian WKB MultiPolygon of counter-clockwise rectangles. */
static OGRGeometryH lot_geometry(const lot_shape *lot)
{
	uint8_t wkb[9 + 2 * 93];
	size_t n = 0;
	wkb[n++] = 1;
	n += wkb_put_u32(wkb + n, wkbMultiPolygon);
	n += wkb_put_u32(wkb + n, (uint32_t)lot->nrect);
	for (int i = 0; i < lot->nrect; i++) {
		const rect *r = &lot->r[i];
		const int64_t xs[5] = {r->x0, r->x1, r->x1, r->x0, r->x0};
		const int64_t ys[5] = {r->y0, r->y0, r->y1, r->y1, r->y0};
		wkb[n++] = 1;
		n += wkb_put_u32(wkb + n, wkbPolygon);
		n += wkb_put_u32(wkb + n, 1);
		n += wkb_put_u32(wkb + n, 5);
		for (int k = 0; k < 5; k++) {
			n += wkb_put_double(wkb + n, (double)xs[k] / 100.0);
			n += wkb_put_double(wkb + n, (double)ys[k] / 100.0);
		}
	}
	OGRGeometryH g = NULL;
	if (OGR_G_CreateFromWkb(wkb, NULL, &g, (int)n) != OGRERR_NONE)
		return NULL;
	return g;
}

/* A street address derived from the address point alone (no random draw, so the rest of the
 * city does not change): the street from the 100 m band it stands in, the number from its
 * position along it. */
static void street_address(const parcel *p, char *buf, size_t size)
{
	static const char *const streets[] = {
	    "Rue Haute",	 "Rue de Brabant",	 "Chaussée de Gand", "Rue de la Senne",
	    "Rue Gray",		 "Chaussée de Haecht",	 "Rue de Mérode",    "Rue Brogniez",
	    "Rue Fransman",	 "Chaussée de Waterloo", "Rue des Palais",   "Rue Vanderstraeten",
	    "Rue de Ribaucourt", "Boulevard Léopold II", "Rue du Progrès",   "Rue Dethy",
	    "Rue de Liverpool",	 "Avenue de Stalingrad",
	};
	int64_t band = p->addr_y / 10000;
	int64_t street = ((band % 18) + 18) % 18;
	int64_t number = ((p->addr_x / 100) / 7) % 240 + 1;
	snprintf(buf, size, "%s %lld", streets[street],
		 (long long)(number < 1 ? -number + 1 : number));
}

static int write_feature(synth *s, const parcel *p)
{
	OGRFeatureH f = s->feature;
	OGRGeometryH g = lot_geometry(&p->lot);
	if (!g)
		return pr_error_gdal(s->ctx, PR_EINTERNAL, "cannot build a parcel geometry");
	OGR_F_SetGeometryDirectly(f, g);
	OGR_F_SetFID(f, OGRNullFID);
	if (p->has_key)
		OGR_F_SetFieldString(f, 0, p->key);
	else
		OGR_F_SetFieldNull(f, 0);
	if (p->kind == KIND_ROAD) {
		OGR_F_SetFieldNull(f, 1);
		OGR_F_SetFieldNull(f, 2);
		OGR_F_SetFieldNull(f, 3);
		OGR_F_SetFieldNull(f, 4);
	} else {
		OGR_F_SetFieldString(f, 1, p->owner);
		if (p->floor_null)
			OGR_F_SetFieldNull(f, 2);
		else
			OGR_F_SetFieldDouble(f, 2, p->floor_m2);
		if (p->dwellings_null)
			OGR_F_SetFieldNull(f, 3);
		else
			OGR_F_SetFieldInteger(f, 3, p->dwellings);
		OGR_F_SetFieldInteger(f, 4, p->build_year);
	}
	OGR_F_SetFieldString(f, 5, p->use);
	if (p->kind == KIND_ROAD) {
		OGR_F_SetFieldNull(f, 6);
	} else {
		char address[80];
		street_address(p, address, sizeof address);
		OGR_F_SetFieldString(f, 6, address);
	}
	if (OGR_L_CreateFeature(s->layer, f) != OGRERR_NONE)
		return pr_error_gdal(s->ctx, PR_ECANTCREAT, "cannot write parcel %s to %s",
				     p->has_key ? p->key : "(no key)", s->gpkg_tmp_path);
	return 0;
}

static void write_truth(synth *s, const parcel *p)
{
	if (!p->has_key)
		return;
	line l = {.len = 0};
	put_str(&l, p->key);
	put_str(&l, p->kind == KIND_SLUM ? ",1," : ",0,");
	put_str(&l, kind_names[p->kind]);
	put_char(&l, '\n');
	emit_line(s, OUT_TRUTH, &l);
}

static int emit_road(synth *s, const rect *r, int neighbourhood)
{
	parcel p = {.kind = KIND_ROAD, .use = "road", .has_key = true};
	p.lot.r[0] = *r;
	p.lot.nrect = 1;
	make_key(s, neighbourhood, p.key);
	int ret = write_feature(s, &p);
	if (ret)
		return ret;
	write_truth(s, &p);
	s->kind_count[KIND_ROAD]++;
	return 0;
}

static int emit_parcel(synth *s, const lot_shape *lot, bool corner, int level, int neighbourhood)
{
	int r = 0;
	if (s->parcels >= s->target) {
		s->done = true;
		return 0;
	}
	parcel p = {.lot = *lot, .level = level};
	p.kind = choose_kind(s, &p, corner);
	/* Real cadastres have parcels without a key. The first two interior parcels lack one:
	 * nobody is registered on them and no complaint points at them, so whatever the engine
	 * does with such parcels cannot move records between other parcels. */
	p.has_key = !(lot->interior && s->null_keys_left > 0);
	if (p.has_key) {
		make_key(s, neighbourhood, p.key);
		memcpy(s->tpl_key, p.key, sizeof s->tpl_key);
	} else {
		s->null_keys_left--;
	}
	choose_owner(s, &p);
	p.build_year = draw_build_year(s, &p);
	int32_t built = pr_days_from_civil(p.build_year, 1, 1) + 200;
	int32_t register_start = pr_days_from_civil(1985, 1, 1);
	p.earliest = built > register_start ? built : register_start;
	if (lot->interior)
		p.use = "workshop";
	else if (p.kind == KIND_COMMERCIAL)
		p.use = "commercial";
	else if (p.kind == KIND_BAR)
		p.use = "mixed";
	else
		p.use = "residential";

	if (lot->front) {
		int side = pick_front(s, lot->front);
		int len = side_length(&lot->r[0], side);
		side_point(&lot->r[0], side, rand_range(s, 100, len - 100), rand_range(s, 100, 300),
			   &p.addr_x, &p.addr_y);
	}
	switch (p.kind) {
	case KIND_NORMAL:
		plan_normal(s, &p);
		break;
	case KIND_SLUM:
		plan_slum(s, &p);
		break;
	case KIND_STUDENT:
		plan_student(s, &p);
		break;
	case KIND_LARGE_FAMILY:
		plan_large_family(s, &p);
		break;
	case KIND_SOCIAL:
		plan_social(s, &p);
		break;
	case KIND_BAR:
		plan_bar(s, &p);
		break;
	default:
		/* Shops, offices and interior workshops: no dwelling, nobody registered. */
		p.dwellings = 0;
		p.floor_m2 = (int)(lot->interior ? rand_range(s, 40, 400) : rand_range(s, 80, 600));
		break;
	}
	/* Missing data, as in every real cadastre extract. */
	p.floor_null = rand_chance(s, 0.01);
	p.dwellings_null = rand_chance(s, 0.01);

	if ((r = write_parcel_complaints(s, &p)))
		return r;
	write_parcel_inspections(s, &p);
	if ((r = write_feature(s, &p)))
		return r;
	write_truth(s, &p);
	s->kind_count[p.kind]++;
	s->parcels++;
	if (s->parcels % 65536 == 0)
		pr_progress(s->ctx, "synth", s->parcels, s->target);
	return 0;
}

/* ---- blocks -------------------------------------------------------------------------------- */

static int neighbourhood_of(const synth *s, int64_t row, int64_t col, int *ret_level)
{
	int nb_row = (int)((row / NEIGHBOURHOOD_BLOCKS) % s->nb_rows);
	int nb_col = (int)(col / NEIGHBOURHOOD_BLOCKS);
	int index = nb_row * s->nb_cols + nb_col;
	*ret_level = s->nb_level[index];
	return (int)(row / NEIGHBOURHOOD_BLOCKS) * s->nb_cols + nb_col;
}

/* Splits a run of street frontage into lots 5-10 m wide. */
static int next_frontage(synth *s, int64_t remaining)
{
	if (remaining <= 1000)
		return (int)remaining;
	if (remaining < 1500)
		return (int)(remaining / 2);
	int64_t most = remaining - 500 < 1000 ? remaining - 500 : 1000;
	return (int)rand_range(s, 500, most);
}

/* The lots along one side of a block, between its corner lots. */
static int emit_side(synth *s, const rect *block, int side, int64_t start, int64_t end, int depth,
		     int level, int neighbourhood)
{
	int r = 0;
	int64_t at = start;
	while (at < end && !s->done) {
		int64_t width = next_frontage(s, end - at);
		int64_t d = rand_range(s, depth - 800 > 1800 ? depth - 800 : 1800, depth);
		lot_shape lot = {.nrect = 1, .front = side};
		rect *q = &lot.r[0];
		switch (side) {
		case SIDE_S:
			*q = (rect){at, block->y0, at + width, block->y0 + d};
			break;
		case SIDE_N:
			*q = (rect){at, block->y1 - d, at + width, block->y1};
			break;
		case SIDE_W:
			*q = (rect){block->x0, at, block->x0 + d, at + width};
			break;
		default:
			*q = (rect){block->x1 - d, at, block->x1, at + width};
			break;
		}
		if ((r = emit_parcel(s, &lot, false, level, neighbourhood)))
			return r;
		at += width;
	}
	return 0;
}

/* A park or square: no parcels, and the complaints about it are geocoded to its middle, more
 * than 30 m from any parcel, so the engine must reject them as outside every parcel. */
static int emit_park(synth *s, const rect *block)
{
	int n = (int)rand_range(s, 3, 8);
	for (int i = 0; i < n; i++) {
		int64_t x = rand_range(s, block->x0 + 2000, block->x1 - 2000);
		int64_t y = rand_range(s, block->y0 + 1800, block->y1 - 1800);
		int r = write_complaint_at(s, x, y, s->as_of - (int32_t)rand_range(s, 1, 1826),
					   rand_weighted(s, park_category_weights, CAT_COUNT));
		if (r)
			return r;
	}
	return 0;
}

static int emit_block(synth *s, int64_t b)
{
	int r = 0;
	int64_t row = b / s->ncols, col = b % s->ncols;
	int64_t cell_x = s->x0 + col * CELL_W, cell_y = s->y0 + row * CELL_H;
	int level;
	int neighbourhood = neighbourhood_of(s, row, col, &level);
	int64_t w = rand_range(s, 9600, 10400), h = rand_range(s, 7600, 8400);
	rect block;
	block.x0 = cell_x + (CELL_W - w) / 2 + rand_range(s, -100, 100);
	block.y0 = cell_y + (CELL_H - h) / 2 + rand_range(s, -100, 100);
	block.x1 = block.x0 + w;
	block.y1 = block.y0 + h;

	/* Road right-of-way along the street east and north of the block, clear of every
	 * possible block and of the intersections. */
	if (rand_chance(s, 0.6)) {
		rect road = {cell_x + CELL_W - 650, cell_y + 1250, cell_x + CELL_W + 650,
			     cell_y + CELL_H - 1250};
		if ((r = emit_road(s, &road, neighbourhood)))
			return r;
	}
	if (rand_chance(s, 0.45)) {
		rect road = {cell_x + 1250, cell_y + CELL_H - 600, cell_x + CELL_W - 1250,
			     cell_y + CELL_H + 600};
		if ((r = emit_road(s, &road, neighbourhood)))
			return r;
	}
	/* The second block is always a park so that even tiny cities have one. */
	if (b == 1 || (b > 1 && rand_chance(s, PARK_SHARE)))
		return emit_park(s, &block);

	/* Depth of the lots on each side; what the four sides leave is the interior. */
	int d_s = (int)rand_range(s, 2000, 3400);
	int d_n = (int)rand_range(s, 2000, h - 1400 - d_s < 3400 ? h - 1400 - d_s : 3400);
	int d_w = (int)rand_range(s, 2000, 3400);
	int d_e = (int)rand_range(s, 2000, w - 2400 - d_w < 3400 ? w - 2400 - d_w : 3400);
	rect inner = {block.x0 + d_w, block.y0 + d_s, block.x1 - d_e, block.y1 - d_n};

	/* Interior: courtyards and workshops, one to three pieces side by side, some left as
	 * gaps, and sometimes two pieces forming one multipolygon parcel. */
	int pieces = (int)rand_range(s, 1, 3);
	int64_t cuts[4] = {inner.x0, inner.x1, inner.x1, inner.x1};
	if (pieces == 2)
		cuts[1] = rand_range(s, inner.x0 + (inner.x1 - inner.x0) / 3,
				     inner.x1 - (inner.x1 - inner.x0) / 3);
	if (pieces == 3) {
		int64_t third = (inner.x1 - inner.x0) / 3;
		cuts[1] = inner.x0 + third + rand_range(s, -third / 4, third / 4);
		cuts[2] = inner.x1 - third + rand_range(s, -third / 4, third / 4);
	}
	bool joined = pieces == 3 && rand_chance(s, 0.3);
	for (int i = 0; i < pieces && !s->done; i++) {
		lot_shape lot = {.nrect = 1, .interior = true};
		lot.r[0] = (rect){cuts[i], inner.y0, cuts[i + 1], inner.y1};
		if (joined && i == 0) {
			lot.r[1] = (rect){cuts[2], inner.y0, cuts[3], inner.y1};
			lot.nrect = 2;
		} else if (joined && i == 2) {
			continue;
		} else if (rand_chance(s, 0.15)) {
			continue;
		}
		if ((r = emit_parcel(s, &lot, false, level, neighbourhood)))
			return r;
	}

	const lot_shape corners[4] = {
	    {.r = {{block.x0, block.y0, block.x0 + d_w, block.y0 + d_s}},
	     .nrect = 1,
	     .front = SIDE_S | SIDE_W},
	    {.r = {{block.x1 - d_e, block.y0, block.x1, block.y0 + d_s}},
	     .nrect = 1,
	     .front = SIDE_S | SIDE_E},
	    {.r = {{block.x1 - d_e, block.y1 - d_n, block.x1, block.y1}},
	     .nrect = 1,
	     .front = SIDE_N | SIDE_E},
	    {.r = {{block.x0, block.y1 - d_n, block.x0 + d_w, block.y1}},
	     .nrect = 1,
	     .front = SIDE_N | SIDE_W},
	};
	for (int i = 0; i < 4 && !s->done; i++)
		if ((r = emit_parcel(s, &corners[i], true, level, neighbourhood)))
			return r;
	if ((r = emit_side(s, &block, SIDE_S, inner.x0, inner.x1, d_s, level, neighbourhood)) ||
	    (r = emit_side(s, &block, SIDE_E, inner.y0, inner.y1, d_e, level, neighbourhood)) ||
	    (r = emit_side(s, &block, SIDE_N, inner.x0, inner.x1, d_n, level, neighbourhood)) ||
	    (r = emit_side(s, &block, SIDE_W, inner.y0, inner.y1, d_w, level, neighbourhood)))
		return r;
	return 0;
}

/* ---- the city as a whole ------------------------------------------------------------------- */

/* The grid of blocks and the deprivation of each neighbourhood: a crescent north-west of the
 * centre (as Brussels' "croissant pauvre" along the canal) is deprived, with noise everywhere.
 * Drawn from its own stream, so that it does not shift with the parcels. */
static int plan_city(synth *s)
{
	double blocks = ceil(s->target / PARCELS_PER_BLOCK * (1.0 + PARK_SHARE)) + 1.0;
	s->ncols = (int64_t)ceil(sqrt(blocks * CELL_H / CELL_W));
	if (s->ncols < 1)
		s->ncols = 1;
	s->nrows_estimate = (int64_t)ceil(blocks / (double)s->ncols);
	s->x0 = CITY_CENTRE_X - s->ncols * CELL_W / 2;
	s->y0 = CITY_CENTRE_Y - s->nrows_estimate * CELL_H / 2;
	s->nb_cols = (int)((s->ncols + NEIGHBOURHOOD_BLOCKS - 1) / NEIGHBOURHOOD_BLOCKS);
	s->nb_rows = (int)((s->nrows_estimate + NEIGHBOURHOOD_BLOCKS - 1) / NEIGHBOURHOOD_BLOCKS);
	s->nb_level = malloc((size_t)s->nb_cols * (size_t)s->nb_rows);
	if (!s->nb_level)
		return pr_error(s->ctx, PR_ENOMEM, "out of memory");

	pr_rng rng;
	pr_rng_seed(&rng, s->seed ^ 0x6e65696768626f75ull);
	double weight_sum = 0.0;
	for (int r = 0; r < s->nb_rows; r++) {
		for (int c = 0; c < s->nb_cols; c++) {
			double px = (c + 0.5) / s->nb_cols - 0.5, py = (r + 0.5) / s->nb_rows - 0.5;
			double dist = sqrt(px * px + py * py);
			bool crescent = dist >= 0.075 && dist <= 0.3 && (py - px) > 0.0;
			double score = (crescent ? 1.6 : 0.0) + (dist < 0.12 ? 0.6 : 0.0) +
				       1.5 * pr_rng_uniform(&rng);
			int level = score >= 2.4 ? 3 : score >= 1.7 ? 2 : score >= 0.9 ? 1 : 0;
			s->nb_level[r * s->nb_cols + c] = (uint8_t)level;
			weight_sum += slum_level_weight[level];
		}
	}
	double mean_weight = weight_sum / (s->nb_cols * s->nb_rows);
	/* About 1% of all parcels are slums (at least four in a tiny city); perimeter lots are
	 * about 93% of all parcels. */
	double share = 0.01 > 4.0 / s->target ? 0.01 : 4.0 / s->target;
	s->slum_per_weight = share / 0.93 / mean_weight;
	return 0;
}

static int write_sources_ini(synth *s)
{
	FILE *f = s->out[OUT_SOURCES].f;
	fprintf(f,
		"; Synthetic city generated by parcelrisk synth (parcels=%" PRIu32 ", seed=%" PRIu64
		").\n",
		s->target, s->seed);
	fputs("[run]\n"
	      "as_of = 2026-11-01\n"
	      "crs = EPSG:31370\n"
	      "\n"
	      "[parcels]\n"
	      "path = parcels.gpkg\n"
	      "layer = parcels\n"
	      "where = use <> 'road'\n"
	      "id = capakey\n"
	      "owner = owner\n"
	      "floor_area_m2 = floor_m2\n"
	      "dwellings = dwellings\n"
	      "build_year = build_year\n"
	      "address = address\n"
	      "\n"
	      "[population]\n"
	      "path = population.csv\n"
	      "x = x\n"
	      "y = y\n"
	      "crs = EPSG:31370\n"
	      "snap_m = 10\n"
	      "household = household\n"
	      "persons = persons\n"
	      "registered = registered\n"
	      "left = left\n"
	      "\n"
	      "[complaints]\n"
	      "path = complaints.csv\n"
	      "x = lon\n"
	      "y = lat\n"
	      "crs = EPSG:4326\n"
	      "snap_m = 25\n"
	      "date = received\n"
	      "category = category\n"
	      "\n"
	      "[inspections]\n"
	      "path = inspections.csv\n"
	      "parcel = capakey\n"
	      "date = inspected\n"
	      "outcome = outcome\n",
	      f);
	return 0;
}

static void write_planted_rejects(synth *s)
{
	static const char *const source_names[] = {"population", "complaints", "inspections"};
	for (size_t i = 0; i < PLANTED_COUNT; i++) {
		const planted_row *p = &s->planted[i];
		line l = {.len = 0};
		put_str(&l, source_names[p->output]);
		put_char(&l, ',');
		put_uint(&l, p->row, 1);
		put_char(&l, ',');
		put_str(&l, p->reason);
		put_char(&l, '\n');
		emit_line(s, OUT_REJECTS, &l);
	}
}

static int open_geopackage(synth *s)
{
	GDALDriverH driver = GDALGetDriverByName("GPKG");
	if (!driver)
		return pr_error(s->ctx, PR_EINTERNAL, "GDAL has no GPKG driver");
	if (unlink(s->gpkg_tmp_path) != 0 && errno != ENOENT)
		return pr_error(s->ctx, PR_ECANTCREAT, "cannot remove %s: %s", s->gpkg_tmp_path,
				strerror(errno));
	s->ds = GDALCreate(driver, s->gpkg_tmp_path, 0, 0, 0, GDT_Unknown, NULL);
	if (!s->ds)
		return pr_error_gdal(s->ctx, PR_ECANTCREAT, "cannot create %s", s->gpkg_tmp_path);
	/* The R-tree is built once after the bulk insert: several times faster than keeping it
	 * up to date row by row. */
	char spatial_index[] = "SPATIAL_INDEX=NO";
	char *options[] = {spatial_index, NULL};
	s->layer =
	    GDALDatasetCreateLayer(s->ds, "parcels", s->srs_lambert, wkbMultiPolygon, options);
	if (!s->layer)
		return pr_error_gdal(s->ctx, PR_ECANTCREAT, "cannot create layer parcels in %s",
				     s->gpkg_tmp_path);
	static const struct {
		const char *name;
		OGRFieldType type;
	} fields[] = {
	    {"capakey", OFTString},    {"owner", OFTString},	   {"floor_m2", OFTReal},
	    {"dwellings", OFTInteger}, {"build_year", OFTInteger}, {"use", OFTString},
	    {"address", OFTString},
	};
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
		OGRFieldDefnH defn = OGR_Fld_Create(fields[i].name, fields[i].type);
		OGRErr err = OGR_L_CreateField(s->layer, defn, TRUE);
		OGR_Fld_Destroy(defn);
		if (err != OGRERR_NONE)
			return pr_error_gdal(s->ctx, PR_ECANTCREAT, "cannot create field %s in %s",
					     fields[i].name, s->gpkg_tmp_path);
	}
	s->feature = OGR_F_Create(OGR_L_GetLayerDefn(s->layer));
	if (!s->feature)
		return pr_error(s->ctx, PR_ENOMEM, "out of memory");
	if (GDALDatasetStartTransaction(s->ds, FALSE) != OGRERR_NONE)
		return pr_error_gdal(s->ctx, PR_ECANTCREAT, "cannot start a transaction on %s",
				     s->gpkg_tmp_path);
	return 0;
}

static int finish_geopackage(synth *s)
{
	if (GDALDatasetCommitTransaction(s->ds) != OGRERR_NONE)
		return pr_error_gdal(s->ctx, PR_ECANTCREAT, "cannot write %s", s->gpkg_tmp_path);
	CPLErrorReset();
	static const char create_index[] = "SELECT CreateSpatialIndex('parcels', 'geom')";
	OGRLayerH result = GDALDatasetExecuteSQL(s->ds, create_index, NULL, NULL);
	if (result)
		GDALDatasetReleaseResultSet(s->ds, result);
	if (CPLGetLastErrorType() == CE_Failure)
		return pr_error_gdal(s->ctx, PR_ECANTCREAT, "cannot index %s", s->gpkg_tmp_path);
	OGR_F_Destroy(s->feature);
	s->feature = NULL;
	GDALClose(s->ds);
	s->ds = NULL;
	if (CPLGetLastErrorType() == CE_Failure)
		return pr_error_gdal(s->ctx, PR_ECANTCREAT, "cannot write %s", s->gpkg_tmp_path);
	return 0;
}

static int make_reference_systems(synth *s)
{
	s->srs_lambert = OSRNewSpatialReference(NULL);
	s->srs_wgs84 = OSRNewSpatialReference(NULL);
	if (!s->srs_lambert || !s->srs_wgs84)
		return pr_error(s->ctx, PR_ENOMEM, "out of memory");
	if (OSRImportFromEPSG(s->srs_lambert, 31370) != OGRERR_NONE ||
	    OSRImportFromEPSG(s->srs_wgs84, 4326) != OGRERR_NONE)
		return pr_error_gdal(s->ctx, PR_EINTERNAL,
				     "cannot load EPSG:31370 and EPSG:4326 from the PROJ database");
	/* Longitude first, as web forms and the sources file's x = lon expect. */
	OSRSetAxisMappingStrategy(s->srs_lambert, OAMS_TRADITIONAL_GIS_ORDER);
	OSRSetAxisMappingStrategy(s->srs_wgs84, OAMS_TRADITIONAL_GIS_ORDER);
	s->to_wgs84 = OCTNewCoordinateTransformation(s->srs_lambert, s->srs_wgs84);
	if (!s->to_wgs84)
		return pr_error_gdal(s->ctx, PR_EINTERNAL,
				     "cannot transform from EPSG:31370 to EPSG:4326");
	return 0;
}

/* GDAL settings for this run only: a fixed date in gpkg_contents (for identical files) and no
 * fsync per transaction. The previous values are restored afterwards. */
static const char *const gdal_options[][2] = {
    {"OGR_CURRENT_DATE", "2026-11-01T00:00:00.000Z"},
    {"OGR_SQLITE_SYNCHRONOUS", "OFF"},
    {"OGR_SQLITE_CACHE", "64"},
};
#define GDAL_OPTION_COUNT (sizeof gdal_options / sizeof *gdal_options)

int pr_synth(pr_context *ctx, const char *dir, uint32_t parcels, uint64_t seed)
{
	int r = 0;
	synth *s = NULL;
	char *saved_options[GDAL_OPTION_COUNT] = {NULL};
	bool options_set = false;

	if (!dir || !*dir)
		return pr_error(ctx, PR_EUSAGE, "synth needs an output folder");
	if (parcels < SYNTH_MIN_PARCELS || parcels > PR_SYNTH_MAX_PARCELS)
		return pr_error(ctx, PR_EUSAGE,
				"synth: parcels must be between %u and %u, not %" PRIu32,
				SYNTH_MIN_PARCELS, PR_SYNTH_MAX_PARCELS, parcels);
	s = calloc(1, sizeof *s);
	if (!s)
		return pr_error(ctx, PR_ENOMEM, "out of memory");
	s->ctx = ctx;
	s->seed = seed;
	s->target = parcels;
	s->as_of = pr_days_from_civil(2026, 11, 1);
	s->boost = 300.0 / parcels < 1.0 ? 1.0 : 300.0 / parcels > 4.0 ? 4.0 : 300.0 / parcels;
	s->null_keys_left = 2;
	s->landlords = (owner_pool){
	    .slots = 4, .min_size = 2, .max_size = 20, .careless_share = CARELESS_LANDLORD_SHARE};
	s->slum_landlords = (owner_pool){.slots = 2, .min_size = 3, .max_size = 15, .mixed = true};
	memcpy(s->planted, planted_rows_template, sizeof s->planted);
	s->tpl_x = CITY_CENTRE_X;
	s->tpl_y = CITY_CENTRE_Y;
	pr_rng_seed(&s->rng, seed);

	if ((r = make_dirs(ctx, dir)))
		goto done;
	s->gpkg_path = join_path(dir, "parcels.gpkg");
	/* The GPKG driver wants the .gpkg extension, so the temporary name keeps it. */
	s->gpkg_tmp_path = join_path(dir, "parcels.tmp.gpkg");
	if (!s->gpkg_path || !s->gpkg_tmp_path) {
		r = pr_error(ctx, PR_ENOMEM, "out of memory");
		goto done;
	}
	if (unlink(s->gpkg_path) != 0 && errno != ENOENT) {
		r = pr_error(ctx, PR_ECANTCREAT, "cannot remove %s: %s", s->gpkg_path,
			     strerror(errno));
		goto done;
	}
	if ((r = open_outputs(s, dir)) || (r = make_reference_systems(s)) || (r = plan_city(s)))
		goto done;

	for (size_t i = 0; i < GDAL_OPTION_COUNT; i++) {
		const char *old = CPLGetConfigOption(gdal_options[i][0], NULL);
		saved_options[i] = old ? CPLStrdup(old) : NULL;
	}
	for (size_t i = 0; i < GDAL_OPTION_COUNT; i++)
		CPLSetConfigOption(gdal_options[i][0], gdal_options[i][1]);
	options_set = true;
	CPLErrorReset();
	if ((r = open_geopackage(s)))
		goto done;

	for (int64_t b = 0; !s->done; b++)
		if ((r = emit_block(s, b)))
			goto done;
	pr_progress(ctx, "synth", s->parcels, s->target);

	if ((r = finish_geopackage(s)))
		goto done;
	flush_planted(s, OUT_POPULATION, true);
	flush_planted(s, OUT_COMPLAINTS, true);
	flush_planted(s, OUT_INSPECTIONS, true);
	write_planted_rejects(s);
	write_sources_ini(s);
	for (int i = 0; i < OUT_COUNT; i++)
		if ((r = close_output(s, &s->out[i])))
			goto done;
	/* sources.ini last: it is what points at the rest. */
	if (rename(s->gpkg_tmp_path, s->gpkg_path) != 0) {
		r = pr_error(ctx, PR_ECANTCREAT, "cannot rename %s: %s", s->gpkg_tmp_path,
			     strerror(errno));
		goto done;
	}
	for (int i = 0; i < OUT_COUNT; i++) {
		if (rename(s->out[i].tmp_path, s->out[i].path) != 0) {
			r = pr_error(ctx, PR_ECANTCREAT, "cannot rename %s: %s", s->out[i].tmp_path,
				     strerror(errno));
			goto done;
		}
	}
	pr_log(ctx, PR_LOG_INFO,
	       "synth: %" PRIu64 " parcels and %" PRIu64 " roads, %" PRIu64
	       " population rows, %" PRIu64 " complaints, %" PRIu64 " inspections in %s",
	       s->parcels, s->kind_count[KIND_ROAD], s->out[OUT_POPULATION].rows,
	       s->out[OUT_COMPLAINTS].rows, s->out[OUT_INSPECTIONS].rows, dir);
	pr_log(ctx, PR_LOG_INFO,
	       "synth: planted %" PRIu64 " slums (signals: crowded %" PRIu64 ", space %" PRIu64
	       ", turnover %" PRIu64 ", complaints %" PRIu64 ", inspections %" PRIu64 "), %" PRIu64
	       " student, %" PRIu64 " large family, %" PRIu64 " social, %" PRIu64 " bar",
	       s->kind_count[KIND_SLUM], s->signal_count[0], s->signal_count[1], s->signal_count[2],
	       s->signal_count[3], s->signal_count[4], s->kind_count[KIND_STUDENT],
	       s->kind_count[KIND_LARGE_FAMILY], s->kind_count[KIND_SOCIAL],
	       s->kind_count[KIND_BAR]);
	pr_log(ctx, PR_LOG_INFO,
	       "synth: slum owners: %" PRIu64 " slums of single-property owners, %" PRIu64
	       " slums and %" PRIu64 " ordinary rentals of %" PRIu64 " slum landlords",
	       s->slum_owners.single_owner_slums, s->slum_owners.landlord_slums,
	       s->slum_owners.landlord_rentals, s->slum_owners.landlords);
	pr_log(ctx, PR_LOG_INFO,
	       "synth: noise on ordinary homes: %" PRIu64 " short lets, %" PRIu64
	       " roommates, %" PRIu64 " unrecorded flats, %" PRIu64 " large households, %" PRIu64
	       " with recent tenant complaints, %" PRIu64 " bad past visits (%" PRIu64
	       " more at careless landlords), %" PRIu64 " complaints on student houses",
	       s->noise.short_lets, s->noise.roommates, s->noise.flats, s->noise.large_households,
	       s->noise.tenant_complaint_parcels, s->noise.bad_visits, s->noise.careless_findings,
	       s->noise.student_complaints);

done:
	if (s->feature)
		OGR_F_Destroy(s->feature);
	if (s->ds)
		GDALClose(s->ds);
	if (options_set)
		for (size_t i = 0; i < GDAL_OPTION_COUNT; i++)
			CPLSetConfigOption(gdal_options[i][0], saved_options[i]);
	for (size_t i = 0; i < GDAL_OPTION_COUNT; i++)
		CPLFree(saved_options[i]);
	if (s->to_wgs84)
		OCTDestroyCoordinateTransformation(s->to_wgs84);
	if (s->srs_lambert)
		OSRRelease(s->srs_lambert);
	if (s->srs_wgs84)
		OSRRelease(s->srs_wgs84);
	for (int i = 0; i < OUT_COUNT; i++) {
		out_file *o = &s->out[i];
		if (o->f)
			fclose(o->f);
		if (r && o->tmp_path)
			unlink(o->tmp_path);
		free(o->path);
		free(o->tmp_path);
		free(o->buffer);
	}
	if (r && s->gpkg_tmp_path)
		unlink(s->gpkg_tmp_path);
	free(s->gpkg_path);
	free(s->gpkg_tmp_path);
	free(s->nb_level);
	free(s);
	return r;
}
