/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An allocator that fails on demand (oom_shim.c): once armed, every call
 * of malloc, calloc, realloc and the aligned allocators is counted, in
 * this program, its libraries and libc's own functions alike, and the
 * n-th fails with ENOMEM.
 */
#ifndef SELFTESTS_OOM_SHIM_H
#define SELFTESTS_OOM_SHIM_H

#include <stdbool.h>

/*
 * Count allocations from now on; fail the @n-th (1 for the next one),
 * and with @from_then_on every one after it too; @n 0 only counts.
 */
void oom_arm(unsigned long n, bool from_then_on);

/* Stop counting and failing; the calls counted since oom_arm(). */
unsigned long oom_disarm(void);

/* Whether an allocation was made to fail since oom_arm(). */
bool oom_injected(void);

#endif /* SELFTESTS_OOM_SHIM_H */
