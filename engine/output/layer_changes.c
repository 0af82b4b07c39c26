/* SPDX-License-Identifier: MIT */
/* The changes table of a monthly run with --previous: what moved since that output (score up or
 * down, parcels entering or leaving the high classes, new and gone parcels), with both scores,
 * classes and ranks. Unchanged parcels are not listed. */
#include <math.h>
#include <string.h>

#include "output/writer.h"

enum {
	F_PARCEL_ID,
	F_CHANGE,
	F_PREVIOUS_SCORE,
	F_SCORE,
	F_PREVIOUS_CLASS,
	F_RISK_CLASS,
	F_PREVIOUS_RANK,
	F_RANK,
	F_SCORE_DELTA,
};

static const pr_field_spec fields[] = {
    [F_PARCEL_ID] = {"parcel_id", OFTString},		[F_CHANGE] = {"change", OFTString},
    [F_PREVIOUS_SCORE] = {"previous_score", OFTReal},	[F_SCORE] = {"score", OFTReal},
    [F_PREVIOUS_CLASS] = {"previous_class", OFTString}, [F_RISK_CLASS] = {"risk_class", OFTString},
    [F_PREVIOUS_RANK] = {"previous_rank", OFTInteger},	[F_RANK] = {"rank", OFTInteger},
    [F_SCORE_DELTA] = {"score_delta", OFTReal},
};

static bool is_high(const char *risk_class)
{
	return strcmp(risk_class, "high") == 0 || strcmp(risk_class, "critical") == 0;
}

/* Writes one row; previous may be NULL (a new parcel), current -1 (a parcel gone). */
static int change_row(pr_writer *w, OGRLayerH layer, OGRFeatureH feat, const pr_output *out,
		      const pr_previous_parcel *prev, long current)
{
	const pr_scores *s = out->scores;
	const char *cur_class = current >= 0 ? pr_risk_class_names[s->risk_class[current]] : "";
	double cur_score = current >= 0 ? s->score[current] : 0;
	const char *change;
	if (!prev)
		change = "new";
	else if (current < 0)
		change = "gone";
	else if (is_high(cur_class) && !is_high(prev->risk_class))
		change = "entered high";
	else if (!is_high(cur_class) && is_high(prev->risk_class))
		change = "left high";
	else if (fabs(cur_score - prev->score) < 0.05 && strcmp(cur_class, prev->risk_class) == 0)
		return 0; /* unchanged: not listed */
	else
		change = cur_score > prev->score ? "score up" : "score down";
	OGR_F_SetFID(feat, OGRNullFID);
	OGR_F_SetFieldString(feat, F_PARCEL_ID,
			     prev ? prev->id : pr_parcel_text(out->parcels, PR_PARCEL_ID, current));
	OGR_F_SetFieldString(feat, F_CHANGE, change);
	if (prev) {
		OGR_F_SetFieldDouble(feat, F_PREVIOUS_SCORE, prev->score);
		OGR_F_SetFieldString(feat, F_PREVIOUS_CLASS, prev->risk_class);
		OGR_F_SetFieldInteger(feat, F_PREVIOUS_RANK, prev->rank);
	} else {
		OGR_F_SetFieldNull(feat, F_PREVIOUS_SCORE);
		OGR_F_SetFieldNull(feat, F_PREVIOUS_CLASS);
		OGR_F_SetFieldNull(feat, F_PREVIOUS_RANK);
	}
	if (current >= 0) {
		OGR_F_SetFieldDouble(feat, F_SCORE, cur_score);
		OGR_F_SetFieldString(feat, F_RISK_CLASS, cur_class);
		OGR_F_SetFieldInteger(feat, F_RANK, (int)s->rank[current]);
	} else {
		OGR_F_SetFieldNull(feat, F_SCORE);
		OGR_F_SetFieldNull(feat, F_RISK_CLASS);
		OGR_F_SetFieldNull(feat, F_RANK);
	}
	if (prev && current >= 0)
		OGR_F_SetFieldDouble(feat, F_SCORE_DELTA,
				     round((cur_score - prev->score) * 10) / 10);
	else
		OGR_F_SetFieldNull(feat, F_SCORE_DELTA);
	return pr_writer_create_feature(w, layer, feat);
}

static int fill(pr_writer *w, OGRLayerH layer, const pr_output *out)
{
	const pr_previous *prev = out->previous;
	const pr_parcels *p = out->parcels;
	OGRFeatureH feat = OGR_F_Create(OGR_L_GetLayerDefn(layer));
	int r = 0;
	/* Both lists are sorted by parcel id: one merge walk. */
	size_t a = 0, b = 0;
	while (r == 0 && (a < prev->n || b < p->rec.n)) {
		int c = a == prev->n ? 1
			: b == p->rec.n
			    ? -1
			    : strcmp(prev->items[a].id, pr_parcel_text(p, PR_PARCEL_ID, b));
		if (c < 0)
			r = change_row(w, layer, feat, out, &prev->items[a++], -1);
		else if (c > 0)
			r = change_row(w, layer, feat, out, NULL, (long)b++);
		else
			r = change_row(w, layer, feat, out, &prev->items[a++], (long)b++);
	}
	OGR_F_Destroy(feat);
	return r;
}

static bool has_previous(const pr_output *out)
{
	return out->previous != NULL;
}

const pr_layer_def pr_layer_changes = {
    .name = "changes",
    .geometry = wkbNone,
    .description = "Changes since the previous output: score deltas, parcels entering or "
		   "leaving the high classes, new and gone parcels",
    .fields = PR_FIELDS(fields),
    .fill = fill,
    .wanted = has_previous,
    .share = {PR_SHARE_NAMED, PR_SHARE_PSEUDONYMOUS, PR_SHARE_NONE},
};
