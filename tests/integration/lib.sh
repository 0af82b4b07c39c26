# SPDX-License-Identifier: MIT
# Shared helpers of the integration tests: a scratch folder removed on exit, assertions that
# say what differed, and the parcelrisk binary passed by meson as the first argument.
set -uo pipefail
PARCELRISK=${1:?usage: test.sh PATH/TO/parcelrisk}
SCRATCH=$(mktemp -d /tmp/pr-it-XXXXXX)
trap 'rm -rf "$SCRATCH"' EXIT
FAILURES=0

fail() {
	echo "FAIL: $*" >&2
	FAILURES=$((FAILURES + 1))
}

assert_eq() { # actual expected what
	[ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
}

assert_contains() { # haystack needle what
	case "$1" in
	*"$2"*) ;;
	*) fail "$3: '$2' not in: $1" ;;
	esac
}

# Runs parcelrisk, keeping stdout+stderr in $OUT and the exit code in $RC.
pr() {
	OUT=$("$PARCELRISK" "$@" 2>&1)
	RC=$?
}

sql() { # db query
	sqlite3 -batch -noheader "$1" "$2"
}

finish() {
	if [ "$FAILURES" -gt 0 ]; then
		echo "$FAILURES failure(s)" >&2
		exit 1
	fi
	echo "all checks passed"
	exit 0
}
