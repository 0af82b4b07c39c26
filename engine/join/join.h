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
 * thread count; records outside every parcel become rejects and are removed from rec. The
 * result does not depend on the number of threads. */
int pr_join_points(pr_context *ctx, const pr_parcel_index *index, pr_records *rec, double snap_m,
		   pr_rejects *rejects);

/* Assigns every record of rec to the parcel whose id equals its key field (compared after
 * trimming spaces); unknown keys become rejects and are removed from rec. */
int pr_join_keys(pr_context *ctx, const pr_parcels *parcels, pr_records *rec, int key_field,
		 pr_rejects *rejects);

/* When more than 5% of a point source fell outside every parcel, a sentence on the likely
 * cause (wrong crs, swapped x/y) into buf; returns false when the share is below 5%. */
bool pr_join_diagnose(const pr_parcels *parcels, const pr_records *rec, uint64_t outside, char *buf,
		      size_t size);

#endif
