#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Instructions per call of each state of ftrace_bench under qemu-user,
# counted by bench/qemu_insn_count.c: the instructions of a run of N
# calls in that state and of a run of 2N, whose difference is N calls
# (everything else a run does, registering included, is the same in
# both).  Exact, where times under an emulator say nothing.  Prints
# bench.h's "metric<TAB>value" lines, ir.call_textpoke_<state>, as
# ir_per_call.sh does natively with callgrind.
#
#   bench/insn_per_call.sh [--suffix S] PLUGIN FTRACE_BENCH CALLS QEMU [QEMU ARGS...]
#
# --suffix S: the metrics are ir.call_textpoke_<state>S (another CPU
# model of the same arch).
set -euo pipefail

suffix=''
if [ "${1:-}" = --suffix ]; then
	suffix=$2
	shift 2
fi
plugin=$1 bin=$2 calls=$3
shift 3
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# run_count STATE N: the instructions of one run.
run_count() {
	local state=$1 n=$2
	: > "$log"
	if ! "${runner[@]}" -plugin "$plugin" -d plugin -D "$log" "$bin" --state "$state" "$n" \
		>/dev/null 2>&1; then
		echo "insn_per_call: $bin --state $state $n failed" >&2
		return 1
	fi
	sed -n 's/^insns \([0-9]*\)$/\1/p' "$log" | tail -n1
}

runner=("$@")
for state in off disabled ops1 ops1_light ops1_99 list100; do
	one=$(run_count "$state" "$calls")
	two=$(run_count "$state" $((2 * calls)))
	if [ -z "$one" ] || [ -z "$two" ]; then
		echo "insn_per_call: no count for $state (does qemu load plugins?)" >&2
		exit 1
	fi
	awk -v a="$one" -v b="$two" -v n="$calls" -v s="$state$suffix" \
		'BEGIN { printf "ir.call_textpoke_%s\t%.2f\n", s, (b - a) / n }'
done
