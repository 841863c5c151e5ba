/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arm64 site tables broken on purpose, one way per function (or data
 * object): the sites selftest expects exactly one problem naming each.
 */
#include "tables.h"

	bad_keys_and_data

	/* -fpatchable-function-entry=4,2 */
	.macro pfe name
	.balign	8
\name\()_area:
	nop
	nop
	func	\name
	nop
	nop
	ret
	endfunc	\name
	.endm

	.text
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
	nop
	nop
	func	pfe_wrong_nop
	nop
	yield				/* a hint, but not the NOP */
	ret
	endfunc	pfe_wrong_nop
	pfe_entry pfe_wrong_nop_area

	.balign	8
	udf	#0			/* pushes the area off 8-byte alignment */
pfe_slot_area:
	nop
	nop
	func	pfe_slot
	nop
	nop
	ret
	endfunc	pfe_slot
	pfe_entry pfe_slot_area

	pfe_entry data_pfe

	func	mcount_not_call
	mov	x0, x1
	ret
	endfunc	mcount_not_call
	mcount_entry mcount_not_call

	func	jump_wrong_nop
1:	yield
2:	ret
	endfunc	jump_wrong_nop
	jump_entry 1b, 2b, slot, 0

	func	jump_far_target
1:	nop
	ret
	endfunc	jump_far_target
	jump_entry 1b, pfe_good, slot, 0

	func	jump_wrong_dest
1:	b	2f
2:	nop
3:	ret
	endfunc	jump_wrong_dest
	jump_entry 1b, 3b, slot, 2

	func	jump_kind
1:	nop
2:	ret
	endfunc	jump_kind
	jump_entry 1b, 2b, slot, 2

	func	jump_slot_in_text
1:	nop
2:	ret
	endfunc	jump_slot_in_text
	jump_entry 1b, 2b, jump_slot_in_text, 0

	func	jump_dup
1:	nop
2:	ret
	endfunc	jump_dup
	jump_entry 1b, 2b, slot, 0
	jump_entry 1b, 2b, slot, 0

	jump_entry data_jump, 2b, slot, 0

	.section .note.GNU-stack, "", @progbits
