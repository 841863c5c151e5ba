// SPDX-License-Identifier: GPL-2.0
/*
 * fg_bt_outer and fg_bt_inner again, built with the ftrace flags and
 * -mbranch-protection=standard: they sign their return address (PAC),
 * which unwinders find signed in their frames.
 */
#include <execinfo.h>

#include "traced_pac_arm64.h"

int fg_pac_inner(void **buf, int max)
{
	int n = backtrace(buf, max);

	__asm__ volatile("" ::: "memory");
	return n;
}

int fg_pac_outer(void **buf, int max)
{
	int n = fg_pac_inner(buf, max);

	__asm__ volatile("" ::: "memory");
	return n;
}
