/* SPDX-License-Identifier: GPL-2.0 */
/*
 * riscv64 patch sites for the engine selftests.  Sites are made only of
 * the forms textpoke decodes (NOP, C.NOP, JAL, AUIPC, JALR), so every
 * state a poke may leave them in is one the library can check.
 *
 * No compressed instructions (norvc) except where a site wants one, and
 * no linker relaxation (norelax), so that every two-state site is a
 * naturally aligned 4-byte word, as the nosync backend needs (Ziccif),
 * and the assembler's bytes are the ones the tests expect.
 */
#include "engine.h"

	.option	norelax
	.option	norvc
	.text

/* int site_nopjmp_fn(void): 1 while site_nopjmp is a NOP, 2 when it is
 * JAL x0, site_nopjmp_alt. */
	.globl	site_nopjmp_fn, site_nopjmp, site_nopjmp_alt
	.type	site_nopjmp_fn, @function
	.balign	16
site_nopjmp_fn:
	li	a0, 1
site_nopjmp:
	nop
	ret
site_nopjmp_alt:
	li	a0, 2
	ret
	.size	site_nopjmp_fn, . - site_nopjmp_fn

/* int site_call_fn(void): what the JAL ra at site_call returns, 1 from
 * site_f, 2 from site_g.  JAL overwrites ra: saved around it. */
	.globl	site_call_fn, site_call
	.type	site_call_fn, @function
	.balign	16
site_call_fn:
	addi	sp, sp, -16
	sd	ra, 8(sp)
site_call:
	jal	ra, .Lsite_f
	ld	ra, 8(sp)
	addi	sp, sp, 16
	ret
	.size	site_call_fn, . - site_call_fn

/* int site_nopcall_fn(void): 1 while site_nopcall is a NOP, 2 when it is
 * JAL ra, site_g. */
	.globl	site_nopcall_fn, site_nopcall
	.type	site_nopcall_fn, @function
	.balign	16
site_nopcall_fn:
	addi	sp, sp, -16
	sd	ra, 8(sp)
	li	a0, 1
site_nopcall:
	nop
	ld	ra, 8(sp)
	addi	sp, sp, 16
	ret
	.size	site_nopcall_fn, . - site_nopcall_fn

	.globl	site_f
	.type	site_f, @function
	.balign	16
site_f:
.Lsite_f:
	li	a0, 1
	ret
	.size	site_f, . - site_f

/* long site_multi_fn(long loops): calls site_f (or site_g) @loops (>= 1)
 * times through the AUIPC t0; JALR ra, t0 pair at site_multi and returns
 * what the last call returned.  stop_machine rewrites the pair as a whole;
 * site_g is more than 4 KiB from site_f (site_many lies between), so both
 * words change, and a thread resumed between them would run the old AUIPC
 * with the new JALR: the "preempted between auipc and jalr" case. */
	.globl	site_multi_fn, site_multi
	.type	site_multi_fn, @function
	.balign	16
site_multi_fn:
	addi	sp, sp, -32
	sd	ra, 24(sp)
	sd	s0, 16(sp)
	mv	s0, a0
site_multi:
.Lmulti_hi:
	auipc	t0, %pcrel_hi(.Lsite_f)
	jalr	ra, %pcrel_lo(.Lmulti_hi)(t0)
	addi	s0, s0, -1
	bnez	s0, site_multi
	ld	ra, 24(sp)
	ld	s0, 16(sp)
	addi	sp, sp, 32
	ret
	.size	site_multi_fn, . - site_multi_fn

/* int site_short_fn(void): 1; a C.NOP site (2 bytes), for length checks
 * and for nosync, which must refuse it. */
	.globl	site_short_fn, site_short
	.type	site_short_fn, @function
	.balign	16
site_short_fn:
	li	a0, 1
	.option	push
	.option	rvc
site_short:
	c.nop
	.option	pop
	ret
	.size	site_short_fn, . - site_short_fn

/* int site_unaligned_fn(void): 1; a 4-byte NOP at 2 mod 4, which nosync
 * must refuse (a fetch is only atomic for an aligned word). */
	.globl	site_unaligned_fn, site_unaligned
	.type	site_unaligned_fn, @function
	.balign	16
site_unaligned_fn:
	.option	push
	.option	rvc
	c.li	a0, 1
	.option	pop
site_unaligned:
	nop
	ret
	.size	site_unaligned_fn, . - site_unaligned_fn

/* int site_many_fn(void): SITE_MANY_COUNT NOP sites, then ret; each site
 * may become JAL x0, site_many_end.  Returns 1 in every state. */
	.globl	site_many_fn, site_many, site_many_end
	.type	site_many_fn, @function
	.balign	16
site_many_fn:
	li	a0, 1
site_many:
	.rept	SITE_MANY_COUNT
	nop
	.endr
site_many_end:
	ret
	.size	site_many_fn, . - site_many_fn

/* After site_many: far enough from site_f for AUIPC to differ. */
	.globl	site_g
	.type	site_g, @function
	.balign	16
site_g:
	li	a0, 2
	ret
	.size	site_g, . - site_g

	.section .note.GNU-stack, "", @progbits
