#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fit on a synthetic city: deterministic (the same file twice), every fitted weight keeps its
# default's sign within 0 to 3 times it, the fitted model carries its figures in a header and
# runs, and the held-out backtest it reports is the one backtest gives for that model.
. "$(dirname "$0")/lib.sh"
pr synth "$SCRATCH/c" --parcels 20000 --seed 3
assert_eq "$RC" 0 "synth: $OUT"
ini="$SCRATCH/c/sources.ini"
at=2025-11-01
pr fit "$ini" --at "$at" -o "$SCRATCH/f1.ini" --quiet
assert_eq "$RC" 0 "fit: $OUT"
assert_contains "$OUT" "held out (never seen by the fit)" "fit prints the held-out backtest"
pr fit "$ini" --at "$at" -o "$SCRATCH/f2.ini" --quiet
assert_eq "$RC" 0 "fit again: $OUT"
cmp -s "$SCRATCH/f1.ini" "$SCRATCH/f2.ini" || fail "two fits of the same city differ"
assert_contains "$(head -3 "$SCRATCH/f1.ini")" "; Fitted by parcelrisk fit" "the fitted model's header"
assert_contains "$(cat "$SCRATCH/f1.ini")" "; Folds: 2024-11-01, 2023-11-01, 2022-11-01" "the folds in the header"

# Signs and bounds: the factors' weights in the default model and in the fitted one, in order.
weights() { awk '/^\[factor /{f=1} /^\[/{if ($0 !~ /^\[factor /) f=0} f && /^weight *=/{sub(/^weight *= */, ""); sub(/ .*/, ""); print}' "$1"; }
pr run "$ini" -o "$SCRATCH/default.gpkg" --quiet
sql "$SCRATCH/default.gpkg" "SELECT value FROM run_info WHERE key = 'model.ini'" >"$SCRATCH/default.ini"
paste <(weights "$SCRATCH/default.ini") <(weights "$SCRATCH/f1.ini") >"$SCRATCH/pairs"
[ "$(wc -l <"$SCRATCH/pairs")" -ge 5 ] || fail "too few factor weights read: $(cat "$SCRATCH/pairs")"
awk '{ d = $1; f = $2; if (d >= 0 ? (f < 0 || f > 3 * d) : (f > 0 || f < 3 * d)) { print "weight " f " outside 0..3 x " d; bad = 1 } } END { exit bad }' "$SCRATCH/pairs" ||
	fail "fitted weights out of bounds: $(cat "$SCRATCH/pairs")"
awk '$1 != $2 { moved = 1 } END { exit !moved }' "$SCRATCH/pairs" || fail "fit moved no weight"

# The fitted model runs, and its held-out figure is backtest's for it.
pr run "$ini" -o "$SCRATCH/fitted.gpkg" --model "$SCRATCH/f1.ini" --quiet
assert_eq "$RC" 0 "run with the fitted model: $OUT"
pr backtest "$ini" --at "$at" --model "$SCRATCH/f1.ini" --csv "$SCRATCH/bt.csv" --quiet
assert_eq "$RC" 0 "backtest the fitted model: $OUT"
ap=$(awk -F, '$1 == "average_precision" { print $2 }' "$SCRATCH/bt.csv")
assert_contains "$(grep '^;   average precision' "$SCRATCH/f1.ini")" "-> $(printf '%.3f' "$ap")" "held-out average precision in the header"

# A weight synth made uninformative is recovered: in a city whose complaints are random noise
# (synth --complaints noise: the same parcels, households and slums), the fitted complaints
# weight drops below its default, and the held-out backtest is no worse for it.
pr synth "$SCRATCH/n" --parcels 20000 --seed 2 --complaints noise
assert_eq "$RC" 0 "synth --complaints noise: $OUT"
pr fit "$SCRATCH/n/sources.ini" --at 2026-05-01 -o "$SCRATCH/noise.ini" --quiet
assert_eq "$RC" 0 "fit on the noise city: $OUT"
line=$(grep -E '^;   complaints [0-9.]+ -> ' "$SCRATCH/noise.ini")
default=$(echo "$line" | awk '{ print $3 }')
fitted=$(echo "$line" | awk '{ print $5 }')
[ -n "$default" ] && awk -v d="$default" -v f="$fitted" 'BEGIN { exit !(f < d) }' ||
	fail "the complaints weight did not drop on the noise city: '$line'"

pr fit "$ini" --at "$at"
assert_eq "$RC" 64 "fit without -o: $OUT"
pr fit "$ini" --at "$at" -o "$SCRATCH/x.ini" --folds 9
assert_eq "$RC" 64 "fit --folds 9: $OUT"
finish
