#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What every output gets whatever its audience: nothing deleted or moved while writing lingers
# in the GeoPackage's free space (SQLite's secure_delete), checked on the file's bytes by
# free_space_check.py.
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
finish
