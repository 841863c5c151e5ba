#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tp-decode against OpenCSD's trc_pkt_lister on the largest OpenCSD
# snapshot beside the source tree (the one with the largest trace
# buffer): the wall time of decoding every trace ID to element text, each
# the least of three runs, both in this one run so that their ratio is of
# the same machine state.
#
#   bench/decode_cs.sh TP_DECODE SNAPSHOTS_DIR
#
# Prints decode_cs.* metric lines; nothing when the snapshots or
# trc_pkt_lister are absent.
set -euo pipefail

tool=$(realpath -m "$1") root=$(realpath -m "$2")
[ -d "$root" ] && command -v trc_pkt_lister > /dev/null || exit 0

# The snapshot whose first buffer file is the largest.
best='' best_size=0
for dir in "$root"/*/; do
	[ -f "$dir/snapshot.ini" ] && [ -f "$dir/trace.ini" ] || continue
	file=$(sed -n 's/^file=//p' "$dir/trace.ini" | head -n1 | tr -d '\r')
	[ -n "$file" ] && [ -f "$dir/$file" ] || continue
	size=$(stat -c %s "$dir/$file")
	if [ "$size" -gt "$best_size" ]; then
		best=$dir best_size=$size
	fi
done
[ -n "$best" ] || exit 0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# least_ms COMMAND...: the least wall time of three runs, in ms.
least_ms() {
	local best_ns='' start end _
	for _ in 1 2 3; do
		start=$(date +%s%N)
		"$@" > /dev/null 2>&1 || true
		end=$(date +%s%N)
		if [ -z "$best_ns" ] || [ $((end - start)) -lt "$best_ns" ]; then
			best_ns=$((end - start))
		fi
	done
	awk -v ns="$best_ns" 'BEGIN { printf "%.3f", ns / 1e6 }'
}

# trc_pkt_lister writes its log where it runs.
cd "$tmp"
printf 'decode_cs.bytes\t%s\n' "$best_size"
printf 'decode_cs.elements\t%s\n' "$("$tool" --snapshot "$best" 2>/dev/null | grep -c '^Idx:')"
printf 'decode_cs.tp_decode.ms\t%s\n' "$(least_ms "$tool" --snapshot "$best")"
printf 'decode_cs.trc_pkt_lister.ms\t%s\n' \
	"$(least_ms trc_pkt_lister -ss_dir "$best" -decode_only -logstdout)"
echo "decoded $(basename "$best")" >&2
