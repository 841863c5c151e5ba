// SPDX-License-Identifier: GPL-2.0
/*
 * Branch sites of every form: likely and unlikely on TRUE and FALSE keys
 * (the four combinations of NOP/jump start states), a jump far enough to
 * need the long form on x86, and two sites of one key in one function.
 * In a translation unit of its own, so the test program's jump table
 * is made of several units' entries.
 */
#include "static_key.h"

TP_DEFINE_STATIC_KEY_FALSE(sk_false);
TP_DEFINE_STATIC_KEY_TRUE(sk_true);
TP_DEFINE_STATIC_KEY_FALSE(sk_far);
TP_DEFINE_STATIC_KEY_TRUE(sk_loop);

#define noinline __attribute__((noinline))

noinline int false_unlikely(void)
{
	if (tp_static_branch_unlikely(&sk_false))
		return 1;
	return 0;
}

noinline int false_likely(void)
{
	if (tp_static_branch_likely(&sk_false))
		return 1;
	return 0;
}

noinline int true_unlikely(void)
{
	if (tp_static_branch_unlikely(&sk_true))
		return 1;
	return 0;
}

noinline int true_likely(void)
{
	if (tp_static_branch_likely(&sk_true))
		return 1;
	return 0;
}

/*
 * The likely path holds 300 NOPs between the site and the unlikely block
 * the site jumps to, so that x86 cannot use JMP rel8.
 */
noinline int far_likely(void)
{
	if (tp_static_branch_likely(&sk_far)) {
		asm volatile(".rept 300\n\tnop\n\t.endr" ::: "memory");
		return 1;
	}
	return 0;
}

noinline int loop_both(void)
{
	int on = 0, i;

	for (i = 0; i < 2; i++) {
		if (tp_static_branch_likely(&sk_loop))
			on++;
	}
	if (tp_static_branch_unlikely(&sk_loop))
		on++;
	return on == 3 ? 1 : on == 0 ? 0 : -1;
}
