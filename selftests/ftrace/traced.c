// SPDX-License-Identifier: GPL-2.0
/* Built with the ftrace_cflags: every function here is traceable. */
#include "traced.h"

__thread int tp_loop_hits;
unsigned long tp_loop_twice;

int tp_trace_func1(int x)
{
	return x + 1;
}

int tp_trace_func2(int x)
{
	return x + 2;
}

int tp_trace_recurse(int depth)
{
	return depth;
}

long tp_trace_args(long a, long b, long c, long d, long e, long f)
{
	return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f;
}

double tp_trace_doubles(double a, double b, double c, double d)
{
	return a * b + c / d;
}

/* The callback counts into tp_loop_hits before the body runs. */
int tp_trace_loop(void)
{
	int hits = tp_loop_hits;

	tp_loop_hits = 0;
	if (hits > 1)
		__atomic_fetch_add(&tp_loop_twice, 1, __ATOMIC_RELAXED);
	return hits;
}
