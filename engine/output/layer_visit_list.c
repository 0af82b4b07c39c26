/* SPDX-License-Identifier: MIT */
/* The visit_list layer, for inspectors: a point on each parcel proposed for next month's visits,
 * best first, with its reasons, last inspection, owner and address. */
#include <stdlib.h>

#include "output/writer.h"

enum {
	F_RANK,
	F_PARCEL_ID,
	F_SCORE,
	F_RISK_CLASS,
	F_REASONS,
	F_LAST_INSPECTION,
	F_OWNER,
	F_ADDRESS,
};

static const pr_field_spec fields[] = {
    [F_RANK] = {"rank", OFTInteger},
    [F_PARCEL_ID] = {"parcel_id", OFTString},
    [F_SCORE] = {"score", OFTReal},
    [F_RISK_CLASS] = {"risk_class", OFTString, "risk_class"},
    [F_REASONS] = {"reasons", OFTString},
    [F_LAST_INSPECTION] = {"last_inspection", OFTDate},
    [F_OWNER] = {"owner", OFTString, .kind = PR_FIELD_OWNER},
    [F_ADDRESS] = {"address", OFTString, .kind = PR_FIELD_PERSONAL},
};

static int fill(pr_writer *w, OGRLayerH layer, const pr_output *out)
{
	const pr_parcels *p = out->parcels;
	const pr_scores *s = out->scores;
	uint32_t *order = pr_rank_order(s);
	int r = 0;
	if (!order)
		return PR_ENOMEM;
	OGRFeatureH feat = OGR_F_Create(OGR_L_GetLayerDefn(layer));
	for (size_t k = 0; k < p->rec.n && r == 0; k++) {
		size_t i = order[k];
		if (!s->visit[i])
			continue;
		OGR_F_SetFID(feat, OGRNullFID);
		OGR_F_SetFieldInteger(feat, F_RANK, (int)s->visit_rank[i]);
		OGR_F_SetFieldString(feat, F_PARCEL_ID, pr_parcel_text(p, PR_PARCEL_ID, i));
		OGR_F_SetFieldDouble(feat, F_SCORE, s->score[i]);
		OGR_F_SetFieldString(feat, F_RISK_CLASS, pr_risk_class_names[s->risk_class[i]]);
		OGR_F_SetFieldString(feat, F_REASONS, pr_scores_reasons(s, i));
		pr_set_date(feat, F_LAST_INSPECTION, s->last_inspection[i]);
		pr_set_text(feat, F_OWNER, pr_parcel_text(p, PR_PARCEL_OWNER, i));
		pr_set_text(feat, F_ADDRESS, pr_parcel_text(p, PR_PARCEL_ADDRESS, i));
		OGRGeometryH pt = OGR_G_CreateGeometry(wkbPoint);
		OGR_G_SetPoint_2D(pt, 0, p->label_xy[2 * i], p->label_xy[2 * i + 1]);
		OGR_F_SetGeometryDirectly(feat, pt);
		r = pr_writer_create_feature(w, layer, feat);
	}
	OGR_F_Destroy(feat);
	free(order);
	return r;
}

const pr_layer_def pr_layer_visit_list = {
    .name = "visit_list",
    .geometry = wkbPoint,
    .description = "Parcels proposed for next month's visits, best first, with reasons",
    .fields = PR_FIELDS(fields),
    .fill = fill,
    .index = PR_INDEX_GDAL,
    .style = pr_style_visit_list,
    .style_description = "Visit list, labelled by rank",
    .share = {PR_SHARE_NAMED, PR_SHARE_NONE, PR_SHARE_NONE},
};
