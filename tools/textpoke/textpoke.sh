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
#   textpoke decode ARGS...           a hardware trace of changing code (tp-decode)
#   textpoke help | --help | --version
#
# The build puts the library's version in place of @VERSION@.
set -u

version='@VERSION@'

usage() {
	echo "usage: textpoke COMMAND [ARGUMENT...]"
	sed -n 's/^#   textpoke/  textpoke/p' "$0"
}

[ $# -ge 1 ] || { usage >&2; exit 2; }
cmd=$1
shift
case $cmd in
sites)		tool=textpoke-sites ;;
events)		tool=tp-perf; set -- script "$@" ;;
inject|format)	tool=tp-perf; set -- "$cmd" "$@" ;;
graph)		tool=tp-graph ;;
decode)		tool=tp-decode ;;
help|-h|--help)	usage; exit 0 ;;
--version)	echo "textpoke (textpoke) $version"; exit 0 ;;
*)		echo "textpoke: unknown command '$cmd'" >&2; usage >&2; exit 2 ;;
esac

# The tools sit beside this script, installed or in the build's bin/.
here=$(dirname "$0")
if [ -x "$here/$tool" ]; then
	exec "$here/$tool" "$@"
fi
if command -v "$tool" >/dev/null 2>&1; then
	exec "$tool" "$@"
fi
echo "textpoke: '$tool' is not built here (make tools, natively for tp-perf)" >&2
exit 127
