#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# synth --registers brussels: the same city as the simple registers, written as Brussels exports
# it. Byte-identical twice; the default is --registers simple; the address register is
# pipe-separated UTF-8, the population, complaints and inspections CP1252 (not UTF-8) with ';' and
# CRLF, as many rows as the simple city's; synth_brussels_check.py reads them on their own and
# locates every household through the register onto the parcel of its simple coordinates.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)

pr synth "$SCRATCH/simple" --parcels 2500 --seed 5
assert_eq "$RC" 0 "synth simple: $OUT"
pr synth "$SCRATCH/simple2" --parcels 2500 --seed 5 --registers simple
assert_eq "$RC" 0 "synth --registers simple: $OUT"
pr synth "$SCRATCH/a" --parcels 2500 --seed 5 --registers brussels
assert_eq "$RC" 0 "synth brussels a: $OUT"
pr synth "$SCRATCH/b" --parcels 2500 --seed 5 --registers brussels
assert_eq "$RC" 0 "synth brussels b: $OUT"
pr synth "$SCRATCH/c" --parcels 2500 --seed 6 --registers brussels
assert_eq "$RC" 0 "synth brussels c: $OUT"
pr synth "$SCRATCH/d" --registers brussel
assert_eq "$RC" 64 "--registers brussel"
assert_contains "$OUT" "not simple or brussels" "--registers brussel message"

for f in parcels.gpkg population.csv complaints.csv inspections.csv truth.csv truth_history.csv planted_rejects.csv sources.ini; do
	cmp -s "$SCRATCH/simple/$f" "$SCRATCH/simple2/$f" || fail "$f: --registers simple differs from the default"
done
[ -e "$SCRATCH/simple/addresses.txt" ] && fail "the simple registers wrote addresses.txt"
for f in parcels.gpkg addresses.txt population.csv complaints.csv inspections.csv truth.csv truth_history.csv planted_rejects.csv sources.ini; do
	[ -s "$SCRATCH/a/$f" ] || fail "synth --registers brussels wrote no $f"
	cmp -s "$SCRATCH/a/$f" "$SCRATCH/b/$f" || fail "$f differs between two runs with the same seed"
done
cmp -s "$SCRATCH/a/population.csv" "$SCRATCH/c/population.csv" && fail "seeds 5 and 6 gave the same population"
for f in truth.csv truth_history.csv; do
	cmp -s "$SCRATCH/simple/$f" "$SCRATCH/a/$f" || fail "$f differs from the simple city's"
done

# The register: UTF-8, its header, twelve '|'-separated fields on every row.
reg="$SCRATCH/a/addresses.txt"
iconv -f UTF-8 -t UTF-8 "$reg" >/dev/null 2>&1 || fail "addresses.txt is not valid UTF-8"
assert_eq "$(head -1 "$reg")" "address_id|streetname_fr|streetname_nl|streetname_de|house_number|box_number|postcode|municipality_fr|municipality_nl|x|y|capakey" "addresses.txt header"
assert_eq "$(awk -F'|' 'NF != 12' "$reg" | wc -l)" 0 "addresses.txt rows without 12 fields"

# The exports: CP1252 and, as they hold accented letters, not UTF-8; ';' and CRLF on every line.
for f in population complaints inspections; do
	csv="$SCRATCH/a/$f.csv"
	iconv -f CP1252 -t UTF-8 "$csv" >"$SCRATCH/$f.utf8" 2>&1 || fail "$f.csv is not valid CP1252"
	grep -q '[éèàçô]' "$SCRATCH/$f.utf8" || fail "$f.csv holds no accented letter"
	iconv -f UTF-8 -t UTF-8 "$csv" >/dev/null 2>&1 && fail "$f.csv is valid UTF-8"
	assert_eq "$(grep -c $'\r$' "$csv")" "$(wc -l <"$csv")" "$f.csv lines ending in CRLF"
	head -1 "$csv" | grep -q ';' || fail "$f.csv header is not ';'-separated"
done
assert_eq "$(head -1 "$SCRATCH/a/population.csv" | iconv -f CP1252 -t UTF-8)" $'rue;numero;boite;cp;menage;personnes;date_inscription;date_départ\r' "population header"
assert_eq "$(awk -F';' 'NF != 8' "$SCRATCH/a/population.csv" | wc -l)" 0 "population rows without 8 fields"
assert_eq "$(wc -l <"$SCRATCH/a/population.csv")" "$(wc -l <"$SCRATCH/simple/population.csv")" "population rows, brussels vs simple"

# The planted rejects of the address path.
for reason in "unknown street" "unknown address" "ambiguous address"; do
	grep -q "^population,[0-9]*,$reason\$" "$SCRATCH/a/planted_rejects.csv" || fail "planted_rejects.csv lacks '$reason'"
done
grep -q "^inspections,[0-9]*,unknown value\$" "$SCRATCH/a/planted_rejects.csv" || fail "planted_rejects.csv lacks 'unknown value'"

# Its sources.ini: the contract's second part.
ini="$SCRATCH/a/sources.ini"
head -1 "$ini" | grep -q -- "--registers brussels (parcels=2500, seed=5)" || fail "sources.ini first line: $(head -1 "$ini")"
for line in "[addresses]" "separator = |" "street = streetname_fr, streetname_nl, streetname_de" \
	"encoding = CP1252" "date_format = DD/MM/YYYY" "category.insalubrity = insalubrité, ongezondheid" \
	"outcome.closure = interdiction de location, verhuurverbod"; do
	grep -qxF -- "$line" "$ini" || fail "sources.ini lacks '$line'"
done

/usr/bin/python3 "$here/synth_brussels_check.py" "$SCRATCH/simple" "$SCRATCH/a" || fail "synth_brussels_check.py"
finish
