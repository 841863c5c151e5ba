/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serve(): 1 through the NOP at serve_site, 2 when it jumps to serve_v2. */
	.option	norvc
	.option	norelax
	.text
	.balign	4
	.globl serve, serve_site, serve_v2, demo_block, demo_block_end
	.type serve, %function
serve:
	li	a0, 1
serve_site:
	nop
	ret
serve_v2:
	li	a0, 2
	ret
	.size serve, . - serve

/* 4096 NOP sites, for one batch. */
demo_block:
	.rept	4096
	nop
	.endr
demo_block_end:
	ret
	.section .note.GNU-stack, "", %progbits
