#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What a run does with a model or sources it cannot trust: model SQL that never ends is stopped
# at [run] time_limit_s (78, the feature named, no output, the lock released); model SQL that
# reaches for files is refused even with SpatiaLite's file functions enabled (78, nothing
# written); and a source left out of the sources file is not assessed rather than zero.
. "$(dirname "$0")/lib.sh"

# ---- the time limit --------------------------------------------------------------------------
pr synth "$SCRATCH/small" --parcels 300 --seed 2
assert_eq "$RC" 0 "synth small: $OUT"
# A city this small has a large share of planted malformed rows.
sed -i '/^\[run\]/a max_rejected = 100%' "$SCRATCH/small/sources.ini"
limited="$SCRATCH/small/limited.ini"
sed 's/^\[run\]$/[run]\ntime_limit_s = 1/' "$SCRATCH/small/sources.ini" >"$limited"
assert_contains "$(cat "$limited")" "time_limit_s = 1" "the limited sources file"

# Endless for every parcel of the real store, nothing to do on the empty one of the check.
cat >"$SCRATCH/endless.ini" <<'INI'
[feature households]
sql = WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r)
      SELECT parcel_id, (SELECT max(n) FROM r) FROM parcels GROUP BY parcel_id
[factor f]
value = households
saturate = 1
weight = 1
INI
out="$SCRATCH/limited.gpkg"
pr run "$limited" --model "$SCRATCH/endless.ini" -o "$out" --quiet
assert_eq "$RC" 78 "endless feature: $OUT"
assert_contains "$OUT" "endless.ini line 1 [feature households]: stopped after 1 s (time_limit_s in [run] of $limited)" "the feature and the limit named"
[ -e "$out" ] && fail "an output was written after the limit stopped the run"
leftovers=$(find "$SCRATCH" -maxdepth 1 -name '*limited.gpkg*' ! -name '.limited.gpkg.lock')
assert_eq "$leftovers" "" "temporaries left by the stopped run"
# The lock went with the run: the same output can be written at once.
pr run "$limited" -o "$out" --quiet
assert_eq "$RC" 0 "a run after the stopped one: $OUT"
[ -s "$out" ] || fail "no output from the run after the stopped one"

# Endless on the empty store too: check stops it before reading any input.
cat >"$SCRATCH/endless_empty.ini" <<'INI'
[feature spin]
sql = WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r) SELECT max(n), 1 FROM r
[factor f]
value = spin
saturate = 1
weight = 1
INI
pr check "$limited" --model "$SCRATCH/endless_empty.ini"
assert_eq "$RC" 78 "check with a feature endless on the empty store: $OUT"
assert_contains "$OUT" "[feature spin]: stopped after 1 s (time_limit_s in [run] of $limited)" "check names the feature"

# ---- no files from model SQL ---------------------------------------------------------------
export SPATIALITE_SECURITY=relaxed
cat >"$SCRATCH/read_file.ini" <<'INI'
[feature leak]
sql = SELECT parcel_id, length(BlobFromFile('/etc/passwd')) FROM parcels
[factor f]
value = leak
saturate = 1
weight = 1
INI
out="$SCRATCH/leak.gpkg"
pr run "$SCRATCH/small/sources.ini" --model "$SCRATCH/read_file.ini" -o "$out" --quiet
assert_eq "$RC" 78 "BlobFromFile: $OUT"
assert_contains "$OUT" "read_file.ini line 1 [feature leak]: the sql does not run: blobfromfile() is not allowed" "BlobFromFile refused, section named"
[ -e "$out" ] && fail "an output was written by a model reading files"
pr check "$SCRATCH/small/sources.ini" --model "$SCRATCH/read_file.ini"
assert_eq "$RC" 78 "check refuses BlobFromFile: $OUT"

written="$SCRATCH/written.txt"
cat >"$SCRATCH/write_file.ini" <<INI
[feature quiet]
expr = 1
[factor f]
value = quiet
saturate = 1
weight = 1
[factor dump]
value = BlobToFile(CAST(quiet AS BLOB), '$written')
saturate = 1
weight = 1
INI
pr run "$SCRATCH/small/sources.ini" --model "$SCRATCH/write_file.ini" -o "$out" --quiet
assert_eq "$RC" 78 "BlobToFile: $OUT"
assert_contains "$OUT" "write_file.ini line 7 [factor dump]: the value fails: blobtofile() is not allowed: it writes files" "BlobToFile refused, section named"
[ -e "$written" ] && fail "BlobToFile wrote $written"
[ -e "$out" ] && fail "an output was written by a model writing files"
unset SPATIALITE_SECURITY

# ---- a source left out is not assessed -------------------------------------------------------
pr synth "$SCRATCH/city" --parcels 2000 --seed 3
assert_eq "$RC" 0 "synth city: $OUT"
without() { # section: the city's sources file without it, beside the original
	awk -v s="[$1]" '/^\[/ { skip = ($0 == s) } !skip' "$SCRATCH/city/sources.ini" \
		>"$SCRATCH/city/no_$1.ini"
}
without complaints
without inspections
full="$SCRATCH/full.gpkg" nocomp="$SCRATCH/no_complaints.gpkg" noinsp="$SCRATCH/no_inspections.gpkg"
pr run "$SCRATCH/city/sources.ini" -o "$full" --quiet
assert_eq "$RC" 0 "run with every source: $OUT"
pr run "$SCRATCH/city/no_complaints.ini" -o "$nocomp"
assert_eq "$RC" 0 "run without complaints: $OUT"
assert_contains "$OUT" "warning: model: no [complaints] in the sources file: not assessed: complaints" "the run says what it went without"
pr run "$SCRATCH/city/no_inspections.ini" -o "$noinsp"
assert_eq "$RC" 0 "run without inspections: $OUT"
assert_contains "$OUT" "cannot leave out parcels inspected" "the visit list's exclusion is said to be off"
assert_eq "$(sql "$nocomp" "SELECT COUNT(*) FROM parcel_risk WHERE complaints_records IS NOT NULL")" 0 "no count of an absent source's records"
assert_eq "$(sql "$nocomp" "SELECT COUNT(*) FROM parcel_risk WHERE population_records IS NULL")" 0 "counts of the sources given"

had_points=$(sql "$full" "SELECT COUNT(*) FROM parcel_risk WHERE c_complaints > 0")
[ "$had_points" -gt 0 ] || fail "no parcel has complaint points with every source: the test proves nothing"
assert_eq "$(sql "$nocomp" "SELECT COUNT(*) FROM parcel_risk WHERE c_complaints <> 0")" 0 "complaint points without complaints"
assert_eq "$(sql "$nocomp" "SELECT COUNT(*) FROM parcel_risk WHERE serious_complaints_3y IS NOT NULL OR serious_complaint_weight IS NOT NULL")" 0 "complaint features are missing, not their default 0"
assert_eq "$(sql "$nocomp" "ATTACH '$full' AS f; SELECT COUNT(*) FROM parcel_risk n JOIN f.parcel_risk o USING (parcel_id) WHERE o.c_complaints > 0 AND n.reasons LIKE '%complaints not assessed (no complaints data)%'")" "$had_points" "reasons say complaints were not assessed where they gave points"
assert_eq "$(sql "$nocomp" "SELECT COUNT(*) FROM parcel_risk WHERE data_coverage >= 1")" 0 "data_coverage below 1 everywhere"
assert_eq "$(sql "$nocomp" "SELECT COUNT(*) FROM visit_list")" 80 "the visit list is full"
assert_eq "$(sql "$nocomp" "SELECT COUNT(*) FROM visit_list WHERE score <= 0")" 0 "no parcel of score 0 on the visit list"
assert_eq "$(sql "$full" "SELECT COUNT(*) FROM visit_list WHERE score <= 0")" 0 "no parcel of score 0 on the visit list (every source)"
assert_eq "$(sql "$nocomp" "SELECT COUNT(*) FROM run_info WHERE key LIKE 'complaints.%'")" 0 "run_info describes no complaints"
# The negative factor over inspections cannot make the unknown look clean.
assert_eq "$(sql "$noinsp" "SELECT COUNT(*) FROM parcel_risk WHERE c_clean_inspection <> 0 OR c_inspections <> 0 OR c_portfolio_findings <> 0")" 0 "no points from inspections without inspections"
[ "$(sql "$full" "SELECT COUNT(*) FROM parcel_risk WHERE c_clean_inspection < 0")" -gt 0 ] || fail "no clean inspection with every source: the test proves nothing"

# explain says the same, from the output alone.
id=$(sql "$full" "SELECT parcel_id FROM parcel_risk WHERE c_complaints > 0 ORDER BY rank LIMIT 1")
pr explain "$nocomp" "$id"
assert_eq "$RC" 0 "explain without complaints: $OUT"
assert_contains "$(echo "$OUT" | grep '^  complaints ')" "not assessed (no complaints data)" "explain: the complaints factor"
assert_contains "$OUT" "complaints_records           unknown (no complaints data)" "explain: no count of complaints"
pr explain "$full" "$id"
case "$OUT" in *"not assessed (no complaints data)"*) fail "explain with every source says complaints were not assessed" ;; esac
pr explain "$noinsp" "$id"
assert_contains "$(echo "$OUT" | grep '^  clean_inspection ')" "not assessed (no inspections data)" "explain: the negative factor"
assert_contains "$OUT" "last inspection: unknown (no inspections data)" "explain: no last inspection known"

finish
