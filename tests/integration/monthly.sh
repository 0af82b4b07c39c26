#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Monthly runs: the changes table against a previous month, the visit list as CSV (round trip
# through GDAL's CSV driver), the same inputs giving the same scores and ranks, one run at a
# time per output (75), and a killed run leaving the previous output untouched.
. "$(dirname "$0")/lib.sh"

pr synth "$SCRATCH/city" --parcels 4000 --seed 21
assert_eq "$RC" 0 "synth"
ini="$SCRATCH/city/sources.ini"
oct="$SCRATCH/october.gpkg"
nov="$SCRATCH/november.gpkg"

# Two months of the same city: October's view, then November's compared with it.
pr run "$ini" -o "$oct" --as-of 2026-10-01 --quiet
assert_eq "$RC" 0 "october run: $OUT"
pr run "$ini" -o "$nov" --as-of 2026-11-01 --previous "$oct" --visits-csv "$SCRATCH/visits.csv" --quiet
assert_eq "$RC" 0 "november run: $OUT"
assert_eq "$(sql "$nov" "SELECT value FROM run_info WHERE key = 'previous.as_of'")" 2026-10-01 "previous as_of in run_info"
diff_rows=$(sql "$nov" "ATTACH '$oct' AS o;
	CREATE TEMP TABLE expected AS
	SELECT n.parcel_id, CASE
	  WHEN n.risk_class IN ('high', 'critical') AND p.risk_class NOT IN ('high', 'critical') THEN 'entered high'
	  WHEN n.risk_class NOT IN ('high', 'critical') AND p.risk_class IN ('high', 'critical') THEN 'left high'
	  WHEN n.score > p.score THEN 'score up' ELSE 'score down' END AS change,
	  round(n.score - p.score, 1) AS delta
	FROM main.parcel_risk n JOIN o.parcel_risk p USING (parcel_id)
	WHERE abs(n.score - p.score) >= 0.05 OR n.risk_class != p.risk_class;
	SELECT COUNT(*) FROM (
	  SELECT parcel_id, change, delta FROM expected
	  EXCEPT SELECT parcel_id, change, score_delta FROM main.changes
	  UNION ALL
	  SELECT parcel_id, change, score_delta FROM main.changes
	  EXCEPT SELECT parcel_id, change, delta FROM expected);")
assert_eq "$diff_rows" 0 "changes match the two months' scores"
[ "$(sql "$nov" "SELECT COUNT(*) FROM changes")" -gt 0 ] || fail "no changes between two months"

# A parcel missing from one month is new or gone.
cp "$oct" "$SCRATCH/october-less.gpkg"
gone_id=$(sql "$oct" "SELECT parcel_id FROM parcel_risk WHERE rank = 1")
# Through GDAL: the GeoPackage's triggers use its spatial SQL functions.
ogrinfo -q "$SCRATCH/october-less.gpkg" -sql "DELETE FROM parcel_risk WHERE parcel_id = '$gone_id'" >/dev/null
ogrinfo -q "$SCRATCH/october-less.gpkg" -sql "INSERT INTO parcel_risk (parcel_id, score, risk_class, rank) VALUES ('ZZZZ', 10, 'low', 99999)" >/dev/null
pr run "$ini" -o "$SCRATCH/nov2.gpkg" --as-of 2026-11-01 --previous "$SCRATCH/october-less.gpkg" --quiet
assert_eq "$RC" 0 "run against an edited previous"
assert_eq "$(sql "$SCRATCH/nov2.gpkg" "SELECT change FROM changes WHERE parcel_id = '$gone_id'")" new "new parcel"
assert_eq "$(sql "$SCRATCH/nov2.gpkg" "SELECT change || ' ' || previous_score FROM changes WHERE parcel_id = 'ZZZZ'")" "gone 10.0" "gone parcel"
pr run "$ini" -o "$SCRATCH/x.gpkg" --previous "$SCRATCH/missing.gpkg"
assert_eq "$RC" 66 "missing previous"

# The CSV: UTF-8 with a BOM, and through GDAL's CSV driver the same rows as visit_list.
[ "$(head -c 3 "$SCRATCH/visits.csv" | od -An -tx1 | tr -d ' ')" = efbbbf ] || fail "visits.csv has no UTF-8 BOM"
assert_contains "$(head -1 "$SCRATCH/visits.csv")" "rank,parcel_id,address,score,risk_class,reasons,last_inspection,owner" "visits.csv columns"
assert_eq "$(ogr2ogr -q -f CSV /vsistdout/ "$SCRATCH/visits.csv" -sql "SELECT address FROM visits WHERE CAST(rank AS integer) = 1" | tail -1)" \
	"$(sql "$nov" "SELECT address FROM visit_list WHERE rank = 1")" "address of the first visit"
fields="CAST(rank AS integer) AS rank, parcel_id, CAST(score AS float) AS score, risk_class, reasons, owner"
csv_rows=$(ogr2ogr -q -f CSV /vsistdout/ "$SCRATCH/visits.csv" -sql "SELECT $fields FROM visits" | tail -n +2 | md5sum)
gpkg_rows=$(ogr2ogr -q -f CSV /vsistdout/ "$nov" -sql "SELECT $fields FROM visit_list ORDER BY rank" | tail -n +2 | md5sum)
assert_eq "$csv_rows" "$gpkg_rows" "visits.csv round-trips to visit_list's rows"
assert_eq "$(ogrinfo -so "$SCRATCH/visits.csv" visits | sed -n 's/^Feature Count: //p')" "$(sql "$nov" "SELECT COUNT(*) FROM visit_list")" "CSV row count"

# Same inputs and as-of date: the same scores, ranks and rows.
pr run "$ini" -o "$SCRATCH/again.gpkg" --as-of 2026-11-01 --previous "$oct" --quiet
q="SELECT parcel_id, score, rank, risk_class, reasons FROM parcel_risk ORDER BY parcel_id"
assert_eq "$(sql "$SCRATCH/again.gpkg" "$q" | md5sum)" "$(sql "$nov" "$q" | md5sum)" "reproducible scores and ranks"
for t in visit_list owners hotspots rejects changes; do
	assert_eq "$(sql "$SCRATCH/again.gpkg" "SELECT * FROM $t" | md5sum)" "$(sql "$nov" "SELECT * FROM $t" | md5sum)" "reproducible $t"
done
assert_eq "$(sql "$SCRATCH/again.gpkg" "SELECT last_change FROM gpkg_contents WHERE table_name = 'parcel_risk'")" \
	"2026-11-01T00:00:00.000Z" "timestamps from the as-of date"

# One run at a time per output: a second one exits 75 while the first holds the lock.
big="$SCRATCH/big"
pr synth "$big" --parcels 60000 --seed 3
assert_eq "$RC" 0 "synth big"
target="$SCRATCH/busy.gpkg"
cp "$oct" "$target"
before=$(md5sum <"$target")
# Its model takes some seconds on purpose, so that the second run starts while the first holds
# the lock even on a loaded machine.
slow="$(cd "$(dirname "$0")/.." && pwd)/fixtures/slow_model.ini"
"$PARCELRISK" run "$big/sources.ini" -o "$target" --model "$slow" --quiet >/dev/null 2>&1 &
pid=$!
# Wait until it holds the lock, looking in /proc/locks: taking the lock to test it (flock -n)
# could make the run itself find it taken and exit 75.
for _ in $(seq 1 600); do
	ino=$(stat -c %i "$SCRATCH/.busy.gpkg.lock" 2>/dev/null) && grep -q ":$ino " /proc/locks && break
	sleep 0.05
done
pr run "$ini" -o "$target" --quiet
assert_eq "$RC" 75 "a second run on the same output"
assert_contains "$OUT" "another parcelrisk run is writing" "busy message"
# Kill the first before it finishes: the previous file is untouched.
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
assert_eq "$(md5sum <"$target")" "$before" "a killed run leaves the previous output untouched"
# Only this output's temporaries are cleaned: not another output's whose name starts the same.
touch "$SCRATCH/.busy.gpkg.4242.tmp.gpkg" "$SCRATCH/.busy.gpkg.4242.tmp.gpkg-journal" \
	"$SCRATCH/.busy.gpkg.v2.gpkg.4242.tmp.gpkg"
pr run "$ini" -o "$target" --quiet
assert_eq "$RC" 0 "run with stale temporaries beside it"
[ -e "$SCRATCH/.busy.gpkg.4242.tmp.gpkg" ] && fail "a stale temporary stayed"
[ -e "$SCRATCH/.busy.gpkg.4242.tmp.gpkg-journal" ] && fail "a stale journal stayed"
[ -e "$SCRATCH/.busy.gpkg.v2.gpkg.4242.tmp.gpkg" ] || fail "another output's temporary was removed"
# A killed run's CSV temporary (its process gone) is cleaned by the next run writing that CSV.
touch "$SCRATCH/.visits.csv.999999999.tmp.csv"
pr run "$ini" -o "$target" --visits-csv "$SCRATCH/visits.csv" --quiet
assert_eq "$RC" 0 "run with a stale CSV temporary"
[ -e "$SCRATCH/.visits.csv.999999999.tmp.csv" ] && fail "a stale CSV temporary stayed"
# The next run cleans what the killed one left and succeeds.
pr run "$ini" -o "$target" --quiet
assert_eq "$RC" 0 "run after a killed one"
ls -a "$SCRATCH" | grep -q '^\.busy\.gpkg\.[0-9]*\.tmp\.gpkg' && fail "a killed run's temporary file stayed"
finish
