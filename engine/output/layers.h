/* SPDX-License-Identifier: MIT */
/* The hotspots and changes layers (layers.c). */
#ifndef PR_LAYERS_H
#define PR_LAYERS_H

#include "output/output.h"

/* Fills layer (fields parcels, mean_score, high_risk_parcels, max_score) with hexagons of the
 * model's hotspot_cell_m across flats, one per cell holding parcels. */
int pr_layer_hotspots(pr_context *ctx, OGRLayerH layer, const pr_output *out);

/* Fills layer (fields parcel_id, change, previous_score, score, previous_class, risk_class,
 * previous_rank, rank, score_delta) by comparing out with out->previous. */
int pr_layer_changes(pr_context *ctx, OGRLayerH layer, const pr_output *out);

#endif
