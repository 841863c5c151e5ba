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
#   TP_RUNNER  the emulator that runs them (qemu-user), when not native:
#              the program is recorded through it (--force: the emulator
#              is the ELF file record sees) and does not exec itself
set -u
bin=${TP_BIN:?} agent=${TP_AGENT:?} prog=${TP_PROG:?} dso=${TP_DSO:?} untraced=${TP_UNTRACED:?}
runner=${TP_RUNNER:-}
tp=$bin/textpoke
# record_args: what record runs, through the emulator if there is one.
rec() {
	local opts=()
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	if [ -n "$runner" ]; then
		# shellcheck disable=SC2086
		TP_NO_EXEC=1 timeout 120 "$tp" record --force "${opts[@]}" -- $runner "$@"
	else
		timeout 60 "$tp" record "${opts[@]}" -- "$@"
	fi
}
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# named FUNCTION: the word anywhere in $work/out.
named() { grep -qw -- "$1" "$work/out"; }

all_funcs="main worker_thread thread_work leaf child_work exec_work load_dso dso_entry dso_leaf"
d=$work/data
if rec --agent "$agent" -d "$d" -- "$prog" "$dso" >"$work/prog.out" 2>"$work/out"; then
	ok "record exits with the program's status"
else
	not_ok "record exits with the program's status"
fi
grep -q "tracing .* functions" "$work/out" && ok "record says what it traced" ||
	not_ok "record says what it traced"
# Under qemu the host's loader complains of the foreign agent: not shown.
sed -i '/ERROR: ld.so: object .* cannot be preloaded/d' "$work/out"
# The program's own output is unchanged by tracing.
# (natively the exec'd image prints once more, spawned: posix_spawn)
spawned=$([ -n "$runner" ] || echo "exec 25 ")
want="child 12 dso 43 exec 25 ${spawned}thread 2 thread 4 "
if [ "$(sort "$work/prog.out" | tr '\n' ' ')" = "$want" ]; then
	ok "the program's output is its own"
else
	cp "$work/prog.out" "$work/out"; not_ok "the program's output is its own"
fi

timeout 60 "$tp" replay "$d" >"$work/out" 2>&1 || not_ok "textpoke replay exits 0"
has "textpoke replay shows every path" $all_funcs
# 1 main thread, 2 threads, the forked child (also the exec'd image) and,
# natively, the spawned child: its environment lost the agent's variables
# and the agent's posix_spawn() put them back.
want=$([ -n "$runner" ] && echo 4 || echo 5)
threads=$(grep -c '^# thread' "$work/out")
[ "$threads" = "$want" ] && ok "textpoke replay shows $want threads" ||
	not_ok "textpoke replay shows $want threads, not $threads"

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
rec -q --agent "$agent" -d "$work/n" -N 'leaf' -N 'dso_*' -- "$prog" "$dso" >/dev/null 2>&1
"$tp" replay "$work/n" >"$work/out" 2>&1
has "-N keeps the others" main thread_work child_work exec_work load_dso
lacks "-N leaves out what it names" leaf dso_leaf dso_entry
rec -q --agent "$agent" -d "$work/f" -F '*_work' -- "$prog" >/dev/null 2>&1
"$tp" replay "$work/f" >"$work/out" 2>&1
has "-F traces what it names" thread_work child_work exec_work
lacks "-F traces nothing else" main leaf worker_thread
rec -q --agent "$agent" -d "$work/dep" -D 1 -- "$prog" >/dev/null 2>&1
"$tp" replay "$work/dep" >"$work/out" 2>&1
has "-D 1 keeps the outermost calls" main worker_thread
lacks "-D 1 leaves out deeper ones" thread_work leaf child_work
rec -q --agent "$agent" -d "$work/t" -t 10s -- "$prog" >/dev/null 2>&1
"$tp" replay "$work/t" >"$work/out" 2>&1
lacks "-t 10s leaves out every shorter call" main leaf thread_work

# Bad input.
"$tp" record --agent "$agent" -d "$work/u" -- "$untraced" >"$work/out" 2>&1
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

finish record_test
