#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The default model's boxes factor (boxes registered at beyond the dwellings on record) sits on
# top of the scale: on a city whose register gives no boxes, the default model and the same
# model without the factor give the same scores, classes, reasons, coverage and order; on the
# Brussels-shaped city, whose crowded slums are let room by room, the factor gives points, no
# score falls, and the parcels it points at are mostly the planted slums.
. "$(dirname "$0")/lib.sh"
python=/usr/bin/python3
[ -x "$python" ] || python=python3
model="$(cd "$(dirname "$0")/../.." && pwd)/data/models/brussels.ini"

# The default model without [feature boxes_5y] and [factor boxes].
"$python" - "$model" "$SCRATCH/no-boxes.ini" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
parts = re.split(r"(?m)^(?=\[)", text)
kept = [p for p in parts if not re.match(r"\[(feature boxes_5y|factor boxes)\]", p)]
assert len(kept) == len(parts) - 2, "the default model has no boxes feature and factor"
open(sys.argv[2], "w", encoding="utf-8").write("".join(kept))
PY

same_rows() { # a.gpkg b.gpkg what
	local diff
	diff=$(sql "$1" "ATTACH '$2' AS o; SELECT COUNT(*) FROM parcel_risk a JOIN o.parcel_risk b
		USING (parcel_id) WHERE a.score IS NOT b.score OR a.risk_class IS NOT b.risk_class
		OR a.reasons IS NOT b.reasons OR a.data_coverage IS NOT b.data_coverage
		OR a.fid IS NOT b.fid")
	assert_eq "$diff" 0 "$3: parcels that differ"
	assert_eq "$(sql "$1" "SELECT COUNT(*) FROM parcel_risk")" \
		"$(sql "$2" "SELECT COUNT(*) FROM parcel_risk")" "$3: parcel counts"
}

pr synth "$SCRATCH/s" --parcels 3000 --seed 4
assert_eq "$RC" 0 "synth simple: $OUT"
pr run "$SCRATCH/s/sources.ini" -o "$SCRATCH/s/with.gpkg" --quiet
assert_eq "$RC" 0 "run simple: $OUT"
pr run "$SCRATCH/s/sources.ini" -o "$SCRATCH/s/without.gpkg" --model "$SCRATCH/no-boxes.ini" --quiet
assert_eq "$RC" 0 "run simple without boxes: $OUT"
same_rows "$SCRATCH/s/with.gpkg" "$SCRATCH/s/without.gpkg" "no boxes in the register"
assert_eq "$(sql "$SCRATCH/s/with.gpkg" "SELECT COUNT(*) FROM parcel_risk WHERE c_boxes > 0")" 0 \
	"boxes points without boxes"

pr synth "$SCRATCH/b" --parcels 3000 --seed 4 --registers brussels
assert_eq "$RC" 0 "synth brussels: $OUT"
pr run "$SCRATCH/b/sources.ini" -o "$SCRATCH/b/with.gpkg" --quiet
assert_eq "$RC" 0 "run brussels: $OUT"
pr run "$SCRATCH/b/sources.ini" -o "$SCRATCH/b/without.gpkg" --model "$SCRATCH/no-boxes.ini" --quiet
assert_eq "$RC" 0 "run brussels without boxes: $OUT"
w="$SCRATCH/b/with.gpkg"
sql "$w" "CREATE TABLE truth (parcel TEXT, is_slum INTEGER, kind TEXT)"
sqlite3 -batch "$w" ".import --csv --skip 1 $SCRATCH/b/truth.csv truth"
n=$(sql "$w" "SELECT COUNT(*) FROM parcel_risk WHERE c_boxes > 0")
[ "$n" -ge 10 ] || fail "the boxes factor gave points on $n parcels (expected 10 or more)"
slums=$(sql "$w" "SELECT COUNT(*) FROM parcel_risk p JOIN truth t ON t.parcel = p.parcel_id
	WHERE p.c_boxes > 0 AND t.is_slum = 1")
[ $((slums * 2)) -ge "$n" ] || fail "of the $n parcels with boxes points only $slums are slums"
assert_eq "$(sql "$w" "ATTACH '$SCRATCH/b/without.gpkg' AS o; SELECT COUNT(*) FROM parcel_risk a
	JOIN o.parcel_risk b USING (parcel_id) WHERE a.score < b.score")" 0 "scores lowered by boxes"
finish
