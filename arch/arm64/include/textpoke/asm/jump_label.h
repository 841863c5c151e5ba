/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * arm64 static branch sites, included by <textpoke/static_key.h>.
 *
 * A site is NOP or B to the branch's label: both are in the set of
 * instructions the architecture allows to be changed while another core
 * executes them (ARM ARM B2.2.5), so a toggle is one aligned store.
 * "S" is the constraint gcc accepts for a symbol address in PIC code.
 */
#ifndef TEXTPOKE_ASM_JUMP_LABEL_H
#define TEXTPOKE_ASM_JUMP_LABEL_H

#define __TP_JUMP_TABLE_ENTRY(flags)					\
	".pushsection __tp_jump_table, \"aw\"\n\t"			\
	".balign 8\n\t"							\
	".long 1b - ., %l1 - .\n\t"					\
	".quad %c0 + " #flags " - .\n\t"				\
	".popsection\n\t"

#define __tp_arch_branch_nop(slot, flags, label)			\
	asm goto("1: nop\n\t"						\
		 __TP_JUMP_TABLE_ENTRY(flags)				\
		 : : "S" (slot) : : label)

#define __tp_arch_branch_jump(slot, flags, label)			\
	asm goto("1: b %l1\n\t"						\
		 __TP_JUMP_TABLE_ENTRY(flags)				\
		 : : "S" (slot) : : label)

#endif /* TEXTPOKE_ASM_JUMP_LABEL_H */
