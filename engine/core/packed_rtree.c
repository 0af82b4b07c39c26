/* SPDX-License-Identifier: MIT */
/* The packed R-tree (see packed_rtree.h). Level lv + 1 has one entry per group of level lv:
 * the group's bounding box, with the group's number as its id. A level is sorted into STR
 * order (vertical slices by x, each sorted by y) before it is cut into groups, so each group
 * is a compact tile. Where each group starts is kept for the search. */
#include <math.h>
#include <stdlib.h>

#include "core/core.h"
#include "core/packed_rtree.h"
#include "parcelrisk/parcelrisk.h"

/* Doubles to floats that still contain the box: down for minima, up for maxima (SQLite's
 * R*Tree rounds the same way). */
static float round_down(double d)
{
	float f = (float)d;
	return (double)f > d ? nextafterf(f, -INFINITY) : f;
}

static float round_up(double d)
{
	float f = (float)d;
	return (double)f < d ? nextafterf(f, INFINITY) : f;
}

pr_rtree_entry pr_rtree_leaf(int64_t id, double minx, double miny, double maxx, double maxy)
{
	return (pr_rtree_entry){
	    id, {round_down(minx), round_up(maxx), round_down(miny), round_up(maxy)}};
}

/* The sort key of e's centre along axis (0: x, 1: y), with its position pos in the low bits. */
static uint64_t centre_key(const pr_rtree_entry *e, int axis, size_t pos)
{
	float twice = e->box[2 * axis] + e->box[2 * axis + 1];
	return (uint64_t)pr_float_sort_key(twice) << 32 | (uint32_t)pos;
}

/* Puts e[j] = e[position in keys[j]] for every j, in place, one cycle of the permutation at a
 * time; keys are used up. */
static void permute(pr_rtree_entry *e, uint64_t *keys, size_t n)
{
	const uint64_t done = 1ULL << 63;
	for (size_t i = 0; i < n; i++)
		keys[i] = (uint32_t)keys[i];
	for (size_t i = 0; i < n; i++) {
		if (keys[i] & done)
			continue;
		pr_rtree_entry first = e[i];
		for (size_t j = i;;) {
			size_t from = (size_t)keys[j];
			keys[j] = done;
			if (from == i) {
				e[j] = first;
				break;
			}
			e[j] = e[from];
			j = from;
		}
	}
}

/* Sort-Tile-Recursive order: vertical slices by x, each sorted by y (ties keep the order they
 * come in). keys and tmp hold n values each. Returns the entries per slice, a multiple of
 * fanout. */
static size_t str_order(pr_rtree_entry *e, size_t n, size_t fanout, uint64_t *keys, uint64_t *tmp)
{
	size_t nodes = (n + fanout - 1) / fanout;
	size_t slices = (size_t)ceil(sqrt((double)nodes));
	size_t per_slice = slices ? ((nodes + slices - 1) / slices) * fanout : n;
	for (size_t i = 0; i < n; i++)
		keys[i] = centre_key(&e[i], 0, i);
	pr_sort_by_high_u32(keys, tmp, n);
	permute(e, keys, n);
	for (size_t s = 0; s < n; s += per_slice) {
		size_t len = n - s < per_slice ? n - s : per_slice;
		for (size_t j = 0; j < len; j++)
			keys[j] = centre_key(&e[s + j], 1, j);
		pr_sort_by_high_u32(keys, tmp, len);
		permute(e + s, keys, len);
	}
	return per_slice ? per_slice : 1;
}

int pr_rtree_build(pr_rtree *t, pr_rtree_entry *leaves, size_t n, int fanout)
{
	*t = (pr_rtree){.fanout = fanout < 2 ? 2 : fanout, .n_levels = 1};
	t->level[0] = leaves;
	t->size[0] = n;
	/* The groups' starts fit in 32 bits. */
	if (n > UINT32_MAX)
		return PR_EINTERNAL;
	size_t cells = (size_t)t->fanout;
	uint64_t *keys = NULL, *tmp = NULL;
	int r = 0;
	if (n > cells) {
		keys = malloc(n * sizeof *keys);
		tmp = malloc(n * sizeof *tmp);
		if (!keys || !tmp)
			r = PR_ENOMEM;
	}
	while (r == 0 && t->size[t->n_levels - 1] > cells) {
		if (t->n_levels == PR_RTREE_MAX_LEVELS) {
			r = PR_EINTERNAL;
			break;
		}
		size_t m = t->size[t->n_levels - 1];
		pr_rtree_entry *below = t->level[t->n_levels - 1];
		size_t per_slice = str_order(below, m, cells, keys, tmp);
		/* Groups never straddle two slices (such a group spans the slices' whole height):
		 * every slice but the last is a whole number of full groups; the last one's groups
		 * are of even sizes. */
		size_t nodes = (m + cells - 1) / cells;
		pr_rtree_entry *up = malloc(nodes * sizeof *up);
		uint32_t *group = malloc((nodes + 1) * sizeof *group);
		t->level[t->n_levels] = up;
		t->group[t->n_levels] = group;
		if (!up || !group) {
			r = PR_ENOMEM;
			break;
		}
		size_t k = 0;
		for (size_t s = 0; s < m; s += per_slice) {
			size_t len = m - s < per_slice ? m - s : per_slice;
			size_t g = (len + cells - 1) / cells;
			for (size_t i = 0; i < g; i++)
				group[k++] = (uint32_t)(s + i * len / g);
		}
		group[nodes] = (uint32_t)m;
		for (k = 0; k < nodes; k++) {
			size_t a = group[k], b = group[k + 1];
			pr_rtree_entry box = {(int64_t)k,
					      {INFINITY, -INFINITY, INFINITY, -INFINITY}};
			for (size_t j = a; j < b; j++) {
				const float *c = below[j].box;
				box.box[0] = c[0] < box.box[0] ? c[0] : box.box[0];
				box.box[1] = c[1] > box.box[1] ? c[1] : box.box[1];
				box.box[2] = c[2] < box.box[2] ? c[2] : box.box[2];
				box.box[3] = c[3] > box.box[3] ? c[3] : box.box[3];
			}
			up[k] = box;
		}
		t->size[t->n_levels] = nodes;
		t->n_levels++;
	}
	free(keys);
	free(tmp);
	return r;
}

void pr_rtree_free(pr_rtree *t)
{
	for (int lv = 0; lv < PR_RTREE_MAX_LEVELS; lv++) {
		free(t->level[lv]);
		free(t->group[lv]);
	}
	*t = (pr_rtree){0};
}

void pr_rtree_group(const pr_rtree *t, int lv, size_t k, size_t *first, size_t *end)
{
	*first = t->group[lv][k];
	*end = t->group[lv][k + 1];
}

typedef struct search {
	const pr_rtree *t;
	float q[4]; /* minx, maxx, miny, maxy */
	pr_rtree_visit_fn visit;
	void *user;
} search;

/* Searches entries [a, b) of level lv; false once visit asked to stop. */
static bool search_level(const search *s, int lv, size_t a, size_t b)
{
	const pr_rtree_entry *e = s->t->level[lv];
	for (size_t j = a; j < b; j++) {
		/* One test of four comparisons rather than four branches: most boxes miss. */
		int miss = (e[j].box[0] > s->q[1]) | (e[j].box[1] < s->q[0]) |
			   (e[j].box[2] > s->q[3]) | (e[j].box[3] < s->q[2]);
		if (miss)
			continue;
		if (lv == 0) {
			if (!s->visit(e[j].id, s->user))
				return false;
			continue;
		}
		size_t first, end;
		pr_rtree_group(s->t, lv, (size_t)e[j].id, &first, &end);
		if (!search_level(s, lv - 1, first, end))
			return false;
	}
	return true;
}

void pr_rtree_search(const pr_rtree *t, double minx, double miny, double maxx, double maxy,
		     pr_rtree_visit_fn visit, void *user)
{
	/* Also no NaN: every comparison with it would be false, and every box would meet it. */
	if (t->n_levels == 0 || t->size[0] == 0 || !(minx <= maxx && miny <= maxy))
		return;
	/* Rounding is monotonic: a box that meets the query still meets it in floats. */
	search s = {t, {(float)minx, (float)maxx, (float)miny, (float)maxy}, visit, user};
	int top = t->n_levels - 1;
	search_level(&s, top, 0, t->size[top]);
}
