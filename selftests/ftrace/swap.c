// SPDX-License-Identifier: GPL-2.0
/*
 * A shared object built twice with the ftrace_cflags, the two functions
 * in one order and then (TP_SWAPPED) in the other: the same layout, with
 * each name at the other's address.  The test loads one build and
 * renames the other over its file.
 */
#include "../traced_attr.h"

TRACED int tp_swap_a(int x);
TRACED int tp_swap_b(int x);

#ifndef TP_SWAPPED
int tp_swap_a(int x)
{
	return x + 10;
}
#endif

int tp_swap_b(int x)
{
	return x + 20;
}

#ifdef TP_SWAPPED
int tp_swap_a(int x)
{
	return x + 10;
}
#endif
