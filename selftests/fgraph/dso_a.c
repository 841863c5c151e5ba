// SPDX-License-Identifier: GPL-2.0
/* fgraph_dso_a.so: the same shape as dso_b.c, other names and numbers. */
#include "dso.h"

/* Nameless once the object is stripped. */
static TRACED int a_hidden(int x)
{
	return x + 10;
}

int fg_dso_a(int x, uintptr_t *hidden)
{
	*hidden = (uintptr_t)a_hidden;
	return a_hidden(x) + 1;
}
