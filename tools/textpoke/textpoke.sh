#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# textpoke: one command for textpoke's tools (docs/textpoke.1).
#
#   textpoke sites FILE...            patch sites of ELF files (textpoke-sites)
#   textpoke events PERF_DATA         every PRE/POST event of a perf.data (tp-perf script)
#   textpoke inject -i P -t T -o OUT  merge the library's events into perf's file (tp-perf)
#   textpoke format pre|post          the events' traceevent format (tp-perf)
#   textpoke graph FILE               a graph recording as a call graph (tp-graph)
#   textpoke record [OPT] -- PROG...  trace PROG into a uftrace data directory (tp-record)
#   textpoke replay [DIR]             print a data directory as a call graph (tp-replay)
#   textpoke decode ARGS...           a hardware trace of changing code (tp-decode)
#   textpoke live [--agent SO] [--no-libcall] -- PROG ARGS   run PROG untraced, with a control socket
#   textpoke ctl PID trace|untrace GLOB|status|stop   change what PID traces (textpoke-ctl)
#   textpoke attach PID [OPTIONS]     load the agent into running PID (textpoke-attach)
#   textpoke help | --help | --version
#
# The build puts the library's version in place of @VERSION@.
set -u

version='@VERSION@'

usage() {
	echo "usage: textpoke COMMAND [ARGUMENT...]"
	sed -n 's/^#   textpoke/  textpoke/p' "$0"
}

here=$(dirname "$0")

# The agent: $TEXTPOKE_AGENT, beside the commands, in the build tree
# (bin/../ARCH/tools/agent/), else where make install puts it
# (bin/../lib[/TRIPLE]/textpoke/).  Preloaded by path: it is not in the
# dynamic loader's search path.
find_agent() {
	m=$(uname -m)
	arch=$(echo "$m" | sed -e 's/^x86_64$/x86/' -e 's/^aarch64$/arm64/' -e 's/^riscv64$/riscv/')
	for a in ${TEXTPOKE_AGENT:+"$TEXTPOKE_AGENT"} "$here/libtextpoke-agent.so" \
		 "$here/../$arch/tools/agent/libtextpoke-agent.so" \
		 "$here/../lib/$m-linux-gnu/textpoke/libtextpoke-agent.so" \
		 "$here/../lib/textpoke/libtextpoke-agent.so"; do
		[ -f "$a" ] && { echo "$a"; return 0; }
	done
	echo "textpoke: cannot find libtextpoke-agent.so (set TEXTPOKE_AGENT or use --agent)" >&2
	return 1
}

# live: the program itself (same pid), the agent preloaded, tracing off,
# the control server on; textpoke ctl PID then says what to trace.
live() {
	agent='' plt=1
	while [ $# -gt 0 ]; do
		case $1 in
		--agent)	[ $# -ge 2 ] || { usage >&2; exit 2; }; agent=$2; shift 2 ;;
		--agent=*)	agent=${1#--agent=}; shift ;;
		# ctl trace GLOB hooks the PLT calls GLOB names too, unless told not to
		--no-libcall|--no-plt)	plt=0; shift ;;
		-h|--help)	echo "usage: textpoke live [--agent SO] [--no-libcall] -- PROG [ARG...]"; exit 0 ;;
		--)		shift; break ;;
		-*)		echo "textpoke live: unknown option '$1'" >&2; exit 2 ;;
		*)		break ;;
		esac
	done
	[ $# -ge 1 ] || { echo "usage: textpoke live [--agent SO] [--no-libcall] -- PROG [ARG...]" >&2; exit 2; }
	[ -n "$agent" ] || agent=$(find_agent) || exit 1
	case $agent in
	*/*)	case $agent in /*) ;; *) agent=$(pwd)/$agent ;; esac
		[ -f "$agent" ] || { echo "textpoke live: no agent '$agent'" >&2; exit 1; } ;;
	esac
	echo "textpoke live: pid $$: textpoke ctl $$ trace GLOB | untrace GLOB | status | stop" >&2
	LD_PRELOAD=$agent${LD_PRELOAD:+:$LD_PRELOAD} TEXTPOKE_LIVE=1 TEXTPOKE_CTL=1 \
		TEXTPOKE_PLT=$plt exec "$@"
	exit 127
}

[ $# -ge 1 ] || { usage >&2; exit 2; }
cmd=$1
shift
case $cmd in
sites)		tool=textpoke-sites ;;
events)		tool=tp-perf; set -- script "$@" ;;
inject|format)	tool=tp-perf; set -- "$cmd" "$@" ;;
graph)		tool=tp-graph ;;
record)		tool=tp-record ;;
replay)		tool=tp-replay ;;
decode)		tool=tp-decode ;;
live)		live "$@" ;;
ctl)		tool=textpoke-ctl ;;
attach)		tool=textpoke-attach ;;
help|-h|--help)	usage; exit 0 ;;
--version)	echo "textpoke (textpoke) $version"; exit 0 ;;
*)		echo "textpoke: unknown command '$cmd'" >&2; usage >&2; exit 2 ;;
esac

# The tools sit beside this script, installed or in the build's bin/.
if [ -x "$here/$tool" ]; then
	exec "$here/$tool" "$@"
fi
if command -v "$tool" >/dev/null 2>&1; then
	exec "$tool" "$@"
fi
echo "textpoke: '$tool' is not built here (make tools, natively for tp-perf)" >&2
exit 127
