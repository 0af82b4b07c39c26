/* SPDX-License-Identifier: MIT */
/* The complaints and inspections of the synthetic city: the neighbours' nuisances and tenants'
 * complaints every home gets now and then, the serious complaints and bad inspections of slums,
 * the noise of bars and kots, the careless landlords' findings, and the complaints about parks. */
#include <math.h>

#include "synth/synth_internal.h"

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
/* The outcomes in the inspectorate's French and Dutch reports. */
static const char *const outcome_words[][2] = {
    {"aucune", "geen"},
    {"mineure", "klein"},
    {"infraction grave", "ernstige inbreuk"},
    {"interdiction de location", "verhuurverbod"},
};
static const int complaint_outcome_weights[] = {45, 40, 12, 3};
static const int routine_outcome_weights[] = {55, 35, 8, 2};

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
static int write_complaint(synth *s, const parcel *p, int32_t received, int category)
{
	const rect *r = &p->lot.r[0];
	int side = synth_pick_front(s, p->lot.front);
	int len = synth_side_length(r, side);
	int64_t x, y;
	int margin = len / 4 > 200 ? len / 4 : 200;
	synth_side_point(r, side, rand_range(s, margin, len - margin), -rand_range(s, 300, 600), &x,
			 &y);
	return write_complaint_at(s, x, y, received, category);
}

static void write_inspection(synth *s, const parcel *p, int32_t date, int outcome)
{
	synth_flush_planted(s, OUT_INSPECTIONS, false);
	/* A few keys come with stray spaces, as exported from spreadsheets; the first one always
	 * does, so that even a tiny city tests the trimming. */
	bool padded = s->out[OUT_INSPECTIONS].rows == 0 || rand_chance(s, 0.005);
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

int synth_write_parcel_complaints(synth *s, parcel *p)
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
 * but not slum landlords, CARELESS_LANDLORD_SHARE in owners.c): 40% of their houses had a visit
 * with major defects, which makes about 10% of all houses in such portfolios. */
#define PAST_VISIT		  0.02
#define CARELESS_LANDLORD_FINDING 0.4
static const int past_visit_outcome_weights[] = {40, 35, 25, 0};

void synth_write_parcel_inspections(synth *s, parcel *p)
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
