// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What a static branch costs against the load-test-branch of a plain
 * flag, off and on: ns per call of a function that does nothing but the
 * test (and counts when it is on), and the same for an empty function,
 * the call's own cost.  Ratios are within one run.
 *
 *   make bench                 also counts instructions per call with
 *                              callgrind (x86-64: bench/static_key_ir.sh)
 *   BENCH_CALLS=N              calls per measurement (default 100,000,000)
 *   static_key_bench --calls N run each variant N times, untimed (for
 *                              callgrind)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <textpoke/static_key.h>

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

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The best of five runs of @calls calls, in ns per call. */
static double ns_per_call(void (*fn)(void), unsigned long calls)
{
	double best = 1e9;
	int run;

	for (run = 0; run < 5; run++) {
		double start = now(), t;
		unsigned long i;

		for (i = 0; i < calls; i++)
			fn();
		t = (now() - start) * 1e9 / calls;
		if (t < best)
			best = t;
	}
	return best;
}

static void run_untimed(void (*fn)(void), unsigned long calls)
{
	unsigned long i;

	for (i = 0; i < calls; i++)
		fn();
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
		run_untimed(call_empty, calls);
		run_untimed(call_static_branch, calls);
		run_untimed(call_flag_test, calls);
		return 0;
	}

	empty = ns_per_call(call_empty, calls);
	key_off = ns_per_call(call_static_branch, calls);
	flag_off = ns_per_call(call_flag_test, calls);
	err = set_state(1);
	if (err) {
		fprintf(stderr, "static_key_bench: enable: %s\n", tp_strerror(err));
		return 1;
	}
	key_on = ns_per_call(call_static_branch, calls);
	flag_on = ns_per_call(call_flag_test, calls);
	set_state(0);

	printf("static keys: ns per call, best of 5 x %lu calls (hits %lu)\n", calls, hits);
	printf("  %-28s %8.3f\n", "empty function", empty);
	printf("  %-28s %8.3f  (x%.2f of if (flag))\n", "static branch, off", key_off,
	       key_off / flag_off);
	printf("  %-28s %8.3f\n", "if (flag), off", flag_off);
	printf("  %-28s %8.3f  (x%.2f of if (flag))\n", "static branch, on", key_on,
	       key_on / flag_on);
	printf("  %-28s %8.3f\n", "if (flag), on", flag_on);
	return 0;
}
