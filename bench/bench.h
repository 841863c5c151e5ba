/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What every benchmark shares: a clock, the engine's counters and the
 * one output format bench/report.py reads.
 *
 * A benchmark prints one measurement per line, "metric<TAB>value", with
 * the metric a dotted name (batch.breakpoint.100000.ms) and the value a
 * plain number.  bench/run.sh runs each benchmark several times and
 * bench/report.py takes the median and spread over the runs; a line of
 * any other shape is for people and is ignored.
 */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

/*
 * The engine's own counters (textpoke/test_support.h): not public API,
 * reached because the benchmarks link libtextpoke.a statically.
 */
#include "../textpoke/test_support.h"

static inline unsigned long long bench_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* One measurement: the metric's name from @fmt, then @value. */
__attribute__((format(printf, 2, 3)))
static inline void bench_metric(double value, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\t%.10g\n", value);
}

/*
 * ns per call of @fn, the best of five runs of @calls calls: the machine
 * may be busy, and other work only ever adds time.
 */
static inline double bench_ns_per_call(void (*fn)(void), unsigned long calls)
{
	double best = 1e9;
	int run;

	for (run = 0; run < 5; run++) {
		unsigned long long start = bench_ns();
		unsigned long i;
		double t;

		for (i = 0; i < calls; i++)
			fn();
		t = (double)(bench_ns() - start) / calls;
		if (t < best)
			best = t;
	}
	return best;
}

/* @calls calls of @fn, untimed: what callgrind counts. */
static inline void bench_run_untimed(void (*fn)(void), unsigned long calls)
{
	unsigned long i;

	for (i = 0; i < calls; i++)
		fn();
}

#endif /* BENCH_BENCH_H */
