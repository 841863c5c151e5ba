/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86-64 patch sites for the engine selftests.  Sites are made only of the
 * forms textpoke decodes (.nops, JMP rel8/rel32, CALL rel32), so every
 * state a poke may leave them in is one the library can check.
 */
#include "engine.h"

	.text

/* int site_nopjmp_fn(void): 1 while site_nopjmp is a NOP5, 2 when it is
 * JMP rel32 site_nopjmp_alt. */
	.globl	site_nopjmp_fn, site_nopjmp, site_nopjmp_alt
	.type	site_nopjmp_fn, @function
	.p2align 4
site_nopjmp_fn:
	movl	$1, %eax
site_nopjmp:
	.nops	SITE_LEN
	ret
site_nopjmp_alt:
	movl	$2, %eax
	ret
	.size	site_nopjmp_fn, . - site_nopjmp_fn

/* int site_call_fn(void): what the CALL rel32 at site_call returns,
 * 1 from site_f, 2 from site_g.  The call is to a local label so that the
 * assembler writes the final rel32 itself. */
	.globl	site_call_fn, site_call
	.type	site_call_fn, @function
	.p2align 4
site_call_fn:
	subq	$8, %rsp		/* 16-byte stack alignment at the call */
site_call:
	call	.Lsite_f
	addq	$8, %rsp
	ret
	.size	site_call_fn, . - site_call_fn

	.globl	site_f
	.type	site_f, @function
site_f:
.Lsite_f:
	movl	$1, %eax
	ret
	.size	site_f, . - site_f

	.globl	site_g
	.type	site_g, @function
site_g:
	movl	$2, %eax
	ret
	.size	site_g, . - site_g

/* long site_multi_fn(long loops): runs the site @loops (>= 1) times and
 * returns 1.  The multi-instruction site of x86 is what
 * -fpatchable-function-entry=5 emits: five 1-byte NOPs, so a thread can
 * stop at any of its five bytes; merging it into one NOP5 must not leave
 * a thread inside. */
	.globl	site_multi_fn, site_multi
	.type	site_multi_fn, @function
	.p2align 4
site_multi_fn:
	movq	%rdi, %rcx
site_multi:
	.byte	0x90, 0x90, 0x90, 0x90, 0x90
	decq	%rcx
	jnz	site_multi
	movl	$1, %eax
	ret
	.size	site_multi_fn, . - site_multi_fn

/* int site_short_fn(void): 1; a 2-byte NOP site for length checks. */
	.globl	site_short_fn, site_short
	.type	site_short_fn, @function
	.p2align 4
site_short_fn:
	movl	$1, %eax
site_short:
	.nops	SHORT_LEN
	ret
	.size	site_short_fn, . - site_short_fn

/* int site_many_fn(void): SITE_MANY_COUNT NOP5 sites, then ret; each site
 * may become JMP rel32 site_many_end.  Returns 1 in every state. */
	.globl	site_many_fn, site_many, site_many_end
	.type	site_many_fn, @function
	.p2align 4
site_many_fn:
	movl	$1, %eax
site_many:
	.rept	SITE_MANY_COUNT
	.nops	SITE_LEN
	.endr
site_many_end:
	ret
	.size	site_many_fn, . - site_many_fn

	.section .note.GNU-stack, "", @progbits
