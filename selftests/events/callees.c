// SPDX-License-Identifier: GPL-2.0
/* Built with the ftrace_cflags: the functions the re-entry tests trace. */
#include "callees.h"

int callee_traced(int x)
{
	return x + 1;
}

int callee_other(int x)
{
	return x + 2;
}
