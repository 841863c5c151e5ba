/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The x86-64 ftrace trampolines.  A traced function's entry CALLs its
 * object's veneer, which jumps here: the stack holds the return address
 * into the function (after its CALL) and above it the function's own
 * return address.  Save every argument register, call the ops' callback
 * (ftrace_enter(), ops->func, ftrace_exit(): ftrace_fast.c) or
 * ftrace_dispatch(ip, parent, regs) with the function's entry address,
 * restore, and return into the function as if the CALL had been the NOP
 * it replaced (or go where the dispatcher says: a direct trampoline, a
 * redirection).
 *
 * The light way: when the function's ops slot is tagged
 * FTRACE_SLOT_LIGHT (one ops whose callback leaves the vector registers
 * alone), only the integer registers are kept and ftrace_enter_light()
 * called; should it find the slot changed, the vector state is saved
 * after all and the full way taken, in the same frame.
 *
 * RSP is not always 8 mod 16 at the function's entry, as the SysV ABI
 * has it: gcc calls a local function it knows needs no more than 8-byte
 * alignment with whatever alignment it has.  The C call gets an aligned
 * stack of its own, with the frame's address pushed twice above it.
 *
 * Vector arguments: one trampoline per vector state (asm/ftrace.h), the
 * veneers jump to the one for this CPU (arch/x86/ftrace.c).  With AVX,
 * YMM0-7 (ZMM0-7 with AVX-512) are kept in full, and their upper halves
 * checked: when they are all zero, as they are but for the rare function
 * that takes __m256 or __m512 arguments, the callbacks run after
 * VZEROUPPER and the arguments come back with VZEROUPPER and legacy SSE
 * loads, so that the function runs with the upper state clean as it was
 * (SSE code after a dirty upper state pays on every instruction).  No
 * XSAVE: it costs hundreds of nanoseconds on some processors (and
 * hypervisors), several times a whole traced call.
 */
#include <asm/ftrace.h>

#include "../../textpoke/tracing/ftrace_resume.h"
#include "../../textpoke/tracing/ftrace_graph_cfi.h"

.macro save_gprs
	movq	%rdi, FTRACE_REGS_RDI(%rsp)
	movq	%rsi, FTRACE_REGS_RSI(%rsp)
	movq	%rdx, FTRACE_REGS_RDX(%rsp)
	movq	%rcx, FTRACE_REGS_RCX(%rsp)
	movq	%r8, FTRACE_REGS_R8(%rsp)
	movq	%r9, FTRACE_REGS_R9(%rsp)
	movq	%rax, FTRACE_REGS_RAX(%rsp)
	movq	%r10, FTRACE_REGS_R10(%rsp)
.endm

.macro restore_gprs
	movq	FTRACE_REGS_RDI(%rsp), %rdi
	movq	FTRACE_REGS_RSI(%rsp), %rsi
	movq	FTRACE_REGS_RDX(%rsp), %rdx
	movq	FTRACE_REGS_RCX(%rsp), %rcx
	movq	FTRACE_REGS_R8(%rsp), %r8
	movq	FTRACE_REGS_R9(%rsp), %r9
	movq	FTRACE_REGS_RAX(%rsp), %rax
	movq	FTRACE_REGS_R10(%rsp), %r10
.endm

/* Each of the eight argument registers, as \op \reg, \slot. */
.macro vec_each op, prefix, load
	.irp n, 0, 1, 2, 3, 4, 5, 6, 7
	.if \load
	\op	FTRACE_REGS_VEC + \n * 64(%rsp), %\prefix\n
	.else
	\op	%\prefix\n, FTRACE_REGS_VEC + \n * 64(%rsp)
	.endif
	.endr
.endm

.macro save_vec vec
	.if \vec == FTRACE_X86_VEC_AVX512
	vec_each vmovdqu64, zmm, 0
	.elseif \vec == FTRACE_X86_VEC_AVX
	vec_each vmovdqu, ymm, 0
	.else
	vec_each movdqu, xmm, 0
	.endif
.endm

/*
 * How the arguments come back: in full (SSE: that is all there is; AVX
 * with an upper half in use), or, upper halves all zero, by zeroing them
 * with VZEROUPPER, which leaves the upper state clean, and loading the
 * low halves with legacy SSE loads, which keep it.
 */
#define RESTORE_FULL	0
#define RESTORE_CLEAN	1

.macro restore_vec vec, how
	.if \how == RESTORE_CLEAN
	vzeroupper
	vec_each movdqu, xmm, 1
	.elseif \vec == FTRACE_X86_VEC_AVX512
	vec_each vmovdqu64, zmm, 1
	.elseif \vec == FTRACE_X86_VEC_AVX
	vec_each vmovdqu, ymm, 1
	.else
	vec_each movdqu, xmm, 1
	.endif
.endm

/* ZF set when bits 128 and up of every argument register are zero. */
.macro upper_halves_zero vec
	.if \vec == FTRACE_X86_VEC_AVX512
	vmovdqa64 %zmm0, %zmm8
	vpternlogq $0xfe, %zmm2, %zmm1, %zmm8
	vpternlogq $0xfe, %zmm4, %zmm3, %zmm8
	vpternlogq $0xfe, %zmm6, %zmm5, %zmm8
	vpord	%zmm7, %zmm8, %zmm8
	vptestmq ftrace_x86_upper512(%rip), %zmm8, %k1
	kortestw %k1, %k1
	.else
	vpor	%ymm1, %ymm0, %ymm8
	vpor	%ymm3, %ymm2, %ymm9
	vpor	%ymm5, %ymm4, %ymm10
	vpor	%ymm7, %ymm6, %ymm11
	vpor	%ymm9, %ymm8, %ymm8
	vpor	%ymm11, %ymm10, %ymm10
	vpor	%ymm10, %ymm8, %ymm8
	vptest	ftrace_x86_upper256(%rip), %ymm8
	.endif
.endm

/*
 * The traced function's entry into %rdi, from the return address into
 * it: the CALL is the function's first instruction, or follows its
 * ENDBR64 when the object's veneer sent it to the _endbr entry
 * (arch/x86/ftrace.c).  Its ops slot is the word below the entry.
 */
#define X86_SITE_LEN	5
#define X86_ENDBR64_LEN	4

.macro func_and_slot skip
	movq	FTRACE_REGS_SIZE(%rsp), %rdi
	subq	$X86_SITE_LEN + \skip, %rdi
.endm

/*
 * Call \func(%rdi, parent, frame) on a 16-byte aligned stack: RSP is not
 * always 8 mod 16 at the function's entry (above).  The frame's address
 * is pushed twice above the aligned stack.
 */
.macro call_aligned func
	movq	FTRACE_REGS_SIZE + 8(%rsp), %rsi	/* its caller */
	movq	%rsp, %rdx
	andq	$-16, %rsp
	.cfi_def_cfa %rdx, FTRACE_REGS_SIZE + 8
	pushq	%rdx
	/* DW_CFA_def_cfa_expression: *%rsp + FTRACE_REGS_SIZE + 8 */
	.cfi_escape 0x0f, 6, DW_OP_breg0 + 7, 0, DW_OP_deref, DW_OP_plus_uconst, \
		((FTRACE_REGS_SIZE + 8) & 0x7f) | 0x80, (FTRACE_REGS_SIZE + 8) >> 7
	pushq	%rdx
	call	\func
	popq	%rsp
	.cfi_def_cfa %rsp, FTRACE_REGS_SIZE + 8
.endm

/*
 * The common case: \enter(ip, &frame->errno), then, if it gave an ops,
 * ops->func(ip, parent, ops, frame) and ftrace_exit(errno), on an
 * aligned stack that holds the frame's address and the function's entry
 * (%rdi on the way in).  Falls through with everything done, or goes to
 * \slow with %rdi the entry again when \enter said FTRACE_ENTER_SLOW.
 */
.macro enter_call_exit enter, slow
	movq	%rsp, %rdx
	andq	$-16, %rsp
	.cfi_def_cfa %rdx, FTRACE_REGS_SIZE + 8
	pushq	%rdi
	pushq	%rdx
	/* DW_CFA_def_cfa_expression: *%rsp + FTRACE_REGS_SIZE + 8 */
	.cfi_escape 0x0f, 6, DW_OP_breg0 + 7, 0, DW_OP_deref, DW_OP_plus_uconst, \
		((FTRACE_REGS_SIZE + 8) & 0x7f) | 0x80, (FTRACE_REGS_SIZE + 8) >> 7
	leaq	FTRACE_REGS_ERRNO(%rdx), %rsi
	call	\enter
	cmpq	$FTRACE_ENTER_SLOW, %rax
	ja	6f
	jb	7f
	.cfi_remember_state
	movq	8(%rsp), %rdi
	popq	%rsp
	.cfi_def_cfa %rsp, FTRACE_REGS_SIZE + 8
	jmp	\slow
	.cfi_restore_state
6:	movq	%rax, %rdx				/* the ops */
	movq	8(%rsp), %rdi				/* the function */
	movq	(%rsp), %rcx				/* the frame */
	movq	FTRACE_REGS_SIZE + 8(%rcx), %rsi	/* its caller */
	call	*(%rdx)					/* ops->func */
	movq	(%rsp), %rcx
	movl	FTRACE_REGS_ERRNO(%rcx), %edi
	call	ftrace_exit
7:	popq	%rsp
	.cfi_def_cfa %rsp, FTRACE_REGS_SIZE + 8
.endm

/*
 * From the saved frame: the common case, or ftrace_dispatch() and
 * continue as it says.  ftrace_dispatch() returns { %rax: address,
 * %rdx: how }.
 */
.macro dispatch_and_continue vec, how
	.cfi_remember_state
	enter_call_exit ftrace_enter, 5f
	restore_vec \vec, \how
	restore_gprs
	addq	$FTRACE_REGS_SIZE, %rsp
	.cfi_adjust_cfa_offset -FTRACE_REGS_SIZE
	ret

	.cfi_adjust_cfa_offset FTRACE_REGS_SIZE
5:	call_aligned ftrace_dispatch
	testq	%rdx, %rdx				/* FTRACE_RESUME_FUNC */
	jnz	1f
	restore_vec \vec, \how
	restore_gprs
	addq	$FTRACE_REGS_SIZE, %rsp
	.cfi_adjust_cfa_offset -FTRACE_REGS_SIZE
	ret

	.cfi_adjust_cfa_offset FTRACE_REGS_SIZE
1:	movq	%rax, %r11
	cmpq	$FTRACE_RESUME_DIRECT, %rdx
	jne	2f
	/* As the site left it: the way into the function on top. */
	restore_vec \vec, \how
	restore_gprs
	addq	$FTRACE_REGS_SIZE, %rsp
	.cfi_adjust_cfa_offset -FTRACE_REGS_SIZE
	jmp	*%r11

	/* As the caller left it: its return address on top. */
	.cfi_adjust_cfa_offset FTRACE_REGS_SIZE
2:	restore_vec \vec, \how
	restore_gprs
	addq	$FTRACE_REGS_SIZE + 8, %rsp
	.cfi_adjust_cfa_offset -FTRACE_REGS_SIZE - 8
	jmp	*%r11
	.cfi_restore_state
.endm

/*
 * \name for functions whose site is their first instruction, \name\()_endbr
 * for those that start with ENDBR64: it finds the function and joins
 * the other, whose unwind information holds from there on (the frame is
 * the same).
 */
.macro entry_trampoline name, vec
	.globl	\name\()_endbr
	.hidden	\name\()_endbr
	.type	\name\()_endbr, @function
	.p2align 4
\name\()_endbr:
	.cfi_startproc
	subq	$FTRACE_REGS_SIZE, %rsp
	.cfi_adjust_cfa_offset FTRACE_REGS_SIZE
	save_gprs
	func_and_slot X86_ENDBR64_LEN
	jmp	.L\name\()_found
	.cfi_endproc
	.size	\name\()_endbr, . - \name\()_endbr

	.globl	\name
	.hidden	\name
	.type	\name, @function
	.p2align 4
\name:
	.cfi_startproc
	subq	$FTRACE_REGS_SIZE, %rsp
	.cfi_adjust_cfa_offset FTRACE_REGS_SIZE
	save_gprs
	func_and_slot 0
.L\name\()_found:
	movq	-8(%rdi), %rax
	testb	$FTRACE_SLOT_LIGHT, %al
	jnz	.L\name\()_light
.L\name\()_full:
	save_vec \vec
	.if \vec == FTRACE_X86_VEC_SSE
	dispatch_and_continue \vec, RESTORE_FULL
	.else
	upper_halves_zero \vec
	vzeroupper
	jnz	3f
	dispatch_and_continue \vec, RESTORE_CLEAN
3:	dispatch_and_continue \vec, RESTORE_FULL
	.endif

	/* The vector registers as the function got them, untouched. */
.L\name\()_light:
	enter_call_exit ftrace_enter_light, .L\name\()_full
	restore_gprs
	addq	$FTRACE_REGS_SIZE, %rsp
	.cfi_adjust_cfa_offset -FTRACE_REGS_SIZE
	ret
	.cfi_endproc
	.size	\name, . - \name
.endm

	.text
	entry_trampoline arch_ftrace_caller, FTRACE_X86_VEC_SSE
	entry_trampoline ftrace_x86_caller_avx, FTRACE_X86_VEC_AVX
	entry_trampoline ftrace_x86_caller_avx512, FTRACE_X86_VEC_AVX512

/*
 * Where graph tracing makes a traced function return: %rsp is what it
 * was before the function's CALL (not always 16-aligned, see above),
 * the slot below it still holds this address, and RAX, RDX, XMM0, XMM1
 * (their upper halves) and the x87 stack the result.  The trampoline
 * makes that slot its own return address: ftrace_graph_return(sp, slot,
 * regs) writes the real one there before it calls any callback, so
 * that unwinding from a callback finds it.  Unwinding through a traced
 * function that has not returned yet finds this trampoline's entry as
 * its return address, and the padding before it: ftrace_graph_cfi.h.
 */
	.globl	arch_ftrace_return_trampoline
	.hidden	arch_ftrace_return_trampoline
	.type	arch_ftrace_return_trampoline, @function
	.p2align 4
arch_ftrace_return_trampoline:
	.cfi_startproc
	.cfi_personality 0x1b, ftrace_graph_personality
	fgraph_return_frame_cfi 7, %rsp, 16, 9
	.8byte	ftrace_graph_stacks - .
	nop
	.globl	arch_ftrace_return_entry
	.hidden	arch_ftrace_return_entry
arch_ftrace_return_entry:
	subq	$8, %rsp
	.cfi_def_cfa_offset 8
	.cfi_restore %rsp
	.cfi_offset %rip, -8
	pushq	%rbp
	.cfi_adjust_cfa_offset 8
	.cfi_offset %rbp, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register %rbp
	andq	$-64, %rsp
	subq	$FGRAPH_RET_SIZE, %rsp
	movq	%rax, FGRAPH_RET_RAX(%rsp)
	movq	%rdx, FGRAPH_RET_RDX(%rsp)

	movzbl	ftrace_x86_vec(%rip), %eax
	movb	%al, FGRAPH_RET_VEC_MODE(%rsp)
	cmpb	$FTRACE_X86_VEC_AVX, %al
	jb	.Lret_save_sse
	je	.Lret_save_avx
	vmovdqu64 %zmm0, FGRAPH_RET_VEC(%rsp)
	vmovdqu64 %zmm1, FGRAPH_RET_VEC + 64(%rsp)
	vpord	%zmm1, %zmm0, %zmm2
	vptestmq ftrace_x86_upper512(%rip), %zmm2, %k1
	kortestw %k1, %k1
	jmp	.Lret_saved_upper
.Lret_save_avx:
	vmovdqu	%ymm0, FGRAPH_RET_VEC(%rsp)
	vmovdqu	%ymm1, FGRAPH_RET_VEC + 64(%rsp)
	vpor	%ymm1, %ymm0, %ymm2
	vptest	ftrace_x86_upper256(%rip), %ymm2
.Lret_saved_upper:
	setnz	FGRAPH_RET_VEC_DIRTY(%rsp)
	vzeroupper
	jmp	.Lret_save_x87
.Lret_save_sse:
	movdqu	%xmm0, FGRAPH_RET_VEC(%rsp)
	movdqu	%xmm1, FGRAPH_RET_VEC + 64(%rsp)

	/*
	 * A callee finds the x87 stack empty: pop what the function left
	 * there (TOP counts down from 0 as values are pushed).
	 */
.Lret_save_x87:
	fnstsw	%ax
	shrl	$11, %eax
	negl	%eax
	andl	$7, %eax
	movl	%eax, FGRAPH_RET_X87_NR(%rsp)
	leaq	FGRAPH_RET_X87(%rsp), %rdx
	testl	%eax, %eax
	jz	2f
1:	fstpt	(%rdx)
	addq	$16, %rdx
	decl	%eax
	jnz	1b
2:
	leaq	16(%rbp), %rdi				/* the stack pointer it returned with */
	leaq	8(%rbp), %rsi				/* the slot below it */
	movq	%rsp, %rdx
	call	ftrace_graph_return

	movl	FGRAPH_RET_X87_NR(%rsp), %eax
	testl	%eax, %eax
	jz	2f
	movl	%eax, %ecx
	shll	$4, %ecx
	leaq	FGRAPH_RET_X87 - 16(%rsp, %rcx), %rdx
1:	fldt	(%rdx)
	subq	$16, %rdx
	decl	%eax
	jnz	1b
2:
	movzbl	FGRAPH_RET_VEC_MODE(%rsp), %eax
	testl	%eax, %eax
	jz	.Lret_restore_xmm
	cmpb	$0, FGRAPH_RET_VEC_DIRTY(%rsp)
	je	.Lret_restore_clean
	cmpl	$FTRACE_X86_VEC_AVX, %eax
	je	.Lret_restore_avx
	vmovdqu64 FGRAPH_RET_VEC(%rsp), %zmm0
	vmovdqu64 FGRAPH_RET_VEC + 64(%rsp), %zmm1
	jmp	.Lret_restored_vec
.Lret_restore_avx:
	vmovdqu	FGRAPH_RET_VEC(%rsp), %ymm0
	vmovdqu	FGRAPH_RET_VEC + 64(%rsp), %ymm1
	jmp	.Lret_restored_vec
.Lret_restore_clean:
	vzeroupper
.Lret_restore_xmm:
	movdqu	FGRAPH_RET_VEC(%rsp), %xmm0
	movdqu	FGRAPH_RET_VEC + 64(%rsp), %xmm1
.Lret_restored_vec:
	movq	FGRAPH_RET_RAX(%rsp), %rax
	movq	FGRAPH_RET_RDX(%rsp), %rdx
	movq	%rbp, %rsp
	.cfi_def_cfa_register %rsp
	popq	%rbp
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbp
	ret
	.cfi_endproc
	.size	arch_ftrace_return_trampoline, . - arch_ftrace_return_trampoline

	.section .rodata
	.p2align 6
/* Bits 128 and up of a ZMM and of a YMM register. */
ftrace_x86_upper512:
	.quad	0, 0, -1, -1, -1, -1, -1, -1
ftrace_x86_upper256:
	.quad	0, 0, -1, -1

	.section .note.GNU-stack, "", @progbits
