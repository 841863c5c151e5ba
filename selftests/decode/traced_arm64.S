/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The traced function of the decode tests' arm64 program.  Its patch site
 * is a NOP or B decode_alt; each version leaves through a different kind
 * of branch, so that the trace of one decoded with the code of the other
 * goes visibly wrong:
 *
 *   NOP:    NOP, MOV, CBZ to decode_done (never taken: an N atom), ADR, BR x1
 *           (indirect: an E atom and an address), RET at decode_done
 *           (an E atom; the trace stops there)
 *   B alt:  B decode_alt (E), MOV, B decode_done (E), RET (E)
 *
 * decode_work returns 1 or 2: which version ran.
 */
	.text
	.globl	decode_work, decode_site, decode_alt, decode_done, decode_work_end
	.type	decode_work, %function
	.p2align 4
decode_work:
decode_site:
	nop
	mov	x0, #1
	cbz	x0, decode_done
	adr	x1, decode_done
	br	x1
decode_alt:
	mov	x0, #2
	b	decode_done
decode_done:
	ret
decode_work_end:
	.size	decode_work, . - decode_work
	.section .note.GNU-stack, "", %progbits
