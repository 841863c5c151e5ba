// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 only, built with the ftrace_cflags and -mbranch-protection=
 * standard: the function starts with BTI C (and signs its return
 * address), the entry NOPs come after it.
 */
#include "traced.h"

int tp_trace_bti(int x)
{
	return tp_trace_func1(x) * 2;
}
