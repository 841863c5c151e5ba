// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The x86-64 breakpoint of a site.  Apart from poke.c, whose signal
 * context code builds only for x86-64, so that the host decoders can
 * build the same choice for a trace of any architecture.
 */
#include <asm/insn.h>

#include "../../textpoke/arch.h"

/* INT3 is one byte: the breakpoint protocol's first store on every site. */
size_t arch_trap_insn(uint8_t *buf, uintptr_t addr, size_t len)
{
	(void)addr, (void)len;
	return x86_encode_int3(buf);
}
