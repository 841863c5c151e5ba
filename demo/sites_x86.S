/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serve(): 1 through the NOP at serve_site, 2 when it jumps to serve_v2. */
	.text
	.globl serve, serve_site, serve_v2, demo_block, demo_block_end
	.type serve, @function
serve:
	mov	$1, %eax
serve_site:
	.nops	5
	ret
serve_v2:
	mov	$2, %eax
	ret
	.size serve, . - serve

/* 4096 NOP sites, for one batch. */
demo_block:
	.rept	4096
	.nops	5
	.endr
demo_block_end:
	ret
	.section .note.GNU-stack, "", @progbits
