// SPDX-License-Identifier: GPL-2.0
/* The functions the control tests trace: built with the ftrace flags. */
#include "traced.h"

__attribute__((noinline)) unsigned long ctl_work(unsigned long seq)
{
	__asm__ volatile("" ::: "memory");
	return seq * 3 + 1;
}
