/* SPDX-License-Identifier: MIT */
/* The joining stage: assigns every point record to a parcel by the contract's rule (covering
 * parcel with its boundary, smallest area, then lowest id; else the nearest within snap_m, ties
 * by lowest id) and every keyed record to the parcel with that id. */
#ifndef PR_JOIN_H
#define PR_JOIN_H

#include "sources/sources.h"

typedef struct pr_parcel_index pr_parcel_index;

/* Builds the spatial index over parcels, which must outlive it. Free with
 * pr_parcel_index_free(). */
int pr_parcel_index_build(pr_context *ctx, const pr_parcels *parcels, pr_parcel_index **ret_index);
void pr_parcel_index_free(pr_parcel_index *index);

/* The parcel a point belongs to, -1 when it is outside every parcel and farther than snap_m
 * from all of them, -2 when memory or GEOS failed. h is the calling thread's GEOS handle.
 * *ret_snapped tells whether the point was assigned through snapping. */
int32_t pr_parcel_index_assign(const pr_parcel_index *index, GEOSContextHandle_t h, double x,
			       double y, double snap_m, bool *ret_snapped);

/* Assigns every record of rec (points in the working CRS) to a parcel, using the context's
 * thread count; records outside every parcel become rejects and are removed from rec. A record
 * already placed (parcel not -1: the address register's, by their parcel key) keeps its
 * parcel. The result does not depend on the number of threads. */
int pr_join_points(pr_context *ctx, const pr_parcel_index *index, pr_records *rec, double snap_m,
		   pr_rejects *rejects);

/* The index of the parcel whose id is key (parcels are sorted by id), -1 for none or a NULL or
 * empty key. */
int32_t pr_parcels_find(const pr_parcels *parcels, const char *key);

/* Assigns every record of rec to the parcel whose id equals its key field (compared after
 * trimming spaces); unknown keys become rejects and are removed from rec. */
int pr_join_keys(pr_context *ctx, const pr_parcels *parcels, pr_records *rec, int key_field,
		 pr_rejects *rejects);

/* When more than 5% of a point source fell outside every parcel, a sentence on the likely
 * cause (wrong crs, swapped x/y) into buf; returns false when the share is below 5%. */
bool pr_join_diagnose(const pr_parcels *parcels, const pr_records *rec, uint64_t outside, char *buf,
		      size_t size);

/* ---- records located by address (address_join.c) ------------------------------------------- */

typedef struct pr_address_norm pr_address_norm;
typedef struct pr_address_index pr_address_index;

/* Joins the address register (rec, source PR_SRC_ADDRESSES) to parcels: a row whose parcel key
 * names a parcel goes to it, the others by their point as pr_join_points does; rows that fit
 * nowhere become rejects and are removed. */
int pr_join_register(pr_context *ctx, const pr_parcel_index *index, const pr_parcels *parcels,
		     pr_records *rec, double snap_m, pr_rejects *rejects);
/* Indexes the joined register for lookups; rows the index cannot use (no street name, a number
 * that does not parse) become rejects and are removed. Free *ret_index with
 * pr_address_index_free(). */
int pr_address_index_from_register(pr_context *ctx, const pr_address_norm *norm, pr_records *rec,
				   pr_rejects *rejects, pr_address_index **ret_index);
/* Locates every record of rec (a source located by address) through index, by the contract's
 * match levels; a record without a match is a reject (unknown street, unknown address,
 * ambiguous address) and is removed. Its box is kept normalised. ret_levels[1..4] counts the
 * records each level found. */
int pr_join_by_address(pr_context *ctx, const pr_address_index *index, pr_records *rec,
		       pr_rejects *rejects, uint64_t ret_levels[5]);

#endif
