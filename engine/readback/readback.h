/* SPDX-License-Identifier: MIT */
/* Reading an output back: a previous month's scores for the changes table (previous.c), the
 * explanation of one parcel (explain.c) and the judging of a ranking against a truth file
 * (evaluate.c). Everything that reads a GeoPackage parcelrisk wrote lives here, so that a change
 * of the output's columns has one folder to look at besides engine/output/. */
#ifndef PR_READBACK_H
#define PR_READBACK_H

#include "core/core.h"

/* One parcel of a previous output. */
typedef struct pr_previous_parcel {
	char *id;
	double score;
	int rank;
	char risk_class[16];
} pr_previous_parcel;

/* A previous month's output, for the changes table: its parcels sorted by id. */
typedef struct pr_previous {
	pr_previous_parcel *items;
	size_t n;
	char *path;
	char as_of[16];
} pr_previous;

/* Reads parcel_risk of an earlier output. Free with pr_previous_free(). */
int pr_previous_load(pr_context *ctx, const char *path, pr_previous *ret_previous);
/* Accepts NULL and a list never loaded. */
void pr_previous_free(pr_previous *previous);

#endif
