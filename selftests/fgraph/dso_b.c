// SPDX-License-Identifier: GPL-2.0
/* fgraph_dso_b.so: the same shape as dso_a.c, other names and numbers. */
#include "dso.h"

/* Nameless once the object is stripped. */
static TRACED int b_hidden(int x)
{
	return x + 20;
}

int fg_dso_b(int x, uintptr_t *hidden)
{
	*hidden = (uintptr_t)b_hidden;
	return b_hidden(x) + 1;
}
