// SPDX-License-Identifier: GPL-2.0
/*
 * The shared object plt_prog.c dlopen()s, built with the ftrace flags:
 * its own calls through its PLT are traced too, from the dlopen() on.
 */
#include <stdlib.h>

__attribute__((noinline)) long plt_dso_entry(const char *number)
{
	return strtol(number, NULL, 10) + 1;
}
