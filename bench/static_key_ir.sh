#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Instructions per call of the static-key bench's functions, counted by
# callgrind (exact, unlike times on a shared machine).
#
#   bench/static_key_ir.sh BENCH_BINARY [CALLS]
set -euo pipefail

bin=$1
calls=${2:-1000000}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

if ! command -v valgrind >/dev/null; then
	echo "static_key_ir: valgrind is not installed (scripts/bootstrap.sh installs it)" >&2
	exit 1
fi
valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" --calls "$calls" >/dev/null 2>&1
echo "static keys: instructions per call (callgrind, $calls calls, key off)"
callgrind_annotate --threshold=100 "$out" 2>/dev/null |
	awk -v calls="$calls" '$0 !~ /=>/ && match($0, /:call_(empty|static_branch|flag_test) \[/) {
		name = substr($0, RSTART + 1, RLENGTH - 3)
		ir = $1; gsub(",", "", ir)
		printf "  %-28s %8.2f\n", name, ir / calls
	}'
