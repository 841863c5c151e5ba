// SPDX-License-Identifier: GPL-2.0
/*
 * The shared object the agent test loads, built with the ftrace flags:
 * its getppid() calls go through its own PLT, which the agent hooks.
 */
#include <unistd.h>

int agent_plt_dso_call(int n)
{
	int seen = 0;

	for (int i = 0; i < n; i++)
		seen += getppid() > 0;
	return seen;
}
