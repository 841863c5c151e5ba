// SPDX-License-Identifier: GPL-2.0
/*
 * x86-64 only, built with the ftrace_cflags and -fcf-protection=branch:
 * the function starts with ENDBR64, the entry NOPs come after it.
 */
#include "traced.h"

int tp_trace_endbr(int x)
{
	return tp_trace_func1(x) * 2;
}
