/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Static-branch sites of every x86-64 form: 5- and 2-byte NOPs, jmp rel8
 * and rel32, with and without the branch flag.  All of them are right.
 */
#include "tables.h"

	good_keys

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

	key_user_table

	.section .note.GNU-stack, "", @progbits
