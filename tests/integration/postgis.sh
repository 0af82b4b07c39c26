#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A PostGIS connection string as the parcels source: a private PostgreSQL cluster on a Unix
# socket in the scratch folder (no network), the synthetic city's parcels loaded with ogr2ogr,
# and the run's result compared with the GeoPackage run's, parcel by parcel.
. "$(dirname "$0")/lib.sh"
pgbin=/usr/lib/postgresql/15/bin
if [ ! -x "$pgbin/initdb" ] || [ ! -d /usr/share/postgresql/15/extension ] ||
	! ls /usr/share/postgresql/15/extension/postgis.control >/dev/null 2>&1; then
	echo "PostgreSQL 15 with PostGIS is not installed (scripts/setup installs it): skipped"
	exit 77
fi

pr synth "$SCRATCH/city" --parcels 1500 --seed 9
assert_eq "$RC" 0 "synth"
pr run "$SCRATCH/city/sources.ini" -o "$SCRATCH/gpkg.gpkg" --quiet
assert_eq "$RC" 0 "GeoPackage run"

# initdb refuses root: as root, the cluster belongs to the postgres user.
pgdir="$SCRATCH/pg"
mkdir -p "$pgdir"
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
	chown postgres "$pgdir"
	chmod 755 "$SCRATCH"
	as_pg=(runuser -u postgres --)
fi
port=$((20000 + $$ % 20000))
"${as_pg[@]}" "$pgbin/initdb" -D "$pgdir/data" -U parcelrisk --auth=trust >"$SCRATCH/initdb.log" 2>&1 ||
	{ cat "$SCRATCH/initdb.log"; fail "initdb"; finish; }
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w \
	-o "-k $pgdir -p $port -c listen_addresses=''" start >/dev/null ||
	{ cat "$pgdir/log"; fail "pg_ctl start"; finish; }
stop_pg() { "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null 2>&1; }
trap 'stop_pg; rm -rf "$SCRATCH"' EXIT
conn="host=$pgdir port=$port user=parcelrisk dbname=postgres"
psql "$conn" -q -c "CREATE EXTENSION postgis" || fail "CREATE EXTENSION postgis"
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
finish
