/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The measuring loop of ftrace_bench and xray_bench: the same calls of
 * the same function, whatever instruments it.
 */
#ifndef BENCH_FTRACE_LOOP_H
#define BENCH_FTRACE_LOOP_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ftrace_funcs.h"

static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ns per call of bench_target() over @calls calls, once. */
static inline double bench_per_call_once(unsigned long calls)
{
	double start = bench_now();
	unsigned long i;
	int sum = 0;

	for (i = 0; i < calls; i++)
		sum += bench_target((int)i);
	if (sum == 42)
		puts("");	/* keeps the calls */
	return (bench_now() - start) * 1e9 / calls;
}

/*
 * The fastest of five runs of @calls / 5 calls: the machine may be busy,
 * and other work only ever adds time.
 */
static inline double bench_per_call(unsigned long calls)
{
	double best = 0;
	int i;

	for (i = 0; i < 5; i++) {
		double t = bench_per_call_once(calls / 5);

		if (!i || t < best)
			best = t;
	}
	return best;
}

/*
 * call_<name>(calls): the same calls, untimed, in a function of its own
 * for callgrind (bench/ir_per_call.sh), one per state measured:
 * instructions per call are exact where a few ns of difference drown in
 * a busy machine's noise.
 */
#define BENCH_CALLS_IN_STATE(name)					\
	__attribute__((noinline)) void call_##name(unsigned long calls)	\
	{								\
		bench_per_call_once(calls);				\
	}

/* BENCH_CALLS, default 20,000,000. */
static inline unsigned long bench_calls(void)
{
	const char *env = getenv("BENCH_CALLS");

	return env ? strtoul(env, NULL, 0) : 20000000ul;
}

#endif /* BENCH_FTRACE_LOOP_H */
