#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
#   scripts/run-selftests.sh --arch ARCH --summary FILE [--runner CMD]
#                            [--again 'VAR=value ...' BIN]... [--example BIN]... BIN...
#
# Runs each selftest binary (under CMD, e.g. qemu-user, when given), passes
# its TAP output through, and writes "passed failed skipped" for the whole
# set to FILE.  --again runs BIN once more, after the others, with the
# given environment (e.g. qemu's one-instruction-per-block mode).  A binary that ends without the harness's Totals line, or
# exits non-zero with no failure counted, counts as one failure: a crash
# must never look like a pass.  --example BIN is a plain program (one of
# examples/): one pass when it exits 0, one failure otherwise.
set -u

arch= summary= runner=
again_env=() again_bin=() examples=()
while [ $# -gt 0 ]; do
	case "$1" in
	--arch)		arch=$2; shift 2 ;;
	--summary)	summary=$2; shift 2 ;;
	--runner)	runner=$2; shift 2 ;;
	--again)	again_env+=("$2"); again_bin+=("$3"); shift 3 ;;
	--example)	examples+=("$2"); shift 2 ;;
	*)		break ;;
	esac
done
[ -n "$arch" ] && [ -n "$summary" ] || { echo "usage: $0 --arch A --summary F [--runner CMD] BIN..." >&2; exit 2; }

# A bound on each binary, so that a hang fails the run instead of CI.
timeout_s=${SELFTEST_TIMEOUT:-600}
passed=0 failed=0 skipped=0

# run_one ENV BIN: one binary, its counts added to the totals.
run_one() {
	local env=$1 bin=$2 name log rc totals p f s e
	name=$(basename "$bin")
	log=$bin${env:+.again}.log
	echo "# selftest $arch/$name${runner:+ (under ${runner%% *})}${env:+ with $env}"
	# shellcheck disable=SC2086
	env $env timeout -k 10 "$timeout_s" $runner "$bin" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	totals=$(grep -E '^# Totals: ' "$log" | tail -n1)
	if [ -z "$totals" ]; then
		echo "not ok $arch/$name: exited $rc without a Totals line"
		failed=$((failed + 1))
		return
	fi
	count() { grep -oE "(^| )$1:[0-9]+" <<<"$totals" | cut -d: -f2; }
	p=$(count pass) f=$(count fail) s=$(count skip) e=$(count error)
	f=$((f + e))
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "not ok $arch/$name: exited $rc although no test failed"
		f=1
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

for bin in "$@"; do
	run_one "" "$bin"
done
for i in "${!again_bin[@]}"; do
	run_one "${again_env[$i]}" "${again_bin[$i]}"
done

# run_example BIN: a program that says what it did and exits 0 when it worked.
run_example() {
	local bin=$1 name rc
	name=$(basename "$bin")
	echo "# example $arch/$name${runner:+ (under ${runner%% *})}"
	# shellcheck disable=SC2086
	(cd "$(dirname "$bin")" && timeout -k 10 "$timeout_s" $runner "./$name") 2>&1 | sed 's/^/#   /'
	rc=${PIPESTATUS[0]}
	if [ "$rc" = 0 ]; then
		echo "ok example $arch/$name"
		passed=$((passed + 1))
	else
		echo "not ok example $arch/$name: exited $rc"
		failed=$((failed + 1))
	fi
}
for bin in "${examples[@]}"; do
	run_example "$bin"
done

mkdir -p "$(dirname "$summary")"
echo "$passed $failed $skipped" > "$summary"
echo "# $arch: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
