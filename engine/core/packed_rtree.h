/* SPDX-License-Identifier: MIT */
/* A packed R-tree: boxes loaded all at once in Sort-Tile-Recursive order, kept in single
 * precision rounded outward (a box never shrinks), then searched from any number of threads.
 * The parcel index searches it in memory; the GeoPackage writer stores its nodes as SQLite's
 * R*Tree tables, which use the same layout. Not part of the public API. */
#ifndef PR_PACKED_RTREE_H
#define PR_PACKED_RTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PR_RTREE_MAX_LEVELS 24

typedef struct pr_rtree_entry {
	/* Leaves: the box's id. Upper levels: which group of the level below the entry covers
	 * (see pr_rtree_group). */
	int64_t id;
	float box[4]; /* minx, maxx, miny, maxy, as SQLite's R*Tree stores them */
} pr_rtree_entry;

typedef struct pr_rtree {
	int fanout;   /* entries per node at most */
	int n_levels; /* level 0 holds the leaves; the last level the root's entries */
	pr_rtree_entry *level[PR_RTREE_MAX_LEVELS];
	size_t size[PR_RTREE_MAX_LEVELS];
	/* For lv > 0: group k of level lv - 1 is [group[lv][k], group[lv][k + 1]). */
	uint32_t *group[PR_RTREE_MAX_LEVELS];
} pr_rtree;

/* The leaf entry for id with box (minx, miny, maxx, maxy), rounded outward to floats. */
pr_rtree_entry pr_rtree_leaf(int64_t id, double minx, double miny, double maxx, double maxy);

/* Packs the n leaves (owned by the tree from then on, also on failure) into a tree of nodes of
 * at most fanout (>= 2) entries: each level is put in STR order (vertical slices of whole
 * groups) and cut into as many groups as it needs nodes, full but in the last slice, whose
 * groups are of even sizes. The result depends only on the leaves and their order. Returns 0,
 * PR_ENOMEM or PR_EINTERNAL: more than UINT32_MAX leaves, or more than PR_RTREE_MAX_LEVELS
 * levels (only with a fanout of 2 and over 2^23 leaves). */
int pr_rtree_build(pr_rtree *t, pr_rtree_entry *leaves, size_t n, int fanout);
void pr_rtree_free(pr_rtree *t);

/* Group k of level lv - 1, the entries that the entry of level lv (> 0) with id k covers:
 * [*first, *end). */
void pr_rtree_group(const pr_rtree *t, int lv, size_t k, size_t *first, size_t *end);

/* Calls visit(id, user) for every leaf whose box meets (minx, miny, maxx, maxy), edges
 * included; a leaf's box may be a little larger than the box given to pr_rtree_leaf, so the
 * caller tests the exact geometry. Stops early when visit returns false. */
typedef bool (*pr_rtree_visit_fn)(int64_t id, void *user);
void pr_rtree_search(const pr_rtree *t, double minx, double miny, double maxx, double maxy,
		     pr_rtree_visit_fn visit, void *user);

#endif
