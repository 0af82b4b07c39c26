/* SPDX-License-Identifier: MIT */
/* The population register of the synthetic city: the dwellings and floor area of each parcel and
 * the households registered on it over the years, for ordinary homes (with the noise of a real
 * register), slums showing some of the five signals from the day they became slums, and their
 * honest look-alikes. The rows of a parcel wait in a buffer until its history is known: the
 * households of a dwelling closed by the inspectorate leave it. */
#include "synth/synth_internal.h"

static int32_t clamp_date(int32_t d, int32_t lo, int32_t hi)
{
	return d < lo ? lo : d > hi ? hi : d;
}

/* The Brussels Housing Code's minimum living area for a number of people. */
static int norm_area_m2(int persons)
{
	return persons <= 0 ? 0 : 18 + 10 * (persons - 1);
}

/* Clerks of some communes type dates day first. Drawn with either registers, so that the city
 * stays the same; the Brussels-shaped register has all its dates day first. */
#define DAY_FIRST 0.05

static void buffer_household(synth *s, int persons, int32_t registered, int32_t left,
			     bool day_first)
{
	if (s->buffered == PARCEL_HOUSEHOLDS_MAX) {
		s->overflows++;
		return;
	}
	s->households_buffer[s->buffered++] = (household_row){.registered = registered,
							      .left = left,
							      .persons = (uint8_t)persons,
							      .day_first = day_first};
}

/* A household registered at the parcel's address point (with the Brussels-shaped registers: at
 * its address) from registered until left (PR_DATE_NULL while it still lives there). */
static void write_household(synth *s, int persons, int32_t registered, int32_t left)
{
	buffer_household(s, persons, registered, left, rand_chance(s, DAY_FIRST));
}

/* One row of population.csv. */
static void emit_household(synth *s, const parcel *p, const household_row *h)
{
	s->tpl_x = p->addr_x;
	s->tpl_y = p->addr_y;
	s->tpl_address = p->address;
	synth_flush_planted(s, OUT_POPULATION, false);
	if (s->registers == PR_SYNTH_REGISTERS_BRUSSELS) {
		synth_write_typed_household(s, p, h->persons, h->registered, h->left);
		return;
	}
	line l = {.len = 0};
	put_fixed(&l, p->addr_x, 2);
	put_char(&l, ',');
	put_fixed(&l, p->addr_y, 2);
	put_str(&l, ",H");
	put_uint(&l, ++s->households, 9);
	put_char(&l, ',');
	put_uint(&l, h->persons, 1);
	put_char(&l, ',');
	put_date(&l, h->registered, h->day_first);
	put_char(&l, ',');
	if (h->left != PR_DATE_NULL)
		put_date(&l, h->left, h->day_first);
	put_char(&l, '\n');
	emit_line(s, OUT_POPULATION, &l);
}

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
			write_household(s, size, starts[i], left);
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
		write_household(s, persons, since, PR_DATE_NULL);
		if (rand_chance(s, NOISE_EXTRA_HOUSEHOLD))
			write_household(s, 1, (int32_t)rand_range(s, since, last), PR_DATE_NULL);
	} else {
		since = s->as_of - (int32_t)rand_range(s, 0, 400);
	}
	if (rand_chance(s, social ? 0.3 : 0.35)) {
		int32_t left = since - (int32_t)rand_range(s, 0, 90);
		int32_t registered = left - (int32_t)rand_range(s, 180, 3000);
		if (registered >= p->earliest && left > registered && left <= last)
			write_household(s, draw_persons(s, area_m2, social), registered, left);
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
	write_household(s, (int)rand_range(s, 7, 10), since, PR_DATE_NULL);
	if (rand_chance(s, 0.3)) {
		int32_t left = since - (int32_t)rand_range(s, 0, 60);
		int32_t registered = left - (int32_t)rand_range(s, 365, 4000);
		if (registered >= p->earliest)
			write_household(s, (int)rand_range(s, 1, 4), registered, left);
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
			write_household(s, 1, clamp_date(since, p->earliest, s->as_of - 1),
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
				write_household(s, 1, registered, left);
		}
	}
}

/* When slum conditions start: before the five years of history for some slums, during them for
 * most, and at least three months before the as-of date for all, so that every slum of the
 * truth is one on that date. */
#define SLUM_BEFORE_HISTORY 0.35
#define SLUM_OLDEST_DAYS    (15 * 365)
#define SLUM_NEWEST_DAYS    90
/* Slum tenancies are written from six years before the as-of date: enough for any view of the
 * last 24 months from a date up to four years back. */
#define LET_HISTORY_DAYS (6 * 365)

/* A slum parcel: one to three dwellings on record, and a random two to four of the five signals
 * (never all), each at an intensity from mild, where it overlaps the noise on ordinary homes, to
 * extreme. The signals it does not show are drawn as on an ordinary home. All of it shows from
 * the day it became a slum, not before. */
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

	/* The day it became a slum. Before, it was an ordinary home, whose households left then. */
	if (rand_chance(s, SLUM_BEFORE_HISTORY)) {
		p->slum_since =
		    s->as_of - (int32_t)rand_range(s, HISTORY_DAYS + 1, SLUM_OLDEST_DAYS);
		s->history.slums_before++;
	} else {
		p->slum_since = s->as_of - (int32_t)rand_range(s, SLUM_NEWEST_DAYS, HISTORY_DAYS);
	}
	for (int i = 0; i < dwellings; i++) {
		if (!rand_chance(s, 0.9))
			continue;
		int32_t left = p->slum_since - (int32_t)rand_range(s, 0, 60);
		int32_t registered = left - draw_stay_days(s);
		if (registered >= p->earliest)
			write_household(s, draw_persons(s, floor_m2 / dwellings, false), registered,
					left);
	}

	/* From then on its rooms are let one household after another (let_slum). Turnover: 1.5 to
	 * 7.5 registrations per dwelling in 24 months beyond the three in four of its households
	 * that arrived within them, the mild end the most common; stays are as long as that takes.
	 * Without it, tenants stay for years. */
	p->slots = households;
	for (int i = 0; i < households; i++)
		p->slot_persons[i] = (uint8_t)persons[i];
	if (turnover) {
		int per_dwelling_x10 = 15 + (int)(60.0 * rand_skewed(s));
		int32_t stay = (int32_t)(7300 * households /
					 (per_dwelling_x10 * dwellings + 15 * households / 2));
		p->mean_stay = stay < 90 ? 90 : stay > 720 ? 720 : stay;
	} else {
		p->mean_stay = (int32_t)rand_range(s, 1400, 3600);
	}
}

/* A slum tenant's stay: half to one and a half times the slum's mean. */
static int32_t draw_slum_stay(synth *s, const parcel *p)
{
	return (int32_t)pr_rng_range(&s->history_rng, p->mean_stay / 2,
				     p->mean_stay + p->mean_stay / 2);
}

/* The slum let from start until end, the day its households left on a closure order
 * (PR_DATE_NULL: it still is let on the as-of date). In each slot one household after another,
 * the first moving in within a month of the start, each next one within a month of the last
 * leaving. The rows go back LET_HISTORY_DAYS at most. Draws from the history's stream, as the
 * closure orders come from it. */
static void let_slum(synth *s, const parcel *p, int32_t start, int32_t end)
{
	pr_rng *rng = &s->history_rng;
	int32_t from = s->as_of - LET_HISTORY_DAYS;
	if (end != PR_DATE_NULL && end >= s->as_of)
		end = PR_DATE_NULL;
	int32_t until = end == PR_DATE_NULL ? s->as_of : end;
	for (int i = 0; i < p->slots; i++) {
		int32_t stay = draw_slum_stay(s, p);
		int32_t day = start + (int32_t)pr_rng_range(rng, 0, 30);
		if (day < from) {
			/* The tenancy under way when the rows start. */
			day = from - (int32_t)pr_rng_range(rng, 0, stay - 1);
			if (day < start)
				day = start;
		}
		while (day < until) {
			int32_t left = day + stay;
			bool last = left >= until;
			if (last && end != PR_DATE_NULL) {
				left = end + (int32_t)pr_rng_range(rng, 0, 14);
				if (left >= s->as_of)
					left = PR_DATE_NULL;
				s->history.departures++;
			} else if (last) {
				left = PR_DATE_NULL;
			}
			buffer_household(s, p->slot_persons[i], day, left,
					 pr_rng_chance(rng, DAY_FIRST));
			if (last)
				break;
			day = left + (int32_t)pr_rng_range(rng, 1, 30);
			stay = draw_slum_stay(s, p);
		}
	}
}

/* The households living there when a closure order was made leave within two weeks of its
 * departure day (unless that is after the as-of date); those who came later are the next
 * tenants. */
static void depart_on_closures(synth *s, const parcel *p)
{
	for (int c = 0; c < p->n_closures; c++) {
		int32_t ordered = p->closures[c].ordered, left = p->closures[c].left;
		for (size_t i = 0; i < s->buffered; i++) {
			household_row *h = &s->households_buffer[i];
			if (h->registered > ordered || (h->left != PR_DATE_NULL && h->left <= left))
				continue;
			int32_t day = left + (int32_t)pr_rng_range(&s->history_rng, 0, 14);
			if (day >= s->as_of || (h->left != PR_DATE_NULL && day >= h->left))
				continue;
			h->left = day;
			s->history.departures++;
		}
	}
}

void synth_settle_households(synth *s, parcel *p)
{
	depart_on_closures(s, p);
	if (p->kind == KIND_SLUM) {
		int32_t start = p->slum_since;
		for (int c = 0; c < p->n_closures && start != PR_DATE_NULL; c++) {
			if (!p->closures[c].slum)
				continue;
			let_slum(s, p, start, p->closures[c].left);
			start = p->closures[c].relet;
		}
		if (start != PR_DATE_NULL && start < s->as_of)
			let_slum(s, p, start, PR_DATE_NULL);
	}
	for (size_t i = 0; i < s->buffered; i++)
		emit_household(s, p, &s->households_buffer[i]);
	s->buffered = 0;
}

/* The parcel's dwellings and floor area, and the households registered on it, by its kind. */
void synth_plan_households(synth *s, parcel *p)
{
	switch (p->kind) {
	case KIND_NORMAL:
		plan_normal(s, p);
		break;
	case KIND_SLUM:
		plan_slum(s, p);
		break;
	case KIND_STUDENT:
		plan_student(s, p);
		break;
	case KIND_LARGE_FAMILY:
		plan_large_family(s, p);
		break;
	case KIND_SOCIAL:
		plan_social(s, p);
		break;
	case KIND_BAR:
		plan_bar(s, p);
		break;
	default:
		/* Shops, offices and interior workshops: no dwelling, nobody registered. */
		p->dwellings = 0;
		p->floor_m2 =
		    (int)(p->lot.interior ? rand_range(s, 40, 400) : rand_range(s, 80, 600));
		break;
	}
}
