#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The model's commands: `evaluate` on a ranking whose precision is known by hand, and `explain`
# on a synthetic city's riskiest parcel (every factor listed) and on an unknown parcel (65).
. "$(dirname "$0")/lib.sh"

# A minimal output: ten parcels ranked A..J; slums A, C, D, H; B commercial; E student housing.
gpkg="$SCRATCH/hand.gpkg"
sqlite3 "$gpkg" <<'SQL'
CREATE TABLE parcel_risk (parcel_id TEXT, rank INTEGER, complaints_records INTEGER,
                          households REAL, dwellings INTEGER);
INSERT INTO parcel_risk VALUES
  ('A', 1, 5, 2, 1), ('B', 2, 0, 1, NULL), ('C', 3, 0, 1, 1), ('D', 4, 0, 5, 1),
  ('E', 5, 9, 6, 2), ('F', 6, 8, 1, 1), ('G', 7, 0, 1, 1), ('H', 8, 4, 4, 1),
  ('I', 9, 0, 1, 1), ('J', 10, 0, 1, 1);
CREATE TABLE run_info (key TEXT, value TEXT);
INSERT INTO run_info VALUES ('model.visit_list_size', '4');
SQL
cat >"$SCRATCH/truth.csv" <<'CSV'
parcel,is_slum,kind
A,1,slum
B,0,commercial
C,1,slum
D,1,slum
E,0,student
F,0,normal
G,0,normal
H,1,slum
I,0,normal
J,0,normal
CSV
pr evaluate "$gpkg" "$SCRATCH/truth.csv"
assert_eq "$RC" 0 "evaluate: $OUT"
# By hand, over the nine residential parcels, k = 4 (the recorded visit-list size):
#   model     A C D E F G H I J        P@4 3/4, AP (1 + 1 + 1 + 4/7) / 4, E in the top 20
#   complaints E F A H C D G I J       P@4 2/4, AP (1/3 + 2/4 + 3/5 + 4/6) / 4, E in the top 20
#   hh/dwell  D H E A C F G I J        P@4 3/4, AP (1 + 1 + 3/4 + 4/5) / 4, E in the top 20
line() { echo "$OUT" | grep "^$1 " | tr -s ' '; }
assert_eq "$(line model)" "model 4 0.750 0.893 1" "model figures"
assert_eq "$(line 'most complaints')" "most complaints 4 0.500 0.525 1" "complaints baseline"
assert_eq "$(line 'most households per dwelling')" "most households per dwelling 4 0.750 0.887 1" "households baseline"
# An output of a model without a households feature: the second baseline counts registrations.
other="$SCRATCH/other.gpkg"
sqlite3 "$other" "ATTACH '$gpkg' AS h; CREATE TABLE parcel_risk AS SELECT parcel_id, rank,
  complaints_records, households AS population_records, dwellings FROM h.parcel_risk;
  CREATE TABLE run_info AS SELECT * FROM h.run_info"
pr evaluate "$other" "$SCRATCH/truth.csv"
assert_eq "$RC" 0 "evaluate without a households column: $OUT"
assert_eq "$(line 'most registrations per dwelling')" "most registrations per dwelling 4 0.750 0.887 1" "registrations baseline"
pr evaluate "$gpkg" "$SCRATCH/truth.csv" --k 2
assert_contains "$(line model)" "model 2 1.000" "--k 2"
pr evaluate "$gpkg" "$SCRATCH/nope.csv"
assert_eq "$RC" 66 "missing truth file"
# A parcel listed twice is refused; a truth parcel the output lacks is counted as missed, aloud.
{ cat "$SCRATCH/truth.csv"; echo "A,1,slum"; } >"$SCRATCH/twice.csv"
pr evaluate "$gpkg" "$SCRATCH/twice.csv"
assert_eq "$RC" 65 "a parcel listed twice in the truth file"
assert_contains "$OUT" "rows 1 and 11: parcel 'A' is listed twice" "the rows are named"
{ cat "$SCRATCH/truth.csv"; echo "Z,1,slum"; } >"$SCRATCH/extra.csv"
pr evaluate "$gpkg" "$SCRATCH/extra.csv"
assert_eq "$RC" 0 "a truth parcel not in the output"
assert_contains "$OUT" "1 parcels of the truth file are not in the output (1 of them slums" "it is said"
assert_eq "$(line model)" "model 4 0.750 0.714 1" "and counted as a miss: AP (1 + 1 + 1 + 4/7) / 5"
printf 'parcel,is_slum,kind\nA,maybe,slum\n' >"$SCRATCH/bad.csv"
pr evaluate "$gpkg" "$SCRATCH/bad.csv"
assert_eq "$RC" 65 "bad truth value"
assert_contains "$OUT" "row 1: is_slum 'maybe'" "bad truth value named"

# explain on a synthetic city.
pr synth "$SCRATCH/city" --parcels 1500 --seed 4
assert_eq "$RC" 0 "synth"
out="$SCRATCH/out.gpkg"
pr run "$SCRATCH/city/sources.ini" -o "$out" --quiet
assert_eq "$RC" 0 "run"
top=$(sql "$out" "SELECT parcel_id FROM parcel_risk WHERE rank = 1")
pr explain "$out" "$top"
assert_eq "$RC" 0 "explain"
assert_contains "$OUT" "parcel $top" "explain names the parcel"
assert_contains "$OUT" "rank 1 of $(sql "$out" "SELECT COUNT(*) FROM parcel_risk")" "explain rank"
assert_contains "$OUT" "score $(sql "$out" "SELECT score FROM parcel_risk WHERE rank = 1") / 100" "explain score"
for factor in overcrowding subdivision turnover complaints inspections clean_inspection \
	portfolio_findings portfolio_risk old_stock student_housing; do
	assert_contains "$OUT" "  $factor " "explain lists factor $factor"
done
first_reason=$(sql "$out" "SELECT reasons FROM parcel_risk WHERE rank = 1" | cut -d';' -f1)
assert_contains "$OUT" "$first_reason" "explain shows the top reason"
pr explain "$out" "  $top  "
assert_eq "$RC" 0 "explain trims the id"
pr explain "$out" "21999Z9999/99Z999"
assert_eq "$RC" 65 "explain of an unknown parcel"
assert_contains "$OUT" "no parcel with id '21999Z9999/99Z999'" "unknown parcel named"
pr evaluate "$out" "$SCRATCH/city/truth.csv"
assert_eq "$RC" 0 "evaluate on the city"
assert_contains "$OUT" "average precision" "evaluate summary"
# parcel_risk is written in rank order: its table opens with the riskiest parcel first.
assert_eq "$(sql "$out" "SELECT COUNT(*) FROM parcel_risk WHERE fid != rank")" 0 "parcel_risk in rank order"

# A model of its own (no households feature): run, explain and evaluate all work with it.
cat >"$SCRATCH/small.ini" <<'INI'
[model]
name = complaints only
[feature complaint_count]
sql = SELECT parcel_id, COUNT(*) FROM complaints GROUP BY parcel_id
default = 0
label = complaints on record
[factor complaints]
value = complaint_count
needs = dwellings
from = 0
saturate = 5
weight = 10
reason = {complaint_count:complaint:complaints} on record
INI
pr run "$SCRATCH/city/sources.ini" -o "$SCRATCH/small.gpkg" --model "$SCRATCH/small.ini" --quiet
assert_eq "$RC" 0 "run with another model: $OUT"
pr evaluate "$SCRATCH/small.gpkg" "$SCRATCH/city/truth.csv"
assert_eq "$RC" 0 "evaluate with another model: $OUT"
assert_contains "$OUT" "most registrations per dwelling" "the baseline says what it counts"
top=$(sql "$SCRATCH/small.gpkg" "SELECT parcel_id FROM parcel_risk WHERE rank = 1")
pr explain "$SCRATCH/small.gpkg" "$top"
assert_eq "$RC" 0 "explain with another model"
assert_contains "$OUT" "$(sql "$SCRATCH/small.gpkg" "SELECT reasons FROM parcel_risk WHERE rank = 1")" "explain and the run give the same reason"

# The records' coordinates are let go once joined unless the model reads them: a model that
# reads population's x gets them (and the memory the run reports holds them), the default
# model's run reports 16 bytes less per household row.
cat >"$SCRATCH/xy.ini" <<'INI'
[model]
name = reads_x
visit_list_size = 10
[feature mean_x]
sql = SELECT parcel_id, avg(x) FROM population GROUP BY parcel_id
[feature people]
sql = SELECT parcel_id, sum(persons) FROM population WHERE "left" IS NULL AND registered <= :as_of GROUP BY parcel_id
[factor far_east]
value = mean_x
from = 0
saturate = 1000000
weight = 10
reason = households around x {mean_x}
INI
pr run "$SCRATCH/city/sources.ini" -o "$SCRATCH/xy.gpkg" --model "$SCRATCH/xy.ini" --quiet
assert_eq "$RC" 0 "run with a model reading x: $OUT"
with_people=$(sql "$out" "SELECT COUNT(*) FROM parcel_risk WHERE population_records > 0")
assert_eq "$(sql "$SCRATCH/xy.gpkg" "SELECT COUNT(*) FROM parcel_risk WHERE mean_x > 0")" "$with_people" "x read by the model"
info() { sql "$1" "SELECT value FROM run_info WHERE key = '$2'"; }
assert_eq "$(info "$SCRATCH/xy.gpkg" population.fields_read)" "$(info "$out" population.fields_read)" "the same fields read"
rows=$(info "$out" population.joined)
kept=$(info "$SCRATCH/xy.gpkg" population.memory_bytes)
let_go=$(info "$out" population.memory_bytes)
assert_eq "$((kept - let_go))" "$((16 * rows))" "x and y let go when the model does not read them"

# The owners layer: owners of two parcels or more, counts that add up.
assert_eq "$(sql "$out" "SELECT COUNT(*) FROM owners WHERE parcels < 2")" 0 "owners of 2+ parcels only"
expected=$(sql "$out" "SELECT COUNT(*) FROM (SELECT owner FROM parcel_risk WHERE owner IS NOT NULL GROUP BY owner HAVING COUNT(*) >= 2)")
assert_eq "$(sql "$out" "SELECT COUNT(*) FROM owners")" "$expected" "owners rows"
assert_eq "$(sql "$out" "SELECT COUNT(*) FROM owners o WHERE high_risk_parcels != (SELECT COUNT(*) FROM parcel_risk p WHERE p.owner = o.owner AND p.risk_class IN ('high', 'critical'))")" 0 "high-risk parcels per owner"
assert_eq "$(sql "$out" "SELECT COUNT(*) FROM owners o WHERE max_score != (SELECT MAX(score) FROM parcel_risk p WHERE p.owner = o.owner)")" 0 "max score per owner"
finish
