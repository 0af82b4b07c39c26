#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The PostGIS output (run -o PG:... --schema NAME) on a private cluster: every layer holds the
# same rows as the GeoPackage of the same run, the styles are in public.layer_styles as QGIS
# reads them, a second run replaces the schema whole (keeping what others were granted), a run
# killed while it holds the lock or while it swaps leaves the previous schema whole and the next
# run succeeds, a second run at once exits 75, the audiences get what they get in a file, and a
# password planted in the connection reaches no message and no table.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_cluster.sh"

pr synth "$SCRATCH/city" --parcels 1500 --seed 9
assert_eq "$RC" 0 "synth"
ini="$SCRATCH/city/sources.ini"
pr run "$ini" -o "$SCRATCH/oct.gpkg" --as-of 2026-10-01 --quiet
assert_eq "$RC" 0 "october GeoPackage: $OUT"
pr run "$ini" -o "$SCRATCH/nov.gpkg" --as-of 2026-11-01 --previous "$SCRATCH/oct.gpkg" \
	--visits-csv "$SCRATCH/nov.csv" --quiet
assert_eq "$RC" 0 "november GeoPackage: $OUT"

pg_start
q() { psql "$conn" -X -At -c "$1"; }

# Usage: --schema goes with a PG: output, and only with one; a plain name.
pr run "$ini" -o "PG:$conn"
assert_eq "$RC" 64 "a PG: output without --schema"
assert_contains "$OUT" "--schema" "the missing --schema is named"
pr run "$ini" -o "$SCRATCH/x.gpkg" --schema risk
assert_eq "$RC" 64 "--schema with a file output"
for bad in Risk "risk;drop" "a__b" public pg_risk ""; do
	pr run "$ini" -o "PG:$conn" --schema "$bad"
	assert_eq "$RC" 64 "--schema '$bad'"
done
pr run "$ini" -o "PG:$conn" --schema risk --previous "PG:$conn"
assert_eq "$RC" 64 "--previous from a database"
assert_contains "$OUT" "GeoPackage" "--previous reads a GeoPackage"
# A schema that no run wrote is never replaced (73), and stays as it was.
q "CREATE SCHEMA theirs; CREATE TABLE theirs.t (x int)" >/dev/null
pr run "$ini" -o "PG:$conn" --schema theirs --quiet
assert_eq "$RC" 73 "a schema no run wrote"
assert_contains "$OUT" "not written by parcelrisk" "why it is refused"
assert_eq "$(q "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'theirs'")" 1 "their schema untouched"

# The November run into PostGIS: the same rows as the GeoPackage, layer by layer.
pr run "$ini" -o "PG:$conn" --schema risk --as-of 2026-11-01 --previous "$SCRATCH/oct.gpkg" \
	--visits-csv "$SCRATCH/nov-pg.csv" --quiet
assert_eq "$RC" 0 "november into PostGIS: $OUT"
cmp -s "$SCRATCH/nov.csv" "$SCRATCH/nov-pg.csv" || fail "the visits CSV differs from the GeoPackage run's"
# Each layer's rows through GDAL's CSV writer (values formatted alike whatever the source),
# geometry as WKT, sorted: the columns are the GeoPackage's, fid aside.
layer_rows() { # source table schema-prefix gpkg-for-columns
	local cols geom=""
	cols=$(sql "$4" "SELECT group_concat(name, ', ') FROM pragma_table_info('$2') WHERE name NOT IN ('fid', 'geom')")
	[ "$(sql "$4" "SELECT count(*) FROM pragma_table_info('$2') WHERE name = 'geom'")" = 1 ] && geom=", geom"
	ogr2ogr -q -f CSV /vsistdout/ "$1" -sql "SELECT $cols$geom FROM $3$2" -lco GEOMETRY=AS_WKT | sort
}
same_layers() { # gpkg schema what tables...
	local gpkg=$1 schema=$2 what=$3
	shift 3
	for t in "$@"; do
		layer_rows "$gpkg" "$t" "" "$gpkg" >"$SCRATCH/g.csv"
		layer_rows "PG:$conn" "$t" "$schema." "$gpkg" >"$SCRATCH/p.csv"
		[ "$(wc -l <"$SCRATCH/g.csv")" -gt 1 ] || fail "$what: $t has no rows in the GeoPackage"
		if ! cmp -s "$SCRATCH/g.csv" "$SCRATCH/p.csv"; then
			fail "$what: $t differs from the GeoPackage's"
			diff "$SCRATCH/g.csv" "$SCRATCH/p.csv" | head -5 >&2
		fi
	done
}
same_layers "$SCRATCH/nov.gpkg" risk "november" parcel_risk visit_list owners hotspots rejects changes
info_rows() { # source schema-prefix
	ogr2ogr -q -f CSV /vsistdout/ "$1" -sql "SELECT key, value FROM ${2}run_info WHERE key NOT LIKE '%seconds%'" | sort
}
assert_eq "$(info_rows "PG:$conn" risk. | md5sum)" "$(info_rows "$SCRATCH/nov.gpkg" "" | md5sum)" \
	"run_info as the GeoPackage's, timings aside"
assert_eq "$(q "SELECT value FROM risk.run_info WHERE key = 'as_of'")" 2026-11-01 "as_of in run_info"
assert_eq "$(q "SELECT count(*) FROM pg_indexes WHERE schemaname = 'risk' AND indexdef LIKE '%USING gist (geom)%'")" 4 \
	"a spatial index on each spatial layer"
assert_eq "$(q "SELECT string_agg(nspname, ' ' ORDER BY nspname) FROM pg_namespace WHERE nspname LIKE 'risk%'")" risk \
	"no temporary schema left"

# The styles, in public.layer_styles as QGIS reads them: database, schema, table, geometry
# column, the default; the same QML as the GeoPackage's.
assert_eq "$(q "SELECT string_agg(f_table_name || ' ' || f_geometry_column || ' ' || useasdefault, ', ' ORDER BY f_table_name)
	FROM public.layer_styles WHERE f_table_catalog = current_database() AND f_table_schema = 'risk'")" \
	"hotspots geom true, owners geom true, parcel_risk geom true, visit_list geom true" "styles of the schema"
assert_eq "$(q "SELECT styleqml::text FROM public.layer_styles WHERE f_table_schema = 'risk' AND f_table_name = 'parcel_risk'" | md5sum)" \
	"$(sql "$SCRATCH/nov.gpkg" "SELECT styleQML FROM layer_styles WHERE f_table_name = 'parcel_risk'" | md5sum)" \
	"parcel_risk's style is the GeoPackage's"
# QGIS itself, where PyQGIS is installed: each layer opens from the database with its style.
if /usr/bin/python3 -c "import qgis.core" 2>/dev/null; then
	export QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="$SCRATCH/xdg"
	mkdir -p -m 700 "$XDG_RUNTIME_DIR"
	styled=$(/usr/bin/python3 - "$pgdir" "$port" <<'PY' 2>/dev/null
import sys
from qgis.core import QgsApplication, QgsDataSourceUri, QgsVectorLayer
app = QgsApplication([], False)
app.initQgis()
for table in ["parcel_risk", "visit_list", "owners", "hotspots"]:
    uri = QgsDataSourceUri()
    uri.setConnection(sys.argv[1], sys.argv[2], "postgres", "parcelrisk", "")
    uri.setDataSource("risk", table, "geom", "", "fid")
    layer = QgsVectorLayer(uri.uri(False), table, "postgres")
    print(table, layer.isValid(), layer.featureCount(), layer.renderer().type())
app.exitQgis()
PY
)
	count() { sql "$SCRATCH/nov.gpkg" "SELECT COUNT(*) FROM $1"; }
	assert_eq "$styled" "parcel_risk True $(count parcel_risk) categorizedSymbol
visit_list True $(count visit_list) singleSymbol
owners True $(count owners) graduatedSymbol
hotspots True $(count hotspots) graduatedSymbol" "QGIS opens the layers with their styles (as many rows as the GeoPackage)"
fi

# December replaces the schema whole, and what readers were granted on November's stays.
q "CREATE ROLE reader LOGIN; GRANT USAGE ON SCHEMA risk TO reader; GRANT SELECT ON ALL TABLES IN SCHEMA risk TO reader" >/dev/null
pr run "$ini" -o "PG:$conn" --schema risk --as-of 2026-12-01 --quiet
assert_eq "$RC" 0 "december into PostGIS: $OUT"
assert_eq "$(q "SELECT value FROM risk.run_info WHERE key = 'as_of'")" 2026-12-01 "december's as_of"
assert_eq "$(q "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'risk' AND table_name = 'changes'")" 0 \
	"november's changes table went with november"
assert_eq "$(q "SELECT count(*) FROM public.layer_styles WHERE f_table_schema = 'risk'")" 4 "the schema's styles replaced, not added"
assert_eq "$(psql "host=$pgdir port=$port user=reader dbname=postgres" -X -At -c "SELECT count(*) FROM risk.parcel_risk")" "$(sql "$SCRATCH/nov.gpkg" "SELECT COUNT(*) FROM parcel_risk")" \
	"the reader still reads the layers"
# The schema as readers see it: its month, its parcels, their scores and ranks.
schema_state() {
	psql "$conn" -X -At -c "SELECT value FROM risk.run_info WHERE key = 'as_of'" \
		-c "SELECT count(*) FROM risk.parcel_risk" \
		-c "SELECT md5(string_agg(parcel_id || score || rank, ',' ORDER BY parcel_id)) FROM risk.parcel_risk"
}
before=$(schema_state)

# A second run at once exits 75 while the first holds the lock; the first, killed while it
# scores (a model slow on purpose, as in the monthly test), leaves the schema whole.
slow="$(cd "$(dirname "$0")/.." && pwd)/fixtures/slow_model.ini"
"$PARCELRISK" run "$ini" -o "PG:$conn" --schema risk --as-of 2027-01-01 --model "$slow" --quiet >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 600); do
	[ "$(q "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")" = 1 ] && break
	sleep 0.05
done
pr run "$ini" -o "PG:$conn" --schema risk --quiet
assert_eq "$RC" 75 "a second run on the same schema"
assert_contains "$OUT" "another parcelrisk run is writing" "busy message"
pr run "$ini" -o "PG:$conn" --schema other --quiet
assert_eq "$RC" 0 "a run on another schema meanwhile: $OUT"
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
assert_eq "$(schema_state)" "$before" "a run killed while it scores leaves the schema whole"
# Its lock goes with its connection.
for _ in $(seq 1 200); do
	[ "$(q "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")" = 0 ] && break
	sleep 0.05
done

# A run killed in the middle of its swap: it has written its schema and waits in the swap's
# transaction for public.layer_styles, which another session holds locked.
PGAPPNAME=pr-blocker psql "$conn" -X -q -c "BEGIN; LOCK TABLE public.layer_styles IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(120)" >/dev/null 2>&1 &
blocker=$!
for _ in $(seq 1 200); do
	[ "$(q "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pr-blocker' AND state = 'active'")" = 1 ] && break
	sleep 0.05
done
PGAPPNAME=pr-swap "$PARCELRISK" run "$ini" -o "PG:$conn" --schema risk --as-of 2027-01-01 --quiet >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 600); do
	[ "$(q "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pr-swap' AND wait_event_type = 'Lock'")" = 1 ] && break
	sleep 0.05
done
assert_eq "$(q "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pr-swap' AND wait_event_type = 'Lock'")" 1 \
	"the run waits in its swap"
[ "$(q "SELECT count(*) FROM information_schema.tables WHERE table_schema LIKE 'risk\_\_new\_%'")" -ge 5 ] ||
	fail "the run's new schema is not written before its swap"
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pr-blocker'" >/dev/null
wait "$blocker" 2>/dev/null
for _ in $(seq 1 200); do
	[ "$(q "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pr-swap'")" = 0 ] && break
	sleep 0.05
done
assert_eq "$(schema_state)" "$before" "a run killed in its swap leaves the schema whole"
assert_eq "$(q "SELECT count(*) FROM public.layer_styles WHERE f_table_schema = 'risk'")" 4 "and its styles"
[ "$(q "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'risk\_\_new\_%'")" -ge 1 ] ||
	fail "the killed run's schema is not left for the next run to drop"
# The next run drops what the killed one left, and succeeds.
pr run "$ini" -o "PG:$conn" --schema risk --as-of 2027-01-01 --quiet
assert_eq "$RC" 0 "the run after a killed one: $OUT"
assert_eq "$(q "SELECT value FROM risk.run_info WHERE key = 'as_of'")" 2027-01-01 "its as_of"
assert_eq "$(q "SELECT string_agg(nspname, ' ' ORDER BY nspname) FROM pg_namespace WHERE nspname LIKE 'risk%'")" risk \
	"the killed run's schema dropped"

# Audiences, as in a file: the public gets hotspots and run_info only, planners no visit list
# and owners as the same pseudonyms.
pr run "$ini" -o "$SCRATCH/public.gpkg" --audience public --quiet
pr run "$ini" -o "PG:$conn" --schema open_data --audience public --quiet
assert_eq "$RC" 0 "public into PostGIS: $OUT"
assert_eq "$(q "SELECT string_agg(table_name, ' ' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'open_data'")" \
	"hotspots run_info" "the public's tables"
assert_eq "$(q "SELECT string_agg(f_table_name, ' ') FROM public.layer_styles WHERE f_table_schema = 'open_data'")" hotspots \
	"the public's styles"
same_layers "$SCRATCH/public.gpkg" open_data "public" hotspots
assert_eq "$(info_rows "PG:$conn" open_data. | md5sum)" "$(info_rows "$SCRATCH/public.gpkg" "" | md5sum)" "the public's run_info"
pr keygen "$SCRATCH/city/owners.key"
sed -i 's/^\[run\]$/[run]\npseudonym_key_file = owners.key/' "$ini"
pr run "$ini" -o "$SCRATCH/planners.gpkg" --audience planners --quiet
pr run "$ini" -o "PG:$conn" --schema planning --audience planners --quiet
assert_eq "$RC" 0 "planners into PostGIS: $OUT"
assert_eq "$(q "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'planning' AND table_name = 'visit_list'")" 0 \
	"no visit list for planners"
same_layers "$SCRATCH/planners.gpkg" planning "planners" parcel_risk owners hotspots rejects

# A password planted in the connection: in no message, no table, no file.
secret=planted-secret-123
pr run "$ini" -o "PG:$conn password=$secret" --schema risk --visits-csv "$SCRATCH/secret.csv"
assert_eq "$RC" 0 "a connection with a password: $OUT"
assert_contains "$OUT" "PG:$conn" "the connection is named"
case "$OUT" in *"$secret"*) fail "the password is in the messages: $OUT" ;; esac
pr run "$ini" -o "PG:$conn password='$secret'" --schema theirs
assert_eq "$RC" 73 "a refused schema, with a password"
case "$OUT" in *"$secret"*) fail "the password is in the refusal: $OUT" ;; esac
pr run "$ini" -o "PG:host=$pgdir port=$port user=parcelrisk dbname=nosuchdb password=$secret" --schema risk
assert_eq "$RC" 73 "an unknown database, with a password"
case "$OUT" in *"$secret"*) fail "the password is in the connection failure: $OUT" ;; esac
pg_dump_all=$("$pgbin/pg_dump" -d "$conn" 2>&1)
assert_contains "$pg_dump_all" "planning" "pg_dump reads the database"
case "$pg_dump_all" in *"$secret"*) fail "the password is in a table of the database" ;; esac
grep -rl --exclude-dir=pg -- "$secret" "$SCRATCH" && fail "the password is in the files above"
finish
