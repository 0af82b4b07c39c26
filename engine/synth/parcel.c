/* SPDX-License-Identifier: MIT */
/* One parcel of the synthetic city from its lot to its rows: its kind, CaPaKey-like key, owner,
 * build year and address point, then its households, its history of complaints and inspections
 * (whose closure orders send households away), feature and truth lines (and with the
 * Brussels-shaped registers its address and register rows), always in the same order so that
 * the random streams, and so the output, stay the same. */
#include <string.h>

#include "synth/synth_internal.h"

/* A key shaped like a Belgian CaPaKey, its division and section following the neighbourhood so
 * that neighbouring parcels share them. */
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

/* The parcel's kind, and its owner when that is a slum landlord. */
static int choose_kind(synth *s, parcel *p, bool corner)
{
	if (p->lot.interior)
		return KIND_COMMERCIAL;
	int level = p->level;
	double b = s->boost;
	/* Slums owned by single-property owners, then slum landlords' parcels: as many as make
	 * their slums the rest of p_slum, their ordinary rentals taken from ordinary homes. */
	double p_slum = s->slum_per_weight * synth_slum_level_weight[level];
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
		if (synth_slum_landlord_owner(s, &s->slum_landlords, p)) {
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

int synth_emit_road(synth *s, const rect *r, int neighbourhood)
{
	parcel p = {.kind = KIND_ROAD, .use = "road", .has_key = true, .slum_since = PR_DATE_NULL};
	p.lot.r[0] = *r;
	p.lot.nrect = 1;
	make_key(s, neighbourhood, p.key);
	int ret = synth_write_feature(s, &p);
	if (ret)
		return ret;
	synth_write_truth(s, &p);
	s->kind_count[KIND_ROAD]++;
	return 0;
}

int synth_emit_parcel(synth *s, const lot_shape *lot, bool corner, int level, int neighbourhood)
{
	int r = 0;
	if (s->parcels >= s->target) {
		s->done = true;
		return 0;
	}
	parcel p = {.lot = *lot, .level = level, .slum_since = PR_DATE_NULL};
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
	synth_choose_owner(s, &p);
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
		int side = synth_pick_front(s, lot->front);
		int len = synth_side_length(&lot->r[0], side);
		synth_side_point(&lot->r[0], side, rand_range(s, 100, len - 100),
				 rand_range(s, 100, 300), &p.addr_x, &p.addr_y);
		p.addr_side = side;
	}
	if (s->registers == PR_SYNTH_REGISTERS_BRUSSELS && (r = synth_locate_address(s, &p)))
		return r;
	synth_plan_households(s, &p);
	/* Missing data, as in every real cadastre extract. */
	p.floor_null = rand_chance(s, 0.01);
	p.dwellings_null = rand_chance(s, 0.01);

	if ((r = synth_write_parcel_history(s, &p)))
		return r;
	synth_settle_households(s, &p);
	if ((r = synth_write_feature(s, &p)))
		return r;
	if (s->registers == PR_SYNTH_REGISTERS_BRUSSELS)
		synth_write_address_rows(s, &p);
	synth_write_truth(s, &p);
	s->kind_count[p.kind]++;
	s->parcels++;
	if (s->parcels % 65536 == 0)
		pr_progress(s->ctx, "synth", s->parcels, s->target);
	return 0;
}
