#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# backtest on a hand-made city of six parcels, A to F, whose every figure is worked out here:
#
#   as known on 2026-01-01      households present  complaints in the year before
#   A                           1                   3
#   B                           5                   0
#   C                           4 (one leaves 01-15) 0
#   D                           3                   2 (and one of 2024, too old)
#   E                           2                   1
#   F                           0 (nine arrive 01-02) 0
#
# The model scores households present (no "left" date) per parcel, and trusts the store to hide
# what came after the date: the nine households of F registered the day after and the household
# of C that leaves on 01-15 must change nothing. Inspections of the 4 months after the date
# (window to 2026-05-01): A major 01-10, B none 02-20, C closure 02-15, D minor 02-28, E major
# 04-15 (104 days after: found late), F major 01-20; E's major of 05-05 is after the window.
#
#   inspected 6, hits A C E F = 4: the city's own visits found 66.7%
#   k = visit_list_size 1 x 4 months = 4
#   model order B C D E A (F scores 0): top 4 = B C D E, all inspected, hits C E: 50%;
#     E found late (104 days); AP over the inspected B C D E A F = (1/2 + 2/4 + 3/5 + 4/6) / 4
#   complaints first A D E (then B C F, no complaint): top 4 = A D E (only three complained),
#     hits A E: 66.7%; E late; AP over A D E B C F = (1/1 + 2/3 + 3/5 + 4/6) / 4
. "$(dirname "$0")/lib.sh"
c="$SCRATCH/city"
mkdir -p "$c"

# Six 10 m squares in a row, 20 m apart.
{
	echo "WKT,capakey,dwellings,floor_m2"
	i=0
	for p in A B C D E F; do
		x=$((150000 + 20 * i))
		echo "\"MULTIPOLYGON((($x 170000,$((x + 10)) 170000,$((x + 10)) 170010,$x 170010,$x 170000)))\",P$p,1,100"
		i=$((i + 1))
	done
} >"$c/parcels.csv"
ogr2ogr -q -f GPKG -nln parcels -a_srs EPSG:31370 -oo AUTODETECT_TYPE=YES "$c/parcels.gpkg" "$c/parcels.csv" ||
	fail "ogr2ogr could not make the parcels"
centre() { # parcel letter -> "x,y" of its centre
	local i
	i=$(($(printf '%d' "'$1") - 65))
	echo "$((150005 + 20 * i)),170005"
}
{
	echo "x,y,household,registered,left"
	n=0
	for pair in A:1 B:5 C:3 D:3 E:2; do
		p=${pair%%:*}
		for _ in $(seq 1 "${pair##*:}"); do
			n=$((n + 1))
			echo "$(centre "$p"),H$n,2020-01-01,"
		done
	done
	echo "$(centre C),HLEAVES,2021-06-01,"
	echo "$(centre A),HGONE,2019-01-01,2025-06-01"
} >"$c/population.csv"
{
	echo "x,y,date,category"
	for d in 2025-03-01 2025-06-01 2025-09-01; do echo "$(centre A),$d,humidity"; done
	for d in 2025-05-01 2025-10-01 2024-06-01; do echo "$(centre D),$d,humidity"; done
	echo "$(centre E),2025-12-24,insalubrity"
} >"$c/complaints.csv"
{
	echo "parcel,date,outcome"
	echo "PA,2026-01-10,major"
	echo "PB,2026-02-20,none"
	echo "PC,2026-02-15,closure"
	echo "PD,2026-02-28,minor"
	echo "PE,2026-04-15,major"
	echo "PE,2026-05-05,major"
	echo "PF,2026-01-20,major"
} >"$c/inspections.csv"
cat >"$c/sources.ini" <<'INI'
[run]
as_of = 2026-06-01
crs = EPSG:31370
[parcels]
path = parcels.gpkg
id = capakey
dwellings = dwellings
floor_area_m2 = floor_m2
[population]
path = population.csv
crs = EPSG:31370
x = x
y = y
household = household
registered = registered
left = left
[complaints]
path = complaints.csv
crs = EPSG:31370
x = x
y = y
date = date
category = category
[inspections]
path = inspections.csv
parcel = parcel
date = date
outcome = outcome
INI
cat >"$c/model.ini" <<'INI'
[model]
visit_list_size = 1
exclude_inspected_days = 0
[feature present]
sql = SELECT parcel_id, COUNT(*) FROM population WHERE "left" IS NULL GROUP BY parcel_id
default = 0
[factor present]
value = present
from = 0
saturate = 10
weight = 1
INI

pr backtest "$c/sources.ini" --at 2026-01-01 --months 4 --model "$c/model.ini" --csv "$c/bt.csv"
assert_eq "$RC" 0 "backtest: $OUT"
assert_contains "$OUT" "Only inspected parcels can be judged" "the caveat"
get() { # measure column(2 model, 3 complaints first)
	awk -F, -v m="$1" -v c="$2" '$1 == m { print $c }' "$c/bt.csv"
}
assert_eq "$(get window_end 2)" 2026-05-01 "window end"
assert_eq "$(get parcels 2)" 6 "parcels"
assert_eq "$(get inspected 2)" 6 "inspected"
assert_eq "$(get hits 2)" 4 "hits"
assert_eq "$(get city_hit_rate 2)" 0.6667 "city's hit rate"
assert_eq "$(get k 2)" 4 "k"
assert_eq "$(get top_k_inspected 2)" 4 "model: top k inspected"
assert_eq "$(get top_k_hits 2)" 2 "model: top k hits"
assert_eq "$(get top_k_hit_rate 2)" 0.5000 "model: hit rate"
assert_eq "$(get hits_found_late 2)" 1 "model: hits found late"
assert_eq "$(get mean_days_late 2)" 104.0 "model: days late"
assert_eq "$(get average_precision 2)" "$(awk 'BEGIN { printf "%.4f", (1/2 + 2/4 + 3/5 + 4/6) / 4 }')" "model: AP"
assert_eq "$(get top_k_inspected 3)" 3 "complaints first: top k inspected"
assert_eq "$(get top_k_hits 3)" 2 "complaints first: top k hits"
assert_eq "$(get top_k_hit_rate 3)" 0.6667 "complaints first: hit rate"
assert_eq "$(get hits_found_late 3)" 1 "complaints first: hits found late"
assert_eq "$(get average_precision 3)" "$(awk 'BEGIN { printf "%.4f", (1/1 + 2/3 + 3/5 + 4/6) / 4 }')" "complaints first: AP"

# Nothing dated after the date reaches the features: C's household leaving on 01-15 (present on
# the date) and nine households of F registered on 01-02 change none of the figures.
sed -i 's/^\(.*\),HLEAVES,2021-06-01,$/\1,HLEAVES,2021-06-01,2026-01-15/' "$c/population.csv"
grep -q HLEAVES,2021-06-01,2026-01-15 "$c/population.csv" || fail "the departure was not planted"
for i in $(seq 1 9); do echo "$(centre F),HNEW$i,2026-01-02," >>"$c/population.csv"; done
pr backtest "$c/sources.ini" --at 2026-01-01 --months 4 --model "$c/model.ini" --csv "$c/bt-planted.csv"
assert_eq "$RC" 0 "backtest with records planted after the date: $OUT"
cmp -s "$c/bt.csv" "$c/bt-planted.csv" || fail "records dated after the date changed the backtest: $(diff "$c/bt.csv" "$c/bt-planted.csv")"
# ... and the plants do count once the date passes them.
pr backtest "$c/sources.ini" --at 2026-01-03 --months 4 --model "$c/model.ini" --csv "$c/bt-later.csv"
assert_eq "$RC" 0 "backtest two days later: $OUT"
# F (9 households) now leads, C (3 left) follows B: top 4 = F B C D, hits F C.
assert_eq "$(awk -F, '$1 == "top_k_hits" { print $2 }' "$c/bt-later.csv")" 2 "top k hits two days later"
cmp -s "$c/bt.csv" "$c/bt-later.csv" && fail "the planted households never counted"

# fit refuses a city with too few outcomes to learn from: the folds a year, two and three
# before 2027-01-01 see the 4 hits of 2026 at the most.
pr fit "$c/sources.ini" --at 2027-01-01 --model "$c/model.ini" -o "$c/fitted.ini"
assert_eq "$RC" 65 "fit on 4 hits: $OUT"
assert_contains "$OUT" "fewer than the 30 needed" "fit on 4 hits"
[ -e "$c/fitted.ini" ] && fail "a refused fit wrote its model"

# Refusals: no date, a bad date, no inspections to judge by.
pr backtest "$c/sources.ini"
assert_eq "$RC" 64 "backtest without --at: $OUT"
pr backtest "$c/sources.ini" --at 2026-13-01
assert_eq "$RC" 64 "backtest with a bad date: $OUT"
sed '/^\[inspections\]/,$d' "$c/sources.ini" >"$c/no-inspections.ini"
pr backtest "$c/no-inspections.ini" --at 2026-01-01
assert_eq "$RC" 78 "backtest without inspections: $OUT"
assert_contains "$OUT" "no [inspections]" "backtest without inspections"
finish
