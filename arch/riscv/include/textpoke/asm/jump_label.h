/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * riscv64 static branch sites, included by <textpoke/static_key.h>.
 *
 * A site is a 4-byte NOP (ADDI x0, x0, 0) or JAL x0 to the branch's
 * label, on a 4-byte boundary: an aligned 4-byte store is seen whole by
 * instruction fetch (Ziccif), so a toggle is one store.  norvc keeps the
 * assembler from emitting C.NOP / C.J, norelax keeps the linker from
 * shrinking the JAL, either of which would leave a site that cannot hold
 * the other instruction.
 */
#ifndef TEXTPOKE_ASM_JUMP_LABEL_H
#define TEXTPOKE_ASM_JUMP_LABEL_H

/* How the key slot operand prints in a table entry: the bare symbol. */
#define __TP_ASM_KEY_SLOT	"%0"

#define __TP_SITE(insn)							\
	".balign 4\n\t"							\
	".option push\n\t"						\
	".option norvc\n\t"						\
	".option norelax\n\t"						\
	"1: " insn "\n\t"						\
	".option pop\n\t"

#define __tp_arch_branch_nop(slot, flags, label)			\
	asm goto(__TP_SITE("nop")					\
		 __TP_JUMP_TABLE_ENTRY(flags)				\
		 : : "i" (slot) : : label)

#define __tp_arch_branch_jump(slot, flags, label)			\
	asm goto(__TP_SITE("jal zero, %l1")				\
		 __TP_JUMP_TABLE_ENTRY(flags)				\
		 : : "i" (slot) : : label)

#endif /* TEXTPOKE_ASM_JUMP_LABEL_H */
