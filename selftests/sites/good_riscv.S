/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Static-branch sites of riscv64: a 4-byte NOP or JAL x0, never
 * compressed, each behind a 4-byte alignment made while RVC is on (so
 * that, with linker relaxation, the linker keeps it aligned), between
 * compressed code and a call that relaxation shrinks.
 */
#include "tables.h"

	good_keys

	.text
	func	helper
	ret
	endfunc	helper

	func	key_user
	addi	sp, sp, -16
	sd	ra, 8(sp)
	call	helper
	.balign	4
1:	norvc	nop
	li	a0, 1
	.balign	4
2:	norvc	nop
	li	a0, 2
	.balign	4
3:	norvc	j 5f
	li	a0, 3
	.balign	4
4:	norvc	j 5f
	li	a0, 4
5:	ld	ra, 8(sp)
	addi	sp, sp, 16
	ret
	endfunc	key_user

	key_user_table

	.section .note.GNU-stack, "", @progbits
