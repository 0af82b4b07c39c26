/* SPDX-License-Identifier: MIT */
/* parcels.gpkg of the synthetic city: its reference systems (EPSG:31370, and EPSG:4326 for the
 * complaints' coordinates), the parcels layer written in one transaction, each lot as a WKB
 * multipolygon with a street address, and the spatial index built once at the end. */
#include <errno.h>
#include <unistd.h>

#include <cpl_error.h>

#include "synth/synth_internal.h"

int synth_make_reference_systems(synth *s)
{
	s->srs_lambert = OSRNewSpatialReference(NULL);
	s->srs_wgs84 = OSRNewSpatialReference(NULL);
	if (!s->srs_lambert || !s->srs_wgs84)
		return pr_error(s->ctx, PR_ENOMEM, "out of memory");
	if (OSRImportFromEPSG(s->srs_lambert, 31370) != OGRERR_NONE ||
	    OSRImportFromEPSG(s->srs_wgs84, 4326) != OGRERR_NONE)
		return pr_error_gdal(s->ctx, PR_EINTERNAL,
				     "cannot load EPSG:31370 and EPSG:4326 from the PROJ database");
	/* Longitude first, as web forms and the sources file's x = lon expect. */
	OSRSetAxisMappingStrategy(s->srs_lambert, OAMS_TRADITIONAL_GIS_ORDER);
	OSRSetAxisMappingStrategy(s->srs_wgs84, OAMS_TRADITIONAL_GIS_ORDER);
	s->to_wgs84 = OCTNewCoordinateTransformation(s->srs_lambert, s->srs_wgs84);
	if (!s->to_wgs84)
		return pr_error_gdal(s->ctx, PR_EINTERNAL,
				     "cannot transform from EPSG:31370 to EPSG:4326");
	return 0;
}

int synth_open_geopackage(synth *s)
{
	GDALDriverH driver = GDALGetDriverByName("GPKG");
	if (!driver)
		return pr_error(s->ctx, PR_EINTERNAL, "GDAL has no GPKG driver");
	if (unlink(s->gpkg_tmp_path) != 0 && errno != ENOENT)
		return pr_error(s->ctx, PR_ECANTCREAT, "cannot remove %s: %s", s->gpkg_tmp_path,
				strerror(errno));
	s->ds = GDALCreate(driver, s->gpkg_tmp_path, 0, 0, 0, GDT_Unknown, NULL);
	if (!s->ds)
		return pr_error_gdal(s->ctx, PR_ECANTCREAT, "cannot create %s", s->gpkg_tmp_path);
	/* The R-tree is built once after the bulk insert: several times faster than keeping it
	 * up to date row by row. */
	char spatial_index[] = "SPATIAL_INDEX=NO";
	char *options[] = {spatial_index, NULL};
	s->layer =
	    GDALDatasetCreateLayer(s->ds, "parcels", s->srs_lambert, wkbMultiPolygon, options);
	if (!s->layer)
		return pr_error_gdal(s->ctx, PR_ECANTCREAT, "cannot create layer parcels in %s",
				     s->gpkg_tmp_path);
	static const struct {
		const char *name;
		OGRFieldType type;
	} fields[] = {
	    {"capakey", OFTString},    {"owner", OFTString},	   {"floor_m2", OFTReal},
	    {"dwellings", OFTInteger}, {"build_year", OFTInteger}, {"use", OFTString},
	    {"address", OFTString},
	};
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
		OGRFieldDefnH defn = OGR_Fld_Create(fields[i].name, fields[i].type);
		OGRErr err = OGR_L_CreateField(s->layer, defn, TRUE);
		OGR_Fld_Destroy(defn);
		if (err != OGRERR_NONE)
			return pr_error_gdal(s->ctx, PR_ECANTCREAT, "cannot create field %s in %s",
					     fields[i].name, s->gpkg_tmp_path);
	}
	s->feature = OGR_F_Create(OGR_L_GetLayerDefn(s->layer));
	if (!s->feature)
		return pr_error(s->ctx, PR_ENOMEM, "out of memory");
	if (GDALDatasetStartTransaction(s->ds, FALSE) != OGRERR_NONE)
		return pr_error_gdal(s->ctx, PR_ECANTCREAT, "cannot start a transaction on %s",
				     s->gpkg_tmp_path);
	return 0;
}

static size_t wkb_put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
	return 4;
}

static size_t wkb_put_double(uint8_t *p, double d)
{
	uint64_t v;
	memcpy(&v, &d, sizeof v);
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
	return 8;
}

/* The lot as a little-endian WKB MultiPolygon of counter-clockwise rectangles. */
static OGRGeometryH lot_geometry(const lot_shape *lot)
{
	uint8_t wkb[9 + 2 * 93];
	size_t n = 0;
	wkb[n++] = 1;
	n += wkb_put_u32(wkb + n, wkbMultiPolygon);
	n += wkb_put_u32(wkb + n, (uint32_t)lot->nrect);
	for (int i = 0; i < lot->nrect; i++) {
		const rect *r = &lot->r[i];
		const int64_t xs[5] = {r->x0, r->x1, r->x1, r->x0, r->x0};
		const int64_t ys[5] = {r->y0, r->y0, r->y1, r->y1, r->y0};
		wkb[n++] = 1;
		n += wkb_put_u32(wkb + n, wkbPolygon);
		n += wkb_put_u32(wkb + n, 1);
		n += wkb_put_u32(wkb + n, 5);
		for (int k = 0; k < 5; k++) {
			n += wkb_put_double(wkb + n, (double)xs[k] / 100.0);
			n += wkb_put_double(wkb + n, (double)ys[k] / 100.0);
		}
	}
	OGRGeometryH g = NULL;
	if (OGR_G_CreateFromWkb(wkb, NULL, &g, (int)n) != OGRERR_NONE)
		return NULL;
	return g;
}

/* A street address derived from the address point alone (no random draw, so the rest of the
 * city does not change): the street from the 100 m band it stands in, the number from its
 * position along it. The simple registers' address: not unique (lots along the same side of a
 * block share a number, interior lots are all "Rue Haute 1"), which nothing locates by. The
 * Brussels-shaped registers write the address of their register instead. */
static void simple_address(const parcel *p, char *buf, size_t size)
{
	static const char *const streets[] = {
	    "Rue Haute",	 "Rue de Brabant",	 "Chaussée de Gand", "Rue de la Senne",
	    "Rue Gray",		 "Chaussée de Haecht",	 "Rue de Mérode",    "Rue Brogniez",
	    "Rue Fransman",	 "Chaussée de Waterloo", "Rue des Palais",   "Rue Vanderstraeten",
	    "Rue de Ribaucourt", "Boulevard Léopold II", "Rue du Progrès",   "Rue Dethy",
	    "Rue de Liverpool",	 "Avenue de Stalingrad",
	};
	int64_t band = p->addr_y / 10000;
	int64_t street = ((band % 18) + 18) % 18;
	int64_t number = ((p->addr_x / 100) / 7) % 240 + 1;
	snprintf(buf, size, "%s %lld", streets[street],
		 (long long)(number < 1 ? -number + 1 : number));
}

int synth_write_feature(synth *s, const parcel *p)
{
	OGRFeatureH f = s->feature;
	OGRGeometryH g = lot_geometry(&p->lot);
	if (!g)
		return pr_error_gdal(s->ctx, PR_EINTERNAL, "cannot build a parcel geometry");
	OGR_F_SetGeometryDirectly(f, g);
	OGR_F_SetFID(f, OGRNullFID);
	if (p->has_key)
		OGR_F_SetFieldString(f, 0, p->key);
	else
		OGR_F_SetFieldNull(f, 0);
	if (p->kind == KIND_ROAD) {
		OGR_F_SetFieldNull(f, 1);
		OGR_F_SetFieldNull(f, 2);
		OGR_F_SetFieldNull(f, 3);
		OGR_F_SetFieldNull(f, 4);
	} else {
		OGR_F_SetFieldString(f, 1, p->owner);
		if (p->floor_null)
			OGR_F_SetFieldNull(f, 2);
		else
			OGR_F_SetFieldDouble(f, 2, p->floor_m2);
		if (p->dwellings_null)
			OGR_F_SetFieldNull(f, 3);
		else
			OGR_F_SetFieldInteger(f, 3, p->dwellings);
		OGR_F_SetFieldInteger(f, 4, p->build_year);
	}
	OGR_F_SetFieldString(f, 5, p->use);
	char address[160];
	if (p->kind == KIND_ROAD) {
		OGR_F_SetFieldNull(f, 6);
	} else if (s->registers == PR_SYNTH_REGISTERS_BRUSSELS) {
		/* An interior lot has no street front and so no address. */
		synth_address_text(s, p, address, sizeof address);
		if (*address)
			OGR_F_SetFieldString(f, 6, address);
		else
			OGR_F_SetFieldNull(f, 6);
	} else {
		simple_address(p, address, sizeof address);
		OGR_F_SetFieldString(f, 6, address);
	}
	if (OGR_L_CreateFeature(s->layer, f) != OGRERR_NONE)
		return pr_error_gdal(s->ctx, PR_ECANTCREAT, "cannot write parcel %s to %s",
				     p->has_key ? p->key : "(no key)", s->gpkg_tmp_path);
	return 0;
}

int synth_finish_geopackage(synth *s)
{
	if (GDALDatasetCommitTransaction(s->ds) != OGRERR_NONE)
		return pr_error_gdal(s->ctx, PR_ECANTCREAT, "cannot write %s", s->gpkg_tmp_path);
	CPLErrorReset();
	static const char create_index[] = "SELECT CreateSpatialIndex('parcels', 'geom')";
	OGRLayerH result = GDALDatasetExecuteSQL(s->ds, create_index, NULL, NULL);
	if (result)
		GDALDatasetReleaseResultSet(s->ds, result);
	if (CPLGetLastErrorType() == CE_Failure)
		return pr_error_gdal(s->ctx, PR_ECANTCREAT, "cannot index %s", s->gpkg_tmp_path);
	OGR_F_Destroy(s->feature);
	s->feature = NULL;
	GDALClose(s->ds);
	s->ds = NULL;
	if (CPLGetLastErrorType() == CE_Failure)
		return pr_error_gdal(s->ctx, PR_ECANTCREAT, "cannot write %s", s->gpkg_tmp_path);
	return 0;
}
