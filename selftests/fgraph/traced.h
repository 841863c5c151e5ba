/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The functions the graph, direct-call and redirection tests trace:
 * traced.c is built with the library's ftrace_cflags.  Every call is a
 * real call of that very function (see ../ftrace/traced.h).
 */
#ifndef SELFTESTS_FGRAPH_TRACED_H
#define SELFTESTS_FGRAPH_TRACED_H

#include <setjmp.h>

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
/* Nests @depth calls, then longjmp()s to @env from the deepest. */
TRACED void fg_jump(jmp_buf *env, int depth);
/* Stays inside until *@go is set: a thread parked deep in a traced frame. */
TRACED int fg_wait(const int *go, int depth);

/* Calls a local function three times, with the stack as gcc leaves it. */
TRACED long fg_job(long x);

/* Direct calls: x * 3.  Redirection: old is x + 100, new is x + 200. */
TRACED int fg_direct_target(int x);
TRACED int fg_redirect_old(int x);
int fg_redirect_new(int x);

/* traced_cxx.cc: C++ functions, called from here: 7 * x + 1. */
#ifdef __cplusplus
extern "C"
#endif
TRACED int fg_cxx_run(int x);

/* tramp_<arch>.S: direct trampolines counting into fg_tramp_hits[0/1]. */
void fg_tramp0(void);
void fg_tramp1(void);
extern unsigned long fg_tramp_hits[2];

#endif /* SELFTESTS_FGRAPH_TRACED_H */
