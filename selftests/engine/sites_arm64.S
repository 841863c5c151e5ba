/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arm64 patch sites for the engine selftests.  Sites are made only of the
 * forms textpoke decodes (NOP, B, BL, MOV X9, X30), so every state a poke
 * may leave them in is one the library can check.  Every instruction is
 * one 4-byte word at a 4-aligned address.
 */
#include "engine.h"

	.text

/* int site_nopjmp_fn(void): 1 while site_nopjmp is a NOP, 2 when it is
 * B site_nopjmp_alt. */
	.globl	site_nopjmp_fn, site_nopjmp, site_nopjmp_alt
	.type	site_nopjmp_fn, %function
	.p2align 4
site_nopjmp_fn:
	mov	w0, #1
site_nopjmp:
	nop
	ret
site_nopjmp_alt:
	mov	w0, #2
	ret
	.size	site_nopjmp_fn, . - site_nopjmp_fn

/* int site_call_fn(void): what the BL at site_call returns, 1 from
 * site_f, 2 from site_g.  BL overwrites x30: saved around it. */
	.globl	site_call_fn, site_call
	.type	site_call_fn, %function
	.p2align 4
site_call_fn:
	stp	x29, x30, [sp, #-16]!
	mov	x29, sp
site_call:
	bl	.Lsite_f
	ldp	x29, x30, [sp], #16
	ret
	.size	site_call_fn, . - site_call_fn

/* int site_nopcall_fn(void): 1 while site_nopcall is a NOP, 2 when it is
 * BL site_g (the NOP <-> BL transition of function-entry tracing). */
	.globl	site_nopcall_fn, site_nopcall
	.type	site_nopcall_fn, %function
	.p2align 4
site_nopcall_fn:
	stp	x29, x30, [sp, #-16]!
	mov	x29, sp
	mov	w0, #1
site_nopcall:
	nop
	ldp	x29, x30, [sp], #16
	ret
	.size	site_nopcall_fn, . - site_nopcall_fn

	.globl	site_f
	.type	site_f, %function
	.p2align 4
site_f:
.Lsite_f:
	mov	w0, #1
	ret
	.size	site_f, . - site_f

	.globl	site_g
	.type	site_g, %function
site_g:
	mov	w0, #2
	ret
	.size	site_g, . - site_g

/* long site_multi_fn(long loops): runs the site @loops (>= 1) times and
 * returns 1.  The site is two NOPs, which stop_machine rewrites as a
 * whole to MOV X9, X30; NOP (what ftrace site init makes of a
 * -fpatchable-function-entry=2 entry) and back; both are harmless here
 * (x9 is a scratch register). */
	.globl	site_multi_fn, site_multi
	.type	site_multi_fn, %function
	.p2align 4
site_multi_fn:
	mov	x1, x0
site_multi:
	nop
	nop
	subs	x1, x1, #1
	b.ne	site_multi
	mov	x0, #1
	ret
	.size	site_multi_fn, . - site_multi_fn

/* int site_short_fn(void): 1; the shortest NOP site (4 bytes on arm64). */
	.globl	site_short_fn, site_short
	.type	site_short_fn, %function
	.p2align 4
site_short_fn:
	mov	w0, #1
site_short:
	nop
	ret
	.size	site_short_fn, . - site_short_fn

/* int site_many_fn(void): SITE_MANY_COUNT NOP sites, then ret; each site
 * may become B site_many_end.  Returns 1 in every state. */
	.globl	site_many_fn, site_many, site_many_end
	.type	site_many_fn, %function
	.p2align 4
site_many_fn:
	mov	w0, #1
site_many:
	.rept	SITE_MANY_COUNT
	nop
	.endr
site_many_end:
	ret
	.size	site_many_fn, . - site_many_fn

	.section .note.GNU-stack, "", %progbits
