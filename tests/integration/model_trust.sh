#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What a run does with a model it cannot trust: model SQL that reaches for files is refused even
# with SpatiaLite's file functions enabled (78, nothing written).
. "$(dirname "$0")/lib.sh"

pr synth "$SCRATCH/small" --parcels 300 --seed 2
assert_eq "$RC" 0 "synth small: $OUT"

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
