/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * riscv64: the way in and out of a call traced at the PLT (../../plt.c).
 * A slot's stub jumps here with the slot in t0, the caller's return
 * address in ra.  The argument registers (a0-a7, fa0-fa7) are kept
 * across agent_plt_enter(), which may swap the saved ra for
 * agent_plt_return; the result registers (a0-a1, fa0-fa1) across
 * agent_plt_exit().  The call leaves as the PLT's own code does: t3 the
 * target and t1 where the slot's PLT entry would have left it, which the
 * lazy resolver (PLT0) finds the slot's relocation by.
 */
	.text

	.globl	agent_plt_entry
	.hidden	agent_plt_entry
	.type	agent_plt_entry, @function
	.p2align 2
agent_plt_entry:
	.cfi_startproc
	addi	sp, sp, -160
	.cfi_def_cfa_offset 160
	sd	ra, 0(sp)
	.cfi_offset ra, -160
	sd	a0, 8(sp)
	sd	a1, 16(sp)
	sd	a2, 24(sp)
	sd	a3, 32(sp)
	sd	a4, 40(sp)
	sd	a5, 48(sp)
	sd	a6, 56(sp)
	sd	a7, 64(sp)
	fsd	fa0, 72(sp)
	fsd	fa1, 80(sp)
	fsd	fa2, 88(sp)
	fsd	fa3, 96(sp)
	fsd	fa4, 104(sp)
	fsd	fa5, 112(sp)
	fsd	fa6, 120(sp)
	fsd	fa7, 128(sp)
	sd	t0, 136(sp)
	mv	a0, t0			/* the slot */
	mv	a1, sp			/* the saved return address */
	addi	a2, sp, 160		/* the caller's sp, the same once returned */
	call	agent_plt_enter
	mv	t3, a0			/* where the call goes */
	ld	t0, 136(sp)
	ld	t1, 8(t0)		/* slot->arch_word, the second member */
	add	t1, t3, t1
	ld	ra, 0(sp)
	ld	a0, 8(sp)
	ld	a1, 16(sp)
	ld	a2, 24(sp)
	ld	a3, 32(sp)
	ld	a4, 40(sp)
	ld	a5, 48(sp)
	ld	a6, 56(sp)
	ld	a7, 64(sp)
	fld	fa0, 72(sp)
	fld	fa1, 80(sp)
	fld	fa2, 88(sp)
	fld	fa3, 96(sp)
	fld	fa4, 104(sp)
	fld	fa5, 112(sp)
	fld	fa6, 120(sp)
	fld	fa7, 128(sp)
	addi	sp, sp, 160
	.cfi_def_cfa_offset 0
	.cfi_restore ra
	jr	t3
	.cfi_endproc
	.size	agent_plt_entry, . - agent_plt_entry

/* The traced function returned here, sp the caller's. */
	.globl	agent_plt_return
	.hidden	agent_plt_return
	.type	agent_plt_return, @function
	.p2align 2
agent_plt_return:
	.cfi_startproc
	.cfi_undefined ra
	addi	sp, sp, -48
	.cfi_def_cfa_offset 48
	sd	ra, 0(sp)
	sd	a0, 8(sp)
	sd	a1, 16(sp)
	fsd	fa0, 24(sp)
	fsd	fa1, 32(sp)
	addi	a0, sp, 48
	call	agent_plt_exit
	mv	t0, a0			/* the caller's return address */
	ld	ra, 0(sp)
	ld	a0, 8(sp)
	ld	a1, 16(sp)
	fld	fa0, 24(sp)
	fld	fa1, 32(sp)
	addi	sp, sp, 48
	.cfi_def_cfa_offset 0
	jr	t0
	.cfi_endproc
	.size	agent_plt_return, . - agent_plt_return

	.section .note.GNU-stack, "", @progbits
