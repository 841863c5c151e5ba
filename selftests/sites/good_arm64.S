/* SPDX-License-Identifier: GPL-2.0 */
/* Static-branch sites of arm64: NOP and B, with and without the branch flag. */
#include "tables.h"

	good_keys

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

	key_user_table

	.section .note.GNU-stack, "", @progbits
