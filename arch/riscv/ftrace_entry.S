/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The riscv64 ftrace trampoline.  A traced function's entry ran
 * AUIPC t0 and JALR t0 to its object's veneer, which jumped here with t1:
 * ra is the function's return address, t0 the address after the JALR.
 * Save the argument registers, call ftrace_dispatch(ret, parent, regs),
 * restore, and continue the function at t0.
 */
#include <asm/ftrace.h>

#include "../../textpoke/tracing/ftrace_resume.h"

.macro restore_regs
	fld	fa0, FTRACE_REGS_FA0 + 0(sp)
	fld	fa1, FTRACE_REGS_FA0 + 8(sp)
	fld	fa2, FTRACE_REGS_FA0 + 16(sp)
	fld	fa3, FTRACE_REGS_FA0 + 24(sp)
	fld	fa4, FTRACE_REGS_FA0 + 32(sp)
	fld	fa5, FTRACE_REGS_FA0 + 40(sp)
	fld	fa6, FTRACE_REGS_FA0 + 48(sp)
	fld	fa7, FTRACE_REGS_FA0 + 56(sp)
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
	ld	s0, FTRACE_REGS_S0(sp)
.endm


	.text
	.globl	arch_ftrace_caller
	.hidden	arch_ftrace_caller
	.type	arch_ftrace_caller, @function
	.p2align 3
arch_ftrace_caller:
	.cfi_startproc
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
	sd	ra, FTRACE_REGS_RA(sp)
	sd	s0, FTRACE_REGS_S0(sp)
	fsd	fa0, FTRACE_REGS_FA0 + 0(sp)
	fsd	fa1, FTRACE_REGS_FA0 + 8(sp)
	fsd	fa2, FTRACE_REGS_FA0 + 16(sp)
	fsd	fa3, FTRACE_REGS_FA0 + 24(sp)
	fsd	fa4, FTRACE_REGS_FA0 + 32(sp)
	fsd	fa5, FTRACE_REGS_FA0 + 40(sp)
	fsd	fa6, FTRACE_REGS_FA0 + 48(sp)
	fsd	fa7, FTRACE_REGS_FA0 + 56(sp)

	mv	a0, t0				/* into the function */
	mv	a1, ra				/* its caller */
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
	restore_regs
	addi	sp, sp, FTRACE_REGS_SIZE
	.cfi_adjust_cfa_offset -FTRACE_REGS_SIZE
	jr	t0

	.cfi_adjust_cfa_offset FTRACE_REGS_SIZE
.Ljump:
	restore_regs
	addi	sp, sp, FTRACE_REGS_SIZE
	.cfi_adjust_cfa_offset -FTRACE_REGS_SIZE
	jr	t1
	.cfi_endproc
	.size	arch_ftrace_caller, . - arch_ftrace_caller

/*
 * Where graph tracing makes a traced function return: sp is what it was
 * at the function's entry, a0/a1 and fa0/fa1 hold its return value.
 * ftrace_graph_return(sp) gives the real return address.
 */
	.globl	arch_ftrace_return_trampoline
	.hidden	arch_ftrace_return_trampoline
	.type	arch_ftrace_return_trampoline, @function
	.p2align 3
arch_ftrace_return_trampoline:
	.cfi_startproc
	.cfi_undefined ra
	mv	t1, sp
	addi	sp, sp, -48
	.cfi_adjust_cfa_offset 48
	sd	a0, 0(sp)
	sd	a1, 8(sp)
	fsd	fa0, 16(sp)
	fsd	fa1, 24(sp)
	sd	s0, 32(sp)
	mv	a0, t1
	call	ftrace_graph_return
	mv	ra, a0
	ld	a0, 0(sp)
	ld	a1, 8(sp)
	fld	fa0, 16(sp)
	fld	fa1, 24(sp)
	ld	s0, 32(sp)
	addi	sp, sp, 48
	.cfi_adjust_cfa_offset -48
	ret
	.cfi_endproc
	.size	arch_ftrace_return_trampoline, . - arch_ftrace_return_trampoline

	.section .note.GNU-stack, "", @progbits
