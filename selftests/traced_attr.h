/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TRACED: every call of the function is a real call of that very
 * function, as the tracing tests need (no inlining, no clones, no calls
 * merged or moved).  clang has no noipa; optnone keeps its calls real.
 */
#ifndef SELFTESTS_TRACED_ATTR_H
#define SELFTESTS_TRACED_ATTR_H

#ifdef __clang__
#define TRACED __attribute__((noinline, optnone))
#else
#define TRACED __attribute__((noipa))
#endif

#endif /* SELFTESTS_TRACED_ATTR_H */
