// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The cost of a traced function entry, per call, with an empty callback:
 *   - not traced (the NOP of the site);
 *   - one ops on the function;
 *   - one ops on it and 99 more ops on 99 other functions: with the ops
 *     pointer of each function (CALL_OPS) this costs what one ops costs;
 *   - 100 ops on the same function (the list ops: every one is called).
 * Prints ns per call (the fastest of five runs) and the difference to the untraced call.
 *
 *   make bench            (ARCH=arm64|riscv: under qemu, for the ratios only)
 *   BENCH_CALLS=N         calls per measurement (default 20,000,000)
 */
#include <stdio.h>
#include <stdlib.h>

#include <textpoke/ftrace.h>

#include "ftrace_loop.h"

#define NR_OPS	100

static struct tp_ftrace_ops ops[NR_OPS];

static void empty(unsigned long ip, unsigned long parent_ip,
		  struct tp_ftrace_ops *o, struct tp_ftrace_regs *regs)
{
	(void)ip, (void)parent_ip, (void)o, (void)regs;
}

static void check(int err, const char *what)
{
	if (err) {
		fprintf(stderr, "ftrace_bench: %s: %s\n", what, tp_strerror(err));
		exit(1);
	}
}

/* Ops 0 on bench_target; ops 1..n-1 on bench_other_<i>, or all on the target. */
static void register_ops(unsigned int n, int shared)
{
	char glob[32];
	unsigned int i;

	for (i = 0; i < n; i++) {
		ops[i].func = empty;
		if (i && !shared)
			snprintf(glob, sizeof(glob), "bench_other_%u", i);
		else
			snprintf(glob, sizeof(glob), "bench_target");
		check(tp_ftrace_set_filter(&ops[i], glob, 1), "filter");
		check(tp_register_ftrace_function(&ops[i]), "register");
	}
}

static void unregister_ops(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		check(tp_unregister_ftrace_function(&ops[i]), "unregister");
		tp_ftrace_free_filter(&ops[i]);
	}
}

int main(void)
{
	unsigned long calls = bench_calls();
	double off, one, many, list;

	bench_per_call(calls / 10);	/* warm up */
	off = bench_per_call(calls);
	register_ops(1, 0);
	one = bench_per_call(calls);
	unregister_ops(1);
	register_ops(NR_OPS, 0);
	many = bench_per_call(calls);
	unregister_ops(NR_OPS);
	register_ops(NR_OPS, 1);
	list = bench_per_call(calls);
	unregister_ops(NR_OPS);

	printf("calls per run:                     %lu\n", calls);
	printf("not traced:                        %8.2f ns/call\n", off);
	printf("1 ops:                             %8.2f ns/call  (+%.2f)\n", one, one - off);
	printf("1 ops here, 99 on other functions: %8.2f ns/call  (+%.2f)\n", many, many - off);
	printf("%d ops on this function (list):   %8.2f ns/call  (+%.2f)\n", NR_OPS, list,
	       list - off);
	return 0;
}
