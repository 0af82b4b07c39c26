#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What every output gets whatever its audience: nothing deleted or moved while writing lingers
# in the GeoPackage's free space (SQLite's secure_delete), checked on the file's bytes by
# free_space_check.py; and every file a run writes has mode 0640 at most, whatever the umask.
. "$(dirname "$0")/lib.sh"
here=$(dirname "$0")
python=/usr/bin/python3
[ -x "$python" ] || python=python3

pr synth "$SCRATCH/city" --parcels 2000 --seed 3
assert_eq "$RC" 0 "synth"

# Debian builds SQLite with secure_delete on by default: GDAL's OGR_SQLITE_PRAGMA turns that
# default off here, so that only the engine's own setting can keep the free space clean. Without
# it this run leaves copies of parcel_risk and visit_list rows (owners, addresses) behind.
OUT=$(OGR_SQLITE_PRAGMA=secure_delete=OFF "$PARCELRISK" run "$SCRATCH/city/sources.ini" \
	-o "$SCRATCH/out.gpkg" --quiet 2>&1)
assert_eq "$?" 0 "run with SQLite's default secure_delete off: $OUT"
"$python" "$here/free_space_check.py" "$SCRATCH/out.gpkg" >"$SCRATCH/free.log" ||
	fail "text left in the output's free space: $(head -5 "$SCRATCH/free.log")"

# The check sees what a delete without secure_delete leaves.
cp "$SCRATCH/out.gpkg" "$SCRATCH/control.gpkg"
sql "$SCRATCH/control.gpkg" "PRAGMA secure_delete = OFF; DELETE FROM visit_list;" >/dev/null
"$python" "$here/free_space_check.py" "$SCRATCH/control.gpkg" >"$SCRATCH/control.log" &&
	fail "free_space_check.py found nothing after a delete without secure_delete"
# File modes: under a umask that lets everyone read and write, the GeoPackage and the visits CSV
# (and the lock beside them) are still not readable by others; a narrower umask is kept.
run_with_umask() { # umask output-name what
	(
		umask "$1"
		"$PARCELRISK" run "$SCRATCH/city/sources.ini" -o "$SCRATCH/$2.gpkg" \
			--visits-csv "$SCRATCH/$2.csv" --quiet
	) >"$SCRATCH/umask.log" 2>&1 || fail "$3: $(cat "$SCRATCH/umask.log")"
}
run_with_umask 000 open "run under umask 000"
assert_eq "$(stat -c %a "$SCRATCH/open.gpkg")" 640 "GeoPackage mode under umask 000"
assert_eq "$(stat -c %a "$SCRATCH/open.csv")" 640 "visits CSV mode under umask 000"
assert_eq "$(stat -c %a "$SCRATCH/.open.gpkg.lock")" 600 "lock file mode under umask 000"
# A month later, over the files of the month before (which someone made readable to all).
chmod 666 "$SCRATCH/open.gpkg" "$SCRATCH/open.csv"
run_with_umask 000 open "second run under umask 000"
assert_eq "$(stat -c %a "$SCRATCH/open.gpkg")" 640 "GeoPackage mode replacing a 666 file"
assert_eq "$(stat -c %a "$SCRATCH/open.csv")" 640 "visits CSV mode replacing a 666 file"
run_with_umask 077 closed "run under umask 077"
assert_eq "$(stat -c %a "$SCRATCH/closed.gpkg")" 600 "GeoPackage mode under umask 077"
assert_eq "$(stat -c %a "$SCRATCH/closed.csv")" 600 "visits CSV mode under umask 077"
finish
