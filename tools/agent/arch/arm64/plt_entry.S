/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * arm64: the way in and out of a call traced at the PLT (../../plt.c).
 * A slot's stub branches here with the slot in x16, the caller's return
 * address in x30.  The argument registers (x0-x7, x8 for an indirect
 * result, q0-q7) are kept across agent_plt_enter(), which may swap the
 * saved x30 for agent_plt_return; the result registers (the same ones)
 * across agent_plt_exit().  x16 and x17 are scratch at any call; the
 * call leaves as the PLT's own code does, with x16 the GOT slot's
 * address (the lazy resolver finds the slot's relocation by it) and x17
 * the target.
 */
	.text

	.globl	agent_plt_entry
	.hidden	agent_plt_entry
	.type	agent_plt_entry, %function
	.p2align 3
agent_plt_entry:
	.cfi_startproc
	hint	#34			/* bti c: reached by br x17 */
	stp	x29, x30, [sp, #-224]!
	.cfi_def_cfa_offset 224
	.cfi_offset x29, -224
	.cfi_offset x30, -216
	mov	x29, sp
	stp	x0, x1, [sp, #16]
	stp	x2, x3, [sp, #32]
	stp	x4, x5, [sp, #48]
	stp	x6, x7, [sp, #64]
	stp	x8, x16, [sp, #80]
	stp	q0, q1, [sp, #96]
	stp	q2, q3, [sp, #128]
	stp	q4, q5, [sp, #160]
	stp	q6, q7, [sp, #192]
	mov	x0, x16			/* the slot */
	add	x1, sp, #8		/* the saved return address */
	add	x2, sp, #224		/* the caller's sp, the same once returned */
	bl	agent_plt_enter
	mov	x17, x0			/* where the call goes */
	ldr	x16, [sp, #88]
	ldr	x16, [x16]		/* slot->got, the first member */
	ldp	x0, x1, [sp, #16]
	ldp	x2, x3, [sp, #32]
	ldp	x4, x5, [sp, #48]
	ldp	x6, x7, [sp, #64]
	ldr	x8, [sp, #80]
	ldp	q0, q1, [sp, #96]
	ldp	q2, q3, [sp, #128]
	ldp	q4, q5, [sp, #160]
	ldp	q6, q7, [sp, #192]
	ldp	x29, x30, [sp], #224
	.cfi_def_cfa_offset 0
	.cfi_restore x29
	.cfi_restore x30
	br	x17
	.cfi_endproc
	.size	agent_plt_entry, . - agent_plt_entry

/*
 * The traced function returned here, sp the caller's.  The results may
 * be in x0-x7 and q0-q7 (composites are returned where they would be
 * passed); the caller is reached with ret, which BTI does not check.
 */
	.globl	agent_plt_return
	.hidden	agent_plt_return
	.type	agent_plt_return, %function
	.p2align 3
agent_plt_return:
	.cfi_startproc
	.cfi_undefined x30
	stp	x29, x30, [sp, #-208]!
	.cfi_def_cfa_offset 208
	mov	x29, sp
	stp	x0, x1, [sp, #16]
	stp	x2, x3, [sp, #32]
	stp	x4, x5, [sp, #48]
	stp	x6, x7, [sp, #64]
	stp	q0, q1, [sp, #80]
	stp	q2, q3, [sp, #112]
	stp	q4, q5, [sp, #144]
	stp	q6, q7, [sp, #176]
	add	x0, sp, #208
	bl	agent_plt_exit
	mov	x16, x0			/* the caller's return address */
	ldp	x0, x1, [sp, #16]
	ldp	x2, x3, [sp, #32]
	ldp	x4, x5, [sp, #48]
	ldp	x6, x7, [sp, #64]
	ldp	q0, q1, [sp, #80]
	ldp	q2, q3, [sp, #112]
	ldp	q4, q5, [sp, #144]
	ldp	q6, q7, [sp, #176]
	ldp	x29, x30, [sp], #208
	.cfi_def_cfa_offset 0
	ret	x16
	.cfi_endproc
	.size	agent_plt_return, . - agent_plt_return

	.section .note.GNU-stack, "", %progbits
