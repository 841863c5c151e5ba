#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The time textpoke-attach takes to load the agent into a running program
# of four busy threads, and what a control request costs afterwards.
#
#   bench/attach.sh TOOLS_DIR TARGET AGENT
#
# TOOLS_DIR holds textpoke-attach and textpoke-ctl; TARGET is a program
# built with the ftrace flags that says "ready" and runs until its stdin
# ends (selftests/ctl/attach_target) and has a function ctl_work; AGENT
# the agent to load.  Prints
# metric<TAB>value lines, milliseconds:
#   attach.inject.ms   seize to detach, as textpoke-attach counts it
#   attach.total.ms    the whole command (its start, the ELF read, checks)
#   ctl.status.ms      one status request, connection to reply
#   ctl.trace.ms       trace one function and untrace it, per request
set -euo pipefail

tools=$1 target=$2 agent=$3
tmp=$(mktemp -d)
coproc TARGET { exec "$target"; }
trap 'exec {TARGET[1]}>&- 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
read -r ready <&"${TARGET[0]}"
[ "$ready" = ready ] || { echo "attach.sh: the target did not start" >&2; exit 1; }
pid=$TARGET_PID

now_ns() { date +%s%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e6 }'; }

t0=$(now_ns)
"$tools/textpoke-attach" --agent "$agent" "$pid" > /dev/null 2> "$tmp/err"
t1=$(now_ns)
inject=$(sed -n 's/.* in \([0-9.]*\) ms$/\1/p' "$tmp/err")
printf 'attach.inject.ms\t%s\n' "$inject"
printf 'attach.total.ms\t%s\n' "$(ms "$t0" "$t1")"

t0=$(now_ns)
for _ in 1 2 3 4 5 6 7 8 9 10; do
	"$tools/textpoke-ctl" "$pid" status > /dev/null
done
t1=$(now_ns)
printf 'ctl.status.ms\t%s\n' "$(awk -v m="$(ms "$t0" "$t1")" 'BEGIN { printf "%.3f", m / 10 }')"

t0=$(now_ns)
for _ in 1 2 3 4 5; do
	"$tools/textpoke-ctl" "$pid" trace ctl_work > /dev/null
	"$tools/textpoke-ctl" "$pid" untrace ctl_work > /dev/null
done
t1=$(now_ns)
printf 'ctl.trace.ms\t%s\n' "$(awk -v m="$(ms "$t0" "$t1")" 'BEGIN { printf "%.3f", m / 10 }')"
"$tools/textpoke-ctl" "$pid" stop > /dev/null
