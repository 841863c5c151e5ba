// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ns per call of ftrace_funcs.c's bench_target(), whatever instruments it
 * from outside: built without any flag it is the plain call every tracer
 * is compared with; built with -fpatchable-function-entry=5 it is what
 * uftrace's dynamic tracing (uftrace record -P) patches.
 *
 *   calls_bench_N LABEL     ns per call, as metric call.LABEL.ns
 *   calls_bench_N --calls N N calls, untimed, for callgrind
 *   calls_bench_N --exit    nothing: the time uftrace takes to patch the
 *                           N generated functions is the time of the run
 * Output: bench.h's "metric<TAB>value" lines.
 */
#include <string.h>

#include "bench.h"
#include "ftrace_loop.h"

BENCH_CALLS_IN_STATE(plain)

int main(int argc, char **argv)
{
	const char *label = argc > 1 ? argv[1] : "plain";
	unsigned long calls = bench_calls();

	if (!strcmp(label, "--exit"))
		return 0;
	if (argc > 2 && !strcmp(label, "--calls")) {
		call_plain(strtoul(argv[2], NULL, 0));
		return 0;
	}
	bench_per_call(calls / 10);
	bench_metric(bench_per_call(calls), "call.%s.ns", label);
	return 0;
}
