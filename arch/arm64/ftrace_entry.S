/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The arm64 ftrace trampolines.  A traced function's entry ran
 * MOV X9, X30 and BL to its object's veneer, which branched here with
 * X16: X9 is the function's return address, X30 the address after the BL.
 * Save the argument registers and a frame record, call the ops'
 * callback (ftrace_enter(), ops->func, ftrace_exit(): ftrace_fast.c)
 * or ftrace_dispatch(ip, parent, regs), restore, and continue the
 * function with X30 as it was at its entry.  When the function's ops
 * slot is tagged FTRACE_SLOT_LIGHT, the vector registers are neither
 * saved nor restored (ftrace_enter_light(); the full way after all when
 * it finds the slot changed).  X17 (IP1) carries the way back: no
 * function expects it preserved across its own entry.  The way back is
 * a RET, which BTI does not check: the instruction after the entry's BL
 * is no landing pad.
 *
 * With SVE the veneers jump to the trampoline that also keeps Z0-Z7 and
 * P0-P3 whole (arch/arm64/ftrace.c chooses): a load of a Q register
 * clears the rest of its Z register, so that one loads the Z registers
 * instead.
 *
 * Unwinding from a callback: the trampoline's return address is X30 at
 * its entry (into the function), and the function's own return address
 * is X9 there, which the function itself, at its first instruction, has
 * the unwinder read from X30.  So the trampoline's unwind information
 * keeps its return address in another column (X17's, which it clobbers
 * anyway) and gives X30 the saved X9.  That return address is given one
 * byte further on: compilers start a function's unwind information after
 * its patchable entry, where the BL returns, and unwinders look up the
 * return address minus one.
 */
#include <asm/ftrace.h>

#include "../../textpoke/tracing/ftrace_resume.h"
#include "../../textpoke/tracing/ftrace_graph_cfi.h"

	.arch_extension sve

/* The argument (and return value) registers, X8, X9 and a frame record. */
.macro save_regs
	stp	x0, x1, [sp, #FTRACE_REGS_X0 + 0]
	stp	x2, x3, [sp, #FTRACE_REGS_X0 + 16]
	stp	x4, x5, [sp, #FTRACE_REGS_X0 + 32]
	stp	x6, x7, [sp, #FTRACE_REGS_X0 + 48]
	stp	x8, x9, [sp, #FTRACE_REGS_X8]
	stp	x29, x30, [sp, #FTRACE_REGS_FP]
.endm

.macro save_q base
	stp	q0, q1, [sp, #\base + 0]
	stp	q2, q3, [sp, #\base + 32]
	stp	q4, q5, [sp, #\base + 64]
	stp	q6, q7, [sp, #\base + 96]
.endm

.macro restore_q base
	ldp	q0, q1, [sp, #\base + 0]
	ldp	q2, q3, [sp, #\base + 32]
	ldp	q4, q5, [sp, #\base + 64]
	ldp	q6, q7, [sp, #\base + 96]
.endm

/* Every register the frame saved; X17 gets the way into the function. */
.macro restore_regs
	ldp	x0, x1, [sp, #FTRACE_REGS_X0 + 0]
	ldp	x2, x3, [sp, #FTRACE_REGS_X0 + 16]
	ldp	x4, x5, [sp, #FTRACE_REGS_X0 + 32]
	ldp	x6, x7, [sp, #FTRACE_REGS_X0 + 48]
	ldp	x8, x9, [sp, #FTRACE_REGS_X8]
	ldp	x29, x17, [sp, #FTRACE_REGS_FP]
.endm

/* Z0-Z7 and P0-P3 at SP, which is FTRACE_SVE_VLS vector lengths lower. */
.macro save_sve
	addvl	sp, sp, #-FTRACE_SVE_VLS
	.irp n, 0, 1, 2, 3, 4, 5, 6, 7
	str	z\n, [sp, #\n, mul vl]
	.endr
	.irp n, 0, 1, 2, 3
	str	p\n, [sp, #FTRACE_SVE_P0_PLS + \n, mul vl]
	.endr
.endm

.macro restore_sve
	.irp n, 0, 1, 2, 3
	ldr	p\n, [sp, #FTRACE_SVE_P0_PLS + \n, mul vl]
	.endr
	.irp n, 0, 1, 2, 3, 4, 5, 6, 7
	ldr	z\n, [sp, #\n, mul vl]
	.endr
	addvl	sp, sp, #FTRACE_SVE_VLS
.endm

/*
 * X0: the traced function, from X30 after its entry's BL: the BL
 * follows the entry's MOV, at the function's start, or after its BTI C
 * when the object's veneer sent it to the _bti entry
 * (arch/arm64/ftrace.c).  X16: its ops slot's word, the word below it.
 */
#define A64_INSN_BYTES	4

.macro func_and_slot skip
	sub	x0, x30, #2 * A64_INSN_BYTES + \skip
	ldur	x16, [x0, #-8]
.endm

/*
 * The common case, from the frame at X29 - FTRACE_REGS_FP with X0 the
 * traced function: \enter(ip, &frame->errno), then, if it gave an ops,
 * ops->func(ip, parent, ops, frame) and ftrace_exit(errno).  Falls
 * through with everything done, or goes to \slow with X0 the function
 * when \enter said FTRACE_ENTER_SLOW.
 */
.macro enter_call_exit enter, slow
	stur	x0, [x29, #FTRACE_REGS_IP - FTRACE_REGS_FP]
	add	x1, x29, #FTRACE_REGS_ERRNO - FTRACE_REGS_FP
	bl	\enter
	cmp	x0, #FTRACE_ENTER_SLOW
	b.hi	6f
	b.lo	7f
	ldur	x0, [x29, #FTRACE_REGS_IP - FTRACE_REGS_FP]
	b	\slow
6:	mov	x2, x0					/* the ops */
	ldr	x16, [x0]				/* ops->func */
	ldur	x0, [x29, #FTRACE_REGS_IP - FTRACE_REGS_FP]
	ldur	x1, [x29, #FTRACE_REGS_X9 - FTRACE_REGS_FP]	/* its caller */
	sub	x3, x29, #FTRACE_REGS_FP		/* the frame */
	blr	x16
	ldur	w0, [x29, #FTRACE_REGS_ERRNO - FTRACE_REGS_FP]
	bl	ftrace_exit
7:
.endm

/* The frame, from the veneer's BR X16: the same for both entries. */
.macro frame_enter
	.cfi_return_column x17
	.cfi_register x17, x30
	.cfi_register x30, x9
	hint	#34				/* BTI C: the veneer comes with BR X16 */
	sub	sp, sp, #FTRACE_REGS_SIZE
	.cfi_adjust_cfa_offset FTRACE_REGS_SIZE
	save_regs
	/* DW_CFA_val_expression: X17 = *(CFA - SIZE + LR) + 1 */
	.cfi_escape DW_CFA_val_expression, 17, 6, DW_OP_const1u, \
		FTRACE_REGS_SIZE - FTRACE_REGS_LR, DW_OP_minus, DW_OP_deref, \
		DW_OP_lit0 + 1, DW_OP_plus
	.cfi_offset x30, FTRACE_REGS_X9 - FTRACE_REGS_SIZE
	.cfi_offset x29, FTRACE_REGS_FP - FTRACE_REGS_SIZE
	add	x29, sp, #FTRACE_REGS_FP
	.cfi_def_cfa x29, FTRACE_REGS_SIZE - FTRACE_REGS_FP
.endm

/*
 * \name for functions whose entry's MOV is their first instruction,
 * \name\()_bti for those that start with BTI C: it finds the function
 * and joins the other, whose unwind information holds from there on
 * (the frame is the same).
 */
.macro entry_trampoline name, sve
	.globl	\name\()_bti
	.hidden	\name\()_bti
	.type	\name\()_bti, %function
	.p2align 3
\name\()_bti:
	.cfi_startproc
	frame_enter
	func_and_slot A64_INSN_BYTES
	b	.L\name\()_found
	.cfi_endproc
	.size	\name\()_bti, . - \name\()_bti

	.globl	\name
	.hidden	\name
	.type	\name, %function
	.p2align 3
\name:
	.cfi_startproc
	frame_enter
	func_and_slot 0
.L\name\()_found:
	tbnz	x16, #0, .L\name\()_light		/* FTRACE_SLOT_LIGHT */
.L\name\()_full:
	.if \sve
	save_sve
	.else
	save_q	FTRACE_REGS_V0
	.endif

	enter_call_exit ftrace_enter, 5f
	.if \sve
	restore_sve
	.else
	restore_q FTRACE_REGS_V0
	.endif
	.cfi_def_cfa sp, FTRACE_REGS_SIZE
	b	.L\name\()_return

	.cfi_def_cfa x29, FTRACE_REGS_SIZE - FTRACE_REGS_FP
5:	mov	x1, x9				/* its caller */
	sub	x2, x29, #FTRACE_REGS_FP
	bl	ftrace_dispatch

	/*
	 * ftrace_dispatch() returned { X0: address, X1: how }.  X16 (IP0)
	 * carries the address: the veneer clobbered it already.
	 */
	mov	x16, x0
	.if \sve
	restore_sve
	.else
	restore_q FTRACE_REGS_V0
	.endif
	.cfi_def_cfa sp, FTRACE_REGS_SIZE
	cmp	x1, #FTRACE_RESUME_DIRECT
	b.eq	1f
	cmp	x1, #FTRACE_RESUME_REDIRECT
	b.eq	2f
.L\name\()_return:
	restore_regs
	mov	x30, x9
	add	sp, sp, #FTRACE_REGS_SIZE
	.cfi_adjust_cfa_offset -FTRACE_REGS_SIZE
	ret	x17

	/* As the site left it: X30 into the function, X9 its return address. */
	.cfi_adjust_cfa_offset FTRACE_REGS_SIZE
1:	restore_regs
	mov	x30, x17
	add	sp, sp, #FTRACE_REGS_SIZE
	.cfi_adjust_cfa_offset -FTRACE_REGS_SIZE
	br	x16

	/* As the caller left it: X30 its return address. */
	.cfi_adjust_cfa_offset FTRACE_REGS_SIZE
2:	restore_regs
	mov	x30, x9
	add	sp, sp, #FTRACE_REGS_SIZE
	.cfi_adjust_cfa_offset -FTRACE_REGS_SIZE
	br	x16

	/* The vector registers as the function got them, untouched. */
	.cfi_def_cfa x29, FTRACE_REGS_SIZE - FTRACE_REGS_FP
.L\name\()_light:
	enter_call_exit ftrace_enter_light, .L\name\()_full
	.cfi_def_cfa sp, FTRACE_REGS_SIZE
	restore_regs
	mov	x30, x9
	add	sp, sp, #FTRACE_REGS_SIZE
	.cfi_adjust_cfa_offset -FTRACE_REGS_SIZE
	ret	x17
	.cfi_endproc
	.size	\name, . - \name
.endm

	.text
	entry_trampoline arch_ftrace_caller, 0
	entry_trampoline ftrace_arm64_caller_sve, 1

/*
 * Where graph tracing makes a traced function return: SP is what it was
 * at the function's entry, X30 is this address, and X0-X7, Q0-Q7 (with
 * SVE Z0-Z7, P0-P3) may hold its result.  The return address saved in
 * the frame record is where the trampoline returns:
 * ftrace_graph_return(sp, slot, regs) writes the real one there before
 * it calls any callback, so that unwinding from a callback finds it.
 * Unwinding through a traced function that has not returned yet finds
 * this trampoline's entry as its return address, and the padding before
 * it: ftrace_graph_cfi.h.
 */
	.globl	arch_ftrace_return_trampoline
	.hidden	arch_ftrace_return_trampoline
	.type	arch_ftrace_return_trampoline, %function
	.p2align 3
arch_ftrace_return_trampoline:
	.cfi_startproc
	.cfi_personality 0x1b, ftrace_graph_personality
	fgraph_return_frame_cfi 31, sp, 30, 12, pac=1
	.8byte	ftrace_graph_stacks - .
	nop
	.globl	arch_ftrace_return_entry
	.hidden	arch_ftrace_return_entry
arch_ftrace_return_entry:
	sub	sp, sp, #FGRAPH_RET_SIZE
	.cfi_def_cfa sp, FGRAPH_RET_SIZE
	.cfi_restore sp
	stp	x29, x30, [sp, #FGRAPH_RET_FP]
	.cfi_offset x29, FGRAPH_RET_FP - FGRAPH_RET_SIZE
	.cfi_offset x30, FGRAPH_RET_FP + 8 - FGRAPH_RET_SIZE
	add	x29, sp, #FGRAPH_RET_FP
	.cfi_def_cfa x29, FGRAPH_RET_SIZE - FGRAPH_RET_FP
	stp	x0, x1, [sp, #FGRAPH_RET_X0 + 0]
	stp	x2, x3, [sp, #FGRAPH_RET_X0 + 16]
	stp	x4, x5, [sp, #FGRAPH_RET_X0 + 32]
	stp	x6, x7, [sp, #FGRAPH_RET_X0 + 48]
	save_q	FGRAPH_RET_V0
	adrp	x16, ftrace_arm64_sve
	ldrb	w16, [x16, :lo12:ftrace_arm64_sve]
	cbz	w16, 1f
	save_sve
1:
	add	x0, x29, #FGRAPH_RET_SIZE - FGRAPH_RET_FP	/* the stack pointer it returned with */
	add	x1, x29, #8					/* the return address saved */
	sub	x2, x29, #FGRAPH_RET_FP
	bl	ftrace_graph_return

	sub	x16, x29, #FGRAPH_RET_FP		/* no SVE below the frame: Q registers */
	cmp	sp, x16
	b.eq	1f
	restore_sve
	b	2f
1:	restore_q FGRAPH_RET_V0
2:	ldp	x0, x1, [sp, #FGRAPH_RET_X0 + 0]
	ldp	x2, x3, [sp, #FGRAPH_RET_X0 + 16]
	ldp	x4, x5, [sp, #FGRAPH_RET_X0 + 32]
	ldp	x6, x7, [sp, #FGRAPH_RET_X0 + 48]
	ldp	x29, x30, [sp, #FGRAPH_RET_FP]
	.cfi_def_cfa sp, FGRAPH_RET_SIZE
	.cfi_restore x29
	add	sp, sp, #FGRAPH_RET_SIZE
	.cfi_adjust_cfa_offset -FGRAPH_RET_SIZE
	ret
	.cfi_endproc
	.size	arch_ftrace_return_trampoline, . - arch_ftrace_return_trampoline

	.section .note.GNU-stack, "", %progbits
