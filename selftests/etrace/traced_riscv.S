/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The traced functions of the E-Trace tests' riscv64 program.  The patch
 * site of decode_work is a NOP or JAL x0, decode_alt (a naturally aligned 4-byte word,
 * as nosync needs); the rest uses compressed instructions, so that the
 * decoder's walk must get instruction lengths right.  Each version
 * leaves differently, so that the trace of one walked over the code of
 * the other goes wrong:
 *
 *   NOP:  NOP, C.LI, C.BEQZ to decode_done (never taken: a branch map
 *         bit), AUIPC, ADDI, C.JR (uninferable: an address packet),
 *         C.JR ra at decode_done (tracing ends)
 *   JAL:  JAL decode_alt, C.LI, C.J decode_done, C.JR ra: no branch, no
 *         uninferable jump before the return
 *
 * decode_work returns 1 or 2: which version ran.  No linker relaxation:
 * the offsets are the ones the test's path expects.
 */
	.option	norelax
	.text
	.globl	decode_work, decode_site, decode_alt, decode_done
	.type	decode_work, @function
	.balign	16
decode_work:
decode_site:
	.option	push
	.option	norvc
	nop
	.option	pop
	c.li	a0, 1
	c.beqz	a0, decode_done
1:	auipc	a1, %pcrel_hi(decode_done)
	addi	a1, a1, %pcrel_lo(1b)
	c.jr	a1
decode_alt:
	c.li	a0, 2
	c.j	decode_done
decode_done:
	c.jr	ra
	.size	decode_work, . - decode_work

/*
 * The same function with a 2-byte site, a C.NOP that is all the library
 * writes in 2 bytes: only the NOP version runs.  4-byte aligned, where
 * EBREAK could be stored, so that the breakpoint backend's C.EBREAK comes
 * from the site's length alone.
 */
	.globl	decode_parcel_work, decode_parcel_site, decode_parcel_alt, decode_parcel_done
	.type	decode_parcel_work, @function
	.balign	16
decode_parcel_work:
decode_parcel_site:
	c.nop
	c.li	a0, 1
	c.beqz	a0, decode_parcel_done
1:	auipc	a1, %pcrel_hi(decode_parcel_done)
	addi	a1, a1, %pcrel_lo(1b)
	c.jr	a1
decode_parcel_alt:
	c.li	a0, 2
	c.j	decode_parcel_done
decode_parcel_done:
	c.jr	ra
	.size	decode_parcel_work, . - decode_parcel_work
	.section .note.GNU-stack, "", @progbits
