// SPDX-License-Identifier: GPL-2.0
/*
 * The shared object plt_prog.c is linked with, built without the ftrace
 * flags: its functions are seen only where the program calls them,
 * through its PLT.
 */
#include <unistd.h>

int plt_twice(int x)
{
	return 2 * x;
}

/* Its own call through its PLT is not traced: it was built without the flags. */
int plt_pid(void)
{
	return getpid() > 0;
}

static int calls;

int plt_count(int x)
{
	__atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
	return x + 1;
}

int plt_counted(void)
{
	return __atomic_load_n(&calls, __ATOMIC_RELAXED);
}
