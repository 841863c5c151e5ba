/* SPDX-License-Identifier: GPL-2.0 */
/* Static-branch sites of arm64: NOP and B, with and without the branch flag. */
#include "tables.h"

	key_and_slot key_a, slot_a
	key_and_slot key_b, slot_b

	.text
	.balign	4
	func	key_user
1:	nop
	mov	w0, #1
2:	nop
	mov	w0, #2
3:	b	5f
	mov	w0, #3
4:	b	5f
	mov	w0, #4
5:	ret
	endfunc	key_user

	jump_entry 1b, 5b, slot_a, 0
	jump_entry 2b, 5b, slot_a, 1
	jump_entry 3b, 5b, slot_b, 2
	jump_entry 4b, 5b, slot_b, 3

	.section .note.GNU-stack, "", @progbits
