# SPDX-License-Identifier: MIT
# A private PostgreSQL 15 cluster with PostGIS for the tests that need one, sourced after lib.sh:
# initdb on a Unix socket in the scratch folder (no network, local connections trusted), stopped
# and removed on exit. Skips the test (77) where PostgreSQL or PostGIS is not installed.
# pg_start sets pgdir, port and conn (database postgres, PostGIS created in it).
pgbin=/usr/lib/postgresql/15/bin
if [ ! -x "$pgbin/initdb" ] || [ ! -d /usr/share/postgresql/15/extension ] ||
	! ls /usr/share/postgresql/15/extension/postgis.control >/dev/null 2>&1; then
	echo "PostgreSQL 15 with PostGIS is not installed (scripts/setup installs it): skipped"
	exit 77
fi

pg_start() {
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
	trap 'stop_pg; rm -rf "$SCRATCH"' EXIT
	conn="host=$pgdir port=$port user=parcelrisk dbname=postgres"
	psql "$conn" -q -c "CREATE EXTENSION postgis" || fail "CREATE EXTENSION postgis"
}

stop_pg() { "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null 2>&1; }
