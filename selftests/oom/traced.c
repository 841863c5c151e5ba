// SPDX-License-Identifier: GPL-2.0
/* Built with the ftrace_cflags: both functions are traceable. */
#include "traced.h"

int oom_traced_a(int x)
{
	return x + 1;
}

int oom_traced_b(int x)
{
	return x + 2;
}
