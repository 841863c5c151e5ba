/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* arm64 sites of poke_bench (poke_sites.h): NOP, B when on (both CMODX). */
#include "poke_sites.h"

	.text
	.globl	bench_sites_fn, bench_sites, bench_sites_end
	.type	bench_sites_fn, %function
	.p2align 4
bench_sites_fn:
	mov	w0, #1
bench_sites:
	.rept	BENCH_SITES
	nop
	.endr
bench_sites_end:
	ret
	.size	bench_sites_fn, . - bench_sites_fn

	.globl	bench_site_fn, bench_site, bench_site_end
	.type	bench_site_fn, %function
	.p2align 4
bench_site_fn:
	mov	w0, #1
bench_site:
	nop
bench_site_end:
	ret
	.size	bench_site_fn, . - bench_site_fn

	.section .rodata
	.globl	bench_site_len
	.p2align 2
bench_site_len:
	.long	4

	.section .note.GNU-stack, "", %progbits
