#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Instructions per call of the call_* functions of a benchmark that runs
# them untimed with --calls N (static_key_bench, lttng_bench: N calls of
# each function; ftrace_bench: each function makes N calls), counted by
# callgrind with their callees: exact, unlike times on a shared machine.
# Prints bench.h's "metric<TAB>value" lines, ir.<function>.
#
#   bench/ir_per_call.sh BENCH_BINARY [CALLS]
set -euo pipefail

bin=$1
calls=${2:-1000000}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

if ! command -v valgrind >/dev/null; then
	echo "ir_per_call: valgrind is not installed (scripts/bootstrap.sh installs it)" >&2
	exit 1
fi
# --smc-check=all: valgrind sees the code textpoke rewrites.
valgrind --tool=callgrind --smc-check=all --callgrind-out-file="$out" "$bin" --calls "$calls" \
	>/dev/null 2>&1
callgrind_annotate --inclusive=yes --threshold=100 "$out" 2>/dev/null |
	awk -v calls="$calls" '$0 !~ /=>/ && match($0, /:call_[a-z0-9_]+ \[/) {
		name = substr($0, RSTART + 1, RLENGTH - 3)
		ir = $1; gsub(",", "", ir)
		if (name != "call_init" && ir / calls >= 0.5)
			printf "ir.%s\t%.2f\n", name, ir / calls
	}'
