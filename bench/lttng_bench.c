// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The disabled check of an LTTng-UST tracepoint (no session enables it),
 * measured as static_key_bench measures a static branch: ns per call of
 * a function that does nothing but the check, and of an empty function.
 * A program of its own because LTTng-UST starts threads that block every
 * signal, which would keep textpoke's breakpoint and stop_machine
 * backends from changing keys in the same process.
 *
 *   lttng_bench             ns per call (bench.h's "metric<TAB>value")
 *   lttng_bench --calls N   each variant N times, untimed (for callgrind)
 *   BENCH_CALLS=N           calls per measurement (default 100,000,000)
 */
#include <stdlib.h>
#include <string.h>

#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "lttng_tp.h"

#include "bench.h"

#define noinline __attribute__((noinline))

noinline void call_empty(void)
{
	asm volatile("" ::: "memory");
}

noinline void call_lttng_tracepoint(void)
{
	lttng_ust_tracepoint(textpoke_bench, hit, 1);
	asm volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
	const char *env = getenv("BENCH_CALLS");
	unsigned long calls = env ? strtoul(env, NULL, 0) : 100000000UL;

	if (argc == 3 && !strcmp(argv[1], "--calls")) {
		calls = strtoul(argv[2], NULL, 0);
		bench_run_untimed(call_empty, calls);
		bench_run_untimed(call_lttng_tracepoint, calls);
		return 0;
	}
	bench_metric(bench_ns_per_call(call_empty, calls), "sk.lttng_empty.ns");
	bench_metric(bench_ns_per_call(call_lttng_tracepoint, calls), "sk.lttng_off.ns");
	return 0;
}
