#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A disk that fills up while a run writes (tests/fault/enospc.c, preloaded, fails writes to the
# run's temporary files after a budget of bytes): the run exits 73, the previous output is
# untouched, and no temporary file stays; budgets from a tenth of the output to all of it hit
# every stage of the write, the spatial indexes and run_info included.
. "$(dirname "$0")/lib.sh"
SHIM=${2:?usage: disk_full.sh PARCELRISK ENOSPC.so}
# A sanitizer build instruments the shim too; its runtime then loads second, which is fine here.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0"

pr synth "$SCRATCH/city" --parcels 2000 --seed 3
assert_eq "$RC" 0 "synth"
out="$SCRATCH/out.gpkg"
pr run "$SCRATCH/city/sources.ini" -o "$out" --quiet
assert_eq "$RC" 0 "the previous month's run"
before=$(md5sum <"$out")
size=$(stat -c %s "$out")

failed=0
for tenths in 1 3 5 8 10 12 14; do
	budget=$((size * tenths / 10))
	OUT=$(PR_FAULT_PATH=.tmp. PR_FAULT_BYTES=$budget LD_PRELOAD="$SHIM" \
		"$PARCELRISK" run "$SCRATCH/city/sources.ini" -o "$out" \
		--visits-csv "$SCRATCH/visits.csv" --quiet 2>&1)
	RC=$?
	if [ "$RC" -ne 0 ]; then
		failed=$((failed + 1))
		assert_eq "$RC" 73 "a full disk after $budget bytes: $OUT"
		assert_eq "$(md5sum <"$out")" "$before" "the previous output survives a full disk at $budget bytes"
		[ -e "$SCRATCH/visits.csv" ] && fail "a half-written visits CSV appeared at $budget bytes"
	else
		before=$(md5sum <"$out")
	fi
	ls -a "$SCRATCH" | grep -q '\.tmp\.' && fail "a temporary file stayed after a full disk at $budget bytes"
done
[ "$failed" -ge 3 ] || fail "only $failed of the budgets filled the disk: the shim did not bite"
pr run "$SCRATCH/city/sources.ini" -o "$out" --quiet
assert_eq "$RC" 0 "with room again, the run succeeds"
finish
