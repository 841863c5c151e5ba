# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# What the record tests (record_test.sh, plt_test.sh) share, sourced
# once they know they will run: a scratch directory $work removed at
# exit, TAP lines and the count of failures, and has/lacks, which ask
# the test's own named FUNCTION (how its output shows a function) about
# $work/out.

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0

ok() { echo "ok $1"; }
not_ok() { echo "not ok $1"; sed 's/^/    /' "$work/out" | head -n 40; fails=$((fails + 1)); }

# has WHAT FUNCTION...: each function is named in $work/out.
has() {
	local what=$1 f missing=
	shift
	for f in "$@"; do
		named "$f" || missing="$missing $f"
	done
	if [ -z "$missing" ]; then ok "$what"; else not_ok "$what: missing$missing"; fi
}

# lacks WHAT FUNCTION...: none of them is named in $work/out.
lacks() {
	local what=$1 f found=
	shift
	for f in "$@"; do
		named "$f" && found="$found $f"
	done
	if [ -z "$found" ]; then ok "$what"; else not_ok "$what: has$found"; fi
}

# finish NAME: the count of failures; the status is 0 when there were none.
finish() {
	echo "# $1: $fails failed"
	[ "$fails" = 0 ]
}
