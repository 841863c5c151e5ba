/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Direct trampolines for the tests: entered from a traced entry's CALL
 * (or as if from it) with the way into the function on the stack above
 * its return address; count, and RET into the function.  The flags are
 * dead at a function entry.
 */
	.text
.macro tramp n
	.globl	fg_tramp\n
	.type	fg_tramp\n, @function
fg_tramp\n:
	lock incq fg_tramp_hits + 8 * \n(%rip)
	ret
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
