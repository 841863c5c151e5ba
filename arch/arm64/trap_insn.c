// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The arm64 breakpoint of a site.  Apart from poke.c, whose signal
 * context code builds only for arm64, so that the host decoders can
 * build the same choice for a trace of any architecture.
 */
#include <asm/insn.h>
#include <string.h>

#include "../../textpoke/arch.h"

/* An immediate of our own, so that a debugger can tell textpoke's BRKs. */
#define TP_BRK_IMM	0x7450		/* "tP" */

size_t arch_trap_insn(uint8_t *buf, uintptr_t addr, size_t len)
{
	uint32_t word;

	(void)addr, (void)len;
	a64_encode_brk(&word, TP_BRK_IMM);
	memcpy(buf, &word, sizeof(word));
	return A64_INSN_LEN;
}
