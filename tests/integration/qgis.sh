#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The output as planners see it, in real QGIS (headless): every spatial layer loads valid with
# its default style from layer_styles, risk_class shows its value map, and the rendered map is
# not blank; the same for the planners' file (--audience planners), whose map tips show the
# owners' pseudonyms. The PNG is kept in the build folder (qgis-map.png); docs/map.png is a copy of it.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
png_out=${2:-}

pr synth "$SCRATCH/city" --parcels 20000 --seed 2
assert_eq "$RC" 0 "synth"
out="$SCRATCH/parcelrisk.gpkg"
pr run "$SCRATCH/city/sources.ini" -o "$out" --quiet
assert_eq "$RC" 0 "run: $OUT"
export QT_QPA_PLATFORM=offscreen
export XDG_RUNTIME_DIR="$SCRATCH/xdg"
mkdir -p "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
if ! /usr/bin/python3 "$here/qgis_check.py" "$out" "$SCRATCH/map.png"; then
	fail "QGIS check"
fi
[ -s "$SCRATCH/map.png" ] || fail "no map rendered"
[ -n "$png_out" ] && [ -s "$SCRATCH/map.png" ] && cp "$SCRATCH/map.png" "$png_out"

# The planners' file: opens styled too, its map tips show pseudonyms where owners were.
pr keygen "$SCRATCH/owners.key"
assert_eq "$RC" 0 "keygen: $OUT"
sed -i 's/^\[run\]$/[run]\npseudonym_key_file = ..\/owners.key/' "$SCRATCH/city/sources.ini"
planners="$SCRATCH/planners.gpkg"
pr run "$SCRATCH/city/sources.ini" -o "$planners" --audience planners --quiet
assert_eq "$RC" 0 "run planners: $OUT"
if ! /usr/bin/python3 "$here/qgis_check.py" "$planners" "$SCRATCH/map-planners.png"; then
	fail "QGIS check of the planners' file"
fi
[ -s "$SCRATCH/map-planners.png" ] || fail "no planners' map rendered"
finish
