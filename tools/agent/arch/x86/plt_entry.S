/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x86-64: the way in and out of a call traced at the PLT (../../plt.c).
 * A slot's stub jumps here with the slot in %r11, the caller's return
 * address on top of the stack.  The argument registers (and %rax, the
 * vector count of a variadic call, and %r10, the static chain) are kept
 * across agent_plt_enter(), which may swap the return address for
 * agent_plt_return; the return registers across agent_plt_exit().
 */
	.text

	.globl	agent_plt_entry
	.hidden	agent_plt_entry
	.type	agent_plt_entry, @function
	.p2align 4
agent_plt_entry:
	.cfi_startproc
	endbr64
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset %rbp, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register %rbp
	subq	$192, %rsp		/* 8 words, 8 vector registers: 16-aligned */
	movq	%rdi, 0(%rsp)
	movq	%rsi, 8(%rsp)
	movq	%rdx, 16(%rsp)
	movq	%rcx, 24(%rsp)
	movq	%r8, 32(%rsp)
	movq	%r9, 40(%rsp)
	movq	%rax, 48(%rsp)
	movq	%r10, 56(%rsp)
	movdqa	%xmm0, 64(%rsp)
	movdqa	%xmm1, 80(%rsp)
	movdqa	%xmm2, 96(%rsp)
	movdqa	%xmm3, 112(%rsp)
	movdqa	%xmm4, 128(%rsp)
	movdqa	%xmm5, 144(%rsp)
	movdqa	%xmm6, 160(%rsp)
	movdqa	%xmm7, 176(%rsp)
	movq	%r11, %rdi		/* the slot */
	leaq	8(%rbp), %rsi		/* the return address */
	leaq	16(%rbp), %rdx		/* the caller's %rsp once returned */
	call	agent_plt_enter
	movq	%rax, %r11		/* where the call goes */
	movq	0(%rsp), %rdi
	movq	8(%rsp), %rsi
	movq	16(%rsp), %rdx
	movq	24(%rsp), %rcx
	movq	32(%rsp), %r8
	movq	40(%rsp), %r9
	movq	48(%rsp), %rax
	movq	56(%rsp), %r10
	movdqa	64(%rsp), %xmm0
	movdqa	80(%rsp), %xmm1
	movdqa	96(%rsp), %xmm2
	movdqa	112(%rsp), %xmm3
	movdqa	128(%rsp), %xmm4
	movdqa	144(%rsp), %xmm5
	movdqa	160(%rsp), %xmm6
	movdqa	176(%rsp), %xmm7
	leave
	.cfi_def_cfa %rsp, 8
	jmp	*%r11
	.cfi_endproc
	.size	agent_plt_entry, . - agent_plt_entry

/*
 * The traced function returned here, %rsp where the caller's is after
 * its call (16-aligned).  Its results are in %rax:%rdx, %xmm0:%xmm1 and
 * the x87 stack, which the C code below never uses.
 */
	.globl	agent_plt_return
	.hidden	agent_plt_return
	.type	agent_plt_return, @function
	.p2align 4
agent_plt_return:
	.cfi_startproc
	.cfi_undefined rip
	endbr64
	subq	$48, %rsp
	movq	%rax, 0(%rsp)
	movq	%rdx, 8(%rsp)
	movdqa	%xmm0, 16(%rsp)
	movdqa	%xmm1, 32(%rsp)
	leaq	48(%rsp), %rdi
	call	agent_plt_exit
	movq	%rax, %r11		/* the caller's return address */
	movq	0(%rsp), %rax
	movq	8(%rsp), %rdx
	movdqa	16(%rsp), %xmm0
	movdqa	32(%rsp), %xmm1
	addq	$48, %rsp
	jmp	*%r11
	.cfi_endproc
	.size	agent_plt_return, . - agent_plt_return

	.section .note.GNU-stack, "", @progbits
