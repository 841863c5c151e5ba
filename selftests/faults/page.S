/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A patch site with a page of text to itself, for the rows that unmap the
 * text or change its protection after a poke: aligned and padded to
 * 64 KiB, the largest page size of the supported arches, so that nothing
 * else of the program shares its page.
 *
 * int page_site_fn(void): a NOP of SITE_LEN bytes at page_site (or a jump
 * to the next instruction), then return 1.
 */
#include "../engine/engine.h"

#define PAGE_SPAN	65536

	.section .text.faults_page, "ax"
	.balign	PAGE_SPAN
	.globl	page_site_fn, page_site
	.type	page_site_fn, STT_FUNC
page_site_fn:
page_site:
#if defined(__x86_64__)
	.nops	SITE_LEN
	movl	$1, %eax
	ret
#elif defined(__aarch64__)
	nop
	mov	w0, #1
	ret
#elif defined(__riscv)
	.option	push
	.option	norvc
	nop
	.option	pop
	li	a0, 1
	ret
#endif
	.size	page_site_fn, . - page_site_fn
	.balign	PAGE_SPAN

#if defined(__aarch64__)
	.section .note.GNU-stack, "", %progbits
#else
	.section .note.GNU-stack, "", @progbits
#endif
