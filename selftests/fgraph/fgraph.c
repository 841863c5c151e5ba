// SPDX-License-Identifier: GPL-2.0
/*
 * Function-graph tracing, direct calls and redirection, on the
 * functions of traced.c: matching entries and returns with durations
 * and return values, deep recursion and the return stack's limit, tail
 * calls, ways out of frames without returning (longjmp, siglongjmp,
 * setcontext, pthread_exit, C++ exceptions of traced_cxx.cc) and
 * swapcontext, unwinders through traced frames (backtrace(), gdb),
 * vector registers through callbacks (vec_<arch>.c), signal handlers,
 * threads deep inside traced frames while graph tracing is switched on
 * and off; recordings as tp-graph prints them, with return values,
 * unwound calls, objects loaded and unloaded while recording (dso_a.c,
 * dso_b.c) and C++ names (traced_mangled.cc); a direct trampoline alone
 * and next to an ordinary ops, switched while threads call the function;
 * a redirection seen by every thread, and undone.  The harness runs each
 * test in a child process.
 */
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <link.h>
#include <sched.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <textpoke/fgraph_record.h>
#include <textpoke/ftrace.h>

#include "../emulator.h"
#include "kselftest_harness.h"
#include "dso.h"
#include "traced.h"
#include "traced_cxx.h"
#include "vec.h"
#if defined(__aarch64__)
#include "traced_pac_arm64.h"
#endif
#include "../../tools/tp-graph/replay.h"

#define MAX_EVENTS	8192

/* What one graph ops saw, in order (single-threaded tests). */
struct graph_log {
	struct tp_fgraph_ops gops;
	unsigned long entries, returns, unwound, bad_times;
	int max_depth;
	size_t nr;
	struct { unsigned long func; int depth; bool ret, unwound; } ev[MAX_EVENTS];
};

static int log_entry(const struct tp_ftrace_graph_ent *e, struct tp_fgraph_ops *g)
{
	struct graph_log *log = g->private;
	size_t i = __atomic_fetch_add(&log->nr, 1, __ATOMIC_RELAXED);

	__atomic_fetch_add(&log->entries, 1, __ATOMIC_RELAXED);
	if (i < MAX_EVENTS)
		log->ev[i].func = e->func, log->ev[i].depth = e->depth, log->ev[i].ret = false;
	if (e->depth > log->max_depth)
		log->max_depth = e->depth;
	return 1;
}

static void log_return(const struct tp_ftrace_graph_ret *r, struct tp_fgraph_ops *g)
{
	struct graph_log *log = g->private;
	size_t i = __atomic_fetch_add(&log->nr, 1, __ATOMIC_RELAXED);

	__atomic_fetch_add(&log->returns, 1, __ATOMIC_RELAXED);
	if (r->flags & TP_FGRAPH_RET_UNWOUND)
		__atomic_fetch_add(&log->unwound, 1, __ATOMIC_RELAXED);
	if (r->rettime < r->calltime || !r->calltime)
		__atomic_fetch_add(&log->bad_times, 1, __ATOMIC_RELAXED);
	if (i < MAX_EVENTS) {
		log->ev[i].func = r->func, log->ev[i].depth = r->depth, log->ev[i].ret = true;
		log->ev[i].unwound = r->flags & TP_FGRAPH_RET_UNWOUND;
	}
}

static struct graph_log *log_new(const char *glob)
{
	struct graph_log *log = calloc(1, sizeof(*log));

	if (!log)
		return NULL;
	log->gops.entryfunc = log_entry;
	log->gops.retfunc = log_return;
	log->gops.private = log;
	if (glob && tp_ftrace_set_filter(&log->gops.ops, glob, 1)) {
		free(log);
		return NULL;
	}
	return log;
}

static void log_free(struct graph_log *log)
{
	tp_ftrace_free_filter(&log->gops.ops);
	free(log);
}

static long load(const unsigned long *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static long skipped(void)
{
	return tp_ftrace_graph_skipped();
}

#define F(fn)	((unsigned long)(fn))

TEST(graph_nested_calls_pair_up)
{
	struct graph_log *log = log_new("fg_*");
	static const struct { void *fn; int depth; bool ret; } want[] = {
		{ fg_top, 0, false }, { fg_mid, 1, false }, { fg_leaf, 2, false },
		{ fg_leaf, 2, true }, { fg_mid, 1, true }, { fg_leaf, 1, false },
		{ fg_leaf, 1, true }, { fg_top, 0, true },
	};
	size_t i;

	ASSERT_TRUE(log != NULL);
	EXPECT_EQ(18, fg_top(5));
	ASSERT_EQ(0, tp_register_ftrace_graph(&log->gops));
	EXPECT_EQ(18, fg_top(5));
	ASSERT_EQ(0, tp_unregister_ftrace_graph(&log->gops));
	EXPECT_EQ(18, fg_top(5));
	ASSERT_EQ(8, (long)log->nr);
	for (i = 0; i < 8; i++) {
		EXPECT_EQ(F(want[i].fn), log->ev[i].func);
		EXPECT_EQ(want[i].depth, log->ev[i].depth);
		EXPECT_EQ(want[i].ret, log->ev[i].ret);
	}
	EXPECT_EQ(0, load(&log->bad_times));
	log_free(log);
}

TEST(graph_return_values_survive)
{
	struct graph_log *log = log_new("fg_*");

	ASSERT_TRUE(log != NULL);
	ASSERT_EQ(0, tp_register_ftrace_graph(&log->gops));
	EXPECT_EQ(6.5, fg_double(2.0, 3.0));
	EXPECT_EQ(8, fg_tail(7));
	ASSERT_EQ(0, tp_unregister_ftrace_graph(&log->gops));
	/* fg_tail jumps to fg_leaf: two entries, two returns, same frame. */
	EXPECT_EQ(3, load(&log->entries));
	EXPECT_EQ(3, load(&log->returns));
	log_free(log);
}

/* What the return callback read of each return, in order. */
static struct {
	size_t nr;
	struct {
		unsigned long func, ints[2], beyond;
		unsigned long long fp, fp_beyond;
		unsigned int flags;
	} ev[16];
} rets;

static void read_return_registers(const struct tp_ftrace_graph_ret *r, struct tp_fgraph_ops *g)
{
	size_t i = rets.nr++;

	(void)g;
	if (i >= 16)
		return;
	rets.ev[i].func = r->func;
	rets.ev[i].flags = r->flags;
	rets.ev[i].ints[0] = tp_fgraph_ret_int(r, 0);
	rets.ev[i].ints[1] = tp_fgraph_ret_int(r, 1);
	rets.ev[i].beyond = tp_fgraph_ret_int(r, 2);
	rets.ev[i].fp = tp_fgraph_ret_fp_bits(r, 0);
	rets.ev[i].fp_beyond = tp_fgraph_ret_fp_bits(r, 9);
}

static unsigned long long bits_of(double d)
{
	unsigned long long b;

	memcpy(&b, &d, sizeof(b));
	return b;
}

/* The return callback reads the function's result in its return registers. */
TEST(graph_return_registers_in_the_callback)
{
	struct tp_fgraph_ops gops = { .retfunc = read_return_registers };
	struct fg_pair pair;
	jmp_buf env;
	size_t i;

	ASSERT_EQ(0, tp_ftrace_set_filter(&gops.ops, "fg_*", 1));
	ASSERT_EQ(0, tp_register_ftrace_graph(&gops));
	EXPECT_EQ(6, fg_leaf(5));
	EXPECT_EQ(6.5, fg_double(2.0, 3.0));
	pair = fg_pair(41);
	if (!setjmp(env))
		fg_jump(&env, 0);
	EXPECT_EQ(-7, fg_leaf(-8));
	ASSERT_EQ(0, tp_unregister_ftrace_graph(&gops));
	tp_ftrace_free_filter(&gops.ops);
	EXPECT_EQ(41, pair.a);
	EXPECT_EQ(42, pair.b);
	ASSERT_EQ(5, (long)rets.nr);
	EXPECT_EQ(F(fg_leaf), rets.ev[0].func);
	EXPECT_EQ(6, (int)rets.ev[0].ints[0]);
	EXPECT_EQ(F(fg_double), rets.ev[1].func);
	EXPECT_EQ(bits_of(6.5), rets.ev[1].fp);
	EXPECT_EQ(F(fg_pair), rets.ev[2].func);
	EXPECT_EQ(41, (long)rets.ev[2].ints[0]);
	EXPECT_EQ(42, (long)rets.ev[2].ints[1]);
	/* Unwound: no return value. */
	EXPECT_EQ(F(fg_jump), rets.ev[3].func);
	EXPECT_EQ((int)TP_FGRAPH_RET_UNWOUND, (int)rets.ev[3].flags);
	EXPECT_EQ(0, (long)rets.ev[3].ints[0]);
	EXPECT_EQ(0, (long long)rets.ev[3].fp);
	EXPECT_EQ(-7, (int)rets.ev[4].ints[0]);	/* an int: the low half */
	EXPECT_EQ(0, (int)rets.ev[4].flags);
	for (i = 0; i < 5; i++) {
		EXPECT_EQ(0, (long)rets.ev[i].beyond);
		EXPECT_EQ(0, (long long)rets.ev[i].fp_beyond);
	}
	EXPECT_EQ(0, (long)tp_fgraph_ret_int(NULL, 0));
	EXPECT_EQ(0, (long long)tp_fgraph_ret_fp_bits(NULL, 0));
}

/* Entered with RSP 0 mod 16 on x86-64, which the C calls must not inherit. */
TEST(graph_stack_alignment_as_the_compiler_left_it)
{
	struct graph_log *log = log_new("fg_job");

	ASSERT_TRUE(log != NULL);
	ASSERT_EQ(0, tp_ftrace_set_filter(&log->gops.ops, "fg_local_step", 0));
	ASSERT_EQ(0, tp_register_ftrace_graph(&log->gops));
	EXPECT_EQ(2 * 7 + 135, fg_job(7));
	ASSERT_EQ(0, tp_unregister_ftrace_graph(&log->gops));
	EXPECT_EQ(4, load(&log->entries));
	EXPECT_EQ(4, load(&log->returns));
	log_free(log);
}

TEST(graph_recursion_depth_1000)
{
	struct graph_log *log = log_new("fg_recurse");

	ASSERT_TRUE(log != NULL);
	ASSERT_EQ(0, tp_register_ftrace_graph(&log->gops));
	EXPECT_EQ(1000, fg_recurse(1000));
	ASSERT_EQ(0, tp_unregister_ftrace_graph(&log->gops));
	EXPECT_EQ(1001, load(&log->entries));
	EXPECT_EQ(1001, load(&log->returns));
	EXPECT_EQ(1000, log->max_depth);
	EXPECT_EQ(0, skipped());
	log_free(log);
}

/* Past the return stack's room: entries skipped, never a wrong return. */
TEST(graph_overflow_skips_frames)
{
	struct graph_log *log = log_new("fg_recurse");

	ASSERT_TRUE(log != NULL);
	ASSERT_EQ(0, tp_register_ftrace_graph(&log->gops));
	EXPECT_EQ(6000, fg_recurse(6000));
	ASSERT_EQ(0, tp_unregister_ftrace_graph(&log->gops));
	EXPECT_EQ(load(&log->entries), load(&log->returns));
	EXPECT_GT(skipped(), 0);
	EXPECT_EQ(6001, load(&log->entries) + skipped());
	log_free(log);
}

TEST(graph_longjmp_drops_frames)
{
	struct graph_log *log = log_new("fg_*");
	jmp_buf env;
	volatile int jumped = 0;

	ASSERT_TRUE(log != NULL);
	ASSERT_EQ(0, tp_register_ftrace_graph(&log->gops));
	if (!setjmp(env)) {
		fg_jump(&env, 10);
	} else {
		jumped = 1;
	}
	EXPECT_EQ(1, jumped);
	/* Calls after the jump return where they should, at the same depth. */
	EXPECT_EQ(18, fg_top(5));
	EXPECT_EQ(1000, fg_recurse(1000));
	ASSERT_EQ(0, tp_unregister_ftrace_graph(&log->gops));
	/* fg_top is four calls: top, mid, leaf, leaf; the unwound frames return too. */
	EXPECT_EQ(11 + 4 + 1001, load(&log->entries));
	EXPECT_EQ(11 + 4 + 1001, load(&log->returns));
	EXPECT_EQ(11, load(&log->unwound));
	log_free(log);
}

/* The index of the first entry of @fn in @log, or -1. */
static long first_entry(const struct graph_log *log, void *fn)
{
	size_t i;

	for (i = 0; i < log->nr && i < MAX_EVENTS; i++)
		if (!log->ev[i].ret && log->ev[i].func == F(fn))
			return i;
	return -1;
}

/*
 * Right after a jump out of @nr nested frames of @fn: their returns (as
 * unwound), deepest first, and then the next call (fg_top) at depth 0.
 */
static void expect_unwound_then_top(struct __test_metadata *_metadata,
				    const struct graph_log *log, void *fn, int nr)
{
	long top = first_entry(log, fg_top);
	int i;

	ASSERT_EQ(2 * nr, top);
	EXPECT_EQ(0, log->ev[top].depth);
	for (i = 0; i < nr; i++) {
		EXPECT_EQ(F(fn), log->ev[i].func);
		EXPECT_FALSE(log->ev[i].ret);
		EXPECT_EQ(i, log->ev[i].depth);
		EXPECT_EQ(F(fn), log->ev[nr + i].func);
		EXPECT_TRUE(log->ev[nr + i].ret);
		EXPECT_TRUE(log->ev[nr + i].unwound);
		EXPECT_EQ(nr - 1 - i, log->ev[nr + i].depth);
	}
	EXPECT_EQ(load(&log->entries), load(&log->returns));
	EXPECT_EQ(nr, load(&log->unwound));
}

/* Depth and parentage are exact from the first call after the jump. */
TEST(graph_longjmp_depth_exact_right_after_jump)
{
	struct graph_log *log = log_new("fg_*");
	jmp_buf env;

	ASSERT_TRUE(log != NULL);
	ASSERT_EQ(0, tp_register_ftrace_graph(&log->gops));
	if (!setjmp(env))
		fg_jump(&env, 10);
	EXPECT_EQ(18, fg_top(5));
	ASSERT_EQ(0, tp_unregister_ftrace_graph(&log->gops));
	expect_unwound_then_top(_metadata, log, fg_jump, 11);
	log_free(log);
}

static sigjmp_buf handler_env;

static void jump_out_of_handler(int sig)
{
	(void)sig;
	fg_siglongjmp(&handler_env, 3);
}

/* A handler that siglongjmp()s out of traced frames, from traced frames of its own. */
TEST(graph_siglongjmp_out_of_a_handler)
{
	struct graph_log *log = log_new("fg_*");
	struct sigaction sa = { .sa_handler = jump_out_of_handler };
	long top;
	int i;

	ASSERT_TRUE(log != NULL);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, tp_register_ftrace_graph(&log->gops));
	if (!sigsetjmp(handler_env, 1))
		fg_raise(SIGUSR1, 5);
	EXPECT_EQ(18, fg_top(5));
	ASSERT_EQ(0, tp_unregister_ftrace_graph(&log->gops));
	/* Six frames of fg_raise, four of fg_siglongjmp above them, ten returns. */
	top = first_entry(log, fg_top);
	ASSERT_EQ(20, top);
	EXPECT_EQ(0, log->ev[top].depth);
	for (i = 0; i < 10; i++) {
		EXPECT_EQ(F(i < 6 ? (void *)fg_raise : (void *)fg_siglongjmp), log->ev[i].func);
		EXPECT_EQ(i, log->ev[i].depth);
		EXPECT_TRUE(log->ev[10 + i].ret);
		EXPECT_TRUE(log->ev[10 + i].unwound);
		EXPECT_EQ(9 - i, log->ev[10 + i].depth);
	}
	EXPECT_EQ(load(&log->entries), load(&log->returns));
	EXPECT_EQ(10, load(&log->unwound));
	log_free(log);
}

TEST(graph_setcontext_out_of_traced_frames)
{
	struct graph_log *log = log_new("fg_*");
	static ucontext_t back;
	static volatile int jumped;

	ASSERT_TRUE(log != NULL);
	ASSERT_EQ(0, tp_register_ftrace_graph(&log->gops));
	ASSERT_EQ(0, getcontext(&back));
	if (!jumped) {
		jumped = 1;
		fg_setcontext(&back, 7);
	}
	EXPECT_EQ(18, fg_top(5));
	ASSERT_EQ(0, tp_unregister_ftrace_graph(&log->gops));
	expect_unwound_then_top(_metadata, log, fg_setcontext, 8);
	log_free(log);
}

static ucontext_t swap_main, swap_other;

static void other_context(void)
{
	fg_leaf(1);
}

/*
 * swapcontext() to a stack inside this very frame, above the traced
 * frame that switched: that frame is suspended, not unwound, and both
 * return where they should (uftrace's s-ucontext).
 */
TEST(graph_swapcontext_keeps_the_suspended_frame)
{
	struct graph_log *log = log_new("fg_*");
	static const struct { void *fn; int depth; bool ret; } want[] = {
		{ fg_swap, 0, false }, { fg_leaf, 1, false }, { fg_leaf, 1, true },
		{ fg_swap, 0, true }, { fg_leaf, 0, false }, { fg_leaf, 0, true },
	};
	char stack[32768];
	size_t i;

	ASSERT_TRUE(log != NULL);
	ASSERT_EQ(0, getcontext(&swap_other));
	swap_other.uc_stack.ss_sp = stack;
	swap_other.uc_stack.ss_size = sizeof(stack);
	swap_other.uc_link = &swap_main;
	makecontext(&swap_other, other_context, 0);
	ASSERT_EQ(0, tp_register_ftrace_graph(&log->gops));
	EXPECT_EQ(0, fg_swap(&swap_main, &swap_other));
	EXPECT_EQ(2, fg_leaf(1));
	ASSERT_EQ(0, tp_unregister_ftrace_graph(&log->gops));
	ASSERT_EQ(6, (long)log->nr);
	for (i = 0; i < 6; i++) {
		EXPECT_EQ(F(want[i].fn), log->ev[i].func);
		EXPECT_EQ(want[i].depth, log->ev[i].depth);
		EXPECT_EQ(want[i].ret, log->ev[i].ret);
	}
	EXPECT_EQ(0, load(&log->unwound));
	log_free(log);
}

static void *exit_from_traced_frames(void *arg)
{
	fg_exit_thread((int)(long)arg);
	return NULL;
}

static void *call_top(void *arg)
{
	return (void *)(long)fg_top((int)(long)arg);
}

/*
 * pthread_exit() unwinds the thread's frames (forced unwinding): they
 * return as unwound, and the thread's return stack is left empty for
 * the next thread that takes it.
 */
TEST(graph_pthread_exit_inside_traced_frames)
{
	struct graph_log *log = log_new("fg_*");
	pthread_t t;
	void *res;

	ASSERT_TRUE(log != NULL);
	ASSERT_EQ(0, tp_register_ftrace_graph(&log->gops));
	ASSERT_EQ(0, pthread_create(&t, NULL, exit_from_traced_frames, (void *)6L));
	ASSERT_EQ(0, pthread_join(t, &res));
	EXPECT_EQ(7, load(&log->entries));
	EXPECT_EQ(7, load(&log->returns));
	EXPECT_EQ(7, load(&log->unwound));
	ASSERT_EQ(0, pthread_create(&t, NULL, call_top, (void *)5L));
	ASSERT_EQ(0, pthread_join(t, &res));
	EXPECT_EQ(18, (long)res);
	ASSERT_EQ(0, tp_unregister_ftrace_graph(&log->gops));
	EXPECT_EQ(0, log->ev[first_entry(log, fg_top)].depth);
	EXPECT_EQ(load(&log->entries), load(&log->returns));
	log_free(log);
}

/* One call site for both backtraces: the same return addresses. */
static __attribute__((noinline)) int take_backtrace(void **buf, int max)
{
	int n = fg_bt_outer(buf, max);

	__asm__ volatile("" ::: "memory");
	return n;
}

/*
 * Where the backtraces of fg_bt_inner, untraced and traced, part: the
 * frames of fg_bt_inner and whatever takes the backtrace for it (a
 * sanitizer's interceptor) come before.
 */
static int bt_inner_frames(void *const *plain, int np, void *const *traced, int nt)
{
	int k = 0;

	while (k < np && k < nt && plain[k] == traced[k])
		k++;
	return k;
}

/*
 * backtrace() (the unwinder's _Unwind_Backtrace) from inside traced
 * frames: the frames it would find without tracing, each traced one
 * followed by the trampoline it returns to.
 */
TEST(graph_backtrace_through_traced_frames)
{
	struct graph_log *log = log_new("fg_bt_*");
	void *plain[16], *traced[16];
	int np, nt, k;

	ASSERT_TRUE(log != NULL);
	np = take_backtrace(plain, 16);
	ASSERT_LE(3, np);
	ASSERT_EQ(0, tp_register_ftrace_graph(&log->gops));
	alarm(20);
	nt = take_backtrace(traced, 16);
	alarm(0);
	ASSERT_EQ(0, tp_unregister_ftrace_graph(&log->gops));
	k = bt_inner_frames(plain, np, traced, nt);
	ASSERT_LE(1, k);			/* up to fg_bt_inner */
	ASSERT_LE(k + 4, nt);
	ASSERT_LE(k + 2, np);
	EXPECT_EQ(plain[k], traced[k + 1]);	/* in fg_bt_outer */
	EXPECT_EQ(traced[k], traced[k + 2]);	/* the trampoline */
	EXPECT_EQ(plain[k + 1], traced[k + 3]);	/* in take_backtrace */
	EXPECT_EQ(2, load(&log->returns));
	log_free(log);
}

#if defined(__aarch64__)
static __attribute__((noinline)) int take_pac_backtrace(void **buf, int max)
{
	int n = fg_pac_outer(buf, max);

	__asm__ volatile("" ::: "memory");
	return n;
}

/*
 * The same through functions that sign their return address (PAC,
 * where the CPU has it; else the same instructions are NOPs): the
 * trampoline's address is found signed in their frames.
 */
TEST(graph_backtrace_through_pac_frames)
{
	struct graph_log *log = log_new("fg_pac_*");
	void *plain[16], *traced[16];
	int np, nt, k;

	ASSERT_TRUE(log != NULL);
	np = take_pac_backtrace(plain, 16);
	ASSERT_LE(3, np);
	ASSERT_EQ(0, tp_register_ftrace_graph(&log->gops));
	alarm(20);
	nt = take_pac_backtrace(traced, 16);
	alarm(0);
	ASSERT_EQ(0, tp_unregister_ftrace_graph(&log->gops));
	k = bt_inner_frames(plain, np, traced, nt);
	ASSERT_LE(1, k);
	ASSERT_LE(k + 4, nt);
	ASSERT_LE(k + 2, np);
	EXPECT_EQ(plain[k], traced[k + 1]);
	EXPECT_EQ(traced[k], traced[k + 2]);
	EXPECT_EQ(plain[k + 1], traced[k + 3]);
	EXPECT_EQ(2, load(&log->returns));
	log_free(log);
}
#endif

static void *callback_bt[2][32];
static int callback_bt_nr[2];

static int bt_at_entry(const struct tp_ftrace_graph_ent *e, struct tp_fgraph_ops *g)
{
	(void)g;
	if (e->func == F(fg_bt_inner))
		callback_bt_nr[0] = backtrace(callback_bt[0], 32);
	return 1;
}

static void bt_at_return(const struct tp_ftrace_graph_ret *r, struct tp_fgraph_ops *g)
{
	(void)g;
	if (r->func == F(fg_bt_inner))
		callback_bt_nr[1] = backtrace(callback_bt[1], 32);
}

/* Where @addr first is in @bt (@nr frames), -1 if nowhere. */
static int bt_index(void *const *bt, int nr, const void *addr)
{
	int i;

	for (i = 0; i < nr; i++)
		if (bt[i] == addr)
			return i;
	return -1;
}

/*
 * backtrace() from the callbacks: through the entry trampoline (at
 * fg_bt_inner's entry) and the return trampoline's own frame (as
 * fg_bt_inner returns), the same callers.
 */
TEST(graph_backtrace_from_callbacks)
{
	struct tp_fgraph_ops gops = { .entryfunc = bt_at_entry, .retfunc = bt_at_return };
	void *plain[16], *traced[16];
	int np, nt, inner, k;

	np = take_backtrace(plain, 16);
	ASSERT_LE(3, np);
	ASSERT_EQ(0, tp_ftrace_set_filter(&gops.ops, "fg_bt_*", 1));
	ASSERT_EQ(0, tp_register_ftrace_graph(&gops));
	alarm(20);
	nt = take_backtrace(traced, 16);
	alarm(0);
	ASSERT_EQ(0, tp_unregister_ftrace_graph(&gops));
	tp_ftrace_free_filter(&gops.ops);
	inner = bt_inner_frames(plain, np, traced, nt);
	ASSERT_LE(1, inner);
	ASSERT_LE(inner + 2, np);
	for (k = 0; k < 2; k++) {
		int outer = bt_index(callback_bt[k], callback_bt_nr[k], plain[inner]);
		int caller = bt_index(callback_bt[k], callback_bt_nr[k], plain[inner + 1]);

		TH_LOG("%s callback: fg_bt_outer at %d, its caller at %d of %d frames",
		       k ? "return" : "entry", outer, caller, callback_bt_nr[k]);
		EXPECT_LT(0, outer);
		EXPECT_LT(outer, caller);
	}
}

/* In the copy of this program that gdb runs: stop inside graph-traced frames. */
static __attribute__((noinline)) void gdb_target_run(void)
{
	static struct tp_fgraph_ops gops = { .entryfunc = NULL };

	gops.retfunc = log_return;
	gops.private = calloc(1, sizeof(struct graph_log));
	if (!gops.private || tp_ftrace_set_filter(&gops.ops, "fg_bt_*", 1) ||
	    tp_register_ftrace_graph(&gops))
		_exit(2);
	fg_bt_outer(NULL, 0);
	__asm__ volatile("" ::: "memory");
}

__attribute__((constructor)) static void gdb_target(void)
{
	if (getenv("FGRAPH_GDB_TARGET")) {
		gdb_target_run();
		_exit(0);
	}
}

/* gdb's `bt` in graph-traced frames shows their real callers. */
TEST(graph_gdb_backtrace_through_traced_frames)
{
	char exe[PATH_MAX], cmd[PATH_MAX + 256], *out = NULL, *inner, *outer, *run;
	size_t cap = 0, len = 0, n;
	ssize_t elen = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	FILE *gdb;

	if (under_emulator())
		SKIP(return, "gdb debugs the emulator, not the program");
	if (access("/usr/bin/gdb", X_OK))
		SKIP(return, "gdb is not installed");
	ASSERT_LT(0, elen);
	exe[elen] = '\0';
	snprintf(cmd, sizeof(cmd), "FGRAPH_GDB_TARGET=1 timeout 60 /usr/bin/gdb -nx -batch "
		 "-ex run -ex bt '%s' </dev/null 2>&1", exe);
	gdb = popen(cmd, "r");
	ASSERT_TRUE(gdb != NULL);
	do {
		if (len + 4096 > cap)
			ASSERT_TRUE((out = realloc(out, cap += 65536)) != NULL);
		n = fread(out + len, 1, cap - len - 1, gdb);
		len += n;
	} while (n);
	pclose(gdb);
	out[len] = '\0';
	if (strstr(out, "ptrace: Operation not permitted") || !strstr(out, "SIGTRAP")) {
		TH_LOG("%s", out);
		free(out);
		SKIP(return, "gdb cannot run the program here");
	}
	inner = strstr(out, "fg_bt_inner");
	outer = strstr(out, "fg_bt_outer");
	run = strstr(out, "gdb_target_run");
	if (!inner || !outer || !run || !(inner < outer && outer < run))
		TH_LOG("%s", out);
	EXPECT_TRUE(inner && outer && run && inner < outer && outer < run);
	free(out);
}

/* --- C++ exceptions ----------------------------------------------------------- */

/*
 * What each way of throwing gives without tracing, and must give with:
 * the value, and the objects destroyed on the way.
 */
static void expect_as_untraced(struct __test_metadata *_metadata, enum fgx_how how,
			       int depth, int want, int destroyed)
{
	int before = fgx_destroyed;

	alarm(10);	/* an unwinder that loops fails the test */
	EXPECT_EQ(want, fgx_run(how, depth, 7));
	alarm(0);
	EXPECT_EQ(destroyed, fgx_destroyed - before);
	/* And the return stack is as it was: the next call is at depth 0. */
	EXPECT_EQ(18, fg_top(5));
}

/*
 * @how through 1, 2 and 10 traced frames of fgx_throw, which the
 * exception leaves: each of them returns as unwound, innermost first,
 * before anything after the catch; a traced frame that catches (the
 * outermost, with @caught) returns normally, one that rethrows is left
 * too.
 */
static void exception_test(struct __test_metadata *_metadata, enum fgx_how how, int want,
			   bool caught)
{
	static const int depths[] = { 0, 1, 9 };	/* 1, 2 and 10 traced frames */
	int extra = how != FGX_THROW, d, i;
	struct graph_log *log = log_new("fgx_*");
	size_t at = 0;

	ASSERT_TRUE(log != NULL);
	ASSERT_EQ(0, tp_ftrace_set_filter(&log->gops.ops, "fg_top", 0));
	for (d = 0; d < 3; d++)
		expect_as_untraced(_metadata, how, depths[d], want, depths[d] + 1 + extra);
	ASSERT_EQ(0, tp_register_ftrace_graph(&log->gops));
	for (d = 0; d < 3; d++)
		expect_as_untraced(_metadata, how, depths[d], want, depths[d] + 1 + extra);
	ASSERT_EQ(0, tp_unregister_ftrace_graph(&log->gops));
	EXPECT_EQ(load(&log->entries), load(&log->returns));
	for (d = 0; d < 3; d++) {
		int frames = depths[d] + 1;

		if (extra) {		/* fgx_catch or fgx_rethrow */
			EXPECT_FALSE(log->ev[at].ret);
			EXPECT_EQ(0, log->ev[at].depth);
			at++;
		}
		for (i = 0; i < frames; i++, at++) {
			EXPECT_EQ(F(fgx_throw), log->ev[at].func);
			EXPECT_FALSE(log->ev[at].ret);
			EXPECT_EQ(extra + i, log->ev[at].depth);
		}
		for (i = frames - 1; i >= 0; i--, at++) {
			EXPECT_EQ(F(fgx_throw), log->ev[at].func);
			EXPECT_TRUE(log->ev[at].unwound);
			EXPECT_EQ(extra + i, log->ev[at].depth);
		}
		if (extra) {
			EXPECT_TRUE(log->ev[at].ret);
			EXPECT_EQ(!caught, log->ev[at].unwound);
			EXPECT_EQ(0, log->ev[at].depth);
			at++;
		}
		/* fg_top after the catch: at depth 0. */
		EXPECT_EQ(F(fg_top), log->ev[at].func);
		EXPECT_EQ(0, log->ev[at].depth);
		at += 2;
	}
	EXPECT_EQ(at, log->nr);
	log_free(log);
}

TEST(graph_exception_through_1_2_10_traced_frames)
{
	exception_test(_metadata, FGX_THROW, -7, false);
}

TEST(graph_exception_caught_in_a_traced_frame)
{
	exception_test(_metadata, FGX_CATCH, 1007, true);
}

TEST(graph_exception_rethrown_from_a_traced_frame)
{
	exception_test(_metadata, FGX_RETHROW, -7, false);
}

/* No handler: std::terminate() aborts, as it does untraced. */
TEST(graph_exception_uncaught_terminates)
{
	struct graph_log *log = log_new("fgx_*");
	int status;

	ASSERT_TRUE(log != NULL);
	ASSERT_EQ(0, tp_register_ftrace_graph(&log->gops));
	status = fgx_terminate_in_child(3, 20);
	ASSERT_EQ(0, tp_unregister_ftrace_graph(&log->gops));
	ASSERT_NE(-1, status);
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGABRT, WTERMSIG(status));
	log_free(log);
}

/* --- vector and floating-point registers -------------------------------------- */

static int clobber_entry(const struct tp_ftrace_graph_ent *e, struct tp_fgraph_ops *g)
{
	(void)e, (void)g;
	fgv_clobber();
	return 1;
}

static void clobber_return(const struct tp_ftrace_graph_ret *r, struct tp_fgraph_ops *g)
{
	(void)r, (void)g;
	fgv_clobber();
}

static void clobber_hit(unsigned long ip, unsigned long parent_ip,
			struct tp_ftrace_ops *ops, struct tp_ftrace_regs *regs)
{
	(void)ip, (void)parent_ip, (void)ops, (void)regs;
	fgv_clobber();
}

/*
 * The test @name of this arch (vec_<arch>.c), untraced and then with
 * callbacks at entry (an ops and a graph ops) and at return that
 * clobber every vector register of the ABI.
 */
static void vector_test(struct __test_metadata *_metadata, const char *name)
{
	struct tp_fgraph_ops gops = { .entryfunc = clobber_entry, .retfunc = clobber_return };
	struct tp_ftrace_ops ops = { .func = clobber_hit };
	const struct fgv_test *t = NULL;
	const char *why = NULL;
	unsigned int i;
	int bad;

	for (i = 0; i < fgv_nr_tests; i++)
		if (!strcmp(fgv_tests[i].name, name))
			t = &fgv_tests[i];
	ASSERT_TRUE(t != NULL);
	bad = t->run(&why);
	if (bad < 0)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, bad);
	ASSERT_EQ(0, tp_ftrace_set_filter(&gops.ops, "fgv_*", 1));
	ASSERT_EQ(0, tp_ftrace_set_filter(&ops, "fgv_*", 1));
	ASSERT_EQ(0, tp_register_ftrace_function(&ops));
	ASSERT_EQ(0, tp_register_ftrace_graph(&gops));
	bad = t->run(&why);
	ASSERT_EQ(0, tp_unregister_ftrace_graph(&gops));
	ASSERT_EQ(0, tp_unregister_ftrace_function(&ops));
	EXPECT_EQ(0, bad);
	tp_ftrace_free_filter(&gops.ops);
	tp_ftrace_free_filter(&ops);
}

#define VECTOR_TEST(name)					\
	TEST(graph_vector_registers_##name)			\
	{							\
		vector_test(_metadata, #name);			\
	}

#if defined(__x86_64__)
VECTOR_TEST(sse)
VECTOR_TEST(avx)
VECTOR_TEST(avx512)
VECTOR_TEST(x87)
#elif defined(__aarch64__)
VECTOR_TEST(neon)
VECTOR_TEST(sve)
#elif defined(__riscv)
VECTOR_TEST(fp)
#endif

static unsigned long handler_runs, handler_bad;

static void traced_in_handler(int sig)
{
	if (fg_top(1) + fg_recurse(20) != 26)
		__atomic_fetch_add(&handler_bad, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&handler_runs, 1, __ATOMIC_RELAXED);
}

struct signaller {
	pthread_t target;
	int stop;
};

static void *send_signals(void *arg)
{
	struct signaller *s = arg;
	unsigned long i;

	for (i = 0; !__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE); i++) {
		pthread_kill(s->target, i & 1 ? SIGUSR1 : SIGUSR2);
		usleep(50);
	}
	return NULL;
}

/* Handlers, on the thread's stack and on an alternate one, interrupt traced frames. */
TEST(graph_signal_handlers)
{
	struct graph_log *log = log_new("fg_*");
	struct sigaction sa = { .sa_handler = traced_in_handler };
	struct signaller sig = { .target = pthread_self() };
	stack_t alt = { .ss_size = 1 << 16 };
	long loops = 0, bad = 0;
	pthread_t t;
	time_t end = time(NULL) + 2;

	ASSERT_TRUE(log != NULL);
	alt.ss_sp = malloc(alt.ss_size);
	ASSERT_TRUE(alt.ss_sp != NULL);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	sa.sa_flags = SA_ONSTACK;
	ASSERT_EQ(0, sigaltstack(&alt, NULL));
	ASSERT_EQ(0, sigaction(SIGUSR2, &sa, NULL));
	ASSERT_EQ(0, tp_register_ftrace_graph(&log->gops));
	ASSERT_EQ(0, pthread_create(&t, NULL, send_signals, &sig));
	while ((loops < 20000 && time(NULL) < end) || loops < 200) {
		bad += fg_recurse(30) != 30 || fg_top((int)loops) != 3 * (int)loops + 3;
		loops++;
	}
	__atomic_store_n(&sig.stop, 1, __ATOMIC_RELEASE);
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(0, tp_unregister_ftrace_graph(&log->gops));
	TH_LOG("%ld loops, %ld handlers ran", loops, load(&handler_runs));
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, load(&handler_bad));
	EXPECT_GT(load(&handler_runs), 0);
	/* A handler that interrupts a callback is not traced (recursion). */
	EXPECT_EQ(load(&log->entries), load(&log->returns));
	EXPECT_GE(load(&log->entries), loops * (31 + 4));
	EXPECT_LE(load(&log->entries), loops * (31 + 4) + load(&handler_runs) * (4 + 21));
	log_free(log);
}

TEST(graph_bad_input)
{
	struct tp_fgraph_ops none = { 0 };
	struct graph_log *log = log_new("fg_leaf");
	struct tp_fgraph_ops many[17];
	int i;

	ASSERT_TRUE(log != NULL);
	EXPECT_EQ(-EINVAL, tp_register_ftrace_graph(NULL));
	EXPECT_EQ(-EINVAL, tp_register_ftrace_graph(&none));
	EXPECT_EQ(-EINVAL, tp_unregister_ftrace_graph(NULL));
	EXPECT_EQ(-ENOENT, tp_unregister_ftrace_graph(&log->gops));
	ASSERT_EQ(0, tp_register_ftrace_graph(&log->gops));
	EXPECT_EQ(-EBUSY, tp_register_ftrace_graph(&log->gops));
	/* A filter changes under a registered graph ops too: fg_mid joins fg_leaf. */
	ASSERT_EQ(0, tp_ftrace_set_filter(&log->gops.ops, "fg_mid", 0));
	memset(many, 0, sizeof(many));
	for (i = 0; i < 15; i++) {
		many[i].retfunc = log_return;
		many[i].private = log;
		ASSERT_EQ(0, tp_ftrace_set_filter(&many[i].ops, "fg_mid", 1));
		ASSERT_EQ(0, tp_register_ftrace_graph(&many[i]));
	}
	many[15].retfunc = log_return;
	EXPECT_EQ(-ENOSPC, tp_register_ftrace_graph(&many[15]));
	EXPECT_EQ(4, fg_mid(1));
	EXPECT_EQ(15 + 2, load(&log->returns));
	for (i = 0; i < 15; i++)
		ASSERT_EQ(0, tp_unregister_ftrace_graph(&many[i]));
	ASSERT_EQ(0, tp_unregister_ftrace_graph(&log->gops));
	EXPECT_EQ(-ENOENT, tp_unregister_ftrace_graph(&log->gops));
	log_free(log);
}

static void *fg_wait_thread(void *go)
{
	return (void *)(long)fg_wait(go, 20);
}

/* A thread parked deep in traced frames while graph tracing goes away. */
TEST(graph_unregister_with_frames_pending)
{
	struct graph_log *log = log_new("fg_wait");
	static int go;
	pthread_t t;
	void *res;

	ASSERT_TRUE(log != NULL);
	ASSERT_EQ(0, tp_register_ftrace_graph(&log->gops));
	ASSERT_EQ(0, pthread_create(&t, NULL, fg_wait_thread, &go));
	while (load(&log->entries) < 21)
		usleep(1000);
	ASSERT_EQ(0, tp_unregister_ftrace_graph(&log->gops));
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	ASSERT_EQ(0, pthread_join(t, &res));
	EXPECT_EQ(20, (long)res);
	EXPECT_EQ(21, load(&log->entries));
	EXPECT_EQ(0, load(&log->returns));
	log_free(log);
}

/* --- recording and printing ----------------------------------------------- */

static void *slurp(const char *path, size_t *len)
{
	struct stat st;
	void *buf = NULL;
	int fd = open(path, O_RDONLY);

	if (fd >= 0 && !fstat(fd, &st) && (buf = malloc(st.st_size + 1)) &&
	    read(fd, buf, st.st_size) == st.st_size) {
		*len = st.st_size;
	} else {
		free(buf);
		buf = NULL;
	}
	if (fd >= 0)
		close(fd);
	return buf;
}

/* What tp-graph prints for @buf with @opts. */
static char *replay_text(const void *buf, size_t len, const struct replay_opts *opts, int *ret)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size), *null = fopen("/dev/null", "w");

	*ret = graph_replay(f, null, buf, len, opts);
	fclose(f);
	fclose(null);
	return text;
}

/* What tp-graph prints for @buf, without the thread and time columns. */
static char *replay_calls_opts(const void *buf, size_t len, const struct replay_opts *opts,
			       int *ret)
{
	char *text = replay_text(buf, len, opts, ret), *out, *line, *save;

	out = calloc(1, (text ? strlen(text) : 0) + 1);
	for (line = strtok_r(text, "\n", &save); out && line; line = strtok_r(NULL, "\n", &save)) {
		char *calls = strstr(line, "|  ");

		if (calls) {
			strcat(out, calls + 3);
			strcat(out, "\n");
		}
	}
	free(text);
	return out;
}

/* The same, with the return values as @retval has them. */
static char *replay_calls_as(const void *buf, size_t len, int *ret, enum replay_retval retval)
{
	struct replay_opts opts = { .retval = retval };

	return replay_calls_opts(buf, len, &opts, ret);
}

static char *replay_calls(const void *buf, size_t len, int *ret)
{
	return replay_calls_as(buf, len, ret, REPLAY_RETVAL_NONE);
}

/* The record at *@off, or NULL at the end; *@off moves past what follows it. */
static const struct tp_fgraph_record *next_record(const unsigned char *buf, size_t len,
						  size_t *off)
{
	const struct tp_fgraph_record *rec = (const void *)(buf + *off);

	if (len - *off < sizeof(*rec))
		return NULL;
	*off += sizeof(*rec);
	if (rec->type == TP_FGRAPH_SYMBOL || rec->type == TP_FGRAPH_LOAD)
		*off += (rec->len + 7) & ~7u;
	return rec;
}

TEST(graph_recording_prints_the_call_graph)
{
	char path[] = "/tmp/tp-fgraph-XXXXXX";
	const struct tp_fgraph_file_header *h;
	const struct tp_fgraph_record *rec;
	size_t len = 0, off, entries = 0, returns = 0, retvals = 0, symbols = 0, cut;
	unsigned char *buf;
	char *calls;
	int fd = mkstemp(path), ret;

	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, tp_fgraph_record_start(path, "fg_*"));
	EXPECT_EQ(-EBUSY, tp_fgraph_record_start(path, "fg_*"));
	EXPECT_EQ(18, fg_top(5));
	ASSERT_EQ(0, tp_fgraph_record_stop());
	EXPECT_EQ(-ENOENT, tp_fgraph_record_stop());
	EXPECT_EQ(18, fg_top(5));

	buf = slurp(path, &len);
	unlink(path);
	ASSERT_TRUE(buf != NULL);
	h = (const void *)buf;
	ASSERT_LE(sizeof(*h), len);
	EXPECT_EQ(0, memcmp(h->magic, TP_FGRAPH_MAGIC, 8));
	EXPECT_EQ(getpid(), (pid_t)h->pid);
	EXPECT_EQ(TP_FGRAPH_VERSION, (int)h->version);
	off = sizeof(*h);
	while ((rec = next_record(buf, len, &off))) {
		symbols += rec->type == TP_FGRAPH_SYMBOL;
		entries += rec->type == TP_FGRAPH_ENTRY;
		returns += rec->type == TP_FGRAPH_RETURN;
		retvals += rec->type == TP_FGRAPH_RETVAL;
	}
	EXPECT_EQ(len, off);
	EXPECT_EQ(tp_ftrace_count_functions("fg_*"), (long)symbols);
	EXPECT_EQ(4, (long)entries);
	EXPECT_EQ(4, (long)returns);
	EXPECT_EQ(4, (long)retvals);

	calls = replay_calls(buf, len, &ret);
	EXPECT_EQ(0, ret);
	ASSERT_TRUE(calls != NULL);
	EXPECT_STREQ("fg_top() {\n"
		     "  fg_mid() {\n"
		     "    fg_leaf();\n"
		     "  } /* fg_mid */\n"
		     "  fg_leaf();\n"
		     "} /* fg_top */\n", calls);
	free(calls);
	calls = replay_calls_as(buf, len, &ret, REPLAY_RETVAL_INT);
	EXPECT_EQ(0, ret);
	ASSERT_TRUE(calls != NULL);
	EXPECT_STREQ("fg_top() {\n"
		     "  fg_mid() {\n"
		     "    fg_leaf() = 6;\n"
		     "  } = 12; /* fg_mid */\n"
		     "  fg_leaf() = 6;\n"
		     "} = 18; /* fg_top */\n", calls);
	free(calls);
	/* Cut anywhere: printed up to a whole record, or refused; never a crash. */
	for (cut = 0; cut < len; cut++) {
		calls = replay_calls(buf, cut, &ret);
		EXPECT_TRUE(ret == 0 || ret == -EINVAL);
		free(calls);
	}
	buf[sizeof(*h)] = 0x7f;		/* the first record's type */
	calls = replay_calls(buf, len, &ret);
	EXPECT_EQ(-EINVAL, ret);
	free(calls);
	free(buf);
}

/*
 * A recording of this version as version 1 had it: no objects, no flags,
 * and no return values unless @retvals (which version 1 refuses).
 */
static unsigned char *as_version_1(const unsigned char *buf, size_t len, bool retvals,
				   size_t *v1_len)
{
	struct tp_fgraph_file_header *h;
	unsigned char *v1 = malloc(len);
	size_t off = sizeof(*h), at;

	if (!v1)
		return NULL;
	memcpy(v1, buf, sizeof(*h));
	h = (void *)v1;
	h->version = 1;
	*v1_len = sizeof(*h);
	for (at = off; next_record(buf, len, &off); at = off) {
		struct tp_fgraph_record rec;

		memcpy(&rec, buf + at, sizeof(rec));
		if (rec.type == TP_FGRAPH_LOAD || rec.type == TP_FGRAPH_UNLOAD ||
		    (rec.type == TP_FGRAPH_RETVAL && !retvals))
			continue;
		if (rec.type == TP_FGRAPH_SYMBOL)
			rec.object = 0;
		if (rec.type == TP_FGRAPH_RETURN)
			rec.flags = 0;
		memcpy(v1 + *v1_len, &rec, sizeof(rec));
		memcpy(v1 + *v1_len + sizeof(rec), buf + at + sizeof(rec), off - at - sizeof(rec));
		*v1_len += off - at;
	}
	return v1;
}

/* The recording of a longjmp(): the calls it left, as unwound. */
TEST(graph_recording_shows_unwound_calls)
{
	char path[] = "/tmp/tp-fgraph-XXXXXX";
	unsigned char *buf, *v1;
	size_t len = 0, v1_len;
	char *calls, *calls_v1;
	jmp_buf env;
	int fd = mkstemp(path), ret;

	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, tp_fgraph_record_start(path, "fg_*"));
	if (!setjmp(env))
		fg_jump(&env, 2);
	EXPECT_EQ(2, fg_leaf(1));
	ASSERT_EQ(0, tp_fgraph_record_stop());
	buf = slurp(path, &len);
	unlink(path);
	ASSERT_TRUE(buf != NULL);
	calls = replay_calls_as(buf, len, &ret, REPLAY_RETVAL_INT);
	EXPECT_EQ(0, ret);
	ASSERT_TRUE(calls != NULL);
	EXPECT_STREQ("fg_jump() {\n"
		     "  fg_jump() {\n"
		     "    fg_jump(); /* unwound */\n"
		     "  } /* fg_jump: unwound */\n"
		     "} /* fg_jump: unwound */\n"
		     "fg_leaf() = 2;\n", calls);
	free(calls);

	/* As version 1 wrote it, without return values: read too, and refused with them. */
	v1 = as_version_1(buf, len, true, &v1_len);
	ASSERT_TRUE(v1 != NULL);
	calls_v1 = replay_calls_as(v1, v1_len, &ret, REPLAY_RETVAL_INT);
	EXPECT_EQ(-EINVAL, ret);
	free(calls_v1);
	free(v1);
	v1 = as_version_1(buf, len, false, &v1_len);
	ASSERT_TRUE(v1 != NULL);
	calls_v1 = replay_calls_as(v1, v1_len, &ret, REPLAY_RETVAL_INT);
	EXPECT_EQ(0, ret);
	ASSERT_TRUE(calls_v1 != NULL);
	/* The unwound calls, inferred from the return below them; no values. */
	EXPECT_STREQ("fg_jump() {\n"
		     "  fg_jump() {\n"
		     "    fg_jump();\n"
		     "  } /* fg_jump */\n"
		     "} /* fg_jump */\n"
		     "fg_leaf();\n", calls_v1);
	free(calls_v1);
	free(v1);
	free(buf);
}

TEST(graph_recording_bad_input)
{
	EXPECT_EQ(-EINVAL, tp_fgraph_record_start(NULL, "fg_*"));
	EXPECT_EQ(-ENOENT, tp_fgraph_record_start("/nonexistent/dir/rec", "fg_*"));
	EXPECT_EQ(-ENOENT, tp_fgraph_record_start("/tmp/tp-fgraph-none", "no_such_function"));
	EXPECT_NE(0, access("/tmp/tp-fgraph-none", F_OK));
	EXPECT_EQ(-ENOENT, tp_fgraph_record_stop());
	EXPECT_EQ(4, fg_mid(1));
}

/* C++ functions: printed with their demangled names, or as they are. */
TEST(graph_recording_demangles_cxx_names)
{
	char path[] = "/tmp/tp-fgraph-XXXXXX";
	size_t len = 0;
	int fd = mkstemp(path), ret;
	char *buf, *calls;

	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, tp_fgraph_record_start(path, "*fg_cxx*"));
	EXPECT_EQ(36, fg_cxx_run(5));
	ASSERT_EQ(0, tp_fgraph_record_stop());
	buf = slurp(path, &len);
	unlink(path);
	ASSERT_TRUE(buf != NULL);

	calls = replay_calls(buf, len, &ret);
	EXPECT_EQ(0, ret);
	ASSERT_TRUE(calls != NULL);
	EXPECT_STREQ("fg_cxx_run() {\n"
		     "  fg_cxx::twice(int);\n"
		     "  fg_cxx::counter::bump(int);\n"
		     "  int fg_cxx::add<int>(int, int);\n"
		     "} /* fg_cxx_run */\n", calls);
	free(calls);
	calls = replay_calls_opts(buf, len, &(struct replay_opts){ .raw_names = true }, &ret);
	EXPECT_EQ(0, ret);
	ASSERT_TRUE(calls != NULL);
	EXPECT_STREQ("fg_cxx_run() {\n"
		     "  _ZN6fg_cxx5twiceEi();\n"
		     "  _ZN6fg_cxx7counter4bumpEi();\n"
		     "  _ZN6fg_cxx3addIiEET_S1_S1_();\n"
		     "} /* fg_cxx_run */\n", calls);
	free(calls);
	free(buf);
}

/* --- recordings made by hand, for the reader ---------------------------------- */

struct handmade {
	unsigned char buf[2048];	/* zeroed: what follows a record is padded with 0 */
	size_t len;
};

static void put(struct handmade *h, const void *p, size_t len)
{
	memcpy(h->buf + h->len, p, len);
	h->len += (len + 7) & ~(size_t)7;
}

static void put_header(struct handmade *h, uint32_t version)
{
	struct tp_fgraph_file_header head = {
		.version = version, .record_size = sizeof(struct tp_fgraph_record),
	};

	memcpy(head.magic, TP_FGRAPH_MAGIC, sizeof(head.magic));
	put(h, &head, sizeof(head));
}

static void put_load(struct handmade *h, uint32_t object, uint64_t base, uint64_t time,
		     const char *build_id, const char *path)
{
	struct tp_fgraph_object o = {
		.type = TP_FGRAPH_LOAD, .object = object, .base = base, .time = time,
		.build_id_len = strlen(build_id), .len = strlen(build_id) + strlen(path),
	};
	char data[256];

	snprintf(data, sizeof(data), "%s%s", build_id, path);
	put(h, &o, sizeof(o));
	put(h, data, o.len);
}

static void put_unload(struct handmade *h, uint32_t object, uint64_t time)
{
	struct tp_fgraph_object o = { .type = TP_FGRAPH_UNLOAD, .object = object, .time = time };

	put(h, &o, sizeof(o));
}

static void put_symbol(struct handmade *h, uint32_t object, uint64_t addr, const char *name)
{
	struct tp_fgraph_record r = {
		.type = TP_FGRAPH_SYMBOL, .object = object, .func = addr, .len = strlen(name),
	};

	put(h, &r, sizeof(r));
	put(h, name, r.len);
}

/* A call of @func from @start to @end, by thread 1. */
static void put_call(struct handmade *h, uint64_t func, uint64_t start, uint64_t end)
{
	struct tp_fgraph_record r = {
		.type = TP_FGRAPH_ENTRY, .tid = 1, .func = func, .calltime = start,
	};

	put(h, &r, sizeof(r));
	r.type = TP_FGRAPH_RETURN;
	r.rettime = end;
	put(h, &r, sizeof(r));
}

/*
 * One address, three times: in a, in b loaded where a was, in nothing;
 * a function without a name; the executable's, loaded before.
 */
TEST(graph_replay_names_from_the_object_loaded_then)
{
	struct handmade h = { .len = 0 };
	char *calls;
	int ret;

	put_header(&h, TP_FGRAPH_VERSION);
	put_load(&h, 1, 0x1000, 0, "", "/usr/bin/prog");
	put_symbol(&h, 1, 0x2000, "main_fn");
	put_call(&h, 0x2000, 50, 60);
	put_load(&h, 4, 0x7000, 100, "\x12\x34", "/usr/lib/liba.so");
	put_symbol(&h, 4, 0x7100, "a_fn");
	put_symbol(&h, 4, 0x7200, "");
	put_call(&h, 0x7100, 150, 160);
	put_call(&h, 0x7200, 170, 180);
	put_unload(&h, 4, 200);
	put_load(&h, 5, 0x7000, 200, "\x56\x78", "/usr/lib/libb.so");
	put_symbol(&h, 5, 0x7100, "b_fn");
	put_call(&h, 0x7100, 250, 260);
	put_unload(&h, 5, 300);
	put_call(&h, 0x7100, 350, 360);

	calls = replay_calls(h.buf, h.len, &ret);
	EXPECT_EQ(0, ret);
	ASSERT_TRUE(calls != NULL);
	EXPECT_STREQ("main_fn();\n"
		     "a_fn();\n"
		     "liba.so+0x200();\n"
		     "b_fn();\n"
		     "0x7100();\n", calls);
	free(calls);
	calls = replay_text(h.buf, h.len, &(struct replay_opts){ .objects = true }, &ret);
	EXPECT_EQ(0, ret);
	ASSERT_TRUE(calls != NULL);
	EXPECT_TRUE(strstr(calls, "# object 1: /usr/bin/prog, build-id none, base 0x1000, "
			   "loaded before the recording\n"
			   "# object 4: /usr/lib/liba.so, build-id 1234, base 0x7000, "
			   "loaded 0.000000100 s, unloaded 0.000000200 s\n"
			   "# object 5: /usr/lib/libb.so, build-id 5678, base 0x7000, "
			   "loaded 0.000000200 s, unloaded 0.000000300 s\n"
			   "# thread 1\n") == calls) TH_LOG("%s", calls);
	free(calls);
}

/* What tp-graph says of @h on its standard error; its return in *@ret. */
static char *replay_error(const struct handmade *h, int *ret)
{
	struct replay_opts opts = { 0 };
	char *text = NULL;
	size_t size = 0;
	FILE *err = open_memstream(&text, &size), *null = fopen("/dev/null", "w");

	*ret = graph_replay(null, err, h->buf, h->len, &opts);
	fclose(err);
	fclose(null);
	return text;
}

/* Version 1 is read; later ones are not, and their number is said. */
TEST(graph_replay_versions)
{
	struct handmade v1 = { .len = 0 }, v3 = { .len = 0 };
	char *text;
	int ret;

	put_header(&v1, 1);
	put_symbol(&v1, 0, 0x2000, "old_fn");
	put_call(&v1, 0x2000, 50, 60);
	text = replay_calls(v1.buf, v1.len, &ret);
	EXPECT_EQ(0, ret);
	EXPECT_STREQ("old_fn();\n", text);
	free(text);
	/* Version 1 has no objects, nor functions without a name. */
	put_load(&v1, 1, 0x1000, 0, "", "/usr/bin/prog");
	text = replay_error(&v1, &ret);
	EXPECT_EQ(-EINVAL, ret);
	EXPECT_STREQ("tp-graph: unknown record type at byte 152\n", text);
	free(text);
	v1.len = 0;
	put_header(&v1, 1);
	put_symbol(&v1, 0, 0x2000, "");
	text = replay_error(&v1, &ret);
	EXPECT_EQ(-EINVAL, ret);
	EXPECT_STREQ("tp-graph: bad symbol length at byte 24\n", text);
	free(text);

	put_header(&v3, TP_FGRAPH_VERSION + 1);
	put_call(&v3, 0x2000, 50, 60);
	text = replay_error(&v3, &ret);
	EXPECT_EQ(-EINVAL, ret);
	ASSERT_TRUE(text != NULL);
	EXPECT_TRUE(strstr(text, "version 3, this tp-graph reads 1 to 2") != NULL) TH_LOG("%s", text);
	free(text);
}

/* Objects that contradict themselves: refused, with where. */
TEST(graph_replay_bad_objects)
{
	static const struct {
		const char *why;
		uint32_t load, unload, symbol, reload;
		uint64_t unload_time;
	} bad[] = {
		{ "unload of an object never loaded", 1, 2, 1, 0, 20 },
		{ "symbol of an object never loaded", 1, 1, 2, 0, 20 },
		{ "object loaded twice", 1, 1, 1, 1, 20 },
		{ "bad unload", 1, 1, 1, 0, 5 },
	};
	struct tp_fgraph_object *o;
	struct handmade h;
	size_t i;
	char *text;
	int ret;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&h, 0, sizeof(h));
		put_header(&h, TP_FGRAPH_VERSION);
		put_load(&h, bad[i].load, 0x1000, 10, "", "/usr/lib/liba.so");
		put_symbol(&h, bad[i].symbol, 0x1100, "a_fn");
		if (bad[i].reload)
			put_load(&h, bad[i].reload, 0x1000, 30, "", "/usr/lib/libb.so");
		put_unload(&h, bad[i].unload, bad[i].unload_time);
		text = replay_error(&h, &ret);
		EXPECT_EQ(-EINVAL, ret);
		ASSERT_TRUE(text != NULL);
		EXPECT_TRUE(strstr(text, bad[i].why) != NULL) TH_LOG("%s: %s", bad[i].why, text);
		free(text);
	}
	/* A build-id that leaves no path; an unload with something after it. */
	memset(&h, 0, sizeof(h));
	put_header(&h, TP_FGRAPH_VERSION);
	put_load(&h, 1, 0x1000, 10, "id", "");
	text = replay_error(&h, &ret);
	EXPECT_EQ(-EINVAL, ret);
	EXPECT_STREQ("tp-graph: bad object record at byte 24\n", text);
	free(text);
	memset(&h, 0, sizeof(h));
	put_header(&h, TP_FGRAPH_VERSION);
	put_unload(&h, 1, 10);
	o = (void *)(h.buf + sizeof(struct tp_fgraph_file_header));
	o->len = 8;
	text = replay_error(&h, &ret);
	EXPECT_EQ(-EINVAL, ret);
	EXPECT_STREQ("tp-graph: bad object record at byte 24\n", text);
	free(text);
	/* A path that runs past the end. */
	memset(&h, 0, sizeof(h));
	put_header(&h, TP_FGRAPH_VERSION);
	put_load(&h, 1, 0x1000, 10, "", "/usr/lib/liba.so");
	text = replay_error(&h, &ret);
	EXPECT_EQ(0, ret);
	free(text);
	h.len -= 8;
	text = replay_error(&h, &ret);
	EXPECT_EQ(-EINVAL, ret);
	EXPECT_STREQ("tp-graph: bad object record at byte 24\n", text);
	free(text);
}

/* A return of @func called at @start, with @flags; by thread 1. */
static void put_return(struct handmade *h, uint64_t func, uint64_t start, uint64_t end,
		       uint32_t flags)
{
	struct tp_fgraph_record r = {
		.type = TP_FGRAPH_RETURN, .tid = 1, .func = func, .calltime = start,
		.rettime = end, .flags = flags,
	};

	put(h, &r, sizeof(r));
}

static void put_retval(struct handmade *h, uint64_t value, double fp)
{
	struct tp_fgraph_retval v = { .type = TP_FGRAPH_RETVAL, .tid = 1, .ints = { value } };

	memcpy(&v.fp_bits[0], &fp, sizeof(fp));
	put(h, &v, sizeof(v));
}

static void put_entry(struct handmade *h, uint64_t func, uint64_t start)
{
	struct tp_fgraph_record r = {
		.type = TP_FGRAPH_ENTRY, .tid = 1, .func = func, .calltime = start,
	};

	put(h, &r, sizeof(r));
}

/*
 * One version 2 for both: objects and return values in the same
 * recording, each record type with its own number.
 */
TEST(graph_replay_return_values_and_objects)
{
	struct handmade h = { .len = 0 };
	struct replay_opts opts = { .retval = REPLAY_RETVAL_INT };
	char *text;
	int ret;

	EXPECT_EQ(2, TP_FGRAPH_VERSION);
	EXPECT_EQ(1, TP_FGRAPH_SYMBOL);
	EXPECT_EQ(2, TP_FGRAPH_ENTRY);
	EXPECT_EQ(3, TP_FGRAPH_RETURN);
	EXPECT_EQ(4, TP_FGRAPH_LOAD);
	EXPECT_EQ(5, TP_FGRAPH_UNLOAD);
	EXPECT_EQ(6, TP_FGRAPH_RETVAL);

	put_header(&h, TP_FGRAPH_VERSION);
	put_load(&h, 1, 0x1000, 0, "", "/usr/bin/prog");
	put_symbol(&h, 1, 0x2000, "main_fn");
	put_entry(&h, 0x2000, 50);
	put_return(&h, 0x2000, 50, 60, 0);
	put_retval(&h, 7, 0);
	put_load(&h, 4, 0x7000, 100, "\x12\x34", "/usr/lib/liba.so");
	put_symbol(&h, 4, 0x7100, "a_fn");
	put_symbol(&h, 4, 0x7200, "_ZN2ns5parseEPKc");
	put_entry(&h, 0x7100, 150);
	put_entry(&h, 0x7200, 155);
	put_return(&h, 0x7200, 155, 158, 0);
	put_retval(&h, (uint64_t)-3, 0);
	put_return(&h, 0x7100, 150, 160, TP_FGRAPH_RECORD_UNWOUND);
	put_unload(&h, 4, 200);
	put_entry(&h, 0x7100, 250);
	put_return(&h, 0x7100, 250, 260, 0);
	put_retval(&h, 1, 0);

	text = replay_calls_opts(h.buf, h.len, &opts, &ret);
	EXPECT_EQ(0, ret);
	ASSERT_TRUE(text != NULL);
	EXPECT_STREQ("main_fn() = 7;\n"
		     "a_fn() {\n"
		     "  ns::parse(char const*) = -3;\n"
		     "} /* a_fn: unwound */\n"
		     "0x7100() = 1;\n", text);
	free(text);
	opts.raw_names = true;
	opts.retval = REPLAY_RETVAL_HEX;
	text = replay_calls_opts(h.buf, h.len, &opts, &ret);
	EXPECT_EQ(0, ret);
	ASSERT_TRUE(text != NULL);
	EXPECT_STREQ("main_fn() = 0x7;\n"
		     "a_fn() {\n"
		     "  _ZN2ns5parseEPKc() = 0xfffffffffffffffd;\n"
		     "} /* a_fn: unwound */\n"
		     "0x7100() = 0x1;\n", text);
	free(text);

	/* A return value right after its return, and only there. */
	h.len = 0;
	memset(h.buf, 0, sizeof(h.buf));
	put_header(&h, TP_FGRAPH_VERSION);
	put_load(&h, 1, 0x1000, 0, "", "/usr/bin/prog");
	put_symbol(&h, 1, 0x2000, "main_fn");
	put_entry(&h, 0x2000, 50);
	put_return(&h, 0x2000, 50, 60, 0);
	put_load(&h, 2, 0x7000, 100, "", "/usr/lib/liba.so");
	put_retval(&h, 7, 0);
	text = replay_error(&h, &ret);
	EXPECT_EQ(-EINVAL, ret);
	EXPECT_STREQ("tp-graph: return value without its return at byte 264\n", text);
	free(text);
	h.len = 0;
	memset(h.buf, 0, sizeof(h.buf));
	put_header(&h, TP_FGRAPH_VERSION);
	put_entry(&h, 0x2000, 50);
	put_return(&h, 0x2000, 50, 60, TP_FGRAPH_RECORD_UNWOUND);
	put_retval(&h, 7, 0);
	text = replay_error(&h, &ret);
	EXPECT_EQ(-EINVAL, ret);
	EXPECT_STREQ("tp-graph: return value without its return at byte 104\n", text);
	free(text);
	/* Version 1 had neither. */
	h.len = 0;
	memset(h.buf, 0, sizeof(h.buf));
	put_header(&h, 1);
	put_entry(&h, 0x2000, 50);
	put_return(&h, 0x2000, 50, 60, 0);
	put_retval(&h, 7, 0);
	text = replay_error(&h, &ret);
	EXPECT_EQ(-EINVAL, ret);
	EXPECT_STREQ("tp-graph: unknown record type at byte 104\n", text);
	free(text);
}

/* --- objects loaded and unloaded while recording ----------------------------- */

struct dso {
	void *handle;
	fg_dso_fn *fn;
	uintptr_t base;
	char path[PATH_MAX];
};

/* fgraph_dso_@which.so, next to the test, loaded and traced. */
static int dso_open(struct dso *d, char which)
{
	char exe[PATH_MAX], fn[] = "fg_dso_?";
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct link_map *map;

	if (n < 0)
		return -1;
	exe[n] = 0;
	snprintf(d->path, sizeof(d->path), "%s/fgraph_dso_%c.so", dirname(exe), which);
	fn[sizeof(fn) - 2] = which;
	d->handle = dlopen(d->path, RTLD_NOW | RTLD_LOCAL);
	if (!d->handle)
		return -1;
	d->fn = (fg_dso_fn *)dlsym(d->handle, fn);
	if (!d->fn || dlinfo(d->handle, RTLD_DI_LINKMAP, &map))
		return -1;
	d->base = map->l_addr;
	return tp_ftrace_update_objects();
}

/* A TP_FGRAPH_LOAD record's build-id and path. */
static const unsigned char *load_build_id(const struct tp_fgraph_object *o)
{
	return (const unsigned char *)(o + 1);
}

static bool load_is(const struct tp_fgraph_object *o, const char *path)
{
	size_t len = o->len - o->build_id_len;

	return strlen(path) == len && !memcmp(load_build_id(o) + o->build_id_len, path, len);
}

/* The load of @d in the recording, after the one at *@from; its unload. */
static const struct tp_fgraph_object *find_load(const unsigned char *buf, size_t len,
						size_t *from, const struct dso *d,
						const struct tp_fgraph_object **unload)
{
	const struct tp_fgraph_object *load = NULL, *o;
	size_t off = *from;

	*unload = NULL;
	while ((o = (const void *)next_record(buf, len, &off))) {
		if (!load && o->type == TP_FGRAPH_LOAD && load_is(o, d->path)) {
			load = o;
			*from = off;
		} else if (load && o->type == TP_FGRAPH_UNLOAD && o->object == load->object) {
			*unload = o;
		}
	}
	return load;
}

/* What tp-graph prints for one call of @d's function that returned @x. */
static void dso_expect(char *want, size_t size, const struct dso *d, char which,
		       uintptr_t hidden)
{
	size_t len = strlen(want);

	snprintf(want + len, size - len,
		 "fg_dso_%c() {\n  fgraph_dso_%c.so+0x%lx();\n} /* fg_dso_%c */\n",
		 which, which, (unsigned long)(hidden - d->base), which);
}

/*
 * Without the calls of the objects' own nameless functions at the top
 * level: constructors and destructors the toolchain adds (the sanitizers
 * do), which run in dlopen() and dlclose().
 */
static void drop_toplevel_nameless(char *calls)
{
	char *line = calls, *end, *to = calls;

	for (; *line; line = end) {
		end = strchr(line, '\n');
		end = end ? end + 1 : line + strlen(line);
		if (*line != ' ' && *line != '}' && memmem(line, end - line, ".so+0x", 6))
			continue;
		memmove(to, line, end - line);
		to += end - line;
	}
	*to = 0;
}

/*
 * Loaded, unloaded, another one loaded (where the loader puts it: most
 * often where the first one was), the first one again: each call is
 * named from the object that was there when it ran, the static ones by
 * their object and offset.  The second load is seen by the same scan
 * that sees the first one gone.
 */
TEST(graph_recording_objects_loaded_later)
{
	char path[PATH_MAX] = "/tmp/tp-fgraph-XXXXXX", want[1024] = "", line[PATH_MAX + 64];
	struct dso a1, b, a2;
	const struct dso *dsos[] = { &a1, &b, &a2 };
	const struct tp_fgraph_object *exe, *load[3], *unload[3];
	uintptr_t hidden_a1 = 0, hidden_b = 0, hidden_a2 = 0;
	size_t len = 0, off, i;
	int fd = mkstemp(path), ret;
	char *buf, *calls;
	ssize_t n;

	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, tp_fgraph_record_start(path, NULL));
	ASSERT_EQ(0, dso_open(&a1, 'a')) TH_LOG("%s", dlerror());
	EXPECT_EQ(12, a1.fn(1, &hidden_a1));
	EXPECT_EQ(0, dlclose(a1.handle));
	ASSERT_EQ(0, dso_open(&b, 'b')) TH_LOG("%s", dlerror());
	EXPECT_EQ(22, b.fn(1, &hidden_b));
	EXPECT_EQ(0, dlclose(b.handle));
	EXPECT_EQ(0, tp_ftrace_update_objects());
	ASSERT_EQ(0, dso_open(&a2, 'a')) TH_LOG("%s", dlerror());
	EXPECT_EQ(13, a2.fn(2, &hidden_a2));
	EXPECT_EQ(2, fg_leaf(1));
	EXPECT_EQ(0, dlclose(a2.handle));
	ASSERT_EQ(0, tp_fgraph_record_stop());
	TH_LOG("b loaded %s a", a1.base == b.base ? "where" : "elsewhere than");

	dso_expect(want, sizeof(want), &a1, 'a', hidden_a1);
	dso_expect(want, sizeof(want), &b, 'b', hidden_b);
	dso_expect(want, sizeof(want), &a2, 'a', hidden_a2);
	strcat(want, "fg_leaf();\n");
	buf = slurp(path, &len);
	unlink(path);
	ASSERT_TRUE(buf != NULL);
	calls = replay_calls(buf, len, &ret);
	EXPECT_EQ(0, ret);
	ASSERT_TRUE(calls != NULL);
	drop_toplevel_nameless(calls);
	EXPECT_STREQ(want, calls);
	free(calls);

	/* The executable first, loaded before, by its real name. */
	off = sizeof(struct tp_fgraph_file_header);
	exe = (const void *)next_record((unsigned char *)buf, len, &off);
	n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	ASSERT_LT(0, n);
	path[n] = 0;
	ASSERT_EQ(TP_FGRAPH_LOAD, (int)exe->type);
	EXPECT_TRUE(load_is(exe, path));
	EXPECT_EQ(0ull, exe->time);
	/* Each load once, where it was, when it was, with its build-id. */
	off = sizeof(struct tp_fgraph_file_header);
	for (i = 0; i < 3; i++) {
		load[i] = find_load((unsigned char *)buf, len, &off, dsos[i], &unload[i]);
		ASSERT_TRUE(load[i] != NULL);
		ASSERT_TRUE(unload[i] != NULL);
		EXPECT_EQ(dsos[i]->base, load[i]->base);
		EXPECT_LT(0ull, load[i]->time);
		EXPECT_LT(load[i]->time, unload[i]->time);
		EXPECT_LE(8u, load[i]->build_id_len);
		if (i)
			EXPECT_LE(unload[i - 1]->time, load[i]->time);
	}
	EXPECT_NE(load[0]->object, load[2]->object);
	ASSERT_EQ(load[0]->build_id_len, load[2]->build_id_len);
	EXPECT_EQ(0, memcmp(load_build_id(load[0]), load_build_id(load[2]),
			    load[0]->build_id_len));
	EXPECT_FALSE(load[0]->build_id_len == load[1]->build_id_len &&
		     !memcmp(load_build_id(load[0]), load_build_id(load[1]),
			     load[0]->build_id_len));
	/* The same scan saw a gone and b there: a's unload comes first. */
	EXPECT_LT((const void *)unload[0], (const void *)load[1]);

	/* tp-graph --objects: a line for each load. */
	calls = replay_text(buf, len, &(struct replay_opts){ .objects = true }, &ret);
	EXPECT_EQ(0, ret);
	ASSERT_TRUE(calls != NULL);
	for (i = 0; i < 3; i++) {
		snprintf(line, sizeof(line), "# object %u: %s, build-id ", load[i]->object,
			 dsos[i]->path);
		EXPECT_TRUE(strstr(calls, line) != NULL) TH_LOG("no '%s' in\n%s", line, calls);
	}
	EXPECT_TRUE(strstr(calls, ", loaded before the recording\n") != NULL);
	free(calls);
	free(buf);
}

/* Calls fg_leaf() until told to stop, or 20000 times. */
static void *leaf_caller(void *arg)
{
	const int *stop = arg;
	int i;

	for (i = 0; i < 20000 && !__atomic_load_n(stop, __ATOMIC_RELAXED); i++)
		fg_leaf(i);
	return NULL;
}

static size_t count_of(const char *text, const char *what)
{
	size_t n = 0;

	for (; (text = strstr(text, what)); text += strlen(what))
		n++;
	return n;
}

/*
 * Objects are written by the thread that loads them while other threads
 * write their calls: every record stays whole, and every call of the
 * loaded object is named.
 */
TEST(graph_recording_objects_while_threads_call)
{
	char path[] = "/tmp/tp-fgraph-XXXXXX", *buf, *calls;
	struct replay_opts opts = { .tid = syscall(SYS_gettid) };
	pthread_t threads[2];
	uintptr_t hidden;
	size_t len = 0, i;
	int fd = mkstemp(path), ret, stop = 0;
	struct dso a;

	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, tp_fgraph_record_start(path, "fg_*"));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, leaf_caller, &stop));
	for (i = 0; i < 30; i++) {
		ASSERT_EQ(0, dso_open(&a, 'a')) TH_LOG("%s", dlerror());
		EXPECT_EQ(12, a.fn(1, &hidden));
		EXPECT_EQ(0, dlclose(a.handle));
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < 2; i++)
		pthread_join(threads[i], NULL);
	ASSERT_EQ(0, tp_fgraph_record_stop());

	buf = slurp(path, &len);
	unlink(path);
	ASSERT_TRUE(buf != NULL);
	calls = replay_calls_opts(buf, len, &opts, &ret);
	EXPECT_EQ(0, ret);
	ASSERT_TRUE(calls != NULL);
	EXPECT_EQ(30ul, count_of(calls, "fg_dso_a();\n"));
	EXPECT_EQ(0ul, count_of(calls, "0x"));
	free(calls);
	free(buf);
}

/* --- threads ----------------------------------------------------------------- */

/* The tests that run for seconds, with a longer timeout. */
FIXTURE(slow) {};
FIXTURE_SETUP(slow) {}
FIXTURE_TEARDOWN(slow) {}

struct workers {
	int stop;
	unsigned long calls, bad;
	pthread_t t[8];
	int nr;
};

static void *graph_worker(void *arg)
{
	struct workers *w = arg;
	unsigned long calls = 0, bad = 0;
	int i;

	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		for (i = 0; i < 16; i++)
			bad += fg_recurse(40 + i) != 40 + i || fg_top(i) != 3 * i + 3;
		calls += 16;
	}
	__atomic_fetch_add(&w->calls, calls, __ATOMIC_RELAXED);
	__atomic_fetch_add(&w->bad, bad, __ATOMIC_RELAXED);
	return NULL;
}

static int workers_start(struct workers *w, int nr, void *(*fn)(void *))
{
	for (w->nr = 0; w->nr < nr; w->nr++)
		if (pthread_create(&w->t[w->nr], NULL, fn, w))
			return -1;
	return 0;
}

static void workers_stop(struct workers *w)
{
	int i;

	__atomic_store_n(&w->stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < w->nr; i++)
		pthread_join(w->t[i], NULL);
}

static unsigned long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ul + ts.tv_nsec / 1000000;
}

/*
 * Eight threads deep in recursion while a second graph ops comes and
 * goes on the same functions: the one that stays sees every entry
 * return, and no call returns a wrong value.  Then the second alone,
 * switching the entries themselves, with threads inside the frames it
 * diverted.
 */
static unsigned long toggle_graph(struct graph_log *log, unsigned long ms)
{
	unsigned long n = 0, deadline = now_ms() + ms;

	while (n < 1000 && (now_ms() < deadline || n < 20)) {
		if (tp_register_ftrace_graph(&log->gops))
			return 0;
		usleep(200);
		if (tp_unregister_ftrace_graph(&log->gops))
			return 0;
		n++;
	}
	return n;
}

TEST_F_TIMEOUT(slow, graph_threads_while_toggling, 120)
{
	struct graph_log *stays = log_new("fg_*"), *toggled = log_new("fg_*");
	struct workers w = { 0 }, alone = { 0 };
	long toggles, alone_toggles = 0;

	ASSERT_TRUE(stays != NULL && toggled != NULL);
	ASSERT_EQ(0, tp_register_ftrace_graph(&stays->gops));
	/* Threads made while tracing is on. */
	ASSERT_EQ(0, workers_start(&w, 8, graph_worker));
	toggles = toggle_graph(toggled, 1500);
	workers_stop(&w);
	ASSERT_EQ(0, tp_unregister_ftrace_graph(&stays->gops));
	TH_LOG("%ld toggles next to a graph ops, %ld calls: %ld entries, %ld returns",
	       toggles, load(&w.calls), load(&stays->entries), load(&stays->returns));
	EXPECT_GT(toggles, 0);
	EXPECT_EQ(0, load(&w.bad));
	EXPECT_GT(load(&stays->entries), 0);
	EXPECT_EQ(load(&stays->entries), load(&stays->returns));
	EXPECT_EQ(0, load(&stays->bad_times));

	/* Alone: the entries themselves switch under threads inside the frames. */
	if (!qemu_smc_unreliable()) {
		ASSERT_EQ(0, workers_start(&alone, 8, graph_worker));
		alone_toggles = toggle_graph(toggled, 1500);
		workers_stop(&alone);
		TH_LOG("%ld toggles alone, %ld calls", alone_toggles, load(&alone.calls));
		EXPECT_GT(alone_toggles, 0);
		EXPECT_EQ(0, load(&alone.bad));
	}
	/* The toggled one: at most one return per entry, never more. */
	EXPECT_LE(load(&toggled->returns), load(&toggled->entries));
	EXPECT_GT(load(&toggled->returns), 0);
	log_free(stays);
	log_free(toggled);
}

/* --- direct calls ------------------------------------------------------------ */

static long hits(int i)
{
	return __atomic_load_n(&fg_tramp_hits[i], __ATOMIC_RELAXED);
}

static void count_hit(unsigned long ip, unsigned long parent_ip,
		      struct tp_ftrace_ops *ops, struct tp_ftrace_regs *regs)
{
	__atomic_fetch_add((unsigned long *)ops->private, 1, __ATOMIC_RELAXED);
}

/*
 * Whether the entry of @fn calls @tramp itself (x86-64: CALL rel32 after
 * an optional ENDBR64; arm64: BL at the second instruction).  riscv64's
 * entry reaches only the veneer's neighbourhood: always false there.
 */
static bool entry_calls(void *fn, void *tramp)
{
	const unsigned char *p = fn;
#if defined(__x86_64__)
	int32_t rel;

	if (p[0] == 0xf3 && p[1] == 0x0f && p[2] == 0x1e && p[3] == 0xfa)
		p += 4;
	memcpy(&rel, p + 1, sizeof(rel));
	return p[0] == 0xe8 && p + 5 + rel == (const unsigned char *)tramp;
#elif defined(__aarch64__)
	uint32_t insn;
	int64_t off;

	memcpy(&insn, p + 4, sizeof(insn));
	off = (int64_t)((uint64_t)(insn & 0x3ffffff) << 38) >> 36;
	return (insn & 0xfc000000) == 0x94000000 && p + 4 + off == (const unsigned char *)tramp;
#else
	(void)p, (void)tramp;
	return false;
#endif
}

static bool direct_from_site_expected(void)
{
#if defined(__x86_64__) || defined(__aarch64__)
	return true;
#else
	return false;
#endif
}

TEST(direct_call_alone_and_with_ops)
{
	unsigned long ops_hits = 0;
	struct tp_ftrace_ops ops = { .func = count_hit, .private = &ops_hits };
	int i;

	ASSERT_EQ(0, tp_register_ftrace_direct(F(fg_direct_target), F(fg_tramp0)));
	for (i = 0; i < 10; i++)
		EXPECT_EQ(3 * i, fg_direct_target(i));
	EXPECT_EQ(10, hits(0));
	/* Alone, where the entry reaches it, the trampoline is called from there. */
	EXPECT_EQ(direct_from_site_expected(), entry_calls(fg_direct_target, fg_tramp0));
	/* An ordinary ops on the same function: both run, through the shared trampoline. */
	ASSERT_EQ(0, tp_ftrace_set_filter(&ops, "fg_direct_target", 1));
	ASSERT_EQ(0, tp_register_ftrace_function(&ops));
	EXPECT_FALSE(entry_calls(fg_direct_target, fg_tramp0));
	for (i = 0; i < 10; i++)
		EXPECT_EQ(3 * i, fg_direct_target(i));
	EXPECT_EQ(20, hits(0));
	EXPECT_EQ(10, load(&ops_hits));
	ASSERT_EQ(0, tp_unregister_ftrace_function(&ops));
	EXPECT_EQ(direct_from_site_expected(), entry_calls(fg_direct_target, fg_tramp0));
	EXPECT_EQ(3, fg_direct_target(1));
	EXPECT_EQ(21, hits(0));
	EXPECT_EQ(10, load(&ops_hits));
	ASSERT_EQ(0, tp_unregister_ftrace_direct(F(fg_direct_target), F(fg_tramp0)));
	EXPECT_EQ(3, fg_direct_target(1));
	EXPECT_EQ(21, hits(0));
	tp_ftrace_free_filter(&ops);
}

/* With graph tracing on the same function: the trampoline, then the body, then the return. */
TEST(direct_call_with_graph)
{
	struct graph_log *log = log_new("fg_direct_target");

	ASSERT_TRUE(log != NULL);
	ASSERT_EQ(0, tp_register_ftrace_graph(&log->gops));
	ASSERT_EQ(0, tp_register_ftrace_direct(F(fg_direct_target), F(fg_tramp1)));
	EXPECT_EQ(21, fg_direct_target(7));
	EXPECT_EQ(1, hits(1));
	EXPECT_EQ(1, load(&log->entries));
	EXPECT_EQ(1, load(&log->returns));
	ASSERT_EQ(0, tp_unregister_ftrace_direct(F(fg_direct_target), F(fg_tramp1)));
	ASSERT_EQ(0, tp_unregister_ftrace_graph(&log->gops));
	log_free(log);
}

TEST(direct_call_bad_input)
{
	EXPECT_EQ(-EINVAL, tp_register_ftrace_direct(0, F(fg_tramp0)));
	EXPECT_EQ(-EINVAL, tp_register_ftrace_direct(F(fg_direct_target), 0));
	/* Not a traceable function: this file is built without the flags. */
	EXPECT_EQ(-ENOENT, tp_register_ftrace_direct(F(count_hit), F(fg_tramp0)));
	EXPECT_EQ(-ENOENT, tp_unregister_ftrace_direct(F(fg_direct_target), F(fg_tramp0)));
	EXPECT_EQ(-ENOENT, tp_modify_ftrace_direct(F(fg_direct_target), F(fg_tramp0),
						   F(fg_tramp1)));
	ASSERT_EQ(0, tp_register_ftrace_direct(F(fg_direct_target), F(fg_tramp0)));
	EXPECT_EQ(-EBUSY, tp_register_ftrace_direct(F(fg_direct_target), F(fg_tramp1)));
	EXPECT_EQ(-EBUSY, tp_ftrace_redirect(F(fg_direct_target), F(fg_redirect_new)));
	EXPECT_EQ(-EINVAL, tp_unregister_ftrace_direct(F(fg_direct_target), F(fg_tramp1)));
	EXPECT_EQ(-EINVAL, tp_modify_ftrace_direct(F(fg_direct_target), F(fg_tramp1),
						   F(fg_tramp0)));
	EXPECT_EQ(-EINVAL, tp_modify_ftrace_direct(F(fg_direct_target), F(fg_tramp0), 0));
	EXPECT_EQ(-ENOENT, tp_ftrace_unredirect(F(fg_direct_target)));
	/* Nothing changed by the refusals. */
	EXPECT_EQ(6, fg_direct_target(2));
	EXPECT_EQ(1, hits(0));
	EXPECT_EQ(0, hits(1));
	ASSERT_EQ(0, tp_unregister_ftrace_direct(F(fg_direct_target), F(fg_tramp0)));
	EXPECT_EQ(-ENOENT, tp_unregister_ftrace_direct(F(fg_direct_target), F(fg_tramp0)));
}

static void *direct_worker(void *arg)
{
	struct workers *w = arg;
	unsigned long calls = 0, bad = 0;
	int i;

	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		for (i = 0; i < 64; i++)
			bad += fg_direct_target(i) != 3 * i;
		calls += 64;
	}
	__atomic_fetch_add(&w->calls, calls, __ATOMIC_RELAXED);
	__atomic_fetch_add(&w->bad, bad, __ATOMIC_RELAXED);
	return NULL;
}

/* Every call goes through exactly one of the two trampolines. */
TEST_F_TIMEOUT(slow, direct_call_modify_while_called, 120)
{
	struct workers w = { 0 };
	unsigned long n = 0, deadline = now_ms() + 1500;
	unsigned long limit = qemu_smc_unreliable() ? 200 : 2000;

	ASSERT_EQ(0, tp_register_ftrace_direct(F(fg_direct_target), F(fg_tramp0)));
	ASSERT_EQ(0, workers_start(&w, 2, direct_worker));
	while (n < limit && (now_ms() < deadline || n < 20)) {
		ASSERT_EQ(0, tp_modify_ftrace_direct(F(fg_direct_target), F(fg_tramp0),
						     F(fg_tramp1)));
		usleep(100);
		ASSERT_EQ(0, tp_modify_ftrace_direct(F(fg_direct_target), F(fg_tramp1),
						     F(fg_tramp0)));
		usleep(100);
		n++;
	}
	workers_stop(&w);
	ASSERT_EQ(0, tp_unregister_ftrace_direct(F(fg_direct_target), F(fg_tramp0)));
	TH_LOG("%lu switches, %ld calls: %ld by one, %ld by the other",
	       2 * n, load(&w.calls), hits(0), hits(1));
	EXPECT_EQ(0, load(&w.bad));
	EXPECT_EQ(load(&w.calls), hits(0) + hits(1));
	EXPECT_GT(hits(1), 0);
}

/* --- redirection -------------------------------------------------------------- */

struct redirect_worker {
	pthread_t t;
	int stop;
	int seen;		/* 100 or 200: what the last call added */
	unsigned long calls, bad;
};

static void *redirect_loop(void *arg)
{
	struct redirect_worker *r = arg;
	int i = 0;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		int got = fg_redirect_old(i) - i;

		r->bad += got != 100 && got != 200;
		__atomic_store_n(&r->seen, got, __ATOMIC_RELEASE);
		r->calls++;
		i = (i + 1) & 1023;
	}
	return NULL;
}

/* Each worker's next call after @since shows @want. */
static bool all_see(struct redirect_worker *r, int nr, int want)
{
	unsigned long deadline = now_ms() + 10000;
	int i;

	for (i = 0; i < nr; i++) {
		__atomic_store_n(&r[i].seen, 0, __ATOMIC_RELEASE);
		while (__atomic_load_n(&r[i].seen, __ATOMIC_ACQUIRE) != want) {
			int seen = __atomic_load_n(&r[i].seen, __ATOMIC_ACQUIRE);

			if (seen && seen != want)	/* a call that started after the change */
				__atomic_store_n(&r[i].seen, 0, __ATOMIC_RELEASE);
			if (now_ms() > deadline)
				return false;
			sched_yield();
		}
	}
	return true;
}

TEST_F_TIMEOUT(slow, redirect_for_every_thread, 120)
{
	struct redirect_worker r[4] = { 0 };
	unsigned long calls = 0, bad = 0;
	int i, round, rounds = qemu_smc_unreliable() ? 20 : 200;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pthread_create(&r[i].t, NULL, redirect_loop, &r[i]));
	for (round = 0; round < rounds; round++) {
		ASSERT_EQ(0, tp_ftrace_redirect(F(fg_redirect_old), F(fg_redirect_new)));
		EXPECT_EQ(205, fg_redirect_old(5));
		ASSERT_TRUE(all_see(r, 4, 200));
		ASSERT_EQ(0, tp_ftrace_unredirect(F(fg_redirect_old)));
		EXPECT_EQ(105, fg_redirect_old(5));
		ASSERT_TRUE(all_see(r, 4, 100));
	}
	for (i = 0; i < 4; i++) {
		__atomic_store_n(&r[i].stop, 1, __ATOMIC_RELEASE);
		pthread_join(r[i].t, NULL);
		calls += r[i].calls;
		bad += r[i].bad;
	}
	TH_LOG("%d redirections and undos, %lu calls", rounds, calls);
	EXPECT_EQ(0, (long)bad);
}

TEST(redirect_with_ops_and_graph)
{
	unsigned long ops_hits = 0;
	struct tp_ftrace_ops ops = { .func = count_hit, .private = &ops_hits };
	struct graph_log *log = log_new("fg_redirect_*");

	ASSERT_TRUE(log != NULL);
	ASSERT_EQ(0, tp_ftrace_set_filter(&ops, "fg_redirect_old", 1));
	ASSERT_EQ(0, tp_register_ftrace_function(&ops));
	ASSERT_EQ(0, tp_register_ftrace_graph(&log->gops));
	ASSERT_EQ(0, tp_ftrace_redirect(F(fg_redirect_old), F(fg_redirect_new)));
	EXPECT_EQ(201, fg_redirect_old(1));
	/* The old entry is seen by both, then the new function's own. */
	EXPECT_EQ(1, load(&ops_hits));
	EXPECT_EQ(2, load(&log->entries));
	EXPECT_EQ(2, load(&log->returns));
	ASSERT_EQ(0, tp_ftrace_unredirect(F(fg_redirect_old)));
	EXPECT_EQ(101, fg_redirect_old(1));
	ASSERT_EQ(0, tp_unregister_ftrace_graph(&log->gops));
	ASSERT_EQ(0, tp_unregister_ftrace_function(&ops));
	tp_ftrace_free_filter(&ops);
	log_free(log);
}

TEST(redirect_bad_input)
{
	EXPECT_EQ(-EINVAL, tp_ftrace_redirect(0, F(fg_redirect_new)));
	EXPECT_EQ(-EINVAL, tp_ftrace_redirect(F(fg_redirect_old), 0));
	EXPECT_EQ(-EINVAL, tp_ftrace_redirect(F(fg_redirect_old), F(fg_redirect_old)));
	EXPECT_EQ(-ENOENT, tp_ftrace_redirect(F(count_hit), F(fg_redirect_new)));
	EXPECT_EQ(-ENOENT, tp_ftrace_unredirect(F(fg_redirect_old)));
	ASSERT_EQ(0, tp_ftrace_redirect(F(fg_redirect_old), F(fg_redirect_new)));
	EXPECT_EQ(-EBUSY, tp_ftrace_redirect(F(fg_redirect_old), F(fg_leaf)));
	EXPECT_EQ(-EBUSY, tp_register_ftrace_direct(F(fg_redirect_old), F(fg_tramp0)));
	EXPECT_EQ(-ENOENT, tp_unregister_ftrace_direct(F(fg_redirect_old), F(fg_tramp0)));
	EXPECT_EQ(202, fg_redirect_old(2));
	ASSERT_EQ(0, tp_ftrace_unredirect(F(fg_redirect_old)));
	EXPECT_EQ(102, fg_redirect_old(2));
	EXPECT_EQ(-ENOENT, tp_ftrace_unredirect(F(fg_redirect_old)));
}

TEST_HARNESS_MAIN
