#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What a run does with a model it cannot trust: model SQL that never ends is stopped at [run]
# time_limit_s (78, the feature named, no output, the lock released); model SQL that reaches
# for files is refused even with SpatiaLite's file functions enabled (78, nothing written).
. "$(dirname "$0")/lib.sh"

pr synth "$SCRATCH/small" --parcels 300 --seed 2
assert_eq "$RC" 0 "synth small: $OUT"

# ---- the time limit --------------------------------------------------------------------------
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

finish
