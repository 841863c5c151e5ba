// SPDX-License-Identifier: GPL-2.0
/* A shared object built with the ftrace_cflags, dlopen()ed by the tests. */
#include "traced.h"

TRACED int tp_dso_func(int x)
{
	return x * 2;
}
