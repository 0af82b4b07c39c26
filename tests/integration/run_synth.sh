#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# End to end on a small synthetic city: the run succeeds, every source accounts for all its rows
# (read = joined + rejected, in run_info), each planted malformed row is in rejects with the
# right reason, the GeoPackage passes GDAL's validator, and one or two threads give the same.
. "$(dirname "$0")/lib.sh"

pr synth "$SCRATCH/city" --parcels 3000 --seed 11
assert_eq "$RC" 0 "synth"
out="$SCRATCH/out.gpkg"
pr run "$SCRATCH/city/sources.ini" -o "$out" --threads 2
assert_eq "$RC" 0 "run: $OUT"
[ -s "$out" ] || fail "run wrote no $out"
# The run reports its peak memory: more than the parcels' own bytes, less than the machine's.
peak=$(printf '%s\n' "$OUT" | sed -n 's/^memory: peak \([0-9.]*\) MB (\([0-9]*\) B per parcel)$/\1/p')
[ -n "$peak" ] || fail "no 'memory: peak' line in the log"
held=$(sql "$out" "SELECT value / 1e6 FROM run_info WHERE key = 'parcels.memory_bytes'")
awk -v p="$peak" -v h="$held" -v m="$(awk '/MemTotal/ {print $2 / 1000}' /proc/meminfo)" \
	'BEGIN { exit !(p > h && p < m) }' || fail "peak memory $peak MB: not between $held MB and the machine's"
ls "$SCRATCH"/.out.gpkg.*.tmp.gpkg 2>/dev/null && fail "a temporary file was left behind"

for src in parcels population complaints inspections; do
	read_=$(sql "$out" "SELECT value FROM run_info WHERE key = '$src.rows_read'")
	joined=$(sql "$out" "SELECT value FROM run_info WHERE key = '$src.joined'")
	rejected=$(sql "$out" "SELECT value FROM run_info WHERE key = '$src.rejected'")
	in_table=$(sql "$out" "SELECT COUNT(*) FROM rejects WHERE source = '$src'")
	[ -n "$read_" ] && [ "$read_" -gt 0 ] || fail "$src: no rows_read in run_info"
	assert_eq "$((joined + rejected))" "$read_" "$src: joined + rejected = read"
	assert_eq "$in_table" "$rejected" "$src: rejects rows = run_info rejected"
done
# The CSV row counts agree with what run_info says was read.
for src in population complaints inspections; do
	lines=$(($(wc -l <"$SCRATCH/city/$src.csv") - 1))
	assert_eq "$(sql "$out" "SELECT value FROM run_info WHERE key = '$src.rows_read'")" "$lines" "$src rows read vs CSV lines"
done
# Records joined per parcel add up to the joined count.
for src in population complaints inspections; do
	sum=$(sql "$out" "SELECT SUM(${src}_records) FROM parcel_risk")
	assert_eq "$sum" "$(sql "$out" "SELECT value FROM run_info WHERE key = '$src.joined'")" "$src records per parcel"
done

tail -n +2 "$SCRATCH/city/planted_rejects.csv" | while IFS=, read -r src row reason; do
	got=$(sql "$out" "SELECT reason FROM rejects WHERE source = '$src' AND row = $row")
	[ "$got" = "$reason" ] || { echo "FAIL: $src row $row: reason '$got', expected '$reason'" >&2; exit 1; }
done || fail "planted rejects"

/usr/bin/python3 /usr/share/doc/python3-gdal/examples/validate_gpkg.py "$out" || fail "validate_gpkg.py rejects $out"
# parcel_risk's rows are the engine's own inserts, not GDAL's (gpkg_rows.c): each geometry's
# header and envelope, the extent and the count beside them.
/usr/bin/python3 "$(dirname "$0")/gpkg_geometry_check.py" "$out" parcel_risk ||
	fail "parcel_risk's geometries or contents"

# The bulk-loaded spatial index: structurally sound, one entry per parcel, each box holding
# its parcel tightly (float rounding only), and usable by GDAL for a window query.
assert_eq "$(sql "$out" "SELECT rtreecheck('rtree_parcel_risk_geom')")" ok "rtreecheck parcel_risk"
assert_eq "$(sql "$out" "SELECT rtreecheck('rtree_visit_list_geom')")" ok "rtreecheck visit_list"
tight=$(ogrinfo -q "$out" -sql "SELECT COUNT(*) AS n FROM parcel_risk p JOIN rtree_parcel_risk_geom r ON r.id = p.fid WHERE r.minx <= ST_MinX(p.geom) AND r.maxx >= ST_MaxX(p.geom) AND r.miny <= ST_MinY(p.geom) AND r.maxy >= ST_MaxY(p.geom) AND r.minx > ST_MinX(p.geom) - 0.05 AND r.maxx < ST_MaxX(p.geom) + 0.05 AND r.miny > ST_MinY(p.geom) - 0.05 AND r.maxy < ST_MaxY(p.geom) + 0.05" | sed -n 's/.*n (Integer) = //p')
assert_eq "$tight" "$(sql "$out" "SELECT COUNT(*) FROM parcel_risk")" "index boxes hold their parcels"
assert_eq "$(sql "$out" "SELECT COUNT(*) FROM rtree_parcel_risk_geom")" "$(sql "$out" "SELECT COUNT(*) FROM parcel_risk")" "index entries"
window=$(sql "$out" "SELECT minx + 1, miny + 1, minx + 400, miny + 300 FROM rtree_parcel_risk_geom WHERE id = 1" | tr '|' ' ')
via_index=$(ogrinfo -q -spat $window "$out" parcel_risk | grep -c '^OGRFeature')
by_scan=$(ogrinfo -q "$out" -sql "SELECT COUNT(*) AS n FROM parcel_risk WHERE ST_MaxX(geom) >= $(echo $window | cut -d' ' -f1) AND ST_MinX(geom) <= $(echo $window | cut -d' ' -f3) AND ST_MaxY(geom) >= $(echo $window | cut -d' ' -f2) AND ST_MinY(geom) <= $(echo $window | cut -d' ' -f4)" | sed -n 's/.*n (Integer) = //p')
[ "$via_index" -gt 0 ] || fail "window query found nothing"
[ "$via_index" -le "$by_scan" ] || fail "index window query: $via_index features, scan: $by_scan"

n_parcels=$(sql "$out" "SELECT COUNT(*) FROM parcel_risk")
assert_eq "$n_parcels" "$(sql "$out" "SELECT value FROM run_info WHERE key = 'parcels.joined'")" "parcel_risk rows"
assert_eq "$(sql "$out" "SELECT MIN(rank) || '-' || MAX(rank) || '-' || COUNT(DISTINCT rank) FROM parcel_risk")" "1-$n_parcels-$n_parcels" "ranks 1..n"
# The hotspots hold every parcel once, each cell once, with the parcels' high-risk count,
# highest score and mean score (each rounded to tenths).
assert_eq "$(sql "$out" "SELECT SUM(parcels) FROM hotspots")" "$n_parcels" "parcels in hotspots"
assert_eq "$(sql "$out" "SELECT COUNT(*) - COUNT(DISTINCT hex(geom)) FROM hotspots")" 0 "hotspot cells twice"
[ "$(sql "$out" "SELECT COUNT(*) FROM hotspots")" -gt 20 ] || fail "too few hotspot cells to test"
assert_eq "$(sql "$out" "SELECT SUM(high_risk_parcels) FROM hotspots")" "$(sql "$out" "SELECT COUNT(*) FROM parcel_risk WHERE risk_class IN ('high', 'critical')")" "high-risk parcels in hotspots"
assert_eq "$(sql "$out" "SELECT MAX(max_score) FROM hotspots")" "$(sql "$out" "SELECT MAX(score) FROM parcel_risk")" "highest score in hotspots"
assert_eq "$(sql "$out" "SELECT ABS(SUM(mean_score * parcels) - (SELECT SUM(score) FROM parcel_risk)) <= 0.05 * $n_parcels FROM hotspots")" 1 "mean scores in hotspots"
# Each parcel is in its own cell: the visit list's points (a point on each parcel) lie in one.
outside=$(ogrinfo -q "$out" -sql "SELECT COUNT(*) AS n FROM visit_list v WHERE NOT EXISTS (SELECT 1 FROM hotspots h WHERE ST_Intersects(v.geom, h.geom))" | sed -n 's/.*n (Integer) = //p')
assert_eq "$outside" 0 "visit list points outside every hotspot cell"
visits=$(sql "$out" "SELECT COUNT(*) FROM visit_list")
[ "$visits" -gt 0 ] && [ "$visits" -le 80 ] || fail "visit_list has $visits rows"
assert_eq "$(sql "$out" "SELECT COUNT(*) FROM visit_list WHERE reasons = '' OR reasons IS NULL")" 0 "every visit has reasons"
assert_eq "$(sql "$out" "SELECT COUNT(*) FROM parcel_risk WHERE score < 0 OR score > 100")" 0 "scores in 0-100"

# One thread gives exactly what two gave.
pr run "$SCRATCH/city/sources.ini" -o "$SCRATCH/one.gpkg" --threads 1 --quiet
assert_eq "$RC" 0 "run --threads 1"
q="SELECT parcel_id, score, rank, reasons, population_records, complaints_records FROM parcel_risk ORDER BY parcel_id"
[ "$(sql "$out" "$q" | md5sum)" = "$(sql "$SCRATCH/one.gpkg" "$q" | md5sum)" ] || fail "--threads 1 and 2 differ"
finish
