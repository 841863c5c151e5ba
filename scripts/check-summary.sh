#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
#   scripts/check-summary.sh ARCH:SUMMARY_FILE...
#
# Adds up the per-architecture summaries of `make check` into the one
# closing line.  An architecture whose summary is missing (its build
# failed, say) counts as one failure.
set -u
passed=0 failed=0 skipped=0
for arg in "$@"; do
	arch=${arg%%:*} file=${arg#*:}
	if [ ! -s "$file" ]; then
		echo "not ok $arch: no selftest summary (did the $arch build fail?)"
		failed=$((failed + 1))
		continue
	fi
	read -r p f s < "$file"
	echo "# $arch: $p passed, $f failed, $s skipped"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done
echo "check: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
