#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# parcelrisk keygen: a new key file of mode 0600 (whatever the umask) holding 64 hex digits, its
# path on stdout and a hint on keeping it; never over an existing file or through a link (73),
# which stays as it was; usage errors (64); listed in --help.
. "$(dirname "$0")/lib.sh"

key="$SCRATCH/owners.key"
OUT=$(umask 000 && "$PARCELRISK" keygen "$key" 2>"$SCRATCH/hint")
assert_eq "$?" 0 "keygen"
assert_eq "$OUT" "$key" "keygen prints the path"
assert_contains "$(cat "$SCRATCH/hint")" "lose it" "keygen says how to keep the key"
assert_eq "$(stat -c %a "$key")" 600 "key file mode under umask 000"
assert_eq "$(stat -c %s "$key")" 65 "key file size"
grep -qxE '[0-9a-f]{64}' "$key" || fail "the key file is not 64 hex digits: $(cat "$key")"
before=$(sha256sum <"$key")

pr keygen "$key"
assert_eq "$RC" 73 "keygen over an existing key"
assert_contains "$OUT" "exists" "the existing key is named"
assert_eq "$(sha256sum <"$key")" "$before" "the existing key is unchanged"

ln -s "$SCRATCH/elsewhere.key" "$SCRATCH/link.key"
pr keygen "$SCRATCH/link.key"
assert_eq "$RC" 73 "keygen through a link"
[ -e "$SCRATCH/elsewhere.key" ] && fail "keygen wrote through a link"

pr keygen "$SCRATCH/no/such/folder/k"
assert_eq "$RC" 73 "keygen into a missing folder"
pr keygen
assert_eq "$RC" 64 "keygen without a file"
pr keygen a b
assert_eq "$RC" 64 "keygen with two files"
pr keygen --bogus
assert_eq "$RC" 64 "keygen with an option"
pr --help
assert_contains "$OUT" "keygen FILE" "--help lists keygen"

# Two keys differ.
pr keygen "$SCRATCH/second.key"
assert_eq "$RC" 0 "a second key"
[ "$(cat "$key")" = "$(cat "$SCRATCH/second.key")" ] && fail "two keys are the same"
finish
