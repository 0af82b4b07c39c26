#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A PostGIS connection string as the parcels source: a private PostgreSQL cluster on a Unix
# socket in the scratch folder (no network), the synthetic city's parcels loaded with ogr2ogr,
# and the run's result compared with the GeoPackage run's, parcel by parcel; then a password
# planted in connection strings, which no message, output or file name may hold.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_cluster.sh"

pr synth "$SCRATCH/city" --parcels 1500 --seed 9
assert_eq "$RC" 0 "synth"
pr run "$SCRATCH/city/sources.ini" -o "$SCRATCH/gpkg.gpkg" --quiet
assert_eq "$RC" 0 "GeoPackage run"

pg_start
ogr2ogr -q -f PostgreSQL "PG:$conn" "$SCRATCH/city/parcels.gpkg" parcels -nln parcels ||
	fail "ogr2ogr into PostGIS"

sed "s#^path = parcels.gpkg#path = PG:$conn#" "$SCRATCH/city/sources.ini" >"$SCRATCH/city/pg.ini"
pr run "$SCRATCH/city/pg.ini" -o "$SCRATCH/pg.gpkg" --quiet
assert_eq "$RC" 0 "PostGIS run: $OUT"
q="SELECT parcel_id, score, rank, population_records, complaints_records, inspections_records FROM parcel_risk ORDER BY parcel_id"
assert_eq "$(sql "$SCRATCH/pg.gpkg" "$q" | md5sum)" "$(sql "$SCRATCH/gpkg.gpkg" "$q" | md5sum)" "PostGIS and GeoPackage runs agree"
assert_eq "$(sql "$SCRATCH/pg.gpkg" "SELECT value FROM run_info WHERE key = 'parcels.path'")" "PG:$conn" "run_info names the connection"
# A where filter that runs too long on the server is stopped at time_limit_s (78), naming it.
sed -e "s#^path = parcels.gpkg#path = PG:$conn#" -e "s/^where = use <> 'road'/where = pg_sleep(5) IS NOT NULL/" \
	-e '/^\[run\]/a time_limit_s = 1' "$SCRATCH/city/sources.ini" >"$SCRATCH/city/slow.ini"
pr check "$SCRATCH/city/slow.ini"
assert_eq "$RC" 78 "a slow where on PostGIS: $OUT"
assert_contains "$OUT" "where 'pg_sleep(5) IS NOT NULL'" "the filter is named"
# A wrong connection: input missing (66), naming it.
sed "s#^path = parcels.gpkg#path = PG:host=$pgdir port=$port user=parcelrisk dbname=nosuchdb#" \
	"$SCRATCH/city/sources.ini" >"$SCRATCH/city/bad.ini"
pr check "$SCRATCH/city/bad.ini"
assert_eq "$RC" 66 "unknown database"
assert_contains "$OUT" "nosuchdb" "unknown database named"

# No password reaches a message or a file: a planted one in each form a connection string can
# carry it (the cluster trusts the socket, so a database that exists opens with it), and in one
# that does not exist; searched in stdout, stderr, the outputs' bytes and every file name.
secret=planted-secret-123
base="host=$pgdir port=$port user=parcelrisk"
# The city's sources file with the parcels at connection (written as it is: no sed escapes).
parcels_at() { # connection sources.ini
	while IFS= read -r line; do
		case "$line" in
		"path = parcels.gpkg") printf 'path = %s\n' "$1" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done <"$SCRATCH/city/sources.ini" >"$2"
}
no_secret_in_out() { # what
	case "$OUT" in *"$secret"*) fail "$1: the password is in the messages: $OUT" ;; esac
}
i=0
for conn in "PG:$base dbname=postgres password=$secret" \
	"PG:password='$secret \\' quoted' $base dbname=postgres" \
	"PG:postgresql://parcelrisk:$secret@/postgres?host=$pgdir&port=$port" \
	"PG:postgresql://parcelrisk@/postgres?host=$pgdir&port=$port&password=$secret"; do
	i=$((i + 1))
	parcels_at "$conn" "$SCRATCH/city/secret$i.ini"
	pr run "$SCRATCH/city/secret$i.ini" -o "$SCRATCH/secret$i.gpkg" --visits-csv "$SCRATCH/secret$i.csv"
	assert_eq "$RC" 0 "run with a password in the connection ($i): $OUT"
	no_secret_in_out "run ($i)"
	assert_contains "$(sql "$SCRATCH/secret$i.gpkg" "SELECT value FROM run_info WHERE key = 'parcels.path'")" \
		"PG:" "run_info still names the connection ($i)"
	pr check "$SCRATCH/city/secret$i.ini"
	assert_eq "$RC" 0 "check with a password in the connection ($i): $OUT"
	no_secret_in_out "check ($i)"
done
assert_eq "$(sql "$SCRATCH/secret1.gpkg" "SELECT value FROM run_info WHERE key = 'parcels.path'")" \
	"PG:$base dbname=postgres" "run_info keeps the connection without its password"
parcels_at "PG:$base dbname=nosuchdb password=$secret" "$SCRATCH/city/secret-bad.ini"
pr check "$SCRATCH/city/secret-bad.ini"
assert_eq "$RC" 66 "check: unknown database, with a password"
assert_contains "$OUT" "nosuchdb" "check: unknown database named"
no_secret_in_out "check of an unknown database"
pr run "$SCRATCH/city/secret-bad.ini" -o "$SCRATCH/secret-bad.gpkg"
assert_eq "$RC" 66 "run: unknown database, with a password"
no_secret_in_out "run on an unknown database"
# A password holding a slash, with a column the table lacks: the message names the connection,
# not a "file name" cut from it at the slash, inside the password.
parcels_at "PG:$base dbname=postgres password='a/$secret'" "$SCRATCH/city/secret-slash.ini"
sed -i 's/^id = capakey$/id = no_such_column/' "$SCRATCH/city/secret-slash.ini"
pr check "$SCRATCH/city/secret-slash.ini"
assert_eq "$RC" 78 "a column the PostGIS table lacks"
assert_contains "$OUT" "no_such_column" "the missing column is named"
no_secret_in_out "a missing column, with a password holding a slash"
# An output, and --previous, named with a password.
pr run "$SCRATCH/city/sources.ini" -o "$SCRATCH/PG:dbname=x password=$secret"
assert_eq "$RC" 64 "an output named with a password"
no_secret_in_out "an output named with a password"
pr run "$SCRATCH/city/sources.ini" -o "$SCRATCH/p.gpkg" --previous "PG:$base dbname=x password=$secret"
[ "$RC" -ne 0 ] || fail "--previous as a connection string ran"
no_secret_in_out "--previous named with a password"
grep -rl --exclude='*.ini' --exclude-dir=pg -- "$secret" "$SCRATCH" &&
	fail "the password is in the files above"
find "$SCRATCH" -path "$pgdir" -prune -o -name "*$secret*" -print | grep . &&
	fail "the password is in the file names above"
finish
