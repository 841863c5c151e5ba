// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The same functions as ftrace_bench, instrumented by clang's XRay
 * (function entries only) instead.  x86-64 with clang only (make bench,
 * natively).  The C API of compiler-rt's xray_interface.h, which is a
 * C++ header.
 *
 *   xray_bench_N            ns per call of bench_target(), unpatched and
 *                           patched with an empty handler
 *   xray_bench_N --enable N time of __xray_patch() and __xray_unpatch()
 *                           over every instrumented function (the N
 *                           generated ones and ftrace_funcs.c's 100)
 *   xray_bench_N --calls N  the calls of both states untimed, for callgrind
 * Output: bench.h's "metric<TAB>value" lines.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "ftrace_loop.h"

extern int __xray_set_handler(void (*handler)(int32_t func_id, int type));
extern int __xray_patch(void);
extern int __xray_unpatch(void);
extern size_t __xray_max_function_id(void);

#define XRAY_PATCHING_SUCCESS	1
#define WARM_ROUNDS		5

/* XRay has no recursion guard: the handler must not be instrumented. */
__attribute__((xray_never_instrument))
static void empty(int32_t func_id, int type)
{
	(void)func_id, (void)type;
}

__attribute__((xray_never_instrument))
static void check(int ret, const char *what)
{
	if (ret != XRAY_PATCHING_SUCCESS) {
		fprintf(stderr, "xray_bench: %s failed\n", what);
		exit(1);
	}
}

__attribute__((xray_never_instrument))
static void bench_calls_patched(void)
{
	unsigned long calls = bench_calls();
	double off, on;

	bench_per_call(calls / 10);
	off = bench_per_call(calls);
	check(__xray_patch(), "__xray_patch");
	on = bench_per_call(calls);
	check(__xray_unpatch(), "__xray_unpatch");
	bench_metric(off, "call.xray.off.ns");
	bench_metric(on, "call.xray.on.ns");
}

BENCH_CALLS_IN_STATE(xray_off)
BENCH_CALLS_IN_STATE(xray_on)

__attribute__((xray_never_instrument))
static void count_calls_patched(unsigned long calls)
{
	call_xray_off(calls);
	check(__xray_patch(), "__xray_patch");
	call_xray_on(calls);
	check(__xray_unpatch(), "__xray_unpatch");
}

__attribute__((xray_never_instrument))
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The first patch, then the median of WARM_ROUNDS patches and unpatches. */
__attribute__((xray_never_instrument))
static void bench_enable_all(unsigned long n)
{
	double on[WARM_ROUNDS], off[WARM_ROUNDS];
	unsigned long long t;
	unsigned int i;

	bench_metric(__xray_max_function_id(), "enable.%lu.xray.functions", n);
	t = bench_ns();
	check(__xray_patch(), "__xray_patch");
	bench_metric((bench_ns() - t) / 1e6, "enable.%lu.xray.first_on.ms", n);
	check(__xray_unpatch(), "__xray_unpatch");
	for (i = 0; i < WARM_ROUNDS; i++) {
		t = bench_ns();
		check(__xray_patch(), "__xray_patch");
		on[i] = (bench_ns() - t) / 1e6;
		t = bench_ns();
		check(__xray_unpatch(), "__xray_unpatch");
		off[i] = (bench_ns() - t) / 1e6;
	}
	qsort(on, WARM_ROUNDS, sizeof(double), cmp_double);
	qsort(off, WARM_ROUNDS, sizeof(double), cmp_double);
	bench_metric(on[WARM_ROUNDS / 2], "enable.%lu.xray.on.ms", n);
	bench_metric(off[WARM_ROUNDS / 2], "enable.%lu.xray.off.ms", n);
}

__attribute__((xray_never_instrument))
int main(int argc, char **argv)
{
	if (__xray_set_handler(empty) != 1) {
		fprintf(stderr, "xray_bench: no XRay runtime\n");
		return 1;
	}
	if (argc > 2 && !strcmp(argv[1], "--calls"))
		count_calls_patched(strtoul(argv[2], NULL, 0));
	else if (argc > 2 && !strcmp(argv[1], "--enable"))
		bench_enable_all(strtoul(argv[2], NULL, 0));
	else
		bench_calls_patched();
	return 0;
}
