/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef BENCH_FTRACE_FUNCS_H
#define BENCH_FTRACE_FUNCS_H

/* Real calls of these very functions (clang has no noipa). */
#ifdef __clang__
#define BENCH_TRACED __attribute__((noinline, used))
#else
#define BENCH_TRACED __attribute__((noipa, used))
#endif

BENCH_TRACED int bench_target(int x);

#endif /* BENCH_FTRACE_FUNCS_H */
