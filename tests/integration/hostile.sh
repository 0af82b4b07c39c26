#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Hostile and careless inputs, made from a synthetic city: each gets the contract's answer (an
# exit code, a reason, a message naming the source and the likely cause), `check` and `run` agree,
# and no output appears or an earlier one stays untouched.
. "$(dirname "$0")/lib.sh"

pr synth "$SCRATCH/city" --parcels 2000 --seed 3
assert_eq "$RC" 0 "synth"
city="$SCRATCH/city"
out="$SCRATCH/out.gpkg"
pr run "$city/sources.ini" -o "$out" --quiet
assert_eq "$RC" 0 "the clean city runs"
before=$(md5sum <"$out")

# Runs check and run on a sources file; both must exit with the expected code and say the same,
# and the earlier output must stay as it was.
both() { # ini expected-code what
	pr check "$1"
	local check_rc=$RC check_out=$OUT
	pr run "$1" -o "$out" --quiet
	assert_eq "$check_rc" "$2" "$3: check"
	assert_eq "$RC" "$2" "$3: run"
	assert_eq "$(echo "$check_out" | grep '^parcelrisk:')" "$(echo "$OUT" | grep '^parcelrisk:')" \
		"$3: check and run give the same error"
	assert_eq "$(md5sum <"$out")" "$before" "$3: the earlier output is untouched"
	ls -a "$SCRATCH" | grep -q '\.tmp\.gpkg' && fail "$3: a temporary file stayed"
}

# A population register exported from a spreadsheet: ';' separators, decimal commas, CRLF.
mkdir "$SCRATCH/excel"
cp "$city"/* "$SCRATCH/excel/"
sed -e 's/,/;/g' -e 's/\([0-9]\)\.\([0-9]\)/\1,\2/g' -e 's/$/\r/' "$city/population.csv" \
	>"$SCRATCH/excel/population.csv"
both "$SCRATCH/excel/sources.ini" 65 "a spreadsheet export"
assert_contains "$OUT" "population: " "the source lost is named"
assert_contains "$OUT" "rows rejected (100%)" "its share"
assert_contains "$OUT" "decimal comma" "the likely cause"
assert_contains "$OUT" "max_rejected" "how to loosen the rule"

# The same rule allows what the sources file allows: 100% for that source.
sed '/^\[population\]/a max_rejected = 100%' "$SCRATCH/excel/sources.ini" >"$SCRATCH/excel/loose.ini"
pr check "$SCRATCH/excel/loose.ini"
assert_eq "$RC" 0 "max_rejected = 100% in the section lets it through: $OUT"

# A share just above the budget: 10% of the inspections with a date that does not exist.
mkdir "$SCRATCH/dates"
cp "$city"/* "$SCRATCH/dates/"
awk -F, 'NR > 1 && NR % 10 == 0 { $2 = "2023-02-30" } { print }' OFS=, "$city/inspections.csv" \
	>"$SCRATCH/dates/inspections.csv"
both "$SCRATCH/dates/sources.ini" 65 "10% bad dates"
assert_contains "$OUT" "inspections: " "the source is named"
assert_contains "$OUT" "more than max_rejected 5%" "the budget is named"
assert_contains "$OUT" "bad date: " "the top reason with its count"
assert_contains "$OUT" "(row 3: date '31/02/2024')" "an example row and value"
sed '/^\[run\]/a max_rejected = 20%' "$SCRATCH/dates/sources.ini" >"$SCRATCH/dates/loose.ini"
pr check "$SCRATCH/dates/loose.ini"
assert_eq "$RC" 0 "max_rejected = 20% in [run] lets 10% through: $OUT"

# Parcels: a layer with no feature left, and one whose every polygon is unusable.
sed "s/^where = use <> 'road'/where = use = 'no such use'/" "$city/sources.ini" >"$city/none.ini"
both "$city/none.ini" 65 "no parcels"
assert_contains "$OUT" "holds no parcels that pass where" "no parcels, with the filter named"
mkdir "$SCRATCH/nocrs"
cp "$city"/* "$SCRATCH/nocrs/"
sqlite3 "$SCRATCH/nocrs/parcels.gpkg" "UPDATE gpkg_geometry_columns SET srs_id = 0;
  UPDATE gpkg_contents SET srs_id = 0"
both "$SCRATCH/nocrs/sources.ini" 65 "a GeoPackage without a CRS"
assert_contains "$OUT" "none of the" "no usable parcel"
assert_contains "$OUT" "may have no CRS" "the likely cause"
mkdir "$SCRATCH/degenerate"
cp "$city"/* "$SCRATCH/degenerate/"
sqlite3 "$SCRATCH/degenerate/parcels.gpkg" "DROP TRIGGER IF EXISTS rtree_parcels_geom_update1;
  DROP TRIGGER IF EXISTS rtree_parcels_geom_update2; DROP TRIGGER IF EXISTS rtree_parcels_geom_update3;
  DROP TRIGGER IF EXISTS rtree_parcels_geom_update4; UPDATE parcels SET geom = NULL"
both "$SCRATCH/degenerate/sources.ini" 65 "every polygon unusable"
assert_contains "$OUT" "parcels: none of the" "no usable parcel named"
# A where filter that fails names itself; one that never ends stops at time_limit_s (78), and
# the output's lock is released.
sed "s/^where = use <> 'road'/where = usee <> 'road'/" "$city/sources.ini" >"$city/badwhere.ini"
both "$city/badwhere.ini" 78 "a misspelt column in where"
assert_contains "$OUT" "where 'usee <> 'road''" "the filter is named"
sed -e "s/^where = use <> 'road'/where = use IN (WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT 'x' FROM r WHERE n < 0)/" \
	-e '/^\[run\]/a time_limit_s = 1' "$city/sources.ini" >"$city/endless.ini"
both "$city/endless.ini" 78 "a where filter that never ends"
assert_contains "$OUT" "stopped after 1 s (time_limit_s" "the time limit is named"
flock -n "$SCRATCH/.out.gpkg.lock" true || fail "the stopped run left its output locked"

# Nothing of the user's is overwritten: an output that is an input (also through a link) is
# refused with 64 before any work, and the input stays as it was.
parcels_sum=$(md5sum <"$city/parcels.gpkg")
population_sum=$(md5sum <"$city/population.csv")
pr run "$city/sources.ini" -o "$city/parcels.gpkg" --quiet
assert_eq "$RC" 64 "-o onto the parcels input"
assert_contains "$OUT" "the [parcels] source" "the input named"
pr run "$city/sources.ini" -o "$SCRATCH/v.gpkg" --visits-csv "$city/population.csv" --quiet
assert_eq "$RC" 64 "--visits-csv onto the population input"
ln -s "$city/population.csv" "$SCRATCH/link.csv"
pr run "$city/sources.ini" -o "$SCRATCH/v.gpkg" --visits-csv "$SCRATCH/link.csv" --quiet
assert_eq "$RC" 64 "--visits-csv onto an input through a link"
pr run "$city/sources.ini" -o "$city/sources.ini" --quiet
assert_eq "$RC" 64 "-o onto the sources file"
assert_eq "$(md5sum <"$city/parcels.gpkg")" "$parcels_sum" "the parcels input is untouched"
assert_eq "$(md5sum <"$city/population.csv")" "$population_sum" "the population input is untouched"
[ -e "$SCRATCH/v.gpkg" ] && fail "a refused run wrote its output"

# synth refuses a folder that holds files, unless told --force.
pr synth "$city" --parcels 100 --seed 9
assert_eq "$RC" 64 "synth into a folder with files"
assert_contains "$OUT" "already holds files" "synth says why"
assert_eq "$(md5sum <"$city/population.csv")" "$population_sum" "synth left the files alone"
mkdir "$SCRATCH/empty"
pr synth "$SCRATCH/empty" --parcels 100 --seed 9
assert_eq "$RC" 0 "synth into an empty folder"
pr synth "$SCRATCH/empty" --parcels 100 --seed 9 --force
assert_eq "$RC" 0 "synth --force into its own folder"

# A link planted at the lock's name is not followed.
echo precious >"$SCRATCH/precious"
ln -s "$SCRATCH/precious" "$SCRATCH/.linked.gpkg.lock"
pr run "$city/sources.ini" -o "$SCRATCH/linked.gpkg" --quiet
assert_eq "$RC" 73 "a link at the lock's name"
assert_contains "$OUT" "symbolic link" "the link is named"
assert_eq "$(cat "$SCRATCH/precious")" "precious" "the link's target is untouched"
finish
