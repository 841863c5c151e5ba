/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two shared objects the recording tests dlopen() in turn, often at
 * the same address: built from different sources with the ftrace flags,
 * and stripped, so that their static functions have no name.
 */
#ifndef SELFTESTS_FGRAPH_DSO_H
#define SELFTESTS_FGRAPH_DSO_H

#include <stdint.h>

#include "../traced_attr.h"

/* Each calls its static function, whose address it stores in *@hidden. */
typedef int fg_dso_fn(int x, uintptr_t *hidden);

/* fgraph_dso_a.so: x + 11.  fgraph_dso_b.so: x + 21. */
TRACED int fg_dso_a(int x, uintptr_t *hidden);
TRACED int fg_dso_b(int x, uintptr_t *hidden);

#endif /* SELFTESTS_FGRAPH_DSO_H */
