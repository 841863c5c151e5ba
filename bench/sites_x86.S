/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* x86-64 sites of poke_bench (poke_sites.h): 5-byte NOPs, JMP rel32 when on. */
#include "poke_sites.h"

	.text
	.globl	bench_sites_fn, bench_sites, bench_sites_end
	.type	bench_sites_fn, @function
	.p2align 4
bench_sites_fn:
	movl	$1, %eax
bench_sites:
	.rept	BENCH_SITES
	.nops	5
	.endr
bench_sites_end:
	ret
	.size	bench_sites_fn, . - bench_sites_fn

	.globl	bench_site_fn, bench_site, bench_site_end
	.type	bench_site_fn, @function
	.p2align 4
bench_site_fn:
	movl	$1, %eax
bench_site:
	.nops	5
bench_site_end:
	ret
	.size	bench_site_fn, . - bench_site_fn

	.section .rodata
	.globl	bench_site_len
	.p2align 2
bench_site_len:
	.long	5

	.section .note.GNU-stack, "", @progbits
