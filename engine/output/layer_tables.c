/* SPDX-License-Identifier: MIT */
/* The output's plain tables besides changes: rejects (every input row that could not be used,
 * with its source, row, reason and value) and layer_styles (each spatial layer's default QGIS
 * style, from the layer table, in the columns QGIS itself writes). */
#include "output/writer.h"

enum { F_SOURCE, F_ROW, F_REASON, F_VALUE };

static const pr_field_spec reject_fields[] = {
    [F_SOURCE] = {"source", OFTString},
    [F_ROW] = {"row", OFTInteger64},
    [F_REASON] = {"reason", OFTString},
    [F_VALUE] = {"value", OFTString, .kind = PR_FIELD_PERSONAL},
};

static int fill_rejects(pr_writer *w, OGRLayerH layer, const pr_output *out)
{
	const pr_rejects *rj = out->rejects;
	int r = 0;
	OGRFeatureH feat = OGR_F_Create(OGR_L_GetLayerDefn(layer));
	for (size_t i = 0; i < rj->n && !r; i++) {
		const pr_reject *rec = &rj->items[i];
		OGR_F_SetFID(feat, OGRNullFID);
		OGR_F_SetFieldString(feat, F_SOURCE, pr_source_defs[rec->source].name);
		OGR_F_SetFieldInteger64(feat, F_ROW, (GIntBig)rec->row);
		OGR_F_SetFieldString(feat, F_REASON, rec->reason);
		OGR_F_SetFieldString(feat, F_VALUE, rec->value);
		r = pr_writer_create_feature(w, layer, feat);
	}
	OGR_F_Destroy(feat);
	return r;
}

const pr_layer_def pr_layer_rejects = {
    .name = "rejects",
    .geometry = wkbNone,
    .description = "Input rows that could not be used: source, row, reason and value",
    .fields = PR_FIELDS(reject_fields),
    .fill = fill_rejects,
    .share = {PR_SHARE_NAMED, PR_SHARE_PSEUDONYMOUS, PR_SHARE_NONE},
};

/* The columns QGIS itself writes (its saveStyleToDatabase). */
enum {
	S_CATALOG,
	S_SCHEMA,
	S_TABLE,
	S_GEOMETRY_COLUMN,
	S_NAME,
	S_QML,
	S_SLD,
	S_DEFAULT,
	S_DESCRIPTION,
	S_OWNER,
	S_UI,
	S_UPDATE_TIME,
};

static const pr_field_spec style_fields[] = {
    [S_CATALOG] = {"f_table_catalog", OFTString, NULL, 256},
    [S_SCHEMA] = {"f_table_schema", OFTString, NULL, 256},
    [S_TABLE] = {"f_table_name", OFTString, NULL, 256},
    [S_GEOMETRY_COLUMN] = {"f_geometry_column", OFTString, NULL, 256},
    [S_NAME] = {"styleName", OFTString, NULL, 30},
    [S_QML] = {"styleQML", OFTString},
    [S_SLD] = {"styleSLD", OFTString},
    [S_DEFAULT] = {"useAsDefault", OFTInteger, NULL, 0, OFSTBoolean},
    [S_DESCRIPTION] = {"description", OFTString},
    [S_OWNER] = {"owner", OFTString, NULL, 30},
    [S_UI] = {"ui", OFTString, NULL, 30},
    [S_UPDATE_TIME] = {"update_time", OFTDateTime},
};

/* The table is created through GDAL, so it is registered in gpkg_contents like any attribute
 * table, and QGIS finds each layer's default style in it. */
static int fill_layer_styles(pr_writer *w, OGRLayerH layer, const pr_output *out)
{
	int y, m, d, r = 0;
	pr_civil_from_days(out->as_of, &y, &m, &d);
	OGRFeatureH feat = OGR_F_Create(OGR_L_GetLayerDefn(layer));
	for (size_t i = 0; i < pr_output_n_layers && !r; i++) {
		const pr_layer_def *def = pr_output_layers[i];
		if (!def->style || pr_layer_share(def, out) == PR_SHARE_NONE)
			continue;
		OGR_F_SetFID(feat, OGRNullFID);
		OGR_F_SetFieldString(feat, S_CATALOG, "");
		OGR_F_SetFieldString(feat, S_SCHEMA, "");
		OGR_F_SetFieldString(feat, S_TABLE, def->name);
		OGR_F_SetFieldString(feat, S_GEOMETRY_COLUMN, "geom");
		OGR_F_SetFieldString(feat, S_NAME, def->name);
		OGR_F_SetFieldString(feat, S_QML, (const char *)def->style);
		OGR_F_SetFieldString(feat, S_SLD, "");
		OGR_F_SetFieldInteger(feat, S_DEFAULT, 1);
		OGR_F_SetFieldString(feat, S_DESCRIPTION, def->style_description);
		OGR_F_SetFieldString(feat, S_OWNER, "");
		OGR_F_SetFieldNull(feat, S_UI);
		OGR_F_SetFieldDateTime(feat, S_UPDATE_TIME, y, m, d, 0, 0, 0, 100);
		r = pr_writer_create_feature(w, layer, feat);
	}
	OGR_F_Destroy(feat);
	return r;
}

const pr_layer_def pr_layer_layer_styles = {
    .name = "layer_styles",
    .geometry = wkbNone,
    .description = "Default QGIS styles of the layers",
    .fields = PR_FIELDS(style_fields),
    .fill = fill_layer_styles,
    .styles_table = true,
    .share = {PR_SHARE_NAMED, PR_SHARE_PSEUDONYMOUS, PR_SHARE_PUBLIC},
};
