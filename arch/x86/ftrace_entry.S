/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The x86-64 ftrace trampoline.  A traced function's entry CALLs its
 * object's veneer, which jumps here: the stack holds the return address
 * into the function (after its CALL) and above it the function's own
 * return address.  Save every argument register, call
 * ftrace_dispatch(ret, parent, regs), restore, and return into the
 * function as if the CALL had been the NOP it replaced.
 *
 * At the function's entry RSP is 8 mod 16 (SysV ABI); the CALL made it
 * 0 mod 16, and the frame is a multiple of 16, so the C call is aligned.
 */
#include <asm/ftrace.h>

	.text
	.globl	arch_ftrace_caller
	.hidden	arch_ftrace_caller
	.type	arch_ftrace_caller, @function
	.p2align 4
arch_ftrace_caller:
	.cfi_startproc
	subq	$FTRACE_REGS_SIZE, %rsp
	.cfi_adjust_cfa_offset FTRACE_REGS_SIZE
	movq	%rdi, FTRACE_REGS_RDI(%rsp)
	movq	%rsi, FTRACE_REGS_RSI(%rsp)
	movq	%rdx, FTRACE_REGS_RDX(%rsp)
	movq	%rcx, FTRACE_REGS_RCX(%rsp)
	movq	%r8, FTRACE_REGS_R8(%rsp)
	movq	%r9, FTRACE_REGS_R9(%rsp)
	movq	%rax, FTRACE_REGS_RAX(%rsp)
	movq	%r10, FTRACE_REGS_R10(%rsp)
	movq	%r11, FTRACE_REGS_R11(%rsp)
	movdqu	%xmm0, FTRACE_REGS_XMM0 + 0 * 16(%rsp)
	movdqu	%xmm1, FTRACE_REGS_XMM0 + 1 * 16(%rsp)
	movdqu	%xmm2, FTRACE_REGS_XMM0 + 2 * 16(%rsp)
	movdqu	%xmm3, FTRACE_REGS_XMM0 + 3 * 16(%rsp)
	movdqu	%xmm4, FTRACE_REGS_XMM0 + 4 * 16(%rsp)
	movdqu	%xmm5, FTRACE_REGS_XMM0 + 5 * 16(%rsp)
	movdqu	%xmm6, FTRACE_REGS_XMM0 + 6 * 16(%rsp)
	movdqu	%xmm7, FTRACE_REGS_XMM0 + 7 * 16(%rsp)

	movq	FTRACE_REGS_SIZE(%rsp), %rdi		/* into the function */
	movq	FTRACE_REGS_SIZE + 8(%rsp), %rsi	/* its caller */
	movq	%rsp, %rdx
	call	ftrace_dispatch

	movq	FTRACE_REGS_RDI(%rsp), %rdi
	movq	FTRACE_REGS_RSI(%rsp), %rsi
	movq	FTRACE_REGS_RDX(%rsp), %rdx
	movq	FTRACE_REGS_RCX(%rsp), %rcx
	movq	FTRACE_REGS_R8(%rsp), %r8
	movq	FTRACE_REGS_R9(%rsp), %r9
	movq	FTRACE_REGS_RAX(%rsp), %rax
	movq	FTRACE_REGS_R10(%rsp), %r10
	movq	FTRACE_REGS_R11(%rsp), %r11
	movdqu	FTRACE_REGS_XMM0 + 0 * 16(%rsp), %xmm0
	movdqu	FTRACE_REGS_XMM0 + 1 * 16(%rsp), %xmm1
	movdqu	FTRACE_REGS_XMM0 + 2 * 16(%rsp), %xmm2
	movdqu	FTRACE_REGS_XMM0 + 3 * 16(%rsp), %xmm3
	movdqu	FTRACE_REGS_XMM0 + 4 * 16(%rsp), %xmm4
	movdqu	FTRACE_REGS_XMM0 + 5 * 16(%rsp), %xmm5
	movdqu	FTRACE_REGS_XMM0 + 6 * 16(%rsp), %xmm6
	movdqu	FTRACE_REGS_XMM0 + 7 * 16(%rsp), %xmm7
	addq	$FTRACE_REGS_SIZE, %rsp
	.cfi_adjust_cfa_offset -FTRACE_REGS_SIZE
	ret
	.cfi_endproc
	.size	arch_ftrace_caller, . - arch_ftrace_caller

	.section .note.GNU-stack, "", @progbits
