/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The arm64 ftrace trampoline.  A traced function's entry ran
 * MOV X9, X30 and BL to its object's veneer, which branched here with
 * X16: X9 is the function's return address, X30 the address after the BL.
 * Save the argument registers and a frame record, call
 * ftrace_dispatch(ret, parent, regs), restore, and continue the function
 * with X30 as it was at its entry.  X17 (IP1) carries the way back: no
 * function expects it preserved across its own entry.  The way back is
 * a RET, which BTI does not check: the instruction after the entry's BL
 * is no landing pad.
 */
#include <asm/ftrace.h>

#include "../../textpoke/tracing/ftrace_resume.h"

/* The argument (and return value) registers, X8, X9 and a frame record. */
.macro save_regs
	stp	x0, x1, [sp, #FTRACE_REGS_X0 + 0]
	stp	x2, x3, [sp, #FTRACE_REGS_X0 + 16]
	stp	x4, x5, [sp, #FTRACE_REGS_X0 + 32]
	stp	x6, x7, [sp, #FTRACE_REGS_X0 + 48]
	stp	x8, x9, [sp, #FTRACE_REGS_X8]
	stp	x29, x30, [sp, #FTRACE_REGS_FP]
	stp	q0, q1, [sp, #FTRACE_REGS_V0 + 0]
	stp	q2, q3, [sp, #FTRACE_REGS_V0 + 32]
	stp	q4, q5, [sp, #FTRACE_REGS_V0 + 64]
	stp	q6, q7, [sp, #FTRACE_REGS_V0 + 96]
.endm

/* Every register the frame saved; X17 gets the way into the function. */
.macro restore_regs
	ldp	q0, q1, [sp, #FTRACE_REGS_V0 + 0]
	ldp	q2, q3, [sp, #FTRACE_REGS_V0 + 32]
	ldp	q4, q5, [sp, #FTRACE_REGS_V0 + 64]
	ldp	q6, q7, [sp, #FTRACE_REGS_V0 + 96]
	ldp	x0, x1, [sp, #FTRACE_REGS_X0 + 0]
	ldp	x2, x3, [sp, #FTRACE_REGS_X0 + 16]
	ldp	x4, x5, [sp, #FTRACE_REGS_X0 + 32]
	ldp	x6, x7, [sp, #FTRACE_REGS_X0 + 48]
	ldp	x8, x9, [sp, #FTRACE_REGS_X8]
	ldp	x29, x17, [sp, #FTRACE_REGS_FP]
.endm


	.text
	.globl	arch_ftrace_caller
	.hidden	arch_ftrace_caller
	.type	arch_ftrace_caller, %function
	.p2align 3
arch_ftrace_caller:
	.cfi_startproc
	hint	#34				/* BTI C: the veneer comes with BR X16 */
	sub	sp, sp, #FTRACE_REGS_SIZE
	.cfi_adjust_cfa_offset FTRACE_REGS_SIZE
	save_regs
	add	x29, sp, #FTRACE_REGS_FP

	mov	x0, x30				/* into the function */
	mov	x1, x9				/* its caller */
	mov	x2, sp
	bl	ftrace_dispatch

	/*
	 * ftrace_dispatch() returned { X0: address, X1: how }.  X16 (IP0)
	 * carries the address: the veneer clobbered it already.
	 */
	mov	x16, x0
	cmp	x1, #FTRACE_RESUME_DIRECT
	b.eq	.Ldirect
	cmp	x1, #FTRACE_RESUME_REDIRECT
	b.eq	.Lredirect
	restore_regs
	mov	x30, x9
	add	sp, sp, #FTRACE_REGS_SIZE
	.cfi_adjust_cfa_offset -FTRACE_REGS_SIZE
	ret	x17

	/* As the site left it: X30 into the function, X9 its return address. */
	.cfi_adjust_cfa_offset FTRACE_REGS_SIZE
.Ldirect:
	restore_regs
	mov	x30, x17
	add	sp, sp, #FTRACE_REGS_SIZE
	.cfi_adjust_cfa_offset -FTRACE_REGS_SIZE
	br	x16

	/* As the caller left it: X30 its return address. */
	.cfi_adjust_cfa_offset FTRACE_REGS_SIZE
.Lredirect:
	restore_regs
	mov	x30, x9
	add	sp, sp, #FTRACE_REGS_SIZE
	.cfi_adjust_cfa_offset -FTRACE_REGS_SIZE
	br	x16
	.cfi_endproc
	.size	arch_ftrace_caller, . - arch_ftrace_caller

/*
 * Where graph tracing makes a traced function return: SP is what it was
 * at the function's entry, X0-X7 and Q0-Q7 may hold its return value.
 * ftrace_graph_return(sp) gives the real return address.
 */
	.globl	arch_ftrace_return_trampoline
	.hidden	arch_ftrace_return_trampoline
	.type	arch_ftrace_return_trampoline, %function
	.p2align 3
arch_ftrace_return_trampoline:
	.cfi_startproc
	.cfi_undefined x30
	mov	x16, sp
	sub	sp, sp, #FTRACE_REGS_SIZE
	.cfi_adjust_cfa_offset FTRACE_REGS_SIZE
	save_regs
	mov	x0, x16
	bl	ftrace_graph_return
	mov	x16, x0
	restore_regs
	add	sp, sp, #FTRACE_REGS_SIZE
	.cfi_adjust_cfa_offset -FTRACE_REGS_SIZE
	mov	x30, x16
	ret
	.cfi_endproc
	.size	arch_ftrace_return_trampoline, . - arch_ftrace_return_trampoline

	.section .note.GNU-stack, "", %progbits
