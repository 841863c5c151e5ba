/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x86-64 static branch sites, included by <textpoke/static_key.h>.
 *
 * A site is either the 5-byte NOP 0f 1f 44 00 00, or a JMP to the
 * branch's label that the assembler sizes: EB rel8 when the label is
 * near, E9 rel32 otherwise.  Toggling keeps the length: NOP5 <-> JMP
 * rel32, or NOP2 (66 90) <-> JMP rel8.  The NOP form cannot be shorter
 * because the assembler does not know the jump distance when it emits
 * a NOP.
 */
#ifndef TEXTPOKE_ASM_JUMP_LABEL_H
#define TEXTPOKE_ASM_JUMP_LABEL_H

/* How the key slot operand prints in a table entry: the bare symbol. */
#define __TP_ASM_KEY_SLOT	"%c0"

/* Branch to @label if the site holds a jump; @slot is the key slot. */
#define __tp_arch_branch_nop(slot, flags, label)			\
	asm goto("1: .byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n\t"		\
		 __TP_JUMP_TABLE_ENTRY(flags)				\
		 : : "i" (slot) : : label)

#define __tp_arch_branch_jump(slot, flags, label)			\
	asm goto("1: jmp %l1\n\t"					\
		 __TP_JUMP_TABLE_ENTRY(flags)				\
		 : : "i" (slot) : : label)

#endif /* TEXTPOKE_ASM_JUMP_LABEL_H */
