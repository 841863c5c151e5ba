#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# textpoke record and replay on a program that starts threads, forks,
# exec's itself and dlopen()s a shared object (prog.c), natively: the
# data directory read back by uftrace (replay, graph, report, dump
# --chrome, where uftrace is installed) and by textpoke replay must show
# every function of every path; the filters must leave out what they
# name; bad input must be refused with a clear message.  Exits 0 when
# all hold.
#
#   TP_BIN     the build's bin/ (textpoke, tp-record, tp-replay)
#   TP_AGENT   libtextpoke-agent.so of this arch
#   TP_PROG    prog.c built with the ftrace flags, TP_DSO dso.c, TP_UNTRACED untraced.c
set -u
bin=${TP_BIN:?} agent=${TP_AGENT:?} prog=${TP_PROG:?} dso=${TP_DSO:?} untraced=${TP_UNTRACED:?}
tp=$bin/textpoke
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0

ok() { echo "ok $1"; }
not_ok() { echo "not ok $1"; sed 's/^/    /' "$work/out" | head -n 40; fails=$((fails + 1)); }

# has WHAT FUNCTION...: each function is named in $work/out.
has() {
	local what=$1 f missing=
	shift
	for f in "$@"; do
		grep -qw -- "$f" "$work/out" || missing="$missing $f"
	done
	if [ -z "$missing" ]; then ok "$what"; else not_ok "$what: missing$missing"; fi
}

lacks() {
	local what=$1 f found=
	shift
	for f in "$@"; do
		grep -qw -- "$f" "$work/out" && found="$found $f"
	done
	if [ -z "$found" ]; then ok "$what"; else not_ok "$what: has$found"; fi
}

all_funcs="main worker_thread thread_work leaf child_work exec_work load_dso dso_entry dso_leaf"
d=$work/data
if timeout 60 "$tp" record --agent "$agent" -d "$d" -- "$prog" "$dso" >"$work/prog.out" 2>"$work/out"; then
	ok "record exits with the program's status"
else
	not_ok "record exits with the program's status"
fi
grep -q "tracing .* functions" "$work/out" && ok "record says what it traced" ||
	not_ok "record says what it traced"
# The program's own output is unchanged by tracing.
if [ "$(sort "$work/prog.out" | tr '\n' ' ')" = "child 12 dso 43 exec 25 thread 2 thread 4 " ]; then
	ok "the program's output is its own"
else
	cp "$work/prog.out" "$work/out"; not_ok "the program's output is its own"
fi

timeout 60 "$tp" replay "$d" >"$work/out" 2>&1 || not_ok "textpoke replay exits 0"
has "textpoke replay shows every path" $all_funcs
# 1 main thread, 2 threads, the forked child (also the exec'd image)
threads=$(grep -c '^# thread' "$work/out")
[ "$threads" = 4 ] && ok "textpoke replay shows 4 threads" || not_ok "textpoke replay shows 4 threads, not $threads"

if command -v uftrace >/dev/null; then
	timeout 60 uftrace replay -d "$d" >"$work/out" 2>&1 || not_ok "uftrace replay exits 0"
	has "uftrace replay shows every path" $all_funcs
	lacks "uftrace replay resolves every address" '<[0-9a-f]*>'
	timeout 60 uftrace graph -d "$d" >"$work/out" 2>&1 || not_ok "uftrace graph exits 0"
	has "uftrace graph shows every path" $all_funcs
	timeout 60 uftrace report -d "$d" >"$work/out" 2>&1 || not_ok "uftrace report exits 0"
	has "uftrace report counts every function" $all_funcs
	timeout 60 uftrace dump --chrome -d "$d" >"$work/out" 2>&1 || not_ok "uftrace dump exits 0"
	has "uftrace dump --chrome names every function" $all_funcs
	timeout 60 uftrace info -d "$d" >"$work/out" 2>&1 || not_ok "uftrace info exits 0"
	has "uftrace info names the program" "$(basename "$prog")"
else
	echo "ok uftrace checks # SKIP uftrace is not installed (scripts/bootstrap.sh installs it)"
fi

# The filters: -N leaves out, -F keeps only, -D cuts depth.
timeout 60 "$tp" record -q --agent "$agent" -d "$work/n" -N 'leaf' -N 'dso_*' -- "$prog" "$dso" \
	>/dev/null 2>&1
"$tp" replay "$work/n" >"$work/out" 2>&1
has "-N keeps the others" main thread_work child_work exec_work load_dso
lacks "-N leaves out what it names" leaf dso_leaf dso_entry
timeout 60 "$tp" record -q --agent "$agent" -d "$work/f" -F '*_work' -- "$prog" >/dev/null 2>&1
"$tp" replay "$work/f" >"$work/out" 2>&1
has "-F traces what it names" thread_work child_work exec_work
lacks "-F traces nothing else" main leaf worker_thread
timeout 60 "$tp" record -q --agent "$agent" -d "$work/dep" -D 1 -- "$prog" >/dev/null 2>&1
"$tp" replay "$work/dep" >"$work/out" 2>&1
has "-D 1 keeps the outermost calls" main worker_thread
lacks "-D 1 leaves out deeper ones" thread_work leaf child_work
timeout 60 "$tp" record -q --agent "$agent" -d "$work/t" -t 10s -- "$prog" >/dev/null 2>&1
"$tp" replay "$work/t" >"$work/out" 2>&1
lacks "-t 10s leaves out every shorter call" main leaf thread_work

# Bad input.
"$tp" record -d "$work/u" -- "$untraced" >"$work/out" 2>&1
rc=$?
if [ "$rc" = 2 ] && grep -q "ftrace_cflags" "$work/out"; then
	ok "record refuses a program without the flags and names them"
else
	not_ok "record refuses a program without the flags and names them (exit $rc)"
fi
"$tp" replay "$work/nowhere" >"$work/out" 2>&1
[ $? = 1 ] && ok "replay of a missing directory fails" || not_ok "replay of a missing directory fails"
cp -r "$d" "$work/bad"
for f in "$work"/bad/*.dat; do printf 'garbage-garbage!' >> "$f"; done
"$tp" replay "$work/bad" >"$work/out" 2>&1
rc=$?
if [ "$rc" = 1 ] && grep -q "bad record" "$work/out"; then
	ok "replay refuses a corrupt record"
else
	not_ok "replay refuses a corrupt record (exit $rc)"
fi
"$tp" record --depth=x -- "$prog" >"$work/out" 2>&1
[ $? = 2 ] && ok "record refuses a bad depth" || not_ok "record refuses a bad depth"

echo "# record_test: $fails failed"
[ "$fails" = 0 ]
