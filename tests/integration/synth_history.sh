#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# synth's five years of history, on a city of 20,000 parcels and its --complaints noise twin:
# the noise city is byte-identical twice, has the same parcels, truth and slum start days as the
# default city and says what it is in its sources.ini; truth_history.csv lists the slums of
# truth.csv and only them; synth_history_check.py then reads the files on its own (complaints to
# the nearest lot, households to their lot) and checks that inspections span the five years,
# most follow a complaint, outcomes and records follow each slum's start day, closures are
# followed by departures, a backtest has enough hits, and complaints are several times more
# frequent about slums in the default city and no more frequent in the noise city.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
python=/usr/bin/python3
[ -x "$python" ] || python=python3

pr synth "$SCRATCH/signal" --parcels 20000 --seed 2
assert_eq "$RC" 0 "synth: $OUT"
pr synth "$SCRATCH/noise" --parcels 20000 --seed 2 --complaints noise
assert_eq "$RC" 0 "synth --complaints noise: $OUT"
assert_contains "$OUT" "complaints at random" "the log says the complaints are noise"
pr synth "$SCRATCH/noise2" --parcels 20000 --seed 2 --complaints noise
assert_eq "$RC" 0 "synth --complaints noise again: $OUT"
pr synth "$SCRATCH/signal2" --parcels 500 --seed 2 --complaints signal
assert_eq "$RC" 0 "synth --complaints signal: $OUT"
pr synth "$SCRATCH/bad" --complaints nois
assert_eq "$RC" 64 "--complaints nois"
assert_contains "$OUT" "not signal or noise" "--complaints nois message"

for f in parcels.gpkg population.csv complaints.csv inspections.csv truth.csv truth_history.csv planted_rejects.csv sources.ini; do
	cmp -s "$SCRATCH/noise/$f" "$SCRATCH/noise2/$f" || fail "$f differs between two noise cities of the same seed"
done
for f in parcels.gpkg truth.csv truth_history.csv; do
	cmp -s "$SCRATCH/signal/$f" "$SCRATCH/noise/$f" || fail "$f: the noise city is not the default city"
done
cmp -s "$SCRATCH/signal/complaints.csv" "$SCRATCH/noise/complaints.csv" && fail "the noise city has the default city's complaints"
head -1 "$SCRATCH/noise/sources.ini" | grep -q "(parcels=20000, seed=2, complaints=noise)" ||
	fail "noise sources.ini first line: $(head -1 "$SCRATCH/noise/sources.ini")"
head -1 "$SCRATCH/signal/sources.ini" | grep -q "(parcels=20000, seed=2)" ||
	fail "sources.ini first line: $(head -1 "$SCRATCH/signal/sources.ini")"

# truth_history.csv: the slums of truth.csv, each with an ISO date before the as-of date.
hist="$SCRATCH/signal/truth_history.csv"
assert_eq "$(head -1 "$hist")" "parcel,slum_since" "truth_history.csv header"
assert_eq "$(tail -n +2 "$hist" | cut -d, -f1 | sort | md5sum)" \
	"$(awk -F, '$2 == 1 { print $1 }' "$SCRATCH/signal/truth.csv" | sort | md5sum)" "truth_history.csv lists the slums"
assert_eq "$(tail -n +2 "$hist" | awk -F, '$2 !~ /^20[0-9][0-9]-[01][0-9]-[0-3][0-9]$/ || $2 >= "2026-08-03"' | wc -l)" 0 \
	"slum start days are dates at least three months before the as-of date"
before=$(tail -n +2 "$hist" | awk -F, '$2 < "2021-11-01"' | wc -l)
slums=$(($(wc -l <"$hist") - 1))
[ "$((before * 5))" -ge "$slums" ] && [ "$((before * 2))" -le "$slums" ] ||
	fail "$before of $slums slums started before the five years"

# Inspections over the five years before the as-of date (2026-11-01), none before.
span=$(tail -n +2 "$SCRATCH/signal/inspections.csv" | cut -d, -f2 | grep -E '^[0-9]{4}-' | sort | sed -n '1p;$p' | tr '\n' ' ')
case "$span" in
2021-1[12]-* | 2022-01-*) ;;
*) fail "inspections start at ${span% *}" ;;
esac
case "${span#* }" in
2026-10-*) ;;
*) fail "inspections end at ${span#* }" ;;
esac

# The Brussels-shaped registers write the same history: the same inspections (but the planted
# unknown word of row 5), as many households and complaints.
pr synth "$SCRATCH/brussels" --parcels 20000 --seed 2 --complaints noise --registers brussels
assert_eq "$RC" 0 "synth --complaints noise --registers brussels: $OUT"
cmp -s "$SCRATCH/noise/truth_history.csv" "$SCRATCH/brussels/truth_history.csv" || fail "Brussels truth_history.csv differs"
assert_eq "$(tr -d '\r' <"$SCRATCH/brussels/inspections.csv" | sed 6d | tail -n +2 | cut -d';' -f1 | md5sum)" \
	"$(tail -n +2 "$SCRATCH/noise/inspections.csv" | cut -d, -f1 | md5sum)" "Brussels inspections: the same keys"
for f in population complaints; do
	assert_eq "$(wc -l <"$SCRATCH/brussels/$f.csv")" "$(wc -l <"$SCRATCH/noise/$f.csv")" "Brussels $f rows"
done

"$python" "$here/synth_history_check.py" "$SCRATCH/signal" "$SCRATCH/noise" || fail "synth_history_check.py"
finish
