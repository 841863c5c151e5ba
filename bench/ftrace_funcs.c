// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The functions ftrace_bench traces, built with the library's
 * ftrace_cflags: the measured one and 99 others for the other ops.
 */
#include "ftrace_funcs.h"

BENCH_TRACED int bench_target(int x)
{
	return x + 1;
}

#define OTHER(n)	BENCH_TRACED int bench_other_##n(int x) { return x + n; }
#define OTHER10(d)	OTHER(d##0) OTHER(d##1) OTHER(d##2) OTHER(d##3) OTHER(d##4) \
			OTHER(d##5) OTHER(d##6) OTHER(d##7) OTHER(d##8) OTHER(d##9)

OTHER(1) OTHER(2) OTHER(3) OTHER(4) OTHER(5) OTHER(6) OTHER(7) OTHER(8) OTHER(9)
OTHER10(1) OTHER10(2) OTHER10(3) OTHER10(4) OTHER10(5)
OTHER10(6) OTHER10(7) OTHER10(8) OTHER10(9)
