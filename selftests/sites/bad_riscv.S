/* SPDX-License-Identifier: GPL-2.0 */
/*
 * riscv64 site tables broken on purpose, one way per function (or data
 * object): the sites selftest expects exactly one problem naming each.
 * Alignments are made while RVC is on, so that with linker relaxation the
 * linker keeps them.
 */
#include "tables.h"

	bad_keys_and_data

	/* -fpatchable-function-entry=8,4 with RVC */
	.macro pfe name
	.balign	8
\name\()_area:
	.rept	4
	c.nop
	.endr
	func	\name
	.rept	4
	c.nop
	.endr
	ret
	endfunc	\name
	.endm

	.text
/*
 * Where the slot of jump_slot_in_text points: the start of .text, whose
 * offset relaxation cannot change, so no flag bits appear in the entry.
 */
text_start:
	pfe	pfe_good
	pfe_entry pfe_good_area

	pfe	pfe_shift2
	pfe_entry pfe_shift2_area + 2

	pfe	pfe_shift4
	pfe_entry pfe_shift4_area + 4

	pfe	pfe_dup
	pfe_entry pfe_dup_area
	pfe_entry pfe_dup_area

	.balign	8
pfe_wrong_nop_area:
	.rept	4
	c.nop
	.endr
	func	pfe_wrong_nop
	c.nop
	c.li	a0, 1			/* not a NOP */
	c.nop
	c.nop
	ret
	endfunc	pfe_wrong_nop
	pfe_entry pfe_wrong_nop_area

	.balign	8
	c.li	a0, 1			/* pushes the area off 8-byte alignment */
pfe_slot_area:
	.rept	4
	c.nop
	.endr
	func	pfe_slot
	.rept	4
	c.nop
	.endr
	ret
	endfunc	pfe_slot
	pfe_entry pfe_slot_area

	pfe_entry data_pfe

	func	mcount_not_call
	li	a0, 1
	ret
	endfunc	mcount_not_call
	mcount_entry mcount_not_call

	func	jump_compressed
	.balign	4
1:	c.nop				/* static-branch sites are never RVC */
2:	ret
	endfunc	jump_compressed
	jump_entry 1b, 2b, slot, 0

	func	jump_misaligned
	.balign	4
	c.li	a0, 1
1:	norvc	nop
2:	ret
	endfunc	jump_misaligned
	jump_entry 1b, 2b, slot, 0

	func	jump_far_target
	.balign	4
1:	norvc	nop
	ret
	endfunc	jump_far_target
	jump_entry 1b, pfe_good, slot, 0

	func	jump_wrong_dest
	.balign	4
1:	norvc	j 2f
2:	nop
3:	ret
	endfunc	jump_wrong_dest
	jump_entry 1b, 3b, slot, 2

	func	jump_kind
	.balign	4
1:	norvc	nop
2:	ret
	endfunc	jump_kind
	jump_entry 1b, 2b, slot, 2

	func	jump_slot_in_text
	.balign	4
1:	norvc	nop
2:	ret
	endfunc	jump_slot_in_text
	jump_entry 1b, 2b, text_start, 0

	func	jump_dup
	.balign	4
1:	norvc	nop
2:	ret
	endfunc	jump_dup
	jump_entry 1b, 2b, slot, 0
	jump_entry 1b, 2b, slot, 0

	jump_entry data_jump, 2b, slot, 0

	.section .note.GNU-stack, "", @progbits
