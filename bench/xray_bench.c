// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The same functions as ftrace_bench, instrumented by clang's XRay
 * (function entries only) instead: the cost per call unpatched and with
 * an empty handler.  x86-64 with clang only (make bench, natively).
 * The C API of compiler-rt's xray_interface.h, which is a C++ header.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ftrace_loop.h"

extern int __xray_set_handler(void (*handler)(int32_t func_id, int type));
extern int __xray_patch(void);
extern int __xray_unpatch(void);

#define XRAY_PATCHING_SUCCESS	1

/* XRay has no recursion guard: the handler must not be instrumented. */
__attribute__((xray_never_instrument))
static void empty(int32_t func_id, int type)
{
	(void)func_id, (void)type;
}

__attribute__((xray_never_instrument))
int main(void)
{
	unsigned long calls = bench_calls();
	double off, on;

	bench_per_call(calls / 10);
	off = bench_per_call(calls);
	if (__xray_set_handler(empty) != 1 || __xray_patch() != XRAY_PATCHING_SUCCESS) {
		fprintf(stderr, "xray_bench: XRay could not patch\n");
		return 1;
	}
	on = bench_per_call(calls);
	__xray_unpatch();
	printf("XRay, not patched:                 %8.2f ns/call\n", off);
	printf("XRay, empty handler:               %8.2f ns/call  (+%.2f)\n", on, on - off);
	return 0;
}
