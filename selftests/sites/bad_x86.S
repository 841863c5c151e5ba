/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86-64 site tables broken on purpose, one way per function (or data
 * object): the sites selftest expects exactly one problem naming each.
 */
#include "tables.h"

	bad_keys_and_data

	/* -fpatchable-function-entry=13,8, or =5 when \pre is 0 */
	.macro pfe name, pre=8
	.balign	16
\name\()_area:
	.fill	\pre, 1, 0x90
	func	\name
	.fill	5, 1, 0x90
	ret
	endfunc	\name
	.endm

	.text
	pfe	pfe_good
	pfe_entry pfe_good_area

	pfe	pfe_shift2, 0
	pfe_entry pfe_shift2 + 2

	pfe	pfe_shift4
	pfe_entry pfe_shift4_area + 4

	pfe	pfe_dup, 0
	pfe_entry pfe_dup
	pfe_entry pfe_dup

	.balign	16
	func	pfe_wrong_nop
	.byte	0x90, 0x90, 0x0f, 0x0b, 0x90	/* ud2 among the NOPs */
	ret
	endfunc	pfe_wrong_nop
	pfe_entry pfe_wrong_nop

	.balign	16
	int3				/* pushes the area off 8-byte alignment */
	int3
	int3
	int3
pfe_slot_area:
	.fill	8, 1, 0x90
	func	pfe_slot
	.fill	5, 1, 0x90
	ret
	endfunc	pfe_slot
	pfe_entry pfe_slot_area

	pfe_entry data_pfe

	func	mcount_late
	push	%rbp
1:	call	__fentry__
	pop	%rbp
	ret
	endfunc	mcount_late
	mcount_entry 1b

	func	mcount_not_call
	mov	%edi, %eax
	ret
	endfunc	mcount_not_call
	mcount_entry mcount_not_call

	func	jump_wrong_nop
1:	.byte	0x0f, 0x1f, 0x00	/* a 3-byte NOP: no static branch */
2:	ret
	endfunc	jump_wrong_nop
	jump_entry 1b, 2b, slot, 0

	func	jump_far_target
1:	.nops	5
	ret
	endfunc	jump_far_target
	jump_entry 1b, pfe_good, slot, 0

	func	jump_wrong_dest
1:	jmp	2f
2:	nop
3:	ret
	endfunc	jump_wrong_dest
	jump_entry 1b, 3b, slot, 2

	func	jump_kind
1:	.nops	5
2:	ret
	endfunc	jump_kind
	jump_entry 1b, 2b, slot, 2

	.balign	8			/* no flag bits in the slot's offset */
	func	jump_slot_in_text
1:	.nops	5
2:	ret
	endfunc	jump_slot_in_text
	jump_entry 1b, 2b, jump_slot_in_text, 0

	func	jump_dup
1:	.nops	5
2:	ret
	endfunc	jump_dup
	jump_entry 1b, 2b, slot, 0
	jump_entry 1b, 2b, slot, 0

	jump_entry data_jump, 2b, slot, 0

	.section .note.GNU-stack, "", @progbits
