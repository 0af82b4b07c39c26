#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# synth: the same (parcels, seed) gives byte-identical files; another seed gives another city.
. "$(dirname "$0")/lib.sh"

pr synth "$SCRATCH/a" --parcels 1500 --seed 7
assert_eq "$RC" 0 "synth a"
pr synth "$SCRATCH/b" --parcels 1500 --seed 7
assert_eq "$RC" 0 "synth b"
pr synth "$SCRATCH/c" --parcels 1500 --seed 8
assert_eq "$RC" 0 "synth c"
for f in parcels.gpkg population.csv complaints.csv inspections.csv truth.csv truth_history.csv sources.ini planted_rejects.csv; do
	[ -s "$SCRATCH/a/$f" ] || fail "synth wrote no $f"
	cmp -s "$SCRATCH/a/$f" "$SCRATCH/b/$f" || fail "$f differs between two runs with the same seed"
done
cmp -s "$SCRATCH/a/population.csv" "$SCRATCH/c/population.csv" && fail "seeds 7 and 8 gave the same population"

# The city is what the contract says: ids, EPSG:31370, kinds, planted slums, malformed rows.
n=$(sql "$SCRATCH/a/parcels.gpkg" "SELECT COUNT(*) FROM parcels WHERE use <> 'road'")
[ "$n" -ge 1400 ] && [ "$n" -le 1600 ] || fail "parcels: $n non-road parcels for --parcels 1500"
srs=$(sql "$SCRATCH/a/parcels.gpkg" "SELECT srs_id FROM gpkg_contents WHERE table_name = 'parcels'")
assert_eq "$srs" 31370 "parcels CRS"
bad_ids=$(sql "$SCRATCH/a/parcels.gpkg" "SELECT COUNT(*) FROM parcels WHERE capakey IS NOT NULL AND capakey NOT GLOB '21[0-9][0-9][0-9][A-Z][0-9][0-9][0-9][0-9]/[0-9][0-9][A-Z][0-9][0-9][0-9]'")
assert_eq "$bad_ids" 0 "CaPaKey-shaped ids"
for kind in slum student large_family social bar; do
	grep -q ",$kind\$" "$SCRATCH/a/truth.csv" || fail "truth.csv has no $kind parcel"
done
assert_eq "$(head -1 "$SCRATCH/a/population.csv")" "x,y,household,persons,registered,left" "population header"
assert_eq "$(head -1 "$SCRATCH/a/complaints.csv")" "lon,lat,received,category" "complaints header"
assert_eq "$(head -1 "$SCRATCH/a/inspections.csv")" "capakey,inspected,outcome" "inspections header"
planted=$(tail -n +2 "$SCRATCH/a/planted_rejects.csv" | wc -l)
[ "$planted" -ge 8 ] || fail "only $planted planted malformed rows"
finish
