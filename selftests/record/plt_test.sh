#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Calls into shared objects through the PLT, recorded by textpoke record
# (plt_prog.c): libc's functions and those of a library built without
# the flags must be named by uftrace and textpoke replay, nested where
# they were called (the program's callback inside qsort), each call
# once; not at all with --no-libcall; filtered by -F, -N and -D like
# the program's own functions; through a GOT bound lazily while 4
# threads call, and through one bound at load and read-only (RELRO),
# which must be read-only again afterwards; and C++ exceptions thrown
# through them must be caught where they were.  Exits 0 when all hold.
#
#   TP_BIN       the build's bin/ (textpoke)
#   TP_AGENT     libtextpoke-agent.so of this arch
#   TP_PROG      plt_prog.c built with the ftrace flags, lazily bound
#   TP_PROG_NOW  the same, linked with -z now -z relro
#   TP_PROG_THROW plt_throw.cc built with the ftrace flags
#   TP_PLT_DSO   plt_dso.c built with the ftrace flags, which TP_PROG dlopen()s
#   TP_RUNNER    the emulator of a foreign arch, when not native
set -u
bin=${TP_BIN:?} agent=${TP_AGENT:?} prog=${TP_PROG:?} prog_now=${TP_PROG_NOW:?}
prog_throw=${TP_PROG_THROW:?} plt_dso=${TP_PLT_DSO:?}
tp=$bin/textpoke
runner=${TP_RUNNER:-}
arch=$(uname -m)
case $runner in
"") ;;
*aarch64*) arch=aarch64 ;;
*riscv64*) arch=riscv64 ;;
*) arch=other ;;
esac
case $arch in
x86_64 | aarch64 | riscv64) ;;
*) echo "ok 1 plt_test # SKIP calls at the PLT are traced on x86-64 and arm64 only"; exit 0 ;;
esac
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# named FUNCTION: called in $work/out (replay and uftrace print "f()").
named() { grep -q -- "[^a-z_]$1()" "$work/out"; }

# count WHAT FUNCTION N: FUNCTION's calls in $work/out, once a line.
count() {
	local n
	n=$(grep -c -- "[^a-z_]$2()" "$work/out")
	[ "$n" = "$3" ] && ok "$1" || not_ok "$1: $n, not $3"
}

# call NAME: how a call of NAME is printed; "NAME()" unless NAME has its
# parameters already (C++ names, demangled by textpoke replay).
call() { case $1 in *"("*) echo "$1" ;; *) echo "$1()" ;; esac; }

# nested WHAT OUTER INNER: the line after "OUTER() {" calls INNER, deeper.
nested() {
	if awk -v outer="$(call "$2") {" -v inner="$(call "$3")" '
		found { exit !(index($0, inner) > col) }
		(col = index($0, outer)) { found = 1 }
		END { if (!found) exit 1 }' "$work/out"; then
		ok "$1"
	else
		not_ok "$1"
	fi
}

# sibling WHAT FIRST SECOND: "SECOND()" starts where "FIRST() {" does.
sibling() {
	local a b
	a=$(awk -v f="$(call "$2") {" 'index($0, f) { print index($0, f); exit }' "$work/out")
	b=$(awk -v f=" $(call "$3")" 'index($0, f) { print index($0, f) + 1; exit }' "$work/out")
	[ -n "$a" ] && [ "$a" = "$b" ] && ok "$1" || not_ok "$1 ($a, $b)"
}

# rec OPTION... -- PROG ARG...: through the emulator, if there is one.
rec() {
	local opts=()
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	if [ -n "$runner" ]; then
		# shellcheck disable=SC2086
		timeout 120 "$tp" record -q --force --agent "$agent" "${opts[@]}" -- $runner "$@"
	else
		timeout 60 "$tp" record -q --agent "$agent" "${opts[@]}" -- "$@"
	fi
}

plt_funcs="malloc qsort puts plt_twice free printf"
want=$(printf 'sorted\nwork 12')
d=$work/data
rec -d "$d" -- "$prog" >"$work/prog.out" 2>"$work/out" || not_ok "record exits 0"
[ "$(cat "$work/prog.out")" = "$want" ] && ok "the program's output is its own" ||
	{ cp "$work/prog.out" "$work/out"; not_ok "the program's output is its own"; }

timeout 60 "$tp" replay "$d" >"$work/out" 2>&1 || not_ok "textpoke replay exits 0"
has "textpoke replay names the calls through the PLT" $plt_funcs
has "textpoke replay keeps the program's functions" main work cmp call_lib
nested "textpoke replay nests the callback inside qsort" qsort cmp
nested "textpoke replay nests the library's function in its caller" call_lib plt_twice
count "textpoke replay shows each call once" plt_twice 3
count "a linked object's function built with the flags is seen once" plt_dso_entry 1
sibling "textpoke replay returns from qsort before puts" qsort puts
lacks "an object built without the flags: its own calls are not traced" getpid

if command -v uftrace >/dev/null; then
	timeout 60 uftrace replay -d "$d" >"$work/out" 2>&1 || not_ok "uftrace replay exits 0"
	has "uftrace replay names the calls through the PLT" $plt_funcs
	nested "uftrace replay nests the callback inside qsort" qsort cmp
	nested "uftrace replay nests the library's function in its caller" call_lib plt_twice
	count "uftrace replay shows each call once" plt_twice 3
	timeout 60 uftrace dump -d "$d" >"$work/out" 2>&1 || not_ok "uftrace dump exits 0"
	qd=$(sed -n 's/.*\[entry\] qsort(.*depth: \([0-9]*\)$/\1/p' "$work/out" | head -n 1)
	cd=$(sed -n 's/.*\[entry\] cmp(.*depth: \([0-9]*\)$/\1/p' "$work/out" | head -n 1)
	[ -n "$qd" ] && [ "$cd" = $((qd + 1)) ] && ok "uftrace dump: the callback one deeper than qsort" ||
		not_ok "uftrace dump: the callback one deeper than qsort ($qd, $cd)"
	lacks "uftrace replay resolves every address" '<[0-9a-f]*>'
	timeout 60 uftrace report -d "$d" >"$work/out" 2>&1 || not_ok "uftrace report exits 0"
	missing=
	for f in qsort puts plt_twice; do
		grep -qw -- "$f" "$work/out" || missing="$missing $f"
	done
	[ -z "$missing" ] && ok "uftrace report counts the calls through the PLT" ||
		not_ok "uftrace report counts the calls through the PLT: missing$missing"
else
	echo "ok uftrace checks # SKIP uftrace is not installed (scripts/bootstrap.sh installs it)"
fi


# A shared object built with the flags, loaded later: its calls too.
rec -d "$work/dl" -- "$prog" dlopen "$plt_dso" >"$work/prog.out" 2>"$work/out" ||
	not_ok "record of the dlopen exits 0"
grep -qx "dso 42" "$work/prog.out" && ok "the loaded object's output is its own" ||
	{ cp "$work/prog.out" "$work/out"; not_ok "the loaded object's output is its own"; }
"$tp" replay "$work/dl" >"$work/out" 2>&1
nested "the calls of an object loaded later are traced, nested" plt_dso_entry strtol

# Off: only the program's functions.
rec --no-libcall -d "$work/off" -- "$prog" >/dev/null 2>&1
"$tp" replay "$work/off" >"$work/out" 2>&1
lacks "--no-libcall leaves the calls through the PLT out" $plt_funcs
has "--no-libcall keeps the program's functions" main work cmp call_lib

# The filters apply to them as to the program's functions.
rec -N puts -N 'plt_*' -d "$work/n" -- "$prog" >/dev/null 2>&1
"$tp" replay "$work/n" >"$work/out" 2>&1
lacks "-N leaves out the library functions it names" puts plt_twice
has "-N keeps the other calls" qsort malloc main
rec -F 'plt_*' -d "$work/f" -- "$prog" >/dev/null 2>&1
"$tp" replay "$work/f" >"$work/out" 2>&1
has "-F traces the library functions it names" plt_twice
lacks "-F traces nothing else" puts qsort main
rec -D 2 -d "$work/dep" -- "$prog" >/dev/null 2>&1
"$tp" replay "$work/dep" >"$work/out" 2>&1
has "-D 2 keeps calls at depth 1" main work printf
lacks "-D 2 leaves out the deeper calls" qsort cmp plt_twice

# Bound at load, in a read-only GOT: hooked, and read-only again.
rec -d "$work/now" -- "$prog_now" relro >"$work/prog.out" 2>"$work/out" ||
	not_ok "record of a BIND_NOW program exits 0"
grep -qx "relro read-only" "$work/prog.out" && ok "the RELRO GOT is read-only again" ||
	{ cp "$work/prog.out" "$work/out"; not_ok "the RELRO GOT is read-only again"; }
"$tp" replay "$work/now" >"$work/out" 2>&1
has "BIND_NOW: the calls through the PLT are named" $plt_funcs
count "BIND_NOW: each call once" plt_twice 3

# Four threads call through a slot still lazily bound.
rec -d "$work/thr" -- "$prog" threads >"$work/prog.out" 2>"$work/out" ||
	not_ok "record of the threads exits 0"
grep -qx "threads 8000 counted 8000" "$work/prog.out" && ok "every thread's calls returned" ||
	{ cp "$work/prog.out" "$work/out"; not_ok "every thread's calls returned"; }
"$tp" replay "$work/thr" >"$work/out" 2>&1 || not_ok "textpoke replay of the threads exits 0"
n=$(grep -c -- ' plt_count()' "$work/out")
# worker (0) -> thread_calls (1) -> plt_count (2): two spaces a level
nested=$(grep -c -- '^ *[0-9]*) .*|      plt_count()' "$work/out")
# Calls made in the moment between the binding and the hook going back
# are not seen; any other is, once, inside thread_calls().
if [ "$n" -le 8000 ] && [ "$n" -ge 7000 ] && [ "$nested" = "$n" ]; then
	ok "the threads' calls are seen once, nested ($n of 8000)"
else
	not_ok "the threads' calls are seen once, nested ($n of 8000, $nested nested)"
fi
threads=$(grep -c '^# thread' "$work/out")
[ "$threads" = 5 ] && ok "4 threads and main recorded" || not_ok "4 threads and main recorded, not $threads"

# A signal handler's calls through the PLT, at any moment of the others.
rec -d "$work/sig" -- "$prog" signals >"$work/prog.out" 2>"$work/out" ||
	not_ok "record of the signals exits 0"
grep -qx "signals ok" "$work/prog.out" && ok "calls in signal handlers return where they should" ||
	{ cp "$work/prog.out" "$work/out"; not_ok "calls in signal handlers return where they should"; }
if "$tp" replay "$work/sig" >"$work/out" 2>&1 && grep -q ' plt_count()' "$work/out"; then
	ok "the recording with signals reads back"
else
	not_ok "the recording with signals reads back"
fi
grep -q '^ *[0-9]*) .*|  } /\* main \*/' "$work/out" && ok "signals: main returns at depth 0" ||
	not_ok "signals: main returns at depth 0"
grep -q ' plt_twice()' "$work/out" && ok "signals: the handler's calls through the PLT are recorded" ||
	not_ok "signals: the handler's calls through the PLT are recorded"
if command -v uftrace >/dev/null; then
	timeout 60 uftrace dump -d "$work/sig" >"$work/out" 2>&1
	if grep -q 'inverted time' "$work/out"; then
		not_ok "signals: the times of the records never go back"
	else
		ok "signals: the times of the records never go back"
	fi
fi

# Exceptions thrown through calls traced at the PLT: the unwinder finds
# the callers' return addresses, and the graph stays nested after them.
rec -d "$work/exc" -- "$prog_throw" >"$work/prog.out" 2>"$work/out" ||
	not_ok "record of a program that throws exits 0"
if [ "$(cat "$work/prog.out")" = "$(printf 'caught 4\nafter')" ]; then
	ok "exceptions through calls at the PLT are caught"
else
	cp "$work/prog.out" "$work/out"; not_ok "exceptions through calls at the PLT are caught"
fi
"$tp" replay "$work/exc" >"$work/out" 2>&1
if [ "$arch" = x86_64 ]; then
	has "the calls that threw are recorded" qsort cmp_throw
	nested "the graph is nested after the exceptions" "after(int)" printf
	sibling "the graph is nested after the exceptions: qsort returned" qsort "after(int)"
else
	# The swapped return address is the callee's to keep: not put back
	# for an unwinder, so a C++ program's calls at the PLT are not traced.
	has "the program's functions of a C++ program are recorded" cmp_throw
	lacks "a C++ program's calls at the PLT are not traced on $arch" qsort
fi
grep -q '^ *[0-9]*) .*|  } /\* main \*/' "$work/out" && ok "main returns at depth 0" ||
	not_ok "main returns at depth 0"

finish plt_test
