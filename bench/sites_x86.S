/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* x86-64 sites of poke_bench: 5-byte NOPs, JMP rel32 when on. */
#include "poke_sites.h"

#define RETURN_ONE	movl $1, %eax
#define SITE		.nops 5
#define SITE_LEN	5
#define FUNCTION_ALIGN	.p2align 4
#define FUNCTION_TYPE	@function
#define NOTE_TYPE	@progbits

#include "sites.S.inc"
