/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Direct trampolines for the tests: entered from a traced entry's JALR
 * (or as if from it) with t0 into the function and ra its return
 * address; count with t1 and t3 (temporaries, dead at a function
 * entry) and go into the function.
 */
	.text
.macro tramp n
	.globl	fg_tramp\n
	.type	fg_tramp\n, @function
fg_tramp\n:
	lla	t1, fg_tramp_hits + 8 * \n
	li	t3, 1
	amoadd.d zero, t3, (t1)
	jr	t0
	.size	fg_tramp\n, . - fg_tramp\n
.endm
	tramp 0
	tramp 1

	.data
	.globl	fg_tramp_hits
	.p2align 3
fg_tramp_hits:
	.quad	0, 0

	.section .note.GNU-stack, "", @progbits
