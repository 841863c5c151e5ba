#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The system calls of one poke per backend: poke_bench --syscalls under
# strace -f (natively) or the emulator's -strace, counted between
# poke_bench's marks.  Prints bench.h's "metric<TAB>value" lines,
# syscalls.<backend>.total and syscalls.<backend>.<name>.
#
#   bench/syscalls.sh POKE_BENCH [EMULATOR...]
set -euo pipefail

bin=$1
shift
out=$(mktemp)
trap 'rm -f "$out"' EXIT

if [ $# -gt 0 ]; then
	"$1" -strace "${@:2}" "$bin" --syscalls 2> "$out" >/dev/null
else
	if ! command -v strace >/dev/null; then
		echo "syscalls: strace is not installed (scripts/bootstrap.sh bench)" >&2
		exit 1
	fi
	# strace passes every SIGTRAP on: breakpoint pokes are safe under it
	TEXTPOKE_BREAKPOINT_UNDER_TRACER=1 strace -f -o "$out" "$bin" --syscalls >/dev/null
fi
awk '/textpoke-bench-mark:begin:/ { split($0, m, ":"); backend = m[3]; sub(/".*$/, "", backend); next }
	/textpoke-bench-mark:end:/ { printf "syscalls.%s.total\t%d\n", backend, total
				     for (s in n) printf "syscalls.%s.%s\t%d\n", backend, s, n[s]
				     backend = ""; total = 0; delete n; next }
	backend != "" && match($0, /^[0-9]+ +[a-z_0-9]+\(/) {
		name = substr($0, RSTART, RLENGTH - 1); sub(/^[0-9]+ +/, "", name)
		n[name]++; total++
	}' "$out"
