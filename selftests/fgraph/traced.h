/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The functions the graph, direct-call and redirection tests trace:
 * traced.c is built with the library's ftrace_cflags.  Every call is a
 * real call of that very function (see ../ftrace/traced.h).
 */
#ifndef SELFTESTS_FGRAPH_TRACED_H
#define SELFTESTS_FGRAPH_TRACED_H

#include <setjmp.h>
#include <ucontext.h>

#include "../traced_attr.h"

/* top calls mid and leaf, mid calls leaf: top(x) == 3 * x + 3. */
TRACED int fg_leaf(int x);
TRACED int fg_mid(int x);
TRACED int fg_top(int x);
/* Returns @n after @n nested calls of itself. */
TRACED int fg_recurse(int n);
/* Ends in a jump to fg_leaf (a tail call): fg_tail(x) == x + 1. */
int fg_tail(int x);
TRACED double fg_double(double a, double b);
/* Returned in two integer registers: { a, a + 1 }. */
struct fg_pair {
	long a, b;
};
TRACED struct fg_pair fg_pair(long a);
/* Nests @depth calls, then longjmp()s to @env from the deepest. */
TRACED void fg_jump(jmp_buf *env, int depth);
/* Stays inside until *@go is set: a thread parked deep in a traced frame. */
TRACED int fg_wait(const int *go, int depth);

/*
 * Ways out of nested traced frames other than returning: nest @depth
 * calls, then siglongjmp() to @env, setcontext() to @uc, raise @sig (a
 * handler may jump out), or end the thread with pthread_exit().
 */
TRACED void fg_siglongjmp(sigjmp_buf *env, int depth);
TRACED void fg_setcontext(const ucontext_t *uc, int depth);
TRACED void fg_raise(int sig, int depth);
TRACED void fg_exit_thread(int depth);
/* swapcontext(@from, @to) from a traced frame: 0, or -1 with errno. */
TRACED int fg_swap(ucontext_t *from, ucontext_t *to);

/*
 * fg_bt_outer calls fg_bt_inner, which takes a backtrace() of up to @max
 * frames into @buf and returns their number; with @buf NULL it raises
 * SIGTRAP instead (where a debugger takes its backtrace) and returns 0.
 */
TRACED int fg_bt_outer(void **buf, int max);
TRACED int fg_bt_inner(void **buf, int max);

/* Calls a local function three times, with the stack as gcc leaves it. */
TRACED long fg_job(long x);

/* Direct calls: x * 3.  Redirection: old is x + 100, new is x + 200. */
TRACED int fg_direct_target(int x);
TRACED int fg_redirect_old(int x);
int fg_redirect_new(int x);

/* traced_mangled.cc: C++ functions, called from here: 7 * x + 1. */
#ifdef __cplusplus
extern "C"
#endif
TRACED int fg_cxx_run(int x);

/* tramp_<arch>.S: direct trampolines counting into fg_tramp_hits[0/1]. */
void fg_tramp0(void);
void fg_tramp1(void);
extern unsigned long fg_tramp_hits[2];

#endif /* SELFTESTS_FGRAPH_TRACED_H */
