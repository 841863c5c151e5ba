/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The x86-64 ftrace trampoline.  A traced function's entry CALLs its
 * object's veneer, which jumps here: the stack holds the return address
 * into the function (after its CALL) and above it the function's own
 * return address.  Save every argument register, call
 * ftrace_dispatch(ret, parent, regs), restore, and return into the
 * function as if the CALL had been the NOP it replaced (or go where the
 * dispatcher says: a direct trampoline, a redirection).
 *
 * RSP is not always 8 mod 16 at the function's entry, as the SysV ABI
 * has it: gcc calls a local function it knows needs no more than 8-byte
 * alignment with whatever alignment it has.  The C call gets an aligned
 * stack of its own; RBX (saved in the frame) keeps where the frame is.
 */
#include <asm/ftrace.h>

#include "../../textpoke/tracing/ftrace_resume.h"

/* Every register the frame saved; R11 gets what the dispatcher returned. */
.macro restore_regs
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
.endm


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
	movq	%rbx, FTRACE_REGS_RBX(%rsp)
	movq	%rsp, %rbx
	.cfi_def_cfa_register %rbx
	.cfi_offset %rbx, FTRACE_REGS_RBX - FTRACE_REGS_SIZE - 8

	movq	FTRACE_REGS_SIZE(%rsp), %rdi		/* into the function */
	movq	FTRACE_REGS_SIZE + 8(%rsp), %rsi	/* its caller */
	movq	%rsp, %rdx
	andq	$-16, %rsp
	call	ftrace_dispatch
	movq	%rbx, %rsp
	.cfi_def_cfa_register %rsp
	movq	FTRACE_REGS_RBX(%rsp), %rbx
	.cfi_restore %rbx

	/* ftrace_dispatch() returned { %rax: address, %rdx: how }. */
	movq	%rax, FTRACE_REGS_R11(%rsp)
	cmpq	$FTRACE_RESUME_DIRECT, %rdx
	je	.Ldirect
	cmpq	$FTRACE_RESUME_REDIRECT, %rdx
	je	.Lredirect
	restore_regs
	addq	$FTRACE_REGS_SIZE, %rsp
	.cfi_adjust_cfa_offset -FTRACE_REGS_SIZE
	ret

	/* As the site left it: the way into the function on top. */
	.cfi_adjust_cfa_offset FTRACE_REGS_SIZE
.Ldirect:
	restore_regs
	addq	$FTRACE_REGS_SIZE, %rsp
	.cfi_adjust_cfa_offset -FTRACE_REGS_SIZE
	jmp	*%r11

	/* As the caller left it: its return address on top. */
	.cfi_adjust_cfa_offset FTRACE_REGS_SIZE
.Lredirect:
	restore_regs
	addq	$FTRACE_REGS_SIZE + 8, %rsp
	.cfi_adjust_cfa_offset -FTRACE_REGS_SIZE - 8
	jmp	*%r11
	.cfi_endproc
	.size	arch_ftrace_caller, . - arch_ftrace_caller

/*
 * Where graph tracing makes a traced function return: %rsp is what it
 * was before the function's CALL (not always 16-aligned, see above),
 * %rax/%rdx and %xmm0/%xmm1 hold its return value.
 * ftrace_graph_return(sp) gives the real return address.
 */
	.globl	arch_ftrace_return_trampoline
	.hidden	arch_ftrace_return_trampoline
	.type	arch_ftrace_return_trampoline, @function
	.p2align 4
arch_ftrace_return_trampoline:
	.cfi_startproc
	.cfi_undefined rip
	movq	%rsp, %rdi
	pushq	%rbp
	movq	%rsp, %rbp
	andq	$-16, %rsp
	subq	$48, %rsp
	movq	%rax, 0(%rsp)
	movq	%rdx, 8(%rsp)
	movdqu	%xmm0, 16(%rsp)
	movdqu	%xmm1, 32(%rsp)
	call	ftrace_graph_return
	movq	%rax, %r11
	movq	0(%rsp), %rax
	movq	8(%rsp), %rdx
	movdqu	16(%rsp), %xmm0
	movdqu	32(%rsp), %xmm1
	movq	%rbp, %rsp
	popq	%rbp
	jmp	*%r11
	.cfi_endproc
	.size	arch_ftrace_return_trampoline, . - arch_ftrace_return_trampoline

	.section .note.GNU-stack, "", @progbits
