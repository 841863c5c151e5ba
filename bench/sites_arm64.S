/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* arm64 sites of poke_bench: NOP, B when on (both in the CMODX set). */
#include "poke_sites.h"

#define RETURN_ONE	mov w0, #1
#define SITE		nop
#define SITE_LEN	4
#define FUNCTION_ALIGN	.p2align 4
#define FUNCTION_TYPE	%function
#define NOTE_TYPE	%progbits

#include "sites.S.inc"
