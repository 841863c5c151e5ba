#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The textpoke command in $TP_BIN: each subcommand reaches its tool, and
# bad usage and bad files give their exit status.  Every command there
# (the textpoke command and each tool beside it) answers --help on
# stdout, --version with the library's version $TP_VERSION, and a bad
# option with status 2 and nothing on stdout; its man page (in $TP_MAN,
# docs/ by default) documents all three.  Exits 0 when all hold.
set -u
bin=${TP_BIN:?set TP_BIN to the bin directory of a build}
version=${TP_VERSION:?set TP_VERSION to the library version}
man=${TP_MAN:-$(dirname "$0")/../../docs}
tp=$bin/textpoke
fails=0
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

expect() {	# expect STATUS DESCRIPTION COMMAND...
	local want=$1 what=$2 got
	shift 2
	"$@" >"$out" 2>&1
	got=$?
	if [ "$got" = "$want" ]; then
		echo "ok $what"
	else
		echo "not ok $what: exit $got, not $want"; sed 's/^/    /' "$out"
		fails=$((fails + 1))
	fi
}

fail() {	# fail DESCRIPTION REASON: report, with what the command printed
	echo "not ok $1: $2"
	sed 's/^/    stdout: /' "$out"
	sed 's/^/    stderr: /' "$err"
	fails=$((fails + 1))
}

# expect_out STATUS STDOUT STDERR DESCRIPTION COMMAND...: the exit status,
# and whether each stream must be empty ("empty") or not ("text").
expect_out() {
	local want=$1 want_out=$2 want_err=$3 what=$4 got
	shift 4
	"$@" </dev/null >"$out" 2>"$err"
	got=$?
	if [ "$got" != "$want" ]; then
		fail "$what" "exit $got, not $want"
	elif [ "$want_out" = empty ] && [ -s "$out" ] || [ "$want_out" = text ] && [ ! -s "$out" ]; then
		fail "$what" "stdout should be $want_out"
	elif [ "$want_err" = empty ] && [ -s "$err" ] || [ "$want_err" = text ] && [ ! -s "$err" ]; then
		fail "$what" "stderr should be $want_err"
	else
		echo "ok $what"
	fi
}

# The conventions, for every command installed beside textpoke.
for cmd in "$bin"/*; do
	name=$(basename "$cmd")
	[ -x "$cmd" ] || continue
	expect_out 0 text empty "$name --help" "$cmd" --help
	if [ -s "$out" ] && ! head -n1 "$out" | grep -q "^usage: $name"; then
		fail "$name --help starts with 'usage: $name'" "it does not"
	fi
	expect_out 0 text empty "$name --version" "$cmd" --version
	if [ -s "$out" ] && [ "$(cat "$out")" != "$name (textpoke) $version" ]; then
		fail "$name --version is '$name (textpoke) $version'" "it is not"
	fi
	expect_out 2 empty text "$name with an unknown option" "$cmd" --no-such-option
	page=$man/$name.1
	if [ ! -f "$page" ]; then
		echo "not ok $name has a man page: no $page"
		fails=$((fails + 1))
		continue
	fi
	for option in help version; do
		if grep -q -- "^\\.B.*\\\\-\\\\-$option" "$page"; then
			echo "ok $name(1) documents --$option"
		else
			echo "not ok $name(1) documents --$option"
			fails=$((fails + 1))
		fi
	done
	if grep -q '^\.SH EXIT STATUS' "$page"; then
		echo "ok $name(1) documents its exit status"
	else
		echo "not ok $name(1) documents its exit status"
		fails=$((fails + 1))
	fi
done

expect 0 "help" "$tp" help
expect 2 "no command" "$tp"
expect 2 "unknown command" "$tp" frobnicate
expect 0 "sites of a file with patch sites" "$tp" sites "$bin/textpoke-sites"
expect 1 "sites of a file that is not ELF" "$tp" sites "$tp"
expect 1 "graph of a file that is not a recording" "$tp" graph "$tp"
expect 2 "graph without a file" "$tp" graph
if [ -x "$bin/tp-perf" ]; then
	expect 0 "format" "$tp" format pre
	expect 1 "events of a file that is not a perf.data" "$tp" events "$tp"
fi
if [ -x "$bin/tp-decode" ]; then
	expect 2 "decode without a trace" "$tp" decode
	expect 1 "decode with a binary that is not ELF" "$tp" decode -t "$tp" -c "$tp" -b "$tp"
	expect 1 "decode a recording that is not a perf.data" "$tp" decode -i "$tp"
	expect 1 "decode a snapshot directory without snapshot.ini" "$tp" decode --snapshot "$bin"
	expect 2 "decode a snapshot and a raw trace at once" "$tp" decode --snapshot "$bin" -t "$tp"
	expect 2 "decode a trace ID out of range" "$tp" decode --snapshot "$bin" --id 0x80
fi
expect 2 "live without a program" "$tp" live --
expect 2 "live with an unknown option" "$tp" live --frobnicate -- true
expect 0 "live --no-libcall takes --help" "$tp" live --no-libcall --help
if [ -x "$bin/textpoke-ctl" ]; then
	expect 2 "ctl without a request" "$tp" ctl 1
	expect 2 "ctl with an unknown request" "$tp" ctl 1 frobnicate
	expect 2 "ctl with a glob that has a space" "$tp" ctl 1 trace "a b"
	expect 1 "ctl of a process without a control socket" "$tp" ctl $$ status
	expect 2 "ctl with a bad timeout" "$tp" ctl --timeout 5x 1 status
fi
if [ -x "$bin/textpoke-attach" ]; then
	expect 2 "attach without a pid" "$tp" attach
	expect 1 "attach to no process" "$tp" attach --agent "$tp" 999999999
	expect 2 "attach with a bad timeout" "$tp" attach --timeout 0 1
fi
[ "$fails" = 0 ]
