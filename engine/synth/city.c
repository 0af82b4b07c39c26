/* SPDX-License-Identifier: MIT */
/* The layout of the synthetic city: a grid of blocks grouped in neighbourhoods of four by four,
 * each with its deprivation level, and in each block the terraced lots along its four sides, the
 * corner lots, the courtyards and workshops inside, the roads beside it, or a park. */
#include <math.h>
#include <stdlib.h>

#include "synth/synth_internal.h"

/* A cell (CELL_W x CELL_H, in synth_internal.h) is one block plus half of the streets around it;
 * blocks of 96-104 m x 76-84 m jittered by 1 m leave streets of 13-25 m, so a point 3-6 m in
 * front of a lot is always nearer to it than to the opposite block. */
#define PARCELS_PER_BLOCK    25.5 /* measured mean, used only to shape the grid */
#define PARK_SHARE	     0.04
#define NEIGHBOURHOOD_BLOCKS 4 /* a neighbourhood is 4 x 4 blocks */

const double synth_slum_level_weight[4] = {0.05, 0.4, 3.0, 6.0};

/* ---- the city as a whole ------------------------------------------------------------------- */

/* The grid of blocks and the deprivation of each neighbourhood: a crescent north-west of the
 * centre (as Brussels' "croissant pauvre" along the canal) is deprived, with noise everywhere.
 * Drawn from its own stream, so that it does not shift with the parcels. */
int synth_plan_city(synth *s)
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
			weight_sum += synth_slum_level_weight[level];
		}
	}
	double mean_weight = weight_sum / (s->nb_cols * s->nb_rows);
	/* About 1% of all parcels are slums (at least four in a tiny city); perimeter lots are
	 * about 93% of all parcels. */
	double share = 0.01 > 4.0 / s->target ? 0.01 : 4.0 / s->target;
	s->slum_per_weight = share / 0.93 / mean_weight;
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
		if ((r = synth_emit_parcel(s, &lot, false, level, neighbourhood)))
			return r;
		at += width;
	}
	return 0;
}

int synth_emit_block(synth *s, int64_t b)
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
		if ((r = synth_emit_road(s, &road, neighbourhood)))
			return r;
	}
	if (rand_chance(s, 0.45)) {
		rect road = {cell_x + 1250, cell_y + CELL_H - 600, cell_x + CELL_W - 1250,
			     cell_y + CELL_H + 600};
		if ((r = synth_emit_road(s, &road, neighbourhood)))
			return r;
	}
	/* The second block is always a park so that even tiny cities have one. */
	if (b == 1 || (b > 1 && rand_chance(s, PARK_SHARE)))
		return synth_write_park_complaints(s, &block);

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
		if ((r = synth_emit_parcel(s, &lot, false, level, neighbourhood)))
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
		if ((r = synth_emit_parcel(s, &corners[i], true, level, neighbourhood)))
			return r;
	if ((r = emit_side(s, &block, SIDE_S, inner.x0, inner.x1, d_s, level, neighbourhood)) ||
	    (r = emit_side(s, &block, SIDE_E, inner.y0, inner.y1, d_e, level, neighbourhood)) ||
	    (r = emit_side(s, &block, SIDE_N, inner.x0, inner.x1, d_n, level, neighbourhood)) ||
	    (r = emit_side(s, &block, SIDE_W, inner.y0, inner.y1, d_w, level, neighbourhood)))
		return r;
	return 0;
}

/* ---- the sides of a lot -------------------------------------------------------------------- */

int synth_side_length(const rect *r, int side)
{
	return (int)(side & (SIDE_S | SIDE_N) ? r->x1 - r->x0 : r->y1 - r->y0);
}

/* A point `along` from the low end of a side of r, `inward` into the lot (negative: out into the
 * street). */
void synth_side_point(const rect *r, int side, int64_t along, int64_t inward, int64_t *ret_x,
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

int synth_pick_front(synth *s, int front)
{
	int sides[4], n = 0;
	for (int bit = 1; bit <= SIDE_W; bit <<= 1)
		if (front & bit)
			sides[n++] = bit;
	return sides[rand_range(s, 0, n - 1)];
}
