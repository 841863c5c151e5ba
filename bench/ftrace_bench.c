// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Function-entry tracing, two measurements:
 *
 * The cost of a traced function entry, per call, with an empty callback
 * (ftrace_bench_N, no argument):
 *   - never traced (the compiler's five 1-byte NOPs on x86-64);
 *   - one ops on the function;
 *   - one ops with TP_FTRACE_OPS_FL_GENERAL_REGS_ONLY (the light way);
 *   - one ops on it and 99 more ops on 99 other functions: with the ops
 *     pointer of each function (CALL_OPS) this costs what one ops costs;
 *   - 100 ops on the same function (the list ops: every one is called);
 *   - disabled after that (the site as site init left it: one NOP5).
 * ns per call, the fastest of five runs.  With --calls N, each state's N
 * calls untimed, for callgrind (bench/ir_per_call.sh).  With --state NAME
 * N, only that state's N calls (off, disabled, ops1, ops1_light, ops1_99,
 * list100), for an emulator's count of every instruction the program
 * ran (bench/insn_per_call.sh).
 *
 * The time to turn tracing on and off for every one of the N generated
 * functions bench_gen_* (ftrace_bench_N --enable N): the first
 * registration (which also initialises the sites, under stop_machine),
 * then warm ones; the syncs and mprotect calls of each.  With --counts
 * (under an emulator) the counts only.  With --profile, one warm
 * registration inside profiled_enable() and one unregistration inside
 * profiled_disable(), for callgrind's --toggle-collect.
 *
 * Output: bench.h's "metric<TAB>value" lines.
 *   BENCH_CALLS=N         calls per measurement (default 20,000,000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <textpoke/ftrace.h>

#include "bench.h"
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

/*
 * Ops 0 on bench_target; ops 1..n-1 on bench_other_<i>, or all on the
 * target.  @light: with TP_FTRACE_OPS_FL_GENERAL_REGS_ONLY (empty() uses
 * no register at all).
 */
static void register_ops(unsigned int n, int shared, int light)
{
	char glob[32];
	unsigned int i;

	for (i = 0; i < n; i++) {
		ops[i].func = empty;
		ops[i].flags = light ? TP_FTRACE_OPS_FL_GENERAL_REGS_ONLY : 0;
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

static void bench_calls_per_ops(void)
{
	unsigned long calls = bench_calls();
	double off, one, light, many, list, disabled;

	bench_per_call(calls / 10);	/* warm up */
	off = bench_per_call(calls);
	register_ops(1, 0, 0);
	one = bench_per_call(calls);
	unregister_ops(1);
	register_ops(1, 0, 1);
	light = bench_per_call(calls);
	unregister_ops(1);
	register_ops(NR_OPS, 0, 0);
	many = bench_per_call(calls);
	unregister_ops(NR_OPS);
	register_ops(NR_OPS, 1, 0);
	list = bench_per_call(calls);
	unregister_ops(NR_OPS);
	disabled = bench_per_call(calls);

	bench_metric(off, "call.textpoke.off.ns");
	bench_metric(disabled, "call.textpoke.disabled.ns");
	bench_metric(one, "call.textpoke.ops1.ns");
	bench_metric(light, "call.textpoke.ops1_light.ns");
	bench_metric(many, "call.textpoke.ops1_99.ns");
	bench_metric(list, "call.textpoke.list100.ns");
}

BENCH_CALLS_IN_STATE(textpoke_off)
BENCH_CALLS_IN_STATE(textpoke_ops1)
BENCH_CALLS_IN_STATE(textpoke_ops1_light)
BENCH_CALLS_IN_STATE(textpoke_ops1_99)
BENCH_CALLS_IN_STATE(textpoke_list100)
BENCH_CALLS_IN_STATE(textpoke_disabled)

/* Each state measured: how to get into it (and out), and its calls. */
static const struct call_state {
	const char *name;
	unsigned int nr_ops;		/* registered while in it */
	int shared, light;
	void (*calls)(unsigned long calls);
} call_states[] = {
	{ "off", 0, 0, 0, call_textpoke_off },
	{ "ops1", 1, 0, 0, call_textpoke_ops1 },
	{ "ops1_light", 1, 0, 1, call_textpoke_ops1_light },
	{ "ops1_99", NR_OPS, 0, 0, call_textpoke_ops1_99 },
	{ "list100", NR_OPS, 1, 0, call_textpoke_list100 },
	/* After the others: the site initialised, and off. */
	{ "disabled", 0, 0, 0, call_textpoke_disabled },
};

#define NR_CALL_STATES	(sizeof(call_states) / sizeof(call_states[0]))

static void run_state(const struct call_state *st, unsigned long calls)
{
	register_ops(st->nr_ops, st->shared, st->light);
	st->calls(calls);
	unregister_ops(st->nr_ops);
}

static void count_calls_per_ops(unsigned long calls)
{
	size_t i;

	for (i = 0; i < NR_CALL_STATES; i++)
		run_state(&call_states[i], calls);
}

/* One state alone; "disabled" after a registration that initialised the site. */
static int count_calls_in_state(const char *name, unsigned long calls)
{
	size_t i;

	for (i = 0; i < NR_CALL_STATES; i++) {
		if (strcmp(call_states[i].name, name))
			continue;
		if (!strcmp(name, "disabled")) {
			register_ops(1, 0, 0);
			unregister_ops(1);
		}
		run_state(&call_states[i], calls);
		return 0;
	}
	fprintf(stderr, "ftrace_bench: no state %s\n", name);
	return 1;
}

struct toggle_cost {
	double ms;
	unsigned long syncs, mprotects;
};

/* Register (@on) or unregister ops[0], timed and counted. */
static struct toggle_cost toggle_all(int on)
{
	unsigned long syncs = tp_debug_sync_count(), mprotects = tp_debug_mprotect_count();
	unsigned long long t0 = bench_ns();
	struct toggle_cost c;

	check(on ? tp_register_ftrace_function(&ops[0]) : tp_unregister_ftrace_function(&ops[0]),
	      on ? "register" : "unregister");
	c.ms = (bench_ns() - t0) / 1e6;
	c.syncs = tp_debug_sync_count() - syncs;
	c.mprotects = tp_debug_mprotect_count() - mprotects;
	return c;
}

static unsigned long nr_generated;	/* N, the metrics' name */

static void print_toggle(const char *what, struct toggle_cost c, int counts_only)
{
	if (!counts_only)
		bench_metric(c.ms, "enable.%lu.textpoke.%s.ms", nr_generated, what);
	bench_metric(c.syncs, "enable.%lu.textpoke.%s.syncs", nr_generated, what);
	bench_metric(c.mprotects, "enable.%lu.textpoke.%s.mprotects", nr_generated, what);
}

/* What callgrind's --toggle-collect=profiled_enable measures. */
__attribute__((noinline)) void profiled_enable(void)
{
	toggle_all(1);
}

/* And --toggle-collect=profiled_disable. */
__attribute__((noinline)) void profiled_disable(void)
{
	toggle_all(0);
}

#define WARM_ROUNDS	5

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Every generated function traced, then not, WARM_ROUNDS more times. */
static void bench_enable_all(int counts_only, int profile)
{
	double on_ms[WARM_ROUNDS], off_ms[WARM_ROUNDS];
	struct toggle_cost on, off;
	unsigned int i;

	ops[0].func = empty;
	check(tp_ftrace_set_filter(&ops[0], "bench_gen_*", 1), "filter");
	bench_metric(tp_ftrace_count_functions("bench_gen_*"), "enable.%lu.textpoke.functions",
		     nr_generated);
	print_toggle("first_on", toggle_all(1), counts_only);
	print_toggle("first_off", toggle_all(0), counts_only);
	if (profile) {
		profiled_enable();
		profiled_disable();
		return;
	}
	for (i = 0; i < WARM_ROUNDS; i++) {
		on = toggle_all(1);
		off = toggle_all(0);
		on_ms[i] = on.ms;
		off_ms[i] = off.ms;
	}
	qsort(on_ms, WARM_ROUNDS, sizeof(double), cmp_double);
	qsort(off_ms, WARM_ROUNDS, sizeof(double), cmp_double);
	on.ms = on_ms[WARM_ROUNDS / 2];
	off.ms = off_ms[WARM_ROUNDS / 2];
	print_toggle("on", on, counts_only);
	print_toggle("off", off, counts_only);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (argc > 2 && !strcmp(mode, "--calls")) {
		count_calls_per_ops(strtoul(argv[2], NULL, 0));
		return 0;
	}
	if (argc > 3 && !strcmp(mode, "--state"))
		return count_calls_in_state(argv[2], strtoul(argv[3], NULL, 0));
	if (argc > 2)
		nr_generated = strtoul(argv[2], NULL, 0);
	if (!strcmp(mode, "--enable") || !strcmp(mode, "--counts") || !strcmp(mode, "--profile"))
		bench_enable_all(!strcmp(mode, "--counts"), !strcmp(mode, "--profile"));
	else
		bench_calls_per_ops();
	return 0;
}
