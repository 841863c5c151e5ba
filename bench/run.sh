#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Run the benchmarks of one architecture and keep their measurements for
# bench/report.py.  Natively every program runs RUNS times; under an
# emulator (--runner) only the counts are measured, once, since times
# there say nothing about the architecture.
#
#   bench/run.sh --arch ARCH --bin DIR --out DIR [--runs N]
#                [--runner CMD [--plugin QEMU_PLUGIN]]
#
# OUT/data.tsv      run<TAB>metric<TAB>value, every measurement
# OUT/machine.tsv   what it ran on: CPU, cores, kernel, tool versions and
#                   the ftrace flags (BENCH_FTRACE_CFLAGS, from make)
# OUT/log           everything the programs printed
set -euo pipefail

arch='' bin='' out='' runs=5 runner='' plugin=''
while [ $# -gt 0 ]; do
	case $1 in
	--arch) arch=$2; shift 2 ;;
	--bin) bin=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--runner) runner=$2; shift 2 ;;
	--plugin) plugin=$2; shift 2 ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
if [ -z "$arch" ] || [ -z "$bin" ] || [ -z "$out" ]; then
	echo "run.sh: --arch, --bin and --out are needed" >&2
	exit 2
fi
# The emulator's command line, one word an element.
read -ra run_in <<< "$runner"

sizes=(1000 10000 100000)
here=$(dirname "$0")
mkdir -p "$out"
data=$out/data.tsv
log=$out/log
: > "$data"
: > "$log"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

say() { printf '  %-8s %s\n' BENCH "$*"; }

# Run one program; keep its metric lines, tagged with run number $1.  A
# program that fails is reported and the others still run: the report
# shows n/a for what it did not measure.
measure() {
	local run=$1
	shift
	echo "== run $run: $*" >> "$log"
	# shellcheck disable=SC2094 # both only append to the log
	if ! "$@" 2>> "$log" | tee -a "$log" |
		awk -v run="$run" -F '\t' 'NF == 2 && $1 ~ /^[a-z0-9_.]+$/ { print run "\t" $0 }' >> "$data"; then
		say "FAILED: $* (see $log)"
		echo "== FAILED: $*" >> "$log"
	fi
}

metric() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$data"; }

machine() {
	local cpu cores qemu
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
	cores=$(nproc)
	{
		printf 'arch\t%s\n' "$arch"
		printf 'cpu\t%s\n' "${cpu:-unknown}"
		printf 'cores\t%s\n' "$cores"
		printf 'kernel\t%s\n' "$(uname -r)"
		printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
		printf 'runs\t%s\n' "$([ -n "$runner" ] && echo 1 || echo "$runs")"
		printf 'gcc\t%s\n' "$(gcc -dumpfullversion 2>/dev/null || echo none)"
		printf 'clang\t%s\n' "$(clang --version 2>/dev/null |
			sed -n 's/.*clang version \([^ ]*\).*/\1/p' | head -n1)"
		printf 'ftrace_cflags\t%s\n' "${BENCH_FTRACE_CFLAGS:-}"
		if [ -n "$runner" ]; then
			qemu=$("${run_in[0]}" --version | head -n1)
			printf 'runner\t%s\n' "$runner"
			printf 'qemu\t%s\n' "$qemu"
		fi
		if command -v uftrace >/dev/null; then
			printf 'uftrace\t%s\n' "$(uftrace --version | head -n1)"
		fi
	} > "$out/machine.tsv"
}

# --- under an emulator: counts ------------------------------------------------

emulated() {
	local n
	say "$arch: engine counts under ${run_in[0]}"
	measure 1 "${run_in[@]}" "$bin/poke_bench" --counts
	measure 1 "$here/syscalls.sh" "$bin/poke_bench" "${run_in[@]}"
	for n in "${sizes[@]}"; do
		[ -x "$bin/ftrace_bench_$n" ] || continue
		say "$arch: ftrace counts, $n functions"
		measure 1 "${run_in[@]}" "$bin/ftrace_bench_$n" --counts "$n"
	done
	if [ -n "$plugin" ] && [ -x "$bin/ftrace_bench_1000" ]; then
		say "$arch: instructions per traced call (qemu plugin)"
		measure 1 "$here/insn_per_call.sh" "$plugin" "$bin/ftrace_bench_1000" 20000 \
			"${run_in[@]}"
		# qemu's default arm64 CPU has SVE (the trampoline that keeps
		# the Z and P registers): the same without, as most cores are.
		if [ "$arch" = arm64 ]; then
			measure 1 "$here/insn_per_call.sh" --suffix _nosve "$plugin" \
				"$bin/ftrace_bench_1000" 20000 "${run_in[@]}" -cpu neoverse-n1
		fi
	fi
}

# --- natively: times, repeated ------------------------------------------------

# uftrace's time to patch N functions: the CPU time (user and system, of
# uftrace and the program) of a run that patches every function (-P .)
# less that of one that patches none, of a program that exits at once.
# CPU time, because the wall time of a process start on a shared machine
# varies by more than the patching takes; the least of five runs of each.
uftrace_cpu_ms() {
	local t best='' _
	local TIMEFORMAT='%3U %3S'
	for _ in 1 2 3 4 5; do
		t=$( { time uftrace record --no-libcall -d "$tmp/u" -P "$@" --exit \
			>> "$log" 2>&1; } 2>&1 | awk '{ printf "%d", ($1 + $2) * 1000 }')
		rm -rf "$tmp/u"
		if [ -z "$best" ] || [ "$t" -lt "$best" ]; then
			best=$t
		fi
	done
	echo "$best"
}

uftrace_enable() {
	local run=$1 n=$2 prog=$bin/calls_bench_uftrace_$2 all none
	all=$(uftrace_cpu_ms . "$prog")
	none=$(uftrace_cpu_ms bench_no_such_function "$prog")
	metric "$run" "enable.$n.uftrace.on.ms" "$((all - none))"
}

# One run of every native measurement.
native_run() {
	local run=$1 n
	measure "$run" "$bin/poke_bench"
	measure "$run" "$bin/events_bench"
	measure "$run" "$bin/static_key_bench"
	[ -x "$bin/lttng_bench" ] && measure "$run" "$bin/lttng_bench"
	[ -x "$bin/ftrace_bench_1000" ] && measure "$run" "$bin/ftrace_bench_1000"
	[ -x "$bin/pt_bench" ] && measure "$run" "$bin/pt_bench"
	if [ -x "$bin/calls_bench_plain" ]; then
		measure "$run" "$bin/calls_bench_plain" plain
		measure "$run" "$bin/calls_bench_uftrace_1000" uftrace.off
		# uftrace records entry and exit of every call: fewer calls
		# keep its data files small.
		measure "$run" env BENCH_CALLS=2000000 uftrace record -d "$tmp/u" \
			-P bench_target "$bin/calls_bench_uftrace_1000" uftrace.on
		rm -rf "$tmp/u"
		# The same call through textpoke record's agent, recording
		# entry and exit as uftrace does, in the same run.
		if [ -x "${BENCH_RECORD:-}" ] && [ -x "$bin/calls_bench_agent" ]; then
			measure "$run" env BENCH_CALLS=2000000 "$BENCH_RECORD" -q \
				--agent "$BENCH_AGENT" -d "$tmp/a" -F bench_target -- \
				"$bin/calls_bench_agent" agent.on
			rm -rf "$tmp/a"
		fi
		measure "$run" "$bin/xray_bench_1000"
	fi
	# textpoke-attach and the control socket: the build's agent loaded
	# into the selftests' target (bench/attach.sh).
	if [ -x "$bin/../tools/textpoke-ctl/textpoke-attach" ] &&
	   [ -x "$bin/../selftests/ctl/attach_target" ] &&
	   [ -f "$bin/../tools/agent/libtextpoke-agent.so" ]; then
		measure "$run" "$here/attach.sh" "$bin/../tools/textpoke-ctl" \
			"$bin/../selftests/ctl/attach_target" \
			"$bin/../tools/agent/libtextpoke-agent.so"
	fi
	# A call into a shared object through the PLT: plain, and recorded
	# at the PLT by textpoke record's agent and by uftrace record.
	if [ -x "$bin/calls_bench_plt" ]; then
		measure "$run" "$bin/calls_bench_plt" plt.plain
		if [ -x "${BENCH_RECORD:-}" ]; then
			measure "$run" env BENCH_CALLS=2000000 "$BENCH_RECORD" -q --force \
				--agent "$BENCH_AGENT" -d "$tmp/a" -F bench_target -- \
				"$bin/calls_bench_plt" plt.agent
			rm -rf "$tmp/a"
		fi
		measure "$run" env BENCH_CALLS=2000000 uftrace record -d "$tmp/u" \
			-F bench_target "$bin/calls_bench_plt_pg" plt.uftrace
		rm -rf "$tmp/u"
	fi
	# CoreSight decoding against OpenCSD's own lister, on the real
	# snapshots beside the source tree (nothing without them).
	[ -x "$bin/../tp-decode" ] && measure "$run" "$here/decode_cs.sh" "$bin/../tp-decode" \
		"$here/../../shared/traces/coresight/snapshots"
	for n in "${sizes[@]}"; do
		if [ -x "$bin/ftrace_bench_$n" ]; then
			measure "$run" "$bin/ftrace_bench_$n" --enable "$n"
		fi
		[ -x "$bin/xray_bench_$n" ] && measure "$run" "$bin/xray_bench_$n" --enable "$n"
		[ -x "$bin/calls_bench_uftrace_$n" ] && uftrace_enable "$run" "$n"
	done
	return 0
}

# Where the instructions of one call go (callgrind, --toggle-collect=FN):
# the 12 functions with the most of their own, as PREFIX.<function>.pct,
# and the share of each of STEPS with its callees, as PREFIX_steps.<step>.pct.
#   profile PREFIX FN "STEPS" PROGRAM ARGS...
profile() {
	local prefix=$1 fn=$2 steps=$3 cg=$tmp/callgrind.out
	shift 3
	valgrind --tool=callgrind --toggle-collect="$fn" --callgrind-out-file="$cg" "$@" \
		>> "$log" 2>&1
	callgrind_annotate "$cg" 2>/dev/null |
		awk -v prefix="$prefix" '
			{ line = $0; sub(/^ +/, "", line); split(line, f, " "); ir = f[1]; gsub(",", "", ir) }
			/PROGRAM TOTALS/ { total = ir }
			/\[.*\]$/ && total && n < 12 {
				name = $0; sub(/ \[.*$/, "", name); sub(/^.*:/, "", name)
				sub(/'"'"'.*$/, "", name)
				if (name ~ /^0x/) {	# no symbol: name its object
					obj = $0; sub(/^.*\[/, "", obj); sub(/\]$/, "", obj)
					sub(/^.*\//, "", obj); sub(/0x0*/, "0x", name)
					name = obj "@" name
				}
				printf "1\t%s.%s.pct\t%.2f\n", prefix, name, 100 * ir / total
				n++
			}
			END { printf "1\t%s.total_ir\t%s\n", prefix, total }' >> "$data"
	callgrind_annotate --inclusive=yes "$cg" 2>/dev/null |
		awk -v prefix="$prefix" -v steps="$steps" '
			BEGIN { n = split(steps, s, " "); for (i = 1; i <= n; i++) want[s[i]] = 1 }
			{ line = $0; sub(/^ +/, "", line); split(line, f, " "); ir = f[1]; gsub(",", "", ir) }
			/PROGRAM TOTALS/ { total = ir }
			$0 !~ /=>/ && match($0, /:[a-z_]+(@@[A-Z_.0-9]+)? \[/) {
				name = substr($0, RSTART + 1, RLENGTH - 3); sub(/@@.*$/, "", name)
				if (want[name] && !seen[name]++)
					printf "1\t%s_steps.%s.pct\t%.2f\n", prefix, name, 100 * ir / total
			}' >> "$data"
}

# The steps whose share of instructions the report shows (names of
# textpoke's own functions, as they are today): of a breakpoint batch,
# and of a registration, which makes one.
batch_steps="tp_batch_add decode_all tp_batch_commit check_sites qsort backend_check
	maps_for_sites traps_safe bp_commit text_open text_store_words inflight_publish
	inflight_unpublish flush_sites"
register_steps="ops_resolve ftrace_set_sort set_diff changes_commit tp_batch_add
	batch_add_word tp_batch_commit maps_for_sites check_sites words_check backend_check
	text_open words_store bp_commit ftrace_func_find_next ftrace_glob_match fnmatch qsort"

# Instructions per function of a warm enable and of a disable of N
# functions (callgrind, inclusive of everything each call runs), as
# enable.N.textpoke.on.ir and .off.ir.
enable_ir() {
	local n=$1 cg=$tmp/callgrind.enable.out
	valgrind --tool=callgrind --toggle-collect=profiled_enable \
		--toggle-collect=profiled_disable --callgrind-out-file="$cg" \
		"$bin/ftrace_bench_$n" --profile "$n" >> "$log" 2>&1 || return 0
	callgrind_annotate --inclusive=yes "$cg" 2>/dev/null |
		awk -v n="$n" '
			{ line = $0; sub(/^ +/, "", line); split(line, f, " "); ir = f[1]; gsub(",", "", ir) }
			/:profiled_enable \[/ && !on { on = ir }
			/:profiled_disable \[/ && !off { off = ir }
			END {
				if (on) printf "1\tenable.%s.textpoke.on.ir\t%.1f\n", n, on / n
				if (off) printf "1\tenable.%s.textpoke.off.ir\t%.1f\n", n, off / n
			}' >> "$data"
}

# Instruction counts (callgrind): exact where times are noisy.
native_counts() {
	local prog n
	say "$arch: system calls per poke (strace)"
	measure 1 "$here/syscalls.sh" "$bin/poke_bench"
	say "$arch: instructions per call (callgrind)"
	for prog in static_key_bench lttng_bench ftrace_bench_1000 xray_bench_1000 \
		    calls_bench_plain; do
		[ -x "$bin/$prog" ] && measure 1 "$here/ir_per_call.sh" "$bin/$prog" 1000000
	done
	for n in "${sizes[@]}"; do
		[ -x "$bin/ftrace_bench_$n" ] || continue
		say "$arch: instructions per function enabled, $n functions (callgrind)"
		enable_ir "$n"
	done
	say "$arch: where a batch of 100k sites spends its instructions (callgrind)"
	profile profile_batch profiled_batch "$batch_steps" "$bin/poke_bench" --profile
	[ -x "$bin/ftrace_bench_100000" ] || return 0
	say "$arch: where enabling 100k functions spends its instructions (callgrind)"
	profile profile "profiled_enable" "$register_steps" "$bin/ftrace_bench_100000" \
		--profile 100000
}

machine
if [ -n "$runner" ]; then
	emulated
else
	for ((r = 1; r <= runs; r++)); do
		say "$arch: run $r of $runs"
		native_run "$r"
	done
	native_counts
fi
say "$arch: $(wc -l < "$data") measurements in $data"
