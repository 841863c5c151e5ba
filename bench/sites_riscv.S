/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * riscv64 sites of poke_bench: NOP, JAL x0 when on.  No compressed
 * instructions and no relaxation, so that every site is an aligned
 * 4-byte word (nosync, Ziccif); the run's 400 KB keep its end within
 * JAL's 1 MiB.
 */
#include "poke_sites.h"

	.option	norelax
	.option	norvc

#define RETURN_ONE	li a0, 1
#define SITE		nop
#define SITE_LEN	4
#define FUNCTION_ALIGN	.balign 16
#define FUNCTION_TYPE	@function
#define NOTE_TYPE	@progbits

#include "sites.S.inc"
