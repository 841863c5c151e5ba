// SPDX-License-Identifier: GPL-2.0
/*
 * A shared object the tests dlopen(): it branches on a key of the test
 * program (sk_shared) and on a key of its own, and registers its own
 * jump table from the static_key.h constructor.
 */
#include "static_key.h"

TP_DEFINE_STATIC_KEY_TRUE(dso_key);

__attribute__((visibility("default"))) int dso_shared_unlikely(void)
{
	if (tp_static_branch_unlikely(&sk_shared))
		return 1;
	return 0;
}

__attribute__((visibility("default"))) int dso_shared_likely(void)
{
	if (tp_static_branch_likely(&sk_shared))
		return 1;
	return 0;
}

__attribute__((visibility("default"))) int dso_own_likely(void)
{
	if (tp_static_branch_likely(&dso_key))
		return 1;
	return 0;
}

__attribute__((visibility("default"))) struct tp_static_key_true *dso_own_key(void)
{
	return &dso_key;
}
