/* SPDX-License-Identifier: MIT */
/* The owners layer, for planners: one row per owner of two parcels or more, with the footprint
 * of their parcels, how many are high risk, and their scores. The owner score is the mean of the
 * owner's three highest parcel scores, so that a landlord with several risky houses ranks above
 * one with a single bad one; the rows are in that order, worst first. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "output/writer.h"

enum { F_OWNER, F_PARCELS, F_HIGH_RISK, F_MAX_SCORE, F_MEAN_SCORE, F_OWNER_SCORE };

static const pr_field_spec fields[] = {
    [F_OWNER] = {"owner", OFTString, .kind = PR_FIELD_OWNER},
    [F_PARCELS] = {"parcels", OFTInteger},
    [F_HIGH_RISK] = {"high_risk_parcels", OFTInteger},
    [F_MAX_SCORE] = {"max_score", OFTReal},
    [F_MEAN_SCORE] = {"mean_score", OFTReal},
    [F_OWNER_SCORE] = {"owner_score", OFTReal},
};

typedef struct owner_entry {
	const char *owner;
	uint32_t hash; /* of owner: compared first, so that names are compared only when their
			  hashes are the same (at 10M parcels, comparing names all along the sort
			  was most of this layer's time) */
	uint32_t parcel;
} owner_entry;

/* Owners in an order of their own (hash first, the name where hashes agree): 0 for the same. */
static int compare_owners(const owner_entry *x, const owner_entry *y)
{
	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->owner == y->owner ? 0 : strcmp(x->owner, y->owner);
}

/* An owner's parcels together, in parcel order. */
static int compare_owner_entry(const void *a, const void *b)
{
	const owner_entry *x = a, *y = b;
	int c = compare_owners(x, y);
	return c ? c : (x->parcel > y->parcel) - (x->parcel < y->parcel);
}

static int compare_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x < y) - (x > y);
}

/* One owner's parcels: list[first..end), and the figures they are ordered by. */
typedef struct owner_group {
	size_t first, end;
	double owner_score, max_score, mean_score;
	uint32_t high, best_rank;
} owner_group;

/* Worst owner first; never by name, so that rows in a pseudonymous file do not give the names'
 * alphabetical order away. */
static int compare_group(const void *a, const void *b)
{
	const owner_group *x = a, *y = b;
	if (x->owner_score != y->owner_score)
		return x->owner_score < y->owner_score ? 1 : -1;
	if (x->max_score != y->max_score)
		return x->max_score < y->max_score ? 1 : -1;
	return (x->best_rank > y->best_rank) - (x->best_rank < y->best_rank);
}

static int write_group(pr_writer *w, OGRLayerH layer, OGRFeatureH feat, const pr_parcels *p,
		       const owner_entry *list, const owner_group *g)
{
	OGRGeometryH footprint = OGR_G_CreateGeometry(wkbMultiPolygon);
	for (size_t k = g->first; k < g->end; k++) {
		uint32_t i = list[k].parcel;
		OGRGeometryH one = NULL;
		size_t wkb_size;
		const unsigned char *wkb = pr_parcel_wkb(p, i, &wkb_size);
		if (OGR_G_CreateFromWkbEx(wkb, NULL, &one, wkb_size) == OGRERR_NONE) {
			for (int j = 0; j < OGR_G_GetGeometryCount(one); j++)
				OGR_G_AddGeometry(footprint, OGR_G_GetGeometryRef(one, j));
			OGR_G_DestroyGeometry(one);
		}
	}
	OGR_F_SetFID(feat, OGRNullFID);
	OGR_F_SetFieldString(feat, F_OWNER, list[g->first].owner);
	OGR_F_SetFieldInteger(feat, F_PARCELS, (int)(g->end - g->first));
	OGR_F_SetFieldInteger(feat, F_HIGH_RISK, (int)g->high);
	OGR_F_SetFieldDouble(feat, F_MAX_SCORE, g->max_score);
	OGR_F_SetFieldDouble(feat, F_MEAN_SCORE, g->mean_score);
	OGR_F_SetFieldDouble(feat, F_OWNER_SCORE, g->owner_score);
	OGR_G_AssignSpatialReference(footprint, w->srs);
	OGR_F_SetGeometryDirectly(feat, footprint);
	return pr_writer_create_feature(w, layer, feat);
}

static int fill(pr_writer *w, OGRLayerH layer, const pr_output *out)
{
	const pr_parcels *p = out->parcels;
	const pr_scores *s = out->scores;
	const pr_column *owners = &p->rec.cols[PR_PARCEL_OWNER];
	owner_entry *list = NULL;
	owner_group *groups = NULL;
	double *scores = NULL;
	OGRFeatureH feat = NULL;
	size_t n = 0, n_groups = 0;
	int r = 0;
	if (!owners->present)
		return 0;
	size_t room = p->rec.n ? p->rec.n : 1;
	list = malloc(room * sizeof *list);
	scores = malloc(room * sizeof *scores);
	groups = malloc(room * sizeof *groups);
	if (!list || !scores || !groups) {
		r = PR_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < p->rec.n; i++) {
		const char *owner = pr_column_text(owners, i);
		if (owner && *owner)
			list[n++] =
			    (owner_entry){owner, pr_hash_bytes(owner, strlen(owner)), (uint32_t)i};
	}
	qsort(list, n, sizeof *list, compare_owner_entry);
	for (size_t a = 0, b; a < n; a = b) {
		for (b = a + 1; b < n && compare_owners(&list[b], &list[a]) == 0; b++)
			;
		size_t count = b - a;
		if (count < 2)
			continue;
		owner_group *g = &groups[n_groups++];
		*g = (owner_group){.first = a, .end = b, .best_rank = UINT32_MAX};
		double sum = 0;
		for (size_t k = a; k < b; k++) {
			uint32_t i = list[k].parcel;
			scores[k - a] = s->score[i];
			sum += s->score[i];
			g->high += s->risk_class[i] >= PR_CLASS_HIGH;
			g->best_rank = s->rank[i] < g->best_rank ? s->rank[i] : g->best_rank;
		}
		qsort(scores, count, sizeof *scores, compare_desc);
		double top = 0;
		size_t n_top = count < 3 ? count : 3;
		for (size_t k = 0; k < n_top; k++)
			top += scores[k];
		g->max_score = scores[0];
		g->mean_score = round(sum / (double)count * 10) / 10;
		g->owner_score = round(top / (double)n_top * 10) / 10;
	}
	qsort(groups, n_groups, sizeof *groups, compare_group);
	feat = OGR_F_Create(OGR_L_GetLayerDefn(layer));
	for (size_t k = 0; k < n_groups && r == 0; k++)
		r = write_group(w, layer, feat, p, list, &groups[k]);
done:
	if (feat)
		OGR_F_Destroy(feat);
	free(list);
	free(scores);
	free(groups);
	return r;
}

const pr_layer_def pr_layer_owners = {
    .name = "owners",
    .geometry = wkbMultiPolygon,
    .description = "Owners of two parcels or more: parcels, high-risk parcels, scores",
    .fields = PR_FIELDS(fields),
    .fill = fill,
    .index = PR_INDEX_GDAL,
    .style = pr_style_owners,
    .style_description = "Owners' footprints by owner score",
    .share = {PR_SHARE_NAMED, PR_SHARE_PSEUDONYMOUS, PR_SHARE_NONE},
};
