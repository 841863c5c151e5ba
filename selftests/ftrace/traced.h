/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The functions the ftrace tests trace: traced.c is compiled with the
 * library's ftrace_cflags, so each has an ops slot and an entry site.
 */
#ifndef SELFTESTS_FTRACE_TRACED_H
#define SELFTESTS_FTRACE_TRACED_H

#include "../traced_attr.h"

TRACED int tp_trace_func1(int x);
TRACED int tp_trace_func2(int x);
TRACED int tp_trace_recurse(int depth);
TRACED long tp_trace_args(long a, long b, long c, long d, long e, long f);
TRACED double tp_trace_doubles(double a, double b, double c, double d);
TRACED int tp_trace_loop(void);
/* arm64 only (traced_bti.c): tp_trace_func1(x) * 2, entered at BTI C. */
TRACED int tp_trace_bti(int x) __attribute__((weak));
/* x86-64 only (traced_endbr.c): the same, entered at ENDBR64. */
TRACED int tp_trace_endbr(int x) __attribute__((weak));

/* Calls of tp_trace_loop() that the callback saw twice (must stay 0). */
extern __thread int tp_loop_hits;
extern unsigned long tp_loop_twice;

#define NR_TRACED_FUNCS	6

#endif /* SELFTESTS_FTRACE_TRACED_H */
