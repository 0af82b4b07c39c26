#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One validation path for every value, whatever the source type: a synthetic city's sources
# rewritten as a .csvt-typed CSV, a GeoPackage with DATE columns and typed parcel columns, and
# text with values the contract calls implausible (out of range, outside the outcome vocabulary,
# not UTF-8), a header naming a column twice, a parcel of 1e300 metres and a coordinate of 1e308.
# Each case's reason and value are read back from the output's rejects table.
. "$(dirname "$0")/lib.sh"

pr synth "$SCRATCH/city" --parcels 2000 --seed 3
assert_eq "$RC" 0 "synth"
city="$SCRATCH/city"
pr run "$city/sources.ini" -o "$SCRATCH/clean.gpkg" --quiet
assert_eq "$RC" 0 "the clean city runs: $OUT"
ranks="SELECT parcel_id, rank, score FROM parcel_risk ORDER BY parcel_id"
clean_ranks=$(sql "$SCRATCH/clean.gpkg" "$ranks" | md5sum)

# A copy of the city in folder $1, every source allowed to lose all its rows: these cases are
# about the reason given, not the budget.
copy_city() { # name
	mkdir "$SCRATCH/$1"
	cp "$city"/* "$SCRATCH/$1/"
	sed -i '/^\[run\]/a max_rejected = 100%' "$SCRATCH/$1/sources.ini"
}

# The reason and value of a source's row in an output's rejects, as "reason|value".
reject() { # gpkg source row
	sql "$1" "SELECT reason || '|' || value FROM rejects WHERE source = '$2' AND row = $3"
}

# Writes field $2 (1-based) of data row $3 of CSV file $1 as $4 (row 1 is the line after the
# header), in place.
set_csv() { # file field row value
	awk -F, -v f="$2" -v r="$3" -v v="$4" 'BEGIN { OFS = "," } NR == r + 1 { $f = v } { print }' \
		"$1" >"$1.new" && mv "$1.new" "$1"
}

# ---- a .csvt sidecar types the population's dates and numbers --------------------------------
copy_city csvt
pop="$SCRATCH/csvt/population.csv"
set_csv "$pop" 5 40 2023-02-30
set_csv "$pop" 5 41 2024-02-31
set_csv "$pop" 6 42 2026-13-45
set_csv "$pop" 4 43 3.5
set_csv "$pop" 4 44 abc
printf 'Real,Real,String,Integer,Date,Date\n' >"$SCRATCH/csvt/population.csvt"
pr run "$SCRATCH/csvt/sources.ini" -o "$SCRATCH/csvt.gpkg" --quiet
assert_eq "$RC" 0 "the .csvt city runs: $OUT"
out="$SCRATCH/csvt.gpkg"
assert_eq "$(reject "$out" population 40)" "bad date|registered '2023-02-30'" ".csvt: a day that does not exist"
assert_eq "$(reject "$out" population 41)" "bad date|registered '2024-02-31'" ".csvt: not carried into March"
assert_eq "$(reject "$out" population 42)" "bad date|left '2026-13-45'" ".csvt: not read as no date"
assert_eq "$(reject "$out" population 43)" "bad number|persons '3.5'" ".csvt: not truncated to 3"
assert_eq "$(reject "$out" population 44)" "bad number|persons 'abc'" ".csvt: not read as no number"
# The planted rows keep their reasons, with the value as written (a typed x column made 'abc' '').
y12=$(awk -F, 'NR == 13 { print $2 }' "$pop")
assert_eq "$(reject "$out" population 12)" "bad coordinates|x 'abc' y '$y12'" ".csvt: a typed coordinate shown as written"
assert_eq "$(reject "$out" population 20)" "bad date|registered '2023-02-30'" ".csvt: the planted bad date"
assert_eq "$(reject "$out" population 33)" "bad number|persons 'three'" ".csvt: the planted bad number"
assert_eq "$(sql "$out" "SELECT COUNT(*) FROM rejects WHERE source = 'population'")" \
	"$(($(sql "$SCRATCH/clean.gpkg" "SELECT COUNT(*) FROM rejects WHERE source = 'population'") + 5))" \
	".csvt: five more rejects than the clean city, no other"

# ---- a GeoPackage population layer with DATE columns -----------------------------------------
copy_city gpkgpop
dir="$SCRATCH/gpkgpop"
cp "$SCRATCH/csvt/population.csvt" "$dir/population.csvt"
# (GDAL warns about the planted 'abc' coordinate: it writes NULL.)
ogr2ogr -q -f GPKG "$dir/population.gpkg" "$dir/population.csv" -nln population 2>/dev/null
[ "$(sql "$dir/population.gpkg" "SELECT type FROM pragma_table_info('population') WHERE name = 'registered'")" = DATE ] ||
	fail "the GeoPackage's registered column is not a DATE"
# GeoPackage dates are text: sqlite3 writes what GDAL would refuse to write.
sql "$dir/population.gpkg" "UPDATE population SET registered = '2023-02-30' WHERE fid = 50;
  UPDATE population SET registered = '2024-02-31' WHERE fid = 51;
  UPDATE population SET \"left\" = '2026-13-45' WHERE fid = 52;
  UPDATE population SET registered = '30/02/2023' WHERE fid = 53;
  UPDATE population SET persons = 'abc' WHERE fid = 54;
  UPDATE population SET x = '4,35' WHERE fid = 55;
  UPDATE population SET registered = '2024-02-29T10:00:00' WHERE fid = 56"
sed -i 's#^path = population.csv#path = population.gpkg\nlayer = population#' "$dir/sources.ini"
pr run "$dir/sources.ini" -o "$SCRATCH/gpkgpop.gpkg" --quiet
assert_eq "$RC" 0 "the GeoPackage population runs: $OUT"
out="$SCRATCH/gpkgpop.gpkg"
assert_eq "$(reject "$out" population 50)" "bad date|registered '2023-02-30'" "GeoPackage DATE: 2023-02-30"
assert_eq "$(reject "$out" population 51)" "bad date|registered '2024-02-31'" "GeoPackage DATE: 2024-02-31"
assert_eq "$(reject "$out" population 52)" "bad date|left '2026-13-45'" "GeoPackage DATE: 2026-13-45"
assert_eq "$(reject "$out" population 53)" "bad date|registered '30/02/2023'" "GeoPackage DATE: 30/02/2023"
assert_eq "$(reject "$out" population 54)" "bad number|persons 'abc'" "GeoPackage INTEGER holding text"
y55=$(sql "$dir/population.gpkg" "SELECT y FROM population WHERE fid = 55")
assert_eq "$(reject "$out" population 55)" "bad coordinates|x '4,35' y '$y55'" "GeoPackage REAL holding a decimal comma"
assert_eq "$(reject "$out" population 56)" "" "a date-time in a DATE column is a date"

# ---- typed parcel columns, read through the Arrow stream -------------------------------------
copy_city gpkgparcels
dir="$SCRATCH/gpkgparcels"
# The R-tree's update triggers call functions only GDAL registers.
for t in $(sql "$dir/parcels.gpkg" "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'rtree_parcels_geom_update%'"); do
	sql "$dir/parcels.gpkg" "DROP TRIGGER \"$t\""
done
sql "$dir/parcels.gpkg" "UPDATE parcels SET build_year = 'abc' WHERE fid = 11;
  UPDATE parcels SET build_year = 2040 WHERE fid = 12;
  UPDATE parcels SET build_year = 2031 WHERE fid = 13;
  UPDATE parcels SET dwellings = 10001 WHERE fid = 14;
  UPDATE parcels SET floor_m2 = 0.5 WHERE fid = 15;
  UPDATE parcels SET dwellings = 3.5 WHERE fid = 16;
  UPDATE parcels SET owner = CAST(X'436166E9' AS TEXT) WHERE fid = 17"
pr run "$dir/sources.ini" -o "$SCRATCH/gpkgparcels.gpkg" --quiet
assert_eq "$RC" 0 "typed parcels run: $OUT"
out="$SCRATCH/gpkgparcels.gpkg"
assert_eq "$(reject "$out" parcels 11)" "bad number|build_year 'abc'" "INTEGER holding text, not 0"
assert_eq "$(reject "$out" parcels 12)" "out of range|build_year '2040'" "build year after the as-of year + 5"
assert_eq "$(reject "$out" parcels 13)" "" "build year the as-of year + 5"
assert_eq "$(reject "$out" parcels 14)" "out of range|dwellings '10001'" "dwellings above 10,000"
assert_eq "$(reject "$out" parcels 15)" "out of range|floor_area_m2 '0.5'" "floor area below 1 m2"
assert_eq "$(reject "$out" parcels 16)" "bad number|dwellings '3.5'" "INTEGER holding 3.5, not 3"
assert_eq "$(reject "$out" parcels 17)" 'bad text encoding|owner '"'"'Caf\xE9'"'" "a latin-1 owner"

# ---- a header naming a column twice -----------------------------------------------------------
mkdir "$SCRATCH/twice"
cp "$city"/* "$SCRATCH/twice/"
sed -i '1s/$/,persons/; 2,$s/$/,2/' "$SCRATCH/twice/population.csv"
pr check "$SCRATCH/twice/sources.ini"
assert_eq "$RC" 78 "check: a column named twice"
assert_contains "$OUT" "population.csv: the header names column 'persons' twice" "check names the file and the column"
pr run "$SCRATCH/twice/sources.ini" -o "$SCRATCH/twice.gpkg" --quiet
assert_eq "$RC" 78 "run: a column named twice"
assert_contains "$OUT" "population.csv: the header names column 'persons' twice (columns 4 and 7)" "run names both columns"
[ -e "$SCRATCH/twice.gpkg" ] && fail "a column named twice wrote an output"
# The same name in another case is the same column to GDAL.
sed -i '1s/,persons$/,Persons/' "$SCRATCH/twice/population.csv"
pr check "$SCRATCH/twice/sources.ini"
assert_eq "$RC" 78 "a column named twice, in two cases"

# ---- plausible ranges, the outcome vocabulary, UTF-8 -------------------------------------------
copy_city ranges
dir="$SCRATCH/ranges"
set_csv "$dir/population.csv" 4 40 -3
set_csv "$dir/population.csv" 4 41 0
set_csv "$dir/population.csv" 4 42 1000000000
set_csv "$dir/population.csv" 4 43 1
set_csv "$dir/population.csv" 4 44 99
set_csv "$dir/population.csv" 4 45 100
set_csv "$dir/population.csv" 5 46 1799-12-31
set_csv "$dir/population.csv" 5 47 1800-01-01
set_csv "$dir/population.csv" 6 48 31/12/2100
set_csv "$dir/population.csv" 6 49 2101-01-01
set_csv "$dir/inspections.csv" 3 10 fermeture
set_csv "$dir/complaints.csv" 4 30 "$(printf 'insalubrit\xe9')"
set_csv "$dir/complaints.csv" 4 31 "$(printf '\xc0\xaf')"
pr run "$dir/sources.ini" -o "$SCRATCH/ranges.gpkg" --quiet
assert_eq "$RC" 0 "ranges run: $OUT"
out="$SCRATCH/ranges.gpkg"
assert_eq "$(reject "$out" population 40)" "out of range|persons '-3'" "persons -3"
assert_eq "$(reject "$out" population 41)" "out of range|persons '0'" "persons 0"
assert_eq "$(reject "$out" population 42)" "out of range|persons '1000000000'" "persons 1000000000"
assert_eq "$(reject "$out" population 43)" "" "persons 1"
assert_eq "$(reject "$out" population 44)" "" "persons 99"
assert_eq "$(reject "$out" population 45)" "out of range|persons '100'" "persons 100"
assert_eq "$(reject "$out" population 46)" "out of range|registered '1799-12-31'" "a date before 1800"
assert_eq "$(reject "$out" population 47)" "" "1800-01-01"
assert_eq "$(reject "$out" population 48)" "" "31/12/2100"
assert_eq "$(reject "$out" population 49)" "out of range|left '2101-01-01'" "a date after 2100"
assert_eq "$(reject "$out" inspections 10)" "unknown value|outcome 'fermeture'" "an outcome outside the vocabulary"
assert_eq "$(reject "$out" complaints 30)" 'bad text encoding|category '"'"'insalubrit\xE9'"'" "a latin-1 category, escaped"
assert_eq "$(reject "$out" complaints 31)" 'bad text encoding|category '"'"'\xC0\xAF'"'" "an overlong encoding"
sql "$out" "SELECT value FROM rejects" | iconv -f UTF-8 -t UTF-8 >/dev/null || fail "rejects hold text that is not UTF-8"

# Outcomes compare after trimming and ASCII case folding and are stored as the canonical word:
# 'Major' and ' CLOSURE ' give exactly the scores of 'major' and 'closure'.
copy_city outcomes
sed -i -e 's/,major$/,Major/' -e 's/,closure$/, CLOSURE /' "$SCRATCH/outcomes/inspections.csv"
grep -q ',Major$' "$SCRATCH/outcomes/inspections.csv" || fail "no outcome rewritten as Major"
pr run "$SCRATCH/outcomes/sources.ini" -o "$SCRATCH/outcomes.gpkg" --quiet
assert_eq "$RC" 0 "outcomes in capitals run: $OUT"
assert_eq "$(sql "$SCRATCH/outcomes.gpkg" "SELECT COUNT(*) FROM rejects WHERE source = 'inspections'")" \
	"$(sql "$SCRATCH/clean.gpkg" "SELECT COUNT(*) FROM rejects WHERE source = 'inspections'")" "Major is not a reject"
assert_eq "$(sql "$SCRATCH/outcomes.gpkg" "$ranks" | md5sum)" "$clean_ranks" "Major scores as major"

# The budget still applies: inspections written in French lose every row, and the run fails.
mkdir "$SCRATCH/french"
cp "$city"/* "$SCRATCH/french/"
sed -i -e 's/,major$/,infraction grave/' -e 's/,closure$/,fermeture/' -e 's/,minor$/,infraction/' \
	-e 's/,none$/,conforme/' "$SCRATCH/french/inspections.csv"
pr run "$SCRATCH/french/sources.ini" -o "$SCRATCH/french.gpkg" --quiet
assert_eq "$RC" 65 "outcomes outside the vocabulary fail the run"
assert_contains "$OUT" "inspections: " "the source is named"
assert_contains "$OUT" "unknown value: " "the reason is named"

# So do implausible values: every household of 0 persons.
mkdir "$SCRATCH/zero"
cp "$city"/* "$SCRATCH/zero/"
awk -F, 'BEGIN { OFS = "," } NR > 1 && $4 != "" { $4 = 0 } { print }' "$city/population.csv" \
	>"$SCRATCH/zero/population.csv"
pr check "$SCRATCH/zero/sources.ini"
assert_eq "$RC" 65 "check: every persons out of range"
assert_contains "$OUT" "out of range: " "the reason is named"

# ---- a parcel of 1e300 metres and one far outside Belgium --------------------------------------
copy_city huge
dir="$SCRATCH/huge"
cat >"$dir/huge.csv" <<'EOF'
WKT,capakey,owner,floor_m2,dwellings,build_year,use,address
"MULTIPOLYGON(((0 0,1e300 0,1e300 1e300,0 1e300,0 0)))",21999X9999/99X999,Nobody,100,1,1950,residential,Nowhere 1
"MULTIPOLYGON(((5000000 5000000,5000100 5000000,5000100 5000100,5000000 5000100,5000000 5000000)))",21999X9999/99X998,Nobody,100,1,1950,residential,Nowhere 2
EOF
ogr2ogr -q -append -nln parcels -a_srs EPSG:31370 -oo AUTODETECT_TYPE=YES "$dir/parcels.gpkg" "$dir/huge.csv"
huge_fid=$(sql "$dir/parcels.gpkg" "SELECT fid FROM parcels WHERE capakey = '21999X9999/99X999'")
far_fid=$(sql "$dir/parcels.gpkg" "SELECT fid FROM parcels WHERE capakey = '21999X9999/99X998'")
[ -n "$huge_fid" ] && [ -n "$far_fid" ] || fail "the huge parcels were not added"
pr run "$dir/sources.ini" -o "$SCRATCH/huge.gpkg" --quiet
assert_eq "$RC" 0 "the city with a huge parcel runs: $OUT"
out="$SCRATCH/huge.gpkg"
assert_eq "$(reject "$out" parcels "$huge_fid")" "invalid geometry|id '21999X9999/99X999': area not finite" "a parcel of infinite area"
assert_eq "$(reject "$out" parcels "$far_fid")" "invalid geometry|id '21999X9999/99X998': outside the area of use of EPSG:31370" \
	"a parcel outside the CRS's area of use"
assert_eq "$(sql "$out" "$ranks" | md5sum)" "$clean_ranks" "the ranks are those of the city without them"

# ---- a coordinate of 1e308 ---------------------------------------------------------------------
copy_city far
set_csv "$SCRATCH/far/population.csv" 1 40 1e308
pr run "$SCRATCH/far/sources.ini" -o "$SCRATCH/far.gpkg" --quiet
assert_eq "$RC" 0 "a coordinate of 1e308 runs: $OUT"
value=$(sql "$SCRATCH/far.gpkg" "SELECT value FROM rejects WHERE source = 'population' AND row = 40")
assert_contains "$value" "x 1e+308 y " "the coordinate is printed short"
[ "${#value}" -lt 80 ] || fail "a reject value of ${#value} characters: $value"
assert_eq "$(sql "$SCRATCH/far.gpkg" "SELECT MAX(length(value)) < 200 FROM rejects")" 1 "every reject value is short"
finish
