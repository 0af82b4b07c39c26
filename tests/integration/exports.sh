#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Reading real exports (the contract's second part), on the Brussels-shaped synthetic city: its
# CP1252 ';' CRLF complaints and inspections with decimal commas, DD/MM/YYYY dates and FR/NL
# words, read with their real settings, give the simple city's English run parcel for parcel;
# each setting left out or wrong fails with the contract's answer and a hint.
. "$(dirname "$0")/lib.sh"

pr synth "$SCRATCH/bx" --registers brussels --parcels 3000 --seed 1
assert_eq "$RC" 0 "synth brussels"
pr synth "$SCRATCH/sx" --parcels 3000 --seed 1
assert_eq "$RC" 0 "synth simple"
bx="$SCRATCH/bx"
sx="$SCRATCH/sx"

# The claim the comparison rests on: the simple city's files are the same records in English.
# Complaints: the same rows, coordinates and days; inspections: the same rows but one, the
# planted unknown word (row 5) that the Brussels city adds.
utf8() { iconv -f CP1252 -t UTF-8 "$1" | tr -d '\r'; }
assert_eq "$(utf8 "$bx/complaints.csv" | tail -n +2 | cut -d';' -f1-2 | tr ',;' '.,' | md5sum)" \
	"$(tail -n +2 "$sx/complaints.csv" | cut -d, -f1-2 | md5sum)" "complaints: the same coordinates"
# (but row 9, the planted bad date, written 31/04/2025 in one and 2025-13-01 in the other)
assert_eq "$(utf8 "$bx/complaints.csv" | tail -n +2 | cut -d';' -f3 | sed 9d |
	sed -E 's#^([0-9]{2})/([0-9]{2})/([0-9]{4})$#\3-\2-\1#' | md5sum)" \
	"$(tail -n +2 "$sx/complaints.csv" | cut -d, -f3 | sed 9d | md5sum)" "complaints: the same days"
assert_eq "$(utf8 "$bx/inspections.csv" | sed 6d | tail -n +2 | cut -d';' -f1 | md5sum)" \
	"$(tail -n +2 "$sx/inspections.csv" | cut -d, -f1 | md5sum)" "inspections: the same keys"
assert_eq "$(utf8 "$bx/inspections.csv" | sed -n 6p)" "21001A0037/00G000;05/01/2026;à revoir" \
	"inspections: the one planted row"

# The Brussels city's complaints and inspections with their real settings, and the simple
# city's population located by x/y (the Brussels population is located by address, which is
# another part of the contract). The shipped mapping leaves "odeurs"/"geurhinder" (smells,
# "other" in the English city) unmapped; the full variant maps them.
head() { # ini
	sed -n '1,/^\[population\]/p' "$bx/sources.ini" | sed '$d' | sed '/^; /d' >"$1"
	sed -n '/^\[population\]/,/^$/p' "$sx/sources.ini" | sed "s#^path = .*#path = $sx/population.csv#" >>"$1"
	echo >>"$1"
}
exports_section() { sed -n '/^\[complaints\]/,$p' "$bx/sources.ini"; }
head "$bx/shipped.ini"
sed -i '/^\[addresses\]/,/^$/d' "$bx/shipped.ini"
exports_section >>"$bx/shipped.ini"
sed 's/^category.other = autre, andere$/category.other = autre, andere, odeurs, geurhinder/' \
	"$bx/shipped.ini" >"$bx/full.ini"
grep -q 'geurhinder' "$bx/full.ini" || fail "the full variant maps the smells"

per_parcel() { # gpkg
	sql "$1" "SELECT parcel_id, complaints_records, inspections_records, score, rank
		FROM parcel_risk ORDER BY parcel_id"
}
pr run "$sx/sources.ini" -o "$SCRATCH/simple.gpkg" --quiet
assert_eq "$RC" 0 "the simple city runs: $OUT"
pr run "$bx/full.ini" -o "$SCRATCH/exports.gpkg" --quiet
assert_eq "$RC" 0 "the exports run with their settings: $OUT"
assert_eq "$(per_parcel "$SCRATCH/exports.gpkg" | md5sum)" "$(per_parcel "$SCRATCH/simple.gpkg" | md5sum)" \
	"the same records, scores and ranks per parcel as the English run"
assert_eq "$(sql "$SCRATCH/exports.gpkg" "SELECT count(*) FROM parcel_risk WHERE complaints_records > 0")" \
	"$(sql "$SCRATCH/simple.gpkg" "SELECT count(*) FROM parcel_risk WHERE complaints_records > 0")" \
	"as many parcels with complaints"
assert_eq "$(sql "$SCRATCH/exports.gpkg" "SELECT reason || '|' || value FROM rejects WHERE source = 'inspections' AND row = 5")" \
	"unknown value|outcome 'à revoir'" "the planted word is an unknown outcome, shown in UTF-8"
assert_eq "$(sql "$SCRATCH/exports.gpkg" "SELECT count(*) FROM run_info WHERE key = 'complaints.unmapped_category'")" \
	0 "nothing unmapped when every word is mapped"

# Unmapped categories: kept as written, listed with their counts, most frequent first.
odeurs=$(utf8 "$bx/complaints.csv" | grep -c ';odeurs$')
geurhinder=$(utf8 "$bx/complaints.csv" | grep -c ';geurhinder$')
pr check "$bx/shipped.ini"
assert_eq "$RC" 0 "check with the shipped mapping: $OUT"
assert_contains "$OUT" "category values that no category.<canonical> mapping names, kept as written: odeurs ($odeurs), geurhinder ($geurhinder)" \
	"check lists the unmapped categories with their counts"
pr run "$bx/shipped.ini" -o "$SCRATCH/shipped.gpkg" --quiet
assert_eq "$RC" 0 "run with the shipped mapping"
assert_eq "$(sql "$SCRATCH/shipped.gpkg" "SELECT value FROM run_info WHERE key = 'complaints.unmapped_category'")" \
	"odeurs ($odeurs), geurhinder ($geurhinder)" "run_info lists them"

# Variants of one section's keys: drop or change a line of [complaints] or [inspections].
variant() { # name sed-script
	sed "$2" "$bx/full.ini" >"$bx/$1.ini"
}

# No encoding: the header's 'catégorie' is not found (the hint names the encoding); with an
# ASCII header, the values with accents fail as bad text encoding, and the run says why.
variant no-encoding '/^\[complaints\]/,/^\[inspections\]/{/^encoding/d}'
pr check "$bx/no-encoding.ini"
assert_eq "$RC" 78 "no encoding: the CP1252 header is not found"
assert_contains "$OUT" "no column 'catégorie'" "the column is named"
assert_contains "$OUT" "encoding = CP1252" "the hint"
{
	printf 'lon;lat;date_plainte;categorie\r\n'
	LC_ALL=C grep -a $'[\x80-\xff]' "$bx/complaints.csv" | LC_ALL=C grep -av '^lon;'
} >"$bx/accents.csv"
variant accents '/^\[complaints\]/,/^\[inspections\]/{/^encoding/d;s/^path = .*/path = accents.csv/;s/^category = .*/category = categorie/}'
pr run "$bx/accents.ini" -o "$SCRATCH/accents.gpkg" --quiet
assert_eq "$RC" 65 "no encoding: the run fails"
assert_contains "$OUT" "bad text encoding" "the reason"
assert_contains "$OUT" "\\xE9" "the value, escaped"
assert_contains "$OUT" "add encoding = CP1252 (or the file's encoding) to [complaints]" "the encoding hint"
# An encoding iconv does not know is a configuration error.
variant klingon '/^\[complaints\]/,/^\[inspections\]/{s/^encoding = .*/encoding = KLINGON-8/}'
pr check "$bx/klingon.ini"
assert_eq "$RC" 78 "an unknown encoding"
assert_contains "$OUT" "encoding 'KLINGON-8' is not one iconv knows" "named"

# No decimal = , : every coordinate fails, and the hint says what to add.
variant no-decimal '/^\[complaints\]/,/^\[inspections\]/{/^decimal/d}'
pr run "$bx/no-decimal.ini" -o "$SCRATCH/no-decimal.gpkg" --quiet
assert_eq "$RC" 65 "no decimal: the run fails"
assert_contains "$OUT" "bad coordinates" "the reason"
assert_contains "$OUT" "add decimal = , to [complaints]" "the decimal hint"

# MM/DD/YYYY on a day-first file: days above 12 are bad dates, and the others are other days.
variant month-first '/^\[complaints\]/,/^\[inspections\]/{s#^date_format = .*#date_format = MM/DD/YYYY\nmax_rejected = 100%#}'
pr check "$bx/month-first.ini"
assert_eq "$RC" 0 "month-first with max_rejected = 100%: $OUT"
bad=$(echo "$OUT" | sed -n '/^\[complaints\]/,/^\[/p' | awk '$1 == "bad" && $2 == "date" { print $3 }')
[ "${bad:-0}" -gt 100 ] || fail "month-first on a day-first file gives bad dates: '$bad'"

# Every day at most 12: the order cannot be told from the data, and check and run warn.
{
	printf 'lon;lat;date_plainte;cat\xe9gorie\r\n'
	LC_ALL=C grep -a -E '^[^;]*;[^;]*;(0[1-9]|1[0-2])/' "$bx/complaints.csv"
} >"$bx/early.csv"
variant early '/^\[complaints\]/,/^\[inspections\]/{s/^path = .*/path = early.csv/}'
pr check "$bx/early.ini"
assert_eq "$RC" 0 "early days: $OUT"
assert_contains "$OUT" "warning: complaints: every date of column 'date_plainte'" "check warns"
assert_contains "$OUT" "read as DD/MM/YYYY (date_format in" "naming the setting"
pr run "$bx/early.ini" -o "$SCRATCH/early.gpkg"
assert_eq "$RC" 0 "run early days"
assert_contains "$OUT" "warning: complaints: every date of column 'date_plainte'" "run logs it"
pr check "$bx/full.ini"
case "$OUT" in *"every date of column"*) fail "no warning when some day is above 12" ;; esac

# A separator the file does not use is a configuration error naming both.
variant comma '/^\[complaints\]/,/^\[inspections\]/{s/^separator = .*/separator = ,/}'
pr check "$bx/comma.ini"
assert_eq "$RC" 78 "a wrong separator"
assert_contains "$OUT" "separator ',' is given, but GDAL reads the header of complaints.csv as separated by ';'" \
	"both separators named"

# A pipe-separated file (GDAL 3.6 cannot open one) is read with GDAL's CSV line reader: every
# field quoted, CRLF line ends, a '|' inside a quoted field, and the same records as the ';' file.
/usr/bin/python3 - "$bx/inspections.csv" "$bx/inspections.txt" <<'PY'
import csv, sys
with open(sys.argv[1], newline="", encoding="cp1252") as f, \
     open(sys.argv[2], "w", newline="", encoding="cp1252") as g:
    rows = list(csv.reader(f, delimiter=";"))
    rows[0].append("note")
    for r in rows[1:]:
        r.append("vu | revu")
    csv.writer(g, delimiter="|", quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(rows)
PY
variant pipe '/^\[inspections\]/,${s/^path = .*/path = inspections.txt/;s/^separator = .*/separator = |/}'
pr run "$bx/pipe.ini" -o "$SCRATCH/pipe.gpkg" --quiet
assert_eq "$RC" 0 "separator = |: $OUT"
pr run "$bx/full.ini" -o "$SCRATCH/semicolon.gpkg" --quiet
assert_eq "$RC" 0 "the same city with its ';' inspections: $OUT"
assert_eq "$(sql "$SCRATCH/pipe.gpkg" "ATTACH '$SCRATCH/semicolon.gpkg' AS s;
  SELECT COUNT(*) FROM parcel_risk a JOIN s.parcel_risk b USING (parcel_id)
  WHERE a.inspections_records IS NOT b.inspections_records OR a.rank != b.rank")" 0 \
	"the pipe-separated inspections read as the ';' ones"
assert_eq "$(sql "$SCRATCH/pipe.gpkg" "SELECT value FROM run_info WHERE key = 'inspections.rows_read'")" \
	"$(sql "$SCRATCH/semicolon.gpkg" "SELECT value FROM run_info WHERE key = 'inspections.rows_read'")" \
	"every record of the pipe-separated file"

# Outcomes: 'fermeture' is unknown without a mapping, closure with one.
sed 's/;infraction grave\r$/;fermeture\r/' "$bx/inspections.csv" >"$bx/fermeture.csv"
n=$(grep -ac ';fermeture' "$bx/fermeture.csv")
[ "$n" -gt 0 ] || fail "the fermeture fixture holds some"
variant fermeture '/^\[inspections\]/,${s/^path = .*/path = fermeture.csv/;/^outcome.major/d;/^outcome.closure/d;s/^outcome = .*/outcome = resultat\nmax_rejected = 100%/}'
pr run "$bx/fermeture.ini" -o "$SCRATCH/fermeture.gpkg" --quiet
assert_eq "$RC" 0 "fermeture unmapped: $OUT"
assert_eq "$(sql "$SCRATCH/fermeture.gpkg" "SELECT count(*) FROM rejects WHERE source = 'inspections' AND reason = 'unknown value' AND value = 'outcome ''fermeture'''")" \
	"$n" "fermeture without a mapping is an unknown value"
sed -i 's/^outcome = resultat$/outcome = resultat\noutcome.closure = fermeture/' "$bx/fermeture.ini"
pr run "$bx/fermeture.ini" -o "$SCRATCH/fermeture.gpkg" --quiet
assert_eq "$RC" 0 "fermeture mapped: $OUT"
assert_eq "$(sql "$SCRATCH/fermeture.gpkg" "SELECT count(*) FROM rejects WHERE source = 'inspections' AND value = 'outcome ''fermeture'''")" \
	0 "outcome.closure = fermeture maps it"

finish
