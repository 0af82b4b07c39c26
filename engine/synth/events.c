/* SPDX-License-Identifier: MIT */
/* The rows of complaints.csv and inspections.csv, in either kind of registers: a complaint
 * geocoded onto the street in front of its parcel, an inspection by the parcel's key, and the
 * complaints about parks, which fall outside every parcel. When each is made is history.c's. */
#include <math.h>

#include "synth/synth_internal.h"

static const char *const category_names[] = {
    "insalubrity", "overcrowding", "humidity", "electricity", "noise", "waste", "other",
};

/* The categories of Brussels complaint forms, in French and in Dutch (data/synth/
 * sources-brussels.ini maps them); a few "other" complaints name what they are about, a value
 * no mapping has, as free-text categories do. */
static const char *const category_words[CAT_COUNT][2] = {
    {"insalubrité", "ongezondheid"},
    {"surpeuplement", "overbevolking"},
    {"humidité", "vocht"},
    {"électricité", "elektriciteit"},
    {"bruit", "geluidsoverlast"},
    {"déchets", "afval"},
    {"autre", "andere"},
};
static const char *const unmapped_category_words[2] = {"odeurs", "geurhinder"};
#define UNMAPPED_OTHER 0.12

static const int park_category_weights[CAT_COUNT] = {0, 0, 0, 0, 40, 40, 20};

static const char *const outcome_names[] = {"none", "minor", "major", "closure"};
/* The outcomes in the inspectorate's French and Dutch reports. */
static const char *const outcome_words[][2] = {
    {"aucune", "geen"},
    {"mineure", "klein"},
    {"infraction grave", "ernstige inbreuk"},
    {"interdiction de location", "verhuurverbod"},
};

static int write_complaint_at(synth *s, int64_t x, int64_t y, int32_t received, int category)
{
	double lon = (double)x / 100.0, lat = (double)y / 100.0;
	if (!OCTTransform(s->to_wgs84, 1, &lon, &lat, NULL))
		return pr_error_gdal(s->ctx, PR_EINTERNAL,
				     "cannot reproject a complaint point to EPSG:4326");
	s->tpl_lon = lon;
	s->tpl_lat = lat;
	synth_flush_planted(s, OUT_COMPLAINTS, false);
	line l = {.len = 0};
	if (s->registers == PR_SYNTH_REGISTERS_BRUSSELS) {
		/* lon;lat;date_plainte;catégorie with decimal commas, as a Belgian spreadsheet
		 * saves them. */
		put_fixed_with(&l, llround(lon * 1e7), 7, ',');
		put_char(&l, ';');
		put_fixed_with(&l, llround(lat * 1e7), 7, ',');
		put_char(&l, ';');
		put_date(&l, received, true);
		put_char(&l, ';');
		bool dutch = pr_rng_chance(&s->text_rng, 0.4);
		if (category == CAT_OTHER && pr_rng_chance(&s->text_rng, UNMAPPED_OTHER))
			put_str(&l, unmapped_category_words[dutch]);
		else
			synth_put_typed_word(s, &l, category_words[category][dutch]);
		synth_emit_cp1252(s, OUT_COMPLAINTS, &l, false);
		return 0;
	}
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

/* Complaints are geocoded onto the street: 3-6 m in front of the lot and at least 2 m from its
 * side boundaries, so the lot is the nearest parcel by a margin of 30 cm or more (well above
 * the centimetre of rounding in lon/lat) and nothing covers the point. */
int synth_write_complaint(synth *s, pr_rng *rng, const parcel *p, int32_t received, int category)
{
	const rect *r = &p->lot.r[0];
	int sides[4], n = 0;
	for (int bit = 1; bit <= SIDE_W; bit <<= 1)
		if (p->lot.front & bit)
			sides[n++] = bit;
	int side = sides[pr_rng_range(rng, 0, n - 1)];
	int len = synth_side_length(r, side);
	int64_t x, y;
	int margin = len / 4 > 200 ? len / 4 : 200;
	synth_side_point(r, side, pr_rng_range(rng, margin, len - margin),
			 -pr_rng_range(rng, 300, 600), &x, &y);
	return write_complaint_at(s, x, y, received, category);
}

void synth_write_inspection(synth *s, pr_rng *rng, const parcel *p, int32_t date, int outcome)
{
	synth_flush_planted(s, OUT_INSPECTIONS, false);
	/* A few keys come with stray spaces, as exported from spreadsheets; the first one always
	 * does, so that even a tiny city tests the trimming. */
	bool padded = s->out[OUT_INSPECTIONS].rows == 0 || pr_rng_chance(rng, 0.005);
	line l = {.len = 0};
	if (padded)
		put_char(&l, ' ');
	put_str(&l, p->key);
	if (padded)
		put_char(&l, ' ');
	if (s->registers == PR_SYNTH_REGISTERS_BRUSSELS) {
		/* capakey;date_visite;resultat */
		put_char(&l, ';');
		put_date(&l, date, true);
		put_char(&l, ';');
		synth_put_typed_word(s, &l,
				     outcome_words[outcome][pr_rng_chance(&s->text_rng, 0.4)]);
		synth_emit_cp1252(s, OUT_INSPECTIONS, &l, false);
		return;
	}
	put_char(&l, ',');
	put_date(&l, date, false);
	put_char(&l, ',');
	put_str(&l, outcome_names[outcome]);
	put_char(&l, '\n');
	emit_line(s, OUT_INSPECTIONS, &l);
}

/* ---- parks --------------------------------------------------------------------------------- */

/* A park or square: no parcels, and the complaints about it are geocoded to its middle, more
 * than 30 m from any parcel, so the engine must reject them as outside every parcel. */
int synth_write_park_complaints(synth *s, const rect *block)
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
