#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Any GDAL-readable input gives the same result: the synthetic city's parcels as Shapefile,
# GeoJSON and FileGDB, the population as a GeoPackage point layer, the complaints reprojected to
# Lambert 2008 — the scores and joins match the CSV/GeoPackage run exactly. And `check` warns
# loudly, with the likely cause, when most of a source falls outside every parcel.
. "$(dirname "$0")/lib.sh"

pr synth "$SCRATCH/city" --parcels 1200 --seed 5
assert_eq "$RC" 0 "synth"
city="$SCRATCH/city"
pr run "$city/sources.ini" -o "$SCRATCH/base.gpkg" --quiet
assert_eq "$RC" 0 "baseline run: $OUT"
q="SELECT parcel_id, score, rank, population_records, complaints_records, inspections_records FROM parcel_risk ORDER BY parcel_id"
base=$(sql "$SCRATCH/base.gpkg" "$q" | md5sum)

# Runs with a sources file edited by sed expressions and compares with the baseline.
same_as_base() { # name sed-expression...
	local name=$1
	shift
	sed "$@" "$city/sources.ini" >"$city/$name.ini"
	pr run "$city/$name.ini" -o "$SCRATCH/$name.gpkg" --quiet
	assert_eq "$RC" 0 "$name run: $OUT"
	assert_eq "$(sql "$SCRATCH/$name.gpkg" "$q" | md5sum)" "$base" "$name gives the baseline's result"
}

ogr2ogr -q -f "ESRI Shapefile" "$city/shp" "$city/parcels.gpkg" parcels
same_as_base shapefile -e 's#^path = parcels.gpkg#path = shp/parcels.shp#'
ogr2ogr -q -f GeoJSON "$city/parcels.geojson" "$city/parcels.gpkg" parcels
same_as_base geojson -e 's#^path = parcels.gpkg#path = parcels.geojson#'
ogr2ogr -q -f OpenFileGDB "$city/parcels.gdb" "$city/parcels.gpkg" parcels
same_as_base filegdb -e 's#^path = parcels.gpkg#path = parcels.gdb#'

# Points from a GeoPackage layer's own geometry (no x/y keys, CRS read from the file).
ogr2ogr -q -f GPKG "$city/population.gpkg" "$city/population.csv" -nln population \
	-oo X_POSSIBLE_NAMES=x -oo Y_POSSIBLE_NAMES=y -oo KEEP_GEOM_COLUMNS=NO -a_srs EPSG:31370
sed -e '/^\[population\]/,/^\[/{/^x = /d;/^y = /d;/^crs = /d}' \
	-e 's#^path = population.csv#path = population.gpkg#' "$city/sources.ini" >"$city/popgpkg.ini"
pr run "$city/popgpkg.ini" -o "$SCRATCH/popgpkg.gpkg" --quiet
assert_eq "$RC" 0 "population from a GeoPackage: $OUT"
# Rows without coordinates have no geometry there: the same rows are rejected, as no coordinates.
assert_eq "$(sql "$SCRATCH/popgpkg.gpkg" "SELECT SUM(population_records) FROM parcel_risk")" \
	"$(sql "$SCRATCH/base.gpkg" "SELECT SUM(population_records) FROM parcel_risk")" "population joined from GPKG"

# Complaints reprojected from lon/lat to Lambert 2008 (EPSG:3812) in a CSV.
ogr2ogr -q -f CSV "$city/complaints3812.csv" "$city/complaints.csv" -oo X_POSSIBLE_NAMES=lon \
	-oo Y_POSSIBLE_NAMES=lat -s_srs EPSG:4326 -t_srs EPSG:3812 -lco GEOMETRY=AS_XY
head -1 "$city/complaints3812.csv" | grep -q '^X,Y,' || fail "ogr2ogr CSV layout: $(head -1 "$city/complaints3812.csv")"
sed -e 's#^path = complaints.csv#path = complaints3812.csv#' -e 's#^x = lon#x = X#' -e 's#^y = lat#y = Y#' \
	-e 's#^crs = EPSG:4326#crs = EPSG:3812#' "$city/sources.ini" >"$city/lambert2008.ini"
pr run "$city/lambert2008.ini" -o "$SCRATCH/l2008.gpkg" --quiet
assert_eq "$RC" 0 "complaints in EPSG:3812: $OUT"
assert_eq "$(sql "$SCRATCH/l2008.gpkg" "SELECT group_concat(complaints_records) FROM (SELECT complaints_records FROM parcel_risk ORDER BY parcel_id)" | md5sum)" \
	"$(sql "$SCRATCH/base.gpkg" "SELECT group_concat(complaints_records) FROM (SELECT complaints_records FROM parcel_risk ORDER BY parcel_id)" | md5sum)" \
	"complaints from EPSG:3812 join like lon/lat"

# The messy fixture read feature by feature (GeoJSON) and through the Arrow stream (GeoPackage):
# the same parcels kept, the same rejects.
fixture="$(cd "$(dirname "$0")/.." && pwd)/fixtures/messy_parcels.geojson"
ogr2ogr -q -f GPKG "$SCRATCH/messy.gpkg" "$fixture" -nln parcels
for f in "$fixture" "$SCRATCH/messy.gpkg"; do
	printf '[run]\ncrs = EPSG:31370\nmax_rejected = 100%%\n[parcels]\npath = %s\nwhere = use <> '"'"'road'"'"'\nid = capakey\n' "$f" >"$SCRATCH/messy.ini"
	pr check "$SCRATCH/messy.ini"
	assert_eq "$RC" 0 "check $f: $OUT"
	echo "$OUT" | sed -n '/^\[parcels\]/,$p' | grep -v 'crs:' >"$SCRATCH/report-$(basename "$f").txt"
done
cmp -s "$SCRATCH/report-messy_parcels.geojson.txt" "$SCRATCH/report-messy.gpkg.txt" ||
	fail "GeoJSON and GeoPackage reports differ: $(diff "$SCRATCH/report-messy_parcels.geojson.txt" "$SCRATCH/report-messy.gpkg.txt")"
assert_contains "$(cat "$SCRATCH/report-messy.gpkg.txt")" "invalid geometry" "Arrow path rejects unusable geometries"
assert_contains "$(cat "$SCRATCH/report-messy.gpkg.txt")" "repaired:  1" "Arrow path repairs the bow-tie"

# One parcel that cannot be reprojected is one reject, not a failed run.
cat >"$SCRATCH/lonlat.geojson" <<'JSON'
{"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"capakey": "OK1"}, "geometry": {"type": "Polygon", "coordinates": [[[4.35, 50.85], [4.3501, 50.85], [4.3501, 50.8501], [4.35, 50.8501], [4.35, 50.85]]]}},
 {"type": "Feature", "properties": {"capakey": "BAD"}, "geometry": {"type": "Polygon", "coordinates": [[[4.35, 95], [4.36, 95], [4.36, 95.1], [4.35, 95]]]}},
 {"type": "Feature", "properties": {"capakey": "OK2"}, "geometry": {"type": "Polygon", "coordinates": [[[4.36, 50.85], [4.3601, 50.85], [4.3601, 50.8501], [4.36, 50.8501], [4.36, 50.85]]]}}
]}
JSON
printf '[run]\ncrs = EPSG:31370\nmax_rejected = 100%%\n[parcels]\npath = lonlat.geojson\nid = capakey\n' >"$SCRATCH/lonlat.ini"
pr check "$SCRATCH/lonlat.ini"
assert_eq "$RC" 0 "a parcel that cannot be reprojected: $OUT"
assert_contains "$OUT" "joined:    2" "the other parcels are kept"
assert_contains "$OUT" "invalid geometry       1" "the bad one is rejected"
# The same through the Arrow stream of a GeoPackage, with 16-digit integer ids that a double
# would merge into one.
ogr2ogr -q -f GPKG "$SCRATCH/lonlat.gpkg" "$SCRATCH/lonlat.geojson" -nln parcels -dialect SQLite \
	-sql "SELECT CASE capakey WHEN 'OK1' THEN 1234567890123456 WHEN 'OK2' THEN 1234567890123457 ELSE 1234567890123458 END AS capakey, geometry FROM lonlat"
printf '[run]\ncrs = EPSG:31370\nmax_rejected = 100%%\n[parcels]\npath = lonlat.gpkg\nid = capakey\n' >"$SCRATCH/lonlat2.ini"
pr check "$SCRATCH/lonlat2.ini"
assert_eq "$RC" 0 "Arrow read with a parcel that cannot be reprojected: $OUT"
assert_contains "$OUT" "joined:    2" "both 16-digit ids are kept apart"
assert_contains "$OUT" "invalid geometry       1" "the bad one is rejected (Arrow)"

# check: the per-source report, and loud warnings with the likely cause.
pr check "$city/sources.ini"
assert_eq "$RC" 0 "check"
for word in "[parcels]" "[population]" "[complaints]" "[inspections]" "EPSG:31370" "EPSG:4326" \
	"no coordinates" "bad date" "unknown parcel id" "parcel without id" "extent:"; do
	assert_contains "$OUT" "$word" "check report"
done
[ -e "$city/out.gpkg" ] && fail "check wrote a file"
sed -e 's/^x = lon/x = lat/' -e 's/^y = lat/y = lon/' "$city/sources.ini" >"$city/swapped.ini"
pr check "$city/swapped.ini"
assert_eq "$RC" 65 "check fails when every complaint falls outside"
assert_contains "$OUT" "x and y look swapped" "swapped x/y warning"
assert_contains "$OUT" "complaints: " "the failing source is named"
sed -e 's/^crs = EPSG:4326/crs = EPSG:31370/' "$city/sources.ini" >"$city/wrongcrs.ini"
pr check "$city/wrongcrs.ini"
assert_contains "$OUT" "complaints: 100.0% of the records" "wrong crs warning share"
assert_contains "$OUT" "check its crs" "wrong crs warning cause"
assert_eq "$RC" 65 "a source lost to a wrong crs fails the check"
assert_contains "$OUT" "rows fail as 'outside every parcel': the points lie away" "the likely cause of a source lost entirely"
finish
