/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reference instructions assembled by the toolchain, for checking the
 * encoders byte for byte.  Each arch's ref_<arch>.S emits a table of
 * struct insn_ref with the INSN_REF macro: the instruction's address, the
 * offset of its target from it, what kind it is and its length.
 */
#ifndef SELFTESTS_INSN_REF_H
#define SELFTESTS_INSN_REF_H

#define REF_NOP		1
#define REF_JUMP	2
#define REF_CALL	3
#define REF_TRAP	4
#define REF_OTHER	5	/* arch-specific fixed instruction */

#ifdef __ASSEMBLER__

/* INSN_REF kind, offset, instruction...: "." inside is the instruction. */
.macro INSN_REF kind, off, insn:vararg
	.pushsection .rodata.insn_ref_code, "a"
99:	\insn
98:
	.popsection
	.pushsection .data.rel.ro.insn_ref, "aw"
	.balign 8
	.quad 99b
	.quad \off
	.long \kind
	.long 98b - 99b
	.popsection
.endm

.macro INSN_REF_TABLE_BEGIN
	/*
	 * GNU as aligns a section that holds instructions; clang's
	 * assembler does not, and a misaligned reference would be refused
	 * by the encoders it is meant to check.
	 */
	.pushsection .rodata.insn_ref_code, "a"
	.balign 8
	.popsection
	.pushsection .data.rel.ro.insn_ref, "aw"
	.balign 8
	.globl insn_refs
insn_refs:
	.popsection
.endm

.macro INSN_REF_TABLE_END
	.pushsection .data.rel.ro.insn_ref, "aw"
	.balign 8
	.globl insn_refs_end
insn_refs_end:
	.popsection
	.section .note.GNU-stack, "", %progbits
.endm

#else

#include <stdint.h>

struct insn_ref {
	const uint8_t *code;
	intptr_t off;
	uint32_t kind;
	uint32_t len;
};

extern const struct insn_ref insn_refs[], insn_refs_end[];

#define for_each_insn_ref(r) \
	for (const struct insn_ref *r = insn_refs; r < insn_refs_end; r++)

#endif /* __ASSEMBLER__ */
#endif /* SELFTESTS_INSN_REF_H */
