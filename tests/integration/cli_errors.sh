#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The command line's contract for bad input: sysexits codes, messages naming file, line and
# value, and no output file (nor a temporary one) when a run fails; a previous output survives.
. "$(dirname "$0")/lib.sh"

pr
assert_eq "$RC" 64 "no command"
pr frobnicate
assert_eq "$RC" 64 "unknown command"
pr run
assert_eq "$RC" 64 "run without sources"
pr --version
assert_eq "$RC" 0 "--version"
for lib in parcelrisk GDAL GEOS PROJ SQLite SpatiaLite; do
	assert_contains "$OUT" "$lib " "--version names $lib"
done
pr --help
assert_contains "$OUT" "usage: parcelrisk" "--help"
pr run --help
assert_eq "$RC" 0 "run --help"
assert_contains "$OUT" "usage: parcelrisk" "run --help prints the help"
case "$OUT" in *unknown* | *unrecognized*) fail "run --help: an error beside the help: $OUT" ;; esac
pr run --bogus
assert_eq "$RC" 64 "unknown option"
assert_eq "$(echo "$OUT" | grep -c 'parcelrisk:')" 1 "one error for an unknown option: $OUT"
assert_contains "$OUT" "'--bogus'" "unknown option named"

pr check "$SCRATCH/nope.ini"
assert_eq "$RC" 66 "missing sources file"
assert_contains "$OUT" "$SCRATCH/nope.ini" "missing sources file named"

pr synth "$SCRATCH/city" --parcels 300 --seed 3
assert_eq "$RC" 0 "synth"
# A city this small has a large share of planted malformed rows.
sed -i '/^\[run\]/a max_rejected = 100%' "$SCRATCH/city/sources.ini"
ini="$SCRATCH/city/sources.ini"
out="$SCRATCH/out.gpkg"

# A missing input file: 66 and its path.
sed 's/^path = population.csv/path = missing.csv/' "$ini" >"$SCRATCH/city/missing.ini"
pr run "$SCRATCH/city/missing.ini" -o "$out"
assert_eq "$RC" 66 "missing input"
assert_contains "$OUT" "missing.csv" "missing input named"

# Configuration errors: 78, with file and line.
sed 's/^crs = EPSG:31370$/crs = EPSG:4326/' "$ini" | sed '0,/crs = EPSG:4326/!b' >"$SCRATCH/city/geo.ini"
pr run "$SCRATCH/city/geo.ini" -o "$out"
assert_eq "$RC" 78 "geographic working CRS"
assert_contains "$OUT" "geo.ini line 5 [run]" "geographic CRS line"
{ cat "$ini"; printf 'colour = red\n'; } >"$SCRATCH/city/unknown.ini"
pr check "$SCRATCH/city/unknown.ini"
assert_eq "$RC" 78 "unknown key"
assert_contains "$OUT" "unknown key 'colour'" "unknown key named"
sed 's/^persons = persons/persons = people/' "$ini" >"$SCRATCH/city/column.ini"
pr check "$SCRATCH/city/column.ini"
assert_eq "$RC" 78 "unknown column"
assert_contains "$OUT" "has no column 'people'" "unknown column named"
sed 's/^crs = EPSG:4326/crs = EPSG:0/' "$ini" >"$SCRATCH/city/badcrs.ini"
pr check "$SCRATCH/city/badcrs.ini"
assert_eq "$RC" 78 "unknown CRS"
assert_contains "$OUT" "'EPSG:0' is not a known CRS" "unknown CRS named"

# A failed run leaves no file; a previous output stays untouched.
pr run "$ini" -o "$out" --quiet
assert_eq "$RC" 0 "good run"
sum=$(md5sum <"$out")
printf '[model]\nname = broken\n[factor x]\nvalue = nosuchfeature * 2\nweight = 1\nsaturate = 1\n' >"$SCRATCH/bad.ini"
pr run "$ini" -o "$out" --model "$SCRATCH/bad.ini"
assert_eq "$RC" 78 "bad model"
assert_contains "$OUT" "[factor x]" "bad model section named"
assert_eq "$(md5sum <"$out")" "$sum" "previous output untouched"
# check validates the model the run would use.
pr check "$ini" --model "$SCRATCH/bad.ini"
assert_eq "$RC" 78 "check --model with a bad model"
assert_contains "$OUT" "[factor x]" "check names the bad model's section"
pr check "$ini"
assert_eq "$RC" 0 "check with the built-in model"
ls -a "$SCRATCH" | grep -q '\.tmp\.gpkg' && fail "temporary file left behind"
pr run "$ini" -o "$SCRATCH/no/such/dir/out.gpkg"
assert_eq "$RC" 73 "output folder missing"
pr run "$ini" -o "$out" --as-of 2026-02-30
assert_eq "$RC" 64 "bad --as-of"
finish
