/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The riscv64 ftrace trampolines.  A traced function's entry ran
 * AUIPC t0 and JALR t0 to its object's veneer, which jumped here with t1:
 * ra is the function's return address, t0 the address after the JALR.
 * Save the argument registers, call the ops' callback (ftrace_enter(),
 * ops->func, ftrace_exit(): ftrace_fast.c) or ftrace_dispatch(ip,
 * parent, regs), restore, and continue the function at t0.  When the
 * function's ops slot is tagged FTRACE_SLOT_LIGHT, the floating-point
 * argument registers are neither saved nor restored
 * (ftrace_enter_light(); the full way after all when it finds the slot
 * changed).
 *
 * Unwinding from a callback: the trampoline's return address is t0 (into
 * the function), and ra is still the function's own, which the function,
 * at its first instruction, has the unwinder read from ra.  So the
 * trampoline's unwind information keeps its return address in t0's
 * column, one byte further on: compilers start a function's unwind
 * information after its patchable entry, where the JALR returns, and
 * unwinders look up the return address minus one.
 */
#include <asm/ftrace.h>

#include "../../textpoke/tracing/ftrace_resume.h"
#include "../../textpoke/tracing/ftrace_graph_cfi.h"

.macro save_fp
	fsd	fa0, FTRACE_REGS_FA0 + 0(sp)
	fsd	fa1, FTRACE_REGS_FA0 + 8(sp)
	fsd	fa2, FTRACE_REGS_FA0 + 16(sp)
	fsd	fa3, FTRACE_REGS_FA0 + 24(sp)
	fsd	fa4, FTRACE_REGS_FA0 + 32(sp)
	fsd	fa5, FTRACE_REGS_FA0 + 40(sp)
	fsd	fa6, FTRACE_REGS_FA0 + 48(sp)
	fsd	fa7, FTRACE_REGS_FA0 + 56(sp)
.endm

.macro restore_fp
	fld	fa0, FTRACE_REGS_FA0 + 0(sp)
	fld	fa1, FTRACE_REGS_FA0 + 8(sp)
	fld	fa2, FTRACE_REGS_FA0 + 16(sp)
	fld	fa3, FTRACE_REGS_FA0 + 24(sp)
	fld	fa4, FTRACE_REGS_FA0 + 32(sp)
	fld	fa5, FTRACE_REGS_FA0 + 40(sp)
	fld	fa6, FTRACE_REGS_FA0 + 48(sp)
	fld	fa7, FTRACE_REGS_FA0 + 56(sp)
.endm

/*
 * The integer registers the frame saved, but s0: saved for the callbacks
 * (the frame pointer), and callee-saved in every function called here.
 */
.macro restore_regs
	ld	a0, FTRACE_REGS_A0 + 0(sp)
	ld	a1, FTRACE_REGS_A0 + 8(sp)
	ld	a2, FTRACE_REGS_A0 + 16(sp)
	ld	a3, FTRACE_REGS_A0 + 24(sp)
	ld	a4, FTRACE_REGS_A0 + 32(sp)
	ld	a5, FTRACE_REGS_A0 + 40(sp)
	ld	a6, FTRACE_REGS_A0 + 48(sp)
	ld	a7, FTRACE_REGS_A0 + 56(sp)
	ld	t0, FTRACE_REGS_T0(sp)
	ld	ra, FTRACE_REGS_RA(sp)
.endm

/*
 * The common case, a0 the traced function: \enter(ip, &frame->errno),
 * then, if it gave an ops, ops->func(ip, parent, ops, frame) and
 * ftrace_exit(errno).  Falls through with everything done, or goes to
 * \slow with a0 the function when \enter said FTRACE_ENTER_SLOW.
 */
.macro enter_call_exit enter, slow
	addi	a1, sp, FTRACE_REGS_ERRNO
	call	\enter
	li	t1, FTRACE_ENTER_SLOW
	bgtu	a0, t1, 6f
	bltu	a0, t1, 7f
	ld	a0, FTRACE_REGS_T0(sp)
	addi	a0, a0, -2 * 4
	j	\slow
6:	mv	a2, a0				/* the ops */
	ld	t1, 0(a0)			/* ops->func */
	ld	a0, FTRACE_REGS_T0(sp)
	addi	a0, a0, -2 * 4			/* the function */
	ld	a1, FTRACE_REGS_RA(sp)		/* its caller */
	mv	a3, sp				/* the frame */
	jalr	t1
	lw	a0, FTRACE_REGS_ERRNO(sp)
	call	ftrace_exit
7:
.endm

/* The ops slot's size (textpoke/arch.h's FTRACE_SLOT_SIZE). */
#define FTRACE_SLOT_BYTES	8

	.text
	.globl	arch_ftrace_caller
	.hidden	arch_ftrace_caller
	.type	arch_ftrace_caller, @function
	.p2align 3
arch_ftrace_caller:
	.cfi_startproc
	.cfi_return_column t0
	addi	sp, sp, -FTRACE_REGS_SIZE
	.cfi_adjust_cfa_offset FTRACE_REGS_SIZE
	sd	a0, FTRACE_REGS_A0 + 0(sp)
	sd	a1, FTRACE_REGS_A0 + 8(sp)
	sd	a2, FTRACE_REGS_A0 + 16(sp)
	sd	a3, FTRACE_REGS_A0 + 24(sp)
	sd	a4, FTRACE_REGS_A0 + 32(sp)
	sd	a5, FTRACE_REGS_A0 + 40(sp)
	sd	a6, FTRACE_REGS_A0 + 48(sp)
	sd	a7, FTRACE_REGS_A0 + 56(sp)
	sd	t0, FTRACE_REGS_T0(sp)
	/* DW_CFA_val_expression: t0 = *(CFA - SIZE + T0) + 1 */
	.cfi_escape DW_CFA_val_expression, 5, 6, DW_OP_const1u, \
		FTRACE_REGS_SIZE - FTRACE_REGS_T0, DW_OP_minus, DW_OP_deref, \
		DW_OP_lit0 + 1, DW_OP_plus
	sd	ra, FTRACE_REGS_RA(sp)
	.cfi_offset ra, FTRACE_REGS_RA - FTRACE_REGS_SIZE
	sd	s0, FTRACE_REGS_S0(sp)
	.cfi_offset s0, FTRACE_REGS_S0 - FTRACE_REGS_SIZE
	/* The function: t0 after the JALR at its entry + 4; its slot below it. */
	addi	a0, t0, -2 * 4
	ld	t1, -FTRACE_SLOT_BYTES(a0)
	andi	t1, t1, FTRACE_SLOT_LIGHT
	bnez	t1, .Llight
.Lfull:
	save_fp
	enter_call_exit ftrace_enter, .Lslow
	restore_fp
	restore_regs
	addi	sp, sp, FTRACE_REGS_SIZE
	.cfi_adjust_cfa_offset -FTRACE_REGS_SIZE
	jr	t0

	.cfi_adjust_cfa_offset FTRACE_REGS_SIZE
.Lslow:
	ld	a1, FTRACE_REGS_RA(sp)		/* its caller */
	mv	a2, sp
	call	ftrace_dispatch

	/*
	 * ftrace_dispatch() returned { a0: address, a1: how }.  t1 carries
	 * the address: the veneer clobbered it already.  A direct
	 * trampoline and a redirection both want ra and t0 as the site
	 * left them.
	 */
	mv	t1, a0
	bnez	a1, .Ljump
	restore_fp
	restore_regs
	addi	sp, sp, FTRACE_REGS_SIZE
	.cfi_adjust_cfa_offset -FTRACE_REGS_SIZE
	jr	t0

	.cfi_adjust_cfa_offset FTRACE_REGS_SIZE
.Ljump:
	restore_fp
	restore_regs
	addi	sp, sp, FTRACE_REGS_SIZE
	.cfi_adjust_cfa_offset -FTRACE_REGS_SIZE
	jr	t1

	/* The floating-point registers as the function got them, untouched. */
	.cfi_adjust_cfa_offset FTRACE_REGS_SIZE
.Llight:
	enter_call_exit ftrace_enter_light, .Lfull
	restore_regs
	addi	sp, sp, FTRACE_REGS_SIZE
	.cfi_adjust_cfa_offset -FTRACE_REGS_SIZE
	jr	t0
	.cfi_endproc
	.size	arch_ftrace_caller, . - arch_ftrace_caller

/*
 * Where graph tracing makes a traced function return: sp is what it was
 * at the function's entry, ra is this address, and a0/a1 and fa0/fa1
 * hold its result.  The ra saved in the frame is where the trampoline
 * returns: ftrace_graph_return(sp, slot, regs) writes the real return
 * address there before it calls any callback, so that unwinding from a
 * callback finds it.  Unwinding through a traced function that has not
 * returned yet finds this trampoline's entry as its return address, and
 * the padding before it: ftrace_graph_cfi.h.
 */
	.globl	arch_ftrace_return_trampoline
	.hidden	arch_ftrace_return_trampoline
	.type	arch_ftrace_return_trampoline, @function
	.p2align 3
arch_ftrace_return_trampoline:
	.cfi_startproc
	.cfi_personality 0x1b, ftrace_graph_personality
	fgraph_return_frame_cfi 2, sp, 1, 12
	.8byte	ftrace_graph_stacks - .
	.option	push
	.option	norvc
	nop
	.option	pop
	.globl	arch_ftrace_return_entry
	.hidden	arch_ftrace_return_entry
arch_ftrace_return_entry:
	addi	sp, sp, -FGRAPH_RET_SIZE
	.cfi_def_cfa sp, FGRAPH_RET_SIZE
	.cfi_restore sp
	sd	ra, FGRAPH_RET_RA(sp)
	.cfi_offset ra, FGRAPH_RET_RA - FGRAPH_RET_SIZE
	sd	s0, FGRAPH_RET_S0(sp)
	.cfi_offset s0, FGRAPH_RET_S0 - FGRAPH_RET_SIZE
	sd	a0, FGRAPH_RET_A0 + 0(sp)
	sd	a1, FGRAPH_RET_A0 + 8(sp)
	fsd	fa0, FGRAPH_RET_FA0 + 0(sp)
	fsd	fa1, FGRAPH_RET_FA0 + 8(sp)
	addi	a0, sp, FGRAPH_RET_SIZE			/* the stack pointer it returned with */
	addi	a1, sp, FGRAPH_RET_RA			/* the return address saved */
	mv	a2, sp
	call	ftrace_graph_return
	ld	a0, FGRAPH_RET_A0 + 0(sp)
	ld	a1, FGRAPH_RET_A0 + 8(sp)
	fld	fa0, FGRAPH_RET_FA0 + 0(sp)
	fld	fa1, FGRAPH_RET_FA0 + 8(sp)
	ld	s0, FGRAPH_RET_S0(sp)
	.cfi_restore s0
	ld	ra, FGRAPH_RET_RA(sp)
	addi	sp, sp, FGRAPH_RET_SIZE
	.cfi_adjust_cfa_offset -FGRAPH_RET_SIZE
	ret
	.cfi_endproc
	.size	arch_ftrace_return_trampoline, . - arch_ftrace_return_trampoline

	.section .note.GNU-stack, "", @progbits
