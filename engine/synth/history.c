/* SPDX-License-Identifier: MIT */
/* Five years of one parcel's history, lived forward in time: the complaints its tenants and
 * neighbours make, the inspectorate's visits that these and other things prompt (a complaint,
 * an earlier finding, a referral by the police or social services, a finding at another parcel
 * of the same owner, routine), what each visit finds given the parcel's true state that day,
 * and the closure orders that empty a dwelling until its landlord lets it again. Everything here
 * draws from s->history_rng, so that --complaints noise changes the history and nothing else. */
#include <math.h>

#include "synth/synth_internal.h"

#define YEAR_DAYS 365.25

/* ---- what the parcel is like on a given day ------------------------------------------------ */

enum state {
	STATE_ORDINARY,
	STATE_NEGLECTED, /* a careless landlord's house: defects, not a slum */
	STATE_SLUM,
	STATE_EMPTY, /* a slum its households left on a closure order, not let again yet */
	STATE_COUNT,
};

/* What a visit finds: a slum mostly major defects, sometimes a closure order, now and then less
 * (a visit on a bad day, a tenant who would not open); an ordinary home mostly nothing or minor
 * defects, major ones rarely. */
static const int outcome_weights[STATE_COUNT][OUTCOME_COUNT] = {
    [STATE_ORDINARY] = {55, 38, 6, 1},
    [STATE_NEGLECTED] = {20, 42, 36, 2},
    [STATE_SLUM] = {3, 9, 60, 28},
    [STATE_EMPTY] = {70, 30, 0, 0},
};

static enum state state_on(const parcel *p, int32_t day)
{
	if (p->kind == KIND_SLUM && day >= p->slum_since) {
		for (int c = 0; c < p->n_closures; c++)
			if (p->closures[c].slum && day >= p->closures[c].left &&
			    (p->closures[c].relet == PR_DATE_NULL || day < p->closures[c].relet))
				return STATE_EMPTY;
		return STATE_SLUM;
	}
	return p->careless_owner ? STATE_NEGLECTED : STATE_ORDINARY;
}

/* ---- the rates --------------------------------------------------------------------------- */

/* Complaints, per parcel and year. Neighbours' nuisances are geometric in number, about 0.4 per
 * home in five years and a half; tenants of ordinary homes complain about their dwelling
 * (humidity above all) at 2% a year, social housing tenants at 0.7% a year per dwelling, tenants
 * of careless landlords two and a half times as often: which makes complaints alone a weak
 * signal. A slum whose tenants or neighbours complain (SIGNAL_COMPLAINTS) draws 0.8 serious
 * complaints a year while it is let; the others are complained about as ordinary homes are.
 * Kots draw a noise complaint at 3% a year, a humidity one at 1%; bars three to eight noise
 * complaints in three years. */
#define NUISANCE_MEAN	       0.41
#define COMMERCIAL_MEAN	       0.33
#define TENANT_RATE	       0.02
#define TENANT_SOCIAL_RATE     0.0067
#define TENANT_CARELESS_FACTOR 2.5
#define SLUM_COMPLAINT_RATE    0.8
#define STUDENT_NOISE_RATE     0.033
#define STUDENT_HUMIDITY_RATE  0.01
#define NUISANCES_MAX	       40

/* With --complaints noise every parcel with a street front draws from one mix, whatever its
 * kind: as many nuisances and serious complaints per parcel as the signal cities hold on
 * average (measured on cities of 20,000 parcels, seeds 1-3), in the same categories. */
#define NOISE_NUISANCE_MEAN 0.45
#define NOISE_SERIOUS_RATE  0.0254
static const int noise_nuisance_weights[CAT_COUNT] = {0, 0, 0, 0, 48, 28, 24};
static const int noise_serious_weights[CAT_COUNT] = {26, 6, 54, 14, 0, 0, 0};

static const int background_category_weights[CAT_COUNT] = {3, 1, 12, 2, 35, 25, 22};
static const int nuisance_category_weights[CAT_COUNT] = {0, 0, 0, 0, 35, 25, 22};
static const int tenant_category_weights[CAT_COUNT] = {25, 3, 57, 15, 0, 0, 0};
static const int slum_category_weights[CAT_COUNT] = {35, 20, 30, 15, 0, 0, 0};

/* Visits. The inspectorate follows up half of the serious complaints about a dwelling, two
 * weeks to six months later, unless a visit is already due or was made in the last three months.
 * After major defects it comes back in 3-10 months a third of the time, after a closure order in
 * 2-8 months 60% of the time. Referrals: the police or social services refer each slum showing
 * SIGNAL_INSPECTION once, and any slum at 3% a year while it is let; 0.05% of other homes a year
 * are referred on a wrong tip. A finding of major defects or a closure order at one parcel of a
 * landlord's portfolio brings a visit to 40% of the landlord's other parcels within eight months.
 * Routine visits: 0.15% of homes a year. On a city of 20,000 parcels this makes some 300 visits a
 * year, two in three after a complaint, three in ten finding major defects or closing the
 * dwelling (the Brussels inspectorate: about 3 in 10 visits end in a rental ban). */
#define FOLLOW_UP	      0.5
#define FOLLOW_UP_QUIET_DAYS  90
#define REVISIT_AFTER_MAJOR   0.35
#define REVISIT_AFTER_CLOSURE 0.6
#define SLUM_REFERRAL_RATE    0.03
#define WRONG_REFERRAL_RATE   0.0005
#define PORTFOLIO_VISIT	      0.4
#define ROUTINE_RATE	      0.0015
#define SAME_VISIT_DAYS	      30

/* After a closure order the households leave within one to eight weeks; a slum landlord lets the
 * rooms again one to ten months after that. */
#define RELET_MIN_DAYS 30
#define RELET_MAX_DAYS 300

/* Why the inspectorate came (the counts of s->history.visits). */
enum visit_reason {
	VISIT_COMPLAINT,
	VISIT_FINDING,
	VISIT_REFERRAL,
	VISIT_PORTFOLIO,
	VISIT_ROUTINE,
};

/* ---- the parcel's timeline --------------------------------------------------------------- */

enum event_type {
	EVENT_COMPLAINT,      /* detail: its category */
	EVENT_SLUM_COMPLAINT, /* the next of a slum's own complaints, if it is let then */
	EVENT_REFERRAL,	      /* detail: true for a slum's, false for a wrong tip */
	EVENT_VISIT,	      /* detail: enum visit_reason */
	EVENT_RELET,	      /* a closed slum let again */
};

typedef struct event {
	int32_t day;
	uint8_t type;
	uint8_t detail;
} event;

/* The events still to come, in order of day (ties: in the order they were added). Bounded: the
 * draws above give a parcel far fewer than EVENTS_MAX events. */
#define EVENTS_MAX 512
typedef struct timeline {
	event ev[EVENTS_MAX];
	int n, next;
	int pending_visits;
	int32_t last_visit;
} timeline;

static void add_event(synth *s, timeline *t, int32_t day, int type, int detail)
{
	if (day >= s->as_of)
		return;
	if (t->n == EVENTS_MAX) {
		s->overflows++;
		return;
	}
	int i = t->n++;
	for (; i > t->next && t->ev[i - 1].day > day; i--)
		t->ev[i] = t->ev[i - 1];
	t->ev[i] = (event){.day = day, .type = (uint8_t)type, .detail = (uint8_t)detail};
	if (type == EVENT_VISIT)
		t->pending_visits++;
}

/* ---- draws from the history's stream ------------------------------------------------------- */

static int64_t history_range(synth *s, int64_t lo, int64_t hi)
{
	return pr_rng_range(&s->history_rng, lo, hi);
}

static bool history_chance(synth *s, double p)
{
	return pr_rng_chance(&s->history_rng, p);
}

/* A Poisson count with the given mean (small means only: Knuth's product of uniforms). */
static int history_poisson(synth *s, double mean)
{
	double limit = exp(-mean), product = pr_rng_uniform(&s->history_rng);
	int n = 0;
	while (product > limit && n < NUISANCES_MAX) {
		n++;
		product *= pr_rng_uniform(&s->history_rng);
	}
	return n;
}

/* A geometric count with the given mean: most parcels none, a few many. */
static int history_geometric(synth *s, double mean)
{
	double q = mean / (1.0 + mean);
	int n = 0;
	while (n < NUISANCES_MAX && history_chance(s, q))
		n++;
	return n;
}

/* Days to the next event of a process happening per_year times a year. */
static int32_t history_gap(synth *s, double per_year)
{
	double u = pr_rng_uniform(&s->history_rng);
	double days = -log(1.0 - u) * YEAR_DAYS / per_year;
	return days > 1e6 ? 1000000 : 1 + (int32_t)days;
}

/* A day of the complaints' span, from COMPLAINT_LEAD_DAYS before the five years to the day
 * before the as-of date; or of the last `days` days only. */
static int32_t complaint_day(synth *s)
{
	return s->as_of - (int32_t)history_range(s, 1, HISTORY_DAYS + COMPLAINT_LEAD_DAYS);
}

static int32_t recent_day(synth *s, int days)
{
	return s->as_of - (int32_t)history_range(s, 1, days);
}

/* ---- complaints ---------------------------------------------------------------------------- */

static const double span_years = (HISTORY_DAYS + COMPLAINT_LEAD_DAYS) / YEAR_DAYS;

static void add_complaints(synth *s, timeline *t, int n, const int *weights)
{
	for (int i = 0; i < n; i++)
		add_event(s, t, complaint_day(s), EVENT_COMPLAINT,
			  pr_rng_weighted(&s->history_rng, weights, CAT_COUNT));
}

/* The complaints that do not depend on the parcel's state from day to day: neighbours'
 * nuisances, tenants' complaints, kots and bars; with --complaints noise, all of them. */
static void add_background_complaints(synth *s, timeline *t, const parcel *p)
{
	if (s->complaints == PR_SYNTH_COMPLAINTS_NOISE) {
		add_complaints(s, t, history_geometric(s, NOISE_NUISANCE_MEAN),
			       noise_nuisance_weights);
		add_complaints(s, t, history_poisson(s, NOISE_SERIOUS_RATE * span_years),
			       noise_serious_weights);
		return;
	}
	switch (p->kind) {
	case KIND_STUDENT:
		for (int i = history_poisson(s, STUDENT_NOISE_RATE * span_years); i > 0; i--) {
			add_event(s, t, complaint_day(s), EVENT_COMPLAINT, CAT_NOISE);
			s->noise.student_complaints++;
		}
		for (int i = history_poisson(s, STUDENT_HUMIDITY_RATE * span_years); i > 0; i--) {
			add_event(s, t, complaint_day(s), EVENT_COMPLAINT, CAT_HUMIDITY);
			s->noise.student_complaints++;
		}
		return;
	case KIND_COMMERCIAL:
		/* Shops and workshops draw from all categories, as complaints about the flats
		 * above them land there. */
		add_complaints(s, t, history_geometric(s, COMMERCIAL_MEAN),
			       background_category_weights);
		return;
	case KIND_BAR:
		for (int i = (int)history_range(s, 3, 8); i > 0; i--)
			add_event(s, t, recent_day(s, 1095), EVENT_COMPLAINT,
				  history_chance(s, 0.9) ? CAT_NOISE : CAT_WASTE);
		break;
	default:
		break;
	}
	add_complaints(s, t, history_geometric(s, NUISANCE_MEAN), nuisance_category_weights);
	double rate = p->kind == KIND_SOCIAL ? TENANT_SOCIAL_RATE * p->dwellings : TENANT_RATE;
	if (p->careless_owner)
		rate *= TENANT_CARELESS_FACTOR;
	int n = history_poisson(s, rate * span_years);
	if (n)
		s->noise.tenant_complaint_parcels++;
	add_complaints(s, t, n, tenant_category_weights);
}

/* ---- visits -------------------------------------------------------------------------------- */

/* The housing inspectorate visits dwellings, and inspections are kept by parcel key. */
static bool inspectable(const parcel *p)
{
	return p->has_key && p->dwellings > 0;
}

static void add_visit(synth *s, timeline *t, const parcel *p, int32_t day, int reason)
{
	if (inspectable(p))
		add_event(s, t, day, EVENT_VISIT, reason);
}

/* A serious complaint: followed up unless a visit is already due or was made lately. */
static void follow_up(synth *s, timeline *t, const parcel *p, int32_t day)
{
	if (t->pending_visits > 0 ||
	    (t->last_visit != PR_DATE_NULL && day - t->last_visit < FOLLOW_UP_QUIET_DAYS))
		return;
	double chance = FOLLOW_UP * s->boost;
	if (history_chance(s, chance > 1.0 ? 1.0 : chance))
		add_visit(s, t, p, day + (int32_t)history_range(s, 14, 180), VISIT_COMPLAINT);
}

/* A closure order: the households leave, and a slum is let again later. */
static void close_parcel(synth *s, timeline *t, parcel *p, int32_t day, bool slum)
{
	if (p->n_closures > 0 && p->closures[p->n_closures - 1].left > day)
		return; /* still being emptied on the last order */
	if (p->n_closures == CLOSURES_MAX) {
		s->overflows++;
		return;
	}
	int32_t left = day + (int32_t)history_range(s, 7, 60);
	int32_t relet = PR_DATE_NULL;
	if (slum) {
		relet = left + (int32_t)history_range(s, RELET_MIN_DAYS, RELET_MAX_DAYS);
		if (relet >= s->as_of)
			relet = PR_DATE_NULL;
		else
			s->history.relets++;
		if (relet != PR_DATE_NULL)
			add_event(s, t, relet, EVENT_RELET, 0);
	}
	int c = p->n_closures++;
	p->closures[c].ordered = day;
	p->closures[c].left = left;
	p->closures[c].relet = relet;
	p->closures[c].slum = slum;
	s->history.closures++;
}

static void visit(synth *s, timeline *t, parcel *p, int32_t day, int reason)
{
	if (day < s->as_of - HISTORY_DAYS ||
	    (t->last_visit != PR_DATE_NULL && day - t->last_visit < SAME_VISIT_DAYS))
		return;
	enum state state = state_on(p, day);
	int outcome = pr_rng_weighted(&s->history_rng, outcome_weights[state], OUTCOME_COUNT);
	synth_write_inspection(s, &s->history_rng, p, day, outcome);
	t->last_visit = day;
	s->history.visits[reason]++;
	s->history.outcomes[outcome]++;
	if (p->kind == KIND_SLUM && state == STATE_SLUM) {
		s->history.slum_visits++;
		s->history.slum_hits += outcome >= OUTCOME_MAJOR;
	}
	if (p->kind != KIND_SLUM && outcome >= OUTCOME_MAJOR) {
		if (p->careless_owner)
			s->noise.careless_findings++;
		else
			s->noise.bad_visits++;
	}
	if (outcome == OUTCOME_MAJOR && history_chance(s, REVISIT_AFTER_MAJOR))
		add_visit(s, t, p, day + (int32_t)history_range(s, 90, 300), VISIT_FINDING);
	if (outcome == OUTCOME_CLOSURE) {
		close_parcel(s, t, p, day, state == STATE_SLUM);
		if (history_chance(s, REVISIT_AFTER_CLOSURE))
			add_visit(s, t, p, day + (int32_t)history_range(s, 60, 240), VISIT_FINDING);
	}
	/* The inspectorate now knows the owner: it visits the owner's parcels written after this
	 * one (planned in synth_write_parcel_history). */
	if (outcome >= OUTCOME_MAJOR && p->pool) {
		int32_t *flagged = &p->pool->flagged[p->pool_slot];
		if (*flagged == PR_DATE_NULL || day < *flagged)
			*flagged = day;
	}
}

/* ---- the whole history --------------------------------------------------------------------- */

int synth_write_parcel_history(synth *s, parcel *p)
{
	int r = 0;
	int32_t start = s->as_of - HISTORY_DAYS;
	bool slum = p->kind == KIND_SLUM;
	p->n_closures = 0;
	if (!p->lot.front)
		return 0; /* interior parcels: no address, no complaint, no visit */
	timeline line_of_days;
	timeline *t = &line_of_days;
	t->n = t->next = t->pending_visits = 0;
	t->last_visit = PR_DATE_NULL;

	add_background_complaints(s, t, p);
	if (slum && (p->signals & SIGNAL_COMPLAINTS) &&
	    s->complaints == PR_SYNTH_COMPLAINTS_SIGNAL) {
		int32_t from = s->as_of - HISTORY_DAYS - COMPLAINT_LEAD_DAYS;
		if (from < p->slum_since)
			from = p->slum_since;
		add_event(s, t, from + history_gap(s, SLUM_COMPLAINT_RATE), EVENT_SLUM_COMPLAINT,
			  0);
	}
	if (slum) {
		int32_t from = start > p->slum_since ? start : p->slum_since;
		if (p->signals & SIGNAL_INSPECTION)
			add_event(s, t, (int32_t)history_range(s, from, s->as_of - 30),
				  EVENT_REFERRAL, true);
		for (int32_t day = from + history_gap(s, SLUM_REFERRAL_RATE); day < s->as_of;
		     day += history_gap(s, SLUM_REFERRAL_RATE))
			add_event(s, t, day, EVENT_REFERRAL, true);
	} else if (p->kind != KIND_COMMERCIAL) {
		for (int i = history_poisson(s, WRONG_REFERRAL_RATE * HISTORY_DAYS / YEAR_DAYS);
		     i > 0; i--)
			add_event(s, t, s->as_of - (int32_t)history_range(s, 1, HISTORY_DAYS),
				  EVENT_REFERRAL, false);
	}
	if (p->kind != KIND_COMMERCIAL)
		for (int i = history_poisson(s, ROUTINE_RATE * s->boost * HISTORY_DAYS / YEAR_DAYS);
		     i > 0; i--)
			add_visit(s, t, p, s->as_of - (int32_t)history_range(s, 1, HISTORY_DAYS),
				  VISIT_ROUTINE);
	if (p->pool && p->pool->flagged[p->pool_slot] != PR_DATE_NULL &&
	    history_chance(s, PORTFOLIO_VISIT))
		add_visit(s, t, p,
			  p->pool->flagged[p->pool_slot] + (int32_t)history_range(s, 30, 240),
			  VISIT_PORTFOLIO);

	while (t->next < t->n && !r) {
		event e = t->ev[t->next++];
		switch (e.type) {
		case EVENT_COMPLAINT:
			r = synth_write_complaint(s, &s->history_rng, p, e.day, e.detail);
			if (e.detail <= CAT_SERIOUS_LAST)
				follow_up(s, t, p, e.day);
			break;
		case EVENT_SLUM_COMPLAINT:
			/* Nobody complains about an empty house; the next tenants will
			 * (EVENT_RELET). */
			if (state_on(p, e.day) != STATE_SLUM)
				break;
			r = synth_write_complaint(
			    s, &s->history_rng, p, e.day,
			    pr_rng_weighted(&s->history_rng, slum_category_weights, CAT_COUNT));
			follow_up(s, t, p, e.day);
			add_event(s, t, e.day + history_gap(s, SLUM_COMPLAINT_RATE),
				  EVENT_SLUM_COMPLAINT, 0);
			break;
		case EVENT_REFERRAL:
			/* A slum emptied by a closure order is referred again once let. */
			if (e.detail && state_on(p, e.day) == STATE_EMPTY) {
				int c = p->n_closures - 1;
				if (p->closures[c].relet != PR_DATE_NULL)
					add_event(s, t,
						  p->closures[c].relet +
						      (int32_t)history_range(s, 30, 180),
						  EVENT_REFERRAL, true);
				break;
			}
			add_visit(s, t, p, e.day + (int32_t)history_range(s, 7, 45),
				  VISIT_REFERRAL);
			break;
		case EVENT_VISIT:
			t->pending_visits--;
			visit(s, t, p, e.day, e.detail);
			break;
		case EVENT_RELET:
			if (slum && (p->signals & SIGNAL_COMPLAINTS) &&
			    s->complaints == PR_SYNTH_COMPLAINTS_SIGNAL)
				add_event(s, t, e.day + history_gap(s, SLUM_COMPLAINT_RATE),
					  EVENT_SLUM_COMPLAINT, 0);
			break;
		default:
			break;
		}
	}
	return r;
}
