/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Direct trampolines for the tests: entered from a traced entry's BL
 * (or as if from it) with X30 into the function and X9 its return
 * address; count with X10-X12 (temporaries, dead at a function entry),
 * put the return address back in X30 and go into the function with RET
 * (BTI checks BR, not RET).  BTI C: the shared trampoline enters with
 * BR X16.
 */
	.text
.macro tramp n
	.globl	fg_tramp\n
	.type	fg_tramp\n, %function
fg_tramp\n:
	hint	#34
	adrp	x10, fg_tramp_hits
	add	x10, x10, :lo12:fg_tramp_hits
	add	x10, x10, #8 * \n
1:	ldaxr	x11, [x10]
	add	x11, x11, #1
	stlxr	w12, x11, [x10]
	cbnz	w12, 1b
	mov	x10, x30
	mov	x30, x9
	ret	x10
	.size	fg_tramp\n, . - fg_tramp\n
.endm
	tramp 0
	tramp 1

	.data
	.globl	fg_tramp_hits
	.p2align 3
fg_tramp_hits:
	.quad	0, 0

	.section .note.GNU-stack, "", %progbits
