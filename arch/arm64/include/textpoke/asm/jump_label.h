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

/* How the key slot operand prints in a table entry: the bare symbol. */
#define __TP_ASM_KEY_SLOT	"%c0"

#define __tp_arch_branch_nop(slot, flags, label)			\
	asm goto("1: nop\n\t"						\
		 __TP_JUMP_TABLE_ENTRY(flags)				\
		 : : "S" (slot) : : label)

#define __tp_arch_branch_jump(slot, flags, label)			\
	asm goto("1: b %l1\n\t"						\
		 __TP_JUMP_TABLE_ENTRY(flags)				\
		 : : "S" (slot) : : label)

#endif /* TEXTPOKE_ASM_JUMP_LABEL_H */
