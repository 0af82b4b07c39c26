/* SPDX-License-Identifier: MIT */
/* The owners of the synthetic city's parcels: individuals owning one home, companies (property
 * firms, social housing companies, breweries), and two pools of landlords with several parcels,
 * the ordinary ones (some of them careless) and the slum landlords. */
#include <string.h>

#include "synth/synth_internal.h"

/* A quarter of the landlords who let several houses are careless: bad landlords, not slum
 * landlords (their findings are drawn in events.c). */
#define CARELESS_LANDLORD_SHARE 0.25

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
	pool->flagged[i] = PR_DATE_NULL;
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
static bool pool_owner(synth *s, owner_pool *pool, parcel *p)
{
	int i = pool_slot(s, pool);
	pool->left[i]--;
	strcpy(p->owner, pool->name[i]);
	p->pool = pool;
	p->pool_slot = i;
	return pool->careless[i];
}

/* Gives the parcel a slum landlord from the pool; returns whether it is one of the landlord's
 * slums rather than one of the ordinary rentals. */
bool synth_slum_landlord_owner(synth *s, owner_pool *pool, parcel *p)
{
	int i = pool_slot(s, pool);
	bool slum = rand_range(s, 1, pool->left[i]) <= pool->slums[i];
	if (slum)
		pool->slums[i]--;
	pool->left[i]--;
	strcpy(p->owner, pool->name[i]);
	p->pool = pool;
	p->pool_slot = i;
	return slum;
}

void synth_choose_owner(synth *s, parcel *p)
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
			pool_owner(s, &s->landlords, p);
		else
			make_individual(s, p->owner);
		break;
	default:
		if (rand_chance(s, p->kind == KIND_LARGE_FAMILY ? 0.3 : 0.15))
			p->careless_owner = pool_owner(s, &s->landlords, p);
		else
			make_individual(s, p->owner);
		break;
	}
}

/* Ordinary landlords let 2 to 20 parcels, with four portfolios open at a time; slum landlords 3
 * to 15, with two. */
void synth_init_owner_pools(synth *s)
{
	s->landlords = (owner_pool){
	    .slots = 4, .min_size = 2, .max_size = 20, .careless_share = CARELESS_LANDLORD_SHARE};
	s->slum_landlords = (owner_pool){.slots = 2, .min_size = 3, .max_size = 15, .mixed = true};
}
