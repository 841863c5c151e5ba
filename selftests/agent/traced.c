// SPDX-License-Identifier: GPL-2.0
/* What the agent tests trace: built with the library's ftrace flags. */
#include "traced.h"

__attribute__((noinline)) int agent_t_leaf(int x)
{
	return x + 1;
}

__attribute__((noinline)) int agent_t_outer(int x)
{
	return agent_t_leaf(x) * 2;
}
