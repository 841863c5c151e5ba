/* SPDX-License-Identifier: GPL-2.0 */
/* The functions the allocation-failure tests trace (traced.c, built with the ftrace flags). */
#ifndef SELFTESTS_OOM_TRACED_H
#define SELFTESTS_OOM_TRACED_H

#include "../traced_attr.h"

TRACED int oom_traced_a(int x);		/* x + 1 */
TRACED int oom_traced_b(int x);		/* x + 2 */

#endif /* SELFTESTS_OOM_TRACED_H */
