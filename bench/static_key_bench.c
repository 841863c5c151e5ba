// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What a static branch costs against the load-test-branch of a plain
 * flag, off and on: ns per call of a function that does nothing but the
 * test (and counts when it is on), and the same for an empty function,
 * the call's own cost.  Ratios are within one run.  Output: bench.h's
 * "metric<TAB>value" lines.
 *
 *   make bench                 also counts instructions per call with
 *                              callgrind (natively: bench/ir_per_call.sh)
 *   BENCH_CALLS=N              calls per measurement (default 100,000,000)
 *   static_key_bench --calls N run each variant N times, untimed (for
 *                              callgrind)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <textpoke/static_key.h>

#include "bench.h"

#define noinline __attribute__((noinline))

TP_DEFINE_STATIC_KEY_FALSE(bench_key);
int bench_flag;			/* what the static key replaces */
static unsigned long hits;

noinline void call_empty(void)
{
	asm volatile("" ::: "memory");
}

noinline void call_static_branch(void)
{
	if (tp_static_branch_unlikely(&bench_key))
		hits++;
	asm volatile("" ::: "memory");
}

noinline void call_flag_test(void)
{
	if (__builtin_expect(bench_flag, 0))
		hits++;
	asm volatile("" ::: "memory");
}

static int set_state(int on)
{
	bench_flag = on;
	return on ? tp_static_key_enable(&bench_key) : tp_static_key_disable(&bench_key);
}

int main(int argc, char **argv)
{
	const char *env = getenv("BENCH_CALLS");
	unsigned long calls = env ? strtoul(env, NULL, 0) : 100000000UL;
	double empty, key_off, flag_off, key_on, flag_on;
	int err;

	if (argc == 3 && !strcmp(argv[1], "--calls")) {
		calls = strtoul(argv[2], NULL, 0);
		bench_run_untimed(call_empty, calls);
		bench_run_untimed(call_static_branch, calls);
		bench_run_untimed(call_flag_test, calls);
		return 0;
	}

	empty = bench_ns_per_call(call_empty, calls);
	key_off = bench_ns_per_call(call_static_branch, calls);
	flag_off = bench_ns_per_call(call_flag_test, calls);
	err = set_state(1);
	if (err) {
		fprintf(stderr, "static_key_bench: enable: %s\n", tp_strerror(err));
		return 1;
	}
	key_on = bench_ns_per_call(call_static_branch, calls);
	flag_on = bench_ns_per_call(call_flag_test, calls);
	set_state(0);

	bench_metric(empty, "sk.empty.ns");
	bench_metric(key_off, "sk.key_off.ns");
	bench_metric(flag_off, "sk.flag_off.ns");
	bench_metric(key_on, "sk.key_on.ns");
	bench_metric(flag_on, "sk.flag_on.ns");
	bench_metric(hits, "sk.hits");	/* keeps the on paths' work */
	return 0;
}
