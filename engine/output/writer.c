/* SPDX-License-Identifier: MIT */
/* Writes the layer table (pr_output_layers) into any GDAL vector dataset: each layer created
 * with the options its format asks for, filled inside one transaction, its rows filtered for the
 * audience on their way when it may not see all of them. The formats (gpkg.c, postgis.c) open
 * the dataset, say how layers are made there, and do what is theirs before and after: indexes,
 * styles, and putting the output in place. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_string.h>

#include "output/writer.h"

/* Every layer, in writing order: what each holds is its row, beside its fill function. */
const pr_layer_def *const pr_output_layers[] = {
    &pr_layer_parcel_risk, &pr_layer_visit_list, &pr_layer_owners,	 &pr_layer_hotspots,
    &pr_layer_changes,	   &pr_layer_rejects,	 &pr_layer_layer_styles, &pr_layer_run_info,
};
const size_t pr_output_n_layers = sizeof pr_output_layers / sizeof *pr_output_layers;

int pr_writer_add_field(pr_writer *w, OGRLayerH layer, const pr_field_spec *spec)
{
	OGRFieldDefnH fd = OGR_Fld_Create(spec->name, spec->type);
	if (spec->domain && w->field_domains)
		OGR_Fld_SetDomainName(fd, spec->domain);
	OGR_Fld_SetWidth(fd, spec->width);
	OGR_Fld_SetSubType(fd, spec->subtype);
	OGRErr err = OGR_L_CreateField(layer, fd, TRUE);
	OGR_Fld_Destroy(fd);
	if (err != OGRERR_NONE)
		return pr_error_gdal(w->ctx, PR_ECANTCREAT, "%s: cannot create field %s", w->path,
				     spec->name);
	return 0;
}

enum pr_share pr_layer_share(const pr_layer_def *def, const pr_output *out)
{
	if (def->wanted && !def->wanted(out))
		return PR_SHARE_NONE;
	return def->share[out->audience];
}

/* A row of the memory layer to the file's, as its audience may see it (pr_writer_filter). */
static int create_filtered(pr_writer *w, OGRFeatureH feat)
{
	pr_writer_filter *f = w->filter;
	if (f->share == PR_SHARE_PUBLIC && f->public_field >= 0 &&
	    !OGR_F_GetFieldAsInteger(feat, f->public_field))
		return 0;
	OGR_F_SetFID(f->row, OGRNullFID);
	if (OGR_F_SetFromWithMap(f->row, feat, TRUE, f->map) != OGRERR_NONE)
		return pr_error_gdal(w->ctx, PR_EINTERNAL, "%s: cannot copy a row of %s", w->path,
				     OGR_L_GetName(f->target));
	for (int k = 0; k < f->n_owner_fields; k++) {
		int from = f->owner_fields[k], to = f->map[from];
		if (to < 0 || !OGR_F_IsFieldSetAndNotNull(feat, from))
			continue;
		char pseudonym[PR_PSEUDONYM_SIZE];
		if (pr_pseudonym(w->out->pseudonym_key, OGR_F_GetFieldAsString(feat, from),
				 pseudonym) < 0)
			return PR_ENOMEM;
		pr_set_text(f->row, to, pseudonym[0] ? pseudonym : NULL);
	}
	if (OGR_L_CreateFeature(f->target, f->row) != OGRERR_NONE)
		return pr_error_gdal(w->ctx, PR_ECANTCREAT, "%s: cannot write a feature of %s",
				     w->path, OGR_L_GetName(f->target));
	OGR_F_SetFID(feat, OGR_F_GetFID(f->row));
	return 0;
}

int pr_writer_create_feature(pr_writer *w, OGRLayerH layer, OGRFeatureH feat)
{
	if (w->filter)
		return create_filtered(w, feat);
	if (OGR_L_CreateFeature(layer, feat) != OGRERR_NONE)
		return pr_error_gdal(w->ctx, PR_ECANTCREAT, "%s: cannot write a feature of %s",
				     w->path, OGR_L_GetName(layer));
	return 0;
}

void pr_set_text(OGRFeatureH feat, int field, const char *text)
{
	if (text)
		OGR_F_SetFieldString(feat, field, text);
	else
		OGR_F_SetFieldNull(feat, field);
}

void pr_set_date(OGRFeatureH feat, int field, int32_t days)
{
	if (days == PR_DATE_NULL) {
		OGR_F_SetFieldNull(feat, field);
		return;
	}
	int y, m, d;
	pr_civil_from_days(days, &y, &m, &d);
	OGR_F_SetFieldDateTime(feat, field, y, m, d, 0, 0, 0, 0);
}

const char *pr_parcel_text(const pr_parcels *p, int field, size_t i)
{
	return pr_column_text(&p->rec.cols[field], i);
}

uint32_t *pr_rank_order(const pr_scores *s)
{
	uint32_t *order = malloc((s->n ? s->n : 1) * sizeof *order);
	if (!order)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		order[s->rank[i] - 1] = (uint32_t)i;
	return order;
}

void pr_set_cell(OGRFeatureH feat, int field, const pr_cell *cell)
{
	switch (cell->kind) {
	case PR_CELL_NULL:
		OGR_F_SetFieldNull(feat, field);
		break;
	case PR_CELL_INT:
		OGR_F_SetFieldInteger64(feat, field, cell->v.i);
		break;
	case PR_CELL_REAL:
		OGR_F_SetFieldDouble(feat, field, cell->v.d);
		break;
	case PR_CELL_TEXT:
		OGR_F_SetFieldString(feat, field, cell->v.s);
		break;
	case PR_CELL_DATE:
		pr_set_date(feat, field, cell->v.days);
		break;
	}
}

bool pr_field_kept(enum pr_field_kind kind, enum pr_share share)
{
	switch (kind) {
	case PR_FIELD_OPEN:
		return true;
	case PR_FIELD_OWNER:
		return share == PR_SHARE_NAMED || share == PR_SHARE_PSEUDONYMOUS;
	case PR_FIELD_PERSONAL:
		return share == PR_SHARE_NAMED;
	case PR_FIELD_PUBLIC:
		return false;
	}
	return false;
}

bool pr_writer_rows_later(const pr_writer *w, const pr_layer_def *def, enum pr_share share)
{
	return w->rows_later && def->rows &&
	       (share == PR_SHARE_NAMED || share == PR_SHARE_PSEUDONYMOUS);
}

/* Creates a layer in ds with its fields (with kept_only, only those share keeps) and the
 * format's layer options (among them no spatial index: it is built once the layer is full). */
static int create_layer(pr_writer *w, GDALDatasetH ds, const pr_layer_def *def,
			const pr_output *out, bool kept_only, enum pr_share share, OGRLayerH *ret)
{
	char description[256];
	if (def->describe)
		def->describe(out, description, sizeof description);
	else
		snprintf(description, sizeof description, "%s", def->description);
	char **opts = CSLDuplicate(ds == w->ds ? w->layer_options : NULL);
	opts = CSLSetNameValue(opts, "DESCRIPTION", description);
	if (def->geometry != wkbNone)
		opts = CSLSetNameValue(opts, "GEOMETRY_NAME", "geom");
	OGRLayerH layer = GDALDatasetCreateLayer(
	    ds, def->name, def->geometry == wkbNone ? NULL : w->srs, def->geometry, opts);
	CSLDestroy(opts);
	if (!layer)
		return pr_error_gdal(w->ctx, PR_ECANTCREAT, "%s: cannot create layer %s", w->path,
				     def->name);
	int r = 0;
	for (size_t f = 0; f < def->n_fields && !r; f++)
		if (!kept_only || pr_field_kept(def->fields[f].kind, share))
			r = pr_writer_add_field(w, layer, &def->fields[f]);
	if (!r && def->add_fields)
		r = def->add_fields(w, layer, out);
	*ret = layer;
	return r;
}

/* Whether the fill may write into the file's layer itself: all of it reaches the file as is. */
static bool unfiltered(const pr_layer_def *def, enum pr_share share)
{
	for (size_t f = 0; f < def->n_fields; f++) {
		enum pr_field_kind kind = def->fields[f].kind;
		if (kind == PR_FIELD_PUBLIC || (kind != PR_FIELD_OPEN && share != PR_SHARE_NAMED))
			return false;
	}
	return true;
}

/* The file's layer of what the audience gets of memory, a layer of every field, and the map
 * from one to the other. */
static int open_filter(pr_writer *w, const pr_layer_def *def, enum pr_share share, OGRLayerH memory,
		       OGRLayerH target, pr_writer_filter *f)
{
	OGRFeatureDefnH defn = OGR_L_GetLayerDefn(memory);
	*f = (pr_writer_filter){.target = target, .share = share, .public_field = -1};
	f->n_fields = OGR_FD_GetFieldCount(defn);
	f->map = malloc((size_t)(f->n_fields ? f->n_fields : 1) * sizeof *f->map);
	if (!f->map)
		return PR_ENOMEM;
	int kept = 0;
	for (int i = 0; i < f->n_fields; i++) {
		/* The fields after the fixed ones (add_fields) are the model's and counts. */
		enum pr_field_kind kind =
		    (size_t)i < def->n_fields ? def->fields[i].kind : PR_FIELD_OPEN;
		if (kind == PR_FIELD_PUBLIC)
			f->public_field = i;
		if (kind == PR_FIELD_OWNER && share == PR_SHARE_PSEUDONYMOUS &&
		    f->n_owner_fields < (int)(sizeof f->owner_fields / sizeof *f->owner_fields))
			f->owner_fields[f->n_owner_fields++] = i;
		if (!pr_field_kept(kind, share)) {
			f->map[i] = -1;
			continue;
		}
		if (OGR_L_CreateField(target, OGR_FD_GetFieldDefn(defn, i), TRUE) != OGRERR_NONE)
			return pr_error_gdal(w->ctx, PR_ECANTCREAT, "%s: cannot create field %s",
					     w->path,
					     OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)));
		f->map[i] = kept++;
	}
	f->row = OGR_F_Create(OGR_L_GetLayerDefn(target));
	return f->row ? 0 : PR_ENOMEM;
}

static void close_filter(pr_writer_filter *f)
{
	free(f->map);
	if (f->row)
		OGR_F_Destroy(f->row);
}

/* Creates a layer and fills it inside one transaction: directly when its audience gets all of
 * it, else through a layer in memory whose rows are filtered on their way (pr_writer_filter). */
static int write_layer(pr_writer *w, const pr_layer_def *def, const pr_output *out,
		       enum pr_share share)
{
	GDALDatasetH memory_ds = NULL;
	pr_writer_filter filter = {0};
	OGRLayerH layer = NULL, target = NULL;
	int r;
	/* Only the layer and its fields: the rows come once GDAL has closed the dataset. */
	if (pr_writer_rows_later(w, def, share)) {
		r = create_layer(w, w->ds, def, out, true, share, &layer);
		/* Made now, not when GDAL closes the dataset: the layers stay listed in their
		 * order (GDAL lists them in the order it made them). */
		if (r == 0 && OGR_L_SyncToDisk(layer) != OGRERR_NONE)
			r = pr_error_gdal(w->ctx, PR_ECANTCREAT, "%s: cannot create layer %s",
					  w->path, def->name);
		return r;
	}
	if (unfiltered(def, share)) {
		r = create_layer(w, w->ds, def, out, false, share, &layer);
		if (r < 0)
			return r;
	} else {
		/* The file's layer gets the fields the audience may see, as open_filter says. */
		pr_layer_def bare = *def;
		bare.n_fields = 0;
		bare.add_fields = NULL;
		GDALDriverH mem = GDALGetDriverByName("Memory");
		memory_ds = mem ? GDALCreate(mem, "", 0, 0, 0, GDT_Unknown, NULL) : NULL;
		if (!memory_ds)
			return pr_error_gdal(w->ctx, PR_EINTERNAL,
					     "cannot create a layer in memory");
		r = create_layer(w, memory_ds, def, out, false, share, &layer);
		if (r == 0)
			r = create_layer(w, w->ds, &bare, out, false, share, &target);
		if (r == 0)
			r = open_filter(w, def, share, layer, target, &filter);
		if (r < 0)
			goto done;
		w->filter = &filter;
	}
	if (GDALDatasetStartTransaction(w->ds, FALSE) != OGRERR_NONE) {
		r = pr_error_gdal(w->ctx, PR_ECANTCREAT, "%s: cannot start a transaction", w->path);
		goto done;
	}
	r = def->fill(w, layer, out);
	if (r == 0 && GDALDatasetCommitTransaction(w->ds) != OGRERR_NONE)
		r = pr_error_gdal(w->ctx, PR_ECANTCREAT, "%s: cannot commit %s", w->path,
				  def->name);
	/* Nothing half-written stays behind an open transaction (a PostgreSQL connection closed
	 * inside one would commit it). */
	else if (r < 0)
		GDALDatasetRollbackTransaction(w->ds);
done:
	w->filter = NULL;
	close_filter(&filter);
	if (memory_ds)
		GDALClose(memory_ds);
	return r;
}

int pr_writer_write_layers(pr_writer *w, bool after_indexes)
{
	const pr_output *out = w->out;
	int r = 0;
	for (size_t i = 0; i < pr_output_n_layers && r == 0; i++) {
		const pr_layer_def *def = pr_output_layers[i];
		enum pr_share share = pr_layer_share(def, out);
		if (def->after_indexes != after_indexes || share == PR_SHARE_NONE ||
		    (def->styles_table && w->styles_apart))
			continue;
		double t0 = pr_now();
		r = write_layer(w, def, out, share);
		char key[96];
		snprintf(key, sizeof key, "seconds.write_%s", def->name);
		/* Rows left to the format are timed where they are written. */
		if (r == 0 && !after_indexes && !pr_writer_rows_later(w, def, share))
			r = pr_kv_add(out->run_info, key, "%.3f", pr_now() - t0);
	}
	return r;
}
