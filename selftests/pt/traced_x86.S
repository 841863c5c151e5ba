/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The traced function of the Intel PT tests' x86-64 program.  Its patch
 * site is a 5-byte NOP or JMP rel32 decode_alt; each version leaves
 * through a different kind of branch, so that the trace of one decoded
 * with the code of the other goes visibly wrong:
 *
 *   NOP:  NOP5, MOV, TEST, JZ decode_done (never taken: a TNT bit), LEA,
 *         JMP *%rcx (indirect: a TIP), RET at decode_done (tracing ends
 *         when it leaves the function: TIP.PGD)
 *   JMP:  JMP decode_alt, MOV, JMP decode_done, RET: no packet before
 *         the return
 *
 * decode_work returns 1 or 2: which version ran.  The offsets the test
 * expects are checked here.
 */
	.text
	.globl	decode_work, decode_site, decode_alt, decode_done
	.type	decode_work, @function
	.p2align 4
decode_work:
decode_site:
	.byte	0x0f, 0x1f, 0x44, 0x00, 0x00	/* the library's own NOP5 */
	movl	$1, %eax
	testl	%eax, %eax
	.byte	0x74, decode_done - .Lmid	/* JZ rel8: fixed sizes, offsets checked below */
.Lmid:
	leaq	decode_done(%rip), %rcx
	jmp	*%rcx
decode_alt:
	movl	$2, %eax
	.byte	0xeb, decode_done - .Ldone_jmp	/* JMP rel8 */
.Ldone_jmp:
	int3				/* never runs: the JMP is a taken branch */
decode_done:
	ret
	.size	decode_work, . - decode_work

	/* pt_path.h's offsets */
	.if	.Lmid - decode_site != 14
	.error	"the NOP version's first branch is not where the test expects it"
	.endif
	.if	decode_alt - decode_site != 23
	.error	"decode_alt is not where the test expects it"
	.endif
	.if	decode_done - decode_alt != 8
	.error	"decode_done is not where the test expects it"
	.endif
	.section .note.GNU-stack, "", @progbits
