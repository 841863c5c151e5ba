/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Static-branch sites of every x86-64 form: 5- and 2-byte NOPs, jmp rel8
 * and rel32, with and without the branch flag.  All of them are right.
 */
#include "tables.h"

	key_and_slot key_a, slot_a
	key_and_slot key_b, slot_b

	.text
	func	key_user
1:	.nops	5
	mov	$1, %eax
2:	.nops	2
	mov	$2, %eax
3:	jmp	5f
	mov	$3, %eax
4:	.byte	0xe9		/* jmp rel32, which the assembler would shorten */
	.long	5f - . - 4
	mov	$4, %eax
5:	ret
	endfunc	key_user

	jump_entry 1b, 5b, slot_a, 0
	jump_entry 2b, 5b, slot_a, 1
	jump_entry 3b, 5b, slot_b, 2
	jump_entry 4b, 5b, slot_b, 3

	.section .note.GNU-stack, "", @progbits
