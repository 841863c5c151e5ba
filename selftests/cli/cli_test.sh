#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The textpoke command in $TP_BIN: each subcommand reaches its tool, and
# bad usage and bad files give their exit status.  Exits 0 when all hold.
set -u
bin=${TP_BIN:?set TP_BIN to the bin directory of a build}
tp=$bin/textpoke
fails=0

expect() {	# expect STATUS DESCRIPTION COMMAND...
	local want=$1 what=$2 got
	shift 2
	"$@" >/tmp/tp-cli.$$ 2>&1
	got=$?
	if [ "$got" = "$want" ]; then
		echo "ok $what"
	else
		echo "not ok $what: exit $got, not $want"; sed 's/^/    /' /tmp/tp-cli.$$
		fails=$((fails + 1))
	fi
}

expect 0 "help" "$tp" help
expect 2 "no command" "$tp"
expect 2 "unknown command" "$tp" frobnicate
expect 0 "sites of a file with patch sites" "$tp" sites "$bin/textpoke-sites"
expect 1 "graph of a file that is not a recording" "$tp" graph "$tp"
expect 2 "graph without a file" "$tp" graph
if [ -x "$bin/tp-perf" ]; then
	expect 0 "format" "$tp" format pre
	expect 1 "events of a file that is not a perf.data" "$tp" events "$tp"
fi
if [ -x "$bin/tp-decode" ]; then
	expect 2 "decode without a trace" "$tp" decode
	expect 1 "decode with a binary that is not ELF" "$tp" decode -t "$tp" -c "$tp" -b "$tp"
fi
rm -f /tmp/tp-cli.$$
[ "$fails" = 0 ]
