#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Records located by address: the Brussels-shaped synthetic city's population register gives
# street, number, box and postcode, not coordinates. Located through its address register, every
# household must land on the parcel its coordinates give in the simple city of the same seed,
# the planted bad addresses must be rejected under their reasons, and check must report the
# match levels and the unknown streets. Read as exported (the pipe-separated UTF-8 register, the
# CP1252 ';' population, through synth's own sources.ini) and as UTF-8 comma-separated copies
# (any GDAL format is a register): the same parcels both ways.
. "$(dirname "$0")/lib.sh"
python=/usr/bin/python3
[ -x "$python" ] || python=python3

pr synth "$SCRATCH/bx" --registers brussels --parcels 3000 --seed 1
assert_eq "$RC" 0 "synth brussels"
pr synth "$SCRATCH/sx" --parcels 3000 --seed 1
assert_eq "$RC" 0 "synth simple"
"$python" - "$SCRATCH/bx" <<'PY'
import csv, sys
d = sys.argv[1]
for src, dst, enc, sep in (("addresses.txt", "addresses.csv", "utf-8", "|"),
                           ("population.csv", "population_utf8.csv", "cp1252", ";")):
    with open(f"{d}/{src}", newline="", encoding=enc) as f, \
         open(f"{d}/{dst}", "w", newline="", encoding="utf-8") as g:
        w = csv.writer(g)
        for row in csv.reader(f, delimiter=sep):
            w.writerow(row)
PY
cat >"$SCRATCH/bx/addr.ini" <<'INI'
[run]
as_of = 2026-11-01
crs = EPSG:31370
[parcels]
path = parcels.gpkg
layer = parcels
where = use <> 'road'
id = capakey
owner = owner
floor_area_m2 = floor_m2
dwellings = dwellings
build_year = build_year
[addresses]
path = addresses.csv
x = x
y = y
crs = EPSG:31370
street = streetname_fr, streetname_nl, streetname_de
number = house_number
box = box_number
postcode = postcode
parcel = capakey
[population]
path = population_utf8.csv
street = rue
number = numero
box = boite
postcode = cp
household = menage
persons = personnes
registered = date_inscription
left = date_départ
INI
# The simple city, its population only, the same planted rows allowed through.
sed -n '1,/^\[complaints\]/p' "$SCRATCH/sx/sources.ini" | grep -v '^\[complaints\]' |
	sed '/^\[run\]/a max_rejected = 100%' >"$SCRATCH/sx/population.ini"

pr run "$SCRATCH/bx/addr.ini" -o "$SCRATCH/by_address.gpkg" --quiet
assert_eq "$RC" 0 "run located by address: $OUT"
pr run "$SCRATCH/bx/sources.ini" -o "$SCRATCH/as_exported.gpkg" --quiet
assert_eq "$RC" 0 "run on the exports as written: $OUT"
# different_households A B: parcels whose households differ between two outputs
different_households() {
	sql "$1" "ATTACH '$2' AS c; SELECT COUNT(*) FROM parcel_risk a
	  JOIN c.parcel_risk b USING (parcel_id) WHERE a.population_records IS NOT b.population_records"
}
assert_eq "$(different_households "$SCRATCH/as_exported.gpkg" "$SCRATCH/by_address.gpkg")" 0 \
	"the exports as written locate every household as their UTF-8 copies do"
assert_eq "$(sql "$SCRATCH/as_exported.gpkg" "SELECT value FROM run_info WHERE key = 'addresses.rows_read'")" \
	"$(($(wc -l <"$SCRATCH/bx/addresses.txt") - 1))" "every register row read from the pipe-separated file"
pr run "$SCRATCH/sx/population.ini" -o "$SCRATCH/by_xy.gpkg" --quiet
assert_eq "$RC" 0 "run located by coordinates: $OUT"
parcels=$(sql "$SCRATCH/by_xy.gpkg" "SELECT COUNT(*) FROM parcel_risk")
same=$(sql "$SCRATCH/by_address.gpkg" "ATTACH '$SCRATCH/by_xy.gpkg' AS xy;
  SELECT COUNT(*) FROM parcel_risk a JOIN xy.parcel_risk b USING (parcel_id)
  WHERE a.population_records = b.population_records")
[ "$parcels" -gt 2000 ] || fail "the city is too small to prove anything: $parcels parcels"
assert_eq "$same" "$parcels" "every parcel has the same households by address as by coordinates"

# Register rows with a parcel key but no point are placed by their key: the key comes first,
# the point only without one. A row that neither places is rejected for its point, as always.
"$python" - "$SCRATCH/bx" <<'PY'
import csv, sys
d = sys.argv[1]
with open(f"{d}/addresses.csv", newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f))
head, body = rows[0], rows[1:]
x, y, key = head.index("x"), head.index("y"), head.index("capakey")
blanked = 0
for i, row in enumerate(body):
    if row[key] and i % 5 == 0:
        row[x] = row[y] = ""
        blanked += 1
assert blanked > 100, blanked
# The first row again at a number no record gives: without key or point, then with a key that
# names no parcel and no point.
extra = list(body[0])
extra[head.index("house_number")] = "9999"
extra[x] = extra[y] = extra[key] = ""
body.append(list(extra))
extra[key] = "21999Z9999/99Z999"
body.append(extra)
with open(f"{d}/addresses_nopoint.csv", "w", newline="", encoding="utf-8") as g:
    csv.writer(g).writerows([head] + body)
PY
sed 's/^path = addresses.csv$/path = addresses_nopoint.csv/' "$SCRATCH/bx/addr.ini" >"$SCRATCH/bx/nopoint.ini"
pr run "$SCRATCH/bx/nopoint.ini" -o "$SCRATCH/nopoint.gpkg" --quiet
assert_eq "$RC" 0 "run with register rows placed by their key alone: $OUT"
assert_eq "$(different_households "$SCRATCH/nopoint.gpkg" "$SCRATCH/by_address.gpkg")" 0 \
	"register rows without a point are placed by their key"
registered=$(($(wc -l <"$SCRATCH/bx/addresses.csv") - 1))
assert_eq "$(sql "$SCRATCH/nopoint.gpkg" "SELECT row || ' ' || reason FROM rejects
  WHERE source = 'addresses' AND row > $registered ORDER BY row")" \
	"$((registered + 1)) no coordinates
$((registered + 2)) no coordinates" "rows that neither key nor point places are rejected"
assert_contains "$(sql "$SCRATCH/nopoint.gpkg" "SELECT value FROM rejects
  WHERE source = 'addresses' AND row = $((registered + 2))")" "21999Z9999/99Z999" \
	"the reject names the key that placed nothing"
assert_eq "$(sql "$SCRATCH/nopoint.gpkg" "SELECT COUNT(*) FROM rejects WHERE source = 'addresses'")" \
	"$(($(sql "$SCRATCH/by_address.gpkg" "SELECT COUNT(*) FROM rejects WHERE source = 'addresses'") + 2))" \
	"no other register row rejected"

# Every planted bad address is rejected under its reason, at its row.
while IFS=, read -r source row reason; do
	case "$reason" in
	"unknown street" | "unknown address" | "ambiguous address") ;;
	*) continue ;;
	esac
	got=$(sql "$SCRATCH/by_address.gpkg" "SELECT reason FROM rejects WHERE source = '$source' AND row = $row")
	assert_eq "$got" "$reason" "planted $source row $row"
done <"$SCRATCH/bx/planted_rejects.csv"
assert_eq "$(sql "$SCRATCH/by_address.gpkg" "SELECT COUNT(*) FROM rejects WHERE reason LIKE '%address%' OR reason = 'unknown street'")" \
	"$(grep -cE ',(unknown street|unknown address|ambiguous address)$' "$SCRATCH/bx/planted_rejects.csv")" \
	"no address rejected beyond the planted ones"
levels=$(sql "$SCRATCH/by_address.gpkg" "SELECT SUM(value) FROM run_info WHERE key LIKE 'population.address.%'")
assert_eq "$levels" "$(sql "$SCRATCH/by_address.gpkg" "SELECT value FROM run_info WHERE key = 'population.joined'")" \
	"run_info's match levels add up to the records joined"
# The store keeps the normalised box: boxes per parcel are countable by a model.
cat >"$SCRATCH/boxes.ini" <<'INI'
[feature boxes]
sql = SELECT parcel_id, COUNT(DISTINCT box) FROM population GROUP BY parcel_id
[factor boxes]
value = boxes
saturate = 5
weight = 1
INI
pr run "$SCRATCH/bx/addr.ini" -o "$SCRATCH/boxes.gpkg" --model "$SCRATCH/boxes.ini" --quiet
assert_eq "$RC" 0 "a model counting boxes: $OUT"
[ "$(sql "$SCRATCH/boxes.gpkg" "SELECT COUNT(*) FROM parcel_risk WHERE boxes > 1")" -gt 0 ] ||
	fail "no parcel with several boxes registered"

# check: the levels and the unknown streets.
pr check "$SCRATCH/bx/addr.ini"
assert_eq "$RC" 0 "check"
assert_contains "$OUT" "located by address:" "check reports the match levels"
assert_contains "$OUT" "without the box" "check names the levels"
assert_contains "$OUT" "most frequent unknown streets" "check lists unknown streets"

# A register that matches none of the records' streets fails the run, saying why.
sed 's/^street = rue$/street = menage/' "$SCRATCH/bx/sources.ini" >"$SCRATCH/bx/wrongstreet.ini"
pr check "$SCRATCH/bx/wrongstreet.ini"
assert_eq "$RC" 65 "every street unknown"
assert_contains "$OUT" "fail as 'unknown street': the street names match none" "the likely cause"

# Configuration: an address source needs the register, both street and number, not x/y too.
sed '/^\[addresses\]/,/^\[population\]/{/^\[population\]/!d}' "$SCRATCH/bx/addr.ini" >"$SCRATCH/bx/noreg.ini"
pr check "$SCRATCH/bx/noreg.ini"
assert_eq "$RC" 78 "located by address without [addresses]"
assert_contains "$OUT" "no [addresses] section" "the missing register is named"
sed '/^number = numero/d' "$SCRATCH/bx/addr.ini" >"$SCRATCH/bx/nonumber.ini"
pr check "$SCRATCH/bx/nonumber.ini"
assert_eq "$RC" 78 "street without number"
{ cat "$SCRATCH/bx/addr.ini"; printf 'x = x\ny = y\n'; } >"$SCRATCH/bx/both.ini"
pr check "$SCRATCH/bx/both.ini"
assert_eq "$RC" 78 "both x/y and street"
finish
