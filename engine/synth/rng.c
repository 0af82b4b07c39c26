/* SPDX-License-Identifier: MIT */
/* The random numbers of the synthetic city: xoshiro256** seeded through splitmix64, fast, good,
 * and the same on every platform, so that one seed always gives the same city. */
#include "synth/synth_internal.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void pr_rng_seed(pr_rng *rng, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		rng->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t pr_rng_next(pr_rng *rng)
{
	uint64_t *s = rng->s;
	const uint64_t result = rotl(s[1] * 5, 7) * 9;
	const uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double pr_rng_uniform(pr_rng *rng)
{
	return (double)(pr_rng_next(rng) >> 11) * 0x1.0p-53;
}

int64_t pr_rng_range(pr_rng *rng, int64_t lo, int64_t hi)
{
	if (hi <= lo)
		return lo;
	uint64_t span = (uint64_t)(hi - lo) + 1;
	return lo + (int64_t)(pr_rng_next(rng) % span);
}

bool pr_rng_chance(pr_rng *rng, double p)
{
	return pr_rng_uniform(rng) < p;
}

int pr_rng_weighted(pr_rng *rng, const int *weights, int n)
{
	int total = 0;
	for (int i = 0; i < n; i++)
		total += weights[i];
	int64_t u = pr_rng_range(rng, 0, total - 1);
	for (int i = 0; i < n; i++) {
		if (u < weights[i])
			return i;
		u -= weights[i];
	}
	return n - 1;
}
