/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * riscv64 sites of poke_bench (poke_sites.h): NOP, JAL x0 when on.  No
 * compressed instructions and no relaxation, so that every site is an
 * aligned 4-byte word (nosync, Ziccif); the run's 400 KB keep its end
 * within JAL's 1 MiB.
 */
#include "poke_sites.h"

	.option	norelax
	.option	norvc
	.text
	.globl	bench_sites_fn, bench_sites, bench_sites_end
	.type	bench_sites_fn, @function
	.balign	16
bench_sites_fn:
	li	a0, 1
bench_sites:
	.rept	BENCH_SITES
	nop
	.endr
bench_sites_end:
	ret
	.size	bench_sites_fn, . - bench_sites_fn

	.globl	bench_site_fn, bench_site, bench_site_end
	.type	bench_site_fn, @function
	.balign	16
bench_site_fn:
	li	a0, 1
bench_site:
	nop
bench_site_end:
	ret
	.size	bench_site_fn, . - bench_site_fn

	.section .rodata
	.globl	bench_site_len
	.balign	4
bench_site_len:
	.word	4

	.section .note.GNU-stack, "", @progbits
